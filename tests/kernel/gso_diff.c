// SPDX-License-Identifier: MIT
/*
 * Kernel differential test for TCP segmentation: the running kernel is the
 * oracle.
 *
 * In a network namespace of its own (unshare(CLONE_NEWNET): it vanishes with
 * the process, so nothing can be left behind even on a crash), a bridge joins
 * TAP A and TAP B. B negotiates no offloads (TUNSETOFFLOAD 0), so the kernel
 * must segment and checksum in software before handing frames to B. Random
 * super-packets with a virtio_net_hdr are written into A; what B reads is
 * compared byte for byte with what segoff makes of the same bytes and header
 * (segoff_vnet_to_pkt, then segoff_gso_copy with full checksums, or
 * segoff_csum_complete for a packet too small to segment, or nothing where
 * either refuses).
 *
 * Each case uses its own TCP source port, so B's frames are grouped by case
 * even if the kernel drops or reorders. Skips only without root or
 * /dev/net/tun, loudly; with CI set it fails instead of skipping.
 *
 * With --tun, the L3 variant [L1] (kernel_tun_gso_diff): the same cases as
 * IP packets written into TUN A, which the namespace forwards out of TUN B
 * (no offloads): the kernel decrements TTL (IPv4, its checksum updated the
 * kernel's incremental way) or hop limit on the super-packet, then
 * segments it for B. segoff gets the same packet with the same decrement,
 * parsed as an IP packet, and must give B's packets byte for byte. No VLAN
 * class (a TUN has no link header).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <segoff/segoff.h>
#include <segoff/tap.h>
#include "check.h"
#include "pktgen.h"
#include "lab.h"

#define MAX_FRAME (65536 + 64)
#define BATCH 32
#define MAX_SEGS 256
#define SPORT_BASE 20000

enum case_class {
	CLASS_TCP4, CLASS_TCP6, CLASS_VLAN, CLASS_TCP_OPTIONS, CLASS_IP_OPTIONS, CLASS_IPV6_EXT,
	CLASS_EDGE_SIZES, CLASS_NO_NEEDS_CSUM, CLASS_LYING_CSUM, CLASS_LYING_VNET, CLASS_ZERO_CSUM,
	CLASS_PLAIN_PARTIAL, CLASS_USO, CLASS_USO_LYING, NR_CLASSES
};
static const char *const class_names[NR_CLASSES] = {
	"gso_tcp4_matches_kernel", "gso_tcp6_matches_kernel", "gso_vlan_tags_match_kernel",
	"gso_tcp_options_match_kernel", "gso_ipv4_options_match_kernel", "gso_ipv6_exthdrs_match_kernel",
	"gso_k_mss_edges_match_kernel", "gso_without_needs_csum_matches_kernel",
	"gso_lying_partial_sum_matches_kernel", "vnet_refusals_match_kernel",
	"gso_zero_checksum_matches_kernel", "plain_partial_csum_matches_kernel", "uso_matches_kernel",
	"uso_lying_header_matches_kernel",
};

struct tcase {
	enum case_class cls;
	struct pktgen_spec spec;
	struct segoff_vnet_hdr vh;
	uint8_t frame[MAX_FRAME];
	size_t len;
	/* segoff's answer */
	int refused;                /* error code, or 0 */
	unsigned nexp;
	uint8_t *exp_buf;
	struct segoff_seg segs[MAX_SEGS];
	/* the kernel's answer */
	unsigned ngot;
	uint8_t *got[MAX_SEGS];
	size_t got_len[MAX_SEGS];
};

static struct tcase cases[BATCH];
static int l3;                  /* --tun: IP packets through forwarding TUNs */
static const unsigned eth_removed[2] = { 0, 14 }; /* by l3: pktgen's offsets less these */
static unsigned class_cases[NR_CLASSES], class_fail[NR_CLASSES];
static unsigned total_cases, total_mismatch, printed_mismatch;
static unsigned long kernel_frames, kernel_refusals, zero_checksums;

/* --- building cases --- */

static unsigned pick_mss(struct rng *r)
{
	unsigned v = rng_range(r, 0, 99);
	if (v < 50)
		return rng_range(r, 536, 1460);
	if (v < 75)
		return rng_range(r, 1, 535);
	return rng_range(r, 1461, 9000);
}

static void make_case(struct tcase *c, struct rng *r, unsigned idx)
{
	unsigned v = rng_range(r, 0, 99);
	struct pktgen_spec *s = &c->spec;
	unsigned mss = pick_mss(r);
	pktgen_random(s, r, 1, 1);
	s->sport = (uint16_t)(SPORT_BASE + idx);
	if (l3) {
		s->nr_vlan = 0; /* a TUN packet has no link header */
		/* a forwarding kernel drops packets with a hop-by-hop header
		 * here (a router's rule, not segmentation's): routing and
		 * destination options headers instead */
		for (unsigned i = 0; i < s->nr_ip6_ext; i++)
			if (s->ip6_ext_type[i] == 0)
				s->ip6_ext_type[i] = 60;
	}
	/* Class first, then the shape it asks for. */
	enum case_class cls;
	if (v >= 85)
		cls = v >= 95 ? CLASS_USO_LYING : CLASS_USO;
	else if (v < 4)
		cls = CLASS_LYING_VNET;
	else if (v < 8)
		cls = CLASS_ZERO_CSUM;
	else if (v < 11)
		cls = CLASS_PLAIN_PARTIAL;
	else if (v < 19)
		cls = CLASS_NO_NEEDS_CSUM;
	else if (v < 27)
		cls = CLASS_LYING_CSUM;
	else if (v < 45)
		cls = CLASS_EDGE_SIZES;
	else if (s->nr_vlan)
		cls = CLASS_VLAN;
	else if (s->ipv6 && s->nr_ip6_ext)
		cls = CLASS_IPV6_EXT;
	else if (!s->ipv6 && s->ip4_optlen)
		cls = CLASS_IP_OPTIONS;
	else if (s->tcp_optlen != 12 && s->tcp_optlen)
		cls = CLASS_TCP_OPTIONS;
	else
		cls = s->ipv6 ? CLASS_TCP6 : CLASS_TCP4;
	c->cls = cls;

	if (cls == CLASS_USO || cls == CLASS_USO_LYING)
		s->udp = 1;
	if (l3 && s->ttl < 2)
		s->ttl = 2; /* forwarded: one less, and never expired */
	size_t hdr = pktgen_hdr_len(s);
	unsigned max_k = (unsigned)((65535 - (hdr - pktgen_l3_off(s))) / mss);
	if (s->udp && max_k > 128)
		max_k = 128; /* UDP_MAX_SEGMENTS */
	if (max_k > 200)
		max_k = 200;
	if (max_k < 1)
		max_k = 1;
	unsigned k = rng_range(r, 1, max_k);
	if (cls == CLASS_EDGE_SIZES) {
		int d = (int)rng_range(r, 0, 2) - 1; /* k*mss-1, k*mss, k*mss+1 */
		long pl = (long)k * mss + d;
		if (pl < 1)
			pl = 1;
		if (pl + (long)(hdr - pktgen_l3_off(s)) > 65535)
			pl = (long)k * mss;
		s->payload_len = (uint32_t)pl;
	} else if (cls == CLASS_PLAIN_PARTIAL) {
		s->payload_len = rng_range(r, 1, mss); /* too small to segment */
	} else {
		uint32_t lo = mss + 1, hi = k * mss;
		if (hi < lo)
			hi = lo;
		if (hi + (hdr - pktgen_l3_off(s)) > 65535)
			hi = (uint32_t)(65535 - (hdr - pktgen_l3_off(s)));
		s->payload_len = rng_range(r, lo < hi ? lo : hi, hi);
	}
	s->csum = cls == CLASS_LYING_CSUM || cls == CLASS_USO_LYING
			  ? (rng_range(r, 0, 1) ? PKTGEN_CSUM_GARBAGE : PKTGEN_CSUM_ZERO)
	       : cls == CLASS_NO_NEEDS_CSUM ? PKTGEN_CSUM_GARBAGE
					    : PKTGEN_CSUM_PSEUDO;
	c->len = pktgen_build(s, c->frame, sizeof(c->frame));
	if (cls == CLASS_USO_LYING && rng_range(r, 0, 1)) {
		/* a UDP length field that lies: the kernel adjusts the sum by it */
		size_t l4 = pktgen_l4_off(s);
		uint16_t fake = (uint16_t)rng_next(r);
		c->frame[l4 + 4] = (uint8_t)(fake >> 8);
		c->frame[l4 + 5] = (uint8_t)fake;
	}

	struct segoff_vnet_hdr *h = &c->vh;
	memset(h, 0, sizeof(*h));
	size_t l4 = pktgen_l4_off(s);
	h->flags = cls == CLASS_NO_NEEDS_CSUM ? 0 : SEGOFF_VNET_F_NEEDS_CSUM;
	h->gso_type = s->ipv6 ? SEGOFF_VNET_GSO_TCPV6 : SEGOFF_VNET_GSO_TCPV4;
	if (rng_range(r, 0, 3) == 0)
		h->gso_type |= SEGOFF_VNET_GSO_ECN;
	if (s->udp) {
		h->gso_type = SEGOFF_VNET_GSO_UDP_L4;
		h->flags = SEGOFF_VNET_F_NEEDS_CSUM; /* required for UDP_L4 */
	}
	h->gso_size = (uint16_t)mss;
	h->hdr_len = (uint16_t)pktgen_hdr_len(s);
	h->csum_start = h->flags ? (uint16_t)l4 : 0;
	h->csum_offset = h->flags ? (s->udp ? 6 : 16) : 0;
	if (cls == CLASS_LYING_VNET) {
		switch (rng_range(r, 0, 6)) {
		case 0: h->csum_offset = (uint16_t)rng_range(r, 0, 15); break;  /* not TCP's check */
		case 1: h->csum_start = (uint16_t)(c->len + rng_range(r, 0, 9)); break; /* beyond */
		case 2: h->gso_size = 0; break;
		case 3: h->gso_type = s->ipv6 ? SEGOFF_VNET_GSO_TCPV4 : SEGOFF_VNET_GSO_TCPV6; break;
		case 4: h->gso_type = SEGOFF_VNET_GSO_ECN; break;                /* NONE|ECN */
		case 5: h->gso_type = (uint8_t)rng_range(r, 6, 0x7f); break;     /* unknown */
		case 6: h->csum_start = (uint16_t)(l4 + 2); break;               /* not at TCP */
		}
	}
	if (l3) {
		/* the same packet without its Ethernet header; offsets from IP */
		memmove(c->frame, c->frame + 14, c->len - 14);
		c->len -= 14;
		h->hdr_len = (uint16_t)(h->hdr_len - 14);
		if (h->csum_start >= 14)
			h->csum_start = (uint16_t)(h->csum_start - 14);
	}
}

/* segoff's answer for a case. */
static void expect(struct tcase *c)
{
	c->nexp = 0;
	c->refused = 0;
	struct segoff_pkt pkt;
	static uint8_t fwd[MAX_FRAME];
	const uint8_t *in = c->frame;
	if (l3 && c->len >= 20) {
		memcpy(fwd, c->frame, c->len);
		lab_forward_ttl(fwd); /* forwarding does it before it segments */
		in = fwd;
	}
	struct segoff_tunnel_ports ports;
	segoff_tunnel_ports_init(&ports);
	segoff_pkt_init(&pkt, in, c->len, NULL, 0);
	int err = segoff_parse_link(&pkt, l3 ? SEGOFF_LINK_IP : SEGOFF_LINK_ETH, &ports);
	if (!err)
		err = segoff_vnet_to_pkt(&c->vh, &pkt);
	if (!err && pkt.gso_size) {
		struct segoff_gso_params p;
		segoff_gso_params_init(&p);
		int n = segoff_gso_copy(&pkt, &p, c->exp_buf, 2 * MAX_FRAME + MAX_SEGS * 256, c->segs, MAX_SEGS);
		if (n < 0)
			err = n;
		else
			c->nexp = (unsigned)n;
	} else if (!err) {
		memcpy(c->exp_buf, in, c->len);
		if (pkt.csum_state == SEGOFF_CSUM_PARTIAL)
			err = segoff_csum_complete(c->exp_buf, c->len, pkt.csum_start, pkt.csum_offset);
		c->segs[0] = (struct segoff_seg){ .head = c->exp_buf, .len = (uint32_t)c->len };
		c->nexp = err ? 0 : 1;
	}
	c->refused = err;
}

/* Make a TCP checksum come out as 0x0000: add the current check value to the
 * first payload word of the last segment (one's complement), which moves
 * that segment's sum to 0xffff and leaves the others alone. A segment keeps
 * 0x0000 [T7]; a plain packet completed by skb_checksum_help gets 0xffff.
 * Returns 1 if the expected output now holds such a checksum. */
static int force_zero_checksum(struct tcase *c)
{
	if (c->refused || c->nexp == 0)
		return 0;
	struct segoff_seg *last = &c->segs[c->nexp - 1];
	size_t l4 = pktgen_l4_off(&c->spec) - eth_removed[l3], hdr = pktgen_hdr_len(&c->spec) - eth_removed[l3];
	if (last->len - hdr < 2)
		return 0;
	uint16_t check = (uint16_t)(last->head[l4 + 16] << 8 | last->head[l4 + 17]);
	size_t pos = c->len - (last->len - hdr); /* first payload byte of the last segment */
	uint32_t w = (uint32_t)(c->frame[pos] << 8 | c->frame[pos + 1]) + check;
	w = (w & 0xffff) + (w >> 16);
	c->frame[pos] = (uint8_t)(w >> 8);
	c->frame[pos + 1] = (uint8_t)w;
	expect(c);
	if (c->refused || c->nexp == 0)
		return 0;
	last = &c->segs[c->nexp - 1];
	uint16_t now = (uint16_t)(last->head[l4 + 16] << 8 | last->head[l4 + 17]);
	return now == (c->nexp > 1 ? 0x0000 : 0xffff);
}

static int frame_sport(const uint8_t *f, size_t len)
{
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, f, len, NULL, 0);
	if (segoff_parse_link(&pkt, l3 ? SEGOFF_LINK_IP : SEGOFF_LINK_ETH, NULL) < 0 ||
	    (pkt.l4_proto != SEGOFF_PROTO_TCP && pkt.l4_proto != SEGOFF_PROTO_UDP))
		return -1;
	return f[pkt.l4_off] << 8 | f[pkt.l4_off + 1];
}

/* A frame from B, to the case its source port names (*arg cases in the batch). */
static void take_segment(void *arg, const uint8_t *f, size_t flen, const struct segoff_vnet_hdr *vh)
{
	(void)vh;
	int sport = frame_sport(f, flen);
	if (sport < SPORT_BASE || sport >= SPORT_BASE + (int)*(unsigned *)arg)
		return; /* not ours */
	struct tcase *c = &cases[sport - SPORT_BASE];
	if (c->ngot < MAX_SEGS) {
		c->got[c->ngot] = malloc(flen);
		memcpy(c->got[c->ngot], f, flen);
		c->got_len[c->ngot++] = flen;
	}
}

static void run_batch(int fda, int fdb, struct rng *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct tcase *c = &cases[i];
		make_case(c, r, i);
		expect(c);
		if (c->cls == CLASS_ZERO_CSUM || (c->cls == CLASS_PLAIN_PARTIAL && rng_range(r, 0, 1)))
			zero_checksums += (unsigned long)force_zero_checksum(c);
		uint8_t vb[SEGOFF_VNET_HDR_LEN];
		segoff_vnet_encode(&c->vh, vb, sizeof(vb));
		struct iovec iov[2] = { { vb, sizeof(vb) }, { c->frame, c->len } };
		ssize_t w = writev(fda, iov, 2);
		/* The kernel refusing the write itself (EINVAL) is a refusal too. */
		if (w < 0 && errno != EINVAL)
			lab_die("writev to TAP A");
		for (unsigned k = 0; k < c->ngot; k++)
			free(c->got[k]);
		c->ngot = 0;
	}
	/* Forwarding is synchronous in write(), but allow for softirq deferral. */
	lab_drain(fdb, SEGOFF_VNET_HDR_LEN, 3, 20, take_segment, &n);
	for (unsigned i = 0; i < n; i++) {
		struct tcase *c = &cases[i];
		int bad = c->ngot != c->nexp;
		long at = -1;
		for (unsigned k = 0; !bad && k < c->nexp; k++) {
			if (c->got_len[k] != c->segs[k].len || memcmp(c->got[k], c->segs[k].head, c->got_len[k]) != 0) {
				bad = 1;
				at = k;
			}
		}
		class_cases[c->cls]++;
		total_cases++;
		kernel_frames += c->ngot;
		kernel_refusals += c->ngot == 0;
		if (!bad)
			continue;
		class_fail[c->cls]++;
		total_mismatch++;
		if (printed_mismatch++ < 5) {
			const struct pktgen_spec *s = &c->spec;
			fprintf(stderr,
				"  MISMATCH %s: ipv6=%d vlan=%u ip4opt=%u ext=%u tcpopt=%u flags=0x%02x payload=%u "
				"mss=%u vnet{flags=%u type=0x%02x start=%u off=%u} segoff=%s/%u frames, kernel %u frames\n",
				class_names[c->cls], s->ipv6, s->nr_vlan, s->ip4_optlen, s->nr_ip6_ext, s->tcp_optlen,
				s->tcp_flags, s->payload_len, c->vh.gso_size, c->vh.flags, c->vh.gso_type,
				c->vh.csum_start, c->vh.csum_offset, c->refused ? segoff_error_name(c->refused) : "ok",
				c->nexp, c->ngot);
			if (at >= 0) {
				char what[64];
				snprintf(what, sizeof(what), "segment %ld", at);
				hexdiff(what, c->segs[at].head, c->segs[at].len, c->got[at], c->got_len[at]);
			}
		}
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--tun") == 0) {
		l3 = 1;
		argc--;
		argv++;
	}
	const char *suite = l3 ? "kernel_tun_gso_diff" : "kernel_gso_diff";
	unsigned want = argc > 1 ? (unsigned)atoi(argv[1]) : 2000;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!lab_can_run(l3 ? "KERNEL GSO DIFFERENTIAL TEST THROUGH TUN" : "KERNEL GSO DIFFERENTIAL TEST")) {
		int ci = getenv("CI") != NULL;
		printf("%s: 0 passed, %d failed\n", suite, ci);
		return ci;
	}
	for (unsigned i = 0; i < BATCH; i++)
		cases[i].exp_buf = malloc(2 * MAX_FRAME + MAX_SEGS * 256);
	/* A accepts GSO frames whatever it advertises; B negotiates nothing, so
	 * the kernel segments and checksums in software before B. */
	struct lab lab;
	if (l3)
		lab_up_tun(&lab, 0, 0, 0);
	else
		lab_up(&lab, 0, SEGOFF_TUN_F_CSUM | SEGOFF_TUN_F_TSO4 | SEGOFF_TUN_F_TSO6, 0, 0);
	int fda = lab.fda, fdb = lab.fdb;
	struct rng r = { check_seed() };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (total_cases < want)
		run_batch(fda, fdb, &r, want - total_cases < BATCH ? want - total_cases : BATCH);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* the VLAN class has no L3 form: it is not reported there */
	const char *names[NR_CLASSES];
	unsigned ncases[NR_CLASSES], nfail[NR_CLASSES], nr = 0;
	for (unsigned k = 0; k < NR_CLASSES; k++)
		if (!(l3 && k == CLASS_VLAN)) {
			names[nr] = class_names[k];
			ncases[nr] = class_cases[k];
			nfail[nr++] = class_fail[k];
		}
	unsigned passed = 0, failed = lab_report_classes(names, ncases, nfail, nr, &passed);
	printf("  %u random cases against Linux in %.1f s: the kernel sent %lu frames and refused %lu cases; "
	       "%u mismatches\n", total_cases, secs, kernel_frames, kernel_refusals, total_mismatch);
	printf("  %lu of them built to checksum to zero (0x0000 kept on segments, 0xffff on completed plain "
	       "packets)\n", zero_checksums);
	/* A run in which the kernel delivered nothing compared nothing; one
	 * without zero checksums did not test them. */
	if (kernel_frames == 0 || (want >= 500 && zero_checksums == 0))
		failed++;
	printf("%s: %u passed, %u failed\n", suite, passed, failed);
	close(fda);
	close(fdb);
	return failed ? 1 : 0;
}
