/* SPDX-License-Identifier: MIT */
/* segoff wire: two TAP devices joined by an emulated wire, segoff being the
 * NIC on each side. One worker per direction and queue. */
#ifndef SEGOFF_WIRE_H
#define SEGOFF_WIRE_H

#include <pthread.h>
#include <stdint.h>
#include <segoff/segoff.h>
#include <segoff/tap.h>

#define WIRE_MAX_QUEUES 16
#define WIRE_BATCH_DEFAULT 64   /* frames read per wake-up */
#define WIRE_BATCH_MAX 256
#define WIRE_FRAME_CAP (SEGOFF_VNET_HDR_TUNNEL_LEN + 65550)

enum wire_gro_mode { WIRE_GRO_OFF = 0, WIRE_GRO_ON, WIRE_GRO_LRO };

struct wire_cfg {
	unsigned mtu;           /* the wire's L3 MTU */
	int tso, uso, csum;     /* offered to the kernels with TUNSETOFFLOAD */
	int gro;                /* enum wire_gro_mode */
	int udp_gro;            /* coalesce UDP too (a receiver with UDP_GRO sockets) */
	unsigned queues;
	unsigned batch;         /* frames per read batch: 64 KB of buffer each (0 = default) */
	int napi;               /* IFF_NAPI on both TAPs: the kernels run their own GRO too */
	int tunnel;             /* UDP tunnel offloads (VXLAN, Geneve) with the 24-byte header:
				 * tunnel super-packets in, tunnel GSO and GRO, merged tunnel
				 * packets out */
	/* Holding across reads, as NAPI with gro_flush_timeout and
	 * napi_defer_hard_irqs (kernel-rules V7): after a read, wait up to
	 * flush_timeout_us for more frames, and flush what is held only after
	 * defer_polls such waits in a row found nothing (or the batch's slots
	 * are full, or its first frame is WIRE_MAX_HOLD_US old). 0: flush at
	 * the end of every read, as the kernel by default. */
	unsigned flush_timeout_us;
	unsigned defer_polls;
};

#define WIRE_FLUSH_TIMEOUT_US_DEFAULT 20
#define WIRE_DEFER_POLLS_DEFAULT 2
/* The kernel flushes what is older than a jiffy at the end of every poll,
 * whatever the timeout: one jiffy at HZ=1000. */
#define WIRE_MAX_HOLD_US 1000

/* One TAP device: a file descriptor per queue. */
struct wire_port {
	char name[16];
	char netns[64];         /* "" = this process's namespace */
	int fd[WIRE_MAX_QUEUES];
	unsigned offload_got, offload_refused;
	int refused_errno;
	unsigned vnet_len;      /* bytes of virtio_net_hdr on its reads and writes: 12, or 24 */
};

/* Counters, named like `ethtool -S`; one set per direction and queue. */
#define WIRE_COUNTERS(X) \
	X(rx_packets)           /* frames read from the sending TAP */ \
	X(rx_bytes) \
	X(rx_gso_packets)       /* of which super-packets (TSO/USO) */ \
	X(rx_gso_bytes) \
	X(rx_vxlan_gso_packets) /* super-packets inside VXLAN (--tunnel on) */ \
	X(rx_geneve_gso_packets) /* ... inside Geneve */ \
	X(tx_segmented)         /* super-packets cut to the wire MTU by segoff */ \
	X(csum_completed)       /* partial checksums finished in software */ \
	X(wire_frames)          /* frames that crossed the wire */ \
	X(wire_bytes) \
	X(wire_max_frame)       /* largest frame on the wire (L3 bytes) */ \
	X(out_packets)          /* frames written to the receiving TAP */ \
	X(out_bytes) \
	X(out_gso_packets)      /* of which coalesced (GRO/LRO) */ \
	X(out_vxlan_gso_packets) /* ... of which inside VXLAN */ \
	X(out_geneve_gso_packets) /* ... inside Geneve */ \
	X(out_csum_valid)       /* handed up with DATA_VALID */ \
	X(out_errors)           /* the receiving kernel refused a write */ \
	X(out_einval)           /* ... with EINVAL (it rejected the virtio_net_hdr) */ \
	X(drop_over_mtu)        /* larger than the wire allows: a wire drops it */ \
	X(drop_malformed)       /* refused by the parser or the virtio_net_hdr check */ \
	X(drop_no_space)        /* more segments than the worker's buffers hold */ \
	X(gro_flush_read)       /* held flows flushed at the end of a read (--flush-timeout-us 0) */ \
	X(gro_flush_idle)       /* ... after --defer-polls waits found no more frames */ \
	X(gro_flush_age)        /* ... because the batch's first frame was WIRE_MAX_HOLD_US old */ \
	X(gro_flush_full)       /* ... because the batch's frame slots were all used */

enum wire_counter {
#define WIRE_ENUM(n) WC_##n,
	WIRE_COUNTERS(WIRE_ENUM)
#undef WIRE_ENUM
	WC__COUNT
};

#define WIRE_NR_ERRORS 40       /* drop_<error name>, indexed by -segoff error */

struct wire_stats {
	uint64_t c[WC__COUNT];
	uint64_t err[WIRE_NR_ERRORS];
	uint64_t gro[SEGOFF_GRO__COUNTERS];
};

struct wire_worker {
	const struct wire_cfg *cfg;
	const struct wire_port *in, *out;
	unsigned queue;
	char label[64];
	int *stop;
	pthread_t thread;
	int started;

	struct segoff_gro *gro;
	struct segoff_tx_dev wire_dev;
	struct segoff_tunnel_ports ports; /* --tunnel on: VXLAN, Geneve; else none */
	struct segoff_tap_frame frames[WIRE_BATCH_MAX];
	uint8_t *rx_area;
	/* zero-copy GSO output for one batch */
	uint8_t *arena;
	size_t arena_size, arena_used;
	struct segoff_slice *iov;
	size_t iov_cap, iov_used;
	struct segoff_seg *segs;
	size_t segs_cap;

	struct wire_stats local;      /* the worker's own */
	struct wire_stats published;  /* copied after every batch for the main thread */
};

/* wire_path.c */
int wire_worker_init(struct wire_worker *w);
void wire_worker_free(struct wire_worker *w);
void *wire_worker_run(void *arg);
const char *wire_counter_name(enum wire_counter c);

#endif
