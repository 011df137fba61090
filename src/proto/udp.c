// SPDX-License-Identifier: MIT
/* UDP. Parsed; coalesced by GRO when enabled [G16-G18]. UDP segmentation
 * (USO, U1-U2) and fragmentation (U3) arrive with the UDP issue; until then
 * a UDP GSO request is refused with a name rather than passed through
 * unsegmented. */
#include "proto.h"

static int udp_parse(struct parse_state *st)
{
	struct segoff_pkt *pkt = st->pkt;
	if (pkt->head_len < 8 || st->off > pkt->head_len - 8)
		return SEGOFF_E_TRUNCATED;
	pkt->l4_off = (uint16_t)st->off;
	pkt->l4_proto = SEGOFF_PROTO_UDP;
	st->len = 8;
	return SEGOFF_OK;
}

static int udp_gso_prepare(struct gso_ctx *c, const struct segoff_layer *l)
{
	(void)c;
	(void)l;
	return SEGOFF_E_UNSUPPORTED;
}

/* --- GRO [G16-G18] --- */

#define UDP_GRO_CNT_MAX 64
#define IPPROTO_UDP_NUM 17

/* Only where asked; a zero checksum, a length field other than the real
 * length, or a bad checksum: up alone, held flows untouched. */
static int udp_gro_check(struct gro_in *in, const struct segoff_layer *l)
{
	const struct segoff_pkt *pkt = in->pkt;
	const uint8_t *uh = in->hdr + l->off;
	if (!in->udp || in->lro) {
		in->reason = SEGOFF_GRO_NOT_HELD_UNSUPPORTED;
		return GRO_NOT_HELD;
	}
	in->payload_len = pkt->len - pkt->payload_off;
	if (rd16(uh + 6) == 0) {
		in->reason = SEGOFF_GRO_NOT_HELD_UDP_CSUM_ZERO;
		return GRO_NOT_HELD;
	}
	if (in->verify) {
		in->payload_sum = gro_payload_sum(pkt);
		in->sum_valid = 1;
		segoff_csum_t s = gro_pseudo(in->hdr, pkt->l3_off, pkt->l3_proto, IPPROTO_UDP_NUM, pkt->len - l->off) +
				  segoff_csum(uh, 8) + in->payload_sum;
		if (segoff_csum_fold(s) != 0xffff) {
			in->reason = SEGOFF_GRO_BAD_CSUM;
			return GRO_NOT_HELD;
		}
	}
	uint16_t ulen = rd16(uh + 4);
	if (ulen <= 8 || ulen != pkt->len - l->off) {
		in->reason = SEGOFF_GRO_NOT_HELD_IP_LEN;
		return GRO_NOT_HELD;
	}
	if (gro_key_add(in, uh, 4) < 0) {
		in->reason = SEGOFF_GRO_NOT_HELD_HDR_TOO_LONG;
		return GRO_NOT_HELD;
	}
	return GRO_OK;
}

/* A datagram larger than the flow's first is not merged: it flushes. */
static int udp_gro_receive(const struct gro_flow *f, const struct gro_in *in, const struct segoff_layer *l)
{
	(void)l;
	return in->payload_len > f->mss ? SEGOFF_GRO_FLUSH_MISMATCH_LEN : 0;
}

/* A smaller one merges and closes the flow; so does the 64th. */
static int udp_gro_close(const struct gro_flow *f, const struct gro_in *in, const struct segoff_layer *l)
{
	(void)l;
	if (!f)
		return 0;
	if (in->payload_len != f->mss)
		return SEGOFF_GRO_FLUSH_SMALL;
	if (f->count >= UDP_GRO_CNT_MAX)
		return SEGOFF_GRO_FLUSH_MAX_PKTS;
	return 0;
}

/* len = the whole, check = pseudo-header sum (or full), type UDP_L4 [G18]. */
static void udp_gro_complete(struct gro_flow *f, const struct segoff_layer *l, int full_csum)
{
	uint8_t *uh = f->hdr + l->off;
	uint32_t ulen = 8 + f->payload_len;
	wr16(uh + 4, (uint16_t)ulen);
	uint16_t seed = segoff_csum_fold(gro_pseudo(f->hdr, f->l3_off, f->l3_proto, IPPROTO_UDP_NUM, ulen));
	wr16(uh + 6, seed);
	if (full_csum) {
		segoff_csum_t payload = f->sum_valid ? f->payload_sum : gro_flow_payload_sum(f);
		uint16_t c = segoff_csum_finish(segoff_csum(uh, 8) + payload);
		wr16(uh + 6, c ? c : 0xffff);
	}
	f->gso_type |= SEGOFF_GSO_UDP_L4;
}

const struct proto_ops proto_udp = {
	.name = "udp",
	.parse = udp_parse,
	.gso_prepare = udp_gso_prepare,
	.gro_check = udp_gro_check,
	.gro_receive = udp_gro_receive,
	.gro_close = udp_gro_close,
	.gro_complete = udp_gro_complete,
};
