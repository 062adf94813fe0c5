/*
 * Stateful NAT64 through the RFC 7915 core (RFC 6146 §3.7): with ctx->tuple set, addresses, TCP/UDP ports and
 * the ICMP echo identifier come from the tuple, checksums follow incrementally (a wrong one stays as wrong),
 * and the packet an ICMP error quotes gets the tuple reversed. Without a tuple the result is SIIT's.
 * Packets are built here byte by byte.
 */
#include <arpa/inet.h>

#include "harness.h"
#include "testpkt.h"
#include "xlat_internal.h"

/* The flow: 2001:db8::5#2000 <-> BIB 192.0.2.2#61001 <-> 198.51.100.7#53 (64:ff9b::198.51.100.7). */
#define CLIENT6 "2001:db8::5"
#define SERVER6 "64:ff9b::c633:6407"
#define POOL4 "192.0.2.2"
#define SERVER4 "198.51.100.7"
#define CPORT 2000
#define PPORT 61001
#define SPORT 53

TP_SUITE_STATE(4096);
static struct xlat_tuple tuple;

/* pool6 64:ff9b::/96 (non-global IPv4 allowed, for the documentation addresses used here) and an EAMT entry
 * 2001:db8::/120 <-> 192.0.2.0/24, so that SIIT can translate the same packets. */
static void setup(void)
{
	static const struct tp_conf nat64 = {
		.pool6 = "64:ff9b::/96", .allow_nonglobal = true, .eam6 = "2001:db8::/120", .eam4 = "192.0.2.0/24",
		.mtu4 = 1500, .mtu6 = 1500,
	};

	tp_conf_init(&conf, &nat64);
	ctx = tp_ctx(&conf, &st, scratch, 7);
	memset(buf, 0, sizeof(buf));
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

/* An IPv6 (af AF_INET6) or IPv4 datagram at p: header, then an L4 header of proto with the given ports (or
 * echo request identifier in sport), then n payload bytes; its checksum set right. Returns the length. */
static uint32_t build(uint8_t *p, int af, const char *src, const char *dst, uint8_t proto, uint16_t sport,
		      uint16_t dport, uint32_t n)
{
	uint32_t ip = af == AF_INET6 ? 40 : 20, hl = proto == IPPROTO_TCP ? 20 : 8;
	uint8_t *l4 = p + ip;

	if (af == AF_INET6) {
		tp_ip6(p, src, dst, proto, 64, hl + n);
	} else {
		tp_ip4(p, src, dst, proto, 64, hl + n);
		tp_wr16(p + 4, 0x1234);
		tp_ip4_csum(p);
	}
	memset(l4, 0, hl);
	if (proto == IPPROTO_ICMPV6 || proto == IPPROTO_ICMP) {
		l4[0] = proto == IPPROTO_ICMPV6 ? 128 : 8;
		tp_wr16(l4 + 4, sport);
		tp_wr16(l4 + 6, 1);	/* sequence */
	} else {
		tp_wr16(l4, sport);
		tp_wr16(l4 + 2, dport);
	}
	if (proto == IPPROTO_UDP)
		tp_wr16(l4 + 4, 8 + n);
	if (proto == IPPROTO_TCP)
		l4[12] = 0x50;
	for (uint32_t i = 0; i < n; i++)
		l4[hl + i] = (uint8_t)(i * 7 + 1);
	if (af == AF_INET6)
		tp_csum6(p, ip + hl + n);
	else
		tp_csum4(p, ip + hl + n);
	return ip + hl + n;
}

/* Make the ICMP message at pkt (len bytes, after an IP header of hl bytes) an error of type/code quoting the
 * n bytes at q, its checksum right. */
static void make_error(uint32_t hl, uint32_t len, uint8_t type, uint8_t code, const uint8_t *q, uint32_t n)
{
	pkt[hl] = type;
	pkt[hl + 1] = code;
	memset(pkt + hl + 4, 0, 4);
	memcpy(pkt + hl + 8, q, n);
	if (hl == 40)
		tp_csum6(pkt, len);
	else
		tp_csum4(pkt, len);
}

/* The 6->4 packet of proto through tuple64(): addresses and ports (or the echo identifier) from the tuple. */
static void check_out4(int *failed, uint8_t proto, uint32_t len, uint16_t before)
{
	uint8_t *p = out.pkt[0].data;

	CHECK_EQ(out.pkt[0].len, len - 20);
	CHECK(tp_ip4_valid(p, len - 20));
	CHECK(tp_same4(p + 12, POOL4));
	CHECK(tp_same4(p + 16, SERVER4));
	if (proto == IPPROTO_ICMPV6) {
		CHECK_EQ(p[20], 8);
		CHECK_EQ(tp_rd16(p + 24), PPORT);
		CHECK_EQ(tp_rd16(p + 26), 1);
	} else {
		CHECK_EQ(tp_rd16(p + 20), PPORT);
		CHECK_EQ(tp_rd16(p + 22), SPORT);
	}
	CHECK_EQ(tp_residue4(p, len - 20), before);
	CHECK_EQ(p[20 + (proto == IPPROTO_TCP ? 20 : 8) + 100], (uint8_t)(100 * 7 + 1));
	CHECK_EQ(st.c[STAT_TRANSLATED64], 1u);
}

/* The 4->6 packet of proto through tuple46(), the same way. */
static void check_out6(int *failed, uint8_t proto, uint32_t len, uint16_t before)
{
	uint8_t *p = out.pkt[0].data;

	CHECK_EQ(out.pkt[0].len, len + 20);
	CHECK_EQ(tp_rd16(p + 4), len - 20);
	CHECK(tp_same6(p + 8, SERVER6));
	CHECK(tp_same6(p + 24, CLIENT6));
	if (proto == IPPROTO_ICMP) {
		CHECK_EQ(p[6], IPPROTO_ICMPV6);
		CHECK_EQ(p[40], 128);
		CHECK_EQ(tp_rd16(p + 44), SPORT);	/* the identifier is the tuple's sport */
		CHECK_EQ(tp_rd16(p + 46), 1);
	} else {
		CHECK_EQ(tp_rd16(p + 40), SPORT);
		CHECK_EQ(tp_rd16(p + 42), CPORT);
	}
	/* ICMPv6 gains a pseudo-header ICMPv4 lacks: a wrong checksum still stays as wrong. */
	CHECK_EQ(tp_residue6(p, len + 20), before);
	CHECK_EQ(st.c[STAT_TRANSLATED46], 1u);
}

/* The flow's packet of proto from the client (6->4, from6) or the server (4->6) through its tuple, with its
 * checksum right and made wrong by several amounts: checked by check_out4() / check_out6(), the checksum as
 * wrong after as before. */
static void check_flow(int *failed, bool from6, uint8_t proto)
{
	static const uint16_t wrong[] = { 0, 1, 0x1234, 0x8001, 0xfffe };
	uint32_t at = (from6 ? 40 : 20) + tp_csum_at(proto);

	for (unsigned i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		setup();
		ctx.tuple = from6 ? tuple64() : tuple46();
		uint32_t len = from6 ? build(pkt, AF_INET6, CLIENT6, SERVER6, proto, CPORT, SPORT, 101)
				     : build(pkt, AF_INET, SERVER4, POOL4, proto, SPORT, PPORT, 101);
		tp_wr16(pkt + at, tp_rd16(pkt + at) ^ wrong[i]);
		uint16_t before = from6 ? tp_residue6(pkt, len) : tp_residue4(pkt, len);

		CHECK_EQ((from6 ? xlat64_packet : xlat46_packet)(&ctx, pkt, len, &out), XLAT_EMIT);
		CHECK_EQ(out.n, 1u);
		if (from6)
			check_out4(failed, proto, len, before);
		else
			check_out6(failed, proto, len, before);
		if (*failed)
			return;		/* already reported */
	}
}

/* One test a direction and protocol. */
#define FLOW_TEST(name, from6, proto)             \
	TEST(name)                                 \
	{                                          \
		check_flow(failed, from6, proto); \
	}

FLOW_TEST(tuple64_udp, true, IPPROTO_UDP)
FLOW_TEST(tuple64_tcp, true, IPPROTO_TCP)
FLOW_TEST(tuple64_echo, true, IPPROTO_ICMPV6)
FLOW_TEST(tuple46_udp, false, IPPROTO_UDP)
FLOW_TEST(tuple46_tcp, false, IPPROTO_TCP)
FLOW_TEST(tuple46_echo, false, IPPROTO_ICMP)

/* RFC 7915 §4.5: a zero UDP checksum, when computed, covers the rewritten ports; in 6->4 it stays zero while
 * the ports change. */
TEST(tuple_udp_zero_checksum)
{
	setup();
	conf.amend_udp_zero_csum = true;
	ctx.tuple = tuple46();
	uint32_t len = build(pkt, AF_INET, SERVER4, POOL4, IPPROTO_UDP, SPORT, PPORT, 30);
	tp_wr16(pkt + 26, 0);
	CHECK_EQ(xlat46_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(tp_rd16(out.pkt[0].data + 42), CPORT);
	CHECK(tp_rd16(out.pkt[0].data + 46) != 0);
	CHECK_EQ(tp_residue6(out.pkt[0].data, len + 20), 0);

	setup();
	ctx.tuple = tuple64();
	len = build(pkt, AF_INET6, CLIENT6, SERVER6, IPPROTO_UDP, CPORT, SPORT, 30);
	tp_wr16(pkt + 46, 0);
	CHECK_EQ(xlat64_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(tp_rd16(out.pkt[0].data + 20), PPORT);
	CHECK_EQ(tp_rd16(out.pkt[0].data + 26), 0);
}

/* Only a first fragment has ports to rewrite; later ones take the tuple's addresses only. */
TEST(tuple46_fragments)
{
	setup();
	ctx.tuple = tuple46();
	uint32_t len = build(pkt, AF_INET, SERVER4, POOL4, IPPROTO_UDP, SPORT, PPORT, 64);
	tp_wr16(pkt + 6, IP4_MF);
	tp_ip4_csum(pkt);
	CHECK_EQ(xlat46_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(out.pkt[0].data[6], 44);
	CHECK_EQ(tp_rd16(out.pkt[0].data + 48 + 2), CPORT);

	setup();
	ctx.tuple = tuple46();
	len = build(pkt, AF_INET, SERVER4, POOL4, IPPROTO_UDP, SPORT, PPORT, 64);
	tp_wr16(pkt + 6, 3);			/* offset 24: no L4 header here */
	tp_ip4_csum(pkt);
	uint8_t copy[100];
	memcpy(copy, pkt + 20, len - 20);
	CHECK_EQ(xlat46_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK(tp_same6(out.pkt[0].data + 8, SERVER6));
	CHECK(tp_same6(out.pkt[0].data + 24, CLIENT6));
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
	uint32_t qlen = build(q, AF_INET, POOL4, SERVER4, IPPROTO_UDP, PPORT, SPORT, 40);
	q[8] = 63;
	tp_ip4_csum(q);
	uint32_t len = build(pkt, AF_INET, SERVER4, POOL4, IPPROTO_ICMP, 0, 0, qlen);
	make_error(20, len, 3, 3, q, qlen);

	CHECK_EQ(xlat46_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(out.n, 1u);
	uint8_t *p = out.pkt[0].data, *in = p + 48;
	CHECK_EQ(out.pkt[0].len, 48 + qlen + 20);
	CHECK(tp_same6(p + 8, SERVER6));
	CHECK(tp_same6(p + 24, CLIENT6));
	CHECK_EQ(p[40], 1);
	CHECK_EQ(p[41], 4);
	CHECK_EQ(tp_residue6(p, out.pkt[0].len), 0);
	CHECK(tp_same6(in + 8, CLIENT6));
	CHECK(tp_same6(in + 24, SERVER6));
	CHECK_EQ(in[7], 63);
	CHECK_EQ(tp_rd16(in + 40), CPORT);
	CHECK_EQ(tp_rd16(in + 42), SPORT);
	CHECK_EQ(tp_residue6(in, qlen + 20), 0);	/* the quote is whole, so its checksum checks out */
	CHECK_EQ(st.c[STAT_TRANSLATED46], 1u);
}

/* The same for an ICMPv6 Port Unreachable (1/4) from the client about the flow's 4->6 packet
 * (64:ff9b::198.51.100.7#53 -> 2001:db8::5#2000), with outgoing tuple tuple64(). */
TEST(tuple64_icmp_error)
{
	setup();
	ctx.tuple = tuple64();
	uint8_t q[200];
	uint32_t qlen = build(q, AF_INET6, SERVER6, CLIENT6, IPPROTO_UDP, SPORT, CPORT, 40);
	q[7] = 63;
	uint32_t len = build(pkt, AF_INET6, CLIENT6, SERVER6, IPPROTO_ICMPV6, 0, 0, qlen);
	make_error(40, len, 1, 4, q, qlen);

	CHECK_EQ(xlat64_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(out.n, 1u);
	uint8_t *p = out.pkt[0].data, *in = p + 28;
	CHECK_EQ(out.pkt[0].len, 28 + qlen - 20);
	CHECK(tp_ip4_valid(p, out.pkt[0].len));
	CHECK(tp_same4(p + 12, POOL4));
	CHECK(tp_same4(p + 16, SERVER4));
	CHECK_EQ(p[20], 3);
	CHECK_EQ(p[21], 3);
	CHECK_EQ(tp_residue4(p, out.pkt[0].len), 0);
	CHECK(tp_same4(in + 12, SERVER4));
	CHECK(tp_same4(in + 16, POOL4));
	CHECK_EQ(in[8], 63);
	CHECK_EQ(tp_rd16(in + 20), SPORT);
	CHECK_EQ(tp_rd16(in + 22), PPORT);
	CHECK_EQ(tp_residue4(in, qlen - 20), 0);
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
	uint32_t qlen = build(q, AF_INET, POOL4, SERVER4, IPPROTO_ICMP, PPORT, 0, 24);
	uint32_t len = build(pkt, AF_INET, "203.0.113.1", POOL4, IPPROTO_ICMP, 0, 0, qlen);
	make_error(20, len, 11, 0, q, qlen);

	CHECK_EQ(xlat46_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	uint8_t *p = out.pkt[0].data, *in = p + 48;
	CHECK_EQ(p[40], 3);
	CHECK(tp_same6(p + 8, SERVER6));		/* RFC 6146 §3.7: the tuple's source, whoever sent the error */
	CHECK_EQ(in[40], 128);
	CHECK_EQ(tp_rd16(in + 44), CPORT);
	CHECK_EQ(tp_residue6(in, qlen + 20), 0);
	CHECK_EQ(tp_residue6(p, out.pkt[0].len), 0);
}

/* Quotes cut anywhere inside their L4 header: whatever is there is rewritten, nothing beyond is touched. */
TEST(tuple_icmp_error_short_quotes)
{
	for (uint32_t cut = 20; cut <= 40; cut++) {
		setup();
		ctx.tuple = tuple46();
		uint8_t q[100];
		build(q, AF_INET, POOL4, SERVER4, IPPROTO_TCP, PPORT, SPORT, 0);
		uint32_t len = build(pkt, AF_INET, SERVER4, POOL4, IPPROTO_ICMP, 0, 0, cut);
		make_error(20, len, 3, 3, q, cut);
		enum xlat_verdict v = xlat46_packet(&ctx, pkt, len, &out);
		if (cut >= 28) {
			CHECK_EQ(v, XLAT_EMIT);
			CHECK_EQ(out.pkt[0].len, 48 + cut + 20);
			CHECK_EQ(tp_rd16(out.pkt[0].data + 48 + 40), CPORT);
			CHECK_EQ(tp_rd16(out.pkt[0].data + 48 + 42), SPORT);
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
		uint32_t len = build(pkt, AF_INET6, CLIENT6, SERVER6, protos[i], CPORT, SPORT, 50);
		CHECK_EQ(xlat64_packet(&ctx, pkt, len, &out), XLAT_EMIT);
		uint8_t *p = out.pkt[0].data;
		CHECK(tp_same4(p + 12, "192.0.2.5"));
		CHECK(tp_same4(p + 16, SERVER4));
		CHECK_EQ(tp_rd16(p + 20 + (protos[i] == IPPROTO_ICMPV6 ? 4 : 0)), CPORT);
		CHECK_EQ(tp_residue4(p, out.pkt[0].len), 0);
		memcpy(siit, p, out.pkt[0].len);

		setup();
		ctx.tuple = tuple64();
		inet_pton(AF_INET, "192.0.2.5", &tuple.src.v4);
		tuple.sport = CPORT;
		len = build(pkt, AF_INET6, CLIENT6, SERVER6, protos[i], CPORT, SPORT, 50);
		CHECK_EQ(xlat64_packet(&ctx, pkt, len, &out), XLAT_EMIT);
		CHECK_MEM(out.pkt[0].data, siit, out.pkt[0].len);
	}
}
