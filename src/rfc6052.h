/* RFC 6052 address mapping and the small address/prefix helpers everything else uses. Pure, no I/O. */
#ifndef XLAT64_RFC6052_H
#define XLAT64_RFC6052_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

struct prefix6 {
	struct in6_addr addr;
	uint8_t len;		/* 0..128 */
};

struct prefix4 {
	struct in_addr addr;	/* network byte order */
	uint8_t len;		/* 0..32 */
};

/* Parse "2001:db8::/96" / "192.0.2.0/24" (a bare address means /128 or /32). Host bits must be zero.
 * On error returns false and points *why at a static message. */
bool prefix6_parse(const char *s, struct prefix6 *out, const char **why);
bool prefix4_parse(const char *s, struct prefix4 *out, const char **why);
/* Format into buf (at least INET6_ADDRSTRLEN + 4 bytes). Returns buf. */
char *prefix6_fmt(const struct prefix6 *p, char *buf, size_t n);
char *prefix4_fmt(const struct prefix4 *p, char *buf, size_t n);

bool prefix6_contains(const struct prefix6 *p, const struct in6_addr *a);
bool prefix6_equal(const struct prefix6 *a, const struct prefix6 *b);
bool prefix4_contains(const struct prefix4 *p, const struct in_addr *a);

/* RFC 6052 §2.2: the lengths an IPv4-embedding prefix may have, longest first: RFC 8781 §4 numbers its
 * Prefix Length Codes in this order, and RFC 7050 discovery (rfc7050.h) tries the lengths in it. */
#define RFC6052_NLENS 6
extern const uint8_t rfc6052_lens[RFC6052_NLENS];
/* Where len is in rfc6052_lens; -1 when it is none of them. */
int rfc6052_len_index(unsigned len);

/* RFC 6052 §2.2: the prefix length must be one of rfc6052_lens, the host bits zero and, for the
 * lengths that reach it, bits 64..71 (the u-octet) zero. */
bool rfc6052_prefix_valid(const struct prefix6 *p, const char **why);

/* RFC 6052 §2.2 embedding: v4 is in network byte order. */
void rfc6052_embed(const struct prefix6 *p, struct in_addr v4, struct in6_addr *out);
/* Extraction; false when a is not inside p. */
bool rfc6052_extract(const struct prefix6 *p, const struct in6_addr *a, struct in_addr *v4);

/* RFC 6052 §3.1: 64:ff9b::/96 must not carry non-global IPv4 (RFC 1918, loopback, link-local,
 * RFC 5737 documentation, RFC 6598 shared, multicast, ...). */
bool rfc6052_is_wkp(const struct prefix6 *p);
bool ipv4_is_global(struct in_addr a);
/* The §3.1 rule itself: whether v4 must not be embedded in p (p is the WKP and v4 is not global), unless
 * allow_nonglobal, the administrator's override (allow-nonglobal-ipv4). */
bool rfc6052_nonglobal_refused(const struct prefix6 *p, struct in_addr v4, bool allow_nonglobal);

#endif
