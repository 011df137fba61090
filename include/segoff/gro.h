/* SPDX-License-Identifier: MIT */
/*
 * gro.h - receive offload: coalesce consecutive segments of a flow into one
 * large packet, exactly as Linux GRO decides (kernel-rules G1-G18), or with
 * the looser rules of hardware LRO.
 *
 * GRO keeps every packet's "entropy": the merged packet can be cut back by
 * segmentation (gso.h) into the very packets that arrived, so a router, a
 * bridge or a VPN built on segoff may use it. LRO (SEGOFF_GRO_MODE_LRO)
 * merges packets that differ in IP ID, window, ACK or timestamps and keeps
 * only the latest of those; it changes packets and is unfit for forwarding:
 * use it only where the host terminates the traffic.
 *
 * Usage: create a context once (all memory is taken then; nothing is
 * allocated per packet), feed it packets with segoff_gro_receive() or
 * segoff_gro_receive_burst(), and end each burst with segoff_gro_flush_all()
 * (the kernel's end of NAPI poll), or flush by age with segoff_gro_flush().
 * Packets come out through the `deliver` callback, in the kernel's order:
 * merged packets when their flow is flushed, others at once.
 *
 * Time is passed in by the caller (any monotonic unit, e.g. nanoseconds);
 * the library reads no clock.
 *
 * Ownership (zero-copy, the default): the bytes of every packet given to
 * segoff_gro_receive() must stay valid until `release` is called with its
 * cookie. That happens exactly once per packet, after the output holding
 * its bytes was delivered (deliver returned), or at segoff_gro_destroy().
 * An output's slices point into input buffers; they are valid only during
 * the deliver call. In copy mode the output is a frame in the context's own
 * arena (valid during the deliver call) and inputs are released as soon as
 * their bytes are copied.
 */
#ifndef SEGOFF_GRO_H
#define SEGOFF_GRO_H

#include <stddef.h>
#include <stdint.h>
#include <segoff/pkt.h>
#include <segoff/vnet.h>

#ifdef __cplusplus
extern "C" {
#endif

struct segoff_gro;

enum segoff_gro_mode {
	SEGOFF_GRO_MODE_GRO = 0,  /* the kernel's rules */
	SEGOFF_GRO_MODE_LRO       /* looser: see the top of this file */
};

enum segoff_gro_csum {
	SEGOFF_GRO_CSUM_PARTIAL = 0, /* check field = pseudo-header sum, as the kernel hands it to a TAP */
	SEGOFF_GRO_CSUM_FULL         /* final checksum written */
};

/* Counters, named like `ethtool -S`. Index with enum segoff_gro_counter;
 * segoff_gro_counter_name() gives the name. */
enum segoff_gro_counter {
	SEGOFF_GRO_RX_PACKETS,          /* packets given to receive */
	SEGOFF_GRO_RX_BYTES,
	SEGOFF_GRO_TX_PACKETS,          /* packets delivered */
	SEGOFF_GRO_MERGED,              /* packets merged into a held one */
	SEGOFF_GRO_HELD,                /* flows started (packets held) */
	SEGOFF_GRO_COALESCED,           /* delivered packets made of two or more */
	SEGOFF_GRO_FLUSH_PSH,           /* closed by PSH/FIN/URG/RST/SYN on the last packet */
	SEGOFF_GRO_FLUSH_SMALL,         /* closed by a packet smaller than the MSS */
	SEGOFF_GRO_FLUSH_SIZE,          /* the next packet would pass max_size */
	SEGOFF_GRO_FLUSH_MAX_PKTS,      /* UDP: 64 datagrams merged [G17] */
	SEGOFF_GRO_FLUSH_TIMEOUT,       /* segoff_gro_flush() by age */
	SEGOFF_GRO_FLUSH_END,           /* segoff_gro_flush_all() */
	SEGOFF_GRO_FLUSH_TABLE_FULL,    /* oldest flow evicted for a new one */
	SEGOFF_GRO_FLUSH_MISMATCH_ACK,
	SEGOFF_GRO_FLUSH_MISMATCH_FLAGS,   /* flag word: flags, data offset, window */
	SEGOFF_GRO_FLUSH_MISMATCH_OPTIONS, /* TCP option bytes (timestamps included) */
	SEGOFF_GRO_FLUSH_MISMATCH_SEQ,     /* not contiguous */
	SEGOFF_GRO_FLUSH_MISMATCH_TTL,     /* IPv4 TTL / IPv6 hop limit */
	SEGOFF_GRO_FLUSH_MISMATCH_TOS,     /* IPv4 TOS / IPv6 traffic class */
	SEGOFF_GRO_FLUSH_MISMATCH_DF,
	SEGOFF_GRO_FLUSH_MISMATCH_IP_ID,
	SEGOFF_GRO_FLUSH_MISMATCH_LEN,     /* payload larger than the flow's MSS / first datagram */
	SEGOFF_GRO_FLUSH_CWR,
	SEGOFF_GRO_FLUSH_PURE_ACK,         /* a pure ACK of the flow arrived */
	SEGOFF_GRO_FLUSH_UNMERGEABLE,      /* a packet of the flow that may not merge (bad IP length, reserved bit) */
	SEGOFF_GRO_BAD_CSUM,               /* passed up alone; held flow untouched */
	SEGOFF_GRO_NOT_HELD_IP_OPTIONS,
	SEGOFF_GRO_NOT_HELD_FRAGMENT,
	SEGOFF_GRO_NOT_HELD_IP_LEN,        /* tot_len/payload_len disagrees with the frame */
	SEGOFF_GRO_NOT_HELD_FLAGS,         /* SYN/RST/URG/PSH/FIN/CWR or no payload: sent up at once */
	SEGOFF_GRO_NOT_HELD_UNSUPPORTED,   /* not TCP (or UDP with udp off), or unparsable */
	SEGOFF_GRO_NOT_HELD_UDP_CSUM_ZERO,
	SEGOFF_GRO_NOT_HELD_HDR_TOO_LONG,  /* headers longer than SEGOFF_GRO_MAX_HDR */
	SEGOFF_GRO_LRO_ACKS_COMPRESSED,    /* LRO: pure ACKs replaced by a later one */
	/* Divergences from the kernel, each from a limit of segoff's own: */
	SEGOFF_GRO_FLUSH_PKT_LIMIT,        /* max_pkts_per_flow reached (an option; off by default) */
	SEGOFF_GRO_FLUSH_NO_ROOM,          /* the flow's slots are full: segments under min_mss bytes,
					    * or inputs of many slices each */
	SEGOFF_GRO__COUNTERS
};

/* Headers (L2 to L4) of a held packet are copied into the flow: at most this. */
#define SEGOFF_GRO_MAX_HDR 256
/* Payload slices one input packet may have (segoff_pkt.nr_frags). */
#define SEGOFF_GRO_MAX_FRAGS 64

/* One delivered packet. */
struct segoff_gro_out {
	/* The bytes: `iov[0..nr_iov)`, header first (zero-copy), or one slice
	 * in the context's arena (copy mode). Valid during the deliver call. */
	const struct segoff_slice *iov;
	unsigned nr_iov;
	uint32_t len;
	/* Metadata, as the kernel would pass it up or to a TAP. */
	uint16_t gso_size;      /* 0 for a packet delivered unchanged */
	uint16_t gso_segs;      /* packets it is made of (1 if unchanged) */
	uint32_t gso_type;      /* SEGOFF_GSO_* */
	uint8_t csum_state;     /* PARTIAL or COMPLETE when merged; VERIFIED if checked; NONE otherwise */
	uint16_t csum_start, csum_offset;
	uint16_t hdr_len;       /* bytes of headers */
	struct segoff_vnet_hdr vnet; /* ready to write in front of the frame on a TAP; no GSO type
				      * for a merged GRE or IP-in-IP packet (see ip_tunnels) */
};

struct segoff_gro_config {
	uint8_t mode;               /* enum segoff_gro_mode */
	uint8_t udp;                /* 1: coalesce UDP too (G16-G18), off by default as in Linux */
	uint8_t csum;               /* enum segoff_gro_csum, for merged packets */
	uint8_t copy;               /* 1: copy outputs into the context's arena */
	uint8_t trust_csum;         /* 1: never verify (all input counts as DATA_VALID) */
	/* 1 (the default, as the kernel): coalesce through GRE and IP-in-IP
	 * (IPIP, SIT, ip4ip6, ip6ip6) [EG1, EG6]. virtio has no GSO type for
	 * their merged packets, whose `vnet` then carries none: a context whose
	 * outputs go to a TAP sets 0, and such packets go up unchanged. */
	uint8_t ip_tunnels;
	/* enum segoff_link: what segoff_gro_receive_frame() is given, Ethernet
	 * frames (the default) or IP packets (a TUN device); outputs start the
	 * same way, their vnet offsets counted from there */
	uint8_t link;
	uint32_t max_flows;         /* flows held at once; the oldest is flushed beyond (default 64,
				     * the kernel's 8 buckets of 8) */
	uint32_t max_size;          /* no merge to this or beyond, from the L3 header (default 65536) */
	/* TCP flows end, as in the kernel, only by size, flags, a mismatch or
	 * a flush [G15]: no packet count. Memory is still fixed at creation:
	 * each flow has slots for max_size / min_mss + 2 packets (two slices
	 * each), so every flow the kernel can merge fits down to segments of
	 * min_mss bytes (default 48, the smallest MSS Linux sends). A flow of
	 * smaller segments, or of inputs scattered over more slices, ends
	 * when its slots are full: a divergence, counted as flush_no_room. */
	uint32_t min_mss;
	/* An optional limit of segoff's own, a divergence from the kernel
	 * counted as flush_pkt_limit: 0 (the default) for none. */
	uint32_t max_pkts_per_flow;
	uint64_t flush_timeout;     /* segoff_gro_flush(): age, in the caller's time unit */
	/* UDP ports of tunnels to coalesce through (VXLAN 4789 and Geneve 6081
	 * by default, as in a namespace with those devices): the inner TCP
	 * flow is merged under one tunnel level [EG1-EG5, EG7-EG9]. A port not listed
	 * is plain UDP [EG3]. A merged tunnel packet's `vnet` is the 24-byte
	 * form (tunnel bits, offsets): a context whose outputs go to a TAP
	 * without tunnel offloads sets both ports to 0. */
	struct segoff_tunnel_ports tunnel_ports;
	/* Receives every output. Must not call back into the context. */
	void (*deliver)(void *opaque, const struct segoff_gro_out *out);
	/* Zero-copy: an input's bytes are no longer referenced. May be NULL. */
	void (*release)(void *opaque, void *cookie);
	void *opaque;
};

/** Defaults, the kernel's: GRO mode, UDP off, partial checksums, zero-copy, 64 flows, 64 KB, no
 * packet count (slots sized for segments down to 48 bytes). */
void segoff_gro_config_init(struct segoff_gro_config *cfg);

/** Bytes of memory segoff_gro_create() takes for this configuration. */
size_t segoff_gro_memsize(const struct segoff_gro_config *cfg);

/**
 * Create a context: the only allocation. Returns SEGOFF_OK, SEGOFF_E_INVAL
 * (no deliver callback, zero limits, max_size over 256 KB) or SEGOFF_E_SYSTEM
 * (out of memory).
 */
int segoff_gro_create(const struct segoff_gro_config *cfg, struct segoff_gro **ctx);

/** Deliver everything held, release every input, free the context. */
void segoff_gro_destroy(struct segoff_gro *ctx);

/**
 * Offer one packet. `pkt` must have been parsed from its Ethernet header
 * (segoff_parse) and carry its checksum state (VERIFIED for virtio
 * DATA_VALID; otherwise the TCP/UDP checksum is verified here). The packet
 * is merged, held, or delivered at once; held packets it displaces are
 * delivered first. Returns SEGOFF_OK, or SEGOFF_E_INVAL (NULL arguments, more
 * than SEGOFF_GRO_MAX_FRAGS slices): then the packet stays the caller's and
 * release is not called for it.
 */
int segoff_gro_receive(struct segoff_gro *ctx, const struct segoff_pkt *pkt, void *cookie, uint64_t now);

/**
 * Offer one Ethernet frame (or IP packet, as the context's link type says),
 * contiguous in memory, with its checksum state
 * (SEGOFF_CSUM_VERIFIED for virtio DATA_VALID, else SEGOFF_CSUM_NONE). The
 * same decisions as segoff_gro_receive(), but a packet that continues a
 * held flow is merged without being parsed: the fast path for a receive
 * loop. A frame that does not parse is delivered unchanged.
 */
int segoff_gro_receive_frame(struct segoff_gro *ctx, const void *frame, size_t len, uint8_t csum_state, void *cookie,
			     uint64_t now);

/* One frame for segoff_gro_receive_frames(). */
struct segoff_gro_frame {
	const void *data;       /* an Ethernet frame, contiguous */
	uint32_t len;
	uint8_t csum_state;     /* SEGOFF_CSUM_VERIFIED for DATA_VALID, else SEGOFF_CSUM_NONE */
	void *cookie;           /* given back by release */
};

/**
 * Offer `n` frames, in order, each as segoff_gro_receive_frame() would, and
 * flush nothing: the caller ends its poll (segoff_gro_flush_all() or
 * segoff_gro_flush()). It reads the next frames' headers ahead while it
 * merges the current one: the receive loop's fastest entry point. Returns
 * SEGOFF_OK, or SEGOFF_E_INVAL (NULL arguments; then nothing was taken).
 */
int segoff_gro_receive_frames(struct segoff_gro *ctx, const struct segoff_gro_frame *frames, unsigned n, uint64_t now);

/** Receive `n` packets, then flush: all (flush_timeout 0) or those older than flush_timeout. */
int segoff_gro_receive_burst(struct segoff_gro *ctx, const struct segoff_pkt *pkts, void *const *cookies,
			     unsigned n, uint64_t now);

/** Deliver held flows whose first packet arrived at or before now - flush_timeout. */
void segoff_gro_flush(struct segoff_gro *ctx, uint64_t now);

/** Deliver every held flow, oldest first: the kernel's end of a NAPI poll. */
void segoff_gro_flush_all(struct segoff_gro *ctx);

/** Counter values (SEGOFF_GRO__COUNTERS of them). */
const uint64_t *segoff_gro_counters(const struct segoff_gro *ctx);

/** ethtool-style name of a counter ("flush_psh"). */
const char *segoff_gro_counter_name(enum segoff_gro_counter c);

#ifdef __cplusplus
}
#endif

#endif /* SEGOFF_GRO_H */
