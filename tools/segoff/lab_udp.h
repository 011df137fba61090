/* SPDX-License-Identifier: MIT */
/* The lab's UDP GSO traffic: iperf3 3.12 cannot send with UDP_SEGMENT, so the
 * lab has its own sender (64 KB writes cut by the kernel or the NIC into
 * 1472-byte datagrams) and receiver (UDP_GRO on). */
#ifndef SEGOFF_LAB_UDP_H
#define SEGOFF_LAB_UDP_H

struct lab_udp_result {
	double bytes_sent, bytes_received, seconds;
	double sender_cpu, receiver_cpu; /* seconds of CPU (user + system) */
};

/* Sends for `duration` seconds from namespace ns_a to server_ip (IPv4) in
 * ns_b. Returns 0, or -1 when a side could not start. */
int lab_udp_run(const char *ns_a, const char *ns_b, const char *server_ip, double duration,
		struct lab_udp_result *r);

#endif
