// SPDX-License-Identifier: MIT
/* GRO benchmark: 1448-byte TCP/IPv4 segments through segoff_gro, per packet,
 * zero-copy, for 1 flow and 8 interleaved flows (bursts of 64, flushed at
 * the end of each as at the end of a NAPI poll) and 1024 interleaved flows
 * (8192 packets, one flush); checksums trusted (DATA_VALID) or verified.
 * Frames go in through segoff_gro_receive_frame(), which parses only what
 * does not continue a held flow; the timed loop includes that parsing. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <segoff/segoff.h>
#include "gro_measure.h"
#include "machine.h"
#include "pktgen.h"

double gro_bench_now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Segment k of a flow: Ethernet + IPv4 + TCP with timestamps, 66 bytes of
 * headers, full checksums. */
static void segment_spec(struct pktgen_spec *s, unsigned flow, unsigned k)
{
	pktgen_default(s);
	s->tcp_flags = 0x10;
	s->sport = (uint16_t)(10000 + flow);
	s->seq = 1000000u * flow + k * GRO_BENCH_MSS;
	s->ack = 42;
	s->win = 2048;
	s->ip_id = (uint16_t)(flow * 131 + k);
	s->ts_set = 1;
	s->tsval = 7;
	s->tsecr = 9;
	s->payload_len = GRO_BENCH_MSS;
	s->payload_seed = flow * 100003u + k;
	s->csum = PKTGEN_CSUM_FULL;
}

static void build_segment(uint8_t *f, unsigned flow, unsigned k)
{
	struct pktgen_spec s;
	segment_spec(&s, flow, k);
	pktgen_build(&s, f, 66 + GRO_BENCH_MSS);
}


/* The segment of build_segment() inside VXLAN over IPv4. */
static void build_vxlan_segment(uint8_t *f, unsigned flow, unsigned k)
{
	struct pktgen_spec o, s;
	pktgen_default(&o);
	o.dport = SEGOFF_VXLAN_PORT;
	o.sport = (uint16_t)(49152 + flow);
	o.ip_id = (uint16_t)(flow * 977 + k);
	o.csum = PKTGEN_CSUM_ZERO;
	segment_spec(&s, flow, k);
	pktgen_build_tunnel(&o, PKTGEN_VXLAN, 42 + flow, 0, 0, &s, f, GRO_BENCH_VXLAN_HDR + 66 + GRO_BENCH_MSS);
}

static void build_segment_v6(uint8_t *f, unsigned flow, unsigned k)
{
	struct pktgen_spec s;
	segment_spec(&s, flow, k);
	s.ipv6 = 1;
	pktgen_build(&s, f, 86 + GRO_BENCH_MSS);
}

static void build_datagram(uint8_t *f, unsigned flow, unsigned k)
{
	struct pktgen_spec s;
	segment_spec(&s, flow, k);
	s.udp = 1;
	pktgen_build(&s, f, 42 + GRO_BENCH_MSS);
}

/* Frames each in its own allocation, as a NIC ring gives them. */
static void set_build(struct gro_bench_set *s, unsigned nflows, unsigned npkts, unsigned burst, uint32_t len,
		      void (*build)(uint8_t *, unsigned, unsigned))
{
	s->nflows = nflows;
	s->npkts = npkts;
	s->burst = burst;
	s->frame = malloc(npkts * sizeof(*s->frame));
	s->len = malloc(npkts * sizeof(*s->len));
	for (unsigned i = 0; i < npkts; i++) {
		s->len[i] = len;
		s->frame[i] = malloc(len);
		build(s->frame[i], i % nflows, i / nflows);
	}
}

void gro_bench_set_build(struct gro_bench_set *s, unsigned nflows, unsigned npkts, unsigned burst)
{
	set_build(s, nflows, npkts, burst, 66 + GRO_BENCH_MSS, build_segment);
}

void gro_bench_set_build_vxlan(struct gro_bench_set *s, unsigned nflows, unsigned npkts, unsigned burst)
{
	set_build(s, nflows, npkts, burst, GRO_BENCH_VXLAN_HDR + 66 + GRO_BENCH_MSS, build_vxlan_segment);
}

void gro_bench_set_build_v6(struct gro_bench_set *s, unsigned nflows, unsigned npkts, unsigned burst)
{
	set_build(s, nflows, npkts, burst, 86 + GRO_BENCH_MSS, build_segment_v6);
}

void gro_bench_set_build_udp(struct gro_bench_set *s, unsigned nflows, unsigned npkts, unsigned burst)
{
	set_build(s, nflows, npkts, burst, 42 + GRO_BENCH_MSS, build_datagram);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

void gro_bench_run(struct gro_case *cases, unsigned n, unsigned rounds)
{
	if (rounds > 64)
		rounds = 64;
	for (unsigned k = 0; k < n; k++)
		cases[k].run(cases[k].arg); /* warm up */
	for (unsigned r = 0; r < rounds; r++)
		for (unsigned k = 0; k < n; k++)
			cases[k].samples[r] = cases[k].run(cases[k].arg);
	for (unsigned k = 0; k < n; k++) {
		double t[64];
		memcpy(t, cases[k].samples, rounds * sizeof(double));
		qsort(t, rounds, sizeof(double), cmp_double);
		cases[k].median = t[rounds / 2];
	}
}

/* --- segoff --- */

static struct gro_bench_set sets[8];
static volatile uint64_t delivered;

static void count_out(void *opaque, const struct segoff_gro_out *out)
{
	(void)opaque;
	delivered += out->gso_segs;
}

struct segoff_case {
	const struct gro_bench_set *set;
	struct segoff_gro *g;
	unsigned reps;
	uint8_t csum_state; /* VERIFIED: as a NIC's DATA_VALID says */
	uint8_t per_frame;  /* one segoff_gro_receive_frame() call per frame, not a burst */
	struct segoff_gro_frame *frames; /* the set's frames as a ring's descriptors */
};

static double run_segoff(void *arg)
{
	struct segoff_case *c = arg;
	const struct gro_bench_set *s = c->set;
	if (!c->frames) {
		c->frames = calloc(s->npkts, sizeof(*c->frames));
		for (unsigned i = 0; i < s->npkts; i++)
			c->frames[i] = (struct segoff_gro_frame){ s->frame[i], s->len[i], c->csum_state, NULL };
	}
	double ns = 0;
	for (unsigned rep = 0; rep < c->reps; rep++) {
		for (unsigned b = 0; b < s->npkts; b += s->burst) {
			unsigned n = b + s->burst <= s->npkts ? s->burst : s->npkts - b;
			double t0 = gro_bench_now_ns();
			if (c->per_frame) {
				for (unsigned i = b; i < b + n; i++)
					segoff_gro_receive_frame(c->g, s->frame[i], s->len[i], c->csum_state, NULL, 0);
			} else {
				segoff_gro_receive_frames(c->g, c->frames + b, n, 0);
			}
			segoff_gro_flush_all(c->g);
			ns += gro_bench_now_ns() - t0;
		}
	}
	return ns / ((double)c->reps * s->npkts);
}

const struct gro_bench_set *gro_bench_sets(void)
{
	if (!sets[0].npkts) {
		gro_bench_set_build(&sets[0], 1, GRO_BENCH_BURST, GRO_BENCH_BURST);
		gro_bench_set_build(&sets[1], 8, GRO_BENCH_BURST, GRO_BENCH_BURST);
		gro_bench_set_build(&sets[2], GRO_BENCH_MANY_FLOWS, GRO_BENCH_MANY_FLOWS * GRO_BENCH_PER_FLOW,
				    GRO_BENCH_MANY_FLOWS * GRO_BENCH_PER_FLOW);
		gro_bench_set_build_vxlan(&sets[3], 1, GRO_BENCH_BURST, GRO_BENCH_BURST);
		gro_bench_set_build_vxlan(&sets[4], 8, GRO_BENCH_BURST, GRO_BENCH_BURST);
		gro_bench_set_build_v6(&sets[5], 1, GRO_BENCH_BURST, GRO_BENCH_BURST);
		gro_bench_set_build_v6(&sets[6], 8, GRO_BENCH_BURST, GRO_BENCH_BURST);
		gro_bench_set_build_udp(&sets[7], 1, GRO_BENCH_BURST, GRO_BENCH_BURST);
	}
	return sets;
}

static struct segoff_gro *make(unsigned flows, int udp)
{
	struct segoff_gro_config cfg;
	segoff_gro_config_init(&cfg);
	cfg.max_flows = flows;
	cfg.udp = (uint8_t)udp;
	cfg.deliver = count_out;
	struct segoff_gro *g = NULL;
	if (segoff_gro_create(&cfg, &g) != SEGOFF_OK) {
		fprintf(stderr, "bench: segoff_gro_create failed\n");
		exit(1);
	}
	return g;
}

unsigned gro_bench_cases(struct gro_case *cases)
{
	gro_bench_sets();
	static struct segoff_case c[10];
	c[0] = (struct segoff_case){ &sets[0], make(64, 0), 200, SEGOFF_CSUM_VERIFIED, 0, NULL };
	c[1] = (struct segoff_case){ &sets[1], make(64, 0), 200, SEGOFF_CSUM_VERIFIED, 0, NULL };
	c[2] = (struct segoff_case){ &sets[2], make(GRO_BENCH_MANY_FLOWS, 0), 2, SEGOFF_CSUM_VERIFIED, 0, NULL };
	c[3] = (struct segoff_case){ &sets[0], make(64, 0), 50, SEGOFF_CSUM_NONE, 0, NULL };
	cases[0] = (struct gro_case){ .name = "trusted_1flow", .run = run_segoff, .arg = &c[0] };
	cases[1] = (struct gro_case){ .name = "trusted_8flows", .run = run_segoff, .arg = &c[1] };
	cases[2] = (struct gro_case){ .name = "trusted_1024flows", .run = run_segoff, .arg = &c[2] };
	cases[3] = (struct gro_case){ .name = "verified_1flow", .run = run_segoff, .arg = &c[3] };
	c[4] = (struct segoff_case){ &sets[3], make(64, 0), 200, SEGOFF_CSUM_VERIFIED, 0, NULL };
	c[5] = (struct segoff_case){ &sets[4], make(64, 0), 200, SEGOFF_CSUM_VERIFIED, 0, NULL };
	cases[4] = (struct gro_case){ .name = "vxlan_trusted_1flow", .run = run_segoff, .arg = &c[4] };
	cases[5] = (struct gro_case){ .name = "vxlan_trusted_8flows", .run = run_segoff, .arg = &c[5] };
	c[6] = (struct segoff_case){ &sets[0], make(64, 0), 200, SEGOFF_CSUM_VERIFIED, 1, NULL };
	cases[6] = (struct gro_case){ .name = "trusted_1flow_per_frame", .run = run_segoff, .arg = &c[6] };
	c[7] = (struct segoff_case){ &sets[5], make(64, 0), 200, SEGOFF_CSUM_VERIFIED, 0, NULL };
	c[8] = (struct segoff_case){ &sets[6], make(64, 0), 200, SEGOFF_CSUM_VERIFIED, 0, NULL };
	c[9] = (struct segoff_case){ &sets[7], make(64, 1), 200, SEGOFF_CSUM_VERIFIED, 0, NULL };
	cases[7] = (struct gro_case){ .name = "ipv6_trusted_1flow", .run = run_segoff, .arg = &c[7] };
	cases[8] = (struct gro_case){ .name = "ipv6_trusted_8flows", .run = run_segoff, .arg = &c[8] };
	cases[9] = (struct gro_case){ .name = "udp_trusted_1flow", .run = run_segoff, .arg = &c[9] };
	return 10;
}

void gro_bench_print(const struct gro_case *cases, unsigned n, unsigned rounds, int json)
{
	if (json) {
		printf("{\"case\":\"tcp4 1448-byte segments\",\"rounds\":%u,\"csum_impl\":\"%s\",\"ns_per_packet\":{", rounds,
		       segoff_csum_impl_name());
		for (unsigned k = 0; k < n; k++)
			printf("%s\"%s\":%.2f", k ? "," : "", cases[k].name, cases[k].median);
		printf("}}\n");
		return;
	}
	printf("segoff bench gro: 1448-byte TCP/IPv4 segments, zero-copy, one core, median of %u interleaved rounds\n",
	       rounds);
	char cpu[192];
	printf("  CPU: %s, checksum implementation %s\n", bench_cpu_model(cpu, sizeof(cpu)), segoff_csum_impl_name());
	for (unsigned k = 0; k < n; k++)
		printf("  %-40s %8.2f ns/packet\n", cases[k].name, cases[k].median);
}
