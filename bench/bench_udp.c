// SPDX-License-Identifier: MIT
/*
 * bench-udp: segoff's USO, fragmentation and reassembly side by side with
 * DPDK 22.11 (when built against libdpdk): rte_gso_segment for UDP/IPv4
 * (which is IP fragmentation in DPDK), rte_ipv4_fragment_packet, and
 * rte_ipv4_frag_reassemble_packet, on the same packets, interleaved round
 * by round. DPDK's mbufs are filled outside the timed part.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <segoff/segoff.h>
#include "gro_measure.h"
#include "udp_measure.h"
#include "machine.h"

#ifdef HAVE_DPDK
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_gso.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

static struct rte_mempool *direct, *indirect, *big;
static struct rte_mbuf *outs[256];
static uint8_t *dgram;
static size_t dgram_len;

static struct rte_mbuf *mbuf_of(const uint8_t *data, size_t len, struct rte_mempool *pool)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	if (!m || !rte_pktmbuf_append(m, (uint16_t)len)) {
		fprintf(stderr, "bench-udp: mbuf pool exhausted\n");
		exit(1);
	}
	memcpy(rte_pktmbuf_mtod(m, void *), data, len);
	m->l2_len = 14;
	m->l3_len = 20;
	m->l4_len = 8;
	return m;
}

static double run_gso_udp(void *arg)
{
	(void)arg;
	struct rte_gso_ctx ctx = { .direct_pool = direct, .indirect_pool = indirect,
				   .gso_types = RTE_ETH_TX_OFFLOAD_UDP_TSO, .gso_size = 1514, .flag = 0 };
	struct rte_mbuf *in = mbuf_of(dgram, dgram_len, big);
	double ns = 0;
	int n = 0;
	for (int i = 0; i < 200; i++) {
		in->ol_flags = RTE_MBUF_F_TX_UDP_SEG | RTE_MBUF_F_TX_IPV4;
		double t0 = gro_bench_now_ns();
		n = rte_gso_segment(in, &ctx, outs, 256);
		ns += gro_bench_now_ns() - t0;
		for (int k = 0; k < n; k++)
			rte_pktmbuf_free(outs[k]);
	}
	rte_pktmbuf_free(in);
	return n > 0 ? ns / (200.0 * n) : 0;
}

static double run_frag(void *arg)
{
	(void)arg;
	/* rte_ipv4_fragment_packet wants the IPv4 header first */
	struct rte_mbuf *in = mbuf_of(dgram + 14, dgram_len - 14, big);
	double ns = 0;
	int n = 0;
	for (int i = 0; i < 200; i++) {
		double t0 = gro_bench_now_ns();
		n = rte_ipv4_fragment_packet(in, outs, 256, 1500, direct, indirect);
		ns += gro_bench_now_ns() - t0;
		for (int k = 0; k < n; k++)
			rte_pktmbuf_free(outs[k]);
	}
	rte_pktmbuf_free(in);
	return n > 0 ? ns / (200.0 * n) : 0;
}

struct reasm_peer {
	unsigned in_flight, per, reps;
	unsigned long long reassembled, offered; /* datagrams, over all runs */
	uint8_t **frames;
	uint32_t *lens;
	struct rte_ip_frag_tbl *tbl;
};

static struct rte_mbuf *fragm[8192];
static struct reasm_peer rp[2];

static double run_reasm(void *arg)
{
	struct reasm_peer *c = arg;
	unsigned n = c->in_flight * c->per * c->reps;
	for (unsigned i = 0; i < n; i++) {
		unsigned f = i % (c->in_flight * c->per);
		fragm[i] = mbuf_of(c->frames[f], c->lens[f], direct);
	}
	struct rte_ip_frag_death_row dr = { 0 };
	double t0 = gro_bench_now_ns();
	for (unsigned i = 0; i < n; i++) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(fragm[i], struct rte_ipv4_hdr *, 14);
		struct rte_mbuf *done = rte_ipv4_frag_reassemble_packet(c->tbl, &dr, fragm[i], 0, ip);
		if (done)
			fragm[i] = done; /* freed below, outside the clock */
		else
			fragm[i] = NULL;
	}
	double ns = gro_bench_now_ns() - t0;
	c->offered += (unsigned long long)c->in_flight * c->reps;
	for (unsigned i = 0; i < n; i++)
		c->reassembled += fragm[i] != NULL;
	for (unsigned i = 0; i < n; i++)
		if (fragm[i])
			rte_pktmbuf_free(fragm[i]);
	rte_ip_frag_free_death_row(&dr, 0);
	return ns / n;
}

static unsigned dpdk_cases(struct gro_case *cases)
{
	char *eal_argv[] = { "bench-udp", "--no-huge", "--no-pci", "--no-shconf", "-m", "1024", "-l", "0",
			     "--no-telemetry", "--log-level=lib.*:error", NULL };
	if (rte_eal_init(10, eal_argv) < 0) {
		fprintf(stderr, "bench-udp: DPDK EAL did not start\n");
		return 0;
	}
	direct = rte_pktmbuf_pool_create("direct", 16383, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	indirect = rte_pktmbuf_pool_create("indirect", 4095, 0, 0, 0, SOCKET_ID_ANY);
	big = rte_pktmbuf_pool_create("big", 7, 0, 0, 65535, SOCKET_ID_ANY);
	if (!direct || !indirect || !big) {
		fprintf(stderr, "bench-udp: DPDK mempools could not be created\n");
		return 0;
	}
	dgram = malloc(70000);
	dgram_len = udp_bench_datagram(dgram, UDP_BENCH_PAYLOAD, 1, 0);
	static const unsigned flights[2] = { 1, 1000 };
	for (int k = 0; k < 2; k++) {
		rp[k].in_flight = flights[k];
		rp[k].reps = udp_bench_reasm_reps(flights[k]);
		rp[k].per = udp_bench_frag_sets(flights[k], udp_bench_reasm_payload(flights[k]), &rp[k].frames, &rp[k].lens);
		rp[k].tbl = rte_ip_frag_table_create(4096, 16, 8192, (uint64_t)1 << 62, SOCKET_ID_ANY);
		if (!rp[k].tbl) {
			fprintf(stderr, "bench-udp: rte_ip_frag_table_create failed\n");
			return 0;
		}
	}
	cases[0] = (struct gro_case){ .name = "dpdk_gso_udp4", .run = run_gso_udp };
	cases[1] = (struct gro_case){ .name = "dpdk_ipv4_fragment", .run = run_frag };
	cases[2] = (struct gro_case){ .name = "dpdk_reasm_1_in_flight", .run = run_reasm, .arg = &rp[0] };
	cases[3] = (struct gro_case){ .name = "dpdk_reasm_1000_in_flight", .run = run_reasm, .arg = &rp[1] };
	return 4;
}
#endif

int main(int argc, char **argv)
{
	unsigned rounds = 15;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			rounds = (unsigned)atoi(argv[++i]);
	struct gro_case cases[16];
	unsigned n = udp_bench_cases(cases), nd = 0;
#ifdef HAVE_DPDK
	nd = dpdk_cases(cases + n);
#endif
	gro_bench_run(cases, n + nd, rounds);
	printf("bench-udp: median of %u interleaved rounds, one core (ns per output datagram or fragment; per\n"
	       "fragment received for reassembly)\n",
	       rounds);
	char cpu[192];
	printf("  CPU: %s, checksum implementation %s\n", bench_cpu_model(cpu, sizeof(cpu)), segoff_csum_impl_name());
	for (unsigned k = 0; k < n + nd; k++)
		printf("  %-30s %8.2f ns\n", cases[k].name, cases[k].median);
	if (nd == 4) {
		printf("\nside by side\n");
		printf("  USO (segoff, every segment a datagram, zero-copy) %.2f ns vs DPDK UDP GSO (IP fragments) %.2f ns: "
		       "segoff %.1fx faster\n",
		       cases[0].median, cases[n].median, cases[n].median / cases[0].median);
		printf("  IPv4 fragmentation at MTU 1500: segoff %.2f ns vs DPDK %.2f ns per fragment: segoff %.1fx %s\n",
		       cases[2].median, cases[n + 1].median,
		       cases[2].median < cases[n + 1].median ? cases[n + 1].median / cases[2].median
							     : cases[2].median / cases[n + 1].median,
		       cases[2].median < cases[n + 1].median ? "faster" : "slower");
		for (int k = 0; k < 2; k++) {
			double a = cases[3 + k].median, b = cases[n + 2 + k].median;
			printf("  reassembly, %s in flight: segoff %.2f ns vs DPDK %.2f ns per fragment: segoff %.1fx %s\n",
			       k ? "1000 datagrams" : "1 datagram", a, b, a < b ? b / a : a / b, a < b ? "faster" : "slower");
		}
#ifdef HAVE_DPDK
		/* a peer that dropped what it could not hold would look fast */
		for (int k = 0; k < 2; k++)
			if (rp[k].reassembled != rp[k].offered)
				printf("  WARNING: DPDK reassembled only %llu of %llu datagrams (%u in flight)\n",
				       rp[k].reassembled, rp[k].offered, rp[k].in_flight);
#endif
	} else {
		printf("  (DPDK peer not built: install libdpdk-dev and run `make bench` again)\n");
	}
	return 0;
}
