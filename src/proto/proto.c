// SPDX-License-Identifier: MIT
/* The protocol table and the generic parser that walks it. */
#include "proto.h"

const struct proto_ops *const segoff__proto_table[SEGOFF_PROTO__COUNT] = {
	[SEGOFF_PROTO_ETH] = &segoff__proto_eth,
	[SEGOFF_PROTO_VLAN] = &segoff__proto_vlan,
	[SEGOFF_PROTO_IPV4] = &segoff__proto_ipv4,
	[SEGOFF_PROTO_IPV6] = &segoff__proto_ipv6,
	[SEGOFF_PROTO_TCP] = &segoff__proto_tcp,
	[SEGOFF_PROTO_UDP] = &segoff__proto_udp,
};

const char *segoff_proto_name(enum segoff_proto p)
{
	const struct proto_ops *ops = proto_ops_of(p);
	return ops ? ops->name : "none";
}

enum segoff_proto segoff__proto_from_ethertype(uint16_t ethertype)
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

enum segoff_proto segoff__proto_from_ipproto(uint8_t ipproto)
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
		int err = segoff__proto_table[p]->parse(&st);
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

segoff_csum_t segoff__gro_payload_sum(const struct segoff_pkt *pkt)
{
	segoff_csum_t sum = 0;
	size_t at = 0;
	if (pkt->payload_off < pkt->head_len) {
		sum = segoff_csum(pkt->head + pkt->payload_off, pkt->head_len - pkt->payload_off);
		at = pkt->head_len - pkt->payload_off;
	}
	for (unsigned i = 0; i < pkt->nr_frags; i++) {
		sum = segoff_csum_add_at(sum, segoff_csum(pkt->frags[i].base, pkt->frags[i].len), at);
		at += pkt->frags[i].len;
	}
	return sum;
}

segoff_csum_t segoff__gro_flow_payload_sum(const struct gro_flow *f)
{
	segoff_csum_t sum = 0;
	size_t at = 0;
	for (unsigned i = 1; i < f->nr_slices; i++) {
		sum = segoff_csum_add_at(sum, segoff_csum(f->slices[i].base, f->slices[i].len), at);
		at += f->slices[i].len;
	}
	return sum;
}

segoff_csum_t segoff__gro_pseudo(const uint8_t *hdr, uint16_t l3_off, uint8_t l3_proto, uint8_t ipproto, uint32_t l4_len)
{
	const uint8_t *ip = hdr + l3_off;
	if (l3_proto == SEGOFF_PROTO_IPV6)
		return segoff_csum_pseudo6(ip + 8, ip + 24, ipproto, l4_len);
	return segoff_csum_pseudo4(ip + 12, ip + 16, ipproto, l4_len);
}
