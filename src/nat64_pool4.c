/*
 * pool4: the IPv4 transport addresses NAT64 hands out (RFC 6146 §3.5.1.1, §3.5.2.3, §3.5.3), and the
 * choice of one for a new binding in the spirit of RFC 6056 algorithm 3: start at a keyed hash of the
 * IPv6 source address and the IPv4 destination (Jool's default F() arguments), plus a counter, and probe
 * linearly through the candidates. Candidates are kept in classes so the probe first visits only ports
 * that keep the source port's range (below 1024 or not) and parity, then those of the same parity, then
 * any; and first on the IPv4 address the source already uses (paired pooling), then on any.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "nat64_db.h"

static uint32_t class_of(uint32_t port)
{
	return (port >= 1024 ? 2u : 0u) | (port & 1u);
}

/* Owned ports of one class are first, first + step, ...: p % n == w and, with an odd n, every other one
 * has the right parity. With an even n every owned port has the parity of w. */
static uint32_t step_of(const struct nat64 *db)
{
	return db->nworkers % 2 ? 2 * db->nworkers : db->nworkers;
}

static void row_classes(const struct nat64 *db, struct nat64_pool4_row *r)
{
	uint32_t n = db->nworkers, step = step_of(db);
	/* Port 0 means "none" to TCP and UDP; an ICMP identifier may be 0. */
	uint32_t lo = r->lo == 0 && r->proto != NAT64_ICMP ? 1 : r->lo;

	for (uint32_t c = 0; c < 4; c++) {
		uint32_t a = c & 2 ? (lo > 1024 ? lo : 1024) : lo;
		uint32_t b = c & 2 ? r->hi : (r->hi < 1023 ? r->hi : 1023);
		uint32_t p = a;

		r->first[c] = 0;
		r->total[c] = 0;
		r->used[c] = 0;
		while (p < a + 2 * n && (p % n != db->worker || (p & 1) != (c & 1)))
			p++;
		if (a > b || p > b || p >= a + 2 * n)
			continue;
		r->first[c] = p;
		r->total[c] = (b - p) / step + 1;
	}
}

static int addr_cmp(struct in_addr a, struct in_addr b)
{
	uint32_t x = ntohl(a.s_addr), y = ntohl(b.s_addr);

	return x < y ? -1 : x > y;
}

/* Index of the first row with address a, or npool4 when there is none. */
static unsigned first_row(const struct nat64 *db, struct in_addr a)
{
	unsigned lo = 0, hi = db->npool4;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (addr_cmp(db->pool4[mid].addr, a) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < db->npool4 && db->pool4[lo].addr.s_addr == a.s_addr ? lo : db->npool4;
}

static struct nat64_pool4_row *find_row(const struct nat64 *db, enum nat64_proto p, struct in_addr a4,
					uint16_t p4)
{
	for (unsigned i = first_row(db, a4); i < db->npool4 && db->pool4[i].addr.s_addr == a4.s_addr; i++) {
		struct nat64_pool4_row *r = &db->pool4[i];

		if (r->proto == p && p4 >= r->lo && p4 <= r->hi)
			return r;
	}
	return NULL;
}

bool nat64_pool4_contains(const struct nat64 *db, struct in_addr a)
{
	return first_row(db, a) < db->npool4;
}

bool nat64_pool4_has(const struct nat64 *db, enum nat64_proto p, struct in_addr a4, uint16_t p4)
{
	return find_row(db, p, a4, p4) != NULL;
}

bool nat64_pool4_mark(struct nat64 *db, enum nat64_proto p, struct in_addr a4, uint16_t p4, int delta)
{
	struct nat64_pool4_row *r = find_row(db, p, a4, p4);
	uint32_t c = class_of(p4);

	if (!r || !r->total[c] || p4 < r->first[c] || (p4 - r->first[c]) % step_of(db))
		return false;	/* not a port this worker hands out */
	r->used[c] += (uint32_t)delta;
	return true;
}

/* Recount used[] from the BIB (after pool4 changed under existing entries). */
static void recount(struct nat64 *db)
{
	for (unsigned i = 0; i < db->npool4; i++)
		memset(db->pool4[i].used, 0, sizeof(db->pool4[i].used));
	for (uint32_t i = 1; i < db->bibs.hiwat; i++) {
		const struct nat64_bib *b = nat64_bib(db, i);

		if (b->proto != NAT64_FREE)
			nat64_pool4_mark(db, b->proto, b->a4, b->p4, 1);
	}
}

static int row_cmp(const void *x, const void *y)
{
	const struct nat64_pool4_row *a = x, *b = y;
	int c = addr_cmp(a->addr, b->addr);

	if (c)
		return c;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return (a->lo > b->lo) - (a->lo < b->lo);
}

bool nat64_pool4_add(struct nat64 *db, enum nat64_proto proto, const struct prefix4 *pfx, uint16_t lo,
		     uint16_t hi, const char **why)
{
	uint32_t base = ntohl(pfx->addr.s_addr), count = pfx->len >= 32 ? 1 : 1u << (32 - pfx->len);
	struct nat64_pool4_row *rows;

	if ((unsigned)proto >= NAT64_NPROTO || lo > hi) {
		*why = "bad protocol or port range";
		return false;
	}
	if (pfx->len < 16 || db->npool4 + count > NAT64_POOL4_MAX) {
		*why = "too many pool4 addresses";
		return false;
	}
	for (uint32_t k = 0; k < count; k++) {
		struct in_addr a = { htonl(base + k) };

		for (unsigned i = first_row(db, a); i < db->npool4 && db->pool4[i].addr.s_addr == a.s_addr; i++)
			if (db->pool4[i].proto == proto && lo <= db->pool4[i].hi && db->pool4[i].lo <= hi) {
				*why = "overlaps an existing pool4 entry";
				return false;
			}
	}
	rows = realloc(db->pool4, (db->npool4 + count) * sizeof(*rows));
	if (!rows) {
		*why = "out of memory";
		return false;
	}
	db->pool4 = rows;
	for (uint32_t k = 0; k < count; k++) {
		struct nat64_pool4_row *r = &rows[db->npool4++];

		memset(r, 0, sizeof(*r));
		r->addr.s_addr = htonl(base + k);
		r->proto = (uint8_t)proto;
		r->lo = lo;
		r->hi = hi;
		row_classes(db, r);
	}
	qsort(db->pool4, db->npool4, sizeof(*rows), row_cmp);
	recount(db);
	return true;
}

void nat64_pool4_foreach(const struct nat64 *db, bool (*fn)(const struct nat64_pool4_view *, void *), void *arg)
{
	for (unsigned i = 0; i < db->npool4; i++) {
		const struct nat64_pool4_row *r = &db->pool4[i];
		struct nat64_pool4_view v = { r->proto, r->addr, r->lo, r->hi, 0, 0 };

		for (int c = 0; c < 4; c++) {
			v.ports += r->total[c];
			v.bound += r->used[c];
		}
		if (!fn(&v, arg))
			return;
	}
}

/* The candidates a pass may probe. */
struct pick {
	enum nat64_proto proto;
	const struct in_addr *only;	/* restrict to this address (paired pooling) */
	unsigned classes;		/* bit c: class c may be probed */
};

static bool row_ok(const struct nat64_pool4_row *r, const struct pick *k)
{
	return r->proto == k->proto && (!k->only || r->addr.s_addr == k->only->s_addr);
}

/* Probe positions [from, to) of the pick's candidate sequence (rows in order, classes in order, ports in
 * order) for a port the BIB does not hold. */
static bool probe(struct nat64 *db, const struct pick *k, uint64_t from, uint64_t to, struct in_addr *a4,
		  uint16_t *p4)
{
	uint32_t step = step_of(db);
	uint64_t base = 0;

	for (unsigned i = 0; i < db->npool4 && base < to; i++) {
		const struct nat64_pool4_row *r = &db->pool4[i];

		if (!row_ok(r, k))
			continue;
		for (int c = 0; c < 4; c++) {
			uint64_t end = base + r->total[c];

			if (!(k->classes & 1u << c))
				continue;
			if (end > from && base < to && r->used[c] < r->total[c]) {
				uint64_t j = from > base ? from - base : 0, stop = (to < end ? to : end) - base;

				for (; j < stop; j++) {
					uint16_t port = (uint16_t)(r->first[c] + j * step);

					db->next_ephemeral++;
					if (nat64_bib_find4(db, k->proto, r->addr, port) == NAT64_NIL) {
						*a4 = r->addr;
						*p4 = port;
						return true;
					}
				}
			}
			base = end;
		}
	}
	return false;
}

bool nat64_pool4_alloc(struct nat64 *db, enum nat64_proto p, const struct in6_addr *a6, uint16_t p6,
		       struct in_addr d4, uint16_t dport, struct in_addr *a4, uint16_t *p4)
{
	/* Identifiers have no classes. Ports: the same class, then the same parity, then any. */
	const unsigned parity = 5u << (p6 & 1);
	const unsigned masks[3] = { 1u << class_of(p6), parity, 0xf };
	unsigned nmasks = p == NAT64_ICMP ? 1 : 3;
	uint64_t w[2], f;
	struct in_addr pref;
	bool paired = nat64_src_pref4(db, a6, &pref);

	memcpy(w, a6, sizeof(w));
	f = nat64_hash3(db, w[0], w[1], (uint64_t)d4.s_addr << 16 | dport);
	/* The address the source already uses first, then any. */
	for (unsigned pass = paired ? 0 : nmasks; pass < 2 * nmasks; pass++) {
		struct pick k = { p, pass < nmasks ? &pref : NULL, p == NAT64_ICMP ? 0xf : masks[pass % nmasks] };
		uint64_t total = 0, free_ = 0, start;

		for (unsigned i = 0; i < db->npool4; i++) {
			const struct nat64_pool4_row *r = &db->pool4[i];

			if (!row_ok(r, &k))
				continue;
			for (int c = 0; c < 4; c++)
				if (k.classes & 1u << c) {
					total += r->total[c];
					free_ += r->total[c] - r->used[c];
				}
		}
		if (!free_)
			continue;
		start = (f + db->next_ephemeral) % total;
		if (probe(db, &k, start, total, a4, p4) || probe(db, &k, 0, start, a4, p4))
			return true;
	}
	return false;
}
