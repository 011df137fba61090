// SPDX-License-Identifier: MIT
/*
 * bench-gro: segoff's GRO side by side with DPDK 22.11's librte_gro (when
 * built against libdpdk), on the same packets, interleaved round by round in
 * one process, with ratios. `make bench` builds and runs it.
 *
 * DPDK rows: rte_gro_reassemble_burst (burst mode: merges within one burst;
 * DPDK caps it at 128 items, so it has no 1024-flow row) and rte_gro_reassemble
 * with a context plus rte_gro_timeout_flush (context mode). DPDK's GRO merges
 * by chaining and rewriting the mbufs it is given, so every burst gets fresh
 * mbufs; filling them (allocation, copy of the frame, packet type) and
 * freeing the results are outside the timed part. DPDK verifies no
 * checksums: compare its rows with segoff's "trusted" rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <segoff/segoff.h>
#include "gro_measure.h"

#ifdef HAVE_DPDK
#include <rte_eal.h>
#include <rte_gro.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#define MAX_BURST (GRO_BENCH_MANY_FLOWS * GRO_BENCH_PER_FLOW)

struct dpdk_gro_case {
	const struct gro_bench_set *set;
	int ctx_mode;
	int vxlan;
	unsigned reps;
	void *ctx;
	struct rte_gro_param param;
	uint64_t given, delivered; /* packets in, and packets in what came out (mbuf chains) */
};

static struct rte_mempool *pool;
static struct rte_mbuf *mbufs[MAX_BURST], *outs[MAX_BURST];
static volatile uint64_t dpdk_out;

static int fill(const struct gro_bench_set *s, unsigned from, unsigned n, int vxlan)
{
	if (rte_pktmbuf_alloc_bulk(pool, mbufs, n) != 0)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = mbufs[i];
		memcpy(rte_pktmbuf_append(m, (uint16_t)s->len[from + i]), s->frame[from + i], s->len[from + i]);
		m->l2_len = 14;
		m->l3_len = 20;
		m->l4_len = 32;
		m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP;
		if (vxlan) {
			/* DPDK's convention: the outer headers, then UDP + VXLAN +
			 * inner Ethernet as the inner l2 */
			m->outer_l2_len = 14;
			m->outer_l3_len = 20;
			m->l2_len = 8 + 8 + 14;
			m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_UDP |
					 RTE_PTYPE_TUNNEL_VXLAN | RTE_PTYPE_INNER_L2_ETHER | RTE_PTYPE_INNER_L3_IPV4 |
					 RTE_PTYPE_INNER_L4_TCP;
		}
	}
	return 0;
}

static double run_dpdk(void *arg)
{
	struct dpdk_gro_case *c = arg;
	const struct gro_bench_set *s = c->set;
	double ns = 0;
	for (unsigned rep = 0; rep < c->reps; rep++) {
		for (unsigned b = 0; b < s->npkts; b += s->burst) {
			unsigned n = s->npkts - b < s->burst ? s->npkts - b : s->burst;
			if (fill(s, b, n, c->vxlan) < 0) {
				fprintf(stderr, "bench-gro: mbuf pool exhausted\n");
				exit(1);
			}
			unsigned kept, flushed = 0;
			double t0 = gro_bench_now_ns();
			if (c->ctx_mode) {
				kept = rte_gro_reassemble(mbufs, (uint16_t)n, c->ctx);
				flushed = rte_gro_timeout_flush(c->ctx, 0, c->param.gro_types, outs, MAX_BURST);
			} else {
				kept = rte_gro_reassemble_burst(mbufs, (uint16_t)n, &c->param);
			}
			ns += gro_bench_now_ns() - t0;
			dpdk_out += kept + flushed;
			c->given += n;
			for (unsigned i = 0; i < kept; i++) {
				c->delivered += mbufs[i]->nb_segs;
				rte_pktmbuf_free(mbufs[i]);
			}
			for (unsigned i = 0; i < flushed; i++) {
				c->delivered += outs[i]->nb_segs;
				rte_pktmbuf_free(outs[i]);
			}
		}
	}
	return ns / ((double)c->reps * s->npkts);
}

static unsigned dpdk_cases(struct gro_case *cases)
{
	char *eal_argv[] = { "bench-gro", "--no-huge", "--no-pci", "--no-shconf", "-m", "1024", "-l", "0",
			     "--no-telemetry", "--log-level=lib.*:error", NULL };
	if (rte_eal_init(10, eal_argv) < 0) {
		fprintf(stderr, "bench-gro: DPDK EAL did not start\n");
		return 0;
	}
	pool = rte_pktmbuf_pool_create("gro", MAX_BURST + 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (!pool) {
		fprintf(stderr, "bench-gro: DPDK mempool could not be created\n");
		return 0;
	}
	const struct gro_bench_set *sets = gro_bench_sets();
	static struct dpdk_gro_case c[7];
	static const char *const names[7] = { "dpdk_burst_1flow", "dpdk_burst_8flows", "dpdk_ctx_1flow",
					      "dpdk_ctx_8flows", "dpdk_ctx_1024flows", "dpdk_vxlan_burst_1flow",
					      "dpdk_vxlan_burst_8flows" };
	static const unsigned set_of[7] = { 0, 1, 0, 1, 2, 3, 4 },
			      flows_of[7] = { 2, 8, 2, 8, GRO_BENCH_MANY_FLOWS, 2, 8 };
	for (unsigned k = 0; k < 7; k++) {
		c[k].set = &sets[set_of[k]];
		c[k].ctx_mode = k >= 2 && k < 5;
		c[k].vxlan = k >= 5;
		c[k].reps = set_of[k] == 2 ? 2 : 100;
		c[k].param.gro_types = c[k].vxlan ? RTE_GRO_IPV4_VXLAN_TCP_IPV4 : RTE_GRO_TCP_IPV4;
		c[k].param.max_flow_num = (uint16_t)flows_of[k];
		/* burst mode allows at most 128 items in all */
		c[k].param.max_item_per_flow = (uint16_t)(!c[k].ctx_mode ? 128 / flows_of[k] : 64);
		c[k].param.socket_id = 0;
		if (c[k].ctx_mode && !(c[k].ctx = rte_gro_ctx_create(&c[k].param))) {
			fprintf(stderr, "bench-gro: rte_gro_ctx_create failed\n");
			return 0;
		}
		cases[k] = (struct gro_case){ .name = names[k], .run = run_dpdk, .arg = &c[k] };
	}
	return 7;
}

/* A peer that lost packets did less work than it was timed for: say so. */
static void dpdk_warn_losses(const struct gro_case *cases, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		const struct dpdk_gro_case *c = cases[k].arg;
		if (c->delivered < c->given)
			printf("  WARNING: %s delivered %llu of the %llu packets it was given\n", cases[k].name,
			       (unsigned long long)c->delivered, (unsigned long long)c->given);
	}
}
#endif

static double median_of(const struct gro_case *c, unsigned n, const char *name)
{
	for (unsigned k = 0; k < n; k++)
		if (strcmp(c[k].name, name) == 0)
			return c[k].median;
	return 0;
}

int main(int argc, char **argv)
{
	int json = 0;
	unsigned rounds = 15;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			rounds = (unsigned)atoi(argv[++i]);
	}
	struct gro_case cases[24];
	unsigned n = gro_bench_cases(cases), nd = 0;
#ifdef HAVE_DPDK
	nd = dpdk_cases(cases + n);
#endif
	gro_bench_run(cases, n + nd, rounds);
	if (json) {
		printf("{\"ns_per_packet\":{");
		for (unsigned k = 0; k < n + nd; k++)
			printf("%s\"%s\":%.2f", k ? "," : "", cases[k].name, cases[k].median);
		printf("}}\n");
		return 0;
	}
	gro_bench_print(cases, n, rounds, 0);
	if (!nd) {
		printf("  (DPDK peer not built: install libdpdk-dev and run `make bench` again)\n");
		return 0;
	}
#ifdef HAVE_DPDK
	dpdk_warn_losses(cases + n, nd);
#endif
	printf("\nside by side, same packets, same rounds (ns per packet; lower is better)\n");
	static const char *const rows[][3] = {
		{ "1 flow, bursts of 64", "trusted_1flow", "dpdk_burst_1flow" },
		{ "1 flow, bursts of 64", "trusted_1flow", "dpdk_ctx_1flow" },
		{ "8 flows, bursts of 64", "trusted_8flows", "dpdk_burst_8flows" },
		{ "8 flows, bursts of 64", "trusted_8flows", "dpdk_ctx_8flows" },
		{ "1024 flows, 8192 packets", "trusted_1024flows", "dpdk_ctx_1024flows" },
		{ "VXLAN, 1 flow, bursts of 64", "vxlan_trusted_1flow", "dpdk_vxlan_burst_1flow" },
		{ "VXLAN, 8 flows, bursts of 64", "vxlan_trusted_8flows", "dpdk_vxlan_burst_8flows" },
	};
	for (unsigned r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		double a = median_of(cases, n + nd, rows[r][1]), b = median_of(cases, n + nd, rows[r][2]);
		printf("  %-26s segoff %7.2f   %-20s %7.2f   segoff %.2fx %s\n", rows[r][0], a, rows[r][2], b,
		       a < b ? b / a : a / b, a < b ? "faster" : "slower");
	}
	printf("  %-26s segoff %7.2f   (DPDK does not verify checksums)\n", "1 flow, verified checksums",
	       median_of(cases, n + nd, "verified_1flow"));
	printf("  %-26s segoff %7.2f   (DPDK 22.11 has no TCP/IPv6 GRO)\n", "IPv6, 1 flow",
	       median_of(cases, n + nd, "ipv6_trusted_1flow"));
	printf("  %-26s segoff %7.2f\n", "IPv6, 8 flows", median_of(cases, n + nd, "ipv6_trusted_8flows"));
	printf("  %-26s segoff %7.2f   (DPDK's UDP GRO is IPv4 fragment reassembly)\n", "UDP GRO, 1 flow",
	       median_of(cases, n + nd, "udp_trusted_1flow"));
	return 0;
}
