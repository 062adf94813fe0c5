/*
 * Between the CLAT's parts: clat.c (the service and its discovery thread) and clat_host.c (what the host
 * gets changed, and undoing it, with netlink.h's requests and dumps).
 */
#ifndef XLAT64_CLAT_INTERNAL_H
#define XLAT64_CLAT_INTERNAL_H

#include <net/if.h>

#include "clat.h"

/* What clat_host_setup() did, so that clat_host_undo() takes back exactly that. */
struct clat_host {
	char up[IFNAMSIZ];
	int tun_ifindex, up_ifindex;
	uint32_t tun_mtu, mtu4;
	struct in_addr addr4, own4;
	struct in6_addr addr6;
	bool generated6;		/* addr6 was drawn in the uplink's /64, not configured */
	bool dad;			/* duplicate address detection ran (accept_dad on the uplink) */
	bool default_route;		/* the IPv4 default route through the TUN was added */
	bool probing;			/* addr6 is on the uplink for DAD */
	bool proxy;			/* the proxy neighbour entry for addr6 is on the uplink */
	/* Sysctls as they were; -1 = not changed. */
	int old_forwarding, old_accept_ra, old_proxy_ndp;
};

/* Set the host up for c around the TUN (see clat_host.c). False with err set after undoing it all. */
bool clat_host_setup(struct clat_host *h, const struct conf *c, int tun_ifindex, char *err, size_t errlen);
void clat_host_undo(struct clat_host *h);

#endif
