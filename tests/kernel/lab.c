// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>
#include <segoff/segoff.h>
#include <segoff/tap.h>
#include "lab.h"
#include "pktgen.h"

void lab_die(const char *what)
{
	fprintf(stderr, "lab: %s: %s\n", what, strerror(errno));
	exit(1);
}

int lab_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

int lab_can_run(const char *test)
{
	if (geteuid() == 0 && access("/dev/net/tun", R_OK | W_OK) == 0)
		return 1;
	printf("\n  *** %s SKIPPED: needs root and /dev/net/tun ***\n"
	       "  *** segoff's output was NOT compared with the kernel's in this run ***\n\n",
	       test);
	return 0;
}

static void ifreq_ioctl(int sock, unsigned long req, struct ifreq *ifr, const char *what)
{
	if (ioctl(sock, req, ifr) < 0)
		lab_die(what);
}

static void link_setup(int sock, const char *name, int mtu)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	ifr.ifr_mtu = mtu;
	ifreq_ioctl(sock, SIOCSIFMTU, &ifr, "SIOCSIFMTU");
	ifr.ifr_qlen = 20000; /* room for a whole batch of frames in B's ring */
	ifreq_ioctl(sock, SIOCSIFTXQLEN, &ifr, "SIOCSIFTXQLEN");
	ifreq_ioctl(sock, SIOCGIFFLAGS, &ifr, "SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	ifreq_ioctl(sock, SIOCSIFFLAGS, &ifr, "SIOCSIFFLAGS");
}

static void bridge_add(int sock, const char *br, const char *port)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, br, IFNAMSIZ - 1);
	ifr.ifr_ifindex = (int)if_nametoindex(port);
	ifreq_ioctl(sock, SIOCBRADDIF, &ifr, "SIOCBRADDIF");
}

void lab_up(struct lab *lab, unsigned tap_a_flags, unsigned offload_a, unsigned offload_b, int sysfs)
{
	lab_up_vnet(lab, tap_a_flags, SEGOFF_VNET_HDR_LEN, SEGOFF_VNET_HDR_LEN, offload_a, offload_b, sysfs);
}

void lab_up_vnet(struct lab *lab, unsigned tap_a_flags, unsigned vnet_len_a, unsigned vnet_len_b, unsigned offload_a,
		 unsigned offload_b, int sysfs)
{
	if (unshare(CLONE_NEWNET | (sysfs ? CLONE_NEWNS : 0)) < 0)
		lab_die("unshare");
	if (sysfs) {
		/* a private mount tree, and a sysfs that shows this namespace */
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("sysfs", "/sys", "sysfs", 0, NULL) < 0)
			lab_die("mount sysfs");
	}
	/* Quiet lab: no IPv6 autoconfiguration, no netfilter on the bridge. */
	lab_write("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	lab_write("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	lab_write("/proc/sys/net/bridge/bridge-nf-call-iptables", "0");
	lab_write("/proc/sys/net/bridge/bridge-nf-call-ip6tables", "0");
	lab_write("/proc/sys/net/bridge/bridge-nf-call-arptables", "0");
	int sock = socket(AF_INET, SOCK_DGRAM, 0);
	if (sock < 0)
		lab_die("socket");
	if (ioctl(sock, SIOCBRADDBR, "sgbr0") < 0)
		lab_die("SIOCBRADDBR (is the bridge module available?)");
	snprintf(lab->a, sizeof(lab->a), "sgtapa");
	snprintf(lab->b, sizeof(lab->b), "sgtapb");
	lab->fda = segoff_tap_open(lab->a, tap_a_flags, vnet_len_a);
	lab->fdb = segoff_tap_open(lab->b, 0, vnet_len_b);
	if (lab->fda < 0 || lab->fdb < 0)
		lab_die("open TAP");
	if (segoff_tap_set_offload(lab->fda, offload_a) < 0 || segoff_tap_set_offload(lab->fdb, offload_b) < 0)
		lab_die("TUNSETOFFLOAD");
	link_setup(sock, lab->a, 65000);
	link_setup(sock, lab->b, 65000);
	bridge_add(sock, "sgbr0", lab->a);
	bridge_add(sock, "sgbr0", lab->b);
	link_setup(sock, "sgbr0", 65000);
	close(sock);
	if (fcntl(lab->fdb, F_SETFL, O_NONBLOCK) < 0)
		lab_die("fcntl");
}

void lab_up_tun(struct lab *lab, unsigned tun_a_flags, unsigned offload_b, int sysfs)
{
	if (unshare(CLONE_NEWNET | (sysfs ? CLONE_NEWNS : 0)) < 0)
		lab_die("unshare");
	if (sysfs && (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		      mount("sysfs", "/sys", "sysfs", 0, NULL) < 0))
		lab_die("mount sysfs");
	/* forwarding on, no reverse-path filter (the sources are not A's
	 * network), no IPv6 autoconfiguration chatter */
	lab_write("/proc/sys/net/ipv4/ip_forward", "1");
	lab_write("/proc/sys/net/ipv4/conf/all/rp_filter", "0");
	lab_write("/proc/sys/net/ipv4/conf/default/rp_filter", "0");
	lab_write("/proc/sys/net/ipv6/conf/all/forwarding", "1");
	lab_write("/proc/sys/net/ipv6/conf/default/accept_ra", "0");
	lab_write("/proc/sys/net/ipv6/conf/default/router_solicitations", "0");
	lab_write("/proc/sys/net/ipv6/conf/default/accept_dad", "0");
	int sock = socket(AF_INET, SOCK_DGRAM, 0);
	if (sock < 0)
		lab_die("socket");
	snprintf(lab->a, sizeof(lab->a), "sgtuna");
	snprintf(lab->b, sizeof(lab->b), "sgtunb");
	lab->fda = segoff_tap_open(lab->a, SEGOFF_TAP_TUN | tun_a_flags, SEGOFF_VNET_HDR_LEN);
	lab->fdb = segoff_tap_open(lab->b, SEGOFF_TAP_TUN, SEGOFF_VNET_HDR_LEN);
	if (lab->fda < 0 || lab->fdb < 0)
		lab_die("open TUN");
	if (segoff_tap_set_offload(lab->fdb, offload_b) < 0)
		lab_die("TUNSETOFFLOAD");
	link_setup(sock, lab->a, 65000);
	link_setup(sock, lab->b, 65000);
	close(sock);
	lab_write("/proc/sys/net/ipv4/conf/sgtuna/rp_filter", "0");
	if (system("ip route add 198.51.100.0/24 dev sgtunb && ip -6 route add 2001:db8::2/128 dev sgtunb") != 0)
		lab_die("ip route");
	if (fcntl(lab->fdb, F_SETFL, O_NONBLOCK) < 0)
		lab_die("fcntl");
}

unsigned lab_pick_mss(struct rng *r)
{
	static const unsigned edges[] = { 48, 49, 64, 100, 536, 1000, 1400, 1448, 1460, 4000, 8948, 9000 };
	unsigned v = rng_range(r, 0, 99);
	if (v < 15)
		return edges[rng_range(r, 0, sizeof(edges) / sizeof(edges[0]) - 1)];
	if (v < 60)
		return rng_range(r, 536, 1460);
	if (v < 80)
		return rng_range(r, 48, 535);
	return rng_range(r, 1461, 9000);
}

void lab_forward_ttl(uint8_t *ip)
{
	if (ip[0] >> 4 == 6) {
		ip[7]--;
		return;
	}
	uint16_t raw;
	memcpy(&raw, ip + 10, 2);
	uint32_t check = raw;
	check += htons(0x0100);
	check += check >= 0xffff;
	raw = (uint16_t)check;
	memcpy(ip + 10, &raw, 2);
	ip[8]--;
}

void lab_drain(int fd, unsigned vnet_len, unsigned quiet, int wait_ms, lab_take_fn take, void *arg)
{
	static uint8_t rb[70000 + SEGOFF_VNET_HDR_TUNNEL_LEN]; /* a 64 KB GSO frame and its header */
	for (unsigned idle = 0; idle < quiet;) {
		ssize_t got = read(fd, rb, sizeof(rb));
		if (got < 0) {
			if (errno != EAGAIN)
				lab_die("read TAP");
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			if (poll(&pfd, 1, wait_ms) == 0)
				idle++;
			continue;
		}
		if ((size_t)got < vnet_len || !take)
			continue;
		struct segoff_vnet_hdr vh;
		segoff_vnet_decode(rb, vnet_len, &vh);
		take(arg, rb + vnet_len, (size_t)got - vnet_len, &vh);
	}
}

unsigned lab_report_classes(const char *const *names, const unsigned *cases, const unsigned *fail, unsigned n,
			    unsigned *passed)
{
	unsigned failed = 0;
	for (unsigned k = 0; k < n; k++) {
		int ok = fail[k] == 0 && cases[k] > 0;
		printf("  %s %s (%u cases, %u mismatches)\n", ok ? "ok  " : "FAIL", names[k], cases[k], fail[k]);
		ok ? (*passed)++ : failed++;
	}
	return failed;
}
