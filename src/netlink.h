/* rtnetlink (libmnl): configure the TUN device the daemon created. */
#ifndef XLAT64_NETLINK_H
#define XLAT64_NETLINK_H

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

/* A request-and-acknowledge rtnetlink socket, for others that configure links (the CLAT). */
struct netlink;
struct netlink *netlink_open(char *err, size_t errlen);
void netlink_close(struct netlink *nl);
/* Each request waits for the kernel's answer; on failure err gets "<what>: <reason> (<kernel's text>)". */
/* MTU (0: unchanged) and, with up, IFF_UP. */
bool netlink_link(struct netlink *nl, int ifindex, uint32_t mtu, bool up, const char *what, char *err, size_t errlen);
/* addr/plen on the link; IPv6 without duplicate address detection. */
bool netlink_addr(struct netlink *nl, int ifindex, int family, const void *addr, uint8_t plen, const char *what,
		  char *err, size_t errlen);
/* Add (or remove) the route dst/plen through the link (plen 0: a default route). */
bool netlink_route(struct netlink *nl, bool add, int ifindex, int family, const void *dst, uint8_t plen,
		   const char *what, char *err, size_t errlen);

#endif
