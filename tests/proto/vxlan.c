// SPDX-License-Identifier: MIT
/* VXLAN: parsing into outer and inner layers, and the tunnel segmentation
 * rules (E1-E4, E7) on VXLAN packets. The kernel differential
 * (kernel_tunnel_gso_diff) compares the same against Linux; these pin each
 * rule alone, without root. */
#include <stdio.h>
#include <string.h>
#include <segoff/segoff.h>
#include "check.h"
#include "pktgen.h"
#include "gro_collect.h"

static uint8_t frame[70000], out[1 << 20];
static struct segoff_seg segs[1024];

/* An IPv4-in-VXLAN-over-IPv4 TCP super-packet: `payload` bytes, outer
 * check field 0 (csum 0) or the pseudo-header seed (csum 1). */
static size_t build(int outer6, int inner6, uint32_t payload, int csum, struct pktgen_spec *o, struct pktgen_spec *in)
{
	pktgen_default(o);
	o->ipv6 = outer6;
	o->sport = 49152;
	o->dport = SEGOFF_VXLAN_PORT;
	o->ip_id = 0xfffe; /* wraps on its own [E2] */
	o->csum = csum ? PKTGEN_CSUM_PSEUDO : PKTGEN_CSUM_ZERO;
	pktgen_default(in);
	in->ipv6 = inner6;
	in->payload_len = payload;
	in->ip_id = 0x1234;
	in->csum = PKTGEN_CSUM_PSEUDO;
	return pktgen_build_tunnel(o, PKTGEN_VXLAN, 42, 0, 0, in, frame, sizeof(frame));
}

static void parse_tunnel(struct segoff_pkt *pkt, size_t len)
{
	segoff_pkt_init(pkt, frame, len, NULL, 0);
	CHECK_EQ(segoff_parse(pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
}

/* Outer layers at depth 0, inner ones at depth 1; the outer offsets stay
 * where they were, the inner ones are the inner packet's. */
static void vxlan_parse_gives_outer_and_inner_layers(void)
{
	struct pktgen_spec o, in;
	size_t len = build(0, 1, 3000, 1, &o, &in);
	struct segoff_pkt pkt;
	parse_tunnel(&pkt, len);
	static const uint8_t want[] = { SEGOFF_PROTO_ETH, SEGOFF_PROTO_IPV4, SEGOFF_PROTO_UDP, SEGOFF_PROTO_VXLAN,
					SEGOFF_PROTO_ETH, SEGOFF_PROTO_IPV6, SEGOFF_PROTO_TCP };
	static const uint8_t depth[] = { 0, 0, 0, 0, 1, 1, 1 };
	static const uint8_t net[] = { SEGOFF_LAYER_NONE, SEGOFF_LAYER_NONE, 1, 1, 1, 1, 5 };
	CHECK_EQ(pkt.nr_layers, sizeof(want));
	for (unsigned i = 0; i < pkt.nr_layers && i < sizeof(want); i++) {
		CHECK_EQ(pkt.layer[i].proto, want[i]);
		CHECK_EQ(pkt.layer[i].depth, depth[i]);
		CHECK_EQ(pkt.layer[i].net, net[i]);
	}
	size_t inner = pktgen_l4_off(&o) + 8 + 8;
	CHECK_EQ(pkt.encap_depth, 1);
	CHECK_EQ(pkt.l3_off, 14);
	CHECK_EQ(pkt.l4_off, pktgen_l4_off(&o));
	CHECK_EQ(pkt.l3_proto, SEGOFF_PROTO_IPV4);
	CHECK_EQ(pkt.l4_proto, SEGOFF_PROTO_UDP);
	CHECK_EQ(pkt.inner_l3_off, inner + 14);
	CHECK_EQ(pkt.inner_l4_off, inner + pktgen_l4_off(&in));
	CHECK_EQ(pkt.inner_l3_proto, SEGOFF_PROTO_IPV6);
	CHECK_EQ(pkt.inner_l4_proto, SEGOFF_PROTO_TCP);
	CHECK_EQ(pkt.payload_off, inner + pktgen_hdr_len(&in));
}

/* The tunnel is where the ports say: none given, it is a UDP datagram; a
 * port of the caller's, it is VXLAN there and only there [EG3]. */
static void vxlan_is_found_by_the_ports_configured(void)
{
	struct pktgen_spec o, in;
	size_t len = build(0, 0, 3000, 1, &o, &in);
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, frame, len, NULL, 0);
	CHECK_EQ(segoff_parse_ports(&pkt, SEGOFF_PROTO_ETH, 0, NULL), SEGOFF_OK);
	CHECK_EQ(pkt.nr_layers, 3);
	CHECK_EQ(pkt.encap_depth, 0);
	CHECK_EQ(pkt.inner_l4_proto, SEGOFF_PROTO_UDP);
	struct segoff_tunnel_ports ports;
	segoff_tunnel_ports_init(&ports);
	CHECK_EQ(ports.vxlan, 4789);
	CHECK_EQ(ports.geneve, 6081);
	ports.vxlan = 8472; /* the port Linux used before IANA's */
	CHECK_EQ(segoff_parse_ports(&pkt, SEGOFF_PROTO_ETH, 0, &ports), SEGOFF_OK);
	CHECK_EQ(pkt.encap_depth, 0);
	frame[pktgen_l4_off(&o) + 2] = 8472 >> 8;
	frame[pktgen_l4_off(&o) + 3] = 8472 & 0xff;
	CHECK_EQ(segoff_parse_ports(&pkt, SEGOFF_PROTO_ETH, 0, &ports), SEGOFF_OK);
	CHECK_EQ(pkt.encap_depth, 1);
	CHECK_EQ(pkt.layer[3].proto, SEGOFF_PROTO_VXLAN);
}

/* One VXLAN level with two VLAN tags on both Ethernet headers (11 layers)
 * fits; carried in VXLAN once more (17 layers) it is more than the parser
 * holds, refused by name. */
static void vxlan_in_vxlan_with_vlans_hits_the_layer_limit(void)
{
	struct pktgen_spec o, in;
	pktgen_default(&o);
	o.dport = SEGOFF_VXLAN_PORT;
	o.nr_vlan = 2;
	o.vlan_tpid[0] = 0x88a8;
	o.vlan_tpid[1] = 0x8100;
	in = o;
	in.payload_len = 100;
	static uint8_t first[70000], payload[70000], nested[140000];
	size_t len = pktgen_build_tunnel(&o, PKTGEN_VXLAN, 1, 0, 0, &in, first, sizeof(first));
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, first, len, NULL, 0);
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	CHECK_EQ(pkt.nr_layers, 11);
	size_t thl = pktgen_tunnel_hdr(PKTGEN_VXLAN, 2, 0, 0, payload);
	memcpy(payload + thl, first, len);
	struct pktgen_spec outer = o;
	outer.udp = 1;
	outer.payload = payload;
	outer.payload_len = (uint32_t)(thl + len);
	size_t nlen = pktgen_build(&outer, nested, sizeof(nested));
	segoff_pkt_init(&pkt, nested, nlen, NULL, 0);
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_E_LAYER_LIMIT);
	CHECK(strcmp(segoff_error_name(SEGOFF_E_LAYER_LIMIT), "layer_limit") == 0);
	/* without the inner tags it parses, two levels deep, and is not
	 * segmented: one tunnel level, as the kernel [E1] */
	in.nr_vlan = 0;
	o.nr_vlan = 0;
	len = pktgen_build_tunnel(&o, PKTGEN_VXLAN, 1, 0, 0, &in, first, sizeof(first));
	memcpy(payload + thl, first, len);
	outer.nr_vlan = 0;
	outer.payload_len = (uint32_t)(thl + len);
	nlen = pktgen_build(&outer, nested, sizeof(nested));
	segoff_pkt_init(&pkt, nested, nlen, NULL, 0);
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	CHECK_EQ(pkt.encap_depth, 2);
	pkt.gso_size = 48;
	struct segoff_gso_params p;
	segoff_gso_params_init(&p);
	CHECK_EQ(segoff_gso_count(&pkt, &p), SEGOFF_E_UNSUPPORTED);
}

/* A parsed tunnel packet as a TSO sender hands it down: `gso_type`, the
 * inner TCP check field holding its pseudo-header sum. */
static void as_super_packet(struct segoff_pkt *pkt, uint32_t gso_type)
{
	pkt->gso_type = gso_type;
	pkt->csum_state = SEGOFF_CSUM_PARTIAL;
	pkt->csum_start = pkt->inner_l4_off;
	pkt->csum_offset = 16;
}

/* Segment a parsed tunnel packet with `mss`; returns the count. */
static int segment(size_t len, uint32_t gso_type, unsigned mss, int partial, int ip_id)
{
	struct segoff_pkt pkt;
	parse_tunnel(&pkt, len);
	pkt.gso_size = (uint16_t)mss;
	as_super_packet(&pkt, gso_type);
	struct segoff_gso_params p;
	segoff_gso_params_init(&p);
	p.csum = partial ? SEGOFF_GSO_CSUM_PARTIAL : SEGOFF_GSO_CSUM_FULL;
	p.ip_id = (uint8_t)ip_id;
	return segoff_gso_copy(&pkt, &p, out, sizeof(out), segs, 1024);
}

/* E1: every byte from the outer MAC header to the inner TCP header is
 * copied, the VXLAN header untouched; E2: each IPv4 ID counts on its own. */
static void E1_E2_headers_copied_and_each_ipv4_id_counts_on_its_own(void)
{
	struct pktgen_spec o, in;
	size_t len = build(0, 0, 5000, 0, &o, &in);
	int n = segment(len, SEGOFF_GSO_TCPV4 | SEGOFF_GSO_UDP_TUNNEL, 1000, 0, SEGOFF_GSO_IP_ID_AUTO);
	CHECK_EQ(n, 5);
	size_t uh = pktgen_l4_off(&o), vx = uh + 8, iip = vx + 8 + 14;
	for (int i = 0; i < n; i++) {
		const uint8_t *s = segs[i].head;
		CHECK(memcmp(s, frame, 14) == 0);
		CHECK(memcmp(s + vx, frame + vx, 8 + 14) == 0);  /* VXLAN and inner Ethernet */
		CHECK_EQ(s[14 + 4] << 8 | s[14 + 5], (0xfffe + i) & 0xffff); /* outer ID wraps */
		CHECK_EQ(s[iip + 4] << 8 | s[iip + 5], 0x1234 + i);
		CHECK_EQ(s[uh + 4] << 8 | s[uh + 5], segs[i].len - uh);     /* outer UDP length */
		CHECK_EQ(s[uh + 6] << 8 | s[uh + 7], 0);                    /* no outer checksum */
		CHECK(ref_verify_tcp(s + vx + 8, segs[i].len - vx - 8, 14, 14 + 20, 0));
	}
	/* FIXEDID keeps the outer ID, FIXEDID_INNER the inner one, each alone */
	n = segment(len, SEGOFF_GSO_TCPV4 | SEGOFF_GSO_UDP_TUNNEL | SEGOFF_GSO_FIXEDID, 1000, 0, SEGOFF_GSO_IP_ID_AUTO);
	CHECK_EQ(segs[4].head[14 + 5], 0xfe);
	CHECK_EQ(segs[4].head[iip + 5], 0x34 + 4);
	n = segment(len, SEGOFF_GSO_TCPV4 | SEGOFF_GSO_UDP_TUNNEL | SEGOFF_GSO_FIXEDID_INNER, 1000, 0,
		    SEGOFF_GSO_IP_ID_AUTO);
	CHECK_EQ(segs[4].head[14 + 5], (0xfffe + 4) & 0xff);
	CHECK_EQ(segs[4].head[iip + 5], 0x34);
}

/* E3: with UDP_TUNNEL_CSUM each segment's outer checksum verifies; without
 * it a field that is not 0 is copied as it is. */
static void E3_outer_checksum_per_segment_or_field_copied(void)
{
	struct pktgen_spec o, in;
	for (int outer6 = 0; outer6 <= 1; outer6++) {
		size_t len = build(outer6, !outer6, 7000, 1, &o, &in);
		size_t uh = pktgen_l4_off(&o);
		int n = segment(len, (outer6 ? SEGOFF_GSO_TCPV4 : SEGOFF_GSO_TCPV6) | SEGOFF_GSO_UDP_TUNNEL_CSUM, 1448, 0,
				SEGOFF_GSO_IP_ID_AUTO);
		CHECK_EQ(n, 5);
		for (int i = 0; i < n; i++)
			CHECK(ref_verify_udp(segs[i].head, segs[i].len, pktgen_l3_off(&o), uh, outer6));
		uint16_t field = (uint16_t)(frame[uh + 6] << 8 | frame[uh + 7]);
		n = segment(len, (outer6 ? SEGOFF_GSO_TCPV4 : SEGOFF_GSO_TCPV6) | SEGOFF_GSO_UDP_TUNNEL, 1448, 0,
			    SEGOFF_GSO_IP_ID_AUTO);
		for (int i = 0; i < n; i++)
			CHECK_EQ(segs[i].head[uh + 6] << 8 | segs[i].head[uh + 7], field);
	}
}

/* E4: with partial inner checksums the outer one is still written, as if
 * the inner one were filled in: completing the inner checksum leaves the
 * outer one valid. */
static void E4_outer_checksum_holds_once_the_inner_is_completed(void)
{
	struct pktgen_spec o, in;
	size_t len = build(0, 0, 4000, 1, &o, &in);
	int n = segment(len, SEGOFF_GSO_TCPV4 | SEGOFF_GSO_UDP_TUNNEL_CSUM, 1000, 1, SEGOFF_GSO_IP_ID_AUTO);
	CHECK_EQ(n, 4);
	size_t uh = pktgen_l4_off(&o);
	for (int i = 0; i < n; i++) {
		CHECK_EQ(segs[i].csum_start, uh + 8 + 8 + 14 + 20);
		CHECK_EQ(segs[i].csum_offset, 16);
		uint8_t *s = (uint8_t *)segs[i].head;
		CHECK_EQ(segoff_csum_complete(s, segs[i].len, segs[i].csum_start, segs[i].csum_offset), SEGOFF_OK);
		CHECK(ref_verify_udp(s, segs[i].len, 14, uh, 0));
	}
}

/* E7: a tunnel packet with no more payload than the MSS is refused by its
 * own name (the kernel keeps the tunnel bit on a packet it does not
 * segment, and every TAP read of it fails); a plain one keeps its error. */
static void E7_tunnel_packet_with_nothing_to_cut_is_refused_by_name(void)
{
	struct pktgen_spec o, in;
	size_t len = build(0, 0, 1000, 1, &o, &in);
	CHECK_EQ(segment(len, SEGOFF_GSO_TCPV4 | SEGOFF_GSO_UDP_TUNNEL_CSUM, 1000, 0, 0), SEGOFF_E_TUNNEL_NOT_GSO);
	CHECK_EQ(segment(len, SEGOFF_GSO_TCPV4 | SEGOFF_GSO_UDP_TUNNEL_CSUM, 999, 0, 0), 2);
	CHECK(strcmp(segoff_error_name(SEGOFF_E_TUNNEL_NOT_GSO), "tunnel_not_gso") == 0);
}

/* The GSO type must say what the packet is: both tunnel bits, or an inner
 * type without a tunnel bit, is a mismatch; no type at all (a capture)
 * takes the outer check field's word for it. */
static void tunnel_gso_type_must_name_the_tunnel(void)
{
	struct pktgen_spec o, in;
	size_t len = build(0, 0, 4000, 1, &o, &in);
	CHECK_EQ(segment(len, SEGOFF_GSO_TCPV4, 1000, 0, 0), SEGOFF_E_GSO_TYPE);
	CHECK_EQ(segment(len, SEGOFF_GSO_TCPV4 | SEGOFF_GSO_UDP_TUNNEL | SEGOFF_GSO_UDP_TUNNEL_CSUM, 1000, 0, 0),
		 SEGOFF_E_GSO_TYPE);
	CHECK_EQ(segment(len, SEGOFF_GSO_TCPV6 | SEGOFF_GSO_UDP_TUNNEL, 1000, 0, 0), SEGOFF_E_GSO_TYPE);
	CHECK_EQ(segment(len, 0, 1000, 0, 0), 4);
	size_t uh = pktgen_l4_off(&o);
	CHECK(ref_verify_udp(segs[0].head, segs[0].len, 14, uh, 0)); /* a seed there: CSUM */
}

/* Random tunnel shapes (VXLAN or Geneve with options, IPv4/IPv6 outside
 * with tags, any inner header shape, MSS 48 to 9000, the payload scattered
 * over slices): zero-copy and copy give the same bytes; each segment parses
 * as the same tunnel, carries at most the MSS, and every checksum in it
 * verifies (outer IPv4 header, outer UDP when asked, inner IPv4 header and
 * TCP); the payloads concatenate to the input's. The outer checksum is
 * computed from lengths and seeds alone (udp_tunnel.c): this checks it
 * against a byte-by-byte sum of every segment. */
static void tunnel_gso_property_every_checksum_verifies(void)
{
	static uint8_t in[70000], zarena[1024 * 512], flat[70000];
	static struct segoff_slice iov[4096], frags[8];
	static struct segoff_seg zsegs[1024];
	struct rng r = { check_seed() };
	for (int iter = 0; iter < 600; iter++) {
		struct pktgen_spec o, inner;
		pktgen_random(&o, &r, 1, 1);
		o.ip4_optlen = 0;
		o.nr_ip6_ext = 0;
		o.pad = 0;
		int geneve = rng_range(&r, 0, 1), csum = rng_range(&r, 0, 1), partial = rng_range(&r, 0, 3) == 0;
		o.dport = geneve ? SEGOFF_GENEVE_PORT : SEGOFF_VXLAN_PORT;
		o.csum = csum ? PKTGEN_CSUM_PSEUDO : PKTGEN_CSUM_ZERO;
		unsigned mss = rng_range(&r, 0, 3) == 0 ? rng_range(&r, 48, 200) : rng_range(&r, 200, 9000);
		pktgen_random(&inner, &r, mss + 1, 40000);
		inner.csum = PKTGEN_CSUM_PSEUDO;
		inner.pad = 0;
		size_t len = pktgen_build_tunnel(&o, geneve ? PKTGEN_GENEVE : PKTGEN_VXLAN, (uint32_t)iter,
						 4 * rng_range(&r, 0, 16), rng_next(&r), &inner, in, sizeof(in));
		CHECK(len > 0);
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, in, len, NULL, 0);
		CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
		/* headers (and a little payload) in head, the rest in slices */
		size_t head = pkt.payload_off + rng_range(&r, 0, 64);
		unsigned nf = 0;
		for (size_t at = head; at < len && nf < 8; nf++) {
			size_t piece = nf == 7 ? len - at : rng_range(&r, 1, 9000);
			if (piece > len - at)
				piece = len - at;
			frags[nf] = (struct segoff_slice){ in + at, piece };
			at += piece;
		}
		struct segoff_pkt sp;
		segoff_pkt_init(&sp, in, head, frags, nf);
		CHECK_EQ(segoff_parse(&sp, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
		as_super_packet(&sp, (inner.ipv6 ? SEGOFF_GSO_TCPV6 : SEGOFF_GSO_TCPV4) |
					     (csum ? SEGOFF_GSO_UDP_TUNNEL_CSUM : SEGOFF_GSO_UDP_TUNNEL));
		struct segoff_gso_params p;
		segoff_gso_params_init(&p);
		p.mss = (uint16_t)mss;
		p.csum = partial ? SEGOFF_GSO_CSUM_PARTIAL : SEGOFF_GSO_CSUM_FULL;
		int n = segoff_gso_copy(&sp, &p, out, sizeof(out), segs, 1024);
		struct segoff_gso_zc zc = { zarena, sizeof(zarena), iov, 4096, 0 };
		int nz = segoff_gso_zerocopy(&sp, &p, &zc, zsegs, 1024);
		CHECK(n > 1);
		CHECK_EQ(nz, n);
		size_t hdr = pkt.payload_off, at = hdr;
		for (int i = 0; i < n && i < nz; i++) {
			uint8_t *s = (uint8_t *)segs[i].head;
			size_t z = 0;
			for (unsigned k = 0; k < zsegs[i].nr_iov; k++) {
				memcpy(flat + z, iov[zsegs[i].iov_first + k].base, iov[zsegs[i].iov_first + k].len);
				z += iov[zsegs[i].iov_first + k].len;
			}
			CHECK(z == segs[i].len && memcmp(flat, s, z) == 0);
			CHECK(segs[i].len - hdr <= mss);
			CHECK(memcmp(s + hdr, in + at, segs[i].len - hdr) == 0);
			at += segs[i].len - hdr;
			struct segoff_pkt q;
			segoff_pkt_init(&q, s, segs[i].len, NULL, 0);
			CHECK_EQ(segoff_parse(&q, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
			CHECK_EQ(q.encap_depth, 1);
			CHECK_EQ(q.payload_off, hdr);
			if (partial)
				CHECK_EQ(segoff_csum_complete(s, segs[i].len, segs[i].csum_start, segs[i].csum_offset),
					 SEGOFF_OK);
			if (!o.ipv6)
				CHECK_EQ(ref_fold(ref_sum(s + q.l3_off, 20, 0)), 0xffff);
			if (csum)
				CHECK(ref_verify_udp(s, segs[i].len, q.l3_off, q.l4_off, o.ipv6));
			else
				CHECK_EQ(s[q.l4_off + 6] << 8 | s[q.l4_off + 7], 0);
			size_t ie = q.inner_l3_off - 14 - 4u * inner.nr_vlan; /* the inner frame */
			CHECK(ref_verify_tcp(s + ie, segs[i].len - ie, q.inner_l3_off - ie, q.inner_l4_off - ie, inner.ipv6));
		}
		CHECK_EQ(at, len);
		if (check_failures_in_test) {
			fprintf(stderr, "    iteration %d: %s outer v%d csum %d inner v%d mss %u partial %d\n", iter,
				geneve ? "geneve" : "vxlan", o.ipv6 ? 6 : 4, csum, inner.ipv6 ? 6 : 4, mss, partial);
			return;
		}
	}
}

/* --- GRO --- */

static struct segoff_gro *gro_new(void)
{
	return got_gro(NULL);
}

/* Segments of one VXLAN super-packet, full checksums (outer too when
 * csum), into `segbuf`; returns how many. */
static uint8_t segbuf[1 << 20];
static int tunnel_segments(int outer6, int inner6, int csum, uint32_t payload, unsigned mss, struct pktgen_spec *o,
			   struct pktgen_spec *in, size_t *len)
{
	*len = build(outer6, inner6, payload, csum, o, in);
	struct segoff_pkt pkt;
	parse_tunnel(&pkt, *len);
	as_super_packet(&pkt, (inner6 ? SEGOFF_GSO_TCPV6 : SEGOFF_GSO_TCPV4) |
				      (csum ? SEGOFF_GSO_UDP_TUNNEL_CSUM : SEGOFF_GSO_UDP_TUNNEL));
	struct segoff_gso_params p;
	segoff_gso_params_init(&p);
	p.mss = (uint16_t)mss;
	return segoff_gso_copy(&pkt, &p, segbuf, sizeof(segbuf), segs, 1024);
}

/* GSO then GRO gives the super-packet back, byte for byte, with the
 * tunnel GSO type and the 24-byte header's offsets [EG9]: the outer and
 * inner lengths, the first packet's IDs, both check fields holding their
 * pseudo-header sums. */
static void EG9_tunnel_gso_then_gro_gives_the_super_packet_back(void)
{
	for (int v = 0; v < 8; v++) {
		int outer6 = v & 1, inner6 = (v >> 1) & 1, csum = (v >> 2) & 1;
		struct pktgen_spec o, in;
		size_t len;
		int n = tunnel_segments(outer6, inner6, csum, 7000, 1000, &o, &in, &len);
		CHECK_EQ(n, 7);
		struct segoff_gro *g = gro_new();
		for (int i = 0; i < n; i++)
			CHECK_EQ(segoff_gro_receive_frame(g, segs[i].head, segs[i].len, SEGOFF_CSUM_NONE, NULL, 0),
				 SEGOFF_OK);
		segoff_gro_flush_all(g);
		CHECK_EQ(got.n, 1);
		CHECK_EQ(got.len[0], len);
		CHECK(memcmp(got.data[0], frame, len) == 0);
		CHECK_EQ(got.gso_size[0], 1000);
		CHECK_EQ(got.gso_type[0], (inner6 ? SEGOFF_GSO_TCPV6 : SEGOFF_GSO_TCPV4) |
					     (csum ? SEGOFF_GSO_UDP_TUNNEL_CSUM : SEGOFF_GSO_UDP_TUNNEL));
		const struct segoff_vnet_hdr *h = &got.vnet[0];
		CHECK_EQ(h->gso_type, (inner6 ? SEGOFF_VNET_GSO_TCPV6 : SEGOFF_VNET_GSO_TCPV4) |
					  (outer6 ? SEGOFF_VNET_GSO_UDP_TUNNEL_IPV6 : SEGOFF_VNET_GSO_UDP_TUNNEL_IPV4));
		CHECK_EQ(h->flags, SEGOFF_VNET_F_NEEDS_CSUM | (csum ? SEGOFF_VNET_F_UDP_TUNNEL_CSUM : 0));
		CHECK_EQ(h->outer_th_offset, pktgen_l4_off(&o));
		CHECK_EQ(h->inner_nh_offset, pktgen_l4_off(&o) + 16 + 14);
		CHECK_EQ(h->csum_start, pktgen_l4_off(&o) + 16 + pktgen_l4_off(&in));
		segoff_gro_destroy(g);
		if (check_failures_in_test) {
			fprintf(stderr, "    outer v%d inner v%d csum %d\n", outer6 ? 6 : 4, inner6 ? 6 : 4, csum);
			return;
		}
	}
}

/* Feed segments 0..n of a tunnel packet, with `mutate` applied to segment
 * `at` (its checksums fixed again unless `keep_bad`); returns deliveries.
 * `full_path`: through segoff_gro_receive() with a parsed packet, which
 * never takes the frame entry point's fast path. */
static int full_path;        /* 1: segoff_gro_receive; 2: segoff_gro_receive_frames; 0: one frame at a time */
static uint8_t entry_csum;    /* the inputs' checksum state */
static unsigned gro_with(int n, int at, void (*mutate)(uint8_t *s, size_t len, const struct segoff_pkt *q), int keep_bad)
{
	struct segoff_gro *g = gro_new();
	static uint8_t copy[4096];
	static struct segoff_gro_frame burst[1024];
	unsigned nb = 0;
	for (int i = 0; i < n; i++) {
		const uint8_t *s = segs[i].head;
		if (i == at) {
			memcpy(copy, s, segs[i].len);
			struct segoff_pkt q;
			segoff_pkt_init(&q, copy, segs[i].len, NULL, 0);
			segoff_parse(&q, SEGOFF_PROTO_ETH, 0);
			mutate(copy, segs[i].len, &q);
			if (!keep_bad) {
				/* outer IPv4 header and outer UDP checksums made right again */
				copy[q.l3_off + 10] = copy[q.l3_off + 11] = 0;
				uint16_t c = (uint16_t)~ref_fold(ref_sum(copy + q.l3_off, 20, 0));
				copy[q.l3_off + 10] = (uint8_t)(c >> 8);
				copy[q.l3_off + 11] = (uint8_t)c;
				if (copy[q.l4_off + 6] | copy[q.l4_off + 7]) {
					copy[q.l4_off + 6] = copy[q.l4_off + 7] = 0;
					uint32_t l4 = segs[i].len - q.l4_off;
					c = (uint16_t)~ref_fold(ref_sum(copy + q.l4_off, l4, segoff_csum_fold(segoff_csum_pseudo4(copy + q.l3_off + 12, copy + q.l3_off + 16, 17, l4))));
					copy[q.l4_off + 6] = (uint8_t)(c >> 8);
					copy[q.l4_off + 7] = (uint8_t)c;
				}
			}
			s = copy;
		}
		if (full_path == 1) {
			struct segoff_pkt q;
			segoff_pkt_init(&q, s, segs[i].len, NULL, 0);
			segoff_parse(&q, SEGOFF_PROTO_ETH, 0);
			q.csum_state = entry_csum;
			segoff_gro_receive(g, &q, NULL, 0);
		} else if (full_path == 2) {
			burst[nb++] = (struct segoff_gro_frame){ s, segs[i].len, entry_csum, NULL };
		} else {
			segoff_gro_receive_frame(g, s, segs[i].len, entry_csum, NULL, 0);
		}
	}
	/* bursts of 7: runs of one flow, cut anywhere */
	for (unsigned i = 0; i < nb; i += 7)
		segoff_gro_receive_frames(g, burst + i, nb - i < 7 ? nb - i : 7, 0);
	segoff_gro_flush_all(g);
	segoff_gro_destroy(g);
	return got.n;
}

static void vni_change(uint8_t *s, size_t len, const struct segoff_pkt *q)
{
	(void)len;
	s[q->l4_off + 8 + 6] ^= 1;
}
static void reserved_bit(uint8_t *s, size_t len, const struct segoff_pkt *q)
{
	(void)len;
	s[q->l4_off + 8 + 1] |= 0x10;
}
static void outer_ttl(uint8_t *s, size_t len, const struct segoff_pkt *q)
{
	(void)len;
	s[q->l3_off + 8]--;
}
static void outer_id_jump(uint8_t *s, size_t len, const struct segoff_pkt *q)
{
	(void)len;
	s[q->l3_off + 5] += 7;
}
static void bad_outer_csum(uint8_t *s, size_t len, const struct segoff_pkt *q)
{
	(void)len;
	s[q->l4_off + 7] ^= 0x40;
}

/* Each tunnel rule that ends a flow, at segment 3 of a run of 7 [EG4, EG5,
 * EG7]: a VNI or a reserved bit (any bit of the VXLAN words) makes another
 * flow; the outer TTL or an outer ID that does not count on ends the held
 * flow, and the changed segment starts one that the next segment ends; a
 * bad outer checksum sends that segment up alone, and the next one, no
 * longer in sequence, ends the held flow. Three outputs each time: 0-2, 3,
 * 4-6; none at all changed: one. */
static void EG4_EG5_EG7_tunnel_flow_rules(void)
{
	struct pktgen_spec o, in;
	size_t len;
	int n = tunnel_segments(0, 0, 1, 7000, 1000, &o, &in, &len);
	CHECK_EQ(n, 7);
	CHECK_EQ(gro_with(n, -1, vni_change, 0), 1);
	CHECK_EQ(gro_with(n, 3, vni_change, 0), 3);
	CHECK_EQ(gro_with(n, 3, reserved_bit, 0), 3);
	CHECK_EQ(gro_with(n, 3, outer_ttl, 0), 3);
	CHECK_EQ(gro_with(n, 3, outer_id_jump, 0), 3);
	CHECK_EQ(gro_with(n, 3, bad_outer_csum, 1), 3);
	CHECK_EQ(got.len[0], segs[3].len); /* the bad one, first: up alone, unchanged */
	CHECK_EQ(got.gso_size[0], 0);
	CHECK_EQ(got.gso_size[1], 1000);
}

/* The frame entry point's fast path (tunnel flows have one: the outer UDP
 * header's length and check are all that change) delivers exactly what the
 * full path does, for every rule above and both checksum kinds. */
static void tunnel_gro_fast_path_equals_full_path(void)
{
	void (*const mut[])(uint8_t *, size_t, const struct segoff_pkt *) = { vni_change, reserved_bit, outer_ttl,
									     outer_id_jump, bad_outer_csum };
	static uint8_t first[4][70000];
	for (int v = 0; v < 8; v++) {
		struct pktgen_spec o, in;
		size_t len;
		int n = tunnel_segments(v & 1, (v >> 1) & 1, (v >> 2) & 1, 9000, 700, &o, &in, &len);
		for (int m = -1; m < (int)(sizeof(mut) / sizeof(mut[0])); m++) {
			/* checksums to verify, or trusted (the express paths) */
			for (int t = 0; t < 2; t++) {
				entry_csum = t ? SEGOFF_CSUM_VERIFIED : SEGOFF_CSUM_NONE;
				full_path = 1;
				unsigned nf = gro_with(n, m < 0 ? -1 : 5, m < 0 ? vni_change : mut[m], m == 4);
				uint32_t lens[64];
				uint32_t types[64];
				memcpy(lens, got.len, sizeof(lens));
				memcpy(types, got.gso_type, sizeof(types));
				memcpy(first, got.data, sizeof(first));
				for (full_path = 0; full_path <= 2; full_path += 2) {
					unsigned nq = gro_with(n, m < 0 ? -1 : 5, m < 0 ? vni_change : mut[m], m == 4);
					CHECK_EQ(nq, nf);
					for (unsigned i = 0; i < nf && i < nq && i < 64; i++) {
						CHECK_EQ(got.len[i], lens[i]);
						CHECK_EQ(got.gso_type[i], types[i]);
						if (i < 4)
							CHECK(memcmp(got.data[i], first[i], lens[i]) == 0);
					}
					if (check_failures_in_test) {
						fprintf(stderr, "    variant %d, mutation %d, entry %d, csum %d\n", v, m,
							full_path, t);
						return;
					}
				}
			}
		}
	}
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(vxlan_parse_gives_outer_and_inner_layers),
		TEST(vxlan_is_found_by_the_ports_configured),
		TEST(vxlan_in_vxlan_with_vlans_hits_the_layer_limit),
		TEST(E1_E2_headers_copied_and_each_ipv4_id_counts_on_its_own),
		TEST(E3_outer_checksum_per_segment_or_field_copied),
		TEST(E4_outer_checksum_holds_once_the_inner_is_completed),
		TEST(E7_tunnel_packet_with_nothing_to_cut_is_refused_by_name),
		TEST(tunnel_gso_type_must_name_the_tunnel),
		TEST(tunnel_gso_property_every_checksum_verifies),
		TEST(EG9_tunnel_gso_then_gro_gives_the_super_packet_back),
		TEST(EG4_EG5_EG7_tunnel_flow_rules),
		TEST(tunnel_gro_fast_path_equals_full_path),
	};
	return check_main(argc, argv, "proto_vxlan", tests, sizeof(tests) / sizeof(tests[0]));
}
