/*
 * NAT64 BIB, session and source tables (layout and costs in nat64_db.h). Keys hash with SipHash-1-3
 * under a per-instance secret, so that neither side of the translator can aim its flows at one chain.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "nat64_db.h"

#define HASH_MIN 1024u

static uint64_t rotl(uint64_t x, int b)
{
	return x << b | x >> (64 - b);
}

#define SIPROUND(v0, v1, v2, v3)                                                      \
	do {                                                                          \
		v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);             \
		v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                                \
		v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                                \
		v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);             \
	} while (0)

/* SipHash-1-3 of three 64-bit words: one compression round per word, three finalization rounds. */
uint64_t nat64_hash3(const struct nat64 *db, uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t v0 = db->key[0] ^ 0x736f6d6570736575ull, v1 = db->key[1] ^ 0x646f72616e646f6dull;
	uint64_t v2 = db->key[0] ^ 0x6c7967656e657261ull, v3 = db->key[1] ^ 0x7465646279746573ull;
	uint64_t m[4] = { a, b, c, 24ull << 56 };

	for (int i = 0; i < 4; i++) {
		v3 ^= m[i];
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m[i];
	}
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

static uint64_t words6(const struct in6_addr *a, int half)
{
	uint64_t w;

	memcpy(&w, a->s6_addr + 8 * half, 8);
	return w;
}

static uint32_t hash_bib6(const struct nat64 *db, enum nat64_proto p, const struct in6_addr *a6, uint16_t p6)
{
	return (uint32_t)nat64_hash3(db, words6(a6, 0), words6(a6, 1), (uint64_t)p << 16 | p6);
}

static uint32_t hash_bib4(const struct nat64 *db, enum nat64_proto p, struct in_addr a4, uint16_t p4)
{
	return (uint32_t)nat64_hash3(db, a4.s_addr, (uint64_t)p << 16 | p4, 1);
}

static uint32_t hash_sess(const struct nat64 *db, uint32_t b, struct in_addr r4, uint16_t rport)
{
	return (uint32_t)nat64_hash3(db, b, (uint64_t)r4.s_addr << 16 | rport, 2);
}

static uint32_t hash_src(const struct nat64 *db, const struct in6_addr *a6)
{
	return (uint32_t)nat64_hash3(db, words6(a6, 0), words6(a6, 1), 3);
}

/* ---- slabs ---- */

static uint32_t slab_alloc(struct nat64_slab *s)
{
	uint32_t i = s->free;

	if (i != NAT64_NIL) {
		memcpy(&s->free, nat64_slab_at(s, i), sizeof(uint32_t));
	} else {
		if (s->hiwat == UINT32_MAX)
			return NAT64_NIL;
		if ((s->hiwat >> NAT64_CHUNK_SHIFT) == s->nchunks) {
			uint8_t **c = realloc(s->chunk, (s->nchunks + 1) * sizeof(*c));

			if (!c)
				return NAT64_NIL;
			s->chunk = c;
			c[s->nchunks] = malloc((size_t)NAT64_CHUNK * s->esize);
			if (!c[s->nchunks])
				return NAT64_NIL;
			s->nchunks++;
		}
		i = s->hiwat++;
	}
	memset(nat64_slab_at(s, i), 0, s->esize);
	s->live++;
	return i;
}

static void slab_free(struct nat64_slab *s, uint32_t i)
{
	memcpy(nat64_slab_at(s, i), &s->free, sizeof(uint32_t));
	s->free = i;
	s->live--;
}

static void slab_init(struct nat64_slab *s, uint32_t esize)
{
	memset(s, 0, sizeof(*s));
	s->esize = esize;
	s->hiwat = 1;	/* index 0 is NAT64_NIL */
}

static void slab_release(struct nat64_slab *s)
{
	for (uint32_t i = 0; i < s->nchunks; i++)
		free(s->chunk[i]);
	free(s->chunk);
	s->chunk = NULL;
	s->nchunks = 0;
}

/* ---- hash tables: chains threaded through a uint32 field at `link` bytes into each entry ---- */

static uint32_t *link_of(const struct nat64_slab *s, uint32_t i, size_t link)
{
	return (uint32_t *)((uint8_t *)nat64_slab_at(s, i) + link);
}

static bool hash_init(struct nat64_hash *h)
{
	h->head = calloc(HASH_MIN, sizeof(uint32_t));
	h->mask = HASH_MIN - 1;
	return h->head != NULL;
}

/* Keep the load at most 1: double the heads and re-chain when the entries outnumber them. Failing to
 * grow is harmless (chains just get longer). */
static void hash_grow(struct nat64_hash *h, const struct nat64_slab *s, size_t link,
		      uint32_t (*rehash)(const struct nat64 *, uint32_t), const struct nat64 *db)
{
	uint32_t size = h->mask + 1, *nh;

	if (s->live <= size || size >= (1u << 30))
		return;
	nh = calloc((size_t)size * 2, sizeof(uint32_t));
	if (!nh)
		return;
	for (uint32_t i = 0; i < size; i++) {
		uint32_t e = h->head[i];

		while (e != NAT64_NIL) {
			uint32_t next = *link_of(s, e, link), slot = rehash(db, e) & (size * 2 - 1);

			*link_of(s, e, link) = nh[slot];
			nh[slot] = e;
			e = next;
		}
	}
	free(h->head);
	h->head = nh;
	h->mask = size * 2 - 1;
}

static void hash_unlink(struct nat64_hash *h, const struct nat64_slab *s, size_t link, uint32_t hv, uint32_t e)
{
	uint32_t *pp = &h->head[hv & h->mask];

	while (*pp != e)
		pp = link_of(s, *pp, link);
	*pp = *link_of(s, e, link);
}

static uint32_t rehash_bib6(const struct nat64 *db, uint32_t i)
{
	const struct nat64_bib *b = nat64_bib(db, i);

	return hash_bib6(db, b->proto, &b->a6, b->p6);
}

static uint32_t rehash_bib4(const struct nat64 *db, uint32_t i)
{
	const struct nat64_bib *b = nat64_bib(db, i);

	return hash_bib4(db, b->proto, b->a4, b->p4);
}

static uint32_t rehash_sess(const struct nat64 *db, uint32_t i)
{
	const struct nat64_sess *s = nat64_sess(db, i);

	return hash_sess(db, s->bib, s->r4, s->rport);
}

static uint32_t rehash_src(const struct nat64 *db, uint32_t i)
{
	return hash_src(db, &((const struct nat64_src *)nat64_slab_at(&db->sources, i))->a6);
}

/* ---- BIB ---- */

uint32_t nat64_bib_find6(const struct nat64 *db, enum nat64_proto p, const struct in6_addr *a6, uint16_t p6)
{
	uint32_t i = db->bib6.head[hash_bib6(db, p, a6, p6) & db->bib6.mask];

	for (; i != NAT64_NIL; i = nat64_bib(db, i)->next6) {
		const struct nat64_bib *b = nat64_bib(db, i);

		if (b->p6 == p6 && b->proto == p && !memcmp(&b->a6, a6, sizeof(*a6)))
			return i;
	}
	return NAT64_NIL;
}

uint32_t nat64_bib_find4(const struct nat64 *db, enum nat64_proto p, struct in_addr a4, uint16_t p4)
{
	uint32_t i = db->bib4.head[hash_bib4(db, p, a4, p4) & db->bib4.mask];

	for (; i != NAT64_NIL; i = nat64_bib(db, i)->next4) {
		const struct nat64_bib *b = nat64_bib(db, i);

		if (b->p4 == p4 && b->proto == p && b->a4.s_addr == a4.s_addr)
			return i;
	}
	return NAT64_NIL;
}

uint32_t nat64_bib_add(struct nat64 *db, enum nat64_proto p, const struct in6_addr *a6, uint16_t p6,
		       struct in_addr a4, uint16_t p4, bool is_static)
{
	uint32_t i = slab_alloc(&db->bibs), h6, h4;
	struct nat64_bib *b;

	if (i == NAT64_NIL)
		return NAT64_NIL;
	b = nat64_bib(db, i);
	b->a6 = *a6;
	b->p6 = p6;
	b->a4 = a4;
	b->p4 = p4;
	b->proto = (uint8_t)p;
	b->is_static = is_static;
	h6 = hash_bib6(db, p, a6, p6) & db->bib6.mask;
	h4 = hash_bib4(db, p, a4, p4) & db->bib4.mask;
	b->next6 = db->bib6.head[h6];
	db->bib6.head[h6] = i;
	b->next4 = db->bib4.head[h4];
	db->bib4.head[h4] = i;
	db->nbib[p]++;
	db->nstatic[p] += is_static;
	nat64_pool4_mark(db, p, a4, p4, 1);
	hash_grow(&db->bib6, &db->bibs, offsetof(struct nat64_bib, next6), rehash_bib6, db);
	hash_grow(&db->bib4, &db->bibs, offsetof(struct nat64_bib, next4), rehash_bib4, db);
	return i;
}

void nat64_bib_del(struct nat64 *db, uint32_t i)
{
	struct nat64_bib *b = nat64_bib(db, i);

	while (b->sess != NAT64_NIL) {
		/* The last session of a dynamic entry deletes the entry itself: stop before that. */
		uint32_t s = b->sess;

		if (!b->is_static && nat64_sess(db, s)->bnext == NAT64_NIL) {
			nat64_sess_del(db, s);
			return;
		}
		nat64_sess_del(db, s);
	}
	hash_unlink(&db->bib6, &db->bibs, offsetof(struct nat64_bib, next6), hash_bib6(db, b->proto, &b->a6, b->p6), i);
	hash_unlink(&db->bib4, &db->bibs, offsetof(struct nat64_bib, next4), hash_bib4(db, b->proto, b->a4, b->p4), i);
	nat64_pool4_mark(db, b->proto, b->a4, b->p4, -1);
	db->nbib[b->proto]--;
	db->nstatic[b->proto] -= b->is_static;
	b->proto = NAT64_FREE;	/* lets walks over the slab skip it */
	slab_free(&db->bibs, i);
}

/* ---- sources ---- */

static uint32_t src_find(const struct nat64 *db, const struct in6_addr *a6)
{
	uint32_t i = db->src.head[hash_src(db, a6) & db->src.mask];

	for (; i != NAT64_NIL; i = ((const struct nat64_src *)nat64_slab_at(&db->sources, i))->next) {
		const struct nat64_src *s = nat64_slab_at(&db->sources, i);

		if (!memcmp(&s->a6, a6, sizeof(*a6)))
			return i;
	}
	return NAT64_NIL;
}

bool nat64_src_pref4(const struct nat64 *db, const struct in6_addr *a6, struct in_addr *a4)
{
	uint32_t i = src_find(db, a6);

	if (i == NAT64_NIL)
		return false;
	*a4 = ((const struct nat64_src *)nat64_slab_at(&db->sources, i))->pref4;
	return true;
}

enum stat_id nat64_sess_room(const struct nat64 *db, const struct in6_addr *a6)
{
	uint32_t i;

	if (db->conf.max_sessions && db->sessions.live >= db->conf.max_sessions)
		return STAT_DROP_NAT64_SESSION_LIMIT;
	if (!db->conf.max_sessions_per_src)
		return 0;
	i = src_find(db, a6);
	if (i != NAT64_NIL &&
	    ((const struct nat64_src *)nat64_slab_at(&db->sources, i))->nsess >= db->conf.max_sessions_per_src)
		return STAT_DROP_NAT64_SRC_LIMIT;
	return 0;
}

/* Count one more session for a6 (paired with a4 if it is its first). False when out of memory. */
static bool src_get(struct nat64 *db, const struct in6_addr *a6, struct in_addr a4)
{
	uint32_t i = src_find(db, a6), h;
	struct nat64_src *s;

	if (i == NAT64_NIL) {
		i = slab_alloc(&db->sources);
		if (i == NAT64_NIL)
			return false;
		s = nat64_slab_at(&db->sources, i);
		s->a6 = *a6;
		s->pref4 = a4;
		h = hash_src(db, a6) & db->src.mask;
		s->next = db->src.head[h];
		db->src.head[h] = i;
		hash_grow(&db->src, &db->sources, offsetof(struct nat64_src, next), rehash_src, db);
	}
	((struct nat64_src *)nat64_slab_at(&db->sources, i))->nsess++;
	return true;
}

static void src_put(struct nat64 *db, const struct in6_addr *a6)
{
	uint32_t i = src_find(db, a6);
	struct nat64_src *s;

	if (i == NAT64_NIL)
		return;
	s = nat64_slab_at(&db->sources, i);
	if (--s->nsess)
		return;
	hash_unlink(&db->src, &db->sources, offsetof(struct nat64_src, next), hash_src(db, a6), i);
	slab_free(&db->sources, i);
}

/* ---- timer wheel ---- */

static void wheel_file(struct nat64 *db, uint32_t i)
{
	struct nat64_sess *s = nat64_sess(db, i);
	uint32_t t = nat64_time_before(s->expires, db->wheel_ms) ? db->wheel_ms : s->expires;
	uint32_t slot = (t >> NAT64_WHEEL_SHIFT) & (NAT64_WHEEL_SLOTS - 1);

	s->wslot = slot & 0xfff;
	s->wprev = NAT64_NIL;
	s->wnext = db->wheel[slot];
	if (s->wnext != NAT64_NIL)
		nat64_sess(db, s->wnext)->wprev = i;
	db->wheel[slot] = i;
}

static void wheel_unfile(struct nat64 *db, uint32_t i)
{
	struct nat64_sess *s = nat64_sess(db, i);

	if (s->wprev != NAT64_NIL)
		nat64_sess(db, s->wprev)->wnext = s->wnext;
	else
		db->wheel[s->wslot] = s->wnext;
	if (s->wnext != NAT64_NIL)
		nat64_sess(db, s->wnext)->wprev = s->wprev;
}

bool nat64_wheel_run(struct nat64 *db, uint32_t now, unsigned budget, uint32_t (*expire)(struct nat64 *db, uint32_t s))
{
	/* A clock jump of more than a turn needs each slot once, not once per turn. */
	unsigned turns = 0;

	while (!nat64_time_before(now, db->wheel_ms + (1u << NAT64_WHEEL_SHIFT)) && turns < NAT64_WHEEL_SLOTS) {
		uint32_t slot = (db->wheel_ms >> NAT64_WHEEL_SHIFT) & (NAT64_WHEEL_SLOTS - 1);
		uint32_t i = db->wheel[slot];

		/* Detach the slot: what is not due is filed again, possibly in this very slot (next turn). */
		db->wheel[slot] = NAT64_NIL;
		while (i != NAT64_NIL) {
			uint32_t next = nat64_sess(db, i)->wnext;

			if (nat64_time_before(now, nat64_sess(db, i)->expires)) {
				wheel_file(db, i);
			} else if (budget) {
				uint32_t life = expire(db, i);

				budget--;
				nat64_sess(db, i)->expires = now + life;
				wheel_file(db, i);
				if (!life)
					nat64_sess_del(db, i);
			} else {
				/* Out of budget: put the rest back, this slot runs again next call. */
				while (i != NAT64_NIL) {
					next = nat64_sess(db, i)->wnext;
					wheel_file(db, i);
					i = next;
				}
				return false;
			}
			i = next;
		}
		db->wheel_ms += 1u << NAT64_WHEEL_SHIFT;
		turns++;
	}
	if (turns == NAT64_WHEEL_SLOTS)
		db->wheel_ms = now & ~((1u << NAT64_WHEEL_SHIFT) - 1);
	return true;
}

/* ---- sessions ---- */

uint32_t nat64_sess_find(const struct nat64 *db, uint32_t b, struct in_addr r4, uint16_t rport)
{
	uint32_t i = db->sess.head[hash_sess(db, b, r4, rport) & db->sess.mask];

	for (; i != NAT64_NIL; i = nat64_sess(db, i)->hnext) {
		const struct nat64_sess *s = nat64_sess(db, i);

		if (s->bib == b && s->rport == rport && s->r4.s_addr == r4.s_addr)
			return i;
	}
	return NAT64_NIL;
}

bool nat64_bib_knows(const struct nat64 *db, uint32_t b, struct in_addr r4)
{
	for (uint32_t i = nat64_bib(db, b)->sess; i != NAT64_NIL; i = nat64_sess(db, i)->bnext)
		if (nat64_sess(db, i)->r4.s_addr == r4.s_addr)
			return true;
	return false;
}

uint32_t nat64_sess_add(struct nat64 *db, uint32_t b, struct in_addr r4, uint16_t rport,
			enum nat64_state st, uint32_t now, uint32_t lifetime)
{
	struct nat64_bib *e = nat64_bib(db, b);
	uint32_t i, h;
	struct nat64_sess *s;

	if (!src_get(db, &e->a6, e->a4))
		return NAT64_NIL;
	i = slab_alloc(&db->sessions);
	if (i == NAT64_NIL) {
		src_put(db, &e->a6);
		return NAT64_NIL;
	}
	s = nat64_sess(db, i);
	s->bib = b;
	s->r4 = r4;
	s->rport = rport;
	s->state = st & 0xf;
	s->expires = now + lifetime;
	s->bnext = e->sess;
	if (e->sess != NAT64_NIL)
		nat64_sess(db, e->sess)->bprev = i;
	e->sess = i;
	h = hash_sess(db, b, r4, rport) & db->sess.mask;
	s->hnext = db->sess.head[h];
	db->sess.head[h] = i;
	wheel_file(db, i);
	db->nsess[e->proto]++;
	hash_grow(&db->sess, &db->sessions, offsetof(struct nat64_sess, hnext), rehash_sess, db);
	return i;
}

void nat64_sess_del(struct nat64 *db, uint32_t i)
{
	struct nat64_sess *s = nat64_sess(db, i);
	uint32_t b = s->bib;
	struct nat64_bib *e = nat64_bib(db, b);

	wheel_unfile(db, i);
	hash_unlink(&db->sess, &db->sessions, offsetof(struct nat64_sess, hnext),
		    hash_sess(db, b, s->r4, s->rport), i);
	if (s->bprev != NAT64_NIL)
		nat64_sess(db, s->bprev)->bnext = s->bnext;
	else
		e->sess = s->bnext;
	if (s->bnext != NAT64_NIL)
		nat64_sess(db, s->bnext)->bprev = s->bprev;
	db->nsess[e->proto]--;
	src_put(db, &e->a6);
	slab_free(&db->sessions, i);
	/* RFC 6146 §3.5.1: a dynamic binding lives as long as one of its sessions. */
	if (e->sess == NAT64_NIL && !e->is_static)
		nat64_bib_del(db, b);
}

void nat64_sess_touch(struct nat64 *db, uint32_t i, uint32_t now, uint32_t lifetime)
{
	struct nat64_sess *s = nat64_sess(db, i);
	uint32_t old = s->expires;

	s->expires = now + lifetime;
	/* Later: the wheel finds out when the old slot comes up. Earlier: file it where it is due now. */
	if (nat64_time_before(s->expires, old)) {
		wheel_unfile(db, i);
		wheel_file(db, i);
	}
}

/* ---- instance memory ---- */

bool nat64_db_init(struct nat64 *db)
{
	slab_init(&db->bibs, sizeof(struct nat64_bib));
	slab_init(&db->sessions, sizeof(struct nat64_sess));
	slab_init(&db->sources, sizeof(struct nat64_src));
	return hash_init(&db->bib6) && hash_init(&db->bib4) && hash_init(&db->sess) && hash_init(&db->src);
}

void nat64_db_free(struct nat64 *db)
{
	slab_release(&db->bibs);
	slab_release(&db->sessions);
	slab_release(&db->sources);
	free(db->bib6.head);
	free(db->bib4.head);
	free(db->sess.head);
	free(db->src.head);
}

static uint64_t slab_bytes(const struct nat64_slab *s)
{
	return (uint64_t)s->nchunks * (NAT64_CHUNK * s->esize + sizeof(void *));
}

uint64_t nat64_db_bytes(const struct nat64 *db)
{
	return slab_bytes(&db->bibs) + slab_bytes(&db->sessions) + slab_bytes(&db->sources) +
	       4ull * (db->bib6.mask + 1 + db->bib4.mask + 1 + db->sess.mask + 1 + db->src.mask + 1) +
	       (uint64_t)db->conf.max_syn4 * sizeof(struct nat64_syn4) + sizeof(*db) +
	       (uint64_t)db->npool4 * sizeof(struct nat64_pool4_row);
}
