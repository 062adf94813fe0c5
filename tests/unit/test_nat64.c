/*
 * NAT64 tables (RFC 6146 §3.5): pool4 port choice (exhaustion, parity and range class, paired address,
 * worker partition), session limits, expiry, filtering (ADF on/off), static bindings, and the hash tables
 * with 100k sessions. Packets go through nat64_packet(); the state is checked in the tables.
 */
#include "harness.h"
#include "test_nat64.h"

#define H1 "2001:db8::5"
#define H2 "2001:db8::6"
#define SRV "64:ff9b::c000:205"	/* 192.0.2.5 */

TEST(nat64_udp_binding_and_session)
{
	const struct nat64_bib *b;

	nat64_conf_defaults(&nconf);
	fixture(1, 3000);
	send6(H1, 5000, SRV, 53, IPPROTO_UDP, 0);
	b = bib_of(NAT64_UDP, H1, 5000);
	CHECK(b != NULL);
	CHECK(!b->is_static);
	CHECK_EQ(b->a4.s_addr, a4("192.0.2.2").s_addr);
	CHECK(b->p4 >= 1024 && b->p4 <= 3000 && b->p4 % 2 == 0);	/* RFC 6146 §3.5.1.1: range and parity */
	CHECK(session_of(NAT64_UDP, H1, 5000, "192.0.2.5", 53) != NULL);
	CHECK_EQ(st.c[STAT_NAT64_BIB_NEW], 1);
	CHECK_EQ(st.c[STAT_NAT64_SESSION_NEW], 1);
	/* Endpoint-independent mapping: another destination, same binding, second session. */
	send6(H1, 5000, "64:ff9b::c000:206", 53, IPPROTO_UDP, 0);
	CHECK(bib_of(NAT64_UDP, H1, 5000) == b);
	CHECK(session_of(NAT64_UDP, H1, 5000, "192.0.2.6", 53) != NULL);
	CHECK_EQ(st.c[STAT_NAT64_BIB_NEW], 1);
	CHECK_EQ(st.c[STAT_NAT64_SESSION_NEW], 2);
}

TEST(nat64_port_class_and_parity)
{
	const struct nat64_bib *b;

	nat64_conf_defaults(&nconf);
	fixture(1, 3000);
	send6(H1, 53, SRV, 53, IPPROTO_UDP, 0);		/* well-known, odd */
	b = bib_of(NAT64_UDP, H1, 53);
	CHECK(b && b->p4 < 1024 && b->p4 % 2 == 1);
	send6(H1, 40000, SRV, 53, IPPROTO_UDP, 0);	/* high, even */
	b = bib_of(NAT64_UDP, H1, 40000);
	CHECK(b && b->p4 >= 1024 && b->p4 % 2 == 0);
	/* Only high ports in the pool: a low source port still gets one, parity kept. */
	fixture(2000, 2009);
	send6(H1, 21, SRV, 21, IPPROTO_TCP, TCP_SYN);
	b = bib_of(NAT64_TCP, H1, 21);
	CHECK(b && b->p4 >= 2000 && b->p4 <= 2009 && b->p4 % 2 == 1);
}

TEST(nat64_port_exhaustion_is_a_counted_drop)
{
	char h[64];

	nat64_conf_defaults(&nconf);
	fixture(1000, 1003);
	for (int i = 0; i < 4; i++) {
		snprintf(h, sizeof(h), "2001:db8::%x", 0x100 + i);
		CHECK_EQ(send6(h, 7000 + i, SRV, 9, IPPROTO_UDP, 0), XLAT_EMIT);
	}
	/* All four ports are bound (parity gave way once the class ran out). */
	CHECK_EQ(st.c[STAT_NAT64_BIB_NEW], 4);
	CHECK_EQ(send6("2001:db8::200", 7000, SRV, 9, IPPROTO_UDP, 0), XLAT_EMIT);
	CHECK_EQ(st.c[STAT_DROP_NAT64_NO_PORTS], 1);
	/* ... answered with ICMPv6 Destination Unreachable, address unreachable (RFC 6146 §3.5.1.1). */
	CHECK_EQ(out.n, 1);
	CHECK(out.pkt[0].data[0] >> 4 == 6 && out.pkt[0].data[40] == 1 && out.pkt[0].data[41] == 3);
	CHECK(bib_of(NAT64_UDP, "2001:db8::200", 7000) == NULL);
	/* A port comes free when its session expires. */
	advance(5 * 60 * 1000 + 2048);
	CHECK_EQ(ctx.db->nbib[NAT64_UDP], 0);
	send6("2001:db8::200", 7000, SRV, 9, IPPROTO_UDP, 0);
	CHECK(bib_of(NAT64_UDP, "2001:db8::200", 7000) != NULL);
}

TEST(nat64_paired_address)
{
	const struct nat64_bib *b1, *b2;

	nat64_conf_defaults(&nconf);
	fixture_n("198.51.100.0/28", 1024, 1100, 0, 1);
	send6(H1, 5000, SRV, 53, IPPROTO_UDP, 0);
	send6(H1, 5002, "64:ff9b::c000:209", 80, IPPROTO_UDP, 0);
	b1 = bib_of(NAT64_UDP, H1, 5000);
	b2 = bib_of(NAT64_UDP, H1, 5002);
	CHECK(b1 && b2 && b1 != b2);
	CHECK_EQ(b1->a4.s_addr, b2->a4.s_addr);	/* RFC 6146 §3.5.1.1: same IPv4 address for one host */
}

TEST(nat64_worker_partition)
{
	char h[64];

	nat64_conf_defaults(&nconf);
	fixture_n("192.0.2.2", 1024, 4095, 1, 4);
	for (int i = 0; i < 200; i++) {
		const struct nat64_bib *b;

		snprintf(h, sizeof(h), "2001:db8::%x", 0x100 + i);
		send6(h, (uint16_t)(20000 + i), SRV, 9, IPPROTO_UDP, 0);
		b = bib_of(NAT64_UDP, h, (uint16_t)(20000 + i));
		CHECK(b != NULL);
		CHECK_EQ(b->p4 % 4, 1);
	}
	/* 3072 ports, a quarter of them this worker's: 768, all odd (4 is even, worker 1). */
	fixture_n("192.0.2.2", 1024, 4095, 1, 4);
	for (int i = 0; i < 800; i++) {
		snprintf(h, sizeof(h), "2001:db8::%x", 0x100 + i);
		send6(h, 30000, SRV, 9, IPPROTO_UDP, 0);
	}
	CHECK_EQ(ctx.db->nbib[NAT64_UDP], 768);
	CHECK_EQ(st.c[STAT_DROP_NAT64_NO_PORTS], 32);
}

TEST(nat64_per_source_limit)
{
	nat64_conf_defaults(&nconf);
	nconf.max_sessions_per_src = 3;
	fixture(1, 3000);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(send6(H1, (uint16_t)(6000 + i), SRV, 9, IPPROTO_UDP, 0), XLAT_EMIT);
	CHECK_EQ(send6(H1, 6003, SRV, 9, IPPROTO_UDP, 0), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_NAT64_SRC_LIMIT], 1);
	CHECK(bib_of(NAT64_UDP, H1, 6003) == NULL);	/* no binding left behind */
	/* A new destination on an existing binding is a new session too. */
	CHECK_EQ(send6(H1, 6000, "64:ff9b::c000:206", 9, IPPROTO_UDP, 0), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_NAT64_SRC_LIMIT], 2);
	/* Other hosts are not affected, and an existing session keeps working. */
	CHECK_EQ(send6(H2, 6000, SRV, 9, IPPROTO_UDP, 0), XLAT_EMIT);
	CHECK_EQ(send6(H1, 6001, SRV, 9, IPPROTO_UDP, 0), XLAT_EMIT);
	CHECK_EQ(ctx.db->nsess[NAT64_UDP], 4);
}

TEST(nat64_total_session_limit)
{
	char h[64];

	nat64_conf_defaults(&nconf);
	nconf.max_sessions = 10;
	fixture(1, 3000);
	for (int i = 0; i < 12; i++) {
		snprintf(h, sizeof(h), "2001:db8::%x", 0x100 + i);
		send6(h, 6000, SRV, 9, IPPROTO_UDP, 0);
	}
	CHECK_EQ(ctx.db->nsess[NAT64_UDP], 10);
	CHECK_EQ(ctx.db->nbib[NAT64_UDP], 10);
	CHECK_EQ(st.c[STAT_DROP_NAT64_SESSION_LIMIT], 2);
}

TEST(nat64_expiry_on_time)
{
	nat64_conf_defaults(&nconf);
	nconf.udp_timeout = 120000;
	nconf.icmp_timeout = 3000;
	fixture(1, 3000);
	ctx.xlat.now = 1000;
	send6(H1, 5000, SRV, 53, IPPROTO_UDP, 0);
	send6(H1, 77, SRV, 0, IPPROTO_ICMPV6, 0);
	CHECK(session_of(NAT64_ICMP, H1, 77, "192.0.2.5", 0) != NULL);
	advance(1000 + 2000);
	CHECK(session_of(NAT64_ICMP, H1, 77, "192.0.2.5", 0) != NULL);
	/* Due at 4000; the wheel's slots are 1024 ms wide, so it is gone by the end of that slot. */
	advance(1000 + 3000 + 1024);
	CHECK(session_of(NAT64_ICMP, H1, 77, "192.0.2.5", 0) == NULL);
	CHECK(bib_of(NAT64_ICMP, H1, 77) == NULL);
	/* Traffic refreshes: the UDP session lives 2 min after its last packet. */
	ctx.xlat.now = 100000;
	send6(H1, 5000, SRV, 53, IPPROTO_UDP, 0);
	advance(121000 + 1024);
	CHECK(session_of(NAT64_UDP, H1, 5000, "192.0.2.5", 53) != NULL);
	advance(220000 + 1024);
	CHECK(session_of(NAT64_UDP, H1, 5000, "192.0.2.5", 53) == NULL);
	CHECK_EQ(ctx.db->nbib[NAT64_UDP], 0);
	CHECK_EQ(ctx.db->sources.live, 0);
	/* A clock that jumps by more than a wheel turn expires everything that is due. */
	send6(H1, 5000, SRV, 53, IPPROTO_UDP, 0);
	advance(220000 + 10 * 3600 * 1000);
	CHECK_EQ(ctx.db->nsess[NAT64_UDP], 0);
}

/* An IPv4 packet with a damaged header is dropped before RFC 6146 §3.5 touches the tables: it does not
 * keep its session alive, which a good reply does. */
TEST(nat64_bad_ipv4_header_touches_no_state)
{
	const struct nat64_bib *b;
	uint32_t len;

	nat64_conf_defaults(&nconf);
	nconf.udp_timeout = 120000;
	fixture(1, 3000);
	ctx.xlat.now = 1000;
	send6(H1, 5000, SRV, 53, IPPROTO_UDP, 0);
	b = bib_of(NAT64_UDP, H1, 5000);
	CHECK(b != NULL);
	ctx.xlat.now = 100000;
	len = v4pkt("192.0.2.5", 53, "192.0.2.2", b->p4, IPPROTO_UDP, 0);
	pkt[10] ^= 0x01;
	CHECK(nat64_packet(&ctx, pkt, len, &out) != XLAT_EMIT);
	CHECK_EQ(st.c[STAT_DROP_HDR4], 1);
	advance(121000 + 1024);
	CHECK(session_of(NAT64_UDP, H1, 5000, "192.0.2.5", 53) == NULL);
	/* The same reply undamaged is translated and refreshes the session. */
	ctx.xlat.now = 200000;
	send6(H1, 5000, SRV, 53, IPPROTO_UDP, 0);
	b = bib_of(NAT64_UDP, H1, 5000);
	CHECK(b != NULL);
	ctx.xlat.now = 300000;
	CHECK_EQ(send4("192.0.2.5", 53, "192.0.2.2", b->p4, IPPROTO_UDP, 0), XLAT_EMIT);
	advance(321000 + 1024);
	CHECK(session_of(NAT64_UDP, H1, 5000, "192.0.2.5", 53) != NULL);
}

TEST(nat64_static_bib_lets_ipv4_in)
{
	struct in6_addr h = a6(H1);
	const char *why;

	nat64_conf_defaults(&nconf);
	fixture(1, 3000);
	CHECK(nat64_static_add(ctx.db, NAT64_UDP, &h, 53, a4("192.0.2.2"), 53, &why));
	CHECK(!nat64_static_add(ctx.db, NAT64_UDP, &h, 54, a4("192.0.2.2"), 53, &why));
	CHECK(!nat64_static_add(ctx.db, NAT64_UDP, &h, 53, a4("192.0.2.9"), 53, &why));	/* not pool4 */
	CHECK_EQ(send4("203.0.113.7", 4444, "192.0.2.2", 53, IPPROTO_UDP, 0), XLAT_EMIT);
	CHECK(session_of(NAT64_UDP, H1, 53, "203.0.113.7", 4444) != NULL);
	/* Without a binding the IPv4 host hears port unreachable (graybox bibless). */
	CHECK_EQ(send4("203.0.113.7", 4444, "192.0.2.2", 54, IPPROTO_UDP, 0), XLAT_EMIT);
	CHECK_EQ(st.c[STAT_DROP_NAT64_NO_BIB4], 1);
	CHECK(out.n == 1 && out.pkt[0].data[20] == 3 && out.pkt[0].data[21] == 3);
	/* The static entry outlives its sessions, and its removal ends them. */
	advance(10 * 60 * 1000);
	CHECK(bib_of(NAT64_UDP, H1, 53) != NULL);
	send4("203.0.113.7", 4444, "192.0.2.2", 53, IPPROTO_UDP, 0);
	CHECK(nat64_static_remove(ctx.db, NAT64_UDP, a4("192.0.2.2"), 53, &why));
	CHECK(bib_of(NAT64_UDP, H1, 53) == NULL);
	CHECK_EQ(ctx.db->nsess[NAT64_UDP], 0);
	CHECK_EQ(ctx.db->sources.live, 0);
}

/* An IPv6 host talks to 192.0.2.5#53 from its binding; IPv4 hosts try to come back in through it. */
static void adf_case(bool adf, int *failed)
{
	const struct nat64_bib *b;
	uint16_t port;

	nat64_conf_defaults(&nconf);
	nconf.adf = adf;
	fixture(1, 3000);
	send6(H1, 5000, SRV, 53, IPPROTO_UDP, 0);
	b = bib_of(NAT64_UDP, H1, 5000);
	CHECK(b != NULL);
	port = b->p4;
	/* Same host, other port: allowed either way (address-dependent, not address-and-port). */
	CHECK_EQ(send4("192.0.2.5", 5353, "192.0.2.2", port, IPPROTO_UDP, 0), XLAT_EMIT);
	CHECK_EQ(send4("192.0.2.66", 53, "192.0.2.2", port, IPPROTO_UDP, 0), adf ? XLAT_DROP : XLAT_EMIT);
	CHECK_EQ(st.c[STAT_DROP_NAT64_ADF], adf ? 1u : 0u);
	CHECK_EQ(session_of(NAT64_UDP, H1, 5000, "192.0.2.66", 53) != NULL, !adf);
}

TEST(nat64_adf_on)
{
	adf_case(true, failed);
}

TEST(nat64_adf_off)
{
	adf_case(false, failed);
}

TEST(nat64_admission)
{
	nat64_conf_defaults(&nconf);
	fixture(1, 3000);
	CHECK_EQ(send6("64:ff9b::1.2.3.4", 1, SRV, 2, IPPROTO_UDP, 0), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_NAT64_SRC_POOL6], 1);
	CHECK_EQ(send6(H1, 1, "2001:db8:77::1", 2, IPPROTO_UDP, 0), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_DST6], 1);
	CHECK_EQ(send4("192.0.2.5", 1, "192.0.2.3", 2, IPPROTO_UDP, 0), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_NAT64_POOL4], 1);
	CHECK_EQ(send6(H1, 1, SRV, 2, 132 /* SCTP */, 0), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_NAT64_PROTO], 1);
	/* Non-global IPv4 behind 64:ff9b::/96 needs the switch (RFC 6052 §3.1). */
	xconf.allow_nonglobal = false;
	CHECK_EQ(send6(H1, 1, "64:ff9b::a00:1", 2, IPPROTO_UDP, 0), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_NONGLOBAL], 1);
	CHECK_EQ(ctx.db->nbib[NAT64_UDP], 0);
}

TEST(nat64_hash_100k_sessions)
{
	struct nat64_usage u;
	char h[64];

	nat64_conf_defaults(&nconf);
	nconf.max_sessions_per_src = 0;
	fixture_n("198.51.100.0/24", 1024, 65535, 0, 1);
	/* 1000 hosts x 100 flows each: 100k bindings and sessions. */
	for (int i = 0; i < 100000; i++) {
		snprintf(h, sizeof(h), "2001:db8:%x::%x", i / 100, 1 + i % 7);
		if (send6(h, (uint16_t)(1024 + i % 100), SRV, 443, IPPROTO_TCP, TCP_SYN) != XLAT_EMIT)
			CHECK(0);
	}
	nat64_usage(ctx.db, &u);
	CHECK_EQ(u.sessions[NAT64_TCP], 100000);
	CHECK_EQ(u.bib[NAT64_TCP], 100000);
	CHECK(ctx.db->sess.mask + 1 >= 100000 && ctx.db->sess.mask + 1 <= 262144);
	/* Every one is found from both sides. */
	for (int i = 0; i < 100000; i++) {
		struct in6_addr x;
		uint32_t b4;
		const struct nat64_bib *b;

		snprintf(h, sizeof(h), "2001:db8:%x::%x", i / 100, 1 + i % 7);
		x = a6(h);
		b = nat64_bib(ctx.db, nat64_bib_find6(ctx.db, NAT64_TCP, &x, (uint16_t)(1024 + i % 100)));
		b4 = nat64_bib_find4(ctx.db, NAT64_TCP, b->a4, b->p4);
		if (b4 == NAT64_NIL || nat64_bib(ctx.db, b4) != b ||
		    nat64_sess_find(ctx.db, b4, a4("192.0.2.5"), 443) == NAT64_NIL)
			CHECK(0);
	}
	/* V6_INIT lives TCP_TRANS (4 min): all of it expires, slab entries are reused afterwards. */
	advance(5 * 60 * 1000);
	nat64_usage(ctx.db, &u);
	CHECK_EQ(u.sessions[NAT64_TCP], 0);
	CHECK_EQ(u.bib[NAT64_TCP], 0);
	CHECK_EQ(u.sources, 0);
	send6(H1, 5000, SRV, 443, IPPROTO_TCP, TCP_SYN);
	CHECK(ctx.db->sessions.hiwat == 100001);
	nat64_free(ctx.db);
	ctx.db = NULL;
}

/* Counters that end a packet's life without a translation. */
static uint64_t ends(void)
{
	uint64_t n = st.c[STAT_NAT64_SYN4_STORED];

	for (int i = 0; i < STAT_MAX; i++)
		if (!strncmp(stats_name(i), "DROP_", 5))
			n += st.c[i];
	return n;
}

/* Feed pkt[0..len) (saved in seed) cut at `len` and with its length fields made to agree or not. Every
 * drop must be counted exactly once, every EMIT must emit. */
static void feed(const uint8_t *seed, uint32_t len, bool fix, int *failed)
{
	uint64_t before = ends();
	enum xlat_verdict v;

	memcpy(pkt, seed, len);
	if (fix && len >= 40 && pkt[0] >> 4 == 6)
		write16(pkt + 4, len - 40);
	if (fix && len >= 20 && pkt[0] >> 4 == 4) {
		uint32_t ihl = (pkt[0] & 0xf) * 4u;

		write16(pkt + 2, len);
		write16(pkt + 10, 0);
		write16(pkt + 10, csum_ipv4_header(pkt, ihl >= 20 && ihl <= len ? ihl : 20));
	}
	v = nat64_packet(&ctx, pkt, len, &out);
	if (v == XLAT_DROP)
		CHECK_EQ(ends(), before + 1);
	else
		CHECK(out.n >= 1);
}

static uint8_t seeds[8][160];
static uint32_t lens[8], nseeds;

static void seed(uint32_t len)
{
	memcpy(seeds[nseeds], pkt, len);
	lens[nseeds++] = len;
}

TEST(nat64_never_crashes)
{
	struct in6_addr h = a6(H1);
	const char *why;
	uint64_t rng = 88172645463325252ull;
	uint32_t n;

	nat64_conf_defaults(&nconf);
	fixture(1, 3000);
	CHECK(nat64_static_add(ctx.db, NAT64_UDP, &h, 2000, a4("192.0.2.2"), 2000, &why));
	/* Seeds: each protocol both ways, a hairpin, then an ICMP error each way about a live flow. */
	seed(v6pkt(H1, 2000, SRV, 4000, IPPROTO_UDP, 0));
	seed(v6pkt(H1, 3000, SRV, 80, IPPROTO_TCP, TCP_SYN));
	seed(v6pkt(H1, 9, SRV, 0, IPPROTO_ICMPV6, 0));
	seed(v4pkt("192.0.2.5", 4000, "192.0.2.2", 2000, IPPROTO_UDP, 0));
	seed(v6pkt(H2, 2000, "64:ff9b::c000:202", 2000, IPPROTO_UDP, 0));
	for (uint32_t i = 0; i < nseeds; i++)
		nat64_packet(&ctx, memcpy(pkt, seeds[i], lens[i]), lens[i], &out);
	v4pkt("192.0.2.2", 2000, "192.0.2.5", 4000, IPPROTO_UDP, 0);
	memmove(pkt + 28, pkt, 32);
	v4pkt("192.0.2.9", 0, "192.0.2.2", 0, IPPROTO_ICMP, 0);
	pkt[20] = 3, pkt[21] = 3;
	memset(pkt + 22, 0, 6);
	write16(pkt + 2, 60);
	write16(pkt + 10, 0);
	write16(pkt + 10, csum_ipv4_header(pkt, 20));
	write16(pkt + 22, csum_final(csum_add(0, pkt + 20, 40)));
	seed(60);
	v6pkt(SRV, 4000, H1, 2000, IPPROTO_UDP, 0);
	memmove(pkt + 48, pkt, 52);
	v6pkt(H1, 0, SRV, 0, IPPROTO_ICMPV6, 0);
	pkt[40] = 1, pkt[41] = 4;
	memset(pkt + 42, 0, 6);
	write16(pkt + 4, 60);
	seed(100);
	n = nseeds;

	for (uint32_t i = 0; i < n; i++)
		for (uint32_t len = 0; len <= lens[i]; len++) {
			feed(seeds[i], len, false, failed);
			feed(seeds[i], len, true, failed);
			CHECK(!*failed);
		}
	for (int k = 0; k < 200000; k++) {
		uint8_t m[160];
		uint32_t i = (uint32_t)(rng % n), len;

		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		memcpy(m, seeds[i], lens[i]);
		for (int f = 0; f < 1 + (int)(rng % 4); f++)
			m[(rng >> (8 * f + 8)) % lens[i]] ^= (uint8_t)(1u << ((rng >> (8 * f)) % 8));
		len = rng % 16 ? lens[i] : (uint32_t)((rng >> 40) % (lens[i] + 1));
		feed(m, len, rng & 0x100, failed);
		CHECK(!*failed);
		if (k % 1000 == 0)
			advance(ctx.xlat.now + 30000);
	}
}

/* Four workers, each with its port slice: nat64_steer() sends a flow's packets, both ways and ICMP errors
 * about it, to the worker that holds its binding. */
TEST(nat64_steering_matches_the_partition)
{
	static const uint8_t secret[16] = "steering test";
	struct nat64 *w[4];
	struct prefix4 p4;
	const char *why;
	uint8_t q[64];
	char h[64];

	nat64_conf_defaults(&nconf);
	fixture(1, 1);	/* for xconf, st and ctx */
	nat64_free(ctx.db);
	prefix4_parse("192.0.2.2", &p4, &why);
	for (unsigned i = 0; i < 4; i++) {
		w[i] = nat64_new(&nconf, i, 4, secret);
		CHECK(w[i] && nat64_pool4_add(w[i], NAT64_UDP, &p4, 1024, 65535, &why));
	}
	for (int i = 0; i < 200; i++) {
		uint32_t len;
		unsigned k, k4;
		uint16_t p;

		snprintf(h, sizeof(h), "2001:db8:%x::1", i);
		len = v6pkt(h, 5000, SRV, 53, IPPROTO_UDP, 0);
		k = nat64_steer(pkt, len, 4);
		ctx.db = w[k];
		CHECK_EQ(nat64_packet(&ctx, pkt, len, &out), XLAT_EMIT);
		p = xlat_rd16(out.pkt[0].data + 20);
		CHECK_EQ(p % 4, k);
		/* The reply, and an ICMP error about the translated packet, find the same worker. */
		len = v4pkt("192.0.2.5", 53, "192.0.2.2", p, IPPROTO_UDP, 0);
		k4 = nat64_steer(pkt, len, 4);
		CHECK_EQ(k4, k);
		len = v4pkt("192.0.2.2", p, "192.0.2.5", 53, IPPROTO_UDP, 0);
		memcpy(q, pkt, len);
		v4pkt("198.51.100.1", 0, "192.0.2.2", 0, IPPROTO_ICMP, 0);
		pkt[20] = 3;
		memcpy(pkt + 28, q, len);
		CHECK_EQ(nat64_steer(pkt, 28 + len, 4), k);
		ctx.db = w[k4];
		CHECK_EQ(send4("192.0.2.5", 53, "192.0.2.2", p, IPPROTO_UDP, 0), XLAT_EMIT);
		CHECK(out.n == 1 && out.pkt[0].data[0] >> 4 == 6);
	}
	ctx.db = NULL;
	for (unsigned i = 0; i < 4; i++)
		nat64_free(w[i]);
}
