/* SPDX-License-Identifier: MIT */
/* The GSO benchmark cases, shared by `segoff bench gso` and bench/bench_gso
 * (which adds DPDK as a peer in the same process). */
#ifndef SEGOFF_GSO_MEASURE_H
#define SEGOFF_GSO_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_MSS 1448
#define BENCH_SEGS 45
#define BENCH_PAYLOAD (BENCH_MSS * BENCH_SEGS) /* 65160: a full 64 KB TSO write */
#define BENCH_HDR 54                          /* Ethernet + IPv4 + TCP, no options */
#define BENCH_VXLAN_HDR (50 + BENCH_HDR)      /* outer Ethernet + IPv4 + UDP + VXLAN, then the above */

struct gso_measure {
	unsigned runs;
	double zc_partial_ns;   /* ns per segment, medians */
	double zc_full_ns;
	double copy_full_ns;
	double memcpy_gbps;     /* GB/s of payload: the physical limits of this machine */
	double csum_gbps;
	double memcpy_segs_gbps; /* memcpy of every segment's header and payload into copy mode's layout */
	double zc_full_gbps;    /* GB/s of payload, for the targets */
	double copy_full_gbps;
	const char *csum_impl;
	char cpu[192];
	/* Each mode beside the sum of its parts measured in the same run:
	 * header writes (zero-copy with partial checksums), plus the checksum
	 * of one segment's payload, plus (copy) its memcpy. A mode costing
	 * more than twice its parts is a bug to find (once: the AVX-512
	 * checksum left the upper vector state dirty), not a figure. */
	double zc_full_parts_ns;
	double copy_full_parts_ns;
	/* The same payload inside VXLAN (IPv4 outer, inner MSS 1448): partial
	 * inner checksum and no outer one (what a NIC with tunnel checksum
	 * offload takes), and every checksum written, inner and outer. */
	double vxlan_zc_partial_ns;
	double vxlan_zc_full_ns;
	double vxlan_zc_full_gbps;
	double vxlan_zc_full_parts_ns;
};

/* Over this ratio of a mode to the sum of its parts, the bench warns. */
#define BENCH_PARTS_WARN 2.0

/* One timed case. Rounds interleave every case, so that a machine shared
 * with others slows all of them alike within a round; the median over
 * rounds is reported. */
#define BENCH_MAX_ROUNDS 64
struct bench_case {
	const char *name;
	void (*fn)(void *arg);
	void *arg;
	unsigned iters;         /* calls per timing (each timing a few ms) */
	double samples[BENCH_MAX_ROUNDS];
	double median_ns;       /* per call of fn */
};

/* The 64 KB TCP/IPv4 super-packet every case segments (ours and DPDK's). */
size_t bench_build_packet(uint8_t *frame, size_t cap);
/* The same inside VXLAN over IPv4; outer_csum: the outer UDP check field
 * holds the pseudo-header seed (else 0, no outer checksum). */
size_t bench_build_vxlan_packet(uint8_t *frame, size_t cap, int outer_csum);
void bench_run(struct bench_case *cases, unsigned n, unsigned rounds);
/* segoff's cases and the machine limits, appended at `cases`; returns how many. */
unsigned gso_bench_cases(struct bench_case *cases);
/* Fill `m` from the cases gso_bench_cases() set up, after bench_run(). */
void gso_measure_from(struct gso_measure *m, const struct bench_case *cases, unsigned rounds);
void gso_measure_run(struct gso_measure *m, unsigned runs);
void gso_measure_print(const struct gso_measure *m, int json);

#endif
