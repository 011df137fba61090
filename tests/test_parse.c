// SPDX-License-Identifier: MIT
/* Parser: offsets for every header shape, named refusals, and no read past
 * the bytes given for any prefix of a valid frame (run under ASan in CI). */
#include <stdlib.h>
#include <string.h>
#include <segoff/segoff.h>
#include "check.h"
#include "pktgen.h"

static uint8_t frame[70000];

static int parse_spec(const struct pktgen_spec *s, struct segoff_pkt *pkt, size_t *len)
{
	*len = pktgen_build(s, frame, sizeof(frame));
	segoff_pkt_init(pkt, frame, *len, NULL, 0);
	return segoff_parse(pkt, SEGOFF_PROTO_ETH, 0);
}

static void parse_finds_every_layer_offset(void)
{
	struct rng r = { check_seed() };
	for (int i = 0; i < 2000; i++) {
		struct pktgen_spec s;
		struct segoff_pkt pkt;
		size_t len;
		pktgen_random(&s, &r, 0, 100);
		CHECK_EQ(parse_spec(&s, &pkt, &len), SEGOFF_OK);
		CHECK_EQ(pkt.l3_off, pktgen_l3_off(&s));
		CHECK_EQ(pkt.l4_off, pktgen_l4_off(&s));
		CHECK_EQ(pkt.payload_off, pktgen_hdr_len(&s));
		CHECK_EQ(pkt.nr_vlan, s.nr_vlan);
		CHECK_EQ(pkt.l3_proto, s.ipv6 ? SEGOFF_PROTO_IPV6 : SEGOFF_PROTO_IPV4);
		CHECK_EQ(pkt.l4_proto, SEGOFF_PROTO_TCP);
		CHECK_EQ(pkt.nr_layers, 3 + s.nr_vlan);
		CHECK_EQ(pkt.len, len);
		if (check_failures_in_test)
			return;
	}
}

/* Every layer knows its encapsulation level and its network layer; with
 * no tunnel the inner offsets are the outer ones. */
static void parse_gives_each_layer_its_depth_and_network_layer(void)
{
	struct rng r = { check_seed() };
	for (int i = 0; i < 500; i++) {
		struct pktgen_spec s;
		struct segoff_pkt pkt;
		size_t len;
		pktgen_random(&s, &r, 0, 100);
		CHECK_EQ(parse_spec(&s, &pkt, &len), SEGOFF_OK);
		unsigned ip = 1u + s.nr_vlan;
		for (unsigned k = 0; k < pkt.nr_layers; k++) {
			CHECK_EQ(pkt.layer[k].depth, 0);
			CHECK_EQ(pkt.layer[k].net, k <= ip ? SEGOFF_LAYER_NONE : ip);
		}
		CHECK_EQ(pkt.layer[ip].proto, pkt.l3_proto);
		CHECK_EQ(pkt.encap_depth, 0);
		CHECK_EQ(pkt.inner_l3_off, pkt.l3_off);
		CHECK_EQ(pkt.inner_l4_off, pkt.l4_off);
		CHECK_EQ(pkt.inner_l3_proto, pkt.l3_proto);
		CHECK_EQ(pkt.inner_l4_proto, pkt.l4_proto);
		if (check_failures_in_test)
			return;
	}
}

static void parse_refuses_a_third_vlan_tag(void)
{
	struct pktgen_spec s;
	struct segoff_pkt pkt;
	size_t len;
	pktgen_default(&s);
	s.nr_vlan = 2;
	s.vlan_tpid[0] = s.vlan_tpid[1] = 0x8100;
	CHECK_EQ(parse_spec(&s, &pkt, &len), SEGOFF_OK);
	/* turn the inner ethertype into a third tag */
	frame[20] = 0x81;
	frame[21] = 0x00;
	segoff_pkt_init(&pkt, frame, len, NULL, 0);
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_E_VLAN_DEPTH);
}

static void parse_refuses_bad_ip_version_and_ihl(void)
{
	struct pktgen_spec s;
	struct segoff_pkt pkt;
	size_t len;
	pktgen_default(&s);
	CHECK_EQ(parse_spec(&s, &pkt, &len), SEGOFF_OK);
	frame[14] = 0x65;
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_E_IP_VERSION);
	frame[14] = 0x44;
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_E_IPV4_IHL);
	frame[14] = 0x4f; /* 60 bytes of header claimed, fine if present */
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	s.ipv6 = 1;
	CHECK_EQ(parse_spec(&s, &pkt, &len), SEGOFF_OK);
	frame[14] = 0x45;
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_E_IP_VERSION);
}

/* A 200-header IPv6 chain: a clear error, not a long walk. */
static void parse_refuses_a_200_header_ipv6_chain(void)
{
	static uint8_t f[14 + 40 + 200 * 8 + 20];
	memset(f, 0, sizeof(f));
	f[12] = 0x86;
	f[13] = 0xdd;
	f[14] = 0x60;
	f[14 + 6] = 60;
	for (int i = 0; i < 200; i++) {
		uint8_t *e = f + 14 + 40 + i * 8;
		e[0] = i == 199 ? 6 : 60;
		e[1] = 0;
	}
	f[14 + 40 + 1600 + 12] = 5 << 4;
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, f, sizeof(f), NULL, 0);
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_E_IPV6_EXTHDR_LIMIT);
	/* the limit itself is accepted */
	f[14 + 40 + (SEGOFF_MAX_EXTHDRS - 1) * 8] = 6;
	f[14 + 40 + SEGOFF_MAX_EXTHDRS * 8 + 12] = 5 << 4;
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	CHECK_EQ(pkt.l4_off, 14 + 40 + SEGOFF_MAX_EXTHDRS * 8);
}

static void parse_stops_at_later_fragments_and_unknown_protocols(void)
{
	struct pktgen_spec s;
	struct segoff_pkt pkt;
	size_t len;
	pktgen_default(&s);
	CHECK_EQ(parse_spec(&s, &pkt, &len), SEGOFF_OK);
	frame[14 + 6] = 0x00;
	frame[14 + 7] = 0x10; /* offset 128 bytes */
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	CHECK_EQ(pkt.l4_proto, SEGOFF_PROTO_NONE);
	CHECK(pkt.is_fragment);
	frame[14 + 7] = 0;
	frame[14 + 9] = 47; /* GRE: not parsed (yet) */
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	CHECK_EQ(pkt.l3_proto, SEGOFF_PROTO_IPV4);
	CHECK_EQ(pkt.l4_proto, SEGOFF_PROTO_NONE);
	frame[12] = 0x08;
	frame[13] = 0x06; /* ARP */
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	CHECK_EQ(pkt.l3_proto, SEGOFF_PROTO_NONE);
	CHECK_EQ(pkt.nr_layers, 1);
	/* IPv6 fragment header, first fragment: TCP still parsed, marked fragment */
	uint8_t f6[14 + 40 + 8 + 20] = { 0 };
	f6[12] = 0x86;
	f6[13] = 0xdd;
	f6[14] = 0x60;
	f6[14 + 6] = 44;
	f6[14 + 40] = 6;
	f6[14 + 40 + 3] = 1; /* M flag, offset 0 */
	f6[14 + 48 + 12] = 5 << 4;
	segoff_pkt_init(&pkt, f6, sizeof(f6), NULL, 0);
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	CHECK(pkt.is_fragment);
	CHECK_EQ(pkt.l4_proto, SEGOFF_PROTO_TCP);
}

/* Every prefix of valid frames: an error or success, never a read past the
 * end (ASan's job), and short frames named as such. */
static void parse_every_truncation_is_an_error_not_a_crash(void)
{
	struct rng r = { check_seed() + 1 };
	for (int i = 0; i < 300; i++) {
		struct pktgen_spec s;
		pktgen_random(&s, &r, 0, 10);
		size_t len = pktgen_build(&s, frame, sizeof(frame)), hdr = pktgen_hdr_len(&s);
		for (size_t cut = 0; cut <= len; cut++) {
			uint8_t *copy = malloc(cut ? cut : 1);
			memcpy(copy, frame, cut);
			struct segoff_pkt pkt;
			segoff_pkt_init(&pkt, copy, cut, NULL, 0);
			int err = segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
			if (cut < 14)
				CHECK_EQ(err, SEGOFF_E_FRAME_SHORT);
			else if (cut < hdr)
				CHECK_EQ(err, SEGOFF_E_TRUNCATED);
			else
				CHECK_EQ(err, SEGOFF_OK);
			free(copy);
		}
		if (check_failures_in_test)
			return;
	}
}

static void parse_raw_ip_and_copy_out_across_slices(void)
{
	struct pktgen_spec s;
	pktgen_default(&s);
	size_t len = pktgen_build(&s, frame, sizeof(frame));
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, frame + 14, len - 14, NULL, 0);
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_IPV4, 0), SEGOFF_OK);
	CHECK_EQ(pkt.l3_off, 0);
	CHECK_EQ(pkt.l4_off, 20);
	struct segoff_slice sl[3] = { { frame + 100, 7 }, { frame + 107, 0 }, { frame + 107, 300 } };
	segoff_pkt_init(&pkt, frame, 100, sl, 3);
	CHECK_EQ(pkt.len, 407);
	uint8_t out[407];
	CHECK_EQ(segoff_pkt_copy_out(&pkt, 0, out, 407), SEGOFF_OK);
	CHECK(memcmp(out, frame, 407) == 0);
	CHECK_EQ(segoff_pkt_copy_out(&pkt, 99, out, 10), SEGOFF_OK);
	CHECK(memcmp(out, frame + 99, 10) == 0);
	CHECK_EQ(segoff_pkt_copy_out(&pkt, 400, out, 8), SEGOFF_E_TRUNCATED);
	CHECK_EQ(segoff_parse(NULL, SEGOFF_PROTO_ETH, 0), SEGOFF_E_INVAL);
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO__COUNT, 0), SEGOFF_E_INVAL);
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(parse_finds_every_layer_offset),
		TEST(parse_gives_each_layer_its_depth_and_network_layer),
		TEST(parse_refuses_a_third_vlan_tag),
		TEST(parse_refuses_bad_ip_version_and_ihl),
		TEST(parse_refuses_a_200_header_ipv6_chain),
		TEST(parse_stops_at_later_fragments_and_unknown_protocols),
		TEST(parse_every_truncation_is_an_error_not_a_crash),
		TEST(parse_raw_ip_and_copy_out_across_slices),
	};
	return check_main(argc, argv, "parse", tests, sizeof(tests) / sizeof(tests[0]));
}
