// SPDX-License-Identifier: MIT
/* L3 packets (L1): what a TUN device reads and writes, IP packets with no
 * Ethernet header. Every engine must treat one exactly as the same packet
 * behind an Ethernet header: its outputs are the Ethernet outputs without
 * those 14 bytes, its virtio_net_hdr offsets 14 less. So each test runs an
 * engine on random packets both ways and compares; the Ethernet way is the
 * one the kernel differentials prove. */
#include <stdio.h>
#include <string.h>
#include <segoff/segoff.h>
#include "check.h"
#include "pktgen.h"
#include "slices.h"

#define ETH 14

static uint8_t frame[70000], eth_out[1 << 21], ip_out[1 << 21];
static struct segoff_seg eth_segs[2048], ip_segs[2048];

/* A random super-packet (TCP or UDP, IPv4 or IPv6, options, extension
 * headers) as a TSO/USO host hands it over, parsed both ways. */
static size_t random_super(struct rng *r, int udp, unsigned *mss, struct segoff_pkt *eth, struct segoff_pkt *ip)
{
	struct pktgen_spec s;
	*mss = rng_range(r, 0, 3) == 0 ? rng_range(r, 48, 300) : rng_range(r, 300, 9000);
	pktgen_random(&s, r, *mss + 1, udp ? 60000 : 64000);
	s.nr_vlan = 0; /* a TUN packet has no link header at all */
	s.pad = 0;
	s.udp = udp;
	s.csum = PKTGEN_CSUM_PSEUDO;
	size_t len = pktgen_build(&s, frame, sizeof(frame));
	CHECK(len > ETH);
	segoff_pkt_init(eth, frame, len, NULL, 0);
	CHECK_EQ(segoff_parse_link(eth, SEGOFF_LINK_ETH, NULL), SEGOFF_OK);
	segoff_pkt_init(ip, frame + ETH, len - ETH, NULL, 0);
	CHECK_EQ(segoff_parse_link(ip, SEGOFF_LINK_IP, NULL), SEGOFF_OK);
	for (struct segoff_pkt *p = eth; p; p = p == eth ? ip : NULL) {
		p->csum_state = SEGOFF_CSUM_PARTIAL;
		p->csum_start = p->l4_off;
		p->csum_offset = udp ? 6 : 16;
		p->gso_type = udp ? SEGOFF_GSO_UDP_L4 : s.ipv6 ? SEGOFF_GSO_TCPV6 : SEGOFF_GSO_TCPV4;
		p->gso_size = (uint16_t)*mss;
	}
	return len;
}

/* A random UDP datagram that may be fragmented (no DF), full checksum,
 * built as a frame in `frame`; returns its length. */
static size_t random_datagram(struct rng *r, uint32_t max_payload)
{
	struct pktgen_spec s;
	pktgen_random(&s, r, 1, max_payload);
	s.nr_vlan = 0;
	s.pad = 0;
	s.df = 0;
	s.udp = 1;
	s.csum = PKTGEN_CSUM_FULL;
	return pktgen_build(&s, frame, sizeof(frame));
}

/* Segments or fragments of both ways: the same count, and each L3 one the
 * Ethernet one without its first 14 bytes. */
static void same_but_ethernet(int n_eth, int n_ip, const char *what)
{
	CHECK_EQ(n_ip, n_eth);
	for (int i = 0; i < n_eth && i < n_ip; i++) {
		if (ip_segs[i].len + ETH != eth_segs[i].len ||
		    memcmp(ip_segs[i].head, eth_segs[i].head + ETH, ip_segs[i].len) != 0) {
			fprintf(stderr, "    %s: output %d differs\n", what, i);
			CHECK(0);
			return;
		}
	}
}

/* The IP layer is the first: offsets from it, the link type known. */
static void L1_parse_link_takes_the_version_from_the_first_byte(void)
{
	static const uint8_t v4[20] = { 0x45, 0, 0, 20, 0, 0, 0x40, 0, 64, 253 }, v6[40] = { 0x60, [6] = 59 },
			     v5[20] = { 0x55 };
	struct segoff_pkt p;
	segoff_pkt_init(&p, v4, sizeof(v4), NULL, 0);
	CHECK_EQ(segoff_parse_link(&p, SEGOFF_LINK_IP, NULL), SEGOFF_OK);
	CHECK_EQ(p.l3_proto, SEGOFF_PROTO_IPV4);
	CHECK_EQ(p.l3_off, 0);
	CHECK_EQ(segoff_pkt_link(&p), SEGOFF_LINK_IP);
	segoff_pkt_init(&p, v6, sizeof(v6), NULL, 0);
	CHECK_EQ(segoff_parse_link(&p, SEGOFF_LINK_IP, NULL), SEGOFF_OK);
	CHECK_EQ(p.l3_proto, SEGOFF_PROTO_IPV6);
	segoff_pkt_init(&p, v5, sizeof(v5), NULL, 0);
	CHECK_EQ(segoff_parse_link(&p, SEGOFF_LINK_IP, NULL), SEGOFF_E_IP_VERSION);
	CHECK_EQ(p.nr_layers, 0);
	CHECK_EQ(p.l3_proto, SEGOFF_PROTO_NONE);
	segoff_pkt_init(&p, v4, 0, NULL, 0);
	CHECK_EQ(segoff_parse_link(&p, SEGOFF_LINK_IP, NULL), SEGOFF_E_TRUNCATED);
	CHECK_EQ(segoff_parse_link(&p, (enum segoff_link)7, NULL), SEGOFF_E_INVAL);
	/* an Ethernet frame stays one */
	struct pktgen_spec s;
	pktgen_default(&s);
	size_t len = pktgen_build(&s, frame, sizeof(frame));
	segoff_pkt_init(&p, frame, len, NULL, 0);
	CHECK_EQ(segoff_parse_link(&p, SEGOFF_LINK_ETH, NULL), SEGOFF_OK);
	CHECK_EQ(segoff_pkt_link(&p), SEGOFF_LINK_ETH);
	CHECK_EQ(p.l3_off, ETH);
}

/* TSO and USO [T1-T7, U1-U3] on IP packets: the Ethernet cut without its
 * Ethernet headers, checksum offsets 14 less, zero-copy and copy. */
static void L1_T_U_segmentation_of_ip_packets_is_the_ethernet_cut(void)
{
	struct rng r = { check_seed() };
	static uint8_t arena_e[1 << 20], arena_i[1 << 20];
	static struct segoff_slice iov_e[8192], iov_i[8192];
	for (int iter = 0; iter < 400 && !check_failures_in_test; iter++) {
		const int udp = iter & 1;
		unsigned mss;
		struct segoff_pkt eth, ip;
		random_super(&r, udp, &mss, &eth, &ip);
		struct segoff_gso_params p;
		segoff_gso_params_init(&p);
		p.csum = rng_range(&r, 0, 1) ? SEGOFF_GSO_CSUM_FULL : SEGOFF_GSO_CSUM_PARTIAL;
		p.max_size = 1 << 20;
		int ne = segoff_gso_copy(&eth, &p, eth_out, sizeof(eth_out), eth_segs, 2048);
		int ni = segoff_gso_copy(&ip, &p, ip_out, sizeof(ip_out), ip_segs, 2048);
		CHECK(ne > 1 || ne == SEGOFF_E_GSO_TOO_MANY_SEGS);
		same_but_ethernet(ne, ni, udp ? "USO copy" : "TSO copy");
		for (int i = 0; i < ne && i < ni; i++)
			CHECK_EQ(ip_segs[i].csum_start + ETH, eth_segs[i].csum_start);
		struct segoff_gso_zc ze = { arena_e, sizeof(arena_e), iov_e, 8192, 0 };
		struct segoff_gso_zc zi = { arena_i, sizeof(arena_i), iov_i, 8192, 0 };
		ne = segoff_gso_zerocopy(&eth, &p, &ze, eth_segs, 2048);
		ni = segoff_gso_zerocopy(&ip, &p, &zi, ip_segs, 2048);
		CHECK_EQ(ni, ne);
		for (int i = 0; i < ne && i < ni; i++) {
			/* headers: the Ethernet one's tail; payload: the same slices */
			const struct segoff_slice *a = iov_e + eth_segs[i].iov_first, *b = iov_i + ip_segs[i].iov_first;
			CHECK_EQ(b[0].len + ETH, a[0].len);
			CHECK(memcmp(b[0].base, (const uint8_t *)a[0].base + ETH, b[0].len) == 0);
			CHECK_EQ(ip_segs[i].nr_iov, eth_segs[i].nr_iov);
			for (unsigned k = 1; k < eth_segs[i].nr_iov && k < ip_segs[i].nr_iov; k++)
				CHECK(a[k].base == b[k].base && a[k].len == b[k].len);
		}
	}
}

/* IP fragmentation [O1, O2] of IP packets, IPv4 without DF and IPv6. */
static void L1_O_fragmentation_of_ip_packets_is_the_ethernet_one(void)
{
	struct rng r = { check_seed() + 1 };
	for (int iter = 0; iter < 300 && !check_failures_in_test; iter++) {
		size_t len = random_datagram(&r, 30000);
		struct segoff_pkt eth, ip;
		segoff_pkt_init(&eth, frame, len, NULL, 0);
		CHECK_EQ(segoff_parse_link(&eth, SEGOFF_LINK_ETH, NULL), SEGOFF_OK);
		segoff_pkt_init(&ip, frame + ETH, len - ETH, NULL, 0);
		CHECK_EQ(segoff_parse_link(&ip, SEGOFF_LINK_IP, NULL), SEGOFF_OK);
		struct segoff_frag_params pe, pi;
		uint16_t mtu = (uint16_t)rng_range(&r, 1280, 9000);
		segoff_frag_params_init(&pe, mtu);
		segoff_frag_params_init(&pi, mtu);
		int ne = segoff_frag_copy(&eth, &pe, eth_out, sizeof(eth_out), eth_segs, 2048);
		int ni = segoff_frag_copy(&ip, &pi, ip_out, sizeof(ip_out), ip_segs, 2048);
		CHECK(ne >= 1);
		same_but_ethernet(ne, ni, "fragmentation");
	}
}

/* --- receive: GRO and reassembly deliver what they are given, minus the
 * Ethernet header --- */

struct recorded {
	unsigned n;
	size_t total;
	uint8_t bytes[1 << 21];
	struct segoff_gro_out meta[1024];
};

static void record(void *opaque, const struct segoff_gro_out *o)
{
	struct recorded *rec = opaque;
	if (rec->n >= 1024)
		return;
	rec->total += slices_flatten(rec->bytes + rec->total, o->iov, o->nr_iov);
	rec->meta[rec->n++] = *o;
}

static struct recorded rec_eth, rec_ip;

/* GRO [G1-G18] of IP packets: each output the Ethernet one without its
 * header, the same metadata, virtio offsets 14 less; the frame, burst and
 * parsed entry points, checksums verified and trusted, TCP and UDP. */
static void L1_G_gro_of_ip_packets_is_the_ethernet_one(void)
{
	struct rng r = { check_seed() + 2 };
	static uint8_t segbuf[1 << 20];
	static struct segoff_seg segs[512];
	static struct segoff_gro_frame fe[512], fi[512];
	for (int iter = 0; iter < 300 && !check_failures_in_test; iter++) {
		const int udp = iter % 3 == 2;
		unsigned mss;
		struct segoff_pkt eth, ip;
		random_super(&r, udp, &mss, &eth, &ip);
		struct segoff_gso_params p;
		segoff_gso_params_init(&p);
		p.max_size = 1 << 20;
		int n = segoff_gso_copy(&eth, &p, segbuf, sizeof(segbuf), segs, 512);
		if (n <= 0)
			continue;
		/* a few perturbed: a gap, a flag, a byte of payload */
		for (int i = 0; i < n; i++)
			if (rng_range(&r, 0, 15) == 0)
				segs[i].head[segs[i].len - 1] ^= 0x5a; /* a bad checksum */
		struct segoff_gro_config c;
		segoff_gro_config_init(&c);
		c.udp = (uint8_t)udp;
		c.deliver = record;
		struct segoff_gro *ge, *gi;
		c.opaque = &rec_eth;
		CHECK_EQ(segoff_gro_create(&c, &ge), SEGOFF_OK);
		c.link = SEGOFF_LINK_IP;
		c.opaque = &rec_ip;
		CHECK_EQ(segoff_gro_create(&c, &gi), SEGOFF_OK);
		rec_eth.n = rec_ip.n = 0;
		rec_eth.total = rec_ip.total = 0;
		const uint8_t cs = rng_range(&r, 0, 1) ? SEGOFF_CSUM_VERIFIED : SEGOFF_CSUM_NONE;
		const int entry = iter % 3;
		for (int i = 0; i < n; i++) {
			fe[i] = (struct segoff_gro_frame){ segs[i].head, segs[i].len, cs, NULL };
			fi[i] = (struct segoff_gro_frame){ segs[i].head + ETH, segs[i].len - ETH, cs, NULL };
			if (entry == 0) {
				segoff_gro_receive_frame(ge, fe[i].data, fe[i].len, cs, NULL, 0);
				segoff_gro_receive_frame(gi, fi[i].data, fi[i].len, cs, NULL, 0);
			} else if (entry == 1) {
				struct segoff_pkt a, b;
				segoff_pkt_init(&a, fe[i].data, fe[i].len, NULL, 0);
				segoff_parse_link(&a, SEGOFF_LINK_ETH, NULL);
				a.csum_state = cs;
				segoff_pkt_init(&b, fi[i].data, fi[i].len, NULL, 0);
				segoff_parse_link(&b, SEGOFF_LINK_IP, NULL);
				b.csum_state = cs;
				segoff_gro_receive(ge, &a, NULL, 0);
				segoff_gro_receive(gi, &b, NULL, 0);
			}
		}
		if (entry == 2) {
			segoff_gro_receive_frames(ge, fe, (unsigned)n, 0);
			segoff_gro_receive_frames(gi, fi, (unsigned)n, 0);
		}
		segoff_gro_flush_all(ge);
		segoff_gro_flush_all(gi);
		CHECK_EQ(rec_ip.n, rec_eth.n);
		CHECK(rec_eth.n > 0);
		size_t ae = 0, ai = 0;
		for (unsigned k = 0; k < rec_eth.n && k < rec_ip.n; k++) {
			const struct segoff_gro_out *a = &rec_eth.meta[k], *b = &rec_ip.meta[k];
			CHECK_EQ(b->len + ETH, a->len);
			CHECK(memcmp(rec_ip.bytes + ai, rec_eth.bytes + ae + ETH, b->len) == 0);
			CHECK_EQ(b->gso_size, a->gso_size);
			CHECK_EQ(b->gso_segs, a->gso_segs);
			CHECK_EQ(b->gso_type, a->gso_type);
			CHECK_EQ(b->csum_state, a->csum_state);
			CHECK_EQ(b->hdr_len + ETH, a->hdr_len);
			CHECK_EQ(b->vnet.flags, a->vnet.flags);
			CHECK_EQ(b->vnet.gso_type, a->vnet.gso_type);
			if (a->vnet.flags & SEGOFF_VNET_F_NEEDS_CSUM)
				CHECK_EQ(b->vnet.csum_start + ETH, a->vnet.csum_start);
			if (a->vnet.gso_size)
				CHECK_EQ(b->vnet.hdr_len + ETH, a->vnet.hdr_len);
			ae += a->len;
			ai += b->len;
		}
		segoff_gro_destroy(ge);
		segoff_gro_destroy(gi);
	}
}

struct reasm_rec {
	unsigned n;
	size_t total;
	uint8_t bytes[1 << 20];
	uint32_t len[256];
};

static void reasm_record(void *opaque, const struct segoff_reasm_out *o)
{
	struct reasm_rec *rec = opaque;
	if (rec->n >= 256)
		return;
	rec->total += slices_flatten(rec->bytes + rec->total, o->iov, o->nr_iov);
	rec->len[rec->n++] = o->len;
}

static struct reasm_rec rr_eth, rr_ip;

/* Reassembly [R1-R4] of IP packets: fragments shuffled, duplicated; the
 * datagram delivered is the Ethernet one without its header. */
static void L1_R_reassembly_of_ip_packets_is_the_ethernet_one(void)
{
	struct rng r = { check_seed() + 3 };
	static uint8_t fbuf[1 << 20];
	static struct segoff_seg fr[512];
	unsigned order[512];
	for (int iter = 0; iter < 200 && !check_failures_in_test; iter++) {
		size_t len = random_datagram(&r, 20000);
		struct segoff_pkt eth;
		segoff_pkt_init(&eth, frame, len, NULL, 0);
		CHECK_EQ(segoff_parse_link(&eth, SEGOFF_LINK_ETH, NULL), SEGOFF_OK);
		struct segoff_frag_params fp;
		segoff_frag_params_init(&fp, (uint16_t)rng_range(&r, 1280, 4000));
		int n = segoff_frag_copy(&eth, &fp, fbuf, sizeof(fbuf), fr, 512);
		CHECK(n >= 1);
		if (n < 1)
			continue;
		unsigned total = 0;
		for (int i = 0; i < n; i++)
			order[total++] = (unsigned)i;
		if (rng_range(&r, 0, 1))
			order[total++] = rng_range(&r, 0, (unsigned)n - 1); /* a duplicate */
		for (unsigned i = total - 1; i > 0; i--) {
			unsigned j = rng_range(&r, 0, i), t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		struct segoff_reasm_config c;
		segoff_reasm_config_init(&c);
		c.deliver = reasm_record;
		struct segoff_reasm *re, *ri;
		c.opaque = &rr_eth;
		CHECK_EQ(segoff_reasm_create(&c, &re), SEGOFF_OK);
		c.link = SEGOFF_LINK_IP;
		c.opaque = &rr_ip;
		CHECK_EQ(segoff_reasm_create(&c, &ri), SEGOFF_OK);
		rr_eth.n = rr_ip.n = 0;
		rr_eth.total = rr_ip.total = 0;
		for (unsigned i = 0; i < total; i++) {
			const struct segoff_seg *f = &fr[order[i]];
			segoff_reasm_receive(re, f->head, f->len, NULL, 0);
			segoff_reasm_receive(ri, f->head + ETH, f->len - ETH, NULL, 0);
		}
		CHECK_EQ(rr_ip.n, rr_eth.n);
		CHECK(rr_eth.n >= 1);
		size_t ae = 0, ai = 0;
		for (unsigned k = 0; k < rr_eth.n && k < rr_ip.n; k++) {
			CHECK_EQ(rr_ip.len[k] + ETH, rr_eth.len[k]);
			CHECK(memcmp(rr_ip.bytes + ai, rr_eth.bytes + ae + ETH, rr_ip.len[k]) == 0);
			ae += rr_eth.len[k];
			ai += rr_ip.len[k];
		}
		/* and the datagram is whole: the original packet */
		CHECK(rr_eth.n == 0 || (rr_eth.len[0] == len && memcmp(rr_eth.bytes, frame, len) == 0) || n == 1);
		const uint64_t *ce = segoff_reasm_counters(re), *ci = segoff_reasm_counters(ri);
		for (int k = 0; k < SEGOFF_REASM__COUNTERS; k++)
			CHECK_EQ(ci[k], ce[k]);
		segoff_reasm_destroy(re);
		segoff_reasm_destroy(ri);
	}
}

/* virtio_net_hdr on a TUN [V1-V5]: offsets count from the IP header; a TUN
 * takes any non-empty IP packet (tun_get_user has no Ethernet minimum). */
static void L1_V_vnet_offsets_count_from_the_ip_header(void)
{
	struct rng r = { check_seed() + 4 };
	for (int iter = 0; iter < 300 && !check_failures_in_test; iter++) {
		unsigned mss;
		struct segoff_pkt eth, ip;
		random_super(&r, iter & 1, &mss, &eth, &ip);
		struct segoff_vnet_hdr he, hi;
		CHECK_EQ(segoff_vnet_from_pkt(&eth, &he), SEGOFF_OK);
		CHECK_EQ(segoff_vnet_from_pkt(&ip, &hi), SEGOFF_OK);
		CHECK_EQ(hi.csum_start + ETH, he.csum_start);
		CHECK_EQ(hi.hdr_len + ETH, he.hdr_len);
		CHECK_EQ(hi.gso_type, he.gso_type);
		CHECK_EQ(hi.gso_size, he.gso_size);
		/* and back, as the kernel would take it: the same verdict (USO over
		 * 128 segments is refused on both), the same metadata */
		struct segoff_pkt a = eth, b = ip;
		a.gso_size = b.gso_size = 0;
		a.gso_type = b.gso_type = 0;
		int ra = segoff_vnet_to_pkt(&he, &a), rb = segoff_vnet_to_pkt(&hi, &b);
		CHECK_EQ(rb, ra);
		CHECK_EQ(b.gso_size, a.gso_size);
		CHECK_EQ(b.gso_type, a.gso_type);
		CHECK_EQ(b.csum_start + ETH, a.csum_start);
		/* a lie is the same lie on both links */
		struct segoff_vnet_hdr bad = hi;
		bad.csum_start = (uint16_t)(ip.len + 7);
		struct segoff_vnet_hdr bade = he;
		bade.csum_start = (uint16_t)(eth.len + 7);
		struct segoff_pkt x = ip, y = eth;
		CHECK_EQ(segoff_vnet_to_pkt(&bad, &x), segoff_vnet_to_pkt(&bade, &y));
	}
	/* a 20-byte IPv4 packet is a TUN packet, not a short frame */
	static const uint8_t v4[20] = { 0x45, 0, 0, 20, 0, 0, 0x40, 0, 64, 253, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2 };
	struct segoff_pkt p;
	segoff_pkt_init(&p, v4, sizeof(v4), NULL, 0);
	CHECK_EQ(segoff_parse_link(&p, SEGOFF_LINK_IP, NULL), SEGOFF_OK);
	struct segoff_vnet_hdr h = { 0 };
	CHECK_EQ(segoff_vnet_to_pkt(&h, &p), SEGOFF_OK);
}

/* The transmit decision [F2, O1] knows no link: the same verdict. */
static void L1_F_transmit_decision_is_the_same_on_both_links(void)
{
	struct rng r = { check_seed() + 5 };
	for (int iter = 0; iter < 300 && !check_failures_in_test; iter++) {
		unsigned mss;
		struct segoff_pkt eth, ip;
		random_super(&r, iter & 1, &mss, &eth, &ip);
		segoff_features_t f = (segoff_features_t)rng_next(&r) & ((SEGOFF_F(GSO_PARTIAL) << 1) - 1);
		struct segoff_tx_dev dev;
		segoff_tx_dev_init(&dev, segoff_features_fix(f, NULL));
		dev.mtu = rng_range(&r, 1280, 9000);
		struct segoff_tx_decision de, di;
		int re = segoff_tx_decide(&eth, &dev, &de), ri = segoff_tx_decide(&ip, &dev, &di);
		CHECK_EQ(ri, re);
		CHECK_EQ(di.action, de.action);
		CHECK_EQ(di.why, de.why);
		CHECK_EQ(di.segs, de.segs);
		CHECK_EQ(di.csum_software, de.csum_software);
	}
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(L1_parse_link_takes_the_version_from_the_first_byte),
		TEST(L1_T_U_segmentation_of_ip_packets_is_the_ethernet_cut),
		TEST(L1_O_fragmentation_of_ip_packets_is_the_ethernet_one),
		TEST(L1_G_gro_of_ip_packets_is_the_ethernet_one),
		TEST(L1_R_reassembly_of_ip_packets_is_the_ethernet_one),
		TEST(L1_V_vnet_offsets_count_from_the_ip_header),
		TEST(L1_F_transmit_decision_is_the_same_on_both_links),
	};
	return check_main(argc, argv, "test_l3", tests, sizeof(tests) / sizeof(tests[0]));
}
