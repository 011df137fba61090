// SPDX-License-Identifier: MIT
/* Toeplitz hashing for RSS queue selection. */
#include <string.h>
#include <segoff/segoff.h>
#include <segoff/rss.h>

static const uint8_t default_key[SEGOFF_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

const uint8_t *segoff_rss_default_key(void)
{
	return default_key;
}

uint32_t segoff_toeplitz(const uint8_t *key, size_t key_len, const void *data, size_t len)
{
	if (!key || key_len < len + 4)
		return 0;
	const uint8_t *d = data;
	/* The 32 key bits aligned with the current input bit slide left one
	 * bit per input bit; every set input bit XORs them into the result. */
	uint32_t window = (uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 | (uint32_t)key[2] << 8 | key[3];
	uint32_t hash = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t next = key[i + 4];
		for (int b = 7; b >= 0; b--) {
			if (d[i] & (1u << b))
				hash ^= window;
			window = window << 1 | ((next >> b) & 1u);
		}
	}
	return hash;
}

uint32_t segoff_rss_hash(const struct segoff_pkt *pkt, const uint8_t *key)
{
	uint8_t tuple[36];
	size_t n;
	if (!pkt || !key)
		return 0;
	const uint8_t *ip = pkt->head + pkt->l3_off;
	if (pkt->l3_proto == SEGOFF_PROTO_IPV4) {
		memcpy(tuple, ip + 12, 8);
		n = 8;
	} else if (pkt->l3_proto == SEGOFF_PROTO_IPV6) {
		memcpy(tuple, ip + 8, 32);
		n = 32;
	} else {
		return 0;
	}
	if ((pkt->l4_proto == SEGOFF_PROTO_TCP || pkt->l4_proto == SEGOFF_PROTO_UDP) && !pkt->is_fragment) {
		memcpy(tuple + n, pkt->head + pkt->l4_off, 4);
		n += 4;
	}
	return segoff_toeplitz(key, SEGOFF_RSS_KEY_LEN, tuple, n);
}
