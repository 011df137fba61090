// SPDX-License-Identifier: MIT
/*
 * The GSO engine: knows no protocol. It plans the cut (how many segments of
 * how many payload bytes), asks each layer outside in whether it accepts the
 * packet, lays out the segments (header template + payload, by reference or
 * by copy, summing the payload when full checksums are wanted), then lets
 * each layer inside out write its fields in every segment (proto.h).
 */
#include <string.h>
#include "../proto/proto.h"

void segoff_gso_params_init(struct segoff_gso_params *p)
{
	memset(p, 0, sizeof(*p));
	p->csum = SEGOFF_GSO_CSUM_FULL;
	p->ip_id = SEGOFF_GSO_IP_ID_AUTO;
	p->max_size = SEGOFF_GSO_DEFAULT_MAX_SIZE;
	p->max_segs = SEGOFF_GSO_DEFAULT_MAX_SEGS;
}

/* Walks the payload: the tail of the head area, then each slice. */
struct payload_cursor {
	const struct segoff_pkt *pkt;
	const uint8_t *p;
	size_t left;            /* bytes left in the current piece */
	unsigned next_frag;
};

static void cursor_init(struct payload_cursor *cur, const struct segoff_pkt *pkt, unsigned payload_off)
{
	cur->pkt = pkt;
	cur->p = pkt->head + payload_off;
	cur->left = pkt->head_len - payload_off;
	cur->next_frag = 0;
}

/* Up to `want` contiguous bytes; returns how many (0 only past the end). */
static size_t cursor_take(struct payload_cursor *cur, size_t want, const uint8_t **out)
{
	while (cur->left == 0) {
		if (cur->next_frag >= cur->pkt->nr_frags)
			return 0;
		const struct segoff_slice *f = &cur->pkt->frags[cur->next_frag++];
		cur->p = f->base;
		cur->left = f->len;
	}
	size_t n = want < cur->left ? want : cur->left;
	*out = cur->p;
	cur->p += n;
	cur->left -= n;
	return n;
}

static int gso_plan(const struct segoff_pkt *pkt, const struct segoff_gso_params *p, struct gso_ctx *c)
{
	if (!pkt || !p || pkt->nr_layers == 0)
		return SEGOFF_E_INVAL;
	if (pkt->is_fragment)
		return SEGOFF_E_FRAGMENT;
	const struct segoff_layer *last = &pkt->layer[pkt->nr_layers - 1];
	/* the innermost transport header is the one cut, and the last */
	if (pkt->inner_l4_proto == SEGOFF_PROTO_NONE || last->off != pkt->inner_l4_off || pkt->l3_off == 0xffff)
		return SEGOFF_E_NOT_SEGMENTABLE;

	unsigned mss = p->mss ? p->mss : pkt->gso_size;
	if (mss == 0)
		return SEGOFF_E_GSO_SIZE_ZERO;
	unsigned hdr_len = pkt->payload_off;
	if (hdr_len > pkt->head_len || hdr_len > pkt->len)
		return SEGOFF_E_TRUNCATED;
	uint32_t payload_len = pkt->len - hdr_len;
	/* one tunnel level, as the kernel segments [E1] */
	if (pkt->encap_depth > 1)
		return SEGOFF_E_UNSUPPORTED;
	/* A tunnel packet with nothing to cut traps the kernel [E7]: refused by
	 * its own name, never handed on. */
	if (payload_len <= mss)
		return pkt->encap_depth ? SEGOFF_E_TUNNEL_NOT_GSO : SEGOFF_E_GSO_NOTHING_TO_SPLIT;
	if (pkt->len - pkt->l3_off > p->max_size)
		return SEGOFF_E_GSO_TOO_BIG;
	uint32_t nr_segs = (payload_len + mss - 1) / mss;
	if (nr_segs > p->max_segs)
		return SEGOFF_E_GSO_TOO_MANY_SEGS;
	/* A GSO_PARTIAL packet's fields describe one segment, not itself:
	 * segoff does not cut one again. */
	if (pkt->gso_type & SEGOFF_GSO_PARTIAL)
		return SEGOFF_E_GSO_TYPE;

	*c = (struct gso_ctx){
		.pkt = pkt,
		.params = p,
		.nr_segs = nr_segs,
		.mss = mss,
		.hdr_len = hdr_len,
		.payload_len = payload_len,
		.full_csum = p->csum == SEGOFF_GSO_CSUM_FULL,
	};
	/* GSO_PARTIAL [E8]: skb_segment() cuts whole multiples of the MSS,
	 * counted in at most GSO_BY_FRAGS - 1 bytes, when the device can
	 * checksum the inner packet; fewer than two MSS in a cut is a plain
	 * cut. segoff offers it for tunnels with TCP inside. */
	if (p->partial && !c->full_csum && pkt->encap_depth == 1 && pkt->inner_l4_proto == SEGOFF_PROTO_TCP) {
		unsigned k = (payload_len < 65534u ? payload_len : 65534u) / mss;
		if (k > 1) {
			c->partial_segs = k;
			c->gso_size = mss;
			c->mss = mss * k;
			c->nr_segs = (payload_len + c->mss - 1) / c->mss;
		}
	}
	/* IPv4 IDs [I2, E2]: each level's network layer counts its own, fixed
	 * or not on its own (FIXEDID for the outer, FIXEDID_INNER inside) */
	for (unsigned d = 0; d < SEGOFF_MAX_DEPTH; d++) {
		uint32_t bit = d == 0 ? SEGOFF_GSO_FIXEDID : SEGOFF_GSO_FIXEDID_INNER;
		c->level[d].fixed_id = p->ip_id == SEGOFF_GSO_IP_ID_FIXED ||
				       (p->ip_id == SEGOFF_GSO_IP_ID_AUTO && (pkt->gso_type & bit));
	}
	for (unsigned i = 0; i < pkt->nr_layers; i++) {
		const struct proto_ops *ops = proto_ops_of(pkt->layer[i].proto);
		if (ops->gso_prepare) {
			int err = ops->gso_prepare(c, &pkt->layer[i]);
			if (err < 0)
				return err;
		}
	}
	return (int)c->nr_segs;
}

/* Header copy with fixed-size moves (inlined vector loads and stores) for the
 * common header sizes; two overlapping moves cover any length in a range,
 * and neither reads nor writes outside [0, n). */
static inline void copy_hdr(uint8_t *d, const uint8_t *s, size_t n)
{
	if (n >= 32 && n <= 64) {
		memcpy(d, s, 32);
		memcpy(d + n - 32, s + n - 32, 32);
	} else if (n > 64 && n <= 128) {
		memcpy(d, s, 64);
		memcpy(d + n - 64, s + n - 64, 64);
	} else {
		memcpy(d, s, n);
	}
}

/* Let each layer write the fields all middle segments share into `hdr`. */
static void apply_templates(const struct gso_ctx *c, uint8_t *hdr)
{
	const struct segoff_pkt *pkt = c->pkt;
	for (unsigned i = 0; i < pkt->nr_layers; i++) {
		const struct proto_ops *ops = proto_ops_of(pkt->layer[i].proto);
		if (ops->gso_template)
			ops->gso_template(c, &pkt->layer[i], hdr);
	}
}

/* The header template, specialised once in `buf` when it fits. */
static void build_template(struct gso_ctx *c, uint8_t buf[GSO_TMPL_MAX])
{
	c->tmpl = NULL;
	if (c->hdr_len <= GSO_TMPL_MAX) {
		memcpy(buf, c->pkt->head, c->hdr_len);
		apply_templates(c, buf);
		c->tmpl = buf;
	}
}

enum hdr_class { HDR_32_64, HDR_65_128, HDR_ANY };

/* One segment's header from the template. With `cls` constant, a header of
 * 32..64 (65..128) bytes is two overlapping fixed 32 (64) byte copies,
 * which compile to a few vector moves instead of a memcpy call. */
static inline __attribute__((always_inline)) void copy_header(uint8_t *dst, const uint8_t *tmpl, unsigned hdr_len,
							      enum hdr_class cls)
{
	if (cls == HDR_32_64) {
		memcpy(dst, tmpl, 32);
		memcpy(dst + hdr_len - 32, tmpl + hdr_len - 32, 32);
	} else if (cls == HDR_65_128) {
		memcpy(dst, tmpl, 64);
		memcpy(dst + hdr_len - 64, tmpl + hdr_len - 64, 64);
	} else {
		memcpy(dst, tmpl, hdr_len);
	}
}

/* The zero-copy fast path for a contiguous payload: header copy, two slices
 * and the descriptor per segment. Always inlined with constant `cls` and
 * `full`, so each call site becomes a loop without per-segment branches.
 * Locals, not fields: stores through byte pointers may alias anything. */
static inline __attribute__((always_inline)) void zc_fill(const struct gso_ctx *c, const uint8_t *pay,
							  struct segoff_gso_zc *zc, enum hdr_class cls, int full)
{
	const uint8_t *tmpl = c->tmpl;
	const unsigned hdr_len = c->hdr_len, mss = c->mss, last = c->nr_segs - 1;
	const unsigned last_len = c->payload_len - last * mss;
	uint8_t *head = zc->arena;
	struct segoff_slice *iov = zc->iov;
	struct segoff_seg *sg = c->segs;
	for (unsigned i = 0; i <= last; i++, head += hdr_len, pay += mss, iov += 2, sg++) {
		unsigned plen = i == last ? last_len : mss;
		copy_header(head, tmpl, hdr_len, cls);
		iov[0].base = head;
		iov[0].len = hdr_len;
		iov[1].base = pay;
		iov[1].len = plen;
		sg->head = head;
		sg->len = hdr_len + plen;
		sg->head_len = (uint16_t)hdr_len;
		sg->nr_iov = 2;
		sg->iov_first = 2 * i;
		sg->payload_sum = full ? segoff_csum_fold(segoff_csum(pay, plen)) : 0;
		sg->gso_size = 0;
		sg->gso_segs = 0;
	}
}

/* The copy fast path for a contiguous payload: finished frames back to back,
 * the payload copied and summed in one pass. Inlined like zc_fill. */
static inline __attribute__((always_inline)) void copy_fill(const struct gso_ctx *c, const uint8_t *pay,
							    uint8_t *frame, enum hdr_class cls, int full)
{
	const uint8_t *tmpl = c->tmpl;
	const unsigned hdr_len = c->hdr_len, mss = c->mss, last = c->nr_segs - 1;
	const unsigned last_len = c->payload_len - last * mss;
	struct segoff_seg *sg = c->segs;
	for (unsigned i = 0; i <= last; i++, pay += mss, sg++) {
		unsigned plen = i == last ? last_len : mss;
		copy_header(frame, tmpl, hdr_len, cls);
		sg->head = frame;
		sg->len = hdr_len + plen;
		sg->head_len = (uint16_t)hdr_len;
		sg->nr_iov = 0;
		sg->iov_first = 0;
		if (full) {
			sg->payload_sum = segoff_csum_fold(segoff_csum_copy(frame + hdr_len, pay, plen));
		} else {
			memcpy(frame + hdr_len, pay, plen);
			sg->payload_sum = 0;
		}
		sg->gso_size = 0;
		sg->gso_segs = 0;
		frame += hdr_len + plen;
	}
}

/* One segment's headers: the template, or for very long headers the
 * packet's own with the templates applied in place. */
static inline void write_headers(const struct gso_ctx *c, uint8_t *dst)
{
	if (c->tmpl) {
		copy_hdr(dst, c->tmpl, c->hdr_len);
	} else {
		memcpy(dst, c->pkt->head, c->hdr_len);
		apply_templates(c, dst);
	}
}

/* The payload as one contiguous run, or NULL: the common case (a frame in
 * one buffer, or headers in head and the data in one slice) needs no
 * cursor and gives every segment exactly one payload slice. */
static const uint8_t *contiguous_payload(const struct gso_ctx *c)
{
	const struct segoff_pkt *pkt = c->pkt;
	if (pkt->nr_frags == 0)
		return pkt->head + c->hdr_len;
	if (pkt->nr_frags == 1 && pkt->head_len == c->hdr_len)
		return pkt->frags[0].base;
	return NULL;
}

static void gso_fixup_all(const struct gso_ctx *c)
{
	const struct segoff_pkt *pkt = c->pkt;
	for (unsigned i = pkt->nr_layers; i-- > 0;) {
		const struct proto_ops *ops = proto_ops_of(pkt->layer[i].proto);
		if (ops->gso_fixup)
			ops->gso_fixup(c, &pkt->layer[i]);
	}
	/* GSO_PARTIAL [E8]: a cut of more than one MSS is a GSO packet for
	 * the device to finish */
	for (unsigned i = 0; c->partial_segs && i < c->nr_segs; i++) {
		uint32_t own = gso_seg_payload(c, i);
		if (own > c->gso_size) {
			c->segs[i].gso_size = (uint16_t)c->gso_size;
			c->segs[i].gso_segs = (uint16_t)((own + c->gso_size - 1) / c->gso_size);
		}
	}
}

int segoff_gso_count(const struct segoff_pkt *pkt, const struct segoff_gso_params *p)
{
	struct gso_ctx c;
	return gso_plan(pkt, p, &c);
}

int segoff_gso_zerocopy(const struct segoff_pkt *pkt, const struct segoff_gso_params *p,
			struct segoff_gso_zc *zc, struct segoff_seg *segs, size_t segs_cap)
{
	struct gso_ctx c;
	int n = gso_plan(pkt, p, &c);
	if (n < 0)
		return n;
	if (!zc || !zc->arena || !zc->iov || !segs)
		return SEGOFF_E_INVAL;
	if ((size_t)n > segs_cap || zc->arena_size / c.hdr_len < (size_t)n)
		return SEGOFF_E_NOSPACE;
	c.segs = segs;
	uint8_t tmpl_buf[GSO_TMPL_MAX];
	build_template(&c, tmpl_buf);

	const uint8_t *pay = contiguous_payload(&c);
	if (pay && c.tmpl) {
		if (zc->iov_cap / 2 < (size_t)n)
			return SEGOFF_E_NOSPACE;
		/* One loop per header-size class and checksum mode, so that the
		 * branches are decided once per packet, not per segment. */
		if (c.hdr_len >= 32 && c.hdr_len <= 64)
			c.full_csum ? zc_fill(&c, pay, zc, HDR_32_64, 1) : zc_fill(&c, pay, zc, HDR_32_64, 0);
		else if (c.hdr_len > 64 && c.hdr_len <= 128)
			c.full_csum ? zc_fill(&c, pay, zc, HDR_65_128, 1) : zc_fill(&c, pay, zc, HDR_65_128, 0);
		else
			zc_fill(&c, pay, zc, HDR_ANY, c.full_csum);
		zc->iov_used = 2 * (size_t)n;
		gso_fixup_all(&c);
		return n;
	}

	struct payload_cursor cur;
	cursor_init(&cur, pkt, c.hdr_len);
	size_t k = 0;
	for (unsigned i = 0; i < c.nr_segs; i++) {
		uint8_t *head = zc->arena + (size_t)i * c.hdr_len;
		unsigned want = gso_seg_payload(&c, i), got = 0;
		segoff_csum_t sum = 0;
		write_headers(&c, head);
		if (k == zc->iov_cap)
			return SEGOFF_E_NOSPACE;
		segs[i] = (struct segoff_seg){ .head = head, .len = c.hdr_len + want,
					       .head_len = (uint16_t)c.hdr_len, .iov_first = (uint32_t)k };
		zc->iov[k++] = (struct segoff_slice){ head, c.hdr_len };
		while (got < want) {
			const uint8_t *piece;
			size_t take = cursor_take(&cur, want - got, &piece);
			if (take == 0)
				return SEGOFF_E_TRUNCATED; /* pkt->len disagrees with its slices */
			if (k == zc->iov_cap)
				return SEGOFF_E_NOSPACE;
			zc->iov[k++] = (struct segoff_slice){ piece, take };
			if (c.full_csum)
				sum = segoff_csum_add_at(sum, segoff_csum(piece, take), got);
			got += (unsigned)take;
		}
		segs[i].nr_iov = (uint16_t)(k - segs[i].iov_first);
		segs[i].payload_sum = segoff_csum_fold(sum);
	}
	zc->iov_used = k;
	gso_fixup_all(&c);
	return n;
}

int segoff_gso_copy(const struct segoff_pkt *pkt, const struct segoff_gso_params *p,
		    uint8_t *buf, size_t buf_size, struct segoff_seg *segs, size_t segs_cap)
{
	struct gso_ctx c;
	int n = gso_plan(pkt, p, &c);
	if (n < 0)
		return n;
	if (!buf || !segs)
		return SEGOFF_E_INVAL;
	/* Every segment repeats the headers once; the payload is copied once. */
	if ((size_t)n > segs_cap || buf_size < (size_t)n * c.hdr_len + c.payload_len)
		return SEGOFF_E_NOSPACE;
	c.segs = segs;
	uint8_t tmpl_buf[GSO_TMPL_MAX];
	build_template(&c, tmpl_buf);

	const uint8_t *pay = contiguous_payload(&c);
	if (pay && c.tmpl) {
		if (c.hdr_len >= 32 && c.hdr_len <= 64)
			c.full_csum ? copy_fill(&c, pay, buf, HDR_32_64, 1) : copy_fill(&c, pay, buf, HDR_32_64, 0);
		else if (c.hdr_len > 64 && c.hdr_len <= 128)
			c.full_csum ? copy_fill(&c, pay, buf, HDR_65_128, 1) : copy_fill(&c, pay, buf, HDR_65_128, 0);
		else
			copy_fill(&c, pay, buf, HDR_ANY, c.full_csum);
		gso_fixup_all(&c);
		return n;
	}

	struct payload_cursor cur;
	cursor_init(&cur, pkt, c.hdr_len);
	uint8_t *frame = buf;
	for (unsigned i = 0; i < c.nr_segs; i++) {
		unsigned want = gso_seg_payload(&c, i), got = 0;
		segoff_csum_t sum = 0;
		write_headers(&c, frame);
		while (got < want) {
			const uint8_t *piece;
			size_t take = cursor_take(&cur, want - got, &piece);
			if (take == 0)
				return SEGOFF_E_TRUNCATED;
			uint8_t *dst = frame + c.hdr_len + got;
			if (c.full_csum)
				sum = segoff_csum_add_at(sum, segoff_csum_copy(dst, piece, take), got);
			else
				memcpy(dst, piece, take);
			got += (unsigned)take;
		}
		segs[i] = (struct segoff_seg){ .head = frame, .len = c.hdr_len + want,
					       .head_len = (uint16_t)c.hdr_len,
					       .payload_sum = segoff_csum_fold(sum) };
		frame += c.hdr_len + want;
	}
	gso_fixup_all(&c);
	return n;
}
