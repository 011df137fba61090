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

void capture_out_write_slices(struct capture_out *o, const struct segoff_slice *iov, unsigned nr_iov)
{
	capture_out_write(o, &o->now, o->flat, (uint32_t)slices_flatten(o->flat, iov, nr_iov));
}

void capture_out_free_input(void *opaque, void *cookie)
{
	(void)opaque;
	free(cookie);
}
