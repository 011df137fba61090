// SPDX-License-Identifier: MIT
/*
 * IP fragmentation engine: knows no IP version. The IP layer says what each
 * fragment repeats and where the data starts (frag_prepare); the engine cuts
 * the data as ip_do_fragment's slow path does (every fragment but the last
 * a multiple of 8 bytes, as large as the MTU allows), copies the headers,
 * and lets the layer write each fragment's fields (frag_fixup). A partial
 * transport checksum is completed over the whole datagram first (UFO, U3).
 */
#include <stddef.h>
#include <string.h>
#include "../proto/proto.h"

void segoff_frag_params_init(struct segoff_frag_params *p, uint16_t mtu)
{
	memset(p, 0, sizeof(*p));
	p->mtu = mtu;
}

static const struct segoff_layer *ip_layer(const struct segoff_pkt *pkt)
{
	for (unsigned i = 0; i < pkt->nr_layers; i++)
		if (pkt->layer[i].off == pkt->l3_off)
			return &pkt->layer[i];
	return NULL;
}

static uint32_t counter_id(void *opaque)
{
	uint32_t *n = opaque;
	return ++*n;
}

/* Plan the cut: 1 (fits), the number of fragments, or an error. */
static int frag_plan(const struct segoff_pkt *pkt, struct segoff_frag_params *p, struct frag_ctx *c)
{
	if (!pkt || !p || pkt->nr_layers == 0)
		return SEGOFF_E_INVAL;
	const struct segoff_layer *l = ip_layer(pkt);
	if (!l)
		return SEGOFF_E_NOT_SEGMENTABLE;
	/* The datagram ends where its IP header says, as the kernel trims a
	 * received packet to it: Ethernet padding is neither measured against
	 * the MTU nor fragmented. */
	uint32_t end = l->off + proto_ops_of(l->proto)->ip_len(pkt->head + l->off);
	if (end > pkt->len)
		return SEGOFF_E_TRUNCATED;
	if (end - l->off <= p->mtu)
		return 1;
	memset(c, 0, offsetof(struct frag_ctx, later_hdr));
	c->pkt = pkt;
	c->params = p;
	c->l3_off = l->off;
	int err = proto_ops_of(l->proto)->frag_prepare(c, l);
	if (err < 0)
		return err;
	if (c->data_off > pkt->head_len || c->data_off > end) /* end <= pkt->len */
		return SEGOFF_E_TRUNCATED;
	if (p->mtu < c->unfrag_len + c->frag_hdr_len + 8)
		return SEGOFF_E_FRAG_MTU;
	/* The kernel's loop: len = min(left, room); if something is left
	 * after it, round len down to 8. Every fragment but the last carries
	 * per_frag; the last whatever remains, up to the whole room. A
	 * sending socket's output caps the last at per_frag too. */
	uint32_t room = p->mtu - c->unfrag_len - c->frag_hdr_len;
	c->per_frag = room & ~7u;
	c->data_len = end - c->data_off;
	if (p->layout == SEGOFF_FRAG_LOCAL_OUT)
		room = c->per_frag;
	if (c->data_len <= room)
		return 1;
	return 1 + (int)((c->data_len - room + c->per_frag - 1) / c->per_frag);
}

int segoff_frag_count(const struct segoff_pkt *pkt, struct segoff_frag_params *p)
{
	struct frag_ctx c;
	return frag_plan(pkt, p, &c);
}

/* The completed transport checksum of a PARTIAL packet (its field holds the
 * pseudo-header sum), as skb_checksum_help writes it: 0 becomes 0xffff. */
static int completed_csum(const struct segoff_pkt *pkt, uint16_t *value, uint32_t *pos)
{
	if (pkt->csum_state != SEGOFF_CSUM_PARTIAL)
		return 0;
	uint32_t start = pkt->csum_start, at = start + pkt->csum_offset;
	if (at + 2 > pkt->len || start > pkt->head_len)
		return 0;
	segoff_csum_t s = segoff_csum(pkt->head + start, pkt->head_len - start);
	size_t off = pkt->head_len - start;
	for (unsigned i = 0; i < pkt->nr_frags; i++) {
		s = segoff_csum_add_at(s, segoff_csum(pkt->frags[i].base, pkt->frags[i].len), off);
		off += pkt->frags[i].len;
	}
	uint16_t c = segoff_csum_finish(s);
	*value = c ? c : 0xffff;
	*pos = at;
	return 1;
}

int segoff_frag_copy(const struct segoff_pkt *pkt, struct segoff_frag_params *p, uint8_t *buf, size_t buf_size,
		     struct segoff_seg *frags, size_t frags_cap)
{
	struct frag_ctx c;
	int n = frag_plan(pkt, p, &c);
	if (n < 0)
		return n;
	if (!buf || !frags)
		return SEGOFF_E_INVAL;
	if (n == 1) { /* fits: unchanged */
		if (frags_cap < 1 || buf_size < pkt->len)
			return SEGOFF_E_NOSPACE;
		if (segoff_pkt_copy_out(pkt, 0, buf, pkt->len) < 0)
			return SEGOFF_E_TRUNCATED;
		frags[0] = (struct segoff_seg){ .head = buf, .len = pkt->len, .head_len = pkt->payload_off };
		return 1;
	}
	const unsigned hdr = c.l3_off + c.unfrag_len + c.frag_hdr_len;
	if ((size_t)n > frags_cap || buf_size < (size_t)n * hdr + c.data_len)
		return SEGOFF_E_NOSPACE;
	uint32_t ipv6_counter = 0;
	if (c.frag_hdr_len)
		c.v6_id = p->ipv6_id ? p->ipv6_id(p->opaque) : counter_id(&ipv6_counter);
	uint16_t csum = 0;
	uint32_t csum_pos = 0;
	int patch = completed_csum(pkt, &csum, &csum_pos);
	const struct segoff_layer *l = ip_layer(pkt);
	const struct proto_ops *ip_ops = proto_ops_of(l->proto);
	uint8_t *frame = buf;
	for (unsigned i = 0; i < (unsigned)n; i++) {
		uint32_t offset = i * c.per_frag;
		uint32_t len = i + 1 < (unsigned)n ? c.per_frag : c.data_len - offset;
		/* L2, then the IP header: the original for the first fragment,
		 * options filtered after (IPv4); the unfragmentable part (IPv6) */
		memcpy(frame, pkt->head, c.l3_off);
		memcpy(frame + c.l3_off, i == 0 || c.frag_hdr_len ? pkt->head + c.l3_off : c.later_hdr, c.unfrag_len);
		uint8_t *data = frame + hdr;
		if (segoff_pkt_copy_out(pkt, c.data_off + offset, data, len) < 0)
			return SEGOFF_E_TRUNCATED;
		if (patch) {
			for (unsigned b = 0; b < 2; b++) {
				uint32_t at = csum_pos + b;
				if (at >= c.data_off + offset && at < c.data_off + offset + len)
					data[at - c.data_off - offset] = (uint8_t)(b ? csum : csum >> 8);
			}
		}
		ip_ops->frag_fixup(&c, frame + c.l3_off, offset, len, i + 1 < (unsigned)n);
		frags[i] = (struct segoff_seg){ .head = frame, .len = hdr + len, .head_len = (uint16_t)hdr };
		frame += hdr + len;
	}
	return n;
}
