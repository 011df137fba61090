// SPDX-License-Identifier: MIT
/* `segoff coalesce`: what GRO (or LRO) makes of a capture. TCP segments of a
 * flow are merged exactly as Linux GRO decides; everything else passes
 * through unchanged. Capture time stands in for the clock: a flow held
 * longer than --flush-timeout-us of capture time is delivered, as the
 * kernel's gro_flush_timeout would. */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "pcapio.h"
#include "capture_out.h"
#include "cli.h"

/* Merged tunnel packets, counted as they go out. */
static uint64_t tunnel_merged;

static void on_deliver(void *opaque, const struct segoff_gro_out *out)
{
	const uint32_t tunnel = SEGOFF_GSO_UDP_TUNNEL | SEGOFF_GSO_UDP_TUNNEL_CSUM | SEGOFF_GSO_GRE | SEGOFF_GSO_GRE_CSUM |
				SEGOFF_GSO_IPXIP4 | SEGOFF_GSO_IPXIP6;
	if (out->gso_size && (out->gso_type & tunnel))
		tunnel_merged++;
	capture_out_write_slices(opaque, out->iov, out->nr_iov);
}

static uint64_t usec_of(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000u + (uint64_t)tv->tv_usec;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: segoff coalesce [--mode gro|lro] [--udp] [--flush-timeout-us N] [--max-size B]\n"
		   "                       [--csum full|partial] [--tunnel-port none|vxlan:P,geneve:P] [--json] IN OUT\n"
		   "  Merges consecutive TCP segments of a flow (and UDP datagrams with --udp) exactly as Linux\n"
		   "  GRO decides, through VXLAN and Geneve on the tunnel ports (vxlan:4789,geneve:6081 by\n"
		   "  default), GRE and IP-in-IP; other packets pass through unchanged. IN is pcap or\n"
		   "  pcapng, OUT is pcap.\n");
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int coalesce_file(const char *in, const char *out, const struct segoff_gro_config *base, int json, FILE *report)
{
	char err[512];
	struct pcapio_reader *r = pcapio_open_read(in, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "segoff: %s: %s\n", in, err);
		return CLI_EXIT_FAILURE;
	}
	int linktype = pcapio_linktype(r);
	struct capture_out run = { 0 };
	run.w = pcapio_open_write(out, linktype, err, sizeof(err));
	run.flat = malloc(512 * 1024);
	if (!run.w || !run.flat) {
		fprintf(stderr, "segoff: %s: %s\n", out, run.w ? "out of memory" : err);
		pcapio_close_read(r);
		free(run.flat);
		return CLI_EXIT_FAILURE;
	}
	struct segoff_gro_config cfg = *base;
	cfg.deliver = on_deliver;
	cfg.release = capture_out_free_input;
	cfg.opaque = &run;
	struct segoff_gro *g;
	int e = segoff_gro_create(&cfg, &g);
	if (e < 0) {
		fprintf(stderr, "segoff coalesce: %s\n", segoff_strerror(e));
		pcapio_close_write(run.w);
		pcapio_close_read(r);
		free(run.flat);
		return CLI_EXIT_USAGE;
	}
	uint64_t pkts_in = 0, bytes_in = 0, refused = 0, refused_by[NR_ERROR_SLOTS] = { 0 };
	uint64_t tunnel_in[CLI_TUN__COUNT] = { 0 };
	tunnel_merged = 0;
	int status = CLI_EXIT_OK, rc;
	double t0 = now_s();
	struct pcapio_packet cp;
	while ((rc = pcapio_next(r, &cp, err, sizeof(err))) == 1) {
		pkts_in++;
		bytes_in += cp.caplen;
		run.now = cp.ts;
		uint64_t now = usec_of(&cp.ts);
		if (cfg.flush_timeout)
			segoff_gro_flush(g, now);
		enum segoff_proto first;
		unsigned off;
		int ok = pcapio_parse_start(linktype, cp.data, cp.caplen, &first, &off) && first == SEGOFF_PROTO_ETH;
		struct segoff_pkt pkt;
		uint8_t *copy = NULL;
		if (ok && cp.caplen == cp.len) {
			copy = malloc(cp.caplen);
			if (!copy) {
				fprintf(stderr, "segoff: out of memory\n");
				status = CLI_EXIT_FAILURE;
				break;
			}
			memcpy(copy, cp.data, cp.caplen);
			segoff_pkt_init(&pkt, copy, cp.caplen, NULL, 0);
			e = segoff_parse_ports(&pkt, first, off, &cfg.tunnel_ports);
			if (e == SEGOFF_OK && pkt.encap_depth)
				tunnel_in[cli_tunnel_of(&pkt)]++;
			if (e < 0) {
				refused++;
				refused_by[(unsigned)-e % NR_ERROR_SLOTS]++;
				fprintf(stderr, "segoff: %s: packet %llu: %s\n", in, (unsigned long long)pkts_in,
					segoff_strerror(e));
				free(copy);
				copy = NULL;
			}
		}
		if (copy) {
			segoff_gro_receive(g, &pkt, copy, now); /* GRO frees `copy` when it releases it */
		} else {
			/* not Ethernet, cut by the snaplen, or malformed: as it came */
			capture_out_write(&run, &cp.ts, cp.data, cp.caplen);
		}
	}
	segoff_gro_flush_all(g);
	if (rc < 0) {
		fprintf(stderr, "segoff: %s: %s\n", in, err);
		status = CLI_EXIT_FAILURE;
	}
	double secs = now_s() - t0;
	const uint64_t *k = segoff_gro_counters(g);
	uint64_t tcp_in = k[SEGOFF_GRO_RX_PACKETS];
	if (json) {
		fprintf(report,
			"{\"command\":\"coalesce\",\"input\":\"%s\",\"mode\":\"%s\",\"packets_in\":%llu,\"bytes_in\":%llu,"
			"\"packets_out\":%llu,\"bytes_out\":%llu,\"refused\":%llu,\"refused_by\":{",
			in, cfg.mode == SEGOFF_GRO_MODE_LRO ? "lro" : "gro", (unsigned long long)pkts_in,
			(unsigned long long)bytes_in, (unsigned long long)run.pkts_out, (unsigned long long)run.bytes_out,
			(unsigned long long)refused);
		const char *sep = "";
		for (int i = 0; i < NR_ERROR_SLOTS; i++)
			if (refused_by[i]) {
				fprintf(report, "%s\"%s\":%llu", sep, segoff_error_name(-i), (unsigned long long)refused_by[i]);
				sep = ",";
			}
		fprintf(report, "},\"counters\":{");
		for (int i = 0; i < SEGOFF_GRO__COUNTERS; i++)
			fprintf(report, "%s\"%s\":%llu", i ? "," : "", segoff_gro_counter_name((enum segoff_gro_counter)i),
				(unsigned long long)k[i]);
		fprintf(report, "},\"tunnels\":{");
		cli_json_tunnels(report, tunnel_in, "_in");
		fprintf(report, ",\"merged_out\":%llu},\"seconds\":%.6f}\n", (unsigned long long)tunnel_merged, secs);
	} else {
		uint64_t merged_out = k[SEGOFF_GRO_COALESCED];
		fprintf(report, "segoff coalesce (%s): %s: %llu packets (%llu bytes) in, %llu packets (%llu bytes) out\n",
			cfg.mode == SEGOFF_GRO_MODE_LRO ? "lro" : "gro", in, (unsigned long long)pkts_in,
			(unsigned long long)bytes_in, (unsigned long long)run.pkts_out, (unsigned long long)run.bytes_out);
		fprintf(report, "  %llu offered to %s, %llu merged into %llu packets (%.1f segments each), %llu refused\n",
			(unsigned long long)tcp_in, cfg.mode == SEGOFF_GRO_MODE_LRO ? "LRO" : "GRO",
			(unsigned long long)(k[SEGOFF_GRO_MERGED] + merged_out), (unsigned long long)merged_out,
			merged_out ? (double)(k[SEGOFF_GRO_MERGED] + merged_out) / (double)merged_out : 0.0,
			(unsigned long long)refused);
		uint64_t tunnels = 0;
		for (int t = 0; t < CLI_TUN__COUNT; t++)
			tunnels += tunnel_in[t];
		if (tunnels) {
			fprintf(report, "  in tunnels:");
			cli_print_tunnels(report, tunnel_in);
			fprintf(report, " packets in; %llu merged tunnel packets out\n", (unsigned long long)tunnel_merged);
		}
		fprintf(report, "  ");
		int col = 2;
		for (int i = SEGOFF_GRO_FLUSH_PSH; i < SEGOFF_GRO__COUNTERS; i++) {
			if (!k[i])
				continue;
			char item[96];
			int n = snprintf(item, sizeof(item), "%s %llu  ", segoff_gro_counter_name((enum segoff_gro_counter)i),
					 (unsigned long long)k[i]);
			if (col + n > 100) {
				fprintf(report, "\n  ");
				col = 2;
			}
			fputs(item, report);
			col += n;
		}
		fprintf(report, "\n");
	}
	segoff_gro_destroy(g);
	if (pcapio_close_write(run.w) != 0) {
		fprintf(stderr, "segoff: %s: write failed\n", out);
		status = CLI_EXIT_FAILURE;
	}
	pcapio_close_read(r);
	free(run.flat);
	if (refused)
		status = CLI_EXIT_FAILURE;
	return status;
}

int cmd_coalesce(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "udp", no_argument, NULL, 'u' },
		{ "flush-timeout-us", required_argument, NULL, 't' },
		{ "max-size", required_argument, NULL, 's' },
		{ "csum", required_argument, NULL, 'c' },
		{ "tunnel-port", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct segoff_gro_config cfg;
	segoff_gro_config_init(&cfg);
	cfg.max_flows = 1024;
	cfg.flush_timeout = 1000; /* µs of capture time */
	int json = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:ut:s:c:p:jh", longopts, NULL)) != -1) {
		unsigned long long v;
		switch (c) {
		case 'p':
			if (cli_tunnel_ports("coalesce", optarg, &cfg.tunnel_ports) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'm': {
			static const char *const modes[] = { "gro", "lro", NULL };
			static const uint8_t mode_of[] = { SEGOFF_GRO_MODE_GRO, SEGOFF_GRO_MODE_LRO };
			int k = cli_choice("coalesce", "--mode", optarg, modes);
			if (k < 0)
				return CLI_EXIT_USAGE;
			cfg.mode = mode_of[k];
			break;
		}
		case 'u':
			cfg.udp = 1;
			break;
		case 't':
			if (cli_uint("coalesce", "--flush-timeout-us", optarg, 0, ULLONG_MAX, &v) < 0)
				return CLI_EXIT_USAGE;
			cfg.flush_timeout = v;
			break;
		case 's':
			if (cli_uint("coalesce", "--max-size", optarg, 128, 262144, &v) < 0)
				return CLI_EXIT_USAGE;
			cfg.max_size = (uint32_t)v;
			break;
		case 'c': {
			static const char *const csums[] = { "full", "partial", NULL };
			static const uint8_t csum_of[] = { SEGOFF_GRO_CSUM_FULL, SEGOFF_GRO_CSUM_PARTIAL };
			int k = cli_choice("coalesce", "--csum", optarg, csums);
			if (k < 0)
				return CLI_EXIT_USAGE;
			cfg.csum = csum_of[k];
			break;
		}
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
	return coalesce_file(argv[optind], argv[optind + 1], &cfg, json, stderr);
}
