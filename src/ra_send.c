/*
 * PREF64 Router Advertisements (see ra_send.h). One thread polls a raw ICMPv6 socket per interface (for
 * Router Solicitations) and an eventfd (stop), and keeps per interface the time of the next periodic
 * advertisement and of a pending solicited one. Timing follows RFC 4861 §6.2.4 and §6.2.6.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pref64.h"
#include "pref64_discover.h"
#include "ra_send.h"

/* RFC 4861 §10 router constants. */
#define MAX_INITIAL_RTR_ADVERT_INTERVAL 16000	/* ms */
#define MAX_INITIAL_RTR_ADVERTISEMENTS 3
#define MIN_DELAY_BETWEEN_RAS 3000		/* ms */
#define MAX_RA_DELAY_TIME 500			/* ms */
#define MIN_MAX_INTERVAL 4000			/* ms: MaxRtrAdvInterval's floor (§6.2.1) */

struct ra_if {
	char name[IFNAMSIZ];
	int ifindex, fd;
	uint8_t lladdr[6];
	size_t lladdr_len;		/* 0: not Ethernet-like, no Source Link-Layer Address option */
	unsigned sent, fails;
	uint64_t next;			/* the next periodic advertisement */
	uint64_t last;			/* the last multicast advertisement (0: none yet) */
	uint64_t solicited;		/* a pending answer to a solicitation (0: none) */
};

struct ra_send {
	struct stats *st;
	struct pref64_ra ra;		/* the advertisement, lifetimes as announced while running */
	uint32_t min_ms, max_ms;	/* MinRtrAdvInterval, MaxRtrAdvInterval */
	int stop_fd;
	pthread_t thread;
	unsigned n;
	struct ra_if ifs[CONF_PREF64_IF_MAX];
};

static uint32_t rnd(uint32_t lo, uint32_t hi)
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint32_t)pref64_now_ms() * 2654435761u;
	return hi > lo ? lo + r % (hi - lo + 1) : lo;
}

/* RFC 4861 §6.2.4: uniformly random between Min- and MaxRtrAdvInterval; the first few no longer than
 * MAX_INITIAL_RTR_ADVERT_INTERVAL, so a host that just came up learns the prefix soon. */
static uint32_t interval(const struct ra_send *r, const struct ra_if *i)
{
	uint32_t t = rnd(r->min_ms, r->max_ms);

	if (i->sent < MAX_INITIAL_RTR_ADVERTISEMENTS && t > MAX_INITIAL_RTR_ADVERT_INTERVAL)
		t = MAX_INITIAL_RTR_ADVERT_INTERVAL;
	return t;
}

static void advertise(struct ra_send *r, struct ra_if *i, const struct pref64_ra *ra, uint64_t now)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)i->ifindex };
	struct pref64_ra msg = *ra;
	uint8_t buf[PREF64_RA_MAX];
	size_t len;

	inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	msg.lladdr = i->lladdr_len ? i->lladdr : NULL;
	msg.lladdr_len = i->lladdr_len;
	len = pref64_ra_build(&msg, buf, sizeof(buf));
	if (!len || sendto(i->fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		/* Typically the link-local address is still tentative (DAD) or the link is down: try again
		 * soon, backing off to the normal interval. */
		r->st->c[STAT_PREF64_RA_SEND_ERROR]++;
		i->fails++;
		i->next = now + (i->fails < 8 ? 1000u << i->fails / 2 : r->max_ms);
		if (i->next > now + r->max_ms)
			i->next = now + r->max_ms;
		i->solicited = 0;
		return;
	}
	r->st->c[STAT_PREF64_RA_SENT]++;
	if (i->solicited)
		r->st->c[STAT_PREF64_RA_SOLICITED]++;
	i->fails = 0;
	i->sent++;
	i->last = now;
	i->solicited = 0;
	i->next = now + interval(r, i);
}

/* RFC 4861 §6.2.6: answer after a random delay of up to MAX_RA_DELAY_TIME, with multicast advertisements
 * at least MIN_DELAY_BETWEEN_RAS apart; a solicitation that the next periodic advertisement answers as
 * soon needs nothing more. */
static void solicited(struct ra_if *i, uint64_t now)
{
	uint64_t t = now + rnd(0, MAX_RA_DELAY_TIME);

	if (i->solicited)
		return;
	if (i->last && t < i->last + MIN_DELAY_BETWEEN_RAS)
		t = i->last + MIN_DELAY_BETWEEN_RAS;
	if (t < i->next)
		i->solicited = t;
}

static void read_rs(struct ra_send *r, struct ra_if *i, uint64_t now)
{
	uint8_t buf[1500], cbuf[CMSG_SPACE(sizeof(int))];
	struct sockaddr_in6 from;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	ssize_t n;

	while ((n = recvmsg(i->fd, &mh, MSG_DONTWAIT)) >= 0) {
		int hops = -1;

		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_HOPLIMIT &&
			    cm->cmsg_len == CMSG_LEN(sizeof(int)))
				memcpy(&hops, CMSG_DATA(cm), sizeof(int));
		if ((mh.msg_flags & MSG_TRUNC) || mh.msg_namelen < sizeof(from) ||
		    !pref64_rs_valid(buf, (size_t)n, hops, IN6_IS_ADDR_UNSPECIFIED(&from.sin6_addr))) {
			r->st->c[STAT_PREF64_RS_INVALID]++;
		} else {
			r->st->c[STAT_PREF64_RS_RECEIVED]++;
			solicited(i, now);
		}
		mh.msg_namelen = sizeof(from);
		mh.msg_controllen = sizeof(cbuf);
		mh.msg_flags = 0;
	}
}

static void *ra_main(void *arg)
{
	struct ra_send *r = arg;
	struct pollfd pfd[CONF_PREF64_IF_MAX + 1];
	struct pref64_ra last = r->ra;

	for (unsigned k = 0; k < r->n; k++)
		pfd[k] = (struct pollfd){ .fd = r->ifs[k].fd, .events = POLLIN };
	pfd[r->n] = (struct pollfd){ .fd = r->stop_fd, .events = POLLIN };
	for (;;) {
		uint64_t now = pref64_now_ms(), wake = UINT64_MAX;

		for (unsigned k = 0; k < r->n; k++) {
			struct ra_if *i = &r->ifs[k];

			if (now >= i->next || (i->solicited && now >= i->solicited))
				advertise(r, i, &r->ra, now);
			wake = i->next < wake ? i->next : wake;
			if (i->solicited && i->solicited < wake)
				wake = i->solicited;
		}
		if (poll(pfd, r->n + 1, (int)(wake > now ? wake - now : 0)) < 0 && errno != EINTR)
			break;
		if (pfd[r->n].revents)
			break;
		now = pref64_now_ms();
		for (unsigned k = 0; k < r->n; k++)
			if (pfd[k].revents)
				read_rs(r, &r->ifs[k], now);
	}
	/* RFC 4861 §6.2.5 and RFC 8781 §4.1: lifetime 0 tells the hosts to stop using the router, the
	 * prefix, the DNS servers and the route now rather than when they lapse. */
	last.router_lifetime = 0;
	last.prefix_lifetime = 0;
	last.rdnss_lifetime = 0;
	last.route_lifetime = 0;
	for (unsigned k = 0; k < r->n; k++)
		advertise(r, &r->ifs[k], &last, pref64_now_ms());
	return NULL;
}

static bool open_if(struct ra_if *i, char *err, size_t errlen)
{
	struct ipv6_mreq mr = { .ipv6mr_interface = (unsigned)i->ifindex };
	struct ifreq ifr = { 0 };
	int one = 1, zero = 0;
	char why[128];

	/* Only solicitations, only from this link (RFC 4861 §6.1.1: hop limit 255 proves it is local). */
	i->fd = pref64_nd_socket(i->name, ND_ROUTER_SOLICIT, why, sizeof(why));
	if (i->fd < 0) {
		snprintf(err, errlen, "pref64-interface %s: %s", i->name, why);
		return false;
	}
	inet_pton(AF_INET6, "ff02::2", &mr.ipv6mr_multiaddr);
	if (setsockopt(i->fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &i->ifindex, sizeof(i->ifindex)) < 0 ||
	    setsockopt(i->fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof(zero)) < 0 ||
	    setsockopt(i->fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one)) < 0 ||
	    setsockopt(i->fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
		snprintf(err, errlen, "pref64-interface %s: setting up the socket: %s", i->name, strerror(errno));
		return false;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->name);
	if (ioctl(i->fd, SIOCGIFHWADDR, &ifr) == 0 && ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER) {
		memcpy(i->lladdr, ifr.ifr_hwaddr.sa_data, 6);
		i->lladdr_len = 6;
	}
	return true;
}

static void free_sender(struct ra_send *r)
{
	for (unsigned k = 0; k < r->n; k++)
		if (r->ifs[k].fd >= 0)
			close(r->ifs[k].fd);
	if (r->stop_fd >= 0)
		close(r->stop_fd);
	free(r);
}

struct ra_send *ra_send_start(const struct conf *c, struct stats *st, char *err, size_t errlen)
{
	struct ra_send *r = calloc(1, sizeof(*r));
	uint32_t lifetime_s = (c->pref64_lifetime + 999) / 1000;
	uint64_t now = pref64_now_ms();
	int e;

	if (!r) {
		snprintf(err, errlen, "pref64: out of memory");
		return NULL;
	}
	r->st = st;
	r->stop_fd = -1;
	/* The prefix must be refreshed before it lapses: MaxRtrAdvInterval at most a third of the PREF64
	 * lifetime (RFC 8781 §4.1 derives the lifetime the other way round, 3 × MaxRtrAdvInterval). */
	r->max_ms = c->pref64_interval;
	if (r->max_ms > c->pref64_lifetime / 3)
		r->max_ms = c->pref64_lifetime / 3 > MIN_MAX_INTERVAL ? c->pref64_lifetime / 3 : MIN_MAX_INTERVAL;
	/* RFC 4861 §6.2.1 MinRtrAdvInterval: 0.33 × Max from 9 s up, else 0.75 × Max (at least 3 s). */
	r->min_ms = r->max_ms >= 9000 ? r->max_ms / 3 : r->max_ms * 3 / 4;
	r->ra = (struct pref64_ra){
		.router_lifetime = (uint16_t)((c->pref64_router_lifetime + 999) / 1000),
		.prefix = c->xlat.pool6,
		.prefix_lifetime = lifetime_s,
		.n_rdnss = c->n_pref64_rdnss,
		/* RFC 8106 §5.1: "at least 3 * MaxRtrAdvInterval" by default. */
		.rdnss_lifetime = 3 * ((r->max_ms + 999) / 1000),
		.route = c->pref64_route,
		/* The route is as good as the prefix it leads to. */
		.route_lifetime = pref64_scaled_lifetime(lifetime_s) * 8u,
	};
	_Static_assert(sizeof(r->ra.rdnss) == sizeof(c->pref64_rdnss), "pref64-rdnss lines fit an RA");
	memcpy(r->ra.rdnss, c->pref64_rdnss, sizeof(r->ra.rdnss));
	for (; r->n < c->n_pref64_if; r->n++) {
		struct ra_if *i = &r->ifs[r->n];

		snprintf(i->name, sizeof(i->name), "%s", c->pref64_if[r->n]);
		i->fd = -1;
		i->next = now;		/* the first advertisement at once */
		if (!(i->ifindex = (int)if_nametoindex(i->name))) {
			snprintf(err, errlen, "pref64-interface %s: %s", i->name, strerror(errno));
			r->n++;
			goto fail;
		}
		if (!open_if(i, err, errlen)) {
			r->n++;
			goto fail;
		}
	}
	r->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (r->stop_fd < 0) {
		snprintf(err, errlen, "pref64: eventfd: %s", strerror(errno));
		goto fail;
	}
	e = pthread_create(&r->thread, NULL, ra_main, r);
	if (e) {
		snprintf(err, errlen, "pref64: starting the thread: %s", strerror(e));
		goto fail;
	}
	return r;
fail:
	free_sender(r);
	return NULL;
}

void ra_send_stop(struct ra_send *r)
{
	uint64_t one = 1;

	if (!r)
		return;
	if (write(r->stop_fd, &one, sizeof(one)) != sizeof(one))
		fprintf(stderr, "xlat64: pref64: stopping: %s\n", strerror(errno));
	pthread_join(r->thread, NULL);
	free_sender(r);
}

bool ra_send_same(const struct conf *a, const struct conf *b)
{
	return a->n_pref64_if == b->n_pref64_if && a->n_pref64_rdnss == b->n_pref64_rdnss &&
	       !memcmp(a->pref64_if, b->pref64_if, sizeof(a->pref64_if)) &&
	       !memcmp(a->pref64_rdnss, b->pref64_rdnss, sizeof(a->pref64_rdnss)) &&
	       a->pref64_lifetime == b->pref64_lifetime && a->pref64_interval == b->pref64_interval &&
	       a->pref64_router_lifetime == b->pref64_router_lifetime && a->pref64_route == b->pref64_route &&
	       a->xlat.has_pool6 == b->xlat.has_pool6 && prefix6_equal(&a->xlat.pool6, &b->xlat.pool6);
}

void ra_send_status(const struct ra_send *r, struct ctl_status *st)
{
	char pfx[INET6_ADDRSTRLEN + 4], ifs[CONF_PREF64_IF_MAX * (IFNAMSIZ + 2)] = "";
	size_t n = 0;

	for (unsigned k = 0; k < r->n && n < sizeof(ifs); k++)
		n += (size_t)snprintf(ifs + n, sizeof(ifs) - n, "%s%s", k ? ", " : "", r->ifs[k].name);
	ctl_status_add(st, "pref64", "%s lifetime %us every %us-%us on %s; %llu advertisements sent, %llu solicited",
		       prefix6_fmt(&r->ra.prefix, pfx, sizeof(pfx)), pref64_scaled_lifetime(r->ra.prefix_lifetime) * 8u,
		       r->min_ms / 1000, r->max_ms / 1000, ifs,
		       (unsigned long long)r->st->c[STAT_PREF64_RA_SENT],
		       (unsigned long long)r->st->c[STAT_PREF64_RA_SOLICITED]);
}
