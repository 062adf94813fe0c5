/* The daemon's configuration file: parse (errors as "file:line: message"), validate, print. */
#ifndef XLAT64_CONF_H
#define XLAT64_CONF_H

#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>

#include "dns64.h"
#include "nat64.h"
#include "xlat.h"

#define CONF_ROUTES_MAX 64
#define CONF_POOL4_MAX 64
#define CONF_BIB_MAX 1024
#define CONF_DEFAULT_PATH "/etc/xlat64.conf"
#define CONF_DEFAULT_SOCKET "/run/xlat64.sock"

/* none: no translator, only the services (DNS64, PREF64 router advertisements); clat: the host side of
 * 464XLAT (RFC 6877). */
enum conf_mode { CONF_MODE_SIIT, CONF_MODE_NAT64, CONF_MODE_NONE, CONF_MODE_CLAT };

/* DNS64 (the dns64-* keys, conf_dns64.c): limits of the repeatable keys. */
#define CONF_DNS64_LISTEN_MAX 8
#define CONF_DNS64_UPSTREAM_MAX 4
#define CONF_DNS64_ALLOW_MAX 64

/* PREF64 router advertisements (the pref64-* keys, conf_pref64.c): limits of the repeatable keys. */
#define CONF_PREF64_IF_MAX 8
#define CONF_PREF64_RDNSS_MAX 3

/* An IPv4 or IPv6 address and a port (dns64-listen, dns64-upstream). */
struct conf_hostport {
	int af;				/* AF_INET or AF_INET6 */
	struct in_addr a4;
	struct in6_addr a6;
	uint16_t port;			/* host byte order */
};

/* An IPv4 or IPv6 prefix (dns64-allow). */
struct conf_net {
	int af;				/* AF_INET: p4, AF_INET6: p6 */
	struct prefix4 p4;
	struct prefix6 p6;
};

/* clat-default-route: auto = only when the host has no IPv4 default route of its own. */
enum conf_clat_route { CONF_CLAT_ROUTE_AUTO, CONF_CLAT_ROUTE_YES, CONF_CLAT_ROUTE_NO };

/* One pool4 line: every address of pfx, ports (or ICMP identifiers) lo..hi, for one protocol. */
struct conf_pool4 {
	enum nat64_proto proto;
	struct prefix4 pfx;
	uint16_t lo, hi;
};

/* One static BIB entry (port forwarding from IPv4 into an IPv6 host). */
struct conf_bib {
	enum nat64_proto proto;
	struct in6_addr a6;
	uint16_t p6;
	struct in_addr a4;
	uint16_t p4;
};

struct conf {
	enum conf_mode mode;
	char device[IFNAMSIZ];		/* TUN name, default "xlat64" */
	unsigned queues;		/* TUN queues = worker threads; 0 = one per online CPU */
	uint32_t tun_mtu;		/* default 1500 */
	unsigned coalesce_usecs;	/* how long a busy worker lets datagrams gather (worker_ring.c); 50 */
	char socket[108];		/* control socket path */
	struct xlat_conf xlat;		/* pool6, EAMT, RFC 6791 pools, own4/own6, MTU settings, ... */
	/* Extra prefixes routed into the TUN besides pool6 (which always is): the IPv4 prefixes that stand
	 * for IPv6-side hosts (EAMT or pool6 mapped) and any IPv6 prefixes of EAMT entries that stand for
	 * IPv4-side hosts. */
	unsigned n_route4, n_route6;
	struct prefix4 route4[CONF_ROUTES_MAX];
	struct prefix6 route6[CONF_ROUTES_MAX];
	/* mode nat64 (RFC 6146) */
	struct nat64_conf nat64;	/* timeouts, limits, filtering switches */
	unsigned n_pool4, n_bib;
	struct conf_pool4 pool4[CONF_POOL4_MAX];	/* when none is given: CONF_POOL4_DEFAULT for all protocols */
	struct conf_bib bib[CONF_BIB_MAX];
	bool masquerade;		/* the daemon NATs pool4 sources to the box's own address (nftables) */
	/* DNS64 (conf_dns64.c; the service is dns64_server.c, the rules dns64.c). On when dns64-listen is. */
	unsigned n_dns64_listen, n_dns64_upstream, n_dns64_exclude, n_dns64_allow;
	struct conf_hostport dns64_listen[CONF_DNS64_LISTEN_MAX];
	struct conf_hostport dns64_upstream[CONF_DNS64_UPSTREAM_MAX];	/* none: /etc/resolv.conf */
	struct prefix6 dns64_exclude[DNS64_EXCLUDE_MAX];		/* none: ::ffff:0:0/96 */
	struct conf_net dns64_allow[CONF_DNS64_ALLOW_MAX];		/* none: local networks */
	uint32_t dns64_cache_size;	/* entries, 0 = no cache; default 10000 */
	uint32_t dns64_timeout;		/* ms per upstream try; default 1500 */
	/* PREF64 router advertisements (conf_pref64.c; the sender is ra_send.c, the format pref64.c). On when
	 * pref64-interface is; the prefix announced is pool6. */
	unsigned n_pref64_if, n_pref64_rdnss;
	char pref64_if[CONF_PREF64_IF_MAX][IFNAMSIZ];
	struct in6_addr pref64_rdnss[CONF_PREF64_RDNSS_MAX];	/* RFC 8106 RDNSS; none: no option */
	uint32_t pref64_lifetime;	/* ms; default 30 min (RFC 8781 §4.1: 3 × MaxRtrAdvInterval) */
	uint32_t pref64_interval;	/* ms, MaxRtrAdvInterval (RFC 4861 §6.2.1); default 10 min */
	uint32_t pref64_router_lifetime;	/* ms; default 0: never a default router */
	bool pref64_route;		/* RFC 4191 Route Information option for pool6 */
	/* CLAT, the host side of 464XLAT (conf_clat.c; the service is clat.c). Mode clat only; pool6 is the
	 * static last resort after RA PREF64 and RFC 7050 discovery. */
	char clat_if[IFNAMSIZ];		/* the uplink; "" = the interface of the IPv6 default route */
	struct in_addr clat_addr4;	/* the host's IPv4 address on the TUN, in 192.0.0.0/29 (RFC 7335) */
	bool has_clat_addr6;
	struct in6_addr clat_addr6;	/* not set: a random interface identifier in the uplink's /64 */
	enum conf_clat_route clat_default_route;
};

/* The pool4 of a box with one IPv4 address: a private RFC 6598 address routed into the TUN and masqueraded
 * by the kernel on the way out (see docs/nat64.md). */
#define CONF_POOL4_DEFAULT "100.64.0.1/32"

/* Defaults: mode siit, device xlat64, queues 0, tun_mtu 1500, socket CONF_DEFAULT_SOCKET, xlat defaults.
 * Also nat64_conf_defaults(), with no pool4 and masquerade off: the default pool4 is conf_parse()'s. */
void conf_defaults(struct conf *c);
/* Parse text (named `name` in messages). On error writes "name:line: message" into err and returns false;
 * the whole file is validated (e.g. pool6 per RFC 6052, 64:ff9b::/96 rules) before success.
 * In mode nat64 the result always has pool6 and at least one pool4 row: without a pool4 line, the rows of
 * CONF_POOL4_DEFAULT (tcp and udp ports 1-65535, icmp identifiers 0-65535) and, unless the file says
 * otherwise, masquerade on. Every bib entry lies inside a pool4 row of its protocol, no two pool4 rows of
 * one protocol overlap, and pool4 holds at most NAT64_POOL4_MAX addresses: nat64_pool4_add() and
 * nat64_static_add() accept them all, in file order. */
bool conf_parse(const char *name, const char *text, struct conf *c, char *err, size_t errlen);
/* Read and parse a file; I/O errors are reported as "path: strerror". */
bool conf_load(const char *path, struct conf *c, char *err, size_t errlen);
/* Print the effective configuration in the file's own syntax (every key, defaults included), so that
 * conf_parse(conf_print(c)) yields c again. */
void conf_print(FILE *f, const struct conf *c);
/* A static BIB entry as its line says it after the key: "tcp 192.0.2.1#80 2001:db8::5#8080". */
#define CONF_BIB_LEN (5 + INET_ADDRSTRLEN + 7 + INET6_ADDRSTRLEN + 7)
char *conf_bib_fmt(const struct conf_bib *e, char *buf, size_t n);
/* The name of a mode as the file spells it ("siit"). */
const char *conf_mode_name(enum conf_mode m);
/* Whether the configuration runs a service beside (or, in mode none, instead of) the translator. */
bool conf_has_service(const struct conf *c);

#endif
