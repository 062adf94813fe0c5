/* Replies the DNS64 makes itself: the skeleton every reply starts from, and the RFC 8880 §7 names
 * (ipv4only.arpa, the PTR names of its two addresses and their ip6.arpa names under pool6), answered
 * without asking upstream so that RFC 7050 discovery works even with no upstream and never depends on
 * DNSSEC (RFC 8880 §7.1-7.2). */
#include <stdio.h>
#include <strings.h>

#include "dns64_internal.h"

ldns_pkt *dns64_reply_new(const struct dns64_client *cl, ldns_pkt_rcode rcode)
{
	ldns_pkt *p = ldns_pkt_new();
	ldns_rr *q = ldns_rr_new();
	ldns_rdf *name = ldns_dname_new_frm_data(cl->qname_len, cl->qname);

	if (!p || !q || !name) {
		ldns_pkt_free(p);
		ldns_rr_free(q);
		ldns_rdf_deep_free(name);
		return NULL;
	}
	ldns_pkt_set_id(p, cl->id);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_opcode(p, LDNS_PACKET_QUERY);
	ldns_pkt_set_rd(p, cl->rd);
	ldns_pkt_set_cd(p, cl->cd);
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_rcode(p, (uint8_t)rcode);
	/* RFC 6147 §5.4: the question is the client's, letter case included. */
	ldns_rr_set_owner(q, name);
	ldns_rr_set_type(q, cl->qtype);
	ldns_rr_set_class(q, cl->qclass);
	ldns_rr_set_question(q, true);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
	return p;
}

static bool push(ldns_pkt *p, ldns_pkt_section s, const char *fmt, const char *owner, const char *data)
{
	char buf[256];
	ldns_rr *rr = NULL;

	snprintf(buf, sizeof(buf), fmt, owner, DNS64_TTL_LOCAL, data);
	if (ldns_rr_new_frm_str(&rr, buf, 0, NULL, NULL) != LDNS_STATUS_OK)
		return false;
	ldns_pkt_push_rr(p, s, rr);
	return true;
}

static bool push_soa(ldns_pkt *p, const char *apex)
{
	/* The SOA MINIMUM equals the TTL, so negative caching lasts as long as the records. */
	return push(p, LDNS_SECTION_AUTHORITY, "%s %u IN SOA %s", apex,
		    "localhost. nobody.invalid. 1 3600 1200 604800 3600");
}

/* The answer for the apex itself: A/AAAA for ipv4only.arpa, PTR for the two reverse names. */
static bool local_records(const struct dns64_conf *c, ldns_pkt *p, const char *apex, uint16_t qtype)
{
	static const char *const wka[] = { "192.0.0.170", "192.0.0.171" };
	bool forward = apex[0] == 'i';
	ldns_pkt *a;
	ldns_rr_list *aaaa;
	unsigned n, nonglobal;
	bool ok = true;

	if (!forward) {
		if (qtype == LDNS_RR_TYPE_PTR)
			return push(p, LDNS_SECTION_ANSWER, "%s %u IN PTR %s", apex, "ipv4only.arpa.");
	} else if (qtype == LDNS_RR_TYPE_A) {
		for (int i = 0; ok && i < 2; i++)
			ok = push(p, LDNS_SECTION_ANSWER, "%s %u IN A %s", apex, wka[i]);
		return ok;
	} else if (qtype == LDNS_RR_TYPE_AAAA) {
		/* RFC 8880 §7.1: synthesized from the WKAs with our own prefix. */
		if (!(a = ldns_pkt_new()))
			return false;
		for (int i = 0; ok && i < 2; i++)
			ok = push(a, LDNS_SECTION_ANSWER, "%s %u IN A %s", apex, wka[i]);
		aaaa = ok ? dns64_synth_answer(c, ldns_pkt_answer(a), DNS64_TTL_LOCAL, &n, &nonglobal) : NULL;
		ldns_pkt_free(a);
		if (!aaaa)
			return false;
		ldns_pkt_push_rr_list(p, LDNS_SECTION_ANSWER, aaaa);
		ldns_rr_list_free(aaaa);
		return true;
	}
	if (qtype == LDNS_RR_TYPE_SOA)
		return push(p, LDNS_SECTION_ANSWER, "%s %u IN SOA %s", apex,
			    "localhost. nobody.invalid. 1 3600 1200 604800 3600");
	return push_soa(p, apex);	/* NODATA (RFC 2308 §2.2) */
}

static const char *const apexes[] = { "ipv4only.arpa.", "170.0.0.192.in-addr.arpa.", "171.0.0.192.in-addr.arpa." };
#define N_APEXES (sizeof(apexes) / sizeof(apexes[0]))

/* A PTR for the ip6.arpa name of pool6 + a WKA: the RFC 6147 §5.3.1 CNAME to the WKA's in-addr.arpa
 * name, as for any address under the prefix, then that name's PTR, which is ours (RFC 8880 §7.2), so
 * nothing is asked upstream. NULL for any other name. CD=1 is relayed as any PTR under the prefix
 * (RFC 6147 §5.5): the caller does not come here then. */
static ldns_pkt *local_ptr6(const struct dns64_conf *c, const struct dns64_client *cl, const ldns_rdf *qname)
{
	ldns_rdf *target = dns64_ptr_target(c, qname);
	ldns_pkt *p = NULL;
	ldns_rr *cname;
	size_t i = 1;

	for (; target && i < N_APEXES; i++) {
		ldns_rdf *apex = ldns_dname_new_frm_str(apexes[i]);
		bool at = apex && ldns_dname_compare(target, apex) == 0;

		ldns_rdf_deep_free(apex);
		if (at)
			break;
	}
	/* No AA: the query name is the ip6.arpa one, which is not ours (RFC 1035 §4.1.1). */
	if (target && i < N_APEXES && (p = dns64_reply_new(cl, LDNS_RCODE_NOERROR))) {
		if ((cname = dns64_ptr_cname(qname, target)) && !ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, cname)) {
			ldns_rr_free(cname);
			cname = NULL;
		}
		if (!cname || !local_records(c, p, apexes[i], LDNS_RR_TYPE_PTR)) {
			ldns_pkt_free(p);
			p = NULL;
		}
	}
	ldns_rdf_deep_free(target);
	return p;
}

ldns_pkt *dns64_local_answer(const struct dns64_conf *c, const struct dns64_client *cl, const ldns_rdf *qname)
{
	ldns_pkt *p = NULL;

	static const char arpa[] = "\004arpa";

	/* Every local name ends in .arpa: a cheap test first, the cache hit path goes through here. */
	if (cl->qclass != LDNS_RR_CLASS_IN || cl->qname_len < sizeof(arpa) ||
	    strcasecmp((const char *)cl->qname + cl->qname_len - sizeof(arpa), arpa))
		return NULL;
	if (cl->qtype == LDNS_RR_TYPE_PTR && !cl->cd && (p = local_ptr6(c, cl, qname)))
		return p;
	for (size_t i = 0; i < N_APEXES && !p; i++) {
		ldns_rdf *apex = ldns_dname_new_frm_str(apexes[i]);
		bool at = apex && ldns_dname_compare(qname, apex) == 0;
		bool below = apex && !at && ldns_dname_is_subdomain(qname, apex);
		bool ok;

		ldns_rdf_deep_free(apex);
		if (!at && !below)
			continue;
		/* RFC 8880 §7.1: other names under ipv4only.arpa do not exist. */
		if (!(p = dns64_reply_new(cl, at ? LDNS_RCODE_NOERROR : LDNS_RCODE_NXDOMAIN)))
			return NULL;
		ldns_pkt_set_aa(p, true);
		ok = at ? local_records(c, p, apexes[i], cl->qtype) : push_soa(p, apexes[i]);
		if (!ok) {
			ldns_pkt_free(p);
			return NULL;
		}
	}
	return p;
}
