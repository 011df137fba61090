// SPDX-License-Identifier: MIT
/* The GRO differentials' frame lists (frames.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "frames.h"
#include "lab.h"

void frames_init(struct frames *fs, unsigned cap)
{
	fs->n = 0;
	fs->cap = cap;
	fs->f = calloc(cap, sizeof(*fs->f));
	if (!fs->f) {
		perror("frames_init");
		exit(1);
	}
}

void frames_clear(struct frames *fs)
{
	for (unsigned i = 0; i < fs->n; i++)
		free(fs->f[i].data);
	fs->n = 0;
}

void frames_add(struct frames *fs, const void *d, size_t len, const struct segoff_vnet_hdr *vh)
{
	if (fs->n == fs->cap)
		return;
	struct frame *f = &fs->f[fs->n++];
	f->data = malloc(len ? len : 1);
	if (!f->data) {
		perror("frames_add");
		exit(1);
	}
	memcpy(f->data, d, len);
	f->len = len;
	f->vh = *vh;
}

int frames_same(const struct frames *a, const struct frames *b)
{
	if (a->n != b->n)
		return 0;
	for (unsigned i = 0; i < a->n; i++)
		if (a->f[i].len != b->f[i].len || memcmp(a->f[i].data, b->f[i].data, a->f[i].len) != 0 ||
		    memcmp(&a->f[i].vh, &b->f[i].vh, sizeof(a->f[i].vh)) != 0)
			return 0;
	return 1;
}

int frames_segments_differ(const struct segoff_seg *segs, unsigned nexp, const struct frames *got, int partial,
			   long *at)
{
	*at = -1;
	if (got->n != nexp)
		return 1;
	for (unsigned k = 0; k < nexp; k++) {
		const struct segoff_seg *s = &segs[k];
		const struct frame *g = &got->f[k];
		const struct segoff_vnet_hdr *h = &g->vh;
		int csum_ok = partial ? (h->flags & SEGOFF_VNET_F_NEEDS_CSUM) && h->csum_start == s->csum_start &&
						h->csum_offset == s->csum_offset
				      : !(h->flags & SEGOFF_VNET_F_NEEDS_CSUM);
		if (g->len != s->len || memcmp(g->data, s->head, s->len) != 0 || !csum_ok || h->gso_type) {
			*at = k;
			return 1;
		}
	}
	return 0;
}

int frames_outputs_differ(const struct frames *model, const struct frames *kernel, int inner_offsets,
			  unsigned *first)
{
	*first = 0;
	if (model->n != kernel->n)
		return 1;
	for (unsigned i = 0; i < model->n; i++) {
		const struct frame *m = &model->f[i], *k = &kernel->f[i];
		const struct segoff_vnet_hdr *a = &m->vh, *b = &k->vh;
		int bad = m->len != k->len || memcmp(m->data, k->data, m->len) != 0 || a->flags != b->flags ||
			  a->gso_type != b->gso_type || a->gso_size != b->gso_size;
		if (!bad && (a->flags & SEGOFF_VNET_F_NEEDS_CSUM))
			bad = a->csum_start != b->csum_start || a->csum_offset != b->csum_offset;
		if (!bad && inner_offsets && a->gso_type)
			bad = a->inner_nh_offset != b->inner_nh_offset;
		if (bad) {
			*first = i;
			return 1;
		}
	}
	return 0;
}

static long long clock_ns(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int frames_write_after_tick(int fd, const struct frames *in)
{
	uint8_t vb[SEGOFF_VNET_HDR_LEN] = { 0 };
	for (long long c = clock_ns(CLOCK_MONOTONIC_COARSE); clock_ns(CLOCK_MONOTONIC_COARSE) == c;)
		;
	long long c0 = clock_ns(CLOCK_MONOTONIC_COARSE), last = clock_ns(CLOCK_MONOTONIC);
	int clean = 1;
	for (unsigned i = 0; i < in->n; i++) {
		struct iovec iov[2] = { { vb, sizeof(vb) }, { in->f[i].data, in->f[i].len } };
		long long now = clock_ns(CLOCK_MONOTONIC);
		clean &= now - last < 1000000;
		last = now;
		if (writev(fd, iov, 2) < 0)
			lab_die("writev to TAP A");
	}
	clean &= clock_ns(CLOCK_MONOTONIC_COARSE) == c0;
	usleep(10000); /* a jiffy and two flush timeouts: all delivered */
	return clean;
}
