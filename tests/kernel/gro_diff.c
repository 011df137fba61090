// SPDX-License-Identifier: MIT
/*
 * Kernel differential test for GRO: the running kernel is the oracle.
 *
 * Lab: TAP A opened with IFF_NAPI, so frames written into it go through the
 * kernel's GRO; gro_flush_timeout and napi_defer_hard_irqs are set on A
 * (kernel-rules V7) so the kernel keeps flows across writes instead of
 * flushing after each. A is bridged to TAP B, which advertises
 * CSUM|TSO4|TSO6, so the kernel hands B what it coalesced, as it coalesced
 * it: one frame with a virtio_net_hdr per packet GRO delivered.
 *
 * A sequence: 1 to 4 interleaved TCP flows (IPv4 or IPv6, with or without
 * timestamps, IPv6 extension headers, incrementing or fixed IP IDs), each a
 * run of segments with perturbations: PSH/FIN/URG/SYN/RST/CWR/ECE in the
 * middle, option (timestamp) changes, seq gaps, reorders, duplicates, TTL,
 * TOS/traffic class, DF, window and ACK changes, bad checksums, IPv4
 * options, Ethernet padding, pure ACKs, smaller and larger segments, IP ID
 * jumps, runs past 64 KB at every MSS from 48 to 1448 (a run of 48-byte
 * segments merges about 1,360 packets: TCP GRO has no count limit, G15).
 * The same frames go through segoff_gro with the kernel's limits (8 flows)
 * and its defaults otherwise, and the outputs are compared frame by frame:
 * bytes, gso_type, gso_size and checksum flags (hdr_len is only a hint,
 * V4, and is not compared).
 *
 * What B sees of a merged fixed-ID flow is the kernel's re-segmentation of
 * it (virtio has no fixed-ID flag, V4), and so is a merged packet whose
 * frame reaches B's gso_max_size of 65536 (an IP packet of 65522 bytes or
 * more: GRO's limit counts from the IP header, the device's from the MAC
 * header); segoff's side is modelled the same way: segoff_gso_copy() of
 * segoff's GRO output.
 *
 * Before the random sequences, the kernel self-test's large_max and
 * large_rem cases (tools/testing/selftests/net/gro.c) at several MSS, IPv4
 * and IPv6: a run that fills an IP packet of exactly 65,535 bytes, and one
 * byte more; besides matching the kernel, their geometry must be the
 * self-test's.
 *
 * The kernel flushes held packets older than a jiffy at the end of each
 * poll (V7; CLOCK_MONOTONIC_COARSE moves with jiffies). Writes start right
 * after a tick, so that a run of 1,400 frames fits in one jiffy where the
 * machine writes fast enough; the kernel is then asked twice and must
 * answer the same. Where the ticks still cut a run (a slow or busy
 * machine: the large MSS-48 runs), the writer keeps every tick between two
 * writes and records the jiffy of each frame, and segoff is flushed by age
 * at the same frames; the self-test's geometry is then checked on segoff's
 * tick-free run. A run during which a tick came inside a write is drawn
 * again.
 *
 * With --tun, the L3 variant [L1] (kernel_tun_gro_diff): the same sequences
 * as IP packets written into TUN A (IFF_NAPI: the kernel's GRO runs on
 * them), which the namespace forwards out of TUN B (CSUM|TSO4|TSO6, so B
 * gets what GRO merged). Forwarding trims what follows the IP packet (the
 * "padding" perturbation) and decrements TTL (IPv4's checksum updated as
 * ip_decrease_ttl does) or hop limit of each packet GRO delivered: segoff's
 * outputs, from an IP-link context, get the same before the comparison.
 * IPv6 extension headers are destination options there (a forwarding
 * kernel drops hop-by-hop headers).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <segoff/segoff.h>
#include <segoff/tap.h>
#include "check.h"
#include "frames.h"
#include "lab.h"
#include "pktgen.h"

#define MAX_FRAMES 4096
#define MAX_FLOW_PKTS 1600 /* a run past 64 KB at MSS 48, and its perturbation */
#define MAX_FRAME 9400
#define MAX_OUT_FRAME 70000
#define FLUSH_TIMEOUT_NS "2000000"
#define B_GSO_MAX_SIZE 65536 /* TAP B's gso_max_size, the kernel's default */

/* --- sequences --- */

enum perturb {
	P_NONE, P_PSH, P_FIN, P_URG, P_SYN, P_RST, P_CWR, P_ECE, P_TS, P_GAP, P_REORDER, P_DUP, P_TTL, P_TOS,
	P_DF, P_WINDOW, P_ACK, P_BAD_CSUM, P_IP_OPTIONS, P_PADDING, P_PURE_ACK, P_SMALL, P_LARGE, P_ID_JUMP,
	NR_PERTURB
};
static const char *const perturb_names[NR_PERTURB] = {
	"none", "psh", "fin", "urg", "syn", "rst", "cwr", "ece", "timestamp", "seq_gap", "reorder", "duplicate",
	"ttl", "tos", "df", "window", "ack", "bad_csum", "ip_options", "padding", "pure_ack", "small", "large",
	"ip_id_jump",
};

struct seq_stats {
	unsigned seqs, tainted, ticked, frames_in, frames_out, coalesced, fixed_id;
	unsigned perturb_seen[NR_PERTURB], perturb_fail[NR_PERTURB];
	unsigned v4, v6, flows_multi, over_64k, big_mss_min, big_mss_max;
	unsigned mismatches, printed;
};

static struct frames input, model, kernel, kernel2;
static int l3;                  /* --tun: IP packets through forwarding TUNs */

/* A built frame as this run's link has it: the IP packet alone with --tun. */
static void add_input(const uint8_t *frame, size_t len)
{
	struct segoff_vnet_hdr none = { 0 };
	frames_add(&input, frame + (l3 ? 14 : 0), len - (l3 ? 14 : 0), &none);
}

static enum segoff_link link_type(void)
{
	return l3 ? SEGOFF_LINK_IP : SEGOFF_LINK_ETH;
}

/* What forwarding does to a packet GRO delivered: what follows its IP
 * length goes (ip_rcv), then the TTL or hop limit (lab_forward_ttl).
 * Returns the new length. */
static size_t forward(uint8_t *ip, size_t len)
{
	size_t own = ip[0] >> 4 == 6 ? 40u + (size_t)(ip[4] << 8 | ip[5]) : (size_t)(ip[2] << 8 | ip[3]);
	if (own >= 20 && own < len)
		len = own;
	lab_forward_ttl(ip);
	return len;
}
static uint8_t scratch[MAX_OUT_FRAME];

struct flow_plan {
	struct pktgen_spec base;
	unsigned mss, segs;
	int fixed_id;
	enum perturb p;
	unsigned at;
};

/* The frames of one flow, in its own order. */
static unsigned build_flow(struct flow_plan *fp, struct rng *r, struct pktgen_spec *out, unsigned cap)
{
	unsigned n = 0;
	uint32_t seq = fp->base.seq;
	for (unsigned i = 0; i < fp->segs && n + 2 < cap; i++) {
		struct pktgen_spec s = fp->base;
		s.seq = seq;
		s.payload_len = fp->mss;
		s.payload_seed = rng_next(r);
		s.ip_id = (uint16_t)(fp->base.ip_id + (fp->fixed_id ? 0 : i));
		int here = fp->p != P_NONE && i == fp->at, after = fp->p != P_NONE && i >= fp->at;
		switch (fp->p) {
		case P_PSH: if (here) s.tcp_flags |= 0x08; break;
		case P_FIN: if (here) s.tcp_flags |= 0x01; break;
		case P_URG: if (here) { s.tcp_flags |= 0x20; s.urg = 7; } break;
		case P_SYN: if (here) s.tcp_flags |= 0x02; break;
		case P_RST: if (here) s.tcp_flags |= 0x04; break;
		case P_CWR: if (here) s.tcp_flags |= 0x80; break;
		case P_ECE: if (here) s.tcp_flags |= 0x40; break;
		case P_TS: if (after) s.tsval++; break;
		case P_TTL: if (after) s.ttl++; break;
		case P_TOS: if (after) s.tos ^= 0x01; break; /* ECN bits */
		case P_DF: if (after) s.df = !s.df; break;
		case P_WINDOW: if (after) s.win++; break;
		case P_ACK: if (after) s.ack += 1000; break;
		case P_BAD_CSUM: if (here) s.csum = PKTGEN_CSUM_GARBAGE; break;
		case P_IP_OPTIONS: if (here && !s.ipv6) s.ip4_optlen = 4; break;
		case P_PADDING: if (here) s.pad = 4; break;
		case P_SMALL: if (here) s.payload_len = fp->mss > 1 ? fp->mss / 2 : 1; break;
		case P_LARGE: if (here) s.payload_len = fp->mss + 8; break;
		case P_ID_JUMP: if (after) s.ip_id = (uint16_t)(s.ip_id + 5); break;
		case P_GAP: if (here) s.seq = seq += 100; break;
		default: break;
		}
		out[n++] = s;
		seq += s.payload_len;
		if (here && fp->p == P_DUP)
			out[n++] = s;
		if (here && fp->p == P_PURE_ACK) {
			struct pktgen_spec a = s;
			a.payload_len = 0;
			a.seq = seq;
			a.ip_id = (uint16_t)(s.ip_id + 1);
			out[n++] = a;
		}
	}
	if (fp->p == P_REORDER && fp->at + 1 < n) {
		struct pktgen_spec t = out[fp->at];
		out[fp->at] = out[fp->at + 1];
		out[fp->at + 1] = t;
	}
	return n;
}

struct sequence {
	unsigned nflows;
	struct flow_plan fp[4];
	struct pktgen_spec pkts[4][MAX_FLOW_PKTS];
	unsigned npkts[4];
};

static void make_sequence(struct sequence *sq, struct rng *r, struct seq_stats *st)
{
	sq->nflows = rng_range(r, 0, 2) ? 1 : rng_range(r, 2, 4);
	int big = rng_range(r, 0, 7) == 0; /* a run across the 64 KB limit */
	unsigned big_mss = 0;
	if (big) {
		/* every MSS the kernel sends, edges included; small ones alone, so
		 * that the writes fit in one jiffy */
		static const unsigned edges[] = { 48, 49, 64, 100, 536, 1000, 1447, 1448 };
		static unsigned nr_big; /* the first runs take every edge, in turn */
		unsigned v = rng_range(r, 0, 3);
		big_mss = nr_big < 8 ? edges[nr_big] : v == 0 ? edges[rng_range(r, 0, 7)]
			  : v == 1 ? rng_range(r, 48, 200) : rng_range(r, 201, 1448);
		nr_big++;
		if (big_mss < 400)
			sq->nflows = 1;
	}
	for (unsigned k = 0; k < sq->nflows; k++) {
		struct flow_plan *fp = &sq->fp[k];
		struct pktgen_spec *b = &fp->base;
		pktgen_default(b);
		b->ipv6 = rng_range(r, 0, 1);
		b->tcp_optlen = rng_range(r, 0, 3) ? 12 : 0;
		if (b->ipv6 && rng_range(r, 0, 4) == 0) {
			b->nr_ip6_ext = 1;
			b->ip6_ext_type[0] = rng_range(r, 0, 1) || l3 ? 60 : 0;
			b->ip6_ext_units[0] = (uint8_t)rng_range(r, 0, 1);
		}
		b->ts_set = 1;
		b->tsval = (uint32_t)rng_next(r);
		b->tsecr = (uint32_t)rng_next(r);
		b->tcp_flags = 0x10;
		b->seq = (uint32_t)rng_next(r);
		b->ack = (uint32_t)rng_next(r);
		b->win = (uint16_t)rng_range(r, 1, 65535);
		b->sport = (uint16_t)(30000 + k);
		b->dport = 5201;
		b->ip_id = (uint16_t)rng_next(r);
		b->ttl = (uint8_t)rng_range(r, 2, 254);
		b->tos = (uint8_t)(rng_range(r, 0, 63) << 2);
		b->df = rng_range(r, 0, 3) != 0;
		b->flow_label = (uint32_t)rng_next(r) & 0xfffff;
		b->csum = PKTGEN_CSUM_FULL;
		fp->fixed_id = !b->ipv6 && rng_range(r, 0, 5) == 0;
		if (big) {
			/* from just short of 64 KB to well past it */
			fp->mss = big_mss;
			unsigned full = 65536 / fp->mss;
			fp->segs = rng_range(r, full > 3 ? full - 2 : 1, full + full / 4 + 2);
			if (fp->segs > MAX_FLOW_PKTS - 4)
				fp->segs = MAX_FLOW_PKTS - 4;
		} else {
			unsigned v = rng_range(r, 0, 9);
			fp->mss = v < 6 ? rng_range(r, 536, 1460) : v < 8 ? rng_range(r, 64, 535) : rng_range(r, 1461, 8000);
			fp->segs = rng_range(r, 1, 24);
		}
		fp->p = rng_range(r, 0, 3) == 0 ? P_NONE : (enum perturb)rng_range(r, 1, NR_PERTURB - 1);
		fp->at = rng_range(r, 0, fp->segs - 1);
		sq->npkts[k] = build_flow(fp, r, sq->pkts[k], MAX_FLOW_PKTS);
		st->perturb_seen[fp->p]++;
		b->ipv6 ? st->v6++ : st->v4++;
		st->fixed_id += (unsigned)fp->fixed_id;
	}
	st->flows_multi += sq->nflows > 1;
	st->over_64k += (unsigned)big;
	if (big && (!st->big_mss_min || big_mss < st->big_mss_min))
		st->big_mss_min = big_mss;
	if (big && big_mss > st->big_mss_max)
		st->big_mss_max = big_mss;
}

/* Interleave the flows at random, each in its own order. */
static void sequence_frames(struct sequence *sq, struct rng *r)
{
	unsigned next[4] = { 0 }, left = 0;
	for (unsigned k = 0; k < sq->nflows; k++)
		left += sq->npkts[k];
	frames_clear(&input);
	while (left) {
		unsigned k = rng_range(r, 0, sq->nflows - 1);
		if (next[k] == sq->npkts[k])
			continue;
		size_t len = pktgen_build(&sq->pkts[k][next[k]++], scratch, sizeof(scratch));
		add_input(scratch, len);
		left--;
	}
}

/* --- segoff's side --- */

/* Payload bytes of each packet segoff's GRO delivered, before any modelled
 * re-segmentation: the self-test's geometry is checked on these. */
static struct {
	unsigned n;
	uint32_t payload[MAX_FRAMES];
} delivered;

static void model_deliver(void *opaque, const struct segoff_gro_out *out)
{
	(void)opaque;
	if (delivered.n < MAX_FRAMES)
		delivered.payload[delivered.n++] = out->len - out->hdr_len;
	size_t at = slices_flatten(scratch, out->iov, out->nr_iov);
	if (l3)
		at = forward(scratch, at);
	if (out->gso_size && ((out->gso_type & SEGOFF_GSO_FIXEDID) || at >= B_GSO_MAX_SIZE)) {
		/* B cannot take a fixed-ID GSO packet, nor one whose frame
		 * reaches its gso_max_size (gso_features_check counts the MAC
		 * header too): the kernel segments it first (partial
		 * checksums, B completes them). */
		static uint8_t segbuf[8 * MAX_OUT_FRAME]; /* 1,400 segments of 48 bytes and their headers */
		static struct segoff_seg segs[2048];
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, scratch, at, NULL, 0);
		segoff_parse_link(&pkt, link_type(), NULL);
		pkt.gso_size = out->gso_size;
		pkt.gso_type = out->gso_type;
		pkt.csum_state = SEGOFF_CSUM_PARTIAL;
		pkt.csum_start = out->csum_start;
		pkt.csum_offset = out->csum_offset;
		struct segoff_gso_params p;
		segoff_gso_params_init(&p);
		p.csum = SEGOFF_GSO_CSUM_PARTIAL;
		int n = segoff_gso_copy(&pkt, &p, segbuf, sizeof(segbuf), segs, 2048);
		if (n < 0)
			lab_die("segoff_gso_copy of a merged packet");
		for (int i = 0; i < n; i++) {
			struct segoff_vnet_hdr vh;
			segoff_vnet_from_seg(&segs[i], 1, &vh);
			frames_add(&model, segs[i].head, segs[i].len, &vh);
		}
		return;
	}
	frames_add(&model, scratch, at, &out->vnet);
}

/* segoff's answer. jiffy[i], when given, is the jiffy in which the kernel
 * took frame i: at the end of each poll the kernel flushes what it has held
 * since an earlier jiffy (V7), so g (flush_timeout 1) is flushed by age after
 * each frame exactly so. Without it, the whole run is one jiffy. */
static void run_model(struct segoff_gro *g, const uint32_t *jiffy)
{
	frames_clear(&model);
	delivered.n = 0;
	/* the frame entry point: its fast path is judged by the kernel too */
	for (unsigned i = 0; i < input.n; i++) {
		segoff_gro_receive_frame(g, input.f[i].data, input.f[i].len, SEGOFF_CSUM_NONE, NULL,
					 jiffy ? jiffy[i] : 0);
		if (jiffy)
			segoff_gro_flush(g, jiffy[i]);
	}
	segoff_gro_flush_all(g);
}

/* --- the kernel's side --- */

/* Only the test's TCP flows count: the bridge sends IGMP and the like on its
 * own, at times of its own. */
static int is_test_flow(const uint8_t *f, size_t len)
{
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, f, len, NULL, 0);
	if (segoff_parse_link(&pkt, link_type(), NULL) < 0 || pkt.l4_proto != SEGOFF_PROTO_TCP)
		return 0;
	unsigned sport = (unsigned)(f[pkt.l4_off] << 8 | f[pkt.l4_off + 1]);
	return sport >= 30000 && sport < 30004;
}

static void take_test_flow(void *fs, const uint8_t *f, size_t len, const struct segoff_vnet_hdr *vh)
{
	if (is_test_flow(f, len))
		frames_add(fs, f, len, vh);
}

/* What B has for us; fs NULL: thrown away. */
static void drain(int fdb, struct frames *fs, int wait_ms)
{
	lab_drain(fdb, SEGOFF_VNET_HDR_LEN, 2, wait_ms, fs ? take_test_flow : NULL, fs);
}

static long long clock_ns(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* The length of a jiffy: the coarse clock moves once per tick. */
static long long tick_ns(void)
{
	struct timespec r;
	clock_getres(CLOCK_MONOTONIC_COARSE, &r);
	return r.tv_sec * 1000000000LL + r.tv_nsec;
}

enum run_state {
	RUN_UNKNOWN,   /* a tick during a write, or a pause long enough for the timer */
	RUN_ONE_JIFFY, /* the whole run in one jiffy */
	RUN_TICKED,    /* ticks, each between two writes, at known frames */
};

/* The jiffy (counted from the run's first) in which the kernel took each
 * frame, for the last run_kernel_once(). */
static uint32_t jiffy_of[MAX_FRAMES];

/* Writes the input into TAP A and collects what B receives. The kernel's
 * GRO runs inside each write (NAPI polled as the write returns), and at
 * the end of each poll flushes what it has held since an earlier jiffy.
 * The run starts right after a tick. With keep_ticks_out, a write that the
 * next tick could interrupt waits for the tick instead, so that every tick
 * falls between two writes and the jiffy of every frame is known
 * (jiffy_of); without, the run has the most time for one jiffy. Unknown
 * when a tick still came during a write (the writer was preempted), or
 * two writes were far enough apart (this machine's CPU is shared) for the
 * gro_flush_timeout timer to poll in between. */
static enum run_state run_kernel_once(int fda, int fdb, struct frames *out, int keep_ticks_out)
{
	frames_clear(out);
	uint8_t vb[SEGOFF_VNET_HDR_LEN] = { 0 };
	const long long tick = tick_ns(), guard = tick / 10;
	for (long long c = clock_ns(CLOCK_MONOTONIC_COARSE); clock_ns(CLOCK_MONOTONIC_COARSE) == c;)
		;
	/* The coarse clock reads the time of its base, which is not the time
	 * of its update (here 1.4 ms earlier under KVM): the next tick is
	 * due at the coarse time + a jiffy + this lag, measured at the step. */
	long long c0 = clock_ns(CLOCK_MONOTONIC_COARSE), last = clock_ns(CLOCK_MONOTONIC);
	const long long lag = last - c0;
	enum run_state st = RUN_ONE_JIFFY;
	for (unsigned i = 0; i < input.n; i++) {
		struct iovec iov[2] = { { vb, sizeof(vb) }, { input.f[i].data, input.f[i].len } };
		long long c = clock_ns(CLOCK_MONOTONIC_COARSE), now = clock_ns(CLOCK_MONOTONIC);
		if (keep_ticks_out && now - c > tick + lag - guard) {
			while (clock_ns(CLOCK_MONOTONIC_COARSE) == c)
				;
			c = clock_ns(CLOCK_MONOTONIC_COARSE);
			now = clock_ns(CLOCK_MONOTONIC);
		}
		if (now - last > 1000000) /* half the 2 ms timeout */
			st = RUN_UNKNOWN;
		if (writev(fda, iov, 2) < 0)
			lab_die("writev to TAP A");
		long long after = clock_ns(CLOCK_MONOTONIC_COARSE);
		last = clock_ns(CLOCK_MONOTONIC);
		if (after != c)
			st = RUN_UNKNOWN;
		jiffy_of[i] = (uint32_t)((c - c0 + tick / 2) / tick);
		if (jiffy_of[i] && st == RUN_ONE_JIFFY)
			st = RUN_TICKED;
	}
	/* gro_flush_timeout is 2 ms: after a jiffy and two timeouts all is
	 * delivered */
	usleep((useconds_t)((tick + 4000000) / 1000));
	drain(fdb, out, 3);
	return st;
}

/* The kernel's answer, asked twice: timing (a tick, a deferred softirq, a
 * descheduled writer) can make it flush early, never the same way twice in
 * a row; a rule always answers the same. 0 if the answer is not clean: not
 * twice the same, or not in one jiffy. */
static int run_kernel(int fda, int fdb)
{
	int clean = run_kernel_once(fda, fdb, &kernel, 0) == RUN_ONE_JIFFY;
	clean &= run_kernel_once(fda, fdb, &kernel2, 0) == RUN_ONE_JIFFY;
	return clean && frames_same(&kernel, &kernel2);
}

static const char *describe_vnet(const struct segoff_vnet_hdr *h, char *buf, size_t n)
{
	snprintf(buf, n, "flags=%u type=0x%02x size=%u start=%u off=%u", h->flags, h->gso_type, h->gso_size,
		 h->csum_start, h->csum_offset);
	return buf;
}

/* Where the writes of a sequence do not fit in one jiffy (a long run, a
 * slow or busy machine), the kernel is compared with the ticks where they
 * fell: segoff flushes by age after each frame as the kernel does at the
 * end of each poll (run_model with jiffy_of). Up to `tries` runs; a run in
 * which a tick came during a write says nothing and is not compared.
 * Returns -1 if no run said anything, 0 if a run matched (kernel and model
 * hold it), 1 if every run that said something differed (they hold the
 * last). *ticks: the jiffies the compared run spanned. */
static unsigned ticked_runs, ticked_differed;

static int compare_ticked(int fda, int fdb, struct segoff_gro *gt, unsigned tries, unsigned *ticks)
{
	int verdict = -1;
	for (unsigned t = 0; t < tries && verdict != 0; t++) {
		if (run_kernel_once(fda, fdb, &kernel, 1) == RUN_UNKNOWN)
			continue;
		run_model(gt, jiffy_of);
		unsigned at;
		verdict = frames_outputs_differ(&model, &kernel, 0, &at);
		ticked_runs++;
		ticked_differed += (unsigned)verdict;
		*ticks = input.n ? jiffy_of[input.n - 1] + 1 : 1;
	}
	return verdict;
}

static int compare(const struct sequence *sq, struct seq_stats *st)
{
	unsigned at;
	if (!frames_outputs_differ(&model, &kernel, 0, &at))
		return 0;
	st->mismatches++;
	for (unsigned k = 0; k < sq->nflows; k++)
		st->perturb_fail[sq->fp[k].p]++;
	if (st->printed++ < 4) {
		fprintf(stderr, "  MISMATCH: %u frames in, segoff %u out, kernel %u out; flows:", input.n, model.n, kernel.n);
		for (unsigned k = 0; k < sq->nflows; k++)
			fprintf(stderr, " [%s mss %u segs %u %s at %u%s]", sq->fp[k].base.ipv6 ? "v6" : "v4", sq->fp[k].mss,
				sq->fp[k].segs, perturb_names[sq->fp[k].p], sq->fp[k].at, sq->fp[k].fixed_id ? " fixed-id" : "");
		fprintf(stderr, "\n");
		char b1[96], b2[96];
		unsigned n = model.n > kernel.n ? model.n : kernel.n;
		for (unsigned i = 0; i < n && i < 12; i++)
			fprintf(stderr, "    %2u segoff len %5zu %-44s | kernel len %5zu %s\n", i,
				i < model.n ? model.f[i].len : 0, i < model.n ? describe_vnet(&model.f[i].vh, b1, sizeof(b1)) : "-",
				i < kernel.n ? kernel.f[i].len : 0,
				i < kernel.n ? describe_vnet(&kernel.f[i].vh, b2, sizeof(b2)) : "-");
		if (at < model.n && at < kernel.n)
			hexdiff("first differing frame", model.f[at].data, model.f[at].len, kernel.f[at].data,
				kernel.f[at].len);
	}
	return 1;
}

/* --- the self-test's large_max and large_rem --- */

/* n segments of `mss` that fill an IP packet of 65,535 bytes but for r
 * bytes, then one of r (large_max: exactly 65,535) or r + 1 (large_rem: one
 * byte too many), then one more of that size at the sequence number after
 * a whole MSS, which never continues the run. Expected payloads:
 * large_max {n*mss + r, r}, large_rem {n*mss, r + 1, r + 1}. */
static int large_case(struct lab *lab, struct segoff_gro *g, struct segoff_gro *gt, struct rng *r, int ipv6, unsigned mss,
		      int rem)
{
	uint32_t maxpay = 65535 - (ipv6 ? 40 : 20) - 20;
	uint32_t n = maxpay / mss, last = maxpay % mss + (rem ? 1 : 0);
	struct pktgen_spec b;
	pktgen_default(&b);
	b.ipv6 = ipv6;
	b.tcp_optlen = 0;
	b.tcp_flags = 0x10;
	b.seq = (uint32_t)rng_next(r);
	b.ack = (uint32_t)rng_next(r);
	b.ip_id = (uint16_t)rng_next(r);
	b.df = 1;
	b.sport = 30000;
	b.dport = 5201;
	b.csum = PKTGEN_CSUM_FULL;
	frames_clear(&input);
	for (uint32_t i = 0; i < n + 2; i++) {
		struct pktgen_spec s = b;
		s.seq = b.seq + (i <= n ? i * mss : (n + 1) * mss);
		s.payload_len = i < n ? mss : last;
		s.ip_id = (uint16_t)(b.ip_id + i);
		s.payload_seed = rng_next(r);
		size_t len = pktgen_build(&s, scratch, sizeof(scratch));
		add_input(scratch, len);
	}
	/* segoff alone, the whole run in one jiffy: the self-test's geometry */
	run_model(g, NULL);
	uint32_t want_max[2] = { maxpay, last }, want_rem[3] = { n * mss, last, last };
	const uint32_t *want = rem ? want_rem : want_max;
	unsigned nwant = rem ? 3 : 2;
	int geometry = delivered.n == nwant;
	for (unsigned i = 0; geometry && i < nwant; i++)
		geometry = delivered.payload[i] == want[i];
	unsigned got = delivered.n, first = delivered.n ? delivered.payload[0] : 0;

	/* the kernel, the whole run in one jiffy if this machine writes
	 * fast enough; else with the ticks where they fell */
	int clean = 0;
	for (unsigned tries = 0; tries < 40 && !clean; tries++) {
		clean = run_kernel(lab->fda, lab->fdb);
		if (!clean)
			usleep(2000); /* let whatever preempted the writer pass */
	}
	unsigned at, ticks = 1;
	int differs = clean ? frames_outputs_differ(&model, &kernel, 0, &at)
			    : compare_ticked(lab->fda, lab->fdb, gt, 100, &ticks);
	int ok = differs == 0 && geometry;
	char how[96];
	if (differs < 0)
		snprintf(how, sizeof(how), "the kernel never answered cleanly");
	else if (differs)
		snprintf(how, sizeof(how), "differs from the kernel%s", clean ? "" : " (with the ticks where they fell)");
	else if (!geometry)
		snprintf(how, sizeof(how), "not the self-test's geometry");
	else if (clean)
		snprintf(how, sizeof(how), "the self-test's geometry");
	else
		snprintf(how, sizeof(how), "the self-test's geometry; the kernel's run spanned %u jiffies", ticks);
	printf("  %s gro_%s_v%d_mss%u_matches_kernel (%u frames in; segoff delivered %u packets, first %u bytes; "
	       "%s)\n", ok ? "ok  " : "FAIL", rem ? "large_rem" : "large_max", ipv6 ? 6 : 4, mss, input.n, got,
	       first, how);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--tun") == 0) {
		l3 = 1;
		argc--;
		argv++;
	}
	const char *suite = l3 ? "kernel_tun_gro_diff" : "kernel_gro_diff";
	unsigned want = argc > 1 ? (unsigned)atoi(argv[1]) : 2000;
	setvbuf(stdout, NULL, _IOLBF, 0);
	frames_init(&input, MAX_FRAMES);
	frames_init(&model, MAX_FRAMES);
	frames_init(&kernel, MAX_FRAMES);
	frames_init(&kernel2, MAX_FRAMES);
	if (!lab_can_run(l3 ? "KERNEL GRO DIFFERENTIAL TEST THROUGH TUN" : "KERNEL GRO DIFFERENTIAL TEST")) {
		int ci = getenv("CI") != NULL;
		printf("%s: 0 passed, %d failed\n", suite, ci);
		return ci;
	}
	/* A run of 1,400 writes must fit in one jiffy without a pause of a
	 * millisecond: the writer runs at real-time priority where it may (the
	 * kernel's GRO runs in its context, at each write) */
	struct sched_param sp = { .sched_priority = 10 };
	if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
		printf("  (no real-time priority: %s; long runs may need more tries)\n", strerror(errno));
	struct lab lab;
	const unsigned tso = SEGOFF_TUN_F_CSUM | SEGOFF_TUN_F_TSO4 | SEGOFF_TUN_F_TSO6;
	if (l3)
		lab_up_tun(&lab, SEGOFF_TAP_NAPI, tso, 1);
	else
		lab_up(&lab, SEGOFF_TAP_NAPI, tso, tso, 1);
	char path[256];
	snprintf(path, sizeof(path), "/sys/class/net/%s/gro_flush_timeout", lab.a);
	if (lab_write(path, FLUSH_TIMEOUT_NS) < 0)
		lab_die(path);
	snprintf(path, sizeof(path), "/sys/class/net/%s/napi_defer_hard_irqs", lab.a);
	if (lab_write(path, "1000") < 0)
		lab_die(path);
	/* no IGMP/MLD of the bridge's own in the middle of a sequence */
	if (!l3)
		lab_write("/sys/class/net/sgbr0/bridge/multicast_snooping", "0");
	drain(lab.fdb, NULL, 20); /* whatever the bringing-up produced */

	/* segoff with the kernel's limits: one bucket of 8 flows (a
	 * single-queue TAP gives every packet hash 0), no per-flow packet
	 * limit below 64 KB, partial checksums as handed to a TAP */
	struct segoff_gro_config cfg;
	segoff_gro_config_init(&cfg);
	cfg.max_flows = 8;
	cfg.link = (uint8_t)link_type();
	cfg.deliver = model_deliver;
	struct segoff_gro *g;
	if (segoff_gro_create(&cfg, &g) != SEGOFF_OK)
		lab_die("segoff_gro_create");
	/* the same, flushed by age in jiffies as the kernel flushes at the
	 * end of each poll: for runs the ticks cut */
	struct segoff_gro *gt;
	cfg.flush_timeout = 1;
	if (segoff_gro_create(&cfg, &gt) != SEGOFF_OK)
		lab_die("segoff_gro_create");

	struct rng r = { check_seed() };
	unsigned passed = 0, failed = 0;
	static const unsigned large_mss[] = { 48, 100, 536, 1000, 1448 };
	for (int v6 = 0; v6 <= 1; v6++)
		for (unsigned i = 0; i < sizeof(large_mss) / sizeof(large_mss[0]); i++)
			for (int rem = 0; rem <= 1; rem++)
				large_case(&lab, g, gt, &r, v6, large_mss[i], rem) ? passed++ : failed++;

	struct seq_stats st = { 0 };
	static struct sequence sq;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (st.seqs < want) {
		make_sequence(&sq, &r, &st);
		sequence_frames(&sq, &r);
		if (run_kernel(lab.fda, lab.fdb)) {
			run_model(g, NULL);
		} else {
			unsigned ticks;
			if (compare_ticked(lab.fda, lab.fdb, gt, 3, &ticks) < 0) {
				st.tainted++;
				continue;
			}
			st.ticked++;
		}
		st.seqs++;
		st.frames_in += input.n;
		st.frames_out += kernel.n;
		for (unsigned i = 0; i < kernel.n; i++)
			st.coalesced += kernel.f[i].vh.gso_size != 0;
		compare(&sq, &st);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	for (unsigned p = 0; p < NR_PERTURB; p++) {
		int ok = st.perturb_fail[p] == 0 && st.perturb_seen[p] > 0;
		printf("  %s gro_%s_matches_kernel (%u flows, %u in mismatching sequences)\n", ok ? "ok  " : "FAIL",
		       perturb_names[p], st.perturb_seen[p], st.perturb_fail[p]);
		ok ? passed++ : failed++;
	}
	printf("  %u sequences (%u IPv4 and %u IPv6 flows, %u with several flows, %u across 64 KB at MSS %u to %u, "
	       "%u fixed-ID flows) in %.1f s; %u compared with the jiffy ticks where they fell, %u redrawn because a "
	       "tick or a pause came during a write\n", st.seqs, st.v4, st.v6, st.flows_multi, st.over_64k,
	       st.big_mss_min, st.big_mss_max, st.fixed_id, secs, st.ticked, st.tainted);
	printf("  %u runs compared with ticks where they fell (large cases included), %u of them differed from "
	       "segoff before another run matched\n", ticked_runs, ticked_differed);
	/* the sweep must have reached both ends of the MSS range */
	int swept = st.big_mss_min <= 64 && st.big_mss_max >= 1400;
	printf("  %s gro_runs_past_64k_swept_mss_48_to_1448 (%u runs; the smallest MSS %u, the largest %u)\n",
	       swept ? "ok  " : "FAIL", st.over_64k, st.big_mss_min, st.big_mss_max);
	swept ? passed++ : failed++;
	printf("  %u frames in, the kernel delivered %u (%u of them coalesced); %u mismatching sequences\n",
	       st.frames_in, st.frames_out, st.coalesced, st.mismatches);
	if (st.coalesced == 0) /* nothing coalesced: nothing was tested */
		failed++;
	printf("%s: %u passed, %u failed\n", suite, passed, failed);
	segoff_gro_destroy(g);
	segoff_gro_destroy(gt);
	return failed ? 1 : 0;
}
