// SPDX-License-Identifier: MIT
/* UDP benchmark cases, shared by `segoff bench udp` and bench/bench_udp:
 * USO of a 64 KB datagram into 1200-byte datagrams, IPv4 fragmentation of
 * 64 KB at MTU 1500, and reassembly per fragment with 1 and 1000 datagrams
 * in flight. Each case returns nanoseconds per output (USO, fragmentation)
 * or per fragment (reassembly), timed inside (gro_measure.h's harness). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <segoff/segoff.h>
#include "gro_measure.h"
#include "udp_measure.h"
#include "pktgen.h"

size_t udp_bench_datagram(uint8_t *f, uint32_t payload, uint16_t id, int partial)
{
	/* Ethernet + IPv4 + UDP, 42 bytes of headers, DF clear */
	struct pktgen_spec s;
	pktgen_default(&s);
	s.udp = 1;
	s.df = 0;
	s.sport = 443;
	s.dport = 50000;
	s.ip_id = id;
	s.payload_len = payload;
	s.payload_seed = id;
	s.csum = partial ? PKTGEN_CSUM_PSEUDO : PKTGEN_CSUM_FULL;
	return pktgen_build(&s, f, 42 + payload);
}

static uint8_t *dgram, *out;
static size_t dgram_len;
static struct segoff_slice iov[2 * 64];
static struct segoff_seg segs[64];
static uint8_t arena[64 * 64];
static volatile uint64_t sink;

static double run_uso(void *arg)
{
	int zc = arg != NULL;
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, dgram, dgram_len, NULL, 0);
	segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
	pkt.csum_state = SEGOFF_CSUM_PARTIAL;
	pkt.csum_start = 34;
	pkt.csum_offset = 6;
	struct segoff_gso_params p;
	segoff_gso_params_init(&p);
	p.mss = UDP_BENCH_MSS;
	double t0 = gro_bench_now_ns();
	int n = 0;
	for (int i = 0; i < 200; i++) {
		if (zc) {
			struct segoff_gso_zc z = { arena, sizeof(arena), iov, 2 * 64, 0 };
			n = segoff_gso_zerocopy(&pkt, &p, &z, segs, 64);
		} else {
			n = segoff_gso_copy(&pkt, &p, out, 2 * 70000, segs, 64);
		}
		sink += (uint64_t)n;
	}
	return (gro_bench_now_ns() - t0) / (200.0 * n);
}

static double run_frag(void *arg)
{
	(void)arg;
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, dgram, dgram_len, NULL, 0);
	segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
	struct segoff_frag_params p;
	segoff_frag_params_init(&p, 1500);
	double t0 = gro_bench_now_ns();
	int n = 0;
	for (int i = 0; i < 200; i++) {
		n = segoff_frag_copy(&pkt, &p, out, 2 * 70000, segs, 64);
		sink += (uint64_t)n;
	}
	return (gro_bench_now_ns() - t0) / (200.0 * n);
}

/* Reassembly: fragment sets prepared once, fed round robin across
 * `in_flight` datagrams (first fragments of all, then second...), `reps`
 * times in a row (see udp_measure.h). */
struct reasm_case {
	unsigned in_flight, per, reps;
	uint8_t **frames;
	uint32_t *lens;
	struct segoff_reasm *r;
};

static void count_reasm(void *opaque, const struct segoff_reasm_out *o)
{
	(void)opaque;
	sink += o->len;
}

uint32_t udp_bench_frag_sets(unsigned in_flight, uint32_t payload, uint8_t ***frames_out, uint32_t **lens_out)
{
	static uint8_t tmp[70000], fb[140000];
	struct segoff_seg f[64];
	unsigned per = 0;
	uint8_t **frames = NULL;
	uint32_t *lens = NULL;
	for (unsigned d = 0; d < in_flight; d++) {
		size_t len = udp_bench_datagram(tmp, payload, (uint16_t)(d + 1), 0);
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, tmp, len, NULL, 0);
		segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
		struct segoff_frag_params p;
		segoff_frag_params_init(&p, 1500);
		int n = segoff_frag_copy(&pkt, &p, fb, sizeof(fb), f, 64);
		if (!frames) {
			per = (unsigned)n;
			frames = malloc(sizeof(*frames) * per * in_flight);
			lens = malloc(sizeof(*lens) * per * in_flight);
		}
		for (unsigned k = 0; k < per; k++) {
			unsigned at = k * in_flight + d; /* round robin */
			frames[at] = malloc(f[k].len);
			memcpy(frames[at], f[k].head, f[k].len);
			lens[at] = f[k].len;
		}
	}
	*frames_out = frames;
	*lens_out = lens;
	return per;
}

static double run_reasm(void *arg)
{
	struct reasm_case *c = arg;
	unsigned n = c->in_flight * c->per;
	double t0 = gro_bench_now_ns();
	for (unsigned k = 0; k < c->reps; k++)
		for (unsigned i = 0; i < n; i++)
			segoff_reasm_receive(c->r, c->frames[i], c->lens[i], NULL, 0);
	return (gro_bench_now_ns() - t0) / ((double)n * c->reps);
}

unsigned udp_bench_cases(struct gro_case *cases)
{
	dgram = malloc(70000);
	out = malloc(2 * 70000);
	dgram_len = udp_bench_datagram(dgram, UDP_BENCH_PAYLOAD, 1, 1);
	static struct reasm_case rc[2];
	static const unsigned flights[2] = { 1, 1000 };
	for (int k = 0; k < 2; k++) {
		rc[k].in_flight = flights[k];
		rc[k].reps = udp_bench_reasm_reps(flights[k]);
		rc[k].per = udp_bench_frag_sets(flights[k], udp_bench_reasm_payload(flights[k]), &rc[k].frames, &rc[k].lens);
		struct segoff_reasm_config cfg;
		segoff_reasm_config_init(&cfg);
		cfg.mem_high = 64u << 20;
		cfg.mem_low = 48u << 20;
		cfg.max_dgrams = 2048;
		cfg.deliver = count_reasm;
		if (segoff_reasm_create(&cfg, &rc[k].r) != SEGOFF_OK) {
			fprintf(stderr, "bench: segoff_reasm_create failed\n");
			exit(1);
		}
	}
	static int zc = 1;
	cases[0] = (struct gro_case){ .name = "uso_zerocopy_full", .run = run_uso, .arg = &zc };
	cases[1] = (struct gro_case){ .name = "uso_copy_full", .run = run_uso, .arg = NULL };
	cases[2] = (struct gro_case){ .name = "frag_ipv4_1500", .run = run_frag };
	cases[3] = (struct gro_case){ .name = "reasm_1_in_flight", .run = run_reasm, .arg = &rc[0] };
	cases[4] = (struct gro_case){ .name = "reasm_1000_in_flight", .run = run_reasm, .arg = &rc[1] };
	return 5;
}
