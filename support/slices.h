/* SPDX-License-Identifier: MIT */
/* A packet given as slices (GRO and reassembly outputs, zero-copy segments),
 * made contiguous. */
#ifndef SEGOFF_SUPPORT_SLICES_H
#define SEGOFF_SUPPORT_SLICES_H

#include <stddef.h>
#include <stdint.h>
#include <segoff/pkt.h>

/* Copies the slices back to back into `dst`; returns the bytes copied. */
size_t slices_flatten(uint8_t *dst, const struct segoff_slice *iov, unsigned nr_iov);

#endif
