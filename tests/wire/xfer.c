// SPDX-License-Identifier: MIT
/*
 * Test traffic for the segoff wire integration tests.
 *   xfer recv ADDR PORT               accept one TCP connection, read to EOF
 *   xfer send ADDR PORT BYTES SEED    send BYTES of a seeded pseudo-random stream
 *   xfer storm IFNAME COUNT SEED      write COUNT malformed frames with AF_PACKET
 *   xfer bursts IFNAME TRIES SEED     write TRIES bursts of 2-64 back-to-back TCP
 *                                     segments (100 bytes, one flow per burst) with
 *                                     AF_PACKET; prints "SPORT K" per burst
 *   xfer udpstorm DST PORT SPORT COUNT SEED
 *                                     send COUNT UDP datagrams from this host's address
 *                                     and port SPORT (a raw socket: SPORT may be taken)
 *                                     to DST:PORT, payloads a relay must refuse:
 *                                     not IP, cut, lying lengths, long IPv6 chains
 *   xfer catch IFNAME TRIES MS        count, per burst, the frames and payload bytes
 *                                     that arrive on IFNAME within MS ms of the last;
 *                                     prints "SPORT FRAMES BYTES" per burst seen
 * recv and send print "BYTES HASH": FNV-1a 64 over the stream, so any lost,
 * duplicated or reordered byte changes the hash.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static int resolve(const char *addr, const char *port, struct addrinfo **ai)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST };
	return getaddrinfo(addr, port, &hints, ai);
}

static int do_recv(const char *addr, const char *port)
{
	struct addrinfo *ai;
	if (resolve(addr, port, &ai))
		return 2;
	int one = 1, l = socket(ai->ai_family, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	int bound = l >= 0 && bind(l, ai->ai_addr, ai->ai_addrlen) == 0 && listen(l, 1) == 0;
	freeaddrinfo(ai);
	if (!bound) {
		perror("xfer recv: listen");
		return 2;
	}
	printf("listening\n");
	fflush(stdout);
	int c = accept(l, NULL, NULL);
	if (c < 0)
		return 2;
	static uint8_t buf[1 << 18];
	uint64_t h = 0xcbf29ce484222325ull, total = 0;
	for (;;) {
		ssize_t n = read(c, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		h = fnv(h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	printf("%llu %016llx\n", (unsigned long long)total, (unsigned long long)h);
	return 0;
}

static int do_send(const char *addr, const char *port, uint64_t bytes, uint64_t seed)
{
	struct addrinfo *ai;
	if (resolve(addr, port, &ai))
		return 2;
	int s = -1;
	for (int i = 0; i < 100; i++) {
		s = socket(ai->ai_family, SOCK_STREAM, 0);
		if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(s);
		s = -1;
		usleep(50000);
	}
	freeaddrinfo(ai);
	if (s < 0) {
		perror("xfer send: connect");
		return 2;
	}
	static uint64_t buf[1 << 15];
	uint64_t st = seed | 1, h = 0xcbf29ce484222325ull, sent = 0;
	while (sent < bytes) {
		for (size_t i = 0; i < sizeof(buf) / 8; i++)
			buf[i] = xorshift(&st);
		size_t n = sizeof(buf) < bytes - sent ? sizeof(buf) : (size_t)(bytes - sent);
		h = fnv(h, (const uint8_t *)buf, n);
		for (size_t off = 0; off < n;) {
			ssize_t w = write(s, (const uint8_t *)buf + off, n - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				perror("xfer send: write");
				return 1;
			}
			off += (size_t)w;
		}
		sent += n;
	}
	shutdown(s, SHUT_WR);
	char tmp[64];
	while (read(s, tmp, sizeof(tmp)) > 0) /* wait for the peer to close */
		;
	printf("%llu %016llx\n", (unsigned long long)sent, (unsigned long long)h);
	return 0;
}

/* Frames a NIC must survive: truncated and lying IP headers, bad TCP data
 * offsets, a long IPv6 extension header chain, runts, random bytes. */
static size_t malformed(uint8_t *f, uint64_t *st)
{
	size_t len = 14 + xorshift(st) % 1500;
	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)xorshift(st);
	memset(f, 0xff, 6); /* broadcast: the bridge-less wire carries it anyway */
	static const uint16_t types[] = { 0x0800, 0x86dd, 0x8100, 0x88a8, 0x0806, 0x1234 };
	uint16_t t = types[xorshift(st) % 6];
	f[12] = (uint8_t)(t >> 8);
	f[13] = (uint8_t)t;
	switch (xorshift(st) % 5) {
	case 0: /* IPv4, IHL 15 in a short frame */
		f[14] = 0x4f;
		len = 14 + 20;
		break;
	case 1: /* IPv4 TCP with data offset 0 */
		f[12] = 0x08;
		f[13] = 0x00;
		f[14] = 0x45;
		f[14 + 9] = 6;
		f[14 + 6] = f[14 + 7] = 0;
		if (len < 14 + 40)
			len = 14 + 40;
		f[14 + 20 + 12] = 0x00;
		break;
	case 2: /* IPv6 with a chain of 200 hop-by-hop/destination headers */
		f[12] = 0x86;
		f[13] = 0xdd;
		f[14] = 0x60;
		f[14 + 6] = 60;
		len = 14 + 40 + 200 * 8;
		if (len > 1514)
			len = 1514;
		for (size_t o = 14 + 40; o + 8 <= len; o += 8) {
			f[o] = 60;
			f[o + 1] = 0;
		}
		break;
	default:
		break;
	}
	return len;
}

static int do_storm(const char *ifname, unsigned long count, uint64_t seed)
{
	int s = socket(AF_PACKET, SOCK_RAW, 0);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(ifname), .sll_halen = 6 };
	if (s < 0 || !sll.sll_ifindex) {
		perror("xfer storm");
		return 2;
	}
	uint8_t f[1600];
	uint64_t st = seed | 1;
	unsigned long sent = 0;
	for (unsigned long i = 0; i < count; i++) {
		size_t len = malformed(f, &st);
		if (sendto(s, f, len, 0, (struct sockaddr *)&sll, sizeof(sll)) > 0)
			sent++;
	}
	printf("%lu\n", sent);
	return 0;
}

/* 16-bit one's-complement sum, big-endian words. */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

#define BURST_SPORT 20000
#define BURST_PAYLOAD 100

/* One TCP/IPv4 segment of burst `sport`: ACK only, DF, IDs and sequence
 * numbers running on, checksums right; to a MAC no host here has, so that
 * the receiving kernel drops it after its packet sockets saw it. */
static size_t burst_segment(uint8_t *f, uint16_t sport, unsigned k, uint64_t *st)
{
	static const uint8_t dst[6] = { 0x02, 0x5e, 0x60, 0x00, 0x00, 0x02 }, src[6] = { 0x02, 0x5e, 0x60, 0, 0, 1 };
	const size_t ip = 14, th = ip + 20, pl = th + 20, len = pl + BURST_PAYLOAD;
	memset(f, 0, pl);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	f[ip] = 0x45;
	f[ip + 2] = (uint8_t)((len - ip) >> 8);
	f[ip + 3] = (uint8_t)(len - ip);
	f[ip + 4] = (uint8_t)(k >> 8);
	f[ip + 5] = (uint8_t)k;
	f[ip + 6] = 0x40;
	f[ip + 8] = 64;
	f[ip + 9] = 6;
	const uint8_t a[4] = { 192, 0, 2, 1 }, b[4] = { 192, 0, 2, 2 };
	memcpy(f + ip + 12, a, 4);
	memcpy(f + ip + 16, b, 4);
	uint16_t c = (uint16_t)~fold(sum16(f + ip, 20, 0));
	f[ip + 10] = (uint8_t)(c >> 8);
	f[ip + 11] = (uint8_t)c;
	f[th] = (uint8_t)(sport >> 8);
	f[th + 1] = (uint8_t)sport;
	f[th + 3] = 9; /* discard */
	uint32_t seq = 1000u + k * BURST_PAYLOAD;
	f[th + 4] = (uint8_t)(seq >> 24);
	f[th + 5] = (uint8_t)(seq >> 16);
	f[th + 6] = (uint8_t)(seq >> 8);
	f[th + 7] = (uint8_t)seq;
	f[th + 11] = 1;
	f[th + 12] = 0x50;
	f[th + 13] = 0x10;
	f[th + 14] = 0x10;
	for (size_t i = 0; i < BURST_PAYLOAD; i++)
		f[pl + i] = (uint8_t)xorshift(st);
	uint32_t ps = sum16(f + ip + 12, 8, 0) + 6 + (uint32_t)(len - th);
	c = (uint16_t)~fold(sum16(f + th, len - th, ps));
	f[th + 16] = (uint8_t)(c >> 8);
	f[th + 17] = (uint8_t)c;
	return len;
}

static int do_bursts(const char *ifname, unsigned tries, uint64_t seed)
{
	int s = socket(AF_PACKET, SOCK_RAW, 0);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(ifname), .sll_halen = 6 };
	if (s < 0 || !sll.sll_ifindex) {
		perror("xfer bursts");
		return 2;
	}
	static uint8_t f[64][200];
	size_t len[64];
	uint64_t st = seed | 1;
	for (unsigned t = 0; t < tries; t++) {
		unsigned k = 2 + (unsigned)(xorshift(&st) % 63);
		uint16_t sport = (uint16_t)(BURST_SPORT + t);
		for (unsigned i = 0; i < k; i++)
			len[i] = burst_segment(f[i], sport, i, &st);
		/* built first, then written back to back */
		for (unsigned i = 0; i < k; i++)
			if (sendto(s, f[i], len[i], 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
				perror("xfer bursts: sendto");
				return 1;
			}
		printf("%u %u\n", sport, k);
		fflush(stdout);
		usleep(5000); /* bursts apart: each one is one question */
	}
	return 0;
}

static int do_catch(const char *ifname, unsigned tries, unsigned ms)
{
	int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = (int)if_nametoindex(ifname) };
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };
	if (s < 0 || !sll.sll_ifindex || bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		perror("xfer catch");
		return 2;
	}
	int big = 1 << 24;
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	unsigned *frames = calloc(tries, sizeof(unsigned)), *bytes = calloc(tries, sizeof(unsigned));
	printf("listening\n");
	fflush(stdout);
	static uint8_t buf[70000];
	for (;;) {
		ssize_t n = recv(s, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break; /* quiet for MS ms: done */
		if (n < 54 || buf[12] != 0x08 || buf[13] != 0x00 || buf[14 + 9] != 6)
			continue;
		size_t ihl = (size_t)(buf[14] & 15) * 4, th = 14 + ihl;
		unsigned sport = (unsigned)buf[th] << 8 | buf[th + 1];
		size_t ip_len = (size_t)buf[16] << 8 | buf[17];
		size_t doff = (size_t)(buf[th + 12] >> 4) * 4;
		if (sport < BURST_SPORT || sport >= BURST_SPORT + tries || th + doff > (size_t)n)
			continue;
		/* a merged packet handed to a packet socket may say tot_len 0 or
		 * its own; the frame's length is what arrived */
		size_t pay = (size_t)n - th - doff;
		if (ip_len && 14 + ip_len < (size_t)n)
			pay = 14 + ip_len - th - doff;
		frames[sport - BURST_SPORT]++;
		bytes[sport - BURST_SPORT] += (unsigned)pay;
	}
	for (unsigned t = 0; t < tries; t++)
		if (frames[t])
			printf("%u %u %u\n", BURST_SPORT + t, frames[t], bytes[t]);
	fflush(stdout);
	free(frames);
	free(bytes);
	close(s);
	return 0;
}

/* A payload no relay may take for an IP packet, or one it must check. */
static size_t bad_inner(uint8_t *f, uint64_t *st)
{
	size_t len = 1 + xorshift(st) % 1400;
	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)xorshift(st);
	switch (xorshift(st) % 6) {
	case 0: /* IPv4 whose tot_len lies */
		f[0] = 0x45;
		f[2] = (uint8_t)(len >> 8);
		f[3] = (uint8_t)(len + 7);
		break;
	case 1: /* IPv4 cut inside its header */
		f[0] = 0x4f;
		len = 12;
		break;
	case 2: /* IPv6 with a chain of hop-by-hop headers */
		f[0] = 0x60;
		f[6] = 0;
		len = 40 + 150 * 8;
		f[4] = (uint8_t)((len - 40) >> 8);
		f[5] = (uint8_t)(len - 40);
		for (size_t o = 40; o + 8 <= len; o += 8) {
			f[o] = 0;
			f[o + 1] = 0;
		}
		break;
	case 3: /* IPv4 TCP with data offset 0, lengths right */
		f[0] = 0x45;
		f[2] = (uint8_t)(len >> 8);
		f[3] = (uint8_t)len;
		f[9] = 6;
		f[6] = f[7] = 0;
		if (len < 40) {
			len = 40;
			f[3] = 40;
		}
		f[20 + 12] = 0;
		break;
	default: /* not IP at all */
		f[0] = (uint8_t)(f[0] & 0x3f);
		break;
	}
	return len;
}

static int do_udpstorm(const char *dst, unsigned port, unsigned sport, unsigned long count, uint64_t seed)
{
	int s = socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (s < 0 || inet_pton(AF_INET, dst, &to.sin_addr) != 1) {
		perror("xfer udpstorm");
		return 2;
	}
	static uint8_t d[8 + 2000];
	uint64_t st = seed | 1;
	unsigned long sent = 0;
	for (unsigned long i = 0; i < count; i++) {
		size_t len = bad_inner(d + 8, &st) + 8;
		d[0] = (uint8_t)(sport >> 8);
		d[1] = (uint8_t)sport;
		d[2] = (uint8_t)(port >> 8);
		d[3] = (uint8_t)port;
		d[4] = (uint8_t)(len >> 8);
		d[5] = (uint8_t)len;
		d[6] = d[7] = 0; /* no checksum: IPv4 allows it */
		if (sendto(s, d, len, 0, (struct sockaddr *)&to, sizeof(to)) > 0)
			sent++;
	}
	printf("%lu\n", sent);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "recv") == 0)
		return do_recv(argv[2], argv[3]);
	if (argc == 6 && strcmp(argv[1], "send") == 0)
		return do_send(argv[2], argv[3], strtoull(argv[4], NULL, 0), strtoull(argv[5], NULL, 0));
	if (argc == 5 && strcmp(argv[1], "storm") == 0)
		return do_storm(argv[2], strtoul(argv[3], NULL, 0), strtoull(argv[4], NULL, 0));
	if (argc == 5 && strcmp(argv[1], "bursts") == 0)
		return do_bursts(argv[2], (unsigned)strtoul(argv[3], NULL, 0), strtoull(argv[4], NULL, 0));
	if (argc == 7 && strcmp(argv[1], "udpstorm") == 0)
		return do_udpstorm(argv[2], (unsigned)strtoul(argv[3], NULL, 0), (unsigned)strtoul(argv[4], NULL, 0),
				   strtoul(argv[5], NULL, 0), strtoull(argv[6], NULL, 0));
	if (argc == 5 && strcmp(argv[1], "catch") == 0)
		return do_catch(argv[2], (unsigned)strtoul(argv[3], NULL, 0), (unsigned)strtoul(argv[4], NULL, 0));
	fprintf(stderr, "usage: xfer recv ADDR PORT | send ADDR PORT BYTES SEED | storm IFNAME COUNT SEED |\n"
			"       bursts IFNAME TRIES SEED | catch IFNAME TRIES MS |\n"
			"       udpstorm DST PORT SPORT COUNT SEED\n");
	return 2;
}
