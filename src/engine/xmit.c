// SPDX-License-Identifier: MIT
/*
 * The transmit decision (F2, O1): for one packet and one device, hand it
 * over, segment it, fragment it, or drop it, as netif_skb_features and
 * gso_features_check decide. It lives with the engines because it asks the
 * GSO engine for the segment count: the feature model below it (core)
 * depends on nothing above.
 */
#include <string.h>
#include <segoff/segoff.h>
#include <segoff/features.h>

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

/* can_checksum_protocol(): generic checksum covers all; else per IP version,
 * the version of the header the checksum's pseudo-header comes from (the
 * inner one in a tunnel; the kernel's hw_enc_features are not modelled: a
 * device is taken to checksum inside a tunnel as it does outside). */
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
	if ((type & (SEGOFF_GSO_FIXEDID | SEGOFF_GSO_FIXEDID_INNER)) && !(f & SEGOFF_F(TSO_MANGLEID)))
		return 0;
	if ((type & SEGOFF_GSO_UDP_TUNNEL) && !(f & SEGOFF_F(GSO_UDP_TUNNEL)))
		return 0;
	if ((type & SEGOFF_GSO_UDP_TUNNEL_CSUM) && !(f & SEGOFF_F(GSO_UDP_TUNNEL_CSUM)))
		return 0;
	if ((type & SEGOFF_GSO_GRE) && !(f & SEGOFF_F(GSO_GRE)))
		return 0;
	if ((type & SEGOFF_GSO_GRE_CSUM) && !(f & SEGOFF_F(GSO_GRE_CSUM)))
		return 0;
	if ((type & SEGOFF_GSO_IPXIP4) && !(f & SEGOFF_F(GSO_IPXIP4)))
		return 0;
	if ((type & SEGOFF_GSO_IPXIP6) && !(f & SEGOFF_F(GSO_IPXIP6)))
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
	/* [E8] netdev_fix_features(): partially supported GSO features need
	 * tx-gso-partial. gso_features_check(): they are never the device's
	 * for a packet not yet cut partially; software GSO makes it one. */
	segoff_features_t partial_f = (f & SEGOFF_F(GSO_PARTIAL)) ? f & dev->gso_partial_features : 0;
	f &= ~dev->gso_partial_features;

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
	if (pkt->csum_state != SEGOFF_CSUM_NONE && !can_checksum(f, pkt->inner_l3_proto)) {
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
			d->csum_software = pkt->csum_state == SEGOFF_CSUM_PARTIAL && !can_checksum(f, pkt->inner_l3_proto);
			/* skb_segment() cuts partially when the device takes the
			 * type with its partial features and checksums the inner
			 * packet; segoff does so for tunnels with TCP inside */
			d->gso_partial = partial_f && !d->csum_software && (f & SEGOFF_F(SG)) &&
					 pkt->csum_state == SEGOFF_CSUM_PARTIAL && pkt->encap_depth == 1 &&
					 pkt->inner_l4_proto == SEGOFF_PROTO_TCP && gso_type_ok(f | partial_f, pkt->gso_type);
		}
		return SEGOFF_OK;
	}
	if (has_ip && pkt->len - pkt->l3_off > dev->mtu) {
		over_mtu(pkt, dev, d, 0);
		return SEGOFF_OK;
	}
	if (pkt->csum_state == SEGOFF_CSUM_PARTIAL && !can_checksum(f, pkt->inner_l3_proto))
		d->csum_software = 1;
	return SEGOFF_OK;
}
