// SPDX-License-Identifier: MIT
/* The outer UDP header of a UDP tunnel (VXLAN, Geneve) under segmentation
 * [E1, E3, E4]: every segment gets a copy of it with its own length; with
 * SKB_GSO_UDP_TUNNEL_CSUM its own checksum too, else the check field is
 * copied as it came (0 stays 0).
 *
 * The outer checksum covers the inner packet, but never needs its payload:
 * a transport segment whose checksum is right (or will be made right by the
 * device, E4) sums to the complement of its pseudo-header sum, which is its
 * partial seed. So each segment's outer sum is the bytes from the outer UDP
 * header to the inner transport header plus the complement of the inner
 * seed, as the kernel's local checksum offload has it. */
#include "proto.h"

#define UDP_CHECK_OFFSET 6

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
	wr16(hdr + l->off + 4, (uint16_t)(c->hdr_len - l->off + c->mss));
}

void segoff__udp_tunnel_gso_fixup(const struct gso_ctx *c, const struct segoff_layer *l)
{
	const struct segoff_pkt *pkt = c->pkt;
	const unsigned off = l->off, last = c->nr_segs - 1;
	struct segoff_seg *segs = c->segs;
	wr16(segs[last].head + off + 4, (uint16_t)(segs[last].len - off));
	if (!c->level[l->depth].encap_csum)
		return;
	const struct segoff_layer *in = &pkt->layer[pkt->nr_layers - 1];
	uint16_t (*inner_seed)(const struct gso_ctx *, const struct segoff_layer *, uint32_t) =
		proto_ops_of(in->proto)->gso_seed;
	/* The field is the pseudo-header sum for the super-packet's real length
	 * (never its len field, which may lie); each segment's is adjusted to
	 * its own length, as T6 does for TCP. */
	const uint32_t whole = pkt->len - off;
	const segoff_csum_t partial = rd16(pkt->head + off + UDP_CHECK_OFFSET) + csum_neg16((uint16_t)(whole >> 16)) +
				      csum_neg16((uint16_t)whole);
	const unsigned span = in->off - off; /* outer UDP .. inner transport */
	for (unsigned i = 0; i <= last; i++) {
		struct segoff_seg *s = &segs[i];
		uint8_t *uh = s->head + off;
		const uint32_t ulen = s->len - off;
		wr16(uh + UDP_CHECK_OFFSET, segoff_csum_fold(partial + (ulen >> 16) + (ulen & 0xffff)));
		uint16_t seed = inner_seed(c, in, s->len - in->off);
		uint16_t check = segoff_csum_finish(segoff_csum(uh, span) + (uint16_t)~seed);
		wr16(uh + UDP_CHECK_OFFSET, check ? check : 0xffff);
	}
}
