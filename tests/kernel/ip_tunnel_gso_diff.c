// SPDX-License-Identifier: MIT
/*
 * Kernel differential test for GRE and IP-in-IP segmentation: the running
 * kernel is the oracle [E5, E6].
 *
 * This kernel has no GRE or IPIP devices, but its GRE, IPIP, SIT, ip4ip6
 * and ip6ip6 segmenters are built in. So (kernel-rules, "How to make the
 * kernel do it"): a plain TCP super-packet is written into TAP A; on its
 * way out of TAP B a tc egress BPF program (tests/kernel/bpf/
 * ip_tunnel_encap.c) wraps it in an outer IPv4 or IPv6 header and a GRE
 * header (or none: IP-in-IP) with bpf_skb_adjust_room and FIXED_GSO, which
 * marks it SKB_GSO_GRE, _IPXIP4 or _IPXIP6 with the inner MSS; B has no
 * tunnel offload, so the kernel cuts it in software. The test chooses the
 * outer header per case and tells the program in the frame's MAC
 * addresses; segoff is given the same tunnel super-packet, built here as
 * the program builds it, and what B reads is compared byte for byte with
 * segoff_gso_copy(). B negotiates nothing, or only TUN_F_CSUM (the inner
 * checksum then stays partial), per batch.
 *
 * Cases: GRE (plain, key, a checksum field, which SKB_GSO_GRE copies;
 * carrying IP or Ethernet) and IP-in-IP over IPv4 and IPv6, IPv4 and IPv6
 * inside (IP and TCP options, IPv6 extension headers), outer ID, TTL, TOS
 * and DF drawn, MSS from 48 to 9000 with runs up to the 64 KB limit. The
 * inner TCP source port names the case.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <segoff/segoff.h>
#include <segoff/tap.h>
#include "check.h"
#include "pktgen.h"
#include "frames.h"
#include "lab.h"

#define MAX_FRAME (65536 + 128)
#define BATCH 32
#define MAX_SEGS 1400
#define SPORT_BASE 40000
#define EXP_CAP (2 * MAX_FRAME + MAX_SEGS * 320)

enum case_class {
	CLASS_GRE4, CLASS_GRE6, CLASS_GRE_KEY, CLASS_GRE_CSUM_FIELD, CLASS_GRE_ETH, CLASS_IPIP, CLASS_SIT,
	CLASS_IP4IP6, CLASS_IP6IP6, CLASS_INNER_PARTIAL, CLASS_MSS_EDGES, NR_CLASSES
};
static const char *const class_names[NR_CLASSES] = {
	"E5_gre_over_ipv4_matches_kernel", "E5_gre_over_ipv6_matches_kernel", "E5_gre_key_copied_matches_kernel",
	"E5_gre_checksum_field_copied_under_gso_gre", "E5_gre_carrying_ethernet_matches_kernel",
	"E6_ipip_matches_kernel", "E6_sit_matches_kernel", "E6_ip4ip6_matches_kernel", "E6_ip6ip6_matches_kernel",
	"ip_tunnel_gso_inner_partial_matches_kernel", "ip_tunnel_gso_mss_48_to_9000_matches_kernel",
};

/* What the BPF program is asked to build (its header comment). */
struct encap {
	int gre, outer6, c, k, df, teb;
	uint32_t key;
	uint16_t id;
	uint8_t ttl, tos, cw;
};

struct tcase {
	int partial;
	unsigned classes;
	uint8_t frame[MAX_FRAME];   /* what A is given: the inner TCP super-packet */
	size_t len;
	struct segoff_vnet_hdr vh;
	uint8_t tunnel[MAX_FRAME];  /* what segoff is given: the same, encapsulated */
	size_t tunnel_len;
	uint32_t gso_type;
	char what[160];
	int refused;
	unsigned nexp;
	uint8_t *exp_buf;
	struct segoff_seg segs[MAX_SEGS];
	struct frames got;      /* the kernel's answer: segments and their headers */
};

static struct tcase cases[BATCH];
static unsigned class_cases[NR_CLASSES], class_fail[NR_CLASSES];
static unsigned total_cases, total_mismatch, printed_mismatch;
static unsigned long kernel_frames;
static unsigned mss_min = ~0u, mss_max;

static unsigned gre_len(const struct encap *e)
{
	return e->gre ? 4u + 4u * (!!e->c + !!e->k) + (e->teb ? 14u : 0u) : 0u;
}

/* The MAC addresses that carry the request to the BPF program. */
static void encode_macs(const struct encap *e, uint8_t *dst, uint8_t *src)
{
	dst[0] = 0x02;
	dst[1] = (uint8_t)(0x80 | (e->gre ? 0x01 : 0) | (e->outer6 ? 0x02 : 0) | (e->c ? 0x04 : 0) |
			   (e->k ? 0x08 : 0) | (e->df ? 0x10 : 0) | (e->teb ? 0x20 : 0));
	dst[2] = (uint8_t)(e->key >> 24);
	dst[3] = (uint8_t)(e->key >> 16);
	dst[4] = (uint8_t)(e->key >> 8);
	dst[5] = (uint8_t)e->key;
	src[0] = 0x02;
	src[1] = (uint8_t)(e->id >> 8);
	src[2] = (uint8_t)e->id;
	src[3] = e->ttl;
	src[4] = e->tos;
	src[5] = e->cw;
}

static void put16be(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The tunnel super-packet as the program makes it of `f` (an Ethernet
 * frame holding an IP packet): written independently of it, from the same
 * description, so a disagreement shows in the comparison. */
static size_t encapsulate(const struct encap *e, const uint8_t *f, size_t len, int inner6, uint8_t *out)
{
	const unsigned iplen = e->outer6 ? 40 : 20, glen = gre_len(e);
	const size_t inner = len - 14;
	memcpy(out, f, 12);
	put16be(out + 12, e->outer6 ? 0x86dd : 0x0800);
	uint8_t *ip = out + 14;
	memset(ip, 0, iplen);
	const uint8_t ipproto = e->gre ? 47 : inner6 ? 41 : 4;
	if (!e->outer6) {
		ip[0] = 0x45;
		ip[1] = e->tos;
		put16be(ip + 2, (unsigned)(iplen + glen + inner));
		put16be(ip + 4, e->id);
		ip[6] = e->df ? 0x40 : 0;
		ip[8] = e->ttl;
		ip[9] = ipproto;
		static const uint8_t a[8] = { 192, 0, 2, 10, 198, 51, 100, 10 };
		memcpy(ip + 12, a, 8);
		put16be(ip + 10, (uint16_t)~ref_fold(ref_sum(ip, 20, 0)));
	} else {
		ip[0] = (uint8_t)(0x60 | e->tos >> 4);
		ip[1] = (uint8_t)(e->tos << 4);
		put16be(ip + 2, e->id);
		put16be(ip + 4, (unsigned)(glen + inner));
		ip[6] = ipproto;
		ip[7] = e->ttl;
		static const uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x0a };
		memcpy(ip + 8, a, 16);
		memcpy(ip + 24, a, 16);
		ip[39] = 0x0b;
	}
	uint8_t *gh = ip + iplen;
	if (e->gre) {
		memset(gh, 0, glen);
		gh[0] = (uint8_t)((e->c ? 0x80 : 0) | (e->k ? 0x20 : 0));
		put16be(gh + 2, e->teb ? 0x6558 : inner6 ? 0x86dd : 0x0800);
		unsigned w = 4;
		if (e->c) {
			gh[4] = gh[5] = e->cw;
			w += 4;
		}
		if (e->k) {
			put16be(gh + w, e->key >> 16);
			put16be(gh + w + 2, e->key & 0xffff);
			w += 4;
		}
		if (e->teb) {
			memcpy(gh + w, f, 12);
			put16be(gh + w + 12, inner6 ? 0x86dd : 0x0800);
		}
	}
	memcpy(gh + glen, f + 14, inner);
	return 14 + iplen + glen + inner;
}

static int make_case(struct tcase *c, struct rng *r, unsigned idx, int partial)
{
	c->classes = 0;
	c->partial = partial;
	struct encap e = { 0 };
	e.gre = rng_range(r, 0, 99) < 55;
	e.outer6 = rng_range(r, 0, 1);
	if (e.gre) {
		e.k = rng_range(r, 0, 1);
		e.c = rng_range(r, 0, 3) == 0;
		e.teb = rng_range(r, 0, 4) == 0;
		e.key = (uint32_t)rng_next(r);
		e.cw = (uint8_t)rng_next(r);
	}
	e.df = rng_range(r, 0, 1);
	e.id = (uint16_t)rng_next(r);
	e.ttl = (uint8_t)rng_range(r, 1, 255);
	e.tos = (uint8_t)rng_next(r);
	unsigned mss = lab_pick_mss(r);

	struct pktgen_spec in;
	pktgen_random(&in, r, 1, 1);
	in.nr_vlan = 0; /* the program takes IP frames: a tag would be under the outer header */
	in.csum = PKTGEN_CSUM_PSEUDO;
	in.pad = 0;
	in.sport = (uint16_t)(SPORT_BASE + idx);
	uint8_t dst[6], src[6];
	encode_macs(&e, dst, src);
	in.mac_dst = dst;
	in.mac_src = src;
	const unsigned outer = (e.outer6 ? 40 : 20) + gre_len(&e);
	size_t room = 65535 - outer - pktgen_hdr_len(&in) + 14; /* the outer IP packet's limit */
	if (e.outer6)
		room += 40; /* IPv6 counts its payload only */
	if (room <= mss + 1)
		return 0;
	unsigned most = (unsigned)(room < 64000 ? room : 64000);
	unsigned v = rng_range(r, 0, 99);
	if (v < 30)
		in.payload_len = rng_range(r, mss + 1, mss * 3 < most ? mss * 3 : most);
	else if (v < 50)
		in.payload_len = most - rng_range(r, 0, most / 100 + 1);
	else
		in.payload_len = rng_range(r, mss + 1, most);
	if (in.payload_len <= mss)
		in.payload_len = mss + 1;
	c->len = pktgen_build(&in, c->frame, sizeof(c->frame));
	if (!c->len)
		return 0;
	c->tunnel_len = encapsulate(&e, c->frame, c->len, in.ipv6, c->tunnel);
	c->vh = (struct segoff_vnet_hdr){
		.flags = SEGOFF_VNET_F_NEEDS_CSUM,
		.gso_type = in.ipv6 ? SEGOFF_VNET_GSO_TCPV6 : SEGOFF_VNET_GSO_TCPV4,
		.hdr_len = (uint16_t)pktgen_hdr_len(&in),
		.gso_size = (uint16_t)mss,
		.csum_start = (uint16_t)pktgen_l4_off(&in),
		.csum_offset = 16,
	};
	/* what bpf_skb_adjust_room marks it */
	c->gso_type = (in.ipv6 ? SEGOFF_GSO_TCPV6 : SEGOFF_GSO_TCPV4) |
		      (e.gre ? SEGOFF_GSO_GRE : e.outer6 ? SEGOFF_GSO_IPXIP6 : SEGOFF_GSO_IPXIP4);
	if (e.gre) {
		c->classes |= 1u << (e.outer6 ? CLASS_GRE6 : CLASS_GRE4);
		if (e.k)
			c->classes |= 1u << CLASS_GRE_KEY;
		if (e.c)
			c->classes |= 1u << CLASS_GRE_CSUM_FIELD;
		if (e.teb)
			c->classes |= 1u << CLASS_GRE_ETH;
	} else {
		c->classes |= 1u << (e.outer6 ? (in.ipv6 ? CLASS_IP6IP6 : CLASS_IP4IP6) : (in.ipv6 ? CLASS_SIT : CLASS_IPIP));
	}
	if (partial)
		c->classes |= 1u << CLASS_INNER_PARTIAL;
	if (mss <= 64 || mss >= 8948 || mss == 1448 || mss == 536)
		c->classes |= 1u << CLASS_MSS_EDGES;
	mss_min = mss < mss_min ? mss : mss_min;
	mss_max = mss > mss_max ? mss : mss_max;
	snprintf(c->what, sizeof(c->what),
		 "%s%s%s%s outer=v%d df=%d inner=v%d ip4opt=%u ext=%u tcpopt=%u payload=%u mss=%u %s",
		 e.gre ? "gre" : "ipip", e.k ? "+key" : "", e.c ? "+csum" : "", e.teb ? "+eth" : "", e.outer6 ? 6 : 4,
		 e.df, in.ipv6 ? 6 : 4, in.ip4_optlen, in.nr_ip6_ext, in.tcp_optlen, in.payload_len, mss,
		 partial ? "inner partial" : "all checksums");
	return 1;
}

static void expect(struct tcase *c)
{
	c->nexp = 0;
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, c->tunnel, c->tunnel_len, NULL, 0);
	int err = segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
	if (!err) {
		pkt.gso_size = c->vh.gso_size;
		pkt.gso_type = c->gso_type;
		pkt.csum_state = SEGOFF_CSUM_PARTIAL;
		pkt.csum_start = pkt.inner_l4_off;
		pkt.csum_offset = 16;
		struct segoff_gso_params p;
		segoff_gso_params_init(&p);
		p.csum = c->partial ? SEGOFF_GSO_CSUM_PARTIAL : SEGOFF_GSO_CSUM_FULL;
		int n = segoff_gso_copy(&pkt, &p, c->exp_buf, EXP_CAP, c->segs, MAX_SEGS);
		if (n < 0)
			err = n;
		else
			c->nexp = (unsigned)n;
	}
	c->refused = err;
}

/* The case a segment belongs to, by its inner TCP source port. */
static int inner_sport(const uint8_t *f, size_t len)
{
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, f, len, NULL, 0);
	if (segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0) < 0 || pkt.inner_l4_proto != SEGOFF_PROTO_TCP)
		return -1;
	return f[pkt.inner_l4_off] << 8 | f[pkt.inner_l4_off + 1];
}

static int differs(const struct tcase *c, long *at)
{
	*at = -1;
	if (c->refused)
		return 1;
	return frames_segments_differ(c->segs, c->nexp, &c->got, c->partial, at);
}

static void take_segment(void *arg, const uint8_t *f, size_t flen, const struct segoff_vnet_hdr *vh)
{
	int sport = inner_sport(f, flen);
	if (sport < SPORT_BASE || sport >= SPORT_BASE + (int)*(unsigned *)arg)
		return; /* not ours */
	struct tcase *c = &cases[sport - SPORT_BASE];
	frames_add(&c->got, f, flen, vh);
}

static void run_batch(struct lab *lab, struct rng *r, unsigned n)
{
	int partial = rng_range(r, 0, 2) == 0;
	if (segoff_tap_set_offload(lab->fdb, partial ? SEGOFF_TUN_F_CSUM : 0) < 0)
		lab_die("TUNSETOFFLOAD on B");
	for (unsigned i = 0; i < n; i++) {
		struct tcase *c = &cases[i];
		while (!make_case(c, r, i, partial))
			;
		expect(c);
		frames_clear(&c->got);
		uint8_t vb[SEGOFF_VNET_HDR_LEN];
		segoff_vnet_encode(&c->vh, vb, sizeof(vb));
		struct iovec iov[2] = { { vb, sizeof(vb) }, { c->frame, c->len } };
		if (writev(lab->fda, iov, 2) < 0)
			lab_die("writev to TAP A");
	}
	lab_drain(lab->fdb, SEGOFF_VNET_HDR_LEN, 3, 20, take_segment, &n);
	for (unsigned i = 0; i < n; i++) {
		struct tcase *c = &cases[i];
		long at;
		int bad = differs(c, &at);
		total_cases++;
		kernel_frames += c->got.n;
		for (unsigned k = 0; k < NR_CLASSES; k++)
			if (c->classes & (1u << k)) {
				class_cases[k]++;
				class_fail[k] += (unsigned)bad;
			}
		if (!bad)
			continue;
		total_mismatch++;
		if (printed_mismatch++ < 5) {
			fprintf(stderr, "  MISMATCH %s: segoff %s/%u frames, kernel %u frames\n", c->what,
				c->refused ? segoff_error_name(c->refused) : "ok", c->nexp, c->got.n);
			if (at >= 0) {
				char what[96];
				snprintf(what, sizeof(what), "segment %ld (kernel flags=%u start=%u, segoff start=%u)", at,
					 c->got.f[at].vh.flags, c->got.f[at].vh.csum_start, c->segs[at].csum_start);
				hexdiff(what, c->segs[at].head, c->segs[at].len, c->got.f[at].data, c->got.f[at].len);
			}
		}
	}
}

/* The encapsulating program on B's egress, through tc (a child process
 * inherits the lab's network namespace). */
static void attach_program(const struct lab *lab)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	char obj[512], cmd[1200];
	snprintf(obj, sizeof(obj), "%s/tests/ip_tunnel_encap.bpf.o", build);
	if (access(obj, R_OK) != 0)
		lab_die(obj);
	snprintf(cmd, sizeof(cmd),
		 "tc qdisc add dev %s clsact && tc filter add dev %s egress bpf direct-action obj %s sec tc",
		 lab->b, lab->b, obj);
	if (system(cmd) != 0) {
		fprintf(stderr, "lab: %s failed\n", cmd);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	unsigned want = argc > 1 ? (unsigned)atoi(argv[1]) : 600;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!lab_can_run("KERNEL GRE AND IP-IN-IP GSO DIFFERENTIAL TEST")) {
		int ci = getenv("CI") != NULL;
		printf("kernel_ip_tunnel_gso_diff: 0 passed, %d failed\n", ci);
		return ci;
	}
	for (unsigned i = 0; i < BATCH; i++)
		cases[i].exp_buf = malloc(EXP_CAP);
	for (unsigned i = 0; i < BATCH; i++)
		frames_init(&cases[i].got, MAX_SEGS);
	struct lab lab;
	lab_up_vnet(&lab, 0, SEGOFF_VNET_HDR_LEN, SEGOFF_VNET_HDR_LEN, 0, 0, 0);
	attach_program(&lab);
	struct rng r = { check_seed() };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (total_cases < want)
		run_batch(&lab, &r, want - total_cases < BATCH ? want - total_cases : BATCH);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	unsigned passed = 0, failed = lab_report_classes(class_names, class_cases, class_fail, NR_CLASSES, &passed);
	printf("  %u random GRE and IP-in-IP super-packets against Linux in %.1f s (MSS %u to %u): the kernel sent "
	       "%lu segments; %u mismatches\n", total_cases, secs, mss_min, mss_max, kernel_frames, total_mismatch);
	if (kernel_frames == 0)
		failed++;
	printf("kernel_ip_tunnel_gso_diff: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
