// SPDX-License-Identifier: MIT
/*
 * IP reassembly [R1-R4], as the kernel's ip_frag_queue / ip6_frag_queue
 * decide, with memory that stays bounded whatever arrives, and bounded the
 * kernel's way: by bytes, not by a count of fragments or datagrams [R4].
 *
 * Every held fragment is charged its frame's length plus its bookkeeping,
 * every datagram in flight its own, as the kernel charges an skb's truesize
 * and a queue's size; past mem_high the oldest datagrams are evicted down to
 * mem_low. The tables are taken once at creation, sized from mem_high so
 * that they can never fill before the memory does: a datagram table, and one
 * arena of fragment entries shared by all datagrams, in which each datagram
 * keeps its fragments sorted by offset in an array that doubles as it grows
 * (a datagram of 8,192 eight-byte fragments is 8,192 entries; one of two
 * fragments, two). Space freed by growth is reclaimed by sliding the arrays
 * down when the arena's end is reached.
 *
 * Fragments are held by reference and released exactly once: when their
 * datagram is delivered or discarded, or at once when they are dropped.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../proto/proto.h"

#define NIL (-1)
#define KEY_MAX 48 /* 1 + 32 + 4 (IPv6) + 8 (two VLAN tags), rounded up to words for hash_key */
_Static_assert(KEY_MAX % 8 == 0, "hash_key reads whole words");
/* A delivered datagram's headers: two VLAN tags and the longest IPv6 chain
 * the fragment walk accepts (SEGOFF_MAX_EXTHDRS headers of up to 2,048
 * bytes). One buffer per context, so no datagram is refused for its chain. */
#define REASM_HDR_MAX (14 + 8 + 40 + SEGOFF_MAX_EXTHDRS * 2048)
/* The most fragments one datagram can have: held fragments start at distinct
 * offsets, multiples of 8 below 65536. */
#define DGRAM_MAX_FRAGS (65536 / 8)
/* Array sizes are powers of two from 2 to DGRAM_MAX_FRAGS: one free list each. */
#define NR_CLASSES 13
#define NO_BLOCK UINT32_MAX
_Static_assert((2u << (NR_CLASSES - 1)) == DGRAM_MAX_FRAGS, "one class per power of two up to the most");
/* The smallest frame a held fragment can be: Ethernet (not on an IP link),
 * IPv4, one data byte. */
#define MIN_FRAG_FRAME(cfg) (((cfg)->link == SEGOFF_LINK_ETH ? 14u : 0u) + 20 + 1)

struct frag_entry {
	uint32_t offset, end;
	const uint8_t *data;
	void *cookie;
};

struct dgram {
	uint8_t key[KEY_MAX];
	uint8_t key_len, ipv6, first_in, last_in;
	uint32_t hash, len, meat; /* len: the datagram's end once known; meat: bytes held */
	uint64_t mem, born;
	uint32_t nr_frags, cap, base; /* its sorted array: arena[base .. base + cap) */
	const uint8_t *first;         /* the first fragment's frame: its headers become the datagram's */
	uint16_t hdr_len, l3_off, unfrag_len, nh_pos; /* from the first fragment */
	uint8_t nexthdr;
	int32_t hnext, older, newer;
};

/* What one fragment and one datagram cost against mem_high. */
#define FRAG_CHARGE(len) ((uint64_t)(len) + sizeof(struct frag_entry))
#define DGRAM_CHARGE sizeof(struct dgram)

struct segoff_reasm {
	struct segoff_reasm_config cfg;
	uint32_t max_dgrams;       /* the option, or what mem_high can hold */
	struct dgram *dg;
	int32_t *buckets;
	uint32_t bucket_mask;
	uint64_t hash_seed;        /* per context, so no one can aim fragments at one bucket */
	int32_t free_list, oldest, newest;
	uint32_t dg_used;          /* slots ever taken: the rest are untouched, so creating a
				    * context costs nothing per slot and pages fill as used */
	uint64_t mem;
	struct frag_entry *arena;
	uint32_t arena_cap, arena_top;
	uint32_t free_block[NR_CLASSES]; /* arrays given back, reused last in first out (warm) */
	uint32_t *order;           /* compaction's scratch: datagrams by array position */
	struct segoff_slice *iov;  /* a delivered datagram: header and DGRAM_MAX_FRAGS pieces */
	uint8_t hdr[REASM_HDR_MAX];/* a delivered datagram's headers, lengths rewritten */
	uint64_t counters[SEGOFF_REASM__COUNTERS];
};

static const char *const names[SEGOFF_REASM__COUNTERS] = {
	"reasm_frags", "reasm_ok", "reasm_not_fragment", "reasm_atomic", "reasm_duplicate", "reasm_overlap",
	"reasm_bad_length", "reasm_truncated", "reasm_corrupt", "reasm_too_big", "reasm_header_chain",
	"reasm_timeout", "reasm_evicted", "reasm_too_many_frags", "reasm_malformed",
};

const char *segoff_reasm_counter_name(enum segoff_reasm_counter c)
{
	return (unsigned)c < SEGOFF_REASM__COUNTERS ? names[c] : "unknown";
}

const uint64_t *segoff_reasm_counters(const struct segoff_reasm *r)
{
	return r->counters;
}

uint64_t segoff_reasm_mem(const struct segoff_reasm *r)
{
	return r->mem;
}

void segoff_reasm_config_init(struct segoff_reasm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_high = 4u << 20;
	cfg->mem_low = 3u << 20;
	cfg->timeout_v4 = 30ull * 1000000000ull;
	cfg->timeout_v6 = 60ull * 1000000000ull;
}

static int config_ok(const struct segoff_reasm_config *cfg)
{
	return cfg && cfg->deliver && cfg->max_dgrams <= (1u << 20) && cfg->max_frags <= DGRAM_MAX_FRAGS &&
	       cfg->mem_high > 0 && cfg->mem_high <= (1ull << 34) && cfg->mem_low <= cfg->mem_high &&
	       cfg->link <= SEGOFF_LINK_IP;
}

/* Datagrams in flight: as many as mem_high holds at one small fragment each. */
static uint32_t dgrams_for(const struct segoff_reasm_config *cfg)
{
	if (cfg->max_dgrams)
		return cfg->max_dgrams;
	uint64_t n = cfg->mem_high / (DGRAM_CHARGE + FRAG_CHARGE(MIN_FRAG_FRAME(cfg))) + 2;
	return n < (1u << 20) ? (uint32_t)n : (1u << 20);
}

/* Arena entries: arrays at most twice their fragments, the fragments no more
 * than mem_high holds, and room for the largest datagram to double once. */
static uint64_t arena_for(const struct segoff_reasm_config *cfg)
{
	uint64_t live = cfg->mem_high / FRAG_CHARGE(MIN_FRAG_FRAME(cfg)) + 2;
	return 2 * live + 2 * (uint64_t)DGRAM_MAX_FRAGS;
}

size_t segoff_reasm_memsize(const struct segoff_reasm_config *cfg)
{
	if (!config_ok(cfg))
		return 0;
	uint32_t nd = dgrams_for(cfg), nb = 16;
	while (nb < 2 * nd)
		nb <<= 1;
	return sizeof(struct segoff_reasm) + nd * (sizeof(struct dgram) + sizeof(uint32_t)) + nb * sizeof(int32_t) +
	       arena_for(cfg) * sizeof(struct frag_entry) + (DGRAM_MAX_FRAGS + 1) * sizeof(struct segoff_slice);
}

int segoff_reasm_create(const struct segoff_reasm_config *cfg, struct segoff_reasm **out)
{
	if (!out || !config_ok(cfg))
		return SEGOFF_E_INVAL;
	uint32_t nd = dgrams_for(cfg), nb = 16;
	while (nb < 2 * nd)
		nb <<= 1;
	uint64_t na = arena_for(cfg);
	if (na > UINT32_MAX)
		return SEGOFF_E_INVAL;
	struct segoff_reasm *r = calloc(1, sizeof(*r));
	if (r) {
		r->dg = malloc(nd * sizeof(*r->dg)); /* each slot written when first taken */
		r->order = malloc(nd * sizeof(*r->order));
		r->buckets = malloc(nb * sizeof(int32_t));
		r->arena = malloc(na * sizeof(*r->arena));
		r->iov = malloc((DGRAM_MAX_FRAGS + 1) * sizeof(*r->iov));
	}
	if (!r || !r->dg || !r->order || !r->buckets || !r->arena || !r->iov) {
		if (r) {
			free(r->dg);
			free(r->order);
			free(r->buckets);
			free(r->arena);
			free(r->iov);
		}
		free(r);
		return SEGOFF_E_SYSTEM;
	}
	r->cfg = *cfg;
	r->max_dgrams = nd;
	r->bucket_mask = nb - 1;
	r->arena_cap = (uint32_t)na;
	struct timespec ts;
	timespec_get(&ts, TIME_UTC);
	r->hash_seed = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^ (uint64_t)(uintptr_t)r;
	for (uint32_t b = 0; b < nb; b++)
		r->buckets[b] = NIL;
	r->free_list = NIL;
	r->oldest = r->newest = NIL;
	for (unsigned c = 0; c < NR_CLASSES; c++)
		r->free_block[c] = NO_BLOCK;
	*out = r;
	return SEGOFF_OK;
}

/* --- the fragment arena --- */

static unsigned size_class(uint32_t cap)
{
	return (unsigned)__builtin_ctz(cap) - 1; /* cap = 2 << class */
}

/* An array no longer used: onto its size's free list (its first entry's
 * offset field links the list). */
static void block_free(struct segoff_reasm *r, uint32_t base, uint32_t cap)
{
	unsigned c = size_class(cap);
	r->arena[base].offset = r->free_block[c];
	r->free_block[c] = base;
}

static void release(struct segoff_reasm *r, void *cookie)
{
	if (r->cfg.release)
		r->cfg.release(r->cfg.opaque, cookie);
}

/* Eight key bytes at a time (a byte-wise hash was a quarter of the time
 * per fragment), multiplied and folded, from the context's seed. The key
 * is zero-padded to whole words (KEY_MAX is a multiple of 8). */
static uint32_t hash_key(uint64_t seed, const uint8_t *k, unsigned n)
{
	const uint64_t mul = 0x9e3779b97f4a7c15ull;
	uint64_t h = seed ^ n;
	for (unsigned i = 0; i < n; i += 8) {
		uint64_t w;
		memcpy(&w, k + i, 8);
		h = (h ^ w) * mul;
		h ^= h >> 29;
	}
	h *= mul;
	return (uint32_t)(h >> 32);
}

/* Unlink a datagram, release its fragments, count why. */
static void dgram_kill(struct segoff_reasm *r, struct dgram *d, int counter)
{
	int32_t idx = (int32_t)(d - r->dg);
	int32_t *pp = &r->buckets[d->hash & r->bucket_mask];
	while (*pp != idx)
		pp = &r->dg[*pp].hnext;
	*pp = d->hnext;
	if (d->older != NIL)
		r->dg[d->older].newer = d->newer;
	else
		r->oldest = d->newer;
	if (d->newer != NIL)
		r->dg[d->newer].older = d->older;
	else
		r->newest = d->older;
	const struct frag_entry *fe = r->arena + d->base;
	for (unsigned i = 0; i < d->nr_frags; i++)
		release(r, fe[i].cookie);
	if (d->cap)
		block_free(r, d->base, d->cap);
	d->nr_frags = d->cap = 0;
	r->mem -= d->mem;
	if (counter >= 0)
		r->counters[counter]++;
	d->hnext = r->free_list;
	r->free_list = idx;
}

void segoff_reasm_expire(struct segoff_reasm *r, uint64_t now)
{
	for (int32_t i = r->oldest; i != NIL;) {
		struct dgram *d = &r->dg[i];
		i = d->newer;
		uint64_t t = d->ipv6 ? r->cfg.timeout_v6 : r->cfg.timeout_v4;
		if (now >= d->born && now - d->born >= t)
			dgram_kill(r, d, SEGOFF_REASM_TIMEOUT);
	}
}

void segoff_reasm_destroy(struct segoff_reasm *r)
{
	if (!r)
		return;
	while (r->oldest != NIL)
		dgram_kill(r, &r->dg[r->oldest], SEGOFF_REASM_TIMEOUT);
	free(r->dg);
	free(r->order);
	free(r->buckets);
	free(r->arena);
	free(r->iov);
	free(r);
}

static void deliver_whole(struct segoff_reasm *r, const uint8_t *frame, size_t len, void *cookie, int counter)
{
	struct segoff_slice s = { frame, len };
	struct segoff_reasm_out out = { &s, 1, (uint32_t)len, 0 };
	r->counters[counter]++;
	r->cfg.deliver(r->cfg.opaque, &out);
	release(r, cookie);
}

static void drop(struct segoff_reasm *r, void *cookie, int counter)
{
	r->counters[counter]++;
	release(r, cookie);
}

/* What a fragment says of itself. */
struct frag_info {
	uint8_t key[KEY_MAX];
	unsigned key_len;
	int ipv6, more;
	uint32_t offset, data_start, data_len, unfrag_len, nh_pos;
	uint8_t nexthdr;
};

/* IPv4: fragment fields, or 0 when it is not a fragment; -1 if malformed. */
static int info_v4(const struct segoff_pkt *pkt, size_t len, struct frag_info *fi)
{
	const uint8_t *ip = pkt->head + pkt->l3_off;
	unsigned ihl = (ip[0] & 0xf) * 4u;
	uint16_t frag = rd16(ip + 6), tot = rd16(ip + 2);
	if (!(frag & 0x3fff))
		return 0;
	if (tot < ihl || pkt->l3_off + (size_t)tot > len)
		return -1;
	fi->ipv6 = 0;
	fi->more = (frag & 0x2000) != 0;
	fi->offset = (uint32_t)(frag & 0x1fff) << 3;
	fi->data_start = pkt->l3_off + ihl;
	fi->data_len = tot - ihl;
	fi->unfrag_len = ihl;
	fi->key[0] = 4;
	memcpy(fi->key + 1, ip + 12, 8);
	fi->key[9] = ip[9];
	memcpy(fi->key + 10, ip + 4, 2);
	fi->key_len = 12;
	return 1;
}

/* IPv6: find the fragment header in the chain; 0 when there is none. */
static int info_v6(const struct segoff_pkt *pkt, size_t len, struct frag_info *fi)
{
	const uint8_t *ip = pkt->head + pkt->l3_off;
	size_t end = pkt->l3_off + 40 + (size_t)rd16(ip + 4);
	if (end > len)
		return -1;
	unsigned off = 40, nh_pos = 6, n = 0;
	uint8_t nh = ip[6];
	while (nh == 0 || nh == 43 || nh == 60) {
		if (++n > SEGOFF_MAX_EXTHDRS || pkt->l3_off + off + 8 > end)
			return -1;
		nh_pos = off;
		nh = ip[off];
		off += (ip[off + 1] + 1u) * 8;
	}
	if (nh != 44)
		return 0;
	if (pkt->l3_off + off + 8 > end)
		return -1;
	const uint8_t *fh = ip + off;
	uint16_t fo = rd16(fh + 2);
	fi->ipv6 = 1;
	fi->more = fo & 1;
	fi->offset = fo & 0xfff8;
	fi->data_start = pkt->l3_off + off + 8;
	fi->data_len = (uint32_t)(end - fi->data_start);
	fi->unfrag_len = off;
	fi->nh_pos = nh_pos;
	fi->nexthdr = fh[0];
	fi->key[0] = 6;
	memcpy(fi->key + 1, ip + 8, 32);
	memcpy(fi->key + 33, fh + 4, 4);
	fi->key_len = 37;
	return 1;
}

static struct dgram *dgram_find(struct segoff_reasm *r, uint32_t hash, const uint8_t *key, unsigned key_len)
{
	for (int32_t i = r->buckets[hash & r->bucket_mask]; i != NIL; i = r->dg[i].hnext) {
		struct dgram *d = &r->dg[i];
		if (d->hash == hash && d->key_len == key_len && memcmp(d->key, key, key_len) == 0)
			return d;
	}
	return NULL;
}

static struct dgram *dgram_new(struct segoff_reasm *r, const struct frag_info *fi, uint32_t hash, uint64_t now)
{
	int32_t idx;
	if (r->free_list != NIL) {
		idx = r->free_list;
		r->free_list = r->dg[idx].hnext;
	} else if (r->dg_used < r->max_dgrams) {
		idx = (int32_t)r->dg_used++;
	} else {
		dgram_kill(r, &r->dg[r->oldest], SEGOFF_REASM_EVICTED); /* datagrams in flight: the limit */
		idx = r->free_list;
		r->free_list = r->dg[idx].hnext;
	}
	struct dgram *d = &r->dg[idx];
	memcpy(d->key, fi->key, fi->key_len);
	d->key_len = (uint8_t)fi->key_len;
	d->ipv6 = (uint8_t)fi->ipv6;
	d->first_in = d->last_in = 0;
	d->hash = hash;
	d->len = d->meat = 0;
	d->mem = DGRAM_CHARGE;
	r->mem += DGRAM_CHARGE;
	d->born = now;
	d->nr_frags = d->cap = d->base = 0;
	d->hnext = r->buckets[hash & r->bucket_mask];
	r->buckets[hash & r->bucket_mask] = idx;
	d->older = r->newest;
	d->newer = NIL;
	if (r->newest != NIL)
		r->dg[r->newest].newer = idx;
	else
		r->oldest = idx;
	r->newest = idx;
	return d;
}

/* All fragments in: the first's headers, lengths fixed, then the data. */
static void dgram_deliver(struct segoff_reasm *r, struct dgram *d)
{
	memcpy(r->hdr, d->first, d->hdr_len);
	uint8_t *l3 = r->hdr + d->l3_off;
	if (!d->ipv6) {
		wr16(l3 + 2, (uint16_t)(d->unfrag_len + d->len));
		wr16(l3 + 6, 0);
		wr16(l3 + 10, 0);
		wr16(l3 + 10, segoff_csum_finish(segoff_csum(l3, d->unfrag_len)));
	} else {
		l3[d->nh_pos] = d->nexthdr; /* the fragment header is gone */
		wr16(l3 + 4, (uint16_t)(d->unfrag_len - 40 + d->len));
	}
	unsigned n = 0;
	r->iov[n++] = (struct segoff_slice){ r->hdr, d->hdr_len };
	const struct frag_entry *fe = r->arena + d->base;
	for (unsigned i = 0; i < d->nr_frags; i++)
		r->iov[n++] = (struct segoff_slice){ fe[i].data, fe[i].end - fe[i].offset };
	struct segoff_reasm_out out = { r->iov, n, d->hdr_len + d->len, d->nr_frags };
	r->cfg.deliver(r->cfg.opaque, &out);
	dgram_kill(r, d, SEGOFF_REASM_OK);
}

/* Slide every datagram's array down to the start of the arena, in the order
 * they lie in it, so that what growth left behind is free again. */
static void arena_compact(struct segoff_reasm *r)
{
	uint32_t n = 0;
	for (int32_t i = r->oldest; i != NIL; i = r->dg[i].newer)
		if (r->dg[i].cap)
			r->order[n++] = (uint32_t)i;
	/* insertion sort by position: run rarely, and datagrams made one after
	 * the other mostly lie in age order already */
	for (uint32_t i = 1; i < n; i++) {
		uint32_t v = r->order[i], j = i;
		while (j > 0 && r->dg[r->order[j - 1]].base > r->dg[v].base) {
			r->order[j] = r->order[j - 1];
			j--;
		}
		r->order[j] = v;
	}
	uint32_t top = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct dgram *d = &r->dg[r->order[i]];
		if (d->base != top)
			memmove(r->arena + top, r->arena + d->base, d->nr_frags * sizeof(struct frag_entry));
		d->base = top;
		top += d->cap;
	}
	r->arena_top = top;
	for (unsigned c = 0; c < NR_CLASSES; c++)
		r->free_block[c] = NO_BLOCK;
}

/* Room for one more fragment of `d`: its array doubled (or made), from the
 * free list of that size or the arena's top. Older datagrams go if the arena
 * cannot hold it even compacted (it is sized so that memory runs out first);
 * 0, or -1 when `d` alone does not fit (then the caller discards it). */
static int dgram_grow(struct segoff_reasm *r, struct dgram *d)
{
	uint32_t cap = d->cap ? 2 * d->cap : 2;
	if (cap > DGRAM_MAX_FRAGS) /* cannot be: a full array of the most holds every offset */
		return -1;
	unsigned c = size_class(cap);
	if (r->free_block[c] != NO_BLOCK) {
		uint32_t base = r->free_block[c];
		r->free_block[c] = r->arena[base].offset;
		memcpy(r->arena + base, r->arena + d->base, d->nr_frags * sizeof(struct frag_entry));
		if (d->cap)
			block_free(r, d->base, d->cap);
		d->base = base;
		d->cap = cap;
		return 0;
	}
	while (r->arena_top + cap > r->arena_cap) {
		arena_compact(r);
		if (r->arena_top + cap <= r->arena_cap)
			break;
		int32_t victim = r->oldest == (int32_t)(d - r->dg) ? r->dg[r->oldest].newer : r->oldest;
		if (victim == NIL)
			return -1;
		dgram_kill(r, &r->dg[victim], SEGOFF_REASM_EVICTED);
	}
	memcpy(r->arena + r->arena_top, r->arena + d->base, d->nr_frags * sizeof(struct frag_entry));
	if (d->cap)
		block_free(r, d->base, d->cap);
	d->base = r->arena_top;
	d->cap = cap;
	r->arena_top += cap;
	return 0;
}

/* The common frame: an IPv4 fragment, no VLAN tag, its header whole;
 * returns where that header starts (14, or 0 for an IP packet), or -1. */
static int ipv4_fragment_at(const uint8_t *frame, size_t len, enum segoff_link link)
{
	const unsigned l3 = link == SEGOFF_LINK_ETH ? 14 : 0;
	if (len < l3 + 20 || (l3 && (frame[12] != 0x08 || frame[13] != 0x00)) || frame[l3] >> 4 != 4)
		return -1;
	const unsigned ihl = (frame[l3] & 0xf) * 4u;
	return ihl >= 20 && l3 + ihl <= len && (rd16(frame + l3 + 6) & 0x3fff) != 0 ? (int)l3 : -1;
}

int segoff_reasm_receive(struct segoff_reasm *r, const void *frame_v, size_t len, void *cookie, uint64_t now)
{
	const uint8_t *frame = frame_v;
	if (!r || !frame)
		return SEGOFF_E_INVAL;
	r->counters[SEGOFF_REASM_FRAGS]++;
	struct segoff_pkt pkt;
	int perr, l3 = ipv4_fragment_at(frame, len, (enum segoff_link)r->cfg.link);
	if (l3 >= 0) {
		/* What the whole parse would conclude for such a frame: IPv4 at
		 * l3, a whole header; past it reassembly reads nothing (the
		 * kernel's IPv4 reassembly never looks at a first fragment's
		 * transport header), so the parse is not needed. */
		pkt.head = frame;
		pkt.l3_off = (uint16_t)l3;
		pkt.l3_proto = SEGOFF_PROTO_IPV4;
		pkt.nr_layers = 1;
		pkt.layer[0].proto = SEGOFF_PROTO_IPV4;
		pkt.layer[0].off = (uint16_t)l3;
		perr = SEGOFF_OK;
	} else {
		segoff_pkt_init(&pkt, frame, len, NULL, 0);
		/* IP is all reassembly reads: no tunnel ports */
		perr = segoff_parse_link(&pkt, (enum segoff_link)r->cfg.link, NULL);
	}
	if (pkt.l3_proto == SEGOFF_PROTO_NONE) {
		if (perr < 0)
			drop(r, cookie, SEGOFF_REASM_MALFORMED);
		else
			deliver_whole(r, frame, len, cookie, SEGOFF_REASM_NOT_FRAGMENT);
		return SEGOFF_OK;
	}
	struct frag_info fi;
	int is = pkt.l3_proto == SEGOFF_PROTO_IPV4 ? info_v4(&pkt, len, &fi) : info_v6(&pkt, len, &fi);
	/* A parse that stopped past a whole IPv4 header is a first fragment
	 * too short for its transport header: the kernel's IPv4 reassembly
	 * never looks there, so neither does this (IPv6 has its rule, R3). */
	int ipv4_whole = 0;
	for (unsigned i = 0; i < pkt.nr_layers; i++)
		ipv4_whole |= pkt.layer[i].proto == SEGOFF_PROTO_IPV4 && pkt.layer[i].off == pkt.l3_off;
	if (is < 0 || (perr < 0 && !(is > 0 && ((fi.ipv6 && fi.offset == 0) || (!fi.ipv6 && ipv4_whole))))) {
		drop(r, cookie, SEGOFF_REASM_MALFORMED);
		return SEGOFF_OK;
	}
	if (is == 0) {
		deliver_whole(r, frame, len, cookie, SEGOFF_REASM_NOT_FRAGMENT);
		return SEGOFF_OK;
	}
	if (fi.ipv6 && fi.offset == 0 && !fi.more) {
		deliver_whole(r, frame, len, cookie, SEGOFF_REASM_ATOMIC); /* R3 */
		return SEGOFF_OK;
	}
	/* RFC 8200 4.5: the first fragment holds every header through the
	 * transport header (the parser stopped short: it is cut) [R3] */
	if (fi.ipv6 && fi.offset == 0 && perr < 0) {
		drop(r, cookie, SEGOFF_REASM_HEADER_CHAIN);
		return SEGOFF_OK;
	}
	if (fi.ipv6 && fi.more && (fi.data_len & 7)) {
		drop(r, cookie, SEGOFF_REASM_BAD_LENGTH); /* R2: IPv6 rejects */
		return SEGOFF_OK;
	}
	/* VLAN tags are part of who the datagram belongs to */
	if (r->cfg.link == SEGOFF_LINK_ETH && pkt.l3_off > 14 && fi.key_len + (pkt.l3_off - 14u) <= KEY_MAX) {
		memcpy(fi.key + fi.key_len, frame + 14, pkt.l3_off - 14u);
		fi.key_len += pkt.l3_off - 14u;
	}
	memset(fi.key + fi.key_len, 0, KEY_MAX - fi.key_len);
	uint32_t hash = hash_key(r->hash_seed, fi.key, fi.key_len);
	struct dgram *d = dgram_find(r, hash, fi.key, fi.key_len);
	if (!d)
		d = dgram_new(r, &fi, hash, now);

	uint32_t offset = fi.offset, end = offset + fi.data_len;
	if (!fi.more) {
		/* the last fragment: nothing may lie beyond it, one end only */
		if (end < d->len || (d->last_in && end != d->len)) {
			dgram_kill(r, d, SEGOFF_REASM_CORRUPT);
			release(r, cookie); /* counted once, with its datagram */
			return SEGOFF_OK;
		}
		d->last_in = 1;
		d->len = end;
	} else {
		if (end & 7) { /* R2: IPv4 cuts a non-last fragment to 8 bytes */
			end &= ~7u;
			r->counters[SEGOFF_REASM_TRUNCATED]++;
		}
		if (end > d->len) {
			if (d->last_in) {
				dgram_kill(r, d, SEGOFF_REASM_CORRUPT);
				release(r, cookie); /* counted once, with its datagram */
				return SEGOFF_OK;
			}
			d->len = end;
		}
	}
	if (end == offset) {
		dgram_kill(r, d, SEGOFF_REASM_CORRUPT);
		release(r, cookie); /* counted once, with its datagram */
		return SEGOFF_OK;
	}
	if ((uint64_t)fi.unfrag_len - (fi.ipv6 ? 40 : 0) + d->len > 65535) {
		dgram_kill(r, d, SEGOFF_REASM_TOO_BIG);
		release(r, cookie); /* counted once, with its datagram */
		return SEGOFF_OK;
	}
	/* An exact duplicate goes alone; any other overlap takes the datagram
	 * [R1]. Held fragments are sorted and never overlap one another, so
	 * only the neighbours of the insertion point can: a binary search,
	 * with in-order arrival (after the last) checked first. */
	struct frag_entry *fe = r->arena + d->base;
	unsigned at = d->nr_frags;
	if (at && offset <= fe[at - 1].offset) {
		unsigned lo = 0, hi = at;
		while (lo < hi) {
			unsigned mid = (lo + hi) / 2;
			if (fe[mid].offset < offset)
				lo = mid + 1;
			else
				hi = mid;
		}
		at = lo;
	}
	if (at < d->nr_frags && fe[at].offset == offset && fe[at].end == end) {
		drop(r, cookie, SEGOFF_REASM_DUPLICATE);
		return SEGOFF_OK;
	}
	if ((at < d->nr_frags && fe[at].offset < end) || (at > 0 && fe[at - 1].end > offset)) {
		dgram_kill(r, d, SEGOFF_REASM_OVERLAP);
		release(r, cookie); /* counted once, with its datagram */
		return SEGOFF_OK;
	}
	if (r->cfg.max_frags && d->nr_frags == r->cfg.max_frags) {
		dgram_kill(r, d, SEGOFF_REASM_TOO_MANY_FRAGS);
		release(r, cookie); /* counted once, with its datagram */
		return SEGOFF_OK;
	}
	if (offset == 0) {
		/* the first fragment's headers become the datagram's */
		size_t hl = fi.data_start - (fi.ipv6 ? 8 : 0);
		if (hl > REASM_HDR_MAX) {
			dgram_kill(r, d, SEGOFF_REASM_MALFORMED);
			release(r, cookie); /* counted once, with its datagram */
			return SEGOFF_OK;
		}
		d->first = frame; /* held until the datagram goes: read at delivery */
		d->hdr_len = (uint16_t)hl;
		d->l3_off = pkt.l3_off;
		d->unfrag_len = (uint16_t)fi.unfrag_len;
		d->nh_pos = (uint16_t)fi.nh_pos;
		d->nexthdr = fi.nexthdr;
		d->first_in = 1;
	}
	if (d->nr_frags == d->cap) {
		if (dgram_grow(r, d) < 0) {
			dgram_kill(r, d, SEGOFF_REASM_EVICTED);
			release(r, cookie); /* counted once, with its datagram */
			return SEGOFF_OK;
		}
		fe = r->arena + d->base;
	}
	memmove(&fe[at + 1], &fe[at], (d->nr_frags - at) * sizeof(fe[0]));
	fe[at] = (struct frag_entry){ offset, end, frame + fi.data_start, cookie };
	d->nr_frags++;
	d->meat += end - offset;
	d->mem += FRAG_CHARGE(len);
	r->mem += FRAG_CHARGE(len);
	if (d->first_in && d->last_in && d->meat == d->len) {
		dgram_deliver(r, d);
		return SEGOFF_OK;
	}
	/* memory stays bounded: past high, the oldest go down to low [R4] */
	if (r->mem > r->cfg.mem_high) {
		while (r->mem > r->cfg.mem_low && r->oldest != NIL)
			dgram_kill(r, &r->dg[r->oldest], SEGOFF_REASM_EVICTED);
	}
	return SEGOFF_OK;
}
