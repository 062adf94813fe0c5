/*
 * IPv6 -> IPv4 translation (RFC 7915 §5) on packets built here byte by byte: header fields, incremental
 * checksums, fragments, extension headers, ICMP info and errors (inner packet, RFC 4884, PTB MTU), the
 * errors the translator itself answers with, and truncation at every length.
 */
#include <arpa/inet.h>

#include "harness.h"
#include "testpkt.h"
#include "xlat.h"

/* pool6 2001:db8:64::/96 carries the IPv4 Internet; 2001:db8:6::/120 <-> 203.0.113.0/24 is an EAMT host. */
#define V6_HOST "2001:db8:6::5"		/* = 203.0.113.5 */
#define V6_SERVER "2001:db8:64::c633:6407"	/* = 198.51.100.7 */
#define OWN6 "2001:db8:ffff::1"

TP_SUITE_STATE(70000);

static void setup(void)
{
	static const struct tp_conf siit = {
		.pool6 = "2001:db8:64::/96", .eam6 = "2001:db8:6::/120", .eam4 = "203.0.113.0/24",
		.own4 = "192.0.2.1", .own6 = OWN6, .mtu4 = 1500, .mtu6 = 1500,
	};

	tp_conf_init(&conf, &siit);
	ctx = tp_ctx(&conf, &st, scratch, 7);
	memset(buf, 0, sizeof(buf));
}

/* A UDP datagram at p from src to dst with n payload bytes 0, 1, 2, ... Returns the length. */
static uint32_t udp6_at(uint8_t *p, const char *src, const char *dst, uint32_t n, uint8_t hlim)
{
	tp_ip6(p, src, dst, 17, hlim, 8 + n);
	tp_wr16(p + 40, 5000);
	tp_wr16(p + 42, 53);
	tp_wr16(p + 44, 8 + n);
	for (uint32_t i = 0; i < n; i++)
		p[48 + i] = (uint8_t)i;
	tp_csum6(p, 48 + n);
	return 48 + n;
}

/* The same from V6_HOST to V6_SERVER, at pkt. */
static uint32_t udp6(uint32_t n, uint8_t hlim)
{
	return udp6_at(pkt, V6_HOST, V6_SERVER, n, hlim);
}

static enum xlat_verdict run(uint32_t len)
{
	return xlat_packet(&ctx, pkt, len, &out);
}

TEST(xlat64_udp_header_and_checksum)
{
	setup();
	uint32_t len = udp6(100, 64);

	CHECK_EQ(run(len), XLAT_EMIT);
	CHECK_EQ(out.n, 1u);
	uint8_t *p = out.pkt[0].data;
	CHECK(p == pkt + 20);			/* in place, right before the UDP header */
	CHECK_EQ(out.pkt[0].len, len - 20);
	CHECK(tp_ip4_valid(p, len - 20));
	CHECK_EQ(p[8], 63);			/* hop limit - 1 */
	CHECK_EQ(p[9], 17);
	CHECK_EQ(tp_rd16(p + 6), 0);		/* small: no DF, no fragment */
	CHECK(tp_same4(p + 12, "203.0.113.5"));
	CHECK(tp_same4(p + 16, "198.51.100.7"));
	CHECK_EQ(tp_residue4(p, len - 20), 0);
	CHECK_EQ(p[20 + 8 + 99], 99);		/* payload untouched */
	CHECK_EQ(st.c[STAT_TRANSLATED64], 1u);
	CHECK_EQ(st.c[STAT_RECEIVED6], 1u);
}

TEST(xlat64_wrong_checksum_stays_as_wrong)
{
	for (uint16_t delta = 1; delta < 0x9000; delta += 0x1111) {
		setup();
		uint32_t len = udp6(33, 64);
		tp_wr16(pkt + 46, tp_rd16(pkt + 46) ^ delta);
		uint16_t before = tp_residue6(pkt, len);
		CHECK(before != 0);
		CHECK_EQ(run(len), XLAT_EMIT);
		CHECK_EQ(tp_residue4(out.pkt[0].data, out.pkt[0].len), before);
	}
}

TEST(xlat64_udp_zero_checksum_stays_zero)
{
	setup();
	uint32_t len = udp6(10, 64);

	tp_wr16(pkt + 46, 0);
	CHECK_EQ(run(len), XLAT_EMIT);
	CHECK_EQ(tp_rd16(out.pkt[0].data + 26), 0);
}

TEST(xlat64_tcp_and_tos)
{
	setup();
	tp_ip6(pkt, V6_HOST, V6_SERVER, 6, 64, 20 + 4);
	pkt[0] = 0x6b;				/* traffic class 0xb8 (EF) */
	pkt[1] = 0x80;
	pkt[40 + 12] = 0x50;
	tp_csum6(pkt, 64);
	CHECK_EQ(run(64), XLAT_EMIT);
	CHECK_EQ(out.pkt[0].data[1], 0xb8);
	CHECK_EQ(tp_residue4(out.pkt[0].data, 44), 0);

	setup();
	conf.override_tos = true;
	conf.tos = 0x20;
	tp_ip6(pkt, V6_HOST, V6_SERVER, 6, 64, 20);
	pkt[0] = 0x6b;
	tp_csum6(pkt, 60);
	CHECK_EQ(run(60), XLAT_EMIT);
	CHECK_EQ(out.pkt[0].data[1], 0x20);
}

TEST(xlat64_df_above_1260)
{
	setup();
	CHECK_EQ(run(udp6(1260 - 28, 64)), XLAT_EMIT);
	CHECK_EQ(out.pkt[0].len, 1260u);
	CHECK_EQ(tp_rd16(out.pkt[0].data + 6), 0);
	setup();
	CHECK_EQ(run(udp6(1261 - 28, 64)), XLAT_EMIT);
	CHECK_EQ(tp_rd16(out.pkt[0].data + 6), 0x4000);
}

/* Make room for n zero bytes of extension headers at offset `at` of the packet at pkt (len bytes), the
 * Payload Length following; the caller chains the Next Header fields. Returns the new length. */
static uint32_t add_ext(uint32_t len, uint32_t at, uint32_t n)
{
	memmove(pkt + at + n, pkt + at, len - at);
	memset(pkt + at, 0, n);
	tp_wr16(pkt + 4, len + n - 40);
	return len + n;
}

/* A Fragment Header with the given offset (8-byte units), M flag and ID, inserted after the IPv6 header of
 * the packet at pkt (len bytes). Returns the new length. */
static uint32_t add_frag(uint32_t len, uint16_t off, bool m, uint32_t id)
{
	len = add_ext(len, 40, 8);
	pkt[40] = pkt[6];
	tp_wr16(pkt + 42, (uint32_t)off << 3 | m);
	tp_wr16(pkt + 44, id >> 16);
	tp_wr16(pkt + 46, id & 0xffff);
	pkt[6] = 44;
	return len;
}

TEST(xlat64_fragments)
{
	setup();
	uint32_t len = add_frag(udp6(64, 64), 0, true, 0x87654321);

	CHECK_EQ(run(len), XLAT_EMIT);
	uint8_t *p = out.pkt[0].data;
	CHECK(p == pkt + 28);
	CHECK_EQ(out.pkt[0].len, len - 28);
	CHECK(tp_ip4_valid(p, len - 28));
	CHECK_EQ(tp_rd16(p + 4), 0x4321);		/* RFC 7915 §5.1.1: low 16 bits of the ID */
	CHECK_EQ(tp_rd16(p + 6), 0x2000);		/* MF, offset 0, no DF */
	CHECK_EQ(tp_residue4(p, len - 28), 0);	/* the whole datagram is here, so its sum checks out */

	/* A later fragment: offset kept, its bytes (no L4 header) untouched. */
	setup();
	len = add_frag(udp6(64, 64), 100, false, 0x01020304);
	uint8_t copy[200];
	memcpy(copy, pkt + 48, len - 48);
	CHECK_EQ(run(len), XLAT_EMIT);
	CHECK_EQ(tp_rd16(out.pkt[0].data + 6), 100);
	CHECK_EQ(tp_rd16(out.pkt[0].data + 4), 0x0304);
	CHECK_MEM(out.pkt[0].data + 20, copy, len - 48);

	/* An atomic fragment (offset 0, M 0) of ICMPv6 echo is not fragmented: translated. */
	setup();
	tp_ip6(pkt, V6_HOST, V6_SERVER, 58, 64, 8);
	pkt[40] = 128;
	tp_csum6(pkt, 48);
	len = add_frag(48, 0, false, 0xabcd);
	CHECK_EQ(run(len), XLAT_EMIT);
	CHECK_EQ(tp_rd16(out.pkt[0].data + 4), 0xabcd);
	CHECK_EQ(tp_rd16(out.pkt[0].data + 6), 0);

	/* A real ICMPv6 fragment is not: its checksum covers bytes we never see. */
	setup();
	tp_ip6(pkt, V6_HOST, V6_SERVER, 58, 64, 8);
	pkt[40] = 128;
	len = add_frag(48, 0, true, 1);
	CHECK_EQ(run(len), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_FRAG_ICMP], 1u);
}

TEST(xlat64_extension_headers)
{
	/* Hop-by-hop (8 bytes) and routing with segments left 0 (24 bytes) are skipped. */
	setup();
	uint32_t len = add_ext(udp6(20, 64), 40, 32);
	pkt[6] = 0;
	pkt[40] = 43;
	pkt[41] = 0;
	pkt[48] = 17;
	pkt[49] = 2;
	CHECK_EQ(run(len), XLAT_EMIT);
	CHECK(out.pkt[0].data == pkt + 72 - 20);
	CHECK_EQ(out.pkt[0].data[9], 17);
	CHECK_EQ(tp_residue4(out.pkt[0].data, out.pkt[0].len), 0);

	/* Segments left 1: Parameter Problem pointing at it. */
	setup();
	len = add_ext(udp6(20, 64), 40, 24);
	pkt[6] = 43;
	pkt[40] = 17;
	pkt[41] = 2;
	pkt[43] = 1;
	CHECK_EQ(run(len), XLAT_EMIT);
	CHECK_EQ(st.c[STAT_DROP_SEGMENTS_LEFT], 1u);
	CHECK_EQ(st.c[STAT_ICMP_GEN6], 1u);
	uint8_t *e = out.pkt[0].data;
	CHECK_EQ(e[40], 4);
	CHECK_EQ(e[41], 0);
	CHECK_EQ(tp_rd16(e + 46), 43);

	/* A destination options header after the fragment header: Destination Unreachable 1/1, as Jool. */
	setup();
	len = add_ext(add_frag(udp6(20, 64), 0, true, 9), 48, 8);
	pkt[40] = 60;
	pkt[48] = 17;
	pkt[49] = 0;
	CHECK_EQ(run(len), XLAT_EMIT);
	CHECK_EQ(st.c[STAT_DROP_EXT_AFTER_FRAG], 1u);
	CHECK_EQ(out.pkt[0].data[40], 1);
	CHECK_EQ(out.pkt[0].data[41], 1);
	CHECK_MEM(out.pkt[0].data + 48, pkt, len);

	/* No next header (59) and an unknown protocol pass as they are. */
	setup();
	tp_ip6(pkt, V6_HOST, V6_SERVER, 59, 64, 0);
	CHECK_EQ(run(40), XLAT_EMIT);
	CHECK_EQ(out.pkt[0].len, 20u);
	CHECK_EQ(out.pkt[0].data[9], 59);
	setup();
	tp_ip6(pkt, V6_HOST, V6_SERVER, 33, 64, 12);
	memset(pkt + 40, 0xa5, 12);
	CHECK_EQ(run(52), XLAT_EMIT);
	CHECK_EQ(out.pkt[0].data[9], 33);
	CHECK_EQ(out.pkt[0].data[20 + 6], 0xa5);
}

TEST(xlat64_hop_limit_expired)
{
	setup();
	uint32_t len = udp6(16, 1);

	CHECK_EQ(run(len), XLAT_EMIT);
	CHECK_EQ(out.n, 1u);
	CHECK_EQ(st.c[STAT_DROP_HOP_LIMIT], 1u);
	CHECK_EQ(st.c[STAT_TRANSLATED64], 0u);
	uint8_t *e = out.pkt[0].data;
	CHECK_EQ(e[0] >> 4, 6);
	CHECK_EQ(e[40], 3);			/* Time Exceeded, in transit */
	CHECK_EQ(e[41], 0);
	CHECK(tp_same6(e + 8, OWN6));
	CHECK(tp_same6(e + 24, V6_HOST));
	CHECK_EQ(tp_residue6_l4(e, e + 40, 58, out.pkt[0].len - 40), 0);
	CHECK_MEM(e + 48, pkt, len);

	/* Without an own IPv6 address nothing can be sent: still one counted drop. */
	setup();
	conf.has_own6 = false;
	CHECK_EQ(run(udp6(16, 0)), XLAT_DROP);
	CHECK_EQ(out.n, 0u);
	CHECK_EQ(st.c[STAT_DROP_HOP_LIMIT], 1u);
}

TEST(xlat64_echo_request)
{
	setup();
	tp_ip6(pkt, V6_HOST, V6_SERVER, 58, 64, 8 + 56);
	pkt[40] = 128;
	tp_wr16(pkt + 44, 0x1234);
	tp_wr16(pkt + 46, 7);
	for (int i = 0; i < 56; i++)
		pkt[48 + i] = (uint8_t)(i * 3);
	tp_csum6(pkt, 104);
	CHECK_EQ(run(104), XLAT_EMIT);
	uint8_t *p = out.pkt[0].data;
	CHECK(tp_ip4_valid(p, 84));
	CHECK_EQ(p[9], 1);
	CHECK_EQ(p[20], 8);
	CHECK_EQ(p[21], 0);
	CHECK_EQ(tp_rd16(p + 24), 0x1234);
	CHECK_EQ(tp_rd16(p + 26), 7);
	CHECK_EQ(csum_final(csum_add(0, p + 20, 64)), 0);

	/* Reply: 129 -> 0, a wrong checksum stays as wrong. */
	setup();
	tp_ip6(pkt, V6_HOST, V6_SERVER, 58, 64, 8);
	pkt[40] = 129;
	tp_csum6(pkt, 48);
	pkt[43] ^= 0x10;
	uint16_t before = tp_residue6(pkt, 48);
	CHECK_EQ(run(48), XLAT_EMIT);
	CHECK_EQ(out.pkt[0].data[20], 0);
	CHECK_EQ(csum_final(csum_add(0, out.pkt[0].data + 20, 8)), before);

	/* Neighbor discovery has no IPv4 counterpart. */
	setup();
	tp_ip6(pkt, V6_HOST, V6_SERVER, 58, 255, 24);
	pkt[40] = 135;
	CHECK_EQ(run(64), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_ICMP6_TYPE], 1u);
}

/* An ICMPv6 error (type, code, 32-bit rest) from `from` to V6_SERVER quoting a UDP datagram V6_SERVER sent
 * to V6_HOST with n payload bytes; `ext` extension bytes follow when length (64-bit words) is set. */
static uint32_t error6(const char *from, uint8_t type, uint8_t code, uint32_t rest, uint32_t n, uint8_t length,
		       uint32_t ext)
{
	uint8_t *q = pkt + 48;
	uint32_t qlen = udp6_at(q, V6_SERVER, V6_HOST, n, 60), len;

	if (length)
		qlen = length * 8u;	/* RFC 4884: the quote is cut or zero padded to this length */
	for (uint32_t i = 48 + n; i < qlen; i++)
		q[i] = 0;
	for (uint32_t i = 0; i < ext; i++)
		q[qlen + i] = (uint8_t)(0xe0 + i);
	len = 48 + qlen + ext;
	tp_ip6(pkt, from, V6_SERVER, 58, 64, len - 40);
	pkt[40] = type;
	pkt[41] = code;
	tp_wr16(pkt + 44, rest >> 16);
	tp_wr16(pkt + 46, rest & 0xffff);
	if (length)
		pkt[44] = length;
	tp_csum6(pkt, len);
	return len;
}

/* The common checks of a translated error: outer header, ICMP checksum, inner header reversed. */
static bool error4_ok(const uint8_t *p, uint32_t len, const char *src)
{
	const uint8_t *in = p + 28;

	return tp_ip4_valid(p, len) && len <= 576 && p[9] == 1 && p[8] == 63 && tp_same4(p + 12, src) &&
	       tp_same4(p + 16, "198.51.100.7") && csum_final(csum_add(0, p + 20, len - 20)) == 0 &&
	       in[0] == 0x45 && csum_ipv4_header(in, 20) == tp_rd16(in + 10) && in[8] == 60 && in[9] == 17 &&
	       tp_same4(in + 12, "198.51.100.7") && tp_same4(in + 16, "203.0.113.5");
}

TEST(xlat64_ptb_becomes_frag_needed)
{
	setup();
	uint32_t len = error6(V6_HOST, 2, 0, 1400, 100, 0, 0);

	CHECK_EQ(run(len), XLAT_EMIT);
	uint8_t *p = out.pkt[0].data;
	CHECK_EQ(out.pkt[0].len, len - 40);
	CHECK(error4_ok(p, len - 40, "203.0.113.5"));
	CHECK_EQ(p[20], 3);
	CHECK_EQ(p[21], 4);
	CHECK_EQ(tp_rd16(p + 24), 0);
	CHECK_EQ(tp_rd16(p + 26), 1380);			/* RFC 7915 §5.2: MTU - 20 */
	CHECK_EQ(tp_rd16(p + 28 + 2), 20 + 8 + 100);	/* inner Total Length */
	CHECK_EQ(tp_residue4(p + 28, 128), 0);		/* inner UDP checksum follows its addresses */
	CHECK_EQ(st.c[STAT_TRANSLATED64], 1u);

	/* Bounded by the IPv4 link and by the IPv6 link minus 20. */
	setup();
	conf.mtu4 = 1300;
	CHECK_EQ(run(error6(V6_HOST, 2, 0, 1400, 100, 0, 0)), XLAT_EMIT);
	CHECK_EQ(tp_rd16(out.pkt[0].data + 26), 1300);
	setup();
	conf.mtu6 = 1290;
	CHECK_EQ(run(error6(V6_HOST, 2, 0, 9000, 100, 0, 0)), XLAT_EMIT);
	CHECK_EQ(tp_rd16(out.pkt[0].data + 26), 1270);
}

TEST(xlat64_icmp_errors)
{
	/* Port unreachable from a router outside pool6: RFC 6791 source (our own address here), and the
	 * whole thing cut to 576 bytes. */
	setup();
	uint32_t len = error6("2001:db8:bad::1", 1, 4, 0, 1000, 0, 0);
	CHECK_EQ(run(len), XLAT_EMIT);
	uint8_t *p = out.pkt[0].data;
	CHECK_EQ(out.pkt[0].len, 576u);
	CHECK(error4_ok(p, 576, "192.0.2.1"));
	CHECK_EQ(p[20], 3);
	CHECK_EQ(p[21], 3);
	CHECK_EQ(tp_rd16(p + 28 + 2), 20 + 8 + 1000);
	CHECK_EQ(p[28 + 20 + 8 + 500], (uint8_t)500);

	setup();
	conf.has_own4 = false;
	CHECK_EQ(run(error6("2001:db8:bad::1", 1, 4, 0, 100, 0, 0)), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_NO_ICMP_SRC], 1u);

	/* Parameter Problem: pointer 7 (hop limit) -> 8 (TTL); 2 (flow label) has no counterpart. */
	setup();
	CHECK_EQ(run(error6(V6_HOST, 4, 0, 7, 100, 0, 0)), XLAT_EMIT);
	CHECK_EQ(out.pkt[0].data[20], 12);
	CHECK_EQ(out.pkt[0].data[24], 8);
	setup();
	CHECK_EQ(run(error6(V6_HOST, 4, 0, 2, 100, 0, 0)), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_PARAM_PTR], 1u);

	/* Time exceeded keeps its code; a corrupt error is not laundered into a valid one. */
	setup();
	CHECK_EQ(run(error6(V6_HOST, 3, 1, 0, 100, 0, 0)), XLAT_EMIT);
	CHECK_EQ(out.pkt[0].data[20], 11);
	CHECK_EQ(out.pkt[0].data[21], 1);
	setup();
	len = error6(V6_HOST, 3, 1, 0, 100, 0, 0);
	pkt[len - 1] ^= 1;
	CHECK_EQ(run(len), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_ICMP_CSUM], 1u);

	/* An error quoting an error. */
	setup();
	len = error6(V6_HOST, 1, 4, 0, 100, 0, 0);
	pkt[48 + 6] = 58;
	pkt[48 + 40] = 1;
	tp_csum6(pkt, len);
	CHECK_EQ(run(len), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_ICMP_DOUBLE], 1u);
}

TEST(xlat64_rfc4884_extension)
{
	/* A 100-byte quote padded to 128 (16 words) plus a 20-byte extension: the translated quote is 108
	 * bytes, padded back to 128 (32 words of 4 bytes), the extension copied after it. */
	setup();
	uint32_t len = error6(V6_HOST, 1, 4, 0, 52, 16, 20);
	CHECK_EQ(run(len), XLAT_EMIT);
	uint8_t *p = out.pkt[0].data;
	CHECK_EQ(out.pkt[0].len, 28u + 128 + 20);
	CHECK(error4_ok(p, 28 + 128 + 20, "203.0.113.5"));
	CHECK_EQ(p[25], 32);
	CHECK_EQ(p[28 + 127], 0);
	CHECK_EQ(p[28 + 128], 0xe0);
	CHECK_EQ(p[28 + 128 + 19], 0xe0 + 19);

	/* A short quote is padded to 128 bytes too (routers that ignore RFC 4884 §4, Jool #396). */
	setup();
	CHECK_EQ(run(error6(V6_HOST, 3, 0, 0, 8, 7, 8)), XLAT_EMIT);
	CHECK_EQ(out.pkt[0].len, 28u + 128 + 8);
	CHECK_EQ(out.pkt[0].data[25], 32);

	/* A quote that must be cut for the extension to fit stays 4-byte aligned. */
	setup();
	CHECK_EQ(run(error6(V6_HOST, 1, 4, 0, 700, 94, 40)), XLAT_EMIT);
	CHECK_EQ(out.pkt[0].len, 576u);
	CHECK_EQ(out.pkt[0].data[25], (576 - 28 - 40) / 4);

	/* An extension too big to leave 128 bytes of quote is dropped, length 0. */
	setup();
	CHECK_EQ(run(error6(V6_HOST, 1, 4, 0, 80, 16, 424)), XLAT_EMIT);
	CHECK_EQ(out.pkt[0].len, 28u + 108);
	CHECK_EQ(out.pkt[0].data[25], 0);

	/* A length beyond the message is malformed. */
	setup();
	len = error6(V6_HOST, 1, 4, 0, 80, 0, 0);
	pkt[44] = 100;
	tp_csum6(pkt, len);
	CHECK_EQ(run(len), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_ICMP_INNER], 1u);
}

TEST(xlat64_too_big_for_ipv4_link)
{
	setup();
	conf.mtu4 = 1400;
	uint32_t len = udp6(1400, 64);		/* 1428 bytes once translated */

	CHECK_EQ(run(len), XLAT_EMIT);
	CHECK_EQ(st.c[STAT_DROP_TOO_BIG], 1u);
	CHECK_EQ(out.pkt[0].data[40], 2);
	CHECK_EQ(tp_rd16(out.pkt[0].data + 46), 1420);
	CHECK_EQ(out.pkt[0].len, 1280u);

	/* Without DF (below 1261 bytes) and an IPv4 link under 1260 the kernel fragments it on the way out. */
	setup();
	conf.mtu4 = 1000;
	CHECK_EQ(run(udp6(1100, 64)), XLAT_EMIT);
	CHECK_EQ(st.c[STAT_TRANSLATED64], 1u);
	CHECK_EQ(out.pkt[0].data[0], 0x45);
}

TEST(xlat64_untranslatable_addresses)
{
	setup();
	udp6(8, 64);
	inet_pton(AF_INET6, "2001:db8:77::1", pkt + 24);
	CHECK_EQ(run(56), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_DST6], 1u);
	setup();
	udp6(8, 64);
	inet_pton(AF_INET6, "2001:db8:77::1", pkt + 8);
	CHECK_EQ(run(56), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_SRC6], 1u);
}

/* Every prefix of every kind of packet, with its Payload Length made to agree so that parsing goes as deep
 * as the bytes allow: never a crash, always exactly one counter (a drop or a translation). */
TEST(xlat64_truncated_every_length)
{
	static uint8_t orig[1600];

	for (int kind = 0; kind < 6; kind++) {
		setup();
		uint32_t full;
		switch (kind) {
		case 0: full = udp6(40, 64); break;
		case 1: full = add_frag(udp6(40, 64), 0, true, 5); break;
		case 2: full = error6(V6_HOST, 1, 4, 0, 60, 0, 0); break;
		case 3: full = error6(V6_HOST, 1, 4, 0, 60, 16, 24); break;
		case 4: full = error6(V6_HOST, 2, 0, 1300, 60, 0, 0); break;
		default:
			tp_ip6(pkt, V6_HOST, V6_SERVER, 58, 64, 16);
			pkt[40] = 128;
			full = 56;
		}
		memcpy(orig, pkt, full);
		for (uint32_t len = 0; len <= full; len++) {
			for (int fix = 0; fix < 2; fix++) {
				setup();
				memcpy(pkt, orig, len);
				if (fix && len >= 40)
					tp_wr16(pkt + 4, len - 40);
				if (fix && len >= 48 && pkt[6] == 58)
					tp_csum6(pkt, len);	/* reach past the check */
				enum xlat_verdict v = run(len);
				CHECK_EQ(st.c[STAT_TRANSLATED64] + tp_drops(&st), 1u);
				CHECK(v == XLAT_EMIT ? out.n >= 1 : out.n == 0);
				if (len == full)
					CHECK_EQ(st.c[STAT_TRANSLATED64], 1u);
			}
		}
	}
}
