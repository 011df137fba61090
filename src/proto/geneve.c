// SPDX-License-Identifier: MIT
/* Geneve (RFC 8926): 8 bytes over UDP (version, option length in 4-byte
 * words, O and C bits, protocol type, VNI), then the options, then the
 * packet the protocol type names: Ethernet (0x6558, transparent Ethernet
 * bridging), IPv4 or IPv6. Segmentation copies header and options into
 * every segment without reading them [E1]. */
#include "proto.h"

#define GENEVE_HLEN 8
#define ETH_P_TEB 0x6558

static int geneve_parse(struct parse_state *st)
{
	const struct segoff_pkt *pkt = st->pkt;
	if (pkt->head_len < GENEVE_HLEN || st->off > pkt->head_len - GENEVE_HLEN)
		return SEGOFF_E_TRUNCATED;
	const uint8_t *gh = pkt->head + st->off;
	unsigned len = GENEVE_HLEN + (gh[0] & 0x3fu) * 4u;
	if (st->off + len > pkt->head_len)
		return SEGOFF_E_TRUNCATED;
	st->len = len;
	/* a version this parser does not know: what follows is payload */
	if (gh[0] >> 6 != 0)
		return SEGOFF_OK;
	uint16_t type = rd16(gh + 2);
	if (type == ETH_P_TEB)
		st->next = SEGOFF_PROTO_ETH;
	else if (type == 0x0800 || type == 0x86dd)
		st->next = segoff__proto_from_ethertype(type);
	return SEGOFF_OK;
}

/* GRO: version 0 and no O (control) bit, and the whole header with its
 * options byte for byte the same [EG5]. */
static int geneve_gro_check(struct gro_in *in, const struct segoff_layer *l)
{
	const uint8_t *gh = in->hdr + l->off;
	if (gh[0] >> 6 != 0 || (gh[1] & 0x80)) {
		in->reason = SEGOFF_GRO_NOT_HELD_UNSUPPORTED;
		return GRO_NOT_HELD;
	}
	if (gro_key_add(in, gh, l->len) < 0) {
		in->reason = SEGOFF_GRO_NOT_HELD_HDR_TOO_LONG;
		return GRO_NOT_HELD;
	}
	return GRO_OK;
}

const struct proto_ops segoff__proto_geneve = {
	.name = "geneve",
	.role = ROLE_TUNNEL,
	.parse = geneve_parse,
	.gro_check = geneve_gro_check,
	.gro_express = GRO_XP_MASK,
};
