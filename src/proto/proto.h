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
#include <segoff/gro.h>
#include "../core/internal.h"

/* What a layer is to the engines; the parser keeps the packet's offsets
 * (outer and inner L3/L4) and the layers' depths from it, so that no
 * protocol writes them itself. */
enum layer_role {
	ROLE_LINK = 0,  /* Ethernet, VLAN */
	ROLE_NET,       /* IPv4, IPv6: carries a pseudo-header and an ID */
	ROLE_TRANSPORT, /* TCP, UDP */
	ROLE_TUNNEL,    /* a tunnel header: what follows is one level deeper */
};

struct parse_state {
	struct segoff_pkt *pkt;
	unsigned off;           /* where this layer's header starts */
	unsigned len;           /* out: its length */
	enum segoff_proto next; /* out: the protocol that follows, or NONE */
	unsigned depth;         /* this layer's encapsulation level */
	unsigned nr_vlan;       /* VLAN tags seen at this depth */
	int fixed_ok;           /* out: the layer's fixed header is whole, even if
				 * what it chains (IPv6 extension headers) is not */
	const struct segoff_tunnel_ports *ports; /* NULL: no UDP tunnels */
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
	/* GSO_PARTIAL [E8]: 0, or how many gso_size segments each cut holds
	 * (`mss` is then that many times gso_size). A cut of more than gso_size
	 * payload bytes is itself a GSO packet: its length fields describe
	 * one gso_size segment (gso_field_payload) and its IPv4 IDs advance
	 * by its segment count (gso_id_step); its TCP seed counts all of it. */
	unsigned partial_segs;
	unsigned gso_size;
	const uint8_t *tmpl;    /* the headers the engine copies into every segment */
	/* Per encapsulation level (a layer's depth), as the kernel keys its
	 * per-segment state by encap level: the network layer of a level
	 * leaves here what the layers it encloses need. */
	struct gso_level {
		int fixed_id;           /* IPv4: keep the ID [I2] (set by the engine) */
		uint32_t l3_gso_type;   /* set by L3 prepare: SEGOFF_GSO_TCPV4 or _TCPV6 */
		segoff_csum_t pseudo;   /* set by L3 prepare: pseudo-header address sum
					 * (L4 adds its protocol number and length) */
		int encap_csum;         /* set by a tunnel carrier (UDP): the outer
					 * checksum is written per segment [E3] */
	} level[SEGOFF_MAX_DEPTH];
};

/* Payload bytes segment i really carries. */
static inline uint32_t gso_seg_payload(const struct gso_ctx *c, unsigned i)
{
	return i == c->nr_segs - 1 ? c->payload_len - i * c->mss : c->mss;
}

/* Payload bytes the IP and outer UDP length fields of segment i describe:
 * its own, or one gso_size segment's when it is a GSO_PARTIAL packet [E8]. */
static inline uint32_t gso_field_payload(const struct gso_ctx *c, unsigned i)
{
	uint32_t own = gso_seg_payload(c, i);
	return c->partial_segs && own > c->gso_size ? c->gso_size : own;
}

/* ... of a full-size (middle) segment, for the templates. */
static inline uint32_t gso_mid_field_payload(const struct gso_ctx *c)
{
	return c->partial_segs ? c->gso_size : c->mss;
}

/* How far the IPv4 ID advances from one segment to the next: a
 * GSO_PARTIAL cut counts the segments the device will make of it [E8]. */
static inline unsigned gso_id_step(const struct gso_ctx *c)
{
	return c->partial_segs ? c->partial_segs : 1;
}

/* Headers up to this size get a specialised template (gso_template); longer
 * ones (deep IPv6 extension chains) have it applied to each segment. */
#define GSO_TMPL_MAX 512

/* --- GRO (engine: src/engine/gro.c) ---
 *
 * Receive runs these passes over the layers of a new packet:
 *   gro_check     outside in, the packet alone: may it be held at all?
 *                 Returns GRO_OK, GRO_NOT_HELD (deliver at once, held flows
 *                 untouched) or GRO_NO_MERGE (deliver at once, but first
 *                 flush a held flow it belongs to), with the counter that
 *                 names why. Also appends the layer's identity bytes to the
 *                 flow key (two packets are the same flow iff keys match).
 *   gro_receive   outside in, against the held flow of the same key:
 *                 0 = may merge, else the counter naming the mismatch.
 *   gro_merge     outside in, after the engine merged: update the held
 *                 headers (TCP: OR FIN/PSH; IPv4: decide fixed ID).
 *   gro_close     the transport only: after a merge, must the flow be
 *                 delivered now; for a packet starting a flow, must it go
 *                 up at once? 0 or the counter naming why.
 *   gro_complete  inside out, at delivery of a merged flow: fix lengths,
 *                 checksums and the GSO type.
 *
 * The fast path for a packet continuing a held flow (the common case) skips
 * parsing and the passes above when the packet's headers equal the held
 * ones on every byte the layers' gro_mask keeps (identity, TTL, flags but
 * PSH/FIN, ACK, window, options...), and each layer's gro_fast accepts the
 * bytes that vary (seq, IPv4 ID, lengths, checksums). gro_fast may only
 * accept what gro_check + gro_receive would merge; anything else takes the
 * full path. A flow whose layers lack gro_fast has no fast path.
 */
enum gro_verdict { GRO_OK = 0, GRO_NOT_HELD, GRO_NO_MERGE };

#define GRO_MAX_KEY 192
#define GRO_MAX_SPANS 8

/* What the engine knows of the packet being received. */
struct gro_in {
	const struct segoff_pkt *pkt;
	const uint8_t *hdr;     /* pkt->head: all headers are there */
	uint32_t payload_len;   /* bytes after the transport header */
	segoff_csum_t payload_sum; /* filled by the transport's check when it verified */
	uint8_t sum_valid;      /* payload_sum holds the payload's sum */
	uint8_t payload_summed; /* payload_sum was summed by an outer layer (a tunnel's
				 * checksum), which verified nothing of the inner one */
	uint8_t outer_csum_valid; /* an outer layer validated its checksum: a UDP tunnel's
				 * (a zero one counts) or GRE's. The kernel then marks the
				 * packet CHECKSUM_UNNECESSARY, which a packet sent up for a
				 * bad inner checksum keeps (kernel-notes.md, EG4) */
	uint8_t lro;
	uint8_t udp;            /* UDP GRO enabled */
	uint8_t verify;         /* checksum must be verified (not trusted, not VERIFIED) */
	uint8_t key[GRO_MAX_KEY];
	uint16_t key_len;
	uint16_t reason;        /* counter for a GRO_NOT_HELD / GRO_NO_MERGE verdict */
	uint32_t frame_len;     /* bytes of the frame (pkt may be NULL on the fast path) */
	/* where the key bytes came from, so the fast path can gather them from
	 * a raw frame; spans_ok is 0 if a layer added bytes not in the frame */
	uint8_t nr_spans, spans_ok;
	uint16_t span_off[GRO_MAX_SPANS], span_len[GRO_MAX_SPANS];
};

/* A held flow: the first packet's headers (rewritten at completion), the
 * payload as slices into input buffers, and the decisions taken so far. */
struct gro_flow {
	uint8_t hdr[SEGOFF_GRO_MAX_HDR];
	uint8_t key[GRO_MAX_KEY];
	uint16_t key_len;
	uint16_t hdr_len;
	uint8_t nr_layers;
	struct segoff_layer layer[SEGOFF_MAX_LAYERS];
	uint16_t l3_off;         /* outermost, as segoff_pkt: the size limit counts from it */
	uint16_t l4_off, inner_l3_off; /* a tunnel's outer transport and inner network headers */
	uint8_t l3_proto;        /* outermost network protocol */
	uint16_t inner_l4_off;   /* innermost transport: where checksum offload starts */
	uint8_t inner_l4_proto;
	uint8_t ip_fixedid[SEGOFF_MAX_DEPTH]; /* per depth, decided at the second packet [G8] */
	uint8_t pure_ack;       /* LRO: a flow of pure ACKs */
	uint8_t sum_valid;      /* payload_sum covers all payload */
	uint8_t in_csum_state;  /* the first packet's checksum state */
	uint32_t gso_type;      /* set at completion */
	uint16_t mss;           /* the first packet's payload [G2] */
	uint16_t count;         /* packets merged */
	uint32_t payload_len;
	segoff_csum_t payload_sum;
	uint64_t born;
	uint32_t hash;
	/* fast path: the key's spans in the frame, and the mask of header
	 * bytes a continuing packet must repeat exactly (gro_mask) */
	uint8_t fast, nr_spans, live;
	uint8_t spans_ok;       /* the key can be gathered from a frame by its spans */
	uint16_t span_off[GRO_MAX_SPANS], span_len[GRO_MAX_SPANS];
	uint8_t mask[SEGOFF_GRO_MAX_HDR];
	/* the callbacks the fast path runs, resolved once at hold */
	uint8_t nr_fast, nr_merge;
	int (*fast_fn[SEGOFF_MAX_LAYERS])(const struct gro_flow *, struct gro_in *, const struct segoff_layer *);
	void (*merge_fn[SEGOFF_MAX_LAYERS])(struct gro_flow *, const struct gro_in *, const struct segoff_layer *);
	uint8_t fast_layer[SEGOFF_MAX_LAYERS], merge_layer[SEGOFF_MAX_LAYERS];
	int (*close_fn)(const struct gro_flow *, const struct gro_in *, const struct segoff_layer *);
	/* The express path (gro.c): a TCP flow through layers the engine
	 * knows (Ethernet, VLAN, IPv4, IPv6, a UDP tunnel, VXLAN, Geneve, GRE)
	 * is continued with the checks of their gro_fast written out, for
	 * packets whose checksums need no verifying. */
	uint8_t xp;             /* the flow may take the express path */
	uint8_t xp_nr_ip4, xp_nr_ip6;
	uint8_t xp_ip4_depth[2];
	uint16_t xp_ip4[2];     /* its IPv4 headers */
	uint16_t xp_ip6[2];     /* its IPv6 headers */
	uint16_t xp_udp;        /* a UDP tunnel's header, or 0 */
	int32_t hnext;          /* bucket chain */
	int32_t older, newer;   /* age list */
	uint16_t nr_slices, nr_cookies;
	struct segoff_slice *slices; /* [0] is the header; payload from [1] */
	void **cookies;
};

/* --- fragmentation (engine: src/engine/frag.c) ---
 * frag_prepare (the IP layer): refuse (DF, an MTU too small), and say what
 * every fragment repeats (unfrag_len bytes from the L3 header, plus an
 * extension header of frag_hdr_len) and where the fragmentable data starts.
 * frag_fixup: write the IP fields of one fragment whose header the engine
 * copied (from `first_hdr` for fragment 0, `later_hdr` after). */
struct frag_ctx {
	const struct segoff_pkt *pkt;
	struct segoff_frag_params *params;
	unsigned l3_off;
	unsigned unfrag_len;    /* bytes from the L3 header repeated in every fragment */
	unsigned frag_hdr_len;  /* 8 for IPv6's fragment header, else 0 */
	uint32_t data_off;      /* first fragmentable byte of the packet */
	uint32_t data_len;
	uint32_t per_frag;      /* data bytes per fragment but the last: a multiple of 8 */
	uint32_t orig_offset;   /* IPv4: the incoming fragment offset, in bytes */
	uint8_t orig_more;      /* IPv4: the incoming MF */
	uint8_t v6_nexthdr;     /* IPv6: the header the fragment header announces */
	uint16_t v6_nh_pos;     /* IPv6: offset from L3 of the next-header byte that becomes 44 */
	uint32_t v6_id;
	uint8_t later_hdr[60 + 64]; /* IPv4: the header of later fragments */
};

struct proto_ops {
	const char *name;
	enum layer_role role;
	int (*parse)(struct parse_state *st);
	int (*gso_prepare)(struct gso_ctx *c, const struct segoff_layer *l);
	void (*gso_template)(const struct gso_ctx *c, const struct segoff_layer *l, uint8_t *hdr);
	void (*gso_fixup)(const struct gso_ctx *c, const struct segoff_layer *l);
	/* transport layers: the check field's partial seed (pseudo-header sum)
	 * for a segment of l4_len bytes, as gso_fixup writes it; an outer
	 * checksum takes the inner segment's sum from it [E3, E4] */
	uint16_t (*gso_seed)(const struct gso_ctx *c, const struct segoff_layer *l, uint32_t l4_len);

	int (*gro_check)(struct gro_in *in, const struct segoff_layer *l);
	int (*gro_receive)(const struct gro_flow *f, const struct gro_in *in, const struct segoff_layer *l);
	void (*gro_merge)(struct gro_flow *f, const struct gro_in *in, const struct segoff_layer *l);
	int (*gro_close)(const struct gro_flow *f, const struct gro_in *in, const struct segoff_layer *l);
	void (*gro_complete)(struct gro_flow *f, const struct segoff_layer *l, int full_csum);
	void (*gro_mask)(const struct gro_flow *f, const struct segoff_layer *l, uint8_t *mask);
	/* IP layers: the packet's length by its own header (L3 header
	 * included), which may be less than the frame's (Ethernet padding) */
	uint32_t (*ip_len)(const uint8_t *l3);
	int (*frag_prepare)(struct frag_ctx *c, const struct segoff_layer *l);
	void (*frag_fixup)(const struct frag_ctx *c, uint8_t *l3, uint32_t offset, uint32_t len, int more);
	int (*gro_fast)(const struct gro_flow *f, struct gro_in *in, const struct segoff_layer *l);
	/* Which of the express path's written-out checks stands for this row's
	 * gro_fast when no checksum is to be verified (enum gro_express);
	 * GRO_XP_NONE keeps the row's flows off the express path. */
	uint8_t gro_express;
};

enum gro_express {
	GRO_XP_NONE = 0,
	GRO_XP_MASK,        /* a continuing packet repeats every byte the mask keeps: nothing else */
	GRO_XP_IPV4,        /* tot_len, header checksum, ID (ipv4_gro_id_continues) */
	GRO_XP_IPV6,        /* payload length (ipv6_gro_len_ok) */
	GRO_XP_UDP_CARRIER, /* a tunnel's UDP header: an outer checksum or not, as the flow */
	GRO_XP_TCP,         /* the innermost transport: tcp_gro_continues, merge, close */
};

/* The UDP row's segmentation of a UDP header that carries a tunnel
 * (udp_tunnel.c): the same callbacks, for the outer header [E3, E4]. */
SEGOFF_INTERNAL int segoff__udp_tunnel_gso_prepare(struct gso_ctx *c, const struct segoff_layer *l);
SEGOFF_INTERNAL void segoff__udp_tunnel_gso_template(const struct gso_ctx *c, const struct segoff_layer *l,
						     uint8_t *hdr);
SEGOFF_INTERNAL void segoff__udp_tunnel_gso_fixup(const struct gso_ctx *c, const struct segoff_layer *l);

SEGOFF_INTERNAL int segoff__udp_tunnel_gro_check(struct gro_in *in, const struct segoff_layer *l);
SEGOFF_INTERNAL void segoff__udp_tunnel_gro_complete(struct gro_flow *f, const struct segoff_layer *l, int full_csum);
SEGOFF_INTERNAL void segoff__udp_tunnel_gro_mask(const struct gro_flow *f, const struct segoff_layer *l,
						 uint8_t *mask);
SEGOFF_INTERNAL int segoff__udp_tunnel_gro_fast(const struct gro_flow *f, struct gro_in *in,
						const struct segoff_layer *l);

/* Is this transport layer a tunnel's carrier (not the packet's innermost)? */
static inline int gso_is_carrier(const struct gso_ctx *c, const struct segoff_layer *l)
{
	return l->off != c->pkt->inner_l4_off;
}

/* Sum of a packet's payload (after the last header), across head and slices. */
SEGOFF_INTERNAL segoff_csum_t segoff__gro_payload_sum(const struct segoff_pkt *pkt);
/* Sum of a held flow's payload slices. */
SEGOFF_INTERNAL segoff_csum_t segoff__gro_flow_payload_sum(const struct gro_flow *f);
/* Pseudo-header sum (addresses, protocol, length) from the network layer
 * `net` (a transport layer's layer[l->net]) of the headers at `hdr`. */
SEGOFF_INTERNAL segoff_csum_t segoff__gro_pseudo(const uint8_t *hdr, const struct segoff_layer *net, uint8_t ipproto,
						 uint32_t l4_len);

/* Append identity bytes to the flow key; 0, or -1 when the key is full. */
static inline int gro_key_add(struct gro_in *in, const void *p, unsigned n)
{
	if (in->key_len + n > GRO_MAX_KEY)
		return -1;
	memcpy(in->key + in->key_len, p, n);
	in->key_len = (uint16_t)(in->key_len + n);
	const uint8_t *b = p;
	if (b >= in->hdr && b + n <= in->hdr + in->pkt->payload_off && in->nr_spans < GRO_MAX_SPANS) {
		in->span_off[in->nr_spans] = (uint16_t)(b - in->hdr);
		in->span_len[in->nr_spans++] = (uint16_t)n;
	} else {
		in->spans_ok = 0;
	}
	return 0;
}

/* A tunnel's own checksum (outer UDP, GRE) over `hdrs` header bytes at
 * `from` and a payload whose sum is `payload`, plus `pseudo` (0 for GRE):
 * does it verify? The payload's sum is kept in `in` for the inner
 * transport, which then need not read the payload again. */
static inline int gro_carrier_csum_ok(struct gro_in *in, const uint8_t *from, unsigned hdrs, segoff_csum_t payload,
				      segoff_csum_t pseudo)
{
	in->payload_sum = payload;
	in->payload_summed = 1;
	return segoff_csum_fold(pseudo + segoff_csum_add_at(segoff_csum(from, hdrs), payload, hdrs)) == 0xffff;
}

extern SEGOFF_INTERNAL const struct proto_ops segoff__proto_eth, segoff__proto_vlan, segoff__proto_ipv4,
	segoff__proto_ipv6, segoff__proto_tcp, segoff__proto_udp, segoff__proto_vxlan, segoff__proto_geneve,
	segoff__proto_gre;

/* The table, indexed by enum segoff_proto (NULL for NONE). */
extern SEGOFF_INTERNAL const struct proto_ops *const segoff__proto_table[SEGOFF_PROTO__COUNT];
static inline const struct proto_ops *proto_ops_of(enum segoff_proto p)
{
	return (unsigned)p < SEGOFF_PROTO__COUNT ? segoff__proto_table[p] : NULL;
}

/* IP-in-IP [E6]: does the network layer `l` (of the `nr` layers at `base`)
 * carry another IP header (IPIP, SIT, ip4ip6, ip6ip6)? */
static inline int layer_carries_ip(const struct segoff_layer *base, unsigned nr, const struct segoff_layer *l)
{
	const unsigned i = (unsigned)(l - base);
	return i + 1 < nr && proto_ops_of(base[i + 1].proto)->role == ROLE_NET;
}

/* The outer IP layer of IP-in-IP under segmentation: a packet that names
 * its inner GSO type must name IPXIP4 (IPv4 outside) or IPXIP6 (IPv6), as
 * the kernel's ipip/sit/ip6ip6/ip4ip6 segmenters refuse it otherwise; one
 * that names none (a capture) is taken as IP-in-IP. */
static inline int ipxip_gso_check(const struct gso_ctx *c, const struct segoff_layer *l, uint32_t bit)
{
	const struct segoff_pkt *pkt = c->pkt;
	const uint32_t inner = SEGOFF_GSO_TCPV4 | SEGOFF_GSO_TCPV6 | SEGOFF_GSO_UDP_L4 | SEGOFF_GSO_UDP;
	if (layer_carries_ip(pkt->layer, pkt->nr_layers, l) && (pkt->gso_type & inner) && !(pkt->gso_type & bit))
		return SEGOFF_E_GSO_TYPE;
	return SEGOFF_OK;
}

/* Next-protocol lookups shared by the layers that carry an ethertype or an
 * IP protocol number. */
SEGOFF_INTERNAL enum segoff_proto segoff__proto_from_ethertype(uint16_t ethertype);
SEGOFF_INTERNAL enum segoff_proto segoff__proto_from_ipproto(uint8_t ipproto);
/* The tunnel a UDP destination port carries, or NONE. */
SEGOFF_INTERNAL enum segoff_proto segoff__proto_from_udp_port(const struct segoff_tunnel_ports *ports, uint16_t port);

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

/* --- GRO checks shared by a row's callbacks and the engine's express path --- */

/* Folded sum of a 20-byte IPv4 header, inline: this runs for every packet.
 * Five 32-bit words in the CPU's order: a sum of all ones (the only thing
 * asked) is all ones in either byte order. */
static inline uint16_t ipv4_hdr_sum(const uint8_t *ip)
{
	uint32_t w[5];
	memcpy(w, ip, 20);
	uint64_t s = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	return csum_fold32((uint32_t)s);
}

/* The IPv4 ID of a packet continuing flow f [G8]: the first packet's plus
 * the packets held, or the same once the flow is seen to keep it fixed,
 * decided at the second packet, per encapsulation depth [EG7]. */
static inline int ipv4_gro_id_continues(const struct gro_flow *f, const uint8_t *ip, const uint8_t *held,
					unsigned depth)
{
	uint16_t offset = (uint16_t)(rd16(ip + 4) - rd16(held + 4));
	int fixed = f->ip_fixedid[depth] || (f->count == 1 && offset == 0);
	return offset == (fixed ? 0 : f->count);
}

/* An IPv6 header whose payload length is the packet's own (`len` bytes from
 * the header on): padding or a lie is not merged [G10]. */
static inline int ipv6_gro_len_ok(const uint8_t *ip, uint32_t len)
{
	return rd16(ip + 4) == len - 40u;
}

/* ... and the decision, taken when the second packet merges. */
static inline void ipv4_gro_id_merged(struct gro_flow *f, const uint8_t *ip, const uint8_t *held, unsigned depth)
{
	if (f->count == 1 && rd16(ip + 4) == rd16(held + 4))
		f->ip_fixedid[depth] = 1;
}

#define GRO_TCP_FIN 0x01
#define GRO_TCP_SYN 0x02
#define GRO_TCP_RST 0x04
#define GRO_TCP_PSH 0x08
#define GRO_TCP_URG 0x20
#define GRO_TCP_CWR 0x80

/* A TCP segment whose other header bytes equal the held ones continues the
 * flow if it carries data, no more than the first packet [G2], no CWR (a
 * CWR flushes [G13]) and the next sequence number. */
static inline int tcp_gro_continues(const struct gro_flow *f, const uint8_t *th, const uint8_t *held,
				    uint32_t payload_len)
{
	return payload_len != 0 && payload_len <= f->mss && !(th[13] & GRO_TCP_CWR) &&
	       rd32(th + 4) == rd32(held + 4) + f->payload_len;
}

/* After a merge, must the flow go up [G11, G12]? 0 or the counter naming why. */
static inline int tcp_gro_close_merged(const struct gro_flow *f, uint8_t flags, uint32_t payload_len)
{
	if (flags & (GRO_TCP_URG | GRO_TCP_PSH | GRO_TCP_RST | GRO_TCP_SYN | GRO_TCP_FIN))
		return SEGOFF_GRO_FLUSH_PSH;
	if (payload_len < f->mss)
		return SEGOFF_GRO_FLUSH_SMALL;
	return 0;
}

#endif
