// SPDX-License-Identifier: MIT
/*
 * Packet metadata to a virtio_net_hdr: the one conversion, used by the vnet
 * helpers (src/io/vnet.c) and by GRO for its outputs, so that both say the
 * same thing of the same packet. The kernel's virtio_net_hdr_from_skb: the
 * GSO type and size (hdr_len all headers), NEEDS_CSUM with csum_start and
 * csum_offset for a partial checksum, DATA_VALID for one known good
 * (VERIFIED, and COMPLETE: a check field segoff wrote or verified is final
 * and right, and a TAP reader need not check it again).
 */
#include "internal.h"
#include "vnet_meta.h"

static uint8_t vnet_gso_type_of(uint32_t gso_type)
{
	uint8_t t = SEGOFF_VNET_GSO_NONE;
	/* virtio has no type for GRE or IP-in-IP [EV2] */
	if (gso_type & (SEGOFF_GSO_GRE | SEGOFF_GSO_GRE_CSUM | SEGOFF_GSO_IPXIP4 | SEGOFF_GSO_IPXIP6 | SEGOFF_GSO_PARTIAL))
		return t;
	if (gso_type & SEGOFF_GSO_TCPV4)
		t = SEGOFF_VNET_GSO_TCPV4;
	else if (gso_type & SEGOFF_GSO_TCPV6)
		t = SEGOFF_VNET_GSO_TCPV6;
	else if (gso_type & SEGOFF_GSO_UDP_L4)
		t = SEGOFF_VNET_GSO_UDP_L4;
	else if (gso_type & SEGOFF_GSO_UDP)
		t = SEGOFF_VNET_GSO_UDP;
	if (t != SEGOFF_VNET_GSO_NONE && (gso_type & SEGOFF_GSO_TCP_ECN))
		t |= SEGOFF_VNET_GSO_ECN;
	return t;
}

int segoff__vnet_from_meta(const struct segoff__vnet_meta *m, struct segoff_vnet_hdr *h)
{
	*h = (struct segoff_vnet_hdr){ 0 };
	if (m->gso_size) {
		h->gso_type = vnet_gso_type_of(m->gso_type);
		if (h->gso_type == SEGOFF_VNET_GSO_NONE)
			return SEGOFF_E_GSO_TYPE;
		h->gso_size = m->gso_size;
		h->hdr_len = m->hdr_len;
		if (m->gso_type & (SEGOFF_GSO_UDP_TUNNEL | SEGOFF_GSO_UDP_TUNNEL_CSUM)) {
			h->gso_type |= m->outer_ipv6 ? SEGOFF_VNET_GSO_UDP_TUNNEL_IPV6 : SEGOFF_VNET_GSO_UDP_TUNNEL_IPV4;
			h->outer_th_offset = m->outer_th;
			h->inner_nh_offset = m->inner_nh;
		}
	}
	if (m->csum_state == SEGOFF_CSUM_PARTIAL) {
		h->flags = SEGOFF_VNET_F_NEEDS_CSUM;
		if (m->gso_size && (m->gso_type & SEGOFF_GSO_UDP_TUNNEL_CSUM))
			h->flags |= SEGOFF_VNET_F_UDP_TUNNEL_CSUM;
		h->csum_start = m->csum_start;
		h->csum_offset = m->csum_offset;
	} else if (m->csum_state == SEGOFF_CSUM_VERIFIED || m->csum_state == SEGOFF_CSUM_COMPLETE) {
		h->flags = SEGOFF_VNET_F_DATA_VALID;
	}
	return SEGOFF_OK;
}
