/*
 * RFC 6146 §3.5.2: TCP session handling. The state machine of §3.5.2.2 (CLOSED is "no session"):
 *
 *   CLOSED      V6 SYN -> V6_INIT (TCP_TRANS)      V4 SYN -> V4_INIT (TCP_INCOMING_SYN), or stored
 *   V4_INIT     V6 SYN -> ESTABLISHED (TCP_EST)    V4 SYN: lifetime TCP_INCOMING_SYN again
 *   V6_INIT     V4 SYN -> ESTABLISHED              V6 SYN: lifetime TCP_TRANS again
 *   ESTABLISHED V4 FIN -> V4_FIN_RCV, V6 FIN -> V6_FIN_RCV, RST -> TRANS (TCP_TRANS), else TCP_EST again
 *   V4_FIN_RCV  V6 FIN -> V4_FIN_V6_FIN_RCV (TCP_TRANS), else TCP_EST again   (V6_FIN_RCV alike)
 *   V4_FIN_V6_FIN_RCV  nothing changes; the session ends when its timer does
 *   TRANS       any packet but a RST -> ESTABLISHED (TCP_EST)
 *
 * Every packet of a session is translated whatever its state. When the lifetime of ESTABLISHED or of a
 * half-closed state runs out, the session moves to TRANS for TCP_TRANS (the RFC's keepalive probe is not
 * sent: a live connection shows itself within those 4 minutes); in the other states it ends.
 */
#include "nat64_internal.h"

/* §3.5.2.2 CLOSED: an IPv4 SYN with no binding, or one address-dependent filtering refuses, waits 6 s for
 * the IPv6 host's own SYN (simultaneous open) before it is answered with port unreachable (nat64_tick). */
enum nat64_step nat64_tcp_store_syn(struct nat64_ctx *ctx, struct nat64_pkt *p)
{
	struct nat64 *db = ctx->db;
	enum stat_id st;

	if (db->conf.drop_external_tcp)
		return nat64_drop(ctx, p, STAT_DROP_NAT64_TCP_EXTERNAL);
	/* A hairpinned SYN is answered on the IPv6 side: keep the IPv6 original, which the error quotes. */
	if (p->hairpin)
		st = nat64_so_store(db, nat64_now(ctx), p->in.src.v4, p->in.sport, p->in.dst.v4, p->in.dport,
				    db->hairpin_orig, db->hairpin_len, true);
	else
		st = nat64_so_store(db, nat64_now(ctx), p->in.src.v4, p->in.sport, p->in.dst.v4, p->in.dport,
				    p->data, p->len, false);
	return nat64_drop(ctx, p, st ? st : STAT_NAT64_SYN4_STORED);
}

/* CLOSED: a SYN opens a session (V6_INIT or V4_INIT); anything else has nothing to belong to. */
static enum nat64_step closed(struct nat64_ctx *ctx, struct nat64_pkt *p, struct in_addr r4, uint16_t rport)
{
	struct nat64 *db = ctx->db;
	struct nat64_bib *b = nat64_bib(db, p->bib);
	enum nat64_state st = p->v6 ? NAT64_V6_INIT : NAT64_V4_INIT;
	uint32_t life = p->v6 ? db->conf.tcp_trans_timeout : db->conf.tcp_syn4_timeout;
	enum stat_id why;

	if (!(p->tcp_flags & TCP_SYN))
		return nat64_drop(ctx, p, STAT_DROP_NAT64_TCP_NO_SESSION);
	if (!p->v6) {
		if (db->conf.drop_external_tcp)
			return nat64_drop(ctx, p, STAT_DROP_NAT64_TCP_EXTERNAL);
		if (db->conf.adf && !nat64_bib_knows(db, p->bib, r4))
			return nat64_tcp_store_syn(ctx, p);
	} else {
		/* The IPv6 side's half of a simultaneous open: the held IPv4 SYN is answered by this one. */
		nat64_so_take(db, r4, rport, &b->a4, b->p4, NULL, NULL);
	}
	why = nat64_sess_room(db, &b->a6);
	if (!why) {
		p->sess = nat64_sess_add(db, p->bib, r4, rport, st, nat64_now(ctx), life);
		if (p->sess == NAT64_NIL)
			why = STAT_DROP_NAT64_NOMEM;
	}
	if (why) {
		if (!b->is_static && b->sess == NAT64_NIL)
			nat64_bib_del(db, p->bib);
		return nat64_drop(ctx, p, why);
	}
	xlat_count(&ctx->xlat, STAT_NAT64_SESSION_NEW);
	return NAT64_CONTINUE;
}

static void set(struct nat64 *db, uint32_t s, enum nat64_state st, uint32_t now, uint32_t life)
{
	nat64_sess(db, s)->state = st & 0xf;
	nat64_sess_touch(db, s, now, life);
}

enum nat64_step nat64_tcp(struct nat64_ctx *ctx, struct nat64_pkt *p)
{
	struct nat64 *db = ctx->db;
	const struct nat64_conf *c = &db->conf;
	struct in_addr r4 = p->v6 ? p->remote4 : p->in.src.v4;
	uint16_t rport = p->v6 ? p->in.dport : p->in.sport;
	bool syn = p->tcp_flags & TCP_SYN, fin = p->tcp_flags & TCP_FIN, rst = p->tcp_flags & TCP_RST;
	uint32_t now = nat64_now(ctx), s;

	s = p->sess = nat64_sess_find(db, p->bib, r4, rport);
	if (s == NAT64_NIL)
		return closed(ctx, p, r4, rport);
	switch (nat64_sess(db, s)->state) {
	case NAT64_V4_INIT:
		if (syn)
			set(db, s, p->v6 ? NAT64_ESTABLISHED : NAT64_V4_INIT, now,
			    p->v6 ? c->tcp_est_timeout : c->tcp_syn4_timeout);
		break;
	case NAT64_V6_INIT:
		if (syn)
			set(db, s, p->v6 ? NAT64_V6_INIT : NAT64_ESTABLISHED, now,
			    p->v6 ? c->tcp_trans_timeout : c->tcp_est_timeout);
		break;
	case NAT64_ESTABLISHED:
		if (rst)
			set(db, s, NAT64_TRANS, now, c->tcp_trans_timeout);
		else if (fin)
			set(db, s, p->v6 ? NAT64_V6_FIN_RCV : NAT64_V4_FIN_RCV, now, c->tcp_est_timeout);
		else
			nat64_sess_touch(db, s, now, c->tcp_est_timeout);
		break;
	case NAT64_V4_FIN_RCV:
	case NAT64_V6_FIN_RCV:
		/* The FIN that closes the other half. */
		if (fin && p->v6 == (nat64_sess(db, s)->state == NAT64_V4_FIN_RCV))
			set(db, s, NAT64_V4_FIN_V6_FIN_RCV, now, c->tcp_trans_timeout);
		else if (rst && c->rst_during_fin_rcv)
			nat64_sess_touch(db, s, now, c->tcp_trans_timeout);
		else
			nat64_sess_touch(db, s, now, c->tcp_est_timeout);
		break;
	case NAT64_TRANS:
		if (!rst)
			set(db, s, NAT64_ESTABLISHED, now, c->tcp_est_timeout);
		break;
	default:	/* V4_FIN_V6_FIN_RCV */
		break;
	}
	return NAT64_CONTINUE;
}

uint32_t nat64_expire(struct nat64 *db, uint32_t s)
{
	struct nat64_sess *e = nat64_sess(db, s);

	switch (e->state) {
	case NAT64_ESTABLISHED:
	case NAT64_V4_FIN_RCV:
	case NAT64_V6_FIN_RCV:
		e->state = NAT64_TRANS;
		return db->conf.tcp_trans_timeout;
	default:
		return 0;
	}
}
