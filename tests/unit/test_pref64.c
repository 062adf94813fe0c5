/* RFC 8781 PREF64 option, the Router Advertisement around it, Router Solicitation checks, and the
 * discovery table fed with RA options (pref64.c, pref64_discover.c), the pref64-* keys. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "conf.h"
#include "harness.h"
#include "pref64.h"
#include "pref64_discover.h"

static struct prefix6 P(const char *s)
{
	struct prefix6 p = { .len = 0 };
	const char *why;

	if (!prefix6_parse(s, &p, &why))
		p.len = 255;
	return p;
}

TEST(pref64_scaled_lifetime_rounding)
{
	/* RFC 8781 §4.1: round up to a multiple of 8; non-zero below 8 s is 1; at most 8191. */
	CHECK_EQ(pref64_scaled_lifetime(0), 0);
	CHECK_EQ(pref64_scaled_lifetime(1), 1);
	CHECK_EQ(pref64_scaled_lifetime(7), 1);
	CHECK_EQ(pref64_scaled_lifetime(8), 1);
	CHECK_EQ(pref64_scaled_lifetime(9), 2);
	CHECK_EQ(pref64_scaled_lifetime(600), 75);
	CHECK_EQ(pref64_scaled_lifetime(1800), 225);
	CHECK_EQ(pref64_scaled_lifetime(1801), 226);
	CHECK_EQ(pref64_scaled_lifetime(65520), 8190);
	CHECK_EQ(pref64_scaled_lifetime(65521), 8191);
	CHECK_EQ(pref64_scaled_lifetime(65528), 8191);
	CHECK_EQ(pref64_scaled_lifetime(65536), 8191);
	CHECK_EQ(pref64_scaled_lifetime(UINT32_MAX), 8191);
}

TEST(pref64_plc_table)
{
	CHECK_EQ(pref64_plc(96), 0);
	CHECK_EQ(pref64_plc(64), 1);
	CHECK_EQ(pref64_plc(56), 2);
	CHECK_EQ(pref64_plc(48), 3);
	CHECK_EQ(pref64_plc(40), 4);
	CHECK_EQ(pref64_plc(32), 5);
	CHECK_EQ(pref64_plc(0), -1);
	CHECK_EQ(pref64_plc(80), -1);
	CHECK_EQ(pref64_plc(128), -1);
}

/* The byte examples of the anchors (dns64-pref64.md §3, seen by tshark and the kernel in the lab). */
TEST(pref64_encode_anchor_bytes)
{
	static const uint8_t wkp[16] = { 0x26, 0x02, 0x07, 0x08, 0x00, 0x64, 0xff, 0x9b };
	static const uint8_t nsp[16] = { 0x26, 0x02, 0x02, 0x59, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x64 };
	struct prefix6 a = P("64:ff9b::/96"), b = P("2001:db8:64::/64");
	uint8_t out[16];

	CHECK(pref64_encode(&a, 1800, out));
	CHECK_MEM(out, wkp, 16);
	CHECK(pref64_encode(&b, 600, out));
	CHECK_MEM(out, nsp, 16);
}

TEST(pref64_decode_anchor_bytes)
{
	static const uint8_t wkp[16] = { 0x26, 0x02, 0x07, 0x08, 0x00, 0x64, 0xff, 0x9b };
	static const uint8_t nsp[16] = { 0x26, 0x02, 0x02, 0x59, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x64 };
	struct prefix6 p, a = P("64:ff9b::/96"), b = P("2001:db8:64::/64");
	uint32_t lt;

	CHECK(pref64_decode(wkp, 16, &p, &lt));
	CHECK(prefix6_equal(&p, &a));
	CHECK_EQ(lt, 1800);
	CHECK(pref64_decode(nsp, 16, &p, &lt));
	CHECK(prefix6_equal(&p, &b));
	CHECK_EQ(lt, 600);
}

/* Every PLC with every interesting lifetime survives the round trip (lifetimes rounded up). */
TEST(pref64_roundtrip_all_plcs)
{
	static const char *const pfx[] = { "2001:db8:122:344::/96", "2001:db8:122:344::/64", "2001:db8:122:300::/56",
					   "2001:db8:122::/48", "2001:db8:100::/40", "2001:db8::/32", "64:ff9b::/96" };
	static const uint32_t lts[] = { 0, 1, 7, 8, 9, 600, 1800, 65527, 65528, 70000 };

	for (size_t i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++) {
		struct prefix6 in = P(pfx[i]), out;

		CHECK(in.len != 255);
		for (size_t j = 0; j < sizeof(lts) / sizeof(lts[0]); j++) {
			uint8_t opt[16];
			uint32_t lt;

			CHECK(pref64_encode(&in, lts[j], opt));
			CHECK_EQ(opt[0], 38);
			CHECK_EQ(opt[1], 2);
			CHECK_EQ(opt[3] & 7, pref64_plc(in.len));
			CHECK(pref64_decode(opt, sizeof(opt), &out, &lt));
			CHECK(prefix6_equal(&in, &out));
			CHECK_EQ(lt, (uint32_t)pref64_scaled_lifetime(lts[j]) * 8);
			CHECK(lts[j] == 0 ? lt == 0 : lt >= (lts[j] > 65528 ? 65528 : lts[j]));
		}
	}
}

TEST(pref64_encode_refuses_bad_length)
{
	struct prefix6 p = P("2001:db8::/80");
	uint8_t out[16] = { 0 };

	CHECK(!pref64_encode(&p, 1800, out));
	CHECK_EQ(out[0], 0);
}

/* RFC 8781 §4: length other than 2, PLC 6 or 7 -> ignore; and whatever is not an option we can use. */
TEST(pref64_decode_malformed_ignored)
{
	uint8_t good[16] = { 0x26, 0x02, 0x07, 0x08, 0x00, 0x64, 0xff, 0x9b }, b[24];
	struct prefix6 p;
	uint32_t lt;

	memcpy(b, good, 16);
	b[1] = 1;
	CHECK(!pref64_decode(b, 16, &p, &lt));
	b[1] = 3;
	memset(b + 16, 0, 8);
	CHECK(!pref64_decode(b, 24, &p, &lt));
	memcpy(b, good, 16);
	b[3] = (uint8_t)((b[3] & ~7) | 6);
	CHECK(!pref64_decode(b, 16, &p, &lt));
	b[3] = (uint8_t)((b[3] & ~7) | 7);
	CHECK(!pref64_decode(b, 16, &p, &lt));
	memcpy(b, good, 16);
	b[0] = 25;
	CHECK(!pref64_decode(b, 16, &p, &lt));
	CHECK(!pref64_decode(good, 15, &p, &lt));
	CHECK(!pref64_decode(good, 0, &p, &lt));
	/* A /96 with the u-octet (prefix byte 8) set is no RFC 6052 prefix. */
	memcpy(b, good, 16);
	b[4 + 8] = 1;
	CHECK(!pref64_decode(b, 16, &p, &lt));
}

/* Bits past the PLC's length are not part of the prefix. */
TEST(pref64_decode_clears_trailing_bits)
{
	uint8_t b[16] = { 0x26, 0x02, 0x02, 0x59, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x64, 0, 0, 0xaa, 0xbb, 0xcc, 0xdd };
	struct prefix6 p, want = P("2001:db8:64::/64");
	uint32_t lt;

	CHECK(pref64_decode(b, 16, &p, &lt));
	CHECK(prefix6_equal(&p, &want));
}

TEST(pref64_opt_walker)
{
	uint8_t opts[32] = { 1, 1, 0, 0, 0, 0, 0, 0, 38, 2 };
	const uint8_t *o;
	size_t off = 0, len;

	CHECK(pref64_opt_next(opts, 24, &off, &o, &len));
	CHECK(o == opts && len == 8);
	CHECK(pref64_opt_next(opts, 24, &off, &o, &len));
	CHECK(o == opts + 8 && len == 16);
	CHECK(!pref64_opt_next(opts, 24, &off, &o, &len));
	CHECK_EQ(off, 24);
	/* Length 0 stops the walk short of the end (RFC 4861 §6.1: drop). */
	off = 0;
	opts[1] = 0;
	CHECK(!pref64_opt_next(opts, 24, &off, &o, &len));
	CHECK_EQ(off, 0);
	/* An option running past the end. */
	opts[1] = 1;
	opts[9] = 3;
	off = 0;
	CHECK(pref64_opt_next(opts, 24, &off, &o, &len));
	CHECK(!pref64_opt_next(opts, 24, &off, &o, &len));
	CHECK_EQ(off, 8);
	/* A lone byte. */
	off = 0;
	CHECK(!pref64_opt_next(opts, 1, &off, &o, &len));
}

TEST(pref64_ra_build_layout)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	struct pref64_ra ra = { .router_lifetime = 0, .lladdr = mac, .lladdr_len = 6, .prefix = P("64:ff9b::/96"),
				.prefix_lifetime = 1800, .n_rdnss = 2, .rdnss_lifetime = 1800, .route = true,
				.route_lifetime = 1800 };
	static const uint8_t pref[16] = { 0x26, 0x02, 0x07, 0x08, 0x00, 0x64, 0xff, 0x9b };
	uint8_t buf[PREF64_RA_MAX];
	size_t n;

	inet_pton(AF_INET6, "2001:db8::53", &ra.rdnss[0]);
	inet_pton(AF_INET6, "2001:db8::54", &ra.rdnss[1]);
	n = pref64_ra_build(&ra, buf, sizeof(buf));
	/* 16 header + 8 SLLA + 16 PREF64 + 40 RDNSS + 24 RIO (/96 needs 16 prefix bytes) */
	CHECK_EQ(n, 104);
	CHECK_EQ(buf[0], 134);
	CHECK_EQ(buf[1], 0);
	CHECK(buf[6] == 0 && buf[7] == 0);		/* router lifetime 0 */
	CHECK(buf[16] == 1 && buf[17] == 1);
	CHECK_MEM(buf + 18, mac, 6);
	CHECK_MEM(buf + 24, pref, 16);
	CHECK(buf[40] == 25 && buf[41] == 5);
	CHECK(buf[44] == 0 && buf[45] == 0 && buf[46] == 0x07 && buf[47] == 0x08);
	CHECK_MEM(buf + 48, &ra.rdnss[0], 16);
	CHECK_MEM(buf + 64, &ra.rdnss[1], 16);
	CHECK(buf[80] == 24 && buf[81] == 3 && buf[82] == 96 && buf[83] == 0);
	CHECK(buf[86] == 0x07 && buf[87] == 0x08);
	CHECK_MEM(buf + 88, &ra.prefix.addr, 16);
	/* Too small a buffer: nothing. */
	CHECK_EQ(pref64_ra_build(&ra, buf, 103), 0);
}

TEST(pref64_ra_build_minimal_and_withdraw)
{
	struct pref64_ra ra = { .router_lifetime = 1800, .prefix = P("2001:db8:64::/64"), .prefix_lifetime = 0,
				.route = true };
	uint8_t buf[PREF64_RA_MAX];
	const uint8_t *o;
	size_t n = pref64_ra_build(&ra, buf, sizeof(buf)), off = 0, len;
	struct prefix6 p;
	uint32_t lt = 1;

	CHECK_EQ(n, 16 + 16 + 16);
	CHECK(buf[6] == 0x07 && buf[7] == 0x08);
	CHECK(pref64_opt_next(buf + 16, n - 16, &off, &o, &len));
	CHECK(pref64_decode(o, len, &p, &lt));
	CHECK_EQ(lt, 0);
	CHECK(prefix6_equal(&p, &ra.prefix));
	CHECK(pref64_opt_next(buf + 16, n - 16, &off, &o, &len));
	CHECK(o[0] == 24 && o[1] == 2 && o[2] == 64);
	ra.prefix = P("2001:db8::/80");
	CHECK_EQ(pref64_ra_build(&ra, buf, sizeof(buf)), 0);
}

TEST(pref64_rs_checks)
{
	uint8_t rs[16] = { 133, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 0, 0, 0, 0, 1 };

	CHECK(pref64_rs_valid(rs, 8, 255, true));
	CHECK(pref64_rs_valid(rs, 16, 255, false));
	CHECK(!pref64_rs_valid(rs, 16, 255, true));	/* SLLA with an unspecified source */
	CHECK(!pref64_rs_valid(rs, 16, 64, false));	/* off-link */
	CHECK(!pref64_rs_valid(rs, 16, -1, false));
	CHECK(!pref64_rs_valid(rs, 7, 255, false));
	CHECK(!pref64_rs_valid(rs, 12, 255, false));	/* option past the end */
	rs[9] = 0;
	CHECK(!pref64_rs_valid(rs, 16, 255, false));	/* option of length 0 */
	rs[9] = 1;
	rs[1] = 1;
	CHECK(!pref64_rs_valid(rs, 16, 255, false));	/* code 1 */
	rs[1] = 0;
	rs[0] = 134;
	CHECK(!pref64_rs_valid(rs, 16, 255, false));
}

/* The discovery table as the netlink path feeds it. */
static struct pref64_disc *disc(const char *ifname)
{
	struct pref64_disc_conf c = { .rfc7050 = false };
	char err[128];

	snprintf(c.ifname, sizeof(c.ifname), "%s", ifname);
	return pref64_disc_new(&c, 1000, err, sizeof(err));
}

static size_t opts(uint8_t *buf, const char *pfx, uint32_t lt)
{
	struct prefix6 p = P(pfx);

	pref64_encode(&p, lt, buf);
	return 16;
}

TEST(pref64_disc_feed_and_withdraw)
{
	struct pref64_disc *d = disc("");
	struct in6_addr rtr;
	struct prefix6 a = P("64:ff9b::/96"), b = P("2001:db8:64::/64");
	struct pref64_entry e[PREF64_DISC_MAX];
	uint8_t o[64];
	size_t n;

	CHECK(d != NULL);
	inet_pton(AF_INET6, "fe80::1", &rtr);
	/* Nothing learned yet: nothing (a configured prefix is the caller's, clat.c). */
	CHECK_EQ(pref64_disc_get(d, 1000, e, PREF64_DISC_MAX), 0);
	/* Two options in one RA (as the lab's scapy RA): both, in order. */
	n = opts(o, "64:ff9b::/96", 1800);
	n += opts(o + n, "2001:db8:64::/64", 600);
	pref64_disc_feed(d, 7, &rtr, o, n, 2000);
	CHECK_EQ(pref64_disc_get(d, 2000, e, PREF64_DISC_MAX), 2);
	CHECK(prefix6_equal(&e[0].prefix, &a) && e[0].source == PREF64_SRC_RA && e[0].lifetime == 1800);
	CHECK(e[0].ifindex == 7 && !memcmp(&e[0].router, &rtr, 16) && e[0].expiry == 2000 + 1800000);
	CHECK(prefix6_equal(&e[1].prefix, &b) && e[1].lifetime == 600);
	/* A refresh moves the expiry and keeps the order. */
	pref64_disc_feed(d, 7, &rtr, o, 16, 3000);
	CHECK_EQ(pref64_disc_get(d, 3000, e, PREF64_DISC_MAX), 2);
	CHECK(prefix6_equal(&e[0].prefix, &a) && e[0].expiry == 3000 + 1800000 && e[0].learned == 3000);
	/* Lifetime 0 withdraws (RFC 8781 §4.1). */
	opts(o, "64:ff9b::/96", 0);
	pref64_disc_feed(d, 7, &rtr, o, 16, 4000);
	CHECK_EQ(pref64_disc_get(d, 4000, e, PREF64_DISC_MAX), 1);
	CHECK(prefix6_equal(&e[0].prefix, &b));
	/* Expiry: the /64 lapses 600 s after it came, and nothing is left. */
	CHECK_EQ(pref64_disc_timeout(d, 4000), 2000 + 600000 - 4000);
	pref64_disc_expire(d, 2000 + 600000 - 1);
	CHECK_EQ(pref64_disc_timeout(d, 2000 + 600000 - 1), 1);
	pref64_disc_expire(d, 2000 + 600000);
	CHECK_EQ(pref64_disc_get(d, 2000 + 600000, e, PREF64_DISC_MAX), 0);
	CHECK_EQ(pref64_disc_timeout(d, 700000), -1);
	pref64_disc_free(d);
}

TEST(pref64_disc_ignores_bad_options_and_other_interfaces)
{
	struct pref64_disc *d = disc("lo");
	struct pref64_entry e[PREF64_DISC_MAX];
	struct in6_addr rtr = IN6ADDR_ANY_INIT;
	int lo = (int)if_nametoindex("lo");
	uint8_t o[64] = { 0 };
	size_t n;

	CHECK(d != NULL && lo > 0);
	/* PLC 7, then a good one, then an option of length 0 that ends the walk. */
	n = opts(o, "2001:db8::/32", 1800);
	o[3] |= 7;
	n += opts(o + n, "2001:db8::/32", 1800);
	o[n + 1] = 0;
	pref64_disc_feed(d, lo, &rtr, o, n + 16, 5);
	CHECK_EQ(pref64_disc_get(d, 5, e, PREF64_DISC_MAX), 1);
	CHECK_EQ(e[0].prefix.len, 32);
	/* Another interface: not ours. */
	opts(o, "2001:db8:1::/48", 1800);
	pref64_disc_feed(d, lo + 1000, &rtr, o, 16, 6);
	CHECK_EQ(pref64_disc_get(d, 6, e, PREF64_DISC_MAX), 1);
	CHECK_EQ(e[0].prefix.len, 32);
	CHECK_EQ(pref64_disc_get(d, 6, e, 0), 0);
	CHECK_STR(pref64_source_name(PREF64_SRC_RFC7050), "rfc7050");
	pref64_disc_free(d);
}

TEST(pref64_disc_same_prefix_two_routers)
{
	struct pref64_disc *d = disc("");
	struct pref64_entry e[PREF64_DISC_MAX];
	struct in6_addr r1, r2;
	uint8_t o[16];

	CHECK(d != NULL);
	inet_pton(AF_INET6, "fe80::1", &r1);
	inet_pton(AF_INET6, "fe80::2", &r2);
	opts(o, "64:ff9b::/96", 1800);
	pref64_disc_feed(d, 3, &r1, o, 16, 10);
	pref64_disc_feed(d, 3, &r2, o, 16, 11);
	CHECK_EQ(pref64_disc_get(d, 12, e, PREF64_DISC_MAX), 1);
	/* One router withdraws it; the other still announces it. */
	opts(o, "64:ff9b::/96", 0);
	pref64_disc_feed(d, 3, &r1, o, 16, 13);
	CHECK_EQ(pref64_disc_get(d, 13, e, PREF64_DISC_MAX), 1);
	CHECK(!memcmp(&e[0].router, &r2, 16));
	CHECK(!pref64_disc_rfc7050_due(d, 14));
	pref64_disc_free(d);
}

/* The pref64-* keys (conf_pref64.c and their rows in conf.c). */
static bool parse(const char *text, struct conf *c, char *err, size_t n)
{
	return conf_parse("t.conf", text, c, err, n);
}

TEST(pref64_conf_keys_and_defaults)
{
	static struct conf c, again;
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *f;

	CHECK(parse("mode none\npool6 64:ff9b::/96\npref64-interface eth1\npref64-interface eth2\n"
		    "pref64-rdnss 2001:db8::53\npref64-route yes\npref64-lifetime 601s\n", &c, err, sizeof(err)));
	CHECK_EQ(c.n_pref64_if, 2);
	CHECK_STR(c.pref64_if[1], "eth2");
	CHECK_EQ(c.n_pref64_rdnss, 1);
	CHECK(c.pref64_route);
	CHECK_EQ(c.pref64_lifetime, 601000);
	CHECK_EQ(c.pref64_interval, 600000);		/* defaults */
	CHECK_EQ(c.pref64_router_lifetime, 0);
	/* conf_print() round trip */
	f = open_memstream(&buf, &len);
	CHECK(f != NULL);
	conf_print(f, &c);
	fclose(f);
	CHECK(strstr(buf, "pref64-interface eth1\npref64-interface eth2\n") != NULL);
	CHECK(strstr(buf, "pref64-lifetime 10m1s\n") != NULL);
	CHECK(parse(buf, &again, err, sizeof(err)));
	free(buf);
	CHECK_EQ(again.n_pref64_if, 2);
	CHECK_EQ(again.pref64_lifetime, 601000);
	CHECK(!memcmp(&again.pref64_rdnss[0], &c.pref64_rdnss[0], 16));
}

TEST(pref64_conf_errors)
{
	static struct conf c;
	char err[256];

	/* pool6 is the prefix announced. */
	CHECK(!parse("mode none\npref64-interface eth1\n", &c, err, sizeof(err)));
	CHECK(strstr(err, "needs pool6") != NULL);
	CHECK(!parse("pool6 64:ff9b::/96\npref64-interface eth1\npref64-interface eth1\n", &c, err, sizeof(err)));
	CHECK(strstr(err, "t.conf:3:") != NULL);
	CHECK(!parse("pool6 64:ff9b::/96\npref64-interface a/b\n", &c, err, sizeof(err)));
	CHECK(!parse("pool6 64:ff9b::/96\npref64-interface eth1\npref64-lifetime 65529s\n", &c, err, sizeof(err)));
	CHECK(!parse("pool6 64:ff9b::/96\npref64-interface eth1\npref64-interval 3s\n", &c, err, sizeof(err)));
	CHECK(!parse("pool6 64:ff9b::/96\npref64-interface eth1\npref64-router-lifetime 9001s\n", &c, err,
		     sizeof(err)));
	CHECK(!parse("pool6 64:ff9b::/96\npref64-rdnss 192.0.2.1\n", &c, err, sizeof(err)));
	CHECK(!parse("pool6 64:ff9b::/96\npref64-rdnss ::1\npref64-rdnss ::2\npref64-rdnss ::3\npref64-rdnss ::4\n",
		     &c, err, sizeof(err)));
	CHECK(strstr(err, "at most 3") != NULL);
	/* mode none with only pref64 is a service */
	CHECK(parse("mode none\npool6 64:ff9b::/96\npref64-interface eth1\n", &c, err, sizeof(err)));
	CHECK(conf_has_service(&c));
}

/* When RFC 7050 is due: only after the RA wait, and never while an RA prefix is current. */
TEST(pref64_disc_rfc7050_schedule)
{
	struct pref64_disc_conf c = { .rfc7050 = true };
	struct pref64_entry e[1];
	struct pref64_disc *d;
	struct in6_addr rtr = IN6ADDR_ANY_INIT;
	uint8_t o[16];
	char err[128];

	d = pref64_disc_new(&c, 1000, err, sizeof(err));
	CHECK(d != NULL);
	CHECK(!pref64_disc_rfc7050_due(d, 1000 + PREF64_RA_WAIT_MS - 1));
	CHECK(pref64_disc_rfc7050_due(d, 1000 + PREF64_RA_WAIT_MS));
	CHECK_EQ(pref64_disc_timeout(d, 1000), PREF64_RA_WAIT_MS);
	opts(o, "64:ff9b::/96", 16);
	pref64_disc_feed(d, 2, &rtr, o, 16, 5000);
	CHECK(!pref64_disc_rfc7050_due(d, 20000));
	CHECK_EQ(pref64_disc_timeout(d, 5000), 16000);
	/* Once the RA prefix lapses, RFC 7050 is due at once. */
	pref64_disc_expire(d, 21000);
	CHECK_EQ(pref64_disc_get(d, 21000, e, 1), 0);
	CHECK(pref64_disc_rfc7050_due(d, 21000));
	CHECK_EQ(pref64_disc_timeout(d, 21000), 0);
	pref64_disc_free(d);
}

/* RFC 4861 §6.3.7: three Router Solicitations at most, 4 s apart, and none once an RA brought a prefix.
 * On lo, where sending may fail (no CAP_NET_RAW, no multicast): a failed try (-1) counts like a sent one. */
TEST(pref64_disc_solicit_schedule)
{
	struct pref64_disc *d = disc("lo");
	struct in6_addr rtr = IN6ADDR_ANY_INIT;
	uint8_t o[16];

	CHECK(d != NULL);
	CHECK_EQ(pref64_disc_solicit_timeout(d, 1000), 0);
	CHECK(pref64_disc_solicit(d, 1000) != 0);
	CHECK_EQ(pref64_disc_solicit_timeout(d, 1000), 4000);
	CHECK_EQ(pref64_disc_solicit(d, 4999), 0);
	CHECK(pref64_disc_solicit(d, 5000) != 0);
	CHECK(pref64_disc_solicit(d, 9500) != 0);
	CHECK_EQ(pref64_disc_solicit_timeout(d, 9500), -1);
	CHECK_EQ(pref64_disc_solicit(d, 20000), 0);
	pref64_disc_free(d);
	/* An RA prefix before the second one: no more. */
	d = disc("lo");
	CHECK(d != NULL);
	CHECK(pref64_disc_solicit(d, 1000) != 0);
	opts(o, "64:ff9b::/96", 600);
	pref64_disc_feed(d, (int)if_nametoindex("lo"), &rtr, o, 16, 2000);
	CHECK_EQ(pref64_disc_solicit(d, 5000), 0);
	CHECK_EQ(pref64_disc_solicit_timeout(d, 5000), -1);
	pref64_disc_free(d);
}
