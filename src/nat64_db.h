/*
 * NAT64 tables, shared by the nat64_*.c files only. Entries live in slabs (chunks of 4096, never moved,
 * addressed by a 32-bit index, 0 = none) and are chained into keyed hash tables whose heads double as the
 * tables grow:
 *   BIB      by (proto, IPv6 address, port) and by (proto, IPv4 address, port): both directions O(1);
 *   sessions by (BIB entry, remote IPv4 address, remote port): the same key serves both directions, as a
 *            session is a BIB entry plus the IPv4 peer (its IPv6 form is pool6 + that address);
 *   sources  by IPv6 address: session count (per-source limit) and the IPv4 address it was paired with.
 * Memory (x86-64): a session is 36 bytes, a BIB entry 40, a source 28, plus 4 to 8 bytes of hash head per
 * entry and table (heads are a power of two, at most twice the entries); a new flow from a new port costs
 * one session + one BIB entry + 3 heads = 88 to 100 bytes (bench/nat64-core-bench.c measures it).
 * Expiry: one timer wheel of 4096 slots of 1024 ms (~70 min per turn). A session sits in the slot of its
 * expiry time; refreshing it only moves the expiry later (the wheel re-files it lazily when its old slot
 * comes up), shortening it re-files it at once.
 */
#ifndef XLAT64_NAT64_DB_H
#define XLAT64_NAT64_DB_H

#include "nat64.h"
#include "stats.h"

#define NAT64_NIL 0u
#define NAT64_FREE 0xff				/* proto of a free BIB slab entry */
#define NAT64_CHUNK_SHIFT 12
#define NAT64_CHUNK (1u << NAT64_CHUNK_SHIFT)
#define NAT64_WHEEL_SHIFT 10			/* slot width: 1024 ms */
#define NAT64_WHEEL_SLOTS 4096u
#define NAT64_SYN4_KEEP 1232			/* bytes of a stored SYN: all an ICMPv6 error may quote */

struct nat64_bib {
	uint32_t next6;		/* hash chain by IPv6 side; free-list link */
	uint32_t next4;		/* hash chain by IPv4 side */
	uint32_t sess;		/* first session of this entry */
	struct in6_addr a6;
	struct in_addr a4;
	uint16_t p6, p4;
	uint8_t proto;		/* enum nat64_proto, NAT64_FREE when not in use */
	uint8_t is_static;
};

struct nat64_sess {
	uint32_t hnext;		/* hash chain; free-list link */
	uint32_t bib;		/* owning BIB entry */
	uint32_t bprev, bnext;	/* the BIB entry's sessions */
	uint32_t wprev, wnext;	/* timer wheel slot list */
	uint32_t expires;	/* ms, modulo 2^32 */
	struct in_addr r4;	/* the IPv4 peer */
	uint16_t rport;		/* its port (0 for ICMP) */
	uint16_t wslot : 12;	/* wheel slot it is filed in */
	uint16_t state : 4;	/* enum nat64_state */
};

struct nat64_src {
	uint32_t next;		/* hash chain; free-list link */
	uint32_t nsess;
	struct in6_addr a6;
	struct in_addr pref4;	/* RFC 6146 §3.5.1.1: later bindings of a6 SHOULD use the same IPv4 address */
};

struct nat64_slab {
	uint8_t **chunk;
	uint32_t nchunks;
	uint32_t hiwat;		/* indexes below this were handed out at least once */
	uint32_t free;		/* free list head */
	uint32_t live;
	uint32_t esize;
};

struct nat64_hash {
	uint32_t *head;
	uint32_t mask;		/* size - 1 */
};

/* One pool4 row: one address, one protocol, one port range, split in four classes (RFC 6146 §3.5.1.1:
 * ports below 1024 / from 1024, even / odd) of the ports this worker owns. */
struct nat64_pool4_row {
	struct in_addr addr;
	uint16_t lo, hi;
	uint8_t proto;
	uint32_t first[4];	/* lowest owned port of each class */
	uint32_t total[4];	/* owned ports in each class (a class is first, first + step, ...) */
	uint32_t used[4];	/* of those, bound in the BIB */
};

/* A stored IPv4 SYN (RFC 6146 §3.5.2.2): remote r4#rport to pool4 l4#lport. v6 when it came from a
 * hairpinned IPv6 SYN, which is then the packet kept (and quoted by the ICMPv6 error). */
struct nat64_syn4 {
	bool used, v6;
	uint32_t expires;
	struct in_addr r4, l4;
	uint16_t rport, lport;
	uint16_t len;
	uint8_t pkt[NAT64_SYN4_KEEP];
};

struct nat64 {
	struct nat64_conf conf;
	unsigned worker, nworkers;
	uint64_t key[2];		/* SipHash key */
	struct nat64_slab bibs, sessions, sources;
	struct nat64_hash bib6, bib4, sess, src;
	uint32_t nbib[NAT64_NPROTO], nstatic[NAT64_NPROTO], nsess[NAT64_NPROTO];
	/* timer wheel */
	bool clock_set;
	uint32_t wheel_ms;		/* start of the next slot to process */
	uint32_t wheel[NAT64_WHEEL_SLOTS];
	/* pool4, sorted by (address, protocol, lo) */
	struct nat64_pool4_row *pool4;
	unsigned npool4;
	uint32_t next_ephemeral;	/* RFC 6056 algorithm 3 counter */
	/* simultaneous open */
	struct nat64_syn4 *syn4;
	unsigned nsyn4;			/* slots in use */
	/* the IPv6 original of a packet being hairpinned, in case its IPv4 half gets stored as a SYN */
	uint8_t hairpin_orig[NAT64_SYN4_KEEP];
	uint32_t hairpin_len;
};

static inline void *nat64_slab_at(const struct nat64_slab *s, uint32_t i)
{
	return s->chunk[i >> NAT64_CHUNK_SHIFT] + (size_t)(i & (NAT64_CHUNK - 1)) * s->esize;
}

static inline struct nat64_bib *nat64_bib(const struct nat64 *db, uint32_t i)
{
	return nat64_slab_at(&db->bibs, i);
}

static inline struct nat64_sess *nat64_sess(const struct nat64 *db, uint32_t i)
{
	return nat64_slab_at(&db->sessions, i);
}

/* Serial-number comparison of 32-bit millisecond times (RFC 1982 style). */
static inline bool nat64_time_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/* nat64_db.c */
uint64_t nat64_hash3(const struct nat64 *db, uint64_t a, uint64_t b, uint64_t c);
uint32_t nat64_bib_find6(const struct nat64 *db, enum nat64_proto p, const struct in6_addr *a6, uint16_t p6);
uint32_t nat64_bib_find4(const struct nat64 *db, enum nat64_proto p, struct in_addr a4, uint16_t p4);
/* A new entry (the caller checked both sides are free). 0 when out of memory. */
uint32_t nat64_bib_add(struct nat64 *db, enum nat64_proto p, const struct in6_addr *a6, uint16_t p6,
		       struct in_addr a4, uint16_t p4, bool is_static);
void nat64_bib_del(struct nat64 *db, uint32_t b);
uint32_t nat64_sess_find(const struct nat64 *db, uint32_t b, struct in_addr r4, uint16_t rport);
/* RFC 6146 §3.5.3/RFC 4787: does entry b have a session with the IPv4 host r4 (any port)? */
bool nat64_bib_knows(const struct nat64 *db, uint32_t b, struct in_addr r4);
/* Can a6 open one more session? 0 or the drop counter (session limits). */
enum stat_id nat64_sess_room(const struct nat64 *db, const struct in6_addr *a6);
/* A new session of entry b, expiring `lifetime` ms from now. 0 when out of memory. */
uint32_t nat64_sess_add(struct nat64 *db, uint32_t b, struct in_addr r4, uint16_t rport,
			enum nat64_state st, uint32_t now, uint32_t lifetime);
/* Delete a session; a dynamic BIB entry left without sessions goes too. */
void nat64_sess_del(struct nat64 *db, uint32_t s);
/* Set a session's expiry to now + lifetime. */
void nat64_sess_touch(struct nat64 *db, uint32_t s, uint32_t now, uint32_t lifetime);
/* The IPv4 address a6's other bindings use (RFC 6146 §3.5.1.1 paired pooling); false when none. */
bool nat64_src_pref4(const struct nat64 *db, const struct in6_addr *a6, struct in_addr *a4);
/* Process the wheel slots that ended by now. For each session that is due, expire(db, s) says what
 * happens: 0 deletes it, anything else is its new lifetime (it may change the state, nothing else). At
 * most `budget` sessions; returns false when it ran out of budget before catching up. */
bool nat64_wheel_run(struct nat64 *db, uint32_t now, unsigned budget, uint32_t (*expire)(struct nat64 *db, uint32_t s));
uint64_t nat64_db_bytes(const struct nat64 *db);
bool nat64_db_init(struct nat64 *db);
void nat64_db_free(struct nat64 *db);

/* nat64_pool4.c */
bool nat64_pool4_mark(struct nat64 *db, enum nat64_proto p, struct in_addr a4, uint16_t p4, int delta);
/* RFC 6146 §3.5.1.1 / §3.5.2.3 / §3.5.3 + RFC 6056 algorithm 3: pick a free IPv4 transport address for the
 * IPv6 source a6#p6 talking to d4#dport. False when none is free. */
bool nat64_pool4_alloc(struct nat64 *db, enum nat64_proto p, const struct in6_addr *a6, uint16_t p6,
		       struct in_addr d4, uint16_t dport, struct in_addr *a4, uint16_t *p4);
/* Is a4#p4 a pool4 transport address of protocol p? */
bool nat64_pool4_has(const struct nat64 *db, enum nat64_proto p, struct in_addr a4, uint16_t p4);

/* nat64_so.c: the stored IPv4 SYNs (RFC 6146 §3.5.2.2 simultaneous open) */
bool nat64_so_resize(struct nat64 *db, uint32_t n);
/* Keep an IPv4 SYN. 0 (stored) or the drop counter (store full, duplicate). */
enum stat_id nat64_so_store(struct nat64 *db, uint32_t now, struct in_addr r4, uint16_t rport,
			    struct in_addr l4, uint16_t lport, const uint8_t *pkt, uint32_t len, bool v6);
/* An IPv6 SYN toward r4#rport: forget the stored SYN it answers. With l4 == NULL any local address
 * matches, and the one it was sent to is returned in *l4_out / *lport_out (the mapping RFC 6146
 * §3.5.2.2 then forces). False when there is none. */
bool nat64_so_take(struct nat64 *db, struct in_addr r4, uint16_t rport, const struct in_addr *l4,
		   uint16_t lport, struct in_addr *l4_out, uint16_t *lport_out);

#endif
