// SPDX-License-Identifier: MIT
/*
 * The device feature model: names (F3) and netdev_fix_features (F1). The
 * transmit decision, which plans segmentation, is the engine's
 * (src/engine/xmit.c). Written from the rules in kernel-rules.md and the
 * kernel's documented behaviour, not from its code.
 */
#include <string.h>
#include <segoff/segoff.h>
#include <segoff/features.h>

static const char *const feature_names[SEGOFF_FEAT__COUNT] = {
	[SEGOFF_FEAT_RXCSUM] = "rx-checksumming",
	[SEGOFF_FEAT_IP_CSUM] = "tx-checksum-ipv4",
	[SEGOFF_FEAT_HW_CSUM] = "tx-checksum-ip-generic",
	[SEGOFF_FEAT_IPV6_CSUM] = "tx-checksum-ipv6",
	[SEGOFF_FEAT_SG] = "tx-scatter-gather",
	[SEGOFF_FEAT_TSO] = "tx-tcp-segmentation",
	[SEGOFF_FEAT_TSO_ECN] = "tx-tcp-ecn-segmentation",
	[SEGOFF_FEAT_TSO_MANGLEID] = "tx-tcp-mangleid-segmentation",
	[SEGOFF_FEAT_TSO6] = "tx-tcp6-segmentation",
	[SEGOFF_FEAT_GSO] = "tx-generic-segmentation",
	[SEGOFF_FEAT_GRO] = "rx-gro",
	[SEGOFF_FEAT_LRO] = "rx-lro",
	[SEGOFF_FEAT_GSO_UDP_TUNNEL] = "tx-udp_tnl-segmentation",
	[SEGOFF_FEAT_GSO_UDP_TUNNEL_CSUM] = "tx-udp_tnl-csum-segmentation",
	[SEGOFF_FEAT_GSO_UDP_L4] = "tx-udp-segmentation",
	[SEGOFF_FEAT_GSO_FRAGLIST] = "tx-gso-list",
	[SEGOFF_FEAT_GRO_HW] = "rx-gro-hw",
	[SEGOFF_FEAT_GRO_FRAGLIST] = "rx-gro-list",
	[SEGOFF_FEAT_GRO_UDP_FWD] = "rx-udp-gro-forwarding",
	[SEGOFF_FEAT_GSO_GRE] = "tx-gre-segmentation",
	[SEGOFF_FEAT_GSO_GRE_CSUM] = "tx-gre-csum-segmentation",
	[SEGOFF_FEAT_GSO_IPXIP4] = "tx-ipxip4-segmentation",
	[SEGOFF_FEAT_GSO_IPXIP6] = "tx-ipxip6-segmentation",
	[SEGOFF_FEAT_GSO_PARTIAL] = "tx-gso-partial",
};

/* `ethtool -K` short forms and the group names `ethtool -k` prints. */
static const struct alias {
	const char *name;
	segoff_features_t mask;
} aliases[] = {
	{ "rx", SEGOFF_F(RXCSUM) },
	{ "tx", SEGOFF_F_CSUM_MASK },
	{ "tx-checksumming", SEGOFF_F_CSUM_MASK },
	{ "sg", SEGOFF_F(SG) },
	{ "scatter-gather", SEGOFF_F(SG) },
	{ "tso", SEGOFF_F_ALL_TSO },
	{ "tcp-segmentation-offload", SEGOFF_F_ALL_TSO },
	{ "gso", SEGOFF_F(GSO) },
	{ "generic-segmentation-offload", SEGOFF_F(GSO) },
	{ "gro", SEGOFF_F(GRO) },
	{ "generic-receive-offload", SEGOFF_F(GRO) },
	{ "lro", SEGOFF_F(LRO) },
	{ "large-receive-offload", SEGOFF_F(LRO) },
};

const char *segoff_feature_name(enum segoff_feature f)
{
	return (unsigned)f < SEGOFF_FEAT__COUNT ? feature_names[f] : NULL;
}

int segoff_feature_lookup(const char *name, segoff_features_t *mask)
{
	if (!name || !mask)
		return SEGOFF_E_INVAL;
	for (unsigned i = 0; i < SEGOFF_FEAT__COUNT; i++)
		if (strcmp(name, feature_names[i]) == 0) {
			*mask = (segoff_features_t)1 << i;
			return SEGOFF_OK;
		}
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(name, aliases[i].name) == 0) {
			*mask = aliases[i].mask;
			return SEGOFF_OK;
		}
	return SEGOFF_E_INVAL;
}

static const char *const rule_texts[SEGOFF_FIX__COUNT] = {
	[SEGOFF_FIX_MIXED_CSUM] = "generic checksum offload replaces the IPv4/IPv6 ones",
	[SEGOFF_FIX_TSO_NEEDS_SG] = "TCP segmentation needs scatter-gather",
	[SEGOFF_FIX_TSO_NEEDS_CSUM] = "IPv4 TCP segmentation needs IPv4 or generic checksum offload",
	[SEGOFF_FIX_TSO6_NEEDS_CSUM] = "IPv6 TCP segmentation needs IPv6 or generic checksum offload",
	[SEGOFF_FIX_MANGLEID_NEEDS_TSO] = "IP ID mangling needs IPv4 TCP segmentation",
	[SEGOFF_FIX_ECN_ALONE] = "ECN segmentation alone is meaningless",
	[SEGOFF_FIX_GSO_NEEDS_SG] = "generic segmentation needs scatter-gather",
	[SEGOFF_FIX_USO_NEEDS_CSUM] = "UDP segmentation needs checksum offload",
	[SEGOFF_FIX_GRO_HW_NEEDS_RXCSUM] = "hardware GRO needs RX checksum offload",
};

const char *segoff_fix_rule_text(enum segoff_fix_rule r)
{
	return (unsigned)r < SEGOFF_FIX__COUNT ? rule_texts[r] : "unknown rule";
}

/* Drop `bits` from *f when `cond`; remember the rule if anything was dropped. */
static void drop_if(segoff_features_t *f, int cond, segoff_features_t bits, enum segoff_fix_rule r, uint32_t *rules)
{
	if (cond && (*f & bits)) {
		*f &= ~bits;
		*rules |= 1u << r;
	}
}

segoff_features_t segoff_features_fix(segoff_features_t f, uint32_t *rules_out)
{
	uint32_t rules = 0;
	f &= ((segoff_features_t)1 << SEGOFF_FEAT__COUNT) - 1;
	/* The order is the kernel's: each rule sees what the earlier ones left. */
	drop_if(&f, !!(f & SEGOFF_F(HW_CSUM)), SEGOFF_F(IP_CSUM) | SEGOFF_F(IPV6_CSUM), SEGOFF_FIX_MIXED_CSUM, &rules);
	drop_if(&f, !(f & SEGOFF_F(SG)), SEGOFF_F_ALL_TSO, SEGOFF_FIX_TSO_NEEDS_SG, &rules);
	drop_if(&f, (f & SEGOFF_F(TSO)) && !(f & (SEGOFF_F(HW_CSUM) | SEGOFF_F(IP_CSUM))),
		SEGOFF_F(TSO) | SEGOFF_F(TSO_ECN), SEGOFF_FIX_TSO_NEEDS_CSUM, &rules);
	drop_if(&f, !(f & (SEGOFF_F(HW_CSUM) | SEGOFF_F(IPV6_CSUM))), SEGOFF_F(TSO6), SEGOFF_FIX_TSO6_NEEDS_CSUM,
		&rules);
	drop_if(&f, !(f & SEGOFF_F(TSO)), SEGOFF_F(TSO_MANGLEID), SEGOFF_FIX_MANGLEID_NEEDS_TSO, &rules);
	drop_if(&f, (f & SEGOFF_F_ALL_TSO) == SEGOFF_F(TSO_ECN), SEGOFF_F(TSO_ECN), SEGOFF_FIX_ECN_ALONE, &rules);
	drop_if(&f, !(f & SEGOFF_F(SG)), SEGOFF_F(GSO), SEGOFF_FIX_GSO_NEEDS_SG, &rules);
	drop_if(&f, !(f & SEGOFF_F_CSUM_MASK), SEGOFF_F(GSO_UDP_L4), SEGOFF_FIX_USO_NEEDS_CSUM, &rules);
	drop_if(&f, !(f & SEGOFF_F(RXCSUM)), SEGOFF_F(GRO_HW), SEGOFF_FIX_GRO_HW_NEEDS_RXCSUM, &rules);
	if (rules_out)
		*rules_out = rules;
	return f;
}
