// SPDX-License-Identifier: MIT
/* AVX-512 checksum: the AVX2 scheme on 64-byte vectors, with a masked load
 * for the tail so short buffers never fall back to the scalar loop.
 *
 * Every entry point ends with vzeroupper. GCC inserts it after 256-bit code
 * (the AVX2 file gets it for free) but not after 512-bit code, and a caller
 * whose SSE code runs with the upper vector state dirty pays for it on every
 * instruction: GSO with full checksums ran at a sixth of its speed on Intel
 * (225 ns against 38 ns per segment). tests/test_simd_upper_state.c fails if
 * any SIMD entry point returns with that state in use. */
#if defined(__x86_64__)
#include <immintrin.h>
#include "csum_impl.h"

#define AVX512 __attribute__((target("avx512f,avx512bw")))

/* 4 accumulators of 32-bit lanes, each growing by at most 2 * 0xffff per
 * step, are added together before the reduction: spill before their sum
 * could pass 2^32. */
#define STEPS_PER_SPILL 4096

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

AVX512 static uint64_t tail_avx512(__m512i a, uint8_t *d, const uint8_t *p, size_t len);

AVX512 static uint64_t csum_avx512_common(void *dst, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint8_t *d = dst;
	const __m512i mask = _mm512_set1_epi32(0xffff);
	uint64_t total = 0;
	__m512i head_acc = _mm512_setzero_si512();
	/* Copying: bring the destination to a 64-byte boundary with one masked
	 * step, since stores that straddle cache lines cost twice. An even
	 * head keeps the word pairing of what follows; an odd one (a
	 * destination at an odd address) is left unaligned. */
	size_t head = d ? (size_t)(-(uintptr_t)d & 63) : 0;
	if (head && !(head & 1) && len >= 512) {
		__mmask64 m = ((__mmask64)1 << head) - 1;
		__m512i v = _mm512_maskz_loadu_epi8(m, p);
		_mm512_mask_storeu_epi8(d, m, v);
		head_acc = acc_words(head_acc, v, mask);
		p += head;
		d += head;
		len -= head;
	}
	while (len >= 256) {
		__m512i a0 = head_acc, a1 = _mm512_setzero_si512(), a2 = a1, a3 = a1;
		head_acc = a1;
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
		if (len < 256) { /* the tail joins the last round's accumulators */
			__m512i a = _mm512_add_epi32(_mm512_add_epi32(a0, a1), _mm512_add_epi32(a2, a3));
			return total + tail_avx512(a, d, p, len);
		}
		total += hsum_epi32(_mm512_add_epi32(_mm512_add_epi32(a0, a1), _mm512_add_epi32(a2, a3)));
	}
	return total + tail_avx512(head_acc, d, p, len);
}

/* Below 256 bytes: 64-byte steps, the last one masked, so bytes past the
 * end are neither read nor written. */
AVX512 static uint64_t tail_avx512(__m512i a, uint8_t *d, const uint8_t *p, size_t len)
{
	const __m512i mask = _mm512_set1_epi32(0xffff);
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
	return hsum_epi32(a);
}

AVX512 uint64_t segoff__csum_le_avx512(const void *buf, size_t len)
{
	uint64_t sum = csum_avx512_common(NULL, buf, len);
	_mm256_zeroupper();
	return sum;
}

AVX512 uint64_t segoff__csum_copy_le_avx512(void *dst, const void *src, size_t len)
{
	uint64_t sum = csum_avx512_common(dst, src, len);
	_mm256_zeroupper();
	return sum;
}
#endif
