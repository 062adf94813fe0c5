/* DNS64 synthesis (RFC 6147 §5.1): the exclusion set, CNAME/DNAME chains, synthetic AAAA from A, and
 * the ip6.arpa names of §5.3.1. Works on ldns records; no state. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dns64_internal.h"
#include "rfc7050.h"

/* RFC 6147 §5.1.4: the default exclusion set is ::ffff:0:0/96 (IPv4-mapped addresses). */
static const struct prefix6 exclude_default = {
	.addr = { .s6_addr = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff } },
	.len = 96,
};

/* RFC 6052 §3.1: the WKP never carries a non-global IPv4 address, except the RFC 7050 WKAs, which exist
 * to be synthesized with whatever prefix the DNS64 has (RFC 8880 §7.1). For AAAA and PTR alike. */
static bool synth_refused(const struct dns64_conf *c, struct in_addr v4)
{
	return rfc6052_nonglobal_refused(&c->prefix, v4, c->allow_nonglobal) && !rfc7050_is_wka(v4);
}

bool dns64_excluded(const struct dns64_conf *c, const struct in6_addr *a)
{
	if (!c->n_exclude)
		return prefix6_contains(&exclude_default, a);
	/* Inside ANY excluded prefix (the anchors' item 13). */
	for (unsigned i = 0; i < c->n_exclude && i < DNS64_EXCLUDE_MAX; i++)
		if (prefix6_contains(&c->exclude[i], a))
			return true;
	return false;
}

/* Byte length of the first n labels of a wire name. */
static size_t labels_len(const ldns_rdf *name, unsigned n)
{
	const uint8_t *p = ldns_rdf_data(name);
	size_t off = 0, size = ldns_rdf_size(name);

	while (n-- && off < size && p[off])
		off += 1u + p[off];
	return off < size ? off : size;
}

/* RFC 6672 §2.2: name below a DNAME's owner, rewritten under its target; NULL if too long. */
static ldns_rdf *dname_substitute(const ldns_rdf *name, const ldns_rr *dname)
{
	const ldns_rdf *owner = ldns_rr_owner(dname), *target = ldns_rr_rdf(dname, 0);
	unsigned keep = ldns_dname_label_count(name) - ldns_dname_label_count(owner);
	size_t head = labels_len(name, keep);
	uint8_t buf[256];

	if (!target || ldns_rdf_get_type(target) != LDNS_RDF_TYPE_DNAME || head + ldns_rdf_size(target) > 255)
		return NULL;
	memcpy(buf, ldns_rdf_data(name), head);
	memcpy(buf + head, ldns_rdf_data(target), ldns_rdf_size(target));
	return ldns_dname_new_frm_data((uint16_t)(head + ldns_rdf_size(target)), buf);
}

/* One step along the chain from cur, or NULL at its end. */
static ldns_rdf *chain_next(const ldns_rr_list *answer, const ldns_rdf *cur)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(answer); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(answer, i);
		const ldns_rdf *t = ldns_rr_rdf(rr, 0);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && t && ldns_rdf_get_type(t) == LDNS_RDF_TYPE_DNAME &&
		    ldns_dname_compare(ldns_rr_owner(rr), cur) == 0)
			return ldns_rdf_clone(t);
	}
	/* A DNAME without the CNAME a resolver synthesizes for it (RFC 6672 §3.1): substitute ourselves. */
	for (size_t i = 0; i < ldns_rr_list_rr_count(answer); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(answer, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNAME && ldns_dname_is_subdomain(cur, ldns_rr_owner(rr)))
			return dname_substitute(cur, rr);
	}
	return NULL;
}

ldns_rdf *dns64_chain_end(const ldns_rr_list *answer, const ldns_rdf *name)
{
	ldns_rdf *cur = ldns_rdf_clone(name), *next;

	/* Bounded: a looping chain ends where the bound stops it, and the A query finds nothing. */
	for (int i = 0; cur && i < 16 && (next = chain_next(answer, cur)); i++) {
		ldns_rdf_deep_free(cur);
		cur = next;
	}
	return cur;
}

bool dns64_rrsig_covers(const ldns_rr *rr, ldns_rr_type t)
{
	const ldns_rdf *tc = ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG ? ldns_rr_rdf(rr, 0) : NULL;

	return tc && ldns_rdf_size(tc) == 2 && ldns_rdf2native_int16(tc) == t;
}

ldns_rr *dns64_rr_new(ldns_rr_type type, const ldns_rdf *owner, uint32_t ttl, ldns_rdf *rd)
{
	ldns_rr *rr = ldns_rr_new_frm_type(type);	/* class IN */
	ldns_rdf *o = ldns_rdf_clone(owner);

	if (!rr || !o || !rd) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(o);
		ldns_rdf_deep_free(rd);
		return NULL;
	}
	ldns_rr_set_owner(rr, o);
	ldns_rr_set_ttl(rr, ttl);
	ldns_rr_set_rdf(rr, rd, 0);
	return rr;
}

static ldns_rr *synth_aaaa(const struct dns64_conf *c, const ldns_rr *a, struct in_addr v4, uint32_t ttl_cap)
{
	struct in6_addr v6;

	rfc6052_embed(&c->prefix, v4, &v6);
	/* RFC 6147 §5.1.7: owner of the A RR, class IN, TTL min(A TTL, cap). */
	return dns64_rr_new(LDNS_RR_TYPE_AAAA, ldns_rr_owner(a), ldns_rr_ttl(a) < ttl_cap ? ldns_rr_ttl(a) : ttl_cap,
			    ldns_rdf_new_frm_data(LDNS_RDF_TYPE_AAAA, 16, v6.s6_addr));
}

ldns_rr_list *dns64_synth_answer(const struct dns64_conf *c, const ldns_rr_list *a_answer, uint32_t ttl_cap,
				 unsigned *n_synth, unsigned *n_nonglobal)
{
	ldns_rr_list *out = ldns_rr_list_new();

	*n_synth = *n_nonglobal = 0;
	for (size_t i = 0; out && i < ldns_rr_list_rr_count(a_answer); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(a_answer, i);
		const ldns_rdf *rd = ldns_rr_rdf(rr, 0);
		ldns_rr *add = NULL;
		struct in_addr v4;

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_A && ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN) {
			if (!rd || ldns_rdf_size(rd) != 4)
				continue;
			memcpy(&v4, ldns_rdf_data(rd), 4);
			if (synth_refused(c, v4)) {
				(*n_nonglobal)++;
				continue;
			}
			add = synth_aaaa(c, rr, v4, ttl_cap);
			*n_synth += add != NULL;
		} else if (dns64_rrsig_covers(rr, LDNS_RR_TYPE_A)) {
			continue;	/* signs A records that are no longer there */
		} else {
			add = ldns_rr_clone(rr);
		}
		if (!add || !ldns_rr_list_push_rr(out, add)) {
			ldns_rr_free(add);
			ldns_rr_list_deep_free(out);
			return NULL;
		}
	}
	return out;
}

static int nibble(const ldns_rdf *name, unsigned i)
{
	const uint8_t *p = ldns_rdf_data(name) + 2 * i;
	char ch = (char)p[1];

	if (p[0] != 1)
		return -1;
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

ldns_rdf *dns64_inaddr_name(struct in_addr v4)
{
	const uint8_t *b = (const uint8_t *)&v4.s_addr;
	char buf[32];

	snprintf(buf, sizeof(buf), "%u.%u.%u.%u.in-addr.arpa.", b[3], b[2], b[1], b[0]);
	return ldns_dname_new_frm_str(buf);
}

ldns_rdf *dns64_ptr_target(const struct dns64_conf *c, const ldns_rdf *name)
{
	static const uint8_t ip6arpa[] = "\003ip6\004arpa";
	struct in6_addr a;
	struct in_addr v4;

	/* RFC 3596 §2.5: 32 one-nibble labels, least significant first, then ip6.arpa. */
	if (ldns_rdf_size(name) != 64 + sizeof(ip6arpa) || ldns_dname_label_count(name) != 34 ||
	    strncasecmp((const char *)ldns_rdf_data(name) + 64, (const char *)ip6arpa, sizeof(ip6arpa)))
		return NULL;
	for (unsigned i = 0; i < 32; i++) {
		int n = nibble(name, i);
		if (n < 0)
			return NULL;
		if (i & 1)
			a.s6_addr[15 - i / 2] |= (uint8_t)(n << 4);
		else
			a.s6_addr[15 - i / 2] = (uint8_t)n;
	}
	if (!rfc6052_extract(&c->prefix, &a, &v4) || synth_refused(c, v4))
		return NULL;
	return dns64_inaddr_name(v4);
}

ldns_rr *dns64_ptr_cname(const ldns_rdf *name, const ldns_rdf *target)
{
	return dns64_rr_new(LDNS_RR_TYPE_CNAME, name, DNS64_TTL_PTR_CNAME, ldns_rdf_clone(target));
}
