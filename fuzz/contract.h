/* SPDX-License-Identifier: MIT */
/* What every fuzz target checks beyond the sanitizers: must() aborts (so
 * libFuzzer and the replay driver report the input), and the buffer
 * ownership contract of the engines that hold inputs (GRO, reassembly):
 * every input released exactly once, none before it was given. An input's
 * cookie is its number. */
#ifndef SEGOFF_FUZZ_CONTRACT_H
#define SEGOFF_FUZZ_CONTRACT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <segoff/pkt.h>

#define CONTRACT_MAX_INPUTS 512

static unsigned contract_released[CONTRACT_MAX_INPUTS], contract_given;

static inline void must(int cond)
{
	if (!cond)
		abort();
}

static inline void contract_reset(void)
{
	memset(contract_released, 0, sizeof(contract_released));
	contract_given = 0;
}

/* A delivered output's slices: none NULL with bytes, and together `len`
 * bytes. Returns that length. */
static inline size_t contract_output_len(const struct segoff_slice *iov, unsigned nr_iov, size_t len)
{
	size_t at = 0;
	for (unsigned i = 0; i < nr_iov; i++) {
		must(iov[i].base != NULL || iov[i].len == 0);
		at += iov[i].len;
	}
	must(at == len);
	return at;
}

/* The next input's cookie. */
static inline void *contract_give(void)
{
	return (void *)(uintptr_t)contract_given++;
}

/* The engines' release callback. */
static inline void contract_release(void *opaque, void *cookie)
{
	(void)opaque;
	uintptr_t i = (uintptr_t)cookie;
	must(i < contract_given);
	must(contract_released[i]++ == 0);
}

/* After the engine is destroyed: nothing kept, nothing released twice. */
static inline void contract_all_released(void)
{
	for (unsigned i = 0; i < contract_given; i++)
		must(contract_released[i] == 1);
}

#endif
