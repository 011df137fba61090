// SPDX-License-Identifier: MIT
/* `segoff bench gso|gro|udp [--json] [--runs N]`: segoff's own numbers
 * (with the machine's limits beside them for gso). `make bench` runs
 * bench/bench_gso, bench_gro and bench_udp, which add DPDK's librte_gso,
 * librte_gro and librte_ip_frag as peers in the same process. */
#include <stdlib.h>
#include <string.h>
#include "../../bench/gro_measure.h"
#include "../../bench/gso_measure.h"
#include "../../bench/udp_measure.h"
#include "../../bench/machine.h"
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
			printf("usage: segoff bench gso|gro|udp [--json] [--runs N]\n");
			return CLI_EXIT_OK;
		} else if (!what)
			what = argv[i];
		else
			what = "";
	}
	if (!what || (strcmp(what, "gso") != 0 && strcmp(what, "gro") != 0 && strcmp(what, "udp") != 0) || runs == 0) {
		fprintf(stderr, "usage: segoff bench gso|gro|udp [--json] [--runs N]\n");
		return CLI_EXIT_USAGE;
	}
	if (strcmp(what, "udp") == 0) {
		struct gro_case cases[16];
		unsigned n = udp_bench_cases(cases);
		gro_bench_run(cases, n, runs);
		if (json) {
			printf("{\"ns\":{");
			for (unsigned k = 0; k < n; k++)
				printf("%s\"%s\":%.2f", k ? "," : "", cases[k].name, cases[k].median);
			printf("},\"uso_GBps\":%.2f}\n", UDP_BENCH_MSS / cases[0].median);
			return CLI_EXIT_OK;
		}
		char cpu[192];
		printf("segoff bench udp: median of %u interleaved rounds, one core\n  CPU: %s, checksum implementation %s\n",
		       runs, bench_cpu_model(cpu, sizeof(cpu)), segoff_csum_impl_name());
		printf("  %-46s %8.2f ns/datagram  %6.2f GB/s\n", "USO 64 KB -> 1200-byte datagrams, zero-copy",
		       cases[0].median, UDP_BENCH_MSS / cases[0].median);
		printf("  %-46s %8.2f ns/datagram  %6.2f GB/s\n", "USO 64 KB -> 1200-byte datagrams, copy",
		       cases[1].median, UDP_BENCH_MSS / cases[1].median);
		printf("  %-46s %8.2f ns/fragment\n", "IPv4 fragmentation of 64 KB at MTU 1500", cases[2].median);
		printf("  %-46s %8.2f ns/fragment\n", "reassembly, 1 datagram in flight", cases[3].median);
		printf("  %-46s %8.2f ns/fragment\n", "reassembly, 1000 datagrams in flight", cases[4].median);
		return CLI_EXIT_OK;
	}
	if (strcmp(what, "gro") == 0) {
		struct gro_case cases[16];
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
