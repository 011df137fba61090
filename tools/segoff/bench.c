// SPDX-License-Identifier: MIT
/* `segoff bench gso|gro [--json] [--runs N]`: segoff's own numbers (with
 * the machine's limits beside them for gso). `make bench` runs
 * bench/bench_gso and bench/bench_gro, which add DPDK's librte_gso and
 * librte_gro as peers in the same process. */
#include <stdlib.h>
#include <string.h>
#include "../../bench/gro_measure.h"
#include "../../bench/gso_measure.h"
#include "cli.h"

int cmd_bench(int argc, char **argv)
{
	int json = 0;
	unsigned runs = 31;
	const char *what = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = (unsigned)atoi(argv[++i]);
		else if (strcmp(argv[i], "--help") == 0) {
			printf("usage: segoff bench gso|gro [--json] [--runs N]\n");
			return CLI_EXIT_OK;
		} else if (!what)
			what = argv[i];
		else
			what = "";
	}
	if (!what || (strcmp(what, "gso") != 0 && strcmp(what, "gro") != 0) || runs == 0) {
		fprintf(stderr, "usage: segoff bench gso|gro [--json] [--runs N]\n");
		return CLI_EXIT_USAGE;
	}
	if (strcmp(what, "gro") == 0) {
		struct gro_case cases[8];
		unsigned n = gro_bench_cases(cases);
		gro_bench_run(cases, n, runs);
		gro_bench_print(cases, n, runs, json);
		return CLI_EXIT_OK;
	}
	struct gso_measure m;
	gso_measure_run(&m, runs);
	gso_measure_print(&m, json);
	return CLI_EXIT_OK;
}
