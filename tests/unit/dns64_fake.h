/* DNS64 engine tests: a scripted fake upstream and a driver that replays a client query through the
 * engine (dns64.h) until it answers. The fake serves the records of ../shared/dns64-lab's lab.example
 * zone (written out here, as a recursive resolver would return them) plus a few names of our own. */
#ifndef XLAT64_DNS64_FAKE_H
#define XLAT64_DNS64_FAKE_H

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns64.h"
#include "stats.h"

#define UNUSED __attribute__((unused))

#define SOA "lab.example. 300 IN SOA ns.lab.example. hostmaster.lab.example. 2024010101 3600 600 86400 300"
#define SOA_TEXT "lab.example. 300 SOA ns.lab.example."
#define NS_AUTH "lab.example. 3600 IN NS ns.lab.example."
#define NS_GLUE "ns.lab.example. 3600 IN A 127.0.0.2"

/* One upstream answer: RRs as zone-file lines separated by ';'. */
struct zent {
	const char *name;
	uint16_t type;
	uint8_t rcode;
	bool ad;
	const char *ans, *auth, *add;
};

static const struct zent zone[] = {
	{ "a-only.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0, "", SOA, "" },
	{ "a-only.lab.example.", LDNS_RR_TYPE_A, 0, 0, "a-only.lab.example. 3600 IN A 192.0.2.10", NS_AUTH, NS_GLUE },
	{ "short-ttl.lab.example.", LDNS_RR_TYPE_A, 0, 0, "short-ttl.lab.example. 60 IN A 192.0.2.60", "", "" },
	{ "dual.lab.example.", LDNS_RR_TYPE_AAAA, 0, 1, "dual.lab.example. 3600 IN AAAA 2001:db8::20", NS_AUTH, NS_GLUE },
	{ "dual.lab.example.", LDNS_RR_TYPE_A, 0, 0, "dual.lab.example. 3600 IN A 192.0.2.20", "", "" },
	{ "mapped-only.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0, "mapped-only.lab.example. 3600 IN AAAA ::ffff:192.0.2.30", "", "" },
	{ "mapped-plus-a.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0, "mapped-plus-a.lab.example. 3600 IN AAAA ::ffff:192.0.2.31", "", "" },
	{ "mapped-plus-a.lab.example.", LDNS_RR_TYPE_A, 0, 0, "mapped-plus-a.lab.example. 3600 IN A 192.0.2.31", "", "" },
	{ "mixed.lab.example.", LDNS_RR_TYPE_AAAA, 0, 1,
	  "mixed.lab.example. 3600 IN AAAA ::ffff:192.0.2.32;mixed.lab.example. 3600 IN AAAA 2001:db8::32;"
	  "mixed.lab.example. 3600 IN AAAA 2001:db8:ffff::1", "", "" },
	{ "cname.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0, "cname.lab.example. 3600 IN CNAME a-only.lab.example.", SOA, "" },
	{ "cname2.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0,
	  "cname2.lab.example. 3600 IN CNAME cname.lab.example.;cname.lab.example. 3600 IN CNAME a-only.lab.example.", SOA, "" },
	{ "cname-dual.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0,
	  "cname-dual.lab.example. 3600 IN CNAME dual.lab.example.;dual.lab.example. 3600 IN AAAA 2001:db8::20", "", "" },
	{ "x.dn.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0, "dn.lab.example. 3600 IN DNAME alias.example.", "", "" },
	{ "x.alias.example.", LDNS_RR_TYPE_A, 0, 0, "x.alias.example. 3600 IN A 192.0.2.77", "", "" },
	{ "nx.lab.example.", LDNS_RR_TYPE_AAAA, 3, 0, "", SOA, "" },
	{ "nx.lab.example.", LDNS_RR_TYPE_A, 3, 0, "", SOA, "" },
	{ "priv.lab.example.", LDNS_RR_TYPE_A, 0, 0, "priv.lab.example. 3600 IN A 10.1.2.3", "", "" },
	{ "priv-ns.lab.example.", LDNS_RR_TYPE_A, 0, 0, "priv-ns.lab.example. 3600 IN A 192.168.1.1", NS_AUTH, "" },
	{ "global.lab.example.", LDNS_RR_TYPE_A, 0, 0, "global.lab.example. 3600 IN A 93.184.216.34", "", "" },
	{ "mixpriv.lab.example.", LDNS_RR_TYPE_A, 0, 0,
	  "mixpriv.lab.example. 3600 IN A 10.1.2.3;mixpriv.lab.example. 3600 IN A 93.184.216.34", "", "" },
	{ "multi.lab.example.", LDNS_RR_TYPE_A, 0, 0,
	  "multi.lab.example. 3600 IN A 192.0.2.41;multi.lab.example. 3600 IN A 192.0.2.42", "", "" },
	{ "t33.lab.example.", LDNS_RR_TYPE_A, 0, 0, "t33.lab.example. 3600 IN A 192.0.2.33", "", "" },
	{ "signed.lab.example.", LDNS_RR_TYPE_A, 0, 1,
	  "signed.lab.example. 3600 IN A 192.0.2.70;"
	  "signed.lab.example. 3600 IN RRSIG A 8 3 3600 20300101000000 20200101000000 1234 lab.example. AAAA", "", "" },
	{ "err-servfail.lab.example.", LDNS_RR_TYPE_AAAA, 2, 0, "", "", "" },
	{ "err-formerr.lab.example.", LDNS_RR_TYPE_AAAA, 1, 0, "", "", "" },
	{ "err-notimp.lab.example.", LDNS_RR_TYPE_AAAA, 4, 0, "", "", "" },
	{ "err-refused.lab.example.", LDNS_RR_TYPE_AAAA, 5, 0, "", "", "" },
	{ "a-fail.lab.example.", LDNS_RR_TYPE_A, 2, 0, "", "", "" },
	{ "a-only.lab.example.", LDNS_RR_TYPE_TXT, 0, 0, "a-only.lab.example. 3600 IN TXT \"hello\"", "", "" },
	{ "10.2.0.192.in-addr.arpa.", LDNS_RR_TYPE_PTR, 0, 0, "10.2.0.192.in-addr.arpa. 3600 IN PTR a-only.lab.example.", "", "" },
	{ "33.2.0.192.in-addr.arpa.", LDNS_RR_TYPE_PTR, 0, 0, "33.2.0.192.in-addr.arpa. 3600 IN PTR t33.lab.example.", "", "" },
	{ "0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", LDNS_RR_TYPE_PTR, 0, 0,
	  "0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 3600 IN PTR dual.lab.example.", "", "" },
};

/* Built names: big.lab.example has `big_n` A records (truncation tests). */
static unsigned big_n = 40;

static bool push_rrs(ldns_pkt *p, ldns_pkt_section s, const char *list)
{
	char buf[4096], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
		ldns_rr *rr = NULL;

		if (ldns_rr_new_frm_str(&rr, t, 0, NULL, NULL) != LDNS_STATUS_OK)
			return false;
		ldns_pkt_push_rr(p, s, rr);
	}
	return true;
}

/* An answer to q: header and question copied, QR and RA set. */
static UNUSED ldns_pkt *reply_to(const ldns_pkt *q, uint8_t rcode)
{
	ldns_pkt *p = ldns_pkt_new();

	ldns_pkt_set_id(p, ldns_pkt_id(q));
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_rd(p, ldns_pkt_rd(q));
	ldns_pkt_set_cd(p, ldns_pkt_cd(q));
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_rcode(p, rcode);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(q), 0)));
	if (ldns_pkt_edns(q)) {
		ldns_pkt_set_edns_udp_size(p, 1232);
		ldns_pkt_set_edns_do(p, ldns_pkt_edns_do(q));
	}
	return p;
}

/* The zone's answer to upstream query q. */
static UNUSED ldns_pkt *zone_answer(const ldns_pkt *q)
{
	const ldns_rr *qr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	ldns_rdf *qn = ldns_rdf_clone(ldns_rr_owner(qr));
	ldns_pkt *p;
	char *name;

	ldns_dname2canonical(qn);
	name = ldns_rdf2str(qn);
	ldns_rdf_deep_free(qn);
	for (size_t i = 0; i < sizeof(zone) / sizeof(zone[0]); i++) {
		if (strcmp(zone[i].name, name) || zone[i].type != ldns_rr_get_type(qr))
			continue;
		p = reply_to(q, zone[i].rcode);
		ldns_pkt_set_ad(p, zone[i].ad);
		if (!push_rrs(p, LDNS_SECTION_ANSWER, zone[i].ans) || !push_rrs(p, LDNS_SECTION_AUTHORITY, zone[i].auth) ||
		    !push_rrs(p, LDNS_SECTION_ADDITIONAL, zone[i].add))
			abort();
		free(name);
		return p;
	}
	p = reply_to(q, 0);
	if (!strcmp(name, "big.lab.example.") && ldns_rr_get_type(qr) == LDNS_RR_TYPE_A) {
		for (unsigned i = 0; i < big_n; i++) {
			char rr[128];

			snprintf(rr, sizeof(rr), "big.lab.example. 3600 IN A 198.18.%u.%u", i / 250, i % 250 + 1);
			push_rrs(p, LDNS_SECTION_ANSWER, rr);
		}
	} else {
		push_rrs(p, LDNS_SECTION_AUTHORITY, SOA);	/* NODATA for whatever else */
	}
	free(name);
	return p;
}

/* A hook may replace the zone: return 1 with wire in buf/len, 0 for the zone, -1 for dns64_fail(). */
typedef int (*fake_hook)(const ldns_pkt *q, int n, uint8_t *buf, size_t *len);

struct run {
	enum dns64_act act;
	uint8_t raw[DNS64_MSG_MAX + 64];
	size_t len;
	ldns_pkt *reply;		/* parsed answer (ANSWER only) */
	int n_up;
	char asked[8][320];		/* "name TYPE" of each upstream query, lower case */
	bool up_cd[8], up_do[8], up_rd[8], up_edns[8];
	uint16_t up_id[8];
	fake_hook hook;
};

#define Q_CD 1
#define Q_DO 2
#define Q_EDNS 4
#define Q_AD 8
#define Q_NORD 16
#define Q_ID 0x4d2e

static UNUSED size_t mkq(uint8_t *buf, const char *name, uint16_t type, uint16_t cls, unsigned flags)
{
	ldns_pkt *q = ldns_pkt_query_new(ldns_dname_new_frm_str(name), type, cls,
					 (flags & Q_NORD ? 0 : LDNS_RD) | (flags & Q_CD ? LDNS_CD : 0) | (flags & Q_AD ? LDNS_AD : 0));
	uint8_t *w = NULL;
	size_t n = 0;

	ldns_pkt_set_id(q, Q_ID);
	if (flags & (Q_EDNS | Q_DO)) {
		ldns_pkt_set_edns_udp_size(q, 4096);
		ldns_pkt_set_edns_do(q, flags & Q_DO);
	}
	if (ldns_pkt2wire(&w, q, &n) != LDNS_STATUS_OK)
		abort();
	memcpy(buf, w, n);
	free(w);
	ldns_pkt_free(q);
	return n;
}

static UNUSED void run_free(struct run *r)
{
	ldns_pkt_free(r->reply);
	r->reply = NULL;
}

/* Replays query q through d with the fake upstream; false if the engine misbehaved (asked more than 8
 * times, or gave an answer that does not parse). */
static UNUSED bool run_q(struct dns64 *d, struct run *r, const uint8_t *q, size_t qlen, size_t max, uint64_t now)
{
	struct dns64_step s;
	uint8_t buf[DNS64_MSG_MAX];

	ldns_pkt_free(r->reply);
	r->reply = NULL;
	r->n_up = 0;
	r->act = dns64_query(d, q, qlen, max, now, &s);
	while (r->act == DNS64_UPSTREAM) {
		ldns_pkt *uq = NULL, *ua;
		uint8_t *w = NULL;
		size_t n = 0;
		int h;

		if (r->n_up >= 8 || ldns_wire2pkt(&uq, s.msg, s.len) != LDNS_STATUS_OK)
			return false;
		ldns_rdf *qn = ldns_rdf_clone(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(uq), 0)));
		ldns_dname2canonical(qn);
		char *ns = ldns_rdf2str(qn), *ts = ldns_rr_type2str(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(uq), 0)));
		snprintf(r->asked[r->n_up], sizeof(r->asked[0]), "%s %s", ns, ts);
		free(ns);
		free(ts);
		ldns_rdf_deep_free(qn);
		r->up_cd[r->n_up] = ldns_pkt_cd(uq);
		r->up_do[r->n_up] = ldns_pkt_edns_do(uq);
		r->up_rd[r->n_up] = ldns_pkt_rd(uq);
		r->up_edns[r->n_up] = ldns_pkt_edns(uq);
		r->up_id[r->n_up] = ldns_pkt_id(uq);
		h = r->hook ? r->hook(uq, r->n_up, buf, &n) : 0;
		r->n_up++;
		if (h < 0) {
			r->act = dns64_fail(d, s.job, now, &s);
		} else if (h > 0) {
			r->act = dns64_upstream(d, s.job, buf, n, now, &s);
		} else {
			/* The server puts its own ID on the wire and back: emulate that. */
			ldns_pkt_set_id(uq, 0xbeef);
			ua = zone_answer(uq);
			ldns_pkt_set_id(ua, 0);
			if (ldns_pkt2wire(&w, ua, &n) != LDNS_STATUS_OK)
				abort();
			r->act = dns64_upstream(d, s.job, w, n, now, &s);
			free(w);
			ldns_pkt_free(ua);
		}
		ldns_pkt_free(uq);
	}
	r->len = 0;
	if (r->act == DNS64_ANSWER) {
		if (s.len > sizeof(r->raw))
			return false;
		memcpy(r->raw, s.msg, s.len);
		r->len = s.len;
		if (ldns_wire2pkt(&r->reply, r->raw, r->len) != LDNS_STATUS_OK)
			return false;
	}
	return true;
}

static UNUSED bool ask_name(struct dns64 *d, struct run *r, const char *name, uint16_t type, unsigned flags,
			    uint64_t now)
{
	uint8_t q[512];
	size_t n = mkq(q, name, type, LDNS_RR_CLASS_IN, flags);

	return run_q(d, r, q, n, 65535, now);
}

static UNUSED struct dns64 *mk(struct stats *st, const char *prefix, bool allow_nonglobal, uint32_t cache_max)
{
	struct dns64_conf c = { .allow_nonglobal = allow_nonglobal, .cache_max = cache_max };
	const char *why;

	memset(st, 0, sizeof(*st));
	if (!prefix6_parse(prefix, &c.prefix, &why))
		abort();
	return dns64_new(&c, st);
}

/* The records of section s of type t, as text "owner ttl addr" joined by ", " (rdata only for
 * AAAA/A/PTR/CNAME), for compact assertions. */
static UNUSED const char *sec(const ldns_pkt *p, ldns_pkt_section s)
{
	static char out[8192];
	const ldns_rr_list *l = s == LDNS_SECTION_ANSWER ? ldns_pkt_answer(p)
				: s == LDNS_SECTION_AUTHORITY ? ldns_pkt_authority(p) : ldns_pkt_additional(p);
	size_t o = 0;

	out[0] = 0;
	for (size_t i = 0; p && i < ldns_rr_list_rr_count(l) && o < sizeof(out) - 512; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(l, i);
		char *own = ldns_rdf2str(ldns_rr_owner(rr)), *ty = ldns_rr_type2str(ldns_rr_get_type(rr));
		char *rd = ldns_rr_rd_count(rr) ? ldns_rdf2str(ldns_rr_rdf(rr, 0)) : strdup("");

		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s %u %s %s", i ? ", " : "", own, ldns_rr_ttl(rr), ty, rd);
		free(own);
		free(ty);
		free(rd);
	}
	return out;
}

#define ANS(r) sec((r)->reply, LDNS_SECTION_ANSWER)
#define AUTH(r) sec((r)->reply, LDNS_SECTION_AUTHORITY)
#define ADDL(r) sec((r)->reply, LDNS_SECTION_ADDITIONAL)
#define CHECK_ISTR(a, b) CHECK(strcasecmp((a), (b)) == 0)
#define RCODE(r) ldns_pkt_get_rcode((r)->reply)

/* Sum of the counters every query ends in exactly one of. */
static UNUSED uint64_t outcomes(const struct stats *st)
{
	return st->c[STAT_DNS64_ANSWER_CACHE] + st->c[STAT_DNS64_ANSWER_LOCAL] + st->c[STAT_DNS64_ANSWER_SYNTH] +
	       st->c[STAT_DNS64_ANSWER_PTR] + st->c[STAT_DNS64_ANSWER_UPSTREAM] + st->c[STAT_DNS64_ANSWER_FORMERR] +
	       st->c[STAT_DNS64_ANSWER_NOTIMP] + st->c[STAT_DNS64_ANSWER_BADVERS] +
	       st->c[STAT_DNS64_ANSWER_SERVFAIL] + st->c[STAT_DNS64_DROP_QUERY] + st->c[STAT_DNS64_DROP_CANCEL];
}

#endif
