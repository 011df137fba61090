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
	pkt->l3_off = (uint16_t)st->off;
	pkt->l3_proto = SEGOFF_PROTO_IPV4;
	uint16_t frag = rd16(ip + 6);
	pkt->is_fragment = (frag & (IPV4_MF | IPV4_OFFSET_MASK)) != 0;
	st->len = ihl;
	/* A later fragment holds no transport header. */
	st->next = (frag & IPV4_OFFSET_MASK) ? SEGOFF_PROTO_NONE : proto_from_ipproto(ip[9]);
	return SEGOFF_OK;
}

static int ipv4_gso_prepare(struct gso_ctx *c, const struct segoff_layer *l)
{
	const uint8_t *ip = c->pkt->head + l->off;
	if (c->pkt->is_fragment)
		return SEGOFF_E_FRAGMENT;
	c->l3_gso_type = SEGOFF_GSO_TCPV4;
	c->pseudo = segoff_csum_pseudo4(ip + 12, ip + 16, 0, 0);
	return SEGOFF_OK;
}

static void ipv4_gso_fixup(const struct gso_ctx *c, const struct segoff_layer *l)
{
	const uint8_t *tmpl = c->pkt->head + l->off;
	uint16_t id0 = rd16(tmpl + 4);
	/* Sum of the template with ID, tot_len and check taken out; each
	 * segment adds its own two words back. The sum is never zero (the
	 * version byte), so the incremental and the full checksum agree. */
	uint16_t base = segoff_csum_fold(segoff_csum(tmpl, l->len) + csum_neg16(rd16(tmpl + 2)) +
					 csum_neg16(id0) + csum_neg16(rd16(tmpl + 10)));
	const unsigned off = l->off, n = c->nr_segs, id_step = c->fixed_id ? 0 : 1;
	struct segoff_seg *segs = c->segs;
	for (unsigned i = 0; i < n; i++) {
		uint8_t *ip = segs[i].head + off;
		uint16_t id = (uint16_t)(id0 + i * id_step);
		uint16_t tot_len = (uint16_t)(segs[i].len - off);
		wr16(ip + 2, tot_len);
		wr16(ip + 4, id);
		wr16(ip + 10, (uint16_t)~csum_fold32((uint32_t)base + tot_len + id));
	}
}

const struct proto_ops proto_ipv4 = {
	.name = "ipv4",
	.parse = ipv4_parse,
	.gso_prepare = ipv4_gso_prepare,
	.gso_fixup = ipv4_gso_fixup,
};
