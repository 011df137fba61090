// SPDX-License-Identifier: MIT
/* VXLAN (RFC 7348): 8 bytes over UDP (flags, reserved, VNI, reserved), then
 * an Ethernet frame. Segmentation copies the header into every segment
 * without reading it [E1]. */
#include "proto.h"

#define VXLAN_HLEN 8

static int vxlan_parse(struct parse_state *st)
{
	const struct segoff_pkt *pkt = st->pkt;
	if (pkt->head_len < VXLAN_HLEN || st->off > pkt->head_len - VXLAN_HLEN)
		return SEGOFF_E_TRUNCATED;
	st->len = VXLAN_HLEN;
	st->next = SEGOFF_PROTO_ETH;
	return SEGOFF_OK;
}

/* GRO: both 32-bit words equal, flags and reserved bits with them [EG5]. */
static int vxlan_gro_check(struct gro_in *in, const struct segoff_layer *l)
{
	if (gro_key_add(in, in->hdr + l->off, VXLAN_HLEN) < 0) {
		in->reason = SEGOFF_GRO_NOT_HELD_HDR_TOO_LONG;
		return GRO_NOT_HELD;
	}
	return GRO_OK;
}

const struct proto_ops segoff__proto_vxlan = {
	.name = "vxlan",
	.role = ROLE_TUNNEL,
	.parse = vxlan_parse,
	.gro_check = vxlan_gro_check,
	.gro_express = GRO_XP_MASK,
};
