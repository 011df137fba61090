// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "check.h"

unsigned check_failures_in_test;

void check_fail(const char *file, int line, const char *expr)
{
	if (check_failures_in_test++ < 10)
		fprintf(stderr, "    %s:%d: CHECK(%s) failed\n", file, line, expr);
}

void check_fail_eq(const char *file, int line, const char *a, const char *b, long long va, long long vb)
{
	if (check_failures_in_test++ < 10)
		fprintf(stderr, "    %s:%d: %s == %s failed: %lld != %lld (0x%llx != 0x%llx)\n", file, line, a, b,
			va, vb, (unsigned long long)va, (unsigned long long)vb);
}

uint64_t check_seed(void)
{
	static uint64_t seed;
	static int printed;
	if (!printed) {
		const char *env = getenv("SEGOFF_TEST_SEED");
		seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) * 2654435761u;
		printf("  seed %llu (rerun with SEGOFF_TEST_SEED=%llu)\n", (unsigned long long)seed,
		       (unsigned long long)seed);
		printed = 1;
	}
	return seed;
}

int check_main(int argc, char **argv, const char *suite, const struct check_test *tests, size_t n)
{
	unsigned passed = 0, failed = 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < n; i++) {
		if (argc > 1) {
			int wanted = 0;
			for (int a = 1; a < argc; a++)
				wanted |= strcmp(argv[a], tests[i].name) == 0;
			if (!wanted)
				continue;
		}
		check_failures_in_test = 0;
		tests[i].fn();
		fflush(stderr);
		if (check_failures_in_test) {
			printf("  FAIL %s (%u checks failed)\n", tests[i].name, check_failures_in_test);
			failed++;
		} else {
			printf("  ok   %s\n", tests[i].name);
			passed++;
		}
	}
	printf("%s: %u passed, %u failed\n", suite, passed, failed);
	return failed ? 1 : 0;
}
