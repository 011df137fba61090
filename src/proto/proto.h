/* SPDX-License-Identifier: MIT */
/*
 * proto.h - the protocol table: the contract between the generic engines and
 * the one-file-per-protocol layers (the kernel's net_offload callbacks).
 *
 * Segmentation runs in passes over the layers of a packet:
 *   gso_prepare  outside in, once per packet: refuse what the kernel refuses
 *                and leave in the context what inner layers need (the L3
 *                layer leaves the pseudo-header sum for L4).
 *   gso_template once per packet, on a private copy of the headers: write the
 *                fields every full-size middle segment shares (TCP: flag word,
 *                partial seed; IPv4/IPv6: length), so that they are copied
 *                with the headers instead of being written per segment.
 *   (the engine cuts the payload and copies that template per segment)
 *   gso_fixup    inside out, once per packet, looping over all segments:
 *                write what differs per segment (TCP: seq, full checksum;
 *                IPv4: ID, header checksum), then patch the first and last
 *                segments, whose flags and lengths differ from the middle.
 * Looping inside each callback keeps the indirect calls per packet, not per
 * segment. Adding a protocol is adding a file and a row in proto.c.
 */
#ifndef SEGOFF_PROTO_H
#define SEGOFF_PROTO_H

#include <string.h>
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
	const uint8_t *tmpl;    /* the headers the engine copies into every segment */
};

/* Headers up to this size get a specialised template (gso_template); longer
 * ones (deep IPv6 extension chains) have it applied to each segment. */
#define GSO_TMPL_MAX 512

struct proto_ops {
	const char *name;
	int (*parse)(struct parse_state *st);
	int (*gso_prepare)(struct gso_ctx *c, const struct segoff_layer *l);
	void (*gso_template)(const struct gso_ctx *c, const struct segoff_layer *l, uint8_t *hdr);
	void (*gso_fixup)(const struct gso_ctx *c, const struct segoff_layer *l);
};

extern const struct proto_ops proto_eth, proto_vlan, proto_ipv4, proto_ipv6, proto_tcp, proto_udp;

/* The table, indexed by enum segoff_proto (NULL for NONE). */
const struct proto_ops *proto_ops_of(enum segoff_proto p);

/* Next-protocol lookups shared by the layers that carry an ethertype or an
 * IP protocol number. */
enum segoff_proto proto_from_ethertype(uint16_t ethertype);
enum segoff_proto proto_from_ipproto(uint8_t ipproto);

/* Big-endian field access: one load or store and a byte swap, which the
 * compiler does not always make of byte-by-byte code. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define be16_host(x) (x)
#define be32_host(x) (x)
#else
#define be16_host(x) __builtin_bswap16(x)
#define be32_host(x) __builtin_bswap32(x)
#endif

static inline uint16_t rd16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return be16_host(v);
}
static inline uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return be32_host(v);
}
static inline void wr16(uint8_t *p, uint16_t v)
{
	v = be16_host(v);
	memcpy(p, &v, 2);
}
static inline void wr32(uint8_t *p, uint32_t v)
{
	v = be32_host(v);
	memcpy(p, &v, 4);
}

/* Fold a sum of a few 16-bit words (< 2^31) to 16 bits: 0 only for 0. */
static inline uint16_t csum_fold32(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s += s >> 16;
	return (uint16_t)s;
}

/* One's-complement negation, to take a word out of an unfolded sum. */
static inline segoff_csum_t csum_neg16(uint16_t w)
{
	return (uint16_t)~w;
}

#endif
