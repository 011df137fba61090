/* SPDX-License-Identifier: MIT */
/*
 * tap.h - Linux TAP devices with a virtio_net_hdr in front of every frame.
 * The only part of segoff that makes system calls besides pcap I/O.
 */
#ifndef SEGOFF_TAP_H
#define SEGOFF_TAP_H

#include <stddef.h>
#include <stdint.h>
#include <segoff/pkt.h>
#include <segoff/vnet.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Offload bits for segoff_tap_set_offload(): the kernel's TUN_F_* values. */
#define SEGOFF_TUN_F_CSUM 0x01
#define SEGOFF_TUN_F_TSO4 0x02
#define SEGOFF_TUN_F_TSO6 0x04
#define SEGOFF_TUN_F_TSO_ECN 0x08
#define SEGOFF_TUN_F_UFO 0x10
#define SEGOFF_TUN_F_USO4 0x20
#define SEGOFF_TUN_F_USO6 0x40
#define SEGOFF_TUN_F_UDP_TUNNEL_GSO 0x080      /* UDP tunnel GSO packets, 24-byte header [EV2] */
#define SEGOFF_TUN_F_UDP_TUNNEL_GSO_CSUM 0x100 /* ... with an outer checksum; needs the above */

#define SEGOFF_TAP_NAPI 0x1     /* IFF_NAPI: GRO on frames written in [V7] */
#define SEGOFF_TAP_MULTI_QUEUE 0x2
#define SEGOFF_TAP_TUN 0x4      /* IFF_TUN: IP packets, no Ethernet header (a VPN's device) */

/* Most slices segoff_tap_write() gathers for one frame. */
#define SEGOFF_TAP_MAX_IOV 1023 /* UIO_MAXIOV less the header */

/**
 * Open (or create) TAP `name` with IFF_TAP|IFF_NO_PI|IFF_VNET_HDR and the
 * `flags` above (with SEGOFF_TAP_TUN a TUN device, IFF_TUN, whose frames
 * are IP packets: everything below then reads and writes those, the
 * virtio_net_hdr's offsets counted from the IP header), virtio header size
 * `vnet_len` (10, 12, or 24 for the tunnel form, EV1). The device's name
 * is written back into `name` (at least 16 bytes). Returns a file descriptor,
 * or SEGOFF_E_SYSTEM with errno set.
 */
int segoff_tap_open(char *name, unsigned flags, unsigned vnet_len);

/** TUNSETOFFLOAD. Returns SEGOFF_OK or SEGOFF_E_SYSTEM (errno set). */
int segoff_tap_set_offload(int fd, unsigned tun_f);

/**
 * Offer the kernel the offloads in `want` (SEGOFF_TUN_F_*) and fall back
 * until it accepts: without the UDP tunnel checksum flag, without UDP tunnel
 * GSO (kernels before 6.17), without USO4|USO6 (before 6.2), without
 * TSO_ECN, without UFO, without TSO4|TSO6, then with nothing. *got receives
 * the set the kernel took, *refused the bits it would not take,
 * *refused_errno the errno of the first refusal (0 if none); any of them may
 * be NULL. The tunnel flags are not offered at all on a TAP whose virtio
 * header is shorter than 24 bytes (the kernel would take them, then fail
 * every read, EV4): they are reported refused with EINVAL.
 * Returns SEGOFF_OK, or SEGOFF_E_SYSTEM if even "no offloads" failed.
 */
int segoff_tap_negotiate(int fd, unsigned want, unsigned *got, unsigned *refused, int *refused_errno);

/** Name of one TUN_F bit ("tso4"), or NULL. */
const char *segoff_tun_f_name(unsigned bit);

/* One frame of a batch: the caller's buffer and the bytes read into it. */
struct segoff_tap_frame {
	uint8_t *buf;           /* virtio_net_hdr, then the Ethernet frame */
	size_t cap;             /* at least the vnet header + 65550 for TSO frames */
	size_t len;             /* out: bytes read (header included) */
};

/**
 * Read up to `n` frames from a TAP opened non-blocking, stopping at the
 * first EAGAIN: several frames per wake-up. Returns the number read (0 when
 * none is waiting), or SEGOFF_E_SYSTEM (errno set) when a read failed before
 * any frame was read.
 */
int segoff_tap_read_batch(int fd, struct segoff_tap_frame *frames, unsigned n);

/**
 * Write one frame with its virtio_net_hdr (encoded from `h`, `vnet_len`
 * bytes) in front, gathered from `iov`: one writev(). Returns SEGOFF_OK or
 * SEGOFF_E_SYSTEM (errno set: EINVAL when the kernel refused the header).
 */
int segoff_tap_write(int fd, const struct segoff_vnet_hdr *h, unsigned vnet_len, const struct segoff_slice *iov,
		     unsigned nr_iov);

/** Set the MTU of network device `name` (SIOCSIFMTU). */
int segoff_netdev_set_mtu(const char *name, unsigned mtu);

#ifdef __cplusplus
}
#endif

#endif /* SEGOFF_TAP_H */
