// SPDX-License-Identifier: MIT
/*
 * Fuzz target for GRO: untrusted frames, in untrusted order, through every
 * mode. Input: byte 0 = options (bit 0 LRO, bit 1 UDP, bit 2 copy mode,
 * bit 3 full checksums, bit 4 trust checksums, bits 5-7 table size), then
 * frames as [2-byte length][bytes]. Besides what the sanitizers catch, it
 * checks the ownership contract (every input released exactly once, none
 * before it was given) and that output payload never exceeds input.
 */
#include <stdlib.h>
#include <string.h>
#include <segoff/segoff.h>
#include "contract.h"

#define MAX_PKTS 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t bytes_out;

static void on_deliver(void *opaque, const struct segoff_gro_out *out)
{
	(void)opaque;
	bytes_out += contract_output_len(out->iov, out->nr_iov, out->len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t opt = data[0];
	struct segoff_gro_config cfg;
	segoff_gro_config_init(&cfg);
	cfg.mode = (opt & 1) ? SEGOFF_GRO_MODE_LRO : SEGOFF_GRO_MODE_GRO;
	cfg.udp = (opt >> 1) & 1;
	cfg.copy = (opt >> 2) & 1;
	cfg.csum = (opt & 8) ? SEGOFF_GRO_CSUM_FULL : SEGOFF_GRO_CSUM_PARTIAL;
	cfg.trust_csum = (opt >> 4) & 1;
	cfg.max_flows = 1u + (opt >> 5);
	cfg.max_pkts_per_flow = 8;
	cfg.deliver = on_deliver;
	cfg.release = contract_release;
	struct segoff_gro *g;
	if (segoff_gro_create(&cfg, &g) != SEGOFF_OK)
		abort();
	contract_reset();
	bytes_out = 0;
	uint64_t bytes_in = 0;
	size_t at = 1;
	while (at + 2 <= size && contract_given < MAX_PKTS) {
		size_t len = (size_t)(data[at] << 8 | data[at + 1]);
		at += 2;
		if (len > size - at)
			len = size - at;
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, data + at, len, NULL, 0);
		at += len;
		if (segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0) < 0)
			continue;
		bytes_in += len;
		unsigned id = contract_given; /* also the clock */
		must(segoff_gro_receive(g, &pkt, contract_give(), id) == SEGOFF_OK);
		if ((id & 15) == 15)
			segoff_gro_flush(g, id);
	}
	segoff_gro_destroy(g);
	contract_all_released();
	/* merging saves headers; it never makes payload */
	must(bytes_out <= bytes_in);
	return 0;
}
