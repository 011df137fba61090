/* SPDX-License-Identifier: MIT */
/*
 * vnet.h - struct virtio_net_hdr, the 10- or 12-byte header in front of each
 * frame on a TAP with IFF_VNET_HDR (kernel-rules V1-V4). Fields are
 * little-endian on the wire; these functions take and give host order.
 *
 * Every field of a header read from outside is a lie until
 * segoff_vnet_to_pkt() has checked it against the frame.
 */
#ifndef SEGOFF_VNET_H
#define SEGOFF_VNET_H

#include <stddef.h>
#include <stdint.h>
#include <segoff/pkt.h>
#include <segoff/gso.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SEGOFF_VNET_HDR_LEN 10          /* struct virtio_net_hdr */
#define SEGOFF_VNET_HDR_MRG_LEN 12      /* with num_buffers */
#define SEGOFF_VNET_HDR_TUNNEL_LEN 24   /* virtio_net_hdr_v1_hash_tunnel [EV1] */

#define SEGOFF_VNET_F_NEEDS_CSUM 1
#define SEGOFF_VNET_F_DATA_VALID 2
#define SEGOFF_VNET_F_UDP_TUNNEL_CSUM 8 /* the outer UDP checksum is to be filled [EV2] */

#define SEGOFF_VNET_GSO_NONE 0
#define SEGOFF_VNET_GSO_TCPV4 1
#define SEGOFF_VNET_GSO_UDP 3
#define SEGOFF_VNET_GSO_TCPV6 4
#define SEGOFF_VNET_GSO_UDP_L4 5
#define SEGOFF_VNET_GSO_UDP_TUNNEL_IPV4 0x20 /* inside a UDP tunnel with an IPv4 outer header [EV2] */
#define SEGOFF_VNET_GSO_UDP_TUNNEL_IPV6 0x40 /* ... IPv6 outer header */
#define SEGOFF_VNET_GSO_ECN 0x80

struct segoff_vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;   /* 12- and 24-byte forms */
	/* 24-byte form only (0 in the others) [EV1]; ordered so that the
	 * struct has no padding (it is compared with memcmp) */
	uint16_t hash_report;
	uint16_t outer_th_offset; /* the outer UDP header, from the frame start */
	uint16_t inner_nh_offset; /* the inner network header */
	uint32_t hash_value;
};

/** Decode `len` (10, 12 or 24) bytes. Returns SEGOFF_OK or SEGOFF_E_INVAL. */
int segoff_vnet_decode(const void *buf, size_t len, struct segoff_vnet_hdr *h);

/** Encode into `len` (10, 12 or 24) bytes. Returns SEGOFF_OK or SEGOFF_E_INVAL. */
int segoff_vnet_encode(const struct segoff_vnet_hdr *h, void *buf, size_t len);

/**
 * Apply a header to a parsed packet, validating it the way the kernel does
 * when a frame is written into a TAP (virtio_net_hdr_to_skb): sets
 * csum_state/start/offset and gso_size/gso_type. As in the kernel, a GSO
 * packet too small to need segmenting becomes a plain packet (gso_size 0).
 * `pkt` must have been parsed from the frame start.
 * Returns SEGOFF_OK or a SEGOFF_E_VNET_* / SEGOFF_E_FRAME_SHORT error.
 */
int segoff_vnet_to_pkt(const struct segoff_vnet_hdr *h, struct segoff_pkt *pkt);

/**
 * Describe a packet for a reader of a TAP: GSO type and size from its
 * metadata, NEEDS_CSUM with csum_start/offset when PARTIAL, DATA_VALID when
 * VERIFIED. hdr_len is the length of all headers.
 */
int segoff_vnet_from_pkt(const struct segoff_pkt *pkt, struct segoff_vnet_hdr *h);

/** The header for one GSO output segment (no GSO; NEEDS_CSUM if partial). */
void segoff_vnet_from_seg(const struct segoff_seg *seg, int partial, struct segoff_vnet_hdr *h);

#ifdef __cplusplus
}
#endif

#endif /* SEGOFF_VNET_H */
