// SPDX-License-Identifier: MIT
/* The device feature model: one test per dependency rule (F1) and per
 * transmit decision (F2, O1, the seeds' GSO/TSO cases). */
#include <string.h>
#include <segoff/segoff.h>
#include <segoff/features.h>
#include "check.h"
#include "pktgen.h"

#define ALL_ON (((segoff_features_t)1 << SEGOFF_FEAT__COUNT) - 1)
/* A typical NIC: SG, IPv4+IPv6 checksums, TSO4/6, USO, RX checksum, GRO. */
#define NIC (SEGOFF_F(SG) | SEGOFF_F(IP_CSUM) | SEGOFF_F(IPV6_CSUM) | SEGOFF_F(TSO) | SEGOFF_F(TSO6) | \
	     SEGOFF_F(GSO) | SEGOFF_F(GSO_UDP_L4) | SEGOFF_F(RXCSUM) | SEGOFF_F(GRO))

static segoff_features_t fix(segoff_features_t want, enum segoff_fix_rule expect_rule)
{
	uint32_t rules = 0;
	segoff_features_t got = segoff_features_fix(want, &rules);
	CHECK(rules & (1u << expect_rule));
	return got;
}

static void fix_keeps_a_consistent_set(void)
{
	uint32_t rules = 1;
	CHECK_EQ(segoff_features_fix(NIC, &rules), NIC);
	CHECK_EQ(rules, 0);
}

static void fix_generic_csum_drops_specific_ones(void)
{
	segoff_features_t f = fix(NIC | SEGOFF_F(HW_CSUM), SEGOFF_FIX_MIXED_CSUM);
	CHECK(f & SEGOFF_F(HW_CSUM));
	CHECK(!(f & (SEGOFF_F(IP_CSUM) | SEGOFF_F(IPV6_CSUM))));
	CHECK(f & SEGOFF_F(TSO)); /* generic checksum is enough for TSO */
	CHECK(f & SEGOFF_F(TSO6));
}

static void fix_tso_needs_sg(void)
{
	segoff_features_t f = fix(NIC & ~SEGOFF_F(SG), SEGOFF_FIX_TSO_NEEDS_SG);
	CHECK(!(f & SEGOFF_F_ALL_TSO));
	CHECK(!(f & SEGOFF_F(GSO))); /* and software GSO too */
}

static void fix_tso_needs_ipv4_csum(void)
{
	segoff_features_t f = fix((NIC | SEGOFF_F(TSO_ECN)) & ~SEGOFF_F(IP_CSUM), SEGOFF_FIX_TSO_NEEDS_CSUM);
	CHECK(!(f & SEGOFF_F(TSO)));
	CHECK(f & SEGOFF_F(TSO6));
	/* TSO-ECN goes with TSO: TSO6 alone does not keep it */
	CHECK(!(f & SEGOFF_F(TSO_ECN)));
}

static void fix_tso6_needs_ipv6_csum(void)
{
	segoff_features_t f = fix(NIC & ~SEGOFF_F(IPV6_CSUM), SEGOFF_FIX_TSO6_NEEDS_CSUM);
	CHECK(!(f & SEGOFF_F(TSO6)));
	CHECK(f & SEGOFF_F(TSO));
}

static void fix_mangleid_needs_tso(void)
{
	segoff_features_t f = fix((NIC | SEGOFF_F(TSO_MANGLEID)) & ~SEGOFF_F(TSO), SEGOFF_FIX_MANGLEID_NEEDS_TSO);
	CHECK(!(f & SEGOFF_F(TSO_MANGLEID)));
	CHECK_EQ(segoff_features_fix(NIC | SEGOFF_F(TSO_MANGLEID), NULL) & SEGOFF_F(TSO_MANGLEID),
		 SEGOFF_F(TSO_MANGLEID));
}

static void fix_ecn_alone_is_dropped(void)
{
	segoff_features_t want = SEGOFF_F(SG) | SEGOFF_F(IP_CSUM) | SEGOFF_F(TSO_ECN);
	segoff_features_t f = fix(want, SEGOFF_FIX_ECN_ALONE);
	CHECK(!(f & SEGOFF_F(TSO_ECN)));
}

static void fix_gso_needs_sg(void)
{
	segoff_features_t f = fix(SEGOFF_F(GSO) | SEGOFF_F(IP_CSUM), SEGOFF_FIX_GSO_NEEDS_SG);
	CHECK(!(f & SEGOFF_F(GSO)));
}

static void fix_uso_needs_csum(void)
{
	segoff_features_t f = fix(SEGOFF_F(SG) | SEGOFF_F(GSO_UDP_L4), SEGOFF_FIX_USO_NEEDS_CSUM);
	CHECK(!(f & SEGOFF_F(GSO_UDP_L4)));
}

static void fix_gro_hw_needs_rxcsum(void)
{
	segoff_features_t f = fix((NIC | SEGOFF_F(GRO_HW)) & ~SEGOFF_F(RXCSUM), SEGOFF_FIX_GRO_HW_NEEDS_RXCSUM);
	CHECK(!(f & SEGOFF_F(GRO_HW)));
	CHECK(f & SEGOFF_F(GRO)); /* software GRO does not need it */
}

static void fix_is_idempotent_on_every_single_flag_set(void)
{
	/* Every subset of 12 interesting flags: fixing twice changes nothing,
	 * and the result only ever loses bits. */
	const enum segoff_feature bits[] = { SEGOFF_FEAT_SG, SEGOFF_FEAT_IP_CSUM, SEGOFF_FEAT_HW_CSUM,
					     SEGOFF_FEAT_IPV6_CSUM, SEGOFF_FEAT_TSO, SEGOFF_FEAT_TSO_ECN,
					     SEGOFF_FEAT_TSO_MANGLEID, SEGOFF_FEAT_TSO6, SEGOFF_FEAT_GSO,
					     SEGOFF_FEAT_GSO_UDP_L4, SEGOFF_FEAT_RXCSUM, SEGOFF_FEAT_GRO_HW };
	for (unsigned m = 0; m < (1u << 12); m++) {
		segoff_features_t want = 0;
		for (unsigned i = 0; i < 12; i++)
			if (m & (1u << i))
				want |= (segoff_features_t)1 << bits[i];
		segoff_features_t once = segoff_features_fix(want, NULL);
		CHECK_EQ(once & ~want, 0);
		CHECK_EQ(segoff_features_fix(once, NULL), once);
	}
}

static void names_are_ethtools_and_aliases_resolve(void)
{
	CHECK(strcmp(segoff_feature_name(SEGOFF_FEAT_TSO6), "tx-tcp6-segmentation") == 0);
	CHECK(strcmp(segoff_feature_name(SEGOFF_FEAT_LRO), "rx-lro") == 0);
	CHECK(segoff_feature_name(SEGOFF_FEAT__COUNT) == NULL);
	segoff_features_t m = 0;
	CHECK_EQ(segoff_feature_lookup("tso", &m), SEGOFF_OK);
	CHECK_EQ(m, SEGOFF_F_ALL_TSO);
	CHECK_EQ(segoff_feature_lookup("tx-udp-segmentation", &m), SEGOFF_OK);
	CHECK_EQ(m, SEGOFF_F(GSO_UDP_L4));
	CHECK_EQ(segoff_feature_lookup("tx", &m), SEGOFF_OK);
	CHECK_EQ(m, SEGOFF_F_CSUM_MASK);
	CHECK_EQ(segoff_feature_lookup("warp-drive", &m), SEGOFF_E_INVAL);
	for (unsigned i = 0; i < SEGOFF_FEAT__COUNT; i++) {
		CHECK_EQ(segoff_feature_lookup(segoff_feature_name((enum segoff_feature)i), &m), SEGOFF_OK);
		CHECK_EQ(m, (segoff_features_t)1 << i);
	}
}

/* The tunnel segmentation flags depend on nothing, not even scatter-gather
 * (which takes TSO with it): as the kernel keeps them on a veth [F1]. */
static void fix_tunnel_gso_flags_depend_on_nothing(void)
{
	const segoff_features_t tunnels = SEGOFF_F(GSO_UDP_TUNNEL) | SEGOFF_F(GSO_UDP_TUNNEL_CSUM) |
					  SEGOFF_F(GSO_GRE) | SEGOFF_F(GSO_GRE_CSUM) | SEGOFF_F(GSO_IPXIP4) |
					  SEGOFF_F(GSO_IPXIP6);
	uint32_t rules = 0;
	CHECK_EQ(segoff_features_fix(tunnels | SEGOFF_F(TSO), &rules), tunnels);
	CHECK_EQ(rules, 1u << SEGOFF_FIX_TSO_NEEDS_SG);
	CHECK(strcmp(segoff_feature_name(SEGOFF_FEAT_GSO_IPXIP6), "tx-ipxip6-segmentation") == 0);
	CHECK(strcmp(segoff_feature_name(SEGOFF_FEAT_GSO_PARTIAL), "tx-gso-partial") == 0);
}

/* A parsed TCP (or UDP) frame with offload metadata. */
static struct {
	struct pktgen_spec spec;
	uint8_t frame[70000];
	struct segoff_pkt pkt;
} F;

static void spec(int ipv6, int udp, uint32_t payload, int df)
{
	pktgen_default(&F.spec);
	F.spec.ipv6 = ipv6;
	F.spec.udp = udp;
	F.spec.df = df;
	F.spec.payload_len = payload;
	F.spec.csum = PKTGEN_CSUM_PSEUDO;
}

/* Build F.spec, parse it, and give it a partial checksum and GSO fields. */
static struct segoff_pkt *build(uint16_t gso_size)
{
	int udp = F.spec.udp, ipv6 = F.spec.ipv6;
	size_t len = pktgen_build(&F.spec, F.frame, sizeof(F.frame));
	segoff_pkt_init(&F.pkt, F.frame, len, NULL, 0);
	CHECK_EQ(segoff_parse(&F.pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	F.pkt.csum_state = SEGOFF_CSUM_PARTIAL;
	F.pkt.csum_start = F.pkt.l4_off;
	F.pkt.csum_offset = udp ? 6 : 16;
	F.pkt.gso_size = gso_size;
	if (gso_size)
		F.pkt.gso_type = udp ? SEGOFF_GSO_UDP_L4 : ipv6 ? SEGOFF_GSO_TCPV6 : SEGOFF_GSO_TCPV4;
	return &F.pkt;
}

static struct segoff_pkt *frame(int ipv6, int udp, uint32_t payload, uint16_t gso_size, int df)
{
	spec(ipv6, udp, payload, df);
	return build(gso_size);
}

static struct segoff_tx_decision decide(const struct segoff_pkt *pkt, segoff_features_t f, uint32_t mtu)
{
	struct segoff_tx_dev dev;
	segoff_tx_dev_init(&dev, segoff_features_fix(f, NULL));
	dev.mtu = mtu;
	struct segoff_tx_decision d;
	CHECK_EQ(segoff_tx_decide(pkt, &dev, &d), SEGOFF_OK);
	return d;
}

static void tx_gso_on_tso_on_hands_the_device_the_super_packet(void)
{
	struct segoff_tx_decision d = decide(frame(0, 0, 14480, 1448, 1), NIC, 1500);
	CHECK_EQ(d.action, SEGOFF_TX_PASS);
	CHECK_EQ(d.csum_software, 0);
	CHECK_EQ(d.segs, 10);
	d = decide(frame(1, 0, 14280, 1428, 1), NIC, 1500);
	CHECK_EQ(d.action, SEGOFF_TX_PASS);
}

static void tx_gso_on_tso_off_segments_in_software(void)
{
	struct segoff_tx_decision d = decide(frame(0, 0, 14480, 1448, 1), NIC & ~SEGOFF_F_ALL_TSO, 1500);
	CHECK_EQ(d.action, SEGOFF_TX_SEGMENT);
	CHECK(d.why & SEGOFF_TX_WHY_NO_GSO_FEATURE);
	CHECK_EQ(d.csum_software, 0); /* the device still checksums each segment */
}

static void tx_gso_off_tso_on_is_the_same_as_both_on(void)
{
	/* tx-generic-segmentation only says whether the stack may defer when
	 * the device cannot segment; with TSO the device does it either way. */
	struct segoff_tx_decision d = decide(frame(0, 0, 14480, 1448, 1), NIC & ~SEGOFF_F(GSO), 1500);
	CHECK_EQ(d.action, SEGOFF_TX_PASS);
}

static void tx_no_csum_offload_segments_and_checksums_in_software(void)
{
	struct segoff_tx_decision d = decide(frame(0, 0, 14480, 1448, 1), SEGOFF_F(SG) | SEGOFF_F(GSO), 1500);
	CHECK_EQ(d.action, SEGOFF_TX_SEGMENT);
	CHECK_EQ(d.csum_software, 1);
	CHECK(d.why & SEGOFF_TX_WHY_NO_CSUM_FEATURE);
	d = decide(frame(1, 0, 1000, 0, 1), NIC & ~SEGOFF_F(IPV6_CSUM), 1500);
	CHECK_EQ(d.action, SEGOFF_TX_PASS);
	CHECK_EQ(d.csum_software, 1);
	d = decide(frame(1, 0, 1000, 0, 1), SEGOFF_F(HW_CSUM), 1500);
	CHECK_EQ(d.csum_software, 0);
}

static void tx_too_many_segments_for_the_device_segments_in_software(void)
{
	struct segoff_pkt *p = frame(0, 0, 14480, 1448, 1);
	struct segoff_tx_dev dev;
	segoff_tx_dev_init(&dev, NIC);
	dev.gso_max_segs = 8;
	struct segoff_tx_decision d;
	CHECK_EQ(segoff_tx_decide(p, &dev, &d), SEGOFF_OK);
	CHECK_EQ(d.action, SEGOFF_TX_SEGMENT);
	CHECK(d.why & SEGOFF_TX_WHY_TOO_MANY_SEGS);
	CHECK(!(d.features & SEGOFF_F_GSO_MASK));
	dev.gso_max_segs = 65535;
	dev.gso_max_size = 10000;
	CHECK_EQ(segoff_tx_decide(p, &dev, &d), SEGOFF_OK);
	CHECK_EQ(d.action, SEGOFF_TX_SEGMENT);
	CHECK(d.why & SEGOFF_TX_WHY_TOO_BIG);
}

static void tx_ipv4_without_df_loses_mangleid(void)
{
	struct segoff_pkt *p = frame(0, 0, 14480, 1448, 0);
	p->gso_type |= SEGOFF_GSO_FIXEDID;
	struct segoff_tx_decision d = decide(p, NIC | SEGOFF_F(TSO_MANGLEID), 1500);
	CHECK(d.why & SEGOFF_TX_WHY_MANGLEID_LOST);
	CHECK(!(d.features & SEGOFF_F(TSO_MANGLEID)));
	CHECK_EQ(d.action, SEGOFF_TX_SEGMENT); /* fixed IDs now need software */
	p = frame(0, 0, 14480, 1448, 1);
	p->gso_type |= SEGOFF_GSO_FIXEDID;
	d = decide(p, NIC | SEGOFF_F(TSO_MANGLEID), 1500);
	CHECK_EQ(d.action, SEGOFF_TX_PASS);
}

static void tx_ipv6_exthdrs_lose_tso6_on_ipv6_csum_devices(void)
{
	spec(1, 0, 14000, 1);
	F.spec.nr_ip6_ext = 1;
	F.spec.ip6_ext_type[0] = 60; /* a destination options header */
	F.spec.ip6_ext_units[0] = 0;
	struct segoff_tx_decision d = decide(build(1400), NIC, 1500);
	CHECK(d.why & SEGOFF_TX_WHY_IPV6_EXTHDR);
	CHECK_EQ(d.action, SEGOFF_TX_SEGMENT);
	CHECK_EQ(d.csum_software, 1);
	/* a generic-checksum device keeps TSO6 */
	d = decide(&F.pkt, NIC | SEGOFF_F(HW_CSUM), 1500);
	CHECK_EQ(d.action, SEGOFF_TX_PASS);
}

static void tx_uso_needs_the_udp_segmentation_flag(void)
{
	struct segoff_tx_decision d = decide(frame(0, 1, 14000, 1400, 1), NIC, 1500);
	CHECK_EQ(d.action, SEGOFF_TX_PASS);
	d = decide(frame(1, 1, 14000, 1400, 1), NIC & ~SEGOFF_F(GSO_UDP_L4), 1500);
	CHECK_EQ(d.action, SEGOFF_TX_SEGMENT);
}

/* A tunnel packet's GSO type names the tunnel too: the device must have
 * the UDP tunnel segmentation flag of its checksum variant [F2]. */
static void tx_tunnel_gso_needs_the_udp_tnl_segmentation_flag(void)
{
	struct pktgen_spec o, in;
	pktgen_default(&o);
	o.dport = SEGOFF_VXLAN_PORT;
	o.csum = PKTGEN_CSUM_PSEUDO;
	pktgen_default(&in);
	in.payload_len = 14480;
	in.csum = PKTGEN_CSUM_PSEUDO;
	size_t len = pktgen_build_tunnel(&o, PKTGEN_VXLAN, 1, 0, 0, &in, F.frame, sizeof(F.frame));
	segoff_pkt_init(&F.pkt, F.frame, len, NULL, 0);
	CHECK_EQ(segoff_parse(&F.pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	F.pkt.csum_state = SEGOFF_CSUM_PARTIAL;
	F.pkt.csum_start = F.pkt.inner_l4_off;
	F.pkt.csum_offset = 16;
	F.pkt.gso_size = 1398;
	F.pkt.gso_type = SEGOFF_GSO_TCPV4 | SEGOFF_GSO_UDP_TUNNEL_CSUM;
	struct segoff_tx_decision d = decide(&F.pkt, NIC & ~SEGOFF_F(GSO_UDP_TUNNEL_CSUM), 1500);
	CHECK_EQ(d.action, SEGOFF_TX_SEGMENT);
	CHECK(d.why & SEGOFF_TX_WHY_NO_GSO_FEATURE);
	CHECK_EQ(d.segs, 11);
	d = decide(&F.pkt, NIC | SEGOFF_F(GSO_UDP_TUNNEL), 1500);
	CHECK_EQ(d.action, SEGOFF_TX_SEGMENT);
	d = decide(&F.pkt, NIC | SEGOFF_F(GSO_UDP_TUNNEL_CSUM), 1500);
	CHECK_EQ(d.action, SEGOFF_TX_PASS);
	F.pkt.gso_type = SEGOFF_GSO_TCPV4 | SEGOFF_GSO_UDP_TUNNEL;
	d = decide(&F.pkt, NIC | SEGOFF_F(GSO_UDP_TUNNEL), 1500);
	CHECK_EQ(d.action, SEGOFF_TX_PASS);
	/* segments measured from the outer IP header: 1398 + 50 + 52 = 1500 */
	d = decide(&F.pkt, NIC | SEGOFF_F(GSO_UDP_TUNNEL), 1499);
	CHECK(d.action != SEGOFF_TX_PASS);
}

/* [E8] A device that does the tunnel types only partially (its
 * gso_partial_features) gets them cut by software GSO as GSO_PARTIAL, when
 * it has tx-gso-partial and checksums the inner packet; without
 * tx-gso-partial they are not its features at all. */
static void tx_E8_partial_tunnel_features_give_a_partial_cut(void)
{
	tx_tunnel_gso_needs_the_udp_tnl_segmentation_flag(); /* builds F.pkt: VXLAN, outer checksum */
	const segoff_features_t tnl = SEGOFF_F(GSO_UDP_TUNNEL) | SEGOFF_F(GSO_UDP_TUNNEL_CSUM);
	struct segoff_tx_dev dev;
	segoff_tx_dev_init(&dev, segoff_features_fix(NIC | tnl | SEGOFF_F(GSO_PARTIAL), NULL));
	dev.gso_partial_features = tnl;
	struct segoff_tx_decision d;
	CHECK_EQ(segoff_tx_decide(&F.pkt, &dev, &d), SEGOFF_OK);
	CHECK_EQ(d.action, SEGOFF_TX_SEGMENT);
	CHECK_EQ(d.gso_partial, 1);
	CHECK_EQ(d.csum_software, 0);
	CHECK(!(d.features & tnl));
	/* no tx-gso-partial: a plain software cut */
	dev.features &= ~SEGOFF_F(GSO_PARTIAL);
	CHECK_EQ(segoff_tx_decide(&F.pkt, &dev, &d), SEGOFF_OK);
	CHECK_EQ(d.action, SEGOFF_TX_SEGMENT);
	CHECK_EQ(d.gso_partial, 0);
	/* no inner checksum offload: the kernel's skb_segment() cuts fully */
	segoff_tx_dev_init(&dev, SEGOFF_F(SG) | SEGOFF_F(GSO) | tnl | SEGOFF_F(GSO_PARTIAL));
	dev.gso_partial_features = tnl;
	CHECK_EQ(segoff_tx_decide(&F.pkt, &dev, &d), SEGOFF_OK);
	CHECK_EQ(d.action, SEGOFF_TX_SEGMENT);
	CHECK_EQ(d.gso_partial, 0);
	CHECK_EQ(d.csum_software, 1);
	/* the tunnel types the device does in full: it takes the super-packet */
	segoff_tx_dev_init(&dev, segoff_features_fix(NIC | tnl | SEGOFF_F(GSO_PARTIAL), NULL));
	dev.gso_partial_features = SEGOFF_F(GSO_GRE);
	CHECK_EQ(segoff_tx_decide(&F.pkt, &dev, &d), SEGOFF_OK);
	CHECK_EQ(d.action, SEGOFF_TX_PASS);
}

static void tx_segments_over_the_mtu_fragment_ipv4_without_df(void)
{
	struct segoff_tx_decision d = decide(frame(0, 1, 14000, 1400, 0), NIC, 1000);
	CHECK_EQ(d.action, SEGOFF_TX_SEGMENT_FRAGMENT);
	CHECK(d.why & SEGOFF_TX_WHY_MTU);
	d = decide(frame(0, 0, 14480, 1448, 1), NIC, 1000);
	CHECK_EQ(d.action, SEGOFF_TX_DROP_MTU);
	CHECK(d.why & SEGOFF_TX_WHY_DF);
	/* segments that fit: the super-packet itself may be far over the MTU */
	d = decide(frame(0, 0, 14480, 1448, 1), NIC, 1500);
	CHECK_EQ(d.action, SEGOFF_TX_PASS);
}

static void tx_plain_packet_over_the_mtu(void)
{
	struct segoff_tx_decision d = decide(frame(0, 1, 3000, 0, 0), NIC, 1500);
	CHECK_EQ(d.action, SEGOFF_TX_FRAGMENT);
	CHECK_EQ(d.csum_software, 1); /* fragmentation completes the checksum first */
	d = decide(frame(0, 1, 3000, 0, 1), NIC, 1500);
	CHECK_EQ(d.action, SEGOFF_TX_DROP_MTU);
	/* IPv6: a router never fragments; the sending host does */
	struct segoff_pkt *p = frame(1, 1, 3000, 0, 0);
	d = decide(p, NIC, 1500);
	CHECK_EQ(d.action, SEGOFF_TX_DROP_MTU);
	struct segoff_tx_dev dev;
	segoff_tx_dev_init(&dev, NIC);
	dev.local_out = 1;
	CHECK_EQ(segoff_tx_decide(p, &dev, &d), SEGOFF_OK);
	CHECK_EQ(d.action, SEGOFF_TX_FRAGMENT);
	/* exactly the MTU fits */
	d = decide(frame(0, 1, 1500 - 28, 0, 1), NIC, 1500);
	CHECK_EQ(d.action, SEGOFF_TX_PASS);
}

static void tx_unsegmentable_gso_packet_is_an_error(void)
{
	struct segoff_pkt *p = frame(0, 0, 1000, 1448, 1);
	p->gso_type = SEGOFF_GSO_TCPV6; /* lies about the protocol */
	struct segoff_tx_dev dev;
	segoff_tx_dev_init(&dev, NIC);
	struct segoff_tx_decision d;
	CHECK(segoff_tx_decide(p, &dev, &d) < 0);
	CHECK_EQ(segoff_tx_decide(NULL, &dev, &d), SEGOFF_E_INVAL);
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(fix_keeps_a_consistent_set),
		TEST(fix_generic_csum_drops_specific_ones),
		TEST(fix_tso_needs_sg),
		TEST(fix_tso_needs_ipv4_csum),
		TEST(fix_tso6_needs_ipv6_csum),
		TEST(fix_mangleid_needs_tso),
		TEST(fix_ecn_alone_is_dropped),
		TEST(fix_gso_needs_sg),
		TEST(fix_uso_needs_csum),
		TEST(fix_gro_hw_needs_rxcsum),
		TEST(fix_is_idempotent_on_every_single_flag_set),
		TEST(names_are_ethtools_and_aliases_resolve),
		TEST(fix_tunnel_gso_flags_depend_on_nothing),
		TEST(tx_gso_on_tso_on_hands_the_device_the_super_packet),
		TEST(tx_gso_on_tso_off_segments_in_software),
		TEST(tx_gso_off_tso_on_is_the_same_as_both_on),
		TEST(tx_no_csum_offload_segments_and_checksums_in_software),
		TEST(tx_too_many_segments_for_the_device_segments_in_software),
		TEST(tx_ipv4_without_df_loses_mangleid),
		TEST(tx_ipv6_exthdrs_lose_tso6_on_ipv6_csum_devices),
		TEST(tx_uso_needs_the_udp_segmentation_flag),
		TEST(tx_tunnel_gso_needs_the_udp_tnl_segmentation_flag),
		TEST(tx_E8_partial_tunnel_features_give_a_partial_cut),
		TEST(tx_segments_over_the_mtu_fragment_ipv4_without_df),
		TEST(tx_plain_packet_over_the_mtu),
		TEST(tx_unsegmentable_gso_packet_is_an_error),
	};
	return check_main(argc, argv, "test_features", tests, sizeof(tests) / sizeof(tests[0]));
}
