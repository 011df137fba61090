// SPDX-License-Identifier: MIT
/* GSO_PARTIAL output (E8) for every tunnel type: what a device with
 * tx-gso-partial is handed, and that what it makes of it is the kernel's
 * full software cut.
 *
 * No device here has tx-gso-partial (veth and TAP show it "off [fixed]"),
 * so the kernel cannot be asked for this output. The check instead rests on
 * what the kernel's partial cut is for: a device that copies the headers of
 * a partial cut into each segment it makes, with only the inner TCP
 * sequence, flags and checksum its own, must produce the full cut, which
 * kernel_tunnel_gso_diff and kernel_ip_tunnel_gso_diff prove byte for byte.
 * Every header the kernel writes into a partial cut (IP lengths and IDs,
 * outer UDP length and checksum, GRE checksum) is therefore compared with
 * the matching segment of segoff's full cut, and the TCP seed with the
 * pseudo-header of the cut's whole length (tcp_gso_segment's
 * mss *= gso_segs). */
#include <stdio.h>
#include <string.h>
#include <segoff/segoff.h>
#include "check.h"
#include "pktgen.h"

#define GRE_C 0x8000
#define GRE_K 0x2000

static uint8_t frame[70000], plain_buf[1 << 20], part_buf[1 << 20];
static struct segoff_seg plain[2048], part[2048];

enum kind { VXLAN, VXLAN_CSUM, GENEVE_CSUM, GRE_PLAIN, GRE_KEY, GRE_CSUM, GRE_KEY_CSUM, GRE_TEB_CSUM, IPIP, KINDS };

static const char *const kind_name[KINDS] = { "vxlan", "vxlan+csum", "geneve+csum", "gre", "gre+key", "gre+csum",
					      "gre+key+csum", "gre-teb+csum", "ipip" };

/* A tunnel super-packet of `kind`, parsed, with its GSO type and partial
 * inner checksum as a TSO host hands it over. */
static size_t build(enum kind kind, int outer6, struct pktgen_spec *in, struct segoff_pkt *pkt, uint64_t seed)
{
	struct pktgen_spec o;
	pktgen_default(&o);
	o.ipv6 = outer6;
	o.ip_id = (uint16_t)(seed * 7919u);
	o.df = 1;
	size_t len;
	uint32_t type = in->ipv6 ? SEGOFF_GSO_TCPV6 : SEGOFF_GSO_TCPV4;
	if (kind <= GENEVE_CSUM) {
		o.sport = 49152;
		o.dport = kind == GENEVE_CSUM ? SEGOFF_GENEVE_PORT : SEGOFF_VXLAN_PORT;
		o.csum = kind == VXLAN ? PKTGEN_CSUM_ZERO : PKTGEN_CSUM_PSEUDO;
		len = pktgen_build_tunnel(&o, kind == GENEVE_CSUM ? PKTGEN_GENEVE : PKTGEN_VXLAN, 7, kind == GENEVE_CSUM ? 12 : 0,
					  seed, in, frame, sizeof(frame));
		type |= kind == VXLAN ? SEGOFF_GSO_UDP_TUNNEL : SEGOFF_GSO_UDP_TUNNEL_CSUM;
	} else if (kind == IPIP) {
		len = pktgen_build_ip_tunnel(&o, NULL, in, frame, sizeof(frame));
		type |= outer6 ? SEGOFF_GSO_IPXIP6 : SEGOFF_GSO_IPXIP4;
	} else {
		static const uint16_t flags[] = { [GRE_PLAIN] = 0, [GRE_KEY] = GRE_K, [GRE_CSUM] = GRE_C,
						  [GRE_KEY_CSUM] = GRE_K | GRE_C, [GRE_TEB_CSUM] = GRE_C };
		struct pktgen_gre gre = { .flags = flags[kind], .key = 0x5eed, .teb = kind == GRE_TEB_CSUM };
		len = pktgen_build_ip_tunnel(&o, &gre, in, frame, sizeof(frame));
		type |= (flags[kind] & GRE_C) ? SEGOFF_GSO_GRE_CSUM : SEGOFF_GSO_GRE;
	}
	CHECK(len > 0);
	segoff_pkt_init(pkt, frame, len, NULL, 0);
	CHECK_EQ(segoff_parse(pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	CHECK_EQ(pkt->encap_depth, 1);
	pkt->gso_type = type;
	pkt->csum_state = SEGOFF_CSUM_PARTIAL;
	pkt->csum_start = pkt->inner_l4_off;
	pkt->csum_offset = 16;
	return len;
}

static int cut(const struct segoff_pkt *pkt, unsigned mss, int partial, uint8_t ip_id, uint8_t *buf,
	       struct segoff_seg *segs)
{
	struct segoff_gso_params p;
	segoff_gso_params_init(&p);
	p.mss = (uint16_t)mss;
	p.csum = SEGOFF_GSO_CSUM_PARTIAL;
	p.ip_id = ip_id;
	p.partial = (uint8_t)partial;
	return segoff_gso_copy(pkt, &p, buf, 1 << 20, segs, 2048);
}

/* E8: whole multiples of the MSS per cut (the 64 KB limit keeps it to one
 * cut), the remainder alone; each cut's headers are the full cut's segment
 * that starts it, but for the TCP check field (the pseudo-header sum of the
 * cut's whole length) and, on a cut that ends the packet, the TCP flags the
 * device writes per segment; the remainder is the full cut's last segment. */
static void E8_partial_cut_is_what_the_device_finishes_into_the_full_cut(void)
{
	struct rng r = { check_seed() };
	unsigned cases = 0, partial_cuts = 0;
	for (int iter = 0; iter < 1500; iter++) {
		enum kind kind = (enum kind)(iter % KINDS);
		int outer6 = rng_range(&r, 0, 1);
		struct pktgen_spec in;
		pktgen_default(&in);
		in.ipv6 = rng_range(&r, 0, 1);
		in.ip_id = (uint16_t)rng_next(&r);
		in.df = rng_range(&r, 0, 1);
		in.csum = PKTGEN_CSUM_PSEUDO;
		in.tcp_flags = (uint8_t)(0x10 | (rng_range(&r, 0, 1) ? 0x08 : 0) | (rng_range(&r, 0, 3) == 0 ? 0x81 : 0));
		unsigned mss = rng_range(&r, 0, 2) == 0 ? rng_range(&r, 48, 300) : rng_range(&r, 300, 9000);
		/* exact multiples, a remainder, and under two MSS (no partial cut) */
		uint32_t max_pay = 65000;
		uint32_t k = rng_range(&r, 1, max_pay / mss > 1 ? max_pay / mss : 1);
		uint32_t pay = k * mss;
		int shape = rng_range(&r, 0, 2);
		if (shape == 1 && pay + mss - 1 <= max_pay)
			pay += rng_range(&r, 1, mss - 1);
		if (pay <= mss)
			pay = mss + 1;
		in.payload_len = pay;
		in.payload_seed = rng_next(&r);
		struct segoff_pkt pkt;
		build(kind, outer6, &in, &pkt, (uint64_t)iter);
		if (pkt.len - pkt.l3_off > SEGOFF_GSO_DEFAULT_MAX_SIZE)
			continue;
		uint8_t ip_id = rng_range(&r, 0, 3) == 0 ? SEGOFF_GSO_IP_ID_FIXED : SEGOFF_GSO_IP_ID_INC;
		int np = cut(&pkt, mss, 0, ip_id, plain_buf, plain);
		int nq = cut(&pkt, mss, 1, ip_id, part_buf, part);
		CHECK(np > 1);
		CHECK(nq > 0);
		if (np <= 1 || nq <= 0)
			continue;
		cases++;
		const unsigned hdr = pkt.payload_off, th = pkt.inner_l4_off;
		const uint32_t payload = pkt.len - hdr;
		const uint32_t per = payload / mss; /* MSS in a cut */
		if (per < 2) {
			/* under two MSS: the plain cut */
			CHECK_EQ(nq, np);
			for (int i = 0; i < np && i < nq; i++) {
				CHECK(part[i].len == plain[i].len && memcmp(part[i].head, plain[i].head, plain[i].len) == 0);
				CHECK_EQ(part[i].gso_size, 0);
			}
			continue;
		}
		const uint32_t chunk = per * mss;
		CHECK_EQ(nq, (int)((payload + chunk - 1) / chunk));
		CHECK_EQ(nq, payload % chunk ? 2 : 1);
		for (int i = 0; i < nq; i++) {
			const uint32_t own = i == nq - 1 ? payload - (uint32_t)i * chunk : chunk;
			const int first_plain = i * (int)per;
			const struct segoff_seg *q = &part[i], *s = &plain[first_plain];
			CHECK_EQ(q->len, hdr + own);
			if (own <= mss) {
				/* the remainder: the full cut's last segment, all of it */
				CHECK_EQ(first_plain, np - 1);
				CHECK(q->len == s->len && memcmp(q->head, s->head, s->len) == 0);
				CHECK_EQ(q->gso_size, 0);
				CHECK_EQ(q->gso_segs, 0);
				continue;
			}
			partial_cuts++;
			CHECK_EQ(q->gso_size, mss);
			CHECK_EQ(q->gso_segs, (own + mss - 1) / mss);
			CHECK_EQ(q->csum_start, th);
			CHECK_EQ(q->csum_offset, 16);
			/* headers: the full cut's segment, but the TCP check and
			 * (the packet's end) its flags */
			uint8_t a[512], b[512];
			memcpy(a, q->head, hdr);
			memcpy(b, s->head, hdr);
			memset(a + th + 16, 0, 2);
			memset(b + th + 16, 0, 2);
			int ends = i == nq - 1;
			if (ends) {
				memset(a + th + 13, 0, 1);
				memset(b + th + 13, 0, 1);
				CHECK_EQ(q->head[th + 13], frame[th + 13]); /* PSH, FIN, CWR as sent */
			}
			if (memcmp(a, b, hdr) != 0) {
				for (unsigned j = 0; j < hdr; j++)
					if (a[j] != b[j]) {
						fprintf(stderr, "%s outer6=%d inner6=%d mss=%u payload=%u cut %d: header byte %u "
								"%02x, full cut %02x\n",
							kind_name[kind], outer6, in.ipv6, mss, payload, i, j, a[j], b[j]);
						break;
					}
				CHECK(0);
			}
			/* the TCP seed: the full segment's, plus the bytes the cut
			 * holds beyond one MSS (one's complement) */
			uint32_t seed = (uint32_t)((s->head[th + 16] << 8) | s->head[th + 17]) + (own - mss);
			while (seed >> 16)
				seed = (seed & 0xffff) + (seed >> 16);
			CHECK_EQ((q->head[th + 16] << 8) | q->head[th + 17], seed);
			/* payload: the full cut's segments it spans, in order */
			uint32_t at = 0;
			for (int j = first_plain; at < own && j < np; j++) {
				uint32_t n = plain[j].len - hdr;
				CHECK(memcmp(q->head + hdr + at, plain[j].head + hdr, n) == 0);
				at += n;
			}
			CHECK_EQ(at, own);
		}
	}
	printf("  %u packets, %u partial cuts compared with the full cut\n", cases, partial_cuts);
	CHECK(partial_cuts > 500);
}

/* E8 is the device's: with full checksums (no device checksum, so no
 * partial cut in the kernel), for a packet without a tunnel, or for a
 * packet under two MSS, the option changes nothing. */
static void E8_partial_only_for_tunnels_with_device_checksums(void)
{
	struct pktgen_spec in;
	pktgen_default(&in);
	in.payload_len = 10000;
	in.csum = PKTGEN_CSUM_PSEUDO;
	struct segoff_pkt pkt;
	build(VXLAN_CSUM, 0, &in, &pkt, 1);
	struct segoff_gso_params p;
	segoff_gso_params_init(&p);
	p.mss = 1000;
	p.partial = 1;
	int n = segoff_gso_copy(&pkt, &p, part_buf, sizeof(part_buf), part, 2048);
	p.partial = 0;
	int m = segoff_gso_copy(&pkt, &p, plain_buf, sizeof(plain_buf), plain, 2048);
	CHECK_EQ(n, 10);
	CHECK_EQ(m, 10);
	for (int i = 0; i < 10; i++)
		CHECK(part[i].len == plain[i].len && memcmp(part[i].head, plain[i].head, plain[i].len) == 0 &&
		      part[i].gso_size == 0);

	/* no tunnel */
	size_t len = pktgen_build(&in, frame, sizeof(frame));
	segoff_pkt_init(&pkt, frame, len, NULL, 0);
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	pkt.gso_type = SEGOFF_GSO_TCPV4;
	pkt.csum_state = SEGOFF_CSUM_PARTIAL;
	pkt.csum_start = pkt.inner_l4_off;
	pkt.csum_offset = 16;
	CHECK_EQ(cut(&pkt, 1000, 1, SEGOFF_GSO_IP_ID_AUTO, part_buf, part), 10);
	CHECK_EQ(part[0].gso_size, 0);

	/* the cut counts as the kernel's: 10 MSS in one partial packet */
	build(GRE_CSUM, 1, &in, &pkt, 2);
	CHECK_EQ(cut(&pkt, 1000, 1, SEGOFF_GSO_IP_ID_AUTO, part_buf, part), 1);
	CHECK_EQ(part[0].gso_segs, 10);
	CHECK_EQ(segoff_gso_count(&pkt, &(struct segoff_gso_params){ .mss = 1000, .csum = SEGOFF_GSO_CSUM_PARTIAL,
								      .max_size = 65536, .max_segs = 65535,
								      .partial = 1 }),
		 1);
}

/* A GSO_PARTIAL packet's length fields describe one segment, not itself:
 * segoff refuses to cut one again rather than guess its lengths. */
static void E8_partial_packet_is_not_cut_again(void)
{
	struct pktgen_spec in;
	pktgen_default(&in);
	in.payload_len = 5000;
	in.csum = PKTGEN_CSUM_PSEUDO;
	struct segoff_pkt pkt;
	build(VXLAN, 0, &in, &pkt, 3);
	pkt.gso_type |= SEGOFF_GSO_PARTIAL;
	CHECK_EQ(cut(&pkt, 1000, 0, SEGOFF_GSO_IP_ID_AUTO, part_buf, part), SEGOFF_E_GSO_TYPE);
	/* and virtio has no type for it */
	pkt.gso_size = 1000;
	struct segoff_vnet_hdr h;
	CHECK_EQ(segoff_vnet_from_pkt(&pkt, &h), SEGOFF_E_GSO_TYPE);
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(E8_partial_cut_is_what_the_device_finishes_into_the_full_cut),
		TEST(E8_partial_only_for_tunnels_with_device_checksums),
		TEST(E8_partial_packet_is_not_cut_again),
	};
	return check_main(argc, argv, "proto_gso_partial", tests, sizeof(tests) / sizeof(tests[0]));
}
