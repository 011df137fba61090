// SPDX-License-Identifier: MIT
/* GRO properties, seeded (the seed is printed):
 *  1. GSO then GRO gives back the original super-packet, byte for byte.
 *  2. GRO then GSO gives back the original segments, byte for byte.
 *  3. For adversarial sequences (many flows, every perturbation, pure ACKs,
 *     bad checksums, gaps, duplicates), no payload byte is lost, duplicated
 *     or altered, and every merged packet is a run of consecutive packets
 *     of one flow, in their order: each input's payload carries its index,
 *     outputs are cut back at their segment boundaries, and every input
 *     must be found exactly once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <segoff/segoff.h>
#include "check.h"
#include "pktgen.h"

#define MAX_SEGS 4096
#define MAX_IN 512

static uint8_t *super_frame, *seg_buf, *out_buf, *resegs;
static struct segoff_seg segs[MAX_SEGS], segs2[MAX_SEGS];
static size_t out_len;
static unsigned nout;
static struct segoff_gro_out last_out;

static void alloc_all(void)
{
	super_frame = malloc(70000);
	seg_buf = malloc(MAX_SEGS * 300 + 70000);
	out_buf = malloc(70000 * 64);
	resegs = malloc(MAX_SEGS * 300 + 70000);
}

static void collect_one(void *opaque, const struct segoff_gro_out *o)
{
	(void)opaque;
	nout++;
	out_len = slices_flatten(out_buf, o->iov, o->nr_iov);
	last_out = *o;
}

static struct segoff_gro *make_gro(void (*deliver)(void *, const struct segoff_gro_out *))
{
	struct segoff_gro_config c;
	segoff_gro_config_init(&c);
	c.max_flows = 8;
	c.max_pkts_per_flow = MAX_SEGS;
	c.deliver = deliver;
	struct segoff_gro *g;
	CHECK_EQ(segoff_gro_create(&c, &g), SEGOFF_OK);
	return g;
}

/* A super-packet GRO can rebuild: flags ACK (PSH or FIN may end it), no
 * IPv4 options, no VLAN restriction, below 64 KB from the IP header. */
static void random_super(struct rng *r, struct pktgen_spec *s, unsigned *mss)
{
	pktgen_random(s, r, 2, 60000);
	s->ip4_optlen = 0;
	s->tcp_flags = 0x10 | (rng_range(r, 0, 2) == 0 ? 0x08 : 0) | (rng_range(r, 0, 5) == 0 ? 0x01 : 0);
	s->urg = 0;
	s->csum = PKTGEN_CSUM_PSEUDO;
	unsigned v = rng_range(r, 0, 9);
	*mss = v < 6 ? rng_range(r, 500, 1460) : v < 8 ? rng_range(r, 64, 499) : rng_range(r, 1461, 9000);
	uint32_t l3hdr = (uint32_t)(pktgen_hdr_len(s) - pktgen_l3_off(s));
	if (s->payload_len + l3hdr >= 65536)
		s->payload_len = 65535 - l3hdr;
	if (s->payload_len / *mss >= MAX_SEGS)
		*mss = s->payload_len / (MAX_SEGS - 1) + 1;
}

static void gso_then_gro_is_identity_and_back(void)
{
	struct rng r = { check_seed() };
	struct segoff_gro *g = make_gro(collect_one);
	unsigned cases = 0, total_segs = 0;
	for (int it = 0; it < 600 && !check_failures_in_test; it++) {
		struct pktgen_spec s;
		unsigned mss;
		random_super(&r, &s, &mss);
		size_t len = pktgen_build(&s, super_frame, 70000);
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, super_frame, len, NULL, 0);
		CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
		pkt.csum_state = SEGOFF_CSUM_PARTIAL;
		pkt.csum_start = pkt.l4_off;
		pkt.csum_offset = 16;
		struct segoff_gso_params p;
		segoff_gso_params_init(&p);
		p.mss = (uint16_t)mss;
		int n = segoff_gso_copy(&pkt, &p, seg_buf, MAX_SEGS * 300 + 70000, segs, MAX_SEGS);
		if (n < 2)
			continue; /* nothing to split */
		cases++;
		total_segs += (unsigned)n;
		/* GSO -> GRO: the super-packet again */
		nout = 0;
		for (int i = 0; i < n; i++) {
			struct segoff_pkt sp;
			segoff_pkt_init(&sp, segs[i].head, segs[i].len, NULL, 0);
			segoff_parse(&sp, SEGOFF_PROTO_ETH, 0);
			segoff_gro_receive(g, &sp, NULL, 0);
		}
		segoff_gro_flush_all(g);
		CHECK_EQ(nout, 1);
		CHECK_EQ(out_len, len);
		CHECK(out_len == len && memcmp(out_buf, super_frame, len) == 0);
		CHECK_EQ(last_out.gso_size, mss);
		CHECK_EQ(last_out.gso_segs, n);
		CHECK_EQ(last_out.gso_type, s.ipv6 ? SEGOFF_GSO_TCPV6 : SEGOFF_GSO_TCPV4);
		/* GRO -> GSO: the segments again */
		struct segoff_pkt back;
		segoff_pkt_init(&back, out_buf, out_len, NULL, 0);
		segoff_parse(&back, SEGOFF_PROTO_ETH, 0);
		back.gso_size = last_out.gso_size;
		back.gso_type = last_out.gso_type;
		back.csum_state = SEGOFF_CSUM_PARTIAL;
		back.csum_start = last_out.csum_start;
		back.csum_offset = last_out.csum_offset;
		segoff_gso_params_init(&p);
		int n2 = segoff_gso_copy(&back, &p, resegs, MAX_SEGS * 300 + 70000, segs2, MAX_SEGS);
		CHECK_EQ(n2, n);
		for (int i = 0; i < n && i < n2; i++)
			CHECK(segs[i].len == segs2[i].len && memcmp(segs[i].head, segs2[i].head, segs[i].len) == 0);
		if (check_failures_in_test)
			fprintf(stderr, "    iteration %d: ipv6=%d vlan=%u ext=%u tcpopt=%u payload=%u mss=%u flags=0x%02x\n", it,
				s.ipv6, s.nr_vlan, s.nr_ip6_ext, s.tcp_optlen, s.payload_len, mss, s.tcp_flags);
	}
	segoff_gro_destroy(g);
	printf("  %u super-packets (%u segments): GSO then GRO and GRO then GSO gave them back\n", cases, total_segs);
}

/* USO then UDP GRO gives back the datagram (at most 64 segments: GRO's
 * UDP limit). */
static void uso_then_udp_gro_is_identity(void)
{
	struct rng r = { check_seed() + 3 };
	struct segoff_gro_config c;
	segoff_gro_config_init(&c);
	c.udp = 1;
	c.deliver = collect_one;
	struct segoff_gro *g;
	CHECK_EQ(segoff_gro_create(&c, &g), SEGOFF_OK);
	unsigned cases = 0;
	for (int it = 0; it < 400 && !check_failures_in_test; it++) {
		struct pktgen_spec s;
		pktgen_random(&s, &r, 2, 60000);
		s.udp = 1;
		s.ip4_optlen = 0;
		s.csum = PKTGEN_CSUM_PSEUDO;
		unsigned mss = rng_range(&r, 1, 9000);
		if (s.payload_len / mss > 63)
			mss = s.payload_len / 63 + 1;
		size_t len = pktgen_build(&s, super_frame, 70000);
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, super_frame, len, NULL, 0);
		segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
		pkt.csum_state = SEGOFF_CSUM_PARTIAL;
		pkt.csum_start = pkt.l4_off;
		pkt.csum_offset = 6;
		struct segoff_gso_params p;
		segoff_gso_params_init(&p);
		p.mss = (uint16_t)mss;
		int n = segoff_gso_copy(&pkt, &p, seg_buf, MAX_SEGS * 300 + 70000, segs, MAX_SEGS);
		if (n < 2)
			continue;
		cases++;
		nout = 0;
		for (int i = 0; i < n; i++)
			segoff_gro_receive_frame(g, segs[i].head, segs[i].len, SEGOFF_CSUM_NONE, NULL, 0);
		segoff_gro_flush_all(g);
		CHECK_EQ(nout, 1);
		CHECK(out_len == len && memcmp(out_buf, super_frame, len) == 0);
		CHECK_EQ(last_out.gso_type, SEGOFF_GSO_UDP_L4);
		CHECK_EQ(last_out.gso_size, mss);
		CHECK_EQ(last_out.gso_segs, n);
		if (check_failures_in_test)
			fprintf(stderr, "    iteration %d: ipv6=%d payload=%u mss=%u n=%d\n", it, s.ipv6, s.payload_len, mss, n);
	}
	printf("  %u datagrams: USO then UDP GRO gave each back\n", cases);
	segoff_gro_destroy(g);
}

/* --- 3: nothing lost, duplicated or reordered --- */

static struct pktgen_spec in_spec[MAX_IN];
static uint8_t in_frame[MAX_IN][1600];
static size_t in_len[MAX_IN];
static unsigned seen[MAX_IN];
static unsigned bad_out;

static uint32_t tag_of(const uint8_t *payload)
{
	return (uint32_t)payload[0] << 24 | (uint32_t)payload[1] << 16 | (uint32_t)payload[2] << 8 | payload[3];
}

/* Cut every output back into the packets it holds and account for each. */
static void account(void *opaque, const struct segoff_gro_out *o)
{
	(void)opaque;
	static uint8_t flat[70000];
	size_t at = slices_flatten(flat, o->iov, o->nr_iov);
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, flat, at, NULL, 0);
	if (segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0) < 0 || pkt.l4_proto != SEGOFF_PROTO_TCP) {
		bad_out++;
		return;
	}
	/* the payload ends where the IP length says: padding is not payload */
	const uint8_t *ip = flat + pkt.l3_off;
	size_t ip_end = pkt.l3_off + (pkt.l3_proto == SEGOFF_PROTO_IPV4 ? (size_t)(ip[2] << 8 | ip[3])
								       : 40 + (size_t)(ip[4] << 8 | ip[5]));
	if (ip_end > at) {
		bad_out++;
		return;
	}
	size_t hdr = pkt.payload_off, plen = ip_end - hdr;
	if (plen == 0)
		return; /* a pure ACK: carries no bytes to account for */
	unsigned step = o->gso_size ? o->gso_size : (unsigned)plen;
	int prev = -1;
	for (size_t off = 0; off < plen; off += step) {
		size_t n = plen - off < step ? plen - off : step;
		if (n < 4) {
			bad_out++;
			return;
		}
		uint32_t tag = tag_of(flat + hdr + off);
		if (tag >= MAX_IN || in_len[tag] - in_spec[tag].pad - pktgen_hdr_len(&in_spec[tag]) != n ||
		    memcmp(flat + hdr + off, in_frame[tag] + pktgen_hdr_len(&in_spec[tag]), n) != 0) {
			bad_out++;
			return;
		}
		/* within one output: the same flow, in input order */
		if (prev >= 0 && ((int)tag <= prev || in_spec[tag].sport != in_spec[prev].sport))
			bad_out++;
		prev = (int)tag;
		seen[tag]++;
	}
}

/* One adversarial sequence: n packets of up to 6 flows, every payload of 4
 * bytes or more tagged with its index (checksum redone). Returns how many
 * carry a tag. With `udp`, datagrams (UDP GRO) instead of TCP segments. */
static unsigned adversarial_sequence_of(struct rng *r, unsigned n, int udp)
{
	unsigned nflows = rng_range(r, 1, 6), expected = 0;
	uint32_t seq[6];
	uint16_t id[6];
	for (unsigned k = 0; k < nflows; k++) {
		seq[k] = (uint32_t)rng_next(r);
		id[k] = (uint16_t)rng_next(r);
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned k = rng_range(r, 0, nflows - 1);
		struct pktgen_spec *s = &in_spec[i];
		pktgen_default(s);
		s->ipv6 = k & 1;
		s->sport = (uint16_t)(1000 + k);
		s->ts_set = 1;
		s->tsval = 1;
		s->tcp_flags = 0x10;
		s->csum = PKTGEN_CSUM_FULL;
		s->payload_len = rng_range(r, 0, 9) == 0 ? 0 : rng_range(r, 0, 3) ? 1000 : rng_range(r, 4, 1400);
		s->seq = seq[k];
		s->ip_id = id[k]++;
		s->udp = udp;
		switch (rng_range(r, 0, 15)) {
		case 0: s->tcp_flags |= 0x08; break;
		case 1: s->tcp_flags |= 0x80; break;
		case 2: s->csum = PKTGEN_CSUM_GARBAGE; break;
		case 3: s->seq += 7; break;
		case 4: s->ttl ^= 1; break;
		case 5: if (!s->ipv6) s->ip4_optlen = 4; break;
		case 6: s->pad = 2; break;
		case 7: s->tsval = 2; break;
		case 8: s->ip_id = (uint16_t)(s->ip_id + 3); break;
		case 9: s->tcp_flags |= 0x02; break;
		case 10: if (udp) s->csum = PKTGEN_CSUM_ZERO; break;
		default: break;
		}
		seq[k] = s->seq + s->payload_len;
		s->payload_seed = rng_next(r);
		in_len[i] = pktgen_build(s, in_frame[i], sizeof(in_frame[i]));
		size_t hdr = pktgen_hdr_len(s);
		if (s->payload_len >= 4) {
			/* tag the payload with the input's index; redo the checksum */
			uint8_t *pl = in_frame[i] + hdr;
			pl[0] = (uint8_t)(i >> 24);
			pl[1] = (uint8_t)(i >> 16);
			pl[2] = (uint8_t)(i >> 8);
			pl[3] = (uint8_t)i;
			if (s->csum == PKTGEN_CSUM_FULL) {
				size_t l4 = pktgen_l4_off(s), l3 = pktgen_l3_off(s), at = l4 + (udp ? 6 : 16);
				in_frame[i][at] = in_frame[i][at + 1] = 0;
				uint32_t l4len = (uint32_t)(in_len[i] - s->pad - l4);
				uint32_t ps = ref_pseudo_sum(in_frame[i] + l3, s->ipv6, l4len);
				if (udp) /* the pseudo-header's protocol: 17, not 6 */
					ps += 17 - 6;
				uint16_t ck = (uint16_t)~ref_fold(ref_sum(in_frame[i] + l4, l4len, ps));
				if (udp && ck == 0)
					ck = 0xffff;
				in_frame[i][at] = (uint8_t)(ck >> 8);
				in_frame[i][at + 1] = (uint8_t)ck;
			}
			expected++;
		} else {
			s->payload_len = 0; /* 1-3 byte payloads are not tagged: make them ACKs */
			in_len[i] = pktgen_build(s, in_frame[i], sizeof(in_frame[i]));
		}
	}
	return expected;
}

static unsigned adversarial_sequence(struct rng *r, unsigned n)
{
	return adversarial_sequence_of(r, n, 0);
}

static void gro_loses_duplicates_and_reorders_nothing(void)
{
	struct rng r = { check_seed() + 7 };
	struct segoff_gro_config c;
	segoff_gro_config_init(&c);
	c.max_flows = 4; /* small: evictions happen */
	c.max_pkts_per_flow = 16;
	c.deliver = account;
	struct segoff_gro *g;
	CHECK_EQ(segoff_gro_create(&c, &g), SEGOFF_OK);
	unsigned total_in = 0, with_payload = 0;
	for (int round = 0; round < 300 && !check_failures_in_test; round++) {
		unsigned n = rng_range(&r, 1, MAX_IN - 1);
		memset(seen, 0, sizeof(seen));
		bad_out = 0;
		unsigned expected = adversarial_sequence(&r, n);
		for (unsigned i = 0; i < n; i++) {
			/* both entry points: the frame one has the fast path */
			if (round & 1) {
				segoff_gro_receive_frame(g, in_frame[i], in_len[i], SEGOFF_CSUM_NONE, NULL, i);
			} else {
				struct segoff_pkt pkt;
				segoff_pkt_init(&pkt, in_frame[i], in_len[i], NULL, 0);
				segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
				segoff_gro_receive(g, &pkt, NULL, i);
			}
			if (rng_range(&r, 0, 30) == 0)
				segoff_gro_flush_all(g);
		}
		segoff_gro_flush_all(g);
		CHECK_EQ(bad_out, 0);
		unsigned found = 0;
		for (unsigned i = 0; i < n; i++) {
			if (in_spec[i].payload_len >= 4) {
				CHECK_EQ(seen[i], 1);
				found += seen[i] == 1;
			}
		}
		CHECK_EQ(found, expected);
		total_in += n;
		with_payload += expected;
	}
	printf("  %u packets in adversarial sequences, %u carrying tagged payload: each found once, intact, in order\n",
	       total_in, with_payload);
	segoff_gro_destroy(g);
}

/* --- the fast path decides as the full path --- */

struct recorded {
	unsigned n;
	size_t total;
	uint8_t *bytes;
	size_t off[4 * MAX_IN];
	struct segoff_gro_out meta[4 * MAX_IN];
};

static void record(void *opaque, const struct segoff_gro_out *o)
{
	struct recorded *rec = opaque;
	if (rec->n >= 4 * MAX_IN)
		return;
	rec->off[rec->n] = rec->total;
	rec->total += slices_flatten(rec->bytes + rec->total, o->iov, o->nr_iov);
	rec->meta[rec->n] = *o;
	rec->meta[rec->n].iov = NULL;
	rec->n++;
}

/* The same outputs, bytes, metadata and counters from two contexts. */
static void same_outputs(const struct recorded *a, const struct recorded *b, struct segoff_gro *ga,
			 struct segoff_gro *gb)
{
	CHECK_EQ(a->n, b->n);
	CHECK_EQ(a->total, b->total);
	CHECK(a->total == b->total && memcmp(a->bytes, b->bytes, a->total) == 0);
	for (unsigned k = 0; k < a->n && k < b->n; k++) {
		CHECK_EQ(a->meta[k].gso_size, b->meta[k].gso_size);
		CHECK_EQ(a->meta[k].gso_segs, b->meta[k].gso_segs);
		CHECK_EQ(a->meta[k].gso_type, b->meta[k].gso_type);
		CHECK_EQ(a->meta[k].csum_state, b->meta[k].csum_state);
	}
	/* and the counters agree, but for nothing */
	const uint64_t *ka = segoff_gro_counters(ga), *kb = segoff_gro_counters(gb);
	for (int k = 0; k < SEGOFF_GRO__COUNTERS; k++)
		CHECK_EQ(ka[k], kb[k]);
}

/* Three entry points, one verdict: the full path (segoff_gro_receive), the
 * frame entry point (its fast and express paths) and the burst one
 * (segoff_gro_receive_frames: express runs of one flow), with checksums to
 * verify or trusted (VERIFIED, as DATA_VALID; the express paths run only
 * then). */
static void gro_fast_path_decides_as_the_full_path(void)
{
	struct rng r = { check_seed() + 11 };
	static struct recorded a, b, c3;
	a.bytes = malloc(MAX_IN * 1700 * 2);
	b.bytes = malloc(MAX_IN * 1700 * 2);
	c3.bytes = malloc(MAX_IN * 1700 * 2);
	static struct segoff_gro_frame burst[MAX_IN];
	unsigned frames = 0;
	for (int round = 0; round < 400 && !check_failures_in_test; round++) {
		unsigned n = rng_range(&r, 1, MAX_IN - 1);
		const int udp = round % 4 == 3; /* UDP GRO has a fast path too */
		adversarial_sequence_of(&r, n, udp);
		const uint8_t cs = round & 1 ? SEGOFF_CSUM_VERIFIED : SEGOFF_CSUM_NONE;
		struct segoff_gro *ga, *gb, *gc;
		struct segoff_gro_config c;
		segoff_gro_config_init(&c);
		c.max_flows = 1 + (unsigned)round % 8;
		c.max_pkts_per_flow = round % 3 ? 4 + (unsigned)round % 40 : 0;
		c.udp = (uint8_t)udp;
		c.deliver = record;
		c.opaque = &a;
		CHECK_EQ(segoff_gro_create(&c, &ga), SEGOFF_OK);
		c.opaque = &b;
		CHECK_EQ(segoff_gro_create(&c, &gb), SEGOFF_OK);
		c.opaque = &c3;
		CHECK_EQ(segoff_gro_create(&c, &gc), SEGOFF_OK);
		a.n = b.n = c3.n = 0;
		a.total = b.total = c3.total = 0;
		for (unsigned i = 0; i < n; i++) {
			struct segoff_pkt pkt;
			segoff_pkt_init(&pkt, in_frame[i], in_len[i], NULL, 0);
			segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
			pkt.csum_state = cs;
			segoff_gro_receive(ga, &pkt, NULL, i);
			segoff_gro_receive_frame(gb, in_frame[i], in_len[i], cs, NULL, i);
			burst[i] = (struct segoff_gro_frame){ in_frame[i], (uint32_t)in_len[i], cs, NULL };
		}
		for (unsigned i = 0; i < n;) {
			unsigned k = rng_range(&r, 1, 40);
			if (k > n - i)
				k = n - i;
			CHECK_EQ(segoff_gro_receive_frames(gc, burst + i, k, i), SEGOFF_OK);
			i += k;
		}
		segoff_gro_flush_all(ga);
		segoff_gro_flush_all(gb);
		segoff_gro_flush_all(gc);
		same_outputs(&a, &b, ga, gb);
		same_outputs(&a, &c3, ga, gc);
		frames += n;
		segoff_gro_destroy(ga);
		segoff_gro_destroy(gb);
		segoff_gro_destroy(gc);
	}
	free(a.bytes);
	free(b.bytes);
	free(c3.bytes);
	printf("  %u frames: the full path, the frame entry point and the burst one delivered the same\n", frames);
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(gso_then_gro_is_identity_and_back),
		TEST(uso_then_udp_gro_is_identity),
		TEST(gro_loses_duplicates_and_reorders_nothing),
		TEST(gro_fast_path_decides_as_the_full_path),
	};
	alloc_all();
	return check_main(argc, argv, "gro_props", tests, sizeof(tests) / sizeof(tests[0]));
}
