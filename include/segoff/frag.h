/* SPDX-License-Identifier: MIT */
/*
 * frag.h - IP fragmentation (IPv4 and IPv6, UFO-style for UDP) as the
 * kernel's ip_do_fragment / ip6_fragment do it, and reassembly that no
 * input can break (kernel-rules U3, O1, R1-R4).
 */
#ifndef SEGOFF_FRAG_H
#define SEGOFF_FRAG_H

#include <stddef.h>
#include <stdint.h>
#include <segoff/pkt.h>
#include <segoff/gso.h>

#ifdef __cplusplus
extern "C" {
#endif

/* --- fragmentation --- */

/* Where the datagram is fragmented. The kernel cuts the last fragment two
 * ways: a router (and ip_do_fragment / ip6_fragment for a whole packet) lets
 * it fill the MTU, while a sending socket's IP output (ip_append_data,
 * __ip6_append_data) builds every fragment, the last included, to the
 * 8-byte-rounded size, so a datagram 1 to 7 bytes over takes one more. */
enum segoff_frag_layout {
	SEGOFF_FRAG_FORWARD = 0,    /* default: as a router forwards it */
	SEGOFF_FRAG_LOCAL_OUT = 1,  /* as the sending host's UDP/raw socket does */
};

struct segoff_frag_params {
	uint16_t mtu;               /* largest IP packet (L3 header included) */
	enum segoff_frag_layout layout;
	/* IPv6 fragment identification: called once per packet fragmented.
	 * The kernel uses a keyed hash; NULL gives a counter from 1. */
	uint32_t (*ipv6_id)(void *opaque);
	void *opaque;
	uint16_t frag_needed_mtu;   /* out: with SEGOFF_E_FRAG_NEEDED, the MTU an
				     * ICMP fragmentation-needed would carry */
};

void segoff_frag_params_init(struct segoff_frag_params *p, uint16_t mtu);

/**
 * Fragments of `pkt` (parsed) for p->mtu, or a negative error: the number
 * of fragments (1 if it fits: then it is not fragmented), or
 * SEGOFF_E_FRAG_NEEDED (IPv4 DF set, p->frag_needed_mtu filled),
 * SEGOFF_E_FRAG_MTU (MTU too small for the unfragmentable part and 8 bytes),
 * SEGOFF_E_NOT_SEGMENTABLE (no IP layer).
 */
int segoff_frag_count(const struct segoff_pkt *pkt, struct segoff_frag_params *p);

/**
 * Fragment into finished frames back to back in `buf` (frags[i].head, .len).
 * IPv4: offsets in 8-byte units, MF on all but the last (an incoming MF and
 * offset are kept, so fragments can be fragmented again), one ID, only the
 * options with the copied bit in later fragments (the others overwritten
 * with NOP, as the kernel does), tot_len and header checksum per fragment.
 * IPv6: a fragment header after the unfragmentable part, one identification,
 * payload_len per fragment. A partial L4 checksum is completed first
 * (UFO, U3): the checksum covers the whole datagram, not a fragment.
 * Returns the number of fragments or a negative error.
 */
int segoff_frag_copy(const struct segoff_pkt *pkt, struct segoff_frag_params *p, uint8_t *buf, size_t buf_size,
		     struct segoff_seg *frags, size_t frags_cap);

/* --- reassembly --- */

struct segoff_reasm;

/* Drop and event counters (index with enum segoff_reasm_counter). */
enum segoff_reasm_counter {
	SEGOFF_REASM_FRAGS,         /* fragments given */
	SEGOFF_REASM_OK,            /* datagrams reassembled and delivered */
	SEGOFF_REASM_NOT_FRAGMENT,  /* not a fragment: delivered as it came */
	SEGOFF_REASM_ATOMIC,        /* IPv6 atomic fragment: delivered whole [R3] */
	SEGOFF_REASM_DUPLICATE,     /* exact duplicate of a held fragment: dropped alone [R1] */
	SEGOFF_REASM_OVERLAP,       /* overlap: the whole datagram discarded [R1] */
	SEGOFF_REASM_BAD_LENGTH,    /* IPv6 non-last fragment not a multiple of 8 [R2] */
	SEGOFF_REASM_TRUNCATED,     /* IPv4 non-last fragment cut to a multiple of 8 [R2] */
	SEGOFF_REASM_CORRUPT,       /* data past the end, two different ends, empty: discarded */
	SEGOFF_REASM_TOO_BIG,       /* total over 65535: discarded */
	SEGOFF_REASM_HEADER_CHAIN,  /* IPv6 first fragment without the whole header chain [R3] */
	SEGOFF_REASM_TIMEOUT,       /* datagrams expired [R4] */
	SEGOFF_REASM_EVICTED,       /* datagrams evicted, oldest first, past mem_high [R4] (or past
				     * the max_dgrams option) */
	SEGOFF_REASM_TOO_MANY_FRAGS,/* more fragments than the max_frags option: discarded (a
				     * divergence: the kernel has no such count) */
	SEGOFF_REASM_MALFORMED,     /* not parsable as IP: dropped */
	SEGOFF_REASM__COUNTERS
};

struct segoff_reasm_out {
	const struct segoff_slice *iov; /* header first, then payload pieces; valid during deliver */
	unsigned nr_iov;
	uint32_t len;
	uint16_t nr_frags;          /* fragments it was made of (0: not a fragment) */
};

/* Memory is bounded as the kernel bounds it [R4]: by bytes and time, with no
 * count of fragments or datagrams. Every held fragment is charged its frame
 * length plus the bookkeeping for it (as the kernel charges an skb's
 * truesize), every datagram in flight its own; segoff_reasm_mem() is that
 * sum, and past mem_high the oldest datagrams are evicted down to mem_low.
 * The tables are taken at creation, sized from mem_high so that memory, not
 * a table, runs out first (segoff_reasm_memsize() says how much): with the
 * defaults, a datagram of 8,192 eight-byte fragments reassembles, and about
 * 20,000 datagrams of one 60-byte fragment each can be in flight. */
struct segoff_reasm_config {
	uint64_t mem_high, mem_low; /* bytes charged: past high, the oldest are evicted to low [R4] */
	uint64_t timeout_v4, timeout_v6; /* in the caller's time unit */
	/* Limits of segoff's own, divergences from the kernel, off (0) by
	 * default: datagrams in flight (the oldest is evicted past it), and
	 * fragments per datagram (reasm_too_many_frags past it, at most 8192). */
	uint32_t max_dgrams;
	uint32_t max_frags;
	/* enum segoff_link: Ethernet frames (the default) or IP packets (a TUN
	 * device, a VPN's datagrams); a reassembled datagram starts the same way */
	uint8_t link;
	void (*deliver)(void *opaque, const struct segoff_reasm_out *out);
	void (*release)(void *opaque, void *cookie); /* a fragment's bytes are no longer referenced */
	void *opaque;
};

/** Defaults, the kernel's: 4 MiB / 3 MiB, 30 s / 60 s in nanoseconds, no count limits. */
void segoff_reasm_config_init(struct segoff_reasm_config *cfg);
/** Bytes segoff_reasm_create() takes for this configuration (0 if it is invalid). */
size_t segoff_reasm_memsize(const struct segoff_reasm_config *cfg);
int segoff_reasm_create(const struct segoff_reasm_config *cfg, struct segoff_reasm **ctx);
/** Release everything held (counted as timeouts) and free. */
void segoff_reasm_destroy(struct segoff_reasm *ctx);

/**
 * Offer one Ethernet frame (or IP packet, as the context's link type says). A fragment is held (its bytes referenced until
 * release), completes a datagram (delivered, then its fragments released),
 * or is dropped (released at once, counted by reason). A packet that is not
 * a fragment is delivered as it came. Returns SEGOFF_OK or SEGOFF_E_INVAL;
 * after SEGOFF_E_INVAL the frame stays the caller's.
 */
int segoff_reasm_receive(struct segoff_reasm *ctx, const void *frame, size_t len, void *cookie, uint64_t now);

/** Discard datagrams older than their timeout. */
void segoff_reasm_expire(struct segoff_reasm *ctx, uint64_t now);

/** Bytes held now (fragment bytes): never above mem_high after a call returns. */
uint64_t segoff_reasm_mem(const struct segoff_reasm *ctx);
const uint64_t *segoff_reasm_counters(const struct segoff_reasm *ctx);
const char *segoff_reasm_counter_name(enum segoff_reasm_counter c);

#ifdef __cplusplus
}
#endif

#endif /* SEGOFF_FRAG_H */
