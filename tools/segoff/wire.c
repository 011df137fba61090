// SPDX-License-Identifier: MIT
/*
 * segoff wire TAP_A TAP_B: two NICs back to back. Opens (creates) both TAP
 * devices with a virtio_net_hdr, offers the kernels TSO/USO/checksum offload
 * with TUNSETOFFLOAD, sets their MTU to the wire's, and runs one worker per
 * direction and queue until SIGINT/SIGTERM. Counters on SIGUSR1 and at exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "wire.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: segoff wire [options] TAP_A TAP_B\n"
		"  Creates (or attaches to) TAP devices TAP_A and TAP_B and joins them by an\n"
		"  emulated wire: what one kernel sends as a super-packet is segmented to the\n"
		"  wire MTU, what arrives is coalesced before the other kernel gets it.\n"
		"  --wire-mtu N        the wire's MTU (default 1500; also set on both TAPs)\n"
		"  --tso on|off        offer TSO to the kernels (default on)\n"
		"  --uso on|off        offer UDP segmentation (default on; kernels before 6.2 refuse it)\n"
		"  --csum on|off       offer checksum offload (default on; off implies tso/uso off)\n"
		"  --gro on|off|lro    receive offload on the wire's far side (default on)\n"
		"  --udp-gro on|off    coalesce UDP too (default off, as Linux unless the receiving\n"
		"                      socket asked for UDP_GRO)\n"
		"  --batch N           frames read per wake-up, 1..256 (default 64); each worker\n"
		"                      holds N x 64 KB of frames plus ~1.7 MB of segment headers\n"
		"  --napi              open the TAPs with IFF_NAPI (the kernels' own GRO runs on\n"
		"                      what segoff writes, as behind a NIC with GRO off)\n"
		"  --tunnel on|off     UDP tunnel offloads (default off): the 24-byte virtio header and\n"
		"                      TUN_F_UDP_TUNNEL_GSO(_CSUM) on both TAPs, VXLAN (4789) and\n"
		"                      Geneve (6081) super-packets segmented and coalesced through\n"
		"                      the tunnel; counted per tunnel type\n"
		"  --flush-timeout-us N  hold coalesced flows across reads: after a read, wait up to\n"
		"                      N us for more frames before flushing (default 20; 0 flushes\n"
		"                      at the end of every read, as a kernel with gro_flush_timeout 0)\n"
		"  --defer-polls N     flush only after N such waits in a row found nothing\n"
		"                      (napi_defer_hard_irqs; default 2); held frames go up at the\n"
		"                      latest 1 ms after the first, or when the batch is full\n"
		"  --queues N          IFF_MULTI_QUEUE with N queues, a worker per queue and\n"
		"                      direction, flows spread by Toeplitz hash (default 1)\n"
		"  --netns-a NS, --netns-b NS  create the TAP inside network namespace NS\n"
		"                      (a name under /run/netns or a path)\n"
		"  --json              counters at exit as JSON on stdout\n"
		"  Signals: SIGUSR1 prints the counters, SIGINT/SIGTERM stop cleanly.\n");
}

/* cli_args.c's parsers, storing into wire_cfg's fields */
static int parse_onoff(const char *opt, const char *v, int *out)
{
	static const char *const words[] = { "off", "on", NULL };
	int k = cli_choice("wire", opt, v, words);
	if (k >= 0)
		*out = k;
	return k;
}

static int parse_range(const char *opt, const char *v, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned long long n;
	if (cli_uint("wire", opt, v, lo, hi, &n) < 0)
		return -1;
	*out = (unsigned)n;
	return 0;
}

/* Run `fn` with this thread inside namespace `ns` ("" = stay). */
static int in_netns(const char *ns, int (*fn)(struct wire_port *, const struct wire_cfg *), struct wire_port *p,
		    const struct wire_cfg *cfg)
{
	if (!ns[0])
		return fn(p, cfg);
	char path[128];
	snprintf(path, sizeof(path), "%s%s", strchr(ns, '/') ? "" : "/run/netns/", ns);
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int target = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || target < 0 || setns(target, CLONE_NEWNET) < 0) {
		fprintf(stderr, "segoff wire: cannot enter network namespace %s: %s\n", path, strerror(errno));
		if (self >= 0)
			close(self);
		if (target >= 0)
			close(target);
		return -1;
	}
	int rc = fn(p, cfg);
	if (setns(self, CLONE_NEWNET) < 0) {
		fprintf(stderr, "segoff wire: cannot return to own namespace: %s\n", strerror(errno));
		rc = -1;
	}
	close(self);
	close(target);
	return rc;
}

static void print_tun_f(FILE *f, unsigned bits)
{
	const char *sep = "";
	for (unsigned b = 1; b <= SEGOFF_TUN_F_UDP_TUNNEL_GSO_CSUM; b <<= 1)
		if (bits & b) {
			fprintf(f, "%s%s", sep, segoff_tun_f_name(b));
			sep = ",";
		}
	if (!*sep)
		fprintf(f, "none");
}

static int open_port(struct wire_port *p, const struct wire_cfg *cfg)
{
	unsigned flags = (cfg->queues > 1 ? SEGOFF_TAP_MULTI_QUEUE : 0) | (cfg->napi ? SEGOFF_TAP_NAPI : 0);
	/* tunnel offloads need the 24-byte header on the TAP [EV4] */
	p->vnet_len = cfg->tunnel ? SEGOFF_VNET_HDR_TUNNEL_LEN : SEGOFF_VNET_HDR_LEN;
	for (unsigned q = 0; q < cfg->queues; q++) {
		p->fd[q] = segoff_tap_open(p->name, flags, p->vnet_len);
		if (p->fd[q] < 0) {
			fprintf(stderr, "segoff wire: cannot open TAP %s (queue %u): %s\n", p->name, q, strerror(errno));
			return -1;
		}
		if (fcntl(p->fd[q], F_SETFL, O_NONBLOCK) < 0)
			return -1;
	}
	unsigned want = 0;
	if (cfg->csum) {
		want |= SEGOFF_TUN_F_CSUM;
		if (cfg->tso)
			want |= SEGOFF_TUN_F_TSO4 | SEGOFF_TUN_F_TSO6 | SEGOFF_TUN_F_TSO_ECN;
		if (cfg->uso)
			want |= SEGOFF_TUN_F_USO4 | SEGOFF_TUN_F_USO6;
		if (cfg->tunnel && (cfg->tso || cfg->uso))
			want |= SEGOFF_TUN_F_UDP_TUNNEL_GSO | SEGOFF_TUN_F_UDP_TUNNEL_GSO_CSUM;
	}
	if (segoff_tap_negotiate(p->fd[0], want, &p->offload_got, &p->offload_refused, &p->refused_errno) < 0) {
		fprintf(stderr, "segoff wire: TUNSETOFFLOAD on %s failed: %s\n", p->name, strerror(errno));
		return -1;
	}
	if (p->offload_refused) {
		fprintf(stderr, "segoff wire: %s: the kernel refused ", p->name);
		print_tun_f(stderr, p->offload_refused);
		fprintf(stderr, " (%s); running with ", strerrorname_np(p->refused_errno) ?: "?");
		print_tun_f(stderr, p->offload_got);
		fprintf(stderr, "\n");
	}
	if (segoff_netdev_set_mtu(p->name, cfg->mtu) < 0) {
		fprintf(stderr, "segoff wire: cannot set MTU %u on %s: %s\n", cfg->mtu, p->name, strerror(errno));
		return -1;
	}
	return 0;
}

static void close_port(struct wire_port *p, unsigned queues)
{
	for (unsigned q = 0; q < queues; q++)
		if (p->fd[q] >= 0)
			close(p->fd[q]);
}

static uint64_t get(const uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_RELAXED);
}

static void print_text(FILE *f, const struct wire_worker *w, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct wire_stats *s = &w[i].published;
		fprintf(f, "NIC statistics (%s):\n", w[i].label);
		for (unsigned c = 0; c < WC__COUNT; c++)
			fprintf(f, "     %s: %llu\n", wire_counter_name((enum wire_counter)c),
				(unsigned long long)get(&s->c[c]));
		cli_print_drops(f, s->err, WIRE_NR_ERRORS, 0);
		if (w[i].gro)
			cli_print_gro(f, s->gro, 0);
	}
	fflush(f);
}

/* SIGUSR1: the counters so far, on standard error. */
struct report_arg {
	const struct wire_worker *w;
	unsigned n;
};

static void report(void *arg)
{
	const struct report_arg *ra = arg;
	print_text(stderr, ra->w, ra->n);
}

static void print_json(FILE *f, const struct wire_worker *w, unsigned n, const struct wire_port *a,
		       const struct wire_port *b)
{
	fprintf(f, "{\"offloads\": {\"%s\": %u, \"%s\": %u},\n \"directions\": [", a->name, a->offload_got, b->name,
		b->offload_got);
	for (unsigned i = 0; i < n; i++) {
		const struct wire_stats *s = &w[i].published;
		fprintf(f, "%s\n  {\"from\": \"%s\", \"to\": \"%s\", \"queue\": %u", i ? "," : "", w[i].in->name,
			w[i].out->name, w[i].queue);
		for (unsigned c = 0; c < WC__COUNT; c++)
			fprintf(f, ", \"%s\": %llu", wire_counter_name((enum wire_counter)c),
				(unsigned long long)get(&s->c[c]));
		cli_print_drops(f, s->err, WIRE_NR_ERRORS, 1);
		if (w[i].gro)
			cli_print_gro(f, s->gro, 1);
		fprintf(f, "}");
	}
	fprintf(f, "\n]}\n");
	fflush(f);
}

int cmd_wire(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "wire-mtu", required_argument, NULL, 'm' }, { "tso", required_argument, NULL, 't' },
		{ "uso", required_argument, NULL, 'u' },      { "csum", required_argument, NULL, 'c' },
		{ "gro", required_argument, NULL, 'g' },      { "udp-gro", required_argument, NULL, 'U' },      { "queues", required_argument, NULL, 'q' },
		{ "netns-a", required_argument, NULL, 'A' },  { "netns-b", required_argument, NULL, 'B' },
		{ "batch", required_argument, NULL, 'b' },    { "napi", no_argument, NULL, 'n' },
		{ "tunnel", required_argument, NULL, 'T' },
		{ "flush-timeout-us", required_argument, NULL, 'F' }, { "defer-polls", required_argument, NULL, 'D' },
		{ "json", no_argument, NULL, 'j' },           { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct wire_cfg cfg = { .mtu = 1500, .tso = 1, .uso = 1, .csum = 1, .gro = WIRE_GRO_ON, .queues = 1,
				.flush_timeout_us = WIRE_FLUSH_TIMEOUT_US_DEFAULT, .defer_polls = WIRE_DEFER_POLLS_DEFAULT };
	struct wire_port port[2];
	memset(port, 0, sizeof(port));
	for (int i = 0; i < WIRE_MAX_QUEUES; i++)
		port[0].fd[i] = port[1].fd[i] = -1;
	int json = 0, opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			if (parse_range("--wire-mtu", optarg, 576, 65521, &cfg.mtu) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 't':
			if (parse_onoff("--tso", optarg, &cfg.tso) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'u':
			if (parse_onoff("--uso", optarg, &cfg.uso) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'c':
			if (parse_onoff("--csum", optarg, &cfg.csum) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'g': {
			/* in the order of enum wire_gro_mode */
			static const char *const modes[] = { "off", "on", "lro", NULL };
			if ((cfg.gro = cli_choice("wire", "--gro", optarg, modes)) < 0)
				return CLI_EXIT_USAGE;
			break;
		}
		case 'U':
			if (parse_onoff("--udp-gro", optarg, &cfg.udp_gro) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'q':
			if (parse_range("--queues", optarg, 1, WIRE_MAX_QUEUES, &cfg.queues) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'A':
		case 'B':
			snprintf(port[opt == 'B'].netns, sizeof(port[0].netns), "%s", optarg);
			break;
		case 'b':
			if (parse_range("--batch", optarg, 1, WIRE_BATCH_MAX, &cfg.batch) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'n':
			cfg.napi = 1;
			break;
		case 'T':
			if (parse_onoff("--tunnel", optarg, &cfg.tunnel) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'F':
			if (parse_range("--flush-timeout-us", optarg, 0, 100000, &cfg.flush_timeout_us) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'D':
			if (parse_range("--defer-polls", optarg, 1, 1000, &cfg.defer_polls) < 0)
				return CLI_EXIT_USAGE;
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
	if (argc - optind != 2 || strlen(argv[optind]) >= 16 || strlen(argv[optind + 1]) >= 16) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!cfg.csum && (cfg.tso || cfg.uso)) {
		fprintf(stderr, "segoff wire: without checksum offload the kernel takes no TSO/USO [F1]; both off\n");
		cfg.tso = cfg.uso = 0;
	}
	snprintf(port[0].name, sizeof(port[0].name), "%s", argv[optind]);
	snprintf(port[1].name, sizeof(port[1].name), "%s", argv[optind + 1]);

	/* Signals go to this thread only: workers are started with them blocked. */
	cli_signals_block();

	int rc = CLI_EXIT_FAILURE;
	unsigned nw = 0;
	int stop = 0;
	struct wire_worker *w = calloc(2 * cfg.queues, sizeof(*w));
	if (!w)
		return CLI_EXIT_FAILURE;
	if (in_netns(port[0].netns, open_port, &port[0], &cfg) < 0 ||
	    in_netns(port[1].netns, open_port, &port[1], &cfg) < 0)
		goto out;
	for (unsigned q = 0; q < cfg.queues; q++)
		for (int dir = 0; dir < 2; dir++) {
			struct wire_worker *k = &w[nw++];
			k->cfg = &cfg;
			k->in = &port[dir];
			k->out = &port[!dir];
			k->queue = q;
			k->stop = &stop;
			snprintf(k->label, sizeof(k->label), "%.15s->%.15s queue %u", k->in->name, k->out->name, q);
			if (wire_worker_init(k) < 0) {
				fprintf(stderr, "segoff wire: out of memory\n");
				goto out;
			}
			if (pthread_create(&k->thread, NULL, wire_worker_run, k) != 0) {
				fprintf(stderr, "segoff wire: cannot start a worker\n");
				goto out;
			}
			k->started = 1;
		}
	fprintf(stderr, "segoff wire: ready %s <-> %s, mtu %u, tso %s, uso %s, csum %s, gro %s, %u queue%s\n",
		port[0].name, port[1].name, cfg.mtu, cfg.tso ? "on" : "off", cfg.uso ? "on" : "off",
		cfg.csum ? "on" : "off", cfg.gro == WIRE_GRO_LRO ? "lro" : cfg.gro ? "on" : "off", cfg.queues,
		cfg.queues > 1 ? "s" : "");
	struct report_arg ra = { w, nw };
	cli_signals_wait(report, &ra);
	rc = CLI_EXIT_OK;
out:
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < nw; i++)
		if (w[i].started)
			pthread_join(w[i].thread, NULL);
	if (nw && rc == CLI_EXIT_OK) {
		if (json)
			print_json(stdout, w, nw, &port[0], &port[1]);
		else
			print_text(stdout, w, nw);
	}
	for (unsigned i = 0; i < nw; i++)
		wire_worker_free(&w[i]);
	free(w);
	close_port(&port[0], cfg.queues);
	close_port(&port[1], cfg.queues);
	return rc;
}
