/* SPDX-License-Identifier: MIT */
/*
 * gso.h - segmentation offload (TSO/GSO): cut one super-packet into
 * MSS-sized segments exactly as Linux's software GSO does (kernel-rules T1-T7,
 * I1, I2, I5).
 *
 * Two output forms:
 *  - zero-copy: each segment is a header written into a caller arena plus
 *    slices pointing into the input payload, ready for writev()/sendmsg().
 *    The input bytes must outlive the output.
 *  - copy: each segment is a finished frame in a caller buffer; the payload
 *    copy and its checksum are one pass.
 *
 * Example (copy form, full checksums):
 *
 *     struct segoff_pkt pkt;
 *     segoff_pkt_init(&pkt, frame, frame_len, NULL, 0);
 *     if (segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0) < 0) ...
 *     struct segoff_gso_params p;
 *     segoff_gso_params_init(&p);
 *     p.mss = 1448;
 *     struct segoff_seg segs[64];
 *     int n = segoff_gso_copy(&pkt, &p, buf, sizeof buf, segs, 64);
 *     for (int i = 0; i < n; i++) send(fd, segs[i].head, segs[i].len, 0);
 */
#ifndef SEGOFF_GSO_H
#define SEGOFF_GSO_H

#include <stddef.h>
#include <stdint.h>
#include <segoff/pkt.h>

#ifdef __cplusplus
extern "C" {
#endif

enum segoff_gso_csum {
	/* Write the final L4 checksum into every segment. */
	SEGOFF_GSO_CSUM_FULL = 0,
	/* Leave each segment's L4 check field holding its pseudo-header sum,
	 * for a device that completes checksums (csum_start/offset in the
	 * segment descriptor) [T7]. */
	SEGOFF_GSO_CSUM_PARTIAL
};

enum segoff_gso_ip_id {
	/* Follow the packet: fixed only if its gso_type has SEGOFF_GSO_FIXEDID. */
	SEGOFF_GSO_IP_ID_AUTO = 0,
	SEGOFF_GSO_IP_ID_INC,   /* ID0, ID0+1, ... [I1] */
	SEGOFF_GSO_IP_ID_FIXED  /* ID0 on every segment [I2] */
};

/* Defaults: the kernel's legacy GSO_MAX_SIZE (64 KB, counted from the network
 * header as IPv4 tot_len would count it) and GSO_MAX_SEGS. */
#define SEGOFF_GSO_DEFAULT_MAX_SIZE 65536u
#define SEGOFF_GSO_DEFAULT_MAX_SEGS 65535u

struct segoff_gso_params {
	uint16_t mss;           /* segment payload size; 0 = use pkt->gso_size */
	uint8_t csum;           /* enum segoff_gso_csum */
	uint8_t ip_id;          /* enum segoff_gso_ip_id */
	uint32_t max_size;      /* refuse bigger packets (bytes from the L3 header) */
	uint32_t max_segs;      /* refuse packets that would make more segments */
	/* GSO_PARTIAL output [E8], for a device with tx-gso-partial that cuts
	 * the inner TCP itself and treats the tunnel headers as fixed. A tunnel
	 * packet (inner TCP) with partial checksums then comes out as GSO
	 * packets of a whole number of MSS each, plus at most one remainder,
	 * as the kernel's skb_segment() cuts for such a device (see
	 * segoff_seg.gso_size). Ignored for other packets and with full
	 * checksums: the kernel uses it only where the device checksums. */
	uint8_t partial;
};

/** Defaults: mss 0, full checksum, IP ID auto, 64 KB, 65535 segments, no GSO_PARTIAL. */
void segoff_gso_params_init(struct segoff_gso_params *p);

/* One output segment. */
struct segoff_seg {
	uint8_t *head;          /* copy: the whole frame; zero-copy: the headers */
	uint32_t len;           /* bytes of the whole frame */
	uint16_t head_len;      /* bytes of headers at `head` (copy: the payload follows) */
	uint16_t csum_start;    /* where the L4 checksum starts (for a virtio_net_hdr) */
	uint16_t csum_offset;   /* check field offset from csum_start */
	uint16_t nr_iov;        /* zero-copy: slices of this segment (header first) */
	uint32_t iov_first;     /* zero-copy: index of its first slice in the iov array */
	uint32_t payload_sum;   /* scratch for the engine: folded payload sum */
	/* 0, or (GSO_PARTIAL output [E8]) this segment is itself a GSO packet
	 * of gso_segs segments of gso_size payload bytes: its IP and outer UDP
	 * lengths describe one such segment, its TCP check field holds the
	 * pseudo-header sum of its whole length, its gso_type is the input's
	 * with SEGOFF_GSO_PARTIAL. The device finishes the cut. */
	uint16_t gso_size;
	uint16_t gso_segs;
};

/* Caller storage for the zero-copy form. */
struct segoff_gso_zc {
	uint8_t *arena;         /* headers are written here, back to back */
	size_t arena_size;
	struct segoff_slice *iov; /* per segment: its header, then payload pieces */
	size_t iov_cap;
	size_t iov_used;        /* out: slices written */
};

/**
 * Number of segments `pkt` would be cut into with these parameters, or a
 * negative error if it would be refused. Cheap: headers only.
 */
int segoff_gso_count(const struct segoff_pkt *pkt, const struct segoff_gso_params *p);

/**
 * Zero-copy segmentation. Writes segment headers into zc->arena and slice
 * lists into zc->iov; segs[i] describes segment i. Input bytes are
 * referenced, not copied, and must stay alive while the output is used.
 * Returns the number of segments or a negative error (SEGOFF_E_NOSPACE when
 * arena, iov or segs are too small; nothing useful is written then).
 */
int segoff_gso_zerocopy(const struct segoff_pkt *pkt, const struct segoff_gso_params *p,
			struct segoff_gso_zc *zc, struct segoff_seg *segs, size_t segs_cap);

/**
 * Copy segmentation: finished frames back to back in `buf`, segs[i].head
 * pointing at each. The output owns nothing of the input.
 * Returns the number of segments or a negative error.
 */
int segoff_gso_copy(const struct segoff_pkt *pkt, const struct segoff_gso_params *p,
		    uint8_t *buf, size_t buf_size, struct segoff_seg *segs, size_t segs_cap);

#ifdef __cplusplus
}
#endif

#endif /* SEGOFF_GSO_H */
