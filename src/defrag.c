/*
 * IP reassembly (see defrag.h). Datagrams in progress sit in a keyed hash table and in one list per
 * family in order of arrival; both families have one timeout each, so expiry only looks at list heads.
 * Fragment offsets count in 8-byte units (RFC 791, RFC 8200 §4.5), and every piece but the last is a
 * whole number of them, so a bitmap of the units held tells a new piece from a duplicate or an overlap.
 *
 * Overlaps: RFC 5722 makes an IPv6 datagram with overlapping fragments invalid as a whole. RFC 791 lets
 * IPv4 overlap, but no correct fragmentation makes fragments that do, only attacks (RFC 1858, RFC 3128),
 * so IPv4 gets the same rule, as in Linux since 2018. A piece that brings only units already held is a
 * duplicate (a copy made on the way): it is ignored and the datagram goes on (RFC 5722 erratum 3089);
 * the bytes held first are kept, so a duplicate cannot change what gets translated.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "defrag.h"
#include "xlat46.h"
#include "xlat64.h"

/* Fragmentable bytes of a datagram: IPv4 needs at least a 20-byte header within 65535, and an IPv6
 * datagram's payload becomes an IPv4 one behind a 20-byte header (RFC 7915 §5.1). */
#define DATA_MAX (65535u - IP4_HDR_LEN)
#define UNITS ((DATA_MAX + 7) / 8)
/* Room in front of the data for the header: an IPv4 header is at most 60 bytes; the IPv6 chain up to
 * and including the Fragment Header is held to this (RFC 7112 asks for sane chains anyway). */
#define HDR_MAX 512u
#define ROOM (XLAT_HEADROOM + HDR_MAX + XLAT_TAILROOM)

/* IPv4: (src, dst, protocol, ID), RFC 791. IPv6: (src, dst, ID), RFC 8200 §4.5. Zero-filled, so that
 * memcmp() and the hash see no stray bytes. */
struct key {
	uint8_t src[16], dst[16];
	uint32_t id;
	uint8_t v6, proto, pad[2];
};

_Static_assert(sizeof(struct key) % sizeof(uint64_t) == 0, "hash() reads the key in 64-bit words");

struct dgram {
	struct dgram *hnext;		/* hash chain */
	struct dgram *prev, *next;	/* the family's list, oldest first */
	struct key k;
	uint64_t born;			/* arrival of the first-arriving fragment */
	uint8_t *buf;			/* ROOM + cap bytes; the data starts at XLAT_HEADROOM + HDR_MAX */
	uint32_t cap;
	uint32_t hdr_len;		/* header in front of the data, 0 until the first fragment is in */
	uint32_t end;			/* highest end of data seen: the data length once `last` */
	bool last;			/* the fragment without MF / M arrived */
	uint32_t units;			/* 8-byte units held */
	uint64_t map[(UNITS + 63) / 64];
};

struct list {
	struct dgram *head, *tail;
};

struct defrag {
	struct defrag_limits lim;
	struct dgram **table;
	uint32_t mask;
	uint32_t n;
	uint64_t bytes;
	struct list age[2];		/* by family: [0] IPv4, [1] IPv6 */
	struct dgram *done;		/* handed out by the last call; freed by the next */
};

/* One fragment as parsed. */
struct frag {
	struct key k;
	const uint8_t *hdr;		/* what a first fragment contributes: the IPv4 header, or the IPv6 */
	uint32_t hdr_len;		/* chain through the Fragment Header */
	const uint8_t *data;
	uint32_t off, len;
	bool mf;
};

void defrag_limits_default(struct defrag_limits *l)
{
	*l = (struct defrag_limits){
		.max_datagrams = 256,
		.max_bytes = 4u << 20,
		.timeout4 = 30 * 1000,
		.timeout6 = 60 * 1000,
	};
}

struct defrag *defrag_new(const struct defrag_limits *l)
{
	struct defrag *d;
	uint32_t size = 16;

	if (!l->max_datagrams || l->max_datagrams > 1u << 20 || !l->max_bytes || !l->timeout4 || !l->timeout6)
		return NULL;
	while (size < l->max_datagrams)
		size <<= 1;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->table = calloc(size, sizeof(*d->table));
	if (!d->table) {
		free(d);
		return NULL;
	}
	d->lim = *l;
	d->mask = size - 1;
	return d;
}

/* Multiply-xorshift keyed by hash_key: enough to keep an outsider from choosing collisions blindly, and
 * a chain is never longer than max_datagrams anyway. */
static uint32_t hash(const struct defrag *d, const struct key *k)
{
	uint64_t h = d->lim.hash_key, w;

	for (size_t i = 0; i < sizeof(*k); i += sizeof(w)) {
		memcpy(&w, (const uint8_t *)k + i, sizeof(w));
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 31;
	}
	return (uint32_t)(h ^ h >> 32);
}

static struct dgram *lookup(const struct defrag *d, const struct key *k)
{
	struct dgram *g = d->table[hash(d, k) & d->mask];

	while (g && memcmp(&g->k, k, sizeof(*k)))
		g = g->hnext;
	return g;
}

/* Take g out of the table and its list; its memory stays counted until destroy(). */
static void detach(struct defrag *d, struct dgram *g)
{
	struct dgram **pp = &d->table[hash(d, &g->k) & d->mask];
	struct list *l = &d->age[g->k.v6];

	while (*pp != g)
		pp = &(*pp)->hnext;
	*pp = g->hnext;
	*(g->prev ? &g->prev->next : &l->head) = g->next;
	*(g->next ? &g->next->prev : &l->tail) = g->prev;
	d->n--;
}

static void destroy(struct defrag *d, struct dgram *g)
{
	d->bytes -= sizeof(*g) + ROOM + g->cap;
	free(g->buf);
	free(g);
}

static void drop_dgram(struct defrag *d, struct dgram *g)
{
	detach(d, g);
	destroy(d, g);
}

static struct dgram *dgram_new(struct defrag *d, const struct key *k, uint64_t now)
{
	struct list *l = &d->age[k->v6];
	uint32_t b = hash(d, k) & d->mask;
	struct dgram *g;

	if (d->n >= d->lim.max_datagrams || d->bytes + sizeof(*g) + ROOM > d->lim.max_bytes)
		return NULL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->k = *k;
	g->born = now;
	g->hnext = d->table[b];
	d->table[b] = g;
	g->prev = l->tail;
	*(l->tail ? &l->tail->next : &l->head) = g;
	l->tail = g;
	d->n++;
	d->bytes += sizeof(*g) + ROOM;
	return g;
}

/* Room for data up to end: exactly that for the last piece (the datagram's length), else doubling. */
static bool grow(struct defrag *d, struct dgram *g, uint32_t end, bool last)
{
	uint32_t cap = last ? end : 2 * g->cap < DATA_MAX ? 2 * g->cap : DATA_MAX;
	uint8_t *b;

	if (g->buf && end <= g->cap)
		return true;
	if (cap < end)
		cap = end;
	if (d->bytes - g->cap + cap > d->lim.max_bytes)
		return false;
	b = realloc(g->buf, ROOM + cap);
	if (!b)
		return false;
	d->bytes += cap - g->cap;
	g->buf = b;
	g->cap = cap;
	return true;
}

void defrag_free(struct defrag *d)
{
	if (!d)
		return;
	for (int v6 = 0; v6 < 2; v6++)
		while (d->age[v6].head)
			drop_dgram(d, d->age[v6].head);
	if (d->done)
		destroy(d, d->done);
	free(d->table);
	free(d);
}

void defrag_expire(struct defrag *d, uint64_t now, struct stats *st)
{
	if (d->done) {
		destroy(d, d->done);
		d->done = NULL;
	}
	for (int v6 = 0; v6 < 2; v6++) {
		uint32_t t = v6 ? d->lim.timeout6 : d->lim.timeout4;
		struct dgram *g;

		while ((g = d->age[v6].head) && g->born + t <= now) {
			drop_dgram(d, g);
			st->c[STAT_DROP_FRAG_TIMEOUT]++;
		}
	}
}

void defrag_usage(const struct defrag *d, struct defrag_usage *u)
{
	u->datagrams = d->n;
	u->bytes = d->bytes;
}

/*
 * The two readers below take the header as the translator reads it (xlat46_parse(), xlat64_parse()), so a
 * fragment and the datagram made of it are judged alike. They differ from the core where reassembly must:
 * what cannot be told from a fragment passes, for the core to drop and count (defrag.h), and what the core
 * would refuse in a fragment's own header is dropped here, with the core's counter, because reassembly
 * rebuilds that header (lengths, checksum) and would hide it.
 */

/* An IPv4 fragment: MF or an offset (RFC 791). Returns 0 with f->hdr NULL for anything else, a packet
 * without a fixed header to tell a fragment by included. */
static enum stat_id parse4(const uint8_t *p, uint32_t len, struct frag *f)
{
	struct xlat46_v4 h;
	enum stat_id why = xlat46_parse(p, len, &h);

	if (!h.p || !xlat46_is_fragment(&h))
		return 0;
	if (why || (why = xlat46_outer(&h, len)))
		return why;
	memcpy(f->k.src, &h.src, 4);
	memcpy(f->k.dst, &h.dst, 4);
	f->k.id = xlat_rd16(p + 4);
	f->k.proto = h.proto;
	f->hdr = p;
	f->hdr_len = h.hlen;
	f->data = p + h.hlen;
	f->len = h.tot - h.hlen;
	f->off = (h.frag & IP4_OFFSET) * 8u;
	f->mf = h.frag & IP4_MF;
	return 0;
}

/*
 * An IPv6 packet with a Fragment Header in its unfragmentable part that is not atomic (RFC 6946: an atomic
 * fragment is processed alone). Returns 0 with f->hdr NULL for anything else; a chain cut short before the
 * Fragment Header is left to the core to count, one cut inside it is dropped here.
 * The walker's verdict on what follows the Fragment Header is not ours to give: that is the fragmentable
 * part (RFC 8200 §4.5), data until the datagram is whole, which the core walks then (and refuses an
 * extension header or a second Fragment Header in it).
 */
static enum stat_id parse6(const uint8_t *p, uint32_t len, struct frag *f)
{
	struct xlat64_v6 h;
	uint32_t end;

	(void)xlat64_parse(p, len, &h);
	if (!h.frag_at)
		return 0;
	if (!h.frag)
		return STAT_DROP_TRUNCATED;
	if (!xlat64_is_fragment(&h))
		return 0;
	end = h.frag_at + FRAG_HDR_LEN;
	if (IP6_HDR_LEN + h.plen > len)
		return STAT_DROP_TRUNCATED;
	if (end > IP6_HDR_LEN + h.plen)
		return STAT_DROP_HDR6;
	if (end > HDR_MAX)
		return STAT_DROP_FRAG_TOO_BIG;
	memcpy(f->k.src, p + 8, 16);
	memcpy(f->k.dst, p + 24, 16);
	f->k.id = h.frag_id;
	f->k.v6 = 1;
	f->hdr = p;
	f->hdr_len = end;
	f->data = p + end;
	f->len = IP6_HDR_LEN + h.plen - end;
	f->off = h.frag_off * 8u;
	f->mf = h.mf;
	return 0;
}

static uint32_t units_held(const struct dgram *g, uint32_t a, uint32_t b)
{
	uint32_t n = 0;

	for (uint32_t i = a; i < b; i++)
		n += (uint32_t)(g->map[i / 64] >> (i % 64)) & 1;
	return n;
}

/* Whether a header of hdr_len bytes and end data bytes make a datagram whose length fields can say so. */
static bool fits(bool v6, uint32_t hdr_len, uint32_t end)
{
	return end <= DATA_MAX && hdr_len - (v6 ? IP6_HDR_LEN : 0) + end <= 65535;
}

/* What f, valid on its own, does to the datagram g. 0: store it. */
static enum stat_id check(const struct dgram *g, const struct frag *f)
{
	uint32_t end = f->off + f->len, a = f->off / 8, b = (end + 7) / 8, n;

	/* Every piece must agree on where the datagram ends (RFC 8200 §4.5, as Linux does for both). */
	if (g->last ? end > g->end || (!f->mf && end != g->end) : !f->mf && end < g->end)
		return STAT_DROP_FRAG_MALFORMED;
	n = units_held(g, a, b);
	if (n == b - a && (f->mf || g->last))
		return STAT_DROP_FRAG_DUP;
	if (n)
		return STAT_DROP_FRAG_OVERLAP;
	if (!fits(f->k.v6, f->off == 0 || !g->hdr_len ? f->hdr_len : g->hdr_len, end > g->end ? end : g->end))
		return STAT_DROP_FRAG_TOO_BIG;
	return 0;
}

static void store(struct dgram *g, const struct frag *f)
{
	uint8_t *data = g->buf + XLAT_HEADROOM + HDR_MAX;
	uint32_t end = f->off + f->len;

	memcpy(data + f->off, f->data, f->len);
	for (uint32_t i = f->off / 8; i < (end + 7) / 8; i++)
		g->map[i / 64] |= 1ull << (i % 64);
	g->units += (end + 7) / 8 - f->off / 8;
	if (f->off == 0) {
		memcpy(data - f->hdr_len, f->hdr, f->hdr_len);
		g->hdr_len = f->hdr_len;
	}
	if (end > g->end)
		g->end = end;
	g->last |= !f->mf;
}

/* The whole datagram, in place in front of its data (see defrag.h for why IPv6 keeps an atomic Fragment
 * Header). */
static uint8_t *finish(struct dgram *g, uint32_t *len)
{
	uint8_t *data = g->buf + XLAT_HEADROOM + HDR_MAX, *h = data - g->hdr_len;

	*len = g->hdr_len + g->end;
	if (g->k.v6) {
		uint8_t *fh = data - FRAG_HDR_LEN;

		xlat_wr16(h + 4, *len - IP6_HDR_LEN);
		fh[1] = 0;			/* Reserved */
		xlat_wr16(fh + 2, 0);		/* Fragment Offset 0, M 0: atomic (RFC 6946) */
	} else {
		xlat_wr16(h + 2, *len);
		xlat_wr16(h + 6, 0);		/* MF, offset and DF clear */
		xlat_wr16(h + 10, csum_ipv4_header(h, g->hdr_len));
	}
	return h;
}

static enum defrag_verdict drop(struct stats *st, enum stat_id why)
{
	st->c[why]++;
	return DEFRAG_DROP;
}

enum defrag_verdict defrag_packet(struct defrag *d, const uint8_t *pkt, uint32_t len, uint64_t now,
				  struct stats *st, uint8_t **whole, uint32_t *whole_len)
{
	struct frag f = { 0 };
	struct dgram *g;
	enum stat_id why;

	*whole = NULL;
	*whole_len = 0;
	defrag_expire(d, now, st);
	if (len < 1)
		return DEFRAG_PASS;
	why = pkt[0] >> 4 == 4 ? parse4(pkt, len, &f) : pkt[0] >> 4 == 6 ? parse6(pkt, len, &f) : 0;
	if (why)
		return drop(st, why);
	if (!f.hdr)
		return DEFRAG_PASS;
	/* RFC 8200 §4.5 (and RFC 791 alike): such a piece is dropped on its own. */
	if (f.mf && (f.len == 0 || f.len % 8))
		return drop(st, STAT_DROP_FRAG_MALFORMED);
	if (!fits(f.k.v6, f.hdr_len, f.off + f.len))
		return drop(st, STAT_DROP_FRAG_TOO_BIG);
	g = lookup(d, &f.k);
	why = g ? check(g, &f) : 0;
	if (why) {
		/* A duplicate leaves its datagram alone; a piece that contradicts it spoils it. */
		if (why != STAT_DROP_FRAG_DUP)
			drop_dgram(d, g);
		return drop(st, why);
	}
	if (!g && !(g = dgram_new(d, &f.k, now)))
		return drop(st, STAT_DROP_FRAG_LIMIT);
	if (!grow(d, g, f.off + f.len, !f.mf)) {
		drop_dgram(d, g);
		return drop(st, STAT_DROP_FRAG_LIMIT);
	}
	store(g, &f);
	if (!g->last || !g->hdr_len || g->units != (g->end + 7) / 8) {
		st->c[STAT_FRAG_HELD]++;
		return DEFRAG_HELD;
	}
	detach(d, g);
	d->done = g;
	*whole = finish(g, whole_len);
	st->c[STAT_FRAG_REASSEMBLED]++;
	return DEFRAG_DONE;
}
