/* SPDX-License-Identifier: MIT */
/* A list of frames with their virtio_net_hdr, as the GRO differentials
 * collect them: the input, segoff's outputs, the kernel's. */
#ifndef SEGOFF_FRAMES_H
#define SEGOFF_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <segoff/segoff.h>

struct frame {
	uint8_t *data;
	size_t len;
	struct segoff_vnet_hdr vh;
};

struct frames {
	unsigned n, cap;
	struct frame *f;
};

/* Room for `cap` frames; exits on no memory. */
void frames_init(struct frames *fs, unsigned cap);
void frames_clear(struct frames *fs);
/* A copy of the bytes and the header; beyond cap, dropped. */
void frames_add(struct frames *fs, const void *d, size_t len, const struct segoff_vnet_hdr *vh);
/* 1 if both hold the same frames, bytes and headers. */
int frames_same(const struct frames *a, const struct frames *b);
/* The GSO differentials' comparison: the `nexp` segments segoff made
 * against the frames the kernel delivered. They differ in number, in bytes,
 * by a GSO type on a segment, or in checksum state: with `partial`, each
 * must leave its checksum to the device at segoff's offsets, else none may.
 * 1 if they differ, with *at the first differing segment (or -1). */
int frames_segments_differ(const struct segoff_seg *segs, unsigned nexp, const struct frames *got, int partial,
			   long *at);
/* The GRO differentials' comparison: segoff's outputs against the kernel's,
 * frame by frame: bytes, and the virtio_net_hdr's flags, GSO type and size,
 * checksum offsets where a checksum is left to the device, and with
 * `inner_offsets` a GSO packet's inner network offset (hdr_len is a hint,
 * V4, and a merged tunnel packet's outer transport offset is wrong in the
 * kernel, EV4: neither is compared). 1 if they differ, *first the first
 * frame that does (0 when their counts differ). */
int frames_outputs_differ(const struct frames *model, const struct frames *kernel, int inner_offsets,
			  unsigned *first);
/* Write every frame into TAP `fd` behind a zeroed 12-byte virtio header,
 * starting right after a jiffy tick, back to back; then wait for the
 * kernel to deliver all. 1 if the burst was clean: no tick and no pause the
 * GRO flush timer could take for the end of a burst. Exits on a failed
 * write. */
int frames_write_after_tick(int fd, const struct frames *in);

#endif
