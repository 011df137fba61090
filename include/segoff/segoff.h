/* SPDX-License-Identifier: MIT */
/*
 * segoff.h - the umbrella header: version, error codes, and every module.
 *
 * segoff does in user space what Linux does in net/core and NICs do in
 * silicon: segmentation offload (TSO/GSO), receive offload (GRO/LRO) and
 * checksum offload, with output identical to the kernel's.
 *
 * Conventions that hold for every function in this library:
 *  - Errors are negative `enum segoff_error` values; 0 (SEGOFF_OK) or a
 *    non-negative count is success. `segoff_error_name()` gives a short
 *    stable name ("truncated"), `segoff_strerror()` a sentence.
 *  - Input bytes are untrusted: every length is checked before it is read.
 *  - Nothing is allocated per packet and nothing is global except the
 *    checksum implementation chosen once at start-up. One context per thread.
 *  - Ownership is stated where each function is declared.
 */
#ifndef SEGOFF_H
#define SEGOFF_H

#ifdef __cplusplus
extern "C" {
#endif

#define SEGOFF_VERSION_MAJOR 0
#define SEGOFF_VERSION_MINOR 1
#define SEGOFF_VERSION_PATCH 0
#define SEGOFF_VERSION_STRING "0.1.0"

/** The version of the library actually linked, as "MAJOR.MINOR.PATCH". */
const char *segoff_version(void);

/*
 * Error codes. The numbering is part of the ABI: new codes are appended.
 * Where a code mirrors a kernel refusal, the kernel rule (kernel-rules.md)
 * is named in brackets.
 */
enum segoff_error {
	SEGOFF_OK = 0,
	SEGOFF_E_INVAL = -1,            /* an argument is NULL or out of range */
	SEGOFF_E_TRUNCATED = -2,        /* a header runs past the bytes given */
	SEGOFF_E_VLAN_DEPTH = -3,       /* more than two VLAN tags */
	SEGOFF_E_IP_VERSION = -4,       /* IP version nibble disagrees with the ethertype */
	SEGOFF_E_IPV4_IHL = -5,         /* IPv4 IHL below 5 words */
	SEGOFF_E_IPV6_EXTHDR_LIMIT = -6,/* more IPv6 extension headers than SEGOFF_MAX_EXTHDRS */
	SEGOFF_E_TCP_DOFF = -7,         /* TCP data offset below 5 words [T1] */
	SEGOFF_E_NOT_SEGMENTABLE = -8,  /* no transport header segoff can segment */
	SEGOFF_E_GSO_TYPE = -9,         /* gso_type does not match the packet's protocols */
	SEGOFF_E_GSO_SIZE_ZERO = -10,   /* gso_size (MSS) is 0 */
	SEGOFF_E_GSO_NOTHING_TO_SPLIT = -11, /* payload not larger than gso_size [T1] */
	SEGOFF_E_CSUM_START = -12,      /* partial checksum does not start at the L4 header [T1] */
	SEGOFF_E_CSUM_OFFSET = -13,     /* partial checksum field is not the L4 check field */
	SEGOFF_E_GSO_TOO_BIG = -14,     /* super-packet larger than the configured maximum */
	SEGOFF_E_GSO_TOO_MANY_SEGS = -15, /* more segments than the configured maximum */
	SEGOFF_E_NOSPACE = -16,         /* caller's output storage is too small */
	SEGOFF_E_FRAGMENT = -17,        /* an IP fragment cannot be segmented */
	SEGOFF_E_UNSUPPORTED = -18,     /* valid, but not implemented by this version */
	SEGOFF_E_VNET_GSO_TYPE = -19,   /* virtio_net_hdr: unknown gso_type [V3] */
	SEGOFF_E_VNET_GSO_SIZE = -20,   /* virtio_net_hdr: gso_size 0 or GSO_BY_FRAGS [V3] */
	SEGOFF_E_VNET_CSUM_RANGE = -21, /* virtio_net_hdr: csum_start/offset outside the frame [V3] */
	SEGOFF_E_VNET_CSUM_START = -22, /* virtio_net_hdr: transport offset below the IP header size [V3] */
	SEGOFF_E_VNET_CSUM_OFFSET = -23,/* virtio_net_hdr: csum_offset is not TCP's 16 / UDP's 6 [V3] */
	SEGOFF_E_VNET_NEEDS_CSUM = -24, /* virtio_net_hdr: UDP_L4 or a tunnel without NEEDS_CSUM [V3, EV3] */
	SEGOFF_E_VNET_TOO_MANY_SEGS = -25, /* virtio_net_hdr: UDP_L4 over 128 segments [V3] */
	SEGOFF_E_VNET_ECN = -26,        /* virtio_net_hdr: ECN bit on UDP_L4 [V3] */
	SEGOFF_E_VNET_HDR_LEN = -27,    /* virtio_net_hdr: hdr_len beyond the frame */
	SEGOFF_E_VNET_PROTO = -28,      /* virtio_net_hdr: gso_type's protocol is not in the frame */
	SEGOFF_E_FRAME_SHORT = -29,     /* frame shorter than an Ethernet header [V6] */
	SEGOFF_E_NO_CPU_SUPPORT = -30,  /* requested SIMD implementation not supported by this CPU */
	SEGOFF_E_SYSTEM = -31,          /* a system call failed (io layer only; see errno) */
	SEGOFF_E_FRAG_NEEDED = -32,     /* IPv4 DF set and larger than the MTU: would fragment */
	SEGOFF_E_FRAG_MTU = -33,        /* MTU too small for the unfragmentable part and 8 bytes */
	SEGOFF_E_LAYER_LIMIT = -34,     /* more headers than SEGOFF_MAX_LAYERS */
	SEGOFF_E_TUNNEL_NOT_GSO = -35,  /* tunnel GSO packet with no more payload than gso_size [E7] */
	SEGOFF_E_VNET_TUNNEL_TYPE = -36,/* virtio_net_hdr: both tunnel bits, or no TCP/USO inner type [EV3] */
	SEGOFF_E_VNET_TUNNEL_OFFSETS = -37, /* virtio_net_hdr: tunnel offsets out of order [EV3] */
	SEGOFF_E_GRE_SEQ = -38,         /* GRE with a sequence number: no GSO [E5] */
	SEGOFF_E__LAST = -39
};

/** Short, stable, lower-case name of an error ("truncated"), for logs and counters. */
const char *segoff_error_name(int err);

/** One-sentence description of an error. Never returns NULL. */
const char *segoff_strerror(int err);

#ifdef __cplusplus
}
#endif

#include <segoff/pkt.h>
#include <segoff/csum.h>
#include <segoff/gso.h>
#include <segoff/vnet.h>
#include <segoff/gro.h>
#include <segoff/frag.h>
#include <segoff/features.h>
#include <segoff/rss.h>

#endif /* SEGOFF_H */
