/* The DNS64 engine (RFC 6147): client queries in, upstream queries and replies out, as a state machine
 * per query ("job"). No sockets and no clock: dns64_server.c does the I/O and passes the time.
 *
 *   AAAA/IN, CD=0:  AAAA upstream -> real AAAA (exclusions removed)  -> reply
 *                                 -> NXDOMAIN                         -> reply as is
 *                                 -> NODATA / all excluded / error    -> A for the chain's end -> synthesize
 *   PTR/IN under the prefix, CD=0: CNAME to in-addr.arpa + PTR upstream for that name (§5.3.1 option b)
 *   anything else: relayed (§5.3.3); CD=1 means the client validates, so no synthesis (§5.5).
 */
#include <stdlib.h>
#include <string.h>

#include "dns64_internal.h"

/* A job number is the job's generation << 16 | its slot. */
#define JOB_SLOT(id) ((id) & 0xffffu)
#define JOB_GEN(id) ((id) >> 16)
_Static_assert(DNS64_JOBS_MAX <= 0x10000, "a job's slot is 16 bits of its number");

enum stage { ST_FREE, ST_PASS, ST_AAAA, ST_A, ST_PTR };

struct job {
	enum stage stage;
	uint16_t gen;
	uint32_t next_free;
	struct dns64_client cl;
	ldns_rdf *qname;		/* the last upstream query: name and type */
	uint16_t qtype;
	ldns_rr_list *chain;		/* ST_A: the AAAA answer's CNAME/DNAME chain; ST_PTR: our CNAME */
	ldns_rr *soa;			/* ST_A: the negative AAAA answer's SOA, if it had one */
	uint32_t ttl_cap;		/* ST_A: TTL cap of the synthetic AAAA (§5.1.7) */
};

struct dns64 {
	struct dns64_conf conf;
	struct stats *st;
	struct dns64_cache *cache;
	struct dns64_local local;
	struct job *jobs;
	uint32_t n_jobs, free_job, active;
	uint16_t ttl_off[DNS64_MSG_MAX / 11 + 1];	/* an RR takes at least 11 bytes */
	uint8_t out[DNS64_MSG_MAX + 64];
};

#define COUNT(d, name) ((d)->st->c[STAT_##name]++)

struct dns64 *dns64_new(const struct dns64_conf *c, struct stats *st)
{
	struct dns64 *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->conf = *c;
	if (d->conf.n_exclude > DNS64_EXCLUDE_MAX)
		d->conf.n_exclude = DNS64_EXCLUDE_MAX;
	d->st = st;
	d->free_job = UINT32_MAX;
	if (!dns64_local_init(&d->local) || (c->cache_max && !(d->cache = dns64_cache_new(c->cache_max)))) {
		dns64_free(d);
		return NULL;
	}
	return d;
}

static void job_end(struct dns64 *d, struct job *j)
{
	ldns_rdf_deep_free(j->qname);
	ldns_rr_list_deep_free(j->chain);
	ldns_rr_free(j->soa);
	j->qname = NULL;
	j->chain = NULL;
	j->soa = NULL;
	j->stage = ST_FREE;
	j->gen = (uint16_t)(j->gen + 1 ? j->gen + 1 : 1);
	j->next_free = d->free_job;
	d->free_job = (uint32_t)(j - d->jobs);
	d->active--;
}

void dns64_free(struct dns64 *d)
{
	if (!d)
		return;
	for (uint32_t i = 0; i < d->n_jobs; i++)
		if (d->jobs[i].stage != ST_FREE)
			job_end(d, &d->jobs[i]);
	free(d->jobs);
	dns64_cache_free(d->cache);
	dns64_local_free(&d->local);
	free(d);
}

unsigned dns64_jobs(const struct dns64 *d)
{
	return d->active;
}

unsigned dns64_cache_count(const struct dns64 *d)
{
	return dns64_cache_size(d->cache);
}

static uint32_t job_id(const struct dns64 *d, const struct job *j)
{
	return (uint32_t)j->gen << 16 | (uint32_t)(j - d->jobs);
}

static struct job *job_new(struct dns64 *d, const struct dns64_client *cl)
{
	struct job *j;

	if (d->free_job == UINT32_MAX) {
		uint32_t n = d->n_jobs ? d->n_jobs * 2 : 64;
		struct job *nj;

		if (d->n_jobs >= DNS64_JOBS_MAX)
			return NULL;
		if (n > DNS64_JOBS_MAX)
			n = DNS64_JOBS_MAX;
		if (!(nj = realloc(d->jobs, n * sizeof(*nj))))
			return NULL;
		memset(nj + d->n_jobs, 0, (n - d->n_jobs) * sizeof(*nj));
		for (uint32_t i = n; i-- > d->n_jobs;) {
			nj[i].gen = 1;
			nj[i].next_free = d->free_job;
			d->free_job = i;
		}
		d->jobs = nj;
		d->n_jobs = n;
	}
	j = &d->jobs[d->free_job];
	d->free_job = j->next_free;
	j->cl = *cl;
	d->active++;
	return j;
}

static struct job *job_find(struct dns64 *d, uint32_t id)
{
	struct job *j;

	if (JOB_SLOT(id) >= d->n_jobs)
		return NULL;
	j = &d->jobs[JOB_SLOT(id)];
	return j->stage != ST_FREE && j->gen == JOB_GEN(id) ? j : NULL;
}

static enum dns64_act step(struct dns64_step *out, enum dns64_act act, const uint8_t *msg, size_t len,
			   uint32_t job)
{
	*out = (struct dns64_step){ .act = act, .msg = msg, .len = len, .job = job };
	return act;
}

static enum dns64_act send_wire(struct dns64 *d, const struct dns64_client *cl, const struct dns64_wire *w,
				uint32_t age_s, uint32_t job, struct dns64_step *out)
{
	bool tc;
	size_t len = dns64_wire_emit(d->out, w, age_s, cl, &tc);

	if (tc)
		COUNT(d, DNS64_TRUNCATED);
	return step(out, DNS64_ANSWER, d->out, len, job);
}

/* The reply p (consumed) for cl: stored in the cache when it may be, then sent. The outcome counter is
 * the caller's. A reply that cannot be built becomes SERVFAIL. */
static enum dns64_act finish(struct dns64 *d, const struct dns64_client *cl, ldns_pkt *p, bool cache,
			     uint32_t job, uint64_t now, struct dns64_step *out)
{
	uint8_t *wire = NULL, key[DNS64_KEY_MAX];
	size_t len = 0;
	struct dns64_wire w;
	enum dns64_act act;
	uint32_t life;

	if (!p || ldns_pkt2wire(&wire, p, &len) != LDNS_STATUS_OK || len < 12 + cl->qname_len + 4u) {
		/* Out of memory: a bare SERVFAIL header is all that can be said. */
		uint8_t hdr[12] = { (uint8_t)(cl->id >> 8), (uint8_t)cl->id, cl->rd ? LDNS_RD_MASK : 0 };

		ldns_pkt_free(p);
		free(wire);
		len = dns64_wire_header_only(d->out, hdr, sizeof(hdr), LDNS_RCODE_SERVFAIL);
		return step(out, DNS64_ANSWER, d->out, len, job);
	}
	w = (struct dns64_wire){ .msg = wire, .len = len, .ttl_off = d->ttl_off };
	/* The TTL offsets are for aging a cached copy; the reply sent now has age 0 and needs none. */
	if (cache && d->cache && (life = dns64_wire_lifetime(p)) &&
	    dns64_wire_ttls(wire, len, d->ttl_off, sizeof(d->ttl_off) / sizeof(d->ttl_off[0]), &w.n_ttl))
		d->st->c[STAT_DNS64_CACHE_EVICTED] +=
			dns64_cache_put(d->cache, key, dns64_cache_key(cl, key), &w, life, now);
	ldns_pkt_free(p);
	act = send_wire(d, cl, &w, 0, job, out);
	free(wire);
	return act;
}

static enum dns64_act servfail(struct dns64 *d, const struct dns64_client *cl, uint32_t job, uint64_t now,
			       struct dns64_step *out)
{
	COUNT(d, DNS64_ANSWER_SERVFAIL);
	return finish(d, cl, dns64_reply_new(cl, LDNS_RCODE_SERVFAIL), false, job, now, out);
}

/* The job is over: reply p to its client (NULL: SERVFAIL). */
static enum dns64_act done(struct dns64 *d, struct job *j, ldns_pkt *p, enum stat_id outcome, uint64_t now,
			   struct dns64_step *out)
{
	struct dns64_client cl = j->cl;
	uint32_t id = job_id(d, j);

	job_end(d, j);
	if (!p)
		return servfail(d, &cl, id, now, out);
	d->st->c[outcome]++;
	return finish(d, &cl, p, true, id, now, out);
}

/* Asks upstream for name/type on behalf of j (name is taken). */
static enum dns64_act ask(struct dns64 *d, struct job *j, ldns_rdf *name, uint16_t qtype, uint64_t now,
			  struct dns64_step *out)
{
	uint32_t id = job_id(d, j);
	ldns_pkt *q = name ? ldns_pkt_query_new(ldns_rdf_clone(name), qtype, j->cl.qclass, LDNS_RD) : NULL;
	uint8_t *wire = NULL;
	size_t len = 0;

	ldns_rdf_deep_free(j->qname);
	j->qname = name;
	j->qtype = qtype;
	if (q) {
		ldns_pkt_set_id(q, 0);		/* the server puts a random one (RFC 5452) */
		ldns_pkt_set_cd(q, j->cl.cd);
		/* RFC 6840 §5.7: AD=1 asks for the AD bit without DO; dns64_wire_emit() clears it for
		 * clients that did not ask. */
		ldns_pkt_set_ad(q, true);
		ldns_pkt_set_edns_udp_size(q, DNS64_EDNS_SIZE);
		ldns_pkt_set_edns_do(q, j->cl.dnssec_ok);
	}
	if (!q || ldns_pkt2wire(&wire, q, &len) != LDNS_STATUS_OK || len > DNS64_MSG_MAX) {
		ldns_pkt_free(q);
		free(wire);
		return done(d, j, NULL, 0, now, out);
	}
	ldns_pkt_free(q);
	memcpy(d->out, wire, len);
	free(wire);
	COUNT(d, DNS64_UPSTREAM_SENT);
	return step(out, DNS64_UPSTREAM, d->out, len, id);
}

/* Fills cl from the query (wire w, parsed p); false if it is malformed (RFC 1035 §4.1.2: one question). */
static bool client_of(const uint8_t *w, const ldns_pkt *p, size_t max, struct dns64_client *cl)
{
	const ldns_rr *q;
	const ldns_rdf *name;

	if (ldns_pkt_qdcount(p) != 1 || ldns_rr_list_rr_count(ldns_pkt_question(p)) != 1 || ldns_pkt_ancount(p))
		return false;
	/* RFC 6891 §6.1.1: a query with more than one OPT MUST get FORMERR. ldns keeps only the last OPT
	 * and takes every OPT out of its ARCOUNT, so the wire's ARCOUNT tells how many there were. */
	if (LDNS_ARCOUNT(w) - ldns_pkt_arcount(p) > 1)
		return false;
	q = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	name = ldns_rr_owner(q);
	if (!name || ldns_rdf_size(name) > 255 || ldns_rdf_size(name) < 1)
		return false;
	*cl = (struct dns64_client){
		.id = ldns_pkt_id(p), .qtype = (uint16_t)ldns_rr_get_type(q), .qclass = (uint16_t)ldns_rr_get_class(q),
		.rd = ldns_pkt_rd(p), .cd = ldns_pkt_cd(p), .ad = ldns_pkt_ad(p), .edns = ldns_pkt_edns(p),
		.dnssec_ok = ldns_pkt_edns_do(p), .qname_len = (uint8_t)ldns_rdf_size(name),
		/* RFC 6891 §6.2.5: below 512 counts as 512. */
		.max = max < 512 ? 512 : max > DNS64_MSG_MAX ? DNS64_MSG_MAX : max,
	};
	cl->badvers = cl->edns && ldns_pkt_edns_version(p) != 0;
	memcpy(cl->qname, ldns_rdf_data(name), cl->qname_len);
	return true;
}

/* Starts a job for a query the cache could not answer; ptr as for dns64_local_answer(). */
static enum dns64_act start(struct dns64 *d, const struct dns64_client *cl, const ldns_rdf *qname,
			    const ldns_rdf *ptr, uint64_t now, struct dns64_step *out)
{
	struct job *j = job_new(d, cl);
	ldns_rr *cname = NULL;

	if (!j) {
		COUNT(d, DNS64_JOBS_FULL);
		return servfail(d, cl, 0, now, out);
	}
	/* §5.5: with CD=1 the client validates, and synthetic data would fail it: relay only. */
	if (cl->qclass == LDNS_RR_CLASS_IN && !cl->cd && cl->qtype == LDNS_RR_TYPE_AAAA) {
		j->stage = ST_AAAA;
		return ask(d, j, ldns_rdf_clone(qname), LDNS_RR_TYPE_AAAA, now, out);
	}
	if (ptr) {
		if ((j->chain = ldns_rr_list_new()) && (cname = dns64_ptr_cname(qname, ptr)) &&
		    ldns_rr_list_push_rr(j->chain, cname)) {
			j->stage = ST_PTR;
			return ask(d, j, ldns_rdf_clone(ptr), LDNS_RR_TYPE_PTR, now, out);
		}
		ldns_rr_free(cname);
	}
	j->stage = ST_PASS;
	return ask(d, j, ldns_rdf_clone(qname), cl->qtype, now, out);
}

enum dns64_act dns64_query(struct dns64 *d, const uint8_t *q, size_t len, size_t max, uint64_t now,
			   struct dns64_step *out)
{
	ldns_pkt *p = NULL, *local;
	ldns_rdf *ptr = NULL;
	struct dns64_client cl;
	struct dns64_wire w;
	uint8_t key[DNS64_KEY_MAX];
	uint32_t age;
	enum dns64_act act;

	COUNT(d, DNS64_QUERIES);
	/* Never answer an answer: two resolvers pointing at each other would loop. */
	if (len < 12 || (q[2] & LDNS_QR_MASK)) {
		COUNT(d, DNS64_DROP_QUERY);
		return step(out, DNS64_NONE, NULL, 0, 0);
	}
	if (LDNS_OPCODE_WIRE(q) != LDNS_PACKET_QUERY) {
		COUNT(d, DNS64_ANSWER_NOTIMP);
		return step(out, DNS64_ANSWER, d->out, dns64_wire_header_only(d->out, q, len, LDNS_RCODE_NOTIMPL), 0);
	}
	if (ldns_wire2pkt(&p, q, len) != LDNS_STATUS_OK || !client_of(q, p, max, &cl)) {
		ldns_pkt_free(p);
		COUNT(d, DNS64_ANSWER_FORMERR);
		return step(out, DNS64_ANSWER, d->out, dns64_wire_header_only(d->out, q, len, LDNS_RCODE_FORMERR), 0);
	}
	const ldns_rdf *qname = ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(p), 0));

	/* §5.3.1: the in-addr.arpa name a PTR under the prefix is CNAMEd to, worked out once for both the
	 * local answer and the upstream query; §5.5: with CD=1 the PTR is relayed. */
	if (cl.qclass == LDNS_RR_CLASS_IN && cl.qtype == LDNS_RR_TYPE_PTR && !cl.cd)
		ptr = dns64_ptr_target(&d->conf, qname);
	if (cl.badvers) {
		COUNT(d, DNS64_ANSWER_BADVERS);
		act = finish(d, &cl, dns64_reply_new(&cl, LDNS_RCODE_NOERROR), false, 0, now, out);
	} else if (cl.qtype == LDNS_RR_TYPE_AXFR || cl.qtype == LDNS_RR_TYPE_IXFR) {
		/* Zone transfers are between authoritative servers, not through a resolver. */
		COUNT(d, DNS64_ANSWER_NOTIMP);
		act = finish(d, &cl, dns64_reply_new(&cl, LDNS_RCODE_NOTIMPL), false, 0, now, out);
	} else if ((local = dns64_local_answer(&d->conf, &d->local, &cl, qname, ptr))) {
		COUNT(d, DNS64_ANSWER_LOCAL);
		act = finish(d, &cl, local, false, 0, now, out);
	} else if (d->cache && dns64_cache_get(d->cache, key, dns64_cache_key(&cl, key), now, &w, &age)) {
		COUNT(d, DNS64_ANSWER_CACHE);
		act = send_wire(d, &cl, &w, age, 0, out);
	} else {
		act = start(d, &cl, qname, ptr, now, out);
	}
	ldns_rdf_deep_free(ptr);
	ldns_pkt_free(p);
	return act;
}

/* Copies the records of list into section s of p. */
static bool push_all(ldns_pkt *p, ldns_pkt_section s, const ldns_rr_list *list)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
		ldns_rr *c;

		if (!(c = ldns_rr_clone(ldns_rr_list_rr(list, i))) || !ldns_pkt_push_rr(p, s, c)) {
			ldns_rr_free(c);
			return false;
		}
	}
	return true;
}

/* The reply to j's client from upstream answer a: a's RCODE and sections, with answer section
 * `answer` (RFC 6147 §5.4: authority and additional of the final answer untouched, §5.3.2). */
static ldns_pkt *reply_from(const struct job *j, const ldns_pkt *a, const ldns_rr_list *head,
			    const ldns_rr_list *answer, bool ad)
{
	ldns_pkt *p = dns64_reply_new(&j->cl, ldns_pkt_get_rcode(a));

	if (!p)
		return NULL;
	/* §5.5: AD never on synthetic data; relayed data keeps the upstream's. */
	ldns_pkt_set_ad(p, ad && ldns_pkt_ad(a));
	/* Still truncated after the server's TCP retry: say so (and dns64_wire_lifetime keeps it out of
	 * the cache). */
	ldns_pkt_set_tc(p, ldns_pkt_tc(a));
	if (!push_all(p, LDNS_SECTION_ANSWER, head) || !push_all(p, LDNS_SECTION_ANSWER, answer) ||
	    !push_all(p, LDNS_SECTION_AUTHORITY, ldns_pkt_authority(a)) ||
	    !push_all(p, LDNS_SECTION_ADDITIONAL, ldns_pkt_additional(a))) {
		ldns_pkt_free(p);
		return NULL;
	}
	return p;
}

/* The AAAA query failed (§5.1.3, §5.1.2): on to A for the query name, TTL cap of §5.1.7 without SOA. */
static enum dns64_act ask_a(struct dns64 *d, struct job *j, ldns_rdf *name, uint32_t ttl_cap, uint64_t now,
			    struct dns64_step *out)
{
	j->stage = ST_A;
	j->ttl_cap = ttl_cap;
	return ask(d, j, name, LDNS_RR_TYPE_A, now, out);
}

static enum dns64_act upstream_failed(struct dns64 *d, struct job *j, uint64_t now, struct dns64_step *out)
{
	if (j->stage == ST_AAAA)
		return ask_a(d, j, ldns_rdf_clone(j->qname), DNS64_TTL_NOSOA, now, out);
	return done(d, j, NULL, 0, now, out);
}

/* §5.1.1, §5.1.4: the AAAA answer as is but for excluded records, or on to the A query. */
static enum dns64_act aaaa_answer(struct dns64 *d, struct job *j, const ldns_pkt *a, uint64_t now,
				  struct dns64_step *out)
{
	const ldns_rr_list *ans = ldns_pkt_answer(a);
	ldns_rr_list *keep = ldns_rr_list_new(), *chain = ldns_rr_list_new();
	unsigned good = 0, excluded = 0;
	uint32_t cap = DNS64_TTL_NOSOA;
	enum dns64_act act;

	for (size_t i = 0; keep && chain && i < ldns_rr_list_rr_count(ans); i++) {
		ldns_rr *rr = ldns_rr_list_rr(ans, i);
		const ldns_rdf *rd = ldns_rr_rdf(rr, 0);
		bool aaaa = ldns_rr_get_type(rr) == LDNS_RR_TYPE_AAAA && ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN;
		struct in6_addr v6;

		if (aaaa && rd && ldns_rdf_size(rd) == 16) {
			memcpy(&v6, ldns_rdf_data(rd), 16);
			if (dns64_excluded(&d->conf, &v6)) {
				excluded++;
				continue;
			}
			good++;
		}
		/* Pointers into a: keep and chain do not own their records. */
		ldns_rr_list_push_rr(keep, rr);
		if (!aaaa && !dns64_rrsig_covers(rr, LDNS_RR_TYPE_AAAA))
			ldns_rr_list_push_rr(chain, rr);
	}
	d->st->c[STAT_DNS64_AAAA_EXCLUDED] += excluded;
	if (!keep || !chain) {
		act = upstream_failed(d, j, now, out);
	} else if (good) {
		/* Removing records breaks their RRSIG: no AD then. */
		act = done(d, j, reply_from(j, a, NULL, keep, !excluded), STAT_DNS64_ANSWER_UPSTREAM, now, out);
	} else {
		/* No usable AAAA: synthesize for the end of the chain, which stays ahead (§5.1.5). The TTL
		 * cap is the negative answer's SOA TTL, or 600 s without SOA (§5.1.7). */
		const ldns_rr *soa = dns64_soa(a);

		dns64_negative_ttl(a, &cap);
		j->chain = ldns_rr_list_clone(chain);
		/* Kept for a_answer(); out of memory it is left out, and that reply is not cached. */
		j->soa = soa ? ldns_rr_clone(soa) : NULL;
		act = j->chain ? ask_a(d, j, dns64_chain_end(ans, j->qname), cap, now, out)
			       : upstream_failed(d, j, now, out);
	}
	ldns_rr_list_free(keep);
	ldns_rr_list_free(chain);
	return act;
}

/* §5.1.6-7: the A answer with synthetic AAAA, behind the AAAA answer's chain. */
static enum dns64_act a_answer(struct dns64 *d, struct job *j, const ldns_pkt *a, uint64_t now,
			       struct dns64_step *out)
{
	unsigned n, nonglobal;
	ldns_rr_list *synth = dns64_synth_answer(&d->conf, ldns_pkt_answer(a), j->ttl_cap, &n, &nonglobal);
	ldns_pkt *p = synth ? reply_from(j, a, j->chain, synth, false) : NULL;
	ldns_rr *soa;

	ldns_rr_list_deep_free(synth);
	/* Every A was non-global (RFC 6052 §3.1), so the reply is NODATA. Without an SOA it would not be
	 * cached (RFC 2308 §5) and every repeat would cost both upstream queries again: it takes the SOA
	 * of the negative AAAA answer, the answer it stands for (RFC 6147 §5.1.6). When the AAAA answer
	 * had none (every AAAA excluded, an error RCODE, a timeout), none is made up: the reply goes out
	 * with the A answer's authority alone and is not cached. */
	if (p && !n && nonglobal && j->soa && !dns64_soa(p)) {
		if (!(soa = ldns_rr_clone(j->soa)) || !ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, soa)) {
			ldns_rr_free(soa);
			ldns_pkt_free(p);
			p = NULL;
		}
	}
	d->st->c[STAT_DNS64_NONGLOBAL] += nonglobal;
	return done(d, j, p, n ? STAT_DNS64_ANSWER_SYNTH : STAT_DNS64_ANSWER_UPSTREAM, now, out);
}

/* Whether a answers the job's last query (the server matched already; this is our own check). */
static bool answers(const struct job *j, const ldns_pkt *a)
{
	const ldns_rr *q;

	if (!ldns_pkt_qr(a) || ldns_pkt_get_opcode(a) != LDNS_PACKET_QUERY ||
	    ldns_rr_list_rr_count(ldns_pkt_question(a)) != 1)
		return false;
	q = ldns_rr_list_rr(ldns_pkt_question(a), 0);
	return ldns_rr_get_type(q) == j->qtype && ldns_rr_get_class(q) == j->cl.qclass &&
	       ldns_dname_compare(ldns_rr_owner(q), j->qname) == 0;
}

enum dns64_act dns64_upstream(struct dns64 *d, uint32_t job, const uint8_t *a, size_t len, uint64_t now,
			      struct dns64_step *out)
{
	struct job *j = job_find(d, job);
	ldns_pkt *p = NULL;
	enum dns64_act act;

	if (!j)
		return step(out, DNS64_NONE, NULL, 0, job);
	if (ldns_wire2pkt(&p, a, len) != LDNS_STATUS_OK || !answers(j, p)) {
		ldns_pkt_free(p);
		COUNT(d, DNS64_UPSTREAM_MALFORMED);
		return upstream_failed(d, j, now, out);
	}
	switch (j->stage) {
	case ST_AAAA:
		if (ldns_pkt_get_rcode(p) == LDNS_RCODE_NXDOMAIN) {
			/* §5.1.2: the name does not exist for any type; returned as is. */
			act = done(d, j, reply_from(j, p, NULL, ldns_pkt_answer(p), true),
				   STAT_DNS64_ANSWER_UPSTREAM, now, out);
		} else if (ldns_pkt_get_rcode(p) != LDNS_RCODE_NOERROR) {
			COUNT(d, DNS64_AAAA_RCODE);
			act = ask_a(d, j, ldns_rdf_clone(j->qname), DNS64_TTL_NOSOA, now, out);
		} else {
			act = aaaa_answer(d, j, p, now, out);
		}
		break;
	case ST_A:
		act = a_answer(d, j, p, now, out);
		break;
	case ST_PTR:
		act = done(d, j, reply_from(j, p, j->chain, ldns_pkt_answer(p), false), STAT_DNS64_ANSWER_PTR,
			   now, out);
		break;
	default:
		act = done(d, j, reply_from(j, p, NULL, ldns_pkt_answer(p), true), STAT_DNS64_ANSWER_UPSTREAM,
			   now, out);
		break;
	}
	ldns_pkt_free(p);
	return act;
}

enum dns64_act dns64_fail(struct dns64 *d, uint32_t job, uint64_t now, struct dns64_step *out)
{
	struct job *j = job_find(d, job);

	if (!j)
		return step(out, DNS64_NONE, NULL, 0, job);
	/* DNS64_UPSTREAM_FAILED is counted by the server, which knows how often it tried. */
	return upstream_failed(d, j, now, out);
}

void dns64_cancel(struct dns64 *d, uint32_t job)
{
	struct job *j = job_find(d, job);

	if (!j)
		return;
	COUNT(d, DNS64_DROP_CANCEL);
	job_end(d, j);
}
