// SPDX-License-Identifier: MIT
/*
 * Fuzz target: fragmentation and reassembly are inverses. A datagram and an
 * MTU from the input go through segoff_frag_copy(); every fragment must fit
 * the MTU; the fragments, in an order and with duplicates drawn from the
 * input, go through a reassembly context with the default (kernel's)
 * limits, which must deliver exactly the datagram: the same bytes, once,
 * with every fragment released exactly once.
 *
 * Input layout: bytes 0-1 = the MTU, byte 2 = options (bit 0: the sending
 * host's layout, bit 1: reverse the order, bit 2: duplicate every third
 * fragment, bits 3-7: rotate by that much), then the frame.
 *
 * Where the identity cannot hold, the verdict must still be named: an IPv4
 * header whose checksum is wrong comes back with a right one, and an IPv6
 * first fragment cut inside its transport header is dropped as the kernel
 * drops it [R3].
 */
#include <string.h>
#include <segoff/segoff.h>
#include "contract.h"

#define MAX_FRAGS 8400

static uint8_t got[70000];
static size_t got_len;
static unsigned deliveries;

static void on_deliver(void *opaque, const struct segoff_reasm_out *out)
{
	(void)opaque;
	size_t n = contract_output_len(out->iov, out->nr_iov, out->len);
	must(n <= sizeof(got));
	size_t at = 0;
	for (unsigned i = 0; i < out->nr_iov; i++) {
		memcpy(got + at, out->iov[i].base, out->iov[i].len);
		at += out->iov[i].len;
	}
	got_len = n;
	deliveries++;
}

static unsigned released[MAX_FRAGS * 2];

static void on_release(void *opaque, void *cookie)
{
	(void)opaque;
	uintptr_t i = (uintptr_t)cookie;
	must(i < MAX_FRAGS * 2);
	must(released[i]++ == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[4 << 20];
	static struct segoff_seg frags[MAX_FRAGS];
	static unsigned order[MAX_FRAGS * 2];
	static struct segoff_reasm *r;
	if (size < 3)
		return 0;
	if (!r) {
		/* one context for every input: the defaults' tables are megabytes */
		struct segoff_reasm_config cfg;
		segoff_reasm_config_init(&cfg);
		cfg.deliver = on_deliver;
		cfg.release = on_release;
		must(segoff_reasm_create(&cfg, &r) == SEGOFF_OK);
	}
	uint16_t mtu = (uint16_t)(data[0] << 8 | data[1]);
	uint8_t opt = data[2];
	const uint8_t *frame = data + 3;
	size_t len = size - 3;
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, frame, len, NULL, 0);
	if (segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0) < 0 || pkt.l3_proto == SEGOFF_PROTO_NONE)
		return 0;
	struct segoff_frag_params p;
	segoff_frag_params_init(&p, mtu);
	p.layout = (opt & 1) ? SEGOFF_FRAG_LOCAL_OUT : SEGOFF_FRAG_FORWARD;
	int n = segoff_frag_copy(&pkt, &p, buf, sizeof(buf), frags, MAX_FRAGS);
	must(segoff_error_name(n) != NULL);
	if (n <= 1)
		return 0; /* refused by name, or it fits: not fragmented */
	int v6 = pkt.l3_proto == SEGOFF_PROTO_IPV6;
	const uint8_t *ip = frame + pkt.l3_off;
	/* an IPv4 datagram that is a fragment already (or has the reserved
	 * bit) does not come back as it was: reassembly makes it whole */
	if (!v6 && (ip[6] | ip[7]))
		return 0;
	size_t ip_len = v6 ? 40u + (size_t)(ip[4] << 8 | ip[5]) : (size_t)(ip[2] << 8 | ip[3]);
	for (int i = 0; i < n; i++)
		must(frags[i].len - pkt.l3_off <= mtu);

	unsigned m = 0;
	for (int i = 0; i < n; i++) {
		order[m++] = (unsigned)i;
		if ((opt & 4) && i % 3 == 0)
			order[m++] = (unsigned)i;
	}
	unsigned rot = (opt >> 3) % m;
	memset(released, 0, m * sizeof(released[0]));
	deliveries = 0;
	for (unsigned i = 0; i < m; i++) {
		unsigned k = order[(i + rot) % m];
		if (opt & 2)
			k = order[m - 1 - (i + rot) % m];
		must(segoff_reasm_receive(r, frags[k].head, frags[k].len, (void *)(uintptr_t)i, 0) == SEGOFF_OK);
	}
	const uint64_t *c = segoff_reasm_counters(r);
	if (deliveries == 0) {
		/* only a first fragment cut inside the transport header */
		must(v6 && c[SEGOFF_REASM_HEADER_CHAIN] > 0);
	} else {
		/* the datagram, its padding gone; an IPv4 header with its checksum made right */
		must(got_len == pkt.l3_off + ip_len);
		size_t ck = v6 ? SIZE_MAX : (size_t)pkt.l3_off + 10;
		for (size_t i = 0; i < got_len; i++)
			must(got[i] == frame[i] || i == ck || i == ck + 1);
	}
	/* duplicates that came after completion start datagrams of their own:
	 * time them out, so that every fragment has been released once */
	segoff_reasm_expire(r, UINT64_MAX);
	must(segoff_reasm_mem(r) == 0);
	for (unsigned i = 0; i < m; i++)
		must(released[i] == 1);
	return 0;
}
