/*
 * Neighbor Discovery wire formats for PREF64: the RFC 8781 option, the Router Advertisement that carries
 * it (with RFC 8106 RDNSS and RFC 4191 Route Information options), and Router Solicitation checks.
 * Pure: no sockets, no clock. The ICMPv6 checksum is left zero: raw ICMPv6 sockets fill it in (RFC 3542 §3.1).
 */
#ifndef XLAT64_PREF64_H
#define XLAT64_PREF64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rfc6052.h"

#define PREF64_OPT_TYPE 38		/* IANA, RFC 8781 §7 */
#define PREF64_OPT_LEN 16		/* bytes; the length field is 2 (units of 8 octets) */
#define PREF64_LIFETIME_MAX 65528	/* seconds: 8191 × 8 (RFC 8781 §4.1) */
#define PREF64_RDNSS_MAX 3
#define PREF64_RA_MAX 256		/* bytes: header + SLLA + PREF64 + RDNSS(3) + RIO fit easily */
#define PREF64_ROUTER_LIFETIME_MAX 9000	/* seconds, RFC 4861 §6.2.1 AdvDefaultLifetime */

#define ND_OPT_TYPE_SLLA 1
#define ND_OPT_TYPE_RIO 24
#define ND_OPT_TYPE_RDNSS 25

/* RFC 8781 §4.1: seconds -> Scaled Lifetime: rounded up to a multiple of 8, at most 8191, and a non-zero
 * lifetime under 8 s becomes 1 rather than 0 (which would withdraw the prefix). */
uint16_t pref64_scaled_lifetime(uint32_t seconds);
/* RFC 8781 §4: Prefix Length Code of an RFC 6052 length (96 -> 0 ... 32 -> 5); -1 for any other length. */
int pref64_plc(unsigned len);

/* One option (16 bytes). False when the prefix length has no PLC (out is untouched). */
bool pref64_encode(const struct prefix6 *p, uint32_t lifetime_s, uint8_t out[PREF64_OPT_LEN]);
/* One option, len bytes from its type byte. False (ignore it) unless type 38, length field 2 (RFC 8781 §4
 * "MUST ignore"), PLC 0..5 and a prefix RFC 6052 accepts (u-octet zero for /96); bits beyond the prefix
 * length are cleared. *lifetime_s = Scaled Lifetime × 8. */
bool pref64_decode(const uint8_t *opt, size_t len, struct prefix6 *p, uint32_t *lifetime_s);

/* ND option walker (RFC 4861 §4.6): *off starts at 0. Gives each option's start and byte length; false
 * at the end or at a malformed option (length 0 or past the end), where RFC 4861 §6.1 drops the packet:
 * check *off == len afterwards to tell the two apart. */
bool pref64_opt_next(const uint8_t *opts, size_t len, size_t *off, const uint8_t **opt, size_t *olen);

/* What goes into a Router Advertisement (RFC 4861 §4.2). Lifetimes in seconds. */
struct pref64_ra {
	uint16_t router_lifetime;	/* 0 = not a default router (RFC 4861 §4.2) */
	const uint8_t *lladdr;		/* Source Link-Layer Address option (RFC 4861 §4.6.1); NULL = none */
	size_t lladdr_len;		/* 1..14 */
	struct prefix6 prefix;		/* the NAT64 prefix (pool6) */
	uint32_t prefix_lifetime;	/* PREF64 lifetime; 0 withdraws it */
	unsigned n_rdnss;
	struct in6_addr rdnss[PREF64_RDNSS_MAX];
	uint32_t rdnss_lifetime;	/* RFC 8106 §5.1; 0 withdraws */
	bool route;			/* RFC 4191 Route Information for prefix through us */
	uint32_t route_lifetime;
};

/* The ICMPv6 message (type 134 onwards) into buf; its length, 0 when n is too small or the prefix has no
 * PLC. */
size_t pref64_ra_build(const struct pref64_ra *ra, uint8_t *buf, size_t n);

/* RFC 4861 §6.1.1 Router Solicitation validity: hop limit 255, code 0, at least 8 bytes, well-formed
 * options, and no Source Link-Layer Address option when the source is unspecified. msg starts at the
 * ICMPv6 type. */
bool pref64_rs_valid(const uint8_t *msg, size_t len, int hoplimit, bool src_unspecified);

#endif
