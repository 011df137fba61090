// SPDX-License-Identifier: MIT
/*
 * Fuzz target: what a TAP, a VM or a socket hands over, a virtio_net_hdr and
 * a frame, through validation (segoff_vnet_to_pkt, every field a lie until
 * checked), the transmit decision for a device drawn from the input, and
 * segmentation with the header's own gso_size, as a user-space NIC runs it.
 *
 * Input layout: byte 0 = options (bit 0: partial checksums out, bit 1: the
 * 12-byte mergeable header, or with bit 2 the 24-byte tunnel one, bits 2-7:
 * device feature seed), byte 1 = the MTU seed, then the header (10, 12 or
 * 24 bytes), then the frame.
 *
 * Checked beyond the sanitizers: every verdict is a named error; an accepted
 * header describes the frame (csum_start/offset inside it, gso_size set only
 * with a GSO type); a decision never passes a frame over the MTU; segments
 * carry at most gso_size of payload each and all of it in order; and each
 * segment's own virtio_net_hdr (segoff_vnet_from_seg) passes validation
 * again on the segment, as the next hop would check it.
 */
#include <string.h>
#include <segoff/segoff.h>
#include "contract.h"

#define MAX_SEGS 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[2 << 20];
	static struct segoff_seg segs[MAX_SEGS];
	if (size < 2)
		return 0;
	uint8_t opt = data[0], mtu_seed = data[1];
	size_t hlen = !(opt & 2) ? SEGOFF_VNET_HDR_LEN : (opt & 4) ? SEGOFF_VNET_HDR_TUNNEL_LEN : SEGOFF_VNET_HDR_MRG_LEN;
	if (size < 2 + hlen)
		return 0;
	struct segoff_vnet_hdr vh;
	must(segoff_vnet_decode(data + 2, hlen, &vh) == SEGOFF_OK);
	const uint8_t *frame = data + 2 + hlen;
	size_t len = size - 2 - hlen;

	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, frame, len, NULL, 0);
	int perr = segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
	must(segoff_error_name(perr) != NULL);
	if (perr < 0)
		return 0;
	int verr = segoff_vnet_to_pkt(&vh, &pkt);
	must(segoff_error_name(verr) != NULL);
	if (verr < 0)
		return 0;
	if (pkt.csum_state == SEGOFF_CSUM_PARTIAL)
		must((size_t)pkt.csum_start + pkt.csum_offset + 2 <= pkt.len);
	must(!pkt.gso_size || pkt.gso_type);

	struct segoff_tx_dev dev;
	segoff_tx_dev_init(&dev, segoff_features_fix((segoff_features_t)(opt >> 2) * 0x9e3779b97f4a7c15ull, NULL));
	dev.mtu = 576u + mtu_seed * 32u;
	struct segoff_tx_decision d;
	int derr = segoff_tx_decide(&pkt, &dev, &d);
	must(segoff_error_name(derr) != NULL);
	if (derr < 0)
		return 0;
	must(d.segs >= 1);
	must(d.action != SEGOFF_TX_PASS || pkt.gso_size || pkt.l3_off == 0xffff || pkt.len - pkt.l3_off <= dev.mtu);
	if (!pkt.gso_size)
		return 0;

	struct segoff_gso_params p;
	segoff_gso_params_init(&p);
	p.csum = (opt & 1) ? SEGOFF_GSO_CSUM_PARTIAL : SEGOFF_GSO_CSUM_FULL;
	p.max_segs = MAX_SEGS;
	int n = segoff_gso_copy(&pkt, &p, out, sizeof(out), segs, MAX_SEGS);
	must(segoff_error_name(n) != NULL);
	if (n <= 0)
		return 0;
	size_t hdr = pkt.payload_off, at = hdr;
	static uint8_t flat[70000];
	for (int i = 0; i < n; i++) {
		must(segs[i].len > hdr && segs[i].len - hdr <= pkt.gso_size);
		size_t plen = segs[i].len - hdr;
		must(segoff_pkt_copy_out(&pkt, at, flat, plen) == SEGOFF_OK);
		must(memcmp(flat, segs[i].head + hdr, plen) == 0);
		at += plen;
		/* the segment's own header is one a receiver accepts */
		struct segoff_vnet_hdr sh;
		segoff_vnet_from_seg(&segs[i], p.csum == SEGOFF_GSO_CSUM_PARTIAL, &sh);
		struct segoff_pkt sp;
		segoff_pkt_init(&sp, segs[i].head, segs[i].len, NULL, 0);
		must(segoff_parse(&sp, SEGOFF_PROTO_ETH, 0) == SEGOFF_OK);
		must(segoff_vnet_to_pkt(&sh, &sp) == SEGOFF_OK);
	}
	must(at == pkt.len);
	return 0;
}
