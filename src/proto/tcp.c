// SPDX-License-Identifier: MIT
/* TCP segmentation [T1-T7], as tcp_gso_segment does it:
 *  - segment i gets seq0 + i * mss, a byte-exact copy of the header and
 *    options (same TSval everywhere), and unchanged ACK, window, urgent
 *    pointer, SYN/RST/ECE/URG [T2, T5];
 *  - PSH and FIN only on the last segment, CWR only on the first [T3, T4];
 *  - the check field: from a PARTIAL input, the kernel trusts the field as
 *    the pseudo-header sum and adjusts it by the length difference (so a
 *    wrong input sum gives the same wrong output as in the kernel); from any
 *    other input it computes the pseudo-header sum itself [T6]. Then either
 *    that sum stays (partial output) or the full checksum is written, with
 *    no 0 -> 0xFFFF mapping [T7]. */
#include "proto.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80
#define TCP_CHECK_OFFSET 16
#define IPPROTO_TCP_NUM 6

static int tcp_parse(struct parse_state *st)
{
	struct segoff_pkt *pkt = st->pkt;
	if (pkt->head_len < 20 || st->off > pkt->head_len - 20)
		return SEGOFF_E_TRUNCATED;
	unsigned doff = (pkt->head[st->off + 12] >> 4) * 4u;
	if (doff < 20)
		return SEGOFF_E_TCP_DOFF;
	if (st->off + doff > pkt->head_len)
		return SEGOFF_E_TRUNCATED;
	pkt->l4_off = (uint16_t)st->off;
	pkt->l4_proto = SEGOFF_PROTO_TCP;
	st->len = doff;
	return SEGOFF_OK;
}

static int tcp_gso_prepare(struct gso_ctx *c, const struct segoff_layer *l)
{
	const struct segoff_pkt *pkt = c->pkt;
	const uint32_t any_type = SEGOFF_GSO_TCPV4 | SEGOFF_GSO_TCPV6 | SEGOFF_GSO_UDP | SEGOFF_GSO_UDP_L4;
	/* A packet that names its GSO type must name the one it is. */
	if ((pkt->gso_type & any_type) && !(pkt->gso_type & c->l3_gso_type))
		return SEGOFF_E_GSO_TYPE;
	if (pkt->csum_state == SEGOFF_CSUM_PARTIAL) {
		if (pkt->csum_start != l->off)
			return SEGOFF_E_CSUM_START;
		if (pkt->csum_offset != TCP_CHECK_OFFSET)
			return SEGOFF_E_CSUM_OFFSET;
	}
	return SEGOFF_OK;
}

static segoff_csum_t csum_len32(uint32_t len)
{
	return (segoff_csum_t)(len >> 16) + (len & 0xffff);
}

static void tcp_gso_fixup(const struct gso_ctx *c, const struct segoff_layer *l)
{
	const struct segoff_pkt *pkt = c->pkt;
	const uint8_t *th0 = pkt->head + l->off;
	const uint32_t seq0 = rd32(th0 + 4);
	const uint16_t flags0 = rd16(th0 + 12);
	const uint16_t check0 = rd16(th0 + TCP_CHECK_OFFSET);
	const unsigned last = c->nr_segs - 1;

	/* Pseudo-header sum without the length: each segment adds its own. */
	segoff_csum_t seed_base;
	if (pkt->csum_state == SEGOFF_CSUM_PARTIAL) {
		uint32_t oldlen = pkt->len - l->off;
		seed_base = check0 + csum_neg16((uint16_t)(oldlen >> 16)) + csum_neg16((uint16_t)oldlen);
	} else {
		seed_base = c->pseudo + IPPROTO_TCP_NUM;
	}
	/* Every segment but the last has the same length, so the same seed. */
	const uint16_t seed_full = segoff_csum_fold(seed_base + csum_len32(l->len + c->mss));
	const uint16_t seed_last = segoff_csum_fold(seed_base + csum_len32(c->segs[last].len - l->off));
	const uint16_t flags_first = flags0 & (uint16_t)~(TCP_PSH | TCP_FIN);
	const uint16_t flags_mid = flags_first & (uint16_t)~TCP_CWR;
	const uint16_t flags_last = flags0 & (uint16_t)~TCP_CWR;
	/* Header words that no segment changes, for the full checksum. */
	uint16_t hdr_base = 0;
	if (c->full_csum)
		hdr_base = segoff_csum_fold(segoff_csum(th0, l->len) + csum_neg16((uint16_t)(seq0 >> 16)) +
					    csum_neg16((uint16_t)seq0) + csum_neg16(flags0) + csum_neg16(check0));

	const unsigned off = l->off, mss = c->mss;
	const int full = c->full_csum;
	struct segoff_seg *segs = c->segs;
	uint32_t seq = seq0;
	for (unsigned i = 0; i <= last; i++, seq += mss) {
		struct segoff_seg *s = &segs[i];
		uint8_t *th = s->head + off;
		uint16_t flags = i == 0 ? flags_first : i == last ? flags_last : flags_mid;
		uint16_t check = i == last ? seed_last : seed_full;
		if (full)
			check = (uint16_t)~csum_fold32((uint32_t)check + hdr_base + (seq >> 16) + (seq & 0xffff) +
						      flags + s->payload_sum);
		wr32(th + 4, seq);
		wr16(th + 12, flags);
		wr16(th + TCP_CHECK_OFFSET, check);
		s->csum_start = (uint16_t)off;
		s->csum_offset = TCP_CHECK_OFFSET;
	}
}

const struct proto_ops proto_tcp = {
	.name = "tcp",
	.parse = tcp_parse,
	.gso_prepare = tcp_gso_prepare,
	.gso_fixup = tcp_gso_fixup,
};
