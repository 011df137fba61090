// SPDX-License-Identifier: MIT
/* IPv4 [I1, I2]: every segment carries a copy of the header, options
 * included (unlike fragmentation), with its own tot_len, an ID of ID0 + i
 * (or ID0 in fixed-ID mode) and a recomputed header checksum. */
#include "proto.h"

#define IPV4_MF 0x2000
#define IPV4_OFFSET_MASK 0x1fff

static int ipv4_parse(struct parse_state *st)
{
	struct segoff_pkt *pkt = st->pkt;
	if (pkt->head_len < 20 || st->off > pkt->head_len - 20)
		return SEGOFF_E_TRUNCATED;
	const uint8_t *ip = pkt->head + st->off;
	if (ip[0] >> 4 != 4)
		return SEGOFF_E_IP_VERSION;
	unsigned ihl = (ip[0] & 0xf) * 4u;
	if (ihl < 20)
		return SEGOFF_E_IPV4_IHL;
	if (st->off + ihl > pkt->head_len)
		return SEGOFF_E_TRUNCATED;
	uint16_t frag = rd16(ip + 6);
	pkt->is_fragment = (frag & (IPV4_MF | IPV4_OFFSET_MASK)) != 0;
	st->len = ihl;
	/* A later fragment holds no transport header. */
	st->next = (frag & IPV4_OFFSET_MASK) ? SEGOFF_PROTO_NONE : segoff__proto_from_ipproto(ip[9]);
	return SEGOFF_OK;
}

static int ipv4_gso_prepare(struct gso_ctx *c, const struct segoff_layer *l)
{
	const uint8_t *ip = c->pkt->head + l->off;
	if (c->pkt->is_fragment)
		return SEGOFF_E_FRAGMENT;
	int err = ipxip_gso_check(c, l, SEGOFF_GSO_IPXIP4);
	if (err < 0)
		return err;
	c->level[l->depth].l3_gso_type = SEGOFF_GSO_TCPV4;
	c->level[l->depth].pseudo = segoff_csum_pseudo4(ip + 12, ip + 16, 0, 0);
	return SEGOFF_OK;
}

/* tot_len of a full-size segment (one MSS's worth under GSO_PARTIAL [E8]). */
static uint16_t ipv4_full_tot_len(const struct gso_ctx *c, const struct segoff_layer *l)
{
	return (uint16_t)(c->hdr_len - l->off + gso_mid_field_payload(c));
}

/* Sum of the template with ID, tot_len and check taken out; each segment
 * adds its own two words back. The sum is never zero (the version byte), so
 * the incremental and the full checksum agree. */
static uint16_t ipv4_base_sum(const uint8_t *ip, unsigned ihl)
{
	return segoff_csum_fold(segoff_csum(ip, ihl) + csum_neg16(rd16(ip + 2)) + csum_neg16(rd16(ip + 4)) +
				csum_neg16(rd16(ip + 10)));
}

static uint16_t ipv4_check(uint16_t base, uint16_t tot_len, uint16_t id)
{
	return (uint16_t)~csum_fold32((uint32_t)base + tot_len + id);
}

static void ipv4_gso_template(const struct gso_ctx *c, const struct segoff_layer *l, uint8_t *hdr)
{
	uint8_t *ip = hdr + l->off;
	uint16_t tot_len = ipv4_full_tot_len(c, l);
	wr16(ip + 2, tot_len);
	/* With a fixed ID every middle segment has the same header checksum too. */
	if (c->level[l->depth].fixed_id)
		wr16(ip + 10, ipv4_check(ipv4_base_sum(c->pkt->head + l->off, l->len), tot_len, rd16(ip + 4)));
}

static void ipv4_gso_fixup(const struct gso_ctx *c, const struct segoff_layer *l)
{
	const unsigned off = l->off, last = c->nr_segs - 1;
	struct segoff_seg *segs = c->segs;
	const uint16_t id0 = rd16(c->pkt->head + off + 4);
	const uint16_t base = ipv4_base_sum(c->pkt->head + off, l->len);
	const uint16_t full_len = ipv4_full_tot_len(c, l);
	const uint16_t last_len = (uint16_t)(c->hdr_len - off + gso_field_payload(c, last));
	const unsigned step = gso_id_step(c);
	if (!c->level[l->depth].fixed_id) {
		for (unsigned i = 0; i < last; i++) {
			uint8_t *ip = segs[i].head + off;
			uint16_t id = (uint16_t)(id0 + i * step);
			wr16(ip + 4, id);
			wr16(ip + 10, ipv4_check(base, full_len, id));
		}
	}
	uint16_t id_last = c->level[l->depth].fixed_id ? id0 : (uint16_t)(id0 + last * step);
	uint8_t *ip = segs[last].head + off;
	wr16(ip + 2, last_len);
	wr16(ip + 4, id_last);
	wr16(ip + 10, ipv4_check(base, last_len, id_last));
}

/* GRO [G6-G9]. Never held: options, fragments, a bad header checksum (the
 * kernel's inet_gro_receive gives up on them before looking at any flow).
 * Not mergeable, but flushing their flow: tot_len other than the real
 * length (Ethernet padding) and the reserved flag bit. */
static int ipv4_gro_check(struct gro_in *in, const struct segoff_layer *l)
{
	const uint8_t *ip = in->hdr + l->off;
	if (ip[0] != 0x45) {
		in->reason = SEGOFF_GRO_NOT_HELD_IP_OPTIONS;
		return GRO_NOT_HELD;
	}
	if (in->pkt->is_fragment) {
		in->reason = SEGOFF_GRO_NOT_HELD_FRAGMENT;
		return GRO_NOT_HELD;
	}
	if (ipv4_hdr_sum(ip) != 0xffff) {
		in->reason = SEGOFF_GRO_BAD_CSUM;
		return GRO_NOT_HELD;
	}
	if (gro_key_add(in, ip + 9, 1) < 0 || gro_key_add(in, ip + 12, 8) < 0) {
		in->reason = SEGOFF_GRO_NOT_HELD_HDR_TOO_LONG;
		return GRO_NOT_HELD;
	}
	if (rd16(ip + 2) != in->pkt->len - l->off) {
		in->reason = SEGOFF_GRO_NOT_HELD_IP_LEN;
		return GRO_NO_MERGE;
	}
	if (ip[6] & 0x80) {
		in->reason = SEGOFF_GRO_FLUSH_UNMERGEABLE;
		return GRO_NO_MERGE;
	}
	return GRO_OK;
}

#define IPV4_DF 0x40

/* Held and new packet of one flow: TTL, TOS and DF must match [G7]; the ID
 * must be the first's plus the packets held, or the same once the flow is
 * seen to keep it fixed, decided at the second packet [G8]. LRO ignores IDs. */
static int ipv4_gro_receive(const struct gro_flow *f, const struct gro_in *in, const struct segoff_layer *l)
{
	const uint8_t *ip = in->hdr + l->off, *ip2 = f->hdr + l->off;
	if (ip[8] != ip2[8])
		return SEGOFF_GRO_FLUSH_MISMATCH_TTL;
	if (ip[1] != ip2[1])
		return SEGOFF_GRO_FLUSH_MISMATCH_TOS;
	if ((ip[6] ^ ip2[6]) & IPV4_DF)
		return SEGOFF_GRO_FLUSH_MISMATCH_DF;
	if (in->lro)
		return 0;
	if (!ipv4_gro_id_continues(f, ip, ip2, l->depth))
		return SEGOFF_GRO_FLUSH_MISMATCH_IP_ID;
	return 0;
}

static void ipv4_gro_merge(struct gro_flow *f, const struct gro_in *in, const struct segoff_layer *l)
{
	if (!in->lro)
		ipv4_gro_id_merged(f, in->hdr + l->off, f->hdr + l->off, l->depth);
}

/* tot_len and header checksum of the merged packet [G9]; IPIP or SIT
 * when it carries an IP header [EG9]. */
static void ipv4_gro_complete(struct gro_flow *f, const struct segoff_layer *l, int full_csum)
{
	(void)full_csum;
	if (layer_carries_ip(f->layer, f->nr_layers, l))
		f->gso_type |= SEGOFF_GSO_IPXIP4;
	uint8_t *ip = f->hdr + l->off;
	wr16(ip + 2, (uint16_t)(f->hdr_len - l->off + f->payload_len));
	wr16(ip + 10, 0);
	wr16(ip + 10, segoff_csum_finish(segoff_csum(ip, 20)));
}

/* Fast path: a continuing packet repeats every header byte but tot_len, ID
 * and checksum; those are checked here as gro_check/gro_receive would. */
static void ipv4_gro_mask(const struct gro_flow *f, const struct segoff_layer *l, uint8_t *mask)
{
	(void)f;
	static const uint8_t vary[] = { 2, 3, 4, 5, 10, 11 };
	for (unsigned i = 0; i < sizeof(vary); i++)
		mask[l->off + vary[i]] = 0;
}

static int ipv4_gro_fast(const struct gro_flow *f, struct gro_in *in, const struct segoff_layer *l)
{
	const uint8_t *ip = in->hdr + l->off;
	if (rd16(ip + 2) != in->frame_len - l->off || ipv4_hdr_sum(ip) != 0xffff)
		return 0;
	return ipv4_gro_id_continues(f, ip, f->hdr + l->off, l->depth);
}

/* --- fragmentation (ip_do_fragment) --- */

#define IPOPT_END 0
#define IPOPT_NOOP 1
#define IPOPT_COPIED(t) ((t) & 0x80)

/* Later fragments keep the header length; options without the copied bit
 * become NOPs (ip_options_fragment), parsing stops at END or at a length
 * that does not make sense, as the kernel's does. */
static void ipv4_options_fragment(uint8_t *opt, unsigned l)
{
	while (l > 0) {
		if (*opt == IPOPT_END)
			return;
		if (*opt == IPOPT_NOOP) {
			l--;
			opt++;
			continue;
		}
		if (l < 2)
			return;
		unsigned optlen = opt[1];
		if (optlen < 2 || optlen > l)
			return;
		if (!IPOPT_COPIED(*opt))
			memset(opt, IPOPT_NOOP, optlen);
		l -= optlen;
		opt += optlen;
	}
}

static uint32_t ipv4_ip_len(const uint8_t *l3)
{
	return rd16(l3 + 2);
}

static int ipv4_frag_prepare(struct frag_ctx *c, const struct segoff_layer *l)
{
	const uint8_t *ip = c->pkt->head + l->off;
	uint16_t frag = rd16(ip + 6);
	if (frag & 0x4000) {
		c->params->frag_needed_mtu = c->params->mtu;
		return SEGOFF_E_FRAG_NEEDED;
	}
	c->unfrag_len = l->len;
	c->frag_hdr_len = 0;
	c->data_off = l->off + l->len;
	c->orig_offset = (uint32_t)(frag & 0x1fff) << 3;
	c->orig_more = (frag & 0x2000) != 0;
	memcpy(c->later_hdr, ip, l->len);
	ipv4_options_fragment(c->later_hdr + 20, l->len - 20u);
	return SEGOFF_OK;
}

static void ipv4_frag_fixup(const struct frag_ctx *c, uint8_t *ip, uint32_t offset, uint32_t len, int more)
{
	wr16(ip + 2, (uint16_t)(c->unfrag_len + len));
	wr16(ip + 6, (uint16_t)(((c->orig_offset + offset) >> 3) | (more || c->orig_more ? 0x2000 : 0)));
	wr16(ip + 10, 0);
	wr16(ip + 10, segoff_csum_finish(segoff_csum(ip, c->unfrag_len)));
}

const struct proto_ops segoff__proto_ipv4 = {
	.name = "ipv4",
	.role = ROLE_NET,
	.parse = ipv4_parse,
	.gso_prepare = ipv4_gso_prepare,
	.gso_template = ipv4_gso_template,
	.gso_fixup = ipv4_gso_fixup,
	.gro_check = ipv4_gro_check,
	.gro_receive = ipv4_gro_receive,
	.gro_merge = ipv4_gro_merge,
	.gro_complete = ipv4_gro_complete,
	.gro_mask = ipv4_gro_mask,
	.gro_fast = ipv4_gro_fast,
	.ip_len = ipv4_ip_len,
	.frag_prepare = ipv4_frag_prepare,
	.frag_fixup = ipv4_frag_fixup,
	.gro_express = GRO_XP_IPV4,
};
