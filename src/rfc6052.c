/* RFC 6052 IPv4-embedded IPv6 addresses, and prefix helpers. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rfc6052.h"

static bool parse_len(const char *s, unsigned max, uint8_t *len)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	v = strtoul(s, &end, 10);
	if (*end || v > max)
		return false;
	*len = (uint8_t)v;
	return true;
}

/* Split "addr/len" into addr (copied to buf) and the length; no slash means the full length. */
static bool split_prefix(const char *s, char *buf, size_t n, unsigned max, uint8_t *len, const char **why)
{
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);

	if (alen == 0 || alen >= n) {
		*why = "not an address";
		return false;
	}
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	*len = (uint8_t)max;
	if (slash && !parse_len(slash + 1, max, len)) {
		*why = max == 32 ? "prefix length must be 0..32" : "prefix length must be 0..128";
		return false;
	}
	return true;
}

static bool host_bits_zero(const uint8_t *a, unsigned bytes, unsigned len)
{
	for (unsigned bit = len; bit < bytes * 8; bit++)
		if (a[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

static bool prefix_match(const uint8_t *p, const uint8_t *a, unsigned len)
{
	unsigned whole = len / 8, rest = len % 8;

	if (memcmp(p, a, whole))
		return false;
	return !rest || ((p[whole] ^ a[whole]) & (0xff00 >> rest)) == 0;
}

bool prefix6_parse(const char *s, struct prefix6 *out, const char **why)
{
	char buf[INET6_ADDRSTRLEN];

	if (!split_prefix(s, buf, sizeof(buf), 128, &out->len, why))
		return false;
	if (inet_pton(AF_INET6, buf, &out->addr) != 1) {
		*why = "not an IPv6 address";
		return false;
	}
	if (!host_bits_zero(out->addr.s6_addr, 16, out->len)) {
		*why = "host bits must be zero";
		return false;
	}
	return true;
}

bool prefix4_parse(const char *s, struct prefix4 *out, const char **why)
{
	char buf[INET_ADDRSTRLEN];

	if (!split_prefix(s, buf, sizeof(buf), 32, &out->len, why))
		return false;
	if (inet_pton(AF_INET, buf, &out->addr) != 1) {
		*why = "not an IPv4 address";
		return false;
	}
	if (!host_bits_zero((const uint8_t *)&out->addr, 4, out->len)) {
		*why = "host bits must be zero";
		return false;
	}
	return true;
}

char *prefix6_fmt(const struct prefix6 *p, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, &p->addr, a, sizeof(a));
	snprintf(buf, n, "%s/%u", a, p->len);
	return buf;
}

char *prefix4_fmt(const struct prefix4 *p, char *buf, size_t n)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &p->addr, a, sizeof(a));
	snprintf(buf, n, "%s/%u", a, p->len);
	return buf;
}

bool prefix6_equal(const struct prefix6 *a, const struct prefix6 *b)
{
	return a->len == b->len && !memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

bool prefix6_contains(const struct prefix6 *p, const struct in6_addr *a)
{
	return prefix_match(p->addr.s6_addr, a->s6_addr, p->len);
}

bool prefix4_contains(const struct prefix4 *p, const struct in_addr *a)
{
	return prefix_match((const uint8_t *)&p->addr, (const uint8_t *)a, p->len);
}

const uint8_t rfc6052_lens[RFC6052_NLENS] = { 96, 64, 56, 48, 40, 32 };

int rfc6052_len_index(unsigned len)
{
	for (int i = 0; i < RFC6052_NLENS; i++)
		if (rfc6052_lens[i] == len)
			return i;
	return -1;
}

bool rfc6052_prefix_valid(const struct prefix6 *p, const char **why)
{
	if (rfc6052_len_index(p->len) < 0) {
		*why = "prefix length must be 32, 40, 48, 56, 64 or 96 (RFC 6052 section 2.2)";
		return false;
	}
	if (!host_bits_zero(p->addr.s6_addr, 16, p->len)) {
		*why = "host bits must be zero";
		return false;
	}
	/* Bits 64..71 (the u-octet) are reserved and must be zero (RFC 6052 §2.2). */
	if (p->len > 64 && p->addr.s6_addr[8]) {
		*why = "bits 64 to 71 must be zero (RFC 6052 section 2.2)";
		return false;
	}
	return true;
}

/* Where the 4 IPv4 bytes go for each prefix length, skipping byte 8 (the u-octet), RFC 6052 §2.2. */
static void v4_positions(uint8_t len, unsigned pos[4])
{
	unsigned b = len / 8;

	for (unsigned i = 0; i < 4; i++, b++) {
		if (b == 8)
			b++;
		pos[i] = b;
	}
}

void rfc6052_embed(const struct prefix6 *p, struct in_addr v4, struct in6_addr *out)
{
	const uint8_t *v = (const uint8_t *)&v4;
	unsigned pos[4];

	*out = p->addr;
	memset(out->s6_addr + p->len / 8, 0, 16 - p->len / 8);
	v4_positions(p->len, pos);
	for (unsigned i = 0; i < 4; i++)
		out->s6_addr[pos[i]] = v[i];
}

bool rfc6052_extract(const struct prefix6 *p, const struct in6_addr *a, struct in_addr *v4)
{
	uint8_t *v = (uint8_t *)v4;
	unsigned pos[4];

	if (!prefix6_contains(p, a))
		return false;
	v4_positions(p->len, pos);
	for (unsigned i = 0; i < 4; i++)
		v[i] = a->s6_addr[pos[i]];
	return true;
}

bool rfc6052_is_wkp(const struct prefix6 *p)
{
	static const uint8_t wkp[12] = { 0x00, 0x64, 0xff, 0x9b };

	return p->len == 96 && !memcmp(p->addr.s6_addr, wkp, 12);
}

bool ipv4_is_global(struct in_addr a)
{
	/* The IANA special-purpose registry entries that are not globally reachable (RFC 6890 and updates). */
	static const struct { uint32_t net; uint8_t len; } special[] = {
		{ 0x00000000, 8 },	/* "this network" */
		{ 0x0a000000, 8 },	/* RFC 1918 */
		{ 0x64400000, 10 },	/* RFC 6598 shared address space */
		{ 0x7f000000, 8 },	/* loopback */
		{ 0xa9fe0000, 16 },	/* link local */
		{ 0xac100000, 12 },	/* RFC 1918 */
		{ 0xc0000000, 24 },	/* IETF protocol assignments */
		{ 0xc0000200, 24 },	/* TEST-NET-1 */
		{ 0xc0a80000, 16 },	/* RFC 1918 */
		{ 0xc6120000, 15 },	/* benchmarking */
		{ 0xc6336400, 24 },	/* TEST-NET-2 */
		{ 0xcb007100, 24 },	/* TEST-NET-3 */
		{ 0xe0000000, 3 },	/* multicast, reserved, broadcast */
	};
	uint32_t h = ntohl(a.s_addr);

	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if ((h & (0xffffffffu << (32 - special[i].len))) == special[i].net)
			return false;
	return true;
}

bool rfc6052_nonglobal_refused(const struct prefix6 *p, struct in_addr v4, bool allow_nonglobal)
{
	return !allow_nonglobal && rfc6052_is_wkp(p) && !ipv4_is_global(v4);
}
