/* SPDX-License-Identifier: MIT */
/* The GRO benchmark cases, shared by `segoff bench gro` and bench/bench_gro
 * (which adds DPDK's librte_gro as a peer in the same process). */
#ifndef SEGOFF_GRO_MEASURE_H
#define SEGOFF_GRO_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#define GRO_BENCH_MSS 1448
#define GRO_BENCH_BURST 64       /* the kernel's NAPI weight */
#define GRO_BENCH_MANY_FLOWS 1024
#define GRO_BENCH_PER_FLOW 8     /* packets per flow in the 1024-flow case */

/* A set of prebuilt frames: 1448-byte TCP/IPv4 segments with timestamps,
 * full checksums, flows interleaved round robin. */
struct gro_bench_set {
	unsigned nflows, npkts, burst;  /* burst: packets per flush (npkts for one flush) */
	uint8_t **frame;
	uint32_t *len;
};

void gro_bench_set_build(struct gro_bench_set *s, unsigned nflows, unsigned npkts, unsigned burst);
/* The same segments inside VXLAN over IPv4 (no outer UDP checksum, as
 * Linux's VXLAN sends by default): 50 more bytes of headers. */
void gro_bench_set_build_vxlan(struct gro_bench_set *s, unsigned nflows, unsigned npkts, unsigned burst);
#define GRO_BENCH_VXLAN_HDR 50
/* The same segments over IPv6 (20 more bytes of headers), and 1448-byte UDP
 * datagrams of one flow (UDP GRO, as a socket with UDP_GRO asks). */
void gro_bench_set_build_v6(struct gro_bench_set *s, unsigned nflows, unsigned npkts, unsigned burst);
void gro_bench_set_build_udp(struct gro_bench_set *s, unsigned nflows, unsigned npkts, unsigned burst);

/* One timed case: run() does one repetition and returns the nanoseconds it
 * spent on the timed part (preparation excluded), per packet. */
struct gro_case {
	const char *name;
	double (*run)(void *arg);
	void *arg;
	double samples[64];
	double median;
};

void gro_bench_run(struct gro_case *cases, unsigned n, unsigned rounds);
/* segoff's cases (trusted_1flow, trusted_8flows, trusted_1024flows, verified_1flow, vxlan_trusted_1flow,
 * vxlan_trusted_8flows); returns 6. */
unsigned gro_bench_cases(struct gro_case *cases);
/* The sets the cases use, for a peer to run the same packets: [0] 1 flow,
 * [1] 8 flows, [2] 1024 flows, [3] VXLAN 1 flow, [4] VXLAN 8 flows. */
const struct gro_bench_set *gro_bench_sets(void);
void gro_bench_print(const struct gro_case *cases, unsigned n, unsigned rounds, int json);
double gro_bench_now_ns(void);

#endif
