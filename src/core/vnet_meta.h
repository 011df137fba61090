/* SPDX-License-Identifier: MIT */
/* Internal: packet metadata to a virtio_net_hdr (vnet_meta.c). */
#ifndef SEGOFF_VNET_META_H
#define SEGOFF_VNET_META_H

#include <segoff/segoff.h>
#include "internal.h"

struct segoff__vnet_meta {
	uint32_t gso_type;      /* SEGOFF_GSO_* */
	uint16_t gso_size;      /* 0: not a GSO packet */
	uint16_t hdr_len;
	uint8_t csum_state;     /* enum segoff_csum_state */
	uint16_t csum_start, csum_offset;
	/* a UDP tunnel GSO packet [EV1, EV2]: the outer family and the outer
	 * transport and inner network offsets */
	uint8_t outer_ipv6;
	uint16_t outer_th, inner_nh;
};

/* SEGOFF_OK, or SEGOFF_E_GSO_TYPE for a GSO size with no type virtio has. */
SEGOFF_INTERNAL int segoff__vnet_from_meta(const struct segoff__vnet_meta *m, struct segoff_vnet_hdr *h);

#endif
