// SPDX-License-Identifier: MIT
/* TCP segmentation, one test per kernel rule (kernel-rules.md T1-T7, I1, I2,
 * I5) plus every refusal. The kernel differential test proves the same
 * against Linux; these pin each rule on its own so a failure names it. */
#include <stdlib.h>
#include <string.h>
#include <segoff/segoff.h>
#include "check.h"
#include "pktgen.h"

struct fx {
	struct pktgen_spec spec;
	uint8_t frame[70000];
	size_t len;
	struct segoff_pkt pkt;
	struct segoff_gso_params params;
	uint8_t out[1 << 20];
	struct segoff_seg segs[4096];
	int n;
};
static struct fx F;

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)be16(p) << 16 | be16(p + 2); }

/* Build F.frame from F.spec, parse it, mark it PARTIAL when the spec left
 * the pseudo-header sum (as a TSO sender does). */
static int fx_prepare(unsigned mss)
{
	F.len = pktgen_build(&F.spec, F.frame, sizeof(F.frame));
	segoff_pkt_init(&F.pkt, F.frame, F.len, NULL, 0);
	int err = segoff_parse(&F.pkt, SEGOFF_PROTO_ETH, 0);
	if (err < 0)
		return err;
	if (F.spec.csum == PKTGEN_CSUM_PSEUDO || F.spec.csum == PKTGEN_CSUM_GARBAGE) {
		F.pkt.csum_state = SEGOFF_CSUM_PARTIAL;
		F.pkt.csum_start = F.pkt.l4_off;
		F.pkt.csum_offset = 16;
	}
	F.pkt.gso_size = (uint16_t)mss;
	F.pkt.gso_type = F.spec.ipv6 ? SEGOFF_GSO_TCPV6 : SEGOFF_GSO_TCPV4;
	segoff_gso_params_init(&F.params);
	return SEGOFF_OK;
}

static int fx_segment(void)
{
	F.n = segoff_gso_copy(&F.pkt, &F.params, F.out, sizeof(F.out), F.segs, 4096);
	return F.n;
}

static int fx_run(unsigned mss)
{
	int err = fx_prepare(mss);
	return err < 0 ? err : fx_segment();
}

static uint8_t *tcp_of(int i) { return F.segs[i].head + pktgen_l4_off(&F.spec); }
static uint8_t *ip_of(int i) { return F.segs[i].head + pktgen_l3_off(&F.spec); }

static void T1_refuses_tcp_data_offset_below_five_words(void)
{
	pktgen_default(&F.spec);
	F.spec.payload_len = 4000;
	F.len = pktgen_build(&F.spec, F.frame, sizeof(F.frame));
	F.frame[pktgen_l4_off(&F.spec) + 12] = 4 << 4;
	segoff_pkt_init(&F.pkt, F.frame, F.len, NULL, 0);
	CHECK_EQ(segoff_parse(&F.pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_E_TCP_DOFF);
}

static void T1_refuses_checksum_start_not_at_tcp_header(void)
{
	pktgen_default(&F.spec);
	F.spec.payload_len = 4000;
	CHECK_EQ(fx_prepare(1000), SEGOFF_OK);
	F.pkt.csum_start += 4;
	CHECK_EQ(fx_segment(), SEGOFF_E_CSUM_START);
	F.pkt.csum_start -= 4;
	F.pkt.csum_offset = 6;
	CHECK_EQ(fx_segment(), SEGOFF_E_CSUM_OFFSET);
}

static void T1_refuses_payload_not_larger_than_mss(void)
{
	pktgen_default(&F.spec);
	F.spec.payload_len = 1448;
	CHECK_EQ(fx_run(1448), SEGOFF_E_GSO_NOTHING_TO_SPLIT);
	F.spec.payload_len = 1449;
	CHECK_EQ(fx_run(1448), 2);
	CHECK_EQ(F.segs[1].len - pktgen_hdr_len(&F.spec), 1);
}

static void T2_segments_carry_consecutive_payload_and_seq(void)
{
	pktgen_default(&F.spec);
	F.spec.payload_len = 10000;
	F.spec.tcp_optlen = 40;
	F.spec.seq = 0xffffe000u; /* wraps mod 2^32 inside the packet */
	CHECK_EQ(fx_run(1460), 7);
	size_t hdr = pktgen_hdr_len(&F.spec), l4 = pktgen_l4_off(&F.spec);
	for (int i = 0; i < F.n; i++) {
		uint32_t want_len = i < 6 ? 1460 : 10000 - 6 * 1460;
		CHECK_EQ(F.segs[i].len, hdr + want_len);
		CHECK_EQ(be32(tcp_of(i) + 4), (uint32_t)(0xffffe000u + i * 1460u));
		CHECK(memcmp(F.segs[i].head + hdr, F.frame + hdr + i * 1460, want_len) == 0);
		/* options, TSval included, byte-exact on every segment */
		CHECK(memcmp(tcp_of(i) + 20, F.frame + l4 + 20, 40) == 0);
		/* L2 byte-exact */
		CHECK(memcmp(F.segs[i].head, F.frame, 14) == 0);
	}
}

static void T3_psh_and_fin_only_on_last_segment(void)
{
	pktgen_default(&F.spec);
	F.spec.payload_len = 5000;
	F.spec.tcp_flags = 0x19; /* ACK|PSH|FIN */
	CHECK_EQ(fx_run(1000), 5);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(tcp_of(i)[13], 0x10);
	CHECK_EQ(tcp_of(4)[13], 0x19);
}

static void T4_cwr_only_on_first_segment(void)
{
	pktgen_default(&F.spec);
	F.spec.payload_len = 3000;
	F.spec.tcp_flags = 0x90; /* ACK|CWR */
	CHECK_EQ(fx_run(1000), 3);
	CHECK_EQ(tcp_of(0)[13], 0x90);
	CHECK_EQ(tcp_of(1)[13], 0x10);
	CHECK_EQ(tcp_of(2)[13], 0x10);
}

static void T5_syn_rst_ece_urg_window_ack_urgent_pointer_unchanged(void)
{
	pktgen_default(&F.spec);
	F.spec.payload_len = 3000;
	F.spec.tcp_flags = 0x10 | 0x40 | 0x20 | 0x02 | 0x04;
	F.spec.urg = 1234;
	F.spec.win = 0xbeef;
	F.spec.ack = 0xdeadbeef;
	CHECK_EQ(fx_run(1000), 3);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(tcp_of(i)[13], 0x76);
		CHECK_EQ(be16(tcp_of(i) + 18), 1234); /* not adjusted per segment */
		CHECK_EQ(be16(tcp_of(i) + 14), 0xbeef);
		CHECK_EQ(be32(tcp_of(i) + 8), 0xdeadbeef);
		CHECK_EQ(be16(tcp_of(i) + 0), F.spec.sport);
	}
}

/* The pseudo-header sum for a segment of `l4_len`, by the reference code. */
static uint16_t ref_pseudo_of(int i, uint32_t l4_len)
{
	uint8_t ph[40];
	const uint8_t *ip = ip_of(i);
	size_t n;
	memset(ph, 0, sizeof(ph));
	if (F.spec.ipv6) {
		memcpy(ph, ip + 8, 32);
		n = 32;
	} else {
		memcpy(ph, ip + 12, 8);
		n = 8;
	}
	return ref_fold(ref_sum(ph, n, 6 + (l4_len >> 16) + (l4_len & 0xffff)));
}

static void T6_partial_input_sum_is_adjusted_not_recomputed(void)
{
	/* A lying pseudo-header sum in a PARTIAL packet: the kernel adjusts it
	 * by the length difference, it does not fix it. */
	pktgen_default(&F.spec);
	F.spec.payload_len = 3000;
	F.spec.csum = PKTGEN_CSUM_GARBAGE;
	CHECK_EQ(fx_prepare(1000), SEGOFF_OK);
	F.params.csum = SEGOFF_GSO_CSUM_PARTIAL;
	CHECK_EQ(fx_segment(), 3);
	size_t l4 = pktgen_l4_off(&F.spec);
	uint32_t old_len = (uint32_t)(F.len - l4), new_len = F.segs[0].len - (uint32_t)l4;
	uint16_t in = be16(F.frame + l4 + 16);
	uint32_t want = in + new_len + (uint16_t)~old_len;
	CHECK_EQ(be16(tcp_of(0) + 16), ref_fold(want));
}

static void T6_non_partial_input_ignores_the_check_field(void)
{
	uint8_t first[2000];
	pktgen_default(&F.spec);
	F.spec.payload_len = 3000;
	F.spec.csum = PKTGEN_CSUM_ZERO;
	CHECK_EQ(fx_run(1000), 3);
	memcpy(first, F.segs[0].head, F.segs[0].len);
	F.spec.csum = PKTGEN_CSUM_FULL; /* a different field value, CSUM_NONE */
	CHECK_EQ(fx_run(1000), 3);
	CHECK(memcmp(first, F.segs[0].head, F.segs[0].len) == 0);
	CHECK(ref_verify_tcp(F.segs[0].head, F.segs[0].len, pktgen_l3_off(&F.spec), pktgen_l4_off(&F.spec), 0));
}

static void T7_partial_output_holds_each_segments_pseudo_sum(void)
{
	for (int v6 = 0; v6 < 2; v6++) {
		pktgen_default(&F.spec);
		F.spec.ipv6 = v6;
		F.spec.payload_len = 2500;
		CHECK_EQ(fx_prepare(1000), SEGOFF_OK);
		F.params.csum = SEGOFF_GSO_CSUM_PARTIAL;
		CHECK_EQ(fx_segment(), 3);
		size_t l4 = pktgen_l4_off(&F.spec);
		for (int i = 0; i < 3; i++) {
			CHECK_EQ(be16(tcp_of(i) + 16), ref_pseudo_of(i, F.segs[i].len - (uint32_t)l4));
			CHECK_EQ(F.segs[i].csum_start, l4);
			CHECK_EQ(F.segs[i].csum_offset, 16);
		}
	}
}

static void T7_full_output_verifies_and_zero_stays_zero(void)
{
	pktgen_default(&F.spec);
	F.spec.payload_len = 2500;
	CHECK_EQ(fx_run(1000), 3);
	for (int i = 0; i < 3; i++)
		CHECK(ref_verify_tcp(F.segs[i].head, F.segs[i].len, pktgen_l3_off(&F.spec), pktgen_l4_off(&F.spec), 0));
	/* Nudge the last segment's first payload word so its checksum is 0. */
	size_t hdr = pktgen_hdr_len(&F.spec), pos = hdr + 2000;
	uint16_t check = be16(tcp_of(2) + 16);
	uint32_t w = (uint32_t)be16(F.frame + pos) + check;
	w = (w & 0xffff) + (w >> 16);
	F.frame[pos] = (uint8_t)(w >> 8);
	F.frame[pos + 1] = (uint8_t)w;
	CHECK_EQ(fx_segment(), 3);
	CHECK_EQ(be16(tcp_of(2) + 16), 0x0000); /* no 0 -> 0xffff for TCP */
	CHECK(ref_verify_tcp(F.segs[2].head, F.segs[2].len, pktgen_l3_off(&F.spec), pktgen_l4_off(&F.spec), 0));
}

static void I1_ipv4_id_increments_wraps_and_header_is_rewritten(void)
{
	pktgen_default(&F.spec);
	F.spec.payload_len = 4000;
	F.spec.ip_id = 0xfffe;
	F.spec.ip4_optlen = 8;
	F.spec.tos = 0xb8;
	F.spec.ttl = 7;
	F.spec.df = 0;
	CHECK_EQ(fx_run(1000), 4);
	static const uint16_t ids[] = { 0xfffe, 0xffff, 0x0000, 0x0001 };
	size_t l3 = pktgen_l3_off(&F.spec);
	for (int i = 0; i < 4; i++) {
		uint8_t *ip = ip_of(i);
		CHECK_EQ(be16(ip + 4), ids[i]);
		CHECK_EQ(be16(ip + 2), F.segs[i].len - l3);
		CHECK_EQ(ref_fold(ref_sum(ip, 28, 0)), 0xffff);
		CHECK_EQ(ip[1], 0xb8);
		CHECK_EQ(ip[8], 7);
		CHECK_EQ(be16(ip + 6), 0);
		CHECK(memcmp(ip + 20, F.frame + l3 + 20, 8) == 0); /* options on every segment */
	}
}

static void I2_fixed_id_mode_keeps_the_first_id(void)
{
	pktgen_default(&F.spec);
	F.spec.payload_len = 3000;
	CHECK_EQ(fx_prepare(1000), SEGOFF_OK);
	F.params.ip_id = SEGOFF_GSO_IP_ID_FIXED;
	CHECK_EQ(fx_segment(), 3);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(be16(ip_of(i) + 4), 0x1234);
		CHECK_EQ(ref_fold(ref_sum(ip_of(i), 20, 0)), 0xffff);
	}
	/* AUTO follows the packet's SKB_GSO_TCP_FIXEDID */
	F.params.ip_id = SEGOFF_GSO_IP_ID_AUTO;
	F.pkt.gso_type |= SEGOFF_GSO_FIXEDID;
	CHECK_EQ(fx_segment(), 3);
	CHECK_EQ(be16(ip_of(2) + 4), 0x1234);
	F.params.ip_id = SEGOFF_GSO_IP_ID_INC;
	CHECK_EQ(fx_segment(), 3);
	CHECK_EQ(be16(ip_of(2) + 4), 0x1236);
}

static void I5_ipv6_payload_len_and_extension_headers_copied(void)
{
	pktgen_default(&F.spec);
	F.spec.ipv6 = 1;
	F.spec.nr_ip6_ext = 3;
	F.spec.ip6_ext_type[0] = 0;
	F.spec.ip6_ext_type[1] = 43;
	F.spec.ip6_ext_type[2] = 60;
	F.spec.ip6_ext_units[0] = 0;
	F.spec.ip6_ext_units[1] = 2;
	F.spec.ip6_ext_units[2] = 1;
	F.spec.payload_len = 3000;
	CHECK_EQ(fx_run(1200), 3);
	size_t l3 = pktgen_l3_off(&F.spec), l4 = pktgen_l4_off(&F.spec);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(be16(ip_of(i) + 4), F.segs[i].len - l3 - 40);
		CHECK(memcmp(ip_of(i) + 6, F.frame + l3 + 6, l4 - l3 - 6) == 0);
		CHECK(ref_verify_tcp(F.segs[i].head, F.segs[i].len, l3, l4, 1));
	}
}

static void vlan_tags_copied_to_every_segment(void)
{
	pktgen_default(&F.spec);
	F.spec.nr_vlan = 2;
	F.spec.vlan_tpid[0] = 0x88a8;
	F.spec.vlan_tpid[1] = 0x8100;
	F.spec.vlan_tci[0] = 100;
	F.spec.vlan_tci[1] = 200;
	F.spec.payload_len = 3000;
	CHECK_EQ(fx_run(1000), 3);
	for (int i = 0; i < 3; i++)
		CHECK(memcmp(F.segs[i].head, F.frame, 22) == 0);
	CHECK_EQ(F.pkt.nr_vlan, 2);
}

static void refuses_gso_size_zero(void)
{
	pktgen_default(&F.spec);
	F.spec.payload_len = 3000;
	CHECK_EQ(fx_run(0), SEGOFF_E_GSO_SIZE_ZERO);
}

static void refuses_over_max_size_and_max_segs(void)
{
	pktgen_default(&F.spec);
	F.spec.payload_len = 65536 - 52 + 1; /* L3 length 65537 > 64 KB default */
	CHECK_EQ(fx_run(1448), SEGOFF_E_GSO_TOO_BIG);
	F.spec.payload_len = 65536 - 52; /* exactly 64 KB from the IP header */
	CHECK_EQ(fx_run(1448), 46);
	F.spec.payload_len = 4000;
	CHECK_EQ(fx_prepare(1000), SEGOFF_OK);
	F.params.max_segs = 3;
	CHECK_EQ(fx_segment(), SEGOFF_E_GSO_TOO_MANY_SEGS);
	F.params.max_segs = 4;
	CHECK_EQ(fx_segment(), 4);
}

static void refuses_when_output_storage_is_too_small(void)
{
	pktgen_default(&F.spec);
	F.spec.payload_len = 4000;
	CHECK_EQ(fx_prepare(1000), SEGOFF_OK);
	size_t need = 4 * pktgen_hdr_len(&F.spec) + 4000;
	CHECK_EQ(segoff_gso_copy(&F.pkt, &F.params, F.out, need - 1, F.segs, 4), SEGOFF_E_NOSPACE);
	CHECK_EQ(segoff_gso_copy(&F.pkt, &F.params, F.out, need, F.segs, 3), SEGOFF_E_NOSPACE);
	CHECK_EQ(segoff_gso_copy(&F.pkt, &F.params, F.out, need, F.segs, 4), 4);
	struct segoff_slice iov[8];
	struct segoff_gso_zc zc = { F.out, 4 * pktgen_hdr_len(&F.spec) - 1, iov, 8, 0 };
	CHECK_EQ(segoff_gso_zerocopy(&F.pkt, &F.params, &zc, F.segs, 4), SEGOFF_E_NOSPACE);
	zc.arena_size++;
	CHECK_EQ(segoff_gso_zerocopy(&F.pkt, &F.params, &zc, F.segs, 4), 4);
	zc.iov_cap = 7;
	CHECK_EQ(segoff_gso_zerocopy(&F.pkt, &F.params, &zc, F.segs, 4), SEGOFF_E_NOSPACE);
}

static void refuses_gso_type_that_does_not_match_the_packet(void)
{
	pktgen_default(&F.spec);
	F.spec.payload_len = 3000;
	CHECK_EQ(fx_prepare(1000), SEGOFF_OK);
	F.pkt.gso_type = SEGOFF_GSO_TCPV6;
	CHECK_EQ(fx_segment(), SEGOFF_E_GSO_TYPE);
	F.pkt.gso_type = SEGOFF_GSO_UDP_L4;
	CHECK_EQ(fx_segment(), SEGOFF_E_GSO_TYPE);
	F.pkt.gso_type = 0; /* unnamed: taken from the headers */
	CHECK_EQ(fx_segment(), 3);
}

static void refuses_ip_fragments(void)
{
	pktgen_default(&F.spec);
	F.spec.payload_len = 3000;
	CHECK_EQ(fx_prepare(1000), SEGOFF_OK);
	F.frame[pktgen_l3_off(&F.spec) + 6] |= 0x20; /* MF */
	CHECK_EQ(segoff_parse(&F.pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	CHECK_EQ(fx_segment(), SEGOFF_E_FRAGMENT);
}

static void udp_takes_uso_and_non_transport_packets_are_refused(void)
{
	pktgen_default(&F.spec);
	F.spec.payload_len = 3000;
	CHECK_EQ(fx_prepare(1000), SEGOFF_OK);
	F.frame[pktgen_l3_off(&F.spec) + 9] = 17; /* now UDP */
	CHECK_EQ(segoff_parse(&F.pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	F.pkt.gso_type = 0;
	F.pkt.csum_state = SEGOFF_CSUM_NONE;
	/* the former TCP header (32 bytes) is UDP header (8) + payload (24) now */
	CHECK_EQ(fx_segment(), 4); /* 3024 bytes at 1000: USO, whose rules test_uso pins */
	F.pkt.gso_type = SEGOFF_GSO_UDP; /* UFO is fragmentation, not segmentation */
	CHECK_EQ(fx_segment(), SEGOFF_E_UNSUPPORTED);
	F.frame[pktgen_l3_off(&F.spec) + 9] = 1; /* ICMP */
	CHECK_EQ(segoff_parse(&F.pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	CHECK_EQ(fx_segment(), SEGOFF_E_NOT_SEGMENTABLE);
	struct segoff_pkt unparsed;
	segoff_pkt_init(&unparsed, F.frame, F.len, NULL, 0);
	CHECK_EQ(segoff_gso_copy(&unparsed, &F.params, F.out, sizeof(F.out), F.segs, 10), SEGOFF_E_INVAL);
}

/* Zero-copy output references the input and equals the copy output, with
 * the payload scattered over slices of odd sizes. */
static void zerocopy_references_input_and_equals_copy(void)
{
	pktgen_default(&F.spec);
	F.spec.payload_len = 9999;
	F.len = pktgen_build(&F.spec, F.frame, sizeof(F.frame));
	size_t hdr = pktgen_hdr_len(&F.spec);
	/* head holds the headers and 5 payload bytes; the rest in odd slices */
	struct segoff_slice sl[64];
	unsigned ns = 0;
	size_t off = hdr + 5;
	static const size_t sizes[] = { 1, 7, 333, 1000, 2, 4001, 17 };
	for (unsigned k = 0; off < F.len; k++) {
		size_t n = sizes[k % 7];
		if (n > F.len - off)
			n = F.len - off;
		sl[ns++] = (struct segoff_slice){ F.frame + off, n };
		off += n;
	}
	segoff_pkt_init(&F.pkt, F.frame, hdr + 5, sl, ns);
	CHECK_EQ(segoff_parse(&F.pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	F.pkt.csum_state = SEGOFF_CSUM_PARTIAL;
	F.pkt.csum_start = F.pkt.l4_off;
	F.pkt.csum_offset = 16;
	segoff_gso_params_init(&F.params);
	F.params.mss = 1001;
	static uint8_t arena[64 * 1024], flat[1 << 16];
	static struct segoff_slice iov[256];
	static struct segoff_seg zsegs[64];
	struct segoff_gso_zc zc = { arena, sizeof(arena), iov, 256, 0 };
	int nz = segoff_gso_zerocopy(&F.pkt, &F.params, &zc, zsegs, 64);
	CHECK_EQ(nz, 10);
	CHECK_EQ(fx_segment(), 10);
	for (int i = 0; i < nz && i < F.n; i++) {
		size_t at = 0;
		for (unsigned k = 0; k < zsegs[i].nr_iov; k++) {
			const struct segoff_slice *s = &iov[zsegs[i].iov_first + k];
			if (k > 0)
				CHECK((const uint8_t *)s->base >= F.frame && (const uint8_t *)s->base < F.frame + F.len);
			memcpy(flat + at, s->base, s->len);
			at += s->len;
		}
		CHECK_EQ(at, zsegs[i].len);
		CHECK_EQ(at, F.segs[i].len);
		CHECK(memcmp(flat, F.segs[i].head, at) == 0);
		CHECK(ref_verify_tcp(flat, at, pktgen_l3_off(&F.spec), pktgen_l4_off(&F.spec), 0));
	}
	CHECK_EQ(segoff_gso_count(&F.pkt, &F.params), 10);
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(T1_refuses_tcp_data_offset_below_five_words),
		TEST(T1_refuses_checksum_start_not_at_tcp_header),
		TEST(T1_refuses_payload_not_larger_than_mss),
		TEST(T2_segments_carry_consecutive_payload_and_seq),
		TEST(T3_psh_and_fin_only_on_last_segment),
		TEST(T4_cwr_only_on_first_segment),
		TEST(T5_syn_rst_ece_urg_window_ack_urgent_pointer_unchanged),
		TEST(T6_partial_input_sum_is_adjusted_not_recomputed),
		TEST(T6_non_partial_input_ignores_the_check_field),
		TEST(T7_partial_output_holds_each_segments_pseudo_sum),
		TEST(T7_full_output_verifies_and_zero_stays_zero),
		TEST(I1_ipv4_id_increments_wraps_and_header_is_rewritten),
		TEST(I2_fixed_id_mode_keeps_the_first_id),
		TEST(I5_ipv6_payload_len_and_extension_headers_copied),
		TEST(vlan_tags_copied_to_every_segment),
		TEST(refuses_gso_size_zero),
		TEST(refuses_over_max_size_and_max_segs),
		TEST(refuses_when_output_storage_is_too_small),
		TEST(refuses_gso_type_that_does_not_match_the_packet),
		TEST(refuses_ip_fragments),
		TEST(udp_takes_uso_and_non_transport_packets_are_refused),
		TEST(zerocopy_references_input_and_equals_copy),
	};
	return check_main(argc, argv, "gso_tcp", tests, sizeof(tests) / sizeof(tests[0]));
}
