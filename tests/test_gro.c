// SPDX-License-Identifier: MIT
/* GRO, one test per rule (kernel-rules G1-G18) and per case of the kernel's
 * GRO self-test (tools/testing/selftests/net/gro.c): data same size, large
 * then small, small then large; pure ACK; PSH, SYN, RST, URG, CWR; bad
 * checksum, seq gap, timestamp and option changes; ECN, TOS, TTL, IPv4
 * options, IPv4 and IPv6 fragments, IP ID/DF combinations; IPv6 extension
 * headers same and different; 64 KB exactly and with a remainder;
 * interleaved flows and more flows than the table holds. Then UDP GRO, LRO,
 * flushing by age, copy mode, and the ownership contract. */
#include <stdlib.h>
#include <string.h>
#include <segoff/segoff.h>
#include "check.h"
#include "pktgen.h"

#define MAX_OUT 256

struct out {
	uint8_t *data;
	uint32_t len;
	uint16_t gso_size, gso_segs;
	uint32_t gso_type;
	uint8_t csum_state;
	struct segoff_vnet_hdr vnet;
};

static struct out outs[MAX_OUT];
static unsigned nout, released, release_order_bad;
static uint8_t frames[MAX_OUT][9000 + 200];
static size_t frame_len[MAX_OUT];
static int cookie_released[MAX_OUT];

static void on_deliver(void *opaque, const struct segoff_gro_out *o)
{
	(void)opaque;
	if (nout == MAX_OUT)
		return;
	struct out *d = &outs[nout++];
	d->data = malloc(o->len);
	CHECK_EQ(slices_flatten(d->data, o->iov, o->nr_iov), o->len);
	d->len = o->len;
	d->gso_size = o->gso_size;
	d->gso_segs = o->gso_segs;
	d->gso_type = o->gso_type;
	d->csum_state = o->csum_state;
	d->vnet = o->vnet;
}

static void on_release(void *opaque, void *cookie)
{
	(void)opaque;
	unsigned i = (unsigned)(uintptr_t)cookie;
	if (i < MAX_OUT) {
		if (cookie_released[i]++)
			release_order_bad++; /* twice */
	}
	released++;
}

static void reset_outs(void)
{
	for (unsigned i = 0; i < nout; i++)
		free(outs[i].data);
	nout = 0;
	released = 0;
	release_order_bad = 0;
	memset(cookie_released, 0, sizeof(cookie_released));
}

static struct segoff_gro_config base_cfg(void)
{
	struct segoff_gro_config c;
	segoff_gro_config_init(&c);
	c.deliver = on_deliver;
	c.release = on_release;
	return c;
}

/* A flow of n segments of `mss` payload, seq/ID consecutive. */
static void flow(struct pktgen_spec *s, unsigned n, unsigned mss, int ipv6)
{
	for (unsigned i = 0; i < n; i++) {
		pktgen_default(&s[i]);
		s[i].ipv6 = ipv6;
		s[i].tcp_flags = 0x10;
		s[i].ts_set = 1;
		s[i].tsval = 1000;
		s[i].tsecr = 2000;
		s[i].seq = 5000 + i * mss;
		s[i].ip_id = (uint16_t)(100 + i);
		s[i].payload_len = mss;
		s[i].payload_seed = i + 1;
		s[i].csum = PKTGEN_CSUM_FULL;
	}
}

/* Feed the packets (in order), flush all, return the number of outputs. */
static unsigned run_cfg(struct pktgen_spec *s, unsigned n, const struct segoff_gro_config *cfg)
{
	reset_outs();
	struct segoff_gro *g;
	CHECK_EQ(segoff_gro_create(cfg, &g), SEGOFF_OK);
	for (unsigned i = 0; i < n; i++) {
		frame_len[i] = pktgen_build(&s[i], frames[i], sizeof(frames[i]));
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, frames[i], frame_len[i], NULL, 0);
		CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
		CHECK_EQ(segoff_gro_receive(g, &pkt, (void *)(uintptr_t)i, 0), SEGOFF_OK);
	}
	segoff_gro_flush_all(g);
	CHECK_EQ(released, n); /* every input released exactly once */
	CHECK_EQ(release_order_bad, 0);
	segoff_gro_destroy(g);
	return nout;
}

static unsigned run(struct pktgen_spec *s, unsigned n)
{
	struct segoff_gro_config c = base_cfg();
	return run_cfg(s, n, &c);
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Output k is the merge of inputs [from, to): payloads concatenated. */
static void check_merged(unsigned k, const struct pktgen_spec *s, unsigned from, unsigned to)
{
	size_t hdr = pktgen_hdr_len(&s[from]);
	uint32_t total = 0;
	CHECK(k < nout);
	if (k >= nout)
		return;
	for (unsigned i = from; i < to; i++) {
		CHECK(memcmp(outs[k].data + hdr + total, frames[i] + hdr, s[i].payload_len) == 0);
		total += s[i].payload_len;
	}
	CHECK_EQ(outs[k].len, hdr + total);
	CHECK_EQ(outs[k].gso_segs, to - from);
	if (to - from > 1) {
		CHECK_EQ(outs[k].gso_size, s[from].payload_len);
		CHECK_EQ(outs[k].csum_state, SEGOFF_CSUM_PARTIAL);
		CHECK_EQ(outs[k].vnet.flags, SEGOFF_VNET_F_NEEDS_CSUM);
	} else {
		CHECK_EQ(outs[k].gso_size, 0);
		CHECK(memcmp(outs[k].data, frames[from], frame_len[from]) == 0); /* unchanged [G3] */
	}
}

static void G2_data_same_size_merges_into_one(void)
{
	struct pktgen_spec s[4];
	flow(s, 4, 1000, 0);
	CHECK_EQ(run(s, 4), 1);
	check_merged(0, s, 0, 4);
	CHECK_EQ(outs[0].gso_type, SEGOFF_GSO_TCPV4);
	CHECK_EQ(outs[0].vnet.gso_type, SEGOFF_VNET_GSO_TCPV4);
}

static void G12_data_large_then_small_merges_and_closes(void)
{
	struct pktgen_spec s[4];
	flow(s, 4, 1000, 0);
	s[2].payload_len = 500;
	s[3].seq = s[2].seq + 500;
	CHECK_EQ(run(s, 4), 2);
	check_merged(0, s, 0, 3);
	check_merged(1, s, 3, 4);
}

static void G11_data_small_then_large_flushes(void)
{
	struct pktgen_spec s[3];
	flow(s, 3, 500, 0);
	s[1].payload_len = 1000; /* larger than the flow's MSS: not merged */
	s[2].seq = s[1].seq + 1000;
	CHECK_EQ(run(s, 3), 2);
	check_merged(0, s, 0, 1);
	check_merged(1, s, 1, 3);
}

static void G11_pure_ack_never_merges_and_flushes_its_flow(void)
{
	struct pktgen_spec s[4];
	flow(s, 4, 1000, 0);
	s[2].payload_len = 0;
	s[3].seq = s[2].seq;
	CHECK_EQ(run(s, 4), 3);
	check_merged(0, s, 0, 2);
	check_merged(1, s, 2, 3); /* the ACK, alone, right after */
	check_merged(2, s, 3, 4);
}

static void G12_psh_and_fin_merge_as_last_and_close(void)
{
	for (int fin = 0; fin < 2; fin++) {
		struct pktgen_spec s[4];
		flow(s, 4, 1000, 0);
		s[1].tcp_flags |= fin ? 0x01 : 0x08;
		CHECK_EQ(run(s, 4), 2);
		check_merged(0, s, 0, 2);
		CHECK_EQ(outs[0].data[pktgen_l4_off(&s[0]) + 13], 0x10 | (fin ? 0x01 : 0x08));
		check_merged(1, s, 2, 4);
	}
}

static void G12_syn_rst_urg_never_merge(void)
{
	static const uint8_t flags[] = { 0x02, 0x04, 0x20 };
	for (unsigned f = 0; f < 3; f++) {
		struct pktgen_spec s[4];
		flow(s, 4, 1000, 0);
		s[2].tcp_flags |= flags[f];
		CHECK_EQ(run(s, 4), 3);
		check_merged(0, s, 0, 2);
		check_merged(1, s, 2, 3);
		check_merged(2, s, 3, 4);
	}
}

static void G13_cwr_never_coalesces(void)
{
	struct pktgen_spec s[4];
	flow(s, 4, 1000, 0);
	s[2].tcp_flags |= 0x80;
	CHECK_EQ(run(s, 4), 3);
	check_merged(0, s, 0, 2);
	check_merged(1, s, 2, 3); /* held alone, then flushed by the next */
	check_merged(2, s, 3, 4);
	CHECK_EQ(segoff_gro_counter_name(SEGOFF_GRO_FLUSH_CWR)[0], 'f');
}

static void G11_bad_checksum_goes_up_alone_and_flow_stays(void)
{
	struct pktgen_spec s[4];
	flow(s, 4, 1000, 0);
	s[3].csum = PKTGEN_CSUM_GARBAGE;
	s[3].seq = s[2].seq + 1000;
	CHECK_EQ(run(s, 4), 2);
	check_merged(0, s, 3, 4); /* the bad one first: the flow is still held */
	CHECK_EQ(outs[0].csum_state, SEGOFF_CSUM_NONE);
	check_merged(1, s, 0, 3);
}

static void G11_seq_gap_flushes(void)
{
	struct pktgen_spec s[4];
	flow(s, 4, 1000, 0);
	s[2].seq += 1;
	s[3].seq += 1;
	CHECK_EQ(run(s, 4), 2);
	check_merged(0, s, 0, 2);
	check_merged(1, s, 2, 4);
}

static void G11_timestamp_and_option_changes_flush(void)
{
	for (int opt = 0; opt < 2; opt++) {
		struct pktgen_spec s[4];
		flow(s, 4, 1000, 0);
		for (unsigned i = 2; i < 4; i++) {
			if (opt)
				s[i].tcp_optlen = 16; /* different option bytes and data offset */
			else
				s[i].tsval++;
		}
		CHECK_EQ(run(s, 4), 2);
		check_merged(0, s, 0, 2);
		check_merged(1, s, 2, 4);
	}
}

static void G11_window_and_ack_changes_flush(void)
{
	for (int which = 0; which < 2; which++) {
		struct pktgen_spec s[3];
		flow(s, 3, 1000, which);
		if (which)
			s[2].ack++;
		else
			s[2].win++;
		CHECK_EQ(run(s, 3), 2);
		check_merged(0, s, 0, 2);
		check_merged(1, s, 2, 3);
	}
}

static void G7_ip_ecn_tos_ttl_changes_flush(void)
{
	for (int which = 0; which < 3; which++) {
		for (int v6 = 0; v6 < 2; v6++) {
			struct pktgen_spec s[4];
			flow(s, 4, 1000, v6);
			for (unsigned i = 2; i < 4; i++) {
				if (which == 0)
					s[i].tos |= 0x01; /* ECN bits */
				else if (which == 1)
					s[i].tos = 0x10;
				else
					s[i].ttl = 63;
			}
			CHECK_EQ(run(s, 4), 2);
			check_merged(0, s, 0, 2);
			check_merged(1, s, 2, 4);
		}
	}
}

static void G6_ipv4_options_are_never_held(void)
{
	struct pktgen_spec s[4];
	flow(s, 4, 1000, 0);
	s[2].ip4_optlen = 4;
	CHECK_EQ(run(s, 4), 3);
	check_merged(0, s, 2, 3); /* up at once, the held flow untouched... */
	check_merged(1, s, 0, 2); /* ...until s[3] arrives after the hole */
	check_merged(2, s, 3, 4);
}

static void G6_G10_fragments_are_never_held(void)
{
	for (int v6 = 0; v6 < 2; v6++) {
		struct pktgen_spec s[3];
		flow(s, 3, 1000, v6);
		/* mark s[1] as a first fragment: MF (v4) or a fragment header (v6) */
		reset_outs();
		struct segoff_gro_config c = base_cfg();
		struct segoff_gro *g;
		CHECK_EQ(segoff_gro_create(&c, &g), SEGOFF_OK);
		for (unsigned i = 0; i < 3; i++) {
			frame_len[i] = pktgen_build(&s[i], frames[i], sizeof(frames[i]));
			struct segoff_pkt pkt;
			segoff_pkt_init(&pkt, frames[i], frame_len[i], NULL, 0);
			segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
			if (i == 1)
				pkt.is_fragment = 1; /* as the parser sets for MF or a fragment header */
			segoff_gro_receive(g, &pkt, (void *)(uintptr_t)i, 0);
		}
		segoff_gro_flush_all(g);
		CHECK_EQ(segoff_gro_counters(g)[SEGOFF_GRO_NOT_HELD_FRAGMENT], 1);
		segoff_gro_destroy(g);
		CHECK_EQ(nout, 3);
	}
}

static void G6_ethernet_padding_blocks_aggregation(void)
{
	struct pktgen_spec s[4];
	flow(s, 4, 1000, 0);
	s[2].pad = 6;
	CHECK_EQ(run(s, 4), 3);
	check_merged(0, s, 0, 2); /* the padded packet flushes its flow... */
	CHECK_EQ(outs[1].len, frame_len[2]); /* ...and goes up itself */
	check_merged(2, s, 3, 4);
}

static void G8_ip_id_incrementing_fixed_and_wrong(void)
{
	/* incrementing: merges */
	struct pktgen_spec s[4];
	flow(s, 4, 1000, 0);
	CHECK_EQ(run(s, 4), 1);
	CHECK(!(outs[0].gso_type & SEGOFF_GSO_FIXEDID));
	/* fixed from the second packet on, DF set or not: merges, FIXEDID */
	for (int df = 0; df < 2; df++) {
		flow(s, 4, 1000, 0);
		for (unsigned i = 0; i < 4; i++) {
			s[i].ip_id = 77;
			s[i].df = df;
		}
		CHECK_EQ(run(s, 4), 1);
		CHECK(outs[0].gso_type & SEGOFF_GSO_FIXEDID);
	}
	/* fixed, then incrementing: the flow decided at packet 2 */
	flow(s, 4, 1000, 0);
	s[0].ip_id = s[1].ip_id = 9;
	s[2].ip_id = 10;
	s[3].ip_id = 11;
	CHECK_EQ(run(s, 4), 2);
	check_merged(0, s, 0, 2);
	/* a jump */
	flow(s, 4, 1000, 0);
	s[2].ip_id += 5;
	s[3].ip_id += 5;
	CHECK_EQ(run(s, 4), 2);
	/* DF change */
	flow(s, 4, 1000, 0);
	s[2].df = s[3].df = 0;
	CHECK_EQ(run(s, 4), 2);
}

static void G10_ipv6_extension_headers_same_and_different(void)
{
	struct pktgen_spec s[4];
	flow(s, 4, 1000, 1);
	for (unsigned i = 0; i < 4; i++) {
		s[i].nr_ip6_ext = 1;
		s[i].ip6_ext_type[0] = 60;
		s[i].ip6_ext_units[0] = 1;
	}
	CHECK_EQ(run(s, 4), 1);
	check_merged(0, s, 0, 4);
	CHECK_EQ(outs[0].gso_type, SEGOFF_GSO_TCPV6);
	/* different extension headers: a different flow, both held */
	s[2].ip6_ext_units[0] = 0;
	CHECK_EQ(run(s, 4), 3);
}

static void G5_64k_exactly_and_with_remainder(void)
{
	/* IPv4 + TCP with timestamps: 52 bytes of headers from the IP header.
	 * 64 KB is measured from it: merged length must stay below 65536. */
	static struct pktgen_spec s[48];
	flow(s, 48, 1448, 0);
	CHECK_EQ(run(s, 48), 2);
	/* 45 * 1448 + 52 = 65212 < 65536; one more would be 66660 */
	CHECK_EQ(outs[0].gso_segs, 45);
	CHECK_EQ(outs[1].gso_segs, 3);
	CHECK(outs[0].len - 14 <= 65535);
	/* exactly: 12 segments of 5457 bytes make 65536 from the IP header,
	 * which is not allowed; 11 are */
	flow(s, 12, 5457, 0);
	CHECK_EQ(run(s, 12), 2);
	CHECK_EQ(outs[0].gso_segs, 11);
	CHECK_EQ(outs[0].len - 14, 52 + 11 * 5457u);
	/* and 65535 is: the last segment one byte shorter */
	flow(s, 12, 5457, 0);
	s[11].payload_len = 5456;
	CHECK_EQ(run(s, 12), 1);
	CHECK_EQ(outs[0].len - 14, 65535);
}

/* Feed n frames of one run of `mss`-byte segments through the frame entry
 * point (its fast path included); returns the number of outputs. */
static unsigned run_long(unsigned n, unsigned mss, int ipv6, const struct segoff_gro_config *cfg, uint64_t *counters)
{
	static uint8_t buf[1600][1000 + 100];
	struct pktgen_spec s[1];
	reset_outs();
	struct segoff_gro *g;
	CHECK_EQ(segoff_gro_create(cfg, &g), SEGOFF_OK);
	for (unsigned i = 0; i < n && i < 1600; i++) {
		flow(s, 1, mss, ipv6);
		s[0].seq = 5000 + i * mss;
		s[0].ip_id = (uint16_t)(100 + i);
		s[0].payload_seed = i + 1;
		size_t len = pktgen_build(&s[0], buf[i], sizeof(buf[i]));
		CHECK_EQ(segoff_gro_receive_frame(g, buf[i], len, SEGOFF_CSUM_NONE, NULL, 0), SEGOFF_OK);
	}
	segoff_gro_flush_all(g);
	memcpy(counters, segoff_gro_counters(g), SEGOFF_GRO__COUNTERS * sizeof(uint64_t));
	segoff_gro_destroy(g);
	return nout;
}

static void G15_tcp_flows_have_no_packet_count_limit(void)
{
	/* 48-byte segments, the smallest MSS Linux sends: IPv4 + TCP with
	 * timestamps is 52 bytes from the IP header, so (65535 - 52) / 48 =
	 * 1364 segments fit below 65536 and the 1365th flushes [G5] */
	struct segoff_gro_config c = base_cfg();
	uint64_t cnt[SEGOFF_GRO__COUNTERS];
	CHECK_EQ(run_long(1400, 48, 0, &c, cnt), 2);
	CHECK_EQ(outs[0].gso_segs, 1364);
	CHECK_EQ(outs[0].len - 14, 52 + 1364 * 48u);
	CHECK_EQ(outs[1].gso_segs, 36);
	CHECK_EQ(cnt[SEGOFF_GRO_FLUSH_SIZE], 1);
	CHECK_EQ(cnt[SEGOFF_GRO_FLUSH_NO_ROOM], 0);
	CHECK_EQ(cnt[SEGOFF_GRO_FLUSH_PKT_LIMIT], 0);
	/* IPv6: 72 bytes of headers, (65535 - 72) / 48 = 1363 */
	CHECK_EQ(run_long(1400, 48, 1, &c, cnt), 2);
	CHECK_EQ(outs[0].gso_segs, 1363);
	/* MSS 536, 133 segments: 122 fill a 65,458-byte frame, the other 11
	 * make 5,962, as Linux 6.18 delivers them */
	CHECK_EQ(run_long(133, 536, 0, &c, cnt), 2);
	CHECK_EQ(outs[0].len, 14 + 52 + 122 * 536u);
	CHECK_EQ(outs[0].len, 65458);
	CHECK_EQ(outs[1].len, 14 + 52 + 11 * 536u);
	CHECK_EQ(outs[1].len, 5962);
	/* memory stays fixed at creation, and says so */
	CHECK(segoff_gro_memsize(&c) > 0);
}

static void max_pkts_per_flow_is_an_option_counted_as_a_divergence(void)
{
	struct segoff_gro_config c = base_cfg();
	c.max_pkts_per_flow = 64;
	uint64_t cnt[SEGOFF_GRO__COUNTERS];
	/* MSS 1000, 73 segments: Linux gives 65 + 8; with the option, 64 + 9 */
	CHECK_EQ(run_long(73, 1000, 0, &c, cnt), 2);
	CHECK_EQ(outs[0].gso_segs, 64);
	CHECK_EQ(outs[1].gso_segs, 9);
	CHECK_EQ(cnt[SEGOFF_GRO_FLUSH_PKT_LIMIT], 1);
	CHECK_EQ(cnt[SEGOFF_GRO_FLUSH_NO_ROOM], 0);
	struct segoff_gro_config d = base_cfg();
	CHECK_EQ(run_long(73, 1000, 0, &d, cnt), 2);
	CHECK_EQ(outs[0].gso_segs, 65);
	CHECK_EQ(outs[0].len, 65066);
	CHECK_EQ(outs[1].len, 8066);
	CHECK(segoff_gro_memsize(&c) < segoff_gro_memsize(&d));
}

static void segments_under_min_mss_end_when_the_slots_are_full(void)
{
	/* 16-byte segments are below what Linux sends; the default slots
	 * (65536 / 48 + 2 packets) end such a run early, counted by name;
	 * min_mss 16 sizes the slots for it and the kernel's verdict returns */
	struct segoff_gro_config c = base_cfg();
	uint64_t cnt[SEGOFF_GRO__COUNTERS];
	CHECK_EQ(run_long(1600, 16, 0, &c, cnt), 2);
	CHECK_EQ(outs[0].gso_segs, 65536 / 48 + 2);
	CHECK_EQ(cnt[SEGOFF_GRO_FLUSH_NO_ROOM], 1);
	c.min_mss = 16;
	CHECK_EQ(run_long(1600, 16, 0, &c, cnt), 1);
	CHECK_EQ(outs[0].gso_segs, 1600);
	CHECK_EQ(cnt[SEGOFF_GRO_FLUSH_NO_ROOM], 0);
	c.min_mss = 0;
	struct segoff_gro *g;
	CHECK_EQ(segoff_gro_create(&c, &g), SEGOFF_E_INVAL);
}

static void G1_interleaved_flows_and_more_flows_than_the_table(void)
{
	static struct pktgen_spec s[40];
	struct pktgen_spec a[10], b[10];
	flow(a, 10, 800, 0);
	flow(b, 10, 800, 1);
	for (unsigned i = 0; i < 10; i++) {
		b[i].sport = 999;
		s[2 * i] = a[i];
		s[2 * i + 1] = b[i];
	}
	CHECK_EQ(run(s, 20), 2);
	CHECK_EQ(outs[0].gso_segs, 10);
	CHECK_EQ(outs[1].gso_segs, 10);
	/* 9 flows through an 8-flow table: the oldest is flushed [G1] */
	for (unsigned i = 0; i < 18; i++) {
		flow(&s[i], 1, 500, 0);
		s[i].sport = (uint16_t)(2000 + i % 9);
		s[i].seq = 5000 + (i / 9) * 500;
		s[i].ip_id = (uint16_t)(100 + i / 9);
	}
	struct segoff_gro_config c = base_cfg();
	c.max_flows = 8;
	/* the 9th flow evicts flow 0; then each second packet finds its flow
	 * evicted and evicts the next: 18 single packets, flow 0's first */
	CHECK_EQ(run_cfg(s, 18, &c), 18);
	CHECK(outs[0].len == frame_len[0] && memcmp(outs[0].data, frames[0], frame_len[0]) == 0);
	CHECK_EQ(outs[1].len, frame_len[1]);
}

static void G16_G18_udp_gro_same_size_smaller_closes_larger_flushes(void)
{
	struct segoff_gro_config c = base_cfg();
	static struct pktgen_spec s[6];
	flow(s, 6, 1200, 0);
	/* turn them into UDP datagrams: same builder, protocol 17 */
	reset_outs();
	c.udp = 1;
	struct segoff_gro *g;
	CHECK_EQ(segoff_gro_create(&c, &g), SEGOFF_OK);
	static const unsigned sizes[6] = { 1200, 1200, 1200, 700, 1200, 1300 };
	for (unsigned i = 0; i < 6; i++) {
		uint8_t *f = frames[i];
		size_t len = 14 + 20 + 8 + sizes[i];
		memset(f, 0, len);
		f[12] = 0x08;
		f[14] = 0x45;
		f[14 + 2] = (uint8_t)((len - 14) >> 8);
		f[14 + 3] = (uint8_t)(len - 14);
		f[14 + 8] = 64;
		f[14 + 9] = 17;
		f[14 + 12] = 192;
		f[14 + 15] = 1;
		f[14 + 16] = 198;
		f[14 + 19] = 2;
		f[14 + 4] = 0;
		f[14 + 5] = (uint8_t)i;
		uint16_t ipc = segoff_csum_finish(segoff_csum(f + 14, 20));
		f[14 + 10] = (uint8_t)(ipc >> 8);
		f[14 + 11] = (uint8_t)ipc;
		uint8_t *u = f + 34;
		u[0] = 0x30; u[1] = 0x39; u[2] = 0x11; u[3] = 0x51;
		u[4] = (uint8_t)((8 + sizes[i]) >> 8);
		u[5] = (uint8_t)(8 + sizes[i]);
		for (unsigned k = 0; k < sizes[i]; k++)
			u[8 + k] = (uint8_t)(k * 7 + i);
		uint16_t c16 = segoff_csum_finish(segoff_csum_pseudo4(f + 26, f + 30, 17, 8 + sizes[i]) +
						   segoff_csum(u, 8 + sizes[i]));
		u[6] = (uint8_t)(c16 >> 8);
		u[7] = (uint8_t)c16;
		frame_len[i] = len;
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, f, len, NULL, 0);
		CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
		segoff_gro_receive(g, &pkt, (void *)(uintptr_t)i, 0);
	}
	segoff_gro_flush_all(g);
	/* 1200x3 + 700 (merged, closes) | 1200 | 1300 (larger: flushes, held alone) */
	CHECK_EQ(nout, 3);
	CHECK_EQ(outs[0].gso_segs, 4);
	CHECK_EQ(outs[0].gso_size, 1200);
	CHECK_EQ(outs[0].gso_type, SEGOFF_GSO_UDP_L4);
	CHECK_EQ(be16(outs[0].data + 34 + 4), 8 + 3 * 1200 + 700);
	CHECK_EQ(outs[1].gso_segs, 1);
	CHECK_EQ(outs[2].gso_segs, 1);
	CHECK_EQ(outs[2].len, 14 + 20 + 8 + 1300);
	segoff_gro_destroy(g);
	/* UDP is off by default: nothing merges */
	c.udp = 0;
	CHECK_EQ(segoff_gro_create(&c, &g), SEGOFF_OK);
	reset_outs();
	for (unsigned i = 0; i < 3; i++) {
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, frames[i], frame_len[i], NULL, 0);
		segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
		segoff_gro_receive(g, &pkt, NULL, 0);
	}
	segoff_gro_flush_all(g);
	CHECK_EQ(nout, 3);
	CHECK_EQ(segoff_gro_counters(g)[SEGOFF_GRO_NOT_HELD_UNSUPPORTED], 3);
	segoff_gro_destroy(g);
}

static void flush_by_age_and_counters(void)
{
	struct segoff_gro_config c = base_cfg();
	c.flush_timeout = 100;
	struct pktgen_spec s[3];
	flow(s, 3, 1000, 0);
	s[2].sport = 7;
	reset_outs();
	struct segoff_gro *g;
	CHECK_EQ(segoff_gro_create(&c, &g), SEGOFF_OK);
	for (unsigned i = 0; i < 3; i++) {
		frame_len[i] = pktgen_build(&s[i], frames[i], sizeof(frames[i]));
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, frames[i], frame_len[i], NULL, 0);
		segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
		segoff_gro_receive(g, &pkt, (void *)(uintptr_t)i, i == 2 ? 150 : 10);
	}
	segoff_gro_flush(g, 109);
	CHECK_EQ(nout, 0);
	segoff_gro_flush(g, 110); /* the first flow is 100 old */
	CHECK_EQ(nout, 1);
	CHECK_EQ(outs[0].gso_segs, 2);
	segoff_gro_flush(g, 200);
	CHECK_EQ(nout, 1);
	segoff_gro_flush(g, 250);
	CHECK_EQ(nout, 2);
	const uint64_t *k = segoff_gro_counters(g);
	CHECK_EQ(k[SEGOFF_GRO_RX_PACKETS], 3);
	CHECK_EQ(k[SEGOFF_GRO_MERGED], 1);
	CHECK_EQ(k[SEGOFF_GRO_HELD], 2);
	CHECK_EQ(k[SEGOFF_GRO_FLUSH_TIMEOUT], 2);
	CHECK_EQ(k[SEGOFF_GRO_TX_PACKETS], 2);
	CHECK_EQ(k[SEGOFF_GRO_COALESCED], 1);
	for (int i = 0; i < SEGOFF_GRO__COUNTERS; i++)
		CHECK(segoff_gro_counter_name((enum segoff_gro_counter)i)[0] != 'u');
	segoff_gro_destroy(g);
}

static void copy_mode_and_full_checksums(void)
{
	struct segoff_gro_config c = base_cfg();
	c.copy = 1;
	c.csum = SEGOFF_GRO_CSUM_FULL;
	struct pktgen_spec s[5];
	flow(s, 5, 999, 0); /* odd sizes: payload sums at odd offsets */
	CHECK_EQ(run_cfg(s, 5, &c), 1);
	CHECK_EQ(outs[0].gso_segs, 5);
	CHECK_EQ(outs[0].len, pktgen_hdr_len(&s[0]) + 5 * 999);
	CHECK_EQ(outs[0].csum_state, SEGOFF_CSUM_COMPLETE);
	CHECK(ref_verify_tcp(outs[0].data, outs[0].len, 14, pktgen_l4_off(&s[0]), 0));
	CHECK_EQ(ref_fold(ref_sum(outs[0].data + 14, 20, 0)), 0xffff);
	CHECK_EQ(outs[0].vnet.flags, SEGOFF_VNET_F_DATA_VALID);
	/* trusted input (no verification): the sum is computed at completion */
	c.trust_csum = 1;
	flow(s, 5, 999, 1);
	CHECK_EQ(run_cfg(s, 5, &c), 1);
	CHECK(ref_verify_tcp(outs[0].data, outs[0].len, 14, pktgen_l4_off(&s[0]), 1));
}

static void lro_merges_what_gro_keeps_apart(void)
{
	struct pktgen_spec s[6];
	flow(s, 6, 1000, 0);
	for (unsigned i = 0; i < 6; i++) {
		s[i].ip_id = (uint16_t)(i * 37); /* not incrementing */
		s[i].ack += i * 100;             /* ACK moves on */
		s[i].win = (uint16_t)(1000 + i); /* window changes */
		s[i].tsval += i;                 /* timestamps change */
	}
	CHECK_EQ(run(s, 6), 6); /* GRO: every packet alone */
	struct segoff_gro_config c = base_cfg();
	c.mode = SEGOFF_GRO_MODE_LRO;
	CHECK_EQ(run_cfg(s, 6, &c), 1);
	CHECK_EQ(outs[0].gso_segs, 6);
	size_t l4 = pktgen_l4_off(&s[0]);
	CHECK_EQ(be16(outs[0].data + l4 + 14), 1005); /* the latest window */
	/* pure ACKs compress into the latest */
	flow(s, 4, 0, 0);
	for (unsigned i = 0; i < 4; i++)
		s[i].ack += i * 10;
	CHECK_EQ(run_cfg(s, 4, &c), 1);
	CHECK_EQ(outs[0].gso_size, 0);
	CHECK_EQ(outs[0].len, frame_len[0]);
	CHECK(ref_verify_tcp(outs[0].data, outs[0].len, 14, l4, 0));
	CHECK_EQ((uint32_t)outs[0].data[l4 + 8] << 24 | (uint32_t)outs[0].data[l4 + 9] << 16 |
			 (uint32_t)outs[0].data[l4 + 10] << 8 | outs[0].data[l4 + 11],
		 s[3].ack);
}

/* Forwarding: GRO then GSO gives back the arriving packets; LRO then GSO
 * does not (it kept only the latest ACK, window and timestamps). */
static void gro_then_gso_reproduces_packets_lro_then_gso_does_not(void)
{
	struct pktgen_spec s[10];
	flow(s, 10, 1000, 0);
	for (unsigned i = 5; i < 10; i++) {
		s[i].ack += 1000; /* the peer acknowledged half way */
		s[i].tsval += 1;
	}
	for (int lro = 0; lro < 2; lro++) {
		struct segoff_gro_config c = base_cfg();
		c.mode = lro ? SEGOFF_GRO_MODE_LRO : SEGOFF_GRO_MODE_GRO;
		unsigned n = run_cfg(s, 10, &c);
		CHECK_EQ(n, lro ? 1u : 2u);
		/* cut every output back with GSO, compare with what arrived */
		static uint8_t buf[70000];
		struct segoff_seg segs[16];
		unsigned k = 0, same = 1;
		for (unsigned o = 0; o < nout; o++) {
			struct segoff_pkt pkt;
			segoff_pkt_init(&pkt, outs[o].data, outs[o].len, NULL, 0);
			segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0);
			pkt.csum_state = SEGOFF_CSUM_PARTIAL;
			pkt.csum_start = pkt.l4_off;
			pkt.csum_offset = 16;
			pkt.gso_size = outs[o].gso_size;
			struct segoff_gso_params p;
			segoff_gso_params_init(&p);
			int m = segoff_gso_copy(&pkt, &p, buf, sizeof(buf), segs, 16);
			for (int i = 0; i < m && k < 10; i++, k++)
				same &= segs[i].len == frame_len[k] && memcmp(segs[i].head, frames[k], frame_len[k]) == 0;
		}
		CHECK_EQ(k, 10);
		CHECK_EQ(same, !lro);
	}
}

static void refusals_and_untrusted_input(void)
{
	struct segoff_gro_config c = base_cfg();
	struct segoff_gro *g;
	c.deliver = NULL;
	CHECK_EQ(segoff_gro_create(&c, &g), SEGOFF_E_INVAL);
	c = base_cfg();
	c.max_size = 1 << 20;
	CHECK_EQ(segoff_gro_create(&c, &g), SEGOFF_E_INVAL);
	c = base_cfg();
	CHECK(segoff_gro_memsize(&c) > 0);
	CHECK_EQ(segoff_gro_create(&c, &g), SEGOFF_OK);
	CHECK_EQ(segoff_gro_receive(g, NULL, NULL, 0), SEGOFF_E_INVAL);
	/* unparsed or non-TCP: delivered unchanged */
	reset_outs();
	uint8_t junk[60] = { 0 };
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, junk, sizeof(junk), NULL, 0);
	CHECK_EQ(segoff_gro_receive(g, &pkt, NULL, 0), SEGOFF_OK);
	CHECK_EQ(nout, 1);
	CHECK_EQ(outs[0].len, 60);
	segoff_gro_destroy(g);
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(G2_data_same_size_merges_into_one),
		TEST(G12_data_large_then_small_merges_and_closes),
		TEST(G11_data_small_then_large_flushes),
		TEST(G11_pure_ack_never_merges_and_flushes_its_flow),
		TEST(G12_psh_and_fin_merge_as_last_and_close),
		TEST(G12_syn_rst_urg_never_merge),
		TEST(G13_cwr_never_coalesces),
		TEST(G11_bad_checksum_goes_up_alone_and_flow_stays),
		TEST(G11_seq_gap_flushes),
		TEST(G11_timestamp_and_option_changes_flush),
		TEST(G11_window_and_ack_changes_flush),
		TEST(G7_ip_ecn_tos_ttl_changes_flush),
		TEST(G6_ipv4_options_are_never_held),
		TEST(G6_G10_fragments_are_never_held),
		TEST(G6_ethernet_padding_blocks_aggregation),
		TEST(G8_ip_id_incrementing_fixed_and_wrong),
		TEST(G10_ipv6_extension_headers_same_and_different),
		TEST(G5_64k_exactly_and_with_remainder),
		TEST(G15_tcp_flows_have_no_packet_count_limit),
		TEST(max_pkts_per_flow_is_an_option_counted_as_a_divergence),
		TEST(segments_under_min_mss_end_when_the_slots_are_full),
		TEST(G1_interleaved_flows_and_more_flows_than_the_table),
		TEST(G16_G18_udp_gro_same_size_smaller_closes_larger_flushes),
		TEST(flush_by_age_and_counters),
		TEST(copy_mode_and_full_checksums),
		TEST(lro_merges_what_gro_keeps_apart),
		TEST(gro_then_gso_reproduces_packets_lro_then_gso_does_not),
		TEST(refusals_and_untrusted_input),
	};
	int rc = check_main(argc, argv, "gro", tests, sizeof(tests) / sizeof(tests[0]));
	reset_outs();
	return rc;
}
