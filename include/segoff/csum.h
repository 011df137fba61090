/* SPDX-License-Identifier: MIT */
/*
 * csum.h - the Internet checksum (RFC 1071), pseudo-headers, folding,
 * incremental update (RFC 1624), and copy-with-checksum.
 *
 * Representation: a `segoff_csum_t` is an unfolded one's-complement sum of
 * big-endian 16-bit words, held in 64 bits so that many partial sums can be
 * added with plain `+` before folding. Fold it with segoff_csum_fold(); the
 * value to store in a check field is the complement, segoff_csum_finish().
 * All 16-bit values in and out are host order; store them with htons().
 *
 * Implementations: scalar, AVX2 and AVX-512, picked once at first use from
 * the CPU's features, or forced with SEGOFF_CSUM_IMPL=scalar|avx2|avx512 in
 * the environment, or with segoff_csum_set_impl().
 */
#ifndef SEGOFF_CSUM_H
#define SEGOFF_CSUM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t segoff_csum_t;

/**
 * Sum of `len` bytes at `buf`, as big-endian words starting at an even
 * position. An odd final byte counts as the high byte of a word.
 */
segoff_csum_t segoff_csum(const void *buf, size_t len);

/**
 * Copy `len` bytes from `src` to `dst` (not overlapping) and return their
 * sum as segoff_csum() would: one pass over the data.
 */
segoff_csum_t segoff_csum_copy(void *dst, const void *src, size_t len);

/** Fold to 16 bits. The result is 0 only if every word summed was 0. */
static inline uint16_t segoff_csum_fold(segoff_csum_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	return (uint16_t)s;
}

/** The value for a check field: the complement of the folded sum. */
static inline uint16_t segoff_csum_finish(segoff_csum_t s)
{
	return (uint16_t)~segoff_csum_fold(s);
}

/**
 * Add a sum that starts at byte offset `off` of the data being summed:
 * a block starting at an odd offset has its bytes in swapped word lanes.
 */
static inline segoff_csum_t segoff_csum_add_at(segoff_csum_t sum, segoff_csum_t block, size_t off)
{
	if (off & 1) {
		uint16_t f = segoff_csum_fold(block);
		block = (uint16_t)((f << 8) | (f >> 8));
	}
	return sum + block;
}

/** Pseudo-header sum for IPv4 (addresses in network byte order as stored). */
segoff_csum_t segoff_csum_pseudo4(const void *saddr4, const void *daddr4, uint8_t proto, uint32_t l4_len);

/** Pseudo-header sum for IPv6 (16-byte addresses as stored). */
segoff_csum_t segoff_csum_pseudo6(const void *saddr16, const void *daddr16, uint8_t proto, uint32_t l4_len);

/**
 * RFC 1624 incremental update: the new check field value when a 16-bit word
 * covered by checksum `check` changes from `old_word` to `new_word`
 * (HC' = ~(~HC + ~m + m')). All host order.
 */
uint16_t segoff_csum_replace16(uint16_t check, uint16_t old_word, uint16_t new_word);

/**
 * Finish a partial checksum in place, as the kernel's skb_checksum_help()
 * does for a device without checksum offload: sum from `csum_start` to the
 * end of `frame` (the field holds the pseudo-header sum) and store the
 * complement at csum_start + csum_offset, writing 0xFFFF for a result of 0.
 * Returns SEGOFF_OK or SEGOFF_E_VNET_CSUM_RANGE if the field is outside.
 */
int segoff_csum_complete(uint8_t *frame, size_t len, uint16_t csum_start, uint16_t csum_offset);

/* --- implementation selection --- */

/** Name of the implementation in use: "scalar", "avx2" or "avx512". */
const char *segoff_csum_impl_name(void);

/**
 * Force an implementation by name ("scalar", "avx2", "avx512"); NULL or
 * "auto" chooses the best the CPU supports. Returns SEGOFF_OK,
 * SEGOFF_E_INVAL (unknown name) or SEGOFF_E_NO_CPU_SUPPORT. Call before
 * other threads use the library.
 */
int segoff_csum_set_impl(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* SEGOFF_CSUM_H */
