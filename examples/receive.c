// SPDX-License-Identifier: MIT
/* Coalesce a burst of received frames as Linux GRO would, and hand each
 * result on. Compiled by `make` so the README's snippet stays true. */
#include <stdint.h>
#include <stdlib.h>
#include <segoff/segoff.h>

void receive_burst(uint8_t *const *buf, const size_t *len, int n, uint64_t now,
		   void (*to_tap)(void *, const struct segoff_gro_out *));

static void free_buffer(void *opaque, void *cookie)
{
	(void)opaque;
	free(cookie);
}

void receive_burst(uint8_t *const *buf, const size_t *len, int n, uint64_t now,
		   void (*to_tap)(void *, const struct segoff_gro_out *))
{
	static struct segoff_gro *gro;
	if (!gro) {
		struct segoff_gro_config cfg;
		segoff_gro_config_init(&cfg);                     /* GRO rules, partial checksums, zero-copy */
		cfg.deliver = to_tap;                             /* called with each packet that goes up */
		cfg.release = free_buffer;                        /* an input buffer is no longer referenced */
		if (segoff_gro_create(&cfg, &gro) != SEGOFF_OK)   /* the only allocation */
			return;
	}
	for (int i = 0; i < n; i++)                               /* a burst from the NIC */
		segoff_gro_receive_frame(gro, buf[i], len[i], SEGOFF_CSUM_NONE, buf[i], now);
	segoff_gro_flush_all(gro);                                /* the end of a NAPI poll */
}
