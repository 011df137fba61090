// SPDX-License-Identifier: MIT
/*
 * TUNSETOFFLOAD against the running kernel: segoff_tap_negotiate() offers a
 * set, falls back when the kernel refuses a flag [V5], reports what was
 * refused and why, and the kernel really runs with what it accepted (read
 * back with the ethtool ioctl).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <segoff/segoff.h>
#include <segoff/tap.h>
#include "check.h"
#include "lab.h"

#define ALL_TSO (SEGOFF_TUN_F_TSO4 | SEGOFF_TUN_F_TSO6 | SEGOFF_TUN_F_TSO_ECN)

/* The device's TSO state as the kernel reports it (ETHTOOL_GTSO). */
static int device_tso(const char *name)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ethtool_value ev = { .cmd = ETHTOOL_GTSO };
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	ifr.ifr_data = (void *)&ev;
	int rc = ioctl(s, SIOCETHTOOL, &ifr);
	close(s);
	return rc < 0 ? -1 : (int)ev.data;
}

static int open_tap(char *name)
{
	strcpy(name, "sgneg%d");
	int fd = segoff_tap_open(name, 0, SEGOFF_VNET_HDR_LEN);
	CHECK(fd >= 0);
	return fd;
}

/* "on" or "off" for an ethtool feature of the device, as ethtool -k says. */
static int ethtool_feature(const char *dev, const char *feature)
{
	char cmd[256], line[256];
	snprintf(cmd, sizeof(cmd), "ethtool -k %s 2>/dev/null", dev);
	FILE *p = popen(cmd, "r");
	int on = -1;
	size_t n = strlen(feature);
	while (p && fgets(line, sizeof(line), p))
		if (strncmp(line, feature, n) == 0 && line[n] == ':')
			on = strstr(line + n, ": on") != NULL;
	if (p)
		pclose(p);
	return on;
}

/* EV2, EV4: with the 24-byte header the kernel takes the UDP tunnel flags
 * (the device then does tx-udp_tnl-segmentation); the checksum flag alone,
 * or either without TSO, is refused and falls back; on a 10-byte header
 * they are not offered at all. */
static void negotiate_udp_tunnel_flags_need_the_24_byte_header(void)
{
	const unsigned tunnel = SEGOFF_TUN_F_UDP_TUNNEL_GSO | SEGOFF_TUN_F_UDP_TUNNEL_GSO_CSUM;
	const unsigned want = SEGOFF_TUN_F_CSUM | SEGOFF_TUN_F_TSO4 | SEGOFF_TUN_F_TSO6 | tunnel;
	char name[16] = "sgtnl%d";
	int fd = segoff_tap_open(name, 0, SEGOFF_VNET_HDR_TUNNEL_LEN);
	CHECK(fd >= 0);
	unsigned got = 0, refused = 9;
	int err = -1;
	CHECK_EQ(segoff_tap_negotiate(fd, want, &got, &refused, &err), SEGOFF_OK);
	CHECK_EQ(got, want);
	CHECK_EQ(refused, 0);
	CHECK_EQ(err, 0);
	CHECK_EQ(ethtool_feature(name, "tx-udp_tnl-segmentation"), 1);
	CHECK_EQ(ethtool_feature(name, "tx-udp_tnl-csum-segmentation"), 1);
	/* the checksum variant without the plain one: refused, then dropped */
	CHECK_EQ(segoff_tap_negotiate(fd, want & ~SEGOFF_TUN_F_UDP_TUNNEL_GSO, &got, &refused, &err), SEGOFF_OK);
	CHECK_EQ(got, want & ~tunnel);
	CHECK_EQ(refused, SEGOFF_TUN_F_UDP_TUNNEL_GSO_CSUM);
	CHECK_EQ(err, EINVAL);
	/* tunnel GSO with no TSO or USO to put inside: refused */
	CHECK_EQ(segoff_tap_negotiate(fd, SEGOFF_TUN_F_CSUM | SEGOFF_TUN_F_UDP_TUNNEL_GSO, &got, &refused, &err),
		 SEGOFF_OK);
	CHECK_EQ(got, SEGOFF_TUN_F_CSUM);
	CHECK_EQ(refused, SEGOFF_TUN_F_UDP_TUNNEL_GSO);
	CHECK_EQ(ethtool_feature(name, "tx-udp_tnl-segmentation"), 0);
	close(fd);
	/* a 10-byte header: never offered, reported refused */
	strcpy(name, "sgtnl%d");
	fd = segoff_tap_open(name, 0, SEGOFF_VNET_HDR_LEN);
	CHECK(fd >= 0);
	CHECK_EQ(segoff_tap_negotiate(fd, want, &got, &refused, &err), SEGOFF_OK);
	CHECK_EQ(got, want & ~tunnel);
	CHECK_EQ(refused, tunnel);
	CHECK_EQ(err, EINVAL);
	CHECK_EQ(ethtool_feature(name, "tx-udp_tnl-segmentation"), 0);
	CHECK(strcmp(segoff_tun_f_name(SEGOFF_TUN_F_UDP_TUNNEL_GSO_CSUM), "udp_tunnel_gso_csum") == 0);
	close(fd);
}

static void negotiate_takes_the_full_set(void)
{
	char name[16];
	int fd = open_tap(name);
	unsigned want = SEGOFF_TUN_F_CSUM | ALL_TSO | SEGOFF_TUN_F_USO4 | SEGOFF_TUN_F_USO6, got = 0, refused = 9;
	int err = -1;
	CHECK_EQ(segoff_tap_negotiate(fd, want, &got, &refused, &err), SEGOFF_OK);
	/* USO exists since Linux 6.2; an older kernel refuses exactly it */
	CHECK(got == want || got == (want & ~(SEGOFF_TUN_F_USO4 | SEGOFF_TUN_F_USO6)));
	CHECK_EQ(refused, want & ~got);
	CHECK_EQ(err, refused ? EINVAL : 0);
	CHECK_EQ(device_tso(name), 1);
	close(fd);
}

static void negotiate_falls_back_when_uso4_comes_without_uso6(void)
{
	char name[16];
	int fd = open_tap(name);
	unsigned want = SEGOFF_TUN_F_CSUM | SEGOFF_TUN_F_TSO4 | SEGOFF_TUN_F_TSO6 | SEGOFF_TUN_F_USO4, got = 0,
		 refused = 0;
	int err = 0;
	CHECK(segoff_tap_set_offload(fd, want) < 0); /* the kernel refuses it [V5] */
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(segoff_tap_negotiate(fd, want, &got, &refused, &err), SEGOFF_OK);
	CHECK_EQ(got, SEGOFF_TUN_F_CSUM | SEGOFF_TUN_F_TSO4 | SEGOFF_TUN_F_TSO6);
	CHECK_EQ(refused, SEGOFF_TUN_F_USO4);
	CHECK_EQ(err, EINVAL);
	CHECK_EQ(device_tso(name), 1);
	close(fd);
}

static void negotiate_without_csum_ends_with_no_offloads(void)
{
	char name[16];
	int fd = open_tap(name);
	unsigned got = 99, refused = 0;
	int err = 0;
	CHECK_EQ(segoff_tap_negotiate(fd, SEGOFF_TUN_F_CSUM | ALL_TSO, NULL, NULL, NULL), SEGOFF_OK);
	CHECK_EQ(device_tso(name), 1);
	/* TSO without CSUM is refused [V5]; the fallback ends at "nothing" */
	CHECK_EQ(segoff_tap_negotiate(fd, SEGOFF_TUN_F_TSO4, &got, &refused, &err), SEGOFF_OK);
	CHECK_EQ(got, 0);
	CHECK_EQ(refused, SEGOFF_TUN_F_TSO4);
	CHECK_EQ(err, EINVAL);
	CHECK_EQ(device_tso(name), 0);
	close(fd);
}

static void negotiate_reports_a_dead_descriptor(void)
{
	unsigned got = 5;
	CHECK_EQ(segoff_tap_negotiate(-1, SEGOFF_TUN_F_CSUM, &got, NULL, NULL), SEGOFF_E_SYSTEM);
	CHECK_EQ(errno, EBADF);
	CHECK_EQ(got, 5); /* untouched on failure */
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(negotiate_takes_the_full_set),
		TEST(negotiate_falls_back_when_uso4_comes_without_uso6),
		TEST(negotiate_without_csum_ends_with_no_offloads),
		TEST(negotiate_reports_a_dead_descriptor),
		TEST(negotiate_udp_tunnel_flags_need_the_24_byte_header),
	};
	if (!lab_can_run("KERNEL TUNSETOFFLOAD TEST")) {
		int ci = getenv("CI") != NULL;
		printf("kernel_tap_offload: 0 passed, %d failed\n", ci);
		return ci;
	}
	if (unshare(CLONE_NEWNET) < 0)
		lab_die("unshare");
	return check_main(argc, argv, "kernel_tap_offload", tests, sizeof(tests) / sizeof(tests[0]));
}
