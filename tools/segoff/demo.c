// SPDX-License-Identifier: MIT
/*
 * `segoff demo [--out DIR] [--writes N]`: the main job on a built-in input.
 *
 * 1. Generates what tcpdump shows on the sending side of a TSO interface: two
 *    TCP connections (IPv4 and IPv6) writing 64 KB at a time, as super-packets
 *    whose TCP check field holds only the pseudo-header sum, plus the ARP and
 *    pure ACKs around them -> DIR/stack.pcap.
 * 2. Runs the `segoff segment` job on it -> DIR/wire.pcap (what the NIC put
 *    on the wire), with its summary.
 * 3. Reads wire.pcap back and checks it: every frame within a 1500-byte MTU,
 *    every IPv4 and TCP checksum valid, and each connection's byte stream
 *    identical to what was written.
 * 4. Runs the `segoff coalesce` job on wire.pcap -> DIR/gro.pcap, what GRO
 *    on the receiving host makes of it, and checks the round trip: the
 *    coalesced capture is the stack capture again, frame for frame.
 * 5. Times segmentation and coalescing in memory.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "../../src/io/pcapio.h"
#include "cli.h"

#define DEMO_MSS 1428           /* fits a 1500 MTU for IPv6 with timestamps; used for both */
#define DEMO_SEGS_PER_WRITE 45  /* 64260 bytes: what Linux sizes a 64 KB TSO write to */
#define DEMO_HDR_TCP 32         /* TCP with NOP, NOP, timestamps */

struct flow {
	int ipv6;
	uint32_t seq, ack, tsval;
	uint16_t ip_id;
	uint64_t written;       /* stream bytes so far */
	uint64_t hash_sent;     /* FNV-1a of the stream as generated */
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* Readable stream bytes, so Wireshark's "Follow TCP stream" shows text. */
static void stream_bytes(const struct flow *f, uint8_t *dst, size_t n)
{
	static const char line[] = "segoff demo: bytes cut by TSO, put back by GRO.       \n";
	for (size_t i = 0; i < n; i++)
		dst[i] = (uint8_t)line[(f->written + i) % (sizeof(line) - 1)];
	(void)f->ipv6;
}

/* One TCP packet of the flow with `payload` bytes; returns the frame length. */
static size_t build_tcp(struct flow *f, uint8_t *buf, uint32_t payload, uint8_t flags, int from_peer)
{
	size_t l3 = 14, l4 = l3 + (f->ipv6 ? 40 : 20), hdr = l4 + DEMO_HDR_TCP, len = hdr + payload;
	static const uint8_t mac_a[6] = { 2, 0, 0x5e, 0, 0, 1 }, mac_b[6] = { 2, 0, 0x5e, 0, 0, 2 };
	memset(buf, 0, hdr);
	memcpy(buf, from_peer ? mac_a : mac_b, 6);
	memcpy(buf + 6, from_peer ? mac_b : mac_a, 6);
	put16(buf + 12, f->ipv6 ? 0x86dd : 0x0800);
	uint8_t *ip = buf + l3, *th = buf + l4;
	static const uint8_t a4[4] = { 192, 0, 2, 1 }, b4[4] = { 198, 51, 100, 1 };
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, b6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	segoff_csum_t pseudo;
	if (!f->ipv6) {
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(len - l3));
		put16(ip + 4, f->ip_id);
		put16(ip + 6, 0x4000);
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, from_peer ? b4 : a4, 4);
		memcpy(ip + 16, from_peer ? a4 : b4, 4);
		put16(ip + 10, segoff_csum_finish(segoff_csum(ip, 20)));
		pseudo = segoff_csum_pseudo4(ip + 12, ip + 16, 6, (uint32_t)(len - l4));
	} else {
		put32(ip, 0x60012345);
		put16(ip + 4, (uint16_t)(len - l4));
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, from_peer ? b6 : a6, 16);
		memcpy(ip + 24, from_peer ? a6 : b6, 16);
		pseudo = segoff_csum_pseudo6(ip + 8, ip + 24, 6, (uint32_t)(len - l4));
	}
	put16(th, from_peer ? 5201 : 40000);
	put16(th + 2, from_peer ? 40000 : 5201);
	put32(th + 4, from_peer ? f->ack : f->seq);
	put32(th + 8, from_peer ? f->seq : f->ack);
	th[12] = (DEMO_HDR_TCP / 4) << 4;
	th[13] = flags;
	put16(th + 14, 2048);
	th[20] = 1;
	th[21] = 1;
	th[22] = 8;
	th[23] = 10;
	put32(th + 24, f->tsval);
	put32(th + 28, f->tsval - 3);
	stream_bytes(f, buf + hdr, payload);
	if (from_peer) /* the receiver's ACKs left the host finished */
		put16(th + 16, segoff_csum_finish(pseudo + segoff_csum(th, DEMO_HDR_TCP)));
	else /* CHECKSUM_PARTIAL: what a capture on a TSO sender shows */
		put16(th + 16, segoff_csum_fold(pseudo));
	return len;
}

static int write_trace(const char *path, struct flow *flows, unsigned writes, uint64_t *super_packets)
{
	char err[256];
	struct pcapio_writer *w = pcapio_open_write(path, PCAPIO_DLT_EN10MB, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "segoff demo: %s: %s\n", path, err);
		return -1;
	}
	uint8_t *buf = malloc(70000);
	struct timeval ts = { 1767225600, 0 };
	/* who-has 198.51.100.1: not IP, passes through untouched */
	uint8_t arp[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0x5e, 0, 0, 1, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1,
			    2, 0, 0x5e, 0, 0, 1, 192, 0, 2, 1, 0, 0, 0, 0, 0, 0, 198, 51, 100, 1 };
	pcapio_write(w, &ts, arp, sizeof(arp));
	for (unsigned i = 0; i < writes; i++) {
		struct flow *f = &flows[i & 1];
		uint32_t payload = DEMO_MSS * DEMO_SEGS_PER_WRITE;
		uint8_t flags = 0x18; /* ACK|PSH: the end of an application write */
		if (i + 2 >= writes)
			flags |= 0x01; /* each connection's last write closes it */
		size_t len = build_tcp(f, buf, payload, flags, 0);
		f->hash_sent = fnv1a(f->hash_sent, buf + len - payload, payload);
		ts.tv_usec += 13; /* ~40 Gbit/s of 64 KB writes */
		if (ts.tv_usec >= 1000000) {
			ts.tv_sec++;
			ts.tv_usec -= 1000000;
		}
		pcapio_write(w, &ts, buf, (uint32_t)len);
		(*super_packets)++;
		f->seq += payload;
		f->written += payload;
		f->ip_id = (uint16_t)(f->ip_id + DEMO_SEGS_PER_WRITE); /* one ID per wire segment */
		f->tsval++;
		if (i % 8 == 7) { /* the peer acknowledges now and then: small, passes through */
			size_t alen = build_tcp(f, buf, 0, 0x10, 1);
			pcapio_write(w, &ts, buf, (uint32_t)alen);
		}
	}
	free(buf);
	return pcapio_close_write(w);
}

/* Reads wire.pcap back: MTU, checksums, and each stream's bytes. */
static int verify_wire(const char *path, const struct flow *flows, uint64_t *frames_checked)
{
	char err[256];
	struct pcapio_reader *r = pcapio_open_read(path, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "segoff demo: %s: %s\n", path, err);
		return -1;
	}
	uint64_t hash[2] = { 0xcbf29ce484222325ull, 0xcbf29ce484222325ull };
	uint32_t next_seq[2] = { flows[0].seq - (uint32_t)flows[0].written, flows[1].seq - (uint32_t)flows[1].written };
	int bad = 0, rc;
	struct pcapio_packet cp;
	while ((rc = pcapio_next(r, &cp, err, sizeof(err))) == 1) {
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, cp.data, cp.caplen, NULL, 0);
		if (segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0) < 0 || pkt.l4_proto != SEGOFF_PROTO_TCP)
			continue;
		(*frames_checked)++;
		const uint8_t *ip = cp.data + pkt.l3_off, *th = cp.data + pkt.l4_off;
		uint32_t l4_len = cp.caplen - pkt.l4_off;
		int v6 = pkt.l3_proto == SEGOFF_PROTO_IPV6;
		segoff_csum_t ph = v6 ? segoff_csum_pseudo6(ip + 8, ip + 24, 6, l4_len)
				      : segoff_csum_pseudo4(ip + 12, ip + 16, 6, l4_len);
		if (cp.caplen > 1514 || segoff_csum_fold(ph + segoff_csum(th, l4_len)) != 0xffff ||
		    (!v6 && segoff_csum_fold(segoff_csum(ip, 20)) != 0xffff)) {
			if (bad++ < 3)
				fprintf(stderr, "segoff demo: wire frame at %ld.%06ld is wrong\n", (long)cp.ts.tv_sec,
					(long)cp.ts.tv_usec);
			continue;
		}
		uint32_t plen = cp.caplen - pkt.payload_off;
		if (plen == 0 || th[0] != 0x9c) /* the sender's data only (port 40000) */
			continue;
		uint32_t seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 | (uint32_t)th[6] << 8 | th[7];
		if (seq != next_seq[v6]) {
			if (bad++ < 3)
				fprintf(stderr, "segoff demo: stream %s out of order at seq %u\n", v6 ? "v6" : "v4", seq);
		}
		next_seq[v6] = seq + plen;
		hash[v6] = fnv1a(hash[v6], cp.data + pkt.payload_off, plen);
	}
	pcapio_close_read(r);
	if (rc < 0 || hash[0] != flows[0].hash_sent || hash[1] != flows[1].hash_sent)
		bad++;
	return bad ? -1 : 0;
}

/* Frame-by-frame equality of two captures (timestamps aside). */
static int same_captures(const char *a, const char *b, uint64_t *same, uint64_t *total)
{
	char err[256];
	struct pcapio_reader *ra = pcapio_open_read(a, err, sizeof(err));
	struct pcapio_reader *rb = pcapio_open_read(b, err, sizeof(err));
	if (!ra || !rb) {
		pcapio_close_read(ra);
		pcapio_close_read(rb);
		return -1;
	}
	uint8_t *copy = malloc(262144);
	struct pcapio_packet pa, pb;
	int ka, kb;
	for (;;) {
		ka = pcapio_next(ra, &pa, err, sizeof(err));
		if (ka == 1) {
			memcpy(copy, pa.data, pa.caplen);
		}
		kb = pcapio_next(rb, &pb, err, sizeof(err));
		if (ka != 1 || kb != 1)
			break;
		(*total)++;
		*same += pa.caplen == pb.caplen && memcmp(copy, pb.data, pb.caplen) == 0;
	}
	if (ka == 1 || kb == 1)
		(*total)++; /* one capture is longer */
	free(copy);
	pcapio_close_read(ra);
	pcapio_close_read(rb);
	return 0;
}

static double elapsed_ns(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e9 + (double)(b->tv_nsec - a->tv_nsec);
}

/* In-memory timing: segment every super-packet of the trace (copy + full
 * checksum); only the segmenting is on the clock, not building the input. */
static void time_segmentation(unsigned writes)
{
	uint8_t *frame = malloc(70000), *out = malloc(2 * 70000 + 8192);
	struct segoff_seg segs[64];
	struct flow f = { .seq = 1, .ack = 1, .tsval = 1 };
	struct segoff_gso_params p;
	segoff_gso_params_init(&p);
	p.mss = DEMO_MSS;
	uint64_t segments = 0, bytes = 0;
	double ns = 0;
	for (unsigned i = 0; i < writes; i++) {
		f.ipv6 = i & 1;
		size_t len = build_tcp(&f, frame, DEMO_MSS * DEMO_SEGS_PER_WRITE, 0x18, 0);
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, frame, len, NULL, 0);
		segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
		pkt.csum_state = SEGOFF_CSUM_PARTIAL;
		pkt.csum_start = pkt.l4_off;
		pkt.csum_offset = 16;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int n = segoff_gso_copy(&pkt, &p, out, 2 * 70000 + 8192, segs, 64);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ns += elapsed_ns(&t0, &t1);
		if (n > 0) {
			segments += (uint64_t)n;
			bytes += DEMO_MSS * DEMO_SEGS_PER_WRITE;
		}
	}
	printf("  in memory: %u super-packets -> %llu segments in %.1f ms: %.1f Gbit/s of payload,\n"
	       "  %.1f ns per segment (copy + full checksum, %s), one core\n",
	       writes, (unsigned long long)segments, ns / 1e6, (double)bytes * 8 / ns, ns / (double)segments,
	       segoff_csum_impl_name());
	free(frame);
	free(out);
}

int cmd_demo(int argc, char **argv)
{
	const char *dir = "demo-out";
	unsigned writes = 2000;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--writes") == 0 && i + 1 < argc)
			writes = (unsigned)atoi(argv[++i]);
		else {
			printf("usage: segoff demo [--out DIR] [--writes N]\n");
			return strcmp(argv[i], "--help") == 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
		}
	}
	if (writes < 2) {
		fprintf(stderr, "segoff demo: --writes must be at least 2\n");
		return CLI_EXIT_USAGE;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "segoff demo: %s: %s\n", dir, strerror(errno));
		return CLI_EXIT_FAILURE;
	}
	char stack[4096], wire[4096];
	snprintf(stack, sizeof(stack), "%s/stack.pcap", dir);
	snprintf(wire, sizeof(wire), "%s/wire.pcap", dir);

	printf("segoff demo %s: TCP segmentation offload in user space\n\n", segoff_version());
	struct flow flows[2] = { { .ipv6 = 0, .seq = 0x10000000, .ack = 0x20000000, .ip_id = 0x4000, .tsval = 1000,
				   .hash_sent = 0xcbf29ce484222325ull },
				 { .ipv6 = 1, .seq = 0x30000000, .ack = 0x40000000, .tsval = 5000,
				   .hash_sent = 0xcbf29ce484222325ull } };
	uint64_t supers = 0;
	if (write_trace(stack, flows, writes, &supers) < 0)
		return CLI_EXIT_FAILURE;
	printf("1. stack side: %s\n   %llu TCP writes of %d bytes (IPv4 and IPv6), as tcpdump shows them on a\n"
	       "   sender whose NIC does TSO: one super-packet per write, TCP check = pseudo-header sum only.\n\n",
	       stack, (unsigned long long)supers, DEMO_MSS * DEMO_SEGS_PER_WRITE);

	printf("2. segoff segment --mss %d %s %s\n", DEMO_MSS, stack, wire);
	struct segment_opts o = { DEMO_MSS, SEGOFF_GSO_IP_ID_INC, SEGOFF_GSO_CSUM_FULL, UDP_PASS, 0 };
	struct segment_stats st;
	int rc = segment_file(stack, wire, &o, &st);
	segment_report(stdout, stack, &st, 0);
	printf("  %.0f ms for the whole job (read, segment, write): %.2f Gbit/s of capture\n\n", st.seconds * 1e3,
	       (double)st.bytes_in * 8 / st.seconds / 1e9);
	if (rc != CLI_EXIT_OK)
		return rc;

	uint64_t checked = 0;
	printf("3. wire side: %s\n", wire);
	if (verify_wire(wire, flows, &checked) < 0) {
		printf("   FAILED: the wire capture does not hold the streams that were written\n");
		return CLI_EXIT_FAILURE;
	}
	printf("   verified %llu TCP frames: all within a 1500-byte MTU, every IPv4 and TCP checksum valid,\n"
	       "   both byte streams identical to what the applications wrote.\n\n",
	       (unsigned long long)checked);

	char gro[4096];
	snprintf(gro, sizeof(gro), "%s/gro.pcap", dir);
	printf("4. segoff coalesce %s %s   (GRO on the receiving host)\n", wire, gro);
	struct segoff_gro_config gcfg;
	segoff_gro_config_init(&gcfg);
	gcfg.max_flows = 1024;
	gcfg.flush_timeout = 1000;
	if (coalesce_file(wire, gro, &gcfg, 0, stdout) != CLI_EXIT_OK)
		return CLI_EXIT_FAILURE;
	uint64_t same = 0, total = 0;
	if (same_captures(stack, gro, &same, &total) < 0 || same != total) {
		printf("   FAILED: the coalesced capture differs from the stack capture (%llu of %llu frames equal)\n",
		       (unsigned long long)same, (unsigned long long)total);
		return CLI_EXIT_FAILURE;
	}
	printf("   round trip: all %llu frames of gro.pcap equal stack.pcap's, byte for byte (GSO then GRO\n"
	       "   gives back the super-packets: each packet's \"entropy\" survives).\n\n",
	       (unsigned long long)total);

	printf("5. speed\n");
	time_segmentation(writes);
	printf("\nOpen both captures in Wireshark: super-packets on the stack side, MTU frames on the wire.\n");
	return CLI_EXIT_OK;
}
