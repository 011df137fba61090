/* SPDX-License-Identifier: MIT */
/* The one packet builder of the programs around segoff (tests, benchmarks,
 * the demo, fuzz corpora): Ethernet / VLAN / IPv4 or IPv6 / TCP or UDP
 * frames with every header option they need, a reproducible RNG, and
 * reference checksums computed byte by byte (independent of segoff's csum
 * module). */
#ifndef SEGOFF_PKTGEN_H
#define SEGOFF_PKTGEN_H

#include <stddef.h>
#include <stdint.h>
#include <segoff/pkt.h>
#include "slices.h"

struct rng {
	uint64_t s;
};
uint64_t rng_next(struct rng *r);
/* Uniform in [lo, hi]. */
uint32_t rng_range(struct rng *r, uint32_t lo, uint32_t hi);

enum pktgen_csum {
	PKTGEN_CSUM_ZERO,       /* check field 0 */
	PKTGEN_CSUM_PSEUDO,     /* pseudo-header sum, as a TSO sender leaves it */
	PKTGEN_CSUM_FULL,       /* final checksum */
	PKTGEN_CSUM_GARBAGE     /* a wrong value */
};

struct pktgen_spec {
	int ipv6;
	unsigned nr_vlan;
	uint16_t vlan_tpid[2];
	uint16_t vlan_tci[2];
	unsigned ip4_optlen;    /* multiple of 4, <= 40 */
	unsigned nr_ip6_ext;    /* extension headers before TCP */
	uint8_t ip6_ext_type[4];/* 0, 43 or 60 */
	uint8_t ip6_ext_units[4]; /* length in 8-byte units minus 1 */
	unsigned tcp_optlen;    /* multiple of 4, <= 40 */
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint16_t win, urg;
	uint16_t sport, dport;
	uint16_t ip_id;
	uint8_t tos, ttl;
	int df;
	uint32_t flow_label;
	uint32_t payload_len;
	uint64_t payload_seed;
	int ts_set;             /* TSval/TSecr below, else derived from payload_seed */
	uint32_t tsval, tsecr;
	unsigned pad;           /* bytes of Ethernet padding after the IP packet */
	int udp;                /* UDP instead of TCP (tcp_* fields unused but the ports) */
	uint8_t ipproto;        /* not 0: no transport header, the payload follows the IP
				 * header with this protocol number (a GRE or IP-in-IP outer) */
	enum pktgen_csum csum;
	/* NULL for the defaults (02:00:00:00:00:01 -> :02; 192.0.2.1 ->
	 * 198.51.100.1; 2001:db8::1 -> ::2); addresses are 4 or 16 bytes as
	 * the family wants */
	const uint8_t *mac_src, *mac_dst, *ip_src, *ip_dst;
	const uint8_t *payload; /* payload_len bytes to carry, or NULL: bytes from payload_seed */
};

/* A sensible default: IPv4, ACK|PSH, timestamps option, 1 KB payload. */
void pktgen_default(struct pktgen_spec *s);
/* Random header shapes: VLANs, options, ext headers, flags; payload_len
 * within [min_payload, max_payload]. */
void pktgen_random(struct pktgen_spec *s, struct rng *r, uint32_t min_payload, uint32_t max_payload);
/* A UDP tunnel header, written to `buf`: VXLAN (8 bytes, I flag and `vni`)
 * or Geneve (8 bytes and `optlen` bytes of options drawn from `seed`, inner
 * protocol Ethernet). Returns its length. The encapsulated frame is then the
 * payload of an outer UDP spec (pktgen_build with .udp and .payload). */
enum pktgen_tunnel { PKTGEN_VXLAN, PKTGEN_GENEVE };
size_t pktgen_tunnel_hdr(enum pktgen_tunnel type, uint32_t vni, unsigned optlen, uint64_t seed, uint8_t *buf);
/* The whole tunnel frame: `outer` (made UDP, its payload the tunnel header
 * and the frame `inner` builds) around `inner`. Returns its length, or 0. */
size_t pktgen_build_tunnel(const struct pktgen_spec *outer, enum pktgen_tunnel type, uint32_t vni, unsigned optlen,
			   uint64_t seed, const struct pktgen_spec *inner, uint8_t *buf, size_t cap);

/* An IP tunnel frame [E5, E6]: `outer` (its payload the GRE header, if
 * `gre`, and the packet `inner` builds) around `inner`. GRE carries the
 * inner frame with its Ethernet header (0x6558) if `teb`, else its IP
 * packet; IP-in-IP (gre NULL) carries the IP packet. A C flag gets the
 * right GRE checksum. Returns the length, or 0. */
struct pktgen_gre {
	uint16_t flags;         /* 0x8000 C, 0x2000 K, 0x1000 S */
	uint32_t key, seq;
	int teb;
};
size_t pktgen_build_ip_tunnel(const struct pktgen_spec *outer, const struct pktgen_gre *gre,
			      const struct pktgen_spec *inner, uint8_t *buf, size_t cap);

/* Bytes of all headers for this spec. */
size_t pktgen_hdr_len(const struct pktgen_spec *s);
/* Writes the frame; returns its length, or 0 if `cap` is too small. */
size_t pktgen_build(const struct pktgen_spec *s, uint8_t *buf, size_t cap);
/* Offsets of the IP and TCP headers in a frame built from `s`. */
size_t pktgen_l3_off(const struct pktgen_spec *s);
size_t pktgen_l4_off(const struct pktgen_spec *s);

/* Reference one's-complement sum, one byte at a time (big-endian words). */
uint32_t ref_sum(const uint8_t *p, size_t len, uint32_t sum);
uint16_t ref_fold(uint32_t sum);
/* Folded TCP pseudo-header sum for an IP header at `ip`. */
uint16_t ref_pseudo_sum(const uint8_t *ip, int ipv6, uint32_t l4_len);
/* 1 if the TCP checksum of `frame` verifies (and the IPv4 header checksum, if IPv4). */
int ref_verify_tcp(const uint8_t *frame, size_t len, size_t l3_off, size_t l4_off, int ipv6);

/* Same for UDP (a zero check field does not verify here). */
int ref_verify_udp(const uint8_t *frame, size_t len, size_t l3_off, size_t l4_off, int ipv6);

/* Hex dump of two frames around their first difference; returns that offset or -1. */

long hexdiff(const char *what, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif
