// SPDX-License-Identifier: MIT
/*
 * Fuzz target: untrusted bytes through every entry point of the foundation:
 * virtio_net_hdr decode and validation, the parser (from Ethernet and from
 * raw IP), and both segmentation forms.
 *
 * Input layout: byte 0 = options (bit 0: partial output, bit 1: fixed ID,
 * bit 2: parse as raw IP, bit 3: split the payload into slices), bytes 1-2 =
 * an MSS override (0 = take gso_size from the header), bytes 3-12 = a
 * virtio_net_hdr, the rest = the frame.
 *
 * Beyond "no crash, no out-of-bounds access" (the sanitizers' job), it checks
 * what must hold for any accepted input: no segment carries more than MSS of
 * payload, the payloads concatenate to the input's, and the zero-copy and
 * copy outputs are identical.
 */
#include <stdlib.h>
#include <string.h>
#include <segoff/segoff.h>
#include "contract.h"

#define MAX_SEGS 1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t copy_buf[4 << 20], arena[MAX_SEGS * 512], flat[70000];
	static struct segoff_seg csegs[MAX_SEGS], zsegs[MAX_SEGS];
	static struct segoff_slice iov[4 * MAX_SEGS], frags[8];
	if (size < 13)
		return 0;
	uint8_t opt = data[0];
	uint16_t mss = (uint16_t)(data[1] << 8 | data[2]);
	struct segoff_vnet_hdr vh;
	if (segoff_vnet_decode(data + 3, SEGOFF_VNET_HDR_LEN, &vh) != SEGOFF_OK)
		abort();
	const uint8_t *frame = data + 13;
	size_t len = size - 13;

	struct segoff_pkt pkt;
	size_t head_len = len;
	unsigned nfrags = 0;
	if ((opt & 8) && len > 64) {
		/* headers and a little payload in head, the rest in slices */
		head_len = 64 + (opt >> 4);
		if (head_len > len)
			head_len = len;
		size_t off = head_len;
		while (off < len && nfrags < 7) {
			size_t piece = 1 + (off * 7) % 1500;
			if (piece > len - off)
				piece = len - off;
			frags[nfrags++] = (struct segoff_slice){ frame + off, piece };
			off += piece;
		}
		if (off < len)
			frags[nfrags++] = (struct segoff_slice){ frame + off, len - off };
	}
	segoff_pkt_init(&pkt, frame, head_len, frags, nfrags);
	int raw = opt & 4;
	int err = segoff_parse(&pkt, raw ? (len && (frame[0] >> 4) == 6 ? SEGOFF_PROTO_IPV6 : SEGOFF_PROTO_IPV4)
					 : SEGOFF_PROTO_ETH,
			       0);
	must(segoff_error_name(err) != NULL);
	if (err < 0)
		return 0;
	if (!raw && segoff_vnet_to_pkt(&vh, &pkt) < 0)
		return 0;

	/* The transmit decision for a device with features and MTU from the input:
	 * a named error, or a decision that never passes a frame over the MTU. */
	struct segoff_tx_dev dev;
	segoff_tx_dev_init(&dev, segoff_features_fix((segoff_features_t)mss * 0x9e3779b97f4a7c15ull, NULL));
	dev.mtu = 68u + mss % 9000u;
	dev.gso_max_segs = 1u + opt;
	struct segoff_tx_decision d;
	int derr = segoff_tx_decide(&pkt, &dev, &d);
	must(segoff_error_name(derr) != NULL);
	if (derr == SEGOFF_OK) {
		must(d.segs >= 1);
		must(d.action != SEGOFF_TX_PASS || pkt.gso_size || pkt.l3_off == 0xffff ||
		     pkt.len - pkt.l3_off <= dev.mtu);
		must(d.action != SEGOFF_TX_PASS || !pkt.gso_size || d.segs <= dev.gso_max_segs);
	}

	struct segoff_gso_params p;
	segoff_gso_params_init(&p);
	p.mss = mss;
	p.csum = (opt & 1) ? SEGOFF_GSO_CSUM_PARTIAL : SEGOFF_GSO_CSUM_FULL;
	p.ip_id = (opt & 2) ? SEGOFF_GSO_IP_ID_FIXED : SEGOFF_GSO_IP_ID_INC;
	p.max_segs = MAX_SEGS;
	int nc = segoff_gso_copy(&pkt, &p, copy_buf, sizeof(copy_buf), csegs, MAX_SEGS);
	struct segoff_gso_zc zc = { arena, sizeof(arena), iov, 4 * MAX_SEGS, 0 };
	int nz = segoff_gso_zerocopy(&pkt, &p, &zc, zsegs, MAX_SEGS);
	must(nc == nz || nz == SEGOFF_E_NOSPACE || nc == SEGOFF_E_NOSPACE);
	if (nc <= 0 || nz <= 0)
		return 0;
	unsigned eff_mss = mss ? mss : pkt.gso_size;
	size_t hdr = pkt.payload_off, at = hdr;
	for (int i = 0; i < nc; i++) {
		must(csegs[i].len > hdr && csegs[i].len - hdr <= eff_mss);
		size_t plen = csegs[i].len - hdr;
		must(segoff_pkt_copy_out(&pkt, at, flat, plen) == SEGOFF_OK);
		must(memcmp(flat, csegs[i].head + hdr, plen) == 0);
		at += plen;
		size_t z = 0;
		for (unsigned k = 0; k < zsegs[i].nr_iov; k++) {
			const struct segoff_slice *s = &iov[zsegs[i].iov_first + k];
			must(z + s->len <= sizeof(flat));
			memcpy(flat + z, s->base, s->len);
			z += s->len;
		}
		must(z == csegs[i].len && memcmp(flat, csegs[i].head, z) == 0);
	}
	must(at == pkt.len);
	return 0;
}
