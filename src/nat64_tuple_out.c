/*
 * RFC 6146 §3.6, computing the outgoing tuple. 6->4: the source becomes the BIB entry's IPv4 transport
 * address, the destination the IPv4 address pool6 embeds (port unchanged). 4->6: the source becomes pool6
 * + the IPv4 source (port unchanged), the destination the BIB entry's IPv6 transport address. An ICMP query
 * carries the identifier of the other side's binding. An ICMP error gets the tuple of the flow it quotes
 * (reversed, as §3.4 made it); the core quotes that flow with the tuple turned back around.
 *
 * The source of a 4->6 ICMP error: RFC 6146 gives it the tuple's source, the peer of the flow, so every
 * traceroute hop would look like the destination. Jool's source-icmpv6-errors-better (on by default,
 * graybox issue132) translates the error's real source with pool6 instead, where RFC 6052 §3.1 allows.
 */
#include "nat64_internal.h"

void nat64_tuple_out(struct nat64_ctx *ctx, struct nat64_pkt *p)
{
	const struct nat64_bib *b = nat64_bib(ctx->db, p->bib);

	if (p->v6) {
		p->out.src.v4 = b->a4;
		p->out.sport = b->p4;
		p->out.dst.v4 = p->remote4;
		p->out.dport = p->proto == NAT64_ICMP ? b->p4 : p->in.dport;
	} else {
		p->out.src.v6 = p->remote6;
		p->out.sport = p->proto == NAT64_ICMP ? b->p6 : p->in.sport;
		p->out.dst.v6 = b->a6;
		p->out.dport = b->p6;
		p->out.has_err_src = p->icmp_error && ctx->db->conf.icmp6_errors_better &&
				     !xlat_map46(&ctx->xlat, p->err_src4, &p->out.err_src.v6, true);
	}
}
