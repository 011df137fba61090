// SPDX-License-Identifier: MIT
/* 802.1Q / 802.1ad tags. The layer is the 4 bytes after the TPID (which the
 * enclosing header's type field holds): TCI, then the inner ethertype. At
 * most two tags (QinQ) per Ethernet header; a third is refused by name. */
#include "proto.h"

#define VLAN_MAX_DEPTH 2

static int vlan_parse(struct parse_state *st)
{
	const struct segoff_pkt *pkt = st->pkt;
	if (st->nr_vlan == VLAN_MAX_DEPTH)
		return SEGOFF_E_VLAN_DEPTH;
	if (pkt->head_len < 4 || st->off > pkt->head_len - 4)
		return SEGOFF_E_TRUNCATED;
	st->nr_vlan++;
	st->len = 4;
	st->next = segoff__proto_from_ethertype(rd16(pkt->head + st->off + 2));
	return SEGOFF_OK;
}

/* GRO: and with the same VLAN tags [G1]. */
static int vlan_gro_check(struct gro_in *in, const struct segoff_layer *l)
{
	return gro_key_add(in, in->hdr + l->off, l->len) < 0 ? GRO_NOT_HELD : GRO_OK;
}

const struct proto_ops segoff__proto_vlan = {
	.name = "vlan",
	.role = ROLE_LINK,
	.parse = vlan_parse,
	.gro_check = vlan_gro_check,
	.gro_express = GRO_XP_MASK,
};
