/* Replies the DNS64 makes itself: the skeleton every reply starts from, and the RFC 8880 §7 names
 * (ipv4only.arpa, the PTR names of its two addresses and their ip6.arpa names under pool6), answered
 * without asking upstream so that RFC 7050 discovery works even with no upstream and never depends on
 * DNSSEC (RFC 8880 §7.1-7.2). */
#include <arpa/inet.h>
#include <stdio.h>
#include <strings.h>

#include "dns64_internal.h"
#include "rfc7050.h"

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

/* RFC 7050 §2.2, in the order of ipv4only.arpa's A records; zone 1 + i is the reverse zone of wkas[i]. */
static const uint32_t wkas[] = { RFC7050_WKA_PRIMARY, RFC7050_WKA_SECONDARY };
_Static_assert(DNS64_LOCAL_ZONES == 1 + sizeof(wkas) / sizeof(wkas[0]), "one reverse zone per WKA");

/* The local zones' SOA: its MINIMUM equals the TTL, so negative caching lasts as long as the records. */
static const char soa_rdata[] = "localhost. nobody.invalid. 1 3600 1200 604800 3600";

bool dns64_local_init(struct dns64_local *l)
{
	bool ok;

	*l = (struct dns64_local){ .apex[0] = ldns_dname_new_frm_str(RFC7050_NAME "."), .wka = ldns_rr_list_new() };
	ok = l->apex[0] && l->wka;
	for (size_t i = 0; ok && i < sizeof(wkas) / sizeof(wkas[0]); i++) {
		struct in_addr v4 = { htonl(wkas[i]) };
		ldns_rr *rr = dns64_rr_new(LDNS_RR_TYPE_A, l->apex[0], DNS64_TTL_LOCAL,
					   ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4, &v4));

		l->apex[1 + i] = dns64_inaddr_name(v4);
		ok = l->apex[1 + i] && rr && ldns_rr_list_push_rr(l->wka, rr);
		if (!ok)
			ldns_rr_free(rr);
	}
	if (!ok)
		dns64_local_free(l);
	return ok;
}

void dns64_local_free(struct dns64_local *l)
{
	for (size_t i = 0; i < DNS64_LOCAL_ZONES; i++)
		ldns_rdf_deep_free(l->apex[i]);
	ldns_rr_list_deep_free(l->wka);
	*l = (struct dns64_local){ 0 };
}

/* A record at the zone's apex ("@"), class IN, from the text of its type and data. */
static bool push(ldns_pkt *p, ldns_pkt_section s, const ldns_rdf *apex, const char *type, const char *data)
{
	char buf[256];
	ldns_rr *rr = NULL;

	snprintf(buf, sizeof(buf), "@ %u IN %s %s", DNS64_TTL_LOCAL, type, data);
	if (ldns_rr_new_frm_str(&rr, buf, 0, apex, NULL) != LDNS_STATUS_OK)
		return false;
	ldns_pkt_push_rr(p, s, rr);
	return true;
}

/* The zone's SOA in the authority section, for NODATA and NXDOMAIN (RFC 2308 §2-3). */
static bool push_soa(ldns_pkt *p, const ldns_rdf *apex)
{
	return push(p, LDNS_SECTION_AUTHORITY, apex, "SOA", soa_rdata);
}

/* The records of list (taken; NULL: out of memory) into p's answer section. */
static bool push_list(ldns_pkt *p, ldns_rr_list *list)
{
	if (!list)
		return false;
	ldns_pkt_push_rr_list(p, LDNS_SECTION_ANSWER, list);
	ldns_rr_list_free(list);
	return true;
}

/* The answer for a zone's apex: A/AAAA for ipv4only.arpa, PTR for the two reverse names. */
static bool local_records(const struct dns64_conf *c, const struct dns64_local *l, ldns_pkt *p, size_t zone,
			  uint16_t qtype)
{
	const ldns_rdf *apex = l->apex[zone];
	unsigned n, nonglobal;

	if (zone) {
		if (qtype == LDNS_RR_TYPE_PTR)
			return push(p, LDNS_SECTION_ANSWER, apex, "PTR", RFC7050_NAME ".");
	} else if (qtype == LDNS_RR_TYPE_A) {
		return push_list(p, ldns_rr_list_clone(l->wka));
	} else if (qtype == LDNS_RR_TYPE_AAAA) {
		/* RFC 8880 §7.1: synthesized from the WKAs with our own prefix. */
		return push_list(p, dns64_synth_answer(c, l->wka, DNS64_TTL_LOCAL, &n, &nonglobal));
	}
	if (qtype == LDNS_RR_TYPE_SOA)
		return push(p, LDNS_SECTION_ANSWER, apex, "SOA", soa_rdata);
	return push_soa(p, apex);	/* NODATA (RFC 2308 §2.2) */
}

/* A PTR for the ip6.arpa name of pool6 + a WKA (ptr, its target, is a WKA's in-addr.arpa name): the
 * RFC 6147 §5.3.1 CNAME to that name, as for any address under the prefix, then that name's PTR, which is
 * ours (RFC 8880 §7.2), so nothing is asked upstream. NULL for any other name. */
static ldns_pkt *local_ptr6(const struct dns64_conf *c, const struct dns64_local *l, const struct dns64_client *cl,
			    const ldns_rdf *qname, const ldns_rdf *ptr)
{
	size_t zone = 1;
	ldns_pkt *p;
	ldns_rr *cname;

	while (zone < DNS64_LOCAL_ZONES && ldns_dname_compare(ptr, l->apex[zone]))
		zone++;
	/* No AA: the query name is the ip6.arpa one, which is not ours (RFC 1035 §4.1.1). */
	if (zone == DNS64_LOCAL_ZONES || !(p = dns64_reply_new(cl, LDNS_RCODE_NOERROR)))
		return NULL;
	if ((cname = dns64_ptr_cname(qname, ptr)) && !ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, cname)) {
		ldns_rr_free(cname);
		cname = NULL;
	}
	if (!cname || !local_records(c, l, p, zone, LDNS_RR_TYPE_PTR)) {
		ldns_pkt_free(p);
		return NULL;
	}
	return p;
}

ldns_pkt *dns64_local_answer(const struct dns64_conf *c, const struct dns64_local *l, const struct dns64_client *cl,
			     const ldns_rdf *qname, const ldns_rdf *ptr)
{
	static const char arpa[] = "\004arpa";
	ldns_pkt *p = NULL;

	/* Every local name ends in .arpa: a cheap test first, the cache hit path goes through here. */
	if (cl->qclass != LDNS_RR_CLASS_IN || cl->qname_len < sizeof(arpa) ||
	    strcasecmp((const char *)cl->qname + cl->qname_len - sizeof(arpa), arpa))
		return NULL;
	if (ptr && (p = local_ptr6(c, l, cl, qname, ptr)))
		return p;
	for (size_t i = 0; i < DNS64_LOCAL_ZONES && !p; i++) {
		bool at = ldns_dname_compare(qname, l->apex[i]) == 0;
		bool ok;

		if (!at && !ldns_dname_is_subdomain(qname, l->apex[i]))
			continue;
		/* RFC 8880 §7.1: other names under ipv4only.arpa do not exist. */
		if (!(p = dns64_reply_new(cl, at ? LDNS_RCODE_NOERROR : LDNS_RCODE_NXDOMAIN)))
			return NULL;
		ldns_pkt_set_aa(p, true);
		ok = at ? local_records(c, l, p, i, cl->qtype) : push_soa(p, l->apex[i]);
		if (!ok) {
			ldns_pkt_free(p);
			return NULL;
		}
	}
	return p;
}
