// SPDX-License-Identifier: MIT
/* Option values shared by every command: a bounded number, one of a few
 * words. A bad value is reported as "segoff CMD: OPT must be ..." and the
 * caller exits with CLI_EXIT_USAGE. */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

int cli_uint(const char *cmd, const char *opt, const char *v, unsigned long long lo, unsigned long long hi,
	     unsigned long long *out)
{
	char *end;
	unsigned long long n = (v[0] >= '0' && v[0] <= '9') ? strtoull(v, &end, 10) : 0;
	if (v[0] < '0' || v[0] > '9' || *end || n < lo || n > hi) {
		if (hi == ULLONG_MAX)
			fprintf(stderr, "segoff %s: %s must be a number of at least %llu\n", cmd, opt, lo);
		else
			fprintf(stderr, "segoff %s: %s must be %llu..%llu\n", cmd, opt, lo, hi);
		return -1;
	}
	*out = n;
	return 0;
}

int cli_choice(const char *cmd, const char *opt, const char *v, const char *const *names)
{
	size_t n = 0;
	for (; names[n]; n++)
		if (strcmp(v, names[n]) == 0)
			return (int)n;
	fprintf(stderr, "segoff %s: %s must be", cmd, opt);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%s", i == 0 ? " " : i + 1 == n ? " or " : ", ", names[i]);
	fprintf(stderr, ", not '%s'\n", v);
	return -1;
}

int cli_tunnel_ports(const char *cmd, const char *v, struct segoff_tunnel_ports *ports)
{
	struct segoff_tunnel_ports p = { 0, 0 };
	if (strcmp(v, "none") != 0) {
		char buf[128];
		if (strlen(v) >= sizeof(buf))
			goto bad;
		strcpy(buf, v);
		for (char *save = NULL, *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
			char *colon = strchr(item, ':'), *end;
			if (!colon)
				goto bad;
			*colon = 0;
			unsigned long port = strtoul(colon + 1, &end, 10);
			if (colon[1] < '0' || colon[1] > '9' || *end || port == 0 || port > 65535)
				goto bad;
			if (strcmp(item, "vxlan") == 0)
				p.vxlan = (uint16_t)port;
			else if (strcmp(item, "geneve") == 0)
				p.geneve = (uint16_t)port;
			else
				goto bad;
		}
	}
	*ports = p;
	return 0;
bad:
	fprintf(stderr, "segoff %s: --tunnel-port must be none or TYPE:PORT[,TYPE:PORT] with TYPE vxlan or geneve "
			"(vxlan:4789,geneve:6081), not '%s'\n", cmd, v);
	return -1;
}

const char *const cli_tunnel_names[CLI_TUN__COUNT] = { "vxlan", "geneve", "gre", "ipip" };

int cli_tunnel_of(const struct segoff_pkt *pkt)
{
	if (!pkt->encap_depth)
		return -1;
	for (unsigned i = 0; i < pkt->nr_layers; i++) {
		switch (pkt->layer[i].proto) {
		case SEGOFF_PROTO_VXLAN: return CLI_TUN_VXLAN;
		case SEGOFF_PROTO_GENEVE: return CLI_TUN_GENEVE;
		case SEGOFF_PROTO_GRE: return CLI_TUN_GRE;
		default: break;
		}
	}
	return CLI_TUN_IPIP;
}

void cli_print_tunnels(FILE *f, const uint64_t *by_kind)
{
	const char *sep = " ";
	for (int k = 0; k < CLI_TUN__COUNT; k++)
		if (by_kind[k]) {
			fprintf(f, "%s%s %llu", sep, cli_tunnel_names[k], (unsigned long long)by_kind[k]);
			sep = ", ";
		}
}

void cli_json_tunnels(FILE *f, const uint64_t *by_kind, const char *suffix)
{
	for (int k = 0; k < CLI_TUN__COUNT; k++)
		fprintf(f, "%s\"%s%s\":%llu", k ? "," : "", cli_tunnel_names[k], suffix, (unsigned long long)by_kind[k]);
}

static void print_counter(FILE *f, const char *prefix, const char *name, uint64_t v, int json)
{
	if (json)
		fprintf(f, ", \"%s%s\": %llu", prefix, name, (unsigned long long)v);
	else
		fprintf(f, "     %s%s: %llu\n", prefix, name, (unsigned long long)v);
}

void cli_print_drops(FILE *f, const uint64_t *err, unsigned n, int json)
{
	for (unsigned e = 1; e < n; e++) {
		uint64_t v = __atomic_load_n(&err[e], __ATOMIC_RELAXED);
		if (v)
			print_counter(f, "drop_", segoff_error_name(-(int)e), v, json);
	}
}

void cli_print_gro(FILE *f, const uint64_t *gro, int json)
{
	for (unsigned g = 0; g < SEGOFF_GRO__COUNTERS; g++) {
		uint64_t v = __atomic_load_n(&gro[g], __ATOMIC_RELAXED);
		if (v || json)
			print_counter(f, "gro_", segoff_gro_counter_name((enum segoff_gro_counter)g), v, json);
	}
}
