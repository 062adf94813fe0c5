/* RFC 7050 prefix discovery from ipv4only.arpa AAAA answers (rfc7050.c). The vectors are the anchors'
 * (dns64-pref64.md §1 item 37): the WKAs under the RFC 6052 §2.4 example prefixes. */
#include <arpa/inet.h>

#include "harness.h"
#include "rfc7050.h"

static struct in6_addr A(const char *s)
{
	struct in6_addr a = IN6ADDR_ANY_INIT;

	inet_pton(AF_INET6, s, &a);
	return a;
}

static bool is(const struct prefix6 *p, const char *s)
{
	char buf[INET6_ADDRSTRLEN + 4];

	return !strcmp(prefix6_fmt(p, buf, sizeof(buf)), s);
}

/* RFC 7050 §2.2: exactly 192.0.0.170 and 192.0.0.171, in network byte order. */
TEST(rfc7050_is_wka)
{
	static const struct {
		const char *a;
		bool wka;
	} t[] = {
		{ "192.0.0.170", true }, { "192.0.0.171", true }, { "192.0.0.169", false },
		{ "192.0.0.172", false }, { "170.0.0.192", false }, { "192.0.1.170", false },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct in_addr a;

		CHECK(inet_pton(AF_INET, t[i].a, &a) == 1);
		CHECK(rfc7050_is_wka(a) == t[i].wka);
	}
}

/* 192.0.0.170 (and .171) at each of the six positions. */
static const struct {
	const char *prefix, *wka170, *wka171;
} vec[] = {
	{ "2001:db8::/32", "2001:db8:c000:aa::", "2001:db8:c000:ab::" },
	{ "2001:db8:100::/40", "2001:db8:1c0:0:aa::", "2001:db8:1c0:0:ab::" },
	{ "2001:db8:122::/48", "2001:db8:122:c000:0:aa00::", "2001:db8:122:c000:0:ab00::" },
	{ "2001:db8:122:300::/56", "2001:db8:122:3c0:0:aa::", "2001:db8:122:3c0:0:ab::" },
	{ "2001:db8:122:344::/64", "2001:db8:122:344:c0:0:aa00:0", "2001:db8:122:344:c0:0:ab00:0" },
	{ "2001:db8:122:344::/96", "2001:db8:122:344::c000:aa", "2001:db8:122:344::c000:ab" },
	{ "64:ff9b::/96", "64:ff9b::c000:aa", "64:ff9b::c000:ab" },
};

TEST(rfc7050_all_six_lengths_each_wka)
{
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		struct in6_addr a[2] = { A(vec[i].wka170), A(vec[i].wka171) };
		struct prefix6 out[4];

		CHECK_EQ(rfc7050_extract(&a[0], 1, out, 4), 1);
		CHECK(is(&out[0], vec[i].prefix));
		CHECK_EQ(rfc7050_extract(&a[1], 1, out, 4), 1);
		CHECK(is(&out[0], vec[i].prefix));
		/* Both WKAs, as a DNS64 answers: one prefix. */
		CHECK_EQ(rfc7050_extract(a, 2, out, 4), 1);
		CHECK(is(&out[0], vec[i].prefix));
	}
}

/* The vectors agree with our own RFC 6052 embedding. */
TEST(rfc7050_vectors_match_rfc6052_embed)
{
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		struct in6_addr want = A(vec[i].wka170), got;
		struct in_addr v4 = { htonl(0xc00000aa) };
		struct prefix6 p;
		const char *why;

		CHECK(prefix6_parse(vec[i].prefix, &p, &why));
		rfc6052_embed(&p, v4, &got);
		CHECK_MEM(&got, &want, 16);
	}
}

TEST(rfc7050_multiple_prefixes)
{
	/* BIND with two prefixes (the lab): four AAAA, two prefixes, in answer order. */
	struct in6_addr a[4] = { A("2001:db8:122:3c0:0:aa::"), A("64:ff9b:1:fffe::c000:aa"),
				 A("2001:db8:122:3c0:0:ab::"), A("64:ff9b:1:fffe::c000:ab") };
	struct prefix6 out[4];

	CHECK_EQ(rfc7050_extract(a, 4, out, 4), 2);
	CHECK(is(&out[0], "2001:db8:122:300::/56"));
	CHECK(is(&out[1], "64:ff9b:1:fffe::/96"));
	/* max caps the list. */
	CHECK_EQ(rfc7050_extract(a, 4, out, 1), 1);
	CHECK(is(&out[0], "2001:db8:122:300::/56"));
}

TEST(rfc7050_no_wka)
{
	struct in6_addr a[3] = { A("2001:db8::1"), A("64:ff9b::c000:201"), A("::") };
	struct prefix6 out[4];

	CHECK_EQ(rfc7050_extract(a, 3, out, 4), 0);
	CHECK_EQ(rfc7050_extract(a, 0, out, 4), 0);
}

/* A /96 "prefix" whose u-octet is set is no RFC 6052 prefix; the WKA there does not count. */
TEST(rfc7050_u_octet_at_96)
{
	struct in6_addr a = A("2001:db8:0:0:100::c000:aa");
	struct prefix6 out[2];

	CHECK_EQ(rfc7050_extract(&a, 1, out, 2), 0);
	/* For shorter prefixes the u-octet is skipped whatever it holds: /64 with byte 8 set. */
	a = A("2001:db8:122:344:ffc0:0:aa00:0");
	CHECK_EQ(rfc7050_extract(&a, 1, out, 2), 1);
	CHECK(is(&out[0], "2001:db8:122:344::/64"));
}

/* A WKA at two positions: longest first, unless the other WKA confirms the shorter one. */
TEST(rfc7050_ambiguous_position)
{
	/* /32 reading: 192.0.0.170 under 2001:db8::/32; /64 reading: 192.0.0.171 under 2001:db8:c000:aa::/64 */
	struct in6_addr a[2] = { A("2001:db8:c000:aa:c0:0:ab00:0"), A("2001:db8:c000:ab::") };
	struct prefix6 out[4];

	CHECK_EQ(rfc7050_extract(a, 1, out, 4), 1);
	CHECK(is(&out[0], "2001:db8:c000:aa::/64"));
	CHECK_EQ(rfc7050_extract(a, 2, out, 4), 1);
	CHECK(is(&out[0], "2001:db8::/32"));
}

/* A DNS response: header, the question, then AAAA answers pointing at the question's name. */
static size_t response(uint8_t *m, int rcode, const char *const *aaaa, const uint32_t *ttl, size_t n)
{
	static const uint8_t q[] = { 8, 'i', 'p', 'v', '4', 'o', 'n', 'l', 'y', 4, 'a', 'r', 'p', 'a', 0,
				     0, 28, 0, 1 };
	size_t len = 12;

	memset(m, 0, 12);
	m[0] = 0x12;
	m[2] = 0x81;				/* QR, RD */
	m[3] = (uint8_t)(0x80 | rcode);		/* RA */
	m[5] = 1;
	m[7] = (uint8_t)n;
	memcpy(m + len, q, sizeof(q));
	len += sizeof(q);
	for (size_t i = 0; i < n; i++) {
		struct in6_addr a = A(aaaa[i]);
		uint8_t rr[12] = { 0xc0, 12, 0, 28, 0, 1, (uint8_t)(ttl[i] >> 24), (uint8_t)(ttl[i] >> 16),
				   (uint8_t)(ttl[i] >> 8), (uint8_t)ttl[i], 0, 16 };

		memcpy(m + len, rr, 12);
		memcpy(m + len + 12, &a, 16);
		len += 28;
	}
	return len;
}

TEST(rfc7050_parse_answer_ttls)
{
	static const char *const aaaa[] = { "64:ff9b::c000:aa", "2001:db8:122:344:c0:0:aa00:0", "64:ff9b::c000:ab" };
	static const uint32_t ttl[] = { 3600, 60, 300 };
	struct rfc7050_prefix out[RFC7050_MAX];
	uint8_t m[512];
	size_t len = response(m, 0, aaaa, ttl, 3);

	CHECK_EQ(rfc7050_parse(m, len, out, RFC7050_MAX), 2);
	CHECK(is(&out[0].prefix, "64:ff9b::/96"));
	CHECK_EQ(out[0].ttl, 300);			/* the shorter-lived of its two records */
	CHECK(is(&out[1].prefix, "2001:db8:122:344::/64"));
	CHECK_EQ(out[1].ttl, 60);
	/* Room for one: the first prefix, its TTL still from every record that shows it. */
	CHECK_EQ(rfc7050_parse(m, len, out, 1), 1);
	CHECK(is(&out[0].prefix, "64:ff9b::/96"));
	CHECK_EQ(out[0].ttl, 300);
	CHECK_EQ(rfc7050_parse(m, len, out, 0), 0);
}

TEST(rfc7050_parse_negative_and_malformed)
{
	static const char *const aaaa[] = { "64:ff9b::c000:aa" };
	static const uint32_t ttl[] = { 10 };
	struct rfc7050_prefix out[RFC7050_MAX];
	uint8_t m[512];
	size_t len;

	len = response(m, 3, NULL, NULL, 0);		/* NXDOMAIN: no DNS64 */
	CHECK_EQ(rfc7050_parse(m, len, out, RFC7050_MAX), 0);
	len = response(m, 0, NULL, NULL, 0);		/* NODATA */
	CHECK_EQ(rfc7050_parse(m, len, out, RFC7050_MAX), 0);
	len = response(m, 2, NULL, NULL, 0);		/* SERVFAIL */
	CHECK_EQ(rfc7050_parse(m, len, out, RFC7050_MAX), -1);
	len = response(m, 0, aaaa, ttl, 1);
	CHECK_EQ(rfc7050_parse(m, len, out, RFC7050_MAX), 1);
	CHECK_EQ(rfc7050_parse(m, len - 1, out, RFC7050_MAX), -1);	/* truncated record */
	CHECK_EQ(rfc7050_parse(m, 5, out, RFC7050_MAX), -1);
	m[2] &= 0x7f;					/* a query, not a response */
	CHECK_EQ(rfc7050_parse(m, len, out, RFC7050_MAX), -1);
}
