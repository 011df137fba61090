// SPDX-License-Identifier: MIT
/* Checksum module: every implementation against a byte-at-a-time reference,
 * random lengths 0..9216 and every start alignment 0..63; the helpers
 * (pseudo-headers, RFC 1624, fold, complete) against their definitions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <segoff/segoff.h>
#include "check.h"
#include "pktgen.h"

static const char *const impl_names[] = { "scalar", "avx2", "avx512" };

static uint8_t buf[9216 + 64 + 64], dst[9216 + 64 + 64];

static void fill(struct rng *r, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rng_next(r);
}

/* One implementation against the reference, lengths x alignments. */
static void check_impl(const char *name)
{
	int err = segoff_csum_set_impl(name);
	if (err == SEGOFF_E_NO_CPU_SUPPORT) {
		printf("  SKIPPED %s: this CPU lacks it\n", name);
		return;
	}
	CHECK_EQ(err, SEGOFF_OK);
	struct rng r = { check_seed() ^ 0x5eed };
	for (unsigned round = 0; round < 400; round++) {
		size_t len = round < 130 ? round : rng_range(&r, 0, 9216);
		for (unsigned align = 0; align < 64; align++) {
			uint8_t *p = buf + align;
			fill(&r, p, len);
			/* all-0xff data stresses carries */
			if (round % 7 == 3)
				memset(p, 0xff, len);
			uint16_t want = ref_fold(ref_sum(p, len, 0));
			uint16_t got = segoff_csum_fold(segoff_csum(p, len));
			/* 0 and 0xffff are the same one's-complement value, but a
			 * fold of nonzero data must never give 0. */
			if (want == 0xffff && got == 0)
				got = 0xffff;
			CHECK_EQ(got, want);
			memset(dst, 0, len + 64);
			uint8_t *d = dst + (63 - align);
			uint16_t gotc = segoff_csum_fold(segoff_csum_copy(d, p, len));
			if (want == 0xffff && gotc == 0)
				gotc = 0xffff;
			CHECK_EQ(gotc, want);
			CHECK(memcmp(d, p, len) == 0);
			if (check_failures_in_test) {
				fprintf(stderr, "    impl %s len %zu align %u\n", name, len, align);
				segoff_csum_set_impl(NULL);
				return;
			}
		}
	}
	segoff_csum_set_impl(NULL);
}

static void csum_scalar_matches_reference(void) { check_impl(impl_names[0]); }
static void csum_avx2_matches_reference(void) { check_impl(impl_names[1]); }
static void csum_avx512_matches_reference(void) { check_impl(impl_names[2]); }

/* Big buffers cross the SIMD loops' accumulator spill points. */
static void csum_large_buffers_do_not_overflow(void)
{
	size_t n = 5u << 20;
	uint8_t *p = malloc(n);
	memset(p, 0xff, n);
	uint16_t want = ref_fold(ref_sum(p, n, 0));
	for (unsigned i = 0; i < 3; i++) {
		if (segoff_csum_set_impl(impl_names[i]) != SEGOFF_OK)
			continue;
		uint16_t got = segoff_csum_fold(segoff_csum(p, n));
		CHECK_EQ(got, want);
	}
	segoff_csum_set_impl(NULL);
	free(p);
}

static void csum_impl_env_override_is_honoured(void)
{
	/* The variable is read at first use; here we check the setter's names
	 * and that unknown names are refused by name. */
	CHECK_EQ(segoff_csum_set_impl("scalar"), SEGOFF_OK);
	CHECK(strcmp(segoff_csum_impl_name(), "scalar") == 0);
	CHECK_EQ(segoff_csum_set_impl("mmx"), SEGOFF_E_INVAL);
	CHECK(strcmp(segoff_csum_impl_name(), "scalar") == 0);
	CHECK_EQ(segoff_csum_set_impl("auto"), SEGOFF_OK);
	const char *env = getenv("SEGOFF_CSUM_IMPL");
	printf("  in use: %s (SEGOFF_CSUM_IMPL=%s)\n", segoff_csum_impl_name(), env ? env : "unset");
}

static void csum_odd_offset_blocks_combine(void)
{
	struct rng r = { check_seed() };
	fill(&r, buf, 3001);
	for (size_t cut = 0; cut <= 3001; cut += 7) {
		segoff_csum_t s = segoff_csum(buf, cut);
		s = segoff_csum_add_at(s, segoff_csum(buf + cut, 3001 - cut), cut);
		CHECK_EQ(segoff_csum_fold(s), ref_fold(ref_sum(buf, 3001, 0)));
	}
}

static void csum_pseudo_headers_match_definition(void)
{
	const uint8_t s4[4] = { 192, 0, 2, 1 }, d4[4] = { 198, 51, 100, 7 };
	uint8_t ph[12];
	memcpy(ph, s4, 4);
	memcpy(ph + 4, d4, 4);
	ph[8] = 0;
	ph[9] = 6;
	ph[10] = 0x12;
	ph[11] = 0x34;
	CHECK_EQ(segoff_csum_fold(segoff_csum_pseudo4(s4, d4, 6, 0x1234)), ref_fold(ref_sum(ph, 12, 0)));
	uint8_t s6[16], d6[16], ph6[40] = { 0 };
	struct rng r = { 7 };
	fill(&r, s6, 16);
	fill(&r, d6, 16);
	memcpy(ph6, s6, 16);
	memcpy(ph6 + 16, d6, 16);
	ph6[33] = 0x01; /* length 0x00012345 */
	ph6[34] = 0x23;
	ph6[35] = 0x45;
	ph6[39] = 17;
	CHECK_EQ(segoff_csum_fold(segoff_csum_pseudo6(s6, d6, 17, 0x12345)), ref_fold(ref_sum(ph6, 40, 0)));
}

/* RFC 1624 section 4: HC = 0xdd2f, m 0x5555 -> 0x3285 gives HC' = 0x0000. */
static void csum_rfc1624_incremental_update(void)
{
	CHECK_EQ(segoff_csum_replace16(0xdd2f, 0x5555, 0x3285), 0x0000);
	struct rng r = { check_seed() };
	for (int i = 0; i < 1000; i++) {
		uint8_t b[40];
		fill(&r, b, 40);
		uint16_t before = (uint16_t)~ref_fold(ref_sum(b, 40, 0));
		unsigned w = rng_range(&r, 0, 19) * 2;
		uint16_t old = (uint16_t)(b[w] << 8 | b[w + 1]), nw = (uint16_t)rng_next(&r);
		b[w] = (uint8_t)(nw >> 8);
		b[w + 1] = (uint8_t)nw;
		uint16_t after = (uint16_t)~ref_fold(ref_sum(b, 40, 0));
		uint16_t inc = segoff_csum_replace16(before, old, nw);
		/* both zeros mean the same sum */
		CHECK(inc == after || (uint16_t)~inc == (uint16_t)~after || (inc | after) == 0xffff);
	}
}

static void csum_complete_writes_mangled_zero(void)
{
	/* Data whose checksum is 0: the completed field must read 0xffff. */
	uint8_t f[64] = { 0 };
	f[20] = 0x12;
	f[21] = 0x34;
	f[22] = (uint8_t)~0x12;
	f[23] = (uint8_t)~0x34; /* words sum to 0xffff -> check 0 */
	CHECK_EQ(segoff_csum_complete(f, 64, 20, 16), SEGOFF_OK);
	CHECK_EQ(f[36] << 8 | f[37], 0xffff);
	CHECK_EQ(segoff_csum_complete(f, 64, 60, 4), SEGOFF_E_VNET_CSUM_RANGE);
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(csum_scalar_matches_reference),
		TEST(csum_avx2_matches_reference),
		TEST(csum_avx512_matches_reference),
		TEST(csum_large_buffers_do_not_overflow),
		TEST(csum_impl_env_override_is_honoured),
		TEST(csum_odd_offset_blocks_combine),
		TEST(csum_pseudo_headers_match_definition),
		TEST(csum_rfc1624_incremental_update),
		TEST(csum_complete_writes_mangled_zero),
	};
	return check_main(argc, argv, "csum", tests, sizeof(tests) / sizeof(tests[0]));
}
