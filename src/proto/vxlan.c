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

const struct proto_ops segoff__proto_vxlan = {
	.name = "vxlan",
	.role = ROLE_TUNNEL,
	.parse = vxlan_parse,
};
