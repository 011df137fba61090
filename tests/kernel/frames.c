// SPDX-License-Identifier: MIT
/* The GRO differentials' frame lists (frames.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "frames.h"

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
