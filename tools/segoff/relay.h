/* SPDX-License-Identifier: MIT */
/* segoff relay: a point-to-point tunnel endpoint carrying IP packets from a
 * TUN device in UDP datagrams (the payload is the inner IP packet, as FOU and
 * GUE variant 1 carry it), with segmentation offload out and receive offload
 * in. One transmit and one receive worker per queue. */
#ifndef SEGOFF_RELAY_H
#define SEGOFF_RELAY_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <segoff/segoff.h>
#include <segoff/tap.h>

#define RELAY_MAX_QUEUES 16
#define RELAY_BATCH 64                  /* TUN reads and datagrams per wake-up, offloads on */
#define RELAY_TUN_CAP (SEGOFF_VNET_HDR_LEN + 65550)
#define RELAY_UDP_CAP 65536             /* one (possibly coalesced) datagram buffer */
#define RELAY_UDP_MAX_SEGS 64           /* UDP_SEGMENT: segments per send (the kernel's limit is 64 or 128) */
#define RELAY_UDP_MAX_PAYLOAD 65507     /* the largest UDP payload over IPv4 */

struct relay_cfg {
	char tun[16];
	struct sockaddr_storage listen, peer;
	socklen_t listen_len, peer_len;
	int offloads;           /* 1: TSO/USO from the TUN, UDP GSO/GRO, segoff GRO; 0: one packet at a time */
	unsigned mtu;           /* the path MTU (outer IP packet); the TUN gets mtu - overhead */
	unsigned overhead;      /* outer IP + UDP: 28 or 48 */
	unsigned queues;
};

/* Counters, named like `ethtool -S`; one set per queue. */
#define RELAY_COUNTERS(X) \
	X(tun_rx_packets)       /* IP packets read from the TUN */ \
	X(tun_rx_bytes) \
	X(tun_rx_gso_packets)   /* of which super-packets (TSO/USO) */ \
	X(tx_segmented)         /* super-packets cut by segoff to the path MTU */ \
	X(tx_csum_completed)    /* partial checksums finished in software */ \
	X(udp_tx_datagrams)     /* datagrams sent to the peer */ \
	X(udp_tx_bytes) \
	X(udp_tx_gso_sends)     /* sendmsg calls carrying several datagrams with UDP_SEGMENT */ \
	X(udp_tx_gso_fallbacks) /* UDP_SEGMENT refused at run time: sendmmsg from then on */ \
	X(udp_tx_errors)        /* datagrams the kernel would not send */ \
	X(udp_rx_datagrams)     /* datagrams from the peer (after splitting coalesced ones) */ \
	X(udp_rx_bytes) \
	X(udp_rx_gro_buffers)   /* reads the kernel's UDP GRO had coalesced */ \
	X(rx_foreign)           /* datagrams from anyone but the peer: dropped */ \
	X(drop_inner_length)    /* an inner packet whose IP length is not the datagram's */ \
	X(drop_over_mtu)        /* a packet or segment larger than the path allows */ \
	X(drop_malformed)       /* refused by the parser or the virtio_net_hdr check */ \
	X(tun_tx_packets)       /* packets written to the TUN */ \
	X(tun_tx_bytes) \
	X(tun_tx_gso_packets)   /* of which coalesced (GRO) */ \
	X(tun_tx_errors)        /* writes the kernel refused (EIO while the TUN is down) */

enum relay_counter {
#define RELAY_ENUM(n) RC_##n,
	RELAY_COUNTERS(RELAY_ENUM)
#undef RELAY_ENUM
	RC__COUNT
};

#define RELAY_NR_ERRORS 40      /* drop_<error name>, indexed by -segoff error */

struct relay_stats {
	uint64_t c[RC__COUNT];
	uint64_t err[RELAY_NR_ERRORS];
	uint64_t gro[SEGOFF_GRO__COUNTERS];
};

/* One queue: a TUN file descriptor and a UDP socket, a worker each way. */
struct relay_queue {
	const struct relay_cfg *cfg;
	unsigned index;
	int tun_fd, udp_fd;
	int *stop;
	pthread_t tx_thread, rx_thread;
	int tx_started, rx_started;
	int udp_gso;            /* UDP_SEGMENT works (probed by use; cleared on refusal) */

	/* transmit: TUN reads and the segments of one super-packet */
	struct segoff_tap_frame frames[RELAY_BATCH];
	uint8_t *tun_area;
	uint8_t *arena;
	size_t arena_size;
	struct segoff_slice *iov;
	size_t iov_cap;
	struct segoff_seg *segs;
	size_t segs_cap;

	/* receive: datagram buffers, the inner packets of one batch, GRO */
	uint8_t *udp_area;
	struct segoff_gro_frame *inner;
	size_t inner_cap;
	struct segoff_gro *gro;

	struct relay_stats tx_local, rx_local;   /* each worker's own */
	struct relay_stats tx_pub, rx_pub;       /* published after every batch */
};

/* relay_path.c */
int relay_queue_init(struct relay_queue *q);
void relay_queue_free(struct relay_queue *q);
void *relay_tx_run(void *arg);
void *relay_rx_run(void *arg);
const char *relay_counter_name(enum relay_counter c);

#endif
