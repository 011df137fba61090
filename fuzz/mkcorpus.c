// SPDX-License-Identifier: MIT
/* Writes the seed corpora: for fuzz_gso, representative frames (IPv4/IPv6,
 * VLANs, options, extension headers) behind valid and lying virtio headers;
 * for fuzz_gro, flows of segments; for fuzz_reasm, fragment sets; for
 * fuzz_vnet, super-packets behind honest and lying virtio headers; for
 * fuzz_frag, UDP and TCP datagrams with MTUs down to the minimum. Run by
 * `make fuzz-corpus`; the output is committed under fuzz/corpus*. */
#include <stdio.h>
#include <string.h>
#include <segoff/segoff.h>
#include <segoff/frag.h>
#include "pktgen.h"

/* Writes one seed, DIR[SUFFIX]/seed-NN.bin; -1 if it cannot. */
static int write_seed(const char *dir, const char *suffix, int i, const uint8_t *data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s%s/seed-%02d.bin", dir, suffix, i);
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t put = fwrite(data, 1, len, f);
	return fclose(f) == 0 && put == len ? 0 : -1;
}

/* A GRO seed is [len][frame] records: the frame was built at rec + at + 2;
 * write its length in front and return where the next record goes. */
static size_t record(uint8_t *rec, size_t at, size_t len)
{
	rec[at] = (uint8_t)(len >> 8);
	rec[at + 1] = (uint8_t)len;
	return at + 2 + len;
}

/* Segment k of a tunnel GRO seed's inner flow: an ACK with timestamps,
 * `mss` bytes at `seq`, its checksum right. */
static void inner_segment(struct pktgen_spec *in, int ipv6, uint32_t seq, int k, unsigned mss)
{
	pktgen_default(in);
	in->ipv6 = ipv6;
	in->tcp_flags = 0x10;
	in->ts_set = 1;
	in->seq = seq;
	in->ip_id = (uint16_t)k;
	in->payload_len = mss;
	in->csum = PKTGEN_CSUM_FULL;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "fuzz/corpus";
	struct rng r = { 2026 };
	static uint8_t buf[13 + 8192];
	for (int i = 0; i < 24; i++) {
		struct pktgen_spec s;
		pktgen_random(&s, &r, 1, 3000);
		unsigned mss = rng_range(&r, 1, 1500);
		size_t len = pktgen_build(&s, buf + 13, sizeof(buf) - 13);
		struct segoff_vnet_hdr h = { .flags = SEGOFF_VNET_F_NEEDS_CSUM,
					     .gso_type = s.ipv6 ? SEGOFF_VNET_GSO_TCPV6 : SEGOFF_VNET_GSO_TCPV4,
					     .hdr_len = (uint16_t)pktgen_hdr_len(&s), .gso_size = (uint16_t)mss,
					     .csum_start = (uint16_t)pktgen_l4_off(&s), .csum_offset = 16 };
		if (i % 6 == 5)
			h.csum_offset = 6; /* a lie */
		if (i % 8 == 7)
			h.gso_type = SEGOFF_VNET_GSO_UDP_L4;
		/* options: partial/fixed-ID/slices vary; bit 2 (raw IP) only on
		 * frames whose Ethernet header is dropped below */
		int raw = i % 5 == 4;
		buf[0] = (uint8_t)((i & 0x0b) | (raw ? 4 : 0) | ((i % 3) << 4));
		buf[1] = 0;
		buf[2] = raw ? (uint8_t)(mss & 0xff) | 1 : 0;
		segoff_vnet_encode(&h, buf + 3, SEGOFF_VNET_HDR_LEN);
		if (raw) {
			size_t l3 = pktgen_l3_off(&s);
			memmove(buf + 13, buf + 13 + l3, len - l3);
			len -= l3;
		}
		if (write_seed(dir, "", i, buf, 13 + len) < 0)
			return 1;
	}
	/* tunnels: VXLAN and Geneve super-packets (no GSO in the header, an MSS
	 * override: the tunnel GSO type comes from the outer check field); a
	 * generator of their own, so the other corpora stay as they were */
	struct rng tr = { 4789 };
	for (int i = 24; i < 32; i++) {
		struct pktgen_spec o, in;
		pktgen_random(&o, &tr, 1, 1);
		o.ip4_optlen = 0;
		o.nr_ip6_ext = 0;
		o.pad = 0;
		o.dport = i % 2 ? SEGOFF_GENEVE_PORT : SEGOFF_VXLAN_PORT;
		o.csum = i % 3 ? PKTGEN_CSUM_PSEUDO : PKTGEN_CSUM_ZERO;
		pktgen_random(&in, &tr, 1500, 6000);
		in.csum = PKTGEN_CSUM_PSEUDO;
		in.pad = 0;
		size_t len = pktgen_build_tunnel(&o, i % 2 ? PKTGEN_GENEVE : PKTGEN_VXLAN, (uint32_t)i, 4u * (unsigned)(i % 5),
						 (uint64_t)i, &in, buf + 13, sizeof(buf) - 13);
		unsigned mss = rng_range(&tr, 48, 1448);
		struct segoff_vnet_hdr h = { 0 };
		buf[0] = (uint8_t)(i & 0x0b);
		buf[1] = (uint8_t)(mss >> 8);
		buf[2] = (uint8_t)mss;
		segoff_vnet_encode(&h, buf + 3, SEGOFF_VNET_HDR_LEN);
		if (!len || write_seed(dir, "", i, buf, 13 + len) < 0)
			return 1;
	}
	/* IP tunnels: GRE (no flags, K, C, K+C, Ethernet inside) and IP-in-IP
	 * super-packets, the GSO type from a capture's view (C: GRE_CSUM) */
	struct rng ir = { 47 };
	for (int i = 32; i < 40; i++) {
		struct pktgen_spec o, in;
		pktgen_random(&o, &ir, 1, 1);
		o.ip4_optlen = 0;
		o.nr_ip6_ext = 0;
		o.pad = 0;
		pktgen_random(&in, &ir, 1500, 6000);
		in.nr_vlan = 0;
		in.csum = PKTGEN_CSUM_PSEUDO;
		in.pad = 0;
		static const uint16_t gre_flags[4] = { 0, 0x2000, 0x8000, 0xa000 };
		struct pktgen_gre gre = { .flags = gre_flags[i % 4], .key = (uint32_t)i, .teb = i == 36 };
		size_t len = pktgen_build_ip_tunnel(&o, i >= 38 ? NULL : &gre, &in, buf + 13, sizeof(buf) - 13);
		unsigned mss = rng_range(&ir, 48, 1448);
		struct segoff_vnet_hdr h = { 0 };
		buf[0] = (uint8_t)(i & 0x0b);
		buf[1] = (uint8_t)(mss >> 8);
		buf[2] = (uint8_t)mss;
		segoff_vnet_encode(&h, buf + 3, SEGOFF_VNET_HDR_LEN);
		if (!len || write_seed(dir, "", i, buf, 13 + len) < 0)
			return 1;
	}
	/* GRO: flows of segments, some perturbed, as [len][frame] records */
	static uint8_t rec[60000];
	for (int i = 0; i < 16; i++) {
		size_t at = 0;
		rec[at++] = (uint8_t)(i * 37);
		unsigned nflows = 1 + i % 3, mss = rng_range(&r, 64, 1400);
		uint32_t seq[3] = { 1000, 50000, 90000 };
		for (int k = 0; k < 24; k++) {
			unsigned f = (unsigned)k % nflows;
			struct pktgen_spec s;
			pktgen_default(&s);
			s.ipv6 = f == 1;
			s.sport = (uint16_t)(4000 + f);
			s.tcp_flags = 0x10 | (k == 23 ? 0x08 : 0);
			s.ts_set = 1;
			s.seq = seq[f];
			s.ip_id = (uint16_t)(k / nflows);
			s.payload_len = (k % 7 == 6) ? mss / 2 : mss;
			s.csum = (k % 11 == 10) ? PKTGEN_CSUM_GARBAGE : PKTGEN_CSUM_FULL;
			seq[f] += s.payload_len;
			size_t len = pktgen_build(&s, rec + at + 2, sizeof(rec) - at - 2);
			at = record(rec, at, len);
		}
		if (write_seed(dir, "-gro", i, rec, at) < 0)
			return 1;
	}
	/* Reassembly: fragments of IPv4 and IPv6 UDP datagrams, in order,
	 * reversed or with one repeated, as [len][time step][frame] records.
	 * A generator of its own, so the seeds above stay as committed. */
	struct rng r2 = { 2027 };
	static uint8_t dg[20000], fb[40000];
	for (int i = 0; i < 12; i++) {
		size_t at = 0;
		rec[at++] = (uint8_t)(i * 53);
		for (int d = 0; d < 2; d++) {
			struct pktgen_spec s;
			pktgen_default(&s);
			s.udp = 1;
			s.df = 0;
			s.ipv6 = (i + d) % 2;
			s.ip_id = (uint16_t)(i * 2 + d);
			s.payload_len = rng_range(&r2, 100, 6000);
			s.payload_seed = rng_next(&r2);
			s.csum = PKTGEN_CSUM_FULL;
			size_t len = pktgen_build(&s, dg, sizeof(dg));
			struct segoff_pkt pkt;
			segoff_pkt_init(&pkt, dg, len, NULL, 0);
			if (segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0) < 0)
				return 1;
			struct segoff_frag_params p;
			segoff_frag_params_init(&p, (uint16_t)rng_range(&r2, 576, 1500));
			struct segoff_seg fr[64];
			int n = segoff_frag_copy(&pkt, &p, fb, sizeof(fb), fr, 64);
			if (n < 1)
				return 1;
			for (int k = 0; k < n + (i % 3 == 2); k++) {
				int which = i % 3 == 1 ? n - 1 - k : (k < n ? k : 0); /* reversed; a repeat */
				rec[at] = (uint8_t)(fr[which].len >> 8);
				rec[at + 1] = (uint8_t)fr[which].len;
				rec[at + 2] = (uint8_t)(k == 0 ? 1 : 0);
				memcpy(rec + at + 3, fr[which].head, fr[which].len);
				at += 3 + fr[which].len;
			}
		}
		if (write_seed(dir, "-reasm", i, rec, at) < 0)
			return 1;
	}
	/* GRO through tunnels: VXLAN and Geneve flows (outer checksum or not),
	 * some with a VNI change or a bad outer checksum; a generator of their
	 * own, so the other corpora stay as they were */
	struct rng gr = { 4790 };
	for (int i = 16; i < 24; i++) {
		size_t at = 0;
		rec[at++] = (uint8_t)(i * 37);
		unsigned mss = rng_range(&gr, 64, 1400);
		uint32_t seq = 1000;
		for (int k = 0; k < 16; k++) {
			struct pktgen_spec o, in;
			pktgen_default(&o);
			o.dport = i % 2 ? SEGOFF_GENEVE_PORT : SEGOFF_VXLAN_PORT;
			o.ip_id = (uint16_t)k;
			o.csum = i % 3 ? PKTGEN_CSUM_FULL : PKTGEN_CSUM_ZERO;
			if (i % 4 == 3 && k == 9)
				o.csum = PKTGEN_CSUM_GARBAGE;
			inner_segment(&in, i % 5 == 1, seq, k, mss);
			seq += mss;
			uint32_t vni = i % 4 == 2 && k == 7 ? 43u : 42u;
			size_t len = pktgen_build_tunnel(&o, i % 2 ? PKTGEN_GENEVE : PKTGEN_VXLAN, vni, 4u * (unsigned)(i % 3),
							 (uint64_t)i, &in, rec + at + 2, sizeof(rec) - at - 2);
			at = record(rec, at, len);
		}
		if (write_seed(dir, "-gro", i, rec, at) < 0)
			return 1;
	}
	/* GRO through GRE and IP-in-IP: flows with a key change or a bad GRE
	 * checksum among them */
	struct rng ig = { 41 };
	for (int i = 24; i < 30; i++) {
		size_t at = 0;
		rec[at++] = (uint8_t)(i * 37);
		unsigned mss = rng_range(&ig, 64, 1400);
		uint32_t seq = 1000;
		for (int k = 0; k < 16; k++) {
			struct pktgen_spec o, in;
			pktgen_default(&o);
			o.ipv6 = i % 3 == 2;
			o.ip_id = (uint16_t)k;
			inner_segment(&in, i % 2, seq, k, mss);
			seq += mss;
			struct pktgen_gre gre = { .flags = (uint16_t)(i % 2 ? 0xa000 : 0x2000),
						  .key = i == 25 && k == 7 ? 2u : 1u, .teb = i == 26 };
			size_t len = pktgen_build_ip_tunnel(&o, i == 29 ? NULL : &gre, &in, rec + at + 2, sizeof(rec) - at - 2);
			if (i == 27 && k == 9)
				rec[at + 2 + pktgen_l4_off(&o) + 4] ^= 0x55; /* a bad GRE checksum */
			at = record(rec, at, len);
		}
		if (write_seed(dir, "-gro", i, rec, at) < 0)
			return 1;
	}
	/* vnet: TCP and UDP super-packets from a TAP, honest headers and the
	 * lies users have been bitten by (hdr_len, csum_offset, gso_size 0,
	 * a GSO type that is not the packet's). Generators of their own. */
	struct rng r3 = { 2028 };
	for (int i = 0; i < 16; i++) {
		struct pktgen_spec s;
		pktgen_random(&s, &r3, 1, 6000);
		s.udp = i % 4 == 3;
		s.csum = PKTGEN_CSUM_PSEUDO;
		size_t len = pktgen_build(&s, buf + 2 + 12, sizeof(buf) - 2 - 12);
		uint8_t type = s.udp ? SEGOFF_VNET_GSO_UDP_L4 : s.ipv6 ? SEGOFF_VNET_GSO_TCPV6 : SEGOFF_VNET_GSO_TCPV4;
		struct segoff_vnet_hdr h = { .flags = SEGOFF_VNET_F_NEEDS_CSUM, .gso_type = type,
					     .hdr_len = (uint16_t)pktgen_hdr_len(&s),
					     .gso_size = (uint16_t)rng_range(&r3, 8, 1448),
					     .csum_start = (uint16_t)pktgen_l4_off(&s), .csum_offset = s.udp ? 6 : 16 };
		switch (i % 8) {
		case 4: h.hdr_len = 4000; break;
		case 5: h.csum_offset = 2; break;
		case 6: h.gso_size = 0; break;
		case 7: h.gso_type = SEGOFF_VNET_GSO_TCPV6 ^ (uint8_t)(s.ipv6 ? 0 : 5); break;
		default: break;
		}
		int mrg = i % 3 == 1;
		buf[0] = (uint8_t)(((i * 4) & ~(mrg ? 4 : 0)) | (mrg ? 2 : 0) | (i & 1)); /* bit 2 with 1: 24 bytes */
		buf[1] = (uint8_t)(i * 11);
		segoff_vnet_encode(&h, buf + 2, mrg ? SEGOFF_VNET_HDR_MRG_LEN : SEGOFF_VNET_HDR_LEN);
		if (!mrg)
			memmove(buf + 2 + 10, buf + 2 + 12, len);
		if (write_seed(dir, "-vnet", i, buf, 2 + (mrg ? 12 : 10) + len) < 0)
			return 1;
	}
	/* vnet: tunnel super-packets with the 24-byte header (options bits 1
	 * and 2), honest and with each lie of EV3 */
	for (int i = 16; i < 24; i++) {
		struct pktgen_spec o, in;
		pktgen_random(&o, &r3, 1, 1);
		o.ip4_optlen = 0;
		o.nr_ip6_ext = 0;
		o.pad = 0;
		o.dport = i % 2 ? SEGOFF_GENEVE_PORT : SEGOFF_VXLAN_PORT;
		o.csum = PKTGEN_CSUM_PSEUDO;
		pktgen_random(&in, &r3, 1500, 6000);
		in.csum = PKTGEN_CSUM_PSEUDO;
		in.pad = 0;
		size_t len = pktgen_build_tunnel(&o, i % 2 ? PKTGEN_GENEVE : PKTGEN_VXLAN, (uint32_t)i, 4u * (unsigned)(i % 3),
						 (uint64_t)i, &in, buf + 2 + 24, sizeof(buf) - 2 - 24);
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, buf + 2 + 24, len, NULL, 0);
		if (!len || segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0) < 0)
			return 1;
		struct segoff_vnet_hdr h = {
			.flags = SEGOFF_VNET_F_NEEDS_CSUM | (i % 3 ? SEGOFF_VNET_F_UDP_TUNNEL_CSUM : 0),
			.gso_type = (uint8_t)((in.ipv6 ? SEGOFF_VNET_GSO_TCPV6 : SEGOFF_VNET_GSO_TCPV4) |
					      (o.ipv6 ? SEGOFF_VNET_GSO_UDP_TUNNEL_IPV6 : SEGOFF_VNET_GSO_UDP_TUNNEL_IPV4)),
			.hdr_len = pkt.payload_off, .gso_size = (uint16_t)rng_range(&r3, 48, 1448),
			.csum_start = pkt.inner_l4_off, .csum_offset = 16,
			.outer_th_offset = pkt.l4_off, .inner_nh_offset = pkt.inner_l3_off,
		};
		if (i == 22)
			h.inner_nh_offset = (uint16_t)(h.outer_th_offset + 4); /* out of order */
		if (i == 23)
			h.gso_type |= SEGOFF_VNET_GSO_UDP_TUNNEL_IPV4 | SEGOFF_VNET_GSO_UDP_TUNNEL_IPV6;
		buf[0] = (uint8_t)(2 | 4 | (i & 1) | (i << 3));
		buf[1] = (uint8_t)(i * 11);
		segoff_vnet_encode(&h, buf + 2, SEGOFF_VNET_HDR_TUNNEL_LEN);
		if (write_seed(dir, "-vnet", i, buf, 2 + 24 + len) < 0)
			return 1;
	}
	/* frag: datagrams and MTUs, from the smallest fragments to jumbo */
	struct rng r4 = { 2029 };
	static const uint16_t mtus[] = { 68, 76, 576, 1280, 1500, 9000 };
	for (int i = 0; i < 12; i++) {
		struct pktgen_spec s;
		pktgen_random(&s, &r4, 1, 7000);
		s.udp = i % 3 != 2;
		s.df = 0;
		s.ip4_optlen = i % 5 == 4 ? 8 : 0;
		s.csum = PKTGEN_CSUM_FULL;
		size_t len = pktgen_build(&s, buf + 3, sizeof(buf) - 3);
		uint16_t mtu = mtus[i % 6];
		if (s.ipv6 && mtu < 1280)
			mtu = 1280;
		buf[0] = (uint8_t)(mtu >> 8);
		buf[1] = (uint8_t)mtu;
		buf[2] = (uint8_t)(i * 29);
		if (write_seed(dir, "-frag", i, buf, 3 + len) < 0)
			return 1;
	}
	return 0;
}
