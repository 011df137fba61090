/* SPDX-License-Identifier: MIT */
/* UDP benchmark cases (USO, fragmentation, reassembly), shared by
 * `segoff bench udp` and bench/bench_udp. */
#ifndef SEGOFF_UDP_MEASURE_H
#define SEGOFF_UDP_MEASURE_H

#include <stddef.h>
#include <stdint.h>
#include "gro_measure.h"

#define UDP_BENCH_MSS 1200
#define UDP_BENCH_PAYLOAD (UDP_BENCH_MSS * 54) /* 64800 bytes: a 64 KB datagram */

/* A UDP/IPv4 datagram in an Ethernet frame; the check field partial or full. */
size_t udp_bench_datagram(uint8_t *frame, uint32_t payload, uint16_t id, int partial);
/* Fragment sets at MTU 1500 for `in_flight` datagrams, round robin; returns
 * fragments per datagram. */
uint32_t udp_bench_frag_sets(unsigned in_flight, uint32_t payload, uint8_t ***frames, uint32_t **lens);
/* Reassembly cases, shared by segoff and the DPDK peer. Datagram payloads
 * fit in DPDK's RTE_LIBRTE_IP_FRAG_MAX_FRAG (8 in Debian's build): 8000
 * bytes (6 fragments at MTU 1500) with one in flight, 4000 (3 fragments)
 * with a thousand. One datagram's set is fed 256 times in a row per timed
 * run, so that six fragments do not time a cold cache alone (DPDK's peer
 * copies its frames into mbufs just before the clock starts). */
static inline uint32_t udp_bench_reasm_payload(unsigned in_flight)
{
	return in_flight == 1 ? 8000 : 4000;
}
static inline unsigned udp_bench_reasm_reps(unsigned in_flight)
{
	return in_flight == 1 ? 256 : 1;
}
/* segoff's cases: uso_zerocopy_full, uso_copy_full, frag_ipv4_1500,
 * reasm_1_in_flight, reasm_1000_in_flight; returns 5. */
unsigned udp_bench_cases(struct gro_case *cases);

#endif
