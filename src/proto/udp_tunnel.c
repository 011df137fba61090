// SPDX-License-Identifier: MIT
/* The outer UDP header of a UDP tunnel (VXLAN, Geneve) under segmentation
 * [E1, E3, E4]: every segment gets a copy of it with its own length; with
 * SKB_GSO_UDP_TUNNEL_CSUM its own checksum too, else the check field is
 * copied as it came (0 stays 0).
 *
 * The outer checksum covers the inner packet, but never needs its payload
 * (tunnel_csum.h): as the kernel's local checksum offload has it, of the
 * bytes it covers only the lengths change from segment to segment. */
#include "tunnel_csum.h"

#define UDP_CHECK_OFFSET 6
#define IPPROTO_UDP_NUM 17
#define IPPROTO_TCP_NUM 6

int segoff__udp_tunnel_gso_prepare(struct gso_ctx *c, const struct segoff_layer *l)
{
	const struct segoff_pkt *pkt = c->pkt;
	const uint32_t tunnel = SEGOFF_GSO_UDP_TUNNEL | SEGOFF_GSO_UDP_TUNNEL_CSUM;
	const uint32_t inner = SEGOFF_GSO_TCPV4 | SEGOFF_GSO_TCPV6 | SEGOFF_GSO_UDP_L4 | SEGOFF_GSO_UDP;
	uint32_t t = pkt->gso_type & tunnel;
	if (t == tunnel)
		return SEGOFF_E_GSO_TYPE;
	if (!t) {
		/* a packet that names its GSO type must name the tunnel; one that
		 * names none (a capture) says it by its check field: 0 is no
		 * outer checksum, anything else the seed of one */
		if (pkt->gso_type & inner)
			return SEGOFF_E_GSO_TYPE;
		t = rd16(pkt->head + l->off + UDP_CHECK_OFFSET) ? SEGOFF_GSO_UDP_TUNNEL_CSUM : SEGOFF_GSO_UDP_TUNNEL;
	}
	c->level[l->depth].encap_csum = t == SEGOFF_GSO_UDP_TUNNEL_CSUM;
	return SEGOFF_OK;
}

void segoff__udp_tunnel_gso_template(const struct gso_ctx *c, const struct segoff_layer *l, uint8_t *hdr)
{
	wr16(hdr + l->off + 4, (uint16_t)(c->hdr_len - l->off + gso_mid_field_payload(c)));
}

void segoff__udp_tunnel_gso_fixup(const struct gso_ctx *c, const struct segoff_layer *l)
{
	const struct segoff_pkt *pkt = c->pkt;
	const unsigned off = l->off, last = c->nr_segs - 1;
	struct segoff_seg *segs = c->segs;
	wr16(segs[last].head + off + 4, (uint16_t)(c->hdr_len - off + gso_field_payload(c, last)));
	if (!c->level[l->depth].encap_csum)
		return;
	/* The field is the pseudo-header sum for the super-packet's real length
	 * (never its len field, which may lie); each segment's is adjusted to
	 * its own length, as T6 does for TCP. A GSO_PARTIAL cut's pseudo-header
	 * counts all its bytes while its len field says one MSS's [E8]. */
	const uint32_t whole = pkt->len - off;
	const segoff_csum_t partial = rd16(pkt->head + off + UDP_CHECK_OFFSET) + csum_neg16((uint16_t)(whole >> 16)) +
				      csum_neg16((uint16_t)whole);
	/* the ports, then all from the tunnel header on (tunnel_csum.h); the
	 * length and check fields are the segment's */
	struct tunnel_sum t;
	segoff__tunnel_sum_init(c, off + 8, &t);
	const uint8_t *uh = pkt->head + off;
	t.fixed += (segoff_csum_t)rd16(uh) + rd16(uh + 2);
	for (unsigned i = 0; i <= last; i++) {
		struct segoff_seg *s = &segs[i];
		const uint32_t ulen = c->hdr_len - off + gso_seg_payload(c, i);
		const uint32_t ulen_field = c->hdr_len - off + gso_field_payload(c, i);
		const uint16_t seed = segoff_csum_fold(partial + (ulen >> 16) + (ulen & 0xffff));
		uint16_t check = segoff_csum_finish(tunnel_seg_sum(c, &t, i) + ulen_field + seed);
		wr16(s->head + off + UDP_CHECK_OFFSET, check ? check : 0xffff);
	}
}

/* --- GRO [EG1, EG4, EG8, EG9] --- */

/* The outer UDP header of a tunnel packet: a non-zero checksum must verify
 * (a bad one goes up alone, the held flow stays); the ports and whether
 * there is a checksum at all are the flow's (packets with and without one
 * are different flows). Its length field is not checked: the kernel does
 * not for tunnels, and completion rewrites it. */
int segoff__udp_tunnel_gro_check(struct gro_in *in, const struct segoff_layer *l)
{
	const struct segoff_pkt *pkt = in->pkt;
	const uint8_t *uh = in->hdr + l->off;
	const uint8_t has_csum = rd16(uh + UDP_CHECK_OFFSET) != 0;
	if (has_csum && in->verify) {
		/* the payload's sum is the inner transport's too: it takes it
		 * from here instead of summing the payload again */
		if (!gro_carrier_csum_ok(in, uh, pkt->payload_off - l->off, segoff__gro_payload_sum(pkt),
					 segoff__gro_pseudo(in->hdr, &pkt->layer[l->net], IPPROTO_UDP_NUM,
							    pkt->len - l->off))) {
			in->reason = SEGOFF_GRO_BAD_CSUM;
			return GRO_NOT_HELD;
		}
	}
	in->outer_csum_valid = 1; /* a zero one counts: zero is allowed */
	if (gro_key_add(in, uh, 4) < 0 || gro_key_add(in, &has_csum, 1) < 0) {
		in->reason = SEGOFF_GRO_NOT_HELD_HDR_TOO_LONG;
		return GRO_NOT_HELD;
	}
	return GRO_OK;
}

/* The merged packet's outer UDP header: its length; a checksum field that
 * was not 0 becomes the pseudo-header sum (UDP_TUNNEL_CSUM, the device
 * completes it) or, asked for full checksums, the checksum itself; 0 stays
 * 0 (UDP_TUNNEL). The inner layers are complete already (innermost first):
 * the inner transport sums to the complement of its seed, so the payload is
 * not read again. */
void segoff__udp_tunnel_gro_complete(struct gro_flow *f, const struct segoff_layer *l, int full_csum)
{
	uint8_t *uh = f->hdr + l->off;
	const uint32_t ulen = f->hdr_len - l->off + f->payload_len;
	wr16(uh + 4, (uint16_t)ulen);
	if (rd16(uh + UDP_CHECK_OFFSET) == 0) {
		f->gso_type |= SEGOFF_GSO_UDP_TUNNEL;
		return;
	}
	f->gso_type |= SEGOFF_GSO_UDP_TUNNEL_CSUM;
	uint16_t seed = segoff_csum_fold(segoff__gro_pseudo(f->hdr, &f->layer[l->net], IPPROTO_UDP_NUM, ulen));
	wr16(uh + UDP_CHECK_OFFSET, seed);
	if (!full_csum)
		return;
	const struct segoff_layer *in = &f->layer[f->nr_layers - 1];
	const uint32_t l4_len = f->hdr_len - in->off + f->payload_len;
	uint16_t in_seed = segoff_csum_fold(segoff__gro_pseudo(f->hdr, &f->layer[in->net], IPPROTO_TCP_NUM, l4_len));
	uint16_t check = segoff_csum_finish(segoff_csum(uh, in->off - l->off) + (uint16_t)~in_seed);
	wr16(uh + UDP_CHECK_OFFSET, check ? check : 0xffff);
}

/* Fast path: a continuing packet repeats the outer UDP header but its length
 * and check field; whether it has a checksum must be the flow's, and a
 * checksum is verified as segoff__udp_tunnel_gro_check() would. */
void segoff__udp_tunnel_gro_mask(const struct gro_flow *f, const struct segoff_layer *l, uint8_t *mask)
{
	(void)f;
	memset(mask + l->off + 4, 0, 4);
}

int segoff__udp_tunnel_gro_fast(const struct gro_flow *f, struct gro_in *in, const struct segoff_layer *l)
{
	const uint8_t *uh = in->hdr + l->off;
	const int has_csum = rd16(uh + UDP_CHECK_OFFSET) != 0;
	if (has_csum != (rd16(f->hdr + l->off + UDP_CHECK_OFFSET) != 0))
		return 0;
	if (has_csum && in->verify) {
		/* as segoff__udp_tunnel_gro_check(): the payload's sum kept */
		if (!gro_carrier_csum_ok(in, uh, f->hdr_len - l->off, segoff_csum(in->hdr + f->hdr_len, in->payload_len),
					 segoff__gro_pseudo(in->hdr, &f->layer[l->net], IPPROTO_UDP_NUM,
							    in->frame_len - l->off)))
			return 0; /* the full path counts it and sends it up alone */
	}
	return 1;
}
