// SPDX-License-Identifier: MIT
/* UDP. Parsed now; UDP segmentation (USO, U1-U2) and fragmentation (U3)
 * arrive with the UDP issue, until then a UDP GSO request is refused with a
 * name rather than passed through unsegmented. */
#include "proto.h"

static int udp_parse(struct parse_state *st)
{
	struct segoff_pkt *pkt = st->pkt;
	if (pkt->head_len < 8 || st->off > pkt->head_len - 8)
		return SEGOFF_E_TRUNCATED;
	pkt->l4_off = (uint16_t)st->off;
	pkt->l4_proto = SEGOFF_PROTO_UDP;
	st->len = 8;
	return SEGOFF_OK;
}

static int udp_gso_prepare(struct gso_ctx *c, const struct segoff_layer *l)
{
	(void)c;
	(void)l;
	return SEGOFF_E_UNSUPPORTED;
}

const struct proto_ops proto_udp = {
	.name = "udp",
	.parse = udp_parse,
	.gso_prepare = udp_gso_prepare,
};
