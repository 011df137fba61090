// SPDX-License-Identifier: MIT
/*
 * Kernel differential test for UDP tunnel segmentation (VXLAN, Geneve): the
 * running kernel is the oracle [E1-E4].
 *
 * The lab of the other differentials, with TAP A's virtio header in its
 * 24-byte tunnel form (EV1): a tunnel super-packet written into A carries
 * gso_type = inner type | UDP_TUNNEL_IPV4/IPV6, the outer checksum flag,
 * and the outer transport and inner network offsets. The bridge hands it to
 * TAP B, which has no tunnel offload, so the kernel segments it in software
 * (skb_udp_tunnel_segment). B negotiates nothing (every checksum written:
 * inner, and outer where asked) or only TUN_F_CSUM (the inner checksum stays
 * partial for B to complete, the outer one is still written, E4); each
 * batch draws one. What B reads is compared byte for byte with
 * segoff_gso_copy() of the same packet, and B's checksum offsets with the
 * segments' descriptors.
 *
 * Cases: VXLAN or Geneve (with 0 to 64 bytes of options), IPv4 or IPv6
 * outer (with 0 to 2 VLAN tags), IPv4 or IPv6 inner (VLAN tags, IP and TCP
 * options, IPv6 extension headers), with no outer checksum (the field 0,
 * or not 0 and copied), or with one (the field the pseudo-header sum of the
 * whole, or a lying value the kernel trusts), MSS from 48 to 9000 with runs
 * up to the 64 KB limit. The outer UDP source port names the case (a VXLAN
 * sender chooses it, E9). Never a packet whose payload is not larger than
 * the MSS: that traps this kernel (E7).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
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

#define MAX_FRAME (65536 + 64)
#define BATCH 32
#define MAX_SEGS 1400
#define SPORT_BASE 40000
#define EXP_CAP (2 * MAX_FRAME + MAX_SEGS * 320)

enum case_class {
	CLASS_VXLAN4, CLASS_VXLAN6, CLASS_GENEVE4, CLASS_GENEVE6, CLASS_OUTER_CSUM, CLASS_NO_OUTER_CSUM,
	CLASS_LYING_OUTER_SEED, CLASS_COPIED_OUTER_FIELD, CLASS_INNER_PARTIAL, CLASS_MSS_EDGES, CLASS_EV3_LIES,
	NR_CLASSES
};
static const char *const class_names[NR_CLASSES] = {
	"tunnel_gso_vxlan_ipv4_outer_matches_kernel", "tunnel_gso_vxlan_ipv6_outer_matches_kernel",
	"tunnel_gso_geneve_ipv4_outer_matches_kernel", "tunnel_gso_geneve_ipv6_outer_matches_kernel",
	"E3_outer_checksum_per_segment_matches_kernel", "E3_no_outer_checksum_matches_kernel",
	"E3_lying_outer_seed_is_trusted_as_the_kernel_trusts_it", "E3_nonzero_field_without_csum_is_copied",
	"E4_outer_checksum_written_while_inner_stays_partial", "tunnel_gso_mss_48_to_9000_matches_kernel",
	"EV3_lying_tunnel_headers_refused_as_the_kernel_refuses_them",
};

struct tcase {
	int partial;                /* B completes the inner checksum */
	unsigned classes;           /* bit per class the case belongs to */
	uint8_t frame[MAX_FRAME];
	size_t len;
	struct segoff_vnet_hdr vh;
	char what[160];
	int write_einval;           /* the kernel refused the write itself */
	/* segoff's answer */
	int refused;
	unsigned nexp;
	uint8_t *exp_buf;
	struct segoff_seg segs[MAX_SEGS];
	/* the kernel's answer */
	struct frames got;      /* the kernel's answer: segments and their headers */
};

static struct tcase cases[BATCH];
static unsigned class_cases[NR_CLASSES], class_fail[NR_CLASSES];
static unsigned total_cases, total_mismatch, printed_mismatch;
static unsigned long kernel_frames;
static unsigned mss_min = ~0u, mss_max;

/* Builds one case and its 24-byte header; returns 0 if the drawn shape does
 * not fit the 64 KB limit (the caller draws again). */
static int make_case(struct tcase *c, struct rng *r, unsigned idx, int partial)
{
	c->classes = 0;
	c->partial = partial;
	int geneve = rng_range(r, 0, 99) < 40, outer6 = rng_range(r, 0, 1);
	unsigned optlen = geneve ? 4 * rng_range(r, 0, 16) : 0;
	unsigned mss = lab_pick_mss(r);

	/* the inner frame: a TCP super-packet with a partial checksum */
	struct pktgen_spec in;
	pktgen_random(&in, r, 1, 1);
	in.csum = PKTGEN_CSUM_PSEUDO;
	in.pad = 0;
	size_t thl = 8 + optlen;
	size_t outer_hdr = 14 + 4 * 2 + (outer6 ? 40 : 20) + 8;
	size_t room = 65535 - (outer_hdr - 14) - thl - pktgen_hdr_len(&in); /* the outer IP packet's limit */
	if (room <= mss + 1)
		return 0;
	unsigned most = (unsigned)(room < 64000 ? room : 64000);
	unsigned v = rng_range(r, 0, 99);
	if (v < 30)
		in.payload_len = rng_range(r, mss + 1, mss * 3 < most ? mss * 3 : most);
	else if (v < 50)
		in.payload_len = most - rng_range(r, 0, most / 100 + 1); /* up to the limit */
	else
		in.payload_len = rng_range(r, mss + 1, most);
	if (in.payload_len <= mss)
		in.payload_len = mss + 1;

	/* the outer packet: UDP to the tunnel's port, from the case's port */
	struct pktgen_spec out;
	pktgen_random(&out, r, 1, 1);
	out.ipv6 = outer6;
	out.nr_ip6_ext = 0;
	out.ip4_optlen = 0;
	out.pad = 0;
	out.sport = (uint16_t)(SPORT_BASE + idx);
	out.dport = geneve ? SEGOFF_GENEVE_PORT : SEGOFF_VXLAN_PORT;
	unsigned cv = rng_range(r, 0, 99);
	int outer_csum = cv < 55;
	out.csum = outer_csum ? PKTGEN_CSUM_PSEUDO : PKTGEN_CSUM_ZERO;
	c->len = pktgen_build_tunnel(&out, geneve ? PKTGEN_GENEVE : PKTGEN_VXLAN, (uint32_t)rng_next(r) & 0xffffff,
				     optlen, rng_next(r), &in, c->frame, sizeof(c->frame));
	if (!c->len || c->len > MAX_FRAME - 64)
		return 0;
	out.udp = 1;
	size_t uh = pktgen_l4_off(&out);
	if (outer_csum && cv < 12) {
		/* a lying seed: the kernel takes the field as it is [E3] */
		c->frame[uh + 6] = (uint8_t)rng_next(r);
		c->frame[uh + 7] = (uint8_t)rng_next(r);
		c->classes |= 1u << CLASS_LYING_OUTER_SEED;
	} else if (!outer_csum && cv > 90) {
		/* no outer checksum, but a field that is not 0: copied [E3] */
		c->frame[uh + 6] = (uint8_t)(rng_next(r) | 1);
		c->classes |= 1u << CLASS_COPIED_OUTER_FIELD;
	}

	size_t inner_nh = uh + 8 + thl + pktgen_l3_off(&in), inner_th = uh + 8 + thl + pktgen_l4_off(&in);
	c->vh = (struct segoff_vnet_hdr){
		.flags = SEGOFF_VNET_F_NEEDS_CSUM | (outer_csum ? SEGOFF_VNET_F_UDP_TUNNEL_CSUM : 0),
		.gso_type = (uint8_t)((in.ipv6 ? SEGOFF_VNET_GSO_TCPV6 : SEGOFF_VNET_GSO_TCPV4) |
				      (outer6 ? SEGOFF_VNET_GSO_UDP_TUNNEL_IPV6 : SEGOFF_VNET_GSO_UDP_TUNNEL_IPV4)),
		.hdr_len = (uint16_t)(uh + 8 + thl + pktgen_hdr_len(&in)),
		.gso_size = (uint16_t)mss,
		.csum_start = (uint16_t)inner_th,
		.csum_offset = 16,
		.outer_th_offset = (uint16_t)uh,
		.inner_nh_offset = (uint16_t)inner_nh,
	};
	c->classes |= 1u << (geneve ? (outer6 ? CLASS_GENEVE6 : CLASS_GENEVE4) : (outer6 ? CLASS_VXLAN6 : CLASS_VXLAN4));
	c->classes |= 1u << (outer_csum ? CLASS_OUTER_CSUM : CLASS_NO_OUTER_CSUM);
	if (partial)
		c->classes |= 1u << CLASS_INNER_PARTIAL;
	if (mss <= 64 || mss >= 8948 || mss == 1448 || mss == 536)
		c->classes |= 1u << CLASS_MSS_EDGES;
	/* one case in ten: a lie of the tunnel part of the header, which the
	 * kernel refuses at write (EV3) */
	if (rng_range(r, 0, 9) == 0) {
		c->classes = 1u << CLASS_EV3_LIES;
		switch (rng_range(r, 0, 6)) {
		case 0: c->vh.gso_type |= SEGOFF_VNET_GSO_UDP_TUNNEL_IPV4 | SEGOFF_VNET_GSO_UDP_TUNNEL_IPV6; break;
		case 1: c->vh.gso_type &= SEGOFF_VNET_GSO_UDP_TUNNEL_IPV4 | SEGOFF_VNET_GSO_UDP_TUNNEL_IPV6; break;
		case 2: c->vh.gso_type = (uint8_t)((c->vh.gso_type & 0x60) | SEGOFF_VNET_GSO_UDP); break;
		case 3: c->vh.flags &= (uint8_t)~SEGOFF_VNET_F_NEEDS_CSUM; break;
		case 4: c->vh.outer_th_offset = (uint16_t)(14 + (outer6 ? 40 : 20) - rng_range(r, 1, 14)); break;
		case 5: c->vh.inner_nh_offset = (uint16_t)(c->vh.outer_th_offset + rng_range(r, 0, 7)); break;
		default: c->vh.inner_nh_offset = (uint16_t)(c->vh.csum_start - rng_range(r, 1, 19)); break;
		}
	}
	mss_min = mss < mss_min ? mss : mss_min;
	mss_max = mss > mss_max ? mss : mss_max;
	snprintf(c->what, sizeof(c->what),
		 "%s optlen=%u outer=v%d vlan=%u csum=%s inner=v%d vlan=%u ip4opt=%u ext=%u tcpopt=%u payload=%u "
		 "mss=%u %s", geneve ? "geneve" : "vxlan", optlen, outer6 ? 6 : 4, out.nr_vlan,
		 outer_csum ? "yes" : "no", in.ipv6 ? 6 : 4, in.nr_vlan, in.ip4_optlen, in.nr_ip6_ext, in.tcp_optlen,
		 in.payload_len, mss, partial ? "inner partial" : "all checksums");
	return 1;
}

/* segoff's answer: the packet as the 24-byte header describes it. */
static void expect(struct tcase *c)
{
	c->nexp = 0;
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, c->frame, c->len, NULL, 0);
	int err = segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
	if (!err)
		err = segoff_vnet_to_pkt(&c->vh, &pkt);
	if (!err) {
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

static int outer_sport(const uint8_t *f, size_t len)
{
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, f, len, NULL, 0);
	if (segoff_parse_ports(&pkt, SEGOFF_PROTO_ETH, 0, NULL) < 0 || pkt.l4_proto != SEGOFF_PROTO_UDP)
		return -1;
	return f[pkt.l4_off] << 8 | f[pkt.l4_off + 1];
}

static int differs(const struct tcase *c, long *at)
{
	*at = -1;
	/* a lie: refused at write by the kernel, by name by segoff, nothing sent */
	if (c->classes & (1u << CLASS_EV3_LIES))
		return !c->write_einval || c->got.n || !c->refused;
	if (c->refused || c->write_einval)
		return 1;
	return frames_segments_differ(c->segs, c->nexp, &c->got, c->partial, at);
}

/* A segment from B, to the case its outer source port names (*arg cases in
 * the batch), with its header. */
static void take_segment(void *arg, const uint8_t *f, size_t flen, const struct segoff_vnet_hdr *vh)
{
	int sport = outer_sport(f, flen);
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
		uint8_t vb[SEGOFF_VNET_HDR_TUNNEL_LEN];
		segoff_vnet_encode(&c->vh, vb, sizeof(vb));
		struct iovec iov[2] = { { vb, sizeof(vb) }, { c->frame, c->len } };
		c->write_einval = 0;
		if (writev(lab->fda, iov, 2) < 0) {
			if (errno != EINVAL)
				lab_die("writev to TAP A");
			c->write_einval = 1;
		}
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

int main(int argc, char **argv)
{
	unsigned want = argc > 1 ? (unsigned)atoi(argv[1]) : 1000;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!lab_can_run("KERNEL TUNNEL GSO DIFFERENTIAL TEST")) {
		int ci = getenv("CI") != NULL;
		printf("kernel_tunnel_gso_diff: 0 passed, %d failed\n", ci);
		return ci;
	}
	for (unsigned i = 0; i < BATCH; i++)
		cases[i].exp_buf = malloc(EXP_CAP);
	for (unsigned i = 0; i < BATCH; i++)
		frames_init(&cases[i].got, MAX_SEGS);
	/* A takes tunnel GSO frames with the 24-byte header; B has no tunnel
	 * offload, so the kernel segments in software before B. */
	struct lab lab;
	lab_up_vnet(&lab, 0, SEGOFF_VNET_HDR_TUNNEL_LEN, SEGOFF_VNET_HDR_LEN, 0, 0, 0);
	struct rng r = { check_seed() };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (total_cases < want)
		run_batch(&lab, &r, want - total_cases < BATCH ? want - total_cases : BATCH);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	unsigned passed = 0, failed = lab_report_classes(class_names, class_cases, class_fail, NR_CLASSES, &passed);
	printf("  %u random tunnel super-packets against Linux in %.1f s (MSS %u to %u): the kernel sent %lu "
	       "segments; %u mismatches\n", total_cases, secs, mss_min, mss_max, kernel_frames, total_mismatch);
	if (kernel_frames == 0)
		failed++; /* nothing came back: nothing was compared */
	printf("kernel_tunnel_gso_diff: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
