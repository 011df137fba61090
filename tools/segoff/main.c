// SPDX-License-Identifier: MIT
/* segoff COMMAND [options] ARGS */
#include <string.h>
#include "cli.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "segment", cmd_segment, "cut TSO/GSO super-packets in a capture into wire segments" },
	{ "coalesce", cmd_coalesce, "merge segments of a flow in a capture as Linux GRO (or LRO) does" },
	{ "reassemble", cmd_reassemble, "put IP fragments in a capture back together, as Linux does" },
	{ "features", cmd_features, "resolve a device's offload features as ethtool -k shows them" },
	{ "wire", cmd_wire, "be the NIC pair between two TAP devices: TSO/USO out, GRO/LRO in" },
	{ "relay", cmd_relay, "carry a TUN device's IP packets to a peer in UDP, with GSO and GRO (a VPN datapath)" },
	{ "lab", cmd_lab, "measure offloads with iperf3 through segoff wire and a veth pair (root)" },
	{ "demo", cmd_demo, "generate a TCP trace, segment it, report and write captures" },
	{ "bench", cmd_bench, "measure speed (bench gso|gro|udp)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: segoff COMMAND [options] ARGS   (segoff COMMAND --help)\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "  %-10s %s\n", "version", "print the library version");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("segoff %s (checksum: %s)\n", segoff_version(), segoff_csum_impl_name());
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "segoff: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CLI_EXIT_USAGE;
}
