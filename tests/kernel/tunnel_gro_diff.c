// SPDX-License-Identifier: MIT
/*
 * Kernel differential test for VXLAN GRO: the running kernel is the oracle
 * [EG1-EG5, EG7-EG9].
 *
 * Lab: TAP A opened with IFF_NAPI (frames written into it go through the
 * kernel's GRO), gro_flush_timeout and napi_defer_hard_irqs set (V7), a
 * VXLAN device on port 4789 in the namespace so that the port has a tunnel
 * socket and the kernel's GRO looks into VXLAN (EG3), and A bridged to TAP
 * B, which takes UDP tunnel GSO with the 24-byte header: the kernel hands B
 * what it merged, as it merged it.
 *
 * A sequence: one or two VXLAN flows (IPv4 or IPv6 outer, with or without an
 * outer checksum; IPv4 or IPv6 inner TCP, MSS 100 to 1400), each a run of
 * segments with one perturbation: none, a VNI change, a reserved bit of
 * the VXLAN header, the outer checksum switched on or off, a bad outer
 * checksum, the outer TTL, DF or ID (IPv6: hop limit, traffic class), the
 * inner PSH, a sequence gap, a bad
 * inner checksum. The same frames go through segoff_gro (the kernel's
 * limits: 8 flows) and the outputs are compared frame by frame: bytes,
 * gso_type, gso_size, checksum flags and offsets and the inner network
 * offset (outer_th_offset is not compared: the kernel reports it wrong for
 * packets it merged itself, EV4).
 *
 * The kernel's answer depends on time (a jiffy tick flushes what it holds):
 * each sequence is short, written right after a tick, asked twice, and
 * drawn again if the answers differ or a tick came in between.
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

#define MAX_FRAMES 256
#define MAX_OUT_FRAME 70000
#define SPORT_BASE 50000

enum perturb {
	P_NONE, P_VNI, P_RESERVED, P_CSUM_SWITCH, P_BAD_OUTER_CSUM, P_OUTER_TTL, P_OUTER_DF, P_OUTER_ID, P_PSH,
	P_SEQ_GAP, P_BAD_INNER_CSUM, NR_PERTURB
};
static const char *const perturb_names[NR_PERTURB] = {
	"tunnel_gro_none", "EG5_vni_change", "EG5_reserved_bit", "EG4_outer_csum_on_off", "EG4_bad_outer_csum",
	"EG7_outer_ttl", "EG7_outer_df", "EG7_outer_id_jump", "tunnel_gro_inner_psh", "tunnel_gro_inner_seq_gap",
	"tunnel_gro_bad_inner_csum",
};

static struct frames input, model, kernel, kernel2;

/* --- sequences --- */

struct flow {
	struct pktgen_spec o, in;
	unsigned mss, segs, at, p;
	uint32_t vni;
};

/* The outer IPv4 header checksum and the outer UDP checksum (when its field
 * is not 0) made right for the frame as it now is; `bad_udp` then spoils
 * the UDP one. */
static void fix_outer(uint8_t *f, size_t len, int bad_udp)
{
	struct segoff_pkt q;
	segoff_pkt_init(&q, f, len, NULL, 0);
	segoff_parse_ports(&q, SEGOFF_PROTO_ETH, 0, NULL);
	uint8_t *ip = f + q.l3_off, *uh = f + q.l4_off;
	int v6 = q.l3_proto == SEGOFF_PROTO_IPV6;
	uint16_t c;
	if (!v6) {
		ip[10] = ip[11] = 0;
		c = (uint16_t)~ref_fold(ref_sum(ip, 20, 0));
		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
	}
	if (uh[6] | uh[7]) {
		uh[6] = uh[7] = 0;
		uint32_t l4 = (uint32_t)(len - q.l4_off);
		segoff_csum_t ph = v6 ? segoff_csum_pseudo6(ip + 8, ip + 24, 17, l4) : segoff_csum_pseudo4(ip + 12, ip + 16, 17, l4);
		c = (uint16_t)~ref_fold(ref_sum(uh, l4, segoff_csum_fold(ph)));
		if (c == 0)
			c = 0xffff;
		uh[6] = (uint8_t)(c >> 8);
		uh[7] = (uint8_t)(c ^ (bad_udp ? 0x11 : 0));
	}
}

/* Segment k of a flow, perturbed as planned, appended to `input`. */
static void add_segment(struct flow *fl, unsigned k, struct rng *r)
{
	static uint8_t buf[MAX_OUT_FRAME];
	struct pktgen_spec o = fl->o, in = fl->in;
	int here = fl->p != P_NONE && k == fl->at, after = fl->p != P_NONE && k > fl->at;
	in.seq = fl->in.seq + k * fl->mss + (fl->p == P_SEQ_GAP && (here || after) ? 1 : 0);
	in.ip_id = (uint16_t)(fl->in.ip_id + k);
	in.payload_len = fl->mss;
	in.payload_seed = rng_next(r);
	in.tcp_flags = 0x10 | (fl->p == P_PSH && here ? 0x08 : 0);
	in.csum = PKTGEN_CSUM_FULL;
	o.ip_id = (uint16_t)(fl->o.ip_id + k + (fl->p == P_OUTER_ID && (here || after) ? 9 : 0));
	if (fl->p == P_OUTER_TTL && here)
		o.ttl--; /* IPv6: the hop limit */
	if (fl->p == P_OUTER_DF && here)
		o.df = !o.df;
	if ((fl->p == P_OUTER_DF || fl->p == P_OUTER_ID) && here && o.ipv6)
		o.tos ^= 4; /* IPv6 has neither: its traffic class instead */
	int outer_csum = fl->o.csum != PKTGEN_CSUM_ZERO;
	if (fl->p == P_CSUM_SWITCH && here)
		outer_csum = !outer_csum;
	o.csum = PKTGEN_CSUM_ZERO;
	uint32_t vni = fl->vni ^ (fl->p == P_VNI && here ? 1u : 0u);
	size_t len = pktgen_build_tunnel(&o, PKTGEN_VXLAN, vni, 0, 0, &in, buf, sizeof(buf));
	size_t uh = pktgen_l4_off(&o);
	if (fl->p == P_RESERVED && here)
		buf[uh + 8 + 1] |= 0x01;
	if (fl->p == P_BAD_INNER_CSUM && here) {
		size_t th = uh + 16 + pktgen_l4_off(&in);
		buf[th + 16] ^= 0x22;
	}
	if (outer_csum) {
		buf[uh + 6] = 0xff; /* any non-zero: fix_outer computes it */
	}
	fix_outer(buf, len, fl->p == P_BAD_OUTER_CSUM && here);
	struct segoff_vnet_hdr none = { 0 };
	frames_add(&input, buf, len, &none);
}

static void make_sequence(struct flow *fl, unsigned *nflows, struct rng *r, unsigned seqno)
{
	*nflows = rng_range(r, 0, 3) == 0 ? 2 : 1;
	for (unsigned k = 0; k < *nflows; k++) {
		struct flow *f = &fl[k];
		pktgen_default(&f->o);
		f->o.sport = (uint16_t)(SPORT_BASE + k);
		f->o.dport = SEGOFF_VXLAN_PORT;
		f->o.ip_id = (uint16_t)rng_next(r);
		f->o.ttl = (uint8_t)rng_range(r, 2, 255);
		f->o.ipv6 = rng_range(r, 0, 2) == 0;
		f->o.df = (int)rng_range(r, 0, 1);
		f->o.csum = rng_range(r, 0, 1) ? PKTGEN_CSUM_FULL : PKTGEN_CSUM_ZERO;
		pktgen_default(&f->in);
		f->in.ipv6 = (int)rng_range(r, 0, 1);
		f->in.sport = (uint16_t)(30000 + k);
		f->in.seq = (uint32_t)rng_next(r);
		f->in.ip_id = (uint16_t)rng_next(r);
		f->in.df = 1;
		f->in.tcp_optlen = rng_range(r, 0, 1) ? 12 : 0;
		f->in.ts_set = 1; /* one timestamp for the run: it may merge */
		f->in.tsval = (uint32_t)rng_next(r);
		f->in.tsecr = (uint32_t)rng_next(r);
		f->vni = (uint32_t)rng_range(r, 1, 0xffffff);
		f->mss = rng_range(r, 100, 1400);
		f->segs = rng_range(r, 2, 40);
		f->p = (k == 0 ? seqno : rng_next(r)) % NR_PERTURB;
		f->at = rng_range(r, 1, f->segs - 1);
	}
	frames_clear(&input);
	unsigned done[2] = { 0, 0 };
	while (done[0] < fl[0].segs || (*nflows > 1 && done[1] < fl[1].segs)) {
		unsigned k = *nflows > 1 && done[1] < fl[1].segs && (done[0] == fl[0].segs || rng_range(r, 0, 1)) ? 1 : 0;
		add_segment(&fl[k], done[k]++, r);
	}
}

/* --- segoff's side --- */

static void model_deliver(void *opaque, const struct segoff_gro_out *out)
{
	(void)opaque;
	static uint8_t flat[MAX_OUT_FRAME];
	size_t at = 0;
	for (unsigned i = 0; i < out->nr_iov; i++) {
		memcpy(flat + at, out->iov[i].base, out->iov[i].len);
		at += out->iov[i].len;
	}
	frames_add(&model, flat, at, &out->vnet);
}

static void run_model(struct segoff_gro *g)
{
	frames_clear(&model);
	for (unsigned i = 0; i < input.n; i++)
		segoff_gro_receive_frame(g, input.f[i].data, input.f[i].len, SEGOFF_CSUM_NONE, NULL, 0);
	segoff_gro_flush_all(g);
}

/* --- the kernel's side --- */

static int ours(const uint8_t *f, size_t len)
{
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, f, len, NULL, 0);
	if (segoff_parse_ports(&pkt, SEGOFF_PROTO_ETH, 0, NULL) < 0 || pkt.l4_proto != SEGOFF_PROTO_UDP)
		return 0;
	unsigned sport = (unsigned)(f[pkt.l4_off] << 8 | f[pkt.l4_off + 1]);
	return sport >= SPORT_BASE && sport < SPORT_BASE + 2;
}

static void take_ours(void *fs, const uint8_t *f, size_t len, const struct segoff_vnet_hdr *vh)
{
	if (ours(f, len))
		frames_add(fs, f, len, vh);
}

/* What B has for us; fs NULL: thrown away. */
static void drain(int fdb, struct frames *fs, int wait_ms)
{
	lab_drain(fdb, SEGOFF_VNET_HDR_TUNNEL_LEN, 2, wait_ms, fs ? take_ours : NULL, fs);
}

/* One run: 1 if it was clean (frames_write_after_tick). */
static int run_kernel_once(int fda, int fdb, struct frames *out)
{
	frames_clear(out);
	int clean = frames_write_after_tick(fda, &input);
	drain(fdb, out, 3);
	return clean;
}

int main(int argc, char **argv)
{
	unsigned want = argc > 1 ? (unsigned)atoi(argv[1]) : 600;
	setvbuf(stdout, NULL, _IOLBF, 0);
	frames_init(&input, MAX_FRAMES);
	frames_init(&model, MAX_FRAMES);
	frames_init(&kernel, MAX_FRAMES);
	frames_init(&kernel2, MAX_FRAMES);
	if (!lab_can_run("KERNEL TUNNEL GRO DIFFERENTIAL TEST")) {
		int ci = getenv("CI") != NULL;
		printf("kernel_tunnel_gro_diff: 0 passed, %d failed\n", ci);
		return ci;
	}
	struct sched_param sp = { .sched_priority = 10 };
	if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
		printf("  (no real-time priority: %s; sequences may need more tries)\n", strerror(errno));
	const unsigned tunnel = SEGOFF_TUN_F_UDP_TUNNEL_GSO | SEGOFF_TUN_F_UDP_TUNNEL_GSO_CSUM;
	struct lab lab;
	lab_up_vnet(&lab, SEGOFF_TAP_NAPI, SEGOFF_VNET_HDR_LEN, SEGOFF_VNET_HDR_TUNNEL_LEN,
		    SEGOFF_TUN_F_CSUM | SEGOFF_TUN_F_TSO4 | SEGOFF_TUN_F_TSO6,
		    SEGOFF_TUN_F_CSUM | SEGOFF_TUN_F_TSO4 | SEGOFF_TUN_F_TSO6 | tunnel, 1);
	char path[256];
	snprintf(path, sizeof(path), "/sys/class/net/%s/gro_flush_timeout", lab.a);
	if (lab_write(path, "2000000") < 0)
		lab_die(path);
	snprintf(path, sizeof(path), "/sys/class/net/%s/napi_defer_hard_irqs", lab.a);
	if (lab_write(path, "1000") < 0)
		lab_die(path);
	lab_write("/sys/class/net/sgbr0/bridge/multicast_snooping", "0");
	/* the tunnel sockets that make the kernel's GRO look into VXLAN [EG3],
	 * for IPv4 and IPv6 outer headers (a VXLAN device listens on one
	 * family; `local` on an IPv6 address makes it IPv6) */
	if (system("ip link add sgvx0 type vxlan id 4242 dstport 4789 && ip link set sgvx0 up && "
		   "ip link add sgvx6 type vxlan id 4243 dstport 4789 local 2001:db8::1 && ip link set sgvx6 up") != 0)
		lab_die("ip link add sgvx0/sgvx6 type vxlan");
	drain(lab.fdb, NULL, 20);

	struct segoff_gro_config cfg;
	segoff_gro_config_init(&cfg);
	cfg.max_flows = 8;
	cfg.deliver = model_deliver;
	struct segoff_gro *g;
	if (segoff_gro_create(&cfg, &g) != SEGOFF_OK)
		lab_die("segoff_gro_create");

	struct rng r = { check_seed() };
	unsigned seen[NR_PERTURB] = { 0 }, bad[NR_PERTURB] = { 0 }, seqs = 0, redrawn = 0, merged = 0, printed = 0;
	unsigned frames_in = 0, merged6 = 0;
	struct flow fl[2];
	unsigned nflows;
	while (seqs < want) {
		make_sequence(fl, &nflows, &r, seqs);
		int clean = 0;
		for (unsigned t = 0; t < 8 && !clean; t++) {
			clean = run_kernel_once(lab.fda, lab.fdb, &kernel) && run_kernel_once(lab.fda, lab.fdb, &kernel2) &&
				frames_same(&kernel, &kernel2);
		}
		if (!clean) {
			redrawn++;
			continue;
		}
		run_model(g);
		seqs++;
		frames_in += input.n;
		for (unsigned i = 0; i < kernel.n; i++) {
			merged += kernel.f[i].vh.gso_size != 0;
			merged6 += (kernel.f[i].vh.gso_type & SEGOFF_VNET_GSO_UDP_TUNNEL_IPV6) != 0;
		}
		unsigned at;
		int d = frames_outputs_differ(&model, &kernel, 1, &at);
		for (unsigned k = 0; k < nflows; k++) {
			seen[fl[k].p]++;
			bad[fl[k].p] += (unsigned)d;
		}
		if (d && printed++ < 4) {
			fprintf(stderr, "  MISMATCH: %u frames in, segoff %u out, kernel %u out; flows:", input.n, model.n,
				kernel.n);
			for (unsigned k = 0; k < nflows; k++)
				fprintf(stderr, " [%s inner v%d mss %u segs %u at %u csum %d]", perturb_names[fl[k].p],
					fl[k].in.ipv6 ? 6 : 4, fl[k].mss, fl[k].segs, fl[k].at, fl[k].o.csum != PKTGEN_CSUM_ZERO);
			fprintf(stderr, "\n");
			unsigned n = model.n > kernel.n ? model.n : kernel.n;
			for (unsigned i = 0; i < n && i < 40; i++) {
				const struct segoff_vnet_hdr *a = i < model.n ? &model.f[i].vh : NULL,
							     *b = i < kernel.n ? &kernel.f[i].vh : NULL;
				fprintf(stderr, "    %u segoff len %5zu flags %u type 0x%02x size %u start %u nh %u | kernel len "
					"%5zu flags %u type 0x%02x size %u start %u nh %u\n", i, a ? model.f[i].len : 0,
					a ? a->flags : 0, a ? a->gso_type : 0, a ? a->gso_size : 0, a ? a->csum_start : 0,
					a ? a->inner_nh_offset : 0, b ? kernel.f[i].len : 0, b ? b->flags : 0,
					b ? b->gso_type : 0, b ? b->gso_size : 0, b ? b->csum_start : 0,
					b ? b->inner_nh_offset : 0);
			}
			if (at < model.n && at < kernel.n)
				hexdiff("first differing frame", model.f[at].data, model.f[at].len, kernel.f[at].data,
					kernel.f[at].len);
		}
	}
	unsigned passed = 0, failed = 0;
	for (unsigned p = 0; p < NR_PERTURB; p++) {
		int ok = bad[p] == 0 && seen[p] > 0;
		printf("  %s %s_matches_kernel (%u flows, %u in mismatching sequences)\n", ok ? "ok  " : "FAIL",
		       perturb_names[p], seen[p], bad[p]);
		ok ? passed++ : failed++;
	}
	printf("  %u VXLAN sequences, %u frames in; the kernel delivered %u merged packets (%u with an IPv6 outer "
	       "header); %u redrawn for timing\n", seqs, frames_in, merged, merged6, redrawn);
	if (merged == 0 || merged6 == 0)
		failed++; /* nothing merged (through IPv6): nothing was tested */
	printf("kernel_tunnel_gro_diff: %u passed, %u failed\n", passed, failed);
	segoff_gro_destroy(g);
	return failed ? 1 : 0;
}
