// SPDX-License-Identifier: MIT
/* segoff features: the device feature model on the command line, printed the
 * way `ethtool -k` prints a device's features. */
#include <stdio.h>
#include <string.h>
#include "cli.h"

/* A typical NIC (and what `segoff wire` offers a kernel with every offload on). */
#define NIC_FEATURES (SEGOFF_F(RXCSUM) | SEGOFF_F(IP_CSUM) | SEGOFF_F(IPV6_CSUM) | SEGOFF_F(SG) | \
		      SEGOFF_F(TSO) | SEGOFF_F(TSO_ECN) | SEGOFF_F(TSO6) | SEGOFF_F(GSO) | SEGOFF_F(GRO) | \
		      SEGOFF_F(GSO_UDP_L4))

/* ethtool's groups: a header line that is on when any member is on. */
static const struct group {
	const char *name;
	segoff_features_t members;
} groups[] = {
	{ "tx-checksumming", SEGOFF_F_CSUM_MASK },
	{ "scatter-gather", SEGOFF_F(SG) },
	{ "tcp-segmentation-offload", SEGOFF_F_ALL_TSO },
};

/* `ethtool -k` prints these under their old names; `-K` takes both. */
static const char *display_name(unsigned bit)
{
	switch (bit) {
	case SEGOFF_FEAT_GSO: return "generic-segmentation-offload";
	case SEGOFF_FEAT_GRO: return "generic-receive-offload";
	case SEGOFF_FEAT_LRO: return "large-receive-offload";
	default: return segoff_feature_name((enum segoff_feature)bit);
	}
}

static void print_feature(FILE *f, unsigned bit, segoff_features_t have, segoff_features_t want, const char *indent)
{
	segoff_features_t m = (segoff_features_t)1 << bit;
	fprintf(f, "%s%s: %s%s\n", indent, display_name(bit), (have & m) ? "on" : "off",
		(want & m) && !(have & m) ? " [requested on]" : "");
}

static void print_set(FILE *f, segoff_features_t have, segoff_features_t want)
{
	segoff_features_t printed = 0;
	fprintf(f, "Features for segoff:\n");
	for (unsigned bit = 0; bit < SEGOFF_FEAT__COUNT; bit++) {
		segoff_features_t m = (segoff_features_t)1 << bit;
		if (printed & m)
			continue;
		const struct group *g = NULL;
		for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
			if (groups[i].members & m)
				g = &groups[i];
		if (!g) {
			print_feature(f, bit, have, want, "");
			printed |= m;
			continue;
		}
		fprintf(f, "%s: %s\n", g->name, (have & g->members) ? "on" : "off");
		for (unsigned b = 0; b < SEGOFF_FEAT__COUNT; b++)
			if (g->members & ((segoff_features_t)1 << b))
				print_feature(f, b, have, want, "\t");
		printed |= g->members;
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: segoff features [--fix] [--base nic|none|all] [NAME=on|off ...]\n"
		   "  NAME: an ethtool -k name (tx-tcp-segmentation) or an ethtool -K short form\n"
		   "        (rx tx sg tso gso gro lro)\n"
		   "  --fix   apply the kernel's dependency rules (netdev_fix_features) and say\n"
		   "          which rule dropped what\n"
		   "  --base  the set to start from (default nic: SG, checksums, TSO, USO, GRO)\n");
}

int cmd_features(int argc, char **argv)
{
	int do_fix = 0;
	segoff_features_t want = NIC_FEATURES;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return CLI_EXIT_OK;
		}
		if (strcmp(a, "--fix") == 0) {
			do_fix = 1;
			continue;
		}
		if (strcmp(a, "--base") == 0 && i + 1 < argc) {
			static const char *const bases[] = { "nic", "none", "all", NULL };
			static const segoff_features_t base_set[] = { NIC_FEATURES, 0,
								      ((segoff_features_t)1 << SEGOFF_FEAT__COUNT) - 1 };
			int k = cli_choice("features", "--base", argv[++i], bases);
			if (k < 0)
				return CLI_EXIT_USAGE;
			want = base_set[k];
			continue;
		}
		const char *eq = strchr(a, '=');
		char name[64];
		if (!eq || (size_t)(eq - a) >= sizeof(name) || (strcmp(eq + 1, "on") && strcmp(eq + 1, "off"))) {
			fprintf(stderr, "segoff features: expected NAME=on|off, got '%s'\n", a);
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
		memcpy(name, a, (size_t)(eq - a));
		name[eq - a] = 0;
		segoff_features_t m;
		if (segoff_feature_lookup(name, &m) < 0) {
			fprintf(stderr, "segoff features: unknown feature '%s'\n", name);
			return CLI_EXIT_USAGE;
		}
		want = strcmp(eq + 1, "on") == 0 ? want | m : want & ~m;
	}
	uint32_t rules = 0;
	segoff_features_t have = do_fix ? segoff_features_fix(want, &rules) : want;
	print_set(stdout, have, want);
	for (unsigned r = 0; r < SEGOFF_FIX__COUNT; r++)
		if (rules & (1u << r))
			printf("# fixed: %s\n", segoff_fix_rule_text((enum segoff_fix_rule)r));
	return CLI_EXIT_OK;
}
