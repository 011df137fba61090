// SPDX-License-Identifier: MIT
/*
 * The GRO engine: knows no protocol. It keeps a table of held flows (memory
 * taken once at creation), asks each layer of a new packet whether it may be
 * held, finds the held flow with the same key, asks the layers whether the
 * two may merge, merges by reference (payload slices pointing into the input
 * buffers) or delivers, and at delivery lets each layer fix its fields
 * (proto.h). The order of decisions is the kernel's dev_gro_receive().
 */
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include "../core/vnet_meta.h"
#include "../proto/proto.h"

#define GRO_MAX_SIZE_LIMIT (256u * 1024)
#define GRO_MAX_OUT_FRAGS SEGOFF_GRO_MAX_FRAGS
#define NIL (-1)
/* The fast path's guess table: a few slots per flow, so that flows seldom
 * share one (a shared slot sends a packet through the key and hash). */
#define GRO_GUESS_MIN_BITS 10
#define GRO_GUESS_PER_FLOW 8
/* Slices of one flow: the header, two per packet (the payload's part of the
 * head and one slice, as frames and segments bring it), and room for a first
 * packet of SEGOFF_GRO_MAX_FRAGS slices, so that holding one always fits. */
#define GRO_FLOW_SLICES(pkts) (2 * (pkts) + 1 + SEGOFF_GRO_MAX_FRAGS)

struct segoff_gro {
	struct segoff_gro_config cfg;
	struct gro_flow *flows;
	int32_t *buckets;
	uint32_t bucket_mask;
	int32_t free_list;      /* through hnext */
	int32_t mru;            /* the flow that last held or merged: the fast path's guess of layout */
	int32_t *guess;         /* fast path: a flow by its ports, to be confirmed by its headers */
	unsigned guess_bits;    /* log2 of its slots */
	int32_t oldest, newest; /* age list */
	uint32_t nr_held;
	uint32_t max_pkts;      /* per flow: the option, or the slots sized from min_mss */
	uint32_t max_slices;    /* per flow, header slot included */
	uint8_t *arena;         /* copy mode */
	size_t arena_size;
	struct segoff_slice out_iov[GRO_MAX_OUT_FRAGS + 1];
	uint64_t counters[SEGOFF_GRO__COUNTERS];
};

static const char *const counter_names[SEGOFF_GRO__COUNTERS] = {
	[SEGOFF_GRO_RX_PACKETS] = "rx_packets",
	[SEGOFF_GRO_RX_BYTES] = "rx_bytes",
	[SEGOFF_GRO_TX_PACKETS] = "tx_packets",
	[SEGOFF_GRO_MERGED] = "merged",
	[SEGOFF_GRO_HELD] = "held",
	[SEGOFF_GRO_COALESCED] = "coalesced",
	[SEGOFF_GRO_FLUSH_PSH] = "flush_psh",
	[SEGOFF_GRO_FLUSH_SMALL] = "flush_small",
	[SEGOFF_GRO_FLUSH_SIZE] = "flush_size",
	[SEGOFF_GRO_FLUSH_MAX_PKTS] = "flush_max_pkts",
	[SEGOFF_GRO_FLUSH_TIMEOUT] = "flush_timeout",
	[SEGOFF_GRO_FLUSH_END] = "flush_end",
	[SEGOFF_GRO_FLUSH_TABLE_FULL] = "flush_table_full",
	[SEGOFF_GRO_FLUSH_MISMATCH_ACK] = "flush_mismatch_ack",
	[SEGOFF_GRO_FLUSH_MISMATCH_FLAGS] = "flush_mismatch_flags",
	[SEGOFF_GRO_FLUSH_MISMATCH_OPTIONS] = "flush_mismatch_options",
	[SEGOFF_GRO_FLUSH_MISMATCH_SEQ] = "flush_mismatch_seq",
	[SEGOFF_GRO_FLUSH_MISMATCH_TTL] = "flush_mismatch_ttl",
	[SEGOFF_GRO_FLUSH_MISMATCH_TOS] = "flush_mismatch_tos",
	[SEGOFF_GRO_FLUSH_MISMATCH_DF] = "flush_mismatch_df",
	[SEGOFF_GRO_FLUSH_MISMATCH_IP_ID] = "flush_mismatch_ip_id",
	[SEGOFF_GRO_FLUSH_MISMATCH_LEN] = "flush_mismatch_len",
	[SEGOFF_GRO_FLUSH_CWR] = "flush_cwr",
	[SEGOFF_GRO_FLUSH_PURE_ACK] = "flush_pure_ack",
	[SEGOFF_GRO_FLUSH_UNMERGEABLE] = "flush_unmergeable",
	[SEGOFF_GRO_BAD_CSUM] = "bad_csum",
	[SEGOFF_GRO_NOT_HELD_IP_OPTIONS] = "not_held_ip_options",
	[SEGOFF_GRO_NOT_HELD_FRAGMENT] = "not_held_fragment",
	[SEGOFF_GRO_NOT_HELD_IP_LEN] = "not_held_ip_len",
	[SEGOFF_GRO_NOT_HELD_FLAGS] = "not_held_flags",
	[SEGOFF_GRO_NOT_HELD_UNSUPPORTED] = "not_held_unsupported",
	[SEGOFF_GRO_NOT_HELD_UDP_CSUM_ZERO] = "not_held_udp_csum_zero",
	[SEGOFF_GRO_NOT_HELD_HDR_TOO_LONG] = "not_held_hdr_too_long",
	[SEGOFF_GRO_LRO_ACKS_COMPRESSED] = "lro_acks_compressed",
	[SEGOFF_GRO_FLUSH_PKT_LIMIT] = "flush_pkt_limit",
	[SEGOFF_GRO_FLUSH_NO_ROOM] = "flush_no_room",
};

const char *segoff_gro_counter_name(enum segoff_gro_counter c)
{
	return (unsigned)c < SEGOFF_GRO__COUNTERS ? counter_names[c] : "unknown";
}

const uint64_t *segoff_gro_counters(const struct segoff_gro *ctx)
{
	return ctx->counters;
}

void segoff_gro_config_init(struct segoff_gro_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_flows = 64;
	cfg->max_size = 65536;
	cfg->min_mss = 48;
	segoff_tunnel_ports_init(&cfg->tunnel_ports);
	cfg->ip_tunnels = 1;
}

static uint32_t nr_buckets(uint32_t flows)
{
	uint32_t n = 16;
	while (n < 2 * flows)
		n <<= 1;
	return n;
}

static int config_ok(const struct segoff_gro_config *cfg)
{
	return cfg && cfg->deliver && cfg->max_flows > 0 && cfg->max_flows <= (1u << 20) &&
	       cfg->max_pkts_per_flow <= 65535 && cfg->min_mss > 0 && cfg->max_size > 0 &&
	       cfg->max_size <= GRO_MAX_SIZE_LIMIT && cfg->mode <= SEGOFF_GRO_MODE_LRO && cfg->link <= SEGOFF_LINK_IP;
}

/* Packets one flow has slots for. Without a limit of the caller's: every
 * packet but the first adds at least min_mss bytes below max_size, and the
 * first may be smaller, so max_size / min_mss + 2 is never reached by a
 * flow of such segments (the count is 16 bits: capped there). */
static uint32_t pkts_per_flow(const struct segoff_gro_config *cfg)
{
	if (cfg->max_pkts_per_flow)
		return cfg->max_pkts_per_flow;
	uint32_t n = cfg->max_size / cfg->min_mss + 2;
	return n < 65535 ? n : 65535;
}

static unsigned guess_bits_for(uint32_t flows)
{
	unsigned bits = GRO_GUESS_MIN_BITS;
	while (bits < 24 && ((size_t)1 << bits) < (size_t)flows * GRO_GUESS_PER_FLOW)
		bits++;
	return bits;
}

size_t segoff_gro_memsize(const struct segoff_gro_config *cfg)
{
	if (!config_ok(cfg))
		return 0;
	size_t pkts = pkts_per_flow(cfg), slices = GRO_FLOW_SLICES(pkts);
	return sizeof(struct segoff_gro) + cfg->max_flows * sizeof(struct gro_flow) +
	       ((size_t)1 << guess_bits_for(cfg->max_flows)) * sizeof(int32_t) +
	       nr_buckets(cfg->max_flows) * sizeof(int32_t) +
	       cfg->max_flows * slices * sizeof(struct segoff_slice) + cfg->max_flows * pkts * sizeof(void *) +
	       (cfg->copy ? GRO_MAX_SIZE_LIMIT + 2 * SEGOFF_GRO_MAX_HDR : 0);
}

int segoff_gro_create(const struct segoff_gro_config *cfg, struct segoff_gro **out)
{
	if (!out || !config_ok(cfg))
		return SEGOFF_E_INVAL;
	/* One allocation, carved up: nothing is allocated after this. */
	uint8_t *mem = calloc(1, segoff_gro_memsize(cfg));
	if (!mem)
		return SEGOFF_E_SYSTEM;
	struct segoff_gro *g = (struct segoff_gro *)mem;
	mem += sizeof(*g);
	g->cfg = *cfg;
	g->flows = (struct gro_flow *)mem;
	mem += cfg->max_flows * sizeof(struct gro_flow);
	uint32_t nb = nr_buckets(cfg->max_flows);
	g->buckets = (int32_t *)mem;
	mem += nb * sizeof(int32_t);
	g->guess_bits = guess_bits_for(cfg->max_flows);
	g->guess = (int32_t *)mem;
	mem += ((size_t)1 << g->guess_bits) * sizeof(int32_t);
	g->bucket_mask = nb - 1;
	g->max_pkts = pkts_per_flow(cfg);
	g->max_slices = GRO_FLOW_SLICES(g->max_pkts);
	struct segoff_slice *slices = (struct segoff_slice *)mem;
	mem += cfg->max_flows * (size_t)g->max_slices * sizeof(struct segoff_slice);
	void **cookies = (void **)mem;
	mem += cfg->max_flows * (size_t)g->max_pkts * sizeof(void *);
	if (cfg->copy) {
		g->arena = mem;
		g->arena_size = GRO_MAX_SIZE_LIMIT + 2 * SEGOFF_GRO_MAX_HDR;
	}
	for (uint32_t b = 0; b < nb; b++)
		g->buckets[b] = NIL;
	for (uint32_t i = 0; i < cfg->max_flows; i++) {
		struct gro_flow *f = &g->flows[i];
		f->slices = slices + (size_t)i * g->max_slices;
		f->cookies = cookies + (size_t)i * g->max_pkts;
		f->hnext = i + 1 < cfg->max_flows ? (int32_t)(i + 1) : NIL;
	}
	g->free_list = 0;
	g->oldest = g->newest = g->mru = NIL;
	for (size_t i = 0; i < (size_t)1 << g->guess_bits; i++)
		g->guess[i] = NIL;
	*out = g;
	return SEGOFF_OK;
}

/* --- output --- */

static void release(struct segoff_gro *g, void *cookie)
{
	if (g->cfg.release)
		g->cfg.release(g->cfg.opaque, cookie);
}

/* Hand `out` (slices in out->iov) to the caller; in copy mode gather it into
 * the arena first and release the inputs before the call. */
static void deliver(struct segoff_gro *g, struct segoff_gro_out *out, void *const *cookies, unsigned nr_cookies)
{
	struct segoff_slice flat;
	int copied = 0;
	if (g->arena && out->len <= g->arena_size) {
		size_t at = 0;
		for (unsigned i = 0; i < out->nr_iov; i++) {
			memcpy(g->arena + at, out->iov[i].base, out->iov[i].len);
			at += out->iov[i].len;
		}
		flat = (struct segoff_slice){ g->arena, at };
		out->iov = &flat;
		out->nr_iov = 1;
		copied = 1;
		for (unsigned i = 0; i < nr_cookies; i++)
			release(g, cookies[i]);
	}
	g->counters[SEGOFF_GRO_TX_PACKETS]++;
	g->cfg.deliver(g->cfg.opaque, out);
	if (!copied)
		for (unsigned i = 0; i < nr_cookies; i++)
			release(g, cookies[i]);
}

/* The virtio_net_hdr of an output: the library's one conversion. A merged
 * packet's type is always one virtio has (TCPV4/6, UDP_L4, with the UDP
 * tunnel bits and offsets of the 24-byte form); `f` is the flow it was
 * merged from, or NULL. */
static void fill_vnet(struct segoff_gro_out *out, const struct gro_flow *f)
{
	struct segoff__vnet_meta m = { out->gso_type, out->gso_size, out->hdr_len, out->csum_state,
				       out->csum_start, out->csum_offset, 0, 0, 0 };
	if (f) {
		m.outer_ipv6 = f->l3_proto == SEGOFF_PROTO_IPV6;
		m.outer_th = f->l4_off;
		m.inner_nh = f->inner_l3_off;
	}
	segoff__vnet_from_meta(&m, &out->vnet);
}

/* A packet that is not held: its own bytes, as they came. */
static void deliver_unchanged(struct segoff_gro *g, const struct segoff_pkt *pkt, void *cookie, int verified)
{
	struct segoff_gro_out out = { 0 };
	struct segoff_slice *iov = g->out_iov;
	unsigned n = 0;
	iov[n++] = (struct segoff_slice){ pkt->head, pkt->head_len };
	for (unsigned i = 0; i < pkt->nr_frags; i++) /* at most GRO_MAX_OUT_FRAGS: checked on entry */
		iov[n++] = pkt->frags[i];
	out.iov = iov;
	out.nr_iov = n;
	out.len = pkt->len;
	out.gso_segs = 1;
	out.hdr_len = pkt->payload_off;
	out.csum_state = verified ? SEGOFF_CSUM_VERIFIED : pkt->csum_state;
	out.csum_start = pkt->csum_start;
	out.csum_offset = pkt->csum_offset;
	fill_vnet(&out, NULL);
	deliver(g, &out, &cookie, 1);
}

/* --- the flow table --- */

/* Where the fast path looks first for a packet's flow: by its ports. */
static inline unsigned guess_slot(const struct segoff_gro *g, const uint8_t *l4)
{
	uint32_t ports;
	memcpy(&ports, l4, 4);
	ports *= 0x9e3779b1u;
	return ports >> (32 - g->guess_bits);
}

static uint32_t key_hash(const uint8_t *k, unsigned n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, k, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
		k += 8;
		n -= 8;
	}
	uint64_t w = 0;
	memcpy(&w, k, n);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	return (uint32_t)(h ^ (h >> 29));
}

static struct gro_flow *flow_find(struct segoff_gro *g, uint32_t hash, const uint8_t *key, unsigned key_len)
{
	for (int32_t i = g->buckets[hash & g->bucket_mask]; i != NIL; i = g->flows[i].hnext) {
		struct gro_flow *f = &g->flows[i];
		if (f->hash == hash && f->key_len == key_len && memcmp(f->key, key, key_len) == 0)
			return f;
	}
	return NULL;
}

static void flow_unlink(struct segoff_gro *g, struct gro_flow *f)
{
	int32_t idx = (int32_t)(f - g->flows);
	int32_t *pp = &g->buckets[f->hash & g->bucket_mask];
	while (*pp != idx)
		pp = &g->flows[*pp].hnext;
	*pp = f->hnext;
	if (f->older != NIL)
		g->flows[f->older].newer = f->newer;
	else
		g->oldest = f->newer;
	if (f->newer != NIL)
		g->flows[f->newer].older = f->older;
	else
		g->newest = f->older;
	f->hnext = g->free_list;
	g->free_list = idx;
	g->nr_held--;
	if (g->mru == idx)
		g->mru = NIL;
	f->live = 0; /* a stale guess pointing here is ignored */
}

/* Deliver a held flow: unchanged if it is one packet [G3], else completed by
 * each layer inside out [G9, G14, G18]. */
static void flow_flush(struct segoff_gro *g, struct gro_flow *f, enum segoff_gro_counter why)
{
	g->counters[why]++;
	flow_unlink(g, f);
	struct segoff_gro_out out = { 0 };
	out.hdr_len = f->hdr_len;
	out.gso_segs = f->count;
	if (f->count == 1) {
		out.csum_state = f->in_csum_state;
		out.csum_start = f->inner_l4_off;
		out.csum_offset = f->inner_l4_proto == SEGOFF_PROTO_TCP ? 16 : 6;
	} else {
		/* a compressed run of pure ACKs (LRO) is one plain packet */
		int full = g->cfg.csum == SEGOFF_GRO_CSUM_FULL || f->payload_len == 0;
		f->gso_type = 0;
		for (unsigned i = f->nr_layers; i-- > 0;) {
			const struct proto_ops *ops = proto_ops_of(f->layer[i].proto);
			if (ops->gro_complete)
				ops->gro_complete(f, &f->layer[i], full);
		}
		g->counters[SEGOFF_GRO_COALESCED]++;
		if (f->payload_len) {
			out.gso_size = f->mss;
			out.gso_type = f->gso_type;
		} else {
			g->counters[SEGOFF_GRO_LRO_ACKS_COMPRESSED] += f->count - 1u;
			out.gso_segs = 1;
		}
		out.csum_state = full ? SEGOFF_CSUM_COMPLETE : SEGOFF_CSUM_PARTIAL;
		out.csum_start = f->inner_l4_off;
		out.csum_offset = f->inner_l4_proto == SEGOFF_PROTO_TCP ? 16 : 6;
	}
	f->slices[0] = (struct segoff_slice){ f->hdr, f->hdr_len };
	out.iov = f->slices;
	out.nr_iov = f->nr_slices;
	out.len = f->hdr_len + f->payload_len;
	fill_vnet(&out, f);
	deliver(g, &out, f->cookies, f->nr_cookies);
}

/* May a flow take one more packet of `slices` payload slices? 0, or the
 * counter naming the limit of segoff's own that ends it. */
static int flow_room(const struct segoff_gro *g, const struct gro_flow *f, unsigned slices)
{
	if (f->nr_cookies >= g->max_pkts)
		return g->cfg.max_pkts_per_flow ? SEGOFF_GRO_FLUSH_PKT_LIMIT : SEGOFF_GRO_FLUSH_NO_ROOM;
	return f->nr_slices + slices > g->max_slices ? SEGOFF_GRO_FLUSH_NO_ROOM : 0;
}

/* Append the packet's payload pieces to the flow, which has room. */
static void flow_add_payload(struct gro_flow *f, const struct segoff_pkt *pkt)
{
	if (pkt->payload_off < pkt->head_len)
		f->slices[f->nr_slices++] = (struct segoff_slice){ pkt->head + pkt->payload_off,
								   pkt->head_len - pkt->payload_off };
	for (unsigned i = 0; i < pkt->nr_frags; i++)
		if (pkt->frags[i].len)
			f->slices[f->nr_slices++] = pkt->frags[i];
}

/* May the flow take the express path, and where are the headers it checks?
 * Each row says which of the written-out checks its gro_fast is. */
static void express_prepare(struct gro_flow *f, const struct segoff_pkt *pkt)
{
	f->xp = f->fast && f->inner_l4_proto == SEGOFF_PROTO_TCP;
	f->xp_nr_ip4 = f->xp_nr_ip6 = 0;
	f->xp_udp = 0;
	for (unsigned i = 0; f->xp && i < pkt->nr_layers; i++) {
		const struct segoff_layer *l = &pkt->layer[i];
		const int innermost = i == pkt->nr_layers - 1u;
		switch (proto_ops_of(l->proto)->gro_express) {
		case GRO_XP_MASK:
			break;
		case GRO_XP_IPV4:
			if (f->xp_nr_ip4 == 2) {
				f->xp = 0;
				break;
			}
			f->xp_ip4[f->xp_nr_ip4] = l->off;
			f->xp_ip4_depth[f->xp_nr_ip4++] = l->depth;
			break;
		case GRO_XP_IPV6:
			if (f->xp_nr_ip6 == 2) {
				f->xp = 0;
				break;
			}
			f->xp_ip6[f->xp_nr_ip6++] = l->off;
			break;
		case GRO_XP_UDP_CARRIER:
			f->xp_udp = l->off;
			f->xp = !innermost;
			break;
		case GRO_XP_TCP:
			f->xp = innermost;
			break;
		default:
			f->xp = 0;
		}
	}
}

static void flow_hold(struct segoff_gro *g, const struct segoff_pkt *pkt, const struct gro_in *in, uint32_t hash,
		      void *cookie, uint64_t now)
{
	if (g->free_list == NIL) {
		/* full: the oldest flow goes up to make room [G1] */
		flow_flush(g, &g->flows[g->oldest], SEGOFF_GRO_FLUSH_TABLE_FULL);
	}
	int32_t idx = g->free_list;
	struct gro_flow *f = &g->flows[idx];
	g->free_list = f->hnext;
	memcpy(f->hdr, pkt->head, pkt->payload_off);
	f->hdr_len = pkt->payload_off;
	memcpy(f->key, in->key, in->key_len);
	f->key_len = in->key_len;
	f->nr_layers = pkt->nr_layers;
	memcpy(f->layer, pkt->layer, sizeof(f->layer));
	f->l3_off = pkt->l3_off;
	f->l4_off = pkt->l4_off;
	f->inner_l3_off = pkt->inner_l3_off;
	f->l3_proto = pkt->l3_proto;
	f->inner_l4_off = pkt->inner_l4_off;
	f->inner_l4_proto = pkt->inner_l4_proto;
	memset(f->ip_fixedid, 0, sizeof(f->ip_fixedid));
	f->pure_ack = in->payload_len == 0;
	f->mss = (uint16_t)in->payload_len;
	f->count = 1;
	f->payload_len = 0;
	f->nr_slices = 1;
	f->nr_cookies = 0;
	flow_add_payload(f, pkt); /* a fresh flow always has room (GRO_FLOW_SLICES) */
	f->cookies[f->nr_cookies++] = cookie;
	f->payload_len = in->payload_len;
	f->payload_sum = in->payload_sum;
	f->sum_valid = in->sum_valid;
	f->in_csum_state = in->sum_valid ? SEGOFF_CSUM_VERIFIED : pkt->csum_state;
	f->born = now;
	f->hash = hash;
	/* The fast path: for GRO, with every key byte found in the frame and
	 * every layer that checks a continuing packet able to do it fast. */
	f->fast = g->cfg.mode == SEGOFF_GRO_MODE_GRO;
	f->spans_ok = in->spans_ok;
	for (unsigned i = 0; f->fast && i < pkt->nr_layers; i++) {
		const struct proto_ops *ops = proto_ops_of(pkt->layer[i].proto);
		if (ops->gro_receive && !ops->gro_fast)
			f->fast = 0;
	}
	if (f->fast) {
		f->nr_spans = in->nr_spans;
		memcpy(f->span_off, in->span_off, sizeof(f->span_off));
		memcpy(f->span_len, in->span_len, sizeof(f->span_len));
		memset(f->mask, 0, sizeof(f->mask));
		memset(f->mask, 0xff, f->hdr_len);
		f->nr_fast = f->nr_merge = 0;
		for (unsigned i = 0; i < pkt->nr_layers; i++) {
			const struct proto_ops *ops = proto_ops_of(pkt->layer[i].proto);
			if (ops->gro_mask)
				ops->gro_mask(f, &pkt->layer[i], f->mask);
			if (ops->gro_fast) {
				f->fast_fn[f->nr_fast] = ops->gro_fast;
				f->fast_layer[f->nr_fast++] = (uint8_t)i;
			}
			if (ops->gro_merge) {
				f->merge_fn[f->nr_merge] = ops->gro_merge;
				f->merge_layer[f->nr_merge++] = (uint8_t)i;
			}
		}
		f->close_fn = proto_ops_of(pkt->layer[pkt->nr_layers - 1].proto)->gro_close;
	}
	express_prepare(f, pkt);
	g->mru = idx;
	f->live = 1;
	if (f->fast)
		g->guess[guess_slot(g, f->hdr + f->inner_l4_off)] = idx;
	f->hnext = g->buckets[hash & g->bucket_mask];
	g->buckets[hash & g->bucket_mask] = idx;
	f->older = g->newest;
	f->newer = NIL;
	if (g->newest != NIL)
		g->flows[g->newest].newer = idx;
	else
		g->oldest = idx;
	g->newest = idx;
	g->nr_held++;
	g->counters[SEGOFF_GRO_HELD]++;
}

static const struct proto_ops *transport_ops(const struct segoff_pkt *pkt)
{
	return proto_ops_of(pkt->layer[pkt->nr_layers - 1].proto);
}

static int gro_receive_parsed(struct segoff_gro *g, const struct segoff_pkt *pkt, void *cookie, uint64_t now);

int segoff_gro_receive(struct segoff_gro *g, const struct segoff_pkt *pkt, void *cookie, uint64_t now)
{
	/* Refused packets stay the caller's: release is never called for them. */
	if (!g || !pkt || !pkt->head || pkt->nr_frags > SEGOFF_GRO_MAX_FRAGS)
		return SEGOFF_E_INVAL;
	/* UDP is taken as this context's tunnel ports say, whatever ports the
	 * caller parsed with: a port it does not list is plain UDP [EG3]. */
	struct segoff_pkt again;
	if (pkt->nr_layers && pkt->l4_proto == SEGOFF_PROTO_UDP) {
		again = *pkt;
		if (segoff_parse_ports(&again, (enum segoff_proto)pkt->layer[0].proto, pkt->layer[0].off,
				       &g->cfg.tunnel_ports) < 0)
			again.nr_layers = 0;
		pkt = &again;
	}
	return gro_receive_parsed(g, pkt, cookie, now);
}

/* segoff_gro_receive() of a packet parsed with the context's ports. */
static int gro_receive_parsed(struct segoff_gro *g, const struct segoff_pkt *pkt, void *cookie, uint64_t now)
{
	g->counters[SEGOFF_GRO_RX_PACKETS]++;
	g->counters[SEGOFF_GRO_RX_BYTES] += pkt->len;
	/* Only TCP (and UDP when asked) whose headers all fit; a GSO packet is
	 * not merged [G2]. Through a tunnel: one level, TCP inside, GRO mode
	 * (LRO is a NIC's, and NICs do not look into tunnels) [EG2]. */
	const struct segoff_layer *last = pkt->nr_layers ? &pkt->layer[pkt->nr_layers - 1] : NULL;
	/* GRE and IP-in-IP: tunnels whose outer transport is not before the
	 * inner network header */
	const int ip_tunnel = pkt->encap_depth && !(pkt->l4_off < pkt->inner_l3_off);
	if (!last || pkt->encap_depth > 1 || (ip_tunnel && !g->cfg.ip_tunnels) ||
	    (pkt->encap_depth && (pkt->inner_l4_proto != SEGOFF_PROTO_TCP || g->cfg.mode != SEGOFF_GRO_MODE_GRO)) ||
	    (pkt->inner_l4_proto != SEGOFF_PROTO_TCP && pkt->inner_l4_proto != SEGOFF_PROTO_UDP) ||
	    last->off != pkt->inner_l4_off || pkt->gso_size || pkt->payload_off > pkt->len) {
		g->counters[SEGOFF_GRO_NOT_HELD_UNSUPPORTED]++;
		deliver_unchanged(g, pkt, cookie, 0);
		return SEGOFF_OK;
	}
	if (pkt->payload_off > SEGOFF_GRO_MAX_HDR) {
		g->counters[SEGOFF_GRO_NOT_HELD_HDR_TOO_LONG]++;
		deliver_unchanged(g, pkt, cookie, 0);
		return SEGOFF_OK;
	}

	struct gro_in in;
	in.pkt = pkt;
	in.hdr = pkt->head;
	in.payload_len = pkt->len - pkt->payload_off;
	in.payload_sum = 0;
	in.sum_valid = 0;
	in.payload_summed = 0;
	in.outer_csum_valid = 0;
	in.lro = g->cfg.mode == SEGOFF_GRO_MODE_LRO;
	in.udp = g->cfg.udp;
	in.verify = !g->cfg.trust_csum && pkt->csum_state != SEGOFF_CSUM_VERIFIED &&
		    pkt->csum_state != SEGOFF_CSUM_PARTIAL;
	in.key_len = 0;
	in.reason = 0;
	in.frame_len = pkt->len;
	in.nr_spans = 0;
	in.spans_ok = 1;

	/* 1. The packet alone, outside in. */
	int no_merge = 0;
	uint16_t no_merge_reason = 0;
	for (unsigned i = 0; i < pkt->nr_layers; i++) {
		const struct proto_ops *ops = proto_ops_of(pkt->layer[i].proto);
		if (!ops->gro_check)
			continue;
		int v = ops->gro_check(&in, &pkt->layer[i]);
		if (v == GRO_NOT_HELD) {
			g->counters[in.reason]++;
			/* The kernel hands up a tunnel packet whose inner
			 * checksum is bad marked DATA_VALID all the same when
			 * an outer checksum was validated (kernel-notes.md,
			 * EG4): so does segoff. */
			int inner_bad = in.outer_csum_valid && i == pkt->nr_layers - 1u && in.reason == SEGOFF_GRO_BAD_CSUM;
			deliver_unchanged(g, pkt, cookie, inner_bad);
			return SEGOFF_OK;
		}
		if (v == GRO_NO_MERGE && !no_merge) {
			/* the kernel does not verify what it will not merge */
			no_merge = 1;
			no_merge_reason = in.reason;
			in.verify = 0;
		}
	}
	int verified = in.sum_valid;

	/* 2. Its held flow, if any. */
	uint32_t hash = key_hash(in.key, in.key_len);
	struct gro_flow *f = flow_find(g, hash, in.key, in.key_len);
	const struct proto_ops *l4 = transport_ops(pkt);
	const struct segoff_layer *l4_layer = &pkt->layer[pkt->nr_layers - 1];
	if (f) {
		int why = no_merge ? SEGOFF_GRO_FLUSH_UNMERGEABLE : 0;
		for (unsigned i = 0; !why && i < pkt->nr_layers; i++) {
			const struct proto_ops *ops = proto_ops_of(pkt->layer[i].proto);
			if (ops->gro_receive)
				why = ops->gro_receive(f, &in, &pkt->layer[i]);
		}
		/* the kernel's gro_max_size, measured from the IP header [G5] */
		if (!why && (uint64_t)(f->hdr_len - f->l3_off) + f->payload_len + in.payload_len >= g->cfg.max_size)
			why = SEGOFF_GRO_FLUSH_SIZE;
		if (!why)
			why = flow_room(g, f, (pkt->payload_off < pkt->head_len) + pkt->nr_frags);
		if (!why) {
			flow_add_payload(f, pkt);
			f->cookies[f->nr_cookies++] = cookie;
			if (f->sum_valid && in.sum_valid)
				f->payload_sum = segoff_csum_add_at(f->payload_sum, in.payload_sum, f->payload_len);
			else
				f->sum_valid = 0;
			for (unsigned i = 0; i < pkt->nr_layers; i++) {
				const struct proto_ops *ops = proto_ops_of(pkt->layer[i].proto);
				if (ops->gro_merge)
					ops->gro_merge(f, &in, &pkt->layer[i]);
			}
			f->count++;
			f->payload_len += in.payload_len;
			if (in.lro && in.payload_len > f->mss)
				f->mss = (uint16_t)in.payload_len;
			g->counters[SEGOFF_GRO_MERGED]++;
			g->mru = (int32_t)(f - g->flows);
			int close = l4->gro_close ? l4->gro_close(f, &in, l4_layer) : 0;
			if (close)
				flow_flush(g, f, (enum segoff_gro_counter)close);
			return SEGOFF_OK;
		}
		flow_flush(g, f, (enum segoff_gro_counter)why);
	}

	/* 3. Not merged: start a flow, or go up at once. */
	if (no_merge) {
		g->counters[no_merge_reason]++;
		deliver_unchanged(g, pkt, cookie, verified);
		return SEGOFF_OK;
	}
	int up = l4->gro_close ? l4->gro_close(NULL, &in, l4_layer) : 0;
	if (up) {
		g->counters[up]++;
		deliver_unchanged(g, pkt, cookie, verified);
		return SEGOFF_OK;
	}
	flow_hold(g, pkt, &in, hash, cookie, now);
	return SEGOFF_OK;
}

/* --- the fast path --- */

/* Headers equal on every byte the flow's mask keeps? The flow's header and
 * mask are SEGOFF_GRO_MAX_HDR long with the mask zero past the header, so
 * when the frame has the bytes, whole 16-byte blocks can be compared. */
static inline __attribute__((always_inline)) int masked_equal(const uint8_t *a, size_t a_len, const uint8_t *b, const uint8_t *mask, unsigned n)
{
	unsigned i = 0;
#if defined(__SSE2__)
	unsigned blocks = (n + 15) / 16;
	if (a_len >= blocks * 16u && blocks <= 8) {
		/* straight-line code for the common header sizes: no loop to
		 * count, every block compared whatever the others gave */
		__m128i diff = _mm_setzero_si128();
#define MASKED_BLOCK(k)                                                                                  \
	diff = _mm_or_si128(diff, _mm_and_si128(_mm_xor_si128(_mm_loadu_si128((const __m128i *)(a + 16 * (k))),   \
								_mm_loadu_si128((const __m128i *)(b + 16 * (k)))), \
						_mm_loadu_si128((const __m128i *)(mask + 16 * (k)))))
		switch (blocks) {
		case 8:
			MASKED_BLOCK(7);
			__attribute__((fallthrough));
		case 7:
			MASKED_BLOCK(6);
			__attribute__((fallthrough));
		case 6:
			MASKED_BLOCK(5);
			__attribute__((fallthrough));
		case 5:
			MASKED_BLOCK(4);
			__attribute__((fallthrough));
		case 4:
			MASKED_BLOCK(3);
			__attribute__((fallthrough));
		case 3:
			MASKED_BLOCK(2);
			__attribute__((fallthrough));
		case 2:
			MASKED_BLOCK(1);
			__attribute__((fallthrough));
		default:
			MASKED_BLOCK(0);
		}
#undef MASKED_BLOCK
		return _mm_movemask_epi8(_mm_cmpeq_epi8(diff, _mm_setzero_si128())) == 0xffff;
	}
#endif
	uint64_t diff = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x, y, m;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		memcpy(&m, mask + i, 8);
		diff |= (x ^ y) & m;
	}
	for (; i < n; i++)
		diff |= (uint64_t)((a[i] ^ b[i]) & mask[i]);
	return diff == 0;
}

/* The express path: a packet continuing flow f (an express flow), whose
 * checksums need no verifying, checked and merged with the rows' gro_fast,
 * gro_merge and gro_close written out for the layers the engine knows
 * (enum gro_express): one masked header compare, the IPv4 lengths,
 * checksums and IDs, the tunnel's outer checksum presence, the TCP
 * sequence. Returns 1 if merged, 0 to let the fast path decide. */
static inline __attribute__((always_inline)) int express_receive(struct segoff_gro *g, struct gro_flow *f, const uint8_t *frame, size_t len,
				  void *cookie)
{
	const unsigned hl = f->hdr_len;
	if (len <= hl || len > UINT16_MAX + (size_t)f->l3_off || !masked_equal(frame, len, f->hdr, f->mask, hl))
		return 0;
	const uint32_t payload = (uint32_t)(len - hl);
	for (unsigned i = 0; i < f->xp_nr_ip4; i++) {
		const uint8_t *ip = frame + f->xp_ip4[i];
		if (rd16(ip + 2) != len - f->xp_ip4[i] || ipv4_hdr_sum(ip) != 0xffff ||
		    !ipv4_gro_id_continues(f, ip, f->hdr + f->xp_ip4[i], f->xp_ip4_depth[i]))
			return 0;
	}
	for (unsigned i = 0; i < f->xp_nr_ip6; i++)
		if (!ipv6_gro_len_ok(frame + f->xp_ip6[i], (uint32_t)len - f->xp_ip6[i]))
			return 0;
	if (f->xp_udp && (rd16(frame + f->xp_udp + 6) != 0) != (rd16(f->hdr + f->xp_udp + 6) != 0))
		return 0;
	const uint8_t *th = frame + f->inner_l4_off;
	uint8_t *held_th = f->hdr + f->inner_l4_off;
	if (!tcp_gro_continues(f, th, held_th, payload) ||
	    (uint64_t)(hl - f->l3_off) + f->payload_len + payload >= g->cfg.max_size || flow_room(g, f, 1))
		return 0;
	g->counters[SEGOFF_GRO_RX_PACKETS]++;
	g->counters[SEGOFF_GRO_RX_BYTES] += len;
	g->counters[SEGOFF_GRO_MERGED]++;
	f->slices[f->nr_slices++] = (struct segoff_slice){ frame + hl, payload };
	f->cookies[f->nr_cookies++] = cookie;
	f->sum_valid = 0; /* nothing verified, nothing summed */
	for (unsigned i = 0; i < f->xp_nr_ip4; i++)
		ipv4_gro_id_merged(f, frame + f->xp_ip4[i], f->hdr + f->xp_ip4[i], f->xp_ip4_depth[i]);
	held_th[13] |= th[13] & (GRO_TCP_FIN | GRO_TCP_PSH);
	f->count++;
	f->payload_len += payload;
	g->mru = (int32_t)(f - g->flows);
	int close = tcp_gro_close_merged(f, th[13], payload);
	if (close)
		flow_flush(g, f, (enum segoff_gro_counter)close);
	return 1;
}

/* A packet continuing a held flow with the most recent flow's layout: merge
 * it without parsing. Returns 1 if done, 0 to take the full path (which
 * decides everything the fast path declines). */
static int fast_receive(struct segoff_gro *g, const uint8_t *frame, size_t len, uint8_t csum_state, void *cookie)
{
	if (g->mru == NIL)
		return 0;
	const struct gro_flow *m = &g->flows[g->mru];
	if (!m->fast || len <= m->hdr_len || len > UINT16_MAX + (size_t)m->l3_off)
		return 0;
	struct gro_in in;
	/* The mask keeps every identity byte: headers equal to a flow's under
	 * its mask mean that flow, with no key to gather or hash. The guess is
	 * the flow last seen with these ports (in the most recent layout). */
	const unsigned slot = guess_slot(g, frame + m->inner_l4_off);
	int32_t gi = g->guess[slot];
	struct gro_flow *f = gi != NIL ? &g->flows[gi] : NULL;
	const int verify = !g->cfg.trust_csum && csum_state != SEGOFF_CSUM_VERIFIED && csum_state != SEGOFF_CSUM_PARTIAL;
	if (f && f->live && f->xp && !verify && express_receive(g, f, frame, len, cookie))
		return 1;
	if (!f || !f->live || !f->fast || f->hdr_len != m->hdr_len ||
	    !masked_equal(frame, len, f->hdr, f->mask, f->hdr_len)) {
		/* a key with bytes not in the frame (a tunnel's "has an outer
		 * checksum") cannot be gathered: the full path finds the flow */
		if (!m->spans_ok)
			return 0;
		in.key_len = 0;
		for (unsigned i = 0; i < m->nr_spans; i++) {
			memcpy(in.key + in.key_len, frame + m->span_off[i], m->span_len[i]);
			in.key_len = (uint16_t)(in.key_len + m->span_len[i]);
		}
		f = flow_find(g, key_hash(in.key, in.key_len), in.key, in.key_len);
		if (!f || !f->fast || f->hdr_len != m->hdr_len || f->inner_l4_off != m->inner_l4_off)
			return 0;
		g->guess[slot] = (int32_t)(f - g->flows); /* its next packet finds it first */
		if (f->xp && !verify && express_receive(g, f, frame, len, cookie))
			return 1;
		if (!masked_equal(frame, len, f->hdr, f->mask, f->hdr_len))
			return 0;
	}
	in.pkt = NULL;
	in.hdr = frame;
	in.frame_len = (uint32_t)len;
	in.payload_len = (uint32_t)(len - f->hdr_len);
	in.payload_sum = 0;
	in.sum_valid = 0;
	in.payload_summed = 0;
	in.lro = 0;
	in.udp = g->cfg.udp;
	in.verify = (uint8_t)verify;
	for (unsigned i = 0; i < f->nr_fast; i++)
		if (!f->fast_fn[i](f, &in, &f->layer[f->fast_layer[i]]))
			return 0;
	if ((uint64_t)(f->hdr_len - f->l3_off) + f->payload_len + in.payload_len >= g->cfg.max_size ||
	    flow_room(g, f, 1))
		return 0;
	g->counters[SEGOFF_GRO_RX_PACKETS]++;
	g->counters[SEGOFF_GRO_RX_BYTES] += len;
	f->slices[f->nr_slices++] = (struct segoff_slice){ frame + f->hdr_len, in.payload_len };
	f->cookies[f->nr_cookies++] = cookie;
	if (f->sum_valid && in.sum_valid)
		f->payload_sum = segoff_csum_add_at(f->payload_sum, in.payload_sum, f->payload_len);
	else
		f->sum_valid = 0;
	for (unsigned i = 0; i < f->nr_merge; i++)
		f->merge_fn[i](f, &in, &f->layer[f->merge_layer[i]]);
	f->count++;
	f->payload_len += in.payload_len;
	g->counters[SEGOFF_GRO_MERGED]++;
	g->mru = (int32_t)(f - g->flows);
	int close = f->close_fn ? f->close_fn(f, &in, &f->layer[f->nr_layers - 1]) : 0;
	if (close)
		flow_flush(g, f, (enum segoff_gro_counter)close);
	return 1;
}

int segoff_gro_receive_frame(struct segoff_gro *g, const void *frame, size_t len, uint8_t csum_state, void *cookie,
			     uint64_t now)
{
	if (!g || !frame)
		return SEGOFF_E_INVAL;
	if (fast_receive(g, frame, len, csum_state, cookie))
		return SEGOFF_OK;
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, frame, len, NULL, 0);
	if (segoff_parse_link(&pkt, (enum segoff_link)g->cfg.link, &g->cfg.tunnel_ports) < 0)
		pkt.nr_layers = 0; /* unparsable: it goes up unchanged */
	pkt.csum_state = csum_state;
	if (pkt.nr_frags > SEGOFF_GRO_MAX_FRAGS)
		return SEGOFF_E_INVAL;
	return gro_receive_parsed(g, &pkt, cookie, now);
}

/* The start of a run: the flow that merged last, if it is an express flow
 * that has merged once already (its IPv4 ID rule is decided), the frame
 * needs no checksum verified and repeats its headers. NULL otherwise: the
 * frame takes segoff_gro_receive_frame(), which finds any other flow. */
static struct gro_flow *express_run_flow(struct segoff_gro *g, const struct segoff_gro_frame *fr)
{
	if (g->mru == NIL || g->cfg.mode != SEGOFF_GRO_MODE_GRO)
		return NULL;
	struct gro_flow *f = &g->flows[g->mru];
	const uint8_t cs = fr->csum_state;
	/* the ports first: interleaved flows differ there, and cheaply */
	if (!f->xp || f->count < 2 || fr->len <= f->hdr_len ||
	    memcmp((const uint8_t *)fr->data + f->inner_l4_off, f->hdr + f->inner_l4_off, 4) != 0 ||
	    (!g->cfg.trust_csum && cs != SEGOFF_CSUM_VERIFIED && cs != SEGOFF_CSUM_PARTIAL) ||
	    !masked_equal(fr->data, fr->len, f->hdr, f->mask, f->hdr_len))
		return NULL;
	return f;
}

/* A run of frames continuing express flow f, one after another as a burst
 * of one flow comes: express_receive() for each, with the flow's state in
 * locals (frame bytes may alias anything, so state kept in the flow would be
 * reloaded after every store) and the counters written once. The checks are
 * express_receive()'s; the IPv4 ID rule is the decided one (count >= 2).
 * Two functions on purpose: this one serving single frames too (deciding
 * the ID rule itself) was measured 2-5 ns slower per packet on the frame
 * entry point, inlined or not: the run's setup costs more than it saves
 * for one frame. The property tests hold both to the full path.
 * Returns how many frames were merged; the flow is flushed if the last one
 * closed it. */
static unsigned express_run(struct segoff_gro *g, struct gro_flow *f, const struct segoff_gro_frame *fr, unsigned n)
{
	const uint8_t *hdr = f->hdr, *mask = f->mask;
	const unsigned hl = f->hdr_len, th_off = f->inner_l4_off, nr4 = f->xp_nr_ip4, nr6 = f->xp_nr_ip6;
	const size_t max_len = UINT16_MAX + (size_t)f->l3_off;
	const uint32_t mss = f->mss, size_room = g->cfg.max_size - (hl - f->l3_off);
	const uint32_t seq0 = rd32(hdr + th_off + 4);
	const int udp_csum = f->xp_udp && rd16(hdr + f->xp_udp + 6) != 0;
	const int trust = g->cfg.trust_csum;
	uint16_t want_id[2] = { 0, 0 }, id_step[2] = { 0, 0 };
	for (unsigned j = 0; j < nr4; j++) {
		id_step[j] = f->ip_fixedid[f->xp_ip4_depth[j]] ? 0 : 1; /* [G8], as ipv4_gro_id_continues */
		want_id[j] = (uint16_t)(rd16(hdr + f->xp_ip4[j] + 4) + id_step[j] * f->count);
	}
	uint32_t plen = f->payload_len, count = f->count;
	uint32_t room = g->max_pkts - f->nr_cookies;
	if (g->max_slices - f->nr_slices < room)
		room = g->max_slices - f->nr_slices;
	struct segoff_slice *slice = f->slices + f->nr_slices;
	void **cookie = f->cookies + f->nr_cookies;
	uint64_t bytes = 0;
	uint8_t flags_or = 0;
	int close = 0;
	unsigned k = 0;
	for (; k < n && k < room; k++) {
		const uint8_t *p = fr[k].data;
		const uint32_t len = fr[k].len;
		const uint8_t cs = fr[k].csum_state;
		if (k + 2 < n)
			__builtin_prefetch((const uint8_t *)fr[k + 2].data + th_off);
		if ((!trust && cs != SEGOFF_CSUM_VERIFIED && cs != SEGOFF_CSUM_PARTIAL) || len <= hl || len > max_len ||
		    !masked_equal(p, len, hdr, mask, hl))
			break;
		const uint32_t payload = len - hl;
		int ok = 1;
		for (unsigned j = 0; j < nr4; j++) {
			const uint8_t *ip = p + f->xp_ip4[j];
			ok &= rd16(ip + 2) == len - f->xp_ip4[j] && ipv4_hdr_sum(ip) == 0xffff && rd16(ip + 4) == want_id[j];
		}
		for (unsigned j = 0; j < nr6; j++)
			ok &= ipv6_gro_len_ok(p + f->xp_ip6[j], len - f->xp_ip6[j]);
		if (f->xp_udp)
			ok &= (rd16(p + f->xp_udp + 6) != 0) == udp_csum;
		const uint8_t *th = p + th_off;
		const uint8_t flags = th[13];
		ok &= payload != 0 && payload <= mss && !(flags & GRO_TCP_CWR) && rd32(th + 4) == seq0 + plen &&
		      plen + payload < size_room;
		if (!ok)
			break;
		*slice++ = (struct segoff_slice){ p + hl, payload };
		*cookie++ = fr[k].cookie;
		plen += payload;
		count++;
		bytes += len;
		flags_or |= flags;
		for (unsigned j = 0; j < nr4; j++)
			want_id[j] = (uint16_t)(want_id[j] + id_step[j]);
		if ((flags & (GRO_TCP_URG | GRO_TCP_PSH | GRO_TCP_RST | GRO_TCP_SYN | GRO_TCP_FIN)) || payload < mss) {
			close = tcp_gro_close_merged(f, flags, payload);
			k++;
			break;
		}
	}
	if (!k)
		return 0;
	f->nr_slices = (uint16_t)(slice - f->slices);
	f->nr_cookies = (uint16_t)(cookie - f->cookies);
	f->payload_len = plen;
	f->count = (uint16_t)count;
	f->sum_valid = 0;
	f->hdr[th_off + 13] |= flags_or & (GRO_TCP_FIN | GRO_TCP_PSH);
	g->counters[SEGOFF_GRO_RX_PACKETS] += k;
	g->counters[SEGOFF_GRO_RX_BYTES] += bytes;
	g->counters[SEGOFF_GRO_MERGED] += k;
	g->mru = (int32_t)(f - g->flows);
	if (close)
		flow_flush(g, f, (enum segoff_gro_counter)close);
	return k;
}

int segoff_gro_receive_frames(struct segoff_gro *g, const struct segoff_gro_frame *frames, unsigned n, uint64_t now)
{
	if (!g || (n && !frames))
		return SEGOFF_E_INVAL;
	for (unsigned i = 0; i < n; i++)
		if (!frames[i].data)
			return SEGOFF_E_INVAL;
	for (unsigned i = 0; i < n;) {
		const struct segoff_gro_frame *fr = &frames[i];
		struct gro_flow *f = express_run_flow(g, fr);
		unsigned k = f ? express_run(g, f, fr, n - i) : 0;
		if (k) {
			i += k;
			continue;
		}
		segoff_gro_receive_frame(g, fr->data, fr->len, fr->csum_state, fr->cookie, now);
		i++;
	}
	return SEGOFF_OK;
}

void segoff_gro_flush(struct segoff_gro *g, uint64_t now)
{
	while (g->oldest != NIL) {
		struct gro_flow *f = &g->flows[g->oldest];
		/* a clock that stepped back makes nothing old */
		if (now < f->born || now - f->born < g->cfg.flush_timeout)
			break;
		flow_flush(g, f, SEGOFF_GRO_FLUSH_TIMEOUT);
	}
}

void segoff_gro_flush_all(struct segoff_gro *g)
{
	while (g->oldest != NIL)
		flow_flush(g, &g->flows[g->oldest], SEGOFF_GRO_FLUSH_END);
}

int segoff_gro_receive_burst(struct segoff_gro *g, const struct segoff_pkt *pkts, void *const *cookies, unsigned n,
			     uint64_t now)
{
	if (!g || (n && !pkts))
		return SEGOFF_E_INVAL;
	for (unsigned i = 0; i < n; i++)
		segoff_gro_receive(g, &pkts[i], cookies ? cookies[i] : NULL, now);
	if (g->cfg.flush_timeout)
		segoff_gro_flush(g, now);
	else
		segoff_gro_flush_all(g);
	return SEGOFF_OK;
}

void segoff_gro_destroy(struct segoff_gro *g)
{
	if (!g)
		return;
	segoff_gro_flush_all(g);
	free(g);
}
