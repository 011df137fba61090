/* SPDX-License-Identifier: MIT */
/* What a benchmark figure depends on, printed beside it: the CPU. */
#ifndef SEGOFF_BENCH_MACHINE_H
#define SEGOFF_BENCH_MACHINE_H

#include <stddef.h>

/* "AMD EPYC (family 26 model 2)", from /proc/cpuinfo; "unknown CPU" where
 * that cannot be read. Returns buf. */
const char *bench_cpu_model(char *buf, size_t size);

#endif
