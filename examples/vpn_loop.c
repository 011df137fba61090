// SPDX-License-Identifier: MIT
/* A VPN endpoint's loop with segoff, and where its cipher sits: the shape of
 * `segoff relay` (tools/segoff/relay_path.c) in one thread, without error
 * accounting. Compiled by `make` so the README's snippet stays true.
 *
 * Out: a TUN read gives a super-packet; segoff cuts it into inner packets
 * that fit the path; each one is sealed (encrypted and authenticated) on its
 * own, then all go to the peer. In: each datagram is opened (verified and
 * decrypted), then segoff coalesces the inner packets and the TUN gets the
 * result. The cipher works on one inner packet at a time, so segmentation
 * comes before it and coalescing after it: GSO and GRO never see ciphertext,
 * and a constant tag length keeps the sealed datagrams of one super-packet
 * equal in size, as one sendmsg with UDP_SEGMENT needs. */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <segoff/segoff.h>
#include <segoff/tap.h>

#define TAG_LEN 0 /* a real cipher's tag, e.g. 16 for AES-GCM or ChaCha20-Poly1305 */

/* The cipher's place: encrypt `len` bytes in place and append TAG_LEN bytes
 * of tag (the buffer has room). segoff relay does not encrypt: identity. */
static size_t seal(uint8_t *pkt, size_t len)
{
	(void)pkt;
	return len + TAG_LEN;
}

/* ... and on receipt: verify and decrypt in place; 0 drops the datagram. */
static size_t unseal(uint8_t *d, size_t len)
{
	(void)d;
	return len > TAG_LEN ? len - TAG_LEN : 0;
}

struct vpn {
	int tun, udp;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	unsigned inner_mtu;             /* path MTU less the outer headers and TAG_LEN */
	struct segoff_gro *gro;         /* created with cfg.link = SEGOFF_LINK_IP */
};

void vpn_tun_to_peer(struct vpn *v, uint8_t *buf, size_t len);
void vpn_peer_to_tun(struct vpn *v, uint8_t *const *dgram, const size_t *len, unsigned n);
void vpn_deliver(void *opaque, const struct segoff_gro_out *out);

/* One read from the TUN: a virtio_net_hdr, then an IP packet. */
void vpn_tun_to_peer(struct vpn *v, uint8_t *buf, size_t len)
{
	static uint8_t out[1 << 20];
	static struct segoff_seg segs[1024];
	struct segoff_vnet_hdr h;
	struct segoff_pkt pkt;
	if (len <= SEGOFF_VNET_HDR_LEN || segoff_vnet_decode(buf, SEGOFF_VNET_HDR_LEN, &h) != SEGOFF_OK)
		return;
	segoff_pkt_init(&pkt, buf + SEGOFF_VNET_HDR_LEN, len - SEGOFF_VNET_HDR_LEN, NULL, 0);
	if (segoff_parse_link(&pkt, SEGOFF_LINK_IP, NULL) != SEGOFF_OK || segoff_vnet_to_pkt(&h, &pkt) != SEGOFF_OK)
		return;                                           /* the kernel's checks, by name */
	struct segoff_gso_params p;
	segoff_gso_params_init(&p);                               /* full checksums: the peer checks them */
	int n = 1;
	if (pkt.gso_size) {
		n = segoff_gso_copy(&pkt, &p, out, sizeof(out) - 1024 * TAG_LEN, segs, 1024);
		if (n < 0)
			return;
	} else {
		if (pkt.csum_state == SEGOFF_CSUM_PARTIAL)
			segoff_csum_complete(buf + SEGOFF_VNET_HDR_LEN, pkt.len, pkt.csum_start, pkt.csum_offset);
		memcpy(out, pkt.head, pkt.len);
		segs[0] = (struct segoff_seg){ .head = out, .len = pkt.len };
	}
	for (int i = 0; i < n; i++) {
		/* sealing grows a segment by TAG_LEN: copy segments apart (or
		 * cut with room between them) in a real endpoint; here TAG_LEN
		 * is 0. Then one sendmsg with UDP_SEGMENT for all of them. */
		size_t sealed = seal(segs[i].head, segs[i].len);
		sendto(v->udp, segs[i].head, sealed, 0, (struct sockaddr *)&v->peer, v->peer_len);
	}
}

/* A batch of datagrams from the peer (already checked to come from it). */
void vpn_peer_to_tun(struct vpn *v, uint8_t *const *dgram, const size_t *len, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		size_t plain = unseal(dgram[i], len[i]);
		if (plain)
			segoff_gro_receive_frame(v->gro, dgram[i], plain, SEGOFF_CSUM_NONE, NULL, 0);
	}
	segoff_gro_flush_all(v->gro); /* the batch is a NAPI poll: vpn_deliver writes each result */
}

/* The GRO context's deliver callback (cfg.opaque = the struct vpn). */
void vpn_deliver(void *opaque, const struct segoff_gro_out *out)
{
	struct vpn *v = opaque;
	segoff_tap_write(v->tun, &out->vnet, SEGOFF_VNET_HDR_LEN, out->iov, out->nr_iov);
}
