// SPDX-License-Identifier: MIT
/* Ethernet II. Segments get a byte-exact copy of it; nothing to fix up. */
#include "proto.h"

static int eth_parse(struct parse_state *st)
{
	const struct segoff_pkt *pkt = st->pkt;
	if (pkt->head_len < 14 || st->off > pkt->head_len - 14)
		return st->off == 0 && pkt->len < 14 ? SEGOFF_E_FRAME_SHORT : SEGOFF_E_TRUNCATED;
	st->len = 14;
	st->next = segoff__proto_from_ethertype(rd16(pkt->head + st->off + 12));
	return SEGOFF_OK;
}

/* GRO: packets match only with an identical Ethernet header [G1]. */
static int eth_gro_check(struct gro_in *in, const struct segoff_layer *l)
{
	return gro_key_add(in, in->hdr + l->off, l->len) < 0 ? GRO_NOT_HELD : GRO_OK;
}

const struct proto_ops segoff__proto_eth = {
	.name = "eth",
	.role = ROLE_LINK,
	.parse = eth_parse,
	.gro_check = eth_gro_check,
	.gro_express = GRO_XP_MASK,
};
