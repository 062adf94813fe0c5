/* `xlat64 sessions`, `bib` and `pool4`: the tables of nat64.h as rows for the control socket. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nat64_view.h"

#define TADDR_LEN (INET6_ADDRSTRLEN + 8)	/* "address#65535" */

#define TEXT(n) { .name = n }
#define NUMBER(n) { .name = n, .numeric = true }

/* remote: the IPv4 peer; remote6: the same as the IPv6 host addresses it (pool6, RFC 6052); expires: in
 * seconds, rounded up. */
static const struct ctl_column session_cols[] = {
	TEXT("proto"), TEXT("ipv6"), TEXT("ipv4"), TEXT("remote"), TEXT("remote6"), TEXT("state"), NUMBER("expires"),
};
static const struct ctl_column bib_cols[] = { TEXT("proto"), TEXT("ipv6"), TEXT("ipv4"), TEXT("type") };
/* ports: the range; total: how many of them xlat64 hands out (all workers); bound: in use. */
static const struct ctl_column pool4_cols[] = {
	TEXT("proto"), TEXT("address"), TEXT("ports"), NUMBER("total"), NUMBER("bound"),
};

/* "address#port"; with_port false: the address alone. */
static char *taddr(int family, const void *a, uint16_t port, bool with_port, char *buf)
{
	size_t n;

	inet_ntop(family, a, buf, INET6_ADDRSTRLEN);
	n = strlen(buf);
	if (with_port)
		snprintf(buf + n, TADDR_LEN - n, "#%u", (unsigned)port);
	return buf;
}

void nat64_view_init(struct nat64_view *v, enum ctl_cmd cmd, const struct prefix6 *pool6, uint64_t now,
		     struct ctl_rows *out)
{
	*v = (struct nat64_view){ .cmd = cmd, .pool6 = pool6, .now = now, .out = out };
	if (cmd == CTL_SESSIONS)
		ctl_rows_columns(out, session_cols, sizeof(session_cols) / sizeof(session_cols[0]));
	else if (cmd == CTL_BIB)
		ctl_rows_columns(out, bib_cols, sizeof(bib_cols) / sizeof(bib_cols[0]));
	else
		ctl_rows_columns(out, pool4_cols, sizeof(pool4_cols) / sizeof(pool4_cols[0]));
}

static bool session_row(const struct nat64_session_view *s, void *arg)
{
	struct nat64_view *v = arg;
	char six[TADDR_LEN], four[TADDR_LEN], rem[TADDR_LEN], rem6[TADDR_LEN], exp[16];
	bool icmp = s->bib.proto == NAT64_ICMP;
	struct in6_addr r6;
	const char *cells[7] = { nat64_proto_name(s->bib.proto), six, four, rem, rem6,
				 nat64_state_name(s->state), exp };

	/* RFC 6052: the IPv4 peer as the IPv6 host addresses it. */
	rfc6052_embed(v->pool6, s->r4, &r6);
	taddr(AF_INET6, &s->bib.a6, s->bib.p6, true, six);
	taddr(AF_INET, &s->bib.a4, s->bib.p4, true, four);
	taddr(AF_INET, &s->r4, s->rport, !icmp, rem);
	taddr(AF_INET6, &r6, s->rport, !icmp, rem6);
	/* Whole seconds, rounded up: "0" only once it is due. */
	snprintf(exp, sizeof(exp), "%u", (unsigned)((s->expires_in + 999ull) / 1000));
	return !(v->failed = !ctl_rows_add(v->out, cells));
}

static bool bib_row(const struct nat64_bib_view *b, void *arg)
{
	struct nat64_view *v = arg;
	char six[TADDR_LEN], four[TADDR_LEN];
	const char *cells[4] = { nat64_proto_name(b->proto), six, four, b->is_static ? "static" : "dynamic" };

	if (b->is_static && v->instances > 0)
		return true;	/* every instance holds a copy; the first one showed it */
	taddr(AF_INET6, &b->a6, b->p6, true, six);
	taddr(AF_INET, &b->a4, b->p4, true, four);
	return !(v->failed = !ctl_rows_add(v->out, cells));
}

/* The first instance lays the rows down, the others add their ports to them (same rows, same order). */
static bool pool4_row(const struct nat64_pool4_view *p, void *arg)
{
	struct nat64_view *v = arg;
	unsigned i = v->npool4;

	if (v->instances > 0) {
		for (i = 0; i < v->npool4; i++) {
			struct nat64_pool4_view *q = &v->pool4[i];

			if (q->proto == p->proto && q->addr.s_addr == p->addr.s_addr && q->lo == p->lo) {
				q->ports += p->ports;
				q->bound += p->bound;
				return true;
			}
		}
	}
	if (v->npool4 == v->cap) {
		unsigned cap = v->cap ? 2 * v->cap : 64;
		struct nat64_pool4_view *n = realloc(v->pool4, cap * sizeof(*n));

		if (!n)
			return !(v->failed = true);
		v->pool4 = n;
		v->cap = cap;
	}
	v->pool4[v->npool4++] = *p;
	return true;
}

bool nat64_view_add(struct nat64_view *v, const struct nat64 *db)
{
	if (v->failed)
		return false;
	if (v->cmd == CTL_SESSIONS)
		nat64_session_foreach(db, v->now, session_row, v);
	else if (v->cmd == CTL_BIB)
		nat64_bib_foreach(db, bib_row, v);
	else
		nat64_pool4_foreach(db, pool4_row, v);
	v->instances++;
	return !v->failed;
}

bool nat64_view_finish(struct nat64_view *v, char *err, size_t errlen)
{
	for (unsigned i = 0; i < v->npool4 && !v->failed; i++) {
		const struct nat64_pool4_view *p = &v->pool4[i];
		char addr[INET_ADDRSTRLEN], range[16], total[16], bound[16];
		const char *cells[5] = { nat64_proto_name(p->proto), addr, range, total, bound };

		inet_ntop(AF_INET, &p->addr, addr, sizeof(addr));
		snprintf(range, sizeof(range), "%u-%u", (unsigned)p->lo, (unsigned)p->hi);
		snprintf(total, sizeof(total), "%u", (unsigned)p->ports);
		snprintf(bound, sizeof(bound), "%u", (unsigned)p->bound);
		v->failed = !ctl_rows_add(v->out, cells);
	}
	free(v->pool4);
	v->pool4 = NULL;
	v->npool4 = v->cap = 0;
	return v->failed ? ctl_fail(err, errlen, "%s: the table is too large or out of memory",
				     ctl_cmd_name(v->cmd)) : true;
}
