/* RFC 6052 §2.4: 192.0.2.33 embedded under a prefix of each length, shared by the mapping's own tests
 * (test_rfc6052.c) and DNS64's synthesis through the engine (test_dns64.c). */
#ifndef XLAT64_TEST_RFC6052_TABLE_H
#define XLAT64_TEST_RFC6052_TABLE_H

#include <stddef.h>

static const struct {
	const char *prefix, *addr;
} rfc6052_table[] = {
	{ "2001:db8::/32", "2001:db8:c000:221::" },
	{ "2001:db8:100::/40", "2001:db8:1c0:2:21::" },
	{ "2001:db8:122::/48", "2001:db8:122:c000:2:2100::" },
	{ "2001:db8:122:300::/56", "2001:db8:122:3c0:0:221::" },
	{ "2001:db8:122:344::/64", "2001:db8:122:344:c0:2:2100:0" },
	{ "2001:db8:122:344::/96", "2001:db8:122:344::c000:221" },
	{ "64:ff9b::/96", "64:ff9b::c000:221" },
};
#define RFC6052_TABLE_N (sizeof(rfc6052_table) / sizeof(rfc6052_table[0]))

#endif
