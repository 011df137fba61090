// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>
#include "pktgen.h"
#include "bytes.h"

uint64_t rng_next(struct rng *r)
{
	/* splitmix64: tiny, fast, good enough to drive test shapes */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint32_t rng_range(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(rng_next(r) % ((uint64_t)hi - lo + 1));
}

void pktgen_default(struct pktgen_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->tcp_optlen = 12;
	s->tcp_flags = 0x18; /* ACK|PSH */
	s->seq = 1000;
	s->ack = 2000;
	s->win = 502;
	s->sport = 40000;
	s->dport = 5201;
	s->ip_id = 0x1234;
	s->ttl = 64;
	s->df = 1;
	s->payload_len = 1024;
	s->payload_seed = 1;
	s->csum = PKTGEN_CSUM_PSEUDO;
}

void pktgen_random(struct pktgen_spec *s, struct rng *r, uint32_t min_payload, uint32_t max_payload)
{
	pktgen_default(s);
	s->ipv6 = rng_range(r, 0, 1);
	unsigned v = rng_range(r, 0, 99);
	s->nr_vlan = v < 60 ? 0 : v < 85 ? 1 : 2;
	s->vlan_tpid[0] = s->nr_vlan == 2 && rng_range(r, 0, 1) ? 0x88a8 : 0x8100;
	s->vlan_tpid[1] = 0x8100;
	s->vlan_tci[0] = (uint16_t)rng_range(r, 1, 4094);
	s->vlan_tci[1] = (uint16_t)rng_range(r, 1, 4094);
	if (!s->ipv6 && rng_range(r, 0, 99) < 40)
		s->ip4_optlen = 4 * rng_range(r, 1, 10);
	if (s->ipv6 && rng_range(r, 0, 99) < 50) {
		s->nr_ip6_ext = rng_range(r, 1, 3);
		for (unsigned i = 0; i < s->nr_ip6_ext; i++) {
			static const uint8_t types[] = { 0, 60, 43 };
			s->ip6_ext_type[i] = i == 0 ? types[rng_range(r, 0, 2)] : types[rng_range(r, 1, 2)];
			s->ip6_ext_units[i] = (uint8_t)rng_range(r, 0, 3);
		}
	}
	v = rng_range(r, 0, 99);
	s->tcp_optlen = v < 20 ? 0 : v < 70 ? 12 : 4 * rng_range(r, 1, 10);
	uint8_t f = 0x10; /* ACK */
	if (rng_range(r, 0, 3) == 0) f |= 0x08; /* PSH */
	if (rng_range(r, 0, 3) == 0) f |= 0x01; /* FIN */
	if (rng_range(r, 0, 3) == 0) f |= 0x80; /* CWR */
	if (rng_range(r, 0, 3) == 0) f |= 0x40; /* ECE */
	if (rng_range(r, 0, 3) == 0) f |= 0x20; /* URG */
	if (rng_range(r, 0, 19) == 0) f |= 0x02; /* SYN */
	if (rng_range(r, 0, 19) == 0) f |= 0x04; /* RST */
	s->tcp_flags = f;
	s->seq = (uint32_t)rng_next(r);
	s->ack = (uint32_t)rng_next(r);
	s->win = (uint16_t)rng_next(r);
	s->urg = (f & 0x20) ? (uint16_t)rng_next(r) : 0;
	s->sport = (uint16_t)rng_range(r, 1024, 65535);
	s->dport = (uint16_t)rng_range(r, 1, 65535);
	/* a random UDP datagram is never to a tunnel port (segoff_parse would
	 * read its payload as a tunnel): tunnels are built on purpose */
	if (s->dport == 4789 || s->dport == 6081)
		s->dport++;
	s->ip_id = (uint16_t)rng_next(r);
	s->tos = (uint8_t)rng_next(r);
	s->ttl = (uint8_t)rng_range(r, 1, 255);
	s->df = rng_range(r, 0, 1);
	s->flow_label = (uint32_t)rng_next(r) & 0xfffff;
	s->payload_len = rng_range(r, min_payload, max_payload);
	s->payload_seed = rng_next(r);
}

static size_t ip6_ext_len(const struct pktgen_spec *s)
{
	size_t n = 0;
	for (unsigned i = 0; i < s->nr_ip6_ext; i++)
		n += (s->ip6_ext_units[i] + 1u) * 8;
	return n;
}

size_t pktgen_l3_off(const struct pktgen_spec *s)
{
	return 14 + 4 * s->nr_vlan;
}

size_t pktgen_l4_off(const struct pktgen_spec *s)
{
	return pktgen_l3_off(s) + (s->ipv6 ? 40 + ip6_ext_len(s) : 20 + s->ip4_optlen);
}

size_t pktgen_hdr_len(const struct pktgen_spec *s)
{
	if (s->ipproto)
		return pktgen_l4_off(s);
	return pktgen_l4_off(s) + (s->udp ? 8 : 20 + s->tcp_optlen);
}

uint32_t ref_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i < len; i++) {
		sum += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return sum;
}

uint16_t ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint32_t ref_pseudo_proto(const uint8_t *ip, int ipv6, uint8_t proto, uint32_t l4_len)
{
	uint32_t s = ipv6 ? ref_sum(ip + 8, 32, 0) : ref_sum(ip + 12, 8, 0);
	s += proto + (l4_len >> 16) + (l4_len & 0xffff);
	return s;
}

static uint32_t ref_pseudo(const uint8_t *ip, int ipv6, uint32_t l4_len)
{
	return ref_pseudo_proto(ip, ipv6, 6, l4_len);
}

uint16_t ref_pseudo_sum(const uint8_t *ip, int ipv6, uint32_t l4_len)
{
	return ref_fold(ref_pseudo(ip, ipv6, l4_len));
}

size_t pktgen_build(const struct pktgen_spec *s, uint8_t *buf, size_t cap)
{
	size_t hdr = pktgen_hdr_len(s), len = hdr + s->payload_len;
	if (len + s->pad > cap)
		return 0;
	memset(buf, 0, hdr);
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x02 }, src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	memcpy(buf, s->mac_dst ? s->mac_dst : dst, 6);
	memcpy(buf + 6, s->mac_src ? s->mac_src : src, 6);
	size_t off = 12;
	for (unsigned i = 0; i < s->nr_vlan; i++) {
		put16(buf + off, s->vlan_tpid[i]);
		put16(buf + off + 2, s->vlan_tci[i]);
		off += 4;
	}
	put16(buf + off, s->ipv6 ? 0x86dd : 0x0800);
	off += 2;
	uint8_t *ip = buf + off;
	size_t l4 = pktgen_l4_off(s);
	uint32_t l4_len = (uint32_t)(len - l4);
	const uint8_t l4_proto = s->ipproto ? s->ipproto : s->udp ? 17 : 6;
	if (!s->ipv6) {
		ip[0] = (uint8_t)(0x40 | (5 + s->ip4_optlen / 4));
		ip[1] = s->tos;
		put16(ip + 2, (uint16_t)(len - off));
		put16(ip + 4, s->ip_id);
		put16(ip + 6, s->df ? 0x4000 : 0);
		ip[8] = s->ttl;
		ip[9] = l4_proto;
		static const uint8_t sa[4] = { 192, 0, 2, 1 }, da[4] = { 198, 51, 100, 1 };
		memcpy(ip + 12, s->ip_src ? s->ip_src : sa, 4);
		memcpy(ip + 16, s->ip_dst ? s->ip_dst : da, 4);
		uint8_t *opt = ip + 20;
		memset(opt, 1, s->ip4_optlen); /* NOPs */
		if (s->ip4_optlen >= 4) {   /* router alert, copied flag set */
			opt[0] = 0x94;
			opt[1] = 4;
		}
		put16(ip + 10, (uint16_t)~ref_fold(ref_sum(ip, 20 + s->ip4_optlen, 0)));
	} else {
		put32(ip, 0x60000000u | (uint32_t)s->tos << 20 | s->flow_label);
		put16(ip + 4, (uint16_t)(len - off - 40));
		ip[6] = s->nr_ip6_ext ? s->ip6_ext_type[0] : l4_proto;
		ip[7] = s->ttl;
		static const uint8_t sa[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
		static const uint8_t da[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
		memcpy(ip + 8, s->ip_src ? s->ip_src : sa, 16);
		memcpy(ip + 24, s->ip_dst ? s->ip_dst : da, 16);
		uint8_t *e = ip + 40;
		for (unsigned i = 0; i < s->nr_ip6_ext; i++) {
			size_t elen = (s->ip6_ext_units[i] + 1u) * 8;
			e[0] = i + 1 < s->nr_ip6_ext ? s->ip6_ext_type[i + 1] : l4_proto;
			e[1] = s->ip6_ext_units[i];
			if (s->ip6_ext_type[i] == 43) {
				e[2] = 253; /* experimental routing type, segments left 0 */
			} else {
				e[2] = 1;   /* PadN covering the rest */
				e[3] = (uint8_t)(elen - 4);
			}
			e += elen;
		}
	}
	if (s->ipproto) {
		if (s->payload)
			memmove(buf + hdr, s->payload, s->payload_len); /* may be in place */
		else
			memset(buf + hdr, 0, s->payload_len);
		memset(buf + len, 0, s->pad);
		return len + s->pad;
	}
	if (s->udp) {
		uint8_t *uh = buf + l4;
		put16(uh, s->sport);
		put16(uh + 2, s->dport);
		put16(uh + 4, (uint16_t)l4_len);
		struct rng pr = { s->payload_seed };
		uint8_t *pl = buf + hdr;
		if (s->payload)
			memmove(pl, s->payload, s->payload_len); /* may be in place */
		else
			for (size_t i = 0; i < s->payload_len; i++)
				pl[i] = (uint8_t)rng_next(&pr);
		uint32_t pseudo = ref_pseudo_proto(ip, s->ipv6, 17, l4_len);
		uint16_t c = 0;
		switch (s->csum) {
		case PKTGEN_CSUM_ZERO: c = 0; break;
		case PKTGEN_CSUM_PSEUDO: c = ref_fold(pseudo); break;
		case PKTGEN_CSUM_FULL:
			c = (uint16_t)~ref_fold(ref_sum(uh, l4_len, pseudo));
			if (c == 0)
				c = 0xffff;
			break;
		case PKTGEN_CSUM_GARBAGE: c = (uint16_t)(s->payload_seed >> 16); break;
		}
		put16(uh + 6, c);
		memset(buf + len, 0, s->pad);
		return len + s->pad;
	}
	uint8_t *th = buf + l4;
	put16(th, s->sport);
	put16(th + 2, s->dport);
	put32(th + 4, s->seq);
	put32(th + 8, s->ack);
	th[12] = (uint8_t)((5 + s->tcp_optlen / 4) << 4);
	th[13] = s->tcp_flags;
	put16(th + 14, s->win);
	put16(th + 18, s->urg);
	uint8_t *opt = th + 20;
	memset(opt, 1, s->tcp_optlen);
	if (s->tcp_optlen >= 12) {
		opt[2] = 8;
		opt[3] = 10;
		put32(opt + 4, s->ts_set ? s->tsval : (uint32_t)(s->payload_seed >> 32));
		put32(opt + 8, s->ts_set ? s->tsecr : (uint32_t)s->payload_seed);
	}
	struct rng pr = { s->payload_seed };
	uint8_t *pl = buf + hdr;
	size_t i = s->payload ? s->payload_len : 0;
	if (s->payload)
		memmove(pl, s->payload, s->payload_len); /* may be in place */
	for (; i + 8 <= s->payload_len; i += 8) {
		uint64_t x = rng_next(&pr);
		memcpy(pl + i, &x, 8);
	}
	for (; i < s->payload_len; i++)
		pl[i] = (uint8_t)rng_next(&pr);

	uint32_t pseudo = ref_pseudo(ip, s->ipv6, l4_len);
	switch (s->csum) {
	case PKTGEN_CSUM_ZERO:
		break;
	case PKTGEN_CSUM_PSEUDO:
		put16(th + 16, ref_fold(pseudo));
		break;
	case PKTGEN_CSUM_FULL:
		put16(th + 16, (uint16_t)~ref_fold(ref_sum(th, l4_len, pseudo)));
		break;
	case PKTGEN_CSUM_GARBAGE:
		put16(th + 16, (uint16_t)(s->payload_seed >> 16));
		break;
	}
	memset(buf + len, 0, s->pad); /* padding: not counted in the IP length */
	return len + s->pad;
}

int ref_verify_udp(const uint8_t *frame, size_t len, size_t l3_off, size_t l4_off, int ipv6)
{
	const uint8_t *ip = frame + l3_off;
	if (!ipv6 && ref_fold(ref_sum(ip, (ip[0] & 0xf) * 4u, 0)) != 0xffff)
		return 0;
	uint32_t l4_len = (uint32_t)(len - l4_off);
	return ref_fold(ref_sum(frame + l4_off, l4_len, ref_pseudo_proto(ip, ipv6, 17, l4_len))) == 0xffff;
}

int ref_verify_tcp(const uint8_t *frame, size_t len, size_t l3_off, size_t l4_off, int ipv6)
{
	const uint8_t *ip = frame + l3_off;
	if (!ipv6 && ref_fold(ref_sum(ip, (ip[0] & 0xf) * 4u, 0)) != 0xffff)
		return 0;
	uint32_t l4_len = (uint32_t)(len - l4_off);
	return ref_fold(ref_sum(frame + l4_off, l4_len, ref_pseudo(ip, ipv6, l4_len))) == 0xffff;
}

long hexdiff(const char *what, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen, d = 0;
	while (d < n && a[d] == b[d])
		d++;
	if (d == n && alen == blen)
		return -1;
	fprintf(stderr, "    %s: frames differ at offset %zu (lengths %zu, %zu)\n", what, d, alen, blen);
	const uint8_t *f[2] = { a, b };
	size_t l[2] = { alen, blen };
	for (int k = 0; k < 2; k++) {
		fprintf(stderr, "    %s:", k ? "got     " : "expected");
		size_t from = d > 32 ? (d - 32) & ~(size_t)15 : 0;
		for (size_t i = from; i < l[k] && i < from + 96; i++)
			fprintf(stderr, "%s%s%02x", (i % 16 == 0) ? "\n      " : " ", i == d ? "*" : "", f[k][i]);
		fprintf(stderr, "\n");
	}
	return (long)d;
}

size_t pktgen_tunnel_hdr(enum pktgen_tunnel type, uint32_t vni, unsigned optlen, uint64_t seed, uint8_t *buf)
{
	if (type == PKTGEN_VXLAN) {
		put32(buf, 0x08000000u); /* I: the VNI is valid */
		put32(buf + 4, vni << 8);
		return 8;
	}
	optlen &= ~3u;
	if (optlen > 252)
		optlen = 252;
	buf[0] = (uint8_t)(optlen / 4); /* version 0 */
	buf[1] = 0;
	put16(buf + 2, 0x6558);         /* transparent Ethernet bridging */
	put32(buf + 4, vni << 8);
	struct rng r = { seed };
	for (unsigned i = 0; i < optlen; i += 4) {
		/* option class, type (critical bit clear), length in words: one
		 * word of data each */
		if (i + 8 <= optlen) {
			put16(buf + 8 + i, (uint16_t)rng_next(&r));
			buf[8 + i + 2] = (uint8_t)(rng_next(&r) & 0x7f);
			buf[8 + i + 3] = 1;
			put32(buf + 8 + i + 4, (uint32_t)rng_next(&r));
			i += 4;
		} else {
			put16(buf + 8 + i, (uint16_t)rng_next(&r));
			buf[8 + i + 2] = (uint8_t)(rng_next(&r) & 0x7f);
			buf[8 + i + 3] = 0;
		}
	}
	return 8 + optlen;
}

size_t pktgen_build_ip_tunnel(const struct pktgen_spec *outer, const struct pktgen_gre *gre,
			      const struct pktgen_spec *inner, uint8_t *buf, size_t cap)
{
	struct pktgen_spec o = *outer;
	o.udp = 0;
	o.payload_len = 0;
	o.ipproto = !gre ? (inner->ipv6 ? 41 : 4) : 47;
	size_t at = pktgen_hdr_len(&o);
	if (at + 16 + 256 > cap)
		return 0;
	size_t ghl = gre ? 4u + 4u * (!!(gre->flags & 0x8000) + !!(gre->flags & 0x2000) + !!(gre->flags & 0x1000)) : 0;
	size_t inner_len = pktgen_build(inner, buf + at + ghl, cap - at - ghl);
	if (!inner_len)
		return 0;
	if (!gre || !gre->teb) { /* the IP packet alone */
		size_t l3 = pktgen_l3_off(inner);
		memmove(buf + at + ghl, buf + at + ghl + l3, inner_len - l3);
		inner_len -= l3;
	}
	if (gre) {
		uint8_t *gh = buf + at;
		put16(gh, gre->flags);
		put16(gh + 2, gre->teb ? 0x6558 : inner->ipv6 ? 0x86dd : 0x0800);
		size_t w = 4;
		if (gre->flags & 0x8000) {
			put32(gh + w, 0);
			w += 4;
		}
		if (gre->flags & 0x2000) {
			put32(gh + w, gre->key);
			w += 4;
		}
		if (gre->flags & 0x1000)
			put32(gh + w, gre->seq);
		if (gre->flags & 0x8000)
			put16(gh + 4, (uint16_t)~ref_fold(ref_sum(gh, ghl + inner_len, 0)));
	}
	o.payload = buf + at;
	o.payload_len = (uint32_t)(ghl + inner_len);
	return pktgen_build(&o, buf, cap);
}

size_t pktgen_build_tunnel(const struct pktgen_spec *outer, enum pktgen_tunnel type, uint32_t vni, unsigned optlen,
			   uint64_t seed, const struct pktgen_spec *inner, uint8_t *buf, size_t cap)
{
	struct pktgen_spec o = *outer;
	o.udp = 1;
	o.payload_len = 0;
	size_t at = pktgen_hdr_len(&o);
	if (at + 8 + 256 > cap)
		return 0;
	/* the tunnel header and the inner frame where the outer payload goes,
	 * then the outer headers in front (pktgen_build copies in place) */
	size_t thl = pktgen_tunnel_hdr(type, vni, optlen, seed, buf + at);
	size_t inner_len = pktgen_build(inner, buf + at + thl, cap - at - thl);
	if (!inner_len)
		return 0;
	o.payload = buf + at;
	o.payload_len = (uint32_t)(thl + inner_len);
	return pktgen_build(&o, buf, cap);
}
