// SPDX-License-Identifier: MIT
/* The CLI as a user runs it: `segoff segment` on pcap and pcapng files and on
 * stdin/stdout, with malformed packets, options and usage errors. Inputs are
 * made here; expected outputs come from the library itself (whose output
 * the kernel differential test vouches for). $SEGOFF_CLI names the binary. */
#define _GNU_SOURCE
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <segoff/segoff.h>
#include "check.h"
#include "pktgen.h"

#define MAX_PKTS 64
#define MAX_OUT 512

struct capture {
	unsigned n;
	uint8_t *data[MAX_OUT];
	uint32_t len[MAX_OUT], wire_len[MAX_OUT];
	struct timeval ts[MAX_OUT];
};

static char dir[] = "/tmp/segoff-cli-XXXXXX";
static const char *cli;
static char path_buf[8][512];

static const char *path(int slot, const char *name)
{
	snprintf(path_buf[slot], sizeof(path_buf[slot]), "%s/%s", dir, name);
	return path_buf[slot];
}

static void capture_free(struct capture *c)
{
	for (unsigned i = 0; i < c->n; i++)
		free(c->data[i]);
	c->n = 0;
}

static void capture_add(struct capture *c, const uint8_t *d, uint32_t caplen, uint32_t len, long usec)
{
	c->data[c->n] = malloc(caplen ? caplen : 1);
	memcpy(c->data[c->n], d, caplen);
	c->len[c->n] = caplen;
	c->wire_len[c->n] = len;
	c->ts[c->n] = (struct timeval){ 1700000000, usec };
	c->n++;
}

static void write_pcap(const char *file, const struct capture *c, int linktype)
{
	pcap_t *dead = pcap_open_dead(linktype, 262144);
	pcap_dumper_t *d = pcap_dump_open(dead, file);
	for (unsigned i = 0; i < c->n; i++) {
		struct pcap_pkthdr h = { c->ts[i], c->len[i], c->wire_len[i] };
		pcap_dump((u_char *)d, &h, c->data[i]);
	}
	pcap_dump_close(d);
	pcap_close(dead);
}

/* pcapng by hand: libpcap reads it but cannot write it. */
static void put32le(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);
}

static void write_pcapng(const char *file, const struct capture *c)
{
	FILE *f = fopen(file, "wb");
	/* Section Header Block */
	put32le(f, 0x0a0d0d0a);
	put32le(f, 28);
	put32le(f, 0x1a2b3c4d);
	put32le(f, 0x00000001); /* version 1.0 */
	put32le(f, 0xffffffff);
	put32le(f, 0xffffffff); /* section length unknown */
	put32le(f, 28);
	/* Interface Description Block: Ethernet, snaplen 262144, microseconds */
	put32le(f, 1);
	put32le(f, 20);
	put32le(f, 1); /* linktype 1, reserved 0 */
	put32le(f, 262144);
	put32le(f, 20);
	for (unsigned i = 0; i < c->n; i++) {
		uint32_t pad = (4 - c->len[i] % 4) % 4, blen = 32 + c->len[i] + pad;
		uint64_t us = (uint64_t)c->ts[i].tv_sec * 1000000 + (uint64_t)c->ts[i].tv_usec;
		put32le(f, 6);
		put32le(f, blen);
		put32le(f, 0);
		put32le(f, (uint32_t)(us >> 32));
		put32le(f, (uint32_t)us);
		put32le(f, c->len[i]);
		put32le(f, c->wire_len[i]);
		fwrite(c->data[i], 1, c->len[i], f);
		fwrite("\0\0\0", 1, pad, f);
		put32le(f, blen);
	}
	fclose(f);
}

static int read_capture(const char *file, struct capture *c)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(file, err);
	if (!p)
		return -1;
	struct pcap_pkthdr *h;
	const u_char *d;
	c->n = 0;
	while (pcap_next_ex(p, &h, &d) == 1 && c->n < MAX_OUT) {
		capture_add(c, d, h->caplen, h->len, 0);
		c->ts[c->n - 1] = h->ts;
	}
	pcap_close(p);
	return 0;
}

/* Runs a shell command line; returns the exit status. */
static int run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static char *slurp(const char *file)
{
	static char buf[65536];
	FILE *f = fopen(file, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = 0;
	if (f)
		fclose(f);
	return buf;
}

static void add_tcp(struct capture *c, const struct pktgen_spec *s, long usec)
{
	static uint8_t f[70000];
	size_t len = pktgen_build(s, f, sizeof(f));
	capture_add(c, f, (uint32_t)len, (uint32_t)len, usec);
}

/* A mix of what a TSO-side capture holds: super-packets (v4, v6 with
 * extension headers, VLAN), small TCP, ARP, UDP. */
static void make_clean(struct capture *c)
{
	struct pktgen_spec s;
	static const uint8_t arp[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1 };
	capture_add(c, arp, 42, 42, 1);
	pktgen_default(&s);
	s.payload_len = 5000;
	add_tcp(c, &s, 2);
	s.payload_len = 100;
	add_tcp(c, &s, 3);
	s.ipv6 = 1;
	s.nr_ip6_ext = 2;
	s.ip6_ext_type[0] = 0;
	s.ip6_ext_type[1] = 60;
	s.payload_len = 7777;
	add_tcp(c, &s, 4);
	pktgen_default(&s);
	s.nr_vlan = 1;
	s.vlan_tpid[0] = 0x8100;
	s.vlan_tci[0] = 42;
	s.payload_len = 3001;
	s.tcp_flags = 0x19;
	add_tcp(c, &s, 5);
	/* UDP: passes through (USO is the UDP issue's) */
	pktgen_default(&s);
	s.payload_len = 4000;
	uint8_t f[5000];
	size_t len = pktgen_build(&s, f, sizeof(f));
	f[14 + 9] = 17;
	capture_add(c, f, (uint32_t)len, (uint32_t)len, 6);
}

/* What `segoff segment --mss` must write for `in`: the library's segments
 * for TCP payloads over mss, everything else as it was. */
static void expected_output(const struct capture *in, unsigned mss, struct capture *out, int partial, int fixed)
{
	static uint8_t buf[1 << 20];
	static struct segoff_seg segs[1024];
	out->n = 0;
	for (unsigned i = 0; i < in->n; i++) {
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, in->data[i], in->len[i], NULL, 0);
		int n = 0;
		if (segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0) == SEGOFF_OK && pkt.l4_proto == SEGOFF_PROTO_TCP &&
		    in->len[i] == in->wire_len[i]) {
			struct segoff_gso_params p;
			segoff_gso_params_init(&p);
			p.mss = (uint16_t)mss;
			p.max_size = UINT32_MAX;
			p.csum = partial ? SEGOFF_GSO_CSUM_PARTIAL : SEGOFF_GSO_CSUM_FULL;
			p.ip_id = fixed ? SEGOFF_GSO_IP_ID_FIXED : SEGOFF_GSO_IP_ID_INC;
			n = segoff_gso_copy(&pkt, &p, buf, sizeof(buf), segs, 1024);
		}
		if (n > 0) {
			for (int k = 0; k < n; k++) {
				capture_add(out, segs[k].head, segs[k].len, segs[k].len, 0);
				out->ts[out->n - 1] = in->ts[i];
			}
		} else {
			capture_add(out, in->data[i], in->len[i], in->len[i], 0);
			out->ts[out->n - 1] = in->ts[i];
		}
	}
}

static void check_same(const struct capture *want, const struct capture *got)
{
	CHECK_EQ(got->n, want->n);
	for (unsigned i = 0; i < want->n && i < got->n; i++) {
		CHECK_EQ(got->len[i], want->len[i]);
		CHECK(got->len[i] == want->len[i] && memcmp(got->data[i], want->data[i], got->len[i]) == 0);
		CHECK_EQ(got->ts[i].tv_usec, want->ts[i].tv_usec);
		if (check_failures_in_test) {
			fprintf(stderr, "    first difference at output packet %u\n", i);
			return;
		}
	}
}

static void cli_segments_tcp_and_passes_the_rest_through_in_order(void)
{
	struct capture in = { 0 }, want = { 0 }, got = { 0 };
	make_clean(&in);
	write_pcap(path(0, "clean.pcap"), &in, DLT_EN10MB);
	CHECK_EQ(run("%s segment --mss 1000 %s %s 2>%s", cli, path(0, "clean.pcap"), path(1, "out.pcap"),
		     path(2, "err")), 0);
	CHECK_EQ(read_capture(path(1, "out.pcap"), &got), 0);
	expected_output(&in, 1000, &want, 0, 0);
	CHECK_EQ(want.n, 1 + 5 + 1 + 8 + 4 + 1); /* arp, 5000/1000, small, 7777/1000, 3001/1000, udp */
	check_same(&want, &got);
	CHECK(strstr(slurp(path(2, "err")), "3 segmented into 17 segments, 3 passed through unchanged, 0 refused"));
	capture_free(&in);
	capture_free(&want);
	capture_free(&got);
}

static void cli_reads_pcapng_and_stdin_to_stdout(void)
{
	struct capture in = { 0 }, want = { 0 }, got = { 0 };
	make_clean(&in);
	write_pcapng(path(0, "clean.pcapng"), &in);
	expected_output(&in, 1448, &want, 0, 0);
	CHECK_EQ(run("%s segment --mss 1448 %s %s 2>/dev/null", cli, path(0, "clean.pcapng"), path(1, "ng.pcap")), 0);
	CHECK_EQ(read_capture(path(1, "ng.pcap"), &got), 0);
	check_same(&want, &got);
	capture_free(&got);
	CHECK_EQ(run("%s segment --mss 1448 - - <%s >%s 2>/dev/null", cli, path(0, "clean.pcapng"), path(1, "pipe.pcap")),
		 0);
	CHECK_EQ(read_capture(path(1, "pipe.pcap"), &got), 0);
	check_same(&want, &got);
	capture_free(&in);
	capture_free(&want);
	capture_free(&got);
}

static void cli_partial_checksum_and_fixed_ip_id(void)
{
	struct capture in = { 0 }, want = { 0 }, got = { 0 };
	make_clean(&in);
	write_pcap(path(0, "clean.pcap"), &in, DLT_EN10MB);
	CHECK_EQ(run("%s segment --mss 1200 --csum partial --ip-id fixed %s %s 2>/dev/null", cli, path(0, "clean.pcap"),
		     path(1, "pf.pcap")),
		 0);
	CHECK_EQ(read_capture(path(1, "pf.pcap"), &got), 0);
	expected_output(&in, 1200, &want, 1, 1);
	check_same(&want, &got);
	/* the second output packet is the first segment: ID as the input's */
	CHECK_EQ(got.data[2][18] << 8 | got.data[2][19], 0x1234);
	capture_free(&in);
	capture_free(&want);
	capture_free(&got);
}

static void cli_reports_malformed_packets_by_name_and_exits_1(void)
{
	struct capture in = { 0 }, got = { 0 };
	struct pktgen_spec s;
	pktgen_default(&s);
	s.payload_len = 3000;
	add_tcp(&in, &s, 1);
	add_tcp(&in, &s, 2);
	in.data[1][14] = 0x44; /* IHL 4 */
	add_tcp(&in, &s, 3);
	in.data[2][14 + 20 + 12] = 3 << 4; /* TCP data offset 3 */
	add_tcp(&in, &s, 4);
	in.len[3] = 1000; /* cut by the snaplen: cannot be segmented */
	add_tcp(&in, &s, 5);
	write_pcap(path(0, "bad.pcap"), &in, DLT_EN10MB);
	CHECK_EQ(run("%s segment --json --mss 1000 %s %s 2>%s", cli, path(0, "bad.pcap"), path(1, "badout.pcap"),
		     path(2, "err")),
		 1);
	const char *err = slurp(path(2, "err"));
	char line[1024];
	snprintf(line, sizeof(line), "segoff: %s: packet 2: IPv4 header length below 20 bytes", path(0, "bad.pcap"));
	CHECK(strstr(err, line));
	snprintf(line, sizeof(line), "segoff: %s: packet 3: TCP data offset below 20 bytes", path(0, "bad.pcap"));
	CHECK(strstr(err, line));
	snprintf(line, sizeof(line), "segoff: %s: packet 4: a header runs past", path(0, "bad.pcap"));
	CHECK(strstr(err, line));
	CHECK(strstr(err, "\"refused\":3,\"refused_by\":{\"truncated\":1,\"ipv4_ihl\":1,\"tcp_doff\":1}"));
	CHECK(strstr(err, "\"segmented\":2,\"segments_out\":6"));
	/* refused packets pass through unchanged and in order */
	CHECK_EQ(read_capture(path(1, "badout.pcap"), &got), 0);
	CHECK_EQ(got.n, 3 + 3 + 3);
	CHECK(got.n == 9 && got.len[3] == in.len[1] && memcmp(got.data[3], in.data[1], in.len[1]) == 0);
	CHECK(got.n == 9 && got.len[5] == 1000 && memcmp(got.data[5], in.data[3], 1000) == 0);
	capture_free(&in);
	capture_free(&got);
}

static void cli_raw_ip_captures(void)
{
	struct capture in = { 0 }, got = { 0 };
	struct pktgen_spec s;
	pktgen_default(&s);
	s.payload_len = 2500;
	static uint8_t f[4000];
	size_t len = pktgen_build(&s, f, sizeof(f));
	capture_add(&in, f + 14, (uint32_t)len - 14, (uint32_t)len - 14, 1);
	write_pcap(path(0, "raw.pcap"), &in, DLT_RAW);
	CHECK_EQ(run("%s segment --mss 1000 %s %s 2>/dev/null", cli, path(0, "raw.pcap"), path(1, "rawout.pcap")), 0);
	CHECK_EQ(read_capture(path(1, "rawout.pcap"), &got), 0);
	CHECK_EQ(got.n, 3);
	for (unsigned i = 0; i < got.n; i++)
		CHECK(ref_verify_tcp(got.data[i], got.len[i], 0, 20, 0));
	capture_free(&in);
	capture_free(&got);
}

static void cli_usage_errors_exit_2(void)
{
	CHECK_EQ(run("%s >/dev/null 2>&1", cli), 2);
	CHECK_EQ(run("%s frobnicate >/dev/null 2>&1", cli), 2);
	CHECK_EQ(run("%s segment a b >/dev/null 2>&1", cli), 2);         /* no --mss */
	CHECK_EQ(run("%s segment --mss 0 a b >/dev/null 2>&1", cli), 2);
	CHECK_EQ(run("%s segment --mss 70000 a b >/dev/null 2>&1", cli), 2);
	CHECK_EQ(run("%s segment --mss 100 --csum maybe a b >/dev/null 2>&1", cli), 2);
	CHECK_EQ(run("%s segment --mss 100 a >/dev/null 2>&1", cli), 2);
	CHECK_EQ(run("%s segment --help >/dev/null 2>&1", cli), 0);
	CHECK_EQ(run("%s --help >/dev/null 2>&1", cli), 0);
	CHECK_EQ(run("%s segment --mss 100 %s/missing.pcap %s 2>/dev/null", cli, dir, path(1, "x.pcap")), 1);
	/* not a capture at all */
	FILE *f = fopen(path(0, "junk.pcap"), "w");
	fputs("this is not a capture file\n", f);
	fclose(f);
	CHECK_EQ(run("%s segment --mss 100 %s %s 2>/dev/null", cli, path(0, "junk.pcap"), path(1, "x.pcap")), 1);
}

/* The CLI's cut of each packet of `in` (in `got`, in order) is the
 * library's tunnel GSO of it at `mss`, `each` segments a packet. Returns
 * how many segments the library made. */
static unsigned same_as_library_cut(const struct capture *in, const struct capture *got, unsigned mss, int each)
{
	static uint8_t out[1 << 20];
	static struct segoff_seg segs[256];
	unsigned at = 0, total = 0;
	for (unsigned k = 0; k < in->n; k++) {
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, in->data[k], in->len[k], NULL, 0);
		CHECK_EQ(segoff_parse(&pkt, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
		struct segoff_gso_params p;
		segoff_gso_params_init(&p);
		p.mss = (uint16_t)mss;
		int n = segoff_gso_copy(&pkt, &p, out, sizeof(out), segs, 256);
		CHECK_EQ(n, each);
		for (int i = 0; i < n && at < got->n; i++, at++)
			CHECK(got->len[at] == segs[i].len && memcmp(got->data[at], segs[i].head, segs[i].len) == 0);
		total += (unsigned)(n > 0 ? n : 0);
	}
	return total;
}

/* GRE and IP-in-IP in a capture: found by IP protocol (47, 4, 41), cut by
 * their inner TCP as the library cuts them, counted by kind, and merged
 * back by coalesce. */
static void cli_segments_and_coalesces_gre_and_ip_in_ip(void)
{
	struct capture in = { 0 }, got = { 0 };
	static uint8_t f[70000];
	for (int k = 0; k < 4; k++) {
		struct pktgen_spec o, inner;
		pktgen_default(&o);
		o.ipv6 = k == 1 || k == 3;
		pktgen_default(&inner);
		inner.ipv6 = k >= 2;
		inner.payload_len = 4100 + 100u * (unsigned)k;
		inner.csum = PKTGEN_CSUM_PSEUDO;
		struct pktgen_gre gre = { .flags = (uint16_t)(k == 0 ? 0x2000 : 0), .key = 5 };
		size_t len = pktgen_build_ip_tunnel(&o, k < 2 ? &gre : NULL, &inner, f, sizeof(f));
		capture_add(&in, f, (uint32_t)len, (uint32_t)len, k);
	}
	write_pcap(path(0, "iptun.pcap"), &in, DLT_EN10MB);
	CHECK_EQ(run("%s segment --mss 1000 %s %s 2>%s", cli, path(0, "iptun.pcap"), path(1, "iout.pcap"),
		     path(2, "err")), 0);
	CHECK_EQ(read_capture(path(1, "iout.pcap"), &got), 0);
	CHECK_EQ(same_as_library_cut(&in, &got, 1000, 5), 20);
	CHECK_EQ(got.n, 20);
	CHECK(strstr(slurp(path(2, "err")), "of them in tunnels: gre 2, ipip 2"));
	capture_free(&got);
	CHECK_EQ(run("%s coalesce %s %s 2>%s", cli, path(1, "iout.pcap"), path(3, "iback.pcap"), path(2, "err")), 0);
	CHECK_EQ(read_capture(path(3, "iback.pcap"), &got), 0);
	check_same(&in, &got);
	CHECK(strstr(slurp(path(2, "err")), "in tunnels: gre 10, ipip 10 packets in; 4 merged tunnel packets out"));
	capture_free(&in);
	capture_free(&got);
}

/* Tunnels in a capture: VXLAN and Geneve super-packets are cut by their
 * inner TCP, outputs equal to the library's tunnel GSO of the same packet
 * (its GSO type from the outer check field), counted by type; with
 * --tunnel-port none they are UDP datagrams and pass; a bad port list is a
 * usage error. */
static void cli_segments_tunnels_found_in_a_capture(void)
{
	struct capture in = { 0 }, got = { 0 };
	static uint8_t f[70000];
	for (int k = 0; k < 4; k++) {
		struct pktgen_spec o, inner;
		pktgen_default(&o);
		o.ipv6 = k == 3;
		o.dport = k % 2 ? SEGOFF_GENEVE_PORT : SEGOFF_VXLAN_PORT;
		o.csum = k < 2 ? PKTGEN_CSUM_PSEUDO : PKTGEN_CSUM_ZERO;
		pktgen_default(&inner);
		inner.payload_len = 5000 + 100u * (unsigned)k;
		inner.csum = PKTGEN_CSUM_PSEUDO;
		size_t len = pktgen_build_tunnel(&o, k % 2 ? PKTGEN_GENEVE : PKTGEN_VXLAN, 9, 8, 1, &inner, f, sizeof(f));
		capture_add(&in, f, (uint32_t)len, (uint32_t)len, k);
	}
	write_pcap(path(0, "tunnels.pcap"), &in, DLT_EN10MB);
	CHECK_EQ(run("%s segment --mss 1200 %s %s 2>%s", cli, path(0, "tunnels.pcap"), path(1, "tout.pcap"),
		     path(2, "err")), 0);
	CHECK_EQ(read_capture(path(1, "tout.pcap"), &got), 0);
	CHECK_EQ(got.n, same_as_library_cut(&in, &got, 1200, 5));
	const char *err = slurp(path(2, "err"));
	CHECK(strstr(err, "4 segmented into 20 segments"));
	CHECK(strstr(err, "of them in tunnels: vxlan 2, geneve 2"));
	capture_free(&got);
	CHECK_EQ(run("%s segment --mss 1200 --tunnel-port none %s %s 2>/dev/null", cli, path(0, "tunnels.pcap"),
		     path(1, "tout.pcap")), 0);
	CHECK_EQ(read_capture(path(1, "tout.pcap"), &got), 0);
	check_same(&in, &got);
	/* and coalesce puts them back, through the tunnels; without ports it
	 * cannot (UDP GRO is off), and says nothing of tunnels */
	CHECK_EQ(run("%s segment --mss 1200 %s %s 2>/dev/null", cli, path(0, "tunnels.pcap"), path(1, "tout.pcap")), 0);
	CHECK_EQ(run("%s coalesce %s %s 2>%s", cli, path(1, "tout.pcap"), path(3, "tback.pcap"), path(2, "err")), 0);
	capture_free(&got);
	CHECK_EQ(read_capture(path(3, "tback.pcap"), &got), 0);
	check_same(&in, &got);
	CHECK(strstr(slurp(path(2, "err")), "in tunnels: vxlan 10, geneve 10 packets in; 4 merged tunnel packets out"));
	CHECK_EQ(run("%s coalesce --tunnel-port none %s %s 2>%s", cli, path(1, "tout.pcap"), path(3, "tback.pcap"),
		     path(2, "err")), 0);
	CHECK(strstr(slurp(path(2, "err")), "in tunnels") == NULL);
	CHECK_EQ(run("%s coalesce --tunnel-port bogus %s %s 2>/dev/null", cli, path(1, "tout.pcap"), path(3, "tback.pcap")), 2);
	CHECK_EQ(run("%s segment --mss 1200 --tunnel-port vxlan:0 a b >/dev/null 2>&1", cli), 2);
	CHECK_EQ(run("%s segment --mss 1200 --tunnel-port gre:47 a b >/dev/null 2>&1", cli), 2);
	capture_free(&in);
	capture_free(&got);
}

/* segment then coalesce gives back the capture: the CLI's round trip. */
static void cli_coalesce_undoes_segment(void)
{
	struct capture in = { 0 }, got = { 0 };
	make_clean(&in);
	write_pcap(path(0, "clean.pcap"), &in, DLT_EN10MB);
	CHECK_EQ(run("%s segment --mss 1000 %s %s 2>/dev/null", cli, path(0, "clean.pcap"), path(1, "seg.pcap")), 0);
	CHECK_EQ(run("%s coalesce --json %s %s 2>%s", cli, path(1, "seg.pcap"), path(3, "gro.pcap"), path(2, "err")), 0);
	CHECK_EQ(read_capture(path(3, "gro.pcap"), &got), 0);
	check_same(&in, &got);
	const char *err = slurp(path(2, "err"));
	CHECK(strstr(err, "\"command\":\"coalesce\""));
	CHECK(strstr(err, "\"coalesced\":3"));
	CHECK(strstr(err, "\"merged\":14")); /* 17 segments into 3 packets */
	capture_free(&in);
	capture_free(&got);
	/* human summary, LRO mode */
	CHECK_EQ(run("%s coalesce --mode lro %s %s 2>%s", cli, path(1, "seg.pcap"), path(3, "lro.pcap"), path(2, "err")),
		 0);
	CHECK(strstr(slurp(path(2, "err")), "merged into 3 packets"));
	CHECK_EQ(run("%s coalesce --mode fast %s %s 2>/dev/null", cli, path(1, "seg.pcap"), path(3, "x.pcap")), 2);
	CHECK_EQ(run("%s coalesce --max-size 1 %s %s 2>/dev/null", cli, path(1, "seg.pcap"), path(3, "x.pcap")), 2);
	CHECK_EQ(run("%s coalesce --help >/dev/null", cli), 0);
}

/* UDP: USO by --udp uso; --udp frag --mtu then reassemble gives the
 * capture back; TCP segmented then fragmented (O1) reassembles too. */
static void cli_udp_uso_fragment_and_reassemble(void)
{
	struct capture in = { 0 }, got = { 0 };
	struct pktgen_spec s;
	pktgen_default(&s);
	s.udp = 1;
	s.df = 0;
	s.payload_len = 5000;
	s.csum = PKTGEN_CSUM_FULL;
	add_tcp(&in, &s, 1);
	s.ipv6 = 1;
	add_tcp(&in, &s, 2);
	pktgen_default(&s);
	s.df = 0;
	s.payload_len = 9000;
	s.csum = PKTGEN_CSUM_FULL;
	add_tcp(&in, &s, 3);
	write_pcap(path(0, "udp.pcap"), &in, DLT_EN10MB);
	/* USO: 5000 bytes at 1200 -> 5 datagrams, IPv4 and IPv6; TCP too */
	CHECK_EQ(run("%s segment --mss 1200 --udp uso %s %s 2>/dev/null", cli, path(0, "udp.pcap"), path(1, "uso.pcap")),
		 0);
	CHECK_EQ(read_capture(path(1, "uso.pcap"), &got), 0);
	CHECK_EQ(got.n, 5 + 5 + 8);
	for (unsigned i = 0; i < 5 && i < got.n; i++)
		CHECK(ref_verify_udp(got.data[i], got.len[i], 14, 34, 0));
	capture_free(&got);
	/* fragment everything to 1500, then reassemble: the input again */
	CHECK_EQ(run("%s segment --udp frag --mtu 1500 --json %s %s 2>%s", cli, path(0, "udp.pcap"),
		     path(1, "frag.pcap"), path(2, "err")),
		 0);
	CHECK(strstr(slurp(path(2, "err")), "\"fragmented\":3"));
	CHECK_EQ(read_capture(path(1, "frag.pcap"), &got), 0);
	CHECK_EQ(got.n, 4 + 4 + 7);
	for (unsigned i = 0; i < got.n; i++)
		CHECK(got.len[i] - 14 <= 1500);
	capture_free(&got);
	CHECK_EQ(run("%s reassemble --json %s %s 2>%s", cli, path(1, "frag.pcap"), path(3, "back.pcap"), path(2, "err")),
		 0);
	CHECK(strstr(slurp(path(2, "err")), "\"reasm_ok\":3"));
	CHECK_EQ(read_capture(path(3, "back.pcap"), &got), 0);
	check_same(&in, &got);
	capture_free(&got);
	/* TCP segmented at 4000, each segment still over the MTU: fragmented (O1) */
	CHECK_EQ(run("%s segment --mss 4000 --mtu 1500 %s %s 2>/dev/null", cli, path(0, "udp.pcap"), path(1, "o1.pcap")),
		 0);
	CHECK_EQ(read_capture(path(1, "o1.pcap"), &got), 0);
	/* the two UDP datagrams were not asked to be fragmented: as they came */
	CHECK(got.n > 3 && got.len[0] == in.len[0] && got.len[1] == in.len[1]);
	for (unsigned i = 2; i < got.n; i++)
		CHECK(got.len[i] - 14 <= 1500);
	capture_free(&got);
	/* DF set: fragmentation needed, reported with the MTU, exit 1 */
	in.data[2][14 + 6] |= 0x40;
	uint8_t *ip = in.data[2] + 14;
	ip[10] = ip[11] = 0;
	uint16_t c = (uint16_t)~ref_fold(ref_sum(ip, 20, 0));
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	write_pcap(path(0, "df.pcap"), &in, DLT_EN10MB);
	CHECK_EQ(run("%s segment --mtu 1500 %s %s 2>%s", cli, path(0, "df.pcap"), path(1, "x.pcap"), path(2, "err")), 1);
	CHECK(strstr(slurp(path(2, "err")), "fragmentation needed (MTU 1500)"));
	CHECK_EQ(run("%s segment --udp frag %s %s 2>/dev/null", cli, path(0, "df.pcap"), path(1, "x.pcap")), 2);
	capture_free(&in);
}

static void cli_demo_runs_and_verifies_itself(void)
{
	CHECK_EQ(run("%s demo --writes 20 --out %s/demo >%s 2>&1", cli, dir, path(2, "demo.txt")), 0);
	const char *out = slurp(path(2, "demo.txt"));
	CHECK(strstr(out, "every IPv4 and TCP checksum valid"));
	CHECK(strstr(out, "20 segmented into 900 segments"));
	CHECK(strstr(out, "round trip: all"));
}

static void cli_features_prints_like_ethtool_and_applies_the_rules(void)
{
	CHECK_EQ(run("%s features --fix sg=off tso=on >%s 2>&1", cli, path(2, "feat.txt")), 0);
	const char *out = slurp(path(2, "feat.txt"));
	CHECK(strstr(out, "Features for segoff:"));
	CHECK(strstr(out, "tcp-segmentation-offload: off\n"));
	CHECK(strstr(out, "\ttx-tcp-segmentation: off [requested on]"));
	CHECK(strstr(out, "# fixed: TCP segmentation needs scatter-gather"));
	CHECK(strstr(out, "\ngeneric-receive-offload: on\n")); /* ethtool -k's old name for rx-gro */
	/* without --fix the request stands as given */
	CHECK_EQ(run("%s features --base none tx-tcp6-segmentation=on >%s 2>&1", cli, path(2, "feat.txt")), 0);
	out = slurp(path(2, "feat.txt"));
	CHECK(strstr(out, "\ttx-tcp6-segmentation: on"));
	CHECK(!strstr(out, "# fixed"));
	CHECK_EQ(run("%s features warp=on >/dev/null 2>&1", cli), 2);
	CHECK_EQ(run("%s features tso >/dev/null 2>&1", cli), 2);
	CHECK_EQ(run("%s features --base most >/dev/null 2>&1", cli), 2);
}

static void cli_wire_and_lab_refuse_bad_arguments(void)
{
	CHECK_EQ(run("%s wire >/dev/null 2>&1", cli), 2);
	CHECK_EQ(run("%s wire onlyone >/dev/null 2>&1", cli), 2);
	CHECK_EQ(run("%s wire --wire-mtu 100 a b >/dev/null 2>&1", cli), 2);
	CHECK_EQ(run("%s wire --gro maybe a b >/dev/null 2>&1", cli), 2);
	CHECK_EQ(run("%s wire --queues 99 a b >/dev/null 2>&1", cli), 2);
	CHECK_EQ(run("%s wire --batch 0 a b >/dev/null 2>&1", cli), 2);
	CHECK_EQ(run("%s wire --batch 257 a b >/dev/null 2>&1", cli), 2);
	CHECK_EQ(run("%s wire a-name-longer-than-ifnamsiz b >/dev/null 2>&1", cli), 2);
	CHECK_EQ(run("%s wire --help >/dev/null 2>&1", cli), 0);
	CHECK_EQ(run("%s lab --duration 0 >/dev/null 2>&1", cli), 2);
	CHECK_EQ(run("%s lab --help >/dev/null 2>&1", cli), 0);
	/* a namespace that does not exist: a clear message and exit 1, nothing created */
	CHECK_EQ(run("%s wire --netns-a /nonexistent/ns a b >%s 2>&1", cli, path(2, "wire.txt")), 1);
	CHECK(strstr(slurp(path(2, "wire.txt")), "cannot enter network namespace"));
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(cli_segments_tcp_and_passes_the_rest_through_in_order),
		TEST(cli_reads_pcapng_and_stdin_to_stdout),
		TEST(cli_partial_checksum_and_fixed_ip_id),
		TEST(cli_reports_malformed_packets_by_name_and_exits_1),
		TEST(cli_raw_ip_captures),
		TEST(cli_usage_errors_exit_2),
		TEST(cli_segments_tunnels_found_in_a_capture),
		TEST(cli_segments_and_coalesces_gre_and_ip_in_ip),
		TEST(cli_coalesce_undoes_segment),
		TEST(cli_udp_uso_fragment_and_reassemble),
		TEST(cli_demo_runs_and_verifies_itself),
		TEST(cli_features_prints_like_ethtool_and_applies_the_rules),
		TEST(cli_wire_and_lab_refuse_bad_arguments),
	};
	cli = getenv("SEGOFF_CLI") ? getenv("SEGOFF_CLI") : "build/segoff";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	int rc = check_main(argc, argv, "cli", tests, sizeof(tests) / sizeof(tests[0]));
	run("rm -rf %s", dir);
	return rc;
}
