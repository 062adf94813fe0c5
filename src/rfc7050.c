/*
 * RFC 7050 NAT64 prefix discovery. The message is parsed with libresolv's ns_initparse()/ns_parserr(),
 * which bounds-check every name and record; we only look at AAAA records of class IN.
 */
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rfc7050.h"

bool rfc7050_is_wka(struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);

	return h == RFC7050_WKA_PRIMARY || h == RFC7050_WKA_SECONDARY;
}

/* The WKA a holds at length len, 0 if none; *p gets the prefix in front of it. */
static uint32_t wka_at(const struct in6_addr *a, uint8_t len, struct prefix6 *p)
{
	struct in_addr v4;
	const char *why;

	memset(p, 0, sizeof(*p));
	memcpy(p->addr.s6_addr, a->s6_addr, len / 8);	/* every RFC 6052 length is whole bytes */
	p->len = len;
	/* A /96 whose u-octet is set is no RFC 6052 prefix (§2.2); shorter ones skip the u-octet. */
	if (!rfc6052_prefix_valid(p, &why) || !rfc6052_extract(p, a, &v4))
		return 0;
	return rfc7050_is_wka(v4) ? ntohl(v4.s_addr) : 0;
}

/* Whether one of the n addresses is the other WKA embedded in p. */
static bool partner_seen(const struct in6_addr *aaaa, size_t n, const struct prefix6 *p, uint32_t wka)
{
	struct in6_addr want;
	struct in_addr v4 = { htonl(wka == RFC7050_WKA_PRIMARY ? RFC7050_WKA_SECONDARY : RFC7050_WKA_PRIMARY) };

	rfc6052_embed(p, v4, &want);
	for (size_t i = 0; i < n; i++)
		if (!memcmp(&aaaa[i], &want, sizeof(want)))
			return true;
	return false;
}

/* The prefix address i reveals, per the rules in rfc7050.h. */
static bool extract_one(const struct in6_addr *aaaa, size_t n, size_t i, struct prefix6 *out)
{
	struct prefix6 p;
	bool found = false;
	uint32_t wka;

	/* RFC 7050 §3: longest first. */
	for (size_t l = 0; l < RFC6052_NLENS; l++) {
		if (!(wka = wka_at(&aaaa[i], rfc6052_lens[l], &p)))
			continue;
		if (partner_seen(aaaa, n, &p, wka)) {
			*out = p;
			return true;
		}
		if (!found)
			*out = p;
		found = true;
	}
	return found;
}

/* Index of p in out[0..n), or n. */
static size_t find(const struct prefix6 *out, size_t n, const struct prefix6 *p)
{
	size_t i;

	for (i = 0; i < n && !prefix6_equal(&out[i], p); i++)
		;
	return i;
}

/* rfc7050_extract(), also telling for each address i which prefix it gave: of[i] indexes out, or is
 * SIZE_MAX when it gave none or one beyond max (of may be NULL). */
static size_t extract(const struct in6_addr *aaaa, size_t n, struct prefix6 *out, size_t max, size_t *of)
{
	size_t found = 0;

	for (size_t i = 0; i < n; i++) {
		struct prefix6 p;
		size_t j = SIZE_MAX;

		if (extract_one(aaaa, n, i, &p) && (j = find(out, found, &p)) == found) {
			if (found < max)
				out[found++] = p;
			else
				j = SIZE_MAX;
		}
		if (of)
			of[i] = j;
	}
	return found;
}

size_t rfc7050_extract(const struct in6_addr *aaaa, size_t n, struct prefix6 *out, size_t max)
{
	return extract(aaaa, n, out, max, NULL);
}

#define ANSWERS_MAX 64

int rfc7050_parse(const uint8_t *msg, size_t len, struct rfc7050_prefix *out, size_t max)
{
	struct in6_addr aaaa[ANSWERS_MAX];
	uint32_t ttl[ANSWERS_MAX];
	struct prefix6 pfx[RFC7050_MAX];
	size_t n = 0, found, of[ANSWERS_MAX];
	ns_msg h;
	ns_rr rr;
	int count;

	if (len > 65535 || ns_initparse(msg, (int)len, &h) < 0)
		return -1;
	if (ns_msg_getflag(h, ns_f_rcode) == ns_r_nxdomain)
		return 0;
	if (ns_msg_getflag(h, ns_f_rcode) != ns_r_noerror || !ns_msg_getflag(h, ns_f_qr))
		return -1;
	count = ns_msg_count(h, ns_s_an);
	for (int i = 0; i < count && n < ANSWERS_MAX; i++) {
		if (ns_parserr(&h, ns_s_an, i, &rr) < 0)
			return -1;
		/* CNAMEs in front are fine; the AAAA records carry the answer. */
		if (ns_rr_type(rr) != ns_t_aaaa || ns_rr_class(rr) != ns_c_in || ns_rr_rdlen(rr) != 16)
			continue;
		memcpy(&aaaa[n], ns_rr_rdata(rr), 16);
		ttl[n++] = ns_rr_ttl(rr);
	}
	if (max > RFC7050_MAX)
		max = RFC7050_MAX;
	found = extract(aaaa, n, pfx, max, of);
	for (size_t j = 0; j < found; j++)
		out[j] = (struct rfc7050_prefix){ pfx[j], UINT32_MAX };
	/* Each prefix lives as long as the shortest-lived record that shows it (RFC 7050 §3: re-query
	 * before "the TTL of the Well-Known Name's synthetic AAAA resource record expires"). */
	for (size_t i = 0; i < n; i++)
		if (of[i] != SIZE_MAX && ttl[i] < out[of[i]].ttl)
			out[of[i]].ttl = ttl[i];
	return (int)found;
}

int rfc7050_query(struct rfc7050_prefix *out, size_t max, char *err, size_t errlen)
{
	struct __res_state rs;
	uint8_t ans[4096];
	int n, r;

	memset(&rs, 0, sizeof(rs));
	if (res_ninit(&rs) < 0) {
		snprintf(err, errlen, "cannot read the resolver configuration");
		return -1;
	}
	rs.retrans = 2;
	rs.retry = 2;
	/* No EDNS, so no DO bit; libresolv never sets CD. */
	rs.options &= ~(unsigned long)(RES_USE_EDNS0 | RES_USE_DNSSEC);
	n = res_nquery(&rs, RFC7050_NAME, ns_c_in, ns_t_aaaa, ans, sizeof(ans));
	if (n < 0) {
		/* h_errno: NXDOMAIN and NODATA are answers ("no DNS64 here"), the rest failures. */
		r = rs.res_h_errno == HOST_NOT_FOUND || rs.res_h_errno == NO_DATA ? 0 : -1;
		if (r < 0)
			snprintf(err, errlen, "no answer from the resolver for %s: %s", RFC7050_NAME,
				 hstrerror(rs.res_h_errno));
	} else {
		r = rfc7050_parse(ans, (size_t)(n < (int)sizeof(ans) ? n : (int)sizeof(ans)), out, max);
		if (r < 0)
			snprintf(err, errlen, "malformed answer for %s", RFC7050_NAME);
	}
	res_nclose(&rs);
	return r;
}
