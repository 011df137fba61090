/* SPDX-License-Identifier: MIT */
/* The kernel differential tests' lab: a network namespace of the process's
 * own (it vanishes with the process, whatever happens), a bridge, and two
 * TAPs with a virtio_net_hdr, A and B, on it. */
#ifndef SEGOFF_LAB_H
#define SEGOFF_LAB_H

#include <stddef.h>
#include <stdint.h>
#include <segoff/segoff.h>

struct lab {
	int fda, fdb;           /* B is non-blocking */
	char a[16], b[16];
};

/* Root and /dev/net/tun present? If not, prints the loud skip notice and
 * returns 0 (the caller then reports a failure under $CI). */
int lab_can_run(const char *test);
/* tap_a_flags: SEGOFF_TAP_* for A; offload_a/b: TUN_F_* for A and B;
 * sysfs: also give the process its own mount namespace with sysfs
 * remounted, so /sys/class/net shows the lab's devices. Exits on failure. */
void lab_up(struct lab *lab, unsigned tap_a_flags, unsigned offload_a, unsigned offload_b, int sysfs);
/* The same with A's and B's virtio headers `vnet_len_a` and `vnet_len_b`
 * bytes long (10, 12 or 24). */
void lab_up_vnet(struct lab *lab, unsigned tap_a_flags, unsigned vnet_len_a, unsigned vnet_len_b, unsigned offload_a,
		 unsigned offload_b, int sysfs);
/* The L3 lab: two TUN devices (IFF_TUN, 10-byte virtio header), A taking
 * whatever is written, B offering `offload_b`, the namespace forwarding
 * IPv4 and IPv6 from A to B: the kernel routes a packet written into A to
 * the pktgen destinations (198.51.100.0/24, 2001:db8::2) out of B, with
 * TTL and hop limit one less, and segments it in software for B. MTUs
 * 65000. Exits on failure. */
void lab_up_tun(struct lab *lab, unsigned tun_a_flags, unsigned offload_b, int sysfs);
/* What forwarding between the L3 lab's TUNs does to an IP packet's header:
 * IPv4 TTL one less with the checksum updated as ip_decrease_ttl() does (in
 * the CPU's byte order, with its end-around carry), IPv6 hop limit one less. */
void lab_forward_ttl(uint8_t *ip);
/* The tunnel GSO differentials' MSS: the edges the kernel's senders use (48,
 * 536, 1448, 9000 and their neighbours) a sixth of the time, else mostly
 * Ethernet-sized, down to 48 and up to 9000. */
struct rng;
unsigned lab_pick_mss(struct rng *r);
/* What lab_drain() hands over: a frame (the bytes after its virtio header)
 * and that header, decoded. The bytes are the drain's buffer: copy what is
 * kept. */
typedef void (*lab_take_fn)(void *arg, const uint8_t *frame, size_t len, const struct segoff_vnet_hdr *vh);
/* Read TAP `fd` (non-blocking) until it has been quiet `quiet` times for
 * `wait_ms`, giving `take` every frame with its `vnet_len`-byte header
 * (shorter reads are skipped); `take` NULL discards them. */
void lab_drain(int fd, unsigned vnet_len, unsigned quiet, int wait_ms, lab_take_fn take, void *arg);
/* Write `val` to a sysfs or procfs file; 0 or -1. */
int lab_write(const char *path, const char *val);
void lab_die(const char *what);
/* The differentials' summary, one line a class: "ok"/"FAIL", its name, its
 * cases and mismatches; a class fails with a mismatch or with no case at
 * all. Adds the classes that passed to *passed; returns those that failed. */
unsigned lab_report_classes(const char *const *names, const unsigned *cases, const unsigned *fail, unsigned n,
			    unsigned *passed);

#endif
