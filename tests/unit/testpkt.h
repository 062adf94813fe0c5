/*
 * What the suites that build packets byte by byte share (and fuzz/fuzz_xlat.c): a translator configuration
 * and context, addresses, IPv4/IPv6 headers and L4 checksums. Header-only: every suite is one translation
 * unit, and each keeps its own addresses and payloads.
 */
#ifndef XLAT64_TESTPKT_H
#define XLAT64_TESTPKT_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "csum.h"
#include "xlat.h"

/* The file-scope state of a suite that builds its packets at pkt, with the core's headroom and tailroom
 * around room for bufsize bytes; the suite's setup() resets it. */
#define TP_SUITE_STATE(bufsize)                                       \
	static uint8_t scratch[XLAT_SCRATCH_SIZE];                     \
	static uint8_t buf[XLAT_HEADROOM + (bufsize) + XLAT_TAILROOM]; \
	static uint8_t *const pkt = buf + XLAT_HEADROOM;               \
	static struct xlat_conf conf;                                  \
	static struct stats st;                                        \
	static struct xlat_ctx ctx;                                    \
	static struct xlat_out out

/* A suite's configuration: a NULL string leaves its part out (no pool6, no EAMT entry, no own address), an
 * MTU of 0 keeps the default. */
struct tp_conf {
	const char *pool6;
	const char *eam6, *eam4;	/* one EAMT entry, RFC 7757 */
	const char *own4, *own6;
	uint32_t mtu4, mtu6;
	bool allow_nonglobal;
};

static inline void tp_conf_init(struct xlat_conf *conf, const struct tp_conf *t)
{
	const char *why;

	xlat_conf_defaults(conf);
	if (t->pool6)
		conf->has_pool6 = prefix6_parse(t->pool6, &conf->pool6, &why);
	conf->allow_nonglobal = t->allow_nonglobal;
	if (t->eam6) {
		struct prefix6 p6;
		struct prefix4 p4;

		prefix6_parse(t->eam6, &p6, &why);
		prefix4_parse(t->eam4, &p4, &why);
		eamt_add(&conf->eamt, &p6, &p4, &why);
	}
	if (t->own4)
		conf->has_own4 = inet_pton(AF_INET, t->own4, &conf->own4) == 1;
	if (t->own6)
		conf->has_own6 = inet_pton(AF_INET6, t->own6, &conf->own6) == 1;
	if (t->mtu4)
		conf->mtu4 = t->mtu4;
	if (t->mtu6)
		conf->mtu6 = t->mtu6;
}

/* A context over conf with st zeroed. */
static inline struct xlat_ctx tp_ctx(const struct xlat_conf *conf, struct stats *st, uint8_t *scratch,
				     uint64_t rng)
{
	memset(st, 0, sizeof(*st));
	return (struct xlat_ctx){ .conf = conf, .stats = st, .rng = rng, .scratch = scratch };
}

/* The sum of the DROP_ counters: a packet that is not translated bumps exactly one of them. */
static inline uint64_t tp_drops(const struct stats *st)
{
	uint64_t n = 0;

	for (int i = 0; i < STAT_MAX; i++)
		if (!strncmp(stats_name(i), "DROP_", 5))
			n += st->c[i];
	return n;
}

static inline uint16_t tp_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void tp_wr16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline struct in_addr tp_a4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a;
}

static inline struct in6_addr tp_a6(const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	return a;
}

/* Whether the address at p is s. */
static inline bool tp_same4(const uint8_t *p, const char *s)
{
	struct in_addr a = tp_a4(s);

	return memcmp(p, &a, 4) == 0;
}

static inline bool tp_same6(const uint8_t *p, const char *s)
{
	struct in6_addr a = tp_a6(s);

	return memcmp(p, &a, 16) == 0;
}

/* An IPv6 header at p with payload length plen. */
static inline void tp_ip6(uint8_t *p, const char *src, const char *dst, uint8_t nh, uint8_t hlim, uint32_t plen)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	tp_wr16(p + 4, plen);
	p[6] = nh;
	p[7] = hlim;
	inet_pton(AF_INET6, src, p + 8);
	inet_pton(AF_INET6, dst, p + 24);
}

/* The header checksum of the IPv4 header at p, whatever its IHL. */
static inline void tp_ip4_csum(uint8_t *p)
{
	tp_wr16(p + 10, csum_ipv4_header(p, (p[0] & 15) * 4u));
}

/* A 20-byte IPv4 header at p carrying `payload` bytes: TOS, ID and fragment field 0, checksum right (set
 * the others, then tp_ip4_csum() again). */
static inline void tp_ip4(uint8_t *p, const char *src, const char *dst, uint8_t proto, uint8_t ttl,
			  uint32_t payload)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	tp_wr16(p + 2, 20 + payload);
	p[8] = ttl;
	p[9] = proto;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, dst, p + 16);
	tp_ip4_csum(p);
}

/* An option-less IPv4 header of len total bytes with a right header checksum. */
static inline bool tp_ip4_valid(const uint8_t *p, uint32_t len)
{
	return p[0] == 0x45 && tp_rd16(p + 2) == len && csum_ipv4_header(p, 20) == tp_rd16(p + 10);
}

/* Where the checksum field of a TCP, UDP or ICMP (either family) header is. */
static inline uint32_t tp_csum_at(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2;
}

/* The kernel's partial checksum (CHECKSUM_PARTIAL, virtio NEEDS_CSUM): the folded pseudo-header sum over
 * the L4 length, not complemented, in the TCP/UDP checksum field of the len-byte datagram at p. */
static inline void tp_partial(uint8_t *p, uint32_t len)
{
	uint32_t l3 = p[0] >> 4 == 4 ? (p[0] & 15) * 4u : 40;
	uint8_t proto = p[0] >> 4 == 4 ? p[9] : p[6];
	uint32_t sum;

	if (p[0] >> 4 == 4) {
		struct in_addr s, d;

		memcpy(&s, p + 12, 4);
		memcpy(&d, p + 16, 4);
		sum = csum_pseudo4(s, d, proto, len - l3);
	} else {
		struct in6_addr s, d;

		memcpy(&s, p + 8, 16);
		memcpy(&d, p + 24, 16);
		sum = csum_pseudo6(&s, &d, proto, len - l3);
	}
	tp_wr16(p + l3 + tp_csum_at(proto), csum_fold(sum));
}

/* What a receiver computes over an L4 segment of len bytes at l4, its checksum included, under the IPv6
 * pseudo-header of the header at ip6 with next header nh: 0 when the checksum is right, else how wrong. */
static inline uint16_t tp_residue6_l4(const uint8_t *ip6, const uint8_t *l4, uint8_t nh, uint32_t len)
{
	struct in6_addr s, d;

	memcpy(&s, ip6 + 8, 16);
	memcpy(&d, ip6 + 24, 16);
	return csum_final(csum_add(csum_pseudo6(&s, &d, nh, len), l4, len));
}

/* The same over a whole IPv6 datagram of len bytes whose L4 header follows the fixed header. */
static inline uint16_t tp_residue6(const uint8_t *p, uint32_t len)
{
	return tp_residue6_l4(p, p + 40, p[6], len - 40);
}

/* The same over a whole IPv4 datagram; ICMPv4 has no pseudo-header. */
static inline uint16_t tp_residue4(const uint8_t *p, uint32_t len)
{
	struct in_addr s, d;
	uint32_t ihl = (p[0] & 15) * 4u;

	memcpy(&s, p + 12, 4);
	memcpy(&d, p + 16, 4);
	if (p[9] == IPPROTO_ICMP)
		return csum_final(csum_add(0, p + ihl, len - ihl));
	return csum_final(csum_add(csum_pseudo4(s, d, p[9], len - ihl), p + ihl, len - ihl));
}

/* Set the L4 checksum of the IPv6 datagram p (len bytes, L4 header right after the fixed header). */
static inline void tp_csum6(uint8_t *p, uint32_t len)
{
	uint8_t *c = p + 40 + tp_csum_at(p[6]);

	tp_wr16(c, 0);
	tp_wr16(c, tp_residue6(p, len));
}

/* The same for IPv4. */
static inline void tp_csum4(uint8_t *p, uint32_t len)
{
	uint8_t *c = p + (p[0] & 15) * 4u + tp_csum_at(p[9]);

	tp_wr16(c, 0);
	tp_wr16(c, tp_residue4(p, len));
}

#endif
