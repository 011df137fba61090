// SPDX-License-Identifier: MIT
/* Checksum front end: picks an implementation once (the library's only
 * global state), converts the little-endian word sums the loops produce into
 * the big-endian word sums of the API, and provides the small helpers
 * (pseudo-headers, RFC 1624 update, completing a partial checksum). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <segoff/segoff.h>
#include "csum_impl.h"

struct csum_impl {
	const char *name;
	csum_fn sum;
	csum_copy_fn copy;
	int (*supported)(void);
};

static int always(void)
{
	return 1;
}

#if defined(__x86_64__)
static int has_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
}

static int has_avx512(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}
#endif

/* Best first: auto-selection takes the first supported row. */
static const struct csum_impl impls[] = {
#if defined(__x86_64__)
	{ "avx512", segoff__csum_le_avx512, segoff__csum_copy_le_avx512, has_avx512 },
	{ "avx2", segoff__csum_le_avx2, segoff__csum_copy_le_avx2, has_avx2 },
#endif
	{ "scalar", segoff__csum_le_scalar, segoff__csum_copy_le_scalar, always },
};
#define NR_IMPLS (sizeof(impls) / sizeof(impls[0]))

static _Atomic(const struct csum_impl *) current;

static const struct csum_impl *find_impl(const char *name)
{
	for (size_t i = 0; i < NR_IMPLS; i++)
		if (strcmp(impls[i].name, name) == 0)
			return &impls[i];
	return NULL;
}

static const struct csum_impl *best_impl(void)
{
	for (size_t i = 0; i < NR_IMPLS; i++)
		if (impls[i].supported())
			return &impls[i];
	return &impls[NR_IMPLS - 1];
}

int segoff_csum_set_impl(const char *name)
{
	const struct csum_impl *impl;
	if (!name || !*name || strcmp(name, "auto") == 0) {
		impl = best_impl();
	} else {
		impl = find_impl(name);
		if (!impl)
			return SEGOFF_E_INVAL;
		if (!impl->supported())
			return SEGOFF_E_NO_CPU_SUPPORT;
	}
	atomic_store_explicit(&current, impl, memory_order_release);
	return SEGOFF_OK;
}

/* First use: honour SEGOFF_CSUM_IMPL, else the best the CPU has. A name the
 * CPU cannot run falls back to auto rather than crashing on SIGILL. */
static const struct csum_impl *impl_get(void)
{
	const struct csum_impl *impl = atomic_load_explicit(&current, memory_order_acquire);
	if (impl)
		return impl;
	if (segoff_csum_set_impl(getenv("SEGOFF_CSUM_IMPL")) != SEGOFF_OK)
		segoff_csum_set_impl(NULL);
	return atomic_load_explicit(&current, memory_order_acquire);
}

const char *segoff_csum_impl_name(void)
{
	return impl_get()->name;
}

/* The loops add words in the CPU's byte order; the API speaks big-endian
 * words. Swapping the bytes of every word multiplies a one's-complement sum
 * by 256 (mod 0xffff), and since 0xffff divides 2^64 - 1, rotating the whole
 * 64-bit sum left by 8 does exactly that: one instruction, no fold. Zero
 * stays zero, so "0 only for all-zero data" still holds after folding.
 * One 64 -> 33-bit fold first keeps results below 2^41, so that callers can
 * add millions of them with plain `+`, as csum.h promises. */
static inline segoff_csum_t to_api_order(uint64_t native)
{
	native = (native & 0xffffffffu) + (native >> 32);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return native;
#else
	return (native << 8) | (native >> 56);
#endif
}

/* Below this, the scalar loop wins: no vector set-up or reduction, and
 * header-sized sums on the partial-checksum path then run no wide vector
 * code at all, which on some CPUs lowers the clock for everything after. */
#define CSUM_SCALAR_BELOW 64

segoff_csum_t segoff_csum(const void *buf, size_t len)
{
	if (len < CSUM_SCALAR_BELOW)
		return to_api_order(segoff__csum_le_scalar(buf, len));
	return to_api_order(impl_get()->sum(buf, len));
}

segoff_csum_t segoff_csum_copy(void *dst, const void *src, size_t len)
{
	return to_api_order(impl_get()->copy(dst, src, len));
}

static inline uint32_t be16_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

segoff_csum_t segoff_csum_pseudo4(const void *saddr4, const void *daddr4, uint8_t proto, uint32_t l4_len)
{
	const uint8_t *s = saddr4, *d = daddr4;
	return (segoff_csum_t)be16_at(s) + be16_at(s + 2) + be16_at(d) + be16_at(d + 2) + proto +
	       (l4_len >> 16) + (l4_len & 0xffff);
}

segoff_csum_t segoff_csum_pseudo6(const void *saddr16, const void *daddr16, uint8_t proto, uint32_t l4_len)
{
	const uint8_t *s = saddr16, *d = daddr16;
	segoff_csum_t sum = proto + (l4_len >> 16) + (l4_len & 0xffff);
	for (int i = 0; i < 16; i += 2)
		sum += be16_at(s + i) + be16_at(d + i);
	return sum;
}

uint16_t segoff_csum_replace16(uint16_t check, uint16_t old_word, uint16_t new_word)
{
	segoff_csum_t s = (uint16_t)~check;
	s += (uint16_t)~old_word;
	s += new_word;
	return segoff_csum_finish(s);
}

int segoff_csum_complete(uint8_t *frame, size_t len, uint16_t csum_start, uint16_t csum_offset)
{
	if (!frame || (size_t)csum_start + csum_offset + 2 > len)
		return SEGOFF_E_VNET_CSUM_RANGE;
	uint16_t c = segoff_csum_finish(segoff_csum(frame + csum_start, len - csum_start));
	/* skb_checksum_help writes CSUM_MANGLED_0 for a zero result, whatever
	 * the protocol: 0 would read as "no checksum" for UDP. */
	if (c == 0)
		c = 0xffff;
	frame[csum_start + csum_offset] = (uint8_t)(c >> 8);
	frame[csum_start + csum_offset + 1] = (uint8_t)c;
	return SEGOFF_OK;
}
