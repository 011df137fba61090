/* SPDX-License-Identifier: MIT */
/*
 * features.h - the device feature model: netdev feature bits with the names
 * `ethtool -k` prints (kernel-rules F3), the kernel's dependency fixing
 * (netdev_fix_features, F1), and the transmit decision the kernel makes for
 * one packet in front of one device (gso_features_check, harmonize_features,
 * netif_needs_gso, the IP output MTU check: F2, O1).
 *
 * A program that is a NIC for the kernel (a TAP back end) or that sits in
 * front of one (a VPN, a virtual switch) asks: given this packet and what the
 * device can do, do I hand it over whole, segment it in software, fragment
 * it, or complete its checksum first? segoff_tx_decide() answers the way
 * Linux's transmit path would.
 */
#ifndef SEGOFF_FEATURES_H
#define SEGOFF_FEATURES_H

#include <stddef.h>
#include <stdint.h>
#include <segoff/pkt.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One bit per feature; the order is ethtool's listing order, not the kernel's. */
enum segoff_feature {
	SEGOFF_FEAT_RXCSUM = 0,         /* rx-checksumming */
	SEGOFF_FEAT_IP_CSUM,            /* tx-checksum-ipv4 */
	SEGOFF_FEAT_HW_CSUM,            /* tx-checksum-ip-generic */
	SEGOFF_FEAT_IPV6_CSUM,          /* tx-checksum-ipv6 */
	SEGOFF_FEAT_SG,                 /* tx-scatter-gather */
	SEGOFF_FEAT_TSO,                /* tx-tcp-segmentation */
	SEGOFF_FEAT_TSO_ECN,            /* tx-tcp-ecn-segmentation */
	SEGOFF_FEAT_TSO_MANGLEID,       /* tx-tcp-mangleid-segmentation */
	SEGOFF_FEAT_TSO6,               /* tx-tcp6-segmentation */
	SEGOFF_FEAT_GSO,                /* tx-generic-segmentation */
	SEGOFF_FEAT_GRO,                /* rx-gro */
	SEGOFF_FEAT_LRO,                /* rx-lro */
	SEGOFF_FEAT_GSO_UDP_TUNNEL,     /* tx-udp_tnl-segmentation */
	SEGOFF_FEAT_GSO_UDP_TUNNEL_CSUM,/* tx-udp_tnl-csum-segmentation */
	SEGOFF_FEAT_GSO_UDP_L4,         /* tx-udp-segmentation */
	SEGOFF_FEAT_GSO_FRAGLIST,       /* tx-gso-list */
	SEGOFF_FEAT_GRO_HW,             /* rx-gro-hw */
	SEGOFF_FEAT_GRO_FRAGLIST,       /* rx-gro-list */
	SEGOFF_FEAT_GRO_UDP_FWD,        /* rx-udp-gro-forwarding */
	SEGOFF_FEAT_GSO_GRE,            /* tx-gre-segmentation */
	SEGOFF_FEAT_GSO_GRE_CSUM,       /* tx-gre-csum-segmentation */
	SEGOFF_FEAT_GSO_IPXIP4,         /* tx-ipxip4-segmentation */
	SEGOFF_FEAT_GSO_IPXIP6,         /* tx-ipxip6-segmentation */
	SEGOFF_FEAT_GSO_PARTIAL,        /* tx-gso-partial */
	SEGOFF_FEAT__COUNT
};

typedef uint64_t segoff_features_t;
#define SEGOFF_F(name) ((segoff_features_t)1 << SEGOFF_FEAT_##name)

/* Groups, as the kernel defines them. */
#define SEGOFF_F_CSUM_MASK (SEGOFF_F(IP_CSUM) | SEGOFF_F(HW_CSUM) | SEGOFF_F(IPV6_CSUM))
#define SEGOFF_F_ALL_TSO (SEGOFF_F(TSO) | SEGOFF_F(TSO_ECN) | SEGOFF_F(TSO_MANGLEID) | SEGOFF_F(TSO6))
#define SEGOFF_F_GSO_MASK (SEGOFF_F_ALL_TSO | SEGOFF_F(GSO_UDP_TUNNEL) | SEGOFF_F(GSO_UDP_TUNNEL_CSUM) | \
			   SEGOFF_F(GSO_UDP_L4) | SEGOFF_F(GSO_FRAGLIST) | SEGOFF_F(GSO_GRE) | SEGOFF_F(GSO_GRE_CSUM) | \
			   SEGOFF_F(GSO_IPXIP4) | SEGOFF_F(GSO_IPXIP6) | SEGOFF_F(GSO_PARTIAL))

/** ethtool's name of a feature ("tx-tcp-segmentation"), or NULL. */
const char *segoff_feature_name(enum segoff_feature f);

/**
 * The bits a name stands for: a feature's own name, or one of `ethtool -K`'s
 * short forms (rx, tx, sg, tso, gso, gro, lro, ufo is refused). Returns
 * SEGOFF_OK and sets *mask, or SEGOFF_E_INVAL for an unknown name.
 */
int segoff_feature_lookup(const char *name, segoff_features_t *mask);

/* Why segoff_features_fix() dropped something: one bit per kernel rule. */
enum segoff_fix_rule {
	SEGOFF_FIX_MIXED_CSUM = 0,      /* generic checksum wins over IPv4/IPv6 ones */
	SEGOFF_FIX_TSO_NEEDS_SG,        /* every TSO flag needs scatter-gather */
	SEGOFF_FIX_TSO_NEEDS_CSUM,      /* TSO (and TSO-ECN) need IPv4 or generic checksum */
	SEGOFF_FIX_TSO6_NEEDS_CSUM,     /* TSO6 needs IPv6 or generic checksum */
	SEGOFF_FIX_MANGLEID_NEEDS_TSO,  /* mangleid needs IPv4 TSO */
	SEGOFF_FIX_ECN_ALONE,           /* TSO-ECN with no other TSO flag */
	SEGOFF_FIX_GSO_NEEDS_SG,        /* software GSO needs scatter-gather */
	SEGOFF_FIX_USO_NEEDS_CSUM,      /* UDP segmentation needs checksum offload */
	SEGOFF_FIX_GRO_HW_NEEDS_RXCSUM, /* hardware GRO needs RX checksum offload */
	SEGOFF_FIX__COUNT
};

/** One sentence for a rule, for reports. */
const char *segoff_fix_rule_text(enum segoff_fix_rule r);

/**
 * The kernel's netdev_fix_features(): the set a device really runs with when
 * `wanted` is asked for. Rules apply in the kernel's order. If `rules` is not
 * NULL, it receives one bit (1u << enum segoff_fix_rule) per rule that
 * dropped something.
 */
segoff_features_t segoff_features_fix(segoff_features_t wanted, uint32_t *rules);

/* What to do with one packet in front of one device. */
enum segoff_tx_action {
	SEGOFF_TX_PASS = 0,         /* hand it over as it is (the device segments if it is GSO) */
	SEGOFF_TX_SEGMENT,          /* segment in software (GSO), hand over the segments */
	SEGOFF_TX_FRAGMENT,         /* IP-fragment it to the MTU [O1] */
	SEGOFF_TX_SEGMENT_FRAGMENT, /* segment, then fragment every segment (IPv4 without DF) [O1] */
	SEGOFF_TX_DROP_MTU          /* larger than the MTU and may not be fragmented */
};

/* Why the decision is not PASS (bits), to count and explain. */
#define SEGOFF_TX_WHY_NO_GSO_FEATURE  0x0001u /* device lacks the TSO/USO flag for this gso_type */
#define SEGOFF_TX_WHY_TOO_MANY_SEGS   0x0002u /* more segments than the device's gso_max_segs [F2] */
#define SEGOFF_TX_WHY_TOO_BIG         0x0004u /* frame over the device's gso_max_size [F2] */
#define SEGOFF_TX_WHY_NO_CSUM_FEATURE 0x0008u /* device cannot checksum this protocol */
#define SEGOFF_TX_WHY_IPV6_EXTHDR     0x0010u /* IPv6 with extension headers on an IPv6-only checksum device [F2] */
#define SEGOFF_TX_WHY_NOT_PARTIAL     0x0020u /* GSO packet whose checksum is neither partial nor verified */
#define SEGOFF_TX_WHY_MTU             0x0040u /* packet or segments larger than the MTU [O1] */
#define SEGOFF_TX_WHY_DF              0x0080u /* ... and DF set (IPv4) or IPv6 forwarded */
#define SEGOFF_TX_WHY_MANGLEID_LOST   0x0100u /* IPv4 TCP without DF: mangleid not used [F2] */

/* The device in front of which the decision is made. */
struct segoff_tx_dev {
	segoff_features_t features; /* as fixed by segoff_features_fix() */
	uint32_t mtu;               /* L3 MTU (1500 on Ethernet) */
	uint32_t gso_max_size;      /* whole frame, MAC header included (default 65536) */
	uint32_t gso_max_segs;      /* default 65535 */
	uint8_t local_out;          /* 1: the host's own packets (IPv6 may fragment); 0: forwarded */
	/* The GSO features the device does only with tx-gso-partial (the
	 * kernel's dev->gso_partial_features, e.g. the tunnel ones of NICs that
	 * cut the inner TCP and copy the outer headers) [E8]. 0 by default. */
	segoff_features_t gso_partial_features;
};

/** Defaults: `features` as given, MTU 1500, 65536 bytes, 65535 segments, forwarded. */
void segoff_tx_dev_init(struct segoff_tx_dev *dev, segoff_features_t features);

struct segoff_tx_decision {
	uint8_t action;             /* enum segoff_tx_action */
	uint8_t csum_software;      /* 1: complete the partial checksum in software (each segment) */
	uint16_t why;               /* SEGOFF_TX_WHY_* bits */
	uint32_t segs;              /* segments a GSO packet makes (1 otherwise) */
	segoff_features_t features; /* the device's features as they apply to this packet */
	uint8_t gso_partial;        /* SEGMENT as GSO_PARTIAL (segoff_gso_params.partial) [E8] */
};

/**
 * Decide for one parsed packet with its offload metadata (gso_size/type,
 * csum_state) as Linux's transmit path would decide for `dev`.
 * Returns SEGOFF_OK, or the error segoff_gso_count() gives for a GSO packet
 * that cannot be segmented (the kernel would drop it).
 */
int segoff_tx_decide(const struct segoff_pkt *pkt, const struct segoff_tx_dev *dev, struct segoff_tx_decision *d);

/** Name of an action ("segment"), for reports. */
const char *segoff_tx_action_name(enum segoff_tx_action a);

#ifdef __cplusplus
}
#endif

#endif /* SEGOFF_FEATURES_H */
