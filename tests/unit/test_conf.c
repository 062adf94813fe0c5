/* conf.c: the xlat64.conf(5) parser, its exact error messages, and the print/parse round trip. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "conf.h"

static struct conf conf;
static char err[1024];

static bool parse(const char *text)
{
	err[0] = '\0';
	return conf_parse("xlat64.conf", text, &conf, err, sizeof(err));
}

/* The full text conf_print() writes, in a malloc'd string. */
static char *print(const struct conf *c)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	conf_print(f, c);
	fclose(f);
	return buf;
}

static bool is_addr4(struct in_addr a, const char *s)
{
	struct in_addr b;

	return inet_pton(AF_INET, s, &b) == 1 && a.s_addr == b.s_addr;
}

static bool is_addr6(const struct in6_addr *a, const char *s)
{
	struct in6_addr b;

	return inet_pton(AF_INET6, s, &b) == 1 && !memcmp(a, &b, sizeof(b));
}

static const char full[] =
	"# every key\n"
	"mode siit\n"
	"device\tsiit0\n"
	"queues 4\n"
	"mtu 9000\n"
	"coalesce-usecs 0\n"
	"socket /run/x.sock\n"
	"pool6 2001:db8:64::/96   # network-specific\n"
	"allow-nonglobal-ipv4 yes\n"
	"eamt 192.0.2.0/24 2001:db8:1::/120\n"
	"eamt 198.51.100.7 2001:db8:2::7\n"
	"rfc6791-v4 203.0.113.0/28\n"
	"rfc6791-v6 2001:db8:ffff::/120\n"
	"address4 192.0.0.1\n"
	"address6 2001:db8:ffff::1\n"
	"route4 192.0.2.0/24\n"
	"route4 198.51.100.7/32\n"
	"route6 2001:db8:9::/64\n"
	"lowest-ipv6-mtu 1400\n"
	"mtu-plateaus 9000,1500,1280,68\n"
	"amend-udp-checksum-zero on\n"
	"zeroize-traffic-class true\n"
	"tos 46\n";

TEST(full_file)
{
	const struct xlat_conf *x = &conf.xlat;

	CHECK(parse(full));
	CHECK_EQ(conf.mode, CONF_MODE_SIIT);
	CHECK_STR(conf.device, "siit0");
	CHECK_EQ(conf.queues, 4u);
	CHECK_EQ(conf.tun_mtu, 9000u);
	CHECK_EQ(conf.coalesce_usecs, 0u);
	CHECK_STR(conf.socket, "/run/x.sock");
	CHECK(x->has_pool6 && is_addr6(&x->pool6.addr, "2001:db8:64::") && x->pool6.len == 96);
	CHECK(x->allow_nonglobal);
	CHECK_EQ(x->eamt.n, 2u);
	CHECK(is_addr4(x->eamt.e[1].p4.addr, "198.51.100.7") && x->eamt.e[1].p4.len == 32);
	CHECK(is_addr6(&x->eamt.e[1].p6.addr, "2001:db8:2::7") && x->eamt.e[1].p6.len == 128);
	CHECK(x->has_6791v4 && x->pool6791v4.len == 28);
	CHECK(x->has_6791v6 && x->pool6791v6.len == 120);
	CHECK(x->has_own4 && is_addr4(x->own4, "192.0.0.1"));
	CHECK(x->has_own6 && is_addr6(&x->own6, "2001:db8:ffff::1"));
	CHECK_EQ(conf.n_route4, 2u);
	CHECK(is_addr4(conf.route4[1].addr, "198.51.100.7") && conf.route4[1].len == 32);
	CHECK_EQ(conf.n_route6, 1u);
	CHECK_EQ(conf.route6[0].len, 64);
	CHECK_EQ(x->lowest_ipv6_mtu, 1400u);
	CHECK_EQ(x->n_plateaus, 4u);
	CHECK(x->plateaus[0] == 9000 && x->plateaus[1] == 1500 && x->plateaus[2] == 1280 && x->plateaus[3] == 68);
	CHECK(x->amend_udp_zero_csum && x->zeroize_traffic_class);
	CHECK(x->override_tos && x->tos == 46);
	/* Not configurable: the kernel owns the egress MTU. */
	CHECK(x->mtu4 == 65535 && x->mtu6 == 65535);
}

TEST(defaults)
{
	struct conf d;

	CHECK(parse("pool6 64:ff9b::/96\n"));
	conf_defaults(&d);
	CHECK_STR(conf.device, "xlat64");
	CHECK_EQ(conf.queues, 0u);
	CHECK_EQ(conf.tun_mtu, 1500u);
	CHECK_EQ(conf.coalesce_usecs, 50u);
	CHECK_STR(conf.socket, CONF_DEFAULT_SOCKET);
	CHECK(!conf.xlat.allow_nonglobal && !conf.xlat.override_tos && !conf.xlat.has_own4);
	CHECK_EQ(conf.xlat.lowest_ipv6_mtu, 1280u);
	CHECK_EQ(conf.xlat.n_plateaus, d.xlat.n_plateaus);
	CHECK_MEM(conf.xlat.plateaus, d.xlat.plateaus, sizeof(d.xlat.plateaus));
	CHECK(conf.n_route4 == 0 && conf.n_route6 == 0 && conf.xlat.eamt.n == 0);
}

TEST(comments_and_whitespace)
{
	CHECK(parse("\n   \n# only a comment\n\t pool6\t64:ff9b::/96#glued comment\r\nmtu 1280 \r\n  # indented\nqueues 2"));
	CHECK(conf.xlat.has_pool6);
	CHECK_EQ(conf.tun_mtu, 1280u);
	CHECK_EQ(conf.queues, 2u);	/* last line without a newline */
}

struct bad_case {
	const char *text, *err;
};

/* One case per error class, with the exact message the admin sees. */
static const struct bad_case bad_cases[] = {
	{ "pool6 64:ff9b::/96\n\n\nprefix 64:ff9b::/96\n",
	  "xlat64.conf:4: unknown key \"prefix\" (expected one of: mode, device, queues, mtu, coalesce-usecs, socket, pool6, "
	  "allow-nonglobal-ipv4, eamt, rfc6791-v4, rfc6791-v6, address4, address6, route4, route6, "
	  "lowest-ipv6-mtu, mtu-plateaus, amend-udp-checksum-zero, zeroize-traffic-class, tos, pool4, masquerade, "
	  "bib, udp-timeout, tcp-est-timeout, tcp-trans-timeout, icmp-timeout, max-sessions, "
	  "max-sessions-per-source, maximum-simultaneous-opens, address-dependent-filtering, "
	  "drop-externally-initiated-tcp, source-icmpv6-errors-better, handle-rst-during-fin-rcv, dns64-listen, "
	  "dns64-upstream, dns64-exclude, dns64-allow, dns64-cache-size, dns64-timeout, pref64-interface, "
	  "pref64-lifetime, pref64-interval, pref64-router-lifetime, pref64-rdnss, pref64-route, clat-interface, "
	  "clat-address4, clat-address6, clat-default-route)" },
	{ "pool6 64:ff9b::/96\nmtu\n", "xlat64.conf:2: mtu: missing value (expected a number from 1280 to 65535)" },
	{ "pool6 64:ff9b::/96 64:ff9b:1::/96\n",
	  "xlat64.conf:1: pool6: too many values (expected an RFC 6052 prefix such as 64:ff9b::/96)" },
	{ "eamt 192.0.2.0/24\n",
	  "xlat64.conf:1: eamt: missing value (expected an IPv4 prefix and an IPv6 prefix, e.g. "
	  "192.0.2.0/24 2001:db8::/120)" },
	{ "# a\n#b\n\n\n\n\npool6 64:ff9b::/80\n",
	  "xlat64.conf:7: pool6: prefix length must be 32, 40, 48, 56, 64 or 96 (RFC 6052 section 2.2)" },
	{ "pool6 2001:db8:0:0:ff00::/96\n", "xlat64.conf:1: pool6: bits 64 to 71 must be zero (RFC 6052 section 2.2)" },
	{ "pool6 64:ff9b::1/96\n",
	  "xlat64.conf:1: pool6: host bits must be zero (expected an RFC 6052 prefix such as 64:ff9b::/96)" },
	{ "pool6 64:ff9b::/96\nmode clat\nclat-address4 192.0.0.9\n",
	  "xlat64.conf:0: clat-address4 192.0.0.9 is not in 192.0.0.1 to 192.0.0.6 (RFC 7335 192.0.0.0/29)" },
	{ "mode stateless\n", "xlat64.conf:1: mode: unknown mode (expected siit, nat64, none or clat)" },
	{ "mode none\npool6 64:ff9b::/96\n",
	  "xlat64.conf:0: mode none runs no translator, so it needs a service: dns64-listen or pref64-interface" },
	{ "device 0123456789abcdef\n",
	  "xlat64.conf:1: device: invalid interface name (expected 1 to 15 of A-Z a-z 0-9 _ . -)" },
	{ "device nat/64\n",
	  "xlat64.conf:1: device: invalid interface name (expected 1 to 15 of A-Z a-z 0-9 _ . -)" },
	{ "socket run/x.sock\n",
	  "xlat64.conf:1: socket: invalid path (expected an absolute path under 108 characters)" },
	{ "queues 65\n", "xlat64.conf:1: queues: invalid number (expected a number from 0 to 64)" },
	{ "queues -1\n", "xlat64.conf:1: queues: invalid number (expected a number from 0 to 64)" },
	{ "coalesce-usecs 1001\n", "xlat64.conf:1: coalesce-usecs: invalid number (expected a number from 0 to 1000)" },
	{ "mtu 99999999999999999999\n",
	  "xlat64.conf:1: mtu: invalid number (expected a number from 1280 to 65535)" },
	{ "lowest-ipv6-mtu 1279\n",
	  "xlat64.conf:1: lowest-ipv6-mtu: invalid number (expected a number from 1280 to 65535)" },
	{ "tos 0x10\n", "xlat64.conf:1: tos: invalid number (expected a number from 0 to 255)" },
	{ "address4 192.0.2\n", "xlat64.conf:1: address4: not an IPv4 address (expected an IPv4 address)" },
	{ "address6 192.0.2.1\n", "xlat64.conf:1: address6: not an IPv6 address (expected an IPv6 address)" },
	{ "route4 192.0.2.1/24\n", "xlat64.conf:1: route4: host bits must be zero (expected an IPv4 prefix)" },
	{ "rfc6791-v6 2001:db8::/129\n",
	  "xlat64.conf:1: rfc6791-v6: prefix length must be 0..128 (expected an IPv6 prefix)" },
	{ "eamt 192.0.2.0/33 2001:db8::/120\n",
	  "xlat64.conf:1: eamt: IPv4 prefix: prefix length must be 0..32 (expected an IPv4 prefix and an IPv6 "
	  "prefix, e.g. 192.0.2.0/24 2001:db8::/120)" },
	{ "eamt 192.0.2.0/24 2001:db8::/127\n",
	  "xlat64.conf:1: eamt: the IPv4 suffix must not be longer than the IPv6 suffix (RFC 7757 section 3.2)" },
	{ "pool6 64:ff9b::/96\nallow-nonglobal-ipv4 maybe\n",
	  "xlat64.conf:2: allow-nonglobal-ipv4: not a boolean (expected yes or no)" },
	{ "pool6 64:ff9b::/96\nqueues\x01 1\n",
	  "xlat64.conf:2: control character 0x01 (expected key and values separated by spaces or tabs)" },
	{ "", "xlat64.conf:0: mode siit needs a pool6 line or at least one eamt line" },
	{ "mode siit\nroute4 192.0.2.0/24\n", "xlat64.conf:0: mode siit needs a pool6 line or at least one eamt line" },
};

/* Every case must fail with exactly its message; a mismatch prints the case and what came instead. */
static void test_errors(const struct bad_case *cases, size_t n, int *failed)
{
	for (size_t i = 0; i < n; i++) {
		if (parse(cases[i].text) || strcmp(err, cases[i].err)) {
			printf("  case %zu: got \"%s\"\n", i, err);
			CHECK(!"error message differs");
		}
	}
}

TEST(error_messages)
{
	test_errors(bad_cases, sizeof(bad_cases) / sizeof(bad_cases[0]), failed);
}

TEST(bad_parse_keeps_old_conf)
{
	CHECK(parse("pool6 64:ff9b::/96\nmtu 1400\n"));
	CHECK(!parse("mtu 1300\npool6 nonsense\n"));
	CHECK_EQ(conf.tun_mtu, 1400u);
	CHECK(!conf_parse("x", "pool6 x\n", &conf, err, 0));	/* errlen 0: still fails cleanly */
	CHECK(!conf_parse("x", "pool6 64:ff9b::/96 x\n", &conf, err, 5));
	CHECK_STR(err, "x:1:");	/* truncated, terminated */
}

TEST(duplicates)
{
	CHECK(!parse("pool6 64:ff9b::/96\n# x\npool6 64:ff9b::/96\n"));
	CHECK_STR(err, "xlat64.conf:3: pool6: duplicate key (already set on line 1)");
	CHECK(!parse("pool6 64:ff9b::/96\nmtu 1500\nmtu 1500\n"));
	CHECK_STR(err, "xlat64.conf:3: mtu: duplicate key (already set on line 2)");
	CHECK(!parse("pool6 64:ff9b::/96\ntos 0\ntos 0\n"));
	CHECK_STR(err, "xlat64.conf:3: tos: duplicate key (already set on line 2)");
	/* Repeatable keys. */
	CHECK(parse("pool6 64:ff9b::/96\nroute4 10.0.0.0/8\nroute4 10.0.0.0/8\nroute6 ::/0\nroute6 ::/0\n"));
	CHECK(conf.n_route4 == 2 && conf.n_route6 == 2);
}

TEST(route_limit)
{
	char text[64 * 32 + 64];
	size_t n = 0;

	n += (size_t)sprintf(text + n, "pool6 64:ff9b::/96\n");
	for (unsigned i = 0; i <= CONF_ROUTES_MAX; i++)
		n += (size_t)sprintf(text + n, "route4 10.0.%u.0/24\n", i);
	CHECK(!parse(text));
	CHECK_STR(err, "xlat64.conf:66: route4: too many route4 lines (at most 64)");
}

TEST(bools)
{
	static const struct { const char *word; bool v; } words[] = {
		{ "yes", true }, { "no", false }, { "on", true }, { "off", false },
		{ "true", true }, { "false", false }, { "YES", true }, { "Off", false },
	};
	char text[128];

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		snprintf(text, sizeof(text), "pool6 64:ff9b::/96\nzeroize-traffic-class %s\n", words[i].word);
		CHECK(parse(text));
		CHECK_EQ(conf.xlat.zeroize_traffic_class, words[i].v);
	}
	CHECK(!parse("pool6 64:ff9b::/96\namend-udp-checksum-zero 1\n"));
	CHECK_STR(err, "xlat64.conf:2: amend-udp-checksum-zero: not a boolean (expected yes or no)");
}

#define PLATEAU_WANT "(expected a comma-separated list (no spaces), in descending order, of at most 16 numbers " \
	"from 68 to 65535)"

TEST(plateaus)
{
	CHECK(parse("pool6 64:ff9b::/96\nmtu-plateaus 1500\n"));
	CHECK(conf.xlat.n_plateaus == 1 && conf.xlat.plateaus[0] == 1500);
	CHECK(parse("pool6 64:ff9b::/96\nmtu-plateaus 65535,68\n"));
	CHECK(conf.xlat.n_plateaus == 2 && conf.xlat.plateaus[0] == 65535 && conf.xlat.plateaus[1] == 68);
	CHECK(parse("pool6 64:ff9b::/96\nmtu-plateaus "
		    "1600,1500,1400,1300,1200,1100,1000,900,800,700,600,500,400,300,200,100\n"));
	CHECK_EQ(conf.xlat.n_plateaus, 16u);

	CHECK(!parse("pool6 64:ff9b::/96\nmtu-plateaus 1280,1500\n"));
	CHECK_STR(err, "xlat64.conf:2: mtu-plateaus: 1500 after 1280 is not in descending order " PLATEAU_WANT);
	CHECK(!parse("pool6 64:ff9b::/96\nmtu-plateaus 1500,1500\n"));
	CHECK_STR(err, "xlat64.conf:2: mtu-plateaus: 1500 after 1500 is not in descending order " PLATEAU_WANT);
	CHECK(!parse("pool6 64:ff9b::/96\nmtu-plateaus 1500,67\n"));
	CHECK_STR(err, "xlat64.conf:2: mtu-plateaus: invalid value 2 in the list " PLATEAU_WANT);
	CHECK(!parse("pool6 64:ff9b::/96\nmtu-plateaus 65536\n"));
	CHECK_STR(err, "xlat64.conf:2: mtu-plateaus: invalid value 1 in the list " PLATEAU_WANT);
	CHECK(!parse("pool6 64:ff9b::/96\nmtu-plateaus 1500,,68\n"));
	CHECK_STR(err, "xlat64.conf:2: mtu-plateaus: invalid value 2 in the list " PLATEAU_WANT);
	CHECK(!parse("pool6 64:ff9b::/96\nmtu-plateaus 1500,\n"));
	CHECK_STR(err, "xlat64.conf:2: mtu-plateaus: invalid value 2 in the list " PLATEAU_WANT);
	CHECK(!parse("pool6 64:ff9b::/96\nmtu-plateaus 1500, 68\n"));
	CHECK_STR(err, "xlat64.conf:2: mtu-plateaus: too many values " PLATEAU_WANT);
	CHECK(!parse("pool6 64:ff9b::/96\nmtu-plateaus "
		     "1700,1600,1500,1400,1300,1200,1100,1000,900,800,700,600,500,400,300,200,100\n"));
	CHECK_STR(err, "xlat64.conf:2: mtu-plateaus: more than 16 values " PLATEAU_WANT);
}

TEST(eamt_overlap)
{
	CHECK(!parse("pool6 64:ff9b::/96\neamt 192.0.2.0/24 2001:db8:1::/120\n\neamt 192.0.2.128/25 2001:db8:2::/121\n"));
	CHECK_STR(err, "xlat64.conf:4: eamt: IPv4 prefix overlaps an earlier EAMT entry");
	CHECK(!parse("eamt 192.0.2.0/24 2001:db8:1::/120\neamt 198.51.100.0/24 2001:db8:1::/120\n"));
	CHECK_STR(err, "xlat64.conf:2: eamt: IPv6 prefix overlaps an earlier EAMT entry");
	/* EAMT alone is a valid SIIT configuration (no pool6). */
	CHECK(parse("eamt 192.0.2.0/24 2001:db8:1::/120\neamt 198.51.100.0/24 2001:db8:2::/120\n"));
	CHECK(!conf.xlat.has_pool6 && conf.xlat.eamt.n == 2);
}

TEST(long_lines)
{
	char text[1200];

	/* 1024 characters is the limit, comments included. */
	memset(text, ' ', sizeof(text));
	memcpy(text, "pool6 64:ff9b::/96 #", 20);
	text[1024] = '\n';
	text[1025] = '\0';
	CHECK(parse(text));
	text[1024] = ' ';
	text[1025] = '\n';
	text[1026] = '\0';
	CHECK(!parse(text));
	CHECK_STR(err, "xlat64.conf:1: line too long (more than 1024 characters)");
}

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "w");

	fwrite(data, 1, n, f);
	fclose(f);
}

TEST(load)
{
	static const char nul[] = "pool6 64:ff9b::/96\n# x\nmtu 1500\0\nqueues 1\n";
	char path[] = "/tmp/test_conf_XXXXXX", want[128];
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	close(fd);
	write_file(path, full, sizeof(full) - 1);
	CHECK(conf_load(path, &conf, err, sizeof(err)));
	CHECK_EQ(conf.tun_mtu, 9000u);

	write_file(path, nul, sizeof(nul) - 1);
	CHECK(!conf_load(path, &conf, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:3: NUL byte (expected a text file)", path);
	CHECK_STR(err, want);

	write_file(path, "pool6 64:ff9b::/96\nmtu 1\n", 25);
	CHECK(!conf_load(path, &conf, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:2: mtu: invalid number (expected a number from 1280 to 65535)", path);
	CHECK_STR(err, want);

	unlink(path);
	CHECK(!conf_load(path, &conf, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	CHECK_STR(err, want);
	CHECK(!conf_load("/tmp", &conf, err, sizeof(err)));
	CHECK_STR(err, "/tmp: Is a directory");
}

/* parse(print(c)) == c, checked as print(parse(print(c))) == print(c) byte for byte. Named test_* so
 * that CHECK's failure line names it. */
static void test_round_trip(const char *text, int *failed)
{
	struct conf again;
	char *one, *two;

	CHECK(parse(text));
	one = print(&conf);
	if (!conf_parse("printed", one, &again, err, sizeof(err))) {
		printf("  %s\n", err);
		free(one);
		CHECK(!"printed configuration does not parse");
	}
	two = print(&again);
	if (strcmp(one, two))
		printf("  first print:\n%s  second print:\n%s", one, two);
	CHECK(!strcmp(one, two));
	free(one);
	free(two);
}

TEST(round_trip_full)
{
	test_round_trip(full, failed);
}

TEST(round_trip_defaults)
{
	char *out;

	test_round_trip("eamt 192.0.2.1 2001:db8::1\n", failed);
	if (*failed)
		return;
	out = print(&conf);
	/* Every key appears, unset ones as comments. */
	CHECK(strstr(out, "mode siit\ndevice xlat64\nqueues 0\nmtu 1500\ncoalesce-usecs 50\nsocket /run/xlat64.sock\n# pool6 (not set)\n"
			  "allow-nonglobal-ipv4 no\neamt 192.0.2.1/32 2001:db8::1/128\n# rfc6791-v4 (not set)\n"
			  "# rfc6791-v6 (not set)\n# address4 (not set)\n# address6 (not set)\n# route4 (none)\n"
			  "# route6 (none)\nlowest-ipv6-mtu 1280\n"
			  "mtu-plateaus 65535,32000,17914,8166,4352,2002,1492,1006,508,296,68\n"
			  "amend-udp-checksum-zero no\nzeroize-traffic-class no\n# tos (not set)\n") == out);
	/* The other mode's keys are comments, so that the output parses back in mode siit. */
	CHECK(strstr(out, "# tos (not set)\n# pool4 (only in mode nat64)\n# masquerade (only in mode nat64)\n"
			  "# bib (only in mode nat64)\n# udp-timeout (only in mode nat64)\n"));
	CHECK(strstr(out, "# handle-rst-during-fin-rcv (only in mode nat64)\n"));
	free(out);
}

TEST(round_trip_tos_zero)
{
	/* tos 0 is "override with 0", not "unset". */
	test_round_trip("pool6 64:ff9b::/96\ntos 0\n", failed);
	CHECK(conf.xlat.override_tos && conf.xlat.tos == 0);
}

/* Mode nat64 (RFC 6146). */

#define NAT64 "mode nat64\npool6 64:ff9b::/96\n"

static const char nat64_full[] =
	"# every mode nat64 key\n"
	"mode nat64\n"
	"device nat64\n"
	"pool6 64:ff9b::/96\n"
	"address4 192.0.2.2\n"
	"address6 2001:db8::1\n"
	"pool4 192.0.2.2 1-3000          # all three protocols\n"
	"pool4 tcp 198.51.100.0/30 40000-40999\n"
	"pool4 198.51.100.0/30 udp\n"
	"pool4 203.0.113.9 icmp 0\n"
	"masquerade yes\n"
	"bib tcp 192.0.2.2#2000 2001:db8::5#2000\n"
	"bib udp 192.0.2.2#2000 [2001:db8::5]:2000\n"
	"bib icmp 192.0.2.2:1 2001:db8::5#1\n"
	"bib udp 192.0.2.2#1000 2001:db8:1::5#1001\n"
	"bib icmp 203.0.113.9#0 2001:db8::6#0\n"
	"udp-timeout 30s\n"
	"tcp-est-timeout 1h30m\n"
	"tcp-trans-timeout 0:04:00.250\n"
	"icmp-timeout 2s500ms\n"
	"max-sessions 0\n"
	"max-sessions-per-source 4294967295\n"
	"maximum-simultaneous-opens 65536\n"
	"address-dependent-filtering yes\n"
	"drop-externally-initiated-tcp on\n"
	"source-icmpv6-errors-better no\n"
	"handle-rst-during-fin-rcv true\n";

static bool is_pool4(const struct conf_pool4 *r, enum nat64_proto proto, const char *pfx, unsigned len,
		     unsigned lo, unsigned hi)
{
	return r->proto == proto && is_addr4(r->pfx.addr, pfx) && r->pfx.len == len && r->lo == lo && r->hi == hi;
}

static bool is_bib(const struct conf_bib *b, enum nat64_proto proto, const char *a4, unsigned p4, const char *a6,
		   unsigned p6)
{
	return b->proto == proto && is_addr4(b->a4, a4) && b->p4 == p4 && is_addr6(&b->a6, a6) && b->p6 == p6;
}

TEST(nat64_full_file)
{
	const struct nat64_conf *n = &conf.nat64;

	CHECK(parse(nat64_full));
	CHECK_EQ(conf.mode, CONF_MODE_NAT64);
	CHECK_STR(conf.device, "nat64");
	CHECK(conf.xlat.has_pool6 && conf.xlat.pool6.len == 96);
	CHECK(conf.xlat.has_own4 && conf.xlat.has_own6);
	CHECK_EQ(conf.n_pool4, 6u);
	CHECK(is_pool4(&conf.pool4[0], NAT64_TCP, "192.0.2.2", 32, 1, 3000));
	CHECK(is_pool4(&conf.pool4[1], NAT64_UDP, "192.0.2.2", 32, 1, 3000));
	CHECK(is_pool4(&conf.pool4[2], NAT64_ICMP, "192.0.2.2", 32, 1, 3000));
	CHECK(is_pool4(&conf.pool4[3], NAT64_TCP, "198.51.100.0", 30, 40000, 40999));
	CHECK(is_pool4(&conf.pool4[4], NAT64_UDP, "198.51.100.0", 30, NAT64_POOL4_DEFAULT_LO, NAT64_POOL4_DEFAULT_HI));
	CHECK(is_pool4(&conf.pool4[5], NAT64_ICMP, "203.0.113.9", 32, 0, 0));
	CHECK(conf.masquerade);
	CHECK_EQ(conf.n_bib, 5u);
	CHECK(is_bib(&conf.bib[0], NAT64_TCP, "192.0.2.2", 2000, "2001:db8::5", 2000));
	CHECK(is_bib(&conf.bib[1], NAT64_UDP, "192.0.2.2", 2000, "2001:db8::5", 2000));
	CHECK(is_bib(&conf.bib[2], NAT64_ICMP, "192.0.2.2", 1, "2001:db8::5", 1));
	CHECK(is_bib(&conf.bib[3], NAT64_UDP, "192.0.2.2", 1000, "2001:db8:1::5", 1001));
	CHECK(is_bib(&conf.bib[4], NAT64_ICMP, "203.0.113.9", 0, "2001:db8::6", 0));
	CHECK_EQ(n->udp_timeout, 30000u);
	CHECK_EQ(n->tcp_est_timeout, 5400000u);
	CHECK_EQ(n->tcp_trans_timeout, 240250u);
	CHECK_EQ(n->icmp_timeout, 2500u);
	CHECK_EQ(n->tcp_syn4_timeout, 6000u);	/* RFC 6146 §3.5.2.2, not configurable */
	CHECK_EQ(n->max_sessions, 0u);
	CHECK_EQ(n->max_sessions_per_src, 4294967295u);
	CHECK_EQ(n->max_syn4, 65536u);
	CHECK(n->adf && n->drop_external_tcp && !n->icmp6_errors_better && n->rst_during_fin_rcv);
}

TEST(nat64_defaults)
{
	struct nat64_conf d;
	struct conf c;
	char *out;

	nat64_conf_defaults(&d);
	conf_defaults(&c);
	CHECK_MEM(&c.nat64, &d, sizeof(d));
	CHECK(c.n_pool4 == 0 && !c.masquerade);	/* the default pool4 is conf_parse()'s, in mode nat64 only */

	CHECK(parse(NAT64));
	CHECK_MEM(&conf.nat64, &d, sizeof(d));
	CHECK_EQ(conf.nat64.udp_timeout, 5u * 60 * 1000);	/* RFC 6146 §4 */
	CHECK_EQ(conf.nat64.tcp_est_timeout, 2u * 3600 * 1000);
	CHECK_EQ(conf.nat64.tcp_trans_timeout, 4u * 60 * 1000);
	CHECK_EQ(conf.nat64.icmp_timeout, 60u * 1000);
	out = print(&conf);
	CHECK(strstr(out, "# tos (not set)\n"
			  "pool4 100.64.0.1/32 1-65535 tcp\npool4 100.64.0.1/32 1-65535 udp\n"
			  "pool4 100.64.0.1/32 0-65535 icmp\nmasquerade yes\n# bib (none)\n"
			  "udp-timeout 5m\ntcp-est-timeout 2h\ntcp-trans-timeout 4m\nicmp-timeout 1m\n"
			  "max-sessions 262144\nmax-sessions-per-source 8192\nmaximum-simultaneous-opens 10\n"
			  "address-dependent-filtering no\ndrop-externally-initiated-tcp no\n"
			  "source-icmpv6-errors-better yes\nhandle-rst-during-fin-rcv no\n"));
	CHECK(strstr(out, "# eamt (only in mode siit)\n# rfc6791-v4 (only in mode siit)\n"
			  "# rfc6791-v6 (only in mode siit)\n"));
	free(out);
}

/* No pool4 line: CONF_POOL4_DEFAULT with every port and identifier, masqueraded unless told otherwise. */
TEST(nat64_default_pool4)
{
	CHECK(parse(NAT64));
	CHECK_EQ(conf.n_pool4, 3u);
	CHECK(is_pool4(&conf.pool4[0], NAT64_TCP, "100.64.0.1", 32, 1, 65535));
	CHECK(is_pool4(&conf.pool4[1], NAT64_UDP, "100.64.0.1", 32, 1, 65535));
	CHECK(is_pool4(&conf.pool4[2], NAT64_ICMP, "100.64.0.1", 32, 0, 65535));
	CHECK(conf.masquerade);
	CHECK(parse("masquerade no\n" NAT64));
	CHECK(conf.n_pool4 == 3 && !conf.masquerade);
	CHECK(parse(NAT64 "masquerade yes\n"));
	CHECK(conf.n_pool4 == 3 && conf.masquerade);
	/* A static BIB entry may use the default pool4. */
	CHECK(parse(NAT64 "bib tcp 100.64.0.1#80 2001:db8::5#80\nbib icmp 100.64.0.1#0 2001:db8::5#0\n"));
	CHECK(conf.n_bib == 2 && conf.masquerade);
}

/* An explicit pool4 is usually public and routed to the box: no masquerade unless asked for. */
TEST(nat64_explicit_pool4)
{
	CHECK(parse(NAT64 "pool4 192.0.2.2\n"));
	CHECK(!conf.masquerade);
	CHECK_EQ(conf.n_pool4, 3u);
	for (unsigned i = 0; i < 3; i++)
		CHECK(is_pool4(&conf.pool4[i], (enum nat64_proto)i, "192.0.2.2", 32, 61001, 65535));
	CHECK(parse(NAT64 "pool4 192.0.2.2 icmp\nmasquerade on\n"));
	CHECK(conf.n_pool4 == 1 && conf.masquerade);
	CHECK(is_pool4(&conf.pool4[0], NAT64_ICMP, "192.0.2.2", 32, 61001, 65535));
	/* The words in any order; a single port is a range of one. */
	CHECK(parse(NAT64 "pool4 192.0.2.0/24 udp 53\npool4 5000-5999 192.0.2.0/24 udp\npool4 tcp 53 192.0.2.0/24\n"));
	CHECK_EQ(conf.n_pool4, 3u);
	CHECK(is_pool4(&conf.pool4[0], NAT64_UDP, "192.0.2.0", 24, 53, 53));
	CHECK(is_pool4(&conf.pool4[1], NAT64_UDP, "192.0.2.0", 24, 5000, 5999));
	CHECK(is_pool4(&conf.pool4[2], NAT64_TCP, "192.0.2.0", 24, 53, 53));
	/* Adjacent ranges, and the same range for different protocols, do not overlap. */
	CHECK(parse(NAT64 "pool4 192.0.2.1 1-100 tcp\npool4 192.0.2.1 101-200 tcp\npool4 192.0.2.1 1-100 udp\n"));
	CHECK(parse(NAT64 "pool4 192.0.2.0/25 1-100 tcp\npool4 192.0.2.128/25 1-100 tcp\n"));
	/* The widest pool4 the core takes: NAT64_POOL4_MAX (address, protocol) rows. */
	CHECK(parse(NAT64 "pool4 10.0.0.0/20 tcp\n"));
	CHECK(parse(NAT64 "pool4 10.0.0.0/22\npool4 10.1.0.0/22 tcp\n"));
}

#define P4WANT "(expected an IPv4 prefix, optionally a port range and tcp, udp or icmp, e.g. 192.0.2.1 " \
	"61001-65535 tcp)"

/* The whole-file rules say which line is wrong, whatever the order of the lines. */
static const struct bad_case nat64_bad_cases[] = {
	/* Mode mismatch, both ways, with `mode` before or after the key, or left to its default. */
	{ NAT64 "eamt 192.0.2.0/24 2001:db8::/120\n",
	  "xlat64.conf:3: eamt: only in mode siit (line 1 sets mode nat64)" },
	{ "pool6 64:ff9b::/96\nrfc6791-v4 203.0.113.0/24\n\nmode nat64\nrfc6791-v6 2001:db8::/120\n",
	  "xlat64.conf:2: rfc6791-v4: only in mode siit (line 4 sets mode nat64)" },
	{ "pool6 64:ff9b::/96\npool4 192.0.2.1\nmode siit\n",
	  "xlat64.conf:2: pool4: only in mode nat64 (line 3 sets mode siit)" },
	{ "pool6 64:ff9b::/96\nmax-sessions 5\nudp-timeout 5m\n",
	  "xlat64.conf:2: max-sessions: only in mode nat64 (the mode is siit, the default)" },
	{ "pool6 64:ff9b::/96\nmasquerade yes\n",
	  "xlat64.conf:2: masquerade: only in mode nat64 (the mode is siit, the default)" },
	{ "mode nat64\nroute4 192.0.2.0/24\n", "xlat64.conf:0: mode nat64 needs a pool6 line, such as pool6 64:ff9b::/96" },
	{ "pool6 64:ff9b::/80\nmode nat64\n",
	  "xlat64.conf:1: pool6: prefix length must be 32, 40, 48, 56, 64 or 96 (RFC 6052 section 2.2)" },
	/* pool4 */
	{ NAT64 "pool4 192.0.2.0/24 1-100 tcp\n# x\npool4 192.0.2.128/25 tcp 100-200\n",
	  "xlat64.conf:5: pool4: overlaps line 3 (192.0.2.0/24 1-100 tcp)" },
	{ NAT64 "pool4 192.0.2.7 icmp 0-61001\npool4 192.0.2.0/29\n",
	  "xlat64.conf:4: pool4: overlaps line 3 (192.0.2.7/32 0-61001 icmp)" },
	{ NAT64 "pool4 192.0.2.7\npool4 192.0.2.7 65535 udp\n",
	  "xlat64.conf:4: pool4: overlaps line 3 (192.0.2.7/32 61001-65535 udp)" },
	{ NAT64 "pool4 192.0.2.7 0-100\n",
	  "xlat64.conf:3: pool4: port 0 is only valid for icmp " P4WANT },
	{ NAT64 "pool4 192.0.2.7 200-100 tcp\n",
	  "xlat64.conf:3: pool4: port range 200-100 ends before it starts " P4WANT },
	{ NAT64 "pool4 192.0.2.7 1-65536\n",
	  "xlat64.conf:3: pool4: invalid port range \"1-65536\" " P4WANT },
	{ NAT64 "pool4 192.0.2.7 tcp icmp\n",
	  "xlat64.conf:3: pool4: two protocols " P4WANT },
	{ NAT64 "pool4 192.0.2.7 1-2 3\n",
	  "xlat64.conf:3: pool4: two port ranges " P4WANT },
	{ NAT64 "pool4 192.0.2.7 TCP\n",
	  "xlat64.conf:3: pool4: \"TCP\" is not a prefix, a port range or a protocol " P4WANT },
	{ NAT64 "pool4 192.0.2.7 1-2 tcp x\n",
	  "xlat64.conf:3: pool4: too many values " P4WANT },
	{ NAT64 "pool4 tcp 1-2\n", "xlat64.conf:3: pool4: no IPv4 prefix " P4WANT },
	{ NAT64 "pool4 192.0.2.1 192.0.2.2\n", "xlat64.conf:3: pool4: two prefixes " P4WANT },
	{ NAT64 "pool4 192.0.2.1/33\n", "xlat64.conf:3: pool4: prefix length must be 0..32 " P4WANT },
	{ NAT64 "pool4 127.0.0.1\n",
	  "xlat64.conf:3: pool4: 127.0.0.1 is in 0.0.0.0/8, 127.0.0.0/8 or 224.0.0.0/3 " P4WANT },
	{ NAT64 "pool4 0.0.0.0/0 tcp\n",
	  "xlat64.conf:3: pool4: 0.0.0.0/0 is in 0.0.0.0/8, 127.0.0.0/8 or 224.0.0.0/3 " P4WANT },
	{ NAT64 "pool4 10.0.0.0/19 tcp\n",
	  "xlat64.conf:3: pool4: more than 4096 addresses in all (each protocol counts apart)" },
	{ NAT64 "pool4 10.0.0.0/22\npool4 10.1.0.0/22\n",
	  "xlat64.conf:4: pool4: more than 4096 addresses in all (each protocol counts apart)" },
	/* bib: outside pool4 (address, port or protocol), duplicates, syntax */
	{ NAT64 "pool4 192.0.2.2 1-3000 tcp\n\nbib tcp 192.0.2.3#80 2001:db8::5#80\n",
	  "xlat64.conf:5: bib: tcp 192.0.2.3#80 is not in pool4" },
	{ NAT64 "bib udp 100.64.0.1#80 2001:db8::5#80\npool4 192.0.2.2 1-3000\n",
	  "xlat64.conf:3: bib: udp 100.64.0.1#80 is not in pool4" },
	{ NAT64 "pool4 192.0.2.2 1-3000\nbib tcp 192.0.2.2#3001 2001:db8::5#80\n",
	  "xlat64.conf:4: bib: tcp 192.0.2.2#3001 is not in pool4" },
	{ NAT64 "pool4 192.0.2.2 1-3000 tcp\nbib udp 192.0.2.2#80 2001:db8::5#80\n",
	  "xlat64.conf:4: bib: udp 192.0.2.2#80 is not in pool4" },
	{ NAT64 "bib tcp 100.64.0.1#80 2001:db8::5#80\nbib tcp 100.64.0.1#80 2001:db8::6#80\n",
	  "xlat64.conf:4: bib: tcp 100.64.0.1#80 is already bound on line 3" },
	{ NAT64 "bib icmp 100.64.0.1#7 2001:db8::5#9\n#\nbib icmp 100.64.0.1#8 [2001:db8::5]:9\n",
	  "xlat64.conf:5: bib: icmp 2001:db8::5#9 is already bound on line 3" },
	{ NAT64 "bib sctp 100.64.0.1#80 2001:db8::5#80\n",
	  "xlat64.conf:3: bib: unknown protocol \"sctp\" (expected tcp, udp or icmp, then an IPv4 and an IPv6 "
	  "transport address, e.g. tcp 192.0.2.1#80 2001:db8::5#8080)" },
	{ NAT64 "bib tcp 100.64.0.1 2001:db8::5#80\n",
	  "xlat64.conf:3: bib: invalid IPv4 transport address \"100.64.0.1\" (expected tcp, udp or icmp, then an IPv4 "
	  "and an IPv6 transport address, e.g. tcp 192.0.2.1#80 2001:db8::5#8080)" },
	{ NAT64 "bib tcp 2001:db8::5#80 100.64.0.1#80\n",
	  "xlat64.conf:3: bib: invalid IPv4 transport address \"2001:db8::5#80\" (expected tcp, udp or icmp, then an "
	  "IPv4 and an IPv6 transport address, e.g. tcp 192.0.2.1#80 2001:db8::5#8080)" },
	{ NAT64 "bib tcp 100.64.0.1#80 2001:db8::5:80\n",
	  "xlat64.conf:3: bib: invalid IPv6 transport address \"2001:db8::5:80\" (expected tcp, udp or icmp, then an "
	  "IPv4 and an IPv6 transport address, e.g. tcp 192.0.2.1#80 2001:db8::5#8080)" },
	{ NAT64 "bib tcp 100.64.0.1#80 [2001:db8::5]80\n",
	  "xlat64.conf:3: bib: invalid IPv6 transport address \"[2001:db8::5]80\" (expected tcp, udp or icmp, then an "
	  "IPv4 and an IPv6 transport address, e.g. tcp 192.0.2.1#80 2001:db8::5#8080)" },
	{ NAT64 "bib udp 100.64.0.1#65536 2001:db8::5#80\n",
	  "xlat64.conf:3: bib: invalid IPv4 transport address \"100.64.0.1#65536\" (expected tcp, udp or icmp, then "
	  "an IPv4 and an IPv6 transport address, e.g. tcp 192.0.2.1#80 2001:db8::5#8080)" },
	{ NAT64 "bib udp 100.64.0.1#53 2001:db8::5#0\n",
	  "xlat64.conf:3: bib: port 0 is only valid for icmp (expected tcp, udp or icmp, then an IPv4 and an IPv6 "
	  "transport address, e.g. tcp 192.0.2.1#80 2001:db8::5#8080)" },
	{ NAT64 "bib tcp 100.64.0.1#80 # 2001:db8::5#80\n",
	  "xlat64.conf:3: bib: missing value (expected tcp, udp or icmp, then an IPv4 and an IPv6 transport address, "
	  "e.g. tcp 192.0.2.1#80 2001:db8::5#8080)" },
	/* durations */
	{ NAT64 "udp-timeout 300\n",
	  "xlat64.conf:3: udp-timeout: invalid duration (expected a duration such as 90s, 5m, 1h30m, 500ms or "
	  "0:05:00 from 1s to 168h)" },
	{ NAT64 "tcp-est-timeout 30m2h\n",
	  "xlat64.conf:3: tcp-est-timeout: invalid duration (expected a duration such as 90s, 5m, 1h30m, 500ms or "
	  "0:05:00 from 1s to 168h)" },
	{ NAT64 "icmp-timeout 999ms\n",
	  "xlat64.conf:3: icmp-timeout: duration out of range (expected a duration such as 90s, 5m, 1h30m, 500ms or "
	  "0:05:00 from 1s to 168h)" },
	{ NAT64 "tcp-trans-timeout 168:00:00.001\n",
	  "xlat64.conf:3: tcp-trans-timeout: duration out of range (expected a duration such as 90s, 5m, 1h30m, "
	  "500ms or 0:05:00 from 1s to 168h)" },
	{ NAT64 "udp-timeout 0:60:00\n",
	  "xlat64.conf:3: udp-timeout: invalid duration (expected a duration such as 90s, 5m, 1h30m, 500ms or "
	  "0:05:00 from 1s to 168h)" },
	{ NAT64 "udp-timeout 5m\nudp-timeout 6m\n",
	  "xlat64.conf:4: udp-timeout: duplicate key (already set on line 3)" },
	/* limits and switches */
	{ NAT64 "max-sessions 4294967296\n",
	  "xlat64.conf:3: max-sessions: invalid number (expected a number, 0 for no limit, from 0 to 4294967295)" },
	{ NAT64 "maximum-simultaneous-opens 65537\n",
	  "xlat64.conf:3: maximum-simultaneous-opens: invalid number (expected a number from 0 to 65536)" },
	{ NAT64 "masquerade maybe\n", "xlat64.conf:3: masquerade: not a boolean (expected yes or no)" },
	{ NAT64 "masquerade no\nmasquerade no\n", "xlat64.conf:4: masquerade: duplicate key (already set on line 3)" },
};

TEST(nat64_error_messages)
{
	test_errors(nat64_bad_cases, sizeof(nat64_bad_cases) / sizeof(nat64_bad_cases[0]), failed);
}

TEST(nat64_limits)
{
	char *text = malloc(64 * 1024);
	size_t n = 0;

	CHECK(text);
	/* 21 lines of three rows each, then one that does not fit. */
	n += (size_t)sprintf(text + n, NAT64);
	for (unsigned i = 0; i < CONF_POOL4_MAX / 3 + 1; i++)
		n += (size_t)sprintf(text + n, "pool4 192.0.2.%u\n", i + 1);
	if (!parse(text) && !strcmp(err, "xlat64.conf:24: pool4: more than 64 pool4 rows (a line without a protocol "
				     "is one for each of tcp, udp and icmp)")) {
		n = (size_t)sprintf(text, NAT64);
		for (unsigned i = 0; i <= CONF_BIB_MAX; i++)
			n += (size_t)sprintf(text + n, "bib udp 100.64.0.1#%u 2001:db8::%x#53\n", i + 1, i + 1);
		if (!parse(text) && !strcmp(err, "xlat64.conf:1027: bib: too many bib lines (at most 1024)")) {
			free(text);
			return;
		}
	}
	printf("  got \"%s\"\n", err);
	free(text);
	CHECK(!"limit message differs");
}

/* Every accepted spelling, its value and its canonical form. */
TEST(nat64_durations)
{
	static const struct { const char *in; uint32_t ms; const char *out; } d[] = {
		{ "1s", 1000, "1s" },
		{ "90s", 90000, "1m30s" },
		{ "5m", 300000, "5m" },
		{ "2h", 7200000, "2h" },
		{ "1h30m", 5400000, "1h30m" },
		{ "1000ms", 1000, "1s" },
		{ "1s500ms", 1500, "1s500ms" },
		{ "1h0m1s1ms", 3601001, "1h1s1ms" },
		{ "120m", 7200000, "2h" },
		{ "168h", 604800000, "168h" },
		{ "0h0m1s", 1000, "1s" },
		{ "0:05:00", 300000, "5m" },
		{ "2:00:00", 7200000, "2h" },
		{ "00:00:01.5", 1500, "1s500ms" },
		{ "0:0:1.05", 1050, "1s50ms" },
		{ "0:04:00.001", 240001, "4m1ms" },
		{ "167:59:59.999", 604799999, "167h59m59s999ms" },
	};
	static const char *const bad[] = {
		"", "s", "5", "5 m", "1.5s", "5M", "1d", "1hh", "1m1h", "1s1s", "1msec", "-5s", "+5s", "1h-30m",
		"0:5", "0:05:00:00", "0:05:60", ":05:00", "0:05:00.", "0:05:00.1234", "1:00:00s", "0:05.5:00",
		"9999999999999h", "1000000:00:00",
	};
	char text[128], want[64], *out;

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		snprintf(text, sizeof(text), NAT64 "udp-timeout %s\n", d[i].in);
		if (!parse(text) || conf.nat64.udp_timeout != d[i].ms)
			printf("  %s: %s, %u ms\n", d[i].in, err, conf.nat64.udp_timeout);
		CHECK(conf.nat64.udp_timeout == d[i].ms);
		out = print(&conf);
		snprintf(want, sizeof(want), "\nudp-timeout %s\n", d[i].out);
		if (!strstr(out, want))
			printf("  %s: not printed as %s", d[i].in, want + 1);
		CHECK(strstr(out, want));
		free(out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), NAT64 "udp-timeout %s\n", bad[i]);
		if (parse(text))
			printf("  \"%s\" accepted as %u ms\n", bad[i], conf.nat64.udp_timeout);
		CHECK(!parse(text));
	}
}

/* Comments may follow a transport address; its '#' is not one. */
TEST(nat64_comments)
{
	CHECK(parse(NAT64 "bib tcp 100.64.0.1#80 2001:db8::5#8080 # web\nbib udp 100.64.0.1#53 2001:db8::5#53#dns\n"));
	CHECK_EQ(conf.n_bib, 2u);
	CHECK(is_bib(&conf.bib[0], NAT64_TCP, "100.64.0.1", 80, "2001:db8::5", 8080));
	CHECK(is_bib(&conf.bib[1], NAT64_UDP, "100.64.0.1", 53, "2001:db8::5", 53));
	CHECK(parse(NAT64 "pool4 192.0.2.1 tcp#1-2\n") == false);	/* glued to a letter and a digit: not a comment */
	CHECK(parse(NAT64 "pool4 192.0.2.1 tcp#x\n"));
	CHECK(is_pool4(&conf.pool4[0], NAT64_TCP, "192.0.2.1", 32, 61001, 65535));
	CHECK(!parse(NAT64 "max-sessions 5#6\n"));
	CHECK_STR(err, "xlat64.conf:3: max-sessions: invalid number (expected a number, 0 for no limit, from 0 to "
		       "4294967295)");
}

TEST(round_trip_nat64_full)
{
	test_round_trip(nat64_full, failed);
}

TEST(round_trip_nat64_default_pool4)
{
	struct conf first;
	char *out;

	test_round_trip(NAT64 "bib tcp 100.64.0.1#80 2001:db8::5#80\n", failed);
	if (*failed)
		return;
	/* The printed default pool4 reads back as the same rows and masquerade: the same struct. */
	first = conf;
	out = print(&first);
	CHECK(parse(out));
	free(out);
	CHECK(conf.n_pool4 == first.n_pool4 && conf.masquerade == first.masquerade);
	CHECK_MEM(conf.pool4, first.pool4, sizeof(first.pool4));
	CHECK_MEM(conf.bib, first.bib, sizeof(first.bib));
	CHECK_MEM(&conf.nat64, &first.nat64, sizeof(first.nat64));
	test_round_trip(NAT64 "masquerade no\n", failed);
}

/* The setup of Jool's NAT64 graybox tests (pool4 on the box's own address, static BIB). */
TEST(round_trip_nat64_graybox)
{
	test_round_trip(NAT64 "pool4 192.0.2.2 1-3000\n"
			"bib tcp 192.0.2.2#2000 2001:db8::5#2000\nbib udp 192.0.2.2#2000 2001:db8::5#2000\n"
			"bib icmp 192.0.2.2#1 2001:db8::5#1\nbib udp 192.0.2.2#1000 2001:db8:1::5#1001\n"
			"bib udp 192.0.2.2#1002 2001:db8::5#1003\nudp-timeout 10s\n", failed);
}
