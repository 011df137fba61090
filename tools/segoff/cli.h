/* SPDX-License-Identifier: MIT */
/* The CLI's commands and the shared pieces of the segment job. */
#ifndef SEGOFF_CLI_H
#define SEGOFF_CLI_H

#include <stdint.h>
#include <stdio.h>
#include <segoff/segoff.h>

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILURE 1
#define CLI_EXIT_USAGE 2

int cmd_segment(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_coalesce(int argc, char **argv);
int cmd_reassemble(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_wire(int argc, char **argv);
int cmd_relay(int argc, char **argv);
int cmd_lab(int argc, char **argv);

/* cli_signals.c, for the long-running commands: install the handlers and
 * block SIGINT, SIGTERM, SIGHUP and SIGUSR1 in this thread (before the
 * workers start: they inherit the mask); then wait until one of the first
 * three came, calling report(arg) once per SIGUSR1. */
void cli_signals_block(void);
void cli_signals_wait(void (*report)(void *arg), void *arg);

/* cli_args.c: a long-running command's counters beyond its own: drop_<error>
 * for every non-zero one of `n` error counters (indexed by -segoff error),
 * and a GRO context's (text: the non-zero ones; JSON: all), as "     name: N"
 * lines or ", \"name\": N" members. Read with relaxed atomic loads (the
 * workers publish them). */
void cli_print_drops(FILE *f, const uint64_t *err, unsigned n, int json);
void cli_print_gro(FILE *f, const uint64_t *gro, int json);

/* cli_args.c: parse an option's value; on a bad one, print why and return -1. */
int cli_uint(const char *cmd, const char *opt, const char *v, unsigned long long lo, unsigned long long hi,
	     unsigned long long *out);
/* The index of `v` in the NULL-terminated `names`. */
int cli_choice(const char *cmd, const char *opt, const char *v, const char *const *names);
/* Tunnel kinds the summaries count, in their print order. */
enum cli_tunnel { CLI_TUN_VXLAN, CLI_TUN_GENEVE, CLI_TUN_GRE, CLI_TUN_IPIP, CLI_TUN__COUNT };
extern const char *const cli_tunnel_names[CLI_TUN__COUNT];
/* The kind of tunnel a parsed packet is in (IP-in-IP: an IP header right
 * after an IP header), or -1 for none. */
int cli_tunnel_of(const struct segoff_pkt *pkt);
/* " vxlan N, geneve N, gre N, ipip N" for the kinds counted, or "" */
void cli_print_tunnels(FILE *f, const uint64_t *by_kind);
/* "vxlanSUFFIX":N,... for every kind, as JSON members */
void cli_json_tunnels(FILE *f, const uint64_t *by_kind, const char *suffix);
/* --tunnel-port: "none", or "vxlan:4789,geneve:6081" (any of the two). */
int cli_tunnel_ports(const char *cmd, const char *v, struct segoff_tunnel_ports *ports);

enum udp_mode { UDP_PASS = 0, UDP_USO, UDP_FRAG };

struct segment_opts {
	unsigned mss;           /* 0: no segmentation */
	uint8_t ip_id;          /* enum segoff_gso_ip_id */
	uint8_t csum;           /* enum segoff_gso_csum */
	uint8_t udp;            /* enum udp_mode */
	unsigned mtu;           /* 0: no fragmentation */
	struct segoff_tunnel_ports ports; /* UDP ports that carry a tunnel */
};

#define NR_ERROR_SLOTS 64

struct segment_stats {
	uint64_t pkts_in, bytes_in, pkts_out, bytes_out;
	uint64_t segmented, segments_out, passed, fragmented, fragments_out;
	uint64_t tunnel_by[CLI_TUN__COUNT]; /* tunnel packets segmented, by kind */
	uint64_t refused, refused_by[NR_ERROR_SLOTS];
	double seconds;
};

/* Runs the segment job from capture `in` to capture `out` ("-" for stdio).
 * Per-packet problems are reported on stderr and counted; returns
 * CLI_EXIT_OK, or CLI_EXIT_FAILURE for an I/O failure or refused packets. */
int segment_file(const char *in, const char *out, const struct segment_opts *o, struct segment_stats *st);
void segment_report(FILE *f, const char *in, const struct segment_stats *st, int json);

/* Runs the coalesce job; the summary (or JSON) goes to `report`. */
int coalesce_file(const char *in, const char *out, const struct segoff_gro_config *cfg, int json, FILE *report);

#endif
