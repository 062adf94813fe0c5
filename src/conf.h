/* The daemon's configuration file: parse (errors as "file:line: message"), validate, print. */
#ifndef XLAT64_CONF_H
#define XLAT64_CONF_H

#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>

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
/* The name of a mode as the file spells it ("siit"). */
const char *conf_mode_name(enum conf_mode m);
/* Whether the configuration runs a service beside (or, in mode none, instead of) the translator. */
bool conf_has_service(const struct conf *c);

#endif
