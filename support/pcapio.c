// SPDX-License-Identifier: MIT
/* Capture files through libpcap: it reads pcap and pcapng, we write pcap so
 * that every version of Wireshark and tcpdump reads what segoff writes. */
#define _DEFAULT_SOURCE
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pcapio.h"

struct pcapio_reader {
	pcap_t *pcap;
};

struct pcapio_writer {
	pcap_t *dead;
	pcap_dumper_t *dumper;
	FILE *fp;
};

/* Large enough for any super-packet segoff may be given (BIG TCP included). */
#define SNAPLEN 262144

struct pcapio_reader *pcapio_open_read(const char *path, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = strcmp(path, "-") == 0 ? pcap_fopen_offline(stdin, ebuf) : pcap_open_offline(path, ebuf);
	if (!p) {
		snprintf(err, errlen, "%s", ebuf);
		return NULL;
	}
	struct pcapio_reader *r = calloc(1, sizeof(*r));
	if (!r) {
		pcap_close(p);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->pcap = p;
	return r;
}

int pcapio_linktype(const struct pcapio_reader *r)
{
	return pcap_datalink(r->pcap);
}

int pcapio_next(struct pcapio_reader *r, struct pcapio_packet *pkt, char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc = pcap_next_ex(r->pcap, &h, &data);
	if (rc == 1) {
		pkt->data = data;
		pkt->caplen = h->caplen;
		pkt->len = h->len;
		pkt->ts = h->ts;
		return 1;
	}
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	snprintf(err, errlen, "%s", pcap_geterr(r->pcap));
	return -1;
}

void pcapio_close_read(struct pcapio_reader *r)
{
	if (!r)
		return;
	pcap_close(r->pcap);
	free(r);
}

struct pcapio_writer *pcapio_open_write(const char *path, int linktype, char *err, size_t errlen)
{
	struct pcapio_writer *w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->dead = pcap_open_dead(linktype, SNAPLEN);
	if (!w->dead) {
		free(w);
		snprintf(err, errlen, "pcap_open_dead failed");
		return NULL;
	}
	if (strcmp(path, "-") == 0) {
		w->dumper = pcap_dump_fopen(w->dead, stdout);
	} else {
		w->dumper = pcap_dump_open(w->dead, path);
	}
	if (!w->dumper) {
		snprintf(err, errlen, "%s", pcap_geterr(w->dead));
		pcap_close(w->dead);
		free(w);
		return NULL;
	}
	return w;
}

void pcapio_write(struct pcapio_writer *w, const struct timeval *ts, const uint8_t *data, uint32_t len)
{
	struct pcap_pkthdr h;
	h.ts = *ts;
	h.caplen = len;
	h.len = len;
	pcap_dump((u_char *)w->dumper, &h, data);
}

int pcapio_close_write(struct pcapio_writer *w)
{
	if (!w)
		return 0;
	int rc = pcap_dump_flush(w->dumper);
	pcap_dump_close(w->dumper);
	pcap_close(w->dead);
	free(w);
	return rc;
}

int pcapio_parse_start(int linktype, const uint8_t *data, uint32_t caplen, enum segoff_proto *first, unsigned *off)
{
	switch (linktype) {
	case DLT_EN10MB:
		*first = SEGOFF_PROTO_ETH;
		*off = 0;
		return 1;
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
	case DLT_IPV6:
#endif
		/* raw IP: the version nibble says which */
		if (caplen < 1)
			return 0;
		*first = (data[0] >> 4) == 6 ? SEGOFF_PROTO_IPV6 : SEGOFF_PROTO_IPV4;
		*off = 0;
		return 1;
	case DLT_LINUX_SLL: {
		/* 16-byte cooked header; the protocol is at bytes 14-15 */
		if (caplen < 16)
			return 0;
		uint16_t proto = (uint16_t)(data[14] << 8 | data[15]);
		if (proto != 0x0800 && proto != 0x86dd)
			return 0;
		*first = proto == 0x0800 ? SEGOFF_PROTO_IPV4 : SEGOFF_PROTO_IPV6;
		*off = 16;
		return 1;
	}
	default:
		return 0;
	}
}
