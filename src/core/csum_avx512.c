// SPDX-License-Identifier: MIT
/* AVX-512 checksum: the AVX2 scheme on 64-byte vectors, with a masked load
 * for the tail so short buffers never fall back to the scalar loop. */
#if defined(__x86_64__)
#include <immintrin.h>
#include "csum_impl.h"

#define AVX512 __attribute__((target("avx512f,avx512bw")))

#define STEPS_PER_SPILL 16384

AVX512 static inline __m512i acc_words(__m512i acc, __m512i v, __m512i mask)
{
	acc = _mm512_add_epi32(acc, _mm512_and_si512(v, mask));
	return _mm512_add_epi32(acc, _mm512_srli_epi32(v, 16));
}

AVX512 static uint64_t hsum_epi32(__m512i v)
{
	__m512i lo = _mm512_and_si512(v, _mm512_set1_epi64(0xffffffff));
	__m512i hi = _mm512_srli_epi64(v, 32);
	return (uint64_t)_mm512_reduce_add_epi64(_mm512_add_epi64(lo, hi));
}

AVX512 static uint64_t csum_avx512_common(void *dst, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint8_t *d = dst;
	const __m512i mask = _mm512_set1_epi32(0xffff);
	uint64_t total = 0;
	while (len >= 256) {
		__m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
		unsigned steps = 0;
		while (len >= 256 && steps < STEPS_PER_SPILL) {
			__m512i v0 = _mm512_loadu_si512((const void *)p);
			__m512i v1 = _mm512_loadu_si512((const void *)(p + 64));
			__m512i v2 = _mm512_loadu_si512((const void *)(p + 128));
			__m512i v3 = _mm512_loadu_si512((const void *)(p + 192));
			if (d) {
				_mm512_storeu_si512((void *)d, v0);
				_mm512_storeu_si512((void *)(d + 64), v1);
				_mm512_storeu_si512((void *)(d + 128), v2);
				_mm512_storeu_si512((void *)(d + 192), v3);
				d += 256;
			}
			a0 = acc_words(a0, v0, mask);
			a1 = acc_words(a1, v1, mask);
			a2 = acc_words(a2, v2, mask);
			a3 = acc_words(a3, v3, mask);
			p += 256;
			len -= 256;
			steps++;
		}
		total += hsum_epi32(a0) + hsum_epi32(a1) + hsum_epi32(a2) + hsum_epi32(a3);
	}
	__m512i a = _mm512_setzero_si512();
	while (len > 0) {
		/* masked load: bytes past `len` read as zero and are never touched */
		size_t n = len < 64 ? len : 64;
		__mmask64 m = n == 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1);
		__m512i v = _mm512_maskz_loadu_epi8(m, p);
		if (d) {
			_mm512_mask_storeu_epi8(d, m, v);
			d += n;
		}
		a = acc_words(a, v, mask);
		p += n;
		len -= n;
	}
	return total + hsum_epi32(a);
}

AVX512 uint64_t csum_le_avx512(const void *buf, size_t len)
{
	return csum_avx512_common(NULL, buf, len);
}

AVX512 uint64_t csum_copy_le_avx512(void *dst, const void *src, size_t len)
{
	return csum_avx512_common(dst, src, len);
}
#endif
