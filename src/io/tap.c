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
	if (!name || (vnet_len != SEGOFF_VNET_HDR_LEN && vnet_len != SEGOFF_VNET_HDR_MRG_LEN)) {
		errno = EINVAL;
		return SEGOFF_E_SYSTEM;
	}
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return SEGOFF_E_SYSTEM;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
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
