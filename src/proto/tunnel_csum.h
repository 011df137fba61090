/* SPDX-License-Identifier: MIT */
/*
 * tunnel_csum.h - the sum of a tunnel segment's bytes from its tunnel header
 * to its end, for an outer checksum (UDP tunnels [E3, E4], GRE_CSUM [E5]),
 * without reading the payload.
 *
 * A transport segment whose checksum is right (or will be made right by the
 * device, E4) sums to the complement of its pseudo-header seed. An inner
 * IPv4 header with its checksum right sums to zero whatever its length and
 * ID (its layer writes it first, innermost first [E1]); an inner IPv6 header
 * sums to its fixed bytes plus its payload length. The bytes between the
 * tunnel header and the inner network header (tunnel options, inner
 * Ethernet, tags) are the same in every segment. So a segment's sum is a
 * few additions, and no layer's output has to be read back.
 */
#ifndef SEGOFF_TUNNEL_CSUM_H
#define SEGOFF_TUNNEL_CSUM_H

#include "proto.h"

struct tunnel_sum {
	segoff_csum_t fixed;    /* [from, inner network header), and an inner IPv6
				 * header but for its payload length */
	uint16_t seed_mid;      /* the inner transport's seed in a full-size segment */
	uint16_t seed_last;     /* ... in the last one */
	uint16_t inner6_off;    /* inner IPv6 header's offset, 0 for IPv4 */
};

/* Prepare the sums of segments of `c` from byte `from` (at or before the
 * inner network header) to their ends. */
SEGOFF_INTERNAL void segoff__tunnel_sum_init(const struct gso_ctx *c, unsigned from, struct tunnel_sum *t);

/* The unfolded sum of segment i's bytes from `from` to its end. */
static inline segoff_csum_t tunnel_seg_sum(const struct gso_ctx *c, const struct tunnel_sum *t, unsigned i)
{
	const int last = i == c->nr_segs - 1;
	segoff_csum_t sum = t->fixed + (uint16_t)~(last ? t->seed_last : t->seed_mid);
	if (t->inner6_off) /* the inner payload length, as the field says [E8] */
		sum += c->hdr_len + gso_field_payload(c, i) - t->inner6_off - 40u;
	return sum;
}

#endif
