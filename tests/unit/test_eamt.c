/* RFC 7757 EAMT: longest prefix match both ways, suffix placement, overlap refusal. */
#include <arpa/inet.h>

#include "eamt.h"
#include "harness.h"

static void add(struct eamt *t, const char *p4s, const char *p6s, int *failed)
{
	struct prefix4 p4;
	struct prefix6 p6;
	const char *why;

	CHECK(prefix4_parse(p4s, &p4, &why));
	CHECK(prefix6_parse(p6s, &p6, &why));
	CHECK(eamt_add(t, &p6, &p4, &why));
}

static bool map4(const struct eamt *t, const char *a4, const char *want6)
{
	struct in_addr a;
	struct in6_addr got, want;

	inet_pton(AF_INET, a4, &a);
	inet_pton(AF_INET6, want6, &want);
	return eamt_4to6(t, a, &got) && !memcmp(&got, &want, 16);
}

static bool map6(const struct eamt *t, const char *a6, const char *want4)
{
	struct in6_addr a;
	struct in_addr got, want;

	inet_pton(AF_INET6, a6, &a);
	inet_pton(AF_INET, want4, &want);
	return eamt_6to4(t, &a, &got) && got.s_addr == want.s_addr;
}

TEST(eamt_same_suffix)
{
	static struct eamt t;

	add(&t, "192.0.2.0/24", "2001:db8:2::/120", failed);
	CHECK(!*failed);
	CHECK(map4(&t, "192.0.2.7", "2001:db8:2::7"));
	CHECK(map6(&t, "2001:db8:2::ff", "192.0.2.255"));
	CHECK(!map4(&t, "192.0.3.7", "2001:db8:2::7"));
}

TEST(eamt_shorter_ipv4_suffix)
{
	static struct eamt t;

	/* RFC 7757 §3.2: the 8-bit IPv4 suffix goes right after the /72, the rest stays zero. */
	add(&t, "192.0.2.0/24", "2001:db8:1c0:2::/72", failed);
	CHECK(!*failed);
	CHECK(map4(&t, "192.0.2.1", "2001:db8:1c0:2:1::"));
	CHECK(map6(&t, "2001:db8:1c0:2:1::", "192.0.2.1"));
	CHECK(map6(&t, "2001:db8:1c0:2:21::5", "192.0.2.33"));
}

TEST(eamt_longest_match_and_single_host)
{
	static struct eamt t;
	struct prefix4 p4;
	struct prefix6 p6;
	const char *why;

	add(&t, "198.51.100.7/32", "2001:db8:aaaa::1/128", failed);
	CHECK(!*failed);
	CHECK(map4(&t, "198.51.100.7", "2001:db8:aaaa::1"));
	CHECK(map6(&t, "2001:db8:aaaa::1", "198.51.100.7"));
	CHECK(prefix4_parse("198.51.100.0/24", &p4, &why));
	CHECK(prefix6_parse("2001:db8:bbbb::/120", &p6, &why));
	CHECK(!eamt_add(&t, &p6, &p4, &why));
	CHECK(strstr(why, "overlaps") != NULL);
	/* An IPv4 suffix longer than the IPv6 suffix cannot be placed. */
	CHECK(prefix4_parse("203.0.113.0/24", &p4, &why));
	CHECK(prefix6_parse("2001:db8:cccc::1/128", &p6, &why));
	CHECK(!eamt_add(&t, &p6, &p4, &why));
}
