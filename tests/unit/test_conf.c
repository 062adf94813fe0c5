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
	{ "pool6 64:ff9b::/96\n\n\npool4 192.0.2.0/24\n",
	  "xlat64.conf:4: unknown key \"pool4\" (expected one of: mode, device, queues, mtu, socket, pool6, "
	  "allow-nonglobal-ipv4, eamt, rfc6791-v4, rfc6791-v6, address4, address6, route4, route6, "
	  "lowest-ipv6-mtu, mtu-plateaus, amend-udp-checksum-zero, zeroize-traffic-class, tos)" },
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
	{ "pool6 64:ff9b::/96\nmode nat64\n",
	  "xlat64.conf:2: mode: mode nat64 is not implemented yet (expected siit)" },
	{ "mode stateless\n", "xlat64.conf:1: mode: unknown mode (expected siit)" },
	{ "device 0123456789abcdef\n",
	  "xlat64.conf:1: device: invalid interface name (expected 1 to 15 of A-Z a-z 0-9 _ . -)" },
	{ "device nat/64\n",
	  "xlat64.conf:1: device: invalid interface name (expected 1 to 15 of A-Z a-z 0-9 _ . -)" },
	{ "socket run/x.sock\n",
	  "xlat64.conf:1: socket: invalid path (expected an absolute path under 108 characters)" },
	{ "queues 65\n", "xlat64.conf:1: queues: invalid number (expected a number from 0 to 64)" },
	{ "queues -1\n", "xlat64.conf:1: queues: invalid number (expected a number from 0 to 64)" },
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

TEST(error_messages)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		if (parse(bad_cases[i].text) || strcmp(err, bad_cases[i].err)) {
			printf("  case %zu: got \"%s\"\n", i, err);
			CHECK(!"error message differs");
		}
	}
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
	CHECK(strstr(out, "mode siit\ndevice xlat64\nqueues 0\nmtu 1500\nsocket /run/xlat64.sock\n# pool6 (not set)\n"
			  "allow-nonglobal-ipv4 no\neamt 192.0.2.1/32 2001:db8::1/128\n# rfc6791-v4 (not set)\n"
			  "# rfc6791-v6 (not set)\n# address4 (not set)\n# address6 (not set)\n# route4 (none)\n"
			  "# route6 (none)\nlowest-ipv6-mtu 1280\n"
			  "mtu-plateaus 65535,32000,17914,8166,4352,2002,1492,1006,508,296,68\n"
			  "amend-udp-checksum-zero no\nzeroize-traffic-class no\n# tos (not set)\n") == out);
	free(out);
}

TEST(round_trip_tos_zero)
{
	/* tos 0 is "override with 0", not "unset". */
	test_round_trip("pool6 64:ff9b::/96\ntos 0\n", failed);
	CHECK(conf.xlat.override_tos && conf.xlat.tos == 0);
}
