/* SPDX-License-Identifier: MIT */
/*
 * proto.h - the protocol table: the contract between the generic engines and
 * the one-file-per-protocol layers (the kernel's net_offload callbacks).
 *
 * Segmentation runs in three passes over the layers of a packet:
 *   gso_prepare  outside in, once per packet: refuse what the kernel refuses
 *                and leave in the context what inner layers need (the L3
 *                layer leaves the pseudo-header sum for L4).
 *   (the engine cuts the payload and copies the header template per segment)
 *   gso_fixup    inside out, once per packet, looping over all segments:
 *                write this layer's fields (TCP: seq, flags, check; IPv4: ID,
 *                tot_len, header checksum; IPv6: payload_len).
 * Looping inside each callback keeps the indirect calls per packet, not per
 * segment. Adding a protocol is adding a file and a row in proto.c.
 */
#ifndef SEGOFF_PROTO_H
#define SEGOFF_PROTO_H

#include <segoff/segoff.h>

struct parse_state {
	struct segoff_pkt *pkt;
	unsigned off;           /* where this layer's header starts */
	unsigned len;           /* out: its length */
	enum segoff_proto next; /* out: the protocol that follows, or NONE */
};

struct gso_ctx {
	const struct segoff_pkt *pkt;
	const struct segoff_gso_params *params;
	struct segoff_seg *segs;
	unsigned nr_segs;
	unsigned mss;
	unsigned hdr_len;       /* bytes of headers in every segment */
	uint32_t payload_len;   /* bytes after the headers in the super-packet */
	int full_csum;          /* write final L4 checksums */
	int fixed_id;           /* IPv4: keep the ID [I2] */
	uint32_t l3_gso_type;   /* set by L3 prepare: SEGOFF_GSO_TCPV4 or _TCPV6 */
	segoff_csum_t pseudo;   /* set by L3 prepare: pseudo-header address sum (L4 adds
				 * its protocol number and length) */
};

struct proto_ops {
	const char *name;
	int (*parse)(struct parse_state *st);
	int (*gso_prepare)(struct gso_ctx *c, const struct segoff_layer *l);
	void (*gso_fixup)(const struct gso_ctx *c, const struct segoff_layer *l);
};

extern const struct proto_ops proto_eth, proto_vlan, proto_ipv4, proto_ipv6, proto_tcp, proto_udp;

/* The table, indexed by enum segoff_proto (NULL for NONE). */
const struct proto_ops *proto_ops_of(enum segoff_proto p);

/* Next-protocol lookups shared by the layers that carry an ethertype or an
 * IP protocol number. */
enum segoff_proto proto_from_ethertype(uint16_t ethertype);
enum segoff_proto proto_from_ipproto(uint8_t ipproto);

/* Big-endian field access. */
static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* One's-complement negation, to take a word out of an unfolded sum. */
static inline segoff_csum_t csum_neg16(uint16_t w)
{
	return (uint16_t)~w;
}

#endif
