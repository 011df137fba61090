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
	st->len = doff;
	return SEGOFF_OK;
}

static int tcp_gso_prepare(struct gso_ctx *c, const struct segoff_layer *l)
{
	const struct segoff_pkt *pkt = c->pkt;
	const uint32_t any_type = SEGOFF_GSO_TCPV4 | SEGOFF_GSO_TCPV6 | SEGOFF_GSO_UDP | SEGOFF_GSO_UDP_L4;
	/* A packet that names its GSO type must name the one it is. */
	if ((pkt->gso_type & any_type) && !(pkt->gso_type & c->level[l->depth].l3_gso_type))
		return SEGOFF_E_GSO_TYPE;
	if (pkt->csum_state == SEGOFF_CSUM_PARTIAL) {
		if (pkt->csum_start != l->off)
			return SEGOFF_E_CSUM_START;
		if (pkt->csum_offset != TCP_CHECK_OFFSET)
			return SEGOFF_E_CSUM_OFFSET;
	}
	return SEGOFF_OK;
}

/* The check field's seed for a segment of `l4_len` bytes: the pseudo-header
 * sum for that length. From a PARTIAL input the kernel trusts the field and
 * adjusts it by the length difference; otherwise it computes it [T6]. */
static uint16_t tcp_seed(const struct gso_ctx *c, const struct segoff_layer *l, uint32_t l4_len)
{
	const struct segoff_pkt *pkt = c->pkt;
	segoff_csum_t base;
	if (pkt->csum_state == SEGOFF_CSUM_PARTIAL) {
		uint32_t oldlen = pkt->len - l->off;
		base = rd16(pkt->head + l->off + TCP_CHECK_OFFSET) + csum_neg16((uint16_t)(oldlen >> 16)) +
		       csum_neg16((uint16_t)oldlen);
	} else {
		base = c->level[l->depth].pseudo + IPPROTO_TCP_NUM;
	}
	return segoff_csum_fold(base + (l4_len >> 16) + (l4_len & 0xffff));
}

/* Flag words: PSH and FIN only on the last segment, CWR only on the first. */
static uint16_t tcp_flags_of(uint16_t flags0, unsigned i, unsigned last)
{
	if (i != last)
		flags0 &= (uint16_t)~(TCP_PSH | TCP_FIN);
	if (i != 0)
		flags0 &= (uint16_t)~TCP_CWR;
	return flags0;
}

static void tcp_gso_template(const struct gso_ctx *c, const struct segoff_layer *l, uint8_t *hdr)
{
	uint8_t *th = hdr + l->off;
	/* a middle segment: neither first nor last */
	wr16(th + 12, tcp_flags_of(rd16(th + 12), 1, 2));
	if (!c->full_csum)
		wr16(th + TCP_CHECK_OFFSET, tcp_seed(c, l, l->len + c->mss));
}

static void tcp_gso_fixup(const struct gso_ctx *c, const struct segoff_layer *l)
{
	const uint8_t *th0 = c->pkt->head + l->off;
	const uint32_t seq0 = rd32(th0 + 4);
	const uint16_t flags0 = rd16(th0 + 12);
	const unsigned off = l->off, mss = c->mss, last = c->nr_segs - 1;
	struct segoff_seg *segs = c->segs;
	/* There are always at least two segments (payload > mss). */
	const uint16_t flags_first = tcp_flags_of(flags0, 0, last);
	const uint16_t flags_last = tcp_flags_of(flags0, last, last);
	const uint16_t seed_full = tcp_seed(c, l, l->len + mss);
	const uint16_t seed_last = tcp_seed(c, l, segs[last].len - off);

	uint32_t seq = seq0;
	if (c->full_csum) {
		const uint16_t flags_mid = tcp_flags_of(flags0, 1, 2);
		/* Header words that no segment changes. */
		const uint16_t hdr_base = segoff_csum_fold(segoff_csum(th0, l->len) +
							   csum_neg16((uint16_t)(seq0 >> 16)) +
							   csum_neg16((uint16_t)seq0) + csum_neg16(flags0) +
							   csum_neg16(rd16(th0 + TCP_CHECK_OFFSET)));
		for (unsigned i = 0; i <= last; i++, seq += mss) {
			struct segoff_seg *s = &segs[i];
			uint8_t *th = s->head + off;
			uint16_t flags = i == 0 ? flags_first : i == last ? flags_last : flags_mid;
			uint16_t seed = i == last ? seed_last : seed_full;
			wr32(th + 4, seq);
			wr16(th + TCP_CHECK_OFFSET, (uint16_t)~csum_fold32((uint32_t)seed + hdr_base + (seq >> 16) +
									   (seq & 0xffff) + flags + s->payload_sum));
			s->csum_start = (uint16_t)off;
			s->csum_offset = TCP_CHECK_OFFSET;
		}
	} else {
		for (unsigned i = 0; i <= last; i++, seq += mss) {
			struct segoff_seg *s = &segs[i];
			wr32(s->head + off + 4, seq);
			s->csum_start = (uint16_t)off;
			s->csum_offset = TCP_CHECK_OFFSET;
		}
		wr16(segs[last].head + off + TCP_CHECK_OFFSET, seed_last);
	}
	/* the template holds the middle segments' flag word */
	wr16(segs[0].head + off + 12, flags_first);
	wr16(segs[last].head + off + 12, flags_last);
}

/* --- GRO [G2, G11-G14] --- */

#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40

/* Verify the checksum (a bad one goes up alone, the held flow stays) and
 * add the ports to the flow key. */
static int tcp_gro_check(struct gro_in *in, const struct segoff_layer *l)
{
	const struct segoff_pkt *pkt = in->pkt;
	const uint8_t *th = in->hdr + l->off;
	in->payload_len = pkt->len - pkt->payload_off;
	if (in->verify) {
		/* the kernel does not bother when the packet is unmergeable anyway;
		 * a tunnel's outer checksum may have summed the payload already */
		if (!in->payload_summed)
			in->payload_sum = segoff__gro_payload_sum(pkt);
		in->sum_valid = 1;
		segoff_csum_t s = segoff__gro_pseudo(in->hdr, &pkt->layer[l->net], IPPROTO_TCP_NUM, pkt->len - l->off) +
				  segoff_csum(th, l->len) + in->payload_sum;
		if (segoff_csum_fold(s) != 0xffff) {
			in->reason = SEGOFF_GRO_BAD_CSUM;
			return GRO_NOT_HELD;
		}
	}
	if (gro_key_add(in, th, 4) < 0) {
		in->reason = SEGOFF_GRO_NOT_HELD_HDR_TOO_LONG;
		return GRO_NOT_HELD;
	}
	return GRO_OK;
}

/* The standard timestamp block, NOP NOP TS: its values may differ in LRO. */
static int tcp_ts_at_start(const uint8_t *th, unsigned thlen)
{
	return thlen >= 32 && th[20] == 1 && th[21] == 1 && th[22] == 8 && th[23] == 10;
}

static int tcp_gro_receive_lro(const struct gro_flow *f, const struct gro_in *in, const struct segoff_layer *l)
{
	const uint8_t *th = in->hdr + l->off, *th2 = f->hdr + l->off;
	const uint8_t odd = TCP_SYN | TCP_RST | TCP_URG | TCP_CWR | TCP_ECE;
	if ((th[13] | th2[13]) & odd)
		return SEGOFF_GRO_FLUSH_MISMATCH_FLAGS;
	if (th[12] != th2[12]) /* data offset */
		return SEGOFF_GRO_FLUSH_MISMATCH_OPTIONS;
	unsigned from = tcp_ts_at_start(th, l->len) && tcp_ts_at_start(th2, l->len) ? 32 : 20;
	if (memcmp(th + from, th2 + from, l->len - from) != 0)
		return SEGOFF_GRO_FLUSH_MISMATCH_OPTIONS;
	if ((int32_t)(rd32(th + 8) - rd32(th2 + 8)) < 0) /* an older ACK */
		return SEGOFF_GRO_FLUSH_MISMATCH_ACK;
	if (f->pure_ack != (in->payload_len == 0))
		return SEGOFF_GRO_FLUSH_PURE_ACK;
	if (rd32(th2 + 4) + f->payload_len != rd32(th + 4))
		return SEGOFF_GRO_FLUSH_MISMATCH_SEQ;
	return 0;
}

static int tcp_gro_receive(const struct gro_flow *f, const struct gro_in *in, const struct segoff_layer *l)
{
	if (in->lro)
		return tcp_gro_receive_lro(f, in, l);
	const uint8_t *th = in->hdr + l->off, *th2 = f->hdr + l->off;
	uint32_t flags = rd32(th + 12), flags2 = rd32(th2 + 12);
	if (flags & (TCP_CWR << 16))
		return SEGOFF_GRO_FLUSH_CWR;
	/* the word holds data offset and window too [G11] */
	if ((flags ^ flags2) & ~(uint32_t)((TCP_FIN | TCP_PSH) << 16))
		return SEGOFF_GRO_FLUSH_MISMATCH_FLAGS;
	if (rd32(th + 8) != rd32(th2 + 8))
		return SEGOFF_GRO_FLUSH_MISMATCH_ACK;
	if (memcmp(th + 20, th2 + 20, l->len - 20u) != 0)
		return SEGOFF_GRO_FLUSH_MISMATCH_OPTIONS;
	if (in->payload_len == 0)
		return SEGOFF_GRO_FLUSH_PURE_ACK;
	if (in->payload_len > f->mss)
		return SEGOFF_GRO_FLUSH_MISMATCH_LEN;
	if (rd32(th2 + 4) + f->payload_len != rd32(th + 4))
		return SEGOFF_GRO_FLUSH_MISMATCH_SEQ;
	return 0;
}

/* After a merge: FIN and PSH of the new packet join the held header [G12];
 * LRO keeps the latest ACK, window and timestamps. */
static void tcp_gro_merge(struct gro_flow *f, const struct gro_in *in, const struct segoff_layer *l)
{
	const uint8_t *th = in->hdr + l->off;
	uint8_t *th2 = f->hdr + l->off;
	th2[13] |= th[13] & (TCP_FIN | TCP_PSH);
	if (in->lro) {
		memcpy(th2 + 8, th + 8, 4);   /* ACK */
		memcpy(th2 + 14, th + 14, 2); /* window */
		if (tcp_ts_at_start(th, l->len))
			memcpy(th2 + 24, th + 24, 8);
	}
}

/* Must the flow go up now (f: after a merge), or must a packet that would
 * start a flow go up at once (f NULL)? [G11-G13] */
static int tcp_gro_close(const struct gro_flow *f, const struct gro_in *in, const struct segoff_layer *l)
{
	uint8_t flags = in->hdr[l->off + 13];
	if (in->lro) {
		if (!f && (flags & (TCP_SYN | TCP_RST | TCP_URG | TCP_CWR | TCP_ECE)))
			return SEGOFF_GRO_NOT_HELD_FLAGS;
		if (flags & (TCP_PSH | TCP_FIN))
			return f ? SEGOFF_GRO_FLUSH_PSH : SEGOFF_GRO_NOT_HELD_FLAGS;
		return 0;
	}
	if (!f) {
		/* A new flow's MSS would be its payload: a pure ACK never waits.
		 * CWR is not in this set (kernel 6.18, seen in the differential
		 * test): a CWR packet is held, and merges with nothing, since
		 * the next packet's flag word differs [G13]. */
		if (in->payload_len == 0 || (flags & (TCP_URG | TCP_PSH | TCP_RST | TCP_SYN | TCP_FIN)))
			return SEGOFF_GRO_NOT_HELD_FLAGS;
		return 0;
	}
	return tcp_gro_close_merged(f, flags, in->payload_len);
}

/* check = pseudo-header sum of the merged length, CHECKSUM_PARTIAL at
 * offset 16, or the full checksum; GSO type TCPV4/TCPV6 [G14]. */
static void tcp_gro_complete(struct gro_flow *f, const struct segoff_layer *l, int full_csum)
{
	uint8_t *th = f->hdr + l->off;
	uint32_t l4_len = f->hdr_len - l->off + f->payload_len;
	uint16_t seed = segoff_csum_fold(segoff__gro_pseudo(f->hdr, &f->layer[l->net], IPPROTO_TCP_NUM, l4_len));
	wr16(th + TCP_CHECK_OFFSET, seed);
	if (full_csum) {
		segoff_csum_t payload = f->sum_valid ? f->payload_sum : segoff__gro_flow_payload_sum(f);
		wr16(th + TCP_CHECK_OFFSET, segoff_csum_finish(segoff_csum(th, l->len) + payload));
	}
	const struct segoff_layer *net = &f->layer[l->net];
	f->gso_type |= net->proto == SEGOFF_PROTO_IPV4 ? SEGOFF_GSO_TCPV4 : SEGOFF_GSO_TCPV6;
	if (f->ip_fixedid[net->depth])
		f->gso_type |= net->depth ? SEGOFF_GSO_FIXEDID_INNER : SEGOFF_GSO_FIXEDID;
	if (th[13] & TCP_CWR)
		f->gso_type |= SEGOFF_GSO_TCP_ECN;
}

/* Fast path: seq, flags but PSH/FIN... the mask keeps flags, ACK, window
 * and options; seq, the payload size and (when asked) the checksum are
 * checked here. CWR on the new packet takes the full path (it flushes). */
static void tcp_gro_mask(const struct gro_flow *f, const struct segoff_layer *l, uint8_t *mask)
{
	(void)f;
	uint8_t *m = mask + l->off;
	memset(m + 4, 0, 4);      /* seq */
	m[13] = (uint8_t)~(TCP_FIN | TCP_PSH);
	memset(m + 16, 0, 4);     /* check, urgent pointer (the kernel compares neither) */
}

static int tcp_gro_fast(const struct gro_flow *f, struct gro_in *in, const struct segoff_layer *l)
{
	const uint8_t *th = in->hdr + l->off;
	if (!tcp_gro_continues(f, th, f->hdr + l->off, in->payload_len))
		return 0;
	if (in->verify) {
		if (!in->payload_summed)
			in->payload_sum = segoff_csum(in->hdr + f->hdr_len, in->payload_len);
		in->sum_valid = 1;
		segoff_csum_t s = segoff__gro_pseudo(in->hdr, &f->layer[l->net], IPPROTO_TCP_NUM, in->frame_len - l->off) +
				  segoff_csum(th, l->len) + in->payload_sum;
		if (segoff_csum_fold(s) != 0xffff)
			return 0; /* the full path counts it and sends it up alone */
	}
	return 1;
}

const struct proto_ops segoff__proto_tcp = {
	.name = "tcp",
	.role = ROLE_TRANSPORT,
	.parse = tcp_parse,
	.gso_prepare = tcp_gso_prepare,
	.gso_template = tcp_gso_template,
	.gso_fixup = tcp_gso_fixup,
	.gso_seed = tcp_seed,
	.gro_check = tcp_gro_check,
	.gro_receive = tcp_gro_receive,
	.gro_merge = tcp_gro_merge,
	.gro_close = tcp_gro_close,
	.gro_complete = tcp_gro_complete,
	.gro_mask = tcp_gro_mask,
	.gro_fast = tcp_gro_fast,
	.gro_express = GRO_XP_TCP,
};
