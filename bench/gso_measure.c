// SPDX-License-Identifier: MIT
/* GSO benchmark: one 64 KB TCP/IPv4 super-packet cut into 1448-byte
 * segments, in segoff's three modes, next to the limits of the machine
 * (memcpy and checksum-only over the same bytes). Medians of several runs;
 * each run long enough (tens of ms) for the clock to be exact. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <segoff/segoff.h>
#include "gso_measure.h"
#include "machine.h"
#include "pktgen.h"

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

void bench_run(struct bench_case *cases, unsigned n, unsigned rounds)
{
	if (rounds > BENCH_MAX_ROUNDS)
		rounds = BENCH_MAX_ROUNDS;
	for (unsigned k = 0; k < n; k++)
		cases[k].fn(cases[k].arg); /* warm caches and the checksum dispatch */
	for (unsigned r = 0; r < rounds; r++) {
		for (unsigned k = 0; k < n; k++) {
			double t0 = now_ns();
			for (unsigned i = 0; i < cases[k].iters; i++)
				cases[k].fn(cases[k].arg);
			cases[k].samples[r] = (now_ns() - t0) / cases[k].iters;
		}
	}
	for (unsigned k = 0; k < n; k++) {
		double t[BENCH_MAX_ROUNDS];
		memcpy(t, cases[k].samples, rounds * sizeof(double));
		qsort(t, rounds, sizeof(t[0]), cmp_double);
		cases[k].median_ns = t[rounds / 2];
	}
}

/* Ethernet + IPv4 + TCP without options (54 bytes), the check field
 * partial, as a TSO sender leaves it */
static void bench_spec(struct pktgen_spec *s)
{
	pktgen_default(s);
	s->tcp_optlen = 0;
	s->win = 256;
	s->payload_len = BENCH_PAYLOAD;
	s->payload_seed = 7;
	s->csum = PKTGEN_CSUM_PSEUDO;
}

size_t bench_build_packet(uint8_t *f, size_t cap)
{
	struct pktgen_spec s;
	bench_spec(&s);
	return pktgen_build(&s, f, cap);
}

size_t bench_build_vxlan_packet(uint8_t *f, size_t cap, int outer_csum)
{
	struct pktgen_spec o, in;
	pktgen_default(&o);
	o.dport = SEGOFF_VXLAN_PORT;
	o.sport = 49731;
	o.csum = outer_csum ? PKTGEN_CSUM_PSEUDO : PKTGEN_CSUM_ZERO;
	bench_spec(&in);
	return pktgen_build_tunnel(&o, PKTGEN_VXLAN, 42, 0, 0, &in, f, cap);
}

struct bench_state {
	struct segoff_pkt pkt;
	struct segoff_pkt vxlan, vxlan_csum; /* without and with an outer checksum */
	uint8_t *vframe, *vframe_csum;
	struct segoff_gso_params partial, full;
	uint8_t *frame, *out, *arena;
	struct segoff_slice iov[2 * BENCH_SEGS + 4];
	struct segoff_seg segs[BENCH_SEGS];
	volatile uint64_t sink;
};

struct zc_arg {
	struct bench_state *b;
	const struct segoff_gso_params *p;
};

static void run_zc(void *arg)
{
	struct zc_arg *a = arg;
	struct bench_state *b = a->b;
	struct segoff_gso_zc zc = { b->arena, BENCH_SEGS * 128, b->iov, 2 * BENCH_SEGS + 4, 0 };
	b->sink += (uint64_t)segoff_gso_zerocopy(&b->pkt, a->p, &zc, b->segs, BENCH_SEGS);
}

static void run_copy(void *arg)
{
	struct bench_state *b = arg;
	b->sink += (uint64_t)segoff_gso_copy(&b->pkt, &b->full, b->out, 2 * (BENCH_HDR + BENCH_PAYLOAD) + 4096,
					     b->segs, BENCH_SEGS);
}

static void run_memcpy(void *arg)
{
	struct bench_state *b = arg;
	memcpy(b->out, b->frame + BENCH_HDR, BENCH_PAYLOAD);
	b->sink += b->out[BENCH_PAYLOAD / 2];
}

/* What copy mode must write at least: every segment's header and payload
 * into the output's layout, 45 pairs of memcpy, no checksum. */
static void run_memcpy_segs(void *arg)
{
	struct bench_state *b = arg;
	uint8_t *o = b->out;
	for (unsigned i = 0; i < BENCH_SEGS; i++) {
		memcpy(o, b->frame, BENCH_HDR);
		memcpy(o + BENCH_HDR, b->frame + BENCH_HDR + i * BENCH_MSS, BENCH_MSS);
		o += BENCH_HDR + BENCH_MSS;
	}
	b->sink += b->out[BENCH_PAYLOAD / 2];
}

static void run_csum(void *arg)
{
	struct bench_state *b = arg;
	b->sink += segoff_csum(b->frame + BENCH_HDR, BENCH_PAYLOAD);
}

struct zc_pkt_arg {
	struct bench_state *b;
	const struct segoff_pkt *pkt;
	const struct segoff_gso_params *p;
};

static void run_zc_pkt(void *arg)
{
	struct zc_pkt_arg *a = arg;
	struct bench_state *b = a->b;
	struct segoff_gso_zc zc = { b->arena, BENCH_SEGS * 128, b->iov, 2 * BENCH_SEGS + 4, 0 };
	b->sink += (uint64_t)segoff_gso_zerocopy(a->pkt, a->p, &zc, b->segs, BENCH_SEGS);
}

/* A VXLAN super-packet as a VXLAN device with tunnel TSO hands it down. */
static void vxlan_pkt(struct segoff_pkt *pkt, uint8_t **frame, int outer_csum)
{
	*frame = malloc(BENCH_VXLAN_HDR + BENCH_PAYLOAD);
	size_t len = bench_build_vxlan_packet(*frame, BENCH_VXLAN_HDR + BENCH_PAYLOAD, outer_csum);
	segoff_pkt_init(pkt, *frame, len, NULL, 0);
	segoff_parse(pkt, SEGOFF_PROTO_ETH, 0);
	pkt->csum_state = SEGOFF_CSUM_PARTIAL;
	pkt->csum_start = pkt->inner_l4_off;
	pkt->csum_offset = 16;
	pkt->gso_type = SEGOFF_GSO_TCPV4 | (outer_csum ? SEGOFF_GSO_UDP_TUNNEL_CSUM : SEGOFF_GSO_UDP_TUNNEL);
}

static struct bench_state bstate;

unsigned gso_bench_cases(struct bench_case *cases)
{
	struct bench_state *b = &bstate;
	if (!b->frame) {
		b->frame = malloc(BENCH_HDR + BENCH_PAYLOAD);
		b->out = malloc(2 * (BENCH_HDR + BENCH_PAYLOAD) + 4096);
		b->arena = malloc(BENCH_SEGS * 128);
		size_t len = bench_build_packet(b->frame, BENCH_HDR + BENCH_PAYLOAD);
		segoff_pkt_init(&b->pkt, b->frame, len, NULL, 0);
		segoff_parse(&b->pkt, SEGOFF_PROTO_ETH, 0);
		b->pkt.csum_state = SEGOFF_CSUM_PARTIAL;
		b->pkt.csum_start = 34;
		b->pkt.csum_offset = 16;
		segoff_gso_params_init(&b->partial);
		b->partial.mss = BENCH_MSS;
		b->partial.csum = SEGOFF_GSO_CSUM_PARTIAL;
		b->full = b->partial;
		b->full.csum = SEGOFF_GSO_CSUM_FULL;
		vxlan_pkt(&b->vxlan, &b->vframe, 0);
		vxlan_pkt(&b->vxlan_csum, &b->vframe_csum, 1);
	}
	static struct zc_pkt_arg vp = { &bstate, &bstate.vxlan, &bstate.partial },
				 vf = { &bstate, &bstate.vxlan_csum, &bstate.full };
	static struct zc_arg zp = { &bstate, &bstate.partial }, zf = { &bstate, &bstate.full };
	cases[0] = (struct bench_case){ .name = "zerocopy_partial", .fn = run_zc, .arg = &zp, .iters = 2000 };
	cases[1] = (struct bench_case){ .name = "zerocopy_full", .fn = run_zc, .arg = &zf, .iters = 300 };
	cases[2] = (struct bench_case){ .name = "copy_full", .fn = run_copy, .arg = b, .iters = 200 };
	cases[3] = (struct bench_case){ .name = "memcpy", .fn = run_memcpy, .arg = b, .iters = 300 };
	cases[4] = (struct bench_case){ .name = "csum_only", .fn = run_csum, .arg = b, .iters = 500 };
	cases[5] = (struct bench_case){ .name = "memcpy_segments", .fn = run_memcpy_segs, .arg = b, .iters = 300 };
	cases[6] = (struct bench_case){ .name = "vxlan_zerocopy_partial", .fn = run_zc_pkt, .arg = &vp, .iters = 2000 };
	cases[7] = (struct bench_case){ .name = "vxlan_zerocopy_full", .fn = run_zc_pkt, .arg = &vf, .iters = 300 };
	return 8;
}

void gso_measure_from(struct gso_measure *m, const struct bench_case *c, unsigned rounds)
{
	memset(m, 0, sizeof(*m));
	m->runs = rounds;
	m->csum_impl = segoff_csum_impl_name();
	m->zc_partial_ns = c[0].median_ns / BENCH_SEGS;
	m->zc_full_ns = c[1].median_ns / BENCH_SEGS;
	m->copy_full_ns = c[2].median_ns / BENCH_SEGS;
	m->memcpy_gbps = BENCH_PAYLOAD / c[3].median_ns;
	m->csum_gbps = BENCH_PAYLOAD / c[4].median_ns;
	m->memcpy_segs_gbps = BENCH_PAYLOAD / c[5].median_ns;
	m->zc_full_gbps = BENCH_PAYLOAD / c[1].median_ns;
	m->copy_full_gbps = BENCH_PAYLOAD / c[2].median_ns;
	double csum_seg = c[4].median_ns / BENCH_SEGS, memcpy_seg = c[3].median_ns / BENCH_SEGS;
	m->zc_full_parts_ns = m->zc_partial_ns + csum_seg;
	m->copy_full_parts_ns = m->zc_partial_ns + csum_seg + memcpy_seg;
	m->vxlan_zc_partial_ns = c[6].median_ns / BENCH_SEGS;
	m->vxlan_zc_full_ns = c[7].median_ns / BENCH_SEGS;
	m->vxlan_zc_full_gbps = BENCH_PAYLOAD / c[7].median_ns;
	m->vxlan_zc_full_parts_ns = m->vxlan_zc_partial_ns + csum_seg;
	bench_cpu_model(m->cpu, sizeof(m->cpu));
}

static void warn_parts(const char *mode, double ns, double parts)
{
	if (ns > BENCH_PARTS_WARN * parts)
		printf("  WARNING: %s costs %.2f ns/segment, %.1fx the sum of its parts (%.2f): a bug to find, "
		       "not a figure to report\n", mode, ns, ns / parts, parts);
}

void gso_measure_run(struct gso_measure *m, unsigned runs)
{
	struct bench_case cases[12];
	unsigned n = gso_bench_cases(cases);
	bench_run(cases, n, runs);
	gso_measure_from(m, cases, runs);
}

void gso_measure_print(const struct gso_measure *m, int json)
{
	if (json) {
		printf("{\"case\":\"tcp4 64KB mss %d\",\"runs\":%u,\"cpu\":\"%s\",\"csum_impl\":\"%s\","
		       "\"ns_per_segment\":{\"zerocopy_partial\":%.2f,\"zerocopy_full\":%.2f,\"copy_full\":%.2f},"
		       "\"parts_ns_per_segment\":{\"zerocopy_full\":%.2f,\"copy_full\":%.2f},"
		       "\"payload_GBps\":{\"zerocopy_full\":%.2f,\"copy_full\":%.2f,\"memcpy\":%.2f,\"memcpy_segments\":%.2f,\"csum_only\":%.2f},"
		       "\"vxlan\":{\"ns_per_segment\":{\"zerocopy_partial\":%.2f,\"zerocopy_full\":%.2f},\"payload_GBps\":{\"zerocopy_full\":%.2f}}}\n",
		       BENCH_MSS, m->runs, m->cpu, m->csum_impl, m->zc_partial_ns, m->zc_full_ns, m->copy_full_ns,
		       m->zc_full_parts_ns, m->copy_full_parts_ns, m->zc_full_gbps, m->copy_full_gbps, m->memcpy_gbps,
		       m->memcpy_segs_gbps, m->csum_gbps, m->vxlan_zc_partial_ns, m->vxlan_zc_full_ns,
		       m->vxlan_zc_full_gbps);
		return;
	}
	printf("segoff bench gso: one 64 KB TCP/IPv4 packet (%d bytes payload) into %d-byte segments,\n"
	       "  median of %u interleaved rounds, one core, checksum implementation %s\n",
	       BENCH_PAYLOAD, BENCH_MSS, m->runs, m->csum_impl);
	printf("  CPU: %s\n", m->cpu);
	printf("  %-34s %8.2f ns/segment\n", "zero-copy, partial checksum", m->zc_partial_ns);
	printf("  %-34s %8.2f ns/segment  %6.2f GB/s payload\n", "zero-copy, full checksum", m->zc_full_ns,
	       m->zc_full_gbps);
	printf("  %-34s %8.2f ns/segment  %6.2f GB/s payload  (%.2fx memcpy)\n", "copy, full checksum",
	       m->copy_full_ns, m->copy_full_gbps, m->copy_full_gbps / m->memcpy_gbps);
	printf("  %-34s %27.2f GB/s\n", "limit: memcpy of the payload", m->memcpy_gbps);
	printf("  %-34s %27.2f GB/s  (copy, full checksum: %.2fx this)\n", "limit: memcpy of the 45 frames",
	       m->memcpy_segs_gbps, m->copy_full_gbps / m->memcpy_segs_gbps);
	printf("  %-34s %27.2f GB/s\n", "limit: checksum of the payload", m->csum_gbps);
	printf("  %-34s %8.2f ns/segment  (header writes + checksum: %.2fx)\n", "parts of zero-copy, full",
	       m->zc_full_parts_ns, m->zc_full_ns / m->zc_full_parts_ns);
	printf("  %-34s %8.2f ns/segment  (header writes + checksum + memcpy: %.2fx)\n", "parts of copy, full",
	       m->copy_full_parts_ns, m->copy_full_ns / m->copy_full_parts_ns);
	printf("  VXLAN over IPv4, the same payload, inner MSS %d:\n", BENCH_MSS);
	printf("  %-34s %8.2f ns/segment\n", "zero-copy, partial, no outer csum", m->vxlan_zc_partial_ns);
	printf("  %-34s %8.2f ns/segment  %6.2f GB/s payload\n", "zero-copy, inner + outer checksums",
	       m->vxlan_zc_full_ns, m->vxlan_zc_full_gbps);
	printf("  %-34s %8.2f ns/segment  (header writes + checksum: %.2fx)\n", "parts of VXLAN zero-copy, full",
	       m->vxlan_zc_full_parts_ns, m->vxlan_zc_full_ns / m->vxlan_zc_full_parts_ns);
	warn_parts("zero-copy, full checksum", m->zc_full_ns, m->zc_full_parts_ns);
	warn_parts("copy, full checksum", m->copy_full_ns, m->copy_full_parts_ns);
	warn_parts("VXLAN zero-copy, full checksums", m->vxlan_zc_full_ns, m->vxlan_zc_full_parts_ns);
}
