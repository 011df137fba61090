/* SPDX-License-Identifier: MIT */
/* Internal: the checksum implementations behind csum.c's dispatch.
 *
 * Each returns the sum of little-endian 16-bit words (what a little-endian
 * CPU adds naturally), unfolded; csum.c converts it to the big-endian word
 * sum of the public API with one byte swap of the folded value. */
#ifndef SEGOFF_CSUM_IMPL_H
#define SEGOFF_CSUM_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include "internal.h"

typedef uint64_t (*csum_fn)(const void *buf, size_t len);
typedef uint64_t (*csum_copy_fn)(void *dst, const void *src, size_t len);

/* A little-endian word sum made from the other byte of each word: fold and swap. */
static inline uint64_t csum_swap16(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)((s << 8) | (s >> 8));
}

SEGOFF_INTERNAL uint64_t segoff__csum_le_scalar(const void *buf, size_t len);
SEGOFF_INTERNAL uint64_t segoff__csum_copy_le_scalar(void *dst, const void *src, size_t len);
#if defined(__x86_64__)
SEGOFF_INTERNAL uint64_t segoff__csum_le_avx2(const void *buf, size_t len);
SEGOFF_INTERNAL uint64_t segoff__csum_copy_le_avx2(void *dst, const void *src, size_t len);
SEGOFF_INTERNAL uint64_t segoff__csum_le_avx512(const void *buf, size_t len);
SEGOFF_INTERNAL uint64_t segoff__csum_copy_le_avx512(void *dst, const void *src, size_t len);
#endif

#endif
