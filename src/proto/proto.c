// SPDX-License-Identifier: MIT
/* The protocol table and the generic parser that walks it. */
#include <stddef.h>
#include "proto.h"

const struct proto_ops *const segoff__proto_table[SEGOFF_PROTO__COUNT] = {
	[SEGOFF_PROTO_ETH] = &segoff__proto_eth,
	[SEGOFF_PROTO_VLAN] = &segoff__proto_vlan,
	[SEGOFF_PROTO_IPV4] = &segoff__proto_ipv4,
	[SEGOFF_PROTO_IPV6] = &segoff__proto_ipv6,
	[SEGOFF_PROTO_TCP] = &segoff__proto_tcp,
	[SEGOFF_PROTO_UDP] = &segoff__proto_udp,
	[SEGOFF_PROTO_VXLAN] = &segoff__proto_vxlan,
	[SEGOFF_PROTO_GENEVE] = &segoff__proto_geneve,
	[SEGOFF_PROTO_GRE] = &segoff__proto_gre,
};

const char *segoff_proto_name(enum segoff_proto p)
{
	const struct proto_ops *ops = proto_ops_of(p);
	return ops ? ops->name : "none";
}

/* Next-protocol dispatch: tables, so that a protocol (a tunnel) is added
 * as a row, not as a case in a switch. */
static const struct {
	uint16_t ethertype;
	uint8_t proto;
} ethertype_rows[] = {
	{ 0x0800, SEGOFF_PROTO_IPV4 },
	{ 0x86dd, SEGOFF_PROTO_IPV6 },
	{ 0x8100, SEGOFF_PROTO_VLAN }, /* 802.1Q */
	{ 0x88a8, SEGOFF_PROTO_VLAN }, /* 802.1ad */
};

static const uint8_t ipproto_rows[256] = {
	[4] = SEGOFF_PROTO_IPV4,  /* IPIP, ip4ip6 [E6] */
	[6] = SEGOFF_PROTO_TCP,
	[17] = SEGOFF_PROTO_UDP,
	[41] = SEGOFF_PROTO_IPV6, /* SIT, ip6ip6 [E6] */
	[47] = SEGOFF_PROTO_GRE,
};

enum segoff_proto segoff__proto_from_ethertype(uint16_t ethertype)
{
	for (unsigned i = 0; i < sizeof(ethertype_rows) / sizeof(ethertype_rows[0]); i++)
		if (ethertype_rows[i].ethertype == ethertype)
			return (enum segoff_proto)ethertype_rows[i].proto;
	return SEGOFF_PROTO_NONE;
}

enum segoff_proto segoff__proto_from_ipproto(uint8_t ipproto)
{
	return (enum segoff_proto)ipproto_rows[ipproto];
}

/* UDP ports: a row per tunnel type, the port from the caller's table. */
static const struct {
	size_t port_field; /* offsetof(struct segoff_tunnel_ports, ...) */
	uint8_t proto;
} udp_port_rows[] = {
	{ offsetof(struct segoff_tunnel_ports, vxlan), SEGOFF_PROTO_VXLAN },
	{ offsetof(struct segoff_tunnel_ports, geneve), SEGOFF_PROTO_GENEVE },
};

enum segoff_proto segoff__proto_from_udp_port(const struct segoff_tunnel_ports *ports, uint16_t port)
{
	if (!ports || port == 0)
		return SEGOFF_PROTO_NONE;
	for (unsigned i = 0; i < sizeof(udp_port_rows) / sizeof(udp_port_rows[0]); i++) {
		uint16_t p;
		memcpy(&p, (const uint8_t *)ports + udp_port_rows[i].port_field, sizeof(p));
		if (p == port)
			return (enum segoff_proto)udp_port_rows[i].proto;
	}
	return SEGOFF_PROTO_NONE;
}

static const struct segoff_tunnel_ports default_ports = {
	.vxlan = SEGOFF_VXLAN_PORT,
	.geneve = SEGOFF_GENEVE_PORT,
};

void segoff_tunnel_ports_init(struct segoff_tunnel_ports *ports)
{
	if (ports)
		*ports = default_ports;
}

/* Does a layer of role `next` after one of role `prev` start a new
 * encapsulation level? After a tunnel header, and for an IP header that
 * an IP header carries (IPIP, SIT, ip6ip6). */
static int starts_level(enum layer_role prev, enum layer_role next)
{
	return prev == ROLE_TUNNEL || (prev == ROLE_NET && next == ROLE_NET);
}

/* The outer offsets keep the first header of each role, the inner ones
 * the last. */
static void record_role(struct segoff_pkt *pkt, enum layer_role role, enum segoff_proto p, unsigned off)
{
	if (role == ROLE_NET) {
		if (pkt->l3_off == 0xffff) {
			pkt->l3_off = (uint16_t)off;
			pkt->l3_proto = (uint8_t)p;
		}
		pkt->inner_l3_off = (uint16_t)off;
		pkt->inner_l3_proto = (uint8_t)p;
	} else if (role == ROLE_TRANSPORT) {
		if (pkt->l4_off == 0xffff) {
			pkt->l4_off = (uint16_t)off;
			pkt->l4_proto = (uint8_t)p;
		}
		pkt->inner_l4_off = (uint16_t)off;
		pkt->inner_l4_proto = (uint8_t)p;
	}
}

int segoff_parse(struct segoff_pkt *pkt, enum segoff_proto first, unsigned off)
{
	return segoff_parse_ports(pkt, first, off, &default_ports);
}

/* No layers yet: what a parse that found nothing leaves. */
static void parse_reset(struct segoff_pkt *pkt, unsigned off)
{
	pkt->nr_layers = 0;
	pkt->l3_off = pkt->l4_off = pkt->inner_l3_off = pkt->inner_l4_off = 0xffff;
	pkt->l3_proto = pkt->l4_proto = pkt->inner_l3_proto = pkt->inner_l4_proto = SEGOFF_PROTO_NONE;
	pkt->encap_depth = 0;
	pkt->is_fragment = 0;
	pkt->nr_vlan = 0;
	pkt->payload_off = (uint16_t)off;
}

int segoff_parse_ports(struct segoff_pkt *pkt, enum segoff_proto first, unsigned off,
		       const struct segoff_tunnel_ports *ports)
{
	if (!pkt || !pkt->head || !proto_ops_of(first))
		return SEGOFF_E_INVAL;
	parse_reset(pkt, off);

	/* Header offsets are 16-bit, like the kernel's. */
	if (off > 0xffff)
		return SEGOFF_E_INVAL;

	struct parse_state st = { .pkt = pkt, .off = off, .next = first, .ports = ports };
	uint8_t net = SEGOFF_LAYER_NONE; /* the latest network layer */
	while (st.next != SEGOFF_PROTO_NONE) {
		enum segoff_proto p = st.next;
		const struct proto_ops *ops = segoff__proto_table[p];
		if (pkt->nr_layers == SEGOFF_MAX_LAYERS)
			return SEGOFF_E_LAYER_LIMIT;
		enum layer_role prev = pkt->nr_layers ? segoff__proto_table[pkt->layer[pkt->nr_layers - 1].proto]->role
						      : ROLE_LINK;
		if (starts_level(prev, ops->role)) {
			if (st.depth + 1 == SEGOFF_MAX_DEPTH)
				return SEGOFF_E_LAYER_LIMIT;
			st.depth++;
			st.nr_vlan = 0;
		}
		st.len = 0;
		st.next = SEGOFF_PROTO_NONE;
		st.fixed_ok = 0;
		int err = ops->parse(&st);
		if (err < 0) {
			/* an IPv6 header whose own 40 bytes are whole is where the
			 * packet's IP header is, even if its extension chain is cut
			 * (reassembly names that case, R3) */
			if (st.fixed_ok)
				record_role(pkt, ops->role, p, st.off);
			return err;
		}
		if (st.off + st.len > 0xffff)
			return SEGOFF_E_TRUNCATED;
		uint8_t idx = pkt->nr_layers++;
		pkt->layer[idx] = (struct segoff_layer){
			.proto = (uint8_t)p, .depth = (uint8_t)st.depth, .net = net,
			.off = (uint16_t)st.off, .len = (uint16_t)st.len
		};
		record_role(pkt, ops->role, p, st.off);
		if (ops->role == ROLE_NET)
			net = idx;
		if (st.depth == 0)
			pkt->nr_vlan = (uint8_t)st.nr_vlan;
		st.off += st.len;
		pkt->payload_off = (uint16_t)st.off;
	}
	pkt->encap_depth = (uint8_t)st.depth;
	return SEGOFF_OK;
}

int segoff_parse_link(struct segoff_pkt *pkt, enum segoff_link link, const struct segoff_tunnel_ports *ports)
{
	if (!pkt || !pkt->head)
		return SEGOFF_E_INVAL;
	if (link == SEGOFF_LINK_ETH)
		return segoff_parse_ports(pkt, SEGOFF_PROTO_ETH, 0, ports);
	if (link != SEGOFF_LINK_IP)
		return SEGOFF_E_INVAL;
	/* a TUN's packet says its protocol by its version, as the kernel's
	 * tun_get_user() reads it with IFF_NO_PI */
	enum segoff_proto first = SEGOFF_PROTO_NONE;
	if (pkt->head_len)
		first = pkt->head[0] >> 4 == 4 ? SEGOFF_PROTO_IPV4 : pkt->head[0] >> 4 == 6 ? SEGOFF_PROTO_IPV6 : first;
	if (first == SEGOFF_PROTO_NONE) {
		parse_reset(pkt, 0);
		return pkt->head_len ? SEGOFF_E_IP_VERSION : SEGOFF_E_TRUNCATED;
	}
	return segoff_parse_ports(pkt, first, 0, ports);
}

enum segoff_link segoff_pkt_link(const struct segoff_pkt *pkt)
{
	return pkt->nr_layers && segoff__proto_table[pkt->layer[0].proto]->role == ROLE_NET ? SEGOFF_LINK_IP
											 : SEGOFF_LINK_ETH;
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

segoff_csum_t segoff__gro_pseudo(const uint8_t *hdr, const struct segoff_layer *net, uint8_t ipproto, uint32_t l4_len)
{
	const uint8_t *ip = hdr + net->off;
	if (net->proto == SEGOFF_PROTO_IPV6)
		return segoff_csum_pseudo6(ip + 8, ip + 24, ipproto, l4_len);
	return segoff_csum_pseudo4(ip + 12, ip + 16, ipproto, l4_len);
}
