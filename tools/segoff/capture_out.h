/* SPDX-License-Identifier: MIT */
/* The output side of the capture jobs whose engine hands packets back as
 * slices (coalesce: GRO; reassemble: reassembly): each packet is flattened
 * and written with the capture time of the input that let it out, and
 * counted. */
#ifndef SEGOFF_CLI_CAPTURE_OUT_H
#define SEGOFF_CLI_CAPTURE_OUT_H

#include <stdint.h>
#include <sys/time.h>
#include <segoff/segoff.h>
#include "pcapio.h"
#include "slices.h"

struct capture_out {
	struct pcapio_writer *w;
	struct timeval now;         /* the capture time of the input being handled */
	uint64_t pkts_out, bytes_out;
	uint8_t *flat;              /* room for the largest packet the engine delivers */
};

/* One packet as it is, at `ts`. */
void capture_out_write(struct capture_out *o, const struct timeval *ts, const void *data, uint32_t len);
/* One packet given as slices, flattened, at o->now. */
void capture_out_write_slices(struct capture_out *o, const struct segoff_slice *iov, unsigned nr_iov);
/* The engines' release callback: the jobs give each input a malloc'ed copy
 * (libpcap reuses its buffer on the next read), and the cookie is that copy. */
void capture_out_free_input(void *opaque, void *cookie);

#endif
