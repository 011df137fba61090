// SPDX-License-Identifier: MIT
/* The packet model's byte access: initialising a view and reading across
 * the head area and the payload slices. */
#include <string.h>
#include <segoff/segoff.h>

void segoff_pkt_init(struct segoff_pkt *pkt, const void *head, size_t head_len,
		     const struct segoff_slice *frags, unsigned nr_frags)
{
	/* Field by field: the layer array is filled by the parser, and zeroing
	 * the whole struct costs more than the rest of this on a GRO path. */
	pkt->head = head;
	pkt->head_len = head_len;
	pkt->frags = nr_frags ? frags : NULL;
	pkt->nr_frags = nr_frags;
	size_t len = head_len;
	for (unsigned i = 0; i < pkt->nr_frags; i++)
		len += frags[i].len;
	/* A packet is at most 4 GiB; callers with more have bigger problems. */
	pkt->len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	pkt->nr_layers = 0;
	pkt->l3_off = pkt->l4_off = pkt->inner_l3_off = pkt->inner_l4_off = 0xffff;
	pkt->payload_off = 0;
	pkt->l3_proto = pkt->l4_proto = pkt->inner_l3_proto = pkt->inner_l4_proto = SEGOFF_PROTO_NONE;
	pkt->encap_depth = 0;
	pkt->is_fragment = 0;
	pkt->nr_vlan = 0;
	pkt->gso_size = pkt->gso_segs = 0;
	pkt->gso_type = 0;
	pkt->csum_state = SEGOFF_CSUM_NONE;
	pkt->csum_start = pkt->csum_offset = 0;
}

int segoff_pkt_copy_out(const struct segoff_pkt *pkt, size_t off, void *dst, size_t len)
{
	uint8_t *d = dst;
	if (off > pkt->len || len > pkt->len - off)
		return SEGOFF_E_TRUNCATED;
	if (off < pkt->head_len) {
		size_t n = pkt->head_len - off < len ? pkt->head_len - off : len;
		memcpy(d, pkt->head + off, n);
		d += n;
		len -= n;
		off = 0;
	} else {
		off -= pkt->head_len;
	}
	for (unsigned i = 0; len && i < pkt->nr_frags; i++) {
		const struct segoff_slice *f = &pkt->frags[i];
		if (off >= f->len) {
			off -= f->len;
			continue;
		}
		size_t n = f->len - off < len ? f->len - off : len;
		memcpy(d, (const uint8_t *)f->base + off, n);
		d += n;
		len -= n;
		off = 0;
	}
	return len ? SEGOFF_E_TRUNCATED : SEGOFF_OK;
}
