// SPDX-License-Identifier: MIT
/*
 * Kernel differential test for GRE and IP-in-IP GRO: the running kernel is
 * the oracle [EG1, EG2, EG6-EG9].
 *
 * GRE, IPIP, SIT, ip4ip6 and ip6ip6 GRO need no device here (EG1): frames
 * written into TAP A, opened with IFF_NAPI (gro_flush_timeout and
 * napi_defer_hard_irqs set, V7), go through the kernel's GRO. No TAP can
 * be handed what it merges (virtio has no GSO type for GRE or IP-in-IP:
 * a TAP behind would get it segmented again), so the kernel's answer is
 * read where GRO delivers it: a packet socket on A with PACKET_VNET_HDR,
 * which shows each packet as GRO made it, with its gso_size, inner TCP
 * type and checksum state.
 *
 * A sequence: one or two flows, each GRE (flags none, K, C or K+C; IP or
 * Ethernet inside) or IP-in-IP, over IPv4 or IPv6, IPv4 or IPv6 inner TCP
 * (MSS 100 to 1400), a run of segments with one perturbation: none, a GRE
 * key change, a GRE sequence number, a bad GRE checksum, the outer TTL,
 * DF or ID (IPv6: hop limit, traffic class), the inner PSH, a sequence
 * gap, a bad inner checksum. The same frames go through segoff_gro (8
 * flows, the kernel's limit) and the outputs are compared packet by
 * packet: bytes (GRE checksums left stale included), gso_size, the inner
 * TCP type, checksum flags and offsets. The GSO type bits the kernel gives
 * (SKB_GSO_GRE, _IPXIP4/6) do not reach a packet socket: the unit tests
 * pin them.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <segoff/segoff.h>
#include <segoff/tap.h>
#include "check.h"
#include "frames.h"
#include "lab.h"
#include "pktgen.h"

#define MAX_FRAMES 256
#define MAX_OUT_FRAME 70000
#define SPORT_BASE 52000

enum perturb {
	P_NONE, P_GRE_KEY, P_GRE_SEQ, P_BAD_GRE_CSUM, P_OUTER_TTL, P_OUTER_DF, P_OUTER_ID, P_PSH, P_SEQ_GAP,
	P_BAD_INNER_CSUM, NR_PERTURB
};
static const char *const perturb_names[NR_PERTURB] = {
	"ip_tunnel_gro_none", "EG6_gre_key_change", "EG6_gre_seq_not_held", "EG6_bad_gre_csum",
	"EG7_ipt_outer_ttl", "EG7_ipt_outer_df", "EG7_ipt_outer_id_jump", "ip_tunnel_gro_inner_psh",
	"ip_tunnel_gro_inner_seq_gap", "ip_tunnel_gro_bad_inner_csum",
};
enum kind { K_GRE, K_GRE_KEY, K_GRE_CSUM, K_GRE_KEY_CSUM, K_GRE_ETH, K_IPIP, NR_KINDS };
static const char *const kind_names[NR_KINDS] = {
	"EG6_gre", "EG6_gre_key", "EG6_gre_csum", "EG6_gre_key_csum", "EG6_gre_ethernet", "EG9_ip_in_ip",
};

static struct frames input, model, kernel, kernel2;

struct flow {
	struct pktgen_spec o, in;
	struct pktgen_gre gre;
	unsigned kind, mss, segs, at, p;
};

/* The outer IPv4 header checksum, and a GRE checksum (C), made right for
 * the frame as it now is; `bad_gre` then spoils the GRE one. */
static void fix_outer(uint8_t *f, size_t len, const struct flow *fl, int bad_gre)
{
	uint8_t *ip = f + pktgen_l3_off(&fl->o);
	if (!fl->o.ipv6) {
		ip[10] = ip[11] = 0;
		uint16_t c = (uint16_t)~ref_fold(ref_sum(ip, 20, 0));
		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
	}
	if (fl->kind < K_IPIP && (f[pktgen_l4_off(&fl->o)] & 0x80)) {
		uint8_t *gh = f + pktgen_l4_off(&fl->o);
		gh[4] = gh[5] = 0;
		uint16_t c = (uint16_t)~ref_fold(ref_sum(gh, len - pktgen_l4_off(&fl->o), 0));
		gh[4] = (uint8_t)(c >> 8);
		gh[5] = (uint8_t)(c ^ (bad_gre ? 0x21 : 0));
	}
}

static void add_segment(struct flow *fl, unsigned k, struct rng *r)
{
	static uint8_t buf[MAX_OUT_FRAME];
	struct pktgen_spec o = fl->o, in = fl->in;
	struct pktgen_gre gre = fl->gre;
	int here = fl->p != P_NONE && k == fl->at, after = fl->p != P_NONE && k > fl->at;
	in.seq = fl->in.seq + k * fl->mss + (fl->p == P_SEQ_GAP && (here || after) ? 1 : 0);
	in.ip_id = (uint16_t)(fl->in.ip_id + k);
	in.payload_len = fl->mss;
	in.payload_seed = rng_next(r);
	in.tcp_flags = 0x10 | (fl->p == P_PSH && here ? 0x08 : 0);
	in.csum = PKTGEN_CSUM_FULL;
	o.ip_id = (uint16_t)(fl->o.ip_id + k + (fl->p == P_OUTER_ID && (here || after) ? 9 : 0));
	if (fl->p == P_OUTER_TTL && here)
		o.ttl--;
	if (fl->p == P_OUTER_DF && here)
		o.df = !o.df;
	if ((fl->p == P_OUTER_DF || fl->p == P_OUTER_ID) && here && o.ipv6)
		o.tos ^= 4; /* IPv6 has neither: its traffic class instead */
	if (fl->p == P_GRE_KEY && here)
		gre.key ^= 1;
	if (fl->p == P_GRE_SEQ && here)
		gre.flags |= 0x1000;
	size_t len = pktgen_build_ip_tunnel(&o, fl->kind == K_IPIP ? NULL : &gre, &in, buf, sizeof(buf));
	if (fl->p == P_BAD_INNER_CSUM && here) {
		struct segoff_pkt q;
		segoff_pkt_init(&q, buf, len, NULL, 0);
		segoff_parse(&q, SEGOFF_PROTO_ETH, 0);
		buf[q.inner_l4_off + 16] ^= 0x22;
	}
	fix_outer(buf, len, fl, fl->p == P_BAD_GRE_CSUM && here);
	struct segoff_vnet_hdr none = { 0 };
	frames_add(&input, buf, len, &none);
}

static void make_sequence(struct flow *fl, unsigned *nflows, struct rng *r, unsigned seqno)
{
	*nflows = rng_range(r, 0, 3) == 0 ? 2 : 1;
	for (unsigned k = 0; k < *nflows; k++) {
		struct flow *f = &fl[k];
		f->kind = rng_range(r, 0, NR_KINDS - 1);
		pktgen_default(&f->o);
		f->o.ip_id = (uint16_t)rng_next(r);
		f->o.ttl = (uint8_t)rng_range(r, 2, 255);
		f->o.ipv6 = rng_range(r, 0, 2) == 0;
		f->o.df = (int)rng_range(r, 0, 1);
		static const uint16_t flags[NR_KINDS] = { 0, 0x2000, 0x8000, 0xa000, 0x2000, 0 };
		f->gre = (struct pktgen_gre){ .flags = flags[f->kind], .key = (uint32_t)rng_next(r), .seq = 1,
					      .teb = f->kind == K_GRE_ETH };
		pktgen_default(&f->in);
		f->in.ipv6 = (int)rng_range(r, 0, 1);
		f->in.sport = (uint16_t)(SPORT_BASE + k);
		f->in.seq = (uint32_t)rng_next(r);
		f->in.ip_id = (uint16_t)rng_next(r);
		f->in.df = 1;
		f->in.tcp_optlen = rng_range(r, 0, 1) ? 12 : 0;
		f->in.ts_set = 1;
		f->in.tsval = (uint32_t)rng_next(r);
		f->in.tsecr = (uint32_t)rng_next(r);
		f->mss = rng_range(r, 100, 1400);
		f->segs = rng_range(r, 2, 40);
		f->p = (k == 0 ? seqno : rng_next(r)) % NR_PERTURB;
		/* GRE perturbations need GRE (and a key, a checksum) */
		if ((f->p == P_GRE_KEY && !(f->gre.flags & 0x2000)) || (f->p == P_BAD_GRE_CSUM && !(f->gre.flags & 0x8000)) ||
		    (f->p == P_GRE_SEQ && f->kind == K_IPIP))
			f->p = P_NONE;
		f->at = rng_range(r, 1, f->segs - 1);
	}
	frames_clear(&input);
	unsigned done[2] = { 0, 0 };
	while (done[0] < fl[0].segs || (*nflows > 1 && done[1] < fl[1].segs)) {
		unsigned k = *nflows > 1 && done[1] < fl[1].segs && (done[0] == fl[0].segs || rng_range(r, 0, 1)) ? 1 : 0;
		add_segment(&fl[k], done[k]++, r);
	}
}

/* --- segoff's side: what a packet socket would show of each output --- */

static void model_deliver(void *opaque, const struct segoff_gro_out *out)
{
	(void)opaque;
	static uint8_t flat[MAX_OUT_FRAME];
	size_t at = 0;
	for (unsigned i = 0; i < out->nr_iov; i++) {
		memcpy(flat + at, out->iov[i].base, out->iov[i].len);
		at += out->iov[i].len;
	}
	struct segoff_vnet_hdr h = { 0 };
	if (out->gso_size) {
		h.gso_size = out->gso_size;
		h.gso_type = out->gso_type & SEGOFF_GSO_TCPV6 ? SEGOFF_VNET_GSO_TCPV6 : SEGOFF_VNET_GSO_TCPV4;
		if (out->gso_type & SEGOFF_GSO_TCP_ECN)
			h.gso_type |= SEGOFF_VNET_GSO_ECN;
	}
	if (out->csum_state == SEGOFF_CSUM_PARTIAL) {
		h.flags = SEGOFF_VNET_F_NEEDS_CSUM;
		h.csum_start = out->csum_start;
		h.csum_offset = out->csum_offset;
	} else if (out->csum_state == SEGOFF_CSUM_VERIFIED || out->csum_state == SEGOFF_CSUM_COMPLETE) {
		h.flags = SEGOFF_VNET_F_DATA_VALID;
	}
	frames_add(&model, flat, at, &h);
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
	if (segoff_parse_ports(&pkt, SEGOFF_PROTO_ETH, 0, NULL) < 0 || pkt.inner_l4_proto != SEGOFF_PROTO_TCP)
		return 0;
	unsigned sport = (unsigned)(f[pkt.inner_l4_off] << 8 | f[pkt.inner_l4_off + 1]);
	return sport >= SPORT_BASE && sport < SPORT_BASE + 2;
}

/* Every packet the socket has: those of the sequence into `fs` (NULL:
 * thrown away), until it has been quiet twice for wait_ms. */
static void drain(int ps, struct frames *fs, int wait_ms)
{
	static uint8_t buf[SEGOFF_VNET_HDR_LEN + MAX_OUT_FRAME];
	int quiet = 0;
	while (quiet < 2) {
		ssize_t n = recv(ps, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			struct pollfd p = { .fd = ps, .events = POLLIN };
			quiet += poll(&p, 1, wait_ms) == 0;
			continue;
		}
		if (n < SEGOFF_VNET_HDR_LEN)
			continue;
		struct segoff_vnet_hdr vh;
		segoff_vnet_decode(buf, SEGOFF_VNET_HDR_LEN, &vh);
		const uint8_t *f = buf + SEGOFF_VNET_HDR_LEN;
		size_t len = (size_t)n - SEGOFF_VNET_HDR_LEN;
		vh.hdr_len = 0; /* a hint (V4) */
		if (fs && ours(f, len))
			frames_add(fs, f, len, &vh);
	}
}

static int run_kernel_once(int fda, int ps, struct frames *out)
{
	frames_clear(out);
	int clean = frames_write_after_tick(fda, &input);
	drain(ps, out, 3);
	return clean;
}

/* A packet socket on A that sees what GRO delivers, with its virtio header. */
static int open_packet_socket(const char *dev)
{
	int ps = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (ps < 0)
		lab_die("socket(AF_PACKET)");
	int one = 1, big = 16 << 20;
	if (setsockopt(ps, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0)
		lab_die("PACKET_VNET_HDR");
	setsockopt(ps, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	if (setsockopt(ps, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0)
		lab_die("SO_RCVBUFFORCE");
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = (int)if_nametoindex(dev) };
	if (bind(ps, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		lab_die("bind(AF_PACKET)");
	return ps;
}

int main(int argc, char **argv)
{
	unsigned want = argc > 1 ? (unsigned)atoi(argv[1]) : 600;
	setvbuf(stdout, NULL, _IOLBF, 0);
	frames_init(&input, MAX_FRAMES);
	frames_init(&model, MAX_FRAMES);
	frames_init(&kernel, MAX_FRAMES);
	frames_init(&kernel2, MAX_FRAMES);
	if (!lab_can_run("KERNEL GRE AND IP-IN-IP GRO DIFFERENTIAL TEST")) {
		int ci = getenv("CI") != NULL;
		printf("kernel_ip_tunnel_gro_diff: 0 passed, %d failed\n", ci);
		return ci;
	}
	struct sched_param sp = { .sched_priority = 10 };
	if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
		printf("  (no real-time priority: %s; sequences may need more tries)\n", strerror(errno));
	struct lab lab;
	lab_up_vnet(&lab, SEGOFF_TAP_NAPI, SEGOFF_VNET_HDR_LEN, SEGOFF_VNET_HDR_LEN,
		    SEGOFF_TUN_F_CSUM | SEGOFF_TUN_F_TSO4 | SEGOFF_TUN_F_TSO6, 0, 1);
	char path[256];
	snprintf(path, sizeof(path), "/sys/class/net/%s/gro_flush_timeout", lab.a);
	if (lab_write(path, "2000000") < 0)
		lab_die(path);
	snprintf(path, sizeof(path), "/sys/class/net/%s/napi_defer_hard_irqs", lab.a);
	if (lab_write(path, "1000") < 0)
		lab_die(path);
	/* B takes no part: down, so the bridge does not segment every merged
	 * packet again for it */
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "ip link set %s down", lab.b);
	if (system(cmd) != 0)
		lab_die(cmd);
	int ps = open_packet_socket(lab.a);
	drain(ps, NULL, 20);

	struct segoff_gro_config cfg;
	segoff_gro_config_init(&cfg);
	cfg.max_flows = 8;
	cfg.deliver = model_deliver;
	struct segoff_gro *g;
	if (segoff_gro_create(&cfg, &g) != SEGOFF_OK)
		lab_die("segoff_gro_create");

	struct rng r = { check_seed() };
	unsigned seen[NR_PERTURB] = { 0 }, bad[NR_PERTURB] = { 0 }, kseen[NR_KINDS] = { 0 }, kbad[NR_KINDS] = { 0 };
	unsigned seqs = 0, redrawn = 0, merged = 0, printed = 0, frames_in = 0;
	struct flow fl[2];
	unsigned nflows;
	while (seqs < want) {
		make_sequence(fl, &nflows, &r, seqs);
		int clean = 0;
		for (unsigned t = 0; t < 8 && !clean; t++)
			clean = run_kernel_once(lab.fda, ps, &kernel) && run_kernel_once(lab.fda, ps, &kernel2) &&
				frames_same(&kernel, &kernel2);
		if (!clean) {
			redrawn++;
			continue;
		}
		run_model(g);
		seqs++;
		frames_in += input.n;
		for (unsigned i = 0; i < kernel.n; i++)
			merged += kernel.f[i].vh.gso_size != 0;
		unsigned at;
		int d = frames_outputs_differ(&model, &kernel, 0, &at);
		for (unsigned k = 0; k < nflows; k++) {
			seen[fl[k].p]++;
			bad[fl[k].p] += (unsigned)d;
			kseen[fl[k].kind]++;
			kbad[fl[k].kind] += (unsigned)d;
		}
		if (d && printed++ < (getenv("SEGOFF_TEST_VERBOSE") ? 100u : 4u)) {
			fprintf(stderr, "  MISMATCH: %u frames in, segoff %u out, kernel %u out; flows:", input.n, model.n,
				kernel.n);
			for (unsigned k = 0; k < nflows; k++)
				fprintf(stderr, " [%s %s outer v%d inner v%d mss %u segs %u at %u]", kind_names[fl[k].kind],
					perturb_names[fl[k].p], fl[k].o.ipv6 ? 6 : 4, fl[k].in.ipv6 ? 6 : 4, fl[k].mss,
					fl[k].segs, fl[k].at);
			fprintf(stderr, "\n");
			unsigned n = model.n > kernel.n ? model.n : kernel.n;
			for (unsigned i = 0; i < n && i < 40; i++) {
				const struct segoff_vnet_hdr *a = i < model.n ? &model.f[i].vh : NULL,
							     *b = i < kernel.n ? &kernel.f[i].vh : NULL;
				fprintf(stderr, "    %u segoff len %5zu flags %u type 0x%02x size %u start %u | kernel len "
					"%5zu flags %u type 0x%02x size %u start %u\n", i, a ? model.f[i].len : 0,
					a ? a->flags : 0, a ? a->gso_type : 0, a ? a->gso_size : 0, a ? a->csum_start : 0,
					b ? kernel.f[i].len : 0, b ? b->flags : 0, b ? b->gso_type : 0, b ? b->gso_size : 0,
					b ? b->csum_start : 0);
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
	for (unsigned k = 0; k < NR_KINDS; k++) {
		int ok = kbad[k] == 0 && kseen[k] > 0;
		printf("  %s %s_flows_match_kernel (%u flows, %u in mismatching sequences)\n", ok ? "ok  " : "FAIL",
		       kind_names[k], kseen[k], kbad[k]);
		ok ? passed++ : failed++;
	}
	printf("  %u GRE and IP-in-IP sequences, %u frames in; the kernel delivered %u merged packets; %u redrawn "
	       "for timing\n", seqs, frames_in, merged, redrawn);
	if (merged == 0)
		failed++;
	printf("kernel_ip_tunnel_gro_diff: %u passed, %u failed\n", passed, failed);
	segoff_gro_destroy(g);
	close(ps);
	return failed ? 1 : 0;
}
