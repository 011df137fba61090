// SPDX-License-Identifier: MIT
/* GRE: parsing, segmentation (E5) and GRO (EG6, EG9) of GRE packets, each
 * rule alone and without root. kernel_ip_tunnel_gso_diff and
 * kernel_ip_tunnel_gro_diff compare the same against Linux. */
#include <stdio.h>
#include <string.h>
#include <segoff/segoff.h>
#include "check.h"
#include "pktgen.h"
#include "gro_collect.h"

#define GRE_C 0x8000
#define GRE_K 0x2000
#define GRE_S 0x1000

static uint8_t frame[70000], out[1 << 20], segbuf[1 << 20];
static struct segoff_seg segs[1024];

/* A TCP super-packet in GRE over IPv4 or IPv6; `flags` the GRE flags. */
static size_t build(int outer6, int inner6, int teb, uint16_t flags, uint32_t key, uint32_t payload,
		    struct pktgen_spec *o, struct pktgen_spec *in)
{
	pktgen_default(o);
	o->ipv6 = outer6;
	o->ip_id = 0xfffe; /* wraps on its own [E2] */
	pktgen_default(in);
	in->ipv6 = inner6;
	in->payload_len = payload;
	in->ip_id = 0x1234;
	in->csum = PKTGEN_CSUM_PSEUDO;
	struct pktgen_gre gre = { .flags = flags, .key = key, .seq = 7, .teb = teb };
	return pktgen_build_ip_tunnel(o, &gre, in, frame, sizeof(frame));
}

static size_t gre_len(uint16_t flags)
{
	return 4u + 4u * (!!(flags & GRE_C) + !!(flags & GRE_K) + !!(flags & GRE_S));
}

static void parse(struct segoff_pkt *pkt, const uint8_t *f, size_t len)
{
	segoff_pkt_init(pkt, f, len, NULL, 0);
	CHECK_EQ(segoff_parse(pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
}

/* GRE is found by IP protocol 47 (no port to configure); its length by its
 * C, K and S flags; what follows by its protocol: IPv4, IPv6 or, with
 * 0x6558, an Ethernet frame. A version or routing it does not know ends
 * the parse there: payload. */
static void gre_parse_by_flags_and_protocol(void)
{
	for (int v = 0; v < 16; v++) {
		uint16_t flags = (uint16_t)((v & 1 ? GRE_C : 0) | (v & 2 ? GRE_K : 0) | (v & 4 ? GRE_S : 0));
		int teb = (v >> 3) & 1;
		struct pktgen_spec o, in;
		size_t len = build(v & 1, (v >> 1) & 1, teb, flags, 0xabcdef01, 3000, &o, &in);
		struct segoff_pkt pkt;
		parse(&pkt, frame, len);
		const unsigned g = teb ? 5u : 4u; /* eth, ip, gre, [eth,] ip, tcp */
		CHECK_EQ(pkt.nr_layers, g + 1);
		CHECK_EQ(pkt.layer[2].proto, SEGOFF_PROTO_GRE);
		CHECK_EQ(pkt.layer[2].len, gre_len(flags));
		CHECK_EQ(pkt.layer[2].depth, 0);
		CHECK_EQ(pkt.layer[3].proto, teb ? SEGOFF_PROTO_ETH : (in.ipv6 ? SEGOFF_PROTO_IPV6 : SEGOFF_PROTO_IPV4));
		CHECK_EQ(pkt.layer[3].depth, 1);
		CHECK_EQ(pkt.encap_depth, 1);
		CHECK_EQ(pkt.l3_off, 14);
		CHECK_EQ(pkt.l4_proto, SEGOFF_PROTO_TCP); /* no outer transport */
		CHECK_EQ(pkt.inner_l3_off, pktgen_l4_off(&o) + gre_len(flags) + (teb ? 14 : 0));
		CHECK_EQ(pkt.inner_l4_off, pkt.inner_l3_off + (in.ipv6 ? 40u : 20u));
	}
	struct pktgen_spec o, in;
	size_t len = build(0, 0, 0, 0, 0, 100, &o, &in);
	frame[pktgen_l4_off(&o) + 1] = 1; /* version 1 (PPTP) */
	struct segoff_pkt pkt;
	parse(&pkt, frame, len);
	CHECK_EQ(pkt.nr_layers, 3);
	CHECK_EQ(pkt.inner_l4_proto, SEGOFF_PROTO_NONE);
	/* cut inside its key: truncated */
	len = build(0, 0, 0, GRE_K, 1, 100, &o, &in);
	segoff_pkt_init(&pkt, frame, pktgen_l4_off(&o) + 6, NULL, 0);
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_E_TRUNCATED);
}

static int segment(size_t len, uint32_t gso_type, unsigned mss, int partial)
{
	struct segoff_pkt pkt;
	parse(&pkt, frame, len);
	pkt.gso_size = (uint16_t)mss;
	pkt.gso_type = gso_type;
	pkt.csum_state = SEGOFF_CSUM_PARTIAL;
	pkt.csum_start = pkt.inner_l4_off;
	pkt.csum_offset = 16;
	struct segoff_gso_params p;
	segoff_gso_params_init(&p);
	p.csum = partial ? SEGOFF_GSO_CSUM_PARTIAL : SEGOFF_GSO_CSUM_FULL;
	return segoff_gso_copy(&pkt, &p, out, sizeof(out), segs, 1024);
}

/* E5 with SKB_GSO_GRE: the GRE header (key, a checksum field) is copied
 * into every segment as it came; the outer and inner IPv4 IDs count each
 * on their own [E2]; every inner segment verifies. */
static void E5_gre_header_copied_into_every_segment(void)
{
	for (int v = 0; v < 8; v++) {
		int outer6 = v & 1, inner6 = (v >> 1) & 1;
		uint16_t flags = (uint16_t)(GRE_K | (v & 4 ? GRE_C : 0));
		struct pktgen_spec o, in;
		size_t len = build(outer6, inner6, 0, flags, 0x01020304, 5000, &o, &in);
		const size_t gh = pktgen_l4_off(&o), il3 = gh + gre_len(flags), il4 = il3 + (inner6 ? 40 : 20);
		int n = segment(len, SEGOFF_GSO_GRE | (inner6 ? SEGOFF_GSO_TCPV6 : SEGOFF_GSO_TCPV4), 1000, 0);
		CHECK_EQ(n, 5);
		for (int i = 0; i < n; i++) {
			const uint8_t *s = segs[i].head;
			CHECK(memcmp(s + gh, frame + gh, gre_len(flags)) == 0);
			if (!outer6)
				CHECK_EQ(s[18] << 8 | s[19], (0xfffe + i) & 0xffff);
			if (!inner6)
				CHECK_EQ(s[il3 + 4] << 8 | s[il3 + 5], 0x1234 + i);
			CHECK(ref_verify_tcp(s, segs[i].len, il3, il4, inner6));
		}
	}
}

/* E5 with SKB_GSO_GRE_CSUM: every segment's GRE checksum covers its GRE
 * header and inner packet (no pseudo-header), Reserved1 0; written as if
 * the inner checksum were complete even when it stays partial (E4). */
static void E5_gre_csum_written_per_segment(void)
{
	for (int v = 0; v < 16; v++) {
		int outer6 = v & 1, inner6 = (v >> 1) & 1, partial = (v >> 2) & 1, teb = (v >> 3) & 1;
		struct pktgen_spec o, in;
		size_t len = build(outer6, inner6, teb, GRE_C | GRE_K, 99, 4500, &o, &in);
		const size_t gh = pktgen_l4_off(&o);
		frame[gh + 6] = 0x5a; /* Reserved1 not 0 in the super-packet */
		int n = segment(len, SEGOFF_GSO_GRE_CSUM | (inner6 ? SEGOFF_GSO_TCPV6 : SEGOFF_GSO_TCPV4), 1448, partial);
		CHECK_EQ(n, 4);
		for (int i = 0; i < n; i++) {
			uint8_t s[2000];
			memcpy(s, segs[i].head, segs[i].len);
			if (partial) /* complete the inner checksum as the device will */
				CHECK_EQ(segoff_csum_complete(s, segs[i].len, segs[i].csum_start, segs[i].csum_offset),
					 SEGOFF_OK);
			CHECK_EQ(s[gh + 6], 0);
			CHECK_EQ(s[gh + 7], 0);
			CHECK_EQ(ref_fold(ref_sum(s + gh, segs[i].len - gh, 0)), 0xffff);
		}
		if (check_failures_in_test) {
			fprintf(stderr, "    outer v%d inner v%d partial %d teb %d\n", outer6 ? 6 : 4, inner6 ? 6 : 4,
				partial, teb);
			return;
		}
	}
}

/* The type must name GRE; GRE_CSUM needs a C flag to write into; a
 * sequence number is refused by name; a capture (no type) is GRE_CSUM by
 * its C flag. */
static void E5_gre_gso_type_and_sequence_number_refused_by_name(void)
{
	struct pktgen_spec o, in;
	size_t len = build(0, 0, 0, GRE_K, 1, 3000, &o, &in);
	CHECK_EQ(segment(len, SEGOFF_GSO_TCPV4, 1000, 0), SEGOFF_E_GSO_TYPE);
	CHECK_EQ(segment(len, SEGOFF_GSO_TCPV4 | SEGOFF_GSO_GRE_CSUM, 1000, 0), SEGOFF_E_GSO_TYPE);
	CHECK_EQ(segment(len, SEGOFF_GSO_TCPV4 | SEGOFF_GSO_UDP_TUNNEL, 1000, 0), SEGOFF_E_GSO_TYPE);
	CHECK_EQ(segment(len, SEGOFF_GSO_TCPV4 | SEGOFF_GSO_GRE, 1000, 0), 3);
	CHECK_EQ(segment(len, 0, 1000, 0), 3);
	len = build(0, 0, 0, GRE_S, 1, 3000, &o, &in);
	CHECK_EQ(segment(len, SEGOFF_GSO_TCPV4 | SEGOFF_GSO_GRE, 1000, 0), SEGOFF_E_GRE_SEQ);
	CHECK(strcmp(segoff_error_name(SEGOFF_E_GRE_SEQ), "gre_seq") == 0);
	len = build(0, 0, 0, GRE_C, 1, 3000, &o, &in);
	CHECK_EQ(segment(len, 0, 1000, 0), 3);
	CHECK_EQ(ref_fold(ref_sum(segs[1].head + pktgen_l4_off(&o), segs[1].len - pktgen_l4_off(&o), 0)), 0xffff);
	/* nothing to cut: a tunnel packet, refused by name [E7] */
	CHECK_EQ(segment(len, SEGOFF_GSO_TCPV4 | SEGOFF_GSO_GRE, 3000, 0), SEGOFF_E_TUNNEL_NOT_GSO);
}

/* --- GRO --- */

static struct segoff_gro *gro_new(int full)
{
	struct segoff_gro_config cfg;
	segoff_gro_config_init(&cfg);
	if (full)
		cfg.csum = SEGOFF_GRO_CSUM_FULL;
	return got_gro(&cfg);
}

/* Segments (full checksums) of one GRE super-packet into segbuf. */
static int gre_segments(int outer6, int inner6, uint16_t flags, uint32_t payload, unsigned mss, struct pktgen_spec *o,
			size_t *len)
{
	struct pktgen_spec in;
	*len = build(outer6, inner6, 0, flags, 0x1234, payload, o, &in);
	struct segoff_pkt pkt;
	parse(&pkt, frame, *len);
	pkt.gso_size = (uint16_t)mss;
	pkt.gso_type = flags & GRE_C ? SEGOFF_GSO_GRE_CSUM : SEGOFF_GSO_GRE;
	pkt.csum_state = SEGOFF_CSUM_PARTIAL;
	pkt.csum_start = pkt.inner_l4_off;
	pkt.csum_offset = 16;
	struct segoff_gso_params p;
	segoff_gso_params_init(&p);
	return segoff_gso_copy(&pkt, &p, segbuf, sizeof(segbuf), segs, 1024);
}

static void receive_all(struct segoff_gro *g, int n)
{
	for (int i = 0; i < n; i++)
		CHECK_EQ(segoff_gro_receive_frame(g, segs[i].head, segs[i].len, SEGOFF_CSUM_NONE, NULL, 0), SEGOFF_OK);
	segoff_gro_flush_all(g);
}

/* GSO then GRO gives a GRE super-packet back: lengths, the first packet's
 * IDs, the inner check field its pseudo-header sum, SKB_GSO_GRE; virtio
 * has no type for it, so the vnet header carries no GSO [EG9, EV2]. */
static void EG9_gre_gso_then_gro_gives_the_super_packet_back(void)
{
	for (int v = 0; v < 4; v++) {
		int outer6 = v & 1, inner6 = (v >> 1) & 1;
		struct pktgen_spec o;
		size_t len;
		int n = gre_segments(outer6, inner6, GRE_K, 7000, 1000, &o, &len);
		CHECK_EQ(n, 7);
		struct segoff_gro *g = gro_new(0);
		receive_all(g, n);
		CHECK_EQ(got.n, 1);
		CHECK_EQ(got.len[0], len);
		CHECK(memcmp(got.data[0], frame, len) == 0);
		CHECK_EQ(got.gso_size[0], 1000);
		CHECK_EQ(got.gso_type[0], SEGOFF_GSO_GRE | (inner6 ? SEGOFF_GSO_TCPV6 : SEGOFF_GSO_TCPV4));
		CHECK_EQ(got.vnet[0].gso_type, SEGOFF_VNET_GSO_NONE);
		segoff_gro_destroy(g);
	}
}

/* With C the merged packet keeps the first segment's GRE checksum, stale
 * as the kernel leaves it; asked for full checksums segoff writes a right
 * one [EG9]. */
static void EG9_gre_checksum_left_stale_as_the_kernel_leaves_it(void)
{
	for (int full = 0; full < 2; full++) {
		struct pktgen_spec o;
		size_t len;
		int n = gre_segments(0, full, GRE_C, 5000, 1000, &o, &len);
		const size_t gh = pktgen_l4_off(&o);
		uint8_t first_csum[2] = { segs[0].head[gh + 4], segs[0].head[gh + 5] };
		struct segoff_gro *g = gro_new(full);
		receive_all(g, n);
		CHECK_EQ(got.n, 1);
		CHECK_EQ(got.len[0], len);
		CHECK_EQ(got.gso_segs[0], 5);
		if (!full) {
			CHECK(memcmp(got.data[0] + gh + 4, first_csum, 2) == 0);
			CHECK(ref_fold(ref_sum(got.data[0] + gh, len - gh, 0)) != 0xffff);
		} else {
			CHECK_EQ(ref_fold(ref_sum(got.data[0] + gh, len - gh, 0)), 0xffff);
		}
		segoff_gro_destroy(g);
	}
}

/* EG6: a flow is the flags, the protocol and, with K, the word after the
 * base header: the key, or with C the checksum word; a bad GRE checksum
 * goes up alone and the held flow stays; a flag but K and C: not held. */
static void EG6_gre_flow_rules(void)
{
	struct pktgen_spec o;
	size_t len;
	/* K: another key is another flow */
	int n = gre_segments(0, 0, GRE_K, 4000, 1000, &o, &len);
	const size_t gh = pktgen_l4_off(&o);
	segs[1].head[gh + 7] ^= 1;
	struct segoff_gro *g = gro_new(0);
	receive_all(g, n);
	CHECK_EQ(got.n, 3); /* 1 in a flow of its own; 0, then 2+3 (2 does not follow 0) */
	segoff_gro_destroy(g);
	/* A segment's GRE checksum does not depend on its payload: the inner
	 * packet with its checksums right sums to the complement of its
	 * pseudo-header, so segments of one length have equal GRE checksums,
	 * and a shorter last one another. C without K: one flow all the same */
	n = gre_segments(0, 0, GRE_C, 4500, 1000, &o, &len);
	CHECK_EQ(n, 5);
	CHECK(memcmp(segs[0].head + gh + 4, segs[3].head + gh + 4, 2) == 0);
	CHECK(memcmp(segs[0].head + gh + 4, segs[4].head + gh + 4, 2) != 0);
	g = gro_new(0);
	receive_all(g, n);
	CHECK_EQ(got.n, 1);
	CHECK_EQ(got.gso_segs[0], 5);
	segoff_gro_destroy(g);
	/* C and K: the checksum word is compared, so the last segment is
	 * another flow */
	n = gre_segments(0, 0, GRE_C | GRE_K, 4500, 1000, &o, &len);
	g = gro_new(0);
	receive_all(g, n);
	CHECK_EQ(got.n, 2);
	CHECK_EQ(got.gso_segs[0] * got.gso_segs[1], 4); /* 4 and 1 */
	segoff_gro_destroy(g);
	/* a bad GRE checksum: that packet alone, the flow goes on around it */
	n = gre_segments(0, 0, GRE_C, 4000, 1000, &o, &len);
	segs[1].head[gh + 4] ^= 0x40;
	g = gro_new(0);
	receive_all(g, n);
	CHECK_EQ(got.n, 3); /* 1 at once; 0, then 2+3 (2 does not follow 0) */
	CHECK_EQ(got.len[0], segs[1].len);
	CHECK_EQ(segoff_gro_counters(g)[SEGOFF_GRO_BAD_CSUM], 1);
	segoff_gro_destroy(g);
	/* S: not held */
	struct pktgen_spec in;
	len = build(0, 0, 0, GRE_S, 0, 1000, &o, &in);
	g = gro_new(0);
	CHECK_EQ(segoff_gro_receive_frame(g, frame, len, SEGOFF_CSUM_VERIFIED, NULL, 0), SEGOFF_OK);
	CHECK_EQ(got.n, 1);
	CHECK_EQ(segoff_gro_counters(g)[SEGOFF_GRO_NOT_HELD_UNSUPPORTED], 1);
	segoff_gro_destroy(g);
}

/* The fast path takes a GRE packet (its checksum verified there) exactly
 * as the full path would: the same outputs, and a bad checksum caught. */
static void gre_gro_fast_path_equals_full_path(void)
{
	for (int v = 0; v < 4; v++) {
		uint16_t flags = (uint16_t)((v & 1 ? GRE_C : 0) | (v & 2 ? GRE_K : 0));
		struct pktgen_spec o;
		size_t len;
		int n = gre_segments(0, 0, flags, 20500, 1000, &o, &len);
		if (v == 1) /* C only: a corrupt payload byte in a continuing segment */
			segs[9].head[segs[9].len - 1] ^= 0x10;
		struct segoff_gro *g = gro_new(0);
		receive_all(g, n);
		unsigned fast_n = got.n;
		uint32_t fast_len0 = got.len[0];
		segoff_gro_destroy(g);
		/* the full path: each segment parsed and received alone */
		g = gro_new(0);
		for (int i = 0; i < n; i++) {
			struct segoff_pkt pkt;
			parse(&pkt, segs[i].head, segs[i].len);
			CHECK_EQ(segoff_gro_receive(g, &pkt, NULL, 0), SEGOFF_OK);
		}
		segoff_gro_flush_all(g);
		CHECK_EQ(got.n, fast_n);
		CHECK_EQ(got.len[0], fast_len0);
		if (v == 1)
			CHECK_EQ(got.n, 3); /* 0-8, 9 alone, 10-20 */
		else if (v == 3)
			CHECK_EQ(got.n, 2); /* the last, shorter, has another checksum word */
		else
			CHECK_EQ(got.n, 1);
		segoff_gro_destroy(g);
	}
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(gre_parse_by_flags_and_protocol),
		TEST(E5_gre_header_copied_into_every_segment),
		TEST(E5_gre_csum_written_per_segment),
		TEST(E5_gre_gso_type_and_sequence_number_refused_by_name),
		TEST(EG9_gre_gso_then_gro_gives_the_super_packet_back),
		TEST(EG9_gre_checksum_left_stale_as_the_kernel_leaves_it),
		TEST(EG6_gre_flow_rules),
		TEST(gre_gro_fast_path_equals_full_path),
	};
	return check_main(argc, argv, "proto_gre", tests, sizeof(tests) / sizeof(tests[0]));
}
