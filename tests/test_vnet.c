// SPDX-License-Identifier: MIT
/* virtio_net_hdr [V1-V4]: byte layout, and each validation the kernel
 * applies to a header written into a TAP, as its own case. */
#include <string.h>
#include <segoff/segoff.h>
#include "check.h"
#include "pktgen.h"

static unsigned gro_flags;

static void on_gro_out(void *opaque, const struct segoff_gro_out *o)
{
	(void)opaque;
	gro_flags = o->vnet.flags;
}

static uint8_t frame[70000];
static size_t flen;
static struct segoff_pkt pkt;

static void setup(int ipv6, uint32_t payload)
{
	struct pktgen_spec s;
	pktgen_default(&s);
	s.ipv6 = ipv6;
	s.payload_len = payload;
	flen = pktgen_build(&s, frame, sizeof(frame));
	segoff_pkt_init(&pkt, frame, flen, NULL, 0);
	segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
}

static struct segoff_vnet_hdr tso(int ipv6, uint16_t mss)
{
	struct segoff_vnet_hdr h = {
		.flags = SEGOFF_VNET_F_NEEDS_CSUM,
		.gso_type = ipv6 ? SEGOFF_VNET_GSO_TCPV6 : SEGOFF_VNET_GSO_TCPV4,
		.hdr_len = pkt.payload_off,
		.gso_size = mss,
		.csum_start = pkt.l4_off,
		.csum_offset = 16,
	};
	return h;
}

static void V1_encodes_little_endian_in_10_and_12_bytes(void)
{
	struct segoff_vnet_hdr h = { .flags = 1, .gso_type = 4, .hdr_len = 0x0102, .gso_size = 0x0304,
				     .csum_start = 0x0506, .csum_offset = 0x0708, .num_buffers = 0x090a }, d;
	uint8_t b[12];
	CHECK_EQ(segoff_vnet_encode(&h, b, 12), SEGOFF_OK);
	static const uint8_t want[12] = { 1, 4, 2, 1, 4, 3, 6, 5, 8, 7, 0x0a, 0x09 };
	CHECK(memcmp(b, want, 12) == 0);
	CHECK_EQ(segoff_vnet_decode(b, 12, &d), SEGOFF_OK);
	CHECK(memcmp(&d, &h, sizeof(h)) == 0);
	CHECK_EQ(segoff_vnet_decode(b, 10, &d), SEGOFF_OK);
	CHECK_EQ(d.num_buffers, 0);
	CHECK_EQ(segoff_vnet_decode(b, 11, &d), SEGOFF_E_INVAL);
	CHECK_EQ(segoff_vnet_encode(&h, b, 9), SEGOFF_E_INVAL);
}

/* The tunnel form: hash and the two tunnel offsets after num_buffers, a
 * padding word between; the short forms read them as 0. */
static void EV1_encodes_the_24_byte_tunnel_form(void)
{
	struct segoff_vnet_hdr h = { .flags = SEGOFF_VNET_F_NEEDS_CSUM | SEGOFF_VNET_F_UDP_TUNNEL_CSUM,
				     .gso_type = SEGOFF_VNET_GSO_TCPV4 | SEGOFF_VNET_GSO_UDP_TUNNEL_IPV6,
				     .hdr_len = 0x0102, .gso_size = 0x0304, .csum_start = 0x0506, .csum_offset = 16,
				     .num_buffers = 1, .hash_value = 0x0a0b0c0d, .hash_report = 0x0e0f,
				     .outer_th_offset = 0x1112, .inner_nh_offset = 0x1314 };
	_Static_assert(sizeof(struct segoff_vnet_hdr) == 24, "no padding in the decoded header");
	uint8_t b[24];
	CHECK_EQ(segoff_vnet_encode(&h, b, sizeof(b)), SEGOFF_OK);
	static const uint8_t want[24] = { 9, 0x41, 2, 1, 4, 3, 6, 5, 16, 0, 1, 0,
					  0x0d, 0x0c, 0x0b, 0x0a, 0x0f, 0x0e, 0, 0, 0x12, 0x11, 0x14, 0x13 };
	CHECK(memcmp(b, want, sizeof(want)) == 0);
	struct segoff_vnet_hdr d;
	CHECK_EQ(segoff_vnet_decode(b, sizeof(b), &d), SEGOFF_OK);
	CHECK(memcmp(&d, &h, sizeof(h)) == 0);
	CHECK_EQ(segoff_vnet_decode(b, 12, &d), SEGOFF_OK);
	CHECK_EQ(d.outer_th_offset, 0);
	CHECK_EQ(d.inner_nh_offset, 0);
	CHECK_EQ(d.hash_value, 0);
	CHECK_EQ(segoff_vnet_decode(b, 20, &d), SEGOFF_E_INVAL);
}

/* A VXLAN frame (IPv4 outer, inner IPv6 TCP) and its honest 24-byte header. */
static struct segoff_vnet_hdr setup_tunnel(uint32_t payload, uint16_t mss)
{
	struct pktgen_spec o, in;
	pktgen_default(&o);
	o.dport = SEGOFF_VXLAN_PORT;
	o.csum = PKTGEN_CSUM_PSEUDO;
	pktgen_default(&in);
	in.ipv6 = 1;
	in.payload_len = payload;
	in.csum = PKTGEN_CSUM_PSEUDO;
	flen = pktgen_build_tunnel(&o, PKTGEN_VXLAN, 5, 0, 0, &in, frame, sizeof(frame));
	segoff_pkt_init(&pkt, frame, flen, NULL, 0);
	segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
	struct segoff_vnet_hdr h = {
		.flags = SEGOFF_VNET_F_NEEDS_CSUM | SEGOFF_VNET_F_UDP_TUNNEL_CSUM,
		.gso_type = SEGOFF_VNET_GSO_TCPV6 | SEGOFF_VNET_GSO_UDP_TUNNEL_IPV4,
		.hdr_len = pkt.payload_off,
		.gso_size = mss,
		.csum_start = pkt.inner_l4_off,
		.csum_offset = 16,
		.outer_th_offset = pkt.l4_off,
		.inner_nh_offset = pkt.inner_l3_off,
	};
	return h;
}

static void EV3_valid_tunnel_header_sets_the_tunnel_gso_type(void)
{
	struct segoff_vnet_hdr h = setup_tunnel(5000, 1400);
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_OK);
	CHECK_EQ(pkt.gso_type, SEGOFF_GSO_TCPV6 | SEGOFF_GSO_UDP_TUNNEL_CSUM);
	CHECK_EQ(pkt.gso_size, 1400);
	CHECK_EQ(pkt.csum_state, SEGOFF_CSUM_PARTIAL);
	CHECK_EQ(pkt.csum_start, pkt.inner_l4_off);
	h.flags = SEGOFF_VNET_F_NEEDS_CSUM;
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_OK);
	CHECK_EQ(pkt.gso_type, SEGOFF_GSO_TCPV6 | SEGOFF_GSO_UDP_TUNNEL);
	/* too small to cut (by the kernel's measure, from csum_start + 20):
	 * the kernel's trap, refused [E7] */
	h.gso_size = 5100;
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_TUNNEL_NOT_GSO);
}

/* Each lie of the tunnel part, refused by name before the plain checks. */
static void EV3_refuses_each_tunnel_lie(void)
{
	const struct segoff_vnet_hdr good = setup_tunnel(5000, 1400);
	struct segoff_vnet_hdr h = good;
	h.gso_type |= SEGOFF_VNET_GSO_UDP_TUNNEL_IPV6;
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_TUNNEL_TYPE);
	h = good;
	h.gso_type = SEGOFF_VNET_GSO_UDP_TUNNEL_IPV4; /* inner NONE */
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_TUNNEL_TYPE);
	h.gso_type = SEGOFF_VNET_GSO_UDP_TUNNEL_IPV4 | SEGOFF_VNET_GSO_UDP; /* UFO cannot be tunnelled */
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_TUNNEL_TYPE);
	h = good;
	h.flags = 0;
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_NEEDS_CSUM);
	h = good;
	h.outer_th_offset = 14 + 19;
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_TUNNEL_OFFSETS);
	h = good;
	h.inner_nh_offset = (uint16_t)(good.outer_th_offset + 7);
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_TUNNEL_OFFSETS);
	h = good;
	h.inner_nh_offset = (uint16_t)(good.csum_start - 39); /* an IPv6 inner header is 40 */
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_TUNNEL_OFFSETS);
	/* a 10-byte header has no offsets: they read 0, out of order */
	h = good;
	h.outer_th_offset = h.inner_nh_offset = 0;
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_TUNNEL_OFFSETS);
	/* in order, but not where the frame has its tunnel */
	h = good;
	h.inner_nh_offset = (uint16_t)(good.inner_nh_offset - 4);
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_PROTO);
}

static void V3_valid_tso_header_sets_metadata(void)
{
	setup(0, 4000);
	struct segoff_vnet_hdr h = tso(0, 1448);
	h.gso_type |= SEGOFF_VNET_GSO_ECN;
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_OK);
	CHECK_EQ(pkt.gso_size, 1448);
	CHECK_EQ(pkt.gso_type, SEGOFF_GSO_TCPV4 | SEGOFF_GSO_TCP_ECN);
	CHECK_EQ(pkt.csum_state, SEGOFF_CSUM_PARTIAL);
	CHECK_EQ(pkt.csum_start, pkt.l4_off);
	struct segoff_vnet_hdr back;
	CHECK_EQ(segoff_vnet_from_pkt(&pkt, &back), SEGOFF_OK);
	CHECK_EQ(back.gso_type, h.gso_type);
	CHECK_EQ(back.gso_size, 1448);
	CHECK_EQ(back.hdr_len, pkt.payload_off);
	CHECK_EQ(back.flags, SEGOFF_VNET_F_NEEDS_CSUM);
}

static void V3_too_small_to_segment_is_a_plain_packet(void)
{
	setup(0, 1448 + 12); /* TCP options count: the kernel measures from csum_start + 20 */
	struct segoff_vnet_hdr h = tso(0, 1448);
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_OK);
	CHECK_EQ(pkt.gso_size, 1448);
	setup(0, 1448 - 12);
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_OK);
	CHECK_EQ(pkt.gso_size, 0);
	CHECK_EQ(pkt.gso_type, 0);
	CHECK_EQ(pkt.csum_state, SEGOFF_CSUM_PARTIAL);
}

static void V3_refuses_each_lie(void)
{
	setup(0, 4000);
	struct segoff_vnet_hdr h;
	h = tso(0, 0);
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_GSO_SIZE);
	h = tso(0, 0xffff);
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_GSO_SIZE);
	h = tso(0, 1000);
	h.gso_type = 2;
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_GSO_TYPE);
	h.gso_type = SEGOFF_VNET_GSO_ECN; /* NONE|ECN */
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_GSO_TYPE);
	/* tun raises hdr_len to cover the check field before anything else */
	h = tso(0, 1000);
	h.csum_start = (uint16_t)flen;
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_HDR_LEN);
	/* a TCP header that would run past the frame */
	h = tso(0, 1000);
	h.csum_start = (uint16_t)(flen - 10);
	h.csum_offset = 0;
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_CSUM_RANGE);
	h = tso(0, 1000);
	h.csum_start = 19;
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_CSUM_START);
	h = tso(0, 1000);
	h.csum_offset = 6;
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_CSUM_OFFSET);
	h = tso(0, 1000);
	h.hdr_len = (uint16_t)(flen + 1);
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_HDR_LEN);
	/* TCPv6 needs csum_start >= 40 */
	h = tso(1, 1000);
	h.csum_start = 39;
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_CSUM_START);
	/* without NEEDS_CSUM the named protocol must be in the frame */
	h = tso(0, 1000);
	h.flags = 0;
	h.gso_type = SEGOFF_VNET_GSO_UDP_L4;
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_PROTO);
	h.gso_type = SEGOFF_VNET_GSO_TCPV4;
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_OK);
	CHECK_EQ(pkt.csum_state, SEGOFF_CSUM_NONE);
	uint8_t tiny[13] = { 0 };
	struct segoff_pkt t;
	segoff_pkt_init(&t, tiny, sizeof(tiny), NULL, 0);
	CHECK_EQ(segoff_vnet_to_pkt(&h, &t), SEGOFF_E_FRAME_SHORT);
}

static void V3_udp_l4_rules(void)
{
	setup(0, 4000);
	frame[pkt.l3_off + 9] = 17;
	segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
	struct segoff_vnet_hdr h = { .flags = SEGOFF_VNET_F_NEEDS_CSUM, .gso_type = SEGOFF_VNET_GSO_UDP_L4,
				     .gso_size = 1000, .csum_start = pkt.l4_off, .csum_offset = 6 };
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_OK);
	CHECK_EQ(pkt.gso_type, SEGOFF_GSO_UDP_L4);
	h.flags = 0;
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_NEEDS_CSUM);
	h.flags = SEGOFF_VNET_F_NEEDS_CSUM;
	h.csum_offset = 16;
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_CSUM_OFFSET);
	h.csum_offset = 6;
	h.gso_type |= SEGOFF_VNET_GSO_ECN;
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_ECN);
	h.gso_type = SEGOFF_VNET_GSO_UDP_L4;
	h.gso_size = 30; /* 4000+ bytes / 30 > 128 segments */
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_E_VNET_TOO_MANY_SEGS);
}

/* One conversion for every producer of headers: what segoff_vnet_from_pkt
 * writes for a packet is what GRO writes for the same packet delivered. */
static void from_pkt_rule_is_the_one_gro_uses(void)
{
	struct pktgen_spec s;
	pktgen_default(&s);
	s.csum = PKTGEN_CSUM_FULL;
	uint8_t f[2000];
	size_t len = pktgen_build(&s, f, sizeof(f));
	struct segoff_pkt p;
	segoff_pkt_init(&p, f, len, NULL, 0);
	CHECK_EQ(segoff_parse(&p, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	struct segoff_vnet_hdr h;
	/* a final checksum segoff vouches for, and a verified one: DATA_VALID */
	p.csum_state = SEGOFF_CSUM_COMPLETE;
	CHECK_EQ(segoff_vnet_from_pkt(&p, &h), SEGOFF_OK);
	CHECK_EQ(h.flags, SEGOFF_VNET_F_DATA_VALID);
	p.csum_state = SEGOFF_CSUM_VERIFIED;
	CHECK_EQ(segoff_vnet_from_pkt(&p, &h), SEGOFF_OK);
	CHECK_EQ(h.flags, SEGOFF_VNET_F_DATA_VALID);
	p.csum_state = SEGOFF_CSUM_NONE;
	CHECK_EQ(segoff_vnet_from_pkt(&p, &h), SEGOFF_OK);
	CHECK_EQ(h.flags, 0);
	/* UFO has its virtio type */
	p.gso_size = 1000;
	p.gso_type = SEGOFF_GSO_UDP;
	CHECK_EQ(segoff_vnet_from_pkt(&p, &h), SEGOFF_OK);
	CHECK_EQ(h.gso_type, SEGOFF_VNET_GSO_UDP);
	/* GRO, verifying: the packet goes up alone, VERIFIED, DATA_VALID */
	struct segoff_gro_config c;
	segoff_gro_config_init(&c);
	c.deliver = on_gro_out;
	struct segoff_gro *g;
	CHECK_EQ(segoff_gro_create(&c, &g), SEGOFF_OK);
	s.tcp_flags |= 0x08; /* PSH: up at once */
	len = pktgen_build(&s, f, sizeof(f));
	gro_flags = 0xff;
	CHECK_EQ(segoff_gro_receive_frame(g, f, len, SEGOFF_CSUM_NONE, NULL, 0), SEGOFF_OK);
	segoff_gro_destroy(g);
	CHECK_EQ(gro_flags, SEGOFF_VNET_F_DATA_VALID);
}

static void V4_data_valid_reads_as_verified(void)
{
	setup(1, 100);
	struct segoff_vnet_hdr h = { .flags = SEGOFF_VNET_F_DATA_VALID };
	CHECK_EQ(segoff_vnet_to_pkt(&h, &pkt), SEGOFF_OK);
	CHECK_EQ(pkt.csum_state, SEGOFF_CSUM_VERIFIED);
	struct segoff_vnet_hdr back;
	CHECK_EQ(segoff_vnet_from_pkt(&pkt, &back), SEGOFF_OK);
	CHECK_EQ(back.flags, SEGOFF_VNET_F_DATA_VALID);
	CHECK_EQ(back.gso_type, 0);
	struct segoff_seg seg = { .csum_start = 54, .csum_offset = 16 };
	segoff_vnet_from_seg(&seg, 1, &back);
	CHECK_EQ(back.flags, SEGOFF_VNET_F_NEEDS_CSUM);
	CHECK_EQ(back.csum_start, 54);
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(V1_encodes_little_endian_in_10_and_12_bytes),
		TEST(EV1_encodes_the_24_byte_tunnel_form),
		TEST(EV3_valid_tunnel_header_sets_the_tunnel_gso_type),
		TEST(EV3_refuses_each_tunnel_lie),
		TEST(V3_valid_tso_header_sets_metadata),
		TEST(V3_too_small_to_segment_is_a_plain_packet),
		TEST(V3_refuses_each_lie),
		TEST(V3_udp_l4_rules),
		TEST(V4_data_valid_reads_as_verified),
		TEST(from_pkt_rule_is_the_one_gro_uses),
	};
	return check_main(argc, argv, "vnet", tests, sizeof(tests) / sizeof(tests[0]));
}
