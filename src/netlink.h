/* rtnetlink (libmnl): configure the TUN device the daemon created, and the host around the CLAT's. */
#ifndef XLAT64_NETLINK_H
#define XLAT64_NETLINK_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

/*
 * Set the MTU, bring the link up, add address4 (/32) and address6 (/128, no DAD), and route pool6, every
 * route4, every route6 and, in mode nat64, every pool4 prefix into the device. Nothing is ever removed:
 * all of it goes with the device when its last queue closes. On error writes what was being done and why
 * into err, e.g. "adding route 64:ff9b::/96 dev xlat64: File exists".
 */
bool netlink_setup(const struct conf *c, const char *ifname, int ifindex, char *err, size_t errlen);

/* Reload: route what next wants and old did not, then remove what old had and next does not. When an
 * addition fails, the ones made are removed again and err says why; failed removals are only logged. */
bool netlink_routes_update(const struct conf *old, const struct conf *next, const char *ifname, int ifindex,
			   char *err, size_t errlen);

/* An rtnetlink socket for others that configure the host (the CLAT): one request or dump at a time, each
 * answered before the next. */
struct netlink;
struct netlink *netlink_open(char *err, size_t errlen);
void netlink_close(struct netlink *nl);
/* Each request and dump waits for the kernel's answer; on failure err gets "<what>: <reason> (<kernel's
 * text>)" and errno the reason (EEXIST: the address, route or entry is there already). */
/* MTU (0: unchanged) and, with up, IFF_UP. */
bool netlink_link(struct netlink *nl, int ifindex, uint32_t mtu, bool up, const char *what, char *err, size_t errlen);
/* Add (or remove) addr/plen on the link, an addition with the IFA_F_* flags (IFA_F_NODAD, ...). */
bool netlink_addr(struct netlink *nl, bool add, int ifindex, int family, const void *addr, uint8_t plen,
		  uint32_t flags, const char *what, char *err, size_t errlen);
/* Add (or remove) the route dst/plen through the link (plen 0: a default route) in the main table, with an
 * MTU metric (0: none) and a priority (0: none). */
bool netlink_route(struct netlink *nl, bool add, int ifindex, int family, const void *dst, uint8_t plen,
		   uint32_t mtu, uint32_t priority, const char *what, char *err, size_t errlen);
/* Add (or remove) a proxy neighbour entry for a on the link (`ip -6 neigh add proxy A dev IF`). */
bool netlink_proxy6(struct netlink *nl, bool add, int ifindex, const struct in6_addr *a, const char *what,
		    char *err, size_t errlen);

/* One address of the host, as netlink_addrs() reports it. */
struct netlink_ifaddr {
	union {
		struct in_addr a4;
		struct in6_addr a6;
	} addr;
	uint8_t plen;
	uint8_t scope;			/* RT_SCOPE_* */
	uint32_t flags;			/* IFA_F_*, all 32 bits */
};
typedef void netlink_addr_fn(const struct netlink_ifaddr *a, void *data);
/* Dump the addresses of family on the link, calling fn for each. */
bool netlink_addrs(struct netlink *nl, int family, int ifindex, netlink_addr_fn *fn, void *data, const char *what,
		   char *err, size_t errlen);
/* The link of the main table's default route of family, other than skip: its ifindex, 0 when there is
 * none, -1 when the dump failed. */
int netlink_default_if(struct netlink *nl, int family, int skip, const char *what, char *err, size_t errlen);

#endif
