/* SPDX-License-Identifier: MIT */
/* Big-endian stores for the programs around the library (the CLI's demo, the
 * benchmarks, the test packet generator) that build headers by hand. The
 * library keeps its own, internal, in src/proto/proto.h. */
#ifndef SEGOFF_TOOLS_BYTES_H
#define SEGOFF_TOOLS_BYTES_H

#include <stdint.h>

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

#endif
