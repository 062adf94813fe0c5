/* IPv4 -> IPv6 translation (src/xlat46.c, src/xlat46_icmp.c) on packets built here byte by byte. */
#include <stdlib.h>

#include "harness.h"
#include "testpkt.h"
#include "xlat_internal.h"

#define SRC4 "198.51.100.2"
#define DST4 "203.0.113.5"
#define POOL6 "2001:db8:64::/96"

TP_SUITE_STATE(70000);

static void setup(void)
{
	static const struct tp_conf siit = { .pool6 = POOL6, .own4 = "192.0.2.1", .own6 = "2001:db8:1::1" };

	tp_conf_init(&conf, &siit);
	ctx = tp_ctx(&conf, &st, scratch, 1);
	memset(buf, 0, sizeof(buf));
}

/* A 20-byte IPv4 header at p carrying `payload` bytes; frag holds the flags and offset. */
static void ip4(uint8_t *p, uint8_t proto, uint32_t payload, uint16_t frag, uint16_t id, uint8_t ttl,
		const char *src, const char *dst)
{
	tp_ip4(p, src, dst, proto, ttl, payload);
	p[1] = 0x28;
	tp_wr16(p + 4, id);
	tp_wr16(p + 6, frag);
	tp_ip4_csum(p);
}

static void fill(uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 3);
}

/* IPv4/UDP with a correct checksum (or 0 when zero_csum); returns the datagram length. */
static uint32_t udp4(uint8_t *p, uint32_t data, uint16_t frag, uint8_t ttl, bool zero_csum)
{
	uint8_t *u = p + 20;
	uint32_t len = 8 + data;

	ip4(p, IPPROTO_UDP, len, frag, 0x1234, ttl, SRC4, DST4);
	tp_wr16(u, 4000);
	tp_wr16(u + 2, 53);
	tp_wr16(u + 4, len);
	tp_wr16(u + 6, 0);
	fill(u + 8, data);
	if (!zero_csum)
		tp_csum4(p, 20 + len);
	return 20 + len;
}

static uint32_t tcp4(uint8_t *p, uint32_t data)
{
	uint8_t *t = p + 20;
	uint32_t len = 20 + data;

	ip4(p, IPPROTO_TCP, len, 0x4000, 7, 64, SRC4, DST4);
	memset(t, 0, 20);
	tp_wr16(t, 40000);
	tp_wr16(t + 2, 443);
	t[12] = 5 << 4;
	t[13] = 0x12;
	fill(t + 20, data);
	tp_csum4(p, 20 + len);
	return 20 + len;
}

/* ICMPv4 message (header bytes 4..7 in rest) around body, checksum correct. */
static uint32_t icmp4(uint8_t *p, uint8_t type, uint8_t code, uint32_t rest, const uint8_t *body, uint32_t n,
		      uint8_t ttl)
{
	uint8_t *m = p + 20;

	ip4(p, IPPROTO_ICMP, 8 + n, 0, 9, ttl, SRC4, DST4);
	m[0] = type;
	m[1] = code;
	tp_wr16(m + 4, rest >> 16);
	tp_wr16(m + 6, rest);
	memmove(m + 8, body, n);
	tp_csum4(p, 28 + n);
	return 28 + n;
}

/* What an IPv4 router quotes: the IPv6 host's packet as translated earlier (DST4 -> SRC4 reversed). */
static uint32_t quoted_udp(uint8_t *q, uint32_t data, uint32_t tot_len)
{
	ip4(q, IPPROTO_UDP, 8 + data, 0x4000, 0x55, 63, DST4, SRC4);
	tp_wr16(q + 2, tot_len);
	tp_ip4_csum(q);
	tp_wr16(q + 20, 53);
	tp_wr16(q + 22, 4000);
	tp_wr16(q + 24, 8 + data);
	fill(q + 28, data);
	tp_csum4(q, 28 + data);
	return 28 + data;
}

TEST(xlat46_udp_checksum)
{
	setup();
	uint32_t len = udp4(pkt, 100, 0x4000, 64, false);
	struct in6_addr s = tp_a6("2001:db8:64::c633:6402"), d = tp_a6("2001:db8:64::cb00:7105");

	CHECK_EQ(xlat_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(out.n, 1u);
	const uint8_t *o = out.pkt[0].data;
	CHECK_EQ(out.pkt[0].len, len + 20);
	CHECK(o == pkt + 20 - 40);		/* in place, in the headroom: the payload did not move */
	CHECK_EQ(o[0], 0x62);			/* version 6, traffic class 0x28 from the TOS */
	CHECK_EQ(o[1], 0x80);
	CHECK_EQ(tp_rd16(o + 4), 108);
	CHECK_EQ(o[6], IPPROTO_UDP);
	CHECK_EQ(o[7], 63);
	CHECK_MEM(o + 8, &s, 16);
	CHECK_MEM(o + 24, &d, 16);
	CHECK_EQ(tp_residue6_l4(o, o + 40, IPPROTO_UDP, 108), 0);
	CHECK_EQ(st.c[STAT_TRANSLATED46], 1u);
}

TEST(xlat46_wrong_checksum_stays_wrong)
{
	setup();
	for (int proto = 0; proto < 3; proto++) {
		uint32_t len = proto == 0 ? udp4(pkt, 61, 0, 64, false) : proto == 1 ? tcp4(pkt, 33)
			     : icmp4(pkt, 8, 0, 0x00010002, (const uint8_t *)"0123456789", 10, 64);
		uint8_t *c = pkt + 20 + tp_csum_at(pkt[9]);
		uint8_t nh = proto == 0 ? IPPROTO_UDP : proto == 1 ? IPPROTO_TCP : IPPROTO_ICMPV6;

		tp_wr16(c, tp_rd16(c) + 0x0102);	/* damage it */
		uint16_t before = tp_residue4(pkt, len);
		CHECK(before != 0);
		CHECK_EQ(xlat_packet(&ctx, pkt, len, &out), XLAT_EMIT);
		CHECK_EQ(tp_residue6_l4(out.pkt[0].data, out.pkt[0].data + 40, nh, len - 20), before);
	}
	CHECK_EQ(st.c[STAT_TRANSLATED46], 3u);
}

TEST(xlat46_echo)
{
	setup();
	uint32_t len = icmp4(pkt, 8, 0, 0x00010002, (const uint8_t *)"abcdefghij", 10, 64);

	CHECK_EQ(xlat_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	const uint8_t *o = out.pkt[0].data;
	CHECK_EQ(o[6], IPPROTO_ICMPV6);
	CHECK_EQ(o[40], 128);
	CHECK_EQ(tp_rd16(o + 44), 1);
	CHECK_EQ(tp_residue6_l4(o, o + 40, IPPROTO_ICMPV6, 18), 0);
}

TEST(xlat46_ttl_expired)
{
	setup();
	uint32_t len = udp4(pkt, 10, 0, 1, false);

	CHECK_EQ(xlat_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(out.n, 1u);
	const uint8_t *o = out.pkt[0].data;
	struct in_addr src = tp_a4(SRC4);
	CHECK_EQ(o[0] >> 4, 4);
	CHECK_EQ(o[9], IPPROTO_ICMP);
	CHECK_MEM(o + 12, &conf.own4, 4);
	CHECK_MEM(o + 16, &src, 4);
	CHECK_EQ(o[20], 11);
	CHECK_EQ(o[21], 0);
	CHECK_MEM(o + 28, pkt, len);		/* the offending packet, untouched */
	CHECK_EQ(st.c[STAT_DROP_HOP_LIMIT], 1u);
	CHECK_EQ(st.c[STAT_ICMP_GEN4], 1u);
	CHECK_EQ(st.c[STAT_TRANSLATED46], 0u);

	/* The second pass of a hairpin does not spend the hop again. */
	setup();
	len = udp4(pkt, 10, 0, 1, false);
	ctx.hairpin = true;
	CHECK_EQ(xlat46_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(out.pkt[0].data[7], 1);
}

/* Make the IPv4 header at p claim tot bytes, with sound header and ICMP checksums. */
static void relabel(uint8_t *p, uint32_t avail, uint32_t tot)
{
	uint32_t hlen = (p[0] & 0x0fu) * 4;

	tp_wr16(p + 2, tot);
	if (hlen > avail)
		return;
	tp_ip4_csum(p);
	if (p[9] == IPPROTO_ICMP && tot >= hlen + 4 && tot <= avail)
		tp_csum4(p, tot);
}

/* Every packet is either translated or counted by exactly one drop counter. */
static bool accounted(uint8_t *p, uint32_t len)
{
	uint64_t d0 = tp_drops(&st), t0 = st.c[STAT_TRANSLATED46];
	enum xlat_verdict v = xlat_packet(&ctx, p, len, &out);
	uint64_t dd = tp_drops(&st) - d0, dt = st.c[STAT_TRANSLATED46] - t0;

	return dd + dt == 1 && (v == XLAT_EMIT || dd == 1) && (v == XLAT_DROP || out.n >= 1);
}

/* Every prefix of a few packets, raw (Total Length now lies) and made consistent, then every Total Length
 * value on the whole packet: never a crash nor an over-read (ASan; the buffer ends where the packet does),
 * and every packet accounted for. */
TEST(xlat46_truncations)
{
	static uint8_t model[2400], quote[600];
	enum { N = 7 };
	uint32_t lens[N];
	uint8_t *models[N];

	setup();
	for (int i = 0; i < N; i++)
		models[i] = model + i * 300;
	lens[0] = udp4(models[0], 40, 0, 64, false);
	lens[1] = tcp4(models[1], 40);
	lens[2] = icmp4(models[2], 0, 0, 0x00050006, quote, 40, 64);
	uint32_t q = quoted_udp(quote, 60, 88);
	lens[3] = icmp4(models[3], 3, 3, 0, quote, q, 64);
	memset(quote + q, 0xee, 20);		/* RFC 4884: 88 bytes (22 words) of datagram, 20 of extension */
	lens[4] = icmp4(models[4], 11, 0, 22 << 16, quote, q + 20, 64);
	lens[5] = udp4(models[5], 40, 0x2000 | 0x4000, 64, false);
	/* IHL 7: a Record Route option (RFC 791 §3.1) in front of UDP. */
	lens[6] = udp4(models[6] + 8, 40, 0, 64, false) + 8;
	memmove(models[6], models[6] + 8, 20);
	memcpy(models[6] + 20, (const uint8_t[8]){ 7, 7, 4, 0, 0, 0, 0, 0 }, 8);
	models[6][0] = 0x47;
	relabel(models[6], lens[6], lens[6]);

	for (int m = 0; m < N; m++) {
		for (uint32_t cut = 0; cut <= lens[m] + 4; cut++) {
			for (int variant = 0; variant < 3; variant++) {
				uint32_t n = variant == 2 ? lens[m] : cut > lens[m] ? lens[m] : cut;
				uint8_t *b = malloc(XLAT_HEADROOM + (n ? n : 1)), *p = b + XLAT_HEADROOM;
				bool ok;

				memcpy(p, models[m], n);
				if (variant == 1 && n >= 20)
					relabel(p, n, n);
				if (variant == 2)
					relabel(p, n, cut);
				ok = accounted(p, n);
				free(b);
				CHECK(ok);
			}
		}
	}
}

TEST(xlat46_fragmentation)
{
	static uint8_t whole[3000], got[3100];
	uint32_t len, at = 0, next_off = 0;

	setup();
	len = udp4(pkt, 3000 - 28, 0, 64, false);
	tp_wr16(pkt + 4, 0xbeef);
	tp_ip4_csum(pkt);
	memcpy(whole, pkt, len);
	CHECK_EQ(len, 3000u);

	CHECK_EQ(xlat_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(out.n, 3u);
	for (unsigned i = 0; i < out.n; i++) {
		const uint8_t *o = out.pkt[i].data;
		uint32_t n = out.pkt[i].len;

		CHECK(n <= 1280);
		CHECK_EQ(tp_rd16(o + 4), n - 40);
		CHECK_EQ(o[6], 44);
		CHECK_EQ(o[40], IPPROTO_UDP);
		CHECK_EQ(tp_rd16(o + 42) >> 3, next_off / 8);
		CHECK_EQ(tp_rd16(o + 42) & 1, i + 1 < out.n);
		CHECK_EQ(tp_rd16(o + 44), 0);
		CHECK_EQ(tp_rd16(o + 46), 0xbeef);
		if (i + 1 < out.n)
			CHECK_EQ((n - 48) % 8, 0u);
		memcpy(got + at, o + 48, n - 48);
		at += n - 48;
		next_off += n - 48;
	}
	CHECK_EQ(out.pkt[0].len, 1280u);
	CHECK_EQ(at, 2980u);
	CHECK_MEM(got + 8, whole + 28, 2972);		/* the payload, reassembled */
	CHECK_EQ(tp_residue6_l4(out.pkt[0].data, got, IPPROTO_UDP, 2980), 0);
	CHECK_EQ(st.c[STAT_FRAGMENTS_OUT], 2u);
	CHECK_EQ(st.c[STAT_TRANSLATED46], 1u);

	/* With DF the same packet is refused with the MTU the IPv6 side allows, minus the header growth. */
	setup();
	conf.mtu6 = 1500;
	len = udp4(pkt, 3000 - 28, 0x4000, 64, false);
	CHECK_EQ(xlat_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(out.pkt[0].data[20], 3);
	CHECK_EQ(out.pkt[0].data[21], 4);
	CHECK_EQ(tp_rd16(out.pkt[0].data + 26), 1480);
	CHECK_EQ(st.c[STAT_DROP_TOO_BIG], 1u);
}

TEST(xlat46_udp_zero_checksum)
{
	setup();
	uint32_t len = udp4(pkt, 30, 0, 64, true);

	CHECK_EQ(xlat_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(out.pkt[0].data[20], 3);
	CHECK_EQ(out.pkt[0].data[21], 13);
	CHECK_EQ(st.c[STAT_DROP_UDP_ZERO_CSUM], 1u);

	setup();
	conf.amend_udp_zero_csum = true;
	len = udp4(pkt, 30, 0, 64, true);
	CHECK_EQ(xlat_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(out.pkt[0].data[0] >> 4, 6);
	CHECK_EQ(tp_residue6_l4(out.pkt[0].data, out.pkt[0].data + 40, IPPROTO_UDP, 38), 0);

	/* A fragment cannot have it computed, amend or not. */
	len = udp4(pkt, 32, 0x2000, 64, true);
	CHECK_EQ(xlat_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(out.pkt[0].data[21], 13);
	CHECK_EQ(st.c[STAT_DROP_UDP_ZERO_CSUM], 1u);
}

/* Translate an ICMPv4 error around `quote`; returns the ICMPv6 message or NULL. */
static const uint8_t *icmp_error(uint8_t type, uint8_t code, uint32_t rest, const uint8_t *quote, uint32_t n)
{
	uint32_t len = icmp4(pkt, type, code, rest, quote, n, 64);

	if (xlat_packet(&ctx, pkt, len, &out) != XLAT_EMIT || out.n != 1)
		return NULL;
	return out.pkt[0].data + 40;
}

TEST(xlat46_frag_needed_mtu)
{
	static uint8_t quote[200];
	uint32_t q;
	const uint8_t *m;

	setup();
	q = quoted_udp(quote, 40, 1500);
	m = icmp_error(3, 4, 0, quote, q);	/* MTU field 0: pre-RFC 1191 router */
	CHECK(m);
	CHECK_EQ(m[0], 2);
	CHECK_EQ(m[1], 0);
	CHECK_EQ(tp_rd16(m + 4) << 16 | tp_rd16(m + 6), 1492u + 20);	/* the plateau below 1500, + 20 */
	CHECK_EQ(tp_residue6_l4(out.pkt[0].data, m, IPPROTO_ICMPV6, out.pkt[0].len - 40), 0);

	q = quoted_udp(quote, 40, 1000);	/* plateau 508 -> 528, but IPv6 never goes below 1280 */
	m = icmp_error(3, 4, 0, quote, q);
	CHECK_EQ(tp_rd16(m + 6), 1280);

	conf.mtu6 = 1400;			/* bounded by the IPv6 next hop */
	q = quoted_udp(quote, 40, 1500);
	m = icmp_error(3, 4, 1450, quote, q);
	CHECK_EQ(tp_rd16(m + 6), 1400);
	conf.mtu6 = 65535;
	m = icmp_error(3, 4, 1450, quote, q);
	CHECK_EQ(tp_rd16(m + 6), 1470);
	CHECK_EQ(st.c[STAT_TRANSLATED46], 4u);
}

TEST(xlat46_icmp_error_inner)
{
	static uint8_t quote[200];
	uint32_t q;
	const uint8_t *m, *in;

	setup();
	q = quoted_udp(quote, 40, 68);
	m = icmp_error(3, 3, 0, quote, q);
	CHECK(m);
	CHECK_EQ(m[0], 1);
	CHECK_EQ(m[1], 4);
	CHECK_EQ(out.pkt[0].len, 40u + 8 + 40 + 48);
	CHECK_EQ(out.pkt[0].data[7], 63);
	in = m + 8;
	CHECK_EQ(in[0] >> 4, 6);
	CHECK_EQ(in[7], 63);			/* inner hop limit kept */
	CHECK_EQ(tp_rd16(in + 4), 48);
	CHECK_EQ(tp_residue6_l4(in, in + 40, IPPROTO_UDP, 48), 0);	/* inner checksum follows the addresses */
	CHECK_EQ(tp_residue6_l4(out.pkt[0].data, m, IPPROTO_ICMPV6, 96), 0);

	/* Parameter Problem pointer: 9 (Protocol) -> 6 (Next Header); 4 (Identification) has none. */
	m = icmp_error(12, 0, 9u << 24, quote, q);
	CHECK_EQ(m[0], 4);
	CHECK_EQ(tp_rd16(m + 6), 6);
	CHECK(!icmp_error(12, 0, 4u << 24, quote, q));
	CHECK_EQ(st.c[STAT_DROP_PARAM_PTR], 1u);

	/* An error about an error is not translated; neither are unknown types nor bad checksums. */
	static uint8_t inner_err[100];
	ip4(inner_err, IPPROTO_ICMP, 8, 0, 1, 63, DST4, SRC4);
	inner_err[20] = 3;
	CHECK(!icmp_error(3, 1, 0, inner_err, 28));
	CHECK_EQ(st.c[STAT_DROP_ICMP_DOUBLE], 1u);
	CHECK(!icmp_error(5, 0, 0, quote, q));
	CHECK_EQ(st.c[STAT_DROP_ICMP4_TYPE], 1u);
	uint32_t len = icmp4(pkt, 3, 3, 0, quote, q, 64);
	pkt[25] ^= 1;
	CHECK_EQ(xlat_packet(&ctx, pkt, len, &out), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_ICMP_CSUM], 1u);
	/* Fragmented ICMP. */
	len = icmp4(pkt, 8, 0, 0, quote, 16, 64);
	tp_wr16(pkt + 6, 0x2000);
	tp_ip4_csum(pkt);
	CHECK_EQ(xlat_packet(&ctx, pkt, len, &out), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_FRAG_ICMP], 1u);
}

TEST(xlat46_icmp_extension)
{
	static uint8_t quote[300];
	uint32_t q;
	const uint8_t *m;

	setup();
	/* 28 quoted bytes (7 words, below RFC 4884's 128) then a 40-byte extension: the translated datagram
	 * (48 bytes) is padded to 128 and the length counts 64-bit words. */
	q = quoted_udp(quote, 0, 28);
	memset(quote + q, 0xab, 40);
	m = icmp_error(11, 0, 7u << 16, quote, q + 40);
	CHECK(m);
	CHECK_EQ(m[0], 3);
	CHECK_EQ(m[4], 16);
	CHECK_EQ(out.pkt[0].len, 40u + 8 + 128 + 40);
	CHECK_EQ(m[8 + 48], 0);
	CHECK_EQ(m[8 + 128], 0xab);
	CHECK_EQ(tp_residue6_l4(out.pkt[0].data, m, IPPROTO_ICMPV6, out.pkt[0].len - 40), 0);
}

TEST(xlat46_source_route)
{
	setup();
	/* Loose Source Route with the pointer still inside the option: not translatable. */
	uint32_t len = udp4(pkt + 12, 8, 0, 64, false) + 12;
	memmove(pkt, pkt + 12, 20);
	pkt[0] = 0x48;
	tp_wr16(pkt + 2, len);
	static const uint8_t lsrr[12] = { 131, 11, 4, 192, 0, 2, 9, 192, 0, 2, 10, 0 };
	memcpy(pkt + 20, lsrr, 12);
	tp_ip4_csum(pkt);
	CHECK_EQ(xlat_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(out.pkt[0].data[20], 3);
	CHECK_EQ(out.pkt[0].data[21], 5);
	CHECK_EQ(st.c[STAT_DROP_SRC_ROUTE], 1u);

	/* Once the pointer passed the last address the option is just ignored. */
	pkt[22] = 12;
	tp_ip4_csum(pkt);
	CHECK_EQ(xlat_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_EQ(out.pkt[0].data[0] >> 4, 6);
	CHECK_EQ(out.pkt[0].len, len - 32 + 40);
}

TEST(xlat46_unmapped)
{
	setup();
	conf.has_pool6 = false;
	uint32_t len = udp4(pkt, 8, 0, 64, false);
	CHECK_EQ(xlat_packet(&ctx, pkt, len, &out), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_DST4], 1u);

	/* An ICMP error from an unmappable router takes its source from the RFC 6791 pool, else own6. */
	static uint8_t quote[100];
	const char *why;
	struct prefix6 p6;
	struct prefix4 p4;
	setup();
	prefix6_parse("2001:db8:aa::5", &p6, &why);
	prefix4_parse(DST4, &p4, &why);
	eamt_add(&conf.eamt, &p6, &p4, &why);
	prefix6_parse("2001:db8:bb::2", &p6, &why);
	prefix4_parse(SRC4, &p4, &why);
	eamt_add(&conf.eamt, &p6, &p4, &why);
	conf.has_pool6 = false;
	uint32_t q = quoted_udp(quote, 4, 32);
	len = icmp4(pkt, 3, 1, 0, quote, q, 64);
	struct in_addr router = tp_a4("192.0.2.77");
	memcpy(pkt + 12, &router, 4);
	tp_ip4_csum(pkt);
	CHECK_EQ(xlat_packet(&ctx, pkt, len, &out), XLAT_EMIT);
	CHECK_MEM(out.pkt[0].data + 8, &conf.own6, 16);
	conf.has_own6 = false;
	CHECK_EQ(xlat_packet(&ctx, pkt, len, &out), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_NO_ICMP_SRC], 1u);
}
