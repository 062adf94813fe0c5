/*
 * NAT64 prefix discovery on a host (the CLAT's source and `xlat64 discover`), per interface, in the order
 * RFC 8781 §5.1 and RFC 9872 ask for: PREF64 options of Router Advertisements, then RFC 7050
 * (ipv4only.arpa over the system resolver). A configured prefix, the last resort, is the caller's
 * (clat.c falls back to pool6).
 *
 * The kernel does not act on PREF64 itself; it hands every option it does not know (type 38 among them)
 * to userspace as RTM_NEWNDUSEROPT on the rtnetlink group RTNLGRP_ND_USEROPT, but only for RAs it
 * accepts: the interface needs accept_ra=1 (accept_ra=2 when forwarding is on). See docs/pref64.md.
 *
 * Time is the caller's: `now` is CLOCK_MONOTONIC in milliseconds (pref64_now_ms()). One thread per handle.
 */
#ifndef XLAT64_PREF64_DISCOVER_H
#define XLAT64_PREF64_DISCOVER_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rfc6052.h"

enum pref64_source { PREF64_SRC_RA, PREF64_SRC_RFC7050, PREF64_SRC_CONFIG };

#define PREF64_DISC_MAX 8		/* prefixes kept per source */
#define PREF64_NEVER UINT64_MAX		/* expiry of a configured prefix */
#define PREF64_RA_WAIT_MS 10000		/* how long to wait for an RA before RFC 7050 (Router Solicitation
					 * retransmissions: RFC 4861 §10, 3 × 4 s) */

struct pref64_entry {
	struct prefix6 prefix;		/* an RFC 6052 length: 32, 40, 48, 56, 64 or 96 */
	enum pref64_source source;
	int ifindex;			/* where it was learned (RA); the handle's interface otherwise, 0 = any */
	struct in6_addr router;		/* RA: the router's link-local source address; :: otherwise */
	uint32_t lifetime;		/* seconds as announced (RA lifetime, DNS TTL); UINT32_MAX for config */
	uint64_t learned;		/* now at the last announcement or answer */
	uint64_t expiry;		/* now at which it lapses; PREF64_NEVER for config */
};

struct pref64_disc_conf {
	char ifname[IFNAMSIZ];		/* the interface to watch; "" = every interface */
	bool rfc7050;			/* fall back to RFC 7050 (default true) */
};

struct pref64_disc;

/* Opens the netlink socket (RTNLGRP_ND_USEROPT; needs no privilege). NULL with a message in err (no such
 * interface, ...). The Router Solicitation socket (raw ICMPv6: CAP_NET_RAW) opens on the first
 * pref64_disc_solicit(). */
struct pref64_disc *pref64_disc_new(const struct pref64_disc_conf *c, uint64_t now, char *err, size_t errlen);
void pref64_disc_free(struct pref64_disc *d);

/* The netlink fd: poll it for POLLIN and call pref64_disc_input(). */
int pref64_disc_fd(const struct pref64_disc *d);
/* Reads every pending netlink message (non-blocking) into the current set (pref64_disc_get). */
void pref64_disc_input(struct pref64_disc *d, uint64_t now);

/* The Router Solicitations of RFC 4861 §6.3.7 (to ff02::2, hop limit 255): 3 at most, 4 s apart (§10),
 * the first when first called, none once an RA brought a prefix. Sends the one due at now, if any, on
 * the handle's interface, or on every up, multicast-capable, non-loopback interface when it watches all.
 * 1: sent; 0: none due; -1 with errno: sending failed (it still counts as one of the three). */
int pref64_disc_solicit(struct pref64_disc *d, uint64_t now);
/* Milliseconds until pref64_disc_solicit() has one to send (0: now); -1 = no more. */
int pref64_disc_solicit_timeout(const struct pref64_disc *d, uint64_t now);

/* RFC 7050 §3: AAAA ipv4only.arpa with CD=0 DO=0 over the system resolver (res_nquery, /etc/resolv.conf),
 * every AAAA scanned by rfc7050_extract(); the answers replace the RFC 7050 entries, each expiring at its
 * TTL. BLOCKS for up to the resolver's timeout (set to 2 s × 2 tries here): run it where that is fine.
 * Returns the number of prefixes found (0 = NODATA/NXDOMAIN/no WKA), -1 when the resolver failed. */
int pref64_disc_rfc7050(struct pref64_disc *d, uint64_t now);
/* Whether pref64_disc_rfc7050() should run now: no RA prefix and either PREF64_RA_WAIT_MS passed since new()
 * without any RA prefix and no RFC 7050 answer yet, or an RFC 7050 prefix is 10 s from its TTL's end
 * (RFC 7050 §3: "repeat the discovery process ten seconds before the TTL ... expires"), or the last
 * query failed 30 s ago. Always false with rfc7050 off. */
bool pref64_disc_rfc7050_due(const struct pref64_disc *d, uint64_t now);

/* Drops what lapsed. */
void pref64_disc_expire(struct pref64_disc *d, uint64_t now);
/* Milliseconds until the next expiry or due RFC 7050 query (for poll's timeout); -1 = none. */
int pref64_disc_timeout(const struct pref64_disc *d, uint64_t now);

/* The current prefixes of the best source present (RA, else RFC 7050), at most max,
 * oldest first (the first is the one to translate with: a new prefix does not displace a working one
 * until the old one is withdrawn or lapses). Returns how many. */
size_t pref64_disc_get(const struct pref64_disc *d, uint64_t now, struct pref64_entry *out, size_t max);

/* The RA options (what follows the 16-byte RA header, or an RTM_NEWNDUSEROPT payload) from router on
 * ifindex: every valid PREF64 option adds, refreshes or (lifetime 0) withdraws an RA entry; invalid ones
 * are ignored (RFC 8781 §4). Exposed for tests and for callers that read RAs themselves. */
void pref64_disc_feed(struct pref64_disc *d, int ifindex, const struct in6_addr *router,
		      const uint8_t *opts, size_t len, uint64_t now);

/* "ra", "rfc7050", "config". */
const char *pref64_source_name(enum pref64_source s);
/* CLOCK_MONOTONIC in milliseconds. */
uint64_t pref64_now_ms(void);

/* A raw ICMPv6 socket for Neighbor Discovery (CAP_NET_RAW), the solicitations here and the
 * advertisements of ra_send.c: non-blocking, hop limit 255 on what it sends, ICMPv6 type `pass` the only
 * one let in (-1: none), bound to ifname unless NULL. -1 with errno, and a message in err, on error. */
int pref64_nd_socket(const char *ifname, int pass, char *err, size_t errlen);

#endif
