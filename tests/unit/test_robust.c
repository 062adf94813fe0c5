/*
 * Bad input never crashes the core and always leaves through exactly one named counter: seeds of every
 * kind are built here, then truncated at every length and mutated at random (deterministic seed), and each
 * result is fed to xlat_packet() under ASan/UBSan.
 */
#include <stdlib.h>

#include "harness.h"
#include "testpkt.h"
#include "xlat.h"

static uint8_t scratch[XLAT_SCRATCH_SIZE];
static struct xlat_conf conf;

static void setup(void)
{
	static const struct tp_conf siit = {
		.pool6 = "2001:db8:64::/96", .eam6 = "2001:db8:1::/120", .eam4 = "192.0.2.0/24",
		.own4 = "192.0.0.1", .own6 = "2001:db8:ffff::1", .mtu4 = 1500, .mtu6 = 1500,
	};

	tp_conf_init(&conf, &siit);
}

/* Seeds: IPv6 UDP, IPv6 with fragment + routing headers, ICMPv6 echo and error, IPv4 UDP, IPv4 fragment,
 * ICMPv4 error with an inner packet, IPv4 with options. Lengths in the headers are self-consistent. */
static size_t seed(int kind, uint8_t *p)
{
	static const uint8_t v6src[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 5 };
	static const uint8_t v6dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x64, [12] = 198, 51, 100, 2 };
	static const uint8_t v4src[4] = { 198, 51, 100, 2 }, v4dst[4] = { 192, 0, 2, 5 };
	size_t n;

	memset(p, 0, 1600);
	if (kind < 4) {
		p[0] = 0x60;
		p[7] = 64;
		memcpy(p + 8, v6src, 16);
		memcpy(p + 24, v6dst, 16);
		size_t l4 = 40;
		uint8_t *nh = p + 6;
		if (kind == 1) {	/* routing header (segments left 0) then fragment header */
			*nh = 43; nh = p + l4; p[l4 + 1] = 0; l4 += 8;
			*nh = 44; nh = p + l4; p[l4 + 5] = 0x00; l4 += 8;
		}
		if (kind == 2 || kind == 3) {
			*nh = 58;
			p[l4] = kind == 2 ? 128 : 1;
			if (kind == 3) {	/* error carrying an inner IPv6 UDP packet */
				memcpy(p + l4 + 8, p, 40);
				memcpy(p + l4 + 8 + 8, v6dst, 16);
				memcpy(p + l4 + 8 + 24, v6src, 16);
				p[l4 + 8 + 6] = 17;
				p[l4 + 8 + 5] = 8;
			}
			n = l4 + (kind == 3 ? 8 + 48 : 64);
		} else {
			*nh = 17;
			n = l4 + 8 + 100;
			p[l4 + 5] = (uint8_t)(n - l4);
		}
		p[4] = (uint8_t)((n - 40) >> 8);
		p[5] = (uint8_t)(n - 40);
		return n;
	}
	p[0] = kind == 7 ? 0x46 : 0x45;
	p[8] = 64;
	memcpy(p + 12, v4src, 4);
	memcpy(p + 16, v4dst, 4);
	size_t l4 = (p[0] & 0xf) * 4u;
	if (kind == 7)
		p[20] = 1, p[21] = 1, p[22] = 1, p[23] = 0;	/* NOP options */
	if (kind == 5)
		p[6] = 0x20;	/* MF */
	if (kind == 6) {
		p[9] = 1;
		p[l4] = 3, p[l4 + 1] = 4;
		memcpy(p + l4 + 8, p, 20);
		memcpy(p + l4 + 8 + 12, v4dst, 4);
		memcpy(p + l4 + 8 + 16, v4src, 4);
		p[l4 + 8 + 9] = 17;
		p[l4 + 8 + 3] = 28;
		n = l4 + 8 + 28;
	} else {
		p[9] = 17;
		n = l4 + 8 + 200;
		p[l4 + 5] = (uint8_t)(n - l4);
		p[l4 + 6] = 0x12;	/* non-zero UDP checksum */
	}
	p[2] = (uint8_t)(n >> 8);
	p[3] = (uint8_t)n;
	tp_ip4_csum(p);
	return n;
}

static void feed(struct xlat_ctx *ctx, uint8_t *buf, size_t len, int *failed)
{
	static uint8_t pkt[XLAT_HEADROOM + 1600 + XLAT_TAILROOM];
	struct xlat_out out;
	uint64_t before = tp_drops(ctx->stats);

	memcpy(pkt + XLAT_HEADROOM, buf, len);
	enum xlat_verdict v = xlat_packet(ctx, pkt + XLAT_HEADROOM, (uint32_t)len, &out);
	if (v == XLAT_DROP) {
		CHECK_EQ(tp_drops(ctx->stats), before + 1);
		return;
	}
	CHECK(out.n >= 1 && out.n <= XLAT_OUT_MAX);
	for (unsigned i = 0; i < out.n; i++) {
		CHECK(out.pkt[i].len >= 20 && out.pkt[i].len <= 65535 + 40);
		CHECK((out.pkt[i].data[0] >> 4) == 4 || (out.pkt[i].data[0] >> 4) == 6);
	}
}

TEST(seeds_translate)
{
	static struct stats st;
	struct xlat_ctx ctx = tp_ctx(&conf, &st, scratch, 7);
	uint8_t buf[1600];
	struct xlat_out out;
	static uint8_t pkt[XLAT_HEADROOM + 1600 + XLAT_TAILROOM];

	setup();
	/* The well-formed seeds (not the ones that exercise drop paths) must translate. */
	for (int k = 0; k < 8; k++) {
		size_t n = seed(k, buf);
		memcpy(pkt + XLAT_HEADROOM, buf, n);
		if (k == 1 || k == 5 || k == 7 || k == 0 || k == 2 || k == 4)
			CHECK_EQ(xlat_packet(&ctx, pkt + XLAT_HEADROOM, (uint32_t)n, &out), XLAT_EMIT);
	}
}

TEST(every_truncation_is_a_counted_drop_or_a_translation)
{
	static struct stats st;
	struct xlat_ctx ctx = tp_ctx(&conf, &st, scratch, 7);
	uint8_t buf[1600];

	setup();
	for (int k = 0; k < 8; k++) {
		size_t n = seed(k, buf);
		for (size_t len = 0; len <= n; len++) {
			feed(&ctx, buf, len, failed);
			CHECK(!*failed);
		}
	}
}

TEST(random_mutations_never_crash)
{
	static struct stats st;
	struct xlat_ctx ctx = tp_ctx(&conf, &st, scratch, 7);
	uint8_t buf[1600];
	srand(42);

	setup();
	for (int round = 0; round < 40000; round++) {
		size_t n = seed(round % 8, buf);
		int flips = 1 + rand() % 6;
		for (int i = 0; i < flips; i++)
			buf[rand() % n] = (uint8_t)rand();
		if (rand() % 4 == 0)
			n = (size_t)rand() % (n + 1);
		feed(&ctx, buf, n, failed);
		CHECK(!*failed);
	}
}

TEST(multicast_is_counted_not_translated)
{
	static struct stats st;
	struct xlat_ctx ctx = tp_ctx(&conf, &st, scratch, 7);
	static uint8_t pkt[XLAT_HEADROOM + 1600 + XLAT_TAILROOM];
	uint8_t buf[1600];
	struct xlat_out out;
	size_t n;

	setup();
	n = seed(0, buf);	/* IPv6 UDP, then aimed at ff02::16 as the kernel's MLD reports are */
	memset(buf + 24, 0, 16);
	buf[24] = 0xff, buf[25] = 0x02, buf[39] = 0x16;
	memcpy(pkt + XLAT_HEADROOM, buf, n);
	CHECK_EQ(xlat_packet(&ctx, pkt + XLAT_HEADROOM, (uint32_t)n, &out), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_MULTICAST], 1);
	n = seed(4, buf);	/* IPv4 UDP to 224.0.0.1 */
	buf[16] = 224, buf[17] = 0, buf[18] = 0, buf[19] = 1;
	memcpy(pkt + XLAT_HEADROOM, buf, n);
	CHECK_EQ(xlat_packet(&ctx, pkt + XLAT_HEADROOM, (uint32_t)n, &out), XLAT_DROP);
	CHECK_EQ(st.c[STAT_DROP_MULTICAST], 2);
}
