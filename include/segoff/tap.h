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

#define SEGOFF_TAP_NAPI 0x1     /* IFF_NAPI: GRO on frames written in [V7] */
#define SEGOFF_TAP_MULTI_QUEUE 0x2

/**
 * Open (or create) TAP `name` with IFF_TAP|IFF_NO_PI|IFF_VNET_HDR and the
 * `flags` above, virtio header size `vnet_len` (10 or 12). The device's name
 * is written back into `name` (at least 16 bytes). Returns a file descriptor,
 * or SEGOFF_E_SYSTEM with errno set.
 */
int segoff_tap_open(char *name, unsigned flags, unsigned vnet_len);

/** TUNSETOFFLOAD. Returns SEGOFF_OK or SEGOFF_E_SYSTEM (errno set). */
int segoff_tap_set_offload(int fd, unsigned tun_f);

#ifdef __cplusplus
}
#endif

#endif /* SEGOFF_TAP_H */
