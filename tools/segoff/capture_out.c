// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>
#include "capture_out.h"

void capture_out_write(struct capture_out *o, const struct timeval *ts, const void *data, uint32_t len)
{
	pcapio_write(o->w, ts, data, len);
	o->pkts_out++;
	o->bytes_out += len;
}

size_t capture_flatten(uint8_t *dst, const struct segoff_slice *iov, unsigned nr_iov)
{
	size_t at = 0;
	for (unsigned i = 0; i < nr_iov; i++) {
		memcpy(dst + at, iov[i].base, iov[i].len);
		at += iov[i].len;
	}
	return at;
}

void capture_out_write_slices(struct capture_out *o, const struct segoff_slice *iov, unsigned nr_iov)
{
	capture_out_write(o, &o->now, o->flat, (uint32_t)capture_flatten(o->flat, iov, nr_iov));
}

void capture_out_free_input(void *opaque, void *cookie)
{
	(void)opaque;
	free(cookie);
}
