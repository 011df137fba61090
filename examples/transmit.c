// SPDX-License-Identifier: MIT
/* Send one TSO super-packet as MSS-sized frames: zero-copy, the kernel's
 * exact segments, final checksums. Compiled by `make` so it stays true. */
#include <sys/uio.h>
#include <segoff/segoff.h>

int transmit(int fd, const uint8_t *frame, size_t len, uint16_t mss);

int transmit(int fd, const uint8_t *frame, size_t len, uint16_t mss)
{
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, frame, len, NULL, 0);       /* points at frame, copies nothing */
	int err = segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
	if (err < 0)
		return err;                               /* e.g. SEGOFF_E_TRUNCATED */
	struct segoff_gso_params p;
	segoff_gso_params_init(&p);                       /* full checksums, IDs incrementing */
	p.mss = mss;
	static uint8_t arena[64 * 256];                   /* headers of up to 64 segments */
	static struct segoff_slice iov[2 * 64];
	static struct segoff_seg segs[64];
	struct segoff_gso_zc zc = { arena, sizeof(arena), iov, 2 * 64, 0 };
	int n = segoff_gso_zerocopy(&pkt, &p, &zc, segs, 64);
	for (int i = 0; i < n; i++)                       /* header + slices of `frame` */
		writev(fd, (const struct iovec *)&iov[segs[i].iov_first], segs[i].nr_iov);
	return n;                                         /* segments, or a negative error */
}
