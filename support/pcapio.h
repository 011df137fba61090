/* SPDX-License-Identifier: MIT */
/* pcap/pcapng in (libpcap), pcap out, with "-" for stdin/stdout, and the
 * mapping from a capture's link type to where the parser starts. Used by the
 * CLI; the library proper has no libpcap dependency. */
#ifndef SEGOFF_PCAPIO_H
#define SEGOFF_PCAPIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>
#include <segoff/pkt.h>

struct pcapio_reader;
struct pcapio_writer;

struct pcapio_packet {
	const uint8_t *data;
	uint32_t caplen;        /* bytes captured */
	uint32_t len;           /* bytes on the wire */
	struct timeval ts;
};

/* Opens `path` ("-" = stdin). On failure returns NULL with a message in err. */
struct pcapio_reader *pcapio_open_read(const char *path, char *err, size_t errlen);
int pcapio_linktype(const struct pcapio_reader *r);
/* 1 = a packet, 0 = end of file, -1 = read error (message in err). */
int pcapio_next(struct pcapio_reader *r, struct pcapio_packet *pkt, char *err, size_t errlen);
void pcapio_close_read(struct pcapio_reader *r);

/* Opens `path` ("-" = stdout) for pcap output with the given link type. */
struct pcapio_writer *pcapio_open_write(const char *path, int linktype, char *err, size_t errlen);
void pcapio_write(struct pcapio_writer *w, const struct timeval *ts, const uint8_t *data, uint32_t len);
int pcapio_close_write(struct pcapio_writer *w);

/* Where parsing starts for a link type: 1 and fills first/off, or 0 for a
 * link type segoff does not parse (its packets pass through). For Linux
 * cooked captures the start depends on the packet: pass it. */
int pcapio_parse_start(int linktype, const uint8_t *data, uint32_t caplen, enum segoff_proto *first, unsigned *off);

#define PCAPIO_DLT_EN10MB 1

#endif
