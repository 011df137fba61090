// SPDX-License-Identifier: MIT
/* `segoff bench gso [--json] [--runs N]`: segoff's own numbers with the
 * machine's limits beside them. `make bench` runs bench/bench_gso, which
 * adds DPDK's librte_gso as a peer in the same process. */
#include <stdlib.h>
#include <string.h>
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
			printf("usage: segoff bench gso [--json] [--runs N]\n");
			return CLI_EXIT_OK;
		} else if (!what)
			what = argv[i];
		else
			what = "";
	}
	if (!what || strcmp(what, "gso") != 0 || runs == 0) {
		fprintf(stderr, "usage: segoff bench gso [--json] [--runs N]\n");
		return CLI_EXIT_USAGE;
	}
	struct gso_measure m;
	gso_measure_run(&m, runs);
	gso_measure_print(&m, json);
	return CLI_EXIT_OK;
}
