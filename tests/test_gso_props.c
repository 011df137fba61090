// SPDX-License-Identifier: MIT
/* Property tests, seeded (the seed is printed): random header shapes,
 * payloads 1..65535, MSS 1..9000, payload scattered over random slices.
 * For every input: the segments' payloads concatenate to the input's; no
 * segment carries more than MSS; every checksum verifies (by the byte-wise
 * reference); zero-copy and copy outputs are identical; a partial output
 * holds each segment's pseudo-header sum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <segoff/segoff.h>
#include "check.h"
#include "pktgen.h"

#define MAX_SEGS 65535
#define ITERATIONS 1000

static uint8_t frame[70000 + 64];
static uint8_t *copy_out, *arena, *flat;
static struct segoff_seg *csegs, *zsegs;
static struct segoff_slice *iov;
static size_t copy_size, arena_size, iov_cap;

static unsigned pick_mss(struct rng *r)
{
	switch (rng_range(r, 0, 9)) {
	case 0: return rng_range(r, 1, 64); /* many tiny segments */
	case 1: return rng_range(r, 3000, 9000);
	default: return rng_range(r, 500, 2999);
	}
}

static void alloc_buffers(void)
{
	copy_size = (size_t)MAX_SEGS * 400 + 70000;
	arena_size = (size_t)MAX_SEGS * 400;
	iov_cap = 2 * MAX_SEGS + 4096;
	copy_out = malloc(copy_size);
	arena = malloc(arena_size);
	flat = malloc(70000);
	csegs = malloc(sizeof(*csegs) * MAX_SEGS);
	zsegs = malloc(sizeof(*zsegs) * MAX_SEGS);
	iov = malloc(sizeof(*iov) * iov_cap);
}

/* Scatter the payload of `frame` over random slices (head keeps a random
 * part of it). Returns the number of slices. */
static unsigned scatter(struct rng *r, size_t hdr, size_t len, size_t *head_len, struct segoff_slice *sl, unsigned cap)
{
	size_t off = hdr + rng_range(r, 0, (uint32_t)(len - hdr < 100 ? len - hdr : 100));
	*head_len = off;
	unsigned n = 0;
	while (off < len && n < cap - 1) {
		size_t piece = rng_range(r, 0, 3) == 0 ? rng_range(r, 1, 9) : rng_range(r, 1, 20000);
		if (piece > len - off)
			piece = len - off;
		sl[n++] = (struct segoff_slice){ frame + off, piece };
		off += piece;
	}
	if (off < len)
		sl[n++] = (struct segoff_slice){ frame + off, len - off };
	return n;
}

static void gso_output_properties_hold_for_random_packets(void)
{
	struct rng r = { check_seed() };
	unsigned segments = 0, refused = 0;
	for (int it = 0; it < ITERATIONS && !check_failures_in_test; it++) {
		struct pktgen_spec s;
		pktgen_random(&s, &r, 1, 65535);
		unsigned mss = pick_mss(&r);
		if (rng_range(&r, 0, 3) == 0)
			s.payload_len = rng_range(&r, 1, 3 * mss); /* near the edge */
		s.csum = rng_range(&r, 0, 1) ? PKTGEN_CSUM_PSEUDO : PKTGEN_CSUM_GARBAGE;
		int partial_in = s.csum == PKTGEN_CSUM_PSEUDO;
		size_t len = pktgen_build(&s, frame, sizeof(frame)), hdr = pktgen_hdr_len(&s);
		size_t l3 = pktgen_l3_off(&s), l4 = pktgen_l4_off(&s);

		struct segoff_slice sl[64];
		size_t head_len;
		unsigned ns = scatter(&r, hdr, len, &head_len, sl, 64);
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, frame, head_len, sl, ns);
		CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
		if (partial_in) {
			pkt.csum_state = SEGOFF_CSUM_PARTIAL;
			pkt.csum_start = pkt.l4_off;
			pkt.csum_offset = 16;
		}
		struct segoff_gso_params p;
		segoff_gso_params_init(&p);
		p.mss = (uint16_t)mss;
		p.max_size = 1 << 20; /* payloads up to 65535 plus headers */
		p.csum = rng_range(&r, 0, 3) == 0 ? SEGOFF_GSO_CSUM_PARTIAL : SEGOFF_GSO_CSUM_FULL;

		int nc = segoff_gso_copy(&pkt, &p, copy_out, copy_size, csegs, MAX_SEGS);
		struct segoff_gso_zc zc = { arena, arena_size, iov, iov_cap, 0 };
		int nz = segoff_gso_zerocopy(&pkt, &p, &zc, zsegs, MAX_SEGS);
		CHECK_EQ(nc, nz);
		if (s.payload_len <= mss) {
			CHECK_EQ(nc, SEGOFF_E_GSO_NOTHING_TO_SPLIT);
			refused++;
			continue;
		}
		CHECK_EQ(nc, (int)((s.payload_len + mss - 1) / mss));
		if (nc <= 0)
			continue;
		segments += (unsigned)nc;
		size_t payload_at = hdr;
		for (int i = 0; i < nc && !check_failures_in_test; i++) {
			const struct segoff_seg *cs = &csegs[i];
			size_t plen = cs->len - hdr;
			CHECK(plen >= 1 && plen <= mss);
			CHECK(memcmp(cs->head + hdr, frame + payload_at, plen) == 0);
			payload_at += plen;
			/* zero-copy flattened == copy */
			size_t at = 0;
			for (unsigned k = 0; k < zsegs[i].nr_iov; k++) {
				const struct segoff_slice *z = &iov[zsegs[i].iov_first + k];
				memcpy(flat + at, z->base, z->len);
				at += z->len;
			}
			CHECK_EQ(at, cs->len);
			CHECK(memcmp(flat, cs->head, at) == 0);
			/* A garbage check field comes with CSUM_NONE here, so
			 * segoff must compute the pseudo-header sum itself. */
			if (p.csum == SEGOFF_GSO_CSUM_FULL)
				CHECK(ref_verify_tcp(cs->head, cs->len, l3, l4, s.ipv6));
			else
				CHECK_EQ(cs->head[l4 + 16] << 8 | cs->head[l4 + 17],
					 ref_pseudo_sum(cs->head + l3, s.ipv6, (uint32_t)(cs->len - l4)));
			if (!s.ipv6)
				CHECK_EQ(ref_fold(ref_sum(cs->head + l3, 20 + s.ip4_optlen, 0)), 0xffff);
		}
		CHECK_EQ(payload_at, len);
		if (check_failures_in_test)
			fprintf(stderr, "    iteration %d: ipv6=%d vlan=%u payload=%u mss=%u slices=%u csum=%d\n", it,
				s.ipv6, s.nr_vlan, s.payload_len, mss, ns, p.csum);
	}
	printf("  %d packets, %u segments checked, %u refused as not larger than MSS\n", ITERATIONS, segments,
	       refused);
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(gso_output_properties_hold_for_random_packets),
	};
	alloc_buffers();
	return check_main(argc, argv, "gso_props", tests, 1);
}
