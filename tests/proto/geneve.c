// SPDX-License-Identifier: MIT
/* Geneve: the header's options are part of it, the protocol type names the
 * inner packet, and segmentation copies header and options into every
 * segment without reading them [E1, E3]. */
#include <string.h>
#include <segoff/segoff.h>
#include "check.h"
#include "pktgen.h"

static uint8_t frame[70000], out[1 << 20];
static struct segoff_seg segs[256];

static size_t build(unsigned optlen, uint32_t payload, struct pktgen_spec *o, struct pktgen_spec *in)
{
	pktgen_default(o);
	o->dport = SEGOFF_GENEVE_PORT;
	o->csum = PKTGEN_CSUM_PSEUDO;
	pktgen_default(in);
	in->ipv6 = 1;
	in->payload_len = payload;
	in->csum = PKTGEN_CSUM_PSEUDO;
	return pktgen_build_tunnel(o, PKTGEN_GENEVE, 7, optlen, 99, in, frame, sizeof(frame));
}

static void geneve_options_belong_to_the_tunnel_header(void)
{
	for (unsigned optlen = 0; optlen <= 252; optlen += 4) {
		struct pktgen_spec o, in;
		size_t len = build(optlen, 500, &o, &in);
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, frame, len, NULL, 0);
		CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
		CHECK_EQ(pkt.layer[3].proto, SEGOFF_PROTO_GENEVE);
		CHECK_EQ(pkt.layer[3].len, 8 + optlen);
		CHECK_EQ(pkt.layer[4].proto, SEGOFF_PROTO_ETH);
		CHECK_EQ(pkt.layer[4].depth, 1);
		CHECK_EQ(pkt.inner_l4_off, pktgen_l4_off(&o) + 8 + 8 + optlen + pktgen_l4_off(&in));
		/* options cut short: a truncation, not a read past the end */
		segoff_pkt_init(&pkt, frame, pktgen_l4_off(&o) + 8 + 8 + optlen - 1, NULL, 0);
		CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_E_TRUNCATED);
		if (check_failures_in_test)
			return;
	}
}

/* A version this parser does not know (or a protocol type it does not):
 * the header is parsed, what follows is payload. */
static void geneve_unknown_version_or_type_ends_the_parse(void)
{
	struct pktgen_spec o, in;
	size_t len = build(8, 500, &o, &in);
	size_t gh = pktgen_l4_off(&o) + 8;
	frame[gh] |= 0x40;
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, frame, len, NULL, 0);
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	CHECK_EQ(pkt.nr_layers, 4);
	CHECK_EQ(pkt.payload_off, gh + 16);
	frame[gh] &= 0x3f;
	frame[gh + 2] = 0x88; /* 0x8847, MPLS */
	frame[gh + 3] = 0x47;
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	CHECK_EQ(pkt.nr_layers, 4);
	CHECK_EQ(pkt.inner_l4_proto, SEGOFF_PROTO_UDP);
}

/* E1: the options travel unchanged in every segment; E3: each segment's
 * outer checksum covers them. */
static void E1_geneve_options_copied_into_every_segment(void)
{
	struct pktgen_spec o, in;
	size_t len = build(64, 9000, &o, &in);
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, frame, len, NULL, 0);
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	pkt.gso_size = 1400;
	pkt.gso_type = SEGOFF_GSO_TCPV6 | SEGOFF_GSO_UDP_TUNNEL_CSUM;
	pkt.csum_state = SEGOFF_CSUM_PARTIAL;
	pkt.csum_start = pkt.inner_l4_off;
	pkt.csum_offset = 16;
	struct segoff_gso_params p;
	segoff_gso_params_init(&p);
	int n = segoff_gso_copy(&pkt, &p, out, sizeof(out), segs, 256);
	CHECK_EQ(n, 7);
	size_t uh = pktgen_l4_off(&o);
	for (int i = 0; i < n; i++) {
		CHECK(memcmp(segs[i].head + uh + 8, frame + uh + 8, 8 + 64 + 14) == 0);
		CHECK(ref_verify_udp(segs[i].head, segs[i].len, 14, uh, 0));
	}
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(geneve_options_belong_to_the_tunnel_header),
		TEST(geneve_unknown_version_or_type_ends_the_parse),
		TEST(E1_geneve_options_copied_into_every_segment),
	};
	return check_main(argc, argv, "proto_geneve", tests, sizeof(tests) / sizeof(tests[0]));
}
