/* The CLAT's pure parts (src/clat_calc.c, the clat-* keys of src/conf_clat.c): addresses, MTUs, the
 * translator settings built from a prefix, and a packet each way through the core with them; and the
 * sysctl reader it shares with `xlat64 discover` (src/sysctl.c). */
#include <errno.h>
#include <stdlib.h>

#include "clat.h"
#include "conf.h"
#include "harness.h"
#include "sysctl.h"
#include "testpkt.h"

#define HOST6 "2001:db8:1:0:1234:5678:9abc:def0"
#define SERVER4 "198.51.100.2"
#define SERVER6 "64:ff9b::c633:6402"	/* SERVER4 under 64:ff9b::/96 */

TP_SUITE_STATE(2048);

TEST(clat_addr4)
{
	CHECK(clat_addr4_default().s_addr == tp_a4("192.0.0.1").s_addr);
	CHECK(clat_addr4_valid(tp_a4("192.0.0.1")));
	CHECK(clat_addr4_valid(tp_a4("192.0.0.6")));
	CHECK(!clat_addr4_valid(tp_a4("192.0.0.0")));	/* the ends of 192.0.0.0/29 */
	CHECK(!clat_addr4_valid(tp_a4("192.0.0.7")));
	CHECK(!clat_addr4_valid(tp_a4("192.0.0.8")));
	CHECK(!clat_addr4_valid(tp_a4("10.0.0.1")));
	/* The translator's own address: another one of the /29. */
	CHECK(clat_own4(tp_a4("192.0.0.1")).s_addr == tp_a4("192.0.0.2").s_addr);
	CHECK(clat_own4(tp_a4("192.0.0.2")).s_addr == tp_a4("192.0.0.1").s_addr);
	CHECK(clat_own4(tp_a4("192.0.0.4")).s_addr == tp_a4("192.0.0.2").s_addr);
}

TEST(clat_addr6_make)
{
	static const uint8_t rnd[8] = { 0xff, 1, 2, 3, 4, 5, 6, 7 }, zero[8];
	static const uint8_t u_only[8] = { 0x02 }, anycast[8] = { 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80 };
	static const uint8_t below[8] = { 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f };
	struct in6_addr prefix = tp_a6("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), a;

	CHECK(clat_addr6_make(&prefix, rnd, &a));
	/* The /64 of prefix, then rnd with the universal/local bit cleared. */
	CHECK(!memcmp(&a, &prefix, 8));
	CHECK(!memcmp(&a, &(struct in6_addr){ .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2,
							   0xfd, 1, 2, 3, 4, 5, 6, 7 } }, 16));
	/* RFC 5453 reserved identifiers: all zero (also after clearing u), the subnet anycast range. */
	CHECK(!clat_addr6_make(&prefix, zero, &a));
	CHECK(!clat_addr6_make(&prefix, u_only, &a));
	CHECK(!clat_addr6_make(&prefix, anycast, &a));
	CHECK(clat_addr6_make(&prefix, below, &a));
}

TEST(clat_addr6_valid)
{
	struct in6_addr a;

	CHECK(clat_addr6_valid((a = tp_a6(HOST6), &a)));
	CHECK(clat_addr6_valid((a = tp_a6("fd00:1::5"), &a)));
	CHECK(!clat_addr6_valid((a = tp_a6("::"), &a)));
	CHECK(!clat_addr6_valid((a = tp_a6("::1"), &a)));
	CHECK(!clat_addr6_valid((a = tp_a6("fe80::1"), &a)));
	CHECK(!clat_addr6_valid((a = tp_a6("ff02::1"), &a)));
	CHECK(!clat_addr6_valid((a = tp_a6("::ffff:192.0.2.1"), &a)));
	CHECK(!clat_addr6_valid((a = tp_a6("::192.0.2.1"), &a)));
}

TEST(clat_mtu)
{
	CHECK_EQ(clat_tun_mtu(1500, 1500), 1500u);
	CHECK_EQ(clat_tun_mtu(9000, 1500), 1500u);	/* the configuration's mtu caps it */
	CHECK_EQ(clat_tun_mtu(1400, 1500), 1400u);	/* a smaller uplink (PPPoE, tunnels) */
	CHECK_EQ(clat_tun_mtu(1000, 1500), 1280u);	/* never below the IPv6 minimum */
	CHECK_EQ(clat_route_mtu4(1500), 1480u);
	CHECK_EQ(clat_route_mtu4(1280), 1260u);
}

/* conf with the CLAT's settings under 64:ff9b::/96 (or none), a fresh context. */
static void clat_setup(bool with_prefix)
{
	struct xlat_conf base;
	struct prefix6 p;
	const char *why;
	struct in6_addr a6 = tp_a6(HOST6);

	xlat_conf_defaults(&base);
	base.allow_nonglobal = true;		/* SERVER4 is a documentation address */
	base.has_own4 = true;
	base.own4 = tp_a4("192.0.0.2");
	prefix6_parse("64:ff9b::/96", &p, &why);
	clat_xlat(&base, clat_addr4_default(), &a6, with_prefix ? &p : NULL, &conf);
	ctx = tp_ctx(&conf, &st, scratch, 1);
	memset(buf, 0, sizeof(buf));
}

TEST(clat_xlat_conf)
{
	struct xlat_conf base;
	struct prefix6 p;
	const char *why;
	struct in6_addr a6 = tp_a6(HOST6);

	clat_setup(true);
	CHECK(conf.has_pool6 && conf.pool6.len == 96 && tp_same6(conf.pool6.addr.s6_addr, "64:ff9b::"));
	CHECK_EQ(conf.eamt.n, 1u);
	CHECK(conf.eamt.e[0].p4.len == 32 && conf.eamt.e[0].p4.addr.s_addr == tp_a4("192.0.0.1").s_addr);
	CHECK(conf.eamt.e[0].p6.len == 128 && tp_same6(conf.eamt.e[0].p6.addr.s6_addr, HOST6));
	CHECK(conf.eamt_v4_side);
	CHECK(conf.allow_nonglobal && conf.lowest_ipv6_mtu == 1280);	/* the rest is the base's */
	CHECK(conf.has_own4 && conf.own4.s_addr == tp_a4("192.0.0.2").s_addr);
	CHECK(conf.has_own6 && tp_same6(conf.own6.s6_addr, HOST6));	/* own6 defaults to the CLAT's */
	clat_setup(false);
	CHECK(!conf.has_pool6 && conf.eamt.n == 1);
	/* A configured address6 stays; an old EAMT of the base does not. */
	xlat_conf_defaults(&base);
	base.has_own6 = true;
	base.own6 = tp_a6("2001:db8:ffff::1");
	prefix6_parse("2001:db8:64::/64", &p, &why);
	base.eamt.n = 2;
	clat_xlat(&base, tp_a4("192.0.0.4"), &a6, &p, &conf);
	CHECK(tp_same6(conf.own6.s6_addr, "2001:db8:ffff::1") && conf.eamt.n == 1 && conf.pool6.len == 64);
}

/* An IPv4 UDP datagram from the host (192.0.0.1) to SERVER4: HOST6 -> SERVER6. */
TEST(clat_translates_4to6)
{
	uint32_t len = 20 + 8 + 4;

	clat_setup(true);
	tp_ip4(pkt, "192.0.0.1", SERVER4, IPPROTO_UDP, 64, 12);
	tp_wr16(pkt + 20, 40000);
	tp_wr16(pkt + 22, 53);
	tp_wr16(pkt + 24, 12);
	memcpy(pkt + 28, "ping", 4);
	tp_csum4(pkt, len);
	CHECK_EQ(xlat_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(out.n, 1u);
	CHECK(tp_same6(out.pkt[0].data + 8, HOST6) && tp_same6(out.pkt[0].data + 24, SERVER6));
	CHECK_EQ(tp_residue6(out.pkt[0].data, out.pkt[0].len), 0);
}

/* The reply, SERVER6 -> HOST6, goes to 192.0.0.1 on the IPv4 side: not hairpinned back to IPv6 although
 * its destination is the EAMT's (RFC 7757 appendix B is for entries that stand for IPv6 hosts). */
TEST(clat_translates_6to4_no_hairpin)
{
	uint32_t len = 40 + 8 + 4;

	clat_setup(true);
	tp_ip6(pkt, SERVER6, HOST6, IPPROTO_UDP, 60, 12);
	tp_wr16(pkt + 40, 53);
	tp_wr16(pkt + 42, 40000);
	tp_wr16(pkt + 44, 12);
	memcpy(pkt + 48, "pong", 4);
	tp_csum6(pkt, len);
	CHECK_EQ(xlat_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(out.n, 1u);
	CHECK(out.pkt[0].data[0] >> 4 == 4);
	CHECK(tp_same4(out.pkt[0].data + 12, SERVER4) && tp_same4(out.pkt[0].data + 16, "192.0.0.1"));
	CHECK_EQ(st.c[STAT_HAIRPIN], 0u);
	CHECK_EQ(tp_residue4(out.pkt[0].data, out.pkt[0].len), 0);
}

/* Without a prefix, IPv4 packets to anywhere are dropped, counted as DROP_DST4. */
TEST(clat_no_prefix_drops)
{
	uint32_t len = 20 + 8;

	clat_setup(false);
	tp_ip4(pkt, "192.0.0.1", SERVER4, IPPROTO_UDP, 64, 8);
	tp_wr16(pkt + 24, 8);
	tp_csum4(pkt, len);
	CHECK_EQ(xlat_packet(&ctx, pkt, len, &out), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_DST4], 1u);
}

static bool parse(const char *text, struct conf *c, char *err, size_t n)
{
	return conf_parse("xlat64.conf", text, c, err, n);
}

TEST(clat_conf)
{
	static struct conf c, again;
	char err[512], *text = NULL;
	size_t n = 0;
	FILE *f;

	CHECK(parse("mode clat\n", &c, err, sizeof(err)));
	CHECK(c.mode == CONF_MODE_CLAT && !c.xlat.has_pool6 && !c.clat_if[0] && !c.has_clat_addr6);
	CHECK(c.clat_addr4.s_addr == tp_a4("192.0.0.1").s_addr && c.clat_default_route == CONF_CLAT_ROUTE_AUTO);
	CHECK(c.xlat.has_own4 && c.xlat.own4.s_addr == tp_a4("192.0.0.2").s_addr);	/* address4's default */
	CHECK(parse("mode clat\npool6 64:ff9b::/96\nclat-interface wlan0\nclat-address4 192.0.0.4\n"
		    "clat-address6 2001:db8::c1a7\nclat-default-route no\nroute4 10.0.0.0/8\n", &c, err, sizeof(err)));
	CHECK(c.xlat.has_pool6 && !strcmp(c.clat_if, "wlan0") && c.has_clat_addr6);
	CHECK(tp_same6(c.clat_addr6.s6_addr, "2001:db8::c1a7") && c.clat_default_route == CONF_CLAT_ROUTE_NO);
	CHECK(c.clat_addr4.s_addr == tp_a4("192.0.0.4").s_addr && c.xlat.own4.s_addr == tp_a4("192.0.0.2").s_addr);
	/* conf_print() parses back to the same. */
	f = open_memstream(&text, &n);
	CHECK(f);
	conf_print(f, &c);
	fclose(f);
	CHECK(strstr(text, "clat-interface wlan0\nclat-address4 192.0.0.4\nclat-address6 2001:db8::c1a7\n"
			   "clat-default-route no\n"));
	CHECK(parse(text, &again, err, sizeof(err)));
	free(text);
	CHECK(!memcmp(&c, &again, sizeof(c)));
}

static const struct {
	const char *text, *err;
} bad[] = {
	{ "mode clat\nclat-address4 192.0.0.7\n",
	  "xlat64.conf:0: clat-address4 192.0.0.7 is not in 192.0.0.1 to 192.0.0.6 (RFC 7335 192.0.0.0/29)" },
	{ "mode clat\nclat-address4 192.0.0.2\naddress4 192.0.0.2\n",
	  "xlat64.conf:0: address4 is clat-address4: the translator's own address must be another one (a packet "
	  "from the host's own address would come back as a martian)" },
	{ "mode clat\nclat-address6 fe80::1\n", "xlat64.conf:0: clat-address6 fe80::1 is not a global or unique-local unicast address" },
	{ "mode clat\nroute6 2001:db8::/64\n",
	  "xlat64.conf:0: route6 is not used in mode clat: the only IPv6 address routed into its TUN is the "
	  "CLAT's own (clat-address6)" },
	{ "mode clat\nclat-default-route maybe\n",
	  "xlat64.conf:2: clat-default-route: invalid value (expected yes, no or auto)" },
	{ "pool6 64:ff9b::/96\nclat-interface eth0\n",
	  "xlat64.conf:2: clat-interface: only in mode clat (the mode is siit, the default)" },
	{ "mode clat\npref64-interface eth0\n",
	  "xlat64.conf:2: pref64-interface: only in mode siit, nat64 or none (line 1 sets mode clat)" },
};

TEST(clat_conf_errors)
{
	static struct conf c;
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(!parse(bad[i].text, &c, err, sizeof(err)));
		if (strcmp(err, bad[i].err))
			printf("# case %zu: got \"%s\"\n", i, err);
		CHECK_STR(err, bad[i].err);
	}
}

/* Read only: what every Linux host with IPv6 has. */
TEST(clat_sysctl)
{
	char dev[300];
	int fwd = sysctl_get6("all", "forwarding");

	CHECK(fwd == 0 || fwd == 1);
	CHECK(sysctl_get6("lo", "mtu") >= 1280);
	CHECK_EQ(sysctl_get6("lo", "no_such_knob"), -1);
	CHECK_EQ(sysctl_get6("nosuchif0", "mtu"), -1);
	/* A name that does not fit the path is refused, not cut short into another file's path. */
	memset(dev, 'x', sizeof(dev) - 1);
	dev[sizeof(dev) - 1] = 0;
	CHECK_EQ(sysctl_get6(dev, "mtu"), -1);
	CHECK(!sysctl_put6(dev, "mtu", 1280) && errno == ENAMETOOLONG);
	/* By path, as the daemon's forwarding check reads net.ipv4.ip_forward: the same value as by name. */
	CHECK_EQ(sysctl_get("/proc/sys/net/ipv6/conf/all/forwarding"), fwd);
	CHECK_EQ(sysctl_get("/proc/sys/net/ipv4/no_such_knob"), -1);
}
