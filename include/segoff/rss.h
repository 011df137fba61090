/* SPDX-License-Identifier: MIT */
/*
 * rss.h - receive-side scaling: the Toeplitz hash NICs use to keep each flow
 * on one queue, with the standard 40-byte key (Microsoft's RSS verification
 * key, the default of most drivers).
 */
#ifndef SEGOFF_RSS_H
#define SEGOFF_RSS_H

#include <stddef.h>
#include <stdint.h>
#include <segoff/pkt.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SEGOFF_RSS_KEY_LEN 40

/** The standard RSS key (6d 5a 56 da ...). */
const uint8_t *segoff_rss_default_key(void);

/**
 * Toeplitz hash of `len` bytes of `data` under `key` (`key_len` must be at
 * least len + 4). Returns 0 when the key is too short.
 */
uint32_t segoff_toeplitz(const uint8_t *key, size_t key_len, const void *data, size_t len);

/**
 * The hash a NIC computes for a parsed packet: source and destination
 * address, then the ports for TCP and UDP that are not fragments (RSS's
 * 4-tuple), the addresses alone otherwise, 0 for a packet without IP.
 */
uint32_t segoff_rss_hash(const struct segoff_pkt *pkt, const uint8_t *key);

#ifdef __cplusplus
}
#endif

#endif /* SEGOFF_RSS_H */
