/*
 * RFC 7050: learn the NAT64 prefix(es) from the DNS64's synthetic AAAA records for ipv4only.arpa, whose
 * A records are the Well-Known IPv4-only Addresses 192.0.0.170 and 192.0.0.171 (RFC 7050 §2.2).
 * rfc7050_extract() and rfc7050_parse() are pure; rfc7050_query() asks the system resolver.
 */
#ifndef XLAT64_RFC7050_H
#define XLAT64_RFC7050_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rfc6052.h"

#define RFC7050_NAME "ipv4only.arpa"
#define RFC7050_MAX 8			/* prefixes kept from one answer */
/* RFC 7050 §2.2: the Well-Known IPv4-only Addresses, ipv4only.arpa's A records (host byte order). */
#define RFC7050_WKA_PRIMARY 0xc00000aau		/* 192.0.0.170 */
#define RFC7050_WKA_SECONDARY 0xc00000abu	/* 192.0.0.171 */

/* Whether a (network byte order) is one of the two WKAs. */
bool rfc7050_is_wka(struct in_addr a);

struct rfc7050_prefix {
	struct prefix6 prefix;
	uint32_t ttl;			/* seconds: the smallest TTL of the AAAA records that gave it */
};

/*
 * RFC 7050 §3: each address is searched for a WKA at the RFC 6052 positions, longest prefix first
 * (/96, /64, /56, /48, /40, /32), the u-octet skipped; the first hit gives the prefix and its length.
 * When one address shows a WKA at several positions, the position where the other WKA also appears among
 * the n addresses (same prefix) wins: the two WKAs exist to settle exactly that (RFC 7050 §2.2). Distinct
 * prefixes go to out in the order found; returns how many (<= max). Addresses with no WKA are skipped.
 */
size_t rfc7050_extract(const struct in6_addr *aaaa, size_t n, struct prefix6 *out, size_t max);

/* A DNS response to "AAAA ipv4only.arpa" (wire format): the prefixes of its AAAA answers with their
 * TTLs. Returns how many (0: NXDOMAIN, NODATA, or no WKA in any AAAA), -1 when the message is malformed
 * or its RCODE is an error other than NXDOMAIN. */
int rfc7050_parse(const uint8_t *msg, size_t len, struct rfc7050_prefix *out, size_t max);

/* The query over the system resolver (/etc/resolv.conf): RD=1, CD=0 and no EDNS DO bit (RFC 7050 §3:
 * a validating DNS64 must not skip synthesis), 2 s per try, 2 tries per server. Same returns as
 * rfc7050_parse(); -1 also when no server answered, with a message in err. Blocks. */
int rfc7050_query(struct rfc7050_prefix *out, size_t max, char *err, size_t errlen);

#endif
