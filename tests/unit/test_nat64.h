/*
 * Fixture shared by the NAT64 unit tests: the graybox-like setup (pool6 64:ff9b::/96 with non-global IPv4
 * allowed, pool4 192.0.2.2, own addresses 2001:db8::1 / 192.0.2.2) and packet builders.
 */
#ifndef XLAT64_TEST_NAT64_H
#define XLAT64_TEST_NAT64_H

#include <arpa/inet.h>
#include <stdlib.h>

#include "csum.h"
#include "nat64.h"
#include "nat64_internal.h"

#define PKT_MAX 2048

static uint8_t scratch[XLAT_SCRATCH_SIZE];
static uint8_t buf[XLAT_HEADROOM + PKT_MAX + XLAT_TAILROOM];
static uint8_t *const pkt = buf + XLAT_HEADROOM;
static struct xlat_conf xconf;
static struct nat64_conf nconf;
static struct stats st;
static struct nat64_ctx ctx;
static struct xlat_out out;

static struct in6_addr a6(const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	return a;
}

static struct in_addr a4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a;
}

/* A fresh instance with pool4 `pool`#lo-hi for all three protocols (worker w of n). */
static struct nat64 *fixture_n(const char *pool, uint16_t lo, uint16_t hi, unsigned w, unsigned n)
{
	static const uint8_t secret[16] = "nat64 unit test";
	struct prefix4 p4;
	const char *why;
	struct nat64 *db;

	xlat_conf_defaults(&xconf);
	xconf.has_pool6 = true;
	prefix6_parse("64:ff9b::/96", &xconf.pool6, &why);
	xconf.allow_nonglobal = true;
	xconf.has_own4 = xconf.has_own6 = true;
	xconf.own4 = a4("192.0.2.2");
	xconf.own6 = a6("2001:db8::1");
	xconf.mtu4 = xconf.mtu6 = 1500;
	memset(&st, 0, sizeof(st));
	if (ctx.db)
		nat64_free(ctx.db);
	db = nat64_new(&nconf, w, n, secret);
	prefix4_parse(pool, &p4, &why);
	for (int p = 0; p < NAT64_NPROTO; p++)
		if (!nat64_pool4_add(db, p, &p4, lo, hi, &why))
			abort();
	ctx = (struct nat64_ctx){ .xlat = { .conf = &xconf, .stats = &st, .rng = 1, .scratch = scratch },
				  .db = db };
	return db;
}

static struct nat64 *fixture(uint16_t lo, uint16_t hi)
{
	return fixture_n("192.0.2.2", lo, hi, 0, 1);
}

static void write16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* L4 header (TCP 20 bytes with flags, UDP 8, ICMP echo request 8 with the identifier) + 4 bytes. */
static uint32_t l4(uint8_t *p, int proto, bool v6, uint16_t sport, uint16_t dport, uint8_t flags)
{
	memset(p, 0, 28);
	if (proto == IPPROTO_TCP) {
		write16(p, sport);
		write16(p + 2, dport);
		p[12] = 0x50;
		p[13] = flags;
		return 24;
	}
	if (proto == IPPROTO_UDP) {
		write16(p, sport);
		write16(p + 2, dport);
		write16(p + 4, 12);
		write16(p + 6, 0x1234);	/* not verified, only adjusted; zero would mean "none" */
		return 12;
	}
	p[0] = v6 ? 128 : 8;
	write16(p + 4, sport);
	return 12;
}

/* An IPv6 packet src#sport -> dst#dport (proto IPPROTO_TCP/UDP/ICMPV6; checksums are not checked by the
 * translator, except ICMP errors which these tests do not send). Returns its length. */
static uint32_t v6pkt(const char *src, uint16_t sport, const char *dst, uint16_t dport, int proto, uint8_t flags)
{
	struct in6_addr s = a6(src), d = a6(dst);
	uint32_t n = l4(pkt + 40, proto, true, sport, dport, flags);

	memset(pkt, 0, 40);
	pkt[0] = 0x60;
	write16(pkt + 4, n);
	pkt[6] = (uint8_t)proto;
	pkt[7] = 64;
	memcpy(pkt + 8, &s, 16);
	memcpy(pkt + 24, &d, 16);
	return 40 + n;
}

static uint32_t v4pkt(const char *src, uint16_t sport, const char *dst, uint16_t dport, int proto, uint8_t flags)
{
	struct in_addr s = a4(src), d = a4(dst);
	uint32_t n = l4(pkt + 20, proto, false, sport, dport, flags);

	memset(pkt, 0, 20);
	pkt[0] = 0x45;
	write16(pkt + 2, 20 + n);
	pkt[8] = 64;
	pkt[9] = (uint8_t)proto;
	memcpy(pkt + 12, &s, 4);
	memcpy(pkt + 16, &d, 4);
	write16(pkt + 10, csum_ipv4_header(pkt, 20));
	return 20 + n;
}

static enum xlat_verdict send6(const char *src, uint16_t sport, const char *dst, uint16_t dport, int proto,
			       uint8_t flags)
{
	return nat64_packet(&ctx, pkt, v6pkt(src, sport, dst, dport, proto, flags), &out);
}

static enum xlat_verdict send4(const char *src, uint16_t sport, const char *dst, uint16_t dport, int proto,
			       uint8_t flags)
{
	return nat64_packet(&ctx, pkt, v4pkt(src, sport, dst, dport, proto, flags), &out);
}

/* The session of a6#p6 (proto) with r4#rport, or NULL. */
static const struct nat64_sess *session_of(enum nat64_proto p, const char *h6, uint16_t p6, const char *r4,
					   uint16_t rport)
{
	struct in6_addr h = a6(h6);
	uint32_t b = nat64_bib_find6(ctx.db, p, &h, p6), s;

	if (b == NAT64_NIL)
		return NULL;
	s = nat64_sess_find(ctx.db, b, a4(r4), rport);
	return s == NAT64_NIL ? NULL : nat64_sess(ctx.db, s);
}

static const struct nat64_bib *bib_of(enum nat64_proto p, const char *h6, uint16_t p6)
{
	struct in6_addr h = a6(h6);
	uint32_t b = nat64_bib_find6(ctx.db, p, &h, p6);

	return b == NAT64_NIL ? NULL : nat64_bib(ctx.db, b);
}

/* Run the timers up to `ms`. */
static void advance(uint64_t ms)
{
	ctx.xlat.now = ms;
	while (nat64_tick(&ctx, ms, &out))
		;
}

#endif
