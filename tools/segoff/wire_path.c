// SPDX-License-Identifier: MIT
/*
 * One direction of segoff wire, one queue: read what a kernel transmits on
 * TAP `in` (super-packets when TSO/USO was offered), do what its NIC would
 * (segment to the wire MTU, finish checksums), carry the frames over the
 * wire, and do what the receiving NIC would (verify checksums, coalesce with
 * GRO or LRO), then hand the result to the other kernel on TAP `out`.
 *
 * Buffers: every frame read in a batch stays in rx_area, and every segment
 * header in the arena, until the batch ends with segoff_gro_flush_all(); the
 * GRO context works zero-copy on them, so nothing is copied in user space.
 *
 * Without --tunnel, frames are parsed without tunnel ports: the TAPs carry
 * no tunnel offloads, and a UDP datagram to 4789 is a datagram to the wire.
 * With it, both TAPs use the 24-byte header and negotiate UDP tunnel GSO:
 * VXLAN and Geneve super-packets come in, are cut with tunnel GSO, are
 * coalesced through the tunnel, and go out in the 24-byte form.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "wire.h"

static const char *const counter_names[] = {
#define WIRE_NAME(n) #n,
	WIRE_COUNTERS(WIRE_NAME)
#undef WIRE_NAME
};

const char *wire_counter_name(enum wire_counter c)
{
	return (unsigned)c < WC__COUNT ? counter_names[c] : "?";
}

static void drop(struct wire_worker *w, enum wire_counter why, int err)
{
	w->local.c[why]++;
	if (err < 0 && -err < WIRE_NR_ERRORS)
		w->local.err[-err]++;
}

static uint32_t be16_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

/* The receiving NIC's rx-checksumming, for frames it hands up one by one:
 * does the TCP/UDP checksum over pseudo-header, header and payload hold? */
static int l4_csum_ok(const struct segoff_pkt *p)
{
	const uint8_t *ip = p->head + p->l3_off;
	uint32_t ip_len = p->l3_proto == SEGOFF_PROTO_IPV4 ? be16_at(ip + 2) : be16_at(ip + 4) + 40u;
	if (p->l4_off == 0xffff || p->is_fragment || p->l3_off + ip_len > p->len || p->l4_off > p->l3_off + ip_len)
		return 0;
	uint32_t l4_len = p->l3_off + ip_len - p->l4_off;
	uint8_t proto = p->l4_proto == SEGOFF_PROTO_TCP ? 6 : 17;
	if (proto == 17 && p->l3_proto == SEGOFF_PROTO_IPV4 && be16_at(p->head + p->l4_off + 6) == 0)
		return 1; /* IPv4 UDP without a checksum */
	segoff_csum_t sum = p->l3_proto == SEGOFF_PROTO_IPV4 ? segoff_csum_pseudo4(ip + 12, ip + 16, proto, l4_len)
							     : segoff_csum_pseudo6(ip + 8, ip + 24, proto, l4_len);
	size_t done = 0, take = p->head_len - p->l4_off < l4_len ? p->head_len - p->l4_off : l4_len;
	sum += segoff_csum(p->head + p->l4_off, take);
	done += take;
	for (unsigned i = 0; i < p->nr_frags && done < l4_len; i++) {
		take = p->frags[i].len < l4_len - done ? p->frags[i].len : l4_len - done;
		sum = segoff_csum_add_at(sum, segoff_csum(p->frags[i].base, take), done);
		done += take;
	}
	return segoff_csum_fold(sum) == 0xffff;
}

/* RSS on the receiving side: the Toeplitz hash of the flow picks the queue. */
static int out_fd(const struct wire_worker *w, const struct segoff_slice *iov)
{
	const struct wire_port *o = w->out;
	if (w->cfg->queues <= 1)
		return o->fd[0];
	struct segoff_pkt p;
	segoff_pkt_init(&p, iov[0].base, iov[0].len, NULL, 0);
	if (segoff_parse_ports(&p, SEGOFF_PROTO_ETH, 0, NULL) < 0)
		return o->fd[0];
	return o->fd[segoff_rss_hash(&p, segoff_rss_default_key()) % w->cfg->queues];
}

static void count_tunnel(struct wire_worker *w, const struct segoff_pkt *p, enum wire_counter vxlan,
			 enum wire_counter geneve)
{
	int t = cli_tunnel_of(p);
	if (t == CLI_TUN_VXLAN)
		w->local.c[vxlan]++;
	else if (t == CLI_TUN_GENEVE)
		w->local.c[geneve]++;
}

static void write_out(struct wire_worker *w, const struct segoff_vnet_hdr *h, const struct segoff_slice *iov,
		      unsigned nr_iov, uint32_t len)
{
	if (segoff_tap_write(out_fd(w, iov), h, w->out->vnet_len, iov, nr_iov) < 0) {
		w->local.c[WC_out_errors]++;
		if (errno == EINVAL)
			w->local.c[WC_out_einval]++;
		return;
	}
	w->local.c[WC_out_packets]++;
	w->local.c[WC_out_bytes] += len;
	if (h->gso_type != SEGOFF_VNET_GSO_NONE)
		w->local.c[WC_out_gso_packets]++;
	if (h->flags & SEGOFF_VNET_F_DATA_VALID)
		w->local.c[WC_out_csum_valid]++;
}

static void gro_deliver(void *opaque, const struct segoff_gro_out *out)
{
	struct wire_worker *w = opaque;
	write_out(w, &out->vnet, out->iov, out->nr_iov, out->len);
	if (out->gso_size && (out->gso_type & (SEGOFF_GSO_UDP_TUNNEL | SEGOFF_GSO_UDP_TUNNEL_CSUM))) {
		struct segoff_pkt p;
		segoff_pkt_init(&p, out->iov[0].base, out->iov[0].len, NULL, 0);
		if (segoff_parse_ports(&p, SEGOFF_PROTO_ETH, 0, &w->ports) == SEGOFF_OK)
			count_tunnel(w, &p, WC_out_vxlan_gso_packets, WC_out_geneve_gso_packets);
	}
}

/* The frame is on the wire; the receiving NIC takes it. */
static void wire_rx(struct wire_worker *w, struct segoff_pkt *p, uint64_t now)
{
	uint32_t l3 = p->len - (p->l3_off == 0xffff ? 14u : p->l3_off);
	w->local.c[WC_wire_frames]++;
	w->local.c[WC_wire_bytes] += p->len;
	if (l3 > w->local.c[WC_wire_max_frame])
		w->local.c[WC_wire_max_frame] = l3;
	p->gso_size = 0;
	p->gso_type = 0;
	p->csum_state = SEGOFF_CSUM_NONE; /* a wire carries no metadata: RX verifies */
	if (w->gro && segoff_gro_receive(w->gro, p, NULL, now) == SEGOFF_OK)
		return;
	/* GRO off (or a frame GRO cannot take): hand it up alone. */
	struct segoff_vnet_hdr h;
	memset(&h, 0, sizeof(h));
	if ((p->l4_proto == SEGOFF_PROTO_TCP || p->l4_proto == SEGOFF_PROTO_UDP) && l4_csum_ok(p))
		h.flags = SEGOFF_VNET_F_DATA_VALID;
	struct segoff_slice iov[1 + SEGOFF_GRO_MAX_FRAGS];
	unsigned n = 0;
	iov[n++] = (struct segoff_slice){ p->head, p->head_len };
	for (unsigned i = 0; i < p->nr_frags && n < sizeof(iov) / sizeof(iov[0]); i++)
		iov[n++] = p->frags[i];
	write_out(w, &h, iov, n, p->len);
}

static void end_batch(struct wire_worker *w)
{
	if (w->gro)
		segoff_gro_flush_all(w->gro);
	w->arena_used = 0;
	w->iov_used = 0;
}

/* Software TSO/USO to the wire MTU, full checksums, zero-copy. */
static void segment(struct wire_worker *w, const struct segoff_pkt *p, uint64_t now)
{
	struct segoff_gso_params gp;
	segoff_gso_params_init(&gp);
	gp.csum = SEGOFF_GSO_CSUM_FULL;
	for (int attempt = 0; attempt < 2; attempt++) {
		struct segoff_gso_zc zc = {
			.arena = w->arena + w->arena_used,
			.arena_size = w->arena_size - w->arena_used,
			.iov = w->iov + w->iov_used,
			.iov_cap = w->iov_cap - w->iov_used,
		};
		int n = segoff_gso_zerocopy(p, &gp, &zc, w->segs, w->segs_cap);
		if (n == SEGOFF_E_NOSPACE && attempt == 0) {
			end_batch(w); /* hand over what is held, then start the buffers afresh */
			continue;
		}
		if (n < 0) {
			drop(w, n == SEGOFF_E_NOSPACE ? WC_drop_no_space : WC_drop_malformed, n);
			return;
		}
		w->local.c[WC_tx_segmented]++;
		for (int i = 0; i < n; i++) {
			const struct segoff_seg *s = &w->segs[i];
			const struct segoff_slice *v = zc.iov + s->iov_first;
			struct segoff_pkt seg;
			segoff_pkt_init(&seg, v[0].base, v[0].len, v + 1, s->nr_iov - 1u);
			if (segoff_parse_ports(&seg, SEGOFF_PROTO_ETH, 0, &w->ports) < 0) {
				drop(w, WC_drop_malformed, SEGOFF_E_INVAL);
				continue;
			}
			wire_rx(w, &seg, now);
		}
		/* the arena offset of the last header plus its length */
		const struct segoff_seg *last = &w->segs[n - 1];
		w->arena_used = (size_t)(last->head - w->arena) + last->head_len;
		w->iov_used += zc.iov_used;
		return;
	}
}

/* One frame as the sending kernel handed it to its NIC. */
static void from_kernel(struct wire_worker *w, uint8_t *buf, size_t len, uint64_t now)
{
	const unsigned vnet_len = w->in->vnet_len;
	w->local.c[WC_rx_packets]++;
	if (len < vnet_len + 14) {
		drop(w, WC_drop_malformed, SEGOFF_E_FRAME_SHORT);
		return;
	}
	if (len >= WIRE_FRAME_CAP) {
		/* filled the buffer: the kernel may have had more (a TAP's
		 * gso_max_size keeps frames below this, but never assume it) */
		drop(w, WC_drop_malformed, SEGOFF_E_TRUNCATED);
		return;
	}
	uint8_t *frame = buf + vnet_len;
	size_t flen = len - vnet_len;
	w->local.c[WC_rx_bytes] += flen;
	struct segoff_vnet_hdr h;
	struct segoff_pkt p;
	segoff_pkt_init(&p, frame, flen, NULL, 0);
	int rc = segoff_vnet_decode(buf, vnet_len, &h);
	if (rc == SEGOFF_OK)
		rc = segoff_parse_ports(&p, SEGOFF_PROTO_ETH, 0, &w->ports);
	if (rc == SEGOFF_OK)
		rc = segoff_vnet_to_pkt(&h, &p);
	if (rc < 0) {
		drop(w, WC_drop_malformed, rc);
		return;
	}
	if (p.gso_size) {
		w->local.c[WC_rx_gso_packets]++;
		w->local.c[WC_rx_gso_bytes] += flen;
		if (p.encap_depth)
			count_tunnel(w, &p, WC_rx_vxlan_gso_packets, WC_rx_geneve_gso_packets);
	}
	struct segoff_tx_decision d;
	rc = segoff_tx_decide(&p, &w->wire_dev, &d);
	if (rc < 0) {
		drop(w, WC_drop_malformed, rc);
		return;
	}
	switch (d.action) {
	case SEGOFF_TX_PASS:
		if (d.csum_software) {
			if (segoff_csum_complete(frame, flen, p.csum_start, p.csum_offset) < 0) {
				drop(w, WC_drop_malformed, SEGOFF_E_VNET_CSUM_RANGE);
				return;
			}
			w->local.c[WC_csum_completed]++;
		}
		wire_rx(w, &p, now);
		return;
	case SEGOFF_TX_SEGMENT:
		segment(w, &p, now);
		return;
	default:
		/* A NIC does not fragment, and a wire drops what is too long. */
		drop(w, WC_drop_over_mtu, 0);
		return;
	}
}

static void publish(struct wire_worker *w)
{
	if (w->gro)
		memcpy(w->local.gro, segoff_gro_counters(w->gro), sizeof(w->local.gro));
	uint64_t *dst = (uint64_t *)&w->published;
	const uint64_t *src = (const uint64_t *)&w->local;
	for (size_t i = 0; i < sizeof(w->local) / sizeof(uint64_t); i++)
		__atomic_store_n(&dst[i], src[i], __ATOMIC_RELAXED);
}

static unsigned batch_of(const struct wire_cfg *cfg)
{
	return cfg->batch && cfg->batch <= WIRE_BATCH_MAX ? cfg->batch : WIRE_BATCH_DEFAULT;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* End the batch: everything held goes up, its slots are free again. */
static void end_batch_counted(struct wire_worker *w, unsigned *used, enum wire_counter why)
{
	end_batch(w);
	*used = 0;
	w->local.c[why]++;
}

/* The receive loop. A batch is the frames read since the last flush, in the
 * worker's `batch` slots; GRO holds them zero-copy. With a flush timeout a
 * batch grows over several reads: the worker waits up to the timeout for
 * more frames after each read, as the kernel's NAPI instance re-polls after
 * gro_flush_timeout instead of flushing, and flushes after defer_polls waits
 * in a row found nothing (napi_defer_hard_irqs), when the slots are full, or
 * when the batch is WIRE_MAX_HOLD_US old (the kernel's flush of what is
 * older than a jiffy). */
void *wire_worker_run(void *arg)
{
	struct wire_worker *w = arg;
	const int fd = w->in->fd[w->queue];
	const unsigned batch = batch_of(w->cfg), timeout_us = w->cfg->flush_timeout_us;
	const unsigned defer = w->cfg->defer_polls ? w->cfg->defer_polls : 1;
	unsigned used = 0, idle = 0;
	uint64_t first_us = 0;
	while (!__atomic_load_n(w->stop, __ATOMIC_RELAXED)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct timespec wait = used ? (struct timespec){ 0, (long)timeout_us * 1000 } : (struct timespec){ 0, 100000000 };
		int pr = ppoll(&pfd, 1, &wait, NULL);
		if (pr < 0)
			continue;
		if (pr == 0) {
			if (used && ++idle >= defer) {
				end_batch_counted(w, &used, WC_gro_flush_idle);
				publish(w);
			}
			continue;
		}
		int n = segoff_tap_read_batch(fd, w->frames + used, batch - used);
		if (n <= 0)
			continue;
		const uint64_t now = now_us();
		if (!used)
			first_us = now;
		idle = 0;
		for (int i = 0; i < n; i++)
			from_kernel(w, w->frames[used + i].buf, w->frames[used + i].len, now);
		used += (unsigned)n;
		if (!timeout_us)
			end_batch_counted(w, &used, WC_gro_flush_read);
		else if (used == batch)
			end_batch_counted(w, &used, WC_gro_flush_full);
		else if (now - first_us >= WIRE_MAX_HOLD_US)
			end_batch_counted(w, &used, WC_gro_flush_age);
		publish(w);
	}
	if (used)
		end_batch_counted(w, &used, WC_gro_flush_idle);
	publish(w);
	return NULL;
}

int wire_worker_init(struct wire_worker *w)
{
	const struct wire_cfg *cfg = w->cfg;
	segoff_tx_dev_init(&w->wire_dev, 0); /* a wire offers nothing */
	w->wire_dev.mtu = cfg->mtu;
	w->wire_dev.local_out = 1;
	if (cfg->tunnel)
		segoff_tunnel_ports_init(&w->ports);
	else
		w->ports = (struct segoff_tunnel_ports){ 0, 0 };
	unsigned batch = batch_of(cfg);
	w->rx_area = malloc((size_t)batch * WIRE_FRAME_CAP);
	/* a batch's segments: room for every frame at the smallest MSS a
	 * kernel sends (536) and more; a frame that does not fit starts a new
	 * batch, one that never fits is dropped and counted */
	w->segs_cap = 8192;
	w->arena_size = w->segs_cap * 160;
	w->iov_cap = w->segs_cap * 4;
	w->arena = malloc(w->arena_size);
	w->iov = malloc(w->iov_cap * sizeof(*w->iov));
	w->segs = malloc(w->segs_cap * sizeof(*w->segs));
	if (!w->rx_area || !w->arena || !w->iov || !w->segs)
		return SEGOFF_E_SYSTEM;
	for (unsigned i = 0; i < batch; i++)
		w->frames[i] = (struct segoff_tap_frame){ w->rx_area + (size_t)i * WIRE_FRAME_CAP, WIRE_FRAME_CAP, 0 };
	if (cfg->gro == WIRE_GRO_OFF)
		return SEGOFF_OK;
	struct segoff_gro_config gc;
	segoff_gro_config_init(&gc);
	gc.mode = cfg->gro == WIRE_GRO_LRO ? SEGOFF_GRO_MODE_LRO : SEGOFF_GRO_MODE_GRO;
	gc.udp = (uint8_t)cfg->udp_gro;
	gc.csum = cfg->csum ? SEGOFF_GRO_CSUM_PARTIAL : SEGOFF_GRO_CSUM_FULL;
	/* tunnel GRO only when the TAPs negotiated tunnel offloads with the
	 * 24-byte header a merged tunnel packet needs */
	gc.tunnel_ports = w->ports;
	gc.ip_tunnels = 0; /* no virtio type for their merged packets */
	gc.deliver = gro_deliver;
	gc.opaque = w;
	return segoff_gro_create(&gc, &w->gro);
}

void wire_worker_free(struct wire_worker *w)
{
	if (w->gro)
		segoff_gro_destroy(w->gro);
	w->gro = NULL;
	free(w->rx_area);
	free(w->arena);
	free(w->iov);
	free(w->segs);
}
