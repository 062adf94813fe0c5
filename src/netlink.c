/*
 * rtnetlink, one request or dump at a time, each answered before the next: the TUN device's link,
 * addresses and routes (netlink_setup(), netlink_routes_update()), and for the CLAT's host setup
 * (clat_host.c) routes with an MTU metric, proxy neighbour entries and the host's addresses and
 * default routes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/ip.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netlink.h"

struct netlink {
	struct mnl_socket *sock;
	unsigned seq;
	char buf[32768];	/* a dump datagram is at most a page or 32 KiB (NLMSG_GOODSIZE) */
};

/* A message of a dump, for nl_talk() to hand over. */
typedef void nl_msg_fn(const struct nlmsghdr *nlh, void *data);

/* err := "<what>: [<where>: ]<reason>[ (<kernel's text>)]", errno := e (callers test it); false. */
static bool nl_fail(const char *what, const char *where, int e, const char *ext, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s%s%s%s%s%s", what, where ? where : "", where ? ": " : "", strerror(e),
		 ext ? " (" : "", ext ? ext : "", ext ? ")" : "");
	errno = e;
	return false;
}

static int nl_extack_cb(const struct nlattr *a, void *data)
{
	const char **msg = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		*msg = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

/* The kernel's extended-ack text ("Nexthop device is not up"), when it sent one; NULL otherwise. */
static const char *nl_extack(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);
	const char *msg = NULL;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	/* Unless capped, the whole failed request is echoed between the error and its TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len >= sizeof(struct nlmsghdr))
		off += MNL_ALIGN(e->msg.nlmsg_len - sizeof(struct nlmsghdr));
	if (off >= mnl_nlmsg_get_payload_len(nlh))
		return NULL;
	mnl_attr_parse(nlh, (unsigned)off, nl_extack_cb, &msg);
	return msg;
}

/* An NLMSG_ERROR: the acknowledgement of a request (error 0) or why it, or a dump, failed. */
static bool nl_ack(const struct nlmsghdr *nlh, const char *what, char *err, size_t errlen)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return nl_fail(what, "truncated netlink acknowledgement", EBADMSG, NULL, err, errlen);
	if (e->error == 0)
		return true;
	return nl_fail(what, NULL, -e->error, nl_extack(nlh), err, errlen);
}

/* The end of a dump, which carries the dump's own error (0 when it went through). */
static bool nl_done(const struct nlmsghdr *nlh, const char *what, char *err, size_t errlen)
{
	int e = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(e))
		memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
	return e < 0 ? nl_fail(what, NULL, -e, NULL, err, errlen) : true;
}

/*
 * Send nlh (built in nl->buf) and read the answers up to the acknowledgement of a request or, with fn,
 * the end of a dump, handing each of its messages to fn. What answers an earlier exchange, given up on
 * after a failure, is skipped by its sequence number. `what` names the operation in errors.
 */
static bool nl_talk(struct netlink *nl, struct nlmsghdr *nlh, nl_msg_fn *fn, void *data, const char *what,
		    char *err, size_t errlen)
{
	unsigned seq = nlh->nlmsg_seq = ++nl->seq;

	nlh->nlmsg_flags |= NLM_F_REQUEST | (fn ? NLM_F_DUMP : NLM_F_ACK);
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return nl_fail(what, "netlink send", errno, NULL, err, errlen);
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		int left = (int)n;

		if (n < 0)
			return nl_fail(what, "netlink receive", errno, NULL, err, errlen);
		for (nlh = (struct nlmsghdr *)nl->buf; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			/* The table changed while the kernel was dumping it: what came is no consistent picture. */
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				return nl_fail(what, "dump interrupted by a change", EINTR, NULL, err, errlen);
			if (nlh->nlmsg_type == NLMSG_ERROR)
				return nl_ack(nlh, what, err, errlen);
			if (nlh->nlmsg_type == NLMSG_DONE)
				return nl_done(nlh, what, err, errlen);
			if (fn && nlh->nlmsg_type >= NLMSG_MIN_TYPE)
				fn(nlh, data);
		}
	}
}

static struct nlmsghdr *nl_start(struct netlink *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	return nlh;
}

/* Additions fail when the thing exists already (EEXIST), rather than quietly replacing someone's. */
static struct nlmsghdr *nl_start_change(struct netlink *nl, bool add, uint16_t new, uint16_t del)
{
	return nl_start(nl, add ? new : del, add ? NLM_F_CREATE | NLM_F_EXCL : 0);
}

bool netlink_link(struct netlink *nl, int ifindex, uint32_t mtu, bool up, const char *what, char *err, size_t errlen)
{
	struct nlmsghdr *nlh = nl_start(nl, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nl_talk(nl, nlh, NULL, NULL, what, err, errlen);
}

/* The ICMPv4 errors xlat64 sends from address4, which the kernel owns, come back in through the device: without
 * accept_local the kernel takes them for martians (a local source arriving from outside) and drops them. */
static bool nl_accept_local(struct netlink *nl, int ifindex, const char *what, char *err, size_t errlen)
{
	struct nlmsghdr *nlh = nl_start(nl, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct nlattr *spec, *af, *conf;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	af = mnl_attr_nest_start(nlh, AF_INET);
	conf = mnl_attr_nest_start(nlh, IFLA_INET_CONF);
	mnl_attr_put_u32(nlh, IPV4_DEVCONF_ACCEPT_LOCAL, 1);
	mnl_attr_nest_end(nlh, conf);
	mnl_attr_nest_end(nlh, af);
	mnl_attr_nest_end(nlh, spec);
	return nl_talk(nl, nlh, NULL, NULL, what, err, errlen);
}

bool netlink_addr(struct netlink *nl, bool add, int ifindex, int family, const void *addr, uint8_t plen,
		  uint32_t flags, const char *what, char *err, size_t errlen)
{
	struct nlmsghdr *nlh = nl_start_change(nl, add, RTM_NEWADDR, RTM_DELADDR);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	size_t alen = family == AF_INET ? 4 : 16;

	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, alen, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, addr);
	if (add && flags) {
		/* ifa_flags has room for the first 8 bits only (not IFA_F_NOPREFIXROUTE); IFA_FLAGS for all. */
		ifa->ifa_flags = (uint8_t)flags;
		mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
	}
	return nl_talk(nl, nlh, NULL, NULL, what, err, errlen);
}

bool netlink_route(struct netlink *nl, bool add, int ifindex, int family, const void *dst, uint8_t plen,
		   uint32_t mtu, uint32_t priority, const char *what, char *err, size_t errlen)
{
	struct nlmsghdr *nlh = nl_start_change(nl, add, RTM_NEWROUTE, RTM_DELROUTE);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	/* A TUN has no neighbours: IPv4 routes through it are on-link; IPv6 keeps universe scope. */
	rtm->rtm_scope = family == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	if (plen)
		mnl_attr_put(nlh, RTA_DST, family == AF_INET ? 4 : 16, dst);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	if (priority)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, priority);
	if (mtu) {
		struct nlattr *m = mnl_attr_nest_start(nlh, RTA_METRICS);

		mnl_attr_put_u32(nlh, RTAX_MTU, mtu);
		mnl_attr_nest_end(nlh, m);
	}
	return nl_talk(nl, nlh, NULL, NULL, what, err, errlen);
}

bool netlink_proxy6(struct netlink *nl, bool add, int ifindex, const struct in6_addr *a, const char *what,
		    char *err, size_t errlen)
{
	struct nlmsghdr *nlh = nl_start_change(nl, add, RTM_NEWNEIGH, RTM_DELNEIGH);
	struct ndmsg *nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));

	nd->ndm_family = AF_INET6;
	nd->ndm_ifindex = ifindex;
	nd->ndm_flags = NTF_PROXY;
	nd->ndm_state = NUD_PERMANENT;
	mnl_attr_put(nlh, NDA_DST, sizeof(*a), a);
	return nl_talk(nl, nlh, NULL, NULL, what, err, errlen);
}

/* The attributes of a dumped message by type, those above max left out (newer kernels add some). */
struct nl_attrs {
	const struct nlattr **tb;
	int max;
};

static int nl_attr_cb(const struct nlattr *a, void *data)
{
	const struct nl_attrs *t = data;

	if (mnl_attr_type_valid(a, t->max) > 0)
		t->tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static void nl_parse(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb, int max)
{
	mnl_attr_parse(nlh, (unsigned)hdrlen, nl_attr_cb, &(struct nl_attrs){ tb, max });
}

static uint32_t nl_u32(const struct nlattr *a, uint32_t none)
{
	return a && mnl_attr_get_payload_len(a) == 4 ? mnl_attr_get_u32(a) : none;
}

struct addr_walk {
	int family, ifindex;
	netlink_addr_fn *fn;
	void *data;
};

static void addr_msg(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	const struct addr_walk *w = data;
	size_t alen = w->family == AF_INET ? 4 : 16;
	struct netlink_ifaddr a;

	if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa) ||
	    ifa->ifa_family != w->family || (int)ifa->ifa_index != w->ifindex)
		return;
	a = (struct netlink_ifaddr){ .plen = ifa->ifa_prefixlen, .scope = ifa->ifa_scope };
	nl_parse(nlh, sizeof(*ifa), tb, IFA_MAX);
	if (!tb[IFA_ADDRESS] || mnl_attr_get_payload_len(tb[IFA_ADDRESS]) != alen)
		return;
	memcpy(&a.addr, mnl_attr_get_payload(tb[IFA_ADDRESS]), alen);
	/* IFA_FLAGS holds all 32 bits; ifa_flags only the first 8. */
	a.flags = nl_u32(tb[IFA_FLAGS], ifa->ifa_flags);
	w->fn(&a, w->data);
}

bool netlink_addrs(struct netlink *nl, int family, int ifindex, netlink_addr_fn *fn, void *data, const char *what,
		   char *err, size_t errlen)
{
	struct nlmsghdr *nlh = nl_start(nl, RTM_GETADDR, 0);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct addr_walk w = { .family = family, .ifindex = ifindex, .fn = fn, .data = data };

	ifa->ifa_family = (uint8_t)family;
	return nl_talk(nl, nlh, addr_msg, &w, what, err, errlen);
}

struct route_walk {
	int family, skip, found;
};

/* The first next hop's link: RTA_OIF, or the first of RTA_MULTIPATH. */
static int route_oif(const struct nlattr *const *tb)
{
	if (tb[RTA_OIF] && mnl_attr_get_payload_len(tb[RTA_OIF]) == 4)
		return (int)mnl_attr_get_u32(tb[RTA_OIF]);
	if (tb[RTA_MULTIPATH] && mnl_attr_get_payload_len(tb[RTA_MULTIPATH]) >= sizeof(struct rtnexthop)) {
		const struct rtnexthop *nh = mnl_attr_get_payload(tb[RTA_MULTIPATH]);

		return nh->rtnh_ifindex;
	}
	return 0;
}

static void route_msg(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	struct route_walk *w = data;
	int oif;

	if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm) ||
	    rtm->rtm_family != w->family || rtm->rtm_dst_len != 0 || rtm->rtm_type != RTN_UNICAST || w->found)
		return;
	nl_parse(nlh, sizeof(*rtm), tb, RTA_MAX);
	oif = route_oif(tb);
	/* rtm_table has 8 bits; RTA_TABLE has the table's whole number. */
	if (nl_u32(tb[RTA_TABLE], rtm->rtm_table) == RT_TABLE_MAIN && oif > 0 && oif != w->skip)
		w->found = oif;
}

int netlink_default_if(struct netlink *nl, int family, int skip, const char *what, char *err, size_t errlen)
{
	struct nlmsghdr *nlh = nl_start(nl, RTM_GETROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct route_walk w = { .family = family, .skip = skip };

	rtm->rtm_family = (uint8_t)family;
	return nl_talk(nl, nlh, route_msg, &w, what, err, errlen) ? w.found : -1;
}

/* A route into the device. */
struct route {
	int family;
	uint8_t plen;
	union {
		struct in_addr a4;
		struct in6_addr a6;
	} dst;
};

#define ROUTES_MAX (1 + 2 * CONF_ROUTES_MAX + CONF_POOL4_MAX)

static bool same_route(const struct route *a, const struct route *b)
{
	return a->family == b->family && a->plen == b->plen &&
	       !memcmp(&a->dst, &b->dst, a->family == AF_INET ? sizeof(a->dst.a4) : sizeof(a->dst.a6));
}

static bool has_route(const struct route *r, unsigned n, const struct route *x)
{
	for (unsigned i = 0; i < n; i++)
		if (same_route(&r[i], x))
			return true;
	return false;
}

static void put_route(struct route *r, unsigned *n, int family, const void *dst, uint8_t plen)
{
	struct route x = { .family = family, .plen = plen };

	memcpy(&x.dst, dst, family == AF_INET ? sizeof(x.dst.a4) : sizeof(x.dst.a6));
	/* A prefix named twice (a route6 line repeating pool6, the three protocol rows of one pool4 line,
	 * a route4 line for a pool4 prefix) is routed once. */
	if (!has_route(r, *n, &x))
		r[(*n)++] = x;
}

/* Every route c wants into the device: pool6, route4, in mode nat64 pool4 (its return traffic, RFC 6146),
 * route6. */
static unsigned routes_of(const struct conf *c, struct route *r)
{
	unsigned n = 0;

	if (c->xlat.has_pool6)
		put_route(r, &n, AF_INET6, &c->xlat.pool6.addr, c->xlat.pool6.len);
	for (unsigned i = 0; i < c->n_route4; i++)
		put_route(r, &n, AF_INET, &c->route4[i].addr, c->route4[i].len);
	for (unsigned i = 0; c->mode == CONF_MODE_NAT64 && i < c->n_pool4; i++)
		put_route(r, &n, AF_INET, &c->pool4[i].pfx.addr, c->pool4[i].pfx.len);
	for (unsigned i = 0; i < c->n_route6; i++)
		put_route(r, &n, AF_INET6, &c->route6[i].addr, c->route6[i].len);
	return n;
}

static bool route_do(struct netlink *nl, bool add, const struct route *r, const char *ifname, int ifindex,
		     char *err, size_t errlen)
{
	char what[128], p[INET6_ADDRSTRLEN + 8];

	if (r->family == AF_INET)
		prefix4_fmt(&(struct prefix4){ r->dst.a4, r->plen }, p, sizeof(p));
	else
		prefix6_fmt(&(struct prefix6){ r->dst.a6, r->plen }, p, sizeof(p));
	snprintf(what, sizeof(what), "%s route %s dev %s", add ? "adding" : "removing", p, ifname);
	return netlink_route(nl, add, ifindex, r->family, &r->dst, r->plen, 0, 0, what, err, errlen);
}

static bool nl_setup(struct netlink *nl, const struct conf *c, const char *ifname, int ifindex, char *err, size_t errlen)
{
	const struct xlat_conf *x = &c->xlat;
	char what[128], p[INET6_ADDRSTRLEN + 8];
	struct route r[ROUTES_MAX];
	unsigned n;

	snprintf(what, sizeof(what), "setting MTU %u on %s", (unsigned)c->tun_mtu, ifname);
	if (!netlink_link(nl, ifindex, c->tun_mtu, false, what, err, errlen))
		return false;
	/* Up before the routes: the kernel refuses an IPv4 route through a link that is down. */
	snprintf(what, sizeof(what), "setting link %s up", ifname);
	if (!netlink_link(nl, ifindex, 0, true, what, err, errlen))
		return false;
	if (x->has_own4) {
		struct prefix4 a = { x->own4, 32 };

		snprintf(what, sizeof(what), "adding address %s dev %s", prefix4_fmt(&a, p, sizeof(p)), ifname);
		if (!netlink_addr(nl, true, ifindex, AF_INET, &a.addr, 32, 0, what, err, errlen))
			return false;
		snprintf(what, sizeof(what), "setting accept_local on %s", ifname);
		if (!nl_accept_local(nl, ifindex, what, err, errlen))
			return false;
	}
	if (x->has_own6) {
		struct prefix6 a = { x->own6, 128 };

		snprintf(what, sizeof(what), "adding address %s dev %s", prefix6_fmt(&a, p, sizeof(p)), ifname);
		/* Nothing else can answer on a point-to-point TUN: duplicate address detection would only
		 * delay the address (and the ICMPv6 errors sourced from it) by a second. */
		if (!netlink_addr(nl, true, ifindex, AF_INET6, &a.addr, 128, IFA_F_NODAD, what, err, errlen))
			return false;
	}
	n = routes_of(c, r);
	for (unsigned i = 0; i < n; i++)
		if (!route_do(nl, true, &r[i], ifname, ifindex, err, errlen))
			return false;
	return true;
}

struct netlink *netlink_open(char *err, size_t errlen)
{
	struct netlink *nl = malloc(sizeof(*nl));
	int one = 1;

	if (!nl) {
		snprintf(err, errlen, "rtnetlink: %s", strerror(ENOMEM));
		return NULL;
	}
	nl->sock = mnl_socket_open(NETLINK_ROUTE);
	if (!nl->sock) {
		snprintf(err, errlen, "opening rtnetlink socket: %s", strerror(errno));
		free(nl);
		return NULL;
	}
	/* Ask for the kernel's explanation with each error; older kernels just ignore the option. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "binding rtnetlink socket: %s", strerror(errno));
		netlink_close(nl);
		return NULL;
	}
	nl->seq = (unsigned)time(NULL);
	return nl;
}

void netlink_close(struct netlink *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

bool netlink_setup(const struct conf *c, const char *ifname, int ifindex, char *err, size_t errlen)
{
	struct netlink *nl = netlink_open(err, errlen);
	bool ok = nl && nl_setup(nl, c, ifname, ifindex, err, errlen);

	netlink_close(nl);
	return ok;
}

bool netlink_routes_update(const struct conf *old, const struct conf *next, const char *ifname, int ifindex,
			   char *err, size_t errlen)
{
	struct route was[ROUTES_MAX], want[ROUTES_MAX];
	unsigned nwas = routes_of(old, was), nwant = routes_of(next, want), added = 0;
	struct netlink *nl = netlink_open(err, errlen);
	char ignored[256];

	if (!nl)
		return false;
	/* New routes first, so that a failure can be undone before anything else changed. */
	for (; added < nwant; added++) {
		if (!has_route(was, nwas, &want[added]) &&
		    !route_do(nl, true, &want[added], ifname, ifindex, err, errlen))
			break;
	}
	if (added < nwant) {
		while (added--)
			if (!has_route(was, nwas, &want[added]))
				route_do(nl, false, &want[added], ifname, ifindex, ignored, sizeof(ignored));
		netlink_close(nl);
		return false;
	}
	/* A route someone already removed by hand is no reason to fail the rest. */
	for (unsigned i = 0; i < nwas; i++)
		if (!has_route(want, nwant, &was[i]) && !route_do(nl, false, &was[i], ifname, ifindex, ignored,
								   sizeof(ignored)))
			fprintf(stderr, "xlat64: %s\n", ignored);
	netlink_close(nl);
	return true;
}
