/* Checksums: RFC 1071 sums and RFC 1624 incremental updates (a wrong checksum stays as wrong). */
#include <arpa/inet.h>

#include "csum.h"
#include "harness.h"

TEST(csum_rfc1071_example)
{
	/* RFC 1071 §3 example bytes: sum 0xddf2. */
	const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	CHECK_EQ(csum_fold(csum_add(0, b, sizeof(b))), 0xddf2);
	CHECK_EQ(csum_final(csum_add(0, b, sizeof(b))), (uint16_t)~0xddf2);
}

TEST(csum_odd_length)
{
	const uint8_t b[] = { 0x12, 0x34, 0x56 };

	CHECK_EQ(csum_fold(csum_add(0, b, 3)), 0x1234 + 0x5600);
}

TEST(csum_ipv4_header_valid)
{
	/* A header whose stored checksum (0xb861) is right: recomputing gives the same. */
	const uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
				0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };

	CHECK_EQ(csum_ipv4_header(h, 20), 0xb861);
}

TEST(csum_adjust_matches_recompute_and_keeps_errors)
{
	uint8_t data[64];
	uint32_t seed = 12345;

	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof(data); i++) {
			seed = seed * 1103515245 + 12345;
			data[i] = (uint8_t)(seed >> 16);
		}
		uint16_t good = csum_final(csum_add(0, data, sizeof(data)));
		uint16_t bad = (uint16_t)(good + 0x1111);
		uint32_t old = csum_add(0, data, 8);
		for (int i = 0; i < 8; i++)
			data[i] ^= (uint8_t)(round + i);
		uint32_t new = csum_add(0, data, 8);
		uint16_t want = csum_final(csum_add(0, data, sizeof(data)));
		uint16_t got = csum_adjust(good, old, new);
		/* 0x0000 and 0xffff are the same one's complement value. */
		CHECK(got == want || (uint16_t)(got + want) == 0xffff);
		/* The wrong checksum moves by the same amount: its difference to the right one is kept. */
		uint16_t gotbad = csum_adjust(bad, old, new);
		CHECK_EQ(csum_fold((uint32_t)gotbad + (uint16_t)~got), csum_fold((uint32_t)bad + (uint16_t)~good));
	}
}

TEST(csum_pseudo_headers)
{
	struct in_addr s, d;
	struct in6_addr s6, d6;

	inet_pton(AF_INET, "192.0.2.1", &s);
	inet_pton(AF_INET, "198.51.100.2", &d);
	CHECK_EQ(csum_fold(csum_pseudo4(s, d, 17, 12)), csum_fold(0xc000 + 0x0201 + 0xc633 + 0x6402 + 17 + 12));
	inet_pton(AF_INET6, "2001:db8::1", &s6);
	inet_pton(AF_INET6, "2001:db8::2", &d6);
	CHECK_EQ(csum_fold(csum_pseudo6(&s6, &d6, 58, 8)), csum_fold(2 * (0x2001 + 0x0db8) + 1 + 2 + 58 + 8));
}

/* csum_pseudo_ip() reads the addresses out of real IPv4 and IPv6 headers, wherever they lie in memory, and
 * sums what csum_pseudo4/6 sum for the same addresses. */
TEST(csum_pseudo_from_header)
{
	/* 192.168.0.1 -> 192.168.0.199, UDP, 115 bytes (the header of csum_ipv4_header_valid). */
	static const uint8_t h4[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
					0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	/* 2001:db8::1 -> 64:ff9b::c000:201, TCP, payload 1220 bytes, traffic class and flow label set. */
	static const uint8_t h6[40] = { 0x6b, 0x81, 0x23, 0x45, 0x04, 0xc4, 0x06, 0x40,
					0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
					0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 0x00, 0x02, 0x01 };
	uint8_t buf[1 + sizeof(h6)];
	struct in_addr s, d;
	struct in6_addr s6, d6;

	inet_pton(AF_INET, "192.168.0.1", &s);
	inet_pton(AF_INET, "192.168.0.199", &d);
	inet_pton(AF_INET6, "2001:db8::1", &s6);
	inet_pton(AF_INET6, "64:ff9b::192.0.2.1", &d6);
	CHECK_EQ(csum_fold(csum_pseudo_ip(h4, 17, 95)), csum_fold(csum_pseudo4(s, d, 17, 95)));
	CHECK_EQ(csum_fold(csum_pseudo_ip(h6, 6, 1220)), csum_fold(csum_pseudo6(&s6, &d6, 6, 1220)));
	/* A length above 16 bits (a GSO super-packet's) counts both halves, as in the other two. */
	CHECK_EQ(csum_fold(csum_pseudo_ip(h6, 6, 70000)), csum_fold(csum_pseudo6(&s6, &d6, 6, 70000)));
	/* Odd address: no alignment is assumed. */
	memcpy(buf + 1, h4, sizeof(h4));
	CHECK_EQ(csum_fold(csum_pseudo_ip(buf + 1, 17, 95)), csum_fold(csum_pseudo4(s, d, 17, 95)));
	memcpy(buf + 1, h6, sizeof(h6));
	CHECK_EQ(csum_fold(csum_pseudo_ip(buf + 1, 6, 1220)), csum_fold(csum_pseudo6(&s6, &d6, 6, 1220)));
	/* By hand: the address words, the protocol and the length; nothing else of the header. */
	CHECK_EQ(csum_fold(csum_pseudo_ip(h4, 17, 95)), csum_fold(0xc0a8 + 0x0001 + 0xc0a8 + 0x00c7 + 17 + 95));
}
