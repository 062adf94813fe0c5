/* rtnetlink (libmnl): configure the TUN device the daemon created. */
#ifndef XLAT64_NETLINK_H
#define XLAT64_NETLINK_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

/*
 * Set the MTU, bring the link up, add address4 (/32) and address6 (/128, no DAD), and route pool6, every
 * route4, every route6 and, in mode nat64, every pool4 prefix into the device. Nothing is ever removed:
 * all of it goes with the device when its last queue closes. On error writes what was being done and why
 * into err, e.g. "adding route 64:ff9b::/96 dev xlat64: File exists".
 */
bool netlink_setup(const struct conf *c, const char *ifname, int ifindex, char *err, size_t errlen);

#endif
