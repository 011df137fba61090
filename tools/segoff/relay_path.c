// SPDX-License-Identifier: MIT
/*
 * The two directions of one segoff relay queue.
 *
 * Transmit (TUN -> UDP): read what the kernel sends into the TUN (super-
 * packets when TSO/USO was offered), cut a super-packet with segoff GSO into
 * inner packets that fit the path after the outer headers, full checksums
 * (the peer may be any FOU-style receiver), and send all datagrams of one
 * super-packet with one sendmsg and UDP_SEGMENT, zero-copy from the TUN
 * buffer. A kernel or device that refuses UDP_SEGMENT at send time (EIO and
 * the like: it happens where it is advertised) turns it off for good and
 * the datagrams go with sendmmsg.
 *
 * Receive (UDP -> TUN): recvmmsg a batch with UDP_GRO, split each coalesced
 * buffer at the segment size the kernel reports, check that each inner
 * packet is one IP packet from the peer, coalesce them with segoff GRO (an
 * IP-link context, zero-copy on the batch's buffers) and write each result
 * to the TUN with its virtio_net_hdr; the batch ends with a flush, as a
 * NAPI poll does.
 *
 * With offloads off, both directions move one packet per read, per
 * datagram, per write: the naive endpoint the offloads are measured against.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "relay.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

static const char *const counter_names[] = {
#define RELAY_NAME(n) #n,
	RELAY_COUNTERS(RELAY_NAME)
#undef RELAY_NAME
};

const char *relay_counter_name(enum relay_counter c)
{
	return (unsigned)c < RC__COUNT ? counter_names[c] : "?";
}

static void drop(struct relay_stats *s, enum relay_counter why, int err)
{
	s->c[why]++;
	if (err < 0 && -err < RELAY_NR_ERRORS)
		s->err[-err]++;
}

static void publish(const struct relay_stats *local, struct relay_stats *pub)
{
	uint64_t *dst = (uint64_t *)pub;
	const uint64_t *src = (const uint64_t *)local;
	for (size_t i = 0; i < sizeof(*local) / sizeof(uint64_t); i++)
		__atomic_store_n(&dst[i], src[i], __ATOMIC_RELAXED);
}

static int stopping(const struct relay_queue *q)
{
	return __atomic_load_n(q->stop, __ATOMIC_RELAXED);
}

/* Wait for `fd` to be readable, 100 ms at most (so that a stop is seen). */
static int wait_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	return poll(&pfd, 1, 100) > 0;
}

static unsigned inner_mtu(const struct relay_cfg *cfg)
{
	return cfg->mtu - cfg->overhead;
}

/* --- transmit --- */

static struct msghdr to_peer(const struct relay_queue *q, struct segoff_slice *iov, size_t n)
{
	struct msghdr m;
	memset(&m, 0, sizeof(m));
	m.msg_name = (void *)&q->cfg->peer;
	m.msg_namelen = q->cfg->peer_len;
	m.msg_iov = (struct iovec *)iov; /* a slice is an iovec (tap.c asserts it) */
	m.msg_iovlen = n;
	return m;
}

/* Segments [a, b) as one datagram each, with sendmmsg. */
static void send_each(struct relay_queue *q, struct relay_stats *st, unsigned a, unsigned b)
{
	struct mmsghdr mm[RELAY_UDP_MAX_SEGS];
	while (a < b) {
		unsigned n = b - a < RELAY_UDP_MAX_SEGS ? b - a : RELAY_UDP_MAX_SEGS;
		for (unsigned i = 0; i < n; i++) {
			const struct segoff_seg *s = &q->segs[a + i];
			mm[i].msg_hdr = to_peer(q, q->iov + s->iov_first, s->nr_iov);
			mm[i].msg_len = 0;
		}
		int sent = sendmmsg(q->udp_fd, mm, n, 0);
		if (sent <= 0) {
			if (sent < 0 && errno == EINTR)
				continue;
			st->c[RC_udp_tx_errors] += n; /* the rest of this super-packet goes with it */
			return;
		}
		for (int i = 0; i < sent; i++) {
			st->c[RC_udp_tx_datagrams]++;
			st->c[RC_udp_tx_bytes] += q->segs[a + (unsigned)i].len;
		}
		a += (unsigned)sent;
	}
}

/* Segments [a, b), all `size` bytes but perhaps the last, as one sendmsg
 * with UDP_SEGMENT. Returns 0, or -1 if the kernel refused UDP_SEGMENT
 * itself (the caller falls back; nothing was sent). */
static int send_gso(struct relay_queue *q, struct relay_stats *st, unsigned a, unsigned b, unsigned size)
{
	const struct segoff_seg *first = &q->segs[a], *last = &q->segs[b - 1];
	size_t niov = (size_t)(last->iov_first + last->nr_iov - first->iov_first);
	struct msghdr m = to_peer(q, q->iov + first->iov_first, niov);
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctrl;
	memset(&ctrl, 0, sizeof(ctrl));
	m.msg_control = ctrl.buf;
	m.msg_controllen = sizeof(ctrl.buf);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
	uint16_t gso = (uint16_t)size;
	memcpy(CMSG_DATA(cm), &gso, sizeof(gso));
	for (;;) {
		ssize_t w = sendmsg(q->udp_fd, &m, 0);
		if (w >= 0)
			break;
		if (errno == EINTR)
			continue;
		/* what kernels and devices that advertise UDP GSO answer when
		 * they cannot do it after all */
		if (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT || errno == EOPNOTSUPP)
			return -1;
		st->c[RC_udp_tx_errors] += b - a;
		return 0;
	}
	st->c[RC_udp_tx_gso_sends]++;
	for (unsigned i = a; i < b; i++) {
		st->c[RC_udp_tx_datagrams]++;
		st->c[RC_udp_tx_bytes] += q->segs[i].len;
	}
	return 0;
}

/* All segments of one super-packet: as few UDP_SEGMENT sends as the
 * kernel's limits allow (segments per send, bytes per datagram). */
static void send_segments(struct relay_queue *q, struct relay_stats *st, unsigned n)
{
	const unsigned size = q->segs[0].len;
	unsigned per = RELAY_UDP_MAX_PAYLOAD / size;
	if (per > RELAY_UDP_MAX_SEGS)
		per = RELAY_UDP_MAX_SEGS;
	for (unsigned a = 0; a < n;) {
		unsigned b = a + per < n ? a + per : n;
		if (b - a > 1 && __atomic_load_n(&q->udp_gso, __ATOMIC_RELAXED)) {
			if (send_gso(q, st, a, b, size) == 0) {
				a = b;
				continue;
			}
			__atomic_store_n(&q->udp_gso, 0, __ATOMIC_RELAXED);
			st->c[RC_udp_tx_gso_fallbacks]++;
		}
		send_each(q, st, a, b);
		a = b;
	}
}

/* A super-packet from the TUN: cut to the path, checksums complete. */
static void tx_super(struct relay_queue *q, struct relay_stats *st, struct segoff_pkt *p)
{
	const unsigned room = inner_mtu(q->cfg), hdr = p->payload_off;
	struct segoff_gso_params gp;
	segoff_gso_params_init(&gp);
	gp.csum = SEGOFF_GSO_CSUM_FULL;
	gp.mss = p->gso_size;
	if (hdr + gp.mss > room) {
		/* a datagram's size is its sender's; a TCP segment may be cut
		 * smaller than the stack chose, never larger than the path */
		if (p->inner_l4_proto != SEGOFF_PROTO_TCP || hdr >= room) {
			drop(st, RC_drop_over_mtu, 0);
			return;
		}
		gp.mss = (uint16_t)(room - hdr);
	}
	struct segoff_gso_zc zc = { q->arena, q->arena_size, q->iov, q->iov_cap, 0 };
	int n = segoff_gso_zerocopy(p, &gp, &zc, q->segs, q->segs_cap);
	if (n < 0) {
		drop(st, RC_drop_malformed, n);
		return;
	}
	st->c[RC_tx_segmented]++;
	send_segments(q, st, (unsigned)n);
}

/* One packet read from the TUN (virtio_net_hdr first). */
static void tx_one(struct relay_queue *q, struct relay_stats *st, uint8_t *buf, size_t len)
{
	st->c[RC_tun_rx_packets]++;
	if (len <= SEGOFF_VNET_HDR_LEN) {
		drop(st, RC_drop_malformed, SEGOFF_E_FRAME_SHORT);
		return;
	}
	uint8_t *ip = buf + SEGOFF_VNET_HDR_LEN;
	size_t iplen = len - SEGOFF_VNET_HDR_LEN;
	st->c[RC_tun_rx_bytes] += iplen;
	struct segoff_vnet_hdr h;
	struct segoff_pkt p;
	segoff_pkt_init(&p, ip, iplen, NULL, 0);
	int rc = segoff_vnet_decode(buf, SEGOFF_VNET_HDR_LEN, &h);
	if (rc == SEGOFF_OK)
		rc = segoff_parse_link(&p, SEGOFF_LINK_IP, NULL);
	if (rc == SEGOFF_OK)
		rc = segoff_vnet_to_pkt(&h, &p);
	if (rc < 0) {
		drop(st, RC_drop_malformed, rc);
		return;
	}
	if (p.gso_size) {
		st->c[RC_tun_rx_gso_packets]++;
		tx_super(q, st, &p);
		return;
	}
	if (iplen > inner_mtu(q->cfg)) {
		drop(st, RC_drop_over_mtu, 0);
		return;
	}
	if (p.csum_state == SEGOFF_CSUM_PARTIAL) {
		if (segoff_csum_complete(ip, iplen, p.csum_start, p.csum_offset) < 0) {
			drop(st, RC_drop_malformed, SEGOFF_E_VNET_CSUM_RANGE);
			return;
		}
		st->c[RC_tx_csum_completed]++;
	}
	/* one datagram: the same path as a segment of one */
	q->iov[0] = (struct segoff_slice){ ip, iplen };
	q->segs[0] = (struct segoff_seg){ .head = ip, .len = (uint32_t)iplen, .nr_iov = 1, .iov_first = 0 };
	send_each(q, st, 0, 1);
}

void *relay_tx_run(void *arg)
{
	struct relay_queue *q = arg;
	const unsigned batch = q->cfg->offloads ? RELAY_BATCH : 1;
	while (!stopping(q)) {
		if (!wait_readable(q->tun_fd))
			continue;
		int n = segoff_tap_read_batch(q->tun_fd, q->frames, batch);
		for (int i = 0; i < n; i++)
			tx_one(q, &q->tx_local, q->frames[i].buf, q->frames[i].len);
		publish(&q->tx_local, &q->tx_pub);
	}
	publish(&q->tx_local, &q->tx_pub);
	return NULL;
}

/* --- receive --- */

static int from_peer(const struct relay_cfg *cfg, const struct sockaddr_storage *a)
{
	const struct sockaddr_storage *p = &cfg->peer;
	if (a->ss_family != p->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)p;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)p;
	return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
}

/* One packet to the kernel through the TUN. */
static void write_tun(struct relay_queue *q, struct relay_stats *st, const struct segoff_vnet_hdr *h,
		      const struct segoff_slice *iov, unsigned n, uint32_t len, int gso)
{
	if (segoff_tap_write(q->tun_fd, h, SEGOFF_VNET_HDR_LEN, iov, n) < 0) {
		st->c[RC_tun_tx_errors]++;
		return;
	}
	st->c[RC_tun_tx_packets]++;
	st->c[RC_tun_tx_bytes] += len;
	if (gso)
		st->c[RC_tun_tx_gso_packets]++;
}

static void gro_deliver(void *opaque, const struct segoff_gro_out *out)
{
	struct relay_queue *q = opaque;
	write_tun(q, &q->rx_local, &out->vnet, out->iov, out->nr_iov, out->len, out->gso_size != 0);
}

/* An inner packet must be one whole IP packet: its own length is the
 * datagram's, or it is dropped (a sender's bug or an attack, counted). */
static int inner_ok(struct relay_stats *st, const uint8_t *d, uint32_t len)
{
	struct segoff_pkt p;
	segoff_pkt_init(&p, d, len, NULL, 0);
	int rc = segoff_parse_link(&p, SEGOFF_LINK_IP, NULL);
	/* what the parser refuses goes no further (a TCP data offset below 5,
	 * an IPv6 chain past the limit...), but for a fragment too short for
	 * its transport header: reassembly is the receiver's to judge */
	if (rc < 0 && !(p.is_fragment && p.l3_proto != SEGOFF_PROTO_NONE && rc == SEGOFF_E_TRUNCATED)) {
		drop(st, RC_drop_malformed, rc);
		return 0;
	}
	uint32_t own = p.l3_proto == SEGOFF_PROTO_IPV4 ? (uint32_t)(d[2] << 8 | d[3]) : 40u + (uint32_t)(d[4] << 8 | d[5]);
	if (own != len) {
		st->c[RC_drop_inner_length]++;
		return 0;
	}
	return 1;
}

void *relay_rx_run(void *arg)
{
	struct relay_queue *q = arg;
	struct relay_stats *st = &q->rx_local;
	const unsigned batch = q->cfg->offloads ? RELAY_BATCH : 1;
	struct mmsghdr mm[RELAY_BATCH];
	struct iovec iov[RELAY_BATCH];
	struct sockaddr_storage from[RELAY_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctrl[RELAY_BATCH];
	uint64_t now = 0;
	while (!stopping(q)) {
		if (!wait_readable(q->udp_fd))
			continue;
		for (unsigned i = 0; i < batch; i++) {
			iov[i] = (struct iovec){ q->udp_area + (size_t)i * RELAY_UDP_CAP, RELAY_UDP_CAP };
			memset(&mm[i], 0, sizeof(mm[i]));
			mm[i].msg_hdr.msg_name = &from[i];
			mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_control = ctrl[i].buf;
			mm[i].msg_hdr.msg_controllen = sizeof(ctrl[i].buf);
		}
		int got = recvmmsg(q->udp_fd, mm, batch, MSG_DONTWAIT, NULL);
		if (got <= 0)
			continue;
		size_t ninner = 0;
		for (int i = 0; i < got; i++) {
			const uint8_t *d = iov[i].iov_base;
			uint32_t len = mm[i].msg_len;
			if (!from_peer(q->cfg, &from[i])) {
				st->c[RC_rx_foreign]++;
				continue;
			}
			uint32_t seg = len;
			for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mm[i].msg_hdr); cm; cm = CMSG_NXTHDR(&mm[i].msg_hdr, cm))
				if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO) {
					int s;
					memcpy(&s, CMSG_DATA(cm), sizeof(s));
					if (s > 0)
						seg = (uint32_t)s;
				}
			if (seg < len)
				st->c[RC_udp_rx_gro_buffers]++;
			for (uint32_t off = 0; off < len; off += seg) {
				uint32_t plen = len - off < seg ? len - off : seg;
				st->c[RC_udp_rx_datagrams]++;
				st->c[RC_udp_rx_bytes] += plen;
				if (!inner_ok(st, d + off, plen))
					continue;
				if (q->gro && ninner < q->inner_cap) {
					q->inner[ninner++] = (struct segoff_gro_frame){ d + off, plen, SEGOFF_CSUM_NONE, NULL };
				} else {
					/* offloads off: the kernel verifies the checksums itself */
					struct segoff_vnet_hdr h;
					memset(&h, 0, sizeof(h));
					struct segoff_slice one = { (void *)(d + off), plen };
					write_tun(q, st, &h, &one, 1, plen, 0);
				}
			}
		}
		if (q->gro) {
			/* the batch is a NAPI poll: coalesce, then flush it all (the
			 * buffers are reused by the next read) */
			segoff_gro_receive_frames(q->gro, q->inner, (unsigned)ninner, ++now);
			segoff_gro_flush_all(q->gro);
			memcpy(st->gro, segoff_gro_counters(q->gro), sizeof(st->gro));
		}
		publish(st, &q->rx_pub);
	}
	publish(st, &q->rx_pub);
	return NULL;
}

/* --- setup --- */

int relay_queue_init(struct relay_queue *q)
{
	q->segs_cap = 1024; /* a 64 KB super-packet at the smallest MSS (64) */
	q->arena_size = q->segs_cap * 128;
	q->iov_cap = q->segs_cap * 4;
	q->inner_cap = (size_t)RELAY_BATCH * RELAY_UDP_MAX_SEGS;
	q->tun_area = malloc((size_t)RELAY_BATCH * RELAY_TUN_CAP);
	q->udp_area = malloc((size_t)RELAY_BATCH * RELAY_UDP_CAP);
	q->arena = malloc(q->arena_size);
	q->iov = malloc(q->iov_cap * sizeof(*q->iov));
	q->segs = malloc(q->segs_cap * sizeof(*q->segs));
	q->inner = malloc(q->inner_cap * sizeof(*q->inner));
	if (!q->tun_area || !q->udp_area || !q->arena || !q->iov || !q->segs || !q->inner)
		return SEGOFF_E_SYSTEM;
	for (unsigned i = 0; i < RELAY_BATCH; i++)
		q->frames[i] = (struct segoff_tap_frame){ q->tun_area + (size_t)i * RELAY_TUN_CAP, RELAY_TUN_CAP, 0 };
	if (!q->cfg->offloads)
		return SEGOFF_OK;
	struct segoff_gro_config gc;
	segoff_gro_config_init(&gc);
	gc.link = SEGOFF_LINK_IP;
	gc.tunnel_ports = (struct segoff_tunnel_ports){ 0, 0 }; /* inner packets: no tunnels to look into */
	gc.ip_tunnels = 0; /* a TUN takes no merged GRE or IP-in-IP (no virtio type) */
	gc.deliver = gro_deliver;
	gc.opaque = q;
	return segoff_gro_create(&gc, &q->gro);
}

void relay_queue_free(struct relay_queue *q)
{
	if (q->gro)
		segoff_gro_destroy(q->gro);
	q->gro = NULL;
	free(q->tun_area);
	free(q->udp_area);
	free(q->arena);
	free(q->iov);
	free(q->segs);
	free(q->inner);
}
