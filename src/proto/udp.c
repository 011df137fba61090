// SPDX-License-Identifier: MIT
/* UDP: parsed; segmented by USO [U1, U2]; coalesced by GRO when enabled
 * [G16-G18]. UFO (IP fragmentation of one datagram, U3) is not a
 * segmentation of UDP: it is refused here by name. */
#include "proto.h"

#define IPPROTO_UDP_NUM 17

static int udp_parse(struct parse_state *st)
{
	struct segoff_pkt *pkt = st->pkt;
	if (pkt->head_len < 8 || st->off > pkt->head_len - 8)
		return SEGOFF_E_TRUNCATED;
	st->len = 8;
	st->next = segoff__proto_from_udp_port(st->ports, rd16(pkt->head + st->off + 2));
	return SEGOFF_OK;
}

#define UDP_MAX_SEGMENTS 128
#define UDP_CHECK_OFFSET 6

/* USO [U1]: refused where the kernel refuses it (checksum not starting at
 * the UDP header), and past 128 segments (UDP_MAX_SEGMENTS). */
static int udp_gso_prepare(struct gso_ctx *c, const struct segoff_layer *l)
{
	const struct segoff_pkt *pkt = c->pkt;
	if (gso_is_carrier(c, l))
		return segoff__udp_tunnel_gso_prepare(c, l);
	if (pkt->gso_type & (SEGOFF_GSO_TCPV4 | SEGOFF_GSO_TCPV6))
		return SEGOFF_E_GSO_TYPE;
	if (pkt->gso_type & SEGOFF_GSO_UDP)
		return SEGOFF_E_UNSUPPORTED; /* UFO: fragmentation, not segmentation */
	if (pkt->csum_state == SEGOFF_CSUM_PARTIAL) {
		if (pkt->csum_start != l->off)
			return SEGOFF_E_CSUM_START;
		if (pkt->csum_offset != UDP_CHECK_OFFSET)
			return SEGOFF_E_CSUM_OFFSET;
	}
	if (c->nr_segs > UDP_MAX_SEGMENTS)
		return SEGOFF_E_GSO_TOO_MANY_SEGS;
	/* an IP packet over 65535 bytes: the socket layer refuses it, for
	 * IPv6 too (udpgso.c, "send MAX + 1: fail") */
	if (pkt->len - pkt->layer[l->net].off > 65535)
		return SEGOFF_E_GSO_TOO_BIG;
	return SEGOFF_OK;
}

/* The check field's seed for a datagram of `ulen` bytes. From a PARTIAL
 * input the kernel adjusts the field by the length field's difference
 * (csum16 arithmetic: check - len + newlen), trusting both; otherwise
 * segoff computes the pseudo-header sum itself. */
static uint16_t udp_seed(const struct gso_ctx *c, const struct segoff_layer *l, uint32_t ulen)
{
	const uint8_t *uh = c->pkt->head + l->off;
	segoff_csum_t s;
	if (c->pkt->csum_state == SEGOFF_CSUM_PARTIAL)
		s = (segoff_csum_t)rd16(uh + 6) + csum_neg16(rd16(uh + 4));
	else
		s = c->level[l->depth].pseudo + IPPROTO_UDP_NUM;
	return segoff_csum_fold(s + ulen);
}

static void udp_gso_template(const struct gso_ctx *c, const struct segoff_layer *l, uint8_t *hdr)
{
	if (gso_is_carrier(c, l)) {
		segoff__udp_tunnel_gso_template(c, l, hdr);
		return;
	}
	uint8_t *uh = hdr + l->off;
	wr16(uh + 4, (uint16_t)(8 + c->mss));
	if (!c->full_csum)
		wr16(uh + 6, udp_seed(c, l, 8 + c->mss));
}

/* Every segment a full datagram [U2]: len = 8 + its payload; the check is
 * the seed (partial) or the full checksum, 0 written as 0xFFFF. */
static void udp_gso_fixup(const struct gso_ctx *c, const struct segoff_layer *l)
{
	if (gso_is_carrier(c, l)) {
		segoff__udp_tunnel_gso_fixup(c, l);
		return;
	}
	const unsigned off = l->off, last = c->nr_segs - 1;
	struct segoff_seg *segs = c->segs;
	const uint16_t ulen_last = (uint16_t)(segs[last].len - off);
	const uint16_t seed_full = udp_seed(c, l, 8 + c->mss), seed_last = udp_seed(c, l, ulen_last);
	const uint8_t *uh0 = c->pkt->head + off;
	const uint32_t ports = (uint32_t)rd16(uh0) + rd16(uh0 + 2);
	for (unsigned i = 0; i <= last; i++) {
		struct segoff_seg *sg = &segs[i];
		uint8_t *uh = sg->head + off;
		uint16_t ulen = i == last ? ulen_last : (uint16_t)(8 + c->mss);
		uint16_t check = i == last ? seed_last : seed_full;
		if (c->full_csum) {
			check = (uint16_t)~csum_fold32(ports + ulen + check + sg->payload_sum);
			if (check == 0)
				check = 0xffff;
		}
		if (i == last)
			wr16(uh + 4, ulen);
		if (c->full_csum || i == last)
			wr16(uh + 6, check);
		sg->csum_start = (uint16_t)off;
		sg->csum_offset = UDP_CHECK_OFFSET;
	}
}

/* --- GRO [G16-G18] --- */

#define UDP_GRO_CNT_MAX 64

/* Only where asked; a zero checksum, a length field other than the real
 * length, or a bad checksum: up alone, held flows untouched. */
static int udp_gro_check(struct gro_in *in, const struct segoff_layer *l)
{
	const struct segoff_pkt *pkt = in->pkt;
	const uint8_t *uh = in->hdr + l->off;
	if (l->off != pkt->inner_l4_off)
		return segoff__udp_tunnel_gro_check(in, l);
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
		in->payload_sum = segoff__gro_payload_sum(pkt);
		in->sum_valid = 1;
		segoff_csum_t s = segoff__gro_pseudo(in->hdr, &pkt->layer[l->net], IPPROTO_UDP_NUM, pkt->len - l->off) +
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
	if (l->off != f->inner_l4_off)
		return 0; /* a tunnel's: its flow key says it all */
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
	if (l->off != f->inner_l4_off) {
		segoff__udp_tunnel_gro_complete(f, l, full_csum);
		return;
	}
	uint8_t *uh = f->hdr + l->off;
	uint32_t ulen = 8 + f->payload_len;
	wr16(uh + 4, (uint16_t)ulen);
	uint16_t seed = segoff_csum_fold(segoff__gro_pseudo(f->hdr, &f->layer[l->net], IPPROTO_UDP_NUM, ulen));
	wr16(uh + 6, seed);
	if (full_csum) {
		segoff_csum_t payload = f->sum_valid ? f->payload_sum : segoff__gro_flow_payload_sum(f);
		uint16_t c = segoff_csum_finish(segoff_csum(uh, 8) + payload);
		wr16(uh + 6, c ? c : 0xffff);
	}
	f->gso_type |= SEGOFF_GSO_UDP_L4;
}

/* Fast path: a tunnel's carrier (udp_tunnel.c), or a plain UDP flow whose
 * continuing datagram repeats the ports: its length and checksum are
 * checked here as udp_gro_check() and udp_gro_receive() would. */
static void udp_gro_mask(const struct gro_flow *f, const struct segoff_layer *l, uint8_t *mask)
{
	if (l->off != f->inner_l4_off) {
		segoff__udp_tunnel_gro_mask(f, l, mask);
		return;
	}
	memset(mask + l->off + 4, 0, 4);
}

static int udp_gro_fast(const struct gro_flow *f, struct gro_in *in, const struct segoff_layer *l)
{
	if (l->off != f->inner_l4_off)
		return segoff__udp_tunnel_gro_fast(f, in, l);
	const uint8_t *uh = in->hdr + l->off;
	if (rd16(uh + 6) == 0 || rd16(uh + 4) != in->frame_len - l->off || in->payload_len == 0 ||
	    in->payload_len > f->mss)
		return 0;
	if (in->verify) {
		in->payload_sum = segoff_csum(in->hdr + f->hdr_len, in->payload_len);
		in->sum_valid = 1;
		segoff_csum_t s = segoff__gro_pseudo(in->hdr, &f->layer[l->net], IPPROTO_UDP_NUM, in->frame_len - l->off) +
				  segoff_csum(uh, 8) + in->payload_sum;
		if (segoff_csum_fold(s) != 0xffff)
			return 0; /* the full path counts it and sends it up alone */
	}
	return 1;
}

const struct proto_ops segoff__proto_udp = {
	.name = "udp",
	.role = ROLE_TRANSPORT,
	.parse = udp_parse,
	.gso_prepare = udp_gso_prepare,
	.gso_template = udp_gso_template,
	.gso_fixup = udp_gso_fixup,
	.gso_seed = udp_seed,
	.gro_check = udp_gro_check,
	.gro_receive = udp_gro_receive,
	.gro_close = udp_gro_close,
	.gro_complete = udp_gro_complete,
	.gro_mask = udp_gro_mask,
	.gro_fast = udp_gro_fast,
	.gro_express = GRO_XP_UDP_CARRIER,
};
