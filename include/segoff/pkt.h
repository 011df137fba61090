/* SPDX-License-Identifier: MIT */
/*
 * pkt.h - the packet model: a contiguous header area, a payload scatter list,
 * and the metadata every offload works from (layer offsets, GSO fields,
 * checksum state). Like an sk_buff without the kernel.
 *
 * Ownership: a segoff_pkt only points at bytes; it never owns them. The
 * caller keeps `head` and every payload slice alive and unchanged for as long
 * as the packet, or any zero-copy output made from it, is in use.
 */
#ifndef SEGOFF_PKT_H
#define SEGOFF_PKT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A read-only byte range. Laid out exactly like struct iovec (pointer, then
 * size_t), so an array of them can be handed to writev()/sendmsg() with a
 * cast; segoff/tap.h checks this at compile time.
 */
struct segoff_slice {
	const void *base;
	size_t len;
};

/* Protocols the parser knows. Each has one row in the protocol table. */
enum segoff_proto {
	SEGOFF_PROTO_NONE = 0,
	SEGOFF_PROTO_ETH,
	SEGOFF_PROTO_VLAN,      /* 802.1Q or 802.1ad tag (4 bytes) */
	SEGOFF_PROTO_IPV4,
	SEGOFF_PROTO_IPV6,      /* fixed header and its extension headers */
	SEGOFF_PROTO_TCP,
	SEGOFF_PROTO_UDP,
	SEGOFF_PROTO_VXLAN,     /* VXLAN header (8 bytes) over UDP, then Ethernet */
	SEGOFF_PROTO_GENEVE,    /* Geneve header and its options over UDP */
	SEGOFF_PROTO_GRE,       /* GRE header (4 to 16 bytes) over IP, then what its protocol says */
	SEGOFF_PROTO__COUNT
};

/* Checksum state, with the kernel's four meanings (ip_summed). */
enum segoff_csum_state {
	SEGOFF_CSUM_NONE = 0,   /* nothing known: the L4 check field is not trusted */
	SEGOFF_CSUM_VERIFIED,   /* already verified (virtio DATA_VALID, CHECKSUM_UNNECESSARY) */
	SEGOFF_CSUM_PARTIAL,    /* field at csum_start+csum_offset holds the pseudo-header sum */
	SEGOFF_CSUM_COMPLETE    /* the check field is final */
};

/* GSO type bits (the kernel's SKB_GSO_*, not virtio's numbering). */
#define SEGOFF_GSO_TCPV4    0x0001u
#define SEGOFF_GSO_TCPV6    0x0002u
#define SEGOFF_GSO_UDP_L4   0x0004u /* USO: every segment a full UDP datagram */
#define SEGOFF_GSO_UDP      0x0008u /* UFO: IP fragmentation of one datagram */
#define SEGOFF_GSO_TCP_ECN  0x0010u /* device may do ECN-aware TSO; no effect on software output */
#define SEGOFF_GSO_FIXEDID  0x0020u /* keep the (outer) IPv4 ID on every segment [I2, E2] */
#define SEGOFF_GSO_UDP_TUNNEL      0x0040u /* inside a UDP tunnel, outer check copied [E3] */
#define SEGOFF_GSO_UDP_TUNNEL_CSUM 0x0080u /* inside a UDP tunnel, outer checksum per segment [E3] */
#define SEGOFF_GSO_FIXEDID_INNER   0x0100u /* keep the inner IPv4 ID on every segment [E2] */
#define SEGOFF_GSO_GRE             0x0200u /* inside GRE, its header copied as is [E5] */
#define SEGOFF_GSO_GRE_CSUM        0x0400u /* inside GRE, its checksum written per segment [E5] */
#define SEGOFF_GSO_IPXIP4          0x0800u /* an IP packet inside IPv4 (IPIP, SIT) [E6] */
#define SEGOFF_GSO_IPXIP6          0x1000u /* an IP packet inside IPv6 (ip4ip6, ip6ip6) [E6] */
#define SEGOFF_GSO_PARTIAL         0x2000u /* a GSO_PARTIAL cut: lengths describe one segment [E8] */

/* Most layers one packet may have: room for a VXLAN packet with two VLAN
 * tags on either side (eth + 2 vlan + ip + udp + vxlan + eth + 2 vlan + ip +
 * tcp = 11), and one to spare. More is SEGOFF_E_LAYER_LIMIT. */
#define SEGOFF_MAX_LAYERS 12
/* Most encapsulation depths a packet's layers may have (0 = outermost). */
#define SEGOFF_MAX_DEPTH 4
/* Most IPv6 extension headers the parser walks before refusing the packet. */
#define SEGOFF_MAX_EXTHDRS 16
/* `net` of a layer that no network layer encloses (the outer link layers). */
#define SEGOFF_LAYER_NONE 0xff

/*
 * One parsed header. `depth` is its encapsulation level: 0 for the outer
 * packet, one more for each tunnel crossed (the layers after a tunnel
 * header, or after an IP header that carries IP). `net` is the index in
 * segoff_pkt.layer of the nearest network layer before it (for a TCP
 * header, its IP header, whose addresses make its pseudo-header; for an
 * inner IP header, the outer one), or SEGOFF_LAYER_NONE.
 */
struct segoff_layer {
	uint8_t proto;          /* enum segoff_proto */
	uint8_t depth;          /* encapsulation level, 0 = outermost */
	uint8_t net;            /* index of the enclosing network layer */
	uint16_t off;           /* offset of this header from the start of the packet */
	uint16_t len;           /* length of this header (IPv6: with extension headers) */
};

struct segoff_pkt {
	/* Bytes: `head` is contiguous and must hold every header; the payload is
	 * whatever of `head` follows the last header, then each slice in turn. */
	const uint8_t *head;
	size_t head_len;
	const struct segoff_slice *frags;
	unsigned nr_frags;

	/* Metadata filled by segoff_parse(). l3_* and l4_* describe the
	 * outermost network and transport headers (as sk_buff's
	 * network_header and transport_header); inner_l3_* and inner_l4_* the
	 * innermost ones (its inner_network_header, inner_transport_header),
	 * which are the same as the outer ones when encap_depth is 0. */
	uint32_t len;           /* total bytes: head_len + all slices */
	uint8_t nr_layers;
	struct segoff_layer layer[SEGOFF_MAX_LAYERS];
	uint16_t l3_off;        /* 0xffff when there is no IP layer */
	uint16_t l4_off;        /* 0xffff when there is no TCP/UDP layer */
	uint16_t inner_l3_off;  /* 0xffff when there is no IP layer */
	uint16_t inner_l4_off;  /* 0xffff when there is no TCP/UDP layer */
	uint16_t payload_off;   /* first byte after the last header parsed */
	uint8_t l3_proto;       /* SEGOFF_PROTO_IPV4 / _IPV6 / _NONE */
	uint8_t l4_proto;       /* SEGOFF_PROTO_TCP / _UDP / _NONE */
	uint8_t inner_l3_proto;
	uint8_t inner_l4_proto;
	uint8_t encap_depth;    /* depth of the innermost layer: 0 = no tunnel */
	uint8_t is_fragment;    /* IPv4 MF/offset, or an IPv6 fragment header */
	uint8_t nr_vlan;        /* VLAN tags of the outermost Ethernet header */

	/* Offload metadata: set by the caller or by segoff_vnet_to_pkt(). */
	uint16_t gso_size;      /* MSS; 0 = not a GSO packet */
	uint16_t gso_segs;      /* filled by segmentation / coalescing */
	uint32_t gso_type;      /* SEGOFF_GSO_* bits */
	uint8_t csum_state;     /* enum segoff_csum_state */
	uint16_t csum_start;    /* PARTIAL: offset where checksumming starts */
	uint16_t csum_offset;   /* PARTIAL: offset of the check field from csum_start */
};

/*
 * UDP destination ports whose datagrams carry a tunnel. The kernel knows
 * them from the tunnel sockets listening in the namespace (a VXLAN device
 * registers 4789); segoff from this table. 0 = none of that type.
 */
struct segoff_tunnel_ports {
	uint16_t vxlan;         /* SEGOFF_VXLAN_PORT by default */
	uint16_t geneve;        /* SEGOFF_GENEVE_PORT by default */
};
#define SEGOFF_VXLAN_PORT 4789
#define SEGOFF_GENEVE_PORT 6081

/** The defaults: VXLAN on 4789, Geneve on 6081. */
void segoff_tunnel_ports_init(struct segoff_tunnel_ports *ports);

/**
 * Point `pkt` at bytes and clear all metadata. `frags` may be NULL when
 * `nr_frags` is 0. Does not parse.
 */
void segoff_pkt_init(struct segoff_pkt *pkt, const void *head, size_t head_len,
		     const struct segoff_slice *frags, unsigned nr_frags);

/**
 * Parse the headers of `pkt` starting with protocol `first` at offset `off`
 * (SEGOFF_PROTO_ETH at 0 for an Ethernet frame; SEGOFF_PROTO_IPV4/IPV6 for a
 * raw IP packet). Fills the layer list and offsets; leaves the offload
 * metadata alone. Parsing stops without error at a protocol it does not know
 * (ARP, ICMP, ...): check l3_proto / l4_proto. Length fields (IPv4 tot_len,
 * IPv6 payload_len) are recorded by the layers that need them but not
 * enforced here, because a TSO super-packet may carry 0 there (BIG TCP) and
 * the kernel's segmenter ignores them.
 *
 * Returns SEGOFF_OK, or SEGOFF_E_TRUNCATED, _VLAN_DEPTH, _LAYER_LIMIT,
 * _IP_VERSION, _IPV4_IHL, _IPV6_EXTHDR_LIMIT, _TCP_DOFF, _INVAL.
 */
int segoff_parse(struct segoff_pkt *pkt, enum segoff_proto first, unsigned off);

/**
 * segoff_parse() with the tunnel ports given (segoff_parse() takes the
 * defaults); `ports` NULL: UDP never carries a tunnel. Past a tunnel header
 * the inner packet is parsed too: its layers have depth 1, its offsets are
 * in inner_l3_off / inner_l4_off.
 */
int segoff_parse_ports(struct segoff_pkt *pkt, enum segoff_proto first, unsigned off,
		       const struct segoff_tunnel_ports *ports);

/* What a buffer starts with: an Ethernet frame (a TAP, a NIC, a capture of
 * DLT_EN10MB) or an IP packet (a TUN device, a VPN's datagram payload):
 * IPv4 or IPv6 by the version in its first byte. */
enum segoff_link {
	SEGOFF_LINK_ETH = 0,
	SEGOFF_LINK_IP
};

/**
 * segoff_parse_ports() from the start of a buffer of link type `link`. For
 * SEGOFF_LINK_IP, an empty buffer is SEGOFF_E_TRUNCATED and a first byte of
 * another version SEGOFF_E_IP_VERSION (nothing parsed).
 */
int segoff_parse_link(struct segoff_pkt *pkt, enum segoff_link link, const struct segoff_tunnel_ports *ports);

/** The link type a parsed packet started with. */
enum segoff_link segoff_pkt_link(const struct segoff_pkt *pkt);

/**
 * Copy `len` bytes of the packet from offset `off` into `dst`, across the
 * head and the slices. Returns SEGOFF_OK or SEGOFF_E_TRUNCATED.
 */
int segoff_pkt_copy_out(const struct segoff_pkt *pkt, size_t off, void *dst, size_t len);

/** Name of a protocol ("ipv4"), for reports. */
const char *segoff_proto_name(enum segoff_proto proto);

#ifdef __cplusplus
}
#endif

#endif /* SEGOFF_PKT_H */
