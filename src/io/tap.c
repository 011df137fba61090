// SPDX-License-Identifier: MIT
/* Linux TAP devices: open with a virtio_net_hdr, negotiate offloads. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <segoff/segoff.h>
#include <segoff/tap.h>

/* segoff_slice promises iovec's layout so zero-copy output goes to writev. */
_Static_assert(sizeof(struct segoff_slice) == sizeof(struct iovec), "slice is an iovec");
_Static_assert(offsetof(struct segoff_slice, len) == offsetof(struct iovec, iov_len), "slice is an iovec");

#ifndef IFF_NAPI
#define IFF_NAPI 0x0010
#endif

int segoff_tap_open(char *name, unsigned flags, unsigned vnet_len)
{
	if (!name || (vnet_len != SEGOFF_VNET_HDR_LEN && vnet_len != SEGOFF_VNET_HDR_MRG_LEN &&
		      vnet_len != SEGOFF_VNET_HDR_TUNNEL_LEN)) {
		errno = EINVAL;
		return SEGOFF_E_SYSTEM;
	}
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return SEGOFF_E_SYSTEM;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = (flags & SEGOFF_TAP_TUN ? IFF_TUN : IFF_TAP) | IFF_NO_PI | IFF_VNET_HDR;
	if (flags & SEGOFF_TAP_NAPI)
		ifr.ifr_flags |= IFF_NAPI;
	if (flags & SEGOFF_TAP_MULTI_QUEUE)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	int hdr_sz = (int)vnet_len;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETVNETHDRSZ, &hdr_sz) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return SEGOFF_E_SYSTEM;
	}
	memcpy(name, ifr.ifr_name, IFNAMSIZ);
	return fd;
}

int segoff_tap_set_offload(int fd, unsigned tun_f)
{
	return ioctl(fd, TUNSETOFFLOAD, (unsigned long)tun_f) < 0 ? SEGOFF_E_SYSTEM : SEGOFF_OK;
}

#define TUN_F_TUNNEL (SEGOFF_TUN_F_UDP_TUNNEL_GSO | SEGOFF_TUN_F_UDP_TUNNEL_GSO_CSUM)

/* Fallback steps, most recent kernel features first. */
static const unsigned fallback_drop[] = {
	SEGOFF_TUN_F_UDP_TUNNEL_GSO_CSUM,
	SEGOFF_TUN_F_UDP_TUNNEL_GSO,
	SEGOFF_TUN_F_USO4 | SEGOFF_TUN_F_USO6,
	SEGOFF_TUN_F_TSO_ECN,
	SEGOFF_TUN_F_UFO,
	SEGOFF_TUN_F_TSO4 | SEGOFF_TUN_F_TSO6,
	~0u,
};

int segoff_tap_negotiate(int fd, unsigned want, unsigned *got, unsigned *refused, int *refused_errno)
{
	unsigned offer = want;
	int first_errno = 0;
	int hdr_sz = 0;
	if ((want & TUN_F_TUNNEL) && (ioctl(fd, TUNGETVNETHDRSZ, &hdr_sz) < 0 || hdr_sz < SEGOFF_VNET_HDR_TUNNEL_LEN)) {
		offer &= ~TUN_F_TUNNEL; /* EV4: every read would fail */
		first_errno = EINVAL;
	}
	for (size_t step = 0;; step++) {
		if (segoff_tap_set_offload(fd, offer) == SEGOFF_OK)
			break;
		if (!first_errno)
			first_errno = errno;
		if (offer == 0 || step >= sizeof(fallback_drop) / sizeof(fallback_drop[0]))
			return SEGOFF_E_SYSTEM;
		offer &= ~fallback_drop[step];
		/* TSO_ECN means nothing without TSO, and anything without CSUM is refused [V5] */
		if (!(offer & (SEGOFF_TUN_F_TSO4 | SEGOFF_TUN_F_TSO6)))
			offer &= ~SEGOFF_TUN_F_TSO_ECN;
	}
	if (got)
		*got = offer;
	if (refused)
		*refused = want & ~offer;
	if (refused_errno)
		*refused_errno = first_errno;
	return SEGOFF_OK;
}

const char *segoff_tun_f_name(unsigned bit)
{
	switch (bit) {
	case SEGOFF_TUN_F_CSUM: return "csum";
	case SEGOFF_TUN_F_TSO4: return "tso4";
	case SEGOFF_TUN_F_TSO6: return "tso6";
	case SEGOFF_TUN_F_TSO_ECN: return "tso_ecn";
	case SEGOFF_TUN_F_UFO: return "ufo";
	case SEGOFF_TUN_F_USO4: return "uso4";
	case SEGOFF_TUN_F_USO6: return "uso6";
	case SEGOFF_TUN_F_UDP_TUNNEL_GSO: return "udp_tunnel_gso";
	case SEGOFF_TUN_F_UDP_TUNNEL_GSO_CSUM: return "udp_tunnel_gso_csum";
	default: return NULL;
	}
}

int segoff_tap_read_batch(int fd, struct segoff_tap_frame *frames, unsigned n)
{
	unsigned got = 0;
	while (got < n) {
		ssize_t r = read(fd, frames[got].buf, frames[got].cap);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || got > 0)
				break;
			return SEGOFF_E_SYSTEM;
		}
		frames[got++].len = (size_t)r;
	}
	return (int)got;
}

int segoff_tap_write(int fd, const struct segoff_vnet_hdr *h, unsigned vnet_len, const struct segoff_slice *iov,
		     unsigned nr_iov)
{
	uint8_t hdr[SEGOFF_VNET_HDR_TUNNEL_LEN]; /* the longest form */
	struct iovec v[1 + SEGOFF_TAP_MAX_IOV];
	if (nr_iov > SEGOFF_TAP_MAX_IOV || segoff_vnet_encode(h, hdr, vnet_len) < 0) {
		errno = EINVAL;
		return SEGOFF_E_SYSTEM;
	}
	v[0].iov_base = hdr;
	v[0].iov_len = vnet_len;
	memcpy(&v[1], iov, nr_iov * sizeof(*iov)); /* a slice is an iovec (asserted above) */
	for (;;) {
		ssize_t w = writev(fd, v, (int)nr_iov + 1);
		if (w >= 0)
			return SEGOFF_OK;
		if (errno != EINTR)
			return SEGOFF_E_SYSTEM;
	}
}

int segoff_netdev_set_mtu(const char *name, unsigned mtu)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return SEGOFF_E_SYSTEM;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	ifr.ifr_mtu = (int)mtu;
	int rc = ioctl(s, SIOCSIFMTU, &ifr) < 0 ? SEGOFF_E_SYSTEM : SEGOFF_OK;
	int e = errno;
	close(s);
	errno = e;
	return rc;
}
