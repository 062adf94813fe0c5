/*
 * IP reassembly in front of stateful NAT64. A binding needs the ports (or ICMP identifier) of every packet,
 * which only a first fragment carries, so RFC 6146 §3.4 lets the NAT64 queue the fragments and translate
 * the whole datagram, provided it limits what the queues may hold. This module does that, for IPv4
 * (RFC 791) and IPv6 (RFC 8200 §4.5, RFC 5722). Pure: no I/O, no globals, time passed in (monotonic ms).
 * One instance per worker; all fragments of a datagram must reach the same instance.
 *
 * Buffers: a held fragment's payload is copied, so the caller's buffer is free again at once. A datagram
 * whose last missing piece arrives is handed out from a buffer of the instance with XLAT_HEADROOM bytes
 * before it and XLAT_TAILROOM after (the core's buffer contract, xlat.h), valid until the next defrag_*
 * call on the instance: translate it and send what the core made of it before calling again.
 *
 * What comes out:
 * - IPv4: the first fragment's header (options kept) with MF and the offset cleared, DF clear, Total
 *   Length and the header checksum fixed.
 * - IPv6: the first fragment's unfragmentable part (fixed header and the extension headers in front of
 *   the Fragment Header) with Payload Length fixed, then an atomic Fragment Header (offset 0, M 0, the
 *   original Identification and Next Header), then the reassembled fragmentable part. The atomic header
 *   is kept on purpose: RFC 7915 §5.1.1 then gives the IPv4 packet DF = 0 and the ID's low 16 bits, so
 *   IPv4 routers may cut the (usually large) datagram again. Without it the core would set DF on anything
 *   above 1260 bytes (RFC 7915 §5.1), and a smaller IPv4 link would send back Fragmentation Needed, which
 *   reaches the IPv6 host as a Packet Too Big it cannot satisfy: it fragmented the datagram already, and
 *   every reassembly makes it whole again.
 *
 * Memory: a datagram in progress costs sizeof its record (about 1.1 KiB, mostly a bitmap of the 8-byte
 * units received) plus a buffer that grows with the data (at most 64 KiB + 704 bytes); all of it counts
 * against max_bytes.
 */
#ifndef XLAT64_DEFRAG_H
#define XLAT64_DEFRAG_H

#include <stdint.h>

#include "stats.h"

struct defrag_limits {
	uint32_t max_datagrams;	/* in progress at once, both families together (1..1048576) */
	uint32_t max_bytes;	/* memory the datagrams in progress may hold (records and buffers) */
	uint32_t timeout4;	/* ms from the first-arriving fragment; RFC 791 suggests 15 s, Linux 30 s */
	uint32_t timeout6;	/* ms; RFC 8200 §4.5: 60 s */
	uint64_t hash_key;	/* keys the table hash; give each daemon run a random one */
};

/* 256 datagrams, 4 MiB, 30 s for IPv4 and 60 s for IPv6, hash_key 0. */
void defrag_limits_default(struct defrag_limits *l);

struct defrag;

/* A new, empty instance; NULL when out of memory or a limit is 0 (or max_datagrams too large). */
struct defrag *defrag_new(const struct defrag_limits *l);
void defrag_free(struct defrag *d);

enum defrag_verdict {
	DEFRAG_PASS,	/* not a fragment (an atomic fragment is not one): use pkt as it is */
	DEFRAG_HELD,	/* a fragment, copied and held (FRAG_HELD counted); nothing to translate yet */
	DEFRAG_DONE,	/* it completed a datagram: translate *whole (FRAG_REASSEMBLED counted) */
	DEFRAG_DROP,	/* dropped, exactly one DROP_ counter incremented */
};

/*
 * Feed one datagram (IPv4 or IPv6, len bytes at pkt, which is only read). Packets too short or too
 * malformed to tell whether they are fragments pass, for the core to drop and count. Also expires what
 * is due at `now`, as defrag_expire() does.
 */
enum defrag_verdict defrag_packet(struct defrag *d, const uint8_t *pkt, uint32_t len, uint64_t now,
				  struct stats *st, uint8_t **whole, uint32_t *whole_len);

/* Drop the datagrams whose time is up (DROP_FRAG_TIMEOUT once per datagram) and free the buffer of the
 * last datagram handed out. Call it about once a second so that an idle worker frees its memory too.
 * RFC 8200 §4.5 suggests an ICMPv6 Time Exceeded (code 1) when the first fragment had arrived; none is
 * sent: the datagram's source will time out and resend on its own. */
void defrag_expire(struct defrag *d, uint64_t now, struct stats *st);

struct defrag_usage {
	uint32_t datagrams;	/* in progress */
	uint64_t bytes;		/* held, as counted against max_bytes */
};
void defrag_usage(const struct defrag *d, struct defrag_usage *u);

#endif
