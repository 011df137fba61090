/* SPDX-License-Identifier: MIT */
/* A minimal test harness: CHECK records a failure and goes on; each test is
 * a function; a suite prints one line per test and "N passed, N failed". */
#ifndef SEGOFF_CHECK_H
#define SEGOFF_CHECK_H

#include <stddef.h>
#include <stdint.h>

struct check_test {
	const char *name;
	void (*fn)(void);
};

extern unsigned check_failures_in_test;

void check_fail(const char *file, int line, const char *expr);
void check_fail_eq(const char *file, int line, const char *a, const char *b, long long va, long long vb);
/* Runs the tests given on the command line (by name), or all; returns exit status. */
int check_main(int argc, char **argv, const char *suite, const struct check_test *tests, size_t n);
/* Seed for property tests: $SEGOFF_TEST_SEED or the clock; printed once. */
uint64_t check_seed(void);

#define CHECK(c) do { if (!(c)) check_fail(__FILE__, __LINE__, #c); } while (0)
#define CHECK_EQ(a, b) do { long long va_ = (long long)(a), vb_ = (long long)(b); \
	if (va_ != vb_) check_fail_eq(__FILE__, __LINE__, #a, #b, va_, vb_); } while (0)
#define TEST(name) { #name, name }

#endif
