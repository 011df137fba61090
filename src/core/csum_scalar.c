// SPDX-License-Identifier: MIT
/* Portable checksum loops: 32-bit words added into 64-bit accumulators, so
 * no carry is ever lost and folding happens once at the end. Two
 * accumulators let the CPU overlap the additions. */
#include <string.h>
#include "csum_impl.h"

static inline uint64_t add_halves(uint64_t x)
{
	return (x & 0xffffffffu) + (x >> 32);
}

/* Bytes 0..15 left over at the end of a buffer. */
static uint64_t csum_tail(const uint8_t *p, size_t len)
{
	uint64_t s = 0;
	while (len >= 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		s += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		s += w;
		p += 2;
		len -= 2;
	}
	if (len)
		s += *p; /* little-endian: an odd last byte is the low byte of its word */
	return s;
}

uint64_t segoff__csum_le_scalar(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t a = 0, b = 0;
	while (len >= 16) {
		uint64_t x, y;
		memcpy(&x, p, 8);
		memcpy(&y, p + 8, 8);
		a += add_halves(x);
		b += add_halves(y);
		p += 16;
		len -= 16;
	}
	return a + b + csum_tail(p, len);
}

uint64_t segoff__csum_copy_le_scalar(void *dst, const void *src, size_t len)
{
	const uint8_t *s = src;
	uint8_t *d = dst;
	uint64_t a = 0, b = 0;
	while (len >= 16) {
		uint64_t x, y;
		memcpy(&x, s, 8);
		memcpy(&y, s + 8, 8);
		memcpy(d, &x, 8);
		memcpy(d + 8, &y, 8);
		a += add_halves(x);
		b += add_halves(y);
		s += 16;
		d += 16;
		len -= 16;
	}
	memcpy(d, s, len);
	return a + b + csum_tail(s, len);
}
