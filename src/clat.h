/*
 * The CLAT: the customer side of 464XLAT (RFC 6877). IPv4-only programs on an IPv6-only host send to a
 * TUN; the translator, in mode clat, is SIIT (RFC 7915) with pool6 = the NAT64 prefix of the network
 * and one EAMT entry (RFC 7757) clat-address4/32 <-> the CLAT's IPv6 address/128, so that the PLAT
 * (the provider's NAT64) sees one IPv6 host. See docs/clat.md.
 *
 * The service (clat.c) sets up the host around the TUN (clat_host.c: addresses, routes, proxy NDP,
 * sysctls; all undone on stop), learns the prefix on a thread of its own with pref64_discover.h (RA
 * PREF64, then RFC 7050, then pool6 from the configuration) and gives the workers new translator
 * settings whenever the prefix in use changes. The helpers below are pure (clat_calc.c).
 */
#ifndef XLAT64_CLAT_H
#define XLAT64_CLAT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "ctl.h"
#include "stats.h"

/* RFC 7335: 192.0.0.1, the first host address of the IPv4 service continuity prefix 192.0.0.0/29. */
struct in_addr clat_addr4_default(void);
/* 192.0.0.1 to 192.0.0.6: inside 192.0.0.0/29, neither end of it. */
bool clat_addr4_valid(struct in_addr a);
/* The translator's own IPv4 address, the source of the ICMPv4 errors it makes (and the far end of the
 * TUN): 192.0.0.2, or 192.0.0.1 when the host has that one. It is not an address of the host: a packet
 * from one of the host's own addresses coming in through the TUN would be a martian. */
struct in_addr clat_own4(struct in_addr addr4);
/* Unicast, global or unique-local: not ::, ::1, multicast, link-local, IPv4-mapped or -compatible. */
bool clat_addr6_valid(const struct in6_addr *a);
/* The CLAT's IPv6 address: the /64 of prefix with rnd as interface identifier, its universal/local bit
 * cleared as random identifiers have it. False when the result is a reserved identifier (RFC 5453):
 * draw rnd again. */
bool clat_addr6_make(const struct in6_addr *prefix, const uint8_t rnd[8], struct in6_addr *out);
/* The MTU of the TUN: the uplink's IPv6 MTU, at most `mtu` of the configuration, at least 1280. */
uint32_t clat_tun_mtu(uint32_t uplink_mtu6, uint32_t conf_mtu);
/* The MTU of the IPv4 routes through the TUN: 20 bytes less (see clat_calc.c). */
uint32_t clat_route_mtu4(uint32_t tun_mtu);
/* The translator settings of the CLAT: base (the configuration's, for everything but addressing; its
 * address4 defaults to clat_own4() in mode clat, conf_clat.c) with pool6 = prefix (NULL: none known;
 * 4->6 packets are then dropped, counted as DROP_DST4), the one EAMT entry addr4/32 <-> addr6/128 (with
 * hairpinning off: it stands for a host on the IPv4 side), and unless the configuration sets address6,
 * own6 = addr6 as the source of translator-made ICMPv6 errors. */
void clat_xlat(const struct xlat_conf *base, struct in_addr addr4, const struct in6_addr *addr6,
	       const struct prefix6 *prefix, struct xlat_conf *out);

struct clat;
struct daemon;

/* Set the host up around the TUN (tun_ifindex) for c, start discovery on a thread of its own and
 * give d's workers the CLAT's translator settings (with d->lock taken only by that thread, never
 * waited on: the caller may hold it, as daemon_services_start() does). Counters go to st. NULL with a
 * message in err (no uplink, no /64 on it, duplicate address, ...), with whatever was done undone. */
struct clat *clat_start(struct daemon *d, const struct conf *c, int tun_ifindex, struct stats *st, char *err,
			size_t errlen);
/* Stop the thread, undo every change to the host (sysctls, proxy NDP entry, the address probed for
 * DAD); what is on the TUN goes with it. NULL is fine. */
void clat_stop(struct clat *k);
/* Reload, before next takes effect: next's pool6 becomes the new static fallback and next->xlat gets
 * the CLAT's settings with the prefix in use, so a reload does not lose what was discovered. The clat-*
 * keys, device and mtu need a restart (daemon_reload.c). */
void clat_reload(struct clat *k, struct conf *next);
/* "clat: 64:ff9b::/96 from ra on eth0, 1795 s left; 192.0.0.1 <-> 2001:db8::8c3a:..; mtu 1480". */
void clat_status(struct clat *k, struct ctl_status *st);

#endif
