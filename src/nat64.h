/*
 * Stateful NAT64 (RFC 6146): pool4, BIB and session tables, the TCP state machine and the §3 packet
 * pipeline in front of the RFC 7915 core. Pure: no I/O, no locks, no globals. One `struct nat64` per
 * worker thread; every instance owns a slice of the pool4 ports (worker w of n hands out only ports p with
 * p % n == w), so the daemon must bring each packet to the worker nat64_owner() names (an IPv4 packet for
 * pool4 port p to worker p % n, an IPv6 flow's packets to one worker). Static BIB entries are replicated
 * into every instance.
 *
 * Time is the caller's monotonic clock in milliseconds (ctx->xlat.now); the tables keep it modulo 2^32,
 * so no timeout may exceed NAT64_TIMEOUT_MAX.
 */
#ifndef XLAT64_NAT64_H
#define XLAT64_NAT64_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "rfc6052.h"
#include "xlat.h"

#define NAT64_TIMEOUT_MAX (7u * 24 * 3600 * 1000)	/* a week, well inside the 2^31 ms serial window */
#define NAT64_POOL4_MAX 4096			/* (address, protocol, port range) rows per instance */
#define NAT64_POOL4_DEFAULT_LO 61001		/* Jool's range for a host: above Linux's ephemeral ports */
#define NAT64_POOL4_DEFAULT_HI 65535

/* Protocols with a BIB of their own (RFC 6146 §3.1). ICMP stands for ICMPv4/ICMPv6 query identifiers. */
enum nat64_proto { NAT64_TCP, NAT64_UDP, NAT64_ICMP, NAT64_NPROTO };

/* RFC 6146 §3.5.2.1 TCP states, plus NONE for UDP and ICMP sessions. CLOSED is never stored. */
enum nat64_state {
	NAT64_NONE,
	NAT64_V4_INIT,
	NAT64_V6_INIT,
	NAT64_ESTABLISHED,
	NAT64_V4_FIN_RCV,
	NAT64_V6_FIN_RCV,
	NAT64_V4_FIN_V6_FIN_RCV,
	NAT64_TRANS,
};

/* Settings that may change at run time (nat64_set_conf); the names follow Jool's globals. */
struct nat64_conf {
	uint32_t udp_timeout;		/* ms; RFC 6146 §4 UDP_Default: 5 min (RFC: at least 2 min) */
	uint32_t tcp_est_timeout;	/* ms; TCP_EST: 2 h */
	uint32_t tcp_trans_timeout;	/* ms; TCP_TRANS: 4 min */
	uint32_t icmp_timeout;		/* ms; ICMP_Default: 60 s */
	uint32_t tcp_syn4_timeout;	/* ms; TCP_INCOMING_SYN: 6 s (V4 INIT and the stored-SYN store) */
	uint32_t max_sessions;		/* all protocols together, this instance; 0 = unlimited */
	uint32_t max_sessions_per_src;	/* sessions whose IPv6 side is one address; 0 = unlimited */
	uint32_t max_syn4;		/* stored IPv4 SYNs for simultaneous open (maximum-simultaneous-opens) */
	bool adf;			/* address-dependent filtering (RFC 4787), else endpoint-independent */
	bool drop_external_tcp;		/* refuse IPv4-initiated TCP even through a static BIB entry */
	bool icmp6_errors_better;	/* 4->6 ICMP errors keep their real source (pool6), Jool #132 */
	bool rst_during_fin_rcv;	/* a RST in V4/V6 FIN RCV arms the transitory timer (Jool option) */
};

/* RFC 6146 §4 defaults, Jool's maximum-simultaneous-opens (10), source-icmpv6-errors-better on, and
 * limits of 262144 sessions per instance and 8192 per IPv6 source. */
void nat64_conf_defaults(struct nat64_conf *c);
/* Checks ranges: timeouts from 1 s to NAT64_TIMEOUT_MAX (RFC 6146 §4 wants UDP >= 2 min; shorter is
 * allowed for tests and deliberate setups, a config front end may warn), at most 65536 stored SYNs. */
bool nat64_conf_valid(const struct nat64_conf *c, const char **why);

struct nat64;

/* A new, empty instance for worker `worker` of `nworkers` (1..256). `secret` keys the table hashes and
 * the RFC 6056 port choice: give each daemon run fresh random bytes (all workers the same is fine).
 * NULL when out of memory or the arguments are invalid. */
struct nat64 *nat64_new(const struct nat64_conf *c, unsigned worker, unsigned nworkers,
			const uint8_t secret[16]);
void nat64_free(struct nat64 *db);
/* Swap the run-time settings (reload). Sessions survive; a changed timeout applies from each session's
 * next packet. A smaller SYN store drops what no longer fits. False (and nothing changed) when the new
 * settings are invalid or the store cannot be resized. */
bool nat64_set_conf(struct nat64 *db, const struct nat64_conf *c);

/* pool4: the IPv4 transport addresses NAT64 may hand out (RFC 6146 §3.5.1.1). Every address of `pfx`
 * gets ports lo..hi for `proto` (ICMP: query identifiers). Overlaps within a protocol are refused. */
bool nat64_pool4_add(struct nat64 *db, enum nat64_proto proto, const struct prefix4 *pfx, uint16_t lo,
		     uint16_t hi, const char **why);
/* Is a an address of pool4 (any protocol)? */
bool nat64_pool4_contains(const struct nat64 *db, struct in_addr a);
/* One (address, protocol, port range) row of pool4; `ports` of them belong to this worker, `bound` of
 * those are in use. */
struct nat64_pool4_view {
	enum nat64_proto proto;
	struct in_addr addr;
	uint16_t lo, hi;
	uint32_t ports, bound;
};
void nat64_pool4_foreach(const struct nat64 *db, bool (*fn)(const struct nat64_pool4_view *, void *), void *arg);

/* Static BIB entries (port forwarding into the IPv6 side). The IPv4 address must be in pool4 for proto;
 * neither transport address may be bound already. Removal also ends the entry's sessions. */
bool nat64_static_add(struct nat64 *db, enum nat64_proto proto, const struct in6_addr *a6, uint16_t p6,
		      struct in_addr a4, uint16_t p4, const char **why);
bool nat64_static_remove(struct nat64 *db, enum nat64_proto proto, struct in_addr a4, uint16_t p4,
			 const char **why);

/* Per-packet context: the RFC 7915 core's (conf with pool6/own4/own6/MTUs, stats, rng, now in ms, scratch)
 * plus this worker's tables. conf->has_pool6 must be set; conf->eamt is not used. */
struct nat64_ctx {
	struct xlat_ctx xlat;
	struct nat64 *db;
};

/* Run one datagram (either family) through RFC 6146 §3.4-§3.8. A packet for a pool4 address is hairpinned
 * here when nat64_owner() of its IPv4 translation is this instance; otherwise that translation is emitted
 * as is, for the host to route back into the TUN and the daemon to steer to the owner. Same buffer contract
 * and result as xlat_packet(): XLAT_EMIT with out->pkt[] (translations and/or ICMP errors), or XLAT_DROP
 * with exactly one drop counter incremented (an IPv4 SYN kept for simultaneous open counts as
 * NAT64_SYN4_STORED). */
enum xlat_verdict nat64_packet(struct nat64_ctx *ctx, uint8_t *pkt, uint32_t len, struct xlat_out *out);

/*
 * Which of n workers a packet belongs to (nat64_steer.c), for the daemon's steering: RFC 6146 state is per
 * worker. IPv4 by the pool4 port or identifier it is for (destination port, echo identifier, or for an ICMP
 * error the quoted packet's source port/identifier) modulo n, which is the partition nat64_new() allocates
 * from; IPv6 by a hash of the transport address it comes from (source address and port or echo
 * identifier; for an ICMPv6 error the destination of the packet it quotes), which is what a binding is
 * found by (endpoint-independent mapping), so that one host's flows spread over the workers; fragments,
 * the first included, by a hash of source, (IPv4: destination) and Identification, so that all pieces of a
 * datagram reach one worker's reassembly. An IPv6 transport header behind extension headers is not looked
 * for: such a packet goes by its source address alone, good enough for steering, which needs to be right
 * in the common case only (nat64_owner() is the exact rule). Malformed packets, which the pipeline drops,
 * give 0.
 *
 * The kernel computes the same function: tun_steer.c loads it as an eBPF program that picks the TUN queue
 * (TUNSETSTEERINGEBPF). So it reads only fixed header fields and uses NAT64_STEER_* arithmetic, which the
 * program repeats instruction by instruction; change both together (test_steer checks them on one table).
 */
unsigned nat64_steer(const uint8_t *pkt, uint32_t len, unsigned nworkers);

/* The steering hash: FNV-1a over 32-bit big-endian words, then murmur3's finalizer. Unkeyed on purpose: the
 * kernel must reproduce it, and it only spreads load (no table is indexed by it; the tables' own hashes are
 * keyed with the secret of nat64_new()). */
#define NAT64_STEER_BASIS 2166136261u
#define NAT64_STEER_PRIME 16777619u
#define NAT64_STEER_MIX1 0x85ebca6bu
#define NAT64_STEER_MIX2 0xc2b2ae35u

/*
 * The worker whose tables hold the packet's state (db: any worker's instance; pkt as nat64_packet() takes
 * it, after reassembly): nat64_steer() of the packet's transport addresses, also past IPv6 extension
 * headers (a reassembled datagram's included), except that a static binding belongs to the worker of its
 * IPv6 transport address, whose flows through it (the IPv4 side included, which nat64_steer() sends to the
 * static port's worker) it then holds. A worker hands a packet whose owner is another to that one's tables.
 * Unlike nat64_steer() it is exact: it walks the whole IPv6 header chain with the walker the RFC 6146 §3.4
 * tuple code reads the binding with, so every packet that code accepts goes to the worker of its binding.
 */
unsigned nat64_owner(const struct nat64 *db, const uint8_t *pkt, uint32_t len);

/* Timers, to be called about once a second with the current time: expires sessions (and the dynamic BIB
 * entries left without one) and answers the stored IPv4 SYNs whose 6 s ran out with an ICMP port
 * unreachable (RFC 6146 §3.5.2.2), built in ctx->xlat.scratch and appended to out (out->n is reset).
 * Returns true when it stopped early (out full or work budget used): send out, then call it again. */
bool nat64_tick(struct nat64_ctx *ctx, uint64_t now, struct xlat_out *out);

/* Inspection for the control socket. Call from the worker that owns db (or while it is paused). */
struct nat64_usage {
	uint32_t bib[NAT64_NPROTO], bib_static[NAT64_NPROTO], sessions[NAT64_NPROTO];
	uint32_t sources;	/* IPv6 addresses with at least one session */
	uint32_t syn4_stored;
	uint64_t bytes;		/* memory held by the tables (slabs, hash heads, SYN store) */
};
void nat64_usage(const struct nat64 *db, struct nat64_usage *u);

struct nat64_bib_view {
	enum nat64_proto proto;
	bool is_static;
	struct in6_addr a6;
	struct in_addr a4;
	uint16_t p6, p4;
};
/* The remote side is the IPv4 peer (r4#rport); its IPv6 form is pool6 + r4 (RFC 6052), for ICMP the
 * identifiers are p6/p4 and rport is 0. expires_in is in ms (0 when due). */
struct nat64_session_view {
	struct nat64_bib_view bib;
	struct in_addr r4;
	uint16_t rport;
	enum nat64_state state;
	uint32_t expires_in;
};
/* Call fn for every entry (stop early when it returns false). now: for expires_in. */
void nat64_bib_foreach(const struct nat64 *db, bool (*fn)(const struct nat64_bib_view *, void *), void *arg);
void nat64_session_foreach(const struct nat64 *db, uint64_t now,
			   bool (*fn)(const struct nat64_session_view *, void *), void *arg);
const char *nat64_proto_name(enum nat64_proto p);	/* "TCP", "UDP", "ICMP" */
const char *nat64_state_name(enum nat64_state s);	/* "ESTABLISHED", "V4_INIT", ..., "-" for NONE */

#endif
