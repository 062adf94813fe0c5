/*
 * NAT64 prefix discovery (see pref64_discover.h): RA PREF64 options from the kernel's RTM_NEWNDUSEROPT
 * notifications, RFC 7050 over the system resolver; the Router Solicitations that ask for the former.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <netinet/icmp6.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pref64.h"
#include "pref64_discover.h"
#include "rfc7050.h"

#define RETRY_MS 30000			/* after a failed or empty RFC 7050 query */
#define REQUERY_MS 10000		/* RFC 7050 §3: ten seconds before the TTL ends */
#define RS_MAX 3			/* RFC 4861 §10 MAX_RTR_SOLICITATIONS */
#define RS_INTERVAL_MS 4000		/* RFC 4861 §10 RTR_SOLICITATION_INTERVAL */

struct slot {
	struct pref64_entry e;
	uint64_t first;			/* order of first sight: the order of pref64_disc_get() */
};

struct pref64_disc {
	struct pref64_disc_conf c;
	int ifindex;			/* 0 = every interface */
	struct mnl_socket *nl;
	int rs_fd;			/* opened on the first solicitation; -1 before */
	unsigned rs_sent;		/* solicitations so far; RS_MAX once there is no need for more */
	uint64_t rs_next;		/* when the next one is due */
	uint64_t started;
	uint64_t seq;			/* numbers the slots' first sight */
	unsigned n_ra, n_dns;
	struct slot ra[PREF64_DISC_MAX], dns[PREF64_DISC_MAX];
	bool dns_done;			/* an RFC 7050 query completed */
	bool dns_empty;			/* ... and gave nothing, or failed */
	uint64_t dns_at;		/* when */
};

uint64_t pref64_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const char *pref64_source_name(enum pref64_source s)
{
	switch (s) {
	case PREF64_SRC_RA: return "ra";
	case PREF64_SRC_RFC7050: return "rfc7050";
	case PREF64_SRC_CONFIG: return "config";
	}
	return "unknown";
}

/* Whether an RA brought a prefix that is still current. */
static bool ra_live(const struct pref64_disc *d, uint64_t now)
{
	for (unsigned i = 0; i < d->n_ra; i++)
		if (d->ra[i].e.expiry > now)
			return true;
	return false;
}

/* The live slots of the best source, distinct prefixes, oldest first. */
size_t pref64_disc_get(const struct pref64_disc *d, uint64_t now, struct pref64_entry *out, size_t max)
{
	bool ra = ra_live(d, now);
	const struct slot *src = ra ? d->ra : d->dns;
	unsigned n = ra ? d->n_ra : d->n_dns;
	uint64_t floor = 0;
	size_t got = 0;

	/* Selection by ascending first-seen time; n is tiny. */
	while (got < max) {
		const struct slot *best = NULL;
		bool dup = false;

		for (unsigned i = 0; i < n; i++)
			if (src[i].e.expiry > now && src[i].first >= floor && (!best || src[i].first < best->first))
				best = &src[i];
		if (!best)
			break;
		floor = best->first + 1;
		for (size_t j = 0; j < got; j++)
			dup |= prefix6_equal(&out[j].prefix, &best->e.prefix);
		if (!dup)
			out[got++] = best->e;
	}
	return got;
}

static void drop(struct slot *s, unsigned *n, unsigned i)
{
	s[i] = s[--*n];
}

/* One PREF64 option from router on ifindex. */
static void ra_option(struct pref64_disc *d, int ifindex, const struct in6_addr *router, const struct prefix6 *p,
		      uint32_t lifetime, uint64_t now)
{
	struct slot *s = NULL;
	unsigned i;

	for (i = 0; i < d->n_ra; i++) {
		const struct pref64_entry *e = &d->ra[i].e;

		if (e->ifindex == ifindex && !memcmp(&e->router, router, sizeof(*router)) && prefix6_equal(&e->prefix, p))
			break;
	}
	/* RFC 8781 §4.1: "Lifetime of 0 indicates that the prefix SHOULD NOT be used anymore". */
	if (!lifetime) {
		if (i < d->n_ra)
			drop(d->ra, &d->n_ra, i);
		return;
	}
	if (i < d->n_ra) {
		s = &d->ra[i];
	} else if (d->n_ra < PREF64_DISC_MAX) {
		s = &d->ra[d->n_ra++];
		s->first = ++d->seq;
	} else {
		/* Full: the entry closest to lapsing makes room. */
		s = &d->ra[0];
		for (i = 1; i < d->n_ra; i++)
			if (d->ra[i].e.expiry < s->e.expiry)
				s = &d->ra[i];
		s->first = ++d->seq;
	}
	s->e = (struct pref64_entry){ .prefix = *p, .source = PREF64_SRC_RA, .ifindex = ifindex, .router = *router,
				      .lifetime = lifetime, .learned = now, .expiry = now + (uint64_t)lifetime * 1000 };
}

void pref64_disc_feed(struct pref64_disc *d, int ifindex, const struct in6_addr *router, const uint8_t *opts,
		      size_t len, uint64_t now)
{
	const uint8_t *opt;
	size_t off = 0, olen;

	if (d->ifindex && ifindex != d->ifindex)
		return;
	while (pref64_opt_next(opts, len, &off, &opt, &olen)) {
		struct prefix6 p;
		uint32_t lifetime;

		if (opt[0] == PREF64_OPT_TYPE && pref64_decode(opt, olen, &p, &lifetime))
			ra_option(d, ifindex, router, &p, lifetime, now);
	}
}

void pref64_disc_expire(struct pref64_disc *d, uint64_t now)
{
	for (unsigned i = d->n_ra; i-- > 0;)
		if (d->ra[i].e.expiry <= now)
			drop(d->ra, &d->n_ra, i);
	for (unsigned i = d->n_dns; i-- > 0;)
		if (d->dns[i].e.expiry <= now)
			drop(d->dns, &d->n_dns, i);
}

/* When pref64_disc_rfc7050() is next due; PREF64_NEVER if not. */
static uint64_t rfc7050_when(const struct pref64_disc *d, uint64_t now)
{
	uint64_t start = d->started + PREF64_RA_WAIT_MS, when = PREF64_NEVER;

	if (!d->c.rfc7050 || ra_live(d, now))
		return PREF64_NEVER;
	if (!d->dns_done)
		return start;
	if (d->dns_empty || !d->n_dns)
		return d->dns_at + RETRY_MS > start ? d->dns_at + RETRY_MS : start;
	for (unsigned i = 0; i < d->n_dns; i++) {
		const struct pref64_entry *e = &d->dns[i].e;
		/* Ten seconds before the end; half the TTL for TTLs too short for that. */
		uint64_t t = e->expiry > REQUERY_MS ? e->expiry - REQUERY_MS : 0;
		uint64_t half = e->learned + (uint64_t)e->lifetime * 500;

		if (t < half)
			t = half;
		if (t < when)
			when = t;
	}
	return when;
}

bool pref64_disc_rfc7050_due(const struct pref64_disc *d, uint64_t now)
{
	return now >= rfc7050_when(d, now);
}

int pref64_disc_timeout(const struct pref64_disc *d, uint64_t now)
{
	uint64_t t = rfc7050_when(d, now);

	for (unsigned i = 0; i < d->n_ra; i++)
		if (d->ra[i].e.expiry < t)
			t = d->ra[i].e.expiry;
	for (unsigned i = 0; i < d->n_dns; i++)
		if (d->dns[i].e.expiry < t)
			t = d->dns[i].e.expiry;
	if (t == PREF64_NEVER)
		return -1;
	if (t <= now)
		return 0;
	return t - now > INT32_MAX ? INT32_MAX : (int)(t - now);
}

int pref64_disc_rfc7050(struct pref64_disc *d, uint64_t now)
{
	struct rfc7050_prefix p[RFC7050_MAX];
	struct slot old[PREF64_DISC_MAX];
	unsigned n_old = d->n_dns;
	char err[160];
	int n = rfc7050_query(p, RFC7050_MAX, err, sizeof(err));

	d->dns_done = true;
	d->dns_at = now;
	d->dns_empty = n <= 0;
	if (n < 0)
		return -1;
	/* The new answer replaces the old one; a prefix that stays keeps its place in the order. */
	memcpy(old, d->dns, sizeof(old));
	d->n_dns = 0;
	for (int i = 0; i < n && d->n_dns < PREF64_DISC_MAX; i++) {
		struct slot *s = &d->dns[d->n_dns++];

		s->first = ++d->seq;
		for (unsigned j = 0; j < n_old; j++)
			if (prefix6_equal(&old[j].e.prefix, &p[i].prefix))
				s->first = old[j].first;
		s->e = (struct pref64_entry){ .prefix = p[i].prefix, .source = PREF64_SRC_RFC7050,
					      .ifindex = d->ifindex, .lifetime = p[i].ttl, .learned = now,
					      .expiry = now + (uint64_t)p[i].ttl * 1000 };
	}
	return n;
}

/* RTM_NEWNDUSEROPT: struct nduseroptmsg, the option, then NDUSEROPT_SRCADDR (the router). */
static int srcaddr_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == NDUSEROPT_SRCADDR && mnl_attr_get_payload_len(a) == sizeof(struct in6_addr))
		memcpy(data, mnl_attr_get_payload(a), sizeof(struct in6_addr));
	return MNL_CB_OK;
}

struct input_ctx {
	struct pref64_disc *d;
	uint64_t now;
};

static int useropt_cb(const struct nlmsghdr *nlh, void *data)
{
	struct input_ctx *x = data;
	const struct nduseroptmsg *m;
	struct in6_addr router = IN6ADDR_ANY_INIT;
	size_t len;

	if (nlh->nlmsg_type != RTM_NEWNDUSEROPT || mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return MNL_CB_OK;
	m = mnl_nlmsg_get_payload(nlh);
	len = m->nduseropt_opts_len;
	if (m->nduseropt_family != AF_INET6 || m->nduseropt_icmp_type != ND_ROUTER_ADVERT ||
	    len > mnl_nlmsg_get_payload_len(nlh) - sizeof(*m))
		return MNL_CB_OK;
	if (NLMSG_ALIGN(sizeof(*m) + len) <= mnl_nlmsg_get_payload_len(nlh))
		mnl_attr_parse(nlh, (unsigned)NLMSG_ALIGN(sizeof(*m) + len), srcaddr_cb, &router);
	pref64_disc_feed(x->d, m->nduseropt_ifindex, &router, (const uint8_t *)(m + 1), len, x->now);
	return MNL_CB_OK;
}

void pref64_disc_input(struct pref64_disc *d, uint64_t now)
{
	struct input_ctx x = { d, now };
	char buf[8192];
	ssize_t n;

	while ((n = recv(mnl_socket_get_fd(d->nl), buf, sizeof(buf), MSG_DONTWAIT)) > 0 || (n < 0 && errno == ENOBUFS))
		if (n > 0)
			mnl_cb_run(buf, (size_t)n, 0, 0, useropt_cb, &x);
}

int pref64_disc_fd(const struct pref64_disc *d)
{
	return mnl_socket_get_fd(d->nl);
}

int pref64_nd_socket(const char *ifname, int pass, char *err, size_t errlen)
{
	struct icmp6_filter f;
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMPV6), hops = 255, e;

	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "raw ICMPv6 socket: %s", strerror(e));
		errno = e;
		return -1;
	}
	/* RFC 4861 §6.1.1 and §6.1.2: a receiver drops any Neighbor Discovery message whose hop limit is
	 * not 255, the proof that it comes from the link. */
	ICMP6_FILTER_SETBLOCKALL(&f);
	if (pass >= 0)
		ICMP6_FILTER_SETPASS(pass, &f);
	if ((ifname && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0) ||
	    setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops)) < 0) {
		e = errno;
		snprintf(err, errlen, "setting up the socket: %s", strerror(e));
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int solicit_on(int fd, int ifindex)
{
	/* RFC 4861 §4.1: type 133, code 0, checksum (the kernel's), 4 reserved bytes. No Source Link-Layer
	 * Address option: it must be left out when the source may still be unspecified. */
	static const uint8_t rs[8] = { ND_ROUTER_SOLICIT };
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)ifindex };

	inet_pton(AF_INET6, "ff02::2", &to.sin6_addr);
	return sendto(fd, rs, sizeof(rs), 0, (struct sockaddr *)&to, sizeof(to)) < 0 ? -1 : 0;
}

/* One Router Solicitation on the handle's interface, or on every one that can carry it. */
static int solicit(struct pref64_disc *d)
{
	struct if_nameindex *ifs, *i;
	int sent = 0, err = 0;
	char why[128];

	/* Nothing is read from it: it lets no ICMPv6 type in. */
	if (d->rs_fd < 0 && (d->rs_fd = pref64_nd_socket(NULL, -1, why, sizeof(why))) < 0)
		return -1;
	if (d->ifindex)
		return solicit_on(d->rs_fd, d->ifindex);
	if (!(ifs = if_nameindex()))
		return -1;
	for (i = ifs; i->if_index; i++) {
		struct ifreq ifr = { 0 };

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->if_name);
		if (ioctl(d->rs_fd, SIOCGIFFLAGS, &ifr) < 0 || !(ifr.ifr_flags & IFF_UP) ||
		    !(ifr.ifr_flags & IFF_MULTICAST) || (ifr.ifr_flags & IFF_LOOPBACK))
			continue;
		if (solicit_on(d->rs_fd, (int)i->if_index) == 0)
			sent++;
		else
			err = errno;
	}
	if_freenameindex(ifs);
	if (!sent && err)
		errno = err;
	return sent || !err ? 0 : -1;
}

/* RFC 4861 §6.3.7: up to MAX_RTR_SOLICITATIONS, RTR_SOLICITATION_INTERVAL apart, until an answer came;
 * the answer wanted here is a PREF64 prefix. A failed send counts too: it fails while the link-local
 * address is tentative (DAD), and the next try may work. */
int pref64_disc_solicit(struct pref64_disc *d, uint64_t now)
{
	if (d->rs_sent >= RS_MAX || now < d->rs_next)
		return 0;
	if (ra_live(d, now)) {
		d->rs_sent = RS_MAX;
		return 0;
	}
	d->rs_sent++;
	d->rs_next = now + RS_INTERVAL_MS;
	return solicit(d) < 0 ? -1 : 1;
}

int pref64_disc_solicit_timeout(const struct pref64_disc *d, uint64_t now)
{
	if (d->rs_sent >= RS_MAX)
		return -1;
	return d->rs_next > now ? (int)(d->rs_next - now) : 0;
}

struct pref64_disc *pref64_disc_new(const struct pref64_disc_conf *c, uint64_t now, char *err, size_t errlen)
{
	struct pref64_disc *d = calloc(1, sizeof(*d));

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->c = *c;
	d->rs_fd = -1;
	d->started = now;
	if (c->ifname[0] && !(d->ifindex = (int)if_nametoindex(c->ifname))) {
		snprintf(err, errlen, "interface %s: %s", c->ifname, strerror(errno));
		goto fail;
	}
	d->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!d->nl || mnl_socket_bind(d->nl, 1u << (RTNLGRP_ND_USEROPT - 1), MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "netlink (RTNLGRP_ND_USEROPT): %s", strerror(errno));
		goto fail;
	}
	return d;
fail:
	pref64_disc_free(d);
	return NULL;
}

void pref64_disc_free(struct pref64_disc *d)
{
	if (!d)
		return;
	if (d->nl)
		mnl_socket_close(d->nl);
	if (d->rs_fd >= 0)
		close(d->rs_fd);
	free(d);
}
