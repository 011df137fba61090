// SPDX-License-Identifier: MIT
/*
 * The device feature model: names (F3), netdev_fix_features (F1) and the
 * transmit decision (F2, O1). Written from the rules in kernel-rules.md and
 * the kernel's documented behaviour, not from its code.
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

void segoff_tx_dev_init(struct segoff_tx_dev *dev, segoff_features_t features)
{
	memset(dev, 0, sizeof(*dev));
	dev->features = features;
	dev->mtu = 1500;
	dev->gso_max_size = 65536;
	dev->gso_max_segs = 65535;
}

static const char *const action_names[] = {
	[SEGOFF_TX_PASS] = "pass",
	[SEGOFF_TX_SEGMENT] = "segment",
	[SEGOFF_TX_FRAGMENT] = "fragment",
	[SEGOFF_TX_SEGMENT_FRAGMENT] = "segment+fragment",
	[SEGOFF_TX_DROP_MTU] = "drop-mtu",
};

const char *segoff_tx_action_name(enum segoff_tx_action a)
{
	return (unsigned)a < sizeof(action_names) / sizeof(action_names[0]) ? action_names[a] : "unknown";
}

/* can_checksum_protocol(): generic checksum covers all; else per IP version. */
static int can_checksum(segoff_features_t f, uint8_t l3)
{
	if (f & SEGOFF_F(HW_CSUM))
		return 1;
	if (l3 == SEGOFF_PROTO_IPV4)
		return !!(f & SEGOFF_F(IP_CSUM));
	if (l3 == SEGOFF_PROTO_IPV6)
		return !!(f & SEGOFF_F(IPV6_CSUM));
	return 0;
}

/* The device flag that lets it segment this gso_type itself (net_gso_ok). */
static int gso_type_ok(segoff_features_t f, uint32_t type)
{
	if ((type & SEGOFF_GSO_TCPV4) && !(f & SEGOFF_F(TSO)))
		return 0;
	if ((type & SEGOFF_GSO_TCPV6) && !(f & SEGOFF_F(TSO6)))
		return 0;
	if ((type & SEGOFF_GSO_UDP_L4) && !(f & SEGOFF_F(GSO_UDP_L4)))
		return 0;
	if ((type & SEGOFF_GSO_TCP_ECN) && !(f & SEGOFF_F(TSO_ECN)))
		return 0;
	if ((type & SEGOFF_GSO_FIXEDID) && !(f & SEGOFF_F(TSO_MANGLEID)))
		return 0;
	return !(type & SEGOFF_GSO_UDP); /* UFO: no device segments it any more */
}

static int ipv4_df(const struct segoff_pkt *pkt)
{
	return (pkt->head[pkt->l3_off + 6] & 0x40) != 0;
}

static int ipv6_has_exthdrs(const struct segoff_pkt *pkt)
{
	for (unsigned i = 0; i < pkt->nr_layers; i++)
		if (pkt->layer[i].proto == SEGOFF_PROTO_IPV6)
			return pkt->layer[i].len > 40;
	return 0;
}

/* Over the MTU: fragment IPv4 without DF; otherwise it cannot go out. */
static void over_mtu(const struct segoff_pkt *pkt, const struct segoff_tx_dev *dev, struct segoff_tx_decision *d,
		     int gso)
{
	d->why |= SEGOFF_TX_WHY_MTU;
	int may_fragment = pkt->l3_proto == SEGOFF_PROTO_IPV4 ? !ipv4_df(pkt) : (!gso && dev->local_out);
	if (!may_fragment) {
		d->why |= SEGOFF_TX_WHY_DF;
		d->action = SEGOFF_TX_DROP_MTU;
		return;
	}
	d->action = gso ? SEGOFF_TX_SEGMENT_FRAGMENT : SEGOFF_TX_FRAGMENT;
	/* ip_fragment() completes a partial checksum before it cuts. */
	if (pkt->csum_state == SEGOFF_CSUM_PARTIAL)
		d->csum_software = 1;
}

int segoff_tx_decide(const struct segoff_pkt *pkt, const struct segoff_tx_dev *dev, struct segoff_tx_decision *d)
{
	if (!pkt || !dev || !d)
		return SEGOFF_E_INVAL;
	memset(d, 0, sizeof(*d));
	d->segs = 1;
	segoff_features_t f = dev->features;
	int has_ip = pkt->l3_proto == SEGOFF_PROTO_IPV4 || pkt->l3_proto == SEGOFF_PROTO_IPV6;

	if (pkt->gso_size) {
		struct segoff_gso_params p;
		segoff_gso_params_init(&p);
		int segs = segoff_gso_count(pkt, &p);
		if (segs < 0)
			return segs;
		d->segs = (uint32_t)segs;
		/* gso_features_check() */
		if ((uint32_t)segs > dev->gso_max_segs) {
			f &= ~SEGOFF_F_GSO_MASK;
			d->why |= SEGOFF_TX_WHY_TOO_MANY_SEGS;
		}
		if (pkt->len > dev->gso_max_size) {
			f &= ~SEGOFF_F_GSO_MASK;
			d->why |= SEGOFF_TX_WHY_TOO_BIG;
		}
		if ((pkt->gso_type & SEGOFF_GSO_TCPV4) && !ipv4_df(pkt) && (f & SEGOFF_F(TSO_MANGLEID))) {
			f &= ~SEGOFF_F(TSO_MANGLEID);
			d->why |= SEGOFF_TX_WHY_MANGLEID_LOST;
		}
		if (pkt->l3_proto == SEGOFF_PROTO_IPV6 && (f & SEGOFF_F(IPV6_CSUM)) && ipv6_has_exthdrs(pkt)) {
			f &= ~(SEGOFF_F(IPV6_CSUM) | SEGOFF_F(TSO6) | SEGOFF_F(GSO_UDP_L4));
			d->why |= SEGOFF_TX_WHY_IPV6_EXTHDR;
		}
	}
	/* harmonize_features(): a checksum the device cannot do takes GSO with it. */
	if (pkt->csum_state != SEGOFF_CSUM_NONE && !can_checksum(f, pkt->l3_proto)) {
		f &= ~(SEGOFF_F_CSUM_MASK | SEGOFF_F_GSO_MASK);
		d->why |= SEGOFF_TX_WHY_NO_CSUM_FEATURE;
	}
	d->features = f;

	if (pkt->gso_size) {
		/* The IP output MTU check sees the segments, not the super-packet. */
		uint32_t seg_l3 = (uint32_t)(pkt->payload_off - pkt->l3_off) + pkt->gso_size;
		if (has_ip && seg_l3 > dev->mtu) {
			over_mtu(pkt, dev, d, 1);
			return SEGOFF_OK;
		}
		int device_segments = gso_type_ok(f, pkt->gso_type);
		if (!device_segments)
			d->why |= SEGOFF_TX_WHY_NO_GSO_FEATURE;
		if (pkt->csum_state != SEGOFF_CSUM_PARTIAL && pkt->csum_state != SEGOFF_CSUM_VERIFIED) {
			device_segments = 0;
			d->why |= SEGOFF_TX_WHY_NOT_PARTIAL;
		}
		if (!device_segments) {
			d->action = SEGOFF_TX_SEGMENT;
			d->csum_software = pkt->csum_state == SEGOFF_CSUM_PARTIAL && !can_checksum(f, pkt->l3_proto);
		}
		return SEGOFF_OK;
	}
	if (has_ip && pkt->len - pkt->l3_off > dev->mtu) {
		over_mtu(pkt, dev, d, 0);
		return SEGOFF_OK;
	}
	if (pkt->csum_state == SEGOFF_CSUM_PARTIAL && !can_checksum(f, pkt->l3_proto))
		d->csum_software = 1;
	return SEGOFF_OK;
}
