// SPDX-License-Identifier: MIT
/* `segoff reassemble`: IP fragments in a capture put back together with the
 * kernel's rules, in bounded memory; other packets pass through. Capture
 * time is the clock for the timeouts. */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "pcapio.h"
#include "capture_out.h"
#include "cli.h"

static void on_deliver(void *opaque, const struct segoff_reasm_out *out)
{
	capture_out_write_slices(opaque, out->iov, out->nr_iov);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: segoff reassemble [--timeout-s N] [--mem-high B] [--json] IN OUT\n"
		   "  Reassembles IPv4 and IPv6 fragments as Linux does (overlaps discard the\n"
		   "  datagram, exact duplicates are dropped alone, memory stays under --mem-high);\n"
		   "  other packets pass through. IN is pcap or pcapng, OUT is pcap.\n");
}

int cmd_reassemble(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "timeout-s", required_argument, NULL, 't' },
		{ "mem-high", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct segoff_reasm_config cfg;
	segoff_reasm_config_init(&cfg);
	int json = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:m:jh", longopts, NULL)) != -1) {
		unsigned long long v;
		switch (c) {
		case 't':
			if (cli_uint("reassemble", "--timeout-s", optarg, 1, 3600, &v) < 0)
				return CLI_EXIT_USAGE;
			cfg.timeout_v4 = cfg.timeout_v6 = v * 1000000000ull;
			break;
		case 'm':
			if (cli_uint("reassemble", "--mem-high", optarg, 65536, ULLONG_MAX, &v) < 0)
				return CLI_EXIT_USAGE;
			cfg.mem_high = v;
			cfg.mem_low = v / 4 * 3;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	const char *in = argv[optind], *out = argv[optind + 1];
	char err[512];
	struct pcapio_reader *r = pcapio_open_read(in, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "segoff: %s: %s\n", in, err);
		return CLI_EXIT_FAILURE;
	}
	int linktype = pcapio_linktype(r);
	struct capture_out run = { 0 };
	run.w = pcapio_open_write(out, linktype, err, sizeof(err));
	run.flat = malloc(128 * 1024);
	struct segoff_reasm *ra = NULL;
	cfg.deliver = on_deliver;
	cfg.release = capture_out_free_input;
	cfg.opaque = &run;
	if (!run.w || !run.flat || segoff_reasm_create(&cfg, &ra) != SEGOFF_OK) {
		fprintf(stderr, "segoff: %s: %s\n", out, run.w ? "out of memory" : err);
		pcapio_close_write(run.w);
		pcapio_close_read(r);
		free(run.flat);
		return CLI_EXIT_FAILURE;
	}
	uint64_t pkts_in = 0, bytes_in = 0, mem_peak = 0;
	int rc, status = CLI_EXIT_OK;
	struct pcapio_packet cp;
	while ((rc = pcapio_next(r, &cp, err, sizeof(err))) == 1) {
		pkts_in++;
		bytes_in += cp.caplen;
		run.now = cp.ts;
		uint64_t now = (uint64_t)cp.ts.tv_sec * 1000000000ull + (uint64_t)cp.ts.tv_usec * 1000ull;
		segoff_reasm_expire(ra, now);
		uint8_t *copy = linktype == PCAPIO_DLT_EN10MB && cp.caplen == cp.len ? malloc(cp.caplen) : NULL;
		if (!copy) {
			capture_out_write(&run, &cp.ts, cp.data, cp.caplen); /* not Ethernet or cut: as it came */
			continue;
		}
		memcpy(copy, cp.data, cp.caplen);
		segoff_reasm_receive(ra, copy, cp.caplen, copy, now);
		if (segoff_reasm_mem(ra) > mem_peak)
			mem_peak = segoff_reasm_mem(ra);
	}
	if (rc < 0) {
		fprintf(stderr, "segoff: %s: %s\n", in, err);
		status = CLI_EXIT_FAILURE;
	}
	const uint64_t *k = segoff_reasm_counters(ra);
	if (json) {
		fprintf(stderr, "{\"command\":\"reassemble\",\"input\":\"%s\",\"packets_in\":%llu,\"bytes_in\":%llu,"
				"\"packets_out\":%llu,\"bytes_out\":%llu,\"mem_peak\":%llu,\"counters\":{",
			in, (unsigned long long)pkts_in, (unsigned long long)bytes_in, (unsigned long long)run.pkts_out,
			(unsigned long long)run.bytes_out, (unsigned long long)mem_peak);
		for (int i = 0; i < SEGOFF_REASM__COUNTERS; i++)
			fprintf(stderr, "%s\"%s\":%llu", i ? "," : "",
				segoff_reasm_counter_name((enum segoff_reasm_counter)i), (unsigned long long)k[i]);
		fprintf(stderr, "}}\n");
	} else {
		fprintf(stderr, "segoff reassemble: %s: %llu packets in, %llu out; %llu datagrams reassembled, "
				"peak memory %llu bytes\n",
			in, (unsigned long long)pkts_in, (unsigned long long)run.pkts_out,
			(unsigned long long)k[SEGOFF_REASM_OK], (unsigned long long)mem_peak);
		for (int i = SEGOFF_REASM_NOT_FRAGMENT; i < SEGOFF_REASM__COUNTERS; i++)
			if (k[i] && i != SEGOFF_REASM_OK)
				fprintf(stderr, "  %s %llu\n", segoff_reasm_counter_name((enum segoff_reasm_counter)i),
					(unsigned long long)k[i]);
	}
	segoff_reasm_destroy(ra); /* what is still incomplete at the end: dropped, counted */
	if (pcapio_close_write(run.w) != 0)
		status = CLI_EXIT_FAILURE;
	pcapio_close_read(r);
	free(run.flat);
	return status;
}
