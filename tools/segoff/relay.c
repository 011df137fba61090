// SPDX-License-Identifier: MIT
/*
 * segoff relay TUN --listen ADDR:PORT --peer ADDR:PORT: a VPN's datapath
 * without the cipher. IP packets from TUN device TUN travel to the peer as
 * the payload of UDP datagrams (FOU / GUE variant 1 style: nothing but the
 * inner packet, 28 bytes of overhead over IPv4, 48 over IPv6), and the
 * peer's datagrams come back into the TUN. Setup, signals and counters here;
 * the datapath in relay_path.c.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "relay.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"usage: segoff relay [options] TUN --listen ADDR:PORT --peer ADDR:PORT\n"
		"  A point-to-point tunnel endpoint: IP packets from TUN device TUN (created if it\n"
		"  does not exist) go to the peer as UDP datagrams whose payload is the packet, and\n"
		"  the peer's datagrams come back into TUN. It does not encrypt.\n"
		"  --listen ADDR:PORT  the local UDP address ([v6addr]:port for IPv6)\n"
		"  --peer ADDR:PORT    the only address whose datagrams are accepted\n"
		"  --offloads on|off   on (default): TSO/USO from the TUN, cut by segoff and sent\n"
		"                      with UDP_SEGMENT, received with UDP_GRO and coalesced by\n"
		"                      segoff GRO; off: one packet per read, datagram and write\n"
		"  --mtu N             the path MTU to the peer (default: the route's); the TUN\n"
		"                      gets N less the outer headers (28 for IPv4, 48 for IPv6)\n"
		"  --queues N          a multi-queue TUN with N queues, a UDP socket and two\n"
		"                      workers each (default 1)\n"
		"  --json              counters at exit as JSON on stdout\n"
		"  Addresses and routes on the TUN are the user's. Signals: SIGUSR1 prints the\n"
		"  counters, SIGINT/SIGTERM stop cleanly.\n");
}

/* ADDR:PORT or [ADDR]:PORT */
static int parse_endpoint(const char *opt, const char *v, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[128];
	const char *colon = strrchr(v, ':');
	if (!colon || colon == v || (size_t)(colon - v) >= sizeof(host))
		goto bad;
	memcpy(host, v, (size_t)(colon - v));
	host[colon - v] = 0;
	char *h = host;
	if (h[0] == '[') {
		size_t n = strlen(h);
		if (n < 3 || h[n - 1] != ']')
			goto bad;
		h[n - 1] = 0;
		h++;
	}
	unsigned long long port;
	if (cli_uint("relay", opt, colon + 1, 1, 65535, &port) < 0)
		return -1;
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *a4 = (void *)ss;
	struct sockaddr_in6 *a6 = (void *)ss;
	if (inet_pton(AF_INET, h, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, h, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return 0;
	}
bad:
	fprintf(stderr, "segoff relay: %s wants ADDR:PORT or [ADDR]:PORT, not '%s'\n", opt, v);
	return -1;
}

/* The MTU of the route to the peer, as the kernel's path MTU for it. */
static int route_mtu(const struct relay_cfg *cfg, unsigned *mtu)
{
	int fd = socket(cfg->peer.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int v = 0;
	socklen_t l = sizeof(v);
	int ok = fd >= 0 && connect(fd, (const struct sockaddr *)&cfg->peer, cfg->peer_len) == 0 &&
		 getsockopt(fd, cfg->peer.ss_family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
			    cfg->peer.ss_family == AF_INET ? IP_MTU : IPV6_MTU, &v, &l) == 0 && v > 0;
	if (fd >= 0)
		close(fd);
	*mtu = (unsigned)v;
	return ok ? 0 : -1;
}

static int open_udp(struct relay_queue *q, int *gro_ok)
{
	const struct relay_cfg *cfg = q->cfg;
	int fd = socket(cfg->listen.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1, big = 8 << 20;
	if (cfg->queues > 1)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	/* room for a burst of super-packets' datagrams either way */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	if (bind(fd, (const struct sockaddr *)&cfg->listen, cfg->listen_len) < 0) {
		close(fd);
		return -1;
	}
	*gro_ok = 0;
	q->udp_gso = 0;
	if (cfg->offloads) {
		*gro_ok = setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof(one)) == 0;
		/* a kernel without UDP GSO refuses the option; one that has it
		 * may still refuse a send (EIO): relay_path.c falls back then */
		int probe = 1400, off = 0;
		q->udp_gso = setsockopt(fd, SOL_UDP, UDP_SEGMENT, &probe, sizeof(probe)) == 0;
		setsockopt(fd, SOL_UDP, UDP_SEGMENT, &off, sizeof(off));
	}
	return fd;
}

static uint64_t get(const uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_RELAXED);
}

/* A counter of one queue: what its two workers counted. */
static uint64_t sum_of(const struct relay_queue *q, unsigned c)
{
	return get(&q->tx_pub.c[c]) + get(&q->rx_pub.c[c]);
}

/* Both workers' error counters of one queue, summed. */
static void errs_of(const struct relay_queue *q, uint64_t *err)
{
	for (unsigned e = 0; e < RELAY_NR_ERRORS; e++)
		err[e] = get(&q->tx_pub.err[e]) + get(&q->rx_pub.err[e]);
}

static void print_text(FILE *f, const struct relay_queue *qs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct relay_queue *q = &qs[i];
		fprintf(f, "NIC statistics (%s queue %u):\n", q->cfg->tun, q->index);
		for (unsigned c = 0; c < RC__COUNT; c++)
			fprintf(f, "     %s: %llu\n", relay_counter_name((enum relay_counter)c),
				(unsigned long long)sum_of(q, c));
		uint64_t err[RELAY_NR_ERRORS];
		errs_of(q, err);
		cli_print_drops(f, err, RELAY_NR_ERRORS, 0);
		if (q->gro)
			cli_print_gro(f, q->rx_pub.gro, 0);
	}
	fflush(f);
}

/* SIGUSR1: the counters so far, on standard error. */
struct report_arg {
	const struct relay_queue *qs;
	unsigned n;
};

static void report(void *arg)
{
	const struct report_arg *ra = arg;
	print_text(stderr, ra->qs, ra->n);
}

static void print_json(FILE *f, const struct relay_queue *qs, unsigned n, unsigned tun_mtu, unsigned offload_got)
{
	fprintf(f, "{\"tun\": \"%s\", \"tun_mtu\": %u, \"path_mtu\": %u, \"offloads\": %u,\n \"queues\": [",
		qs[0].cfg->tun, tun_mtu, qs[0].cfg->mtu, offload_got);
	for (unsigned i = 0; i < n; i++) {
		const struct relay_queue *q = &qs[i];
		fprintf(f, "%s\n  {\"queue\": %u, \"udp_gso\": %d", i ? "," : "", q->index,
			__atomic_load_n(&q->udp_gso, __ATOMIC_RELAXED));
		for (unsigned c = 0; c < RC__COUNT; c++)
			fprintf(f, ", \"%s\": %llu", relay_counter_name((enum relay_counter)c),
				(unsigned long long)sum_of(q, c));
		uint64_t err[RELAY_NR_ERRORS];
		errs_of(q, err);
		cli_print_drops(f, err, RELAY_NR_ERRORS, 1);
		if (q->gro)
			cli_print_gro(f, q->rx_pub.gro, 1);
		fprintf(f, "}");
	}
	fprintf(f, "\n]}\n");
	fflush(f);
}

int cmd_relay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' }, { "peer", required_argument, NULL, 'p' },
		{ "offloads", required_argument, NULL, 'o' }, { "mtu", required_argument, NULL, 'm' },
		{ "queues", required_argument, NULL, 'q' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },           { NULL, 0, NULL, 0 },
	};
	struct relay_cfg cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.offloads = 1;
	cfg.queues = 1;
	int json = 0, opt, have_listen = 0, have_peer = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		unsigned long long n;
		switch (opt) {
		case 'l':
			if (parse_endpoint("--listen", optarg, &cfg.listen, &cfg.listen_len) < 0)
				return CLI_EXIT_USAGE;
			have_listen = 1;
			break;
		case 'p':
			if (parse_endpoint("--peer", optarg, &cfg.peer, &cfg.peer_len) < 0)
				return CLI_EXIT_USAGE;
			have_peer = 1;
			break;
		case 'o': {
			static const char *const words[] = { "off", "on", NULL };
			if ((cfg.offloads = cli_choice("relay", "--offloads", optarg, words)) < 0)
				return CLI_EXIT_USAGE;
			break;
		}
		case 'm':
			if (cli_uint("relay", "--mtu", optarg, 576, 65535, &n) < 0)
				return CLI_EXIT_USAGE;
			cfg.mtu = (unsigned)n;
			break;
		case 'q':
			if (cli_uint("relay", "--queues", optarg, 1, RELAY_MAX_QUEUES, &n) < 0)
				return CLI_EXIT_USAGE;
			cfg.queues = (unsigned)n;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (argc - optind != 1 || strlen(argv[optind]) >= sizeof(cfg.tun) || !have_listen || !have_peer) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	snprintf(cfg.tun, sizeof(cfg.tun), "%s", argv[optind]);
	if (cfg.listen.ss_family != cfg.peer.ss_family) {
		fprintf(stderr, "segoff relay: --listen and --peer must be of one address family\n");
		return CLI_EXIT_USAGE;
	}
	cfg.overhead = cfg.peer.ss_family == AF_INET ? 20 + 8 : 40 + 8;
	if (!cfg.mtu && route_mtu(&cfg, &cfg.mtu) < 0) {
		fprintf(stderr, "segoff relay: no route to the peer to take its MTU from (give --mtu): %s\n",
			strerror(errno));
		return CLI_EXIT_FAILURE;
	}
	/* IPv6 inside needs 1280 [RFC 8200]; IPv4 576 */
	const unsigned tun_mtu = cfg.mtu > cfg.overhead + 576 ? cfg.mtu - cfg.overhead : 0;
	if (!tun_mtu) {
		fprintf(stderr, "segoff relay: a path MTU of %u leaves too little for the inner packets\n", cfg.mtu);
		return CLI_EXIT_FAILURE;
	}

	cli_signals_block(); /* before the workers start: they inherit it */

	int rc = CLI_EXIT_FAILURE, stop = 0, gro_ok = 0;
	unsigned offload_got = 0, refused = 0;
	int refused_errno = 0;
	struct relay_queue *qs = calloc(cfg.queues, sizeof(*qs));
	if (!qs)
		return CLI_EXIT_FAILURE;
	for (unsigned i = 0; i < cfg.queues; i++)
		qs[i].tun_fd = qs[i].udp_fd = -1;
	const unsigned flags = SEGOFF_TAP_TUN | (cfg.queues > 1 ? SEGOFF_TAP_MULTI_QUEUE : 0);
	for (unsigned i = 0; i < cfg.queues; i++) {
		struct relay_queue *q = &qs[i];
		q->cfg = &cfg;
		q->index = i;
		q->stop = &stop;
		q->tun_fd = segoff_tap_open(cfg.tun, flags, SEGOFF_VNET_HDR_LEN);
		if (q->tun_fd < 0 || fcntl(q->tun_fd, F_SETFL, O_NONBLOCK) < 0) {
			fprintf(stderr, "segoff relay: cannot open TUN %s (queue %u): %s\n", cfg.tun, i, strerror(errno));
			goto out;
		}
		q->udp_fd = open_udp(q, &gro_ok);
		if (q->udp_fd < 0) {
			fprintf(stderr, "segoff relay: cannot bind the UDP socket: %s\n", strerror(errno));
			goto out;
		}
		if (relay_queue_init(q) < 0) {
			fprintf(stderr, "segoff relay: out of memory\n");
			goto out;
		}
	}
	/* TSO and USO out of the kernel only when segoff can cut them */
	const unsigned want = cfg.offloads ? SEGOFF_TUN_F_CSUM | SEGOFF_TUN_F_TSO4 | SEGOFF_TUN_F_TSO6 |
						     SEGOFF_TUN_F_TSO_ECN | SEGOFF_TUN_F_USO4 | SEGOFF_TUN_F_USO6
					   : 0;
	if (segoff_tap_negotiate(qs[0].tun_fd, want, &offload_got, &refused, &refused_errno) < 0 ||
	    segoff_netdev_set_mtu(cfg.tun, tun_mtu) < 0) {
		fprintf(stderr, "segoff relay: cannot set up %s: %s\n", cfg.tun, strerror(errno));
		goto out;
	}
	if (refused)
		fprintf(stderr, "segoff relay: %s: the kernel refused some offloads (%s)\n", cfg.tun,
			strerrorname_np(refused_errno) ?: "?");
	for (unsigned i = 0; i < cfg.queues; i++) {
		struct relay_queue *q = &qs[i];
		if (pthread_create(&q->tx_thread, NULL, relay_tx_run, q) != 0)
			goto out;
		q->tx_started = 1;
		if (pthread_create(&q->rx_thread, NULL, relay_rx_run, q) != 0)
			goto out;
		q->rx_started = 1;
	}
	fprintf(stderr,
		"segoff relay: ready %s, tun mtu %u (path %u less %u), offloads %s, udp gso %s, udp gro %s, "
		"%u queue%s\n",
		cfg.tun, tun_mtu, cfg.mtu, cfg.overhead, cfg.offloads ? "on" : "off", qs[0].udp_gso ? "on" : "off",
		gro_ok ? "on" : "off", cfg.queues, cfg.queues > 1 ? "s" : "");
	struct report_arg ra = { qs, cfg.queues };
	cli_signals_wait(report, &ra);
	rc = CLI_EXIT_OK;
out:
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < cfg.queues; i++) {
		if (qs[i].tx_started)
			pthread_join(qs[i].tx_thread, NULL);
		if (qs[i].rx_started)
			pthread_join(qs[i].rx_thread, NULL);
	}
	if (rc == CLI_EXIT_OK) {
		if (json)
			print_json(stdout, qs, cfg.queues, tun_mtu, offload_got);
		else
			print_text(stdout, qs, cfg.queues);
	}
	for (unsigned i = 0; i < cfg.queues; i++) {
		relay_queue_free(&qs[i]);
		if (qs[i].tun_fd >= 0)
			close(qs[i].tun_fd);
		if (qs[i].udp_fd >= 0)
			close(qs[i].udp_fd);
	}
	free(qs);
	return rc;
}
