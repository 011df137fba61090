// SPDX-License-Identifier: MIT
/*
 * tc egress program for kernel_ip_tunnel_gso_diff: wraps the TCP
 * super-packet it is given in GRE or IP-in-IP with bpf_skb_adjust_room
 * (BPF_F_ADJ_ROOM_FIXED_GSO: the MSS stays the inner one), so that the
 * kernel's software segmentation then cuts a tunnel packet (E5, E6) on a
 * machine with no GRE or IPIP devices (kernel-rules, "How to make the
 * kernel do it").
 *
 * The test says what to build in the frame's MAC addresses, which it
 * chooses: 02:P1:K0:K1:K2:K3 (dst) and 02:I0:I1:TT:TS:CW (src), where P1
 * bit 7 asks for encapsulation, bit 0 GRE (else IP-in-IP), bit 1 an IPv6
 * outer header, bit 2 GRE C, bit 3 GRE K, bit 4 DF, bit 5 GRE carrying
 * Ethernet (0x6558); K the GRE key, I the outer IPv4 ID (and the IPv6 flow
 * label's low bits), TT the TTL or hop limit, TS the TOS or traffic class,
 * CW both bytes of the GRE checksum field (copied, never computed, under
 * SKB_GSO_GRE). Frames without the request pass untouched.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define P_ENCAP 0x80
#define P_GRE 0x01
#define P_OUTER6 0x02
#define P_GRE_C 0x04
#define P_GRE_K 0x08
#define P_DF 0x10
#define P_TEB 0x20

SEC("tc")
int ip_tunnel_encap(struct __sk_buff *skb)
{
	__u8 m[12];
	if (bpf_skb_load_bytes(skb, 0, m, sizeof(m)) < 0)
		return TC_ACT_OK;
	const __u8 p = m[1];
	if (m[0] != 0x02 || m[6] != 0x02 || !(p & P_ENCAP))
		return TC_ACT_OK;
	const int outer6 = p & P_OUTER6, gre = p & P_GRE, teb = gre && (p & P_TEB);
	const __u16 inner_proto = bpf_ntohs(skb->protocol);
	if (inner_proto != 0x0800 && inner_proto != 0x86dd)
		return TC_ACT_SHOT;
	const int inner6 = inner_proto == 0x86dd;

	__u8 gh[12 + 14] = {};
	__u32 glen = 0;
	if (gre) {
		gh[0] = (p & P_GRE_C ? 0x80 : 0) | (p & P_GRE_K ? 0x20 : 0);
		__u16 proto = teb ? 0x6558 : inner_proto;
		gh[2] = proto >> 8;
		gh[3] = proto & 0xff;
		glen = 4;
		if (p & P_GRE_C) {
			gh[4] = m[11];
			gh[5] = m[11];
			glen = 8;
		}
		if (p & P_GRE_K) {
			gh[glen] = m[2];
			gh[glen + 1] = m[3];
			gh[glen + 2] = m[4];
			gh[glen + 3] = m[5];
			glen += 4;
		}
		if (teb) { /* the inner Ethernet header: the frame's own */
			for (int i = 0; i < 12; i++)
				gh[glen + i] = m[i];
			gh[glen + 12] = inner_proto >> 8;
			gh[glen + 13] = inner_proto & 0xff;
			glen += 14;
		}
	}
	const __u8 ipproto = gre ? 47 : inner6 ? 41 : 4;
	const __u32 iplen = outer6 ? 40 : 20, diff = iplen + glen;
	__u8 ip[40] = {};
	if (!outer6) {
		__u32 tot = skb->len - 14 + diff;
		ip[0] = 0x45;
		ip[1] = m[10];
		ip[2] = tot >> 8;
		ip[3] = tot & 0xff;
		ip[4] = m[7];
		ip[5] = m[8];
		ip[6] = p & P_DF ? 0x40 : 0;
		ip[8] = m[9];
		ip[9] = ipproto;
		ip[12] = 192; ip[13] = 0; ip[14] = 2; ip[15] = 10;
		ip[16] = 198; ip[17] = 51; ip[18] = 100; ip[19] = 10;
	} else {
		__u32 plen = skb->len - 14 + glen;
		ip[0] = 0x60 | m[10] >> 4;
		ip[1] = (__u8)(m[10] << 4);
		ip[2] = m[7];
		ip[3] = m[8];
		ip[4] = plen >> 8;
		ip[5] = plen & 0xff;
		ip[6] = ipproto;
		ip[7] = m[9];
		ip[8] = 0x20; ip[9] = 0x01; ip[10] = 0x0d; ip[11] = 0xb8; ip[23] = 0x0a;
		ip[24] = 0x20; ip[25] = 0x01; ip[26] = 0x0d; ip[27] = 0xb8; ip[39] = 0x0b;
	}
	__u64 flags = BPF_F_ADJ_ROOM_FIXED_GSO |
		      (outer6 ? BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 : BPF_F_ADJ_ROOM_ENCAP_L3_IPV4);
	if (gre)
		flags |= BPF_F_ADJ_ROOM_ENCAP_L4_GRE;
	if (teb)
		flags |= BPF_F_ADJ_ROOM_ENCAP_L2(14) | BPF_F_ADJ_ROOM_ENCAP_L2_ETH;
	if (bpf_skb_adjust_room(skb, diff, BPF_ADJ_ROOM_MAC, flags) < 0)
		return TC_ACT_SHOT;
	if (outer6) {
		if (bpf_skb_store_bytes(skb, 14, ip, 40, 0) < 0)
			return TC_ACT_SHOT;
	} else {
		/* the header checksum: segmentation rewrites it, but the
		 * super-packet itself should be a right packet */
		__u32 s = 0;
		for (int i = 0; i < 20; i += 2)
			s += (__u32)ip[i] << 8 | ip[i + 1];
		s = (s & 0xffff) + (s >> 16);
		s = (s & 0xffff) + (s >> 16);
		ip[10] = (__u8)(~s >> 8);
		ip[11] = (__u8)~s;
		if (bpf_skb_store_bytes(skb, 14, ip, 20, 0) < 0)
			return TC_ACT_SHOT;
	}
	if (glen) {
		if (glen > sizeof(gh))
			return TC_ACT_SHOT;
		if (bpf_skb_store_bytes(skb, 14 + iplen, gh, glen, 0) < 0)
			return TC_ACT_SHOT;
	}
	if (outer6 != inner6) {
		__u8 et[2] = { outer6 ? 0x86 : 0x08, outer6 ? 0xdd : 0x00 };
		if (bpf_skb_store_bytes(skb, 12, et, 2, 0) < 0)
			return TC_ACT_SHOT;
	}
	return TC_ACT_OK;
}

/* MIT source; the kernel asks BPF programs for a GPL-compatible string */
char _license[] SEC("license") = "Dual MIT/GPL";
