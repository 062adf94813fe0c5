/* RFC 7757 EAMT. A homelab table holds a handful of entries, so a linear longest-prefix scan is simpler
 * and as fast as a trie here; the table is immutable while workers read it (reload swaps whole configs). */
#include <string.h>

#include "eamt.h"

/* Copy `n` bits of src starting at bit `from` into dst starting at bit `to` (big-endian bit order). */
static void copy_bits(uint8_t *dst, unsigned to, const uint8_t *src, unsigned from, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned s = from + i, d = to + i;
		uint8_t bit = (src[s / 8] >> (7 - s % 8)) & 1;

		dst[d / 8] = (uint8_t)((dst[d / 8] & ~(0x80 >> (d % 8))) | (bit << (7 - d % 8)));
	}
}

bool eamt_add(struct eamt *t, const struct prefix6 *p6, const struct prefix4 *p4, const char **why)
{
	if (32 - p4->len > 128 - p6->len) {
		*why = "the IPv4 suffix must not be longer than the IPv6 suffix (RFC 7757 section 3.2)";
		return false;
	}
	if (t->n == EAMT_MAX) {
		*why = "too many EAMT entries";
		return false;
	}
	for (unsigned i = 0; i < t->n; i++) {
		const struct eamt_entry *e = &t->e[i];
		/* Two prefixes overlap when the shorter one contains the longer one's network address. */
		bool o4 = e->p4.len <= p4->len ? prefix4_contains(&e->p4, &p4->addr) : prefix4_contains(p4, &e->p4.addr);
		bool o6 = e->p6.len <= p6->len ? prefix6_contains(&e->p6, &p6->addr) : prefix6_contains(p6, &e->p6.addr);

		if (o4 || o6) {
			*why = o4 ? "IPv4 prefix overlaps an earlier EAMT entry" : "IPv6 prefix overlaps an earlier EAMT entry";
			return false;
		}
	}
	t->e[t->n].p6 = *p6;
	t->e[t->n].p4 = *p4;
	t->n++;
	return true;
}

static const struct eamt_entry *find4(const struct eamt *t, struct in_addr a)
{
	const struct eamt_entry *best = NULL;

	for (unsigned i = 0; i < t->n; i++)
		if (prefix4_contains(&t->e[i].p4, &a) && (!best || t->e[i].p4.len > best->p4.len))
			best = &t->e[i];
	return best;
}

static const struct eamt_entry *find6(const struct eamt *t, const struct in6_addr *a)
{
	const struct eamt_entry *best = NULL;

	for (unsigned i = 0; i < t->n; i++)
		if (prefix6_contains(&t->e[i].p6, a) && (!best || t->e[i].p6.len > best->p6.len))
			best = &t->e[i];
	return best;
}

bool eamt_4to6(const struct eamt *t, struct in_addr a, struct in6_addr *out)
{
	const struct eamt_entry *e = find4(t, a);

	if (!e)
		return false;
	/* RFC 7757 §3.2: prefix, then the IPv4 suffix, then zeros. */
	*out = e->p6.addr;
	copy_bits(out->s6_addr, e->p6.len, (const uint8_t *)&a, e->p4.len, 32 - e->p4.len);
	return true;
}

bool eamt_6to4(const struct eamt *t, const struct in6_addr *a, struct in_addr *out)
{
	const struct eamt_entry *e = find6(t, a);

	if (!e)
		return false;
	*out = e->p4.addr;
	copy_bits((uint8_t *)out, e->p4.len, a->s6_addr, e->p6.len, 32 - e->p4.len);
	return true;
}

bool eamt_has4(const struct eamt *t, struct in_addr a)
{
	return find4(t, a) != NULL;
}
