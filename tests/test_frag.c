// SPDX-License-Identifier: MIT
/* IP fragmentation and reassembly: one test per rule (U3, O1, R1-R4), the
 * identity property (fragment then reassemble, any size, MTU 68..9000, any
 * order, duplicates), and the adversarial suite, each case asserting its
 * verdict and that memory stays under the threshold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <segoff/segoff.h>
#include "check.h"
#include "pktgen.h"

#define MAX_FRAGS 9000

static uint8_t frame[70000], fbuf[70000 * 3];
static struct segoff_seg frags[MAX_FRAGS];
static uint8_t *held[MAX_FRAGS];

/* reassembly outputs */
static uint8_t outbuf[70000];
static size_t out_len;
static unsigned delivered, released, double_release;
static unsigned char rel_flag[MAX_FRAGS + 16];

static const uint8_t *expect_frame; /* when set, every delivery must equal it */
static size_t expect_len;
static unsigned unexpected;

static void on_deliver(void *opaque, const struct segoff_reasm_out *o)
{
	(void)opaque;
	delivered++;
	out_len = slices_flatten(outbuf, o->iov, o->nr_iov);
	if (expect_frame && (out_len != expect_len || memcmp(outbuf, expect_frame, out_len) != 0))
		unexpected++;
}

static void on_release(void *opaque, void *cookie)
{
	(void)opaque;
	uintptr_t i = (uintptr_t)cookie;
	if (i < MAX_FRAGS + 16 && rel_flag[i]++)
		double_release++;
	released++;
}

static void reset(void)
{
	delivered = released = double_release = 0;
	out_len = 0;
	memset(rel_flag, 0, sizeof(rel_flag));
}

static struct segoff_reasm *reasm_with(uint64_t mem_high, uint32_t max_frags, uint32_t max_dgrams)
{
	struct segoff_reasm_config c;
	segoff_reasm_config_init(&c);
	if (max_frags)
		c.max_frags = max_frags;
	if (max_dgrams)
		c.max_dgrams = max_dgrams;
	c.deliver = on_deliver;
	c.release = on_release;
	if (mem_high) {
		c.mem_high = mem_high;
		c.mem_low = mem_high * 3 / 4;
	}
	struct segoff_reasm *r;
	CHECK_EQ(segoff_reasm_create(&c, &r), SEGOFF_OK);
	return r;
}

static struct segoff_reasm *reasm(uint64_t mem_high)
{
	return reasm_with(mem_high, 0, 0);
}

static size_t udp_datagram(struct pktgen_spec *s, int ipv6, uint32_t payload, uint64_t seed)
{
	pktgen_default(s);
	s->udp = 1;
	s->ipv6 = ipv6;
	s->df = 0;
	s->payload_len = payload;
	s->payload_seed = seed;
	s->csum = PKTGEN_CSUM_FULL;
	return pktgen_build(s, frame, sizeof(frame));
}

static int fragment_as(size_t len, uint16_t mtu, enum segoff_frag_layout layout)
{
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, frame, len, NULL, 0);
	CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	struct segoff_frag_params p;
	segoff_frag_params_init(&p, mtu);
	p.layout = layout;
	return segoff_frag_copy(&pkt, &p, fbuf, sizeof(fbuf), frags, MAX_FRAGS);
}

static int fragment(size_t len, uint16_t mtu)
{
	return fragment_as(len, mtu, SEGOFF_FRAG_FORWARD);
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static void U3_ipv4_fragments_share_id_offsets_in_8_byte_units(void)
{
	struct pktgen_spec s;
	size_t len = udp_datagram(&s, 0, 4000, 1);
	int n = fragment(len, 1500);
	CHECK_EQ(n, 3);
	uint32_t total = 0;
	for (int i = 0; i < n; i++) {
		const uint8_t *ip = frags[i].head + 14;
		uint32_t dlen = be16(ip + 2) - 20u;
		CHECK_EQ(be16(ip + 4), 0x1234);
		CHECK_EQ(be16(ip + 6) & 0x1fff, total / 8);
		CHECK_EQ(!!(be16(ip + 6) & 0x2000), i + 1 < n);
		CHECK(i + 1 == n || dlen % 8 == 0);
		CHECK(be16(ip + 2) <= 1500);
		CHECK_EQ(ref_fold(ref_sum(ip, 20, 0)), 0xffff);
		total += dlen;
	}
	CHECK_EQ(total, 8 + 4000);
	CHECK_EQ(be16(frags[0].head + 14 + 2), 1500 - (1500 - 20) % 8); /* 1496: 1476 data bytes */
}

static void U3_later_fragments_keep_only_copied_options(void)
{
	struct pktgen_spec s;
	pktgen_default(&s);
	s.udp = 1;
	s.df = 0;
	s.payload_len = 3000;
	s.ip4_optlen = 12; /* router alert (copied) + 8 NOPs */
	size_t len = pktgen_build(&s, frame, sizeof(frame));
	/* make the second option a non-copied one: record route, 7 bytes + END */
	uint8_t *opt = frame + 14 + 20;
	opt[4] = 0x07;
	opt[5] = 7;
	opt[6] = 4;
	memset(opt + 7, 0, 4);
	opt[11] = 0; /* END */
	uint8_t *ip = frame + 14;
	ip[10] = ip[11] = 0;
	uint16_t c = (uint16_t)~ref_fold(ref_sum(ip, 32, 0));
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	int n = fragment(len, 1000);
	CHECK(n >= 3);
	CHECK(memcmp(frags[0].head + 34, opt, 12) == 0); /* first: all options */
	const uint8_t *later = frags[1].head + 34;
	CHECK_EQ(later[0], 0x94);                           /* copied: kept */
	CHECK(later[4] == 1 && later[5] == 1 && later[10] == 1); /* not copied: NOPs */
	CHECK_EQ(frags[1].head[14], 0x48);                  /* same header length */
}

static void U3_df_set_gives_fragmentation_needed_with_the_mtu(void)
{
	struct pktgen_spec s;
	udp_datagram(&s, 0, 4000, 1);
	frame[14 + 6] |= 0x40;
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, frame, pktgen_hdr_len(&s) + 4000, NULL, 0);
	segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
	struct segoff_frag_params p;
	segoff_frag_params_init(&p, 1400);
	CHECK_EQ(segoff_frag_copy(&pkt, &p, fbuf, sizeof(fbuf), frags, MAX_FRAGS), SEGOFF_E_FRAG_NEEDED);
	CHECK_EQ(p.frag_needed_mtu, 1400);
	frame[14 + 6] &= (uint8_t)~0x40;
	segoff_frag_params_init(&p, 20 + 7); /* no room for 8 data bytes after the IP header */
	CHECK_EQ(segoff_frag_copy(&pkt, &p, fbuf, sizeof(fbuf), frags, MAX_FRAGS), SEGOFF_E_FRAG_MTU);
	segoff_frag_params_init(&p, 9000); /* fits: one, unchanged */
	CHECK_EQ(segoff_frag_copy(&pkt, &p, fbuf, sizeof(fbuf), frags, MAX_FRAGS), 1);
	CHECK(memcmp(frags[0].head, frame, frags[0].len) == 0);
}

static uint32_t fixed_id(void *opaque)
{
	(void)opaque;
	return 0xabcdef01u;
}

static void U3_ipv6_fragment_header_after_the_unfragmentable_part(void)
{
	struct pktgen_spec s;
	pktgen_default(&s);
	s.udp = 1;
	s.ipv6 = 1;
	s.nr_ip6_ext = 2;
	s.ip6_ext_type[0] = 0;  /* hop-by-hop: unfragmentable */
	s.ip6_ext_type[1] = 60; /* destination options, no routing header: unfragmentable too */
	s.payload_len = 3000;
	s.csum = PKTGEN_CSUM_FULL;
	size_t len = pktgen_build(&s, frame, sizeof(frame));
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, frame, len, NULL, 0);
	segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
	struct segoff_frag_params p;
	segoff_frag_params_init(&p, 1280);
	p.ipv6_id = fixed_id;
	int n = segoff_frag_copy(&pkt, &p, fbuf, sizeof(fbuf), frags, MAX_FRAGS);
	CHECK_EQ(n, 3);
	for (int i = 0; i < n; i++) {
		const uint8_t *ip = frags[i].head + 14;
		CHECK_EQ(ip[6], 0);                   /* HBH first */
		CHECK_EQ(ip[40], 60);                 /* then dest opts */
		CHECK_EQ(ip[48], 44);                 /* which point at the fragment header */
		const uint8_t *fh = ip + 56;
		CHECK_EQ(fh[0], 17);
		CHECK_EQ((uint32_t)fh[4] << 24 | (uint32_t)fh[5] << 16 | (uint32_t)fh[6] << 8 | fh[7], 0xabcdef01u);
		CHECK_EQ(!!(fh[3] & 1), i + 1 < n);
		CHECK_EQ(be16(ip + 4), frags[i].len - 14 - 40);
		CHECK(frags[i].len - 14 <= 1280);
	}
}

/* IPv6 at MTU 1500: 1452 bytes of room, 1448 per fragment. A 2899-byte UDP
 * datagram fits in two when forwarded (the last fills the room) and takes
 * three from a sending socket (each at most 1448), as kernel_frag_diff
 * saw the kernel do. */
static void U3_local_out_caps_the_last_fragment_at_the_rounded_size(void)
{
	struct pktgen_spec s;
	size_t len = udp_datagram(&s, 1, 2899 - 8, 4);
	CHECK_EQ(fragment_as(len, 1500, SEGOFF_FRAG_FORWARD), 2);
	CHECK_EQ(frags[1].len - frags[1].head_len, 1451);
	CHECK_EQ(fragment_as(len, 1500, SEGOFF_FRAG_LOCAL_OUT), 3);
	CHECK_EQ(frags[0].len - frags[0].head_len, 1448);
	CHECK_EQ(frags[1].len - frags[1].head_len, 1448);
	CHECK_EQ(frags[2].len - frags[2].head_len, 3);
	CHECK_EQ(frags[1].head[14 + 40 + 3] & 1, 1); /* M still set on the second */
}

static void U3_ufo_checksum_covers_the_whole_datagram(void)
{
	struct pktgen_spec s;
	pktgen_default(&s);
	s.udp = 1;
	s.df = 0;
	s.payload_len = 5000;
	s.csum = PKTGEN_CSUM_PSEUDO; /* partial, as a UFO sender leaves it */
	size_t len = pktgen_build(&s, frame, sizeof(frame));
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, frame, len, NULL, 0);
	segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
	pkt.csum_state = SEGOFF_CSUM_PARTIAL;
	pkt.csum_start = pkt.l4_off;
	pkt.csum_offset = 6;
	struct segoff_frag_params p;
	segoff_frag_params_init(&p, 1500);
	int n = segoff_frag_copy(&pkt, &p, fbuf, sizeof(fbuf), frags, MAX_FRAGS);
	CHECK_EQ(n, 4);
	reset();
	struct segoff_reasm *r = reasm(0);
	for (int i = n - 1; i >= 0; i--) /* any order */
		segoff_reasm_receive(r, frags[i].head, frags[i].len, (void *)(uintptr_t)i, 0);
	CHECK_EQ(delivered, 1);
	CHECK_EQ(out_len, len);
	CHECK(ref_verify_udp(outbuf, out_len, 14, 34, 0));
	CHECK_EQ(released, (unsigned)n);
	segoff_reasm_destroy(r);
}

/* Fragment, shuffle, duplicate, reassemble: the datagram again. */
static void R1_fragment_then_reassemble_is_the_identity(void)
{
	struct rng rr = { check_seed() };
	/* MTUs down to 68 cut 64 KB into over 1300 fragments: the defaults
	 * take them all, as the kernel does (memory is the bound, not a count) */
	struct segoff_reasm *r = reasm(0);
	unsigned cases = 0, total_frags = 0;
	for (int it = 0; it < 600 && !check_failures_in_test; it++) {
		struct pktgen_spec s;
		int v6 = rng_range(&rr, 0, 1);
		uint16_t mtu = (uint16_t)(rng_range(&rr, 0, 3) == 0 ? rng_range(&rr, v6 ? 1280 : 68, 200)
								  : rng_range(&rr, v6 ? 1280 : 68, 9000));
		uint32_t payload = rng_range(&rr, 1, v6 ? 40000 : 60000);
		size_t len = udp_datagram(&s, v6, payload, rng_next(&rr));
		if (!v6 && rng_range(&rr, 0, 3) == 0) {
			uint8_t *ip = frame + 14;
			ip[1] = 0x10; /* a TOS: carried as is */
			ip[10] = ip[11] = 0;
			uint16_t c = (uint16_t)~ref_fold(ref_sum(ip, 20, 0));
			ip[10] = (uint8_t)(c >> 8);
			ip[11] = (uint8_t)c;
		}
		int n = fragment(len, mtu);
		if (n < 2)
			continue;
		cases++;
		total_frags += (unsigned)n;
		/* the order they arrive in, with a few exact duplicates */
		static unsigned order[MAX_FRAGS * 2];
		unsigned m = 0;
		for (int i = 0; i < n; i++) {
			order[m++] = (unsigned)i;
			if (rng_range(&rr, 0, 15) == 0)
				order[m++] = (unsigned)i;
		}
		for (unsigned i = m; i > 1; i--) {
			unsigned j = rng_range(&rr, 0, i - 1), t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
		reset();
		expect_frame = frame;
		expect_len = len;
		unexpected = 0;
		for (unsigned i = 0; i < m; i++) {
			unsigned k = order[i];
			held[i] = malloc(frags[k].len);
			memcpy(held[i], frags[k].head, frags[k].len);
			segoff_reasm_receive(r, held[i], frags[k].len, (void *)(uintptr_t)i, 0);
		}
		/* once; or again, whole, if duplicates of every fragment came
		 * after it completed (they make a datagram of their own, as in
		 * the kernel) */
		CHECK(delivered >= 1);
		CHECK_EQ(unexpected, 0);
		expect_frame = NULL;
		/* a duplicate arriving after completion starts a datagram of its
		 * own, as in the kernel: it times out */
		segoff_reasm_expire(r, 61ull * 1000000000ull);
		CHECK_EQ(released, m);
		CHECK_EQ(double_release, 0);
		CHECK_EQ(segoff_reasm_mem(r), 0);
		for (unsigned i = 0; i < m; i++)
			free(held[i]);
		if (check_failures_in_test)
			fprintf(stderr, "    iteration %d: v6=%d mtu=%u payload=%u frags=%d\n", it, v6, mtu, payload, n);
	}
	printf("  %u datagrams in %u fragments, shuffled and duplicated: each reassembled to itself\n", cases,
	       total_frags);
	segoff_reasm_destroy(r);
}

static void O1_fragments_of_fragments_reassemble(void)
{
	struct pktgen_spec s;
	size_t len = udp_datagram(&s, 0, 6000, 3);
	int n = fragment(len, 3000);
	CHECK_EQ(n, 3);
	static struct segoff_seg first[3];
	static uint8_t firstbuf[10000];
	memcpy(first, frags, sizeof(first));
	size_t at = 0;
	for (int i = 0; i < n; i++) { /* keep them: fbuf is reused */
		memcpy(firstbuf + at, first[i].head, first[i].len);
		first[i].head = firstbuf + at;
		at += first[i].len;
	}
	reset();
	struct segoff_reasm *r = reasm(0);
	static struct segoff_seg second[64];
	static uint8_t secbuf[20000];
	unsigned cookie = 0;
	for (int i = 0; i < n; i++) {
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, first[i].head, first[i].len, NULL, 0);
		segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
		struct segoff_frag_params p;
		segoff_frag_params_init(&p, 1000);
		int m = segoff_frag_copy(&pkt, &p, secbuf, sizeof(secbuf), second, 64);
		CHECK(m >= 1);
		for (int k = 0; k < m; k++) {
			uint8_t *copy = malloc(second[k].len);
			memcpy(copy, second[k].head, second[k].len);
			held[cookie] = copy;
			segoff_reasm_receive(r, copy, second[k].len, (void *)(uintptr_t)cookie, 0);
			cookie++;
		}
	}
	CHECK_EQ(delivered, 1);
	CHECK(out_len == len && memcmp(outbuf, frame, len) == 0);
	for (unsigned i = 0; i < cookie; i++)
		free(held[i]);
	segoff_reasm_destroy(r);
}

/* --- adversarial: verdicts, and memory never above the threshold --- */

static struct segoff_reasm *adv;

static void feed(const uint8_t *f, size_t len, unsigned cookie)
{
	uint8_t *copy = malloc(len);
	memcpy(copy, f, len);
	held[cookie] = copy;
	segoff_reasm_receive(adv, copy, len, (void *)(uintptr_t)cookie, 0);
	CHECK(segoff_reasm_mem(adv) <= 4u << 20);
}

static void free_held(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(held[i]);
}

/* A raw IPv4 fragment: offset (bytes), data length, MF, ID. */
static size_t v4_fragment(uint8_t *f, uint16_t id, uint32_t offset, uint32_t dlen, int more)
{
	memset(f, 0, 34);
	f[0] = 2;
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + dlen) >> 8);
	ip[3] = (uint8_t)(20 + dlen);
	ip[4] = (uint8_t)(id >> 8);
	ip[5] = (uint8_t)id;
	uint16_t fo = (uint16_t)((offset >> 3) | (more ? 0x2000 : 0));
	ip[6] = (uint8_t)(fo >> 8);
	ip[7] = (uint8_t)fo;
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 192;
	ip[15] = 1;
	ip[16] = 198;
	ip[19] = 2;
	uint16_t c = (uint16_t)~ref_fold(ref_sum(ip, 20, 0));
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	for (uint32_t i = 0; i < dlen; i++)
		f[34 + i] = (uint8_t)(offset + i);
	return 34 + dlen;
}

static void start_adv(void)
{
	reset();
	adv = reasm(0);
}

static const uint64_t *k(void)
{
	return segoff_reasm_counters(adv);
}

static void R1_teardrop_overlap_discards_the_datagram(void)
{
	static uint8_t f[2000];
	start_adv();
	feed(f, v4_fragment(f, 1, 0, 1000, 1), 0);
	feed(f, v4_fragment(f, 1, 800, 1000, 0), 1); /* teardrop: starts inside the first */
	CHECK_EQ(k()[SEGOFF_REASM_OVERLAP], 1);
	CHECK_EQ(delivered, 0);
	CHECK_EQ(released, 2);
	CHECK_EQ(segoff_reasm_mem(adv), 0);
	/* an overlapping last fragment too */
	feed(f, v4_fragment(f, 2, 0, 1000, 1), 2);
	feed(f, v4_fragment(f, 2, 1000, 1000, 0), 3);
	CHECK_EQ(delivered, 1); /* that one was fine */
	feed(f, v4_fragment(f, 3, 1000, 1000, 0), 4);
	feed(f, v4_fragment(f, 3, 1992, 100, 0), 5); /* a second, different end */
	CHECK_EQ(k()[SEGOFF_REASM_CORRUPT], 1);
	segoff_reasm_destroy(adv);
	free_held(6);
}

static void R1_exact_duplicate_is_dropped_alone(void)
{
	static uint8_t f[2000];
	start_adv();
	feed(f, v4_fragment(f, 1, 0, 1000, 1), 0);
	feed(f, v4_fragment(f, 1, 0, 1000, 1), 1);
	CHECK_EQ(k()[SEGOFF_REASM_DUPLICATE], 1);
	CHECK_EQ(released, 1);
	feed(f, v4_fragment(f, 1, 1000, 500, 0), 2);
	CHECK_EQ(delivered, 1);
	CHECK_EQ(out_len, 34 + 1500);
	segoff_reasm_destroy(adv);
	free_held(3);
}

static void R2_ipv4_truncates_a_non_last_fragment_to_8_bytes(void)
{
	static uint8_t f[2000];
	start_adv();
	feed(f, v4_fragment(f, 1, 0, 1003, 1), 0); /* 1003: cut to 1000 */
	feed(f, v4_fragment(f, 1, 1000, 500, 0), 1);
	CHECK_EQ(k()[SEGOFF_REASM_TRUNCATED], 1);
	CHECK_EQ(delivered, 1);
	CHECK_EQ(out_len, 34 + 1500);
	segoff_reasm_destroy(adv);
	free_held(2);
}

static void R2_R3_ipv6_bad_length_atomic_and_header_chain(void)
{
	struct pktgen_spec s;
	size_t len = udp_datagram(&s, 1, 3000, 9);
	int n = fragment(len, 1280);
	CHECK_EQ(n, 3);
	start_adv();
	/* a non-last fragment whose length is not a multiple of 8: rejected */
	static uint8_t f[2000];
	memcpy(f, frags[0].head, frags[0].len);
	uint8_t *ip = f + 14;
	uint16_t pl = be16(ip + 4) - 3;
	ip[4] = (uint8_t)(pl >> 8);
	ip[5] = (uint8_t)pl;
	feed(f, frags[0].len - 3, 0);
	CHECK_EQ(k()[SEGOFF_REASM_BAD_LENGTH], 1);
	/* atomic: offset 0, no more: the datagram as it came */
	memcpy(f, frags[0].head, 14 + 40 + 8 + 8 + 16);
	ip = f + 14;
	ip[4] = 0;
	ip[5] = 8 + 8 + 16;
	f[14 + 40 + 3] = 0; /* clear M */
	f[14 + 40 + 8 + 4] = 0;
	f[14 + 40 + 8 + 5] = 8 + 16; /* UDP length */
	feed(f, 14 + 40 + 8 + 8 + 16, 1);
	CHECK_EQ(k()[SEGOFF_REASM_ATOMIC], 1);
	CHECK_EQ(delivered, 1);
	/* a first fragment cut inside the UDP header: dropped [R3] */
	memcpy(f, frags[0].head, 14 + 40 + 8 + 8);
	ip = f + 14;
	ip[4] = 0;
	ip[5] = 8 + 4; /* only 4 bytes of the UDP header */
	feed(f, 14 + 40 + 8 + 4, 2);
	CHECK_EQ(k()[SEGOFF_REASM_HEADER_CHAIN], 1);
	CHECK_EQ(released, 3);
	segoff_reasm_destroy(adv);
	free_held(3);
}

/* A first fragment behind 200 destination-options headers: a named drop
 * after a bounded walk (segoff stops at SEGOFF_MAX_EXTHDRS), nothing held. */
static void R3_ipv6_fragment_behind_a_200_header_chain_is_dropped(void)
{
	static uint8_t f[14 + 40 + 200 * 8 + 8 + 16];
	memset(f, 0, sizeof(f));
	f[12] = 0x86;
	f[13] = 0xdd;
	uint8_t *ip = f + 14;
	ip[0] = 0x60;
	uint16_t pl = 200 * 8 + 8 + 16;
	ip[4] = (uint8_t)(pl >> 8);
	ip[5] = (uint8_t)pl;
	ip[6] = 60;
	ip[7] = 64;
	ip[8] = 0x20; /* 2001:db8::1 -> 2001:db8::2 */
	ip[9] = 0x01;
	ip[10] = 0x0d;
	ip[11] = 0xb8;
	memcpy(ip + 24, ip + 8, 4);
	ip[23] = 1;
	ip[39] = 2;
	uint8_t *h = ip + 40;
	for (unsigned i = 0; i < 200; i++, h += 8) {
		h[0] = i == 199 ? 44 : 60; /* the last points at the fragment header */
		h[2] = 1;                  /* PadN over the remaining 6 bytes */
		h[3] = 4;
	}
	h[0] = 17;
	h[3] = 1; /* offset 0, M set */
	h[7] = 9;
	start_adv();
	feed(f, sizeof(f), 0);
	CHECK_EQ(k()[SEGOFF_REASM_MALFORMED], 1);
	CHECK_EQ(delivered, 0);
	CHECK_EQ(released, 1);
	CHECK_EQ(segoff_reasm_mem(adv), 0);
	segoff_reasm_destroy(adv);
	CHECK_EQ(double_release, 0);
	free_held(1);
}

static void R4_tiny_first_fragment_splitting_the_udp_header(void)
{
	/* IPv4 allows it: the 8 bytes arrive in two fragments */
	static uint8_t f[2000];
	start_adv();
	feed(f, v4_fragment(f, 5, 0, 8, 1), 0);
	feed(f, v4_fragment(f, 5, 8, 100, 0), 1);
	CHECK_EQ(delivered, 1);
	segoff_reasm_destroy(adv);
	free_held(2);
}

static void R4_ipv4_first_fragment_shorter_than_its_tcp_header(void)
{
	/* 32 bytes of a 40-byte TCP header in the first fragment: IPv4
	 * reassembly does not read the transport header, so it goes through */
	static uint8_t f[2000];
	start_adv();
	size_t len = v4_fragment(f, 6, 0, 32, 1);
	f[14 + 9] = 6; /* TCP */
	f[14 + 10] = f[14 + 11] = 0;
	uint16_t c = (uint16_t)~ref_fold(ref_sum(f + 14, 20, 0));
	f[14 + 10] = (uint8_t)(c >> 8);
	f[14 + 11] = (uint8_t)c;
	f[34 + 12] = 10 << 4; /* data offset: 40 bytes */
	feed(f, len, 0);
	CHECK_EQ(k()[SEGOFF_REASM_MALFORMED], 0);
	len = v4_fragment(f, 6, 32, 100, 0);
	f[14 + 9] = 6;
	f[14 + 10] = f[14 + 11] = 0;
	c = (uint16_t)~ref_fold(ref_sum(f + 14, 20, 0));
	f[14 + 10] = (uint8_t)(c >> 8);
	f[14 + 11] = (uint8_t)c;
	feed(f, len, 1);
	CHECK_EQ(delivered, 1);
	CHECK_EQ(out_len, 34 + 132);
	segoff_reasm_destroy(adv);
	free_held(2);
}

static void R4_over_65535_zero_length_and_too_many_fragments(void)
{
	static uint8_t f[70000];
	start_adv();
	feed(f, v4_fragment(f, 7, 65528, 100, 0), 0); /* ends at 65628: too big */
	CHECK_EQ(k()[SEGOFF_REASM_TOO_BIG], 1);
	feed(f, v4_fragment(f, 8, 800, 0, 1), 1); /* zero length */
	CHECK_EQ(k()[SEGOFF_REASM_CORRUPT], 1);
	for (unsigned i = 0; i < 200; i++) /* 8-byte fragments: no count by default */
		feed(f, v4_fragment(f, 9, i * 8, 8, 1), 2 + i);
	CHECK_EQ(k()[SEGOFF_REASM_TOO_MANY_FRAGS], 0);
	CHECK_EQ(released, 2);
	segoff_reasm_destroy(adv);
	CHECK_EQ(released, 202);
	/* max_frags is an option of segoff's own, counted when it bites */
	reset();
	adv = reasm_with(0, 128, 0);
	for (unsigned i = 0; i < 200; i++)
		feed(f, v4_fragment(f, 9, i * 8, 8, 1), 202 + i);
	CHECK_EQ(k()[SEGOFF_REASM_TOO_MANY_FRAGS], 1);
	CHECK_EQ(delivered, 0);
	segoff_reasm_destroy(adv);
	CHECK_EQ(released, 200);
	CHECK_EQ(double_release, 0);
	free_held(402);
}

/* A raw IPv6 fragment (fragment header right after the fixed header). */
static size_t v6_fragment(uint8_t *f, uint32_t id, uint32_t offset, uint32_t dlen, int more)
{
	memset(f, 0, 62);
	f[0] = 2;
	f[12] = 0x86;
	f[13] = 0xdd;
	uint8_t *ip = f + 14;
	ip[0] = 0x60;
	ip[4] = (uint8_t)((8 + dlen) >> 8);
	ip[5] = (uint8_t)(8 + dlen);
	ip[6] = 44;
	ip[7] = 64;
	ip[8] = 0x20;
	ip[9] = 0x01;
	ip[10] = 0x0d;
	ip[11] = 0xb8;
	ip[23] = 1;
	memcpy(ip + 24, ip + 8, 16);
	ip[39] = 2;
	uint8_t *fh = ip + 40;
	fh[0] = 17;
	uint16_t fo = (uint16_t)(offset | (more ? 1 : 0));
	fh[2] = (uint8_t)(fo >> 8);
	fh[3] = (uint8_t)fo;
	fh[4] = (uint8_t)(id >> 24);
	fh[5] = (uint8_t)(id >> 16);
	fh[6] = (uint8_t)(id >> 8);
	fh[7] = (uint8_t)id;
	for (uint32_t i = 0; i < dlen; i++)
		f[62 + i] = (uint8_t)(offset + i);
	return 62 + dlen;
}

/* A datagram of `total` data bytes in fragments of `size`, shuffled, with
 * `dups` exact duplicates: delivered once, every byte in place, everything
 * released once, memory within the default mem_high throughout. */
static void reassemble_shuffled(int v6, uint32_t total, uint32_t size, unsigned dups, uint64_t seed)
{
	static uint8_t f[70000];
	static unsigned order[MAX_FRAGS];
	unsigned n = (total + size - 1) / size, m = 0;
	struct rng rr = { seed };
	for (unsigned i = 0; i < n; i++)
		order[m++] = i;
	for (unsigned d = 0; d < dups && m < MAX_FRAGS; d++)
		order[m++] = rng_range(&rr, 0, n - 1);
	for (unsigned i = m; i > 1; i--) {
		unsigned j = rng_range(&rr, 0, i - 1), t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	start_adv();
	for (unsigned i = 0; i < m; i++) {
		uint32_t off = order[i] * size, len = off + size > total ? total - off : size;
		int more = off + len < total;
		feed(f, v6 ? v6_fragment(f, 77, off, len, more) : v4_fragment(f, 77, off, len, more), i);
	}
	CHECK_EQ(delivered, 1);
	CHECK_EQ(k()[SEGOFF_REASM_OK], 1);
	/* a duplicate that comes after the datagram completed starts one of
	 * its own, as in the kernel, and times out */
	CHECK(k()[SEGOFF_REASM_DUPLICATE] <= m - n);
	CHECK_EQ(k()[SEGOFF_REASM_EVICTED], 0);
	segoff_reasm_expire(adv, 61ull * 1000000000ull);
	size_t hdr = v6 ? 14 + 40 : 14 + 20;
	CHECK_EQ(out_len, hdr + total);
	unsigned bad = 0;
	for (uint32_t i = 0; i < total && out_len == hdr + total; i++)
		bad += outbuf[hdr + i] != (uint8_t)i;
	CHECK_EQ(bad, 0);
	CHECK_EQ(released, m);
	CHECK_EQ(double_release, 0);
	CHECK_EQ(segoff_reasm_mem(adv), 0);
	segoff_reasm_destroy(adv);
	free_held(m);
}

static void R4_no_fragment_count_130_fragments_of_80_bytes(void)
{
	/* the kernel delivers this one: 10,395 bytes in 130 fragments of 80,
	 * shuffled, one duplicated */
	reassemble_shuffled(0, 10395, 80, 1, check_seed());
	reassemble_shuffled(1, 10395, 80, 1, check_seed() + 1);
}

static void R4_many_growing_datagrams_share_the_fragment_memory(void)
{
	/* 830 datagrams of 70 eight-byte fragments, round robin, the second
	 * fragment of each last: about 4 MB charged, under the default
	 * mem_high, so none may be evicted, while all of them hold arrays of
	 * 128 and what their growth left behind passes the end of the shared
	 * arena, which must then be compacted */
	enum { DGRAMS = 830, FRAGS = 70 };
	static uint8_t *buf[DGRAMS * FRAGS];
	static uint8_t f[200];
	start_adv();
	unsigned c = 0;
	for (unsigned round = 0; round < FRAGS; round++)
		for (unsigned d = 0; d < DGRAMS; d++) {
			unsigned i = round == 0 ? 0 : round == FRAGS - 1 ? 1 : round + 1;
			size_t len = v4_fragment(f, (uint16_t)d, i * 8, 8, i + 1 < FRAGS);
			buf[c] = malloc(len);
			memcpy(buf[c], f, len);
			segoff_reasm_receive(adv, buf[c], len, (void *)(uintptr_t)(MAX_FRAGS + 16 + c), 0);
			c++;
			CHECK(segoff_reasm_mem(adv) <= 4u << 20);
		}
	CHECK_EQ(k()[SEGOFF_REASM_EVICTED], 0);
	CHECK_EQ(delivered, DGRAMS);
	CHECK_EQ(out_len, 14 + 20 + FRAGS * 8);
	unsigned bad = 0;
	for (unsigned i = 0; i < FRAGS * 8; i++)
		bad += outbuf[34 + i] != (uint8_t)i;
	CHECK_EQ(bad, 0);
	CHECK_EQ(released, DGRAMS * FRAGS);
	CHECK_EQ(segoff_reasm_mem(adv), 0);
	segoff_reasm_destroy(adv);
	for (unsigned i = 0; i < c; i++)
		free(buf[i]);
}

static void R4_no_fragment_count_8192_eight_byte_fragments(void)
{
	/* the largest datagrams there are, in the smallest fragments: IPv6
	 * 65,535 bytes in 8,192 fragments, IPv4 65,515 in 8,190, shuffled,
	 * with duplicates, within the default memory */
	reassemble_shuffled(1, 65535, 8, 100, check_seed() + 2);
	reassemble_shuffled(0, 65515, 8, 100, check_seed() + 3);
	struct segoff_reasm_config c;
	segoff_reasm_config_init(&c);
	c.deliver = on_deliver;
	printf("  default memory: %zu bytes of tables for mem_high %llu\n", segoff_reasm_memsize(&c),
	       (unsigned long long)c.mem_high);
}

static void R4_flood_of_incomplete_datagrams_stays_under_mem_high(void)
{
	static uint8_t f[2000];
	start_adv();
	/* 9000 incomplete datagrams of 1000 bytes: 9 MB offered, 4 MiB allowed */
	for (unsigned i = 0; i < 9000; i++) {
		feed(f, v4_fragment(f, (uint16_t)i, 0, 1000, 1), i);
		CHECK(segoff_reasm_mem(adv) <= 4u << 20);
	}
	CHECK(k()[SEGOFF_REASM_EVICTED] > 0);
	CHECK_EQ(delivered, 0);
	segoff_reasm_expire(adv, 31ull * 1000000000ull);
	CHECK_EQ(segoff_reasm_mem(adv), 0);
	CHECK(k()[SEGOFF_REASM_TIMEOUT] > 0);
	CHECK_EQ(released, 9000);
	CHECK_EQ(double_release, 0);
	segoff_reasm_destroy(adv);
	free_held(9000);
}

static void R4_ipv4_id_wrap_with_thousands_in_flight(void)
{
	/* 70000 datagrams between the same hosts: IDs wrap; each completes
	 * from its own two fragments, interleaved a thousand apart */
	static uint8_t f[200];
	start_adv();
	unsigned cookie = 0, ok = 0;
	for (unsigned i = 0; i < 70000 + 1000; i++) {
		if (i < 70000)
			feed(f, v4_fragment(f, (uint16_t)i, 0, 16, 1), cookie++);
		if (i >= 1000) {
			feed(f, v4_fragment(f, (uint16_t)(i - 1000), 16, 16, 0), cookie++);
			ok++;
		}
		if (cookie >= MAX_FRAGS) {
			/* recycle the holding buffers: released ones are free */
			for (unsigned c = 0; c < cookie; c++)
				if (rel_flag[c]) {
					free(held[c]);
					held[c] = NULL;
				}
			break;
		}
	}
	CHECK(delivered > 0);
	CHECK_EQ(delivered, k()[SEGOFF_REASM_OK]);
	CHECK(segoff_reasm_mem(adv) <= 4u << 20);
	segoff_reasm_destroy(adv);
	for (unsigned c = 0; c < cookie && c < MAX_FRAGS; c++)
		free(held[c]);
	(void)ok;
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(U3_ipv4_fragments_share_id_offsets_in_8_byte_units),
		TEST(U3_later_fragments_keep_only_copied_options),
		TEST(U3_df_set_gives_fragmentation_needed_with_the_mtu),
		TEST(U3_ipv6_fragment_header_after_the_unfragmentable_part),
		TEST(U3_ufo_checksum_covers_the_whole_datagram),
		TEST(U3_local_out_caps_the_last_fragment_at_the_rounded_size),
		TEST(R1_fragment_then_reassemble_is_the_identity),
		TEST(O1_fragments_of_fragments_reassemble),
		TEST(R1_teardrop_overlap_discards_the_datagram),
		TEST(R1_exact_duplicate_is_dropped_alone),
		TEST(R2_ipv4_truncates_a_non_last_fragment_to_8_bytes),
		TEST(R2_R3_ipv6_bad_length_atomic_and_header_chain),
		TEST(R3_ipv6_fragment_behind_a_200_header_chain_is_dropped),
		TEST(R4_tiny_first_fragment_splitting_the_udp_header),
		TEST(R4_ipv4_first_fragment_shorter_than_its_tcp_header),
		TEST(R4_over_65535_zero_length_and_too_many_fragments),
		TEST(R4_flood_of_incomplete_datagrams_stays_under_mem_high),
		TEST(R4_no_fragment_count_130_fragments_of_80_bytes),
		TEST(R4_no_fragment_count_8192_eight_byte_fragments),
		TEST(R4_many_growing_datagrams_share_the_fragment_memory),
		TEST(R4_ipv4_id_wrap_with_thousands_in_flight),
	};
	return check_main(argc, argv, "frag", tests, sizeof(tests) / sizeof(tests[0]));
}
