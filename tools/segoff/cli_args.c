// SPDX-License-Identifier: MIT
/* Option values shared by every command: a bounded number, one of a few
 * words. A bad value is reported as "segoff CMD: OPT must be ..." and the
 * caller exits with CLI_EXIT_USAGE. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

int cli_uint(const char *cmd, const char *opt, const char *v, unsigned long long lo, unsigned long long hi,
	     unsigned long long *out)
{
	char *end;
	unsigned long long n = (v[0] >= '0' && v[0] <= '9') ? strtoull(v, &end, 10) : 0;
	if (v[0] < '0' || v[0] > '9' || *end || n < lo || n > hi) {
		if (hi == ULLONG_MAX)
			fprintf(stderr, "segoff %s: %s must be a number of at least %llu\n", cmd, opt, lo);
		else
			fprintf(stderr, "segoff %s: %s must be %llu..%llu\n", cmd, opt, lo, hi);
		return -1;
	}
	*out = n;
	return 0;
}

int cli_choice(const char *cmd, const char *opt, const char *v, const char *const *names)
{
	size_t n = 0;
	for (; names[n]; n++)
		if (strcmp(v, names[n]) == 0)
			return (int)n;
	fprintf(stderr, "segoff %s: %s must be", cmd, opt);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%s", i == 0 ? " " : i + 1 == n ? " or " : ", ", names[i]);
	fprintf(stderr, ", not '%s'\n", v);
	return -1;
}
