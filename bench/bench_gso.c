// SPDX-License-Identifier: MIT
/*
 * bench-gso: segoff's TCP segmentation side by side with DPDK 22.11's
 * librte_gso (when built against libdpdk) and the machine's limits, in one
 * process and one run, with ratios. `make bench` builds and runs it.
 *
 * The case: one 64 KB TCP/IPv4 super-packet (65160 bytes of payload) into
 * 1448-byte segments, one core, medians of several runs.
 *
 * DPDK rows: rte_gso_segment() as DPDK applications use it (EAL with
 * --no-huge --no-pci, output as two-mbuf chains: a direct header mbuf and an
 * indirect payload mbuf, freed after each packet as a transmit would), and
 * the same plus DPDK's own software checksums per segment (IPv4 header and
 * rte_ipv4_udptcp_cksum_mbuf), since rte_gso_segment leaves checksums to
 * the NIC. VXLAN rows: the same payload inside VXLAN over IPv4 (DPDK's
 * gso_tunnel_tcp4, which knows only IPv4 outer headers and writes no outer
 * UDP checksum), against segoff without an outer checksum; and with DPDK's
 * software checksums (outer and inner IPv4 headers, inner TCP, outer UDP)
 * against segoff writing all of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <segoff/segoff.h>
#include "gso_measure.h"

#ifdef HAVE_DPDK
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_gso.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>
#include <rte_udp.h>

struct dpdk_case {
	struct rte_mbuf *in;
	struct rte_gso_ctx ctx;
	struct rte_mbuf *out[64];
	int with_csum;
	int vxlan;
	int failed;
};

/* DPDK's software checksums of one VXLAN segment: both IPv4 headers, the
 * inner TCP, then the outer UDP over the finished inner packet. */
static void dpdk_vxlan_csums(struct rte_mbuf *m)
{
	const unsigned inner_ip = 14 + 20 + 8 + 8 + 14, inner_th = inner_ip + 20;
	struct rte_ipv4_hdr *oip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	struct rte_udp_hdr *uh = rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, 34);
	struct rte_ipv4_hdr *iip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, inner_ip);
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, inner_th);
	iip->hdr_checksum = 0;
	iip->hdr_checksum = rte_ipv4_cksum(iip);
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum_mbuf(m, iip, inner_th);
	oip->hdr_checksum = 0;
	oip->hdr_checksum = rte_ipv4_cksum(oip);
	uh->dgram_cksum = 0;
	uh->dgram_cksum = rte_ipv4_udptcp_cksum_mbuf(m, oip, 34);
}

static void run_dpdk(void *arg)
{
	struct dpdk_case *d = arg;
	/* rte_gso_segment clears TX_TCP_SEG on its input: set it each time */
	d->in->ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	if (d->vxlan)
		d->in->ol_flags |= RTE_MBUF_F_TX_TUNNEL_VXLAN | RTE_MBUF_F_TX_OUTER_IPV4 | RTE_MBUF_F_TX_OUTER_IP_CKSUM;
	int n = rte_gso_segment(d->in, &d->ctx, d->out, 64);
	if (n != BENCH_SEGS)
		d->failed = 1;
	for (int i = 0; i < n; i++) {
		if (d->with_csum && d->vxlan) {
			dpdk_vxlan_csums(d->out[i]);
		} else if (d->with_csum) {
			struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(d->out[i], struct rte_ipv4_hdr *, 14);
			struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(d->out[i], struct rte_tcp_hdr *, 34);
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
			th->cksum = 0;
			th->cksum = rte_ipv4_udptcp_cksum_mbuf(d->out[i], ip, 34);
		}
		rte_pktmbuf_free(d->out[i]);
	}
}

static struct dpdk_case dplain, dcsum, dvxlan, dvxlan_csum;

/* Sets up the EAL, pools and input mbuf; appends DPDK's two cases. Returns
 * how many cases were added (0 if DPDK could not start: said on stderr). */
static unsigned dpdk_cases(struct bench_case *cases)
{
	/* --no-shconf: no runtime files, so runs never collide or leave debris */
	char *eal_argv[] = { "bench-gso", "--no-huge", "--no-pci", "--no-shconf", "-m", "512", "-l", "0",
			     "--no-telemetry", "--log-level=lib.*:error", NULL };
	if (rte_eal_init(10, eal_argv) < 0) {
		fprintf(stderr, "bench-gso: DPDK EAL did not start\n");
		return 0;
	}
	struct rte_mempool *in_pool = rte_pktmbuf_pool_create("in", 7, 0, 0, 65535, SOCKET_ID_ANY);
	struct rte_mempool *direct = rte_pktmbuf_pool_create("direct", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	struct rte_mempool *indirect = rte_pktmbuf_pool_create("indirect", 1023, 0, 0, 0, SOCKET_ID_ANY);
	if (!in_pool || !direct || !indirect) {
		fprintf(stderr, "bench-gso: DPDK mempools could not be created\n");
		return 0;
	}
	struct rte_mbuf *in = rte_pktmbuf_alloc(in_pool);
	uint8_t *data = (uint8_t *)rte_pktmbuf_append(in, BENCH_HDR + BENCH_PAYLOAD);
	if (!data) {
		fprintf(stderr, "bench-gso: DPDK input mbuf too small\n");
		return 0;
	}
	bench_build_packet(data, BENCH_HDR + BENCH_PAYLOAD);
	in->l2_len = 14;
	in->l3_len = 20;
	in->l4_len = 20;
	dplain.in = in;
	dplain.ctx.direct_pool = direct;
	dplain.ctx.indirect_pool = indirect;
	dplain.ctx.gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO;
	dplain.ctx.gso_size = BENCH_HDR + BENCH_MSS; /* DPDK counts the whole frame */
	dplain.ctx.flag = 0;
	dcsum = dplain;
	dcsum.with_csum = 1;
	cases[0] = (struct bench_case){ .name = "dpdk_gso", .fn = run_dpdk, .arg = &dplain, .iters = 300 };
	cases[1] = (struct bench_case){ .name = "dpdk_gso_sw_csum", .fn = run_dpdk, .arg = &dcsum, .iters = 100 };

	/* VXLAN over IPv4: outer l2/l3 lengths, the UDP and VXLAN headers and
	 * the inner Ethernet as the inner l2 (DPDK's convention) */
	struct rte_mbuf *vin = rte_pktmbuf_alloc(in_pool);
	uint8_t *vdata = (uint8_t *)rte_pktmbuf_append(vin, BENCH_VXLAN_HDR + BENCH_PAYLOAD);
	if (!vdata) {
		fprintf(stderr, "bench-gso: DPDK input mbuf too small for VXLAN\n");
		return 2;
	}
	bench_build_vxlan_packet(vdata, BENCH_VXLAN_HDR + BENCH_PAYLOAD, 0);
	vin->outer_l2_len = 14;
	vin->outer_l3_len = 20;
	vin->l2_len = 8 + 8 + 14;
	vin->l3_len = 20;
	vin->l4_len = 20;
	dvxlan = dplain;
	dvxlan.in = vin;
	dvxlan.vxlan = 1;
	dvxlan.ctx.gso_types = RTE_ETH_TX_OFFLOAD_VXLAN_TNL_TSO | RTE_ETH_TX_OFFLOAD_TCP_TSO;
	dvxlan.ctx.gso_size = BENCH_VXLAN_HDR + BENCH_MSS;
	dvxlan_csum = dvxlan;
	dvxlan_csum.with_csum = 1;
	cases[2] = (struct bench_case){ .name = "dpdk_vxlan_gso", .fn = run_dpdk, .arg = &dvxlan, .iters = 300 };
	cases[3] = (struct bench_case){ .name = "dpdk_vxlan_gso_sw_csum", .fn = run_dpdk, .arg = &dvxlan_csum,
					.iters = 100 };
	return 4;
}
#endif

int main(int argc, char **argv)
{
	int json = 0;
	unsigned runs = 31;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = (unsigned)atoi(argv[++i]);
	}
	struct bench_case cases[16];
	unsigned n = gso_bench_cases(cases), nd = 0;
#ifdef HAVE_DPDK
	nd = dpdk_cases(cases + n);
#endif
	bench_run(cases, n + nd, runs);
	struct gso_measure m;
	gso_measure_from(&m, cases, runs);
	int have_dpdk = nd >= 2, have_dpdk_vxlan = nd == 4;
	double dpdk_plain = have_dpdk ? cases[n].median_ns / BENCH_SEGS : 0;
	double dpdk_csum = have_dpdk ? cases[n + 1].median_ns / BENCH_SEGS : 0;
	double dpdk_vxlan = have_dpdk_vxlan ? cases[n + 2].median_ns / BENCH_SEGS : 0;
	double dpdk_vxlan_csum = have_dpdk_vxlan ? cases[n + 3].median_ns / BENCH_SEGS : 0;
#ifdef HAVE_DPDK
	if (have_dpdk && (dplain.failed || dcsum.failed || (have_dpdk_vxlan && (dvxlan.failed || dvxlan_csum.failed)))) {
		fprintf(stderr, "bench-gso: rte_gso_segment did not make %d segments\n", BENCH_SEGS);
		return 1;
	}
#endif
	double seg_bytes = BENCH_MSS;
	if (json) {
		printf("{\"segoff\":");
		fflush(stdout);
		gso_measure_print(&m, 1);
		printf(",\"dpdk\":");
		if (have_dpdk)
			printf("{\"version\":\"22.11\",\"ns_per_segment\":{\"gso\":%.2f,\"gso_sw_csum\":%.2f,"
			       "\"vxlan_gso\":%.2f,\"vxlan_gso_sw_csum\":%.2f}}", dpdk_plain, dpdk_csum, dpdk_vxlan,
			       dpdk_vxlan_csum);
		else
			printf("null");
		printf("}\n");
		return 0;
	}
	gso_measure_print(&m, 0);
	printf("\nside by side, same process, same packet (ns per 1448-byte segment; lower is better)\n");
	printf("  %-44s %8s %10s %s\n", "", "ns/seg", "GB/s", "ratio");
	if (have_dpdk) {
		printf("  %-44s %8.2f %10.2f\n", "DPDK 22.11 rte_gso_segment, no checksums", dpdk_plain,
		       seg_bytes / dpdk_plain);
		printf("  %-44s %8.2f %10.2f  segoff %.1fx faster\n", "segoff zero-copy, partial checksum", m.zc_partial_ns,
		       seg_bytes / m.zc_partial_ns, dpdk_plain / m.zc_partial_ns);
		printf("  %-44s %8.2f %10.2f\n", "DPDK 22.11 rte_gso_segment + DPDK sw checksums", dpdk_csum,
		       seg_bytes / dpdk_csum);
		printf("  %-44s %8.2f %10.2f  segoff %.1fx faster\n", "segoff zero-copy, full checksum", m.zc_full_ns,
		       seg_bytes / m.zc_full_ns, dpdk_csum / m.zc_full_ns);
		printf("  %-44s %8.2f %10.2f  segoff %.1fx faster\n", "segoff copy, full checksum", m.copy_full_ns,
		       seg_bytes / m.copy_full_ns, dpdk_csum / m.copy_full_ns);
	} else {
		printf("  (DPDK peer not built: install libdpdk-dev and run `make bench` again)\n");
		printf("  %-44s %8.2f %10.2f\n", "segoff zero-copy, partial checksum", m.zc_partial_ns,
		       seg_bytes / m.zc_partial_ns);
		printf("  %-44s %8.2f %10.2f\n", "segoff zero-copy, full checksum", m.zc_full_ns, seg_bytes / m.zc_full_ns);
		printf("  %-44s %8.2f %10.2f\n", "segoff copy, full checksum", m.copy_full_ns, seg_bytes / m.copy_full_ns);
	}
	if (have_dpdk_vxlan) {
		printf("  VXLAN over IPv4, inner MSS %d:\n", BENCH_MSS);
		printf("  %-44s %8.2f %10.2f\n", "DPDK 22.11 gso_tunnel_tcp4, no checksums", dpdk_vxlan,
		       seg_bytes / dpdk_vxlan);
		printf("  %-44s %8.2f %10.2f  segoff %.1fx faster\n", "segoff zero-copy, partial, no outer csum",
		       m.vxlan_zc_partial_ns, seg_bytes / m.vxlan_zc_partial_ns, dpdk_vxlan / m.vxlan_zc_partial_ns);
		printf("  %-44s %8.2f %10.2f\n", "DPDK 22.11 tunnel GSO + DPDK sw checksums", dpdk_vxlan_csum,
		       seg_bytes / dpdk_vxlan_csum);
		printf("  %-44s %8.2f %10.2f  segoff %.1fx faster\n", "segoff zero-copy, inner + outer checksums",
		       m.vxlan_zc_full_ns, seg_bytes / m.vxlan_zc_full_ns, dpdk_vxlan_csum / m.vxlan_zc_full_ns);
	}
	printf("  %-44s %8.2f %10.2f  copy+checksum at %.2fx memcpy\n", "limit: memcpy of the segment",
	       seg_bytes / m.memcpy_gbps, m.memcpy_gbps, m.copy_full_gbps / m.memcpy_gbps);
	printf("  %-44s %8.2f %10.2f  zero-copy+full at %.2fx this limit\n", "limit: checksum of the segment",
	       seg_bytes / m.csum_gbps, m.csum_gbps, m.zc_full_gbps / m.csum_gbps);
	return 0;
}
