/*
 * Stateful NAT64 (RFC 6146): instance life cycle, the §3 pipeline's driver, timers and inspection. The
 * steps themselves are nat64_tuple_in.c, nat64_filter.c + nat64_tcp.c, nat64_tuple_out.c and
 * nat64_translate.c; the tables nat64_db.c, nat64_pool4.c and nat64_so.c.
 */
#include <stdlib.h>
#include <string.h>

#include "nat64_internal.h"

#define TICK_BUDGET 65536	/* sessions expired per nat64_tick() call, so a worker never stalls long */
#define SYN4_MAX 65536

void nat64_conf_defaults(struct nat64_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->udp_timeout = 5 * 60 * 1000;
	c->tcp_est_timeout = 2 * 3600 * 1000;
	c->tcp_trans_timeout = 4 * 60 * 1000;
	c->icmp_timeout = 60 * 1000;
	c->tcp_syn4_timeout = 6 * 1000;
	c->max_sessions = 262144;
	c->max_sessions_per_src = 8192;
	c->max_syn4 = 10;
	c->icmp6_errors_better = true;
}

bool nat64_conf_valid(const struct nat64_conf *c, const char **why)
{
	const uint32_t t[] = { c->udp_timeout, c->tcp_est_timeout, c->tcp_trans_timeout, c->icmp_timeout,
			       c->tcp_syn4_timeout };

	/* Shorter than RFC 6146 §4 / RFC 4787 REQ-5 want is the admin's call (REQ-5c: configurable), and
	 * what tests need; the defaults follow the RFCs. */
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i] < 1000 || t[i] > NAT64_TIMEOUT_MAX) {
			*why = "timeouts must be between 1 second and 7 days";
			return false;
		}
	if (c->max_syn4 > SYN4_MAX) {
		*why = "at most 65536 stored SYNs";
		return false;
	}
	return true;
}

struct nat64 *nat64_new(const struct nat64_conf *c, unsigned worker, unsigned nworkers, const uint8_t secret[16])
{
	struct nat64 *db;
	const char *why;

	if (nworkers == 0 || nworkers > 256 || worker >= nworkers || !nat64_conf_valid(c, &why))
		return NULL;
	db = calloc(1, sizeof(*db));
	if (!db)
		return NULL;
	db->worker = worker;
	db->nworkers = nworkers;
	memcpy(db->key, secret, sizeof(db->key));
	if (!nat64_db_init(db) || !nat64_so_resize(db, c->max_syn4)) {
		nat64_free(db);
		return NULL;
	}
	db->conf = *c;
	return db;
}

void nat64_free(struct nat64 *db)
{
	if (!db)
		return;
	nat64_db_free(db);
	free(db->pool4);
	free(db->syn4);
	free(db);
}

bool nat64_set_conf(struct nat64 *db, const struct nat64_conf *c)
{
	const char *why;

	if (!nat64_conf_valid(c, &why) || !nat64_so_resize(db, c->max_syn4))
		return false;
	db->conf = *c;
	return true;
}

bool nat64_static_add(struct nat64 *db, enum nat64_proto proto, const struct in6_addr *a6, uint16_t p6,
		      struct in_addr a4, uint16_t p4, const char **why)
{
	uint32_t b6, b4;

	if ((unsigned)proto >= NAT64_NPROTO || !nat64_pool4_has(db, proto, a4, p4)) {
		*why = "the IPv4 transport address is not in pool4";
		return false;
	}
	b6 = nat64_bib_find6(db, proto, a6, p6);
	b4 = nat64_bib_find4(db, proto, a4, p4);
	if ((b6 && nat64_bib(db, b6)->is_static) || (b4 && nat64_bib(db, b4)->is_static)) {
		*why = "a static entry already binds one of the two transport addresses";
		return false;
	}
	/* The admin's binding wins over a dynamic one that happens to hold either side. */
	if (b6)
		nat64_bib_del(db, b6);
	if (b4 && b4 != b6)
		nat64_bib_del(db, b4);
	if (nat64_bib_add(db, proto, a6, p6, a4, p4, true) == NAT64_NIL) {
		*why = "out of memory";
		return false;
	}
	return true;
}

bool nat64_static_remove(struct nat64 *db, enum nat64_proto proto, struct in_addr a4, uint16_t p4,
			 const char **why)
{
	uint32_t b = (unsigned)proto < NAT64_NPROTO ? nat64_bib_find4(db, proto, a4, p4) : NAT64_NIL;

	if (b == NAT64_NIL || !nat64_bib(db, b)->is_static) {
		*why = "no such static BIB entry";
		return false;
	}
	nat64_bib_del(db, b);
	return true;
}

static void clock_start(struct nat64 *db, uint32_t now)
{
	if (!db->clock_set) {
		db->wheel_ms = now & ~((1u << NAT64_WHEEL_SHIFT) - 1);
		db->clock_set = true;
	}
}

enum xlat_verdict nat64_pipeline(struct nat64_ctx *ctx, struct nat64_pkt *p, struct xlat_out *out)
{
	enum xlat_verdict v;
	bool hairpin;

	if (nat64_tuple_in(ctx, p) == NAT64_STOP || nat64_filter(ctx, p, out) == NAT64_STOP)
		return p->verdict;
	nat64_tuple_out(ctx, p);
	hairpin = nat64_hairpin_wanted(ctx, p);
	if (hairpin)
		nat64_hairpin_save(ctx, p);
	v = nat64_translate(ctx, p, out);
	return v == XLAT_EMIT && hairpin ? nat64_hairpin(ctx, p, out) : v;
}

enum xlat_verdict nat64_packet(struct nat64_ctx *ctx, uint8_t *pkt, uint32_t len, struct xlat_out *out)
{
	struct nat64_pkt p = { .data = pkt, .len = len };

	out->n = 0;
	ctx->xlat.hairpin = false;
	ctx->xlat.tuple = NULL;
	clock_start(ctx->db, nat64_now(ctx));
	if (len < 1)
		return xlat_drop(&ctx->xlat, STAT_DROP_TRUNCATED);
	/* Multicast (the kernel's MLD/IGMP reports on the device) has no binding to follow. */
	switch (pkt[0] >> 4) {
	case 6:
		xlat_count(&ctx->xlat, STAT_RECEIVED6);
		if (len >= IP6_HDR_LEN && pkt[24] == 0xff)
			return xlat_drop(&ctx->xlat, STAT_DROP_MULTICAST);
		p.v6 = true;
		break;
	case 4:
		xlat_count(&ctx->xlat, STAT_RECEIVED4);
		if (len >= IP4_HDR_LEN && pkt[16] >= 224)
			return xlat_drop(&ctx->xlat, STAT_DROP_MULTICAST);
		break;
	default:
		return xlat_drop(&ctx->xlat, STAT_DROP_BAD_VERSION);
	}
	return nat64_pipeline(ctx, &p, out);
}

/* Stored IPv4 SYNs whose 6 s are over get their port unreachable (RFC 6146 §3.5.2.2). */
static bool syn4_timeouts(struct nat64_ctx *ctx, uint32_t now, struct xlat_out *out)
{
	struct nat64 *db = ctx->db;
	uint32_t off = 0;

	for (uint32_t i = 0; i < db->conf.max_syn4 && db->nsyn4; i++) {
		struct nat64_syn4 *s = &db->syn4[i];

		if (!s->used || nat64_time_before(now, s->expires))
			continue;
		if (out->n == XLAT_OUT_MAX)
			return false;
		if (s->v6)
			icmp6_error(&ctx->xlat, s->pkt, s->len, 1, 4, 0, &off, out);
		else
			icmp4_error(&ctx->xlat, s->pkt, s->len, 3, 3, 0, &off, out);
		s->used = false;
		db->nsyn4--;
	}
	return true;
}

bool nat64_tick(struct nat64_ctx *ctx, uint64_t now, struct xlat_out *out)
{
	bool done;

	out->n = 0;
	ctx->xlat.now = now;
	clock_start(ctx->db, (uint32_t)now);
	done = syn4_timeouts(ctx, (uint32_t)now, out);
	done &= nat64_wheel_run(ctx->db, (uint32_t)now, TICK_BUDGET, nat64_expire);
	return !done;
}

void nat64_usage(const struct nat64 *db, struct nat64_usage *u)
{
	memset(u, 0, sizeof(*u));
	for (int p = 0; p < NAT64_NPROTO; p++) {
		u->bib[p] = db->nbib[p];
		u->bib_static[p] = db->nstatic[p];
		u->sessions[p] = db->nsess[p];
	}
	u->sources = db->sources.live;
	u->syn4_stored = db->nsyn4;
	u->bytes = nat64_db_bytes(db);
}

static void bib_view(const struct nat64_bib *b, struct nat64_bib_view *v)
{
	v->proto = b->proto;
	v->is_static = b->is_static;
	v->a6 = b->a6;
	v->p6 = b->p6;
	v->a4 = b->a4;
	v->p4 = b->p4;
}

void nat64_bib_foreach(const struct nat64 *db, bool (*fn)(const struct nat64_bib_view *, void *), void *arg)
{
	for (uint32_t i = 1; i < db->bibs.hiwat; i++) {
		const struct nat64_bib *b = nat64_bib(db, i);
		struct nat64_bib_view v;

		if (b->proto == NAT64_FREE)
			continue;
		bib_view(b, &v);
		if (!fn(&v, arg))
			return;
	}
}

void nat64_session_foreach(const struct nat64 *db, uint64_t now,
			   bool (*fn)(const struct nat64_session_view *, void *), void *arg)
{
	for (uint32_t i = 1; i < db->bibs.hiwat; i++) {
		const struct nat64_bib *b = nat64_bib(db, i);
		struct nat64_session_view v;

		if (b->proto == NAT64_FREE)
			continue;
		bib_view(b, &v.bib);
		for (uint32_t s = b->sess; s != NAT64_NIL; s = nat64_sess(db, s)->bnext) {
			const struct nat64_sess *e = nat64_sess(db, s);

			v.r4 = e->r4;
			v.rport = e->rport;
			v.state = e->state;
			v.expires_in = nat64_time_before((uint32_t)now, e->expires) ? e->expires - (uint32_t)now : 0;
			if (!fn(&v, arg))
				return;
		}
	}
}

const char *nat64_proto_name(enum nat64_proto p)
{
	static const char *const names[] = { "TCP", "UDP", "ICMP" };

	return (unsigned)p < NAT64_NPROTO ? names[p] : "?";
}

const char *nat64_state_name(enum nat64_state s)
{
	static const char *const names[] = { "-", "V4_INIT", "V6_INIT", "ESTABLISHED", "V4_FIN_RCV",
					     "V6_FIN_RCV", "V4_FIN_V6_FIN_RCV", "TRANS" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}
