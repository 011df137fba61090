// SPDX-License-Identifier: MIT
/* The protocol table and the generic parser that walks it. */
#include "proto.h"

static const struct proto_ops *const table[SEGOFF_PROTO__COUNT] = {
	[SEGOFF_PROTO_ETH] = &proto_eth,
	[SEGOFF_PROTO_VLAN] = &proto_vlan,
	[SEGOFF_PROTO_IPV4] = &proto_ipv4,
	[SEGOFF_PROTO_IPV6] = &proto_ipv6,
	[SEGOFF_PROTO_TCP] = &proto_tcp,
	[SEGOFF_PROTO_UDP] = &proto_udp,
};

const struct proto_ops *proto_ops_of(enum segoff_proto p)
{
	return (unsigned)p < SEGOFF_PROTO__COUNT ? table[p] : NULL;
}

const char *segoff_proto_name(enum segoff_proto p)
{
	const struct proto_ops *ops = proto_ops_of(p);
	return ops ? ops->name : "none";
}

enum segoff_proto proto_from_ethertype(uint16_t ethertype)
{
	switch (ethertype) {
	case 0x8100: /* 802.1Q */
	case 0x88a8: /* 802.1ad */
		return SEGOFF_PROTO_VLAN;
	case 0x0800:
		return SEGOFF_PROTO_IPV4;
	case 0x86dd:
		return SEGOFF_PROTO_IPV6;
	default:
		return SEGOFF_PROTO_NONE;
	}
}

enum segoff_proto proto_from_ipproto(uint8_t ipproto)
{
	switch (ipproto) {
	case 6:
		return SEGOFF_PROTO_TCP;
	case 17:
		return SEGOFF_PROTO_UDP;
	default:
		return SEGOFF_PROTO_NONE;
	}
}

int segoff_parse(struct segoff_pkt *pkt, enum segoff_proto first, unsigned off)
{
	if (!pkt || !pkt->head || !proto_ops_of(first))
		return SEGOFF_E_INVAL;
	pkt->nr_layers = 0;
	pkt->l3_off = pkt->l4_off = 0xffff;
	pkt->l3_proto = pkt->l4_proto = SEGOFF_PROTO_NONE;
	pkt->is_fragment = 0;
	pkt->nr_vlan = 0;
	pkt->payload_off = (uint16_t)off;

	/* Header offsets are 16-bit, like the kernel's. */
	if (off > 0xffff)
		return SEGOFF_E_INVAL;

	struct parse_state st = { .pkt = pkt, .off = off, .next = first };
	while (st.next != SEGOFF_PROTO_NONE) {
		enum segoff_proto p = st.next;
		if (pkt->nr_layers == SEGOFF_MAX_LAYERS)
			return SEGOFF_E_VLAN_DEPTH; /* only stacked tags can get here */
		st.len = 0;
		st.next = SEGOFF_PROTO_NONE;
		int err = table[p]->parse(&st);
		if (err < 0)
			return err;
		if (st.off + st.len > 0xffff)
			return SEGOFF_E_TRUNCATED;
		pkt->layer[pkt->nr_layers++] = (struct segoff_layer){
			.proto = (uint8_t)p, .off = (uint16_t)st.off, .len = (uint16_t)st.len
		};
		st.off += st.len;
		pkt->payload_off = (uint16_t)st.off;
	}
	return SEGOFF_OK;
}
