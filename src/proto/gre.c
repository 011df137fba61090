// SPDX-License-Identifier: MIT
/*
 * GRE (RFC 2784, 2890) over IPv4 or IPv6: a 4-byte base header (the C, K
 * and S flags, a version, the protocol of what follows), then a checksum
 * word (checksum and Reserved1) if C, a key if K, a sequence number if S,
 * in that order. What follows is IPv4, IPv6, or an Ethernet frame (0x6558,
 * transparent Ethernet bridging).
 *
 * Segmentation [E5] copies the header into every segment; with
 * SKB_GSO_GRE_CSUM each segment's checksum is written (over the GRE header
 * and the inner packet, no pseudo-header, Reserved1 zero, 0 kept as 0).
 * A sequence number would be the same on every segment, so no Linux GRE
 * device asks for GSO with one: refused by name.
 *
 * GRO [EG6]: version 0 with only K and C, C verified; a flow is the flags,
 * the protocol and the first word after the base header when K is set,
 * which with C is the checksum word, not the key (the kernel's
 * gre_gro_receive compares that word whatever it holds). Completion marks
 * the packet SKB_GSO_GRE and leaves a GRE checksum stale, as the kernel.
 */
#include "tunnel_csum.h"

#define GRE_HLEN 4
#define GRE_C 0x8000
#define GRE_R 0x4000
#define GRE_K 0x2000
#define GRE_S 0x1000
#define GRE_VERSION 0x0007
#define ETH_P_TEB 0x6558

static unsigned gre_hdr_len(uint16_t flags)
{
	return GRE_HLEN + 4u * (!!(flags & GRE_C) + !!(flags & GRE_K) + !!(flags & GRE_S));
}

static int gre_parse(struct parse_state *st)
{
	const struct segoff_pkt *pkt = st->pkt;
	if (pkt->head_len < GRE_HLEN || st->off > pkt->head_len - GRE_HLEN)
		return SEGOFF_E_TRUNCATED;
	const uint8_t *gh = pkt->head + st->off;
	const uint16_t flags = rd16(gh);
	/* a version or routing this parser does not know: payload follows */
	if (flags & (GRE_VERSION | GRE_R)) {
		st->len = GRE_HLEN;
		return SEGOFF_OK;
	}
	const unsigned len = gre_hdr_len(flags);
	if (st->off + len > pkt->head_len)
		return SEGOFF_E_TRUNCATED;
	st->len = len;
	const uint16_t type = rd16(gh + 2);
	if (type == ETH_P_TEB)
		st->next = SEGOFF_PROTO_ETH;
	else if (type == 0x0800 || type == 0x86dd)
		st->next = segoff__proto_from_ethertype(type);
	return SEGOFF_OK;
}

/* --- segmentation [E5] --- */

static int gre_gso_prepare(struct gso_ctx *c, const struct segoff_layer *l)
{
	const struct segoff_pkt *pkt = c->pkt;
	const uint16_t flags = rd16(pkt->head + l->off);
	const uint32_t gre = SEGOFF_GSO_GRE | SEGOFF_GSO_GRE_CSUM;
	const uint32_t inner = SEGOFF_GSO_TCPV4 | SEGOFF_GSO_TCPV6 | SEGOFF_GSO_UDP_L4 | SEGOFF_GSO_UDP;
	if (flags & GRE_S)
		return SEGOFF_E_GRE_SEQ;
	uint32_t t = pkt->gso_type & gre;
	if (!t) {
		/* a packet that names its GSO type must name GRE; one that names
		 * none (a capture) says it by its C flag */
		if (pkt->gso_type & inner)
			return SEGOFF_E_GSO_TYPE;
		t = flags & GRE_C ? SEGOFF_GSO_GRE_CSUM : SEGOFF_GSO_GRE;
	}
	/* the kernel writes the checksum where C puts it, whatever the flags
	 * say; segoff refuses to write it over a key */
	if ((t & SEGOFF_GSO_GRE_CSUM) && !(flags & GRE_C))
		return SEGOFF_E_GSO_TYPE;
	c->level[l->depth].encap_csum = (t & SEGOFF_GSO_GRE_CSUM) != 0;
	return SEGOFF_OK;
}

/* Reserved1 is 0 in every segment of GRE_CSUM. */
static void gre_gso_template(const struct gso_ctx *c, const struct segoff_layer *l, uint8_t *hdr)
{
	if (c->level[l->depth].encap_csum)
		wr16(hdr + l->off + 6, 0);
}

static void gre_gso_fixup(const struct gso_ctx *c, const struct segoff_layer *l)
{
	if (!c->level[l->depth].encap_csum)
		return;
	/* the base header, then all from the word after the checksum on
	 * (tunnel_csum.h); the checksum word counts as zero */
	struct tunnel_sum t;
	segoff__tunnel_sum_init(c, l->off + 8, &t);
	t.fixed += segoff_csum(c->pkt->head + l->off, GRE_HLEN);
	for (unsigned i = 0; i < c->nr_segs; i++) {
		/* A GSO_PARTIAL cut's inner seed counts all its bytes, its
		 * length fields one MSS: gre_gso_segment() seeds the checksum
		 * with the difference, so that it is right for every segment
		 * the device makes but the last [E8]. */
		uint32_t adj = gso_seg_payload(c, i) - gso_field_payload(c, i);
		wr16(c->segs[i].head + l->off + 4,
		     segoff_csum_finish(tunnel_seg_sum(c, &t, i) + (adj >> 16) + (adj & 0xffff)));
	}
}

/* --- GRO [EG6, EG9] --- */

static int gre_gro_check(struct gro_in *in, const struct segoff_layer *l)
{
	const uint8_t *gh = in->hdr + l->off;
	const uint16_t flags = rd16(gh);
	if (flags & ~(GRE_C | GRE_K)) {
		in->reason = SEGOFF_GRO_NOT_HELD_UNSUPPORTED;
		return GRO_NOT_HELD;
	}
	if ((flags & GRE_C) && in->verify &&
	    !gro_carrier_csum_ok(in, gh, in->pkt->payload_off - l->off, segoff__gro_payload_sum(in->pkt), 0)) {
		in->reason = SEGOFF_GRO_BAD_CSUM;
		return GRO_NOT_HELD;
	}
	in->outer_csum_valid = (flags & GRE_C) != 0;
	if (gro_key_add(in, gh, GRE_HLEN) < 0 || ((flags & GRE_K) && gro_key_add(in, gh + GRE_HLEN, 4) < 0)) {
		in->reason = SEGOFF_GRO_NOT_HELD_HDR_TOO_LONG;
		return GRO_NOT_HELD;
	}
	return GRO_OK;
}

/* The kernel leaves the checksum as the first packet had it; asked for
 * full checksums, segoff writes a right one (the inner transport, complete
 * already, sums to the complement of its seed). */
static void gre_gro_complete(struct gro_flow *f, const struct segoff_layer *l, int full_csum)
{
	f->gso_type |= SEGOFF_GSO_GRE;
	uint8_t *gh = f->hdr + l->off;
	if (!full_csum || !(rd16(gh) & GRE_C))
		return;
	const struct segoff_layer *in = &f->layer[f->nr_layers - 1];
	const uint32_t l4_len = f->hdr_len - in->off + f->payload_len;
	const uint8_t ipproto = in->proto == SEGOFF_PROTO_TCP ? 6 : 17;
	uint16_t in_seed = segoff_csum_fold(segoff__gro_pseudo(f->hdr, &f->layer[in->net], ipproto, l4_len));
	wr16(gh + 4, 0);
	/* the inner headers are complete already: their bytes as they are */
	wr16(gh + 4, segoff_csum_finish(segoff_csum(gh, in->off - l->off) + (uint16_t)~in_seed));
}

/* Fast path: a continuing packet repeats the header; without K the
 * checksum word is not the flow's and may differ. A checksum is verified
 * as gre_gro_check() would. */
static void gre_gro_mask(const struct gro_flow *f, const struct segoff_layer *l, uint8_t *mask)
{
	const uint16_t flags = rd16(f->hdr + l->off);
	if ((flags & GRE_C) && !(flags & GRE_K))
		memset(mask + l->off + 4, 0, 2);
}

static int gre_gro_fast(const struct gro_flow *f, struct gro_in *in, const struct segoff_layer *l)
{
	if (!(rd16(in->hdr + l->off) & GRE_C) || !in->verify)
		return 1;
	return gro_carrier_csum_ok(in, in->hdr + l->off, f->hdr_len - l->off,
				   segoff_csum(in->hdr + f->hdr_len, in->payload_len), 0);
}

const struct proto_ops segoff__proto_gre = {
	.name = "gre",
	.role = ROLE_TUNNEL,
	.parse = gre_parse,
	.gso_prepare = gre_gso_prepare,
	.gso_template = gre_gso_template,
	.gso_fixup = gre_gso_fixup,
	.gro_check = gre_gro_check,
	.gro_complete = gre_gro_complete,
	.gro_mask = gre_gro_mask,
	.gro_fast = gre_gro_fast,
	.gro_express = GRO_XP_MASK,
};
