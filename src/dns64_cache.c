/* The DNS64 answer cache: final replies in wire form with the offsets of their TTL fields, so a hit is
 * a copy and a few patches (dns64_wire_emit), not a parse. Bounded by an entry count with LRU
 * eviction; an entry lives for the smallest TTL it holds (RFC 1035 §7.4, RFC 2308 §5 for negative
 * answers, computed by dns64_wire_lifetime) and ages its TTLs when served. */
#include <stdlib.h>
#include <string.h>

#include "dns64_internal.h"

#define NIL UINT32_MAX

struct centry {
	uint32_t hnext;			/* bucket chain */
	uint32_t prev, next;		/* LRU list (most recent first); free list through next */
	uint32_t hash;
	uint16_t klen;
	unsigned n_ttl;
	size_t len;
	uint64_t stored, expire;	/* ms */
	uint8_t *blob;			/* key, message, TTL offsets */
};

struct dns64_cache {
	uint32_t max, used, mask;
	uint32_t head, tail, free;
	uint32_t *bucket;
	struct centry *e;
};

struct dns64_cache *dns64_cache_new(uint32_t max)
{
	struct dns64_cache *c = calloc(1, sizeof(*c));
	uint32_t nb = 16;

	if (!c)
		return NULL;
	while (nb < max && nb < (1u << 31))
		nb <<= 1;
	c->max = max;
	c->mask = nb - 1;
	c->head = c->tail = NIL;
	c->bucket = malloc(nb * sizeof(*c->bucket));
	c->e = calloc(max, sizeof(*c->e));
	if (!c->bucket || !c->e) {
		dns64_cache_free(c);
		return NULL;
	}
	memset(c->bucket, 0xff, nb * sizeof(*c->bucket));
	for (uint32_t i = 0; i < max; i++)
		c->e[i].next = i + 1 < max ? i + 1 : NIL;
	c->free = max ? 0 : NIL;
	return c;
}

void dns64_cache_free(struct dns64_cache *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; c->e && i < c->max; i++)
		free(c->e[i].blob);
	free(c->e);
	free(c->bucket);
	free(c);
}

unsigned dns64_cache_size(const struct dns64_cache *c)
{
	return c ? c->used : 0;
}

size_t dns64_cache_key(const struct dns64_client *cl, uint8_t key[DNS64_KEY_MAX])
{
	size_t n = cl->qname_len;

	/* RFC 4343: names compare case-insensitively; label length bytes are < 64, never letters. */
	for (size_t i = 0; i < n; i++)
		key[i] = (uint8_t)(cl->qname[i] >= 'A' && cl->qname[i] <= 'Z' ? cl->qname[i] + 32 : cl->qname[i]);
	key[n++] = (uint8_t)(cl->qtype >> 8);
	key[n++] = (uint8_t)cl->qtype;
	key[n++] = (uint8_t)(cl->qclass >> 8);
	key[n++] = (uint8_t)cl->qclass;
	/* CD and DO change the answer (no synthesis with CD, RRSIGs with DO): never mixed. */
	key[n++] = (uint8_t)((cl->cd ? DNS64_KEY_CD : 0) | (cl->dnssec_ok ? DNS64_KEY_DO : 0));
	return n;
}

/* FNV-1a: clients are the ACL's trusted hosts, so no keyed hash against flooding. */
static uint32_t key_hash(const uint8_t *k, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

static void lru_unlink(struct dns64_cache *c, uint32_t i)
{
	struct centry *e = &c->e[i];

	if (e->prev != NIL)
		c->e[e->prev].next = e->next;
	else
		c->head = e->next;
	if (e->next != NIL)
		c->e[e->next].prev = e->prev;
	else
		c->tail = e->prev;
}

static void lru_front(struct dns64_cache *c, uint32_t i)
{
	c->e[i].prev = NIL;
	c->e[i].next = c->head;
	if (c->head != NIL)
		c->e[c->head].prev = i;
	c->head = i;
	if (c->tail == NIL)
		c->tail = i;
}

static void remove_entry(struct dns64_cache *c, uint32_t i)
{
	struct centry *e = &c->e[i];
	uint32_t *p = &c->bucket[e->hash & c->mask];

	while (*p != i)
		p = &c->e[*p].hnext;
	*p = e->hnext;
	lru_unlink(c, i);
	free(e->blob);
	e->blob = NULL;
	e->next = c->free;
	c->free = i;
	c->used--;
}

static uint32_t find(const struct dns64_cache *c, const uint8_t *key, size_t klen, uint32_t h)
{
	for (uint32_t i = c->bucket[h & c->mask]; i != NIL; i = c->e[i].hnext)
		if (c->e[i].hash == h && c->e[i].klen == klen && !memcmp(c->e[i].blob, key, klen))
			return i;
	return NIL;
}

bool dns64_cache_get(struct dns64_cache *c, const uint8_t *key, size_t klen, uint64_t now,
		     struct dns64_wire *w, uint32_t *age_s)
{
	uint32_t i;
	struct centry *e;

	if (!c || !c->max || (i = find(c, key, klen, key_hash(key, klen))) == NIL)
		return false;
	e = &c->e[i];
	if (now >= e->expire || now < e->stored) {
		remove_entry(c, i);
		return false;
	}
	lru_unlink(c, i);
	lru_front(c, i);
	w->msg = e->blob + e->klen;
	w->len = e->len;
	w->ttl_off = (const uint16_t *)(void *)(e->blob + ((e->klen + e->len + 1) & ~(size_t)1));
	w->n_ttl = e->n_ttl;
	*age_s = (uint32_t)((now - e->stored) / 1000);
	return true;
}

unsigned dns64_cache_put(struct dns64_cache *c, const uint8_t *key, size_t klen, const struct dns64_wire *w,
			 uint32_t lifetime_s, uint64_t now)
{
	uint32_t h = key_hash(key, klen), i;
	size_t toff = (klen + w->len + 1) & ~(size_t)1;
	unsigned evicted = 0;
	uint8_t *blob;
	struct centry *e;

	if (!c || !c->max || !lifetime_s || klen > DNS64_KEY_MAX)
		return 0;
	if ((i = find(c, key, klen, h)) != NIL)
		remove_entry(c, i);
	if (c->free == NIL) {
		remove_entry(c, c->tail);
		evicted++;
	}
	blob = malloc(toff + w->n_ttl * sizeof(uint16_t));
	if (!blob)
		return evicted;
	memcpy(blob, key, klen);
	memcpy(blob + klen, w->msg, w->len);
	memcpy(blob + toff, w->ttl_off, w->n_ttl * sizeof(uint16_t));
	i = c->free;
	e = &c->e[i];
	c->free = e->next;
	*e = (struct centry){ .hnext = c->bucket[h & c->mask], .hash = h, .klen = (uint16_t)klen,
			      .n_ttl = w->n_ttl, .len = w->len, .stored = now,
			      .expire = now + (uint64_t)lifetime_s * 1000, .blob = blob };
	c->bucket[h & c->mask] = i;
	lru_front(c, i);
	c->used++;
	return evicted;
}
