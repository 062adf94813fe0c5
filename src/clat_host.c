/*
 * What the CLAT changes on the host, and taking it back (clat_internal.h). In order:
 *
 * 1. The uplink: clat-interface, else the interface of the IPv6 default route.
 * 2. Sysctls. IPv6 forwarding on (net.ipv6.conf.all.forwarding): translated packets come out of the TUN
 *    and leave through the uplink, and the replies for the CLAT's address come in on the uplink and go
 *    into the TUN; both are forwarded, not local traffic. Before that, the uplink's accept_ra goes from 1
 *    to 2: with forwarding on, the kernel ignores router advertisements on interfaces with accept_ra 1
 *    (so no PREF64 would reach us) and, as forwarding turns on, purges the default routes learned from
 *    them. Then proxy_ndp on the uplink, for step 5. The old values are restored on stop.
 * 3. The TUN: up, MTU (clat_tun_mtu()), clat-address4/32 (RFC 7335).
 * 4. The CLAT's IPv6 address (RFC 6877 §6.3: a dedicated one, so the PLAT's replies can be told from
 *    the host's own traffic): clat-address6, or a random interface identifier in the uplink's /64.
 *    Either is first put on the uplink as a /128 so that the kernel runs duplicate address detection
 *    (RFC 4862 §5.4) for it; a duplicate generated address is drawn again (3 times at most).
 * 5. Once it is unique: a proxy neighbour entry on the uplink, so the kernel answers Neighbor
 *    Solicitations for it (RFC 4861 §7.2.8), then the address leaves the uplink (the host must not take
 *    the PLAT's replies for itself) and a /128 route sends it into the TUN. clatd does the same with
 *    proxy NDP, without the DAD; Android joins it as anycast instead, which makes the kernel deliver
 *    the packets locally and needs a packet socket to see them.
 * 6. IPv4 routes through the TUN, with the MTU of clat_route_mtu4(): the translator's own address
 *    (clat_own4(), the source of its ICMP errors, which rp_filter checks), every route4 prefix, and the
 *    default route when clat-default-route says so (auto: only when the host has no IPv4 default
 *    route), at metric 2048 so that a native IPv4 default route still wins.
 *
 * Undo takes back steps 5, 4 and 2 in reverse; what is on the TUN (its address and routes) goes with the
 * device when the daemon closes it. Limits: the sysctls are restored only on a clean stop (SIGKILL
 * leaves them), and all.forwarding set back to 0 resets every interface's forwarding to 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "clat_internal.h"
#include "netlink.h"
#include "sysctl.h"

#define DEFAULT_METRIC 2048	/* clatd's: behind any native IPv4 default route */
#define DAD_WAIT_MS 5000	/* DupAddrDetectTransmits (1) × RetransTimer (1 s), with room for more */
#define DAD_POLL_MS 50
#define DRAWS 3			/* generated addresses tried before giving up */

/* net.ipv6.conf.<dev>.<knob> := v, remembering in *old what it was (left -1 when it already was v). */
static bool knob_set(const char *dev, const char *knob, int v, int *old, char *err, size_t errlen)
{
	int was = sysctl_get6(dev, knob);

	if (was == v)
		return true;
	if (was < 0 || !sysctl_put6(dev, knob, v)) {
		snprintf(err, errlen, "setting net.ipv6.conf.%s.%s to %d: %s", dev, knob, v, strerror(errno));
		return false;
	}
	*old = was;
	return true;
}

static void knob_restore(const char *dev, const char *knob, int *old)
{
	if (*old < 0)
		return;
	if (!sysctl_put6(dev, knob, *old))
		fprintf(stderr, "xlat64: clat: restoring net.ipv6.conf.%s.%s to %d: %s\n", dev, knob, *old,
			strerror(errno));
	*old = -1;
}

static bool find_uplink(struct clat_host *h, struct netlink *nl, const struct conf *c, char *err, size_t errlen)
{
	if (c->clat_if[0]) {
		snprintf(h->up, sizeof(h->up), "%s", c->clat_if);
		h->up_ifindex = (int)if_nametoindex(h->up);
		if (!h->up_ifindex) {
			snprintf(err, errlen, "clat-interface %s: %s", h->up, strerror(errno));
			return false;
		}
		return true;
	}
	h->up_ifindex = netlink_default_if(nl, AF_INET6, h->tun_ifindex, "reading the IPv6 routes", err, errlen);
	if (h->up_ifindex <= 0 || !if_indextoname((unsigned)h->up_ifindex, h->up)) {
		snprintf(err, errlen, "no IPv6 default route to find the uplink by: set clat-interface");
		return false;
	}
	return true;
}

static bool set_sysctls(struct clat_host *h, char *err, size_t errlen)
{
	int ra = sysctl_get6(h->up, "accept_ra");

	if (ra == 0)
		fprintf(stderr, "xlat64: clat: %s has accept_ra 0: no PREF64 from router advertisements there, "
			"only RFC 7050 or pool6\n", h->up);
	/* accept_ra before forwarding: see the top of this file. */
	return (ra != 1 || knob_set(h->up, "accept_ra", 2, &h->old_accept_ra, err, errlen)) &&
	       knob_set("all", "forwarding", 1, &h->old_forwarding, err, errlen) &&
	       knob_set(h->up, "proxy_ndp", 1, &h->old_proxy_ndp, err, errlen);
}

static bool dad_on(const struct clat_host *h)
{
	/* The kernel skips DAD only when both the interface's and "all"'s accept_dad are below 1. */
	return sysctl_get6(h->up, "accept_dad") >= 1 || sysctl_get6("all", "accept_dad") >= 1;
}

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

/* The IFA_F_* flags of h->addr6 on the uplink, through an address dump: -1 when it is not there. */
struct addr6_flags {
	const struct in6_addr *addr6;
	long long flags;
};

static void addr6_flags_fn(const struct netlink_ifaddr *a, void *data)
{
	struct addr6_flags *f = data;

	if (!memcmp(&a->addr.a6, f->addr6, sizeof(*f->addr6)))
		f->flags = a->flags;
}

static long long addr6_flags(const struct clat_host *h, struct netlink *nl)
{
	struct addr6_flags f = { &h->addr6, -1 };
	char ignored[128];

	return netlink_addrs(nl, AF_INET6, h->up_ifindex, addr6_flags_fn, &f, "reading the uplink's addresses",
			     ignored, sizeof(ignored)) ? f.flags : -1;
}

/* Steps 4 and 5 for h->addr6. 1: done; 0: a duplicate (removed again); -1: error. */
static int claim_addr6(struct clat_host *h, struct netlink *nl, char *err, size_t errlen)
{
	char a[INET6_ADDRSTRLEN];
	long long flags = -1;

	inet_ntop(AF_INET6, &h->addr6, a, sizeof(a));
	/* No prefix route: the uplink's /64 has one already, and this is a probe. */
	if (!netlink_addr(nl, true, h->up_ifindex, AF_INET6, &h->addr6, 128, IFA_F_NOPREFIXROUTE,
			  "adding the CLAT address to the uplink for DAD", err, errlen)) {
		if (errno == EEXIST)
			return h->generated6 ? 0 : (snprintf(err, errlen, "clat-address6 %s is an address of this "
							     "host already", a), -1);
		return -1;
	}
	h->probing = true;
	for (int waited = 0; waited <= DAD_WAIT_MS; waited += DAD_POLL_MS) {
		flags = addr6_flags(h, nl);
		if (flags < 0 || (flags & IFA_F_DADFAILED) || !(flags & IFA_F_TENTATIVE))
			break;
		sleep_ms(DAD_POLL_MS);
	}
	if (flags < 0 || (flags & (IFA_F_DADFAILED | IFA_F_TENTATIVE))) {
		char ignored[128];

		netlink_addr(nl, false, h->up_ifindex, AF_INET6, &h->addr6, 128, 0, "", ignored, sizeof(ignored));
		h->probing = false;
		if (flags >= 0 && (flags & IFA_F_DADFAILED) && h->generated6)
			return 0;
		snprintf(err, errlen, "%s on %s: %s", a, h->up, flags < 0 ? "the address vanished during DAD" :
			 flags & IFA_F_DADFAILED ? "duplicate address (DAD failed)" :
			 "DAD did not finish in 5 s (is the link up?)");
		return -1;
	}
	if (!netlink_proxy6(nl, true, h->up_ifindex, &h->addr6, "adding the proxy neighbour entry", err, errlen))
		return -1;
	h->proxy = true;
	if (!netlink_addr(nl, false, h->up_ifindex, AF_INET6, &h->addr6, 128, 0,
			  "removing the CLAT address from the uplink", err, errlen))
		return -1;
	h->probing = false;
	return 1;
}

/* The first usable (not tentative, failed or deprecated) global /64 of the uplink, found by an address dump. */
struct uplink_prefix {
	bool found;
	struct in6_addr prefix;
};

static void prefix64_fn(const struct netlink_ifaddr *a, void *data)
{
	struct uplink_prefix *p = data;

	if (p->found || a->plen != 64 || a->scope != RT_SCOPE_UNIVERSE ||
	    (a->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED | IFA_F_DEPRECATED)) || !clat_addr6_valid(&a->addr.a6))
		return;
	p->found = true;
	memset(&p->prefix, 0, sizeof(p->prefix));
	memcpy(&p->prefix, &a->addr.a6, 8);
}

static bool pick_addr6(struct clat_host *h, struct netlink *nl, const struct conf *c, char *err, size_t errlen)
{
	struct uplink_prefix p = { 0 };

	h->dad = dad_on(h);
	if (c->has_clat_addr6) {
		h->addr6 = c->clat_addr6;
		return claim_addr6(h, nl, err, errlen) > 0;
	}
	h->generated6 = true;
	if (!netlink_addrs(nl, AF_INET6, h->up_ifindex, prefix64_fn, &p, "reading the uplink's addresses", err,
			   errlen) || !p.found) {
		snprintf(err, errlen, "%s has no global /64 address to make the CLAT's IPv6 address in: set "
			 "clat-address6", h->up);
		return false;
	}
	for (int draw = 0; draw < DRAWS; draw++) {
		uint8_t rnd[8];
		int r;

		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
			snprintf(err, errlen, "getrandom: %s", strerror(errno));
			return false;
		}
		if (!clat_addr6_make(&p.prefix, rnd, &h->addr6))
			continue;
		r = claim_addr6(h, nl, err, errlen);
		if (r)
			return r > 0;
	}
	snprintf(err, errlen, "no unique address in the /64 of %s after %d tries", h->up, DRAWS);
	return false;
}

static bool add_routes4(struct clat_host *h, struct netlink *nl, const struct conf *c, char *err, size_t errlen)
{
	static const struct in_addr any;
	bool want = c->clat_default_route == CONF_CLAT_ROUTE_YES;

	if (!netlink_route(nl, true, h->tun_ifindex, AF_INET, &h->own4, 32, h->mtu4, 0,
			   "routing the translator's IPv4 address into the TUN", err, errlen))
		return false;
	for (unsigned i = 0; i < c->n_route4; i++)
		if (!netlink_route(nl, true, h->tun_ifindex, AF_INET, &c->route4[i].addr, c->route4[i].len, h->mtu4,
				   0, "adding a route4 prefix", err, errlen))
			return false;
	if (c->clat_default_route == CONF_CLAT_ROUTE_AUTO) {
		int native = netlink_default_if(nl, AF_INET, h->tun_ifindex, "reading the IPv4 routes", err, errlen);

		if (native < 0)
			return false;
		want = native == 0;
	}
	if (want && !netlink_route(nl, true, h->tun_ifindex, AF_INET, &any, 0, h->mtu4, DEFAULT_METRIC,
				   "adding the IPv4 default route", err, errlen))
		return false;
	h->default_route = want;
	return true;
}

/* Step 3. */
static bool tun_up(struct clat_host *h, struct netlink *nl, const struct conf *c, char *err, size_t errlen)
{
	int mtu6 = sysctl_get6(h->up, "mtu");

	h->tun_mtu = clat_tun_mtu(mtu6 > 0 ? (uint32_t)mtu6 : 1280, c->tun_mtu);
	h->mtu4 = clat_route_mtu4(h->tun_mtu);
	return netlink_link(nl, h->tun_ifindex, h->tun_mtu, true, "bringing the TUN up", err, errlen) &&
	       netlink_addr(nl, true, h->tun_ifindex, AF_INET, &h->addr4, 32, 0, "adding clat-address4", err, errlen);
}

bool clat_host_setup(struct clat_host *h, const struct conf *c, int tun_ifindex, char *err, size_t errlen)
{
	struct netlink *nl = netlink_open(err, errlen);
	bool ok;

	*h = (struct clat_host){ .tun_ifindex = tun_ifindex, .addr4 = c->clat_addr4, .own4 = c->xlat.own4,
				 .old_forwarding = -1, .old_accept_ra = -1, .old_proxy_ndp = -1 };
	if (!nl)
		return false;
	ok = find_uplink(h, nl, c, err, errlen) && set_sysctls(h, err, errlen) && tun_up(h, nl, c, err, errlen) &&
	     pick_addr6(h, nl, c, err, errlen) &&
	     netlink_route(nl, true, tun_ifindex, AF_INET6, &h->addr6, 128, 0, 0,
			   "routing the CLAT address into the TUN", err, errlen) &&
	     add_routes4(h, nl, c, err, errlen);
	netlink_close(nl);
	if (!ok)
		clat_host_undo(h);
	return ok;
}

void clat_host_undo(struct clat_host *h)
{
	char err[256];
	struct netlink *nl = netlink_open(err, sizeof(err));

	if (nl && h->probing && !netlink_addr(nl, false, h->up_ifindex, AF_INET6, &h->addr6, 128, 0,
					      "removing the CLAT address from the uplink", err, sizeof(err)))
		fprintf(stderr, "xlat64: clat: %s\n", err);
	if (nl && h->proxy && !netlink_proxy6(nl, false, h->up_ifindex, &h->addr6,
					      "removing the proxy neighbour entry", err, sizeof(err)))
		fprintf(stderr, "xlat64: clat: %s\n", err);
	if (!nl && (h->probing || h->proxy))
		fprintf(stderr, "xlat64: clat: %s\n", err);
	h->probing = h->proxy = false;
	netlink_close(nl);
	knob_restore(h->up, "proxy_ndp", &h->old_proxy_ndp);
	knob_restore("all", "forwarding", &h->old_forwarding);
	knob_restore(h->up, "accept_ra", &h->old_accept_ra);
}
