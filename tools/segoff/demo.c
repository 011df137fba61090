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
 * 5. UDP: a QUIC-like flow sent with USO (64 KB writes, 1200-byte
 *    datagrams) and coalesced back by UDP GRO; an 8 KB datagram fragmented
 *    at MTU 1500 and reassembled, next to broken fragment sets, with a
 *    line per drop reason.
 * 6. Tunnels: TCP super-packets inside VXLAN cut by `segoff segment` to a
 *    1500-byte MTU, every outer and inner checksum and the inner stream
 *    checked (DIR/vxlan-stack.pcap, DIR/vxlan-wire.pcap); then `segoff
 *    coalesce` merges them back into the super-packets (DIR/vxlan-gro.pcap).
 * 7. Shows the transmit decision for a super-packet in front of devices
 *    with different features (the seeds' GSO/TSO cases).
 * 8. Times segmentation in memory.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "pcapio.h"
#include "capture_out.h"
#include "cli.h"
#include "bytes.h"
#include "pktgen.h"

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

/* A frame as a TSO/USO/UFO sender's stack hands it down: parsed, its
 * transport check field holding the pseudo-header sum (CHECKSUM_PARTIAL),
 * the checksum field `csum_offset` bytes into the transport header. */
static void parse_as_partial(struct segoff_pkt *pkt, const uint8_t *frame, size_t len, uint16_t csum_offset)
{
	segoff_pkt_init(pkt, frame, len, NULL, 0);
	segoff_parse(pkt, SEGOFF_PROTO_ETH, 0);
	pkt->csum_state = SEGOFF_CSUM_PARTIAL;
	pkt->csum_start = pkt->l4_off;
	pkt->csum_offset = csum_offset;
}

/* One TCP packet of the flow with `payload` bytes; returns the frame length.
 * The sender's packets leave the check field partial (what a capture on a
 * TSO sender shows); the receiver's ACKs leave its host finished. */
static size_t build_tcp(struct flow *f, uint8_t *buf, uint32_t payload, uint8_t flags, int from_peer)
{
	static const uint8_t mac_a[6] = { 2, 0, 0x5e, 0, 0, 1 }, mac_b[6] = { 2, 0, 0x5e, 0, 0, 2 };
	static const uint8_t a4[4] = { 192, 0, 2, 1 }, b4[4] = { 198, 51, 100, 1 };
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, b6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	static uint8_t text[70000];
	stream_bytes(f, text, payload);
	struct pktgen_spec s;
	pktgen_default(&s);
	s.ipv6 = f->ipv6;
	s.flow_label = 0x12345;
	s.mac_src = from_peer ? mac_b : mac_a;
	s.mac_dst = from_peer ? mac_a : mac_b;
	s.ip_src = f->ipv6 ? (from_peer ? b6 : a6) : (from_peer ? b4 : a4);
	s.ip_dst = f->ipv6 ? (from_peer ? a6 : b6) : (from_peer ? a4 : b4);
	s.sport = from_peer ? 5201 : 40000;
	s.dport = from_peer ? 40000 : 5201;
	s.seq = from_peer ? f->ack : f->seq;
	s.ack = from_peer ? f->seq : f->ack;
	s.ip_id = f->ip_id;
	s.tcp_optlen = DEMO_HDR_TCP - 20; /* NOP, NOP, timestamps */
	s.tcp_flags = flags;
	s.win = 2048;
	s.ts_set = 1;
	s.tsval = f->tsval;
	s.tsecr = f->tsval - 3;
	s.payload_len = payload;
	s.payload = text;
	s.csum = from_peer ? PKTGEN_CSUM_FULL : PKTGEN_CSUM_PSEUDO;
	return pktgen_build(&s, buf, 70000);
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

/* --- UDP: USO and back, fragments and back --- */

static uint8_t udp_out[70000 * 2];
static size_t udp_out_len;
static unsigned udp_outs;

static void udp_gro_out(void *opaque, const struct segoff_gro_out *o)
{
	(void)opaque;
	udp_out_len = slices_flatten(udp_out, o->iov, o->nr_iov);
	udp_outs++;
}

static void udp_reasm_out(void *opaque, const struct segoff_reasm_out *o)
{
	udp_gro_out(opaque, &(struct segoff_gro_out){ .iov = o->iov, .nr_iov = o->nr_iov, .len = o->len });
}

/* A UDP datagram in an Ethernet frame, check field partial (as a USO/UFO
 * sender leaves it). */
static size_t udp_frame(uint8_t *f, int v6, uint32_t payload, uint16_t id)
{
	static const uint8_t mac_src[6] = { 2, 0, 0x5e, 0, 0, 1 }, mac_dst[6] = { 2, 0, 0x5e, 0, 0, 2 };
	struct pktgen_spec s;
	pktgen_default(&s);
	s.udp = 1;
	s.ipv6 = v6;
	s.df = 0;
	s.mac_src = mac_src;
	s.mac_dst = mac_dst;
	s.sport = 50000;
	s.dport = 443;
	s.ip_id = id;
	s.payload_len = payload;
	s.payload_seed = id;
	s.csum = PKTGEN_CSUM_PSEUDO;
	return pktgen_build(&s, f, 70000);
}

static int demo_udp(void)
{
	static uint8_t dg[70000], segbuf[70000 * 2];
	static struct segoff_seg segs[64];
	struct segoff_gro_config gc;
	segoff_gro_config_init(&gc);
	gc.udp = 1;
	gc.deliver = udp_gro_out;
	struct segoff_gro *g;
	if (segoff_gro_create(&gc, &g) != SEGOFF_OK)
		return -1;
	unsigned writes = 0, datagrams = 0, same = 0;
	for (unsigned w = 0; w < 200; w++) {
		size_t len = udp_frame(dg, (int)(w & 1), 1200 * 40, (uint16_t)w);
		struct segoff_pkt pkt;
		parse_as_partial(&pkt, dg, len, 6);
		struct segoff_gso_params p;
		segoff_gso_params_init(&p);
		p.mss = 1200;
		int n = segoff_gso_copy(&pkt, &p, segbuf, sizeof(segbuf), segs, 64);
		if (n < 2)
			return -1;
		writes++;
		datagrams += (unsigned)n;
		udp_outs = 0;
		for (int i = 0; i < n; i++)
			segoff_gro_receive_frame(g, segs[i].head, segs[i].len, SEGOFF_CSUM_NONE, NULL, 0);
		segoff_gro_flush_all(g);
		same += udp_outs == 1 && udp_out_len == len && memcmp(udp_out, dg, len) == 0;
	}
	segoff_gro_destroy(g);
	printf("   QUIC-like flow: %u writes of 48000 bytes -> %u datagrams of 1200 by USO (each a full UDP\n"
	       "   datagram, its own checksum) -> UDP GRO -> %u of %u writes given back byte for byte.\n",
	       writes, datagrams, same, writes);

	/* fragments: an 8 KB datagram, and sets an attacker would send */
	struct segoff_reasm_config rc;
	segoff_reasm_config_init(&rc);
	rc.deliver = udp_reasm_out;
	struct segoff_reasm *r;
	if (segoff_reasm_create(&rc, &r) != SEGOFF_OK)
		return -1;
	static uint8_t fb[8][20000];
	static struct segoff_seg fr[8][16];
	int nf[8];
	for (int k = 0; k < 8; k++) {
		size_t len = udp_frame(dg, k == 1, 8192, (uint16_t)(100 + k));
		struct segoff_pkt pkt;
		parse_as_partial(&pkt, dg, len, 6); /* UFO: the checksum over the whole datagram */
		struct segoff_frag_params fp;
		segoff_frag_params_init(&fp, 1500);
		nf[k] = segoff_frag_copy(&pkt, &fp, fb[k], sizeof(fb[k]), fr[k], 16);
		if (nf[k] < 2)
			return -1;
	}
	udp_outs = 0;
	for (int i = nf[0] - 1; i >= 0; i--) /* IPv4, in reverse order */
		segoff_reasm_receive(r, fr[0][i].head, fr[0][i].len, NULL, 0);
	for (int i = 0; i < nf[1]; i++) /* IPv6, with a duplicate */
		for (int t = 0; t < (i == 1 ? 2 : 1); t++)
			segoff_reasm_receive(r, fr[1][i].head, fr[1][i].len, NULL, 0);
	unsigned whole = udp_outs;
	/* an overlap: the second fragment 8 bytes early */
	uint8_t *x = fr[2][1].head + 14;
	put16(x + 6, (uint16_t)((x[6] << 8 | x[7]) - 1));
	put16(x + 10, 0);
	put16(x + 10, segoff_csum_finish(segoff_csum(x, 20)));
	for (int i = 0; i < nf[2]; i++)
		segoff_reasm_receive(r, fr[2][i].head, fr[2][i].len, NULL, 0);
	/* one that never completes, and one claiming 64 KB more */
	segoff_reasm_receive(r, fr[3][0].head, fr[3][0].len, NULL, 0);
	x = fr[4][nf[4] - 1].head + 14;
	put16(x + 6, 0x1fff);
	put16(x + 10, 0);
	put16(x + 10, segoff_csum_finish(segoff_csum(x, 20)));
	segoff_reasm_receive(r, fr[4][nf[4] - 1].head, fr[4][nf[4] - 1].len, NULL, 0);
	segoff_reasm_expire(r, 61ull * 1000000000ull);
	const uint64_t *k = segoff_reasm_counters(r);
	printf("   8 KB datagrams at MTU 1500: %d fragments each; IPv4 in reverse order and IPv6 with a\n"
	       "   duplicate: %u reassembled, UDP checksum computed over the whole datagram first (UFO).\n",
	       nf[0], whole);
	for (int i = SEGOFF_REASM_DUPLICATE; i < SEGOFF_REASM__COUNTERS; i++)
		if (k[i])
			printf("   %-22s %llu\n", segoff_reasm_counter_name((enum segoff_reasm_counter)i),
			       (unsigned long long)k[i]);
	printf("   memory held now: %llu bytes (limit %llu)\n\n", (unsigned long long)segoff_reasm_mem(r),
	       (unsigned long long)rc.mem_high);
	segoff_reasm_destroy(r);
	return same == writes && whole == 2 ? 0 : -1;
}

/* --- the NIC: what the kernel's transmit path decides for one super-packet --- */

/* Tunnels: TCP super-packets inside VXLAN (IPv4 outer, UDP source port
 * a flow hash as a VXLAN sender picks it), half with an outer checksum,
 * half without, cut by `segoff segment` to a 1500-byte MTU with the inner
 * MSS that leaves room for the 50 bytes of encapsulation, then checked:
 * every outer and inner checksum and the inner byte stream. */
#define DEMO_VXLAN_MSS 1398 /* 1500 - 50 (outer IP, UDP, VXLAN, inner Ethernet) - 52 */
static int demo_vxlan(const char *dir)
{
	char stack[4096], wire[4096], err[256];
	snprintf(stack, sizeof(stack), "%s/vxlan-stack.pcap", dir);
	snprintf(wire, sizeof(wire), "%s/vxlan-wire.pcap", dir);
	struct pcapio_writer *w = pcapio_open_write(stack, PCAPIO_DLT_EN10MB, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "segoff demo: %s: %s\n", stack, err);
		return -1;
	}
	static uint8_t buf[70000], text[70000];
	struct timeval ts = { 1767225600, 0 };
	struct flow f = { .ipv6 = 0, .seq = 1000, .ack = 1, .tsval = 7, .ip_id = 1, .hash_sent = 0xcbf29ce484222325ull };
	const unsigned writes = 8, per_write = 40 * DEMO_VXLAN_MSS;
	for (unsigned i = 0; i < writes; i++) {
		struct pktgen_spec o, in;
		pktgen_default(&o);
		o.sport = 49731; /* the flow's hash, as a VXLAN sender scales it into 32768-60999 */
		o.dport = SEGOFF_VXLAN_PORT;
		o.ip_id = (uint16_t)(0x4000 + i * 40);
		o.df = 0; /* VXLAN's default (E9) */
		o.csum = i % 2 ? PKTGEN_CSUM_ZERO : PKTGEN_CSUM_PSEUDO;
		pktgen_default(&in);
		stream_bytes(&f, text, per_write);
		in.payload = text;
		in.payload_len = per_write;
		in.seq = f.seq;
		in.ip_id = f.ip_id;
		in.tcp_flags = 0x18;
		in.ts_set = 1;
		in.tsval = f.tsval++;
		in.csum = PKTGEN_CSUM_PSEUDO;
		size_t len = pktgen_build_tunnel(&o, PKTGEN_VXLAN, 42, 0, 0, &in, buf, sizeof(buf));
		f.hash_sent = fnv1a(f.hash_sent, text, per_write);
		f.seq += per_write;
		f.written += per_write;
		f.ip_id = (uint16_t)(f.ip_id + 40);
		ts.tv_usec += 13;
		pcapio_write(w, &ts, buf, (uint32_t)len);
	}
	if (pcapio_close_write(w) != 0)
		return -1;
	printf("   %s: %u VXLAN super-packets (IPv4 outer, TCP/IPv4 inside, %u bytes each; outer UDP\n"
	       "   checksum on every other one), as a VXLAN device with tunnel TSO hands them down.\n", stack, writes,
	       per_write);
	printf("   segoff segment --mss %d %s %s\n", DEMO_VXLAN_MSS, stack, wire);
	struct segment_opts so = { DEMO_VXLAN_MSS, SEGOFF_GSO_IP_ID_INC, SEGOFF_GSO_CSUM_FULL, UDP_PASS, 0, { 0, 0 } };
	segoff_tunnel_ports_init(&so.ports);
	struct segment_stats st;
	if (segment_file(stack, wire, &so, &st) != CLI_EXIT_OK)
		return -1;
	segment_report(stdout, stack, &st, 0);

	struct pcapio_reader *r = pcapio_open_read(wire, err, sizeof(err));
	if (!r)
		return -1;
	uint64_t hash = 0xcbf29ce484222325ull, frames = 0, outer_csums = 0;
	int bad = 0, rc;
	struct pcapio_packet cp;
	while ((rc = pcapio_next(r, &cp, err, sizeof(err))) == 1) {
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, cp.data, cp.caplen, NULL, 0);
		if (segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0) < 0 || pkt.encap_depth != 1) {
			bad = 1;
			continue;
		}
		frames++;
		const uint8_t *uh = cp.data + pkt.l4_off;
		int outer_csum = uh[6] | uh[7];
		outer_csums += outer_csum != 0;
		size_t inner = pkt.l4_off + 16;
		bad |= cp.caplen - pkt.l3_off > 1500;
		bad |= ref_fold(ref_sum(cp.data + pkt.l3_off, 20, 0)) != 0xffff;
		bad |= outer_csum && !ref_verify_udp(cp.data, cp.caplen, pkt.l3_off, pkt.l4_off, 0);
		bad |= !ref_verify_tcp(cp.data + inner, cp.caplen - inner, pkt.inner_l3_off - inner,
				       pkt.inner_l4_off - inner, 0);
		hash = fnv1a(hash, cp.data + pkt.payload_off, cp.caplen - pkt.payload_off);
	}
	pcapio_close_read(r);
	if (rc < 0 || bad || hash != f.hash_sent)
		return -1;
	printf("   verified %llu VXLAN frames: all within a 1500-byte MTU, every outer IPv4 checksum, the %llu\n"
	       "   outer UDP checksums and every inner TCP checksum valid, the inner stream as written.\n"
	       "   The kernel does the same byte for byte (kernel_tunnel_gso_diff in make check).\n",
	       (unsigned long long)frames, (unsigned long long)outer_csums);
	char gro[4096];
	snprintf(gro, sizeof(gro), "%s/vxlan-gro.pcap", dir);
	printf("   segoff coalesce %s %s   (tunnel GRO)\n", wire, gro);
	struct segoff_gro_config gcfg;
	segoff_gro_config_init(&gcfg);
	if (coalesce_file(wire, gro, &gcfg, 0, stdout) != CLI_EXIT_OK)
		return -1;
	uint64_t same = 0, total = 0;
	if (same_captures(stack, gro, &same, &total) < 0 || same != total)
		return -1;
	printf("   round trip: all %llu packets of vxlan-gro.pcap equal vxlan-stack.pcap's, byte for byte\n"
	       "   (kernel_tunnel_gro_diff compares tunnel GRO with the kernel's).\n\n", (unsigned long long)total);
	return 0;
}

static void demo_nic(void)
{
	static uint8_t frame[70000];
	struct flow f = { .ipv6 = 0, .seq = 1, .ack = 1, .ip_id = 1, .tsval = 1, .hash_sent = 0xcbf29ce484222325ull };
	size_t len = build_tcp(&f, frame, DEMO_MSS * DEMO_SEGS_PER_WRITE, 0x18, 0);
	struct segoff_pkt pkt;
	parse_as_partial(&pkt, frame, len, 16);
	pkt.gso_size = DEMO_MSS;
	pkt.gso_type = SEGOFF_GSO_TCPV4;
	const segoff_features_t nic = SEGOFF_F(SG) | SEGOFF_F(IP_CSUM) | SEGOFF_F(IPV6_CSUM) | SEGOFF_F(TSO) |
				      SEGOFF_F(TSO6) | SEGOFF_F(GSO);
	static const struct {
		const char *what;
		segoff_features_t drop;
		unsigned mtu;
	} cases[] = {
		{ "GSO on,  TSO on  (the NIC segments)", 0, 1500 },
		{ "GSO on,  TSO off (software, before the driver)", SEGOFF_F_ALL_TSO, 1500 },
		{ "GSO off, TSO on  (same as both on)", SEGOFF_F(GSO), 1500 },
		{ "no checksum offload (TSO dropped by the rules)", SEGOFF_F_CSUM_MASK, 1500 },
		{ "TSO on, but a 1280-byte MTU (DF set)", 0, 1280 },
	};
	printf("   a %u-byte TCP super-packet (MSS %d) in front of a device; segoff_tx_decide() says:\n",
	       (unsigned)len, DEMO_MSS);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t rules = 0;
		struct segoff_tx_dev dev;
		segoff_tx_dev_init(&dev, segoff_features_fix(nic & ~cases[i].drop, &rules));
		dev.mtu = cases[i].mtu;
		struct segoff_tx_decision d;
		if (segoff_tx_decide(&pkt, &dev, &d) < 0)
			continue;
		printf("   %-48s -> %-8s%s\n", cases[i].what, segoff_tx_action_name((enum segoff_tx_action)d.action),
		       d.csum_software ? " + checksum in software" : "");
	}
	printf("   GSO off, TSO off: the seeds say TCP then sends MSS-sized packets; this kernel's TCP still\n"
	       "   builds super-packets and they are segmented before the driver (docs/kernel-notes.md).\n"
	       "   `segoff features --fix` shows the rules, `segoff wire` is this NIC for a real kernel,\n"
	       "   `sudo segoff lab` measures it.\n\n");
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
		parse_as_partial(&pkt, frame, len, 16);
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
	struct segment_opts o = { DEMO_MSS, SEGOFF_GSO_IP_ID_INC, SEGOFF_GSO_CSUM_FULL, UDP_PASS, 0, { 0, 0 } };
	segoff_tunnel_ports_init(&o.ports);
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

	printf("5. UDP: USO and UDP GRO; fragmentation and reassembly\n");
	if (demo_udp() < 0) {
		printf("   FAILED: UDP round trips did not give the datagrams back\n");
		return CLI_EXIT_FAILURE;
	}

	printf("6. tunnels: VXLAN\n");
	if (demo_vxlan(dir) < 0) {
		printf("   FAILED: the VXLAN frames are not what was written\n");
		return CLI_EXIT_FAILURE;
	}

	printf("7. the NIC: device features and the transmit decision\n");
	demo_nic();

	printf("8. speed\n");
	time_segmentation(writes);
	printf("\nOpen both captures in Wireshark: super-packets on the stack side, MTU frames on the wire.\n");
	return CLI_EXIT_OK;
}
