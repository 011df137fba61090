// SPDX-License-Identifier: MIT
/* virtio_net_hdr [V1-V4]: decoding, encoding, and the validation the kernel
 * applies when a frame is written into a TAP (tun_vnet_hdr_get and
 * virtio_net_hdr_to_skb), reproduced check by check because every field
 * comes from whoever wrote the frame. */
#include <string.h>
#include <segoff/segoff.h>
#include "../core/vnet_meta.h"

#define GSO_BY_FRAGS 0xffff
#define UDP_MAX_SEGMENTS 128
#define TCP_CHECK_OFFSET 16
#define UDP_CHECK_OFFSET 6

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

int segoff_vnet_decode(const void *buf, size_t len, struct segoff_vnet_hdr *h)
{
	const uint8_t *b = buf;
	if (!b || !h || (len != SEGOFF_VNET_HDR_LEN && len != SEGOFF_VNET_HDR_MRG_LEN &&
			 len != SEGOFF_VNET_HDR_TUNNEL_LEN))
		return SEGOFF_E_INVAL;
	h->flags = b[0];
	h->gso_type = b[1];
	h->hdr_len = le16(b + 2);
	h->gso_size = le16(b + 4);
	h->csum_start = le16(b + 6);
	h->csum_offset = le16(b + 8);
	h->num_buffers = len > SEGOFF_VNET_HDR_LEN ? le16(b + 10) : 0;
	int tunnel = len == SEGOFF_VNET_HDR_TUNNEL_LEN;
	h->hash_value = tunnel ? (uint32_t)le16(b + 12) | (uint32_t)le16(b + 14) << 16 : 0;
	h->hash_report = tunnel ? le16(b + 16) : 0;
	h->outer_th_offset = tunnel ? le16(b + 20) : 0;
	h->inner_nh_offset = tunnel ? le16(b + 22) : 0;
	return SEGOFF_OK;
}

int segoff_vnet_encode(const struct segoff_vnet_hdr *h, void *buf, size_t len)
{
	uint8_t *b = buf;
	if (!b || !h || (len != SEGOFF_VNET_HDR_LEN && len != SEGOFF_VNET_HDR_MRG_LEN &&
			 len != SEGOFF_VNET_HDR_TUNNEL_LEN))
		return SEGOFF_E_INVAL;
	b[0] = h->flags;
	b[1] = h->gso_type;
	put_le16(b + 2, h->hdr_len);
	put_le16(b + 4, h->gso_size);
	put_le16(b + 6, h->csum_start);
	put_le16(b + 8, h->csum_offset);
	if (len > SEGOFF_VNET_HDR_LEN)
		put_le16(b + 10, h->num_buffers);
	if (len == SEGOFF_VNET_HDR_TUNNEL_LEN) {
		put_le16(b + 12, (uint16_t)h->hash_value);
		put_le16(b + 14, (uint16_t)(h->hash_value >> 16));
		put_le16(b + 16, h->hash_report);
		put_le16(b + 18, 0); /* padding */
		put_le16(b + 20, h->outer_th_offset);
		put_le16(b + 22, h->inner_nh_offset);
	}
	return SEGOFF_OK;
}

#define VNET_TUNNEL_BITS (SEGOFF_VNET_GSO_UDP_TUNNEL_IPV4 | SEGOFF_VNET_GSO_UDP_TUNNEL_IPV6)

/* The 24-byte header's tunnel part [EV3], checked before the plain rules:
 * one outer family, an inner TCP or USO type, NEEDS_CSUM, and the outer
 * transport, inner network and checksum offsets each past the header
 * before. A header read as 10 or 12 bytes has both offsets 0 and fails the
 * order. Then the packet must hold that tunnel where the header says. */
static int vnet_tunnel_check(const struct segoff_vnet_hdr *h, const struct segoff_pkt *pkt)
{
	const uint8_t bits = h->gso_type & VNET_TUNNEL_BITS;
	const uint8_t inner = h->gso_type & (uint8_t)~(VNET_TUNNEL_BITS | SEGOFF_VNET_GSO_ECN);
	if (bits == VNET_TUNNEL_BITS || (inner != SEGOFF_VNET_GSO_TCPV4 && inner != SEGOFF_VNET_GSO_TCPV6 &&
					 inner != SEGOFF_VNET_GSO_UDP_L4))
		return SEGOFF_E_VNET_TUNNEL_TYPE;
	if (!(h->flags & SEGOFF_VNET_F_NEEDS_CSUM))
		return SEGOFF_E_VNET_NEEDS_CSUM;
	unsigned outer_nh_len = bits == SEGOFF_VNET_GSO_UDP_TUNNEL_IPV4 ? 20 : 40;
	unsigned inner_nh_len = inner == SEGOFF_VNET_GSO_TCPV6 ? 40 : 20;
	const unsigned link_len = segoff_pkt_link(pkt) == SEGOFF_LINK_IP ? 0 : 14;
	if (h->outer_th_offset < link_len + outer_nh_len || h->inner_nh_offset < h->outer_th_offset + 8u ||
	    h->csum_start < h->inner_nh_offset + inner_nh_len)
		return SEGOFF_E_VNET_TUNNEL_OFFSETS;
	/* what the offsets name must be what the parse found (segoff cuts by
	 * its parse; the kernel by the offsets, which then must agree) */
	if (pkt->encap_depth != 1 || pkt->l4_proto != SEGOFF_PROTO_UDP || pkt->l4_off != h->outer_th_offset ||
	    pkt->inner_l3_off != h->inner_nh_offset ||
	    pkt->l3_proto != (bits == SEGOFF_VNET_GSO_UDP_TUNNEL_IPV4 ? SEGOFF_PROTO_IPV4 : SEGOFF_PROTO_IPV6))
		return SEGOFF_E_VNET_PROTO;
	return SEGOFF_OK;
}

int segoff_vnet_to_pkt(const struct segoff_vnet_hdr *h, struct segoff_pkt *pkt)
{
	if (!h || !pkt)
		return SEGOFF_E_INVAL;
	/* a TAP refuses frames shorter than an Ethernet header; a TUN only an
	 * empty packet (its version byte says IPv4 or IPv6) */
	if (pkt->len < (segoff_pkt_link(pkt) == SEGOFF_LINK_IP ? 1u : 14u))
		return SEGOFF_E_FRAME_SHORT;
	const int tunnel = (h->gso_type & VNET_TUNNEL_BITS) != 0;
	if (tunnel) {
		int err = vnet_tunnel_check(h, pkt);
		if (err < 0)
			return err;
	}

	/* tun: the header length is raised to cover the check field, and may
	 * not claim more than the frame. */
	unsigned hdr_len = h->hdr_len;
	if ((h->flags & SEGOFF_VNET_F_NEEDS_CSUM) && (unsigned)h->csum_start + h->csum_offset + 2 > hdr_len)
		hdr_len = (unsigned)h->csum_start + h->csum_offset + 2;
	if (hdr_len > pkt->len)
		return SEGOFF_E_VNET_HDR_LEN;

	uint32_t gso_type = 0;
	unsigned thlen = 0, nh_min_len = 20;
	enum segoff_proto ip_proto = SEGOFF_PROTO_NONE;
	/* The ECN bit alone (type NONE|ECN) is not "no GSO": the kernel refuses it. */
	if (h->gso_type != SEGOFF_VNET_GSO_NONE) {
		switch (h->gso_type & ~(SEGOFF_VNET_GSO_ECN | VNET_TUNNEL_BITS)) {
		case SEGOFF_VNET_GSO_TCPV4:
			gso_type = SEGOFF_GSO_TCPV4;
			ip_proto = SEGOFF_PROTO_TCP;
			thlen = 20;
			break;
		case SEGOFF_VNET_GSO_TCPV6:
			gso_type = SEGOFF_GSO_TCPV6;
			ip_proto = SEGOFF_PROTO_TCP;
			thlen = 20;
			nh_min_len = 40;
			break;
		case SEGOFF_VNET_GSO_UDP:
			gso_type = SEGOFF_GSO_UDP;
			ip_proto = SEGOFF_PROTO_UDP;
			thlen = 8;
			break;
		case SEGOFF_VNET_GSO_UDP_L4:
			gso_type = SEGOFF_GSO_UDP_L4;
			ip_proto = SEGOFF_PROTO_UDP;
			thlen = 8;
			break;
		default:
			return SEGOFF_E_VNET_GSO_TYPE;
		}
		if (h->gso_type & SEGOFF_VNET_GSO_ECN)
			gso_type |= SEGOFF_GSO_TCP_ECN;
		if (h->gso_size == 0)
			return SEGOFF_E_VNET_GSO_SIZE;
	}

	unsigned p_off;
	uint8_t csum_state = SEGOFF_CSUM_NONE;
	if (h->flags & SEGOFF_VNET_F_NEEDS_CSUM) {
		unsigned start = h->csum_start, off = h->csum_offset;
		unsigned needed = start + (thlen > off + 2 ? thlen : off + 2);
		if (needed > pkt->len || start > pkt->len || start + off + 2 > pkt->len)
			return SEGOFF_E_VNET_CSUM_RANGE;
		/* Offsets count from the frame start, so this is a floor, not the
		 * real IP header size: what the kernel checks, no more. */
		if (start < nh_min_len)
			return SEGOFF_E_VNET_CSUM_START;
		p_off = start + thlen;
		csum_state = SEGOFF_CSUM_PARTIAL;
	} else {
		if (h->flags & SEGOFF_VNET_F_DATA_VALID)
			csum_state = SEGOFF_CSUM_VERIFIED;
		p_off = nh_min_len + thlen;
		if (gso_type) {
			/* The kernel finds the transport header with its flow
			 * dissector and insists on the protocol gso_type names. */
			if (pkt->l4_proto != ip_proto)
				return SEGOFF_E_VNET_PROTO;
			p_off = pkt->l4_off + thlen;
		}
	}

	uint16_t gso_size = 0;
	if (gso_type) {
		unsigned nh_off = p_off;
		switch (gso_type & ~SEGOFF_GSO_TCP_ECN) {
		case SEGOFF_GSO_UDP:
			nh_off -= thlen; /* UFO's gso_size does not include the UDP header */
			break;
		case SEGOFF_GSO_UDP_L4:
			if (csum_state != SEGOFF_CSUM_PARTIAL)
				return SEGOFF_E_VNET_NEEDS_CSUM;
			if (h->csum_offset != UDP_CHECK_OFFSET)
				return SEGOFF_E_VNET_CSUM_OFFSET;
			if (pkt->len - p_off > (uint32_t)h->gso_size * UDP_MAX_SEGMENTS)
				return SEGOFF_E_VNET_TOO_MANY_SEGS;
			if (gso_type & SEGOFF_GSO_TCP_ECN)
				return SEGOFF_E_VNET_ECN;
			break;
		default: /* TCP */
			if (csum_state == SEGOFF_CSUM_PARTIAL && h->csum_offset != TCP_CHECK_OFFSET)
				return SEGOFF_E_VNET_CSUM_OFFSET;
			break;
		}
		if (h->gso_size == GSO_BY_FRAGS)
			return SEGOFF_E_VNET_GSO_SIZE;
		/* Too small to be a GSO packet: it travels as a plain one; a
		 * tunnel one traps the kernel and is refused [E7]. */
		if (pkt->len - nh_off > h->gso_size)
			gso_size = h->gso_size;
		else if (tunnel)
			return SEGOFF_E_TUNNEL_NOT_GSO;
		else
			gso_type = 0;
		if (tunnel)
			gso_type |= h->flags & SEGOFF_VNET_F_UDP_TUNNEL_CSUM ? SEGOFF_GSO_UDP_TUNNEL_CSUM
									 : SEGOFF_GSO_UDP_TUNNEL;
	}

	pkt->gso_size = gso_size;
	pkt->gso_type = gso_type;
	pkt->gso_segs = 0;
	pkt->csum_state = csum_state;
	pkt->csum_start = csum_state == SEGOFF_CSUM_PARTIAL ? h->csum_start : 0;
	pkt->csum_offset = csum_state == SEGOFF_CSUM_PARTIAL ? h->csum_offset : 0;
	return SEGOFF_OK;
}

int segoff_vnet_from_pkt(const struct segoff_pkt *pkt, struct segoff_vnet_hdr *h)
{
	if (!pkt || !h)
		return SEGOFF_E_INVAL;
	struct segoff__vnet_meta m = { pkt->gso_type, pkt->gso_size, pkt->payload_off, pkt->csum_state,
				       pkt->csum_start, pkt->csum_offset, pkt->l3_proto == SEGOFF_PROTO_IPV6,
				       pkt->l4_off, pkt->inner_l3_off };
	return segoff__vnet_from_meta(&m, h);
}

void segoff_vnet_from_seg(const struct segoff_seg *seg, int partial, struct segoff_vnet_hdr *h)
{
	memset(h, 0, sizeof(*h));
	if (partial) {
		h->flags = SEGOFF_VNET_F_NEEDS_CSUM;
		h->csum_start = seg->csum_start;
		h->csum_offset = seg->csum_offset;
	}
}
