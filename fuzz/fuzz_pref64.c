/* libFuzzer target for what PREF64 discovery reads from the network: Router Advertisement options (the
 * walker, the RFC 8781 decoder, the discovery table they feed), Router Solicitations, and RFC 7050
 * answers (rfc7050_parse, rfc7050_extract). Any bytes: no crash, and every decoded prefix is valid. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pref64.h"
#include "pref64_discover.h"
#include "rfc7050.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pref64_disc *d;
	static uint64_t now = 1;
	struct pref64_disc_conf c = { .rfc7050 = false };
	struct pref64_entry e[PREF64_DISC_MAX];
	struct rfc7050_prefix rp[RFC7050_MAX];
	struct prefix6 p[RFC7050_MAX];
	struct in6_addr router = IN6ADDR_ANY_INIT;
	const uint8_t *opt;
	size_t off = 0, olen, n;
	const char *why;
	char err[128];
	int r;

	/* The option walker and decoder. */
	while (pref64_opt_next(data, size, &off, &opt, &olen)) {
		struct prefix6 q;
		uint32_t lt;

		if (opt < data || opt + olen > data + size)
			abort();
		if (pref64_decode(opt, olen, &q, &lt) && (!rfc6052_prefix_valid(&q, &why) || lt > PREF64_LIFETIME_MAX))
			abort();
	}
	pref64_rs_valid(data, size, 255, size & 1);
	/* The discovery table, fed the same bytes as options, across time. */
	if (!d)
		d = pref64_disc_new(&c, now, err, sizeof(err));
	if (d) {
		now += size;
		pref64_disc_feed(d, 1, &router, data, size, now);
		n = pref64_disc_get(d, now, e, PREF64_DISC_MAX);
		for (size_t i = 0; i < n; i++)
			if (e[i].source != PREF64_SRC_RA || !rfc6052_prefix_valid(&e[i].prefix, &why) ||
			    e[i].expiry <= now)
				abort();
		pref64_disc_expire(d, now + 30000);
	}
	/* RFC 7050: the bytes as a DNS answer, and as a list of addresses. */
	r = rfc7050_parse(data, size, rp, RFC7050_MAX);
	if (r > RFC7050_MAX)
		abort();
	for (int i = 0; i < r; i++)
		if (!rfc6052_prefix_valid(&rp[i].prefix, &why))
			abort();
	n = rfc7050_extract((const struct in6_addr *)(const void *)data, size / 16, p, RFC7050_MAX);
	for (size_t i = 0; i < n; i++)
		if (!rfc6052_prefix_valid(&p[i], &why))
			abort();
	return 0;
}
