// SPDX-License-Identifier: MIT
#include <string.h>
#include "slices.h"

size_t slices_flatten(uint8_t *dst, const struct segoff_slice *iov, unsigned nr_iov)
{
	size_t at = 0;
	for (unsigned i = 0; i < nr_iov; i++) {
		memcpy(dst + at, iov[i].base, iov[i].len);
		at += iov[i].len;
	}
	return at;
}
