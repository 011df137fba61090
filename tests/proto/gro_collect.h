/* SPDX-License-Identifier: MIT */
/* What the per-protocol tests keep of a GRO context's outputs: each one's
 * length, GSO size, segments, type and virtio header, and the bytes of the
 * first four. Header-only: each tests/proto file is its own program. */
#ifndef SEGOFF_TEST_GRO_COLLECT_H
#define SEGOFF_TEST_GRO_COLLECT_H

#include <string.h>
#include <segoff/segoff.h>
#include "check.h"

#define GOT_MAX 64
#define GOT_DATA 4

static struct {
	unsigned n;
	uint32_t len[GOT_MAX];
	uint16_t gso_size[GOT_MAX], gso_segs[GOT_MAX];
	uint32_t gso_type[GOT_MAX];
	struct segoff_vnet_hdr vnet[GOT_MAX];
	uint8_t data[GOT_DATA][70000];
} got;

static void got_deliver(void *opaque, const struct segoff_gro_out *o)
{
	(void)opaque;
	unsigned k = got.n++;
	if (k >= GOT_MAX)
		return;
	got.len[k] = o->len;
	got.gso_size[k] = o->gso_size;
	got.gso_segs[k] = o->gso_segs;
	got.gso_type[k] = o->gso_type;
	got.vnet[k] = o->vnet;
	if (k < GOT_DATA) {
		size_t at = 0;
		for (unsigned i = 0; i < o->nr_iov; i++) {
			memcpy(got.data[k] + at, o->iov[i].base, o->iov[i].len);
			at += o->iov[i].len;
		}
	}
}

/* A copying GRO context with the defaults but what `cfg` (may be NULL)
 * changes, delivering into `got`, which starts empty. */
static struct segoff_gro *got_gro(const struct segoff_gro_config *cfg)
{
	struct segoff_gro_config c;
	if (cfg) {
		c = *cfg;
	} else {
		segoff_gro_config_init(&c);
	}
	c.deliver = got_deliver;
	c.copy = 1;
	struct segoff_gro *g;
	CHECK_EQ(segoff_gro_create(&c, &g), SEGOFF_OK);
	got.n = 0;
	return g;
}

#endif
