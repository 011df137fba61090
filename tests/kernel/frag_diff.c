// SPDX-License-Identifier: MIT
/*
 * Kernel differential test for IP fragmentation and reassembly.
 *
 * Fragmentation: in a namespace of its own, the kernel forwards IPv4 UDP
 * datagrams (DF clear) from TAP A to TAP B, whose MTU is smaller; B reads
 * the fragments. segoff's side: the same datagram with the forwarding
 * changes (MAC addresses, TTL - 1, header checksum), then segoff_frag_copy
 * at B's MTU. Frame for frame, byte for byte. DF set: the kernel sends
 * nothing to B (it answers fragmentation-needed), segoff says frag_needed.
 *
 * Reassembly: fragment sets (honest, shuffled, duplicated, and adversarial:
 * overlaps, teardrop, odd non-last lengths, zero-length, over 65535, atomic
 * and chain-less IPv6 first fragments), and datagrams cut by hand into
 * fragments of 8 to 1,480 bytes (up to 8,192 of them, shuffled, with
 * duplicates), are written into TAP A, where UDP sockets listen on IPv4 and
 * IPv6. The kernel's answer is what the sockets
 * receive; segoff's is what segoff_reasm delivers, with the UDP checksum
 * checked as the kernel's UDP does. Payloads must be the same, in order.
 *
 * Frames are parsed without tunnel ports: fragmentation and reassembly
 * read IP only, and a random UDP port may be 4789 (kernel-rules EG3).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <segoff/segoff.h>
#include <segoff/tap.h>
#include "check.h"
#include "lab.h"
#include "pktgen.h"

#define MAXF 256

static uint8_t mac_a[6], mac_b[6];
static const uint8_t mac_peer[6] = { 2, 0, 0, 0, 0, 0xbb }, mac_src[6] = { 2, 0, 0, 0, 0, 0xaa };

static void sh(const char *cmd)
{
	if (system(cmd) != 0) {
		fprintf(stderr, "frag_diff: failed: %s\n", cmd);
		exit(1);
	}
}

static void get_mac(const char *dev, uint8_t *mac)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, dev, IFNAMSIZ - 1);
	if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0)
		lab_die("SIOCGIFHWADDR");
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(s);
}

static int tap(const char *name)
{
	char n[IFNAMSIZ];
	snprintf(n, sizeof(n), "%s", name);
	int fd = segoff_tap_open(n, 0, SEGOFF_VNET_HDR_LEN);
	if (fd < 0)
		lab_die("open TAP");
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static void write_frame(int fd, const uint8_t *f, size_t len)
{
	uint8_t vh[SEGOFF_VNET_HDR_LEN] = { 0 };
	struct iovec iov[2] = { { vh, sizeof(vh) }, { (void *)f, len } };
	if (writev(fd, iov, 2) < 0 && errno != EINVAL)
		lab_die("writev");
}

/* Frames B sends: IPv4 UDP datagrams and fragments, or with `v6` IPv6 UDP
 * datagrams and fragments (whatever else the stack says is ignored). */
static int wanted_frame(const uint8_t *f, size_t len, int v6)
{
	if (!v6)
		return len >= 34 && f[12] == 0x08 && f[13] == 0x00 && f[14 + 9] == 17;
	return len >= 54 && f[12] == 0x86 && f[13] == 0xdd && (f[14 + 6] == 17 || f[14 + 6] == 44);
}

/* Reads until the TAP has been quiet for two polls of `quiet_ms`. */
static unsigned read_frames_for(int fd, uint8_t frames[][9100], size_t *lens, unsigned cap, int v6, int quiet_ms)
{
	static uint8_t rb[70000];
	unsigned n = 0;
	for (int idle = 0; idle < 2;) {
		ssize_t got = read(fd, rb, sizeof(rb));
		if (got < 0) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			if (poll(&p, 1, quiet_ms) == 0)
				idle++;
			continue;
		}
		const uint8_t *f = rb + SEGOFF_VNET_HDR_LEN;
		size_t len = (size_t)got - SEGOFF_VNET_HDR_LEN;
		if (!wanted_frame(f, len, v6) || n == cap)
			continue;
		memcpy(frames[n], f, len < 9100 ? len : 9100);
		lens[n++] = len;
	}
	return n;
}

static unsigned read_frames(int fd, uint8_t frames[][9100], size_t *lens, unsigned cap, int v6)
{
	return read_frames_for(fd, frames, lens, cap, v6, 5);
}

/* Timing can only make the kernel's frames late, never add any: when it
 * sent fewer than segoff made, wait longer for the rest before comparing
 * (a loaded CI machine can hold a softirq past 10 ms). */
static unsigned read_late_frames(int fd, uint8_t frames[][9100], size_t *lens, unsigned have, int want, int v6)
{
	if (want <= 0 || have >= (unsigned)want || have >= MAXF)
		return have;
	return have + read_frames_for(fd, frames + have, lens + have, MAXF - have, v6, 200);
}

/* --- fragmentation: forwarded onto a smaller MTU --- */

static unsigned frag_cases, frag_bad, frag_frames, frag_df;

static void fragmentation(struct rng *r, int fda, int fdb, unsigned want)
{
	static const unsigned mtus[] = { 576, 1280, 1500, 4000, 9000 };
	static uint8_t in[70000], model[70000 * 2], got[MAXF][9100];
	static size_t got_len[MAXF];
	static struct segoff_seg frags[MAXF];
	for (unsigned m = 0; m < sizeof(mtus) / sizeof(mtus[0]); m++) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "ip link set sgtapb mtu %u", mtus[m]);
		sh(cmd);
		for (unsigned c = 0; c < want / 5; c++) {
			struct pktgen_spec s;
			pktgen_default(&s);
			s.udp = 1;
			s.df = rng_range(r, 0, 9) == 0; /* some with DF: fragmentation needed */
			s.ttl = (uint8_t)rng_range(r, 2, 255);
			s.tos = (uint8_t)(rng_range(r, 0, 63) << 2);
			s.ip_id = (uint16_t)rng_next(r);
			s.sport = 4000;
			s.dport = (uint16_t)rng_range(r, 1024, 60000);
			s.payload_len = rng_range(r, 1, 20000);
			s.payload_seed = rng_next(r);
			s.csum = PKTGEN_CSUM_FULL;
			size_t len = pktgen_build(&s, in, sizeof(in));
			/* addresses: from behind A to behind B */
			uint8_t *ip = in + 14;
			static const uint8_t sa[4] = { 192, 0, 2, 2 }, da[4] = { 198, 51, 100, 2 };
			memcpy(ip + 12, sa, 4);
			memcpy(ip + 16, da, 4);
			memcpy(in, mac_a, 6);
			memcpy(in + 6, mac_src, 6);
			ip[10] = ip[11] = 0;
			uint16_t ck = (uint16_t)~ref_fold(ref_sum(ip, 20, 0));
			ip[10] = (uint8_t)(ck >> 8);
			ip[11] = (uint8_t)ck;
			/* the UDP checksum: the kernel forwards it as it is, any value */
			write_frame(fda, in, len);
			unsigned kn = read_frames(fdb, got, got_len, MAXF, 0);
			/* segoff: forwarded (MACs, TTL - 1), then fragmented */
			memcpy(in, mac_peer, 6);
			memcpy(in + 6, mac_b, 6);
			ip[8]--;
			ip[10] = ip[11] = 0;
			ck = (uint16_t)~ref_fold(ref_sum(ip, 20, 0));
			ip[10] = (uint8_t)(ck >> 8);
			ip[11] = (uint8_t)ck;
			struct segoff_pkt pkt;
			segoff_pkt_init(&pkt, in, len, NULL, 0);
			segoff_parse_ports(&pkt, SEGOFF_PROTO_ETH, 0, NULL);
			struct segoff_frag_params p;
			segoff_frag_params_init(&p, (uint16_t)mtus[m]);
			int sn = segoff_frag_copy(&pkt, &p, model, sizeof(model), frags, MAXF);
			kn = read_late_frames(fdb, got, got_len, kn, sn, 0);
			frag_cases++;
			int bad;
			if (sn == SEGOFF_E_FRAG_NEEDED) {
				frag_df++;
				bad = kn != 0;
			} else {
				bad = sn < 1 || (unsigned)sn != kn;
				for (int i = 0; !bad && i < sn; i++)
					bad = frags[i].len != got_len[i] || memcmp(frags[i].head, got[i], got_len[i]) != 0;
				frag_frames += kn;
			}
			if (bad && frag_bad++ < 3) {
				fprintf(stderr, "  MISMATCH fragmenting %zu bytes at MTU %u (DF %d): segoff %d, kernel %u\n", len,
					mtus[m], s.df, sn, kn);
				for (int i = 0; i < sn && i < (int)kn; i++)
					if (hexdiff("fragment", frags[i].head, frags[i].len, got[i], got_len[i]) >= 0)
						break;
			}
		}
	}
}

/* --- IPv6 fragmentation: sent by a local UDP socket over B --- */

/* Linux fragments IPv6 only at the source (a router answers Packet Too
 * Big), so the kernel's side is a UDP socket in the namespace sending to a
 * neighbour behind B. segoff's side: the datagram the kernel would have sent
 * whole (hop limit 64, no flow label, full UDP checksum), fragmented at B's
 * MTU in the sending host's layout (SEGOFF_FRAG_LOCAL_OUT) with the
 * identification the kernel chose (a keyed hash, the one field the issue
 * exempts), then compared byte for byte. Every fourth size is k fragments
 * exactly or a few bytes short or over, where the layouts differ. */

static unsigned frag6_cases, frag6_bad, frag6_frames;
static uint32_t frag6_ident;

static uint32_t kernel_ident(void *opaque)
{
	(void)opaque;
	return frag6_ident;
}

static void fragmentation_v6(struct rng *r, int fdb, unsigned want)
{
	static const unsigned mtus[] = { 1280, 1500, 4000, 9000 };
	static uint8_t in[70000], model[70000 * 2], got[MAXF][9100];
	static size_t got_len[MAXF];
	static struct segoff_seg frags[MAXF];
	static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };
	static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 };
	int s = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 me = { .sin6_family = AF_INET6, .sin6_port = htons(4000) };
	memcpy(&me.sin6_addr, src, 16);
	if (s < 0 || bind(s, (struct sockaddr *)&me, sizeof(me)) < 0)
		lab_die("bind IPv6 sender");
	for (unsigned m = 0; m < sizeof(mtus) / sizeof(mtus[0]); m++) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "ip link set sgtapb mtu %u", mtus[m]);
		sh(cmd);
		/* the socket's route learns the new MTU a moment later: probe
		 * until a fragment fills it, so no case is cut for the old one */
		for (int tries = 0;; tries++) {
			struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(9) };
			memcpy(&to.sin6_addr, dst, 16);
			if (sendto(s, in, mtus[m] + 100, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
				lab_die("sendto IPv6 probe");
			unsigned pn = read_frames(fdb, got, got_len, MAXF, 1);
			if (pn > 0 && got_len[0] == 14 + ((mtus[m] - 48) & ~7u) + 48)
				break;
			if (tries == 100)
				lab_die("IPv6 MTU never took effect");
			usleep(10000);
		}
		for (unsigned c = 0; c < want / 8; c++) {
			uint32_t per = (mtus[m] - 48) & ~7u;
			uint32_t plen = c % 4 == 0 ? per * rng_range(r, 1, 8) + rng_range(r, 0, 16) - 8 - 8
						   : rng_range(r, 1, 20000);
			if (plen < 1 || plen > 60000) /* k fragments exactly, or a byte or more short */
				plen = plen < 1 ? 1 : 60000;
			uint16_t dport = (uint16_t)rng_range(r, 1024, 60000);
			uint8_t *pay = in + 14 + 40 + 8;
			for (uint32_t i = 0; i < plen; i++)
				pay[i] = (uint8_t)rng_next(r);
			struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(dport) };
			memcpy(&to.sin6_addr, dst, 16);
			if (sendto(s, pay, plen, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)plen)
				lab_die("sendto IPv6");
			unsigned kn = read_frames(fdb, got, got_len, MAXF, 1);
			/* the datagram whole, as the kernel built it before fragmenting */
			memcpy(in, mac_peer, 6);
			memcpy(in + 6, mac_b, 6);
			in[12] = 0x86;
			in[13] = 0xdd;
			uint8_t *ip = in + 14, *udp = ip + 40;
			memset(ip, 0, 40);
			ip[0] = 0x60;
			uint32_t ulen = 8 + plen;
			ip[4] = (uint8_t)(ulen >> 8);
			ip[5] = (uint8_t)ulen;
			ip[6] = 17;
			ip[7] = 64;
			memcpy(ip + 8, src, 16);
			memcpy(ip + 24, dst, 16);
			udp[0] = 4000 >> 8;
			udp[1] = 4000 & 0xff;
			udp[2] = (uint8_t)(dport >> 8);
			udp[3] = (uint8_t)dport;
			udp[4] = (uint8_t)(ulen >> 8);
			udp[5] = (uint8_t)ulen;
			udp[6] = udp[7] = 0;
			uint8_t pseudo[40] = { 0 };
			memcpy(pseudo, ip + 8, 32);
			pseudo[34] = (uint8_t)(ulen >> 8);
			pseudo[35] = (uint8_t)ulen;
			pseudo[39] = 17;
			uint16_t ck = (uint16_t)~ref_fold(ref_sum(udp, ulen, ref_sum(pseudo, 40, 0)));
			if (ck == 0)
				ck = 0xffff;
			udp[6] = (uint8_t)(ck >> 8);
			udp[7] = (uint8_t)ck;
			size_t len = 14 + 40 + ulen;
			frag6_ident = 0;
			if (kn > 0 && got_len[0] >= 62 && got[0][14 + 6] == 44)
				frag6_ident = (uint32_t)got[0][58] << 24 | (uint32_t)got[0][59] << 16 |
					      (uint32_t)got[0][60] << 8 | got[0][61];
			struct segoff_pkt pkt;
			segoff_pkt_init(&pkt, in, len, NULL, 0);
			segoff_parse_ports(&pkt, SEGOFF_PROTO_ETH, 0, NULL);
			struct segoff_frag_params p;
			segoff_frag_params_init(&p, (uint16_t)mtus[m]);
			p.ipv6_id = kernel_ident;
			p.layout = SEGOFF_FRAG_LOCAL_OUT;
			int sn = segoff_frag_copy(&pkt, &p, model, sizeof(model), frags, MAXF);
			kn = read_late_frames(fdb, got, got_len, kn, sn, 1);
			frag6_cases++;
			int bad = sn < 1 || (unsigned)sn != kn;
			for (int i = 0; !bad && i < sn; i++)
				bad = frags[i].len != got_len[i] || memcmp(frags[i].head, got[i], got_len[i]) != 0;
			frag6_frames += kn;
			if (bad && frag6_bad++ < 3) {
				fprintf(stderr, "  MISMATCH fragmenting IPv6 %zu bytes at MTU %u: segoff %d, kernel %u\n", len,
					mtus[m], sn, kn);
				for (int i = 0; i < sn && i < (int)kn; i++)
					if (hexdiff("fragment", frags[i].head, frags[i].len, got[i], got_len[i]) >= 0)
						break;
			}
		}
	}
	close(s);
}

/* --- reassembly: fragment sets into A, UDP sockets listening --- */

enum set_kind {
	SET_HONEST, SET_SHUFFLED, SET_DUPLICATES, SET_OVERLAP, SET_TEARDROP, SET_ODD_LENGTH, SET_ZERO_LENGTH,
	SET_TOO_BIG, SET_ATOMIC, SET_CHAINLESS, SET_NOT_FRAGMENT, SET_SMALL, NR_KINDS
};
static const char *const kind_names[NR_KINDS] = {
	"reasm_honest_matches_kernel", "reasm_shuffled_matches_kernel", "reasm_duplicates_match_kernel",
	"reasm_overlap_matches_kernel", "reasm_teardrop_matches_kernel", "reasm_odd_length_matches_kernel",
	"reasm_zero_length_matches_kernel", "reasm_too_big_matches_kernel", "reasm_atomic_matches_kernel",
	"reasm_chainless_first_matches_kernel", "reasm_not_fragment_matches_kernel",
	"reasm_fragments_of_8_to_1480_bytes_shuffled_with_duplicates_match_kernel",
};
static unsigned kind_cases[NR_KINDS], kind_bad[NR_KINDS];

/* A set: up to 8,192 fragments of 8 bytes and their duplicates; frames made
 * by segoff_frag_copy and altered live in set_frames, the small ones cut by
 * hand in small_frames; set_ptr points at each. */
#define SET_MAX 8400
static uint8_t set_frames[MAXF][9100];
static uint8_t small_frames[SET_MAX][14 + 48 + 1480];
static uint8_t *set_ptr[SET_MAX];
static size_t set_len[SET_MAX];
static unsigned set_n;
static unsigned small_sizes_min = 9999, small_sizes_max, small_most_frags, small_delivered;

static uint8_t model_payload[8][70000];
static size_t model_plen[8];
static unsigned model_n;

/* segoff's delivery, checked like the kernel's UDP: the datagram must be
 * for our socket (address, port) and its checksum must verify. */
static void model_deliver(void *opaque, const struct segoff_reasm_out *o)
{
	(void)opaque;
	static uint8_t flat[70000];
	size_t at = slices_flatten(flat, o->iov, o->nr_iov);
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, flat, at, NULL, 0);
	if (segoff_parse_ports(&pkt, SEGOFF_PROTO_ETH, 0, NULL) < 0 || pkt.l4_proto != SEGOFF_PROTO_UDP || model_n == 8)
		return;
	const uint8_t *uh = flat + pkt.l4_off;
	uint32_t ulen = (uint32_t)(uh[4] << 8 | uh[5]);
	if (ulen < 8 || pkt.l4_off + ulen > at || (uh[2] << 8 | uh[3]) != 9999)
		return;
	int v6 = pkt.l3_proto == SEGOFF_PROTO_IPV6;
	if ((uh[6] | uh[7]) || v6) /* IPv4 may omit the checksum, IPv6 may not */
		if (!ref_verify_udp(flat, pkt.l4_off + ulen, pkt.l3_off, pkt.l4_off, v6))
			return;
	memcpy(model_payload[model_n], uh + 8, ulen - 8);
	model_plen[model_n++] = ulen - 8;
}

static void release_nothing(void *opaque, void *cookie)
{
	(void)opaque;
	(void)cookie;
}

/* A datagram from behind A to A's socket, fragmented at `mtu`. */
static size_t datagram(struct rng *r, int v6, uint32_t payload, uint16_t id, uint8_t *out)
{
	struct pktgen_spec s;
	pktgen_default(&s);
	s.udp = 1;
	s.ipv6 = v6;
	s.df = 0;
	s.ip_id = id;
	s.sport = 5000;
	s.dport = 9999;
	s.payload_len = payload;
	s.payload_seed = rng_next(r);
	s.csum = PKTGEN_CSUM_FULL;
	/* addresses: pktgen's are 192.0.2.1 -> 198.51.100.1 / 2001:db8::1 -> ::2;
	 * A is 198.51.100.1 and 2001:db8::2 here */
	size_t len = pktgen_build(&s, out, 70000);
	memcpy(out, mac_a, 6);
	memcpy(out + 6, mac_src, 6);
	return len;
}

static void add_frames(const struct segoff_seg *f, int n)
{
	for (int i = 0; i < n && set_n < MAXF; i++) {
		memcpy(set_frames[set_n], f[i].head, f[i].len);
		set_len[set_n++] = f[i].len;
	}
}

static uint32_t v6_ident;
static uint32_t next_ident(void *opaque)
{
	(void)opaque;
	return ++v6_ident;
}

static void ip_fix(uint8_t *f, int v6)
{
	if (v6)
		return;
	uint8_t *ip = f + 14;
	ip[10] = ip[11] = 0;
	uint16_t ck = (uint16_t)~ref_fold(ref_sum(ip, (ip[0] & 0xf) * 4u, 0));
	ip[10] = (uint8_t)(ck >> 8);
	ip[11] = (uint8_t)ck;
}

static void build_set_frames(struct rng *r, enum set_kind kind, int v6, uint16_t id);

/* One datagram cut by hand into fragments of `size` bytes (a multiple of 8,
 * 8 to 1,480), from two to 8,192 of them, shuffled, with up to three exact
 * duplicates: the fragment sizes a sender's MTU never makes, which the
 * kernel reassembles all the same. */
static void build_small(struct rng *r, int v6, uint16_t id)
{
	static uint8_t dg[70000];
	static const unsigned edges[] = { 8, 16, 24, 80, 1472, 1480 };
	unsigned size = rng_range(r, 0, 2) == 0 ? edges[rng_range(r, 0, 5)] : 8 * rng_range(r, 1, 185);
	uint32_t count;
	switch (rng_range(r, 0, 3)) {
	case 0: count = rng_range(r, 2, 16); break;
	case 1: count = rng_range(r, 17, 256); break;
	case 2: count = rng_range(r, 257, 2000); break;
	default: count = rng_range(r, 2001, 8192); break;
	}
	/* the first sets are the edges, whatever the seed: the largest datagram
	 * in 8-byte fragments, the 130 of 80 bytes, 1,480-byte ones,
	 * and thousands of 16 */
	static const unsigned preset[][2] = { { 8, 8192 }, { 80, 130 }, { 1480, 44 }, { 16, 4000 } };
	static unsigned nr_small;
	if (nr_small < 4) {
		size = preset[nr_small][0];
		count = preset[nr_small][1];
	}
	nr_small++;
	uint32_t most = (v6 ? 65535u : 65515u) / size;
	if (count > most)
		count = most;
	if (count < 2)
		count = 2;
	/* D data bytes (UDP header included), the last fragment 1 to size */
	uint32_t data = (count - 1) * size + rng_range(r, 1, size);
	if (data < 9)
		data = 9;
	size_t len = datagram(r, v6, data - 8, id, dg);
	const size_t l3 = 14, ip_len = v6 ? 40 : 20, dstart = l3 + ip_len;
	if (len != dstart + data)
		lab_die("small-fragment datagram");
	set_n = 0;
	for (uint32_t off = 0; off < data; off += size) {
		uint32_t flen = data - off < size ? data - off : size;
		int more = off + flen < data;
		uint8_t *f = small_frames[set_n];
		memcpy(f, dg, dstart);
		uint8_t *ip = f + l3;
		size_t hl;
		if (v6) {
			ip[4] = (uint8_t)((8 + flen) >> 8);
			ip[5] = (uint8_t)(8 + flen);
			ip[6] = 44;
			uint8_t *fh = ip + 40;
			uint16_t fo = (uint16_t)(off | (more ? 1 : 0));
			uint32_t ident = 0x50000000u + id;
			fh[0] = 17;
			fh[1] = 0;
			fh[2] = (uint8_t)(fo >> 8);
			fh[3] = (uint8_t)fo;
			fh[4] = (uint8_t)(ident >> 24);
			fh[5] = (uint8_t)(ident >> 16);
			fh[6] = (uint8_t)(ident >> 8);
			fh[7] = (uint8_t)ident;
			hl = dstart + 8;
		} else {
			ip[2] = (uint8_t)((20 + flen) >> 8);
			ip[3] = (uint8_t)(20 + flen);
			uint16_t fo = (uint16_t)((off >> 3) | (more ? 0x2000 : 0));
			ip[6] = (uint8_t)(fo >> 8);
			ip[7] = (uint8_t)fo;
			ip_fix(f, 0);
			hl = dstart;
		}
		memcpy(f + hl, dg + dstart + off, flen);
		set_ptr[set_n] = f;
		set_len[set_n++] = hl + flen;
	}
	unsigned dups = rng_range(r, 0, 3);
	for (unsigned d = 0; d < dups && set_n < SET_MAX; d++) {
		unsigned k = rng_range(r, 0, set_n - 1);
		set_ptr[set_n] = set_ptr[k]; /* the same bytes, written twice */
		set_len[set_n++] = set_len[k];
	}
	for (unsigned i = set_n; i > 1; i--) {
		unsigned j = rng_range(r, 0, i - 1);
		uint8_t *tp = set_ptr[i - 1];
		size_t tl = set_len[i - 1];
		set_ptr[i - 1] = set_ptr[j];
		set_len[i - 1] = set_len[j];
		set_ptr[j] = tp;
		set_len[j] = tl;
	}
	if (size < small_sizes_min)
		small_sizes_min = size;
	if (size > small_sizes_max)
		small_sizes_max = size;
	if (count > small_most_frags)
		small_most_frags = count;
}

static void build_set(struct rng *r, enum set_kind kind, int v6, uint16_t id)
{
	if (kind == SET_SMALL) {
		build_small(r, v6, id);
		return;
	}
	build_set_frames(r, kind, v6, id);
	for (unsigned k = 0; k < set_n; k++)
		set_ptr[k] = set_frames[k];
}

static void build_set_frames(struct rng *r, enum set_kind kind, int v6, uint16_t id)
{
	static uint8_t dg[70000], fb[140000];
	static struct segoff_seg f[MAXF];
	set_n = 0;
	uint32_t payload = rng_range(r, 100, 8000);
	size_t len = datagram(r, v6, payload, id, dg);
	if (kind == SET_NOT_FRAGMENT) {
		payload = rng_range(r, 1, 1000);
		len = datagram(r, v6, payload, id, dg);
		memcpy(set_frames[0], dg, len);
		set_len[set_n++] = len;
		return;
	}
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, dg, len, NULL, 0);
	segoff_parse_ports(&pkt, SEGOFF_PROTO_ETH, 0, NULL);
	struct segoff_frag_params p;
	segoff_frag_params_init(&p, (uint16_t)rng_range(r, v6 ? 1280 : 576, 1500));
	p.ipv6_id = next_ident;
	int n = segoff_frag_copy(&pkt, &p, fb, sizeof(fb), f, MAXF);
	if (n < 2)
		n = 1;
	add_frames(f, n);
	const size_t l3 = 14, dstart = v6 ? l3 + 48 : l3 + 20;
	switch (kind) {
	case SET_SHUFFLED:
	case SET_DUPLICATES:
		if (kind == SET_DUPLICATES && set_n > 1) {
			unsigned d = rng_range(r, 0, set_n - 1);
			memcpy(set_frames[set_n], set_frames[d], set_len[d]);
			set_len[set_n++] = set_len[d];
		}
		for (unsigned i = set_n; i > 1; i--) {
			unsigned j = rng_range(r, 0, i - 1);
			static uint8_t tmp[9100];
			size_t tl = set_len[i - 1];
			memcpy(tmp, set_frames[i - 1], tl);
			memcpy(set_frames[i - 1], set_frames[j], set_len[j]);
			set_len[i - 1] = set_len[j];
			memcpy(set_frames[j], tmp, tl);
			set_len[j] = tl;
		}
		break;
	case SET_OVERLAP:
	case SET_TEARDROP:
		if (set_n > 1) {
			/* a copy of the second fragment moved 8 bytes back (overlap)
			 * or far into the first (teardrop) */
			unsigned back = kind == SET_OVERLAP ? 8 : (unsigned)(set_len[0] - dstart) / 2 & ~7u;
			memcpy(set_frames[set_n], set_frames[1], set_len[1]);
			set_len[set_n] = set_len[1];
			uint8_t *fr = set_frames[set_n];
			if (v6) {
				uint16_t fo = (uint16_t)(fr[14 + 40 + 2] << 8 | fr[14 + 40 + 3]);
				fo = (uint16_t)(((fo & 0xfff8) - back) | (fo & 7));
				fr[14 + 40 + 2] = (uint8_t)(fo >> 8);
				fr[14 + 40 + 3] = (uint8_t)fo;
			} else {
				uint16_t fo = (uint16_t)(fr[14 + 6] << 8 | fr[14 + 7]);
				fo = (uint16_t)((fo & 0xe000) | ((fo & 0x1fff) - back / 8));
				fr[14 + 6] = (uint8_t)(fo >> 8);
				fr[14 + 7] = (uint8_t)fo;
				ip_fix(fr, 0);
			}
			set_n++;
		}
		break;
	case SET_ODD_LENGTH:
		if (set_n > 1) { /* the first fragment 3 bytes short */
			set_len[0] -= 3;
			uint8_t *ip = set_frames[0] + 14;
			if (v6) {
				uint16_t pl = (uint16_t)((ip[4] << 8 | ip[5]) - 3);
				ip[4] = (uint8_t)(pl >> 8);
				ip[5] = (uint8_t)pl;
			} else {
				uint16_t tl = (uint16_t)((ip[2] << 8 | ip[3]) - 3);
				ip[2] = (uint8_t)(tl >> 8);
				ip[3] = (uint8_t)tl;
				ip_fix(set_frames[0], 0);
			}
		}
		break;
	case SET_ZERO_LENGTH:
		if (set_n > 1) { /* a data-less copy of the second fragment */
			memcpy(set_frames[set_n], set_frames[1], dstart);
			set_len[set_n] = dstart;
			uint8_t *ip = set_frames[set_n] + 14;
			if (v6) {
				ip[4] = 0;
				ip[5] = 8;
			} else {
				ip[2] = 0;
				ip[3] = 20;
				ip_fix(set_frames[set_n], 0);
			}
			set_n++;
		}
		break;
	case SET_TOO_BIG:
		if (set_n > 1) { /* the last fragment moved past 65535 */
			uint8_t *fr = set_frames[set_n - 1];
			if (v6) {
				fr[14 + 40 + 2] = 0xff;
				fr[14 + 40 + 3] = (uint8_t)(0xf8 | (fr[14 + 40 + 3] & 1));
			} else {
				fr[14 + 6] = (uint8_t)((fr[14 + 6] & 0xe0) | 0x1f);
				fr[14 + 7] = 0xff;
				ip_fix(fr, 0);
			}
		}
		break;
	case SET_ATOMIC:
		if (v6) { /* one fragment header, offset 0, no more */
			payload = rng_range(r, 1, 1000);
			len = datagram(r, 1, payload, id, dg);
			uint8_t *fr = set_frames[0];
			memcpy(fr, dg, 14 + 40);
			memcpy(fr + 14 + 48, dg + 14 + 40, len - 14 - 40);
			uint8_t *fh = fr + 14 + 40;
			fh[0] = 17;
			fh[1] = fh[2] = fh[3] = 0;
			fh[4] = 0xa5;
			fh[5] = fh[6] = fh[7] = 1;
			fr[14 + 6] = 44;
			uint16_t pl = (uint16_t)(len - 14 - 40 + 8);
			fr[14 + 4] = (uint8_t)(pl >> 8);
			fr[14 + 5] = (uint8_t)pl;
			set_len[0] = len + 8;
			set_n = 1;
		}
		break;
	case SET_CHAINLESS:
		if (v6 && set_n > 1) { /* the first fragment cut inside the UDP header */
			uint8_t *fr = set_frames[0];
			set_len[0] = 14 + 48 + 4;
			fr[14 + 4] = 0;
			fr[14 + 5] = 8 + 4;
			/* the lost bytes, as a second fragment at offset 0: overlapping:
			 * not needed; the datagram just never completes */
		}
		break;
	default:
		break;
	}
}

int main(int argc, char **argv)
{
	unsigned want = argc > 1 ? (unsigned)atoi(argv[1]) : 1000;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!lab_can_run("KERNEL FRAGMENT DIFFERENTIAL TEST")) {
		int ci = getenv("CI") != NULL;
		printf("kernel_frag_diff: 0 passed, %d failed\n", ci);
		return ci;
	}
	if (unshare(CLONE_NEWNET) < 0)
		lab_die("unshare");
	lab_write("/proc/sys/net/ipv4/ip_forward", "1");
	lab_write("/proc/sys/net/ipv4/conf/all/rp_filter", "0");
	lab_write("/proc/sys/net/ipv4/conf/default/rp_filter", "0");
	lab_write("/proc/sys/net/ipv6/conf/default/accept_ra", "0");
	lab_write("/proc/sys/net/ipv6/conf/default/autoconf", "0");
	int fda = tap("sgtapa"), fdb = tap("sgtapb");
	sh("ip link set lo up");
	sh("ip link set sgtapa up && ip link set sgtapb up");
	sh("ip addr add 198.51.100.1/24 dev sgtapa && ip addr add 203.0.113.1/24 dev sgtapb");
	sh("ip route add 198.51.100.2/32 dev sgtapb 2>/dev/null || true");
	sh("ip -6 addr add 2001:db8::2/64 dev sgtapa nodad");
	get_mac("sgtapa", mac_a);
	get_mac("sgtapb", mac_b);
	/* forwarding: 192.0.2.0/24 is behind A, 198.51.100.2 behind B */
	sh("ip addr del 198.51.100.1/24 dev sgtapa && ip addr add 192.0.2.1/24 dev sgtapa");
	sh("ip route replace 198.51.100.2/32 dev sgtapb");
	sh("ip neigh replace 198.51.100.2 lladdr 02:00:00:00:00:bb dev sgtapb nud permanent");
	sh("ip neigh replace 192.0.2.2 lladdr 02:00:00:00:00:aa dev sgtapa nud permanent");
	usleep(100000);
	struct rng r = { check_seed() };
	fragmentation(&r, fda, fdb, want);
	lab_write("/proc/sys/net/ipv6/auto_flowlabels", "0");
	sh("ip -6 addr add 2001:db8:1::1/64 dev sgtapb nodad");
	sh("ip -6 neigh replace 2001:db8:1::2 lladdr 02:00:00:00:00:bb dev sgtapb nud permanent");
	fragmentation_v6(&r, fdb, want);

	/* the kernel's reassembly memory, charged by truesize (about 512 bytes
	 * a fragment written into a TAP), refuses a datagram of 8,191 tiny
	 * fragments at its default 4 MiB, and the stuck queue fails the sets
	 * after it: give it room, so that the rules, not the accounting, are
	 * compared (segoff keeps its defaults; docs/kernel-notes.md) */
	lab_write("/proc/sys/net/ipv4/ipfrag_high_thresh", "67108864");
	lab_write("/proc/sys/net/ipv6/ip6frag_high_thresh", "67108864");
	/* reassembly: A is 198.51.100.1 and 2001:db8::2, sockets on port 9999;
	 * 192.0.2.1 (pktgen's source) must not be A's own any more */
	sh("ip addr del 192.0.2.1/24 dev sgtapa && ip addr add 198.51.100.1/24 dev sgtapa");
	int s4 = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), s6 = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(9999) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(9999) };
	inet_pton(AF_INET6, "2001:db8::2", &a6.sin6_addr);
	int one = 1;
	setsockopt(s6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(s4, (struct sockaddr *)&a4, sizeof(a4)) < 0 || bind(s6, (struct sockaddr *)&a6, sizeof(a6)) < 0)
		lab_die("bind");
	/* pktgen's IPv6 destination is 2001:db8::2: A. IPv4's is 198.51.100.1: A. */
	struct segoff_reasm_config rc;
	segoff_reasm_config_init(&rc);
	rc.deliver = model_deliver;
	rc.release = release_nothing;
	unsigned sets = 0, kernel_dgrams = 0;
	static uint8_t rbuf[70000];
	for (unsigned i = 0; i < want; i++) {
		enum set_kind kind = (enum set_kind)(i % NR_KINDS);
		int v6 = (kind == SET_ATOMIC || kind == SET_CHAINLESS) ? 1 : (int)rng_range(&r, 0, 1);
		build_set(&r, kind, v6, (uint16_t)(0x1000 + i));
		/* segoff: a fresh context per set, as the kernel starts each set
		 * with a fresh ID */
		struct segoff_reasm *ra;
		if (segoff_reasm_create(&rc, &ra) != SEGOFF_OK)
			lab_die("reasm");
		model_n = 0;
		for (unsigned k = 0; k < set_n; k++)
			segoff_reasm_receive(ra, set_ptr[k], set_len[k], NULL, 0);
		segoff_reasm_destroy(ra);
		/* the kernel */
		for (unsigned k = 0; k < set_n; k++)
			write_frame(fda, set_ptr[k], set_len[k]);
		unsigned kn = 0;
		int bad = 0;
		for (int idle = 0; idle < 2;) {
			ssize_t got = recv(v6 ? s6 : s4, rbuf, sizeof(rbuf), 0);
			if (got < 0) {
				/* quiet for 10 ms ends it, or 400 ms while the kernel
				 * has delivered fewer than segoff: late, not lost */
				struct pollfd p = { .fd = v6 ? s6 : s4, .events = POLLIN };
				if (poll(&p, 1, kn < model_n ? 200 : 5) == 0)
					idle++;
				continue;
			}
			if (kn >= model_n || (size_t)got != model_plen[kn] || memcmp(rbuf, model_payload[kn], (size_t)got) != 0)
				bad = 1;
			kn++;
		}
		bad |= kn != model_n;
		kernel_dgrams += kn;
		{
			/* whatever B or A answered (ICMP): not compared */
			uint8_t junk[9100];
			while (read(fdb, junk, sizeof(junk)) > 0 || read(fda, junk, sizeof(junk)) > 0)
				;
		}
		sets++;
		kind_cases[kind]++;
		/* at least once: duplicates of every fragment, arriving after
		 * the datagram completed, make it again (both sides agree) */
		small_delivered += kind == SET_SMALL && kn >= 1 && !bad;
		if (bad) {
			kind_bad[kind]++;
			if (kind_bad[kind] <= 2)
				fprintf(stderr, "  MISMATCH %s (v6=%d, %u frames): kernel delivered %u, segoff %u\n",
					kind_names[kind], v6, set_n, kn, model_n);
		}
	}
	unsigned passed = 0, failed = 0;
	int ok = frag_bad == 0 && frag_frames > 0;
	printf("  %s frag_forwarded_matches_kernel (%u datagrams, %u fragments, %u with DF: %u mismatches)\n",
	       ok ? "ok  " : "FAIL", frag_cases, frag_frames, frag_df, frag_bad);
	ok ? passed++ : failed++;
	ok = frag6_bad == 0 && frag6_frames > frag6_cases;
	printf("  %s frag_ipv6_sent_matches_kernel (%u datagrams, %u fragments: %u mismatches)\n",
	       ok ? "ok  " : "FAIL", frag6_cases, frag6_frames, frag6_bad);
	ok ? passed++ : failed++;
	for (unsigned k = 0; k < NR_KINDS; k++) {
		ok = kind_bad[k] == 0 && kind_cases[k] > 0;
		printf("  %s %s (%u sets, %u mismatches)\n", ok ? "ok  " : "FAIL", kind_names[k], kind_cases[k], kind_bad[k]);
		ok ? passed++ : failed++;
	}
	printf("  %u fragment sets; the kernel's sockets received %u datagrams; hand-cut fragments of %u to %u "
	       "bytes, up to %u in one datagram\n", sets, kernel_dgrams, small_sizes_min, small_sizes_max,
	       small_most_frags);
	/* the sweep must have reached both ends and thousands of fragments */
	ok = small_sizes_min <= 16 && small_sizes_max >= 1400 && small_most_frags >= 2000 &&
	     small_delivered == kind_cases[SET_SMALL];
	printf("  %s reasm_fragment_sizes_swept_8_to_1480 (smallest %u, largest %u, most fragments %u; both "
	       "delivered %u of %u such datagrams)\n", ok ? "ok  " : "FAIL", small_sizes_min, small_sizes_max,
	       small_most_frags, small_delivered, kind_cases[SET_SMALL]);
	ok ? passed++ : failed++;
	if (kernel_dgrams == 0)
		failed++;
	printf("kernel_frag_diff: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
