/* RFC 7757 Explicit Address Mapping Table: longest-prefix match in both directions. Pure. */
#ifndef XLAT64_EAMT_H
#define XLAT64_EAMT_H

#include <stdbool.h>
#include "rfc6052.h"

#define EAMT_MAX 256

struct eamt_entry {
	struct prefix6 p6;
	struct prefix4 p4;	/* RFC 7757 §3.2: the IPv4 suffix (32 - p4.len bits) is written right after the IPv6
			 * prefix; it may be shorter than the IPv6 suffix, whose remaining bits are zero */
};

struct eamt {
	unsigned n;
	struct eamt_entry e[EAMT_MAX];
};

/* Add an entry; false (with *why) when the IPv4 suffix is longer than the IPv6 suffix, the table is full, or it overlaps an
 * existing entry in either family. */
bool eamt_add(struct eamt *t, const struct prefix6 *p6, const struct prefix4 *p4, const char **why);
/* Longest-prefix match; false when no entry covers the address. */
bool eamt_4to6(const struct eamt *t, struct in_addr a, struct in6_addr *out);
bool eamt_6to4(const struct eamt *t, const struct in6_addr *a, struct in_addr *out);
bool eamt_has4(const struct eamt *t, struct in_addr a);

#endif
