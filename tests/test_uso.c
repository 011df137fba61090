// SPDX-License-Identifier: MIT
/* UDP segmentation offload [U1, U2], with the case table of the kernel's
 * self-test tools/testing/selftests/net/udpgso.c (datagram and gso sizes
 * -> number of segments and length of the last; refusals at 128+1 segments
 * and past the largest datagram). The kernel differential test
 * (uso_matches_kernel) proves the bytes against Linux. */
#include <stdio.h>
#include <string.h>
#include <segoff/segoff.h>
#include "check.h"
#include "pktgen.h"

#define ETH_MAX_MTU 0xffff
#define UDP_MAX_SEGMENTS 128

static uint8_t frame[70000 + 64], out[70000 * 2 + 128 * 128];
static struct segoff_seg segs[256];

/* Segment a UDP datagram of `tlen` payload bytes at `gso` (0: not GSO).
 * Returns the number of segments (1 for a datagram sent whole) or an error. */
static int uso(int ipv6, unsigned tlen, unsigned gso, struct pktgen_spec *s)
{
	pktgen_default(s);
	s->udp = 1;
	s->ipv6 = ipv6;
	s->payload_len = tlen;
	s->csum = PKTGEN_CSUM_PSEUDO;
	size_t len = pktgen_build(s, frame, sizeof(frame));
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, frame, len, NULL, 0);
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	pkt.csum_state = SEGOFF_CSUM_PARTIAL;
	pkt.csum_start = pkt.l4_off;
	pkt.csum_offset = 6;
	pkt.gso_type = SEGOFF_GSO_UDP_L4;
	struct segoff_gso_params p;
	segoff_gso_params_init(&p);
	p.mss = (uint16_t)gso;
	p.max_size = 1 << 20;
	if (!gso)
		return 1;
	int n = segoff_gso_copy(&pkt, &p, out, sizeof(out), segs, 256);
	return n == SEGOFF_E_GSO_NOTHING_TO_SPLIT ? 1 : n; /* sent as one datagram */
}

struct udpgso_case {
	unsigned tlen, gso_len, r_num_mss, r_len_last;
	int tfail;
};

static void run_table(int ipv6)
{
	const unsigned hdrlen = ipv6 ? 40 + 8 : 20 + 8;
	const unsigned mss = 1500 - hdrlen;
	const unsigned max_segs = ETH_MAX_MTU / mss;
	const struct udpgso_case cases[] = {
		{ 1, 0, 0, 1, 0 },                                  /* no GSO: a single byte */
		{ mss, 0, 1, 0, 0 },                                /* no GSO: a single MSS */
		{ mss, mss, 1, 0, 0 },                              /* one MSS: falls back to no GSO */
		{ mss + 1, mss, 1, 1, 0 },                          /* MSS + 1 */
		{ mss * 2, mss, 2, 0, 0 },                          /* exactly 2 MSS */
		{ mss * 2 + 1, mss, 2, 1, 0 },                      /* 2 MSS + 1 */
		{ (ETH_MAX_MTU / mss) * mss, mss, ETH_MAX_MTU / mss, 0, 0 }, /* MAX segs */
		{ ETH_MAX_MTU - hdrlen, mss, max_segs, ETH_MAX_MTU - hdrlen - max_segs * mss, 0 }, /* MAX bytes */
		{ ETH_MAX_MTU - hdrlen + 1, mss, 0, 0, 1 },         /* MAX + 1: fail */
		{ 1, 1, 1, 0, 0 },                                  /* one 1-byte MSS: no GSO */
		{ 2, 1, 2, 0, 0 },                                  /* 2 one-byte segments */
		{ 5, 2, 2, 1, 0 },                                  /* 2 + 2 + 1 */
		{ UDP_MAX_SEGMENTS, 1, UDP_MAX_SEGMENTS, 0, 0 },    /* max number of min-sized segments */
		{ UDP_MAX_SEGMENTS + 1, 1, 0, 0, 1 },               /* max number + 1: fail */
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct udpgso_case *c = &cases[i];
		struct pktgen_spec s;
		int n = uso(ipv6, c->tlen, c->gso_len, &s);
		if (c->tfail) {
			CHECK(n < 0);
			continue;
		}
		/* r_num_mss counts full segments; a remainder adds one */
		unsigned want = c->r_num_mss + (c->r_len_last ? 1 : 0);
		if (c->gso_len == 0 || c->tlen <= c->gso_len)
			want = 1;
		CHECK_EQ(n, want);
		if (n > 1) {
			size_t l4 = pktgen_l4_off(&s);
			unsigned last_payload = segs[n - 1].len - (unsigned)pktgen_hdr_len(&s);
			CHECK_EQ(last_payload, c->r_len_last ? c->r_len_last : c->gso_len);
			for (int k = 0; k < n; k++) {
				const uint8_t *uh = segs[k].head + l4;
				CHECK_EQ(uh[4] << 8 | uh[5], segs[k].len - l4); /* every segment a full datagram */
				CHECK(ref_verify_udp(segs[k].head, segs[k].len, pktgen_l3_off(&s), l4, ipv6));
			}
		}
		if (check_failures_in_test) {
			fprintf(stderr, "    udpgso case %u (ipv6=%d tlen=%u gso=%u): got %d\n", i, ipv6, c->tlen, c->gso_len, n);
			return;
		}
	}
}

static void U1_udpgso_selftest_table_ipv4(void) { run_table(0); }
static void U1_udpgso_selftest_table_ipv6(void) { run_table(1); }

static void U2_ids_increment_and_lengths_follow(void)
{
	struct pktgen_spec s;
	CHECK_EQ(uso(0, 3000, 1200, &s), 3);
	size_t l3 = pktgen_l3_off(&s);
	for (int k = 0; k < 3; k++) {
		const uint8_t *ip = segs[k].head + l3;
		CHECK_EQ(ip[4] << 8 | ip[5], 0x1234 + k);
		CHECK_EQ(ip[2] << 8 | ip[3], segs[k].len - l3);
	}
}

static void U2_zero_checksum_is_written_as_ffff(void)
{
	/* nudge the last datagram's first payload word so its sum is 0xffff */
	struct pktgen_spec s;
	CHECK_EQ(uso(0, 2500, 1200, &s), 3);
	size_t l4 = pktgen_l4_off(&s), hdr = pktgen_hdr_len(&s);
	uint16_t check = (uint16_t)(segs[2].head[l4 + 6] << 8 | segs[2].head[l4 + 7]);
	size_t pos = hdr + 2400;
	uint32_t w = (uint32_t)(frame[pos] << 8 | frame[pos + 1]) + check;
	w = (w & 0xffff) + (w >> 16);
	frame[pos] = (uint8_t)(w >> 8);
	frame[pos + 1] = (uint8_t)w;
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, frame, hdr + 2500, NULL, 0);
	segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
	pkt.csum_state = SEGOFF_CSUM_PARTIAL;
	pkt.csum_start = pkt.l4_off;
	pkt.csum_offset = 6;
	struct segoff_gso_params p;
	segoff_gso_params_init(&p);
	p.mss = 1200;
	CHECK_EQ(segoff_gso_copy(&pkt, &p, out, sizeof(out), segs, 256), 3);
	CHECK_EQ(segs[2].head[l4 + 6] << 8 | segs[2].head[l4 + 7], 0xffff);
	CHECK(ref_verify_udp(segs[2].head, segs[2].len, pktgen_l3_off(&s), l4, 0));
}

static void U1_refusals(void)
{
	struct pktgen_spec s;
	uso(0, 3000, 1200, &s);
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, frame, pktgen_hdr_len(&s) + 3000, NULL, 0);
	segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
	pkt.csum_state = SEGOFF_CSUM_PARTIAL;
	pkt.csum_start = (uint16_t)(pkt.l4_off + 2);
	pkt.csum_offset = 6;
	struct segoff_gso_params p;
	segoff_gso_params_init(&p);
	p.mss = 1200;
	CHECK_EQ(segoff_gso_copy(&pkt, &p, out, sizeof(out), segs, 256), SEGOFF_E_CSUM_START);
	pkt.csum_start = pkt.l4_off;
	pkt.gso_type = SEGOFF_GSO_TCPV4;
	CHECK_EQ(segoff_gso_copy(&pkt, &p, out, sizeof(out), segs, 256), SEGOFF_E_GSO_TYPE);
	pkt.gso_type = SEGOFF_GSO_UDP; /* UFO is fragmentation */
	CHECK_EQ(segoff_gso_copy(&pkt, &p, out, sizeof(out), segs, 256), SEGOFF_E_UNSUPPORTED);
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(U1_udpgso_selftest_table_ipv4),
		TEST(U1_udpgso_selftest_table_ipv6),
		TEST(U2_ids_increment_and_lengths_follow),
		TEST(U2_zero_checksum_is_written_as_ffff),
		TEST(U1_refusals),
	};
	return check_main(argc, argv, "uso", tests, sizeof(tests) / sizeof(tests[0]));
}
