// SPDX-License-Identifier: MIT
/* `segoff segment`: what went on the wire, from a capture taken on the
 * sending side of a TSO interface. Every TCP packet whose payload exceeds
 * the MSS is cut as the kernel would cut it; everything else passes through
 * unchanged and in order. Input checksums are never trusted (a TSO capture
 * holds only pseudo-header sums there): segoff computes them. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "pcapio.h"
#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: segoff segment --mss N [--ip-id inc|fixed] [--csum full|partial] [--udp uso|frag]\n"
		   "                      [--mtu N] [--tunnel-port none|vxlan:P,geneve:P] [--json] IN OUT\n"
		   "  Cuts every TCP packet whose payload exceeds N bytes into segments exactly as\n"
		   "  Linux's software GSO does; with --udp uso, UDP datagrams too (USO); with --mtu,\n"
		   "  what is still larger than the MTU is IP-fragmented (UDP datagrams too with\n"
		   "  --udp frag, their checksum computed over the whole datagram first). TCP inside\n"
		   "  VXLAN or Geneve (UDP to a --tunnel-port, vxlan:4789,geneve:6081 by default) is\n"
		   "  cut with tunnel GSO, N being the inner MSS; an outer UDP check of 0 means no\n"
		   "  outer checksum, any other value the pseudo-header seed of one. GRE (IP\n"
		   "  protocol 47) and IP-in-IP (4, 41) are cut the same way; a GRE C flag means\n"
		   "  a GRE checksum per segment. Other\n"
		   "  packets pass through unchanged, in order. IN is pcap or pcapng, OUT is pcap;\n"
		   "  '-' is stdin/stdout. Summary on stderr.\n");
}

/* Output storage, grown as the largest packet so far needs (not per packet). */
struct out_space {
	uint8_t *buf;
	size_t size;
	struct segoff_seg *segs;
	size_t nsegs;
};

static int ensure_space(struct out_space *o, size_t bytes, size_t segs)
{
	if (bytes > o->size) {
		uint8_t *b = realloc(o->buf, bytes);
		if (!b)
			return -1;
		o->buf = b;
		o->size = bytes;
	}
	if (segs > o->nsegs) {
		struct segoff_seg *s = realloc(o->segs, segs * sizeof(*s));
		if (!s)
			return -1;
		o->segs = s;
		o->nsegs = segs;
	}
	return 0;
}

static void refuse(struct segment_stats *st, const char *in, uint64_t k, int err, const char *extra)
{
	st->refused++;
	st->refused_by[(unsigned)-err % NR_ERROR_SLOTS]++;
	fprintf(stderr, "segoff: %s: packet %llu: %s%s\n", in, (unsigned long long)k, segoff_strerror(err),
		extra ? extra : "");
}

struct job {
	const struct segment_opts *o;
	struct segment_stats *st;
	struct pcapio_writer *w;
	const struct pcapio_packet *cp;
	struct out_space *space;
	const char *in;
	uint64_t k;
	enum segoff_proto first;
	unsigned off;
};

static struct out_space frag_space;

/* Write a frame, IP-fragmented first when it is larger than --mtu (O1).
 * Returns 0, or -1 when memory ran out. */
static int emit(struct job *j, uint8_t *frame, uint32_t len, int partial_udp)
{
	const struct segment_opts *o = j->o;
	if (o->mtu) {
		struct segoff_pkt pkt;
		segoff_pkt_init(&pkt, frame, len, NULL, 0);
		if (segoff_parse(&pkt, j->first, j->off) == SEGOFF_OK && pkt.l3_off != 0xffff && len - pkt.l3_off > o->mtu) {
			if (partial_udp) {
				/* never trust a capture's checksum: start from the
				 * pseudo-header sum, complete it over the datagram */
				uint8_t *uh = frame + pkt.l4_off;
				const uint8_t *ip = frame + pkt.l3_off;
				uint32_t ulen = len - pkt.l4_off;
				segoff_csum_t ph = pkt.l3_proto == SEGOFF_PROTO_IPV6
							   ? segoff_csum_pseudo6(ip + 8, ip + 24, 17, ulen)
							   : segoff_csum_pseudo4(ip + 12, ip + 16, 17, ulen);
				uint16_t seed = segoff_csum_fold(ph);
				uh[6] = (uint8_t)(seed >> 8);
				uh[7] = (uint8_t)seed;
				pkt.csum_state = SEGOFF_CSUM_PARTIAL;
				pkt.csum_start = pkt.l4_off;
				pkt.csum_offset = 6;
			}
			struct segoff_frag_params fp;
			segoff_frag_params_init(&fp, (uint16_t)o->mtu);
			int n = segoff_frag_count(&pkt, &fp);
			if (n > 1 && ensure_space(&frag_space, (size_t)n * (pkt.payload_off + 8u) + len, (size_t)n) < 0)
				return -1;
			if (n > 1)
				n = segoff_frag_copy(&pkt, &fp, frag_space.buf, frag_space.size, frag_space.segs, frag_space.nsegs);
			if (n > 1) {
				for (int i = 0; i < n; i++) {
					pcapio_write(j->w, &j->cp->ts, frag_space.segs[i].head, frag_space.segs[i].len);
					j->st->bytes_out += frag_space.segs[i].len;
				}
				j->st->fragmented++;
				j->st->fragments_out += (uint64_t)n;
				j->st->pkts_out += (uint64_t)n;
				return 0;
			}
			if (n < 0) {
				char extra[64] = "";
				if (n == SEGOFF_E_FRAG_NEEDED)
					snprintf(extra, sizeof(extra), " (MTU %u)", fp.frag_needed_mtu);
				refuse(j->st, j->in, j->k, n, extra);
			}
		}
	}
	pcapio_write(j->w, &j->cp->ts, frame, len);
	j->st->pkts_out++;
	j->st->bytes_out += len;
	return 0;
}

/* One packet: 1 if its outputs were written, 0 to pass it through, -1 on
 * running out of memory. */
static int segment_one(struct job *j)
{
	const struct segment_opts *o = j->o;
	const struct pcapio_packet *cp = j->cp;
	struct segoff_pkt pkt;
	segoff_pkt_init(&pkt, cp->data, cp->caplen, NULL, 0);
	int e = segoff_parse_ports(&pkt, j->first, j->off, &o->ports);
	if (e < 0) {
		refuse(j->st, j->in, j->k, e, NULL);
		return 0;
	}
	/* a tunnel packet is cut by its inner TCP (tunnel GSO); its outer UDP
	 * is not a datagram to segment or fragment on its own */
	int tunnel = pkt.encap_depth > 0;
	int tcp = pkt.inner_l4_proto == SEGOFF_PROTO_TCP, udp = !tunnel && pkt.l4_proto == SEGOFF_PROTO_UDP;
	uint32_t payload = cp->len > pkt.payload_off ? cp->len - pkt.payload_off : 0;
	int segment = o->mss && payload > o->mss && (tcp || (udp && o->udp == UDP_USO));
	int fragment = o->mtu && pkt.l3_off != 0xffff && cp->len - pkt.l3_off > o->mtu && (tcp || (udp && o->udp == UDP_FRAG));
	if (!segment && !fragment)
		return 0;
	if (cp->caplen < cp->len) {
		refuse(j->st, j->in, j->k, SEGOFF_E_TRUNCATED, " (cut short by the capture's snaplen)");
		return 0;
	}
	if (!segment) {
		/* one packet to fragment: a private copy, since its checksum
		 * field may be rewritten */
		if (ensure_space(j->space, cp->caplen, 1) < 0)
			return -1;
		memcpy(j->space->buf, cp->data, cp->caplen);
		return emit(j, j->space->buf, cp->caplen, udp) < 0 ? -1 : 1;
	}
	struct segoff_gso_params params;
	segoff_gso_params_init(&params);
	params.mss = (uint16_t)o->mss;
	params.ip_id = o->ip_id;
	params.csum = o->csum;
	/* A capture may hold BIG TCP packets: no size limit but the capture's. */
	params.max_size = UINT32_MAX;
	params.max_segs = UINT32_MAX;
	int n = segoff_gso_count(&pkt, &params);
	if (n > 0 && ensure_space(j->space, (size_t)n * pkt.payload_off + cp->caplen, (size_t)n) < 0)
		return -1;
	if (n > 0)
		n = segoff_gso_copy(&pkt, &params, j->space->buf, j->space->size, j->space->segs, j->space->nsegs);
	if (n < 0) {
		refuse(j->st, j->in, j->k, n, NULL);
		return 0;
	}
	j->st->segmented++;
	j->st->segments_out += (uint64_t)n;
	if (tunnel)
		j->st->tunnel_by[cli_tunnel_of(&pkt)]++;
	for (int i = 0; i < n; i++)
		if (emit(j, j->space->segs[i].head, j->space->segs[i].len, 0) < 0)
			return -1;
	return 1;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int segment_file(const char *in, const char *out, const struct segment_opts *o, struct segment_stats *st)
{
	char err[512];
	memset(st, 0, sizeof(*st));
	struct pcapio_reader *r = pcapio_open_read(in, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "segoff: %s: %s\n", in, err);
		return CLI_EXIT_FAILURE;
	}
	int linktype = pcapio_linktype(r);
	struct pcapio_writer *w = pcapio_open_write(out, linktype, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "segoff: %s: %s\n", out, err);
		pcapio_close_read(r);
		return CLI_EXIT_FAILURE;
	}
	struct segoff_gso_params params;
	segoff_gso_params_init(&params);
	params.mss = (uint16_t)o->mss;
	params.ip_id = o->ip_id;
	params.csum = o->csum;
	/* A capture may hold BIG TCP packets: no size limit but the capture's. */
	params.max_size = UINT32_MAX;
	params.max_segs = UINT32_MAX;

	struct out_space space = { 0 };
	int progress = isatty(STDERR_FILENO);
	double t0 = now_s(), last_progress = t0;
	struct pcapio_packet cp;
	int rc, status = CLI_EXIT_OK;
	while ((rc = pcapio_next(r, &cp, err, sizeof(err))) == 1) {
		uint64_t k = ++st->pkts_in;
		st->bytes_in += cp.caplen;
		if (progress && (k & 4095) == 0 && now_s() - last_progress > 1) {
			last_progress = now_s();
			fprintf(stderr, "\rsegoff: %s: %llu packets...", in, (unsigned long long)k);
		}
		enum segoff_proto first;
		unsigned off;
		int done = 0;
		if (pcapio_parse_start(linktype, cp.data, cp.caplen, &first, &off)) {
			struct job j = { o, st, w, &cp, &space, in, k, first, off };
			done = segment_one(&j);
			if (done < 0) {
				status = CLI_EXIT_FAILURE;
				break;
			}
		}
		if (!done) {
			pcapio_write(w, &cp.ts, cp.data, cp.caplen);
			st->pkts_out++;
			st->bytes_out += cp.caplen;
			st->passed++;
		}
	}
	if (progress && st->pkts_in >= 4096)
		fprintf(stderr, "\r\033[K");
	if (rc < 0) {
		fprintf(stderr, "segoff: %s: %s\n", in, err);
		status = CLI_EXIT_FAILURE;
	}
	if (pcapio_close_write(w) != 0) {
		fprintf(stderr, "segoff: %s: write failed\n", out);
		status = CLI_EXIT_FAILURE;
	}
	pcapio_close_read(r);
	free(space.buf);
	free(space.segs);
	free(frag_space.buf);
	free(frag_space.segs);
	frag_space = (struct out_space){ 0 };
	st->seconds = now_s() - t0;
	if (st->refused)
		status = CLI_EXIT_FAILURE;
	return status;
}

void segment_report(FILE *f, const char *in, const struct segment_stats *st, int json)
{
	if (json) {
		fprintf(f,
			"{\"command\":\"segment\",\"input\":\"%s\",\"packets_in\":%llu,\"bytes_in\":%llu,"
			"\"packets_out\":%llu,\"bytes_out\":%llu,\"segmented\":%llu,\"segments_out\":%llu,"
			"\"passed_through\":%llu,\"fragmented\":%llu,\"fragments_out\":%llu,\"refused\":%llu,"
			"\"refused_by\":{",
			in, (unsigned long long)st->pkts_in, (unsigned long long)st->bytes_in,
			(unsigned long long)st->pkts_out, (unsigned long long)st->bytes_out,
			(unsigned long long)st->segmented, (unsigned long long)st->segments_out,
			(unsigned long long)st->passed, (unsigned long long)st->fragmented,
			(unsigned long long)st->fragments_out, (unsigned long long)st->refused);
		const char *sep = "";
		for (int e = 0; e < NR_ERROR_SLOTS; e++) {
			if (st->refused_by[e]) {
				fprintf(f, "%s\"%s\":%llu", sep, segoff_error_name(-e), (unsigned long long)st->refused_by[e]);
				sep = ",";
			}
		}
		fprintf(f, "},\"tunnels_segmented\":{");
		cli_json_tunnels(f, st->tunnel_by, "");
		fprintf(f, "},\"seconds\":%.6f}\n", st->seconds);
		return;
	}
	fprintf(f, "segoff segment: %s: %llu packets (%llu bytes) in, %llu packets (%llu bytes) out\n", in,
		(unsigned long long)st->pkts_in, (unsigned long long)st->bytes_in, (unsigned long long)st->pkts_out,
		(unsigned long long)st->bytes_out);
	fprintf(f, "  %llu segmented into %llu segments, %llu passed through unchanged, %llu refused\n",
		(unsigned long long)st->segmented, (unsigned long long)st->segments_out,
		(unsigned long long)st->passed, (unsigned long long)st->refused);
	uint64_t tunnels = 0;
	for (int k = 0; k < CLI_TUN__COUNT; k++)
		tunnels += st->tunnel_by[k];
	if (tunnels) {
		fprintf(f, "  of them in tunnels:");
		cli_print_tunnels(f, st->tunnel_by);
		fprintf(f, "\n");
	}
	if (st->fragmented)
		fprintf(f, "  %llu IP-fragmented into %llu fragments\n", (unsigned long long)st->fragmented,
			(unsigned long long)st->fragments_out);
	for (int e = 0; e < NR_ERROR_SLOTS; e++)
		if (st->refused_by[e])
			fprintf(f, "  refused %s: %llu\n", segoff_error_name(-e), (unsigned long long)st->refused_by[e]);
}

int cmd_segment(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mss", required_argument, NULL, 'm' },
		{ "ip-id", required_argument, NULL, 'i' },
		{ "csum", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "udp", required_argument, NULL, 'u' },
		{ "mtu", required_argument, NULL, 't' },
		{ "tunnel-port", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct segment_opts o = { 0, SEGOFF_GSO_IP_ID_INC, SEGOFF_GSO_CSUM_FULL, UDP_PASS, 0, { 0, 0 } };
	segoff_tunnel_ports_init(&o.ports);
	int json = 0, c;
	unsigned long long v;
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:i:c:ju:t:p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (cli_tunnel_ports("segment", optarg, &o.ports) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'u': {
			static const char *const modes[] = { "uso", "frag", NULL };
			static const uint8_t mode_of[] = { UDP_USO, UDP_FRAG };
			int k = cli_choice("segment", "--udp", optarg, modes);
			if (k < 0)
				return CLI_EXIT_USAGE;
			o.udp = mode_of[k];
			break;
		}
		case 't':
			if (cli_uint("segment", "--mtu", optarg, 68, 65535, &v) < 0)
				return CLI_EXIT_USAGE;
			o.mtu = (unsigned)v;
			break;
		case 'm':
			if (cli_uint("segment", "--mss", optarg, 1, 65535, &v) < 0)
				return CLI_EXIT_USAGE;
			o.mss = (unsigned)v;
			break;
		case 'i': {
			static const char *const ids[] = { "inc", "fixed", NULL };
			static const uint8_t id_of[] = { SEGOFF_GSO_IP_ID_INC, SEGOFF_GSO_IP_ID_FIXED };
			int k = cli_choice("segment", "--ip-id", optarg, ids);
			if (k < 0)
				return CLI_EXIT_USAGE;
			o.ip_id = id_of[k];
			break;
		}
		case 'c': {
			static const char *const csums[] = { "full", "partial", NULL };
			static const uint8_t csum_of[] = { SEGOFF_GSO_CSUM_FULL, SEGOFF_GSO_CSUM_PARTIAL };
			int k = cli_choice("segment", "--csum", optarg, csums);
			if (k < 0)
				return CLI_EXIT_USAGE;
			o.csum = csum_of[k];
			break;
		}
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (argc - optind != 2 || (o.mss == 0 && o.mtu == 0) || (o.udp == UDP_USO && !o.mss) ||
	    (o.udp == UDP_FRAG && !o.mtu)) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	struct segment_stats st;
	int rc = segment_file(argv[optind], argv[optind + 1], &o, &st);
	segment_report(stderr, argv[optind], &st, json);
	return rc;
}
