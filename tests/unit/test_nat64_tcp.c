/*
 * NAT64 TCP (RFC 6146 §3.5.2): the state machine's transitions and timers, the stored IPv4 SYN of a
 * simultaneous open (port unreachable after 6 s, or the IPv6 SYN taking its port), RST, IPv4-initiated
 * connections through a static binding, hairpinning, and what the translated packets carry.
 */
#include "harness.h"
#include "test_nat64.h"

#define H1 "2001:db8::5"
#define SRV6 "64:ff9b::cb00:7107"	/* 203.0.113.7 */
#define SRV4 "203.0.113.7"
#define POOL "192.0.2.2"

static const struct nat64_bib *bib;
static uint16_t port;

/* H1#5000 -> SRV 80 SYN; `bib` and `port` are the binding it got. */
static void open6(int *failed)
{
	nat64_conf_defaults(&nconf);
	fixture(1, 3000);
	ctx.xlat.now = 10000;
	CHECK_EQ(send6(H1, 5000, SRV6, 80, IPPROTO_TCP, TCP_SYN), XLAT_EMIT);
	bib = bib_of(NAT64_TCP, H1, 5000);
	CHECK(bib != NULL);
	port = bib->p4;
}

static int state(void)
{
	const struct nat64_sess *s = session_of(NAT64_TCP, H1, 5000, SRV4, 80);

	return s ? (int)s->state : -1;
}

TEST(nat64_tcp_handshake_and_close)
{
	open6(failed);
	CHECK(!*failed);
	CHECK_EQ(state(), NAT64_V6_INIT);
	/* The translation carries the binding: 192.0.2.2#port -> 203.0.113.7#80, SYN kept. */
	CHECK_EQ(out.n, 1);
	CHECK(out.pkt[0].data[0] == 0x45 && !memcmp(out.pkt[0].data + 12, &bib->a4, 4));
	CHECK_EQ(xlat_rd16(out.pkt[0].data + 20), port);
	CHECK_EQ(xlat_rd16(out.pkt[0].data + 22), 80);
	send4(SRV4, 80, POOL, port, IPPROTO_TCP, TCP_SYN | 0x10);
	CHECK_EQ(state(), NAT64_ESTABLISHED);
	/* ... and back: 64:ff9b::203.0.113.7#80 -> H1#5000. */
	CHECK(out.n == 1 && out.pkt[0].data[0] >> 4 == 6);
	CHECK_EQ(xlat_rd16(out.pkt[0].data + 42), 5000);
	send6(H1, 5000, SRV6, 80, IPPROTO_TCP, 0x10);
	CHECK_EQ(state(), NAT64_ESTABLISHED);
	send6(H1, 5000, SRV6, 80, IPPROTO_TCP, TCP_FIN | 0x10);
	CHECK_EQ(state(), NAT64_V6_FIN_RCV);
	send6(H1, 5000, SRV6, 80, IPPROTO_TCP, TCP_FIN | 0x10);	/* retransmitted: no change */
	CHECK_EQ(state(), NAT64_V6_FIN_RCV);
	send4(SRV4, 80, POOL, port, IPPROTO_TCP, TCP_FIN | 0x10);
	CHECK_EQ(state(), NAT64_V4_FIN_V6_FIN_RCV);
	send4(SRV4, 80, POOL, port, IPPROTO_TCP, 0x10);		/* the last ACK still passes */
	CHECK_EQ(out.n, 1);
	/* TCP_TRANS (4 min) after the second FIN, then the session and its binding are gone. */
	advance(10000 + 3 * 60 * 1000);
	CHECK_EQ(state(), NAT64_V4_FIN_V6_FIN_RCV);
	advance(10000 + 4 * 60 * 1000 + 2048);
	CHECK_EQ(state(), -1);
	CHECK(bib_of(NAT64_TCP, H1, 5000) == NULL);
}

TEST(nat64_tcp_rst_and_trans)
{
	open6(failed);
	CHECK(!*failed);
	send4(SRV4, 80, POOL, port, IPPROTO_TCP, TCP_SYN | 0x10);
	CHECK_EQ(state(), NAT64_ESTABLISHED);
	send4(SRV4, 80, POOL, port, IPPROTO_TCP, TCP_RST);
	CHECK_EQ(state(), NAT64_TRANS);
	/* A RST in TRANS changes nothing; anything else brings the connection back. */
	send6(H1, 5000, SRV6, 80, IPPROTO_TCP, TCP_RST);
	CHECK_EQ(state(), NAT64_TRANS);
	send6(H1, 5000, SRV6, 80, IPPROTO_TCP, 0x10);
	CHECK_EQ(state(), NAT64_ESTABLISHED);
	/* RST again, then silence: gone after TCP_TRANS, not TCP_EST. */
	ctx.xlat.now = 20000;
	send6(H1, 5000, SRV6, 80, IPPROTO_TCP, TCP_RST);
	advance(20000 + 4 * 60 * 1000 + 2048);
	CHECK_EQ(state(), -1);
}

TEST(nat64_tcp_established_timeout)
{
	open6(failed);
	CHECK(!*failed);
	nconf.tcp_est_timeout = 10 * 60 * 1000;
	CHECK(nat64_set_conf(ctx.db, &nconf));
	send4(SRV4, 80, POOL, port, IPPROTO_TCP, TCP_SYN | 0x10);
	CHECK_EQ(state(), NAT64_ESTABLISHED);
	/* Idle past TCP_EST: TRANS for TCP_TRANS, where a packet would revive it... */
	advance(10000 + 10 * 60 * 1000 + 2048);
	CHECK_EQ(state(), NAT64_TRANS);
	/* ... but none comes. */
	advance(10000 + 14 * 60 * 1000 + 4096);
	CHECK_EQ(state(), -1);
}

TEST(nat64_tcp_needs_a_syn)
{
	nat64_conf_defaults(&nconf);
	fixture(1, 3000);
	CHECK_EQ(send6(H1, 5000, SRV6, 80, IPPROTO_TCP, 0x10), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_NAT64_TCP_NO_SESSION], 1);
	CHECK(bib_of(NAT64_TCP, H1, 5000) == NULL);
	CHECK_EQ(send4(SRV4, 80, POOL, 2000, IPPROTO_TCP, 0x10), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_NAT64_TCP_NO_SESSION], 2);
}

TEST(nat64_tcp_stored_syn_times_out)
{
	nat64_conf_defaults(&nconf);
	fixture(1, 3000);
	ctx.xlat.now = 5000;
	CHECK_EQ(send4(SRV4, 40000, POOL, 1500, IPPROTO_TCP, TCP_SYN), XLAT_DROP);
	CHECK_EQ(st.c[STAT_NAT64_SYN4_STORED], 1);
	CHECK_EQ(send4(SRV4, 40000, POOL, 1500, IPPROTO_TCP, TCP_SYN), XLAT_DROP);	/* retransmission */
	CHECK_EQ(st.c[STAT_DROP_NAT64_SO_EXISTS], 1);
	advance(5000 + 5900);
	CHECK_EQ(out.n, 0);
	advance(5000 + 6000);
	/* ICMPv4 port unreachable from 192.0.2.2, quoting the SYN. */
	CHECK_EQ(out.n, 1);
	CHECK(out.pkt[0].data[20] == 3 && out.pkt[0].data[21] == 3);
	CHECK_EQ(xlat_rd16(out.pkt[0].data + 28 + 20), 40000);
	CHECK_EQ(ctx.db->nsyn4, 0);
	advance(5000 + 20000);
	CHECK_EQ(out.n, 0);
}

TEST(nat64_tcp_store_full)
{
	char h[32];

	nat64_conf_defaults(&nconf);
	nconf.max_syn4 = 2;
	fixture(1, 3000);
	for (int i = 0; i < 3; i++) {
		snprintf(h, sizeof(h), "203.0.113.%d", 10 + i);
		send4(h, 40000, POOL, 1500, IPPROTO_TCP, TCP_SYN);
	}
	CHECK_EQ(st.c[STAT_NAT64_SYN4_STORED], 2);
	CHECK_EQ(st.c[STAT_DROP_NAT64_SO_FULL], 1);
}

TEST(nat64_tcp_simultaneous_open)
{
	const struct nat64_bib *b;

	nat64_conf_defaults(&nconf);
	fixture(1, 3000);
	ctx.xlat.now = 5000;
	send4(SRV4, 2601, POOL, 2600, IPPROTO_TCP, TCP_SYN);
	CHECK_EQ(ctx.db->nsyn4, 1);
	/* The IPv6 SYN toward the same peer gets the port the IPv4 SYN was sent to (RFC 6146 §3.5.2.2). */
	CHECK_EQ(send6(H1, 31337, SRV6, 2601, IPPROTO_TCP, TCP_SYN), XLAT_EMIT);
	b = bib_of(NAT64_TCP, H1, 31337);
	CHECK(b != NULL);
	CHECK_EQ(b->p4, 2600);
	CHECK_EQ(ctx.db->nsyn4, 0);
	CHECK_EQ(session_of(NAT64_TCP, H1, 31337, SRV4, 2601)->state, NAT64_V6_INIT);
	/* The IPv4 side's SYN-ACK completes it; no port unreachable later. */
	send4(SRV4, 2601, POOL, 2600, IPPROTO_TCP, TCP_SYN | 0x10);
	CHECK_EQ(session_of(NAT64_TCP, H1, 31337, SRV4, 2601)->state, NAT64_ESTABLISHED);
	advance(5000 + 7000);
	CHECK_EQ(out.n, 0);
}

TEST(nat64_tcp_ipv4_initiated_through_static)
{
	struct in6_addr h = a6(H1);
	const struct nat64_sess *s;
	const char *why;

	nat64_conf_defaults(&nconf);
	fixture(1, 3000);
	CHECK(nat64_static_add(ctx.db, NAT64_TCP, &h, 22, a4(POOL), 2222, &why));
	ctx.xlat.now = 1000;
	CHECK_EQ(send4(SRV4, 50000, POOL, 2222, IPPROTO_TCP, TCP_SYN), XLAT_EMIT);
	CHECK(out.n == 1 && out.pkt[0].data[0] >> 4 == 6);
	CHECK_EQ(xlat_rd16(out.pkt[0].data + 42), 22);
	s = session_of(NAT64_TCP, H1, 22, SRV4, 50000);
	CHECK(s && s->state == NAT64_V4_INIT);
	send6(H1, 22, SRV6, 50000, IPPROTO_TCP, TCP_SYN | 0x10);
	CHECK_EQ(session_of(NAT64_TCP, H1, 22, SRV4, 50000)->state, NAT64_ESTABLISHED);
	/* An unanswered IPv4 SYN's session lasts TCP_INCOMING_SYN (6 s). */
	send4("203.0.113.8", 50000, POOL, 2222, IPPROTO_TCP, TCP_SYN);
	advance(1000 + 6000 + 2048);
	CHECK(session_of(NAT64_TCP, H1, 22, "203.0.113.8", 50000) == NULL);
	CHECK(session_of(NAT64_TCP, H1, 22, SRV4, 50000) != NULL);
	/* drop-externally-initiated-tcp refuses it even through the static entry. */
	nconf.drop_external_tcp = true;
	CHECK(nat64_set_conf(ctx.db, &nconf));
	CHECK_EQ(send4("203.0.113.9", 50000, POOL, 2222, IPPROTO_TCP, TCP_SYN), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_NAT64_TCP_EXTERNAL], 1);
}

TEST(nat64_tcp_adf_stores_the_syn)
{
	struct in6_addr h = a6(H1);
	const char *why;

	nat64_conf_defaults(&nconf);
	nconf.adf = true;
	fixture(1, 3000);
	CHECK(nat64_static_add(ctx.db, NAT64_TCP, &h, 22, a4(POOL), 2222, &why));
	CHECK_EQ(send4(SRV4, 50000, POOL, 2222, IPPROTO_TCP, TCP_SYN), XLAT_DROP);
	CHECK_EQ(st.c[STAT_NAT64_SYN4_STORED], 1);
	/* The IPv6 host's own SYN to that peer opens it, and the held SYN is forgotten. */
	send6(H1, 22, SRV6, 50000, IPPROTO_TCP, TCP_SYN);
	CHECK_EQ(ctx.db->nsyn4, 0);
	CHECK_EQ(session_of(NAT64_TCP, H1, 22, SRV4, 50000)->state, NAT64_V6_INIT);
}

TEST(nat64_hairpin)
{
	struct in6_addr h = a6("2001:db8::77");
	const struct nat64_bib *b;
	const char *why;

	nat64_conf_defaults(&nconf);
	fixture(1, 3000);
	CHECK(nat64_static_add(ctx.db, NAT64_UDP, &h, 53, a4(POOL), 53, &why));
	/* H1 reaches the static host through the pool4 address: 64:ff9b::192.0.2.2#53. */
	CHECK_EQ(send6(H1, 6000, "64:ff9b::c000:202", 53, IPPROTO_UDP, 0), XLAT_EMIT);
	b = bib_of(NAT64_UDP, H1, 6000);
	CHECK(b != NULL);
	CHECK_EQ(st.c[STAT_HAIRPIN], 1);
	CHECK(out.n == 1 && out.pkt[0].data[0] >> 4 == 6);
	CHECK(!memcmp(out.pkt[0].data + 24, &h, 16));
	/* Source: pool6 + 192.0.2.2, H1's IPv4 port; hop limit decremented once. */
	CHECK_EQ(out.pkt[0].data[7], 63);
	CHECK_EQ(xlat_rd16(out.pkt[0].data + 40), b->p4);
	CHECK(session_of(NAT64_UDP, "2001:db8::77", 53, POOL, b->p4) != NULL);
	/* A hairpinned UDP packet to nobody: port unreachable to the IPv6 sender, quoting its packet. */
	CHECK_EQ(send6(H1, 6000, "64:ff9b::c000:202", 54, IPPROTO_UDP, 0), XLAT_EMIT);
	CHECK(out.n == 1 && out.pkt[0].data[0] >> 4 == 6 && out.pkt[0].data[40] == 1 && out.pkt[0].data[41] == 4);
	CHECK_EQ(xlat_rd16(out.pkt[0].data + 48 + 42), 54);
}

TEST(nat64_icmp_error_follows_the_session)
{
	uint8_t q[64];
	uint32_t n;

	open6(failed);
	CHECK(!*failed);
	/* A router (198.51.100.1) says the translated SYN's destination is unreachable. */
	n = v4pkt(POOL, port, SRV4, 80, IPPROTO_TCP, TCP_SYN);
	memcpy(q, pkt, n);
	v4pkt("198.51.100.1", 0, POOL, 0, IPPROTO_ICMP, 0);
	pkt[20] = 3;
	pkt[21] = 1;
	memset(pkt + 22, 0, 6);
	memcpy(pkt + 28, q, n);
	write16(pkt + 2, 28 + n);
	write16(pkt + 10, 0);
	write16(pkt + 10, csum_ipv4_header(pkt, 20));
	write16(pkt + 22, csum_final(csum_add(0, pkt + 20, 8 + n)));
	CHECK_EQ(nat64_packet(&ctx, pkt, 28 + n, &out), XLAT_EMIT);
	CHECK(out.n == 1 && out.pkt[0].data[40] == 1);
	/* From pool6 + the router (source-icmpv6-errors-better), about H1#5000 -> 203.0.113.7#80. */
	CHECK(!memcmp(out.pkt[0].data + 8, &(struct in6_addr){ .s6_addr = { 0, 0x64, 0xff, 0x9b, [12] = 198, 51, 100, 1 } }, 16));
	CHECK_EQ(xlat_rd16(out.pkt[0].data + 48 + 40), 5000);
	CHECK_EQ(xlat_rd16(out.pkt[0].data + 48 + 42), 80);
	CHECK_EQ(state(), NAT64_V6_INIT);	/* errors change no state */
	/* Without a binding it goes nowhere. */
	write16(pkt + 28 + 20, port + 1);
	write16(pkt + 22, 0);
	write16(pkt + 22, csum_final(csum_add(0, pkt + 20, 8 + n)));
	CHECK_EQ(nat64_packet(&ctx, pkt, 28 + n, &out), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_NAT64_ICMP_NO_BIB], 1);
}
