// SPDX-License-Identifier: MIT
/* IPv6 and its extension headers [I5]. The layer spans the fixed header and
 * every extension header before the transport header, so that segmentation
 * copies hop-by-hop, routing and destination options to every segment, as
 * the kernel's ipv6_gso_segment does; only payload_len changes. */
#include "proto.h"

enum {
	NEXTHDR_HOP = 0,
	NEXTHDR_ROUTING = 43,
	NEXTHDR_FRAGMENT = 44,
	NEXTHDR_DEST = 60,
};

static int ipv6_parse(struct parse_state *st)
{
	struct segoff_pkt *pkt = st->pkt;
	if (pkt->head_len < 40 || st->off > pkt->head_len - 40)
		return SEGOFF_E_TRUNCATED;
	const uint8_t *ip = pkt->head + st->off;
	if (ip[0] >> 4 != 6)
		return SEGOFF_E_IP_VERSION;
	st->fixed_ok = 1;

	unsigned off = st->off + 40, nr_ext = 0;
	uint8_t nh = ip[6];
	int later_fragment = 0;
	for (;;) {
		unsigned len;
		if (nh != NEXTHDR_HOP && nh != NEXTHDR_ROUTING && nh != NEXTHDR_DEST && nh != NEXTHDR_FRAGMENT)
			break;
		/* A chain of hundreds of headers is an attack, not a packet. */
		if (++nr_ext > SEGOFF_MAX_EXTHDRS)
			return SEGOFF_E_IPV6_EXTHDR_LIMIT;
		if (off + 8 > pkt->head_len)
			return SEGOFF_E_TRUNCATED;
		const uint8_t *h = pkt->head + off;
		if (nh == NEXTHDR_FRAGMENT) {
			len = 8;
			pkt->is_fragment = 1;
			later_fragment = (rd16(h + 2) & 0xfff8) != 0;
		} else {
			len = (h[1] + 1u) * 8;
		}
		if (off + len > pkt->head_len)
			return SEGOFF_E_TRUNCATED;
		nh = h[0];
		off += len;
		if (later_fragment)
			break;
	}
	st->len = off - st->off;
	st->next = later_fragment ? SEGOFF_PROTO_NONE : segoff__proto_from_ipproto(nh);
	return SEGOFF_OK;
}

static int ipv6_gso_prepare(struct gso_ctx *c, const struct segoff_layer *l)
{
	const uint8_t *ip = c->pkt->head + l->off;
	/* The kernel has no segmenter behind a fragment header (EPROTONOSUPPORT). */
	if (c->pkt->is_fragment)
		return SEGOFF_E_FRAGMENT;
	int err = ipxip_gso_check(c, l, SEGOFF_GSO_IPXIP6);
	if (err < 0)
		return err;
	c->level[l->depth].l3_gso_type = SEGOFF_GSO_TCPV6;
	c->level[l->depth].pseudo = segoff_csum_pseudo6(ip + 8, ip + 24, 0, 0);
	return SEGOFF_OK;
}

static void ipv6_gso_template(const struct gso_ctx *c, const struct segoff_layer *l, uint8_t *hdr)
{
	wr16(hdr + l->off + 4, (uint16_t)(c->hdr_len - l->off - 40 + gso_mid_field_payload(c)));
}

static void ipv6_gso_fixup(const struct gso_ctx *c, const struct segoff_layer *l)
{
	const unsigned last = c->nr_segs - 1;
	wr16(c->segs[last].head + l->off + 4, (uint16_t)(c->hdr_len - l->off - 40 + gso_field_payload(c, last)));
}

/* GRO [G10]. Never held: fragments. Not mergeable: payload_len other than
 * the real length. Same flow: version and flow label, addresses, next
 * header and byte-identical extension headers (all in the key). A different
 * traffic class or hop limit flushes. */
static int ipv6_gro_check(struct gro_in *in, const struct segoff_layer *l)
{
	const uint8_t *ip = in->hdr + l->off;
	if (in->pkt->is_fragment) {
		in->reason = SEGOFF_GRO_NOT_HELD_FRAGMENT;
		return GRO_NOT_HELD;
	}
	uint8_t first[4] = { (uint8_t)(ip[0] & 0xf0), (uint8_t)(ip[1] & 0x0f), ip[2], ip[3] };
	if (gro_key_add(in, first, 4) < 0 || gro_key_add(in, ip + 6, 1) < 0 || gro_key_add(in, ip + 8, 32) < 0 ||
	    gro_key_add(in, ip + 40, l->len - 40u) < 0) {
		in->reason = SEGOFF_GRO_NOT_HELD_HDR_TOO_LONG;
		return GRO_NOT_HELD;
	}
	if (!ipv6_gro_len_ok(ip, in->pkt->len - l->off)) {
		in->reason = SEGOFF_GRO_NOT_HELD_IP_LEN;
		return GRO_NO_MERGE;
	}
	return GRO_OK;
}

static int ipv6_gro_receive(const struct gro_flow *f, const struct gro_in *in, const struct segoff_layer *l)
{
	const uint8_t *ip = in->hdr + l->off, *ip2 = f->hdr + l->off;
	if (ip[7] != ip2[7])
		return SEGOFF_GRO_FLUSH_MISMATCH_TTL;
	if (((ip[0] ^ ip2[0]) & 0x0f) || ((ip[1] ^ ip2[1]) & 0xf0))
		return SEGOFF_GRO_FLUSH_MISMATCH_TOS;
	return 0;
}

/* Fast path: a continuing packet repeats every header byte (traffic class,
 * hop limit, extension headers included) but the payload length, which
 * must be its own (ipv6_gro_check). */
static void ipv6_gro_mask(const struct gro_flow *f, const struct segoff_layer *l, uint8_t *mask)
{
	(void)f;
	memset(mask + l->off + 4, 0, 2);
}

static int ipv6_gro_fast(const struct gro_flow *f, struct gro_in *in, const struct segoff_layer *l)
{
	(void)f;
	return ipv6_gro_len_ok(in->hdr + l->off, in->frame_len - l->off);
}

static void ipv6_gro_complete(struct gro_flow *f, const struct segoff_layer *l, int full_csum)
{
	(void)full_csum;
	if (layer_carries_ip(f->layer, f->nr_layers, l)) /* ip6ip6, ip4ip6 [EG9] */
		f->gso_type |= SEGOFF_GSO_IPXIP6;
	wr16(f->hdr + l->off + 4, (uint16_t)(f->hdr_len - l->off - 40 + f->payload_len));
}

/* --- fragmentation (ip6_fragment) --- */

/* The unfragmentable part, as ip6_find_1stfragopt finds it: hop-by-hop and
 * routing headers, and destination options unless a routing header came
 * before them. The fragment header goes after it. */
static uint32_t ipv6_ip_len(const uint8_t *l3)
{
	return 40u + rd16(l3 + 4);
}

static int ipv6_frag_prepare(struct frag_ctx *c, const struct segoff_layer *l)
{
	const uint8_t *ip = c->pkt->head + l->off;
	if (c->pkt->is_fragment)
		return SEGOFF_E_FRAGMENT; /* not fragmented twice */
	unsigned off = 40, nh_pos = 6, found_rhdr = 0;
	uint8_t nh = ip[6];
	while (off < l->len) {
		if (nh == NEXTHDR_ROUTING)
			found_rhdr = 1;
		else if (nh == NEXTHDR_DEST && found_rhdr)
			break;
		else if (nh != NEXTHDR_HOP && nh != NEXTHDR_DEST)
			break;
		nh_pos = off;
		nh = ip[off];
		off += (ip[off + 1] + 1u) * 8;
	}
	c->unfrag_len = off;
	c->frag_hdr_len = 8;
	c->data_off = l->off + off;
	c->v6_nexthdr = nh;
	c->v6_nh_pos = (uint16_t)nh_pos;
	return SEGOFF_OK;
}

static void ipv6_frag_fixup(const struct frag_ctx *c, uint8_t *ip, uint32_t offset, uint32_t len, int more)
{
	ip[c->v6_nh_pos] = NEXTHDR_FRAGMENT;
	wr16(ip + 4, (uint16_t)(c->unfrag_len - 40 + 8 + len));
	uint8_t *fh = ip + c->unfrag_len;
	fh[0] = c->v6_nexthdr;
	fh[1] = 0;
	wr16(fh + 2, (uint16_t)(offset | (more ? 1 : 0)));
	wr32(fh + 4, c->v6_id);
}

const struct proto_ops segoff__proto_ipv6 = {
	.name = "ipv6",
	.role = ROLE_NET,
	.parse = ipv6_parse,
	.gso_prepare = ipv6_gso_prepare,
	.gso_template = ipv6_gso_template,
	.gso_fixup = ipv6_gso_fixup,
	.gro_check = ipv6_gro_check,
	.gro_receive = ipv6_gro_receive,
	.gro_complete = ipv6_gro_complete,
	.ip_len = ipv6_ip_len,
	.frag_prepare = ipv6_frag_prepare,
	.frag_fixup = ipv6_frag_fixup,
	.gro_mask = ipv6_gro_mask,
	.gro_fast = ipv6_gro_fast,
	.gro_express = GRO_XP_IPV6,
};
