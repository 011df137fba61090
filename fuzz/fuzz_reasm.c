// SPDX-License-Identifier: MIT
/*
 * Fuzz target for IP reassembly: untrusted fragments, in untrusted order,
 * with untrusted gaps of time. Input: byte 0 = limits (bit 0 small memory,
 * 64 KiB; bit 1 few fragments per datagram, 8; bit 2 few datagrams, 4;
 * bits 3-7 the timeout in ticks), then records [2-byte length][1-byte time
 * step][bytes]. Besides what the sanitizers catch, it checks the ownership
 * contract (every fragment released exactly once, none before it was
 * given), that held memory never exceeds mem_high after a call, that every
 * delivery's pieces add up to its length, and that a reassembled datagram
 * is never larger than an IP packet can be.
 */
#include <stdlib.h>
#include <string.h>
#include <segoff/segoff.h>
#include <segoff/frag.h>
#include "contract.h"

#define MAX_FRAMES CONTRACT_MAX_INPUTS

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_deliver(void *opaque, const struct segoff_reasm_out *out)
{
	(void)opaque;
	contract_output_len(out->iov, out->nr_iov, out->len);
	/* L2 (two VLAN tags at most) + a 65535-byte IP packet + an IPv6 header */
	must(out->len <= 22 + 65535 + 40);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t opt = data[0];
	struct segoff_reasm_config cfg;
	segoff_reasm_config_init(&cfg);
	if (opt & 1) {
		cfg.mem_high = 64 << 10;
		cfg.mem_low = 48 << 10;
	}
	if (opt & 2)
		cfg.max_frags = 8;
	if (opt & 4)
		cfg.max_dgrams = 4;
	cfg.timeout_v4 = cfg.timeout_v6 = 1u + (opt >> 3);
	cfg.deliver = on_deliver;
	cfg.release = contract_release;
	/* One context per configuration, kept across inputs (emptied after
	 * each): the defaults' tables are megabytes, and a long-lived
	 * context's free lists and arena are worth fuzzing too. */
	static struct segoff_reasm *contexts[256];
	struct segoff_reasm **rp = &contexts[opt];
	if (!*rp && segoff_reasm_create(&cfg, rp) != SEGOFF_OK)
		abort();
	struct segoff_reasm *r = *rp;
	contract_reset();
	uint64_t now = 0;
	size_t at = 1;
	while (at + 3 <= size && contract_given < MAX_FRAMES) {
		size_t len = (size_t)(data[at] << 8 | data[at + 1]);
		now += data[at + 2];
		at += 3;
		if (len > size - at)
			len = size - at;
		void *cookie = contract_give();
		int err = segoff_reasm_receive(r, data + at, len, cookie, now);
		at += len;
		if (err != SEGOFF_OK) {
			must(err == SEGOFF_E_INVAL);
			contract_release(NULL, cookie); /* refused: it stays ours */
		}
		must(segoff_reasm_mem(r) <= cfg.mem_high);
		if ((contract_given & 7) == 0)
			segoff_reasm_expire(r, now);
	}
	/* everything still held goes: each input starts from an empty context */
	segoff_reasm_expire(r, UINT64_MAX);
	must(segoff_reasm_mem(r) == 0);
	contract_all_released();
	return 0;
}
