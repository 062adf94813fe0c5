/*
 * Stateful NAT64 through the RFC 7915 core (RFC 6146 §3.7): with ctx->tuple set, addresses, TCP/UDP ports and
 * the ICMP echo identifier come from the tuple, checksums follow incrementally (a wrong one stays as wrong),
 * and the packet an ICMP error quotes gets the tuple reversed. Without a tuple the result is SIIT's.
 * Packets are built here byte by byte.
 */
#include <arpa/inet.h>

#include "csum.h"
#include "harness.h"
#include "xlat_internal.h"

/* The flow: 2001:db8::5#2000 <-> BIB 192.0.2.2#61001 <-> 198.51.100.7#53 (64:ff9b::198.51.100.7). */
#define CLIENT6 "2001:db8::5"
#define SERVER6 "64:ff9b::c633:6407"
#define POOL4 "192.0.2.2"
#define SERVER4 "198.51.100.7"
#define CPORT 2000
#define PPORT 61001
#define SPORT 53

static uint8_t scratch[XLAT_SCRATCH_SIZE];
static uint8_t buf[XLAT_HEADROOM + 4096 + XLAT_TAILROOM];
static uint8_t *const pkt = buf + XLAT_HEADROOM;
static struct xlat_conf conf;
static struct stats st;
static struct xlat_ctx ctx;
static struct xlat_out out;
static struct xlat_tuple tuple;

/* pool6 64:ff9b::/96 (non-global IPv4 allowed, for the documentation addresses used here) and an EAMT entry
 * 2001:db8::/120 <-> 192.0.2.0/24, so that SIIT can translate the same packets. */
static void setup(void)
{
	const char *why;
	struct prefix4 p4;
	struct prefix6 p6;

	xlat_conf_defaults(&conf);
	conf.has_pool6 = true;
	conf.allow_nonglobal = true;
	prefix6_parse("64:ff9b::/96", &conf.pool6, &why);
	prefix4_parse("192.0.2.0/24", &p4, &why);
	prefix6_parse("2001:db8::/120", &p6, &why);
	eamt_add(&conf.eamt, &p6, &p4, &why);
	conf.mtu4 = conf.mtu6 = 1500;
	memset(&st, 0, sizeof(st));
	ctx = (struct xlat_ctx){ .conf = &conf, .stats = &st, .rng = 7, .scratch = scratch };
	memset(buf, 0, sizeof(buf));
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static bool same4(const uint8_t *p, const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return memcmp(p, &a, 4) == 0;
}

static bool same6(const uint8_t *p, const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	return memcmp(p, &a, 16) == 0;
}

/* The outgoing tuples of the flow: 6->4 (client to server) and 4->6 (server to client). */
static const struct xlat_tuple *tuple64(void)
{
	memset(&tuple, 0, sizeof(tuple));
	inet_pton(AF_INET, POOL4, &tuple.src.v4);
	inet_pton(AF_INET, SERVER4, &tuple.dst.v4);
	tuple.sport = PPORT;
	tuple.dport = SPORT;
	return &tuple;
}

static const struct xlat_tuple *tuple46(void)
{
	memset(&tuple, 0, sizeof(tuple));
	inet_pton(AF_INET6, SERVER6, &tuple.src.v6);
	inet_pton(AF_INET6, CLIENT6, &tuple.dst.v6);
	tuple.sport = SPORT;
	tuple.dport = CPORT;
	return &tuple;
}

/* What a receiver computes over an IPv6 / IPv4 datagram's L4 segment: 0 when its checksum is right, else how
 * wrong it is. */
static uint16_t residue6(const uint8_t *p, uint32_t len)
{
	struct in6_addr s, d;

	memcpy(&s, p + 8, 16);
	memcpy(&d, p + 24, 16);
	return csum_final(csum_add(csum_pseudo6(&s, &d, p[6], len - 40), p + 40, len - 40));
}

static uint16_t residue4(const uint8_t *p, uint32_t len)
{
	struct in_addr s, d;
	uint32_t ihl = (p[0] & 15) * 4u;

	memcpy(&s, p + 12, 4);
	memcpy(&d, p + 16, 4);
	/* ICMPv4 has no pseudo-header. */
	if (p[9] == IPPROTO_ICMP)
		return csum_final(csum_add(0, p + ihl, len - ihl));
	return csum_final(csum_add(csum_pseudo4(s, d, p[9], len - ihl), p + ihl, len - ihl));
}

/* An IPv6 datagram at p: header, then an L4 header of proto with the given ports (or echo identifier in
 * sport), then n payload bytes; its checksum set right. Returns the length. */
static uint32_t build6(uint8_t *p, const char *src, const char *dst, uint8_t proto, uint16_t sport,
		       uint16_t dport, uint32_t n)
{
	uint32_t hl = proto == IPPROTO_TCP ? 20 : 8, at = proto == IPPROTO_TCP ? 16 : proto == 17 ? 6 : 2;
	uint8_t *l4 = p + 40;

	memset(p, 0, 40 + hl);
	p[0] = 0x60;
	wr16(p + 4, hl + n);
	p[6] = proto;
	p[7] = 64;
	inet_pton(AF_INET6, src, p + 8);
	inet_pton(AF_INET6, dst, p + 24);
	if (proto == IPPROTO_ICMPV6) {
		l4[0] = 128;
		wr16(l4 + 4, sport);
		wr16(l4 + 6, 1);	/* sequence */
	} else {
		wr16(l4, sport);
		wr16(l4 + 2, dport);
	}
	if (proto == IPPROTO_UDP)
		wr16(l4 + 4, 8 + n);
	if (proto == IPPROTO_TCP)
		l4[12] = 0x50;
	for (uint32_t i = 0; i < n; i++)
		l4[hl + i] = (uint8_t)(i * 7 + 1);
	wr16(l4 + at, residue6(p, 40 + hl + n));
	return 40 + hl + n;
}

/* The IPv4 twin of build6() (ICMP: echo request). */
static uint32_t build4(uint8_t *p, const char *src, const char *dst, uint8_t proto, uint16_t sport,
		       uint16_t dport, uint32_t n)
{
	uint32_t hl = proto == IPPROTO_TCP ? 20 : 8, at = proto == IPPROTO_TCP ? 16 : proto == 17 ? 6 : 2;
	uint8_t *l4 = p + 20;

	memset(p, 0, 20 + hl);
	p[0] = 0x45;
	wr16(p + 2, 20 + hl + n);
	wr16(p + 4, 0x1234);
	p[8] = 64;
	p[9] = proto;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, dst, p + 16);
	wr16(p + 10, csum_ipv4_header(p, 20));
	if (proto == IPPROTO_ICMP) {
		l4[0] = 8;
		wr16(l4 + 4, sport);
		wr16(l4 + 6, 1);
	} else {
		wr16(l4, sport);
		wr16(l4 + 2, dport);
	}
	if (proto == IPPROTO_UDP)
		wr16(l4 + 4, 8 + n);
	if (proto == IPPROTO_TCP)
		l4[12] = 0x50;
	for (uint32_t i = 0; i < n; i++)
		l4[hl + i] = (uint8_t)(i * 7 + 1);
	wr16(l4 + at, residue4(p, 20 + hl + n));
	return 20 + hl + n;
}

static bool ip4_valid(const uint8_t *p, uint32_t len)
{
	return p[0] == 0x45 && rd16(p + 2) == len && csum_ipv4_header(p, 20) == rd16(p + 10);
}

/* 6->4 of proto through tuple64(): addresses and ports (or the echo identifier) from the tuple, the checksum
 * right, and as wrong after as before for a wrong one. */
static void check64(int *failed, uint8_t proto)
{
	static const uint16_t wrong[] = { 0, 1, 0x1234, 0x8001, 0xfffe };
	uint32_t at = proto == IPPROTO_TCP ? 16 : proto == 17 ? 6 : 2;

	for (unsigned i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		setup();
		ctx.tuple = tuple64();
		uint32_t len = build6(pkt, CLIENT6, SERVER6, proto, CPORT, SPORT, 101);
		wr16(pkt + 40 + at, rd16(pkt + 40 + at) ^ wrong[i]);
		uint16_t before = residue6(pkt, len);

		CHECK_EQ(xlat64_packet(&ctx, pkt, len, &out), XLAT_EMIT);
		CHECK_EQ(out.n, 1u);
		uint8_t *p = out.pkt[0].data;
		CHECK_EQ(out.pkt[0].len, len - 20);
		CHECK(ip4_valid(p, len - 20));
		CHECK(same4(p + 12, POOL4));
		CHECK(same4(p + 16, SERVER4));
		if (proto == IPPROTO_ICMPV6) {
			CHECK_EQ(p[20], 8);
			CHECK_EQ(rd16(p + 24), PPORT);
			CHECK_EQ(rd16(p + 26), 1);
		} else {
			CHECK_EQ(rd16(p + 20), PPORT);
			CHECK_EQ(rd16(p + 22), SPORT);
		}
		CHECK_EQ(residue4(p, len - 20), before);
		CHECK_EQ(p[20 + (proto == IPPROTO_TCP ? 20 : 8) + 100], (uint8_t)(100 * 7 + 1));
		CHECK_EQ(st.c[STAT_TRANSLATED64], 1u);
	}
}

TEST(tuple64_udp)
{
	check64(failed, IPPROTO_UDP);
}

TEST(tuple64_tcp)
{
	check64(failed, IPPROTO_TCP);
}

TEST(tuple64_echo)
{
	check64(failed, IPPROTO_ICMPV6);
}

/* 4->6 of proto through tuple46(), as check64(). */
static void check46(int *failed, uint8_t proto)
{
	static const uint16_t wrong[] = { 0, 1, 0x1234, 0x8001, 0xfffe };
	uint32_t at = proto == IPPROTO_TCP ? 16 : proto == 17 ? 6 : 2;

	for (unsigned i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		setup();
		ctx.tuple = tuple46();
		uint32_t len = build4(pkt, SERVER4, POOL4, proto, SPORT, PPORT, 101);
		wr16(pkt + 20 + at, rd16(pkt + 20 + at) ^ wrong[i]);
		uint16_t before = residue4(pkt, len);

		CHECK_EQ(xlat46_packet(&ctx, pkt, len, &out), XLAT_EMIT);
		CHECK_EQ(out.n, 1u);
		uint8_t *p = out.pkt[0].data;
		CHECK_EQ(out.pkt[0].len, len + 20);
		CHECK_EQ(rd16(p + 4), len - 20);
		CHECK(same6(p + 8, SERVER6));
		CHECK(same6(p + 24, CLIENT6));
		if (proto == IPPROTO_ICMP) {
			CHECK_EQ(p[6], IPPROTO_ICMPV6);
			CHECK_EQ(p[40], 128);
			CHECK_EQ(rd16(p + 44), SPORT);	/* the identifier is the tuple's sport */
			CHECK_EQ(rd16(p + 46), 1);
		} else {
			CHECK_EQ(rd16(p + 40), SPORT);
			CHECK_EQ(rd16(p + 42), CPORT);
		}
		/* ICMPv6 gains a pseudo-header ICMPv4 lacks: a wrong checksum still stays as wrong. */
		CHECK_EQ(residue6(p, len + 20), before);
		CHECK_EQ(st.c[STAT_TRANSLATED46], 1u);
	}
}

TEST(tuple46_udp)
{
	check46(failed, IPPROTO_UDP);
}

TEST(tuple46_tcp)
{
	check46(failed, IPPROTO_TCP);
}

TEST(tuple46_echo)
{
	check46(failed, IPPROTO_ICMP);
}

/* RFC 7915 §4.5: a zero UDP checksum, when computed, covers the rewritten ports; in 6->4 it stays zero while
 * the ports change. */
TEST(tuple_udp_zero_checksum)
{
	setup();
	conf.amend_udp_zero_csum = true;
	ctx.tuple = tuple46();
	uint32_t len = build4(pkt, SERVER4, POOL4, IPPROTO_UDP, SPORT, PPORT, 30);
	wr16(pkt + 26, 0);
	CHECK_EQ(xlat46_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(rd16(out.pkt[0].data + 42), CPORT);
	CHECK(rd16(out.pkt[0].data + 46) != 0);
	CHECK_EQ(residue6(out.pkt[0].data, len + 20), 0);

	setup();
	ctx.tuple = tuple64();
	len = build6(pkt, CLIENT6, SERVER6, IPPROTO_UDP, CPORT, SPORT, 30);
	wr16(pkt + 46, 0);
	CHECK_EQ(xlat64_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(rd16(out.pkt[0].data + 20), PPORT);
	CHECK_EQ(rd16(out.pkt[0].data + 26), 0);
}

/* Only a first fragment has ports to rewrite; later ones take the tuple's addresses only. */
TEST(tuple46_fragments)
{
	setup();
	ctx.tuple = tuple46();
	uint32_t len = build4(pkt, SERVER4, POOL4, IPPROTO_UDP, SPORT, PPORT, 64);
	wr16(pkt + 6, IP4_MF);
	wr16(pkt + 10, csum_ipv4_header(pkt, 20));
	CHECK_EQ(xlat46_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(out.pkt[0].data[6], 44);
	CHECK_EQ(rd16(out.pkt[0].data + 48 + 2), CPORT);

	setup();
	ctx.tuple = tuple46();
	len = build4(pkt, SERVER4, POOL4, IPPROTO_UDP, SPORT, PPORT, 64);
	wr16(pkt + 6, 3);			/* offset 24: no L4 header here */
	wr16(pkt + 10, csum_ipv4_header(pkt, 20));
	uint8_t copy[100];
	memcpy(copy, pkt + 20, len - 20);
	CHECK_EQ(xlat46_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK(same6(out.pkt[0].data + 8, SERVER6));
	CHECK(same6(out.pkt[0].data + 24, CLIENT6));
	CHECK_MEM(out.pkt[0].data + 48, copy, len - 20);
}

/*
 * An ICMPv4 Port Unreachable (3/3) from the server about the flow's 6->4 UDP packet, as it came out of the
 * NAT64 (192.0.2.2#61001 -> 198.51.100.7#53). Its outgoing tuple is tuple46(): the outer header takes it,
 * the quoted packet takes it reversed (2001:db8::5#2000 -> 64:ff9b::198.51.100.7#53).
 */
TEST(tuple46_icmp_error)
{
	setup();
	ctx.tuple = tuple46();
	uint8_t q[200];
	uint32_t qlen = build4(q, POOL4, SERVER4, IPPROTO_UDP, PPORT, SPORT, 40);
	q[8] = 63;
	wr16(q + 10, csum_ipv4_header(q, 20));
	uint32_t len = build4(pkt, SERVER4, POOL4, IPPROTO_ICMP, 0, 0, qlen);
	pkt[20] = 3;
	pkt[21] = 3;
	memset(pkt + 24, 0, 4);
	memcpy(pkt + 28, q, qlen);
	wr16(pkt + 22, 0);
	wr16(pkt + 22, residue4(pkt, len));

	CHECK_EQ(xlat46_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(out.n, 1u);
	uint8_t *p = out.pkt[0].data, *in = p + 48;
	CHECK_EQ(out.pkt[0].len, 48 + qlen + 20);
	CHECK(same6(p + 8, SERVER6));
	CHECK(same6(p + 24, CLIENT6));
	CHECK_EQ(p[40], 1);
	CHECK_EQ(p[41], 4);
	CHECK_EQ(residue6(p, out.pkt[0].len), 0);
	CHECK(same6(in + 8, CLIENT6));
	CHECK(same6(in + 24, SERVER6));
	CHECK_EQ(in[7], 63);
	CHECK_EQ(rd16(in + 40), CPORT);
	CHECK_EQ(rd16(in + 42), SPORT);
	CHECK_EQ(residue6(in, qlen + 20), 0);	/* the quote is whole, so its checksum checks out */
	CHECK_EQ(st.c[STAT_TRANSLATED46], 1u);
}

/* The same for an ICMPv6 Port Unreachable (1/4) from the client about the flow's 4->6 packet
 * (64:ff9b::198.51.100.7#53 -> 2001:db8::5#2000), with outgoing tuple tuple64(). */
TEST(tuple64_icmp_error)
{
	setup();
	ctx.tuple = tuple64();
	uint8_t q[200];
	uint32_t qlen = build6(q, SERVER6, CLIENT6, IPPROTO_UDP, SPORT, CPORT, 40);
	q[7] = 63;
	uint32_t len = build6(pkt, CLIENT6, SERVER6, IPPROTO_ICMPV6, 0, 0, qlen);
	pkt[40] = 1;
	pkt[41] = 4;
	memset(pkt + 44, 0, 4);
	memcpy(pkt + 48, q, qlen);
	wr16(pkt + 42, 0);
	wr16(pkt + 42, residue6(pkt, len));

	CHECK_EQ(xlat64_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(out.n, 1u);
	uint8_t *p = out.pkt[0].data, *in = p + 28;
	CHECK_EQ(out.pkt[0].len, 28 + qlen - 20);
	CHECK(ip4_valid(p, out.pkt[0].len));
	CHECK(same4(p + 12, POOL4));
	CHECK(same4(p + 16, SERVER4));
	CHECK_EQ(p[20], 3);
	CHECK_EQ(p[21], 3);
	CHECK_EQ(residue4(p, out.pkt[0].len), 0);
	CHECK(same4(in + 12, SERVER4));
	CHECK(same4(in + 16, POOL4));
	CHECK_EQ(in[8], 63);
	CHECK_EQ(rd16(in + 20), SPORT);
	CHECK_EQ(rd16(in + 22), PPORT);
	CHECK_EQ(residue4(in, qlen - 20), 0);
	CHECK_EQ(st.c[STAT_TRANSLATED64], 1u);
}

/* A quoted ICMP echo takes the tuple's sport as its identifier, whichever way it travels: here a Time
 * Exceeded from a router on the IPv4 side about the client's echo (192.0.2.2 id 61001 -> 198.51.100.7),
 * going back to the client whose identifier was 2000. */
TEST(tuple46_icmp_error_quoting_echo)
{
	setup();
	ctx.tuple = tuple46();
	tuple.sport = CPORT;
	tuple.dport = 0;
	uint8_t q[100];
	uint32_t qlen = build4(q, POOL4, SERVER4, IPPROTO_ICMP, PPORT, 0, 24);
	uint32_t len = build4(pkt, "203.0.113.1", POOL4, IPPROTO_ICMP, 0, 0, qlen);
	pkt[20] = 11;
	pkt[21] = 0;
	memset(pkt + 24, 0, 4);
	memcpy(pkt + 28, q, qlen);
	wr16(pkt + 22, 0);
	wr16(pkt + 22, residue4(pkt, len));

	CHECK_EQ(xlat46_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	uint8_t *p = out.pkt[0].data, *in = p + 48;
	CHECK_EQ(p[40], 3);
	CHECK(same6(p + 8, SERVER6));		/* RFC 6146 §3.7: the tuple's source, whoever sent the error */
	CHECK_EQ(in[40], 128);
	CHECK_EQ(rd16(in + 44), CPORT);
	CHECK_EQ(residue6(in, qlen + 20), 0);
	CHECK_EQ(residue6(p, out.pkt[0].len), 0);
}

/* Quotes cut anywhere inside their L4 header: whatever is there is rewritten, nothing beyond is touched. */
TEST(tuple_icmp_error_short_quotes)
{
	for (uint32_t cut = 20; cut <= 40; cut++) {
		setup();
		ctx.tuple = tuple46();
		uint8_t q[100];
		build4(q, POOL4, SERVER4, IPPROTO_TCP, PPORT, SPORT, 0);
		uint32_t len = build4(pkt, SERVER4, POOL4, IPPROTO_ICMP, 0, 0, cut);
		pkt[20] = 3;
		pkt[21] = 3;
		memset(pkt + 24, 0, 4);
		memcpy(pkt + 28, q, cut);
		wr16(pkt + 22, 0);
		wr16(pkt + 22, residue4(pkt, len));
		enum xlat_verdict v = xlat46_packet(&ctx, pkt, len, &out);
		if (cut >= 28) {
			CHECK_EQ(v, XLAT_EMIT);
			CHECK_EQ(out.pkt[0].len, 48 + cut + 20);
			CHECK_EQ(rd16(out.pkt[0].data + 48 + 40), CPORT);
			CHECK_EQ(rd16(out.pkt[0].data + 48 + 42), SPORT);
		} else {
			CHECK_EQ(v, XLAT_DROP);
			CHECK_EQ(st.c[STAT_DROP_ICMP_INNER], 1u);
		}
	}
}

/* Without a tuple the core is SIIT: the same packet maps with the EAMT/pool6 and keeps its ports; a tuple
 * holding exactly those addresses and ports gives the same bytes. */
TEST(tuple_null_is_siit)
{
	static const uint8_t protos[] = { IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMPV6 };
	uint8_t siit[300];

	for (unsigned i = 0; i < sizeof(protos); i++) {
		setup();
		uint32_t len = build6(pkt, CLIENT6, SERVER6, protos[i], CPORT, SPORT, 50);
		CHECK_EQ(xlat64_packet(&ctx, pkt, len, &out), XLAT_EMIT);
		uint8_t *p = out.pkt[0].data;
		CHECK(same4(p + 12, "192.0.2.5"));
		CHECK(same4(p + 16, SERVER4));
		CHECK_EQ(rd16(p + 20 + (protos[i] == IPPROTO_ICMPV6 ? 4 : 0)), CPORT);
		CHECK_EQ(residue4(p, out.pkt[0].len), 0);
		memcpy(siit, p, out.pkt[0].len);

		setup();
		ctx.tuple = tuple64();
		inet_pton(AF_INET, "192.0.2.5", &tuple.src.v4);
		tuple.sport = CPORT;
		len = build6(pkt, CLIENT6, SERVER6, protos[i], CPORT, SPORT, 50);
		CHECK_EQ(xlat64_packet(&ctx, pkt, len, &out), XLAT_EMIT);
		CHECK_MEM(out.pkt[0].data, siit, out.pkt[0].len);
	}
}
