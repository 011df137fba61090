// SPDX-License-Identifier: MIT
/* The sum of a tunnel segment from its tunnel header on (tunnel_csum.h). */
#include "tunnel_csum.h"

void segoff__tunnel_sum_init(const struct gso_ctx *c, unsigned from, struct tunnel_sum *t)
{
	const struct segoff_pkt *pkt = c->pkt;
	const struct segoff_layer *in = &pkt->layer[pkt->nr_layers - 1], *net = &pkt->layer[in->net];
	const struct proto_ops *inner = proto_ops_of(in->proto);
	const unsigned last = c->nr_segs - 1;
	t->fixed = segoff_csum(pkt->head + from, net->off - from);
	t->inner6_off = 0;
	if (net->proto == SEGOFF_PROTO_IPV6) { /* all of it but the payload length */
		t->fixed += segoff_csum(pkt->head + net->off, net->len) + csum_neg16(rd16(pkt->head + net->off + 4));
		t->inner6_off = net->off;
	}
	/* every segment but the last has the same lengths, hence seeds */
	t->seed_mid = inner->gso_seed(c, in, c->hdr_len - in->off + c->mss);
	t->seed_last = inner->gso_seed(c, in, c->segs[last].len - in->off);
}
