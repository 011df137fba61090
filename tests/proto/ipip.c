// SPDX-License-Identifier: MIT
/* IP-in-IP (IPIP, SIT, ip4ip6, ip6ip6): parsing, segmentation (E6) and GRO
 * (EG1, EG2, EG9), each rule alone and without root. The kernel
 * differentials (kernel_ip_tunnel_gso_diff, kernel_ip_tunnel_gro_diff)
 * compare the same against Linux. */
#include <stdio.h>
#include <string.h>
#include <segoff/segoff.h>
#include "check.h"
#include "pktgen.h"
#include "gro_collect.h"

static uint8_t frame[70000], out[1 << 20];
static struct segoff_seg segs[1024];

static size_t build(int outer6, int inner6, uint32_t payload, struct pktgen_spec *o, struct pktgen_spec *in)
{
	pktgen_default(o);
	o->ipv6 = outer6;
	o->ip_id = 0x7fff;
	o->ttl = 64;
	pktgen_default(in);
	in->ipv6 = inner6;
	in->payload_len = payload;
	in->ip_id = 0xffff; /* wraps on its own [E2] */
	in->csum = PKTGEN_CSUM_PSEUDO;
	return pktgen_build_ip_tunnel(o, NULL, in, frame, sizeof(frame));
}

static uint32_t ipxip(int outer6)
{
	return outer6 ? SEGOFF_GSO_IPXIP6 : SEGOFF_GSO_IPXIP4;
}

static uint32_t tcp_type(int inner6)
{
	return inner6 ? SEGOFF_GSO_TCPV6 : SEGOFF_GSO_TCPV4;
}

/* An IP header after an IP header opens the next level: protocol 4 or 41
 * in IPv4 or IPv6, no port or device to configure. */
static void ipip_parse_gives_two_ip_levels(void)
{
	for (int v = 0; v < 4; v++) {
		int outer6 = v & 1, inner6 = v >> 1;
		struct pktgen_spec o, in;
		size_t len = build(outer6, inner6, 2000, &o, &in);
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, frame, len, NULL, 0);
		CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
		CHECK_EQ(pkt.nr_layers, 4);
		CHECK_EQ(pkt.layer[1].depth, 0);
		CHECK_EQ(pkt.layer[2].depth, 1);
		CHECK_EQ(pkt.layer[3].net, 2);
		CHECK_EQ(pkt.encap_depth, 1);
		CHECK_EQ(pkt.l3_off, 14);
		CHECK_EQ(pkt.l3_proto, outer6 ? SEGOFF_PROTO_IPV6 : SEGOFF_PROTO_IPV4);
		CHECK_EQ(pkt.inner_l3_off, pktgen_l4_off(&o));
		CHECK_EQ(pkt.inner_l3_proto, inner6 ? SEGOFF_PROTO_IPV6 : SEGOFF_PROTO_IPV4);
		CHECK_EQ(pkt.inner_l4_off, pktgen_l4_off(&o) + (inner6 ? 40u : 20u));
	}
}

static int segment(size_t len, uint32_t gso_type, unsigned mss, int ip_id)
{
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, frame, len, NULL, 0);
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	pkt.gso_size = (uint16_t)mss;
	pkt.gso_type = gso_type;
	pkt.csum_state = SEGOFF_CSUM_PARTIAL;
	pkt.csum_start = pkt.inner_l4_off;
	pkt.csum_offset = 16;
	struct segoff_gso_params p;
	segoff_gso_params_init(&p);
	p.ip_id = (uint8_t)ip_id;
	return segoff_gso_copy(&pkt, &p, out, sizeof(out), segs, 1024);
}

/* E6: only E2 applies: lengths, and each IPv4 ID counting (or fixed) on
 * its own; the type must name the outer family (IPXIP4 outside IPv4,
 * IPXIP6 outside IPv6) or the kernel's segmenter refuses it. */
static void E6_ipip_each_ip_header_counts_on_its_own(void)
{
	for (int v = 0; v < 4; v++) {
		int outer6 = v & 1, inner6 = v >> 1;
		struct pktgen_spec o, in;
		size_t len = build(outer6, inner6, 3500, &o, &in);
		const size_t il3 = pktgen_l4_off(&o), il4 = il3 + (inner6 ? 40 : 20);
		CHECK_EQ(segment(len, tcp_type(inner6), 1000, 0), SEGOFF_E_GSO_TYPE);
		CHECK_EQ(segment(len, tcp_type(inner6) | ipxip(!outer6), 1000, 0), SEGOFF_E_GSO_TYPE);
		int n = segment(len, tcp_type(inner6) | ipxip(outer6) | SEGOFF_GSO_FIXEDID, 1000, 0);
		CHECK_EQ(n, 4);
		for (int i = 0; i < n; i++) {
			const uint8_t *s = segs[i].head;
			const uint32_t l = segs[i].len;
			if (!outer6) {
				CHECK_EQ(s[16] << 8 | s[17], l - 14); /* tot_len */
				CHECK_EQ(s[18] << 8 | s[19], 0x7fff); /* fixed outside */
				CHECK_EQ(ref_fold(ref_sum(s + 14, 20, 0)), 0xffff);
			} else {
				CHECK_EQ(s[18] << 8 | s[19], l - 54);
			}
			if (!inner6)
				CHECK_EQ(s[il3 + 4] << 8 | s[il3 + 5], (0xffff + i) & 0xffff); /* counting inside */
			CHECK(ref_verify_tcp(s, l, il3, il4, inner6));
		}
		/* a capture names no type: taken as IP-in-IP */
		CHECK_EQ(segment(len, 0, 1000, 0), 4);
	}
}

static struct segoff_gro *gro_new(int ip_tunnels)
{
	struct segoff_gro_config cfg;
	segoff_gro_config_init(&cfg);
	CHECK_EQ(cfg.ip_tunnels, 1); /* the kernel's default */
	cfg.ip_tunnels = (uint8_t)ip_tunnels;
	return got_gro(&cfg);
}

/* GSO then GRO gives the super-packet back, IPXIP4 or IPXIP6 by the outer
 * family [EG9]; a context told not to coalesce IP tunnels (its outputs go
 * to a TAP, which has no type for them) sends each up as it came. */
static void EG9_ipip_gso_then_gro_gives_the_super_packet_back(void)
{
	for (int v = 0; v < 4; v++) {
		int outer6 = v & 1, inner6 = v >> 1;
		struct pktgen_spec o, in;
		size_t len = build(outer6, inner6, 6000, &o, &in);
		struct segoff_gso_params p;
		segoff_gso_params_init(&p);
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, frame, len, NULL, 0);
		CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
		pkt.gso_size = 1200;
		pkt.gso_type = tcp_type(inner6) | ipxip(outer6);
		int n = segoff_gso_copy(&pkt, &p, out, sizeof(out), segs, 1024);
		CHECK_EQ(n, 5);
		for (int tun = 1; tun >= 0; tun--) {
			struct segoff_gro *g = gro_new(tun);
			for (int i = 0; i < n; i++)
				CHECK_EQ(segoff_gro_receive_frame(g, segs[i].head, segs[i].len, SEGOFF_CSUM_NONE, NULL, 0),
					 SEGOFF_OK);
			segoff_gro_flush_all(g);
			if (tun) {
				CHECK_EQ(got.n, 1);
				CHECK_EQ(got.len[0], len);
				CHECK(memcmp(got.data[0], frame, len) == 0);
				CHECK_EQ(got.gso_type[0], tcp_type(inner6) | ipxip(outer6));
				CHECK_EQ(got.vnet[0].gso_type, SEGOFF_VNET_GSO_NONE);
			} else {
				CHECK_EQ(got.n, 5);
				CHECK_EQ(segoff_gro_counters(g)[SEGOFF_GRO_NOT_HELD_UNSUPPORTED], 5);
			}
			segoff_gro_destroy(g);
		}
	}
}

/* EG2: one level only. IP-in-IP inside IP-in-IP is not merged. */
static void EG2_ipip_in_ipip_is_not_merged(void)
{
	struct pktgen_spec o, in;
	size_t len = build(0, 0, 500, &o, &in);
	static uint8_t inner_pkt[70000], twice[70000];
	memcpy(inner_pkt, frame + 14, len - 14);
	struct pktgen_spec outer;
	pktgen_default(&outer);
	outer.ipproto = 4;
	outer.payload = inner_pkt;
	outer.payload_len = (uint32_t)(len - 14);
	size_t tlen = pktgen_build(&outer, twice, sizeof(twice));
	struct segoff_gro *g = gro_new(1);
	CHECK_EQ(segoff_gro_receive_frame(g, twice, tlen, SEGOFF_CSUM_VERIFIED, NULL, 0), SEGOFF_OK);
	CHECK_EQ(got.n, 1);
	CHECK_EQ(segoff_gro_counters(g)[SEGOFF_GRO_NOT_HELD_UNSUPPORTED], 1);
	segoff_gro_destroy(g);
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(ipip_parse_gives_two_ip_levels),
		TEST(E6_ipip_each_ip_header_counts_on_its_own),
		TEST(EG9_ipip_gso_then_gro_gives_the_super_packet_back),
		TEST(EG2_ipip_in_ipip_is_not_merged),
	};
	return check_main(argc, argv, "proto_ipip", tests, sizeof(tests) / sizeof(tests[0]));
}
