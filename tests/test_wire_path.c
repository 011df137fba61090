// SPDX-License-Identifier: MIT
/*
 * One direction of segoff wire, driven through SOCK_SEQPACKET socket pairs
 * in place of the two TAPs (a datagram per frame, as a TAP gives), so that
 * exact outputs can be checked without root; the real TAPs and kernels are
 * in tests/wire/run-wire-tests.
 */
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <segoff/segoff.h>
#include "../tools/segoff/wire.h"
#include "check.h"
#include "pktgen.h"

struct rig {
	int in[2], out[2];      /* [0] is the test's end, [1] the wire's */
	struct wire_cfg cfg;
	struct wire_port a, b;
	struct wire_worker w;
	int stop;
};

static void rig_up(struct rig *r, int gro, int tunnel)
{
	memset(r, 0, sizeof(*r));
	CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, r->in), 0);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, r->out), 0);
	int big = 4 << 20;
	for (int i = 0; i < 2; i++) {
		setsockopt(r->in[i], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
		setsockopt(r->out[i], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	}
	fcntl(r->in[1], F_SETFL, O_NONBLOCK);
	fcntl(r->out[0], F_SETFL, O_NONBLOCK);
	r->cfg = (struct wire_cfg){ .mtu = 1500, .tso = 1, .uso = 1, .csum = 1, .gro = gro, .queues = 1,
				    .tunnel = tunnel };
	r->a.vnet_len = r->b.vnet_len = tunnel ? SEGOFF_VNET_HDR_TUNNEL_LEN : SEGOFF_VNET_HDR_LEN;
	strcpy(r->a.name, "a");
	strcpy(r->b.name, "b");
	r->a.fd[0] = r->in[1];
	r->b.fd[0] = r->out[1];
	r->w.cfg = &r->cfg;
	r->w.in = &r->a;
	r->w.out = &r->b;
	r->w.stop = &r->stop;
	CHECK_EQ(wire_worker_init(&r->w), SEGOFF_OK);
}

/* Run the worker until it has handled `frames` frames (or 2 s). */
static void rig_run(struct rig *r, uint64_t frames)
{
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, wire_worker_run, &r->w), 0);
	for (int i = 0; i < 200; i++) {
		if (__atomic_load_n(&r->w.published.c[WC_rx_packets], __ATOMIC_RELAXED) >= frames)
			break;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
}

static void rig_down(struct rig *r)
{
	wire_worker_free(&r->w);
	for (int i = 0; i < 2; i++) {
		close(r->in[i]);
		close(r->out[i]);
	}
}

/* Write one frame into the wire's input with a virtio_net_hdr. */
static void send_frame(struct rig *r, const struct segoff_vnet_hdr *h, const uint8_t *frame, size_t len)
{
	static uint8_t buf[WIRE_FRAME_CAP];
	const unsigned vl = r->a.vnet_len;
	CHECK_EQ(segoff_vnet_encode(h, buf, vl), SEGOFF_OK);
	memcpy(buf + vl, frame, len);
	CHECK_EQ(send(r->in[0], buf, vl + len, 0), (ssize_t)(vl + len));
}

/* Next frame out of the wire: its header and bytes; 0 when none is left. */
static size_t recv_frame(struct rig *r, struct segoff_vnet_hdr *h, uint8_t *frame, size_t cap)
{
	static uint8_t buf[WIRE_FRAME_CAP];
	const unsigned vl = r->b.vnet_len;
	ssize_t n = recv(r->out[0], buf, sizeof(buf), 0);
	if (n < (ssize_t)vl)
		return 0;
	CHECK_EQ(segoff_vnet_decode(buf, vl, h), SEGOFF_OK);
	size_t len = (size_t)n - vl;
	CHECK(len <= cap);
	memcpy(frame, buf + vl, len < cap ? len : cap);
	return len;
}

static struct {
	struct pktgen_spec spec;
	uint8_t frame[70000], out[70000];
	size_t len;
} F;

/* A TSO super-packet as a kernel hands it to its NIC: pseudo-header sum in
 * the check field, NEEDS_CSUM, GSO TCPV4 with the MSS. */
static void super_packet(struct segoff_vnet_hdr *h, uint32_t payload)
{
	pktgen_default(&F.spec);
	F.spec.payload_len = payload;
	F.spec.csum = PKTGEN_CSUM_PSEUDO;
	F.spec.df = 1;
	F.len = pktgen_build(&F.spec, F.frame, sizeof(F.frame));
	memset(h, 0, sizeof(*h));
	h->flags = SEGOFF_VNET_F_NEEDS_CSUM;
	h->gso_type = SEGOFF_VNET_GSO_TCPV4;
	h->gso_size = 1448;
	h->csum_start = (uint16_t)pktgen_l4_off(&F.spec);
	h->csum_offset = 16;
	h->hdr_len = (uint16_t)pktgen_hdr_len(&F.spec);
}

static void wire_gives_the_super_packet_back_after_tso_and_gro(void)
{
	struct rig r;
	rig_up(&r, WIRE_GRO_ON, 0);
	struct segoff_vnet_hdr h, oh;
	super_packet(&h, 45 * 1448);
	send_frame(&r, &h, F.frame, F.len);
	rig_run(&r, 1);
	size_t n = recv_frame(&r, &oh, F.out, sizeof(F.out));
	/* 45 segments on the wire, one packet out: the input, byte for byte */
	CHECK_EQ(n, F.len);
	CHECK(memcmp(F.out, F.frame, F.len) == 0);
	CHECK_EQ(oh.gso_type, SEGOFF_VNET_GSO_TCPV4);
	CHECK_EQ(oh.gso_size, 1448);
	CHECK_EQ(oh.flags, SEGOFF_VNET_F_NEEDS_CSUM);
	CHECK_EQ(recv_frame(&r, &oh, F.out, sizeof(F.out)), 0);
	const uint64_t *c = r.w.published.c;
	CHECK_EQ(c[WC_rx_gso_packets], 1);
	CHECK_EQ(c[WC_tx_segmented], 1);
	CHECK_EQ(c[WC_wire_frames], 45);
	CHECK_EQ(c[WC_wire_max_frame], 1500);
	CHECK_EQ(c[WC_out_gso_packets], 1);
	rig_down(&r);
}

/* --tunnel on: a VXLAN super-packet with the 24-byte header (the kernel's
 * VXLAN device behind a TAP with tunnel offloads) is cut with tunnel GSO to
 * the wire MTU and coalesced through the tunnel: the input comes out, in
 * the 24-byte form, counted as VXLAN both ways. */
static void wire_tunnel_on_carries_a_vxlan_super_packet(void)
{
	struct rig r;
	rig_up(&r, WIRE_GRO_ON, 1);
	for (int csum = 0; csum < 2; csum++) {
		struct pktgen_spec o, in;
		pktgen_default(&o);
		o.sport = 49152;
		o.dport = SEGOFF_VXLAN_PORT;
		o.csum = csum ? PKTGEN_CSUM_PSEUDO : PKTGEN_CSUM_ZERO;
		pktgen_default(&in);
		in.payload_len = 20 * 1398;
		in.csum = PKTGEN_CSUM_PSEUDO;
		F.len = pktgen_build_tunnel(&o, PKTGEN_VXLAN, 7, 0, 0, &in, F.frame, sizeof(F.frame));
		const unsigned uh = (unsigned)pktgen_l4_off(&o), inner = uh + 16;
		struct segoff_vnet_hdr h = {
			.flags = SEGOFF_VNET_F_NEEDS_CSUM | (csum ? SEGOFF_VNET_F_UDP_TUNNEL_CSUM : 0),
			.gso_type = SEGOFF_VNET_GSO_TCPV4 | SEGOFF_VNET_GSO_UDP_TUNNEL_IPV4,
			.hdr_len = (uint16_t)(inner + pktgen_hdr_len(&in)),
			.gso_size = 1398,
			.csum_start = (uint16_t)(inner + pktgen_l4_off(&in)),
			.csum_offset = 16,
			.outer_th_offset = (uint16_t)uh,
			.inner_nh_offset = (uint16_t)(inner + 14),
		};
		send_frame(&r, &h, F.frame, F.len);
	}
	rig_run(&r, 2);
	for (int csum = 0; csum < 2; csum++) {
		struct segoff_vnet_hdr oh;
		size_t n = recv_frame(&r, &oh, F.out, sizeof(F.out));
		CHECK_EQ(n, F.len);
		CHECK_EQ(oh.gso_type, SEGOFF_VNET_GSO_TCPV4 | SEGOFF_VNET_GSO_UDP_TUNNEL_IPV4);
		CHECK_EQ(oh.gso_size, 1398);
		CHECK_EQ(oh.flags, SEGOFF_VNET_F_NEEDS_CSUM | (csum ? SEGOFF_VNET_F_UDP_TUNNEL_CSUM : 0));
		CHECK_EQ(oh.outer_th_offset, 34); /* the 24-byte form, whole */
		CHECK_EQ(oh.inner_nh_offset, 34 + 16 + 14);
		CHECK_EQ(oh.csum_start, 34 + 16 + 34);
		CHECK_EQ(oh.hash_value, 0);
	}
	CHECK(memcmp(F.out, F.frame, F.len) == 0); /* the last: with an outer checksum */
	const uint64_t *c = r.w.published.c;
	CHECK_EQ(c[WC_rx_vxlan_gso_packets], 2);
	CHECK_EQ(c[WC_tx_segmented], 2);
	CHECK_EQ(c[WC_wire_frames], 40);
	CHECK_EQ(c[WC_wire_max_frame], 1500);
	CHECK_EQ(c[WC_out_vxlan_gso_packets], 2);
	CHECK_EQ(c[WC_out_geneve_gso_packets], 0);
	rig_down(&r);
}

static void wire_without_gro_hands_up_mtu_frames_with_valid_checksums(void)
{
	struct rig r;
	rig_up(&r, WIRE_GRO_OFF, 0);
	struct segoff_vnet_hdr h, oh;
	super_packet(&h, 10 * 1448 + 7);
	send_frame(&r, &h, F.frame, F.len);
	rig_run(&r, 1);
	size_t n, frames = 0, payload = 0, hdr = pktgen_hdr_len(&F.spec);
	while ((n = recv_frame(&r, &oh, F.out, sizeof(F.out))) > 0) {
		frames++;
		CHECK(n <= 1514);
		CHECK_EQ(oh.gso_type, SEGOFF_VNET_GSO_NONE);
		CHECK_EQ(oh.flags, SEGOFF_VNET_F_DATA_VALID);
		CHECK(ref_verify_tcp(F.out, n, pktgen_l3_off(&F.spec), pktgen_l4_off(&F.spec), 0));
		CHECK(memcmp(F.out + hdr, F.frame + hdr + payload, n - hdr) == 0);
		payload += n - hdr;
	}
	CHECK_EQ(frames, 11);
	CHECK_EQ(payload, 10 * 1448 + 7);
	rig_down(&r);
}

static void wire_drops_bad_frames_alone_and_counts_them_by_name(void)
{
	struct rig r;
	rig_up(&r, WIRE_GRO_ON, 0);
	struct segoff_vnet_hdr h, oh;
	/* 1: IPv4 IHL 3 */
	super_packet(&h, 1000);
	uint8_t bad[2000];
	memcpy(bad, F.frame, F.len);
	bad[pktgen_l3_off(&F.spec)] = 0x43;
	struct segoff_vnet_hdr plain = { 0 };
	send_frame(&r, &plain, bad, F.len);
	/* 2: a lying virtio_net_hdr: TCP checksum field at offset 7 */
	super_packet(&h, 3 * 1448);
	h.csum_offset = 7;
	send_frame(&r, &h, F.frame, F.len);
	/* 3: a plain frame over the wire MTU */
	super_packet(&h, 3000);
	send_frame(&r, &plain, F.frame, F.len);
	/* 4: an honest super-packet, which must come through */
	super_packet(&h, 4 * 1448);
	send_frame(&r, &h, F.frame, F.len);
	rig_run(&r, 4);
	CHECK_EQ(recv_frame(&r, &oh, F.out, sizeof(F.out)), F.len);
	CHECK(memcmp(F.out, F.frame, F.len) == 0);
	CHECK_EQ(recv_frame(&r, &oh, F.out, sizeof(F.out)), 0);
	const struct wire_stats *s = &r.w.published;
	CHECK_EQ(s->c[WC_drop_malformed], 2);
	CHECK_EQ(s->err[-SEGOFF_E_IPV4_IHL], 1);
	CHECK_EQ(s->err[-SEGOFF_E_VNET_CSUM_OFFSET], 1);
	CHECK_EQ(s->c[WC_drop_over_mtu], 1);
	CHECK_EQ(s->c[WC_out_packets], 1);
	rig_down(&r);
}

static void wire_finishes_a_partial_checksum_of_a_plain_frame(void)
{
	struct rig r;
	rig_up(&r, WIRE_GRO_OFF, 0);
	struct segoff_vnet_hdr h, oh;
	super_packet(&h, 700);
	h.gso_type = SEGOFF_VNET_GSO_NONE;
	h.gso_size = 0;
	send_frame(&r, &h, F.frame, F.len);
	rig_run(&r, 1);
	size_t n = recv_frame(&r, &oh, F.out, sizeof(F.out));
	CHECK_EQ(n, F.len);
	CHECK(ref_verify_tcp(F.out, n, pktgen_l3_off(&F.spec), pktgen_l4_off(&F.spec), 0));
	CHECK_EQ(oh.flags, SEGOFF_VNET_F_DATA_VALID);
	CHECK_EQ(r.w.published.c[WC_csum_completed], 1);
	rig_down(&r);
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(wire_gives_the_super_packet_back_after_tso_and_gro),
		TEST(wire_without_gro_hands_up_mtu_frames_with_valid_checksums),
		TEST(wire_tunnel_on_carries_a_vxlan_super_packet),
		TEST(wire_drops_bad_frames_alone_and_counts_them_by_name),
		TEST(wire_finishes_a_partial_checksum_of_a_plain_frame),
	};
	return check_main(argc, argv, "test_wire_path", tests, sizeof(tests) / sizeof(tests[0]));
}
