/*
 * RFC 6146 §3.5, filtering and updating binding and session information: UDP (§3.5.1) and ICMP queries
 * (§3.5.3) here, TCP's state machine (§3.5.2) in nat64_tcp.c. Mapping is endpoint-independent (one BIB
 * entry per IPv6 transport address, whatever the destination); filtering is endpoint-independent, or
 * address-dependent when conf.adf is set (RFC 4787 §5). ICMP errors neither create nor refresh state:
 * they only need the binding of the flow they quote.
 */
#include "nat64_internal.h"

/* A dynamic entry made for this packet whose session could not be made is of no use. */
static void bib_unused(struct nat64 *db, uint32_t b)
{
	const struct nat64_bib *e = nat64_bib(db, b);

	if (!e->is_static && e->sess == NAT64_NIL)
		nat64_bib_del(db, b);
}

/*
 * Refuse with a Destination Unreachable, counted as the drop and sent if the core may (own address set,
 * offender not an error itself). IPv6 side: RFC 6146 §3.5.1.1, no IPv4 transport address left (code 3,
 * address unreachable). IPv4 side: no binding, answered as a host without a listener would (port
 * unreachable, graybox `bibless`); for a hairpinned packet that answer goes to the IPv6 original.
 */
static enum nat64_step unreachable(struct nat64_ctx *ctx, struct nat64_pkt *p, enum stat_id why,
				   struct xlat_out *out)
{
	struct nat64 *db = ctx->db;
	uint32_t off = 0;
	bool sent;

	xlat_count(&ctx->xlat, why);
	if (p->v6)
		sent = icmp6_error(&ctx->xlat, p->data, p->len, 1, 3, 0, &off, out);
	else if (p->hairpin)
		sent = icmp6_error(&ctx->xlat, db->hairpin_orig, db->hairpin_len, 1, 4, 0, &off, out);
	else
		sent = icmp4_error(&ctx->xlat, p->data, p->len, 3, 3, 0, &off, out);
	p->verdict = sent ? XLAT_EMIT : XLAT_DROP;
	return NAT64_STOP;
}

/* RFC 6146 §3.5.1.1 / §3.5.2.3 / §3.5.3: a binding for the IPv6 transport address that has none. A TCP
 * SYN answering a stored IPv4 SYN takes the address that SYN was sent to (§3.5.2.2). */
static enum nat64_step bib_new6(struct nat64_ctx *ctx, struct nat64_pkt *p, struct xlat_out *out)
{
	struct nat64 *db = ctx->db;
	struct in_addr a4;
	uint16_t p4;
	bool forced;
	enum stat_id st = nat64_sess_room(db, &p->in.src.v6);

	if (st)
		return nat64_drop(ctx, p, st);
	forced = p->proto == NAT64_TCP &&
		 nat64_so_take(db, p->remote4, p->in.dport, NULL, 0, &a4, &p4) &&
		 nat64_pool4_has(db, NAT64_TCP, a4, p4) && nat64_bib_find4(db, NAT64_TCP, a4, p4) == NAT64_NIL;
	if (!forced && !nat64_pool4_alloc(db, p->proto, &p->in.src.v6, p->in.sport, p->remote4, p->in.dport,
					  &a4, &p4))
		return unreachable(ctx, p, STAT_DROP_NAT64_NO_PORTS, out);
	p->bib = nat64_bib_add(db, p->proto, &p->in.src.v6, p->in.sport, a4, p4, false);
	if (p->bib == NAT64_NIL)
		return nat64_drop(ctx, p, STAT_DROP_NAT64_NOMEM);
	xlat_count(&ctx->xlat, STAT_NAT64_BIB_NEW);
	return NAT64_CONTINUE;
}

/* §3.5.1 and §3.5.3: find or make the session with the IPv4 peer r4#rport and (re)start its timer. */
static enum nat64_step udp_icmp(struct nat64_ctx *ctx, struct nat64_pkt *p, struct in_addr r4, uint16_t rport)
{
	struct nat64 *db = ctx->db;
	uint32_t life = p->proto == NAT64_UDP ? db->conf.udp_timeout : db->conf.icmp_timeout;
	enum stat_id st;

	p->sess = nat64_sess_find(db, p->bib, r4, rport);
	if (p->sess != NAT64_NIL) {
		nat64_sess_touch(db, p->sess, nat64_now(ctx), life);
		return NAT64_CONTINUE;
	}
	/* Address-dependent filtering: the IPv4 host must have been contacted through this binding. */
	if (!p->v6 && db->conf.adf && !nat64_bib_knows(db, p->bib, r4))
		return nat64_drop(ctx, p, STAT_DROP_NAT64_ADF);
	st = nat64_sess_room(db, &nat64_bib(db, p->bib)->a6);
	if (!st) {
		p->sess = nat64_sess_add(db, p->bib, r4, rport, NAT64_NONE, nat64_now(ctx), life);
		if (p->sess == NAT64_NIL)
			st = STAT_DROP_NAT64_NOMEM;
	}
	if (st) {
		bib_unused(db, p->bib);
		return nat64_drop(ctx, p, st);
	}
	xlat_count(&ctx->xlat, STAT_NAT64_SESSION_NEW);
	return NAT64_CONTINUE;
}

static enum nat64_step filter6(struct nat64_ctx *ctx, struct nat64_pkt *p, struct xlat_out *out)
{
	p->bib = nat64_bib_find6(ctx->db, p->proto, &p->in.src.v6, p->in.sport);
	if (p->bib == NAT64_NIL) {
		/* §3.5.2.2 CLOSED: only a SYN opens a TCP binding. */
		if (p->proto == NAT64_TCP && !(p->tcp_flags & TCP_SYN))
			return nat64_drop(ctx, p, STAT_DROP_NAT64_TCP_NO_SESSION);
		if (bib_new6(ctx, p, out) == NAT64_STOP)
			return NAT64_STOP;
	}
	if (p->proto == NAT64_TCP)
		return nat64_tcp(ctx, p);
	return udp_icmp(ctx, p, p->remote4, p->proto == NAT64_ICMP ? 0 : p->in.dport);
}

static enum nat64_step filter4(struct nat64_ctx *ctx, struct nat64_pkt *p, struct xlat_out *out)
{
	p->bib = nat64_bib_find4(ctx->db, p->proto, p->in.dst.v4, p->in.dport);
	if (p->proto == NAT64_TCP) {
		if (p->bib != NAT64_NIL)
			return nat64_tcp(ctx, p);
		if (p->tcp_flags & TCP_SYN)
			return nat64_tcp_store_syn(ctx, p);
		return nat64_drop(ctx, p, STAT_DROP_NAT64_TCP_NO_SESSION);
	}
	if (p->bib == NAT64_NIL) {
		if (p->proto == NAT64_UDP)
			return unreachable(ctx, p, STAT_DROP_NAT64_NO_BIB4, out);
		return nat64_drop(ctx, p, STAT_DROP_NAT64_NO_BIB4);
	}
	return udp_icmp(ctx, p, p->in.src.v4, p->proto == NAT64_ICMP ? 0 : p->in.sport);
}

/* An ICMP error travels on the binding of the flow it quotes (the reversed tuple's source side). */
static enum nat64_step filter_error(struct nat64_ctx *ctx, struct nat64_pkt *p)
{
	if (p->v6)
		p->bib = nat64_bib_find6(ctx->db, p->proto, &p->in.src.v6, p->in.sport);
	else
		p->bib = nat64_bib_find4(ctx->db, p->proto, p->in.dst.v4, p->in.dport);
	if (p->bib == NAT64_NIL)
		return nat64_drop(ctx, p, STAT_DROP_NAT64_ICMP_NO_BIB);
	return NAT64_CONTINUE;
}

enum nat64_step nat64_filter(struct nat64_ctx *ctx, struct nat64_pkt *p, struct xlat_out *out)
{
	p->bib = p->sess = NAT64_NIL;
	if (p->icmp_error)
		return filter_error(ctx, p);
	return p->v6 ? filter6(ctx, p, out) : filter4(ctx, p, out);
}
