// SPDX-License-Identifier: MIT
/*
 * segoff lab (root): two network namespaces joined by `segoff wire`, iperf3
 * through it for the seeds' matrix (kernel GSO on/off x segoff TSO on/off x
 * GRO on/off/LRO), UDP with UDP GSO (USO on/off), TCP between VXLAN devices
 * (the wire's tunnel offloads on/off), and the same traffic over a veth pair
 * (the kernel alone) as the reference, all in one run. Prints a
 * table, writes lab.json and lab.svg, and removes every namespace, device
 * and process it made, on success, failure or Ctrl-C.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "lab_udp.h"

#define MAX_KIDS 8

static volatile sig_atomic_t interrupted;
static pid_t kids[MAX_KIDS];
static char ns_a[32], ns_b[32];

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void kid_add(pid_t p)
{
	for (int i = 0; i < MAX_KIDS; i++)
		if (!kids[i]) {
			kids[i] = p;
			return;
		}
}

static void kid_forget(pid_t p)
{
	for (int i = 0; i < MAX_KIDS; i++)
		if (kids[i] == p)
			kids[i] = 0;
}

/* Kill a child's whole process group (ip netns exec + iperf3), reap it. */
static void kid_kill(pid_t p, struct rusage *ru)
{
	if (p <= 0)
		return;
	kill(-p, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (wait4(p, NULL, WNOHANG, ru) == p) {
			kid_forget(p);
			return;
		}
		usleep(20000);
	}
	kill(-p, SIGKILL);
	wait4(p, NULL, 0, ru);
	kid_forget(p);
}

static pid_t spawn(char *const argv[], const char *out, const char *err)
{
	pid_t p = fork();
	if (p < 0)
		return -1;
	if (p == 0) {
		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		int o = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err ? err : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (o >= 0)
			dup2(o, 1);
		if (e >= 0)
			dup2(e, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	setpgid(p, p);
	kid_add(p);
	return p;
}

/* Run a command to completion (quietly); returns its exit status. */
static int run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	char *argv[] = { "sh", "-c", cmd, NULL };
	pid_t p = spawn(argv, NULL, NULL);
	int st = 0;
	if (p < 0 || waitpid(p, &st, 0) < 0)
		return -1;
	kid_forget(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void cleanup(void)
{
	for (int i = 0; i < MAX_KIDS; i++)
		if (kids[i])
			kid_kill(kids[i], NULL);
	/* deleting a namespace deletes the devices in it (veth, and TAPs
	 * whose owner has gone) */
	if (ns_a[0])
		run("ip netns del %s 2>/dev/null", ns_a);
	if (ns_b[0])
		run("ip netns del %s 2>/dev/null", ns_b);
	ns_a[0] = ns_b[0] = 0;
}

/* Namespaces of an earlier lab that was killed with SIGKILL. */
static void remove_stale(void)
{
	FILE *f = popen("ip netns list 2>/dev/null", "r");
	if (!f)
		return;
	char line[256];
	while (fgets(line, sizeof(line), f)) {
		int pid;
		char side;
		if (sscanf(line, "sglab-%d-%c", &pid, &side) == 2 && kill(pid, 0) < 0 && errno == ESRCH)
			run("ip netns del sglab-%d-%c", pid, side);
	}
	pclose(f);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf)
		buf[len] = 0;
	return buf;
}

/* The number after "key": at or after `from` (NaN when absent). */
static double json_num(const char *from, const char *key)
{
	char pat[80];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = from ? strstr(from, pat) : NULL;
	return p ? strtod(p + strlen(pat), NULL) : 0.0 / 0.0;
}

static const char *json_at(const char *from, const char *key)
{
	char pat[80];
	snprintf(pat, sizeof(pat), "\"%s\"", key);
	return from ? strstr(from, pat) : NULL;
}

struct row {
	char name[64];
	int kind;               /* 0 veth, 1 wire, 2 relay */
	int udp;
	int vxlan;              /* TCP between VXLAN devices over the link */
	double gbps, seconds;
	double retrans;
	double snd_cpu, rcv_cpu, segoff_cpu; /* seconds */
	double bytes;
	double wire_frames, in_pkts, in_bytes, out_pkts, out_bytes;
	int ok;
	char why[96];
};

struct lab_opts {
	double duration;
	const char *out_dir;
	int udp;
	int vxlan;              /* the VXLAN rows */
	int relay;              /* the segoff relay rows */
	int runs;               /* rounds over the whole matrix; medians reported */
};

/* VXLAN devices sglx0 in both namespaces over devices `dev_a` and `dev_b`
 * (underlay 192.0.2.1 and .2), overlay 198.51.100.1 and .2, with an outer
 * UDP checksum; 0 or the failing command's status. */
static int vxlan_up(const char *dev_a, const char *dev_b)
{
	return run("ip -n %s link add sglx0 type vxlan id 42 local 192.0.2.1 remote 192.0.2.2 dstport 4789 dev %s "
		   "udpcsum && ip -n %s addr add 198.51.100.1/24 dev sglx0 && ip -n %s link set sglx0 up",
		   ns_a, dev_a, ns_a, ns_a) ||
	       run("ip -n %s link add sglx0 type vxlan id 42 local 192.0.2.2 remote 192.0.2.1 dstport 4789 dev %s "
		   "udpcsum && ip -n %s addr add 198.51.100.2/24 dev sglx0 && ip -n %s link set sglx0 up",
		   ns_b, dev_b, ns_b, ns_b);
}

#define LAB_MAX_RUNS 9
#define LAB_MAX_ROWS 32

static int wait_for_ready(const char *err_path, pid_t wire, const char *what)
{
	for (int i = 0; i < 300 && !interrupted; i++) {
		char *s = slurp(err_path);
		int ready = s && strstr(s, what);
		free(s);
		if (ready)
			return 0;
		if (waitpid(wire, NULL, WNOHANG) == wire) {
			kid_forget(wire);
			return -1;
		}
		usleep(10000);
	}
	return -1;
}

/* iperf3 client in A against a server in B; fills the row from its JSON. */
/* One iperf3 client run into `path`; 0 when it finished, -1 if interrupted. */
static int iperf_client(const char *server_ip, const char *dur, const char *path)
{
	char *cli[] = { "ip", "netns", "exec", ns_a, "iperf3", "-c", (char *)server_ip, "-t", (char *)dur, "-J", NULL };
	pid_t c = spawn(cli, path, NULL);
	int st = 0;
	while (waitpid(c, &st, 0) < 0 && errno == EINTR && !interrupted)
		;
	if (interrupted) {
		kid_kill(c, NULL);
		return -1;
	}
	kid_forget(c);
	return 0;
}

/* iperf3 client in A against a server in B; fills the row from its JSON. */
static void iperf(struct row *r, const struct lab_opts *o, const char *server_ip)
{
	char path[512], dur[32];
	snprintf(dur, sizeof(dur), "%g", o->duration);
	snprintf(path, sizeof(path), "%s/iperf-%d.json", o->out_dir, (int)getpid());
	char *srv[] = { "ip", "netns", "exec", ns_b, "iperf3", "-s", "-1", "-B", (char *)server_ip, NULL };
	pid_t s = spawn(srv, NULL, NULL);
	char *j = NULL;
	const char *end = NULL, *rcv = NULL, *snt = NULL, *cpu = NULL;
	/* A slow machine may not have the server listening yet: a refused
	 * connection does not use up its one test (-1), so try again. */
	for (int attempt = 0; attempt < 5 && !rcv; attempt++) {
		usleep(attempt ? 500000 : 300000);
		if (iperf_client(server_ip, dur, path) < 0) {
			kid_kill(s, NULL);
			return;
		}
		free(j);
		j = slurp(path);
		end = json_at(j, "end");
		rcv = json_at(end, "sum_received");
		snt = json_at(end, "sum_sent");
		cpu = json_at(end, "cpu_utilization_percent");
	}
	kid_kill(s, NULL);
	unlink(path);
	if (!rcv || !cpu) {
		snprintf(r->why, sizeof(r->why), "iperf3 gave no result");
		free(j);
		return;
	}
	r->gbps = json_num(rcv, "bits_per_second") / 1e9;
	r->bytes = json_num(rcv, "bytes");
	r->seconds = json_num(rcv, "seconds");
	r->retrans = json_num(snt, "retransmits");
	r->snd_cpu = json_num(cpu, "host_total") / 100 * r->seconds;
	r->rcv_cpu = json_num(cpu, "remote_total") / 100 * r->seconds;
	r->ok = r->bytes > 0;
	free(j);
}

static void udp_gso(struct row *r, const struct lab_opts *o, const char *server_ip)
{
	struct lab_udp_result u;
	if (lab_udp_run(ns_a, ns_b, server_ip, o->duration, &u) < 0) {
		snprintf(r->why, sizeof(r->why), "UDP GSO run failed");
		return;
	}
	r->gbps = u.bytes_received * 8 / u.seconds / 1e9;
	r->bytes = u.bytes_received;
	r->seconds = u.seconds;
	r->snd_cpu = u.sender_cpu;
	r->rcv_cpu = u.receiver_cpu;
	/* UDP has no retransmits: the column shows the share of bytes lost */
	r->retrans = u.bytes_sent > 0 ? 100.0 * (u.bytes_sent - u.bytes_received) / u.bytes_sent : 0;
	r->ok = u.bytes_received > 0;
}

static void veth_row(struct row *r, const struct lab_opts *o, int offloads, int udp, int vxlan)
{
	snprintf(r->name, sizeof(r->name), "veth%s, %s", udp ? " udp" : vxlan ? " vxlan" : "",
		 offloads ? "offloads on" : "sender tso/gso off");
	r->kind = 0;
	r->udp = udp;
	r->vxlan = vxlan;
	/* the VXLAN row's underlay is the wire rows' addresses */
	const char *net = vxlan ? "192.0.2" : "198.51.100";
	if (run("ip link add sglv-a netns %s type veth peer name sglv-b netns %s", ns_a, ns_b) ||
	    run("ip -n %s addr add %s.1/24 dev sglv-a && ip -n %s link set sglv-a up", ns_a, net, ns_a) ||
	    run("ip -n %s addr add %s.2/24 dev sglv-b && ip -n %s link set sglv-b up", ns_b, net, ns_b) ||
	    (vxlan && vxlan_up("sglv-a", "sglv-b"))) {
		snprintf(r->why, sizeof(r->why), "cannot create the veth pair%s", vxlan ? " and VXLAN devices" : "");
		run("ip -n %s link del sglv-a 2>/dev/null", ns_a);
		return;
	}
	if (!offloads)
		run("ip netns exec %s ethtool -K sglv-a tso off gso off", ns_a);
	udp ? udp_gso(r, o, "198.51.100.2") : iperf(r, o, "198.51.100.2");
	if (vxlan) /* over a veth they outlive it */
		run("ip -n %s link del sglx0; ip -n %s link del sglx0", ns_a, ns_b);
	run("ip -n %s link del sglv-a", ns_a);
}

/* CPU seconds a child used. */
static double cpu_seconds(const struct rusage *ru)
{
	return (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6 + (double)ru->ru_stime.tv_sec +
	       ru->ru_stime.tv_usec / 1e6;
}

/* What one wire row runs. */
struct wire_row_cfg {
	int gso, tso;           /* kernel GSO on A; TSO/USO offered by the wire */
	const char *gro;        /* on, off, lro */
	int udp;                /* UDP GSO traffic instead of TCP */
	int vxlan;              /* TCP between VXLAN devices over the TAPs */
	int tunnel;             /* the wire's tunnel offloads (--tunnel) */
};

static void wire_row(struct row *r, const struct lab_opts *o, const char *exe, const struct wire_row_cfg *c)
{
	const int gso = c->gso, tso = c->tso, udp = c->udp;
	const char *gro = c->gro;
	if (udp)
		snprintf(r->name, sizeof(r->name), "wire udp uso=%s gro=%s", tso ? "on" : "off", gro);
	else if (c->vxlan)
		snprintf(r->name, sizeof(r->name), "wire vxlan tunnel=%s", c->tunnel ? "on" : "off");
	else
		snprintf(r->name, sizeof(r->name), "wire gso=%s tso=%s gro=%s", gso ? "on" : "off", tso ? "on" : "off",
			 gro);
	r->kind = 1;
	r->udp = udp;
	r->vxlan = c->vxlan;
	char outp[512], errp[512];
	snprintf(outp, sizeof(outp), "%s/wire-%d.json", o->out_dir, (int)getpid());
	snprintf(errp, sizeof(errp), "%s/wire-%d.err", o->out_dir, (int)getpid());
	char *argv[] = { (char *)exe, "wire", "--netns-a", ns_a, "--netns-b", ns_b, "--tso", tso ? "on" : "off",
			 "--uso", tso ? "on" : "off", "--gro", (char *)gro, "--udp-gro", udp ? "on" : "off",
			 "--tunnel", c->tunnel ? "on" : "off", "--json", "sgla", "sglb", NULL };
	unlink(errp); /* an earlier run's "ready" must not count */
	pid_t w = spawn(argv, outp, errp);
	if (w < 0 || wait_for_ready(errp, w, "segoff wire: ready") < 0) {
		snprintf(r->why, sizeof(r->why), "segoff wire did not start");
		if (w > 0)
			kid_kill(w, NULL);
		char *e = slurp(errp);
		if (e)
			fprintf(stderr, "%s", e);
		free(e);
		unlink(errp);
		unlink(outp);
		return;
	}
	if (run("ip -n %s addr add 192.0.2.1/24 dev sgla && ip -n %s link set sgla up", ns_a, ns_a) ||
	    run("ip -n %s addr add 192.0.2.2/24 dev sglb && ip -n %s link set sglb up", ns_b, ns_b) ||
	    (c->vxlan && vxlan_up("sgla", "sglb"))) {
		snprintf(r->why, sizeof(r->why), "cannot configure the TAPs%s", c->vxlan ? " and VXLAN devices" : "");
		kid_kill(w, NULL);
		return;
	}
	run("ip netns exec %s ethtool -K sgla gso %s", ns_a, gso ? "on" : "off");
	const char *server = c->vxlan ? "198.51.100.2" : "192.0.2.2";
	udp ? udp_gso(r, o, server) : iperf(r, o, server);
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	kid_kill(w, &ru);
	r->segoff_cpu = cpu_seconds(&ru);
	char *j = slurp(outp);
	const char *d = j ? strstr(j, "\"from\": \"sgla\"") : NULL;
	if (d) {
		r->wire_frames = json_num(d, "wire_frames");
		r->in_pkts = json_num(d, "rx_packets");
		r->in_bytes = json_num(d, "rx_bytes");
		r->out_pkts = json_num(d, "out_packets");
		r->out_bytes = json_num(d, "out_bytes");
	} else if (r->ok) {
		r->ok = 0;
		snprintf(r->why, sizeof(r->why), "segoff wire gave no counters");
	}
	free(j);
	unlink(outp);
	unlink(errp);
}

/* Two segoff relays, one per namespace, over a veth (underlay 192.0.2.1
 * and .2), their TUNs 198.51.100.1 and .2: iperf3 TCP (or the UDP GSO
 * sender) between the inner addresses. segoff's CPU is both relays'. */
static void relay_row(struct row *r, const struct lab_opts *o, const char *exe, int offloads, int udp)
{
	snprintf(r->name, sizeof(r->name), "relay%s offloads=%s", udp ? " udp" : "", offloads ? "on" : "off");
	r->kind = 2;
	r->udp = udp;
	if (run("ip link add sglv-a netns %s type veth peer name sglv-b netns %s", ns_a, ns_b) ||
	    run("ip -n %s addr add 192.0.2.1/24 dev sglv-a && ip -n %s link set sglv-a up", ns_a, ns_a) ||
	    run("ip -n %s addr add 192.0.2.2/24 dev sglv-b && ip -n %s link set sglv-b up", ns_b, ns_b)) {
		snprintf(r->why, sizeof(r->why), "cannot create the veth pair");
		run("ip -n %s link del sglv-a 2>/dev/null", ns_a);
		return;
	}
	char outp[2][512], errp[2][512];
	pid_t pid[2] = { -1, -1 };
	const char *ns[2] = { ns_a, ns_b }, *me[2] = { "192.0.2.1:5555", "192.0.2.2:5555" };
	int started = 1;
	for (int k = 0; k < 2; k++) {
		snprintf(outp[k], sizeof(outp[k]), "%s/relay-%d-%d.json", o->out_dir, (int)getpid(), k);
		snprintf(errp[k], sizeof(errp[k]), "%s/relay-%d-%d.err", o->out_dir, (int)getpid(), k);
		unlink(errp[k]);
		char *argv[] = { "ip", "netns", "exec", (char *)ns[k], (char *)exe, "relay", "sglr0", "--listen",
				 (char *)me[k], "--peer", (char *)me[!k], "--offloads", offloads ? "on" : "off", "--json",
				 NULL };
		pid[k] = spawn(argv, outp[k], errp[k]);
		if (pid[k] < 0 || wait_for_ready(errp[k], pid[k], "segoff relay: ready") < 0)
			started = 0;
	}
	if (!started || run("ip -n %s addr add 198.51.100.1/24 dev sglr0 && ip -n %s link set sglr0 up", ns_a, ns_a) ||
	    run("ip -n %s addr add 198.51.100.2/24 dev sglr0 && ip -n %s link set sglr0 up", ns_b, ns_b)) {
		snprintf(r->why, sizeof(r->why), "segoff relay did not start");
	} else {
		udp ? udp_gso(r, o, "198.51.100.2") : iperf(r, o, "198.51.100.2");
	}
	for (int k = 0; k < 2; k++) {
		struct rusage ru;
		memset(&ru, 0, sizeof(ru));
		if (pid[k] > 0)
			kid_kill(pid[k], &ru);
		r->segoff_cpu += cpu_seconds(&ru);
	}
	char *a = slurp(outp[0]), *b = slurp(outp[1]);
	if (a && b) {
		r->in_pkts = json_num(a, "tun_rx_packets");
		r->in_bytes = json_num(a, "tun_rx_bytes");
		r->wire_frames = json_num(a, "udp_tx_datagrams");
		r->out_pkts = json_num(b, "tun_tx_packets");
		r->out_bytes = json_num(b, "tun_tx_bytes");
	} else if (r->ok) {
		r->ok = 0;
		snprintf(r->why, sizeof(r->why), "segoff relay gave no counters");
	}
	free(a);
	free(b);
	for (int k = 0; k < 2; k++) {
		unlink(outp[k]);
		unlink(errp[k]);
	}
	run("ip -n %s link del sglv-a", ns_a);
}

static double per_gb(double cpu, double bytes)
{
	return bytes > 0 ? cpu / (bytes / 1e9) : 0;
}

/* One pass over the matrix: the veth references first, then the wire. */
static int one_round(struct row *rows, const struct lab_opts *o, const char *exe)
{
	static const char *const gros[] = { "on", "off", "lro" };
	int n = 0;
	memset(rows, 0, sizeof(*rows) * LAB_MAX_ROWS);
	veth_row(&rows[n++], o, 1, 0, 0);
	veth_row(&rows[n++], o, 0, 0, 0);
	for (int gso = 1; gso >= 0 && !interrupted; gso--)
		for (int tso = 1; tso >= 0 && !interrupted; tso--)
			for (int g = 0; g < 3 && !interrupted; g++) {
				const struct wire_row_cfg c = { .gso = gso, .tso = tso, .gro = gros[g] };
				wire_row(&rows[n], o, exe, &c);
				fprintf(stderr, "  %-34s %s%.2f Gbit/s\n", rows[n].name, rows[n].ok ? "" : "FAILED ",
					rows[n].gbps);
				n++;
			}
	if (o->udp && !interrupted) {
		veth_row(&rows[n++], o, 1, 1, 0);
		for (int uso = 1; uso >= 0 && !interrupted; uso--) {
			const struct wire_row_cfg c = { .gso = 1, .tso = uso, .gro = "on", .udp = 1 };
			wire_row(&rows[n], o, exe, &c);
			fprintf(stderr, "  %-34s %s%.2f Gbit/s\n", rows[n].name, rows[n].ok ? "" : "FAILED ", rows[n].gbps);
			n++;
		}
	}
	/* TCP between VXLAN devices: through the wire with its tunnel
	 * offloads on (tunnel super-packets cut and merged by segoff) and off
	 * (the kernel segments before the TAP), and over a veth */
	if (o->vxlan && !interrupted) {
		veth_row(&rows[n++], o, 1, 0, 1);
		for (int tunnel = 1; tunnel >= 0 && !interrupted; tunnel--) {
			const struct wire_row_cfg c = { .gso = 1, .tso = 1, .gro = "on", .vxlan = 1, .tunnel = tunnel };
			wire_row(&rows[n], o, exe, &c);
			fprintf(stderr, "  %-34s %s%.2f Gbit/s\n", rows[n].name, rows[n].ok ? "" : "FAILED ", rows[n].gbps);
			n++;
		}
	}
	/* a VPN's datapath: segoff relay with offloads on and off, beside the
	 * kernel's own VXLAN tunnel over the same veth */
	if (o->relay && !interrupted) {
		if (!o->vxlan)
			veth_row(&rows[n++], o, 1, 0, 1);
		for (int udp = 0; udp <= o->udp && !interrupted; udp++)
			for (int off = 1; off >= 0 && !interrupted; off--) {
				relay_row(&rows[n], o, exe, off, udp);
				fprintf(stderr, "  %-34s %s%.2f Gbit/s\n", rows[n].name, rows[n].ok ? "" : "FAILED ",
					rows[n].gbps);
				n++;
			}
	}
	return n;
}

static const struct row *find_row(const struct row *rows, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (rows[i].ok && strcmp(rows[i].name, name) == 0)
			return &rows[i];
	return NULL;
}

/* The two ratios, from rows measured in the same round. */
static int round_ratios(const struct row *rows, int n, double *vs_off, double *vs_veth)
{
	const struct row *best = find_row(rows, n, "wire gso=on tso=on gro=on");
	const struct row *off = find_row(rows, n, "wire gso=off tso=off gro=off");
	const struct row *veth = find_row(rows, n, "veth, offloads on");
	if (!best || !off || !veth || off->gbps <= 0 || veth->gbps <= 0)
		return -1;
	*vs_off = best->gbps / off->gbps;
	*vs_veth = best->gbps / veth->gbps;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The lower median: the middle value, or the lower of the middle two. */
static double median(const double *v, int n)
{
	double s[LAB_MAX_RUNS];
	memcpy(s, v, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	return s[(n - 1) / 2];
}

/* Row i as the round with the median Gbit/s measured it (all its columns
 * from that one round, so they belong together). */
static struct row median_row(struct row runs[][LAB_MAX_ROWS], int nruns, int i)
{
	double g[LAB_MAX_RUNS];
	int k = 0;
	for (int r = 0; r < nruns; r++)
		if (runs[r][i].ok)
			g[k++] = runs[r][i].gbps;
	if (k == 0)
		return runs[0][i];
	double m = median(g, k);
	for (int r = 0; r < nruns; r++)
		if (runs[r][i].ok && runs[r][i].gbps == m)
			return runs[r][i];
	return runs[0][i];
}

static void print_table(FILE *f, const struct row *rows, int n)
{
	fprintf(f, "\n%-34s %7s %7s %7s %7s %7s %9s %8s %8s\n", "configuration", "Gbit/s", "retr", "snd", "rcv", "segoff",
		"wire", "avg in", "avg out");
	fprintf(f, "%-34s %7s %7s %7s %7s %7s %9s %8s %8s\n", "", "", "(lost)", "s/GB", "s/GB", "s/GB", "kframe/s",
		"bytes", "bytes");
	for (int i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		if (!r->ok) {
			fprintf(f, "%-34s  failed: %s\n", r->name, r->why);
			continue;
		}
		char retr[16];
		snprintf(retr, sizeof(retr), r->udp ? "%.0f%%" : "%.0f", r->retrans);
		fprintf(f, "%-34s %7.2f %7s %7.3f %7.3f ", r->name, r->gbps, retr, per_gb(r->snd_cpu, r->bytes),
			per_gb(r->rcv_cpu, r->bytes));
		if (r->kind != 0)
			fprintf(f, "%7.3f %9.1f %8.0f %8.0f\n", per_gb(r->segoff_cpu, r->bytes),
				r->wire_frames / r->seconds / 1e3, r->in_pkts ? r->in_bytes / r->in_pkts : 0,
				r->out_pkts ? r->out_bytes / r->out_pkts : 0);
		else
			fprintf(f, "%7s %9s %8s %8s\n", "-", "-", "-", "-");
	}
}

static void write_json(const char *path, const struct row *rows, int n, const struct lab_opts *o,
		       struct row runs[][LAB_MAX_ROWS])
{
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "{\"duration\": %g, \"rounds\": %d, \"rows\": [", o->duration, o->runs);
	for (int i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		fprintf(f,
			"%s\n {\"name\": \"%s\", \"kind\": \"%s\", \"proto\": \"%s\", \"ok\": %s, \"gbit_s\": %.3f, "
			"\"%s\": %.1f, \"sender_cpu_s_per_gb\": %.4f, \"receiver_cpu_s_per_gb\": %.4f",
			i ? "," : "", r->name, r->kind == 2 ? "relay" : r->kind ? "wire" : "veth", r->udp ? "udp" : r->vxlan ? "tcp-in-vxlan" : "tcp", r->ok ? "true" : "false",
			r->gbps, r->udp ? "lost_percent" : "retransmits", r->retrans, per_gb(r->snd_cpu, r->bytes), per_gb(r->rcv_cpu, r->bytes));
		if (r->kind != 0)
			fprintf(f,
				", \"segoff_cpu_s_per_gb\": %.4f, \"wire_frames_per_s\": %.0f, \"avg_in_bytes\": %.0f, "
				"\"avg_out_bytes\": %.0f",
				per_gb(r->segoff_cpu, r->bytes), r->seconds > 0 ? r->wire_frames / r->seconds : 0,
				r->in_pkts ? r->in_bytes / r->in_pkts : 0, r->out_pkts ? r->out_bytes / r->out_pkts : 0);
		fprintf(f, ", \"gbit_s_each_round\": [");
		for (int k = 0; k < o->runs; k++)
			fprintf(f, "%s%.3f", k ? ", " : "", runs[k][i].ok ? runs[k][i].gbps : 0.0);
		fprintf(f, "]}");
	}
	fprintf(f, "\n]}\n");
	fclose(f);
}

/* A horizontal bar chart: one bar per row, veth rows in grey, and a line at
 * 0.6x the veth pair with offloads (the target). */
static void write_svg(const char *path, const struct row *rows, int n)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	double max = 1, ref = 0;
	for (int i = 0; i < n; i++) {
		if (rows[i].ok && rows[i].gbps > max)
			max = rows[i].gbps;
		if (rows[i].ok && rows[i].kind == 0 && !rows[i].udp && ref == 0)
			ref = rows[i].gbps;
	}
	const int left = 250, width = 560, bar = 18, gap = 6, top = 40;
	int h = top + n * (bar + gap) + 40;
	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
		"font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		"<text x=\"10\" y=\"22\" font-size=\"15\">segoff lab: iperf3 throughput (Gbit/s)</text>\n",
		left + width + 80, h);
	for (int i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		int y = top + i * (bar + gap);
		double v = r->ok ? r->gbps : 0;
		int w = (int)(v / max * width);
		const char *color = r->kind == 0 ? "#999999" : r->kind == 2 ? "#2e8b57" : r->udp ? "#e08a2c" : "#2c6fbb";
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", left - 8, y + 13, r->name);
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n", left, y, w, bar, color);
		fprintf(f, "<text x=\"%d\" y=\"%d\">%s%.2f</text>\n", left + w + 4, y + 13, r->ok ? "" : "failed ", v);
	}
	if (ref > 0) {
		int x = left + (int)(0.6 * ref / max * width);
		fprintf(f,
			"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#c0392b\" stroke-dasharray=\"4 3\"/>\n"
			"<text x=\"%d\" y=\"%d\" fill=\"#c0392b\">0.6 x veth</text>\n",
			x, top - 6, x, h - 30, x + 4, h - 16);
	}
	fprintf(f, "</svg>\n");
	fclose(f);
}

static int have(const char *prog)
{
	return run("command -v %s >/dev/null 2>&1", prog) == 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: segoff lab [--duration S] [--quick] [--runs N] [--out DIR] [--no-udp] [--no-vxlan]\n"
		   "                 [--no-relay]\n"
		   "  Root only. Builds two namespaces joined by segoff wire and runs iperf3 for\n"
		   "  kernel GSO on/off x segoff TSO on/off x GRO on/off/lro, UDP GSO with USO\n"
		   "  on/off, TCP between VXLAN devices with the wire's tunnel offloads on/off,\n"
		   "  TCP and UDP through a pair of segoff relays (TUN in UDP over a veth) with\n"
		   "  offloads on/off beside the kernel's VXLAN over the same veth, and a veth\n"
		   "  pair as the kernel-only reference, in one run.\n"
		   "  --duration S   seconds per run (default 5)\n"
		   "  --quick        1 second per run\n"
		   "  --runs N       N rounds over the whole matrix; the table shows each row from\n"
		   "                 the round with the median Gbit/s, ratios are taken within rounds\n"
		   "  --out DIR      where lab.json and lab.svg go (default lab-out)\n");
}

int cmd_lab(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "duration", required_argument, NULL, 'd' }, { "quick", no_argument, NULL, 'q' },
		{ "out", required_argument, NULL, 'o' },      { "no-udp", no_argument, NULL, 'u' },
		{ "runs", required_argument, NULL, 'r' },     { "help", no_argument, NULL, 'h' },
		{ "no-vxlan", no_argument, NULL, 'x' },       { "no-relay", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	struct lab_opts o = { .duration = 5, .out_dir = "lab-out", .udp = 1, .vxlan = 1, .relay = 1, .runs = 1 };
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			o.duration = strtod(optarg, NULL);
			if (!(o.duration >= 1 && o.duration <= 600)) {
				fprintf(stderr, "segoff lab: --duration must be 1..600 seconds\n");
				return CLI_EXIT_USAGE;
			}
			break;
		case 'q':
			o.duration = 1;
			break;
		case 'o':
			o.out_dir = optarg;
			break;
		case 'u':
			o.udp = 0;
			break;
		case 'x':
			o.vxlan = 0;
			break;
		case 'R':
			o.relay = 0;
			break;
		case 'r': {
			unsigned long long v;
			if (cli_uint("lab", "--runs", optarg, 1, LAB_MAX_RUNS, &v) < 0)
				return CLI_EXIT_USAGE;
			o.runs = (int)v;
			break;
		}
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0) {
		fprintf(stderr, "segoff lab: needs root and /dev/net/tun\n");
		return CLI_EXIT_FAILURE;
	}
	if (!have("iperf3") || !have("ip") || !have("ethtool")) {
		fprintf(stderr, "segoff lab: needs iperf3, ip (iproute2) and ethtool in PATH\n");
		return CLI_EXIT_FAILURE;
	}
	char exe[512];
	ssize_t el = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (el <= 0)
		return CLI_EXIT_FAILURE;
	exe[el] = 0;
	mkdir(o.out_dir, 0755);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: a signal ends waits */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	atexit(cleanup);
	remove_stale();
	snprintf(ns_a, sizeof(ns_a), "sglab-%d-a", (int)getpid());
	snprintf(ns_b, sizeof(ns_b), "sglab-%d-b", (int)getpid());
	if (run("ip netns add %s", ns_a) || run("ip netns add %s", ns_b)) {
		fprintf(stderr, "segoff lab: cannot create network namespaces\n");
		cleanup();
		return CLI_EXIT_FAILURE;
	}
	run("ip -n %s link set lo up && ip -n %s link set lo up", ns_a, ns_b);

	static struct row runs[LAB_MAX_RUNS][LAB_MAX_ROWS];
	struct row rows[LAB_MAX_ROWS];
	double ratio_off[LAB_MAX_RUNS], ratio_veth[LAB_MAX_RUNS], ratio_relay[LAB_MAX_RUNS];
	int n = 0, nratio = 0, nrelay = 0;
	fprintf(stderr, "segoff lab: %g s per run, %d round%s\n", o.duration, o.runs, o.runs > 1 ? "s" : "");
	for (int r = 0; r < o.runs && !interrupted; r++) {
		n = one_round(runs[r], &o, exe);
		double off, veth;
		if (!interrupted && round_ratios(runs[r], n, &off, &veth) == 0) {
			ratio_off[nratio] = off;
			ratio_veth[nratio++] = veth;
		}
		const struct row *ron = find_row(runs[r], n, "relay offloads=on"),
				 *roff = find_row(runs[r], n, "relay offloads=off");
		if (!interrupted && ron && roff && roff->gbps > 0)
			ratio_relay[nrelay++] = ron->gbps / roff->gbps;
	}
	cleanup();
	if (interrupted) {
		fprintf(stderr, "segoff lab: interrupted; everything it made is removed\n");
		return CLI_EXIT_FAILURE;
	}
	for (int i = 0; i < n; i++)
		rows[i] = median_row(runs, o.runs, i);
	print_table(stdout, rows, n);
	char path[512];
	snprintf(path, sizeof(path), "%s/lab.json", o.out_dir);
	write_json(path, rows, n, &o, runs);
	snprintf(path, sizeof(path), "%s/lab.svg", o.out_dir);
	write_svg(path, rows, n);
	if (nratio) {
		printf("\nwithin each round: wire TSO+GRO vs wire with offloads off:");
		for (int i = 0; i < nratio; i++)
			printf(" %.1fx", ratio_off[i]);
		printf(" (median %.1fx)\n                   wire TSO+GRO vs veth with offloads:  ", median(ratio_off, nratio));
		for (int i = 0; i < nratio; i++)
			printf(" %.2fx", ratio_veth[i]);
		printf(" (median %.2fx)\n", median(ratio_veth, nratio));
	}
	if (nrelay) {
		printf("within each round: relay offloads on vs off:                ");
		for (int i = 0; i < nrelay; i++)
			printf(" %.1fx", ratio_relay[i]);
		printf(" (median %.1fx)\n", median(ratio_relay, nrelay));
	}
	printf("wrote %s/lab.json and %s/lab.svg\n", o.out_dir, o.out_dir);
	int failed = 0;
	for (int i = 0; i < n; i++)
		failed += !rows[i].ok;
	return failed ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}
