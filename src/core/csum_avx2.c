// SPDX-License-Identifier: MIT
/* AVX2 checksum: each 32-bit lane accumulates its low and high 16-bit words
 * separately, so a lane grows by at most 2 * 0xffff per vector; lanes are
 * spilled into 64-bit totals before they could overflow. Compiled with a
 * target attribute so the rest of the library needs no -mavx2. */
#if defined(__x86_64__)
#include <immintrin.h>
#include "csum_impl.h"

#define AVX2 __attribute__((target("avx2")))

/* 4 accumulators of 32-bit lanes, each growing by at most 2 * 0xffff per
 * step, are added together before one reduction: spill before their sum
 * could pass 2^32. */
#define STEPS_PER_SPILL 4096

AVX2 static uint64_t hsum_epi32(__m256i v)
{
	__m256i lo = _mm256_and_si256(v, _mm256_set1_epi64x(0xffffffff));
	__m256i hi = _mm256_srli_epi64(v, 32);
	__m256i s = _mm256_add_epi64(lo, hi);
	__m128i t = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
	return (uint64_t)_mm_cvtsi128_si64(t) + (uint64_t)_mm_extract_epi64(t, 1);
}

AVX2 static inline __m256i acc_words(__m256i acc, __m256i v, __m256i mask)
{
	acc = _mm256_add_epi32(acc, _mm256_and_si256(v, mask));
	return _mm256_add_epi32(acc, _mm256_srli_epi32(v, 16));
}

/* Whole 32-byte blocks left after the 128-byte rounds (fewer than four),
 * copied to *d when copying, summed into `a`. */
AVX2 static inline __m256i acc_tail32(__m256i a, const uint8_t **p, uint8_t **d, size_t *len, __m256i mask)
{
	while (*len >= 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)*p);
		if (*d) {
			_mm256_storeu_si256((__m256i *)*d, v);
			*d += 32;
		}
		a = acc_words(a, v, mask);
		*p += 32;
		*len -= 32;
	}
	return a;
}

AVX2 static uint64_t csum_avx2_common(void *dst, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint8_t *d = dst;
	const __m256i mask = _mm256_set1_epi32(0xffff);
	uint64_t total = 0;
	while (len >= 128) {
		__m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
		unsigned steps = 0;
		while (len >= 128 && steps < STEPS_PER_SPILL) {
			__m256i v0 = _mm256_loadu_si256((const __m256i *)p);
			__m256i v1 = _mm256_loadu_si256((const __m256i *)(p + 32));
			__m256i v2 = _mm256_loadu_si256((const __m256i *)(p + 64));
			__m256i v3 = _mm256_loadu_si256((const __m256i *)(p + 96));
			if (d) {
				_mm256_storeu_si256((__m256i *)d, v0);
				_mm256_storeu_si256((__m256i *)(d + 32), v1);
				_mm256_storeu_si256((__m256i *)(d + 64), v2);
				_mm256_storeu_si256((__m256i *)(d + 96), v3);
				d += 128;
			}
			a0 = acc_words(a0, v0, mask);
			a1 = acc_words(a1, v1, mask);
			a2 = acc_words(a2, v2, mask);
			a3 = acc_words(a3, v3, mask);
			p += 128;
			len -= 128;
			steps++;
		}
		__m256i a = _mm256_add_epi32(_mm256_add_epi32(a0, a1), _mm256_add_epi32(a2, a3));
		if (len < 128) /* the tail joins the last round's accumulator */
			a = acc_tail32(a, &p, &d, &len, mask);
		total += hsum_epi32(a);
	}
	if (len >= 32) {
		total += hsum_epi32(acc_tail32(_mm256_setzero_si256(), &p, &d, &len, mask));
	}
	if (d)
		return total + segoff__csum_copy_le_scalar(d, p, len);
	return total + segoff__csum_le_scalar(p, len);
}

AVX2 uint64_t segoff__csum_le_avx2(const void *buf, size_t len)
{
	return csum_avx2_common(NULL, buf, len);
}

/* As for AVX-512: align the destination, swap the rest's sum after an odd head. */
AVX2 uint64_t segoff__csum_copy_le_avx2(void *dst, const void *src, size_t len)
{
	size_t head = (size_t)(-(uintptr_t)dst & 31);
	if (head == 0 || len < 256)
		return csum_avx2_common(dst, src, len);
	uint64_t h = csum_avx2_common(dst, src, head);
	uint64_t rest = csum_avx2_common((uint8_t *)dst + head, (const uint8_t *)src + head, len - head);
	return h + ((head & 1) ? csum_swap16(rest) : rest);
}
#endif
