// SPDX-License-Identifier: MIT
/* Error names and descriptions. One row per code, indexed by -code, so that
 * adding a code is adding a row (the static assert below catches a gap). */
#include <segoff/segoff.h>

struct error_row {
	const char *name;
	const char *text;
};

static const struct error_row error_rows[] = {
	[0] = { "ok", "success" },
	[1] = { "invalid_argument", "an argument is missing or out of range" },
	[2] = { "truncated", "a header runs past the end of the bytes given" },
	[3] = { "vlan_depth", "more than two VLAN tags" },
	[4] = { "ip_version", "IP version field disagrees with the ethertype" },
	[5] = { "ipv4_ihl", "IPv4 header length below 20 bytes" },
	[6] = { "ipv6_exthdr_limit", "too many IPv6 extension headers" },
	[7] = { "tcp_doff", "TCP data offset below 20 bytes" },
	[8] = { "not_segmentable", "no TCP or UDP header to segment" },
	[9] = { "gso_type_mismatch", "GSO type does not match the packet's protocols" },
	[10] = { "gso_size_zero", "GSO size (MSS) is zero" },
	[11] = { "gso_nothing_to_split", "payload is not larger than the GSO size" },
	[12] = { "csum_start", "partial checksum does not start at the transport header" },
	[13] = { "csum_offset", "partial checksum field is not the transport check field" },
	[14] = { "gso_too_big", "packet is larger than the configured maximum" },
	[15] = { "gso_too_many_segs", "packet would make more segments than the configured maximum" },
	[16] = { "no_space", "output storage is too small" },
	[17] = { "fragment", "an IP fragment cannot be segmented" },
	[18] = { "unsupported", "valid input that this version does not handle" },
	[19] = { "vnet_gso_type", "virtio_net_hdr: unknown GSO type" },
	[20] = { "vnet_gso_size", "virtio_net_hdr: invalid GSO size" },
	[21] = { "vnet_csum_range", "virtio_net_hdr: checksum start or offset outside the frame" },
	[22] = { "vnet_csum_start", "virtio_net_hdr: transport offset below the IP header size" },
	[23] = { "vnet_csum_offset", "virtio_net_hdr: checksum offset is not the transport check field" },
	[24] = { "vnet_needs_csum", "virtio_net_hdr: UDP or tunnel segmentation without NEEDS_CSUM" },
	[25] = { "vnet_too_many_segs", "virtio_net_hdr: more than 128 UDP segments" },
	[26] = { "vnet_ecn", "virtio_net_hdr: ECN flag on UDP segmentation" },
	[27] = { "vnet_hdr_len", "virtio_net_hdr: header length beyond the frame" },
	[28] = { "vnet_proto", "virtio_net_hdr: GSO type's protocol is not in the frame" },
	[29] = { "frame_short", "frame shorter than an Ethernet header" },
	[30] = { "no_cpu_support", "this CPU lacks the requested instruction set" },
	[31] = { "system", "a system call failed" },
	[32] = { "frag_needed", "larger than the MTU with DF set: fragmentation needed" },
	[33] = { "frag_mtu", "MTU too small to carry a fragment" },
	[34] = { "layer_limit", "more headers than the parser holds" },
	[35] = { "tunnel_not_gso", "tunnel GSO packet whose payload is not larger than the GSO size" },
	[36] = { "vnet_tunnel_type", "virtio_net_hdr: both tunnel bits, or an inner type that cannot be tunnelled" },
	[37] = { "vnet_tunnel_offsets", "virtio_net_hdr: tunnel header offsets out of order" },
	[38] = { "gre_seq", "GRE header with a sequence number: no Linux GRE device segments it" },
};

_Static_assert(sizeof(error_rows) / sizeof(error_rows[0]) == (unsigned)-SEGOFF_E__LAST,
	       "every error code needs a row");

static const struct error_row *row_of(int err)
{
	if (err > 0 || err <= SEGOFF_E__LAST)
		return NULL;
	return &error_rows[-err];
}

const char *segoff_error_name(int err)
{
	const struct error_row *r = row_of(err);
	return r ? r->name : "unknown_error";
}

const char *segoff_strerror(int err)
{
	const struct error_row *r = row_of(err);
	return r ? r->text : "unknown error code";
}

const char *segoff_version(void)
{
	return SEGOFF_VERSION_STRING;
}
