// SPDX-License-Identifier: MIT
/*
 * Every SIMD entry point returns with the upper vector state clean.
 *
 * Code that leaves the upper halves of the YMM/ZMM registers in use makes
 * every later SSE instruction of its caller pay a transition penalty on
 * Intel CPUs: the AVX-512 checksum once ran GSO at a sixth of its speed for
 * that alone, and no functional test could see it. XGETBV with ECX=1 reads
 * XINUSE, the state components the CPU considers in use; after a call,
 * bit 2 (the upper 128 bits of YMM0-15) and bit 6 (the upper 256 bits of
 * ZMM0-15) must be clear. Bit 7 (ZMM16-31) is not checked: legacy SSE code
 * cannot touch those registers, so they cost nothing, and glibc's own
 * string functions leave them in use.
 *
 * The detector itself is tested first: deliberately dirty state must be
 * seen, or the suite fails (a test that cannot fail proves nothing).
 */
#include <stdio.h>
#include <string.h>
#include <segoff/segoff.h>
#include "check.h"

#if defined(__x86_64__)
#include <cpuid.h>

#define XINUSE_YMM_HI128 (1u << 2)
#define XINUSE_ZMM_HI256 (1u << 6)
#define XINUSE_DIRTY (XINUSE_YMM_HI128 | XINUSE_ZMM_HI256)

static int have_xinuse(void)
{
	unsigned a, b, c, d;
	/* OSXSAVE (leaf 1 ECX bit 27) for XGETBV at all; leaf 0xD sub-leaf 1
	 * EAX bit 2 for the ECX=1 form */
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27)))
		return 0;
	if (__get_cpuid_max(0, NULL) < 0xd)
		return 0;
	__cpuid_count(0xd, 1, a, b, c, d);
	return (a & (1u << 2)) != 0;
}

static unsigned xinuse(void)
{
	unsigned lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(1));
	(void)hi;
	return lo;
}

/* Plain asm in functions without a target attribute: a compiler that knows
 * a function uses AVX inserts vzeroupper at its exit by itself, which would
 * clean the very state these are meant to leave dirty. */
static void clean_upper(void)
{
	__asm__ volatile("vzeroupper" ::: "memory");
}

static void dirty_ymm(void)
{
	__asm__ volatile("vpcmpeqd %%ymm0, %%ymm0, %%ymm0" ::: "xmm0");
}

static void dirty_zmm(void)
{
	__asm__ volatile("vpternlogd $0xff, %%zmm0, %%zmm0, %%zmm0" ::: "xmm0");
}

static int skip(void)
{
	if (have_xinuse())
		return 0;
	printf("  SKIPPED: this CPU has no XGETBV ECX=1 (XINUSE): upper state cannot be read\n");
	return 1;
}

static void detector_sees_dirty_state(void)
{
	if (skip() || !__builtin_cpu_supports("avx"))
		return;
	clean_upper();
	CHECK_EQ(xinuse() & XINUSE_DIRTY, 0);
	dirty_ymm();
	CHECK(xinuse() & XINUSE_YMM_HI128);
	clean_upper();
	CHECK_EQ(xinuse() & XINUSE_DIRTY, 0);
	if (__builtin_cpu_supports("avx512f")) {
		dirty_zmm();
		CHECK(xinuse() & XINUSE_ZMM_HI256);
		clean_upper();
		CHECK_EQ(xinuse() & XINUSE_DIRTY, 0);
	}
}

/* Every implementation the library can pick: a new one must be added here,
 * which best_impl_is_listed enforces. */
static const char *const impl_names[] = { "scalar", "avx2", "avx512" };

static void best_impl_is_listed(void)
{
	CHECK_EQ(segoff_csum_set_impl(NULL), SEGOFF_OK);
	const char *best = segoff_csum_impl_name();
	int found = 0;
	for (size_t i = 0; i < sizeof(impl_names) / sizeof(impl_names[0]); i++)
		found |= strcmp(best, impl_names[i]) == 0;
	CHECK(found);
}

static uint8_t src[65536 + 64], dst[65536 + 64];

static void csum_entry_points_leave_upper_state_clean(void)
{
	if (skip())
		return;
	static const size_t lens[] = { 0, 1, 31, 63, 64, 65, 255, 256, 511, 1448, 1500, 9000, 65536 };
	memset(src, 0xa5, sizeof(src));
	for (size_t i = 0; i < sizeof(impl_names) / sizeof(impl_names[0]); i++) {
		if (segoff_csum_set_impl(impl_names[i]) != SEGOFF_OK) {
			printf("  SKIPPED %s: this CPU lacks it\n", impl_names[i]);
			continue;
		}
		unsigned bad = 0;
		for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
			for (unsigned align = 0; align < 2; align++) {
				if (__builtin_cpu_supports("avx"))
					clean_upper();
				(void)segoff_csum(src + align, lens[k]);
				unsigned after_sum = xinuse() & XINUSE_DIRTY;
				(void)segoff_csum_copy(dst + align, src, lens[k]);
				unsigned after_copy = xinuse() & XINUSE_DIRTY;
				if (after_sum || after_copy) {
					if (!bad)
						printf("  %s: length %zu: XINUSE 0x%x after segoff_csum, 0x%x after "
						       "segoff_csum_copy\n", impl_names[i], lens[k], after_sum, after_copy);
					bad++;
				}
			}
		}
		CHECK_EQ(bad, 0);
		printf("  %s: %s\n", impl_names[i], bad ? "returns with the upper state in use" : "clean");
	}
	segoff_csum_set_impl(NULL);
}

static const struct check_test tests[] = {
	TEST(detector_sees_dirty_state),
	TEST(best_impl_is_listed),
	TEST(csum_entry_points_leave_upper_state_clean),
};
#else
static void not_x86(void)
{
	printf("  SKIPPED: no x86 SIMD entry points on this architecture\n");
}
static const struct check_test tests[] = { TEST(not_x86) };
#endif

int main(int argc, char **argv)
{
	return check_main(argc, argv, "test_simd_upper_state", tests, sizeof(tests) / sizeof(tests[0]));
}
