/* RFC 6052 mapping, prefix parsing and the §3.1 global-address rule. */
#include <arpa/inet.h>

#include "harness.h"
#include "rfc6052.h"
#include "rfc6052_table.h"

static struct in_addr v4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a;
}

TEST(rfc6052_table_embed_and_extract)
{
	for (size_t i = 0; i < RFC6052_TABLE_N; i++) {
		struct prefix6 p;
		struct in6_addr want, got;
		struct in_addr back;
		const char *why;

		CHECK(prefix6_parse(rfc6052_table[i].prefix, &p, &why));
		CHECK(rfc6052_prefix_valid(&p, &why));
		CHECK(inet_pton(AF_INET6, rfc6052_table[i].addr, &want) == 1);
		rfc6052_embed(&p, v4("192.0.2.33"), &got);
		CHECK_MEM(&got, &want, 16);
		CHECK(rfc6052_extract(&p, &want, &back));
		CHECK_EQ(back.s_addr, v4("192.0.2.33").s_addr);
	}
}

TEST(rfc6052_extract_outside_prefix)
{
	struct prefix6 p;
	struct in6_addr a;
	struct in_addr out;
	const char *why;

	CHECK(prefix6_parse("64:ff9b::/96", &p, &why));
	inet_pton(AF_INET6, "64:ff9c::1.1.1.1", &a);
	CHECK(!rfc6052_extract(&p, &a, &out));
}

TEST(rfc6052_prefix_rules)
{
	struct prefix6 p;
	const char *why;

	CHECK(prefix6_parse("2001:db8::/33", &p, &why));
	CHECK(!rfc6052_prefix_valid(&p, &why));
	CHECK(strstr(why, "32, 40") != NULL);
	/* u-octet (bits 64..71) set under a /96 */
	CHECK(prefix6_parse("2001:db8:0:0:100::/96", &p, &why));
	CHECK(!rfc6052_prefix_valid(&p, &why));
	CHECK(!prefix6_parse("2001:db8::1/64", &p, &why));
	CHECK_STR(why, "host bits must be zero");
	CHECK(!prefix6_parse("2001:db8::/129", &p, &why));
	CHECK(!prefix6_parse("/64", &p, &why));
	CHECK(!prefix6_parse("2001:db8::/", &p, &why));
	CHECK(!prefix6_parse("2001:db8::/6x", &p, &why));
	CHECK(!prefix6_parse("1.2.3.4/24", &p, &why));
}

/* The one list of RFC 6052 §2.2 lengths: exactly 32, 40, 48, 56, 64 and 96, longest first, and
 * rfc6052_prefix_valid() takes exactly those. */
TEST(rfc6052_lengths)
{
	static const uint8_t want[] = { 96, 64, 56, 48, 40, 32 };
	struct prefix6 p = { .addr = IN6ADDR_ANY_INIT };
	const char *why;
	unsigned n = 0;

	CHECK_EQ(sizeof(want), (size_t)RFC6052_NLENS);
	CHECK_MEM(rfc6052_lens, want, sizeof(want));
	for (unsigned len = 0; len <= 300; len++) {
		int i = rfc6052_len_index(len);

		if (i >= 0) {
			CHECK(i < RFC6052_NLENS && rfc6052_lens[i] == len);
			n++;
		}
		if (len <= 128) {
			p.len = (uint8_t)len;
			CHECK_EQ(rfc6052_prefix_valid(&p, &why), i >= 0);
		}
	}
	CHECK_EQ(n, (unsigned)RFC6052_NLENS);
}

TEST(prefix4_parse_and_contains)
{
	struct prefix4 p;
	const char *why;
	char buf[64];

	CHECK(prefix4_parse("192.0.2.0/24", &p, &why));
	CHECK(prefix4_contains(&p, &(struct in_addr){ v4("192.0.2.200").s_addr }));
	CHECK(!prefix4_contains(&p, &(struct in_addr){ v4("192.0.3.1").s_addr }));
	CHECK_STR(prefix4_fmt(&p, buf, sizeof(buf)), "192.0.2.0/24");
	CHECK(prefix4_parse("10.1.2.3", &p, &why));
	CHECK_EQ(p.len, 32);
	CHECK(!prefix4_parse("192.0.2.1/24", &p, &why));
	CHECK(!prefix4_parse("192.0.2.0/33", &p, &why));
	CHECK(!prefix4_parse("", &p, &why));
	CHECK(prefix4_parse("0.0.0.0/0", &p, &why));
	CHECK(prefix4_contains(&p, &(struct in_addr){ v4("8.8.8.8").s_addr }));
}

TEST(wkp_and_global_rule)
{
	struct prefix6 p;
	const char *why;

	CHECK(prefix6_parse("64:ff9b::/96", &p, &why));
	CHECK(rfc6052_is_wkp(&p));
	CHECK(prefix6_parse("64:ff9b:1::/96", &p, &why));
	CHECK(!rfc6052_is_wkp(&p));
	CHECK(ipv4_is_global(v4("1.1.1.1")));
	CHECK(ipv4_is_global(v4("8.8.8.8")));
	CHECK(!ipv4_is_global(v4("10.0.0.5")));
	CHECK(!ipv4_is_global(v4("192.168.1.1")));
	CHECK(!ipv4_is_global(v4("172.31.255.255")));
	CHECK(ipv4_is_global(v4("172.32.0.1")));
	CHECK(!ipv4_is_global(v4("100.64.0.1")));
	CHECK(!ipv4_is_global(v4("127.0.0.1")));
	CHECK(!ipv4_is_global(v4("169.254.1.1")));
	CHECK(!ipv4_is_global(v4("192.0.2.1")));
	CHECK(!ipv4_is_global(v4("198.51.100.2")));
	CHECK(!ipv4_is_global(v4("203.0.113.9")));
	CHECK(!ipv4_is_global(v4("224.0.0.1")));
	CHECK(!ipv4_is_global(v4("255.255.255.255")));
}

/* RFC 6052 §3.1 as the translator, the DNS64 and `xlat64 map` apply it: only the WKP refuses, only
 * non-global addresses, and allow-nonglobal-ipv4 lifts it. */
TEST(nonglobal_refused)
{
	struct prefix6 wkp, nsp;
	const char *why;

	CHECK(prefix6_parse("64:ff9b::/96", &wkp, &why));
	CHECK(prefix6_parse("64:ff9b:1::/48", &nsp, &why));
	CHECK(rfc6052_nonglobal_refused(&wkp, v4("10.1.2.3"), false));
	CHECK(rfc6052_nonglobal_refused(&wkp, v4("192.0.0.170"), false));
	CHECK(!rfc6052_nonglobal_refused(&wkp, v4("10.1.2.3"), true));
	CHECK(!rfc6052_nonglobal_refused(&wkp, v4("8.8.8.8"), false));
	CHECK(!rfc6052_nonglobal_refused(&nsp, v4("10.1.2.3"), false));
	CHECK(!rfc6052_nonglobal_refused(&nsp, v4("8.8.8.8"), true));
}
