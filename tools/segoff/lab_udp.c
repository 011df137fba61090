// SPDX-License-Identifier: MIT
/* UDP GSO sender and receiver for segoff lab, each a child process inside
 * its namespace; results come back through a pipe. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lab_udp.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

#define LAB_UDP_PORT 5301
#define LAB_UDP_SEG 1472        /* 1500 - 20 - 8 */
#define LAB_UDP_WRITE (44 * LAB_UDP_SEG)

struct child_report {
	double bytes, cpu;
};

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static int enter(const char *ns)
{
	char path[128];
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc = fd < 0 ? -1 : setns(fd, CLONE_NEWNET);
	if (fd >= 0)
		close(fd);
	return rc;
}

static struct sockaddr_in server_addr(const char *server_ip)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(LAB_UDP_PORT) };
	inet_pton(AF_INET, server_ip, &a.sin_addr);
	return a;
}

/* A child's last act: its byte count and CPU time to the parent. */
static _Noreturn void report_and_exit(struct child_report *rep, int out_fd)
{
	rep->cpu = cpu_s();
	_exit(write(out_fd, rep, sizeof(*rep)) == (ssize_t)sizeof(*rep) ? 0 : 1);
}

static void receiver(const char *server_ip, double until, int ready_fd, int out_fd)
{
	struct child_report rep = { 0, 0 };
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	int one = 1, buf = 8 << 20;
	struct sockaddr_in a = server_addr(server_ip);
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(s, IPPROTO_UDP, UDP_GRO, &one, sizeof(one));
	struct timeval tv = { 0, 100000 };
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	int ok = s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (write(ready_fd, ok ? "1" : "0", 1) != 1 || !ok)
		_exit(1);
	static char data[65536];
	while (now_s() < until) {
		ssize_t n = recv(s, data, sizeof(data), 0);
		if (n > 0)
			rep.bytes += (double)n;
	}
	report_and_exit(&rep, out_fd);
}

static void sender(const char *server_ip, double duration, int out_fd)
{
	struct child_report rep = { 0, 0 };
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = server_addr(server_ip);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		_exit(1);
	/* datagrams that fill the route's MTU (1472 bytes on Ethernet, less
	 * through a tunnel such as segoff relay's TUN) */
	int mtu = 0, seg = LAB_UDP_SEG;
	socklen_t ml = sizeof(mtu);
	if (getsockopt(s, IPPROTO_IP, IP_MTU, &mtu, &ml) == 0 && mtu > 576 && mtu - 28 < seg)
		seg = mtu - 28;
	if (setsockopt(s, IPPROTO_UDP, UDP_SEGMENT, &seg, sizeof(seg)) < 0)
		_exit(1);
	static char data[LAB_UDP_WRITE];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7);
	const size_t write_len = 44 * (size_t)seg;
	double end = now_s() + duration;
	while (now_s() < end) {
		ssize_t n = send(s, data, write_len, 0);
		if (n > 0)
			rep.bytes += (double)n;
	}
	report_and_exit(&rep, out_fd);
}

/* Reap a child even when a signal (the lab's Ctrl-C) interrupts the wait:
 * both children end by themselves within a second of their deadline. */
static void reap(pid_t p)
{
	while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
		;
}

static void close_pipes(int a[2], int b[2], int c[2])
{
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
		close(c[i]);
	}
}

static int read_report(int fd, struct child_report *r)
{
	return read(fd, r, sizeof(*r)) == (ssize_t)sizeof(*r) ? 0 : -1;
}

int lab_udp_run(const char *ns_a, const char *ns_b, const char *server_ip, double duration,
		struct lab_udp_result *r)
{
	int ready[2], rpipe[2], spipe[2];
	memset(r, 0, sizeof(*r));
	if (pipe(ready) < 0 || pipe(rpipe) < 0 || pipe(spipe) < 0)
		return -1;
	double t0 = now_s();
	pid_t rp = fork();
	if (rp == 0) {
		if (enter(ns_b) < 0)
			_exit(1);
		receiver(server_ip, t0 + duration + 1.0, ready[1], rpipe[1]);
	}
	char ok = '0';
	if (rp < 0 || read(ready[0], &ok, 1) != 1 || ok != '1') {
		if (rp > 0) {
			kill(rp, SIGKILL);
			reap(rp);
		}
		close_pipes(ready, rpipe, spipe);
		return -1;
	}
	pid_t sp = fork();
	if (sp == 0) {
		if (enter(ns_a) < 0)
			_exit(1);
		sender(server_ip, duration, spipe[1]);
	}
	struct child_report rs = { 0, 0 }, rr = { 0, 0 };
	int rc = sp > 0 && read_report(spipe[0], &rs) == 0 ? 0 : -1;
	if (rc == 0 && read_report(rpipe[0], &rr) < 0)
		rc = -1;
	if (rc < 0) { /* interrupted or failed: no point letting them run on */
		if (sp > 0)
			kill(sp, SIGKILL);
		kill(rp, SIGKILL);
	}
	if (sp > 0)
		reap(sp);
	reap(rp);
	close_pipes(ready, rpipe, spipe);
	r->bytes_sent = rs.bytes;
	r->bytes_received = rr.bytes;
	r->seconds = duration;
	r->sender_cpu = rs.cpu;
	r->receiver_cpu = rr.cpu;
	return rc;
}
