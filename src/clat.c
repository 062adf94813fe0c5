/*
 * The CLAT service (clat.h): the host setup of clat_host.c, then a thread that learns the NAT64 prefix
 * with pref64_discover.h and keeps the workers' translator settings in step with it.
 *
 * Which prefix (RFC 8781 §5.1, RFC 9872): a PREF64 option of the uplink's router advertisements, else
 * RFC 7050 (ipv4only.arpa over the system resolver, tried when no RA brought one within 10 s), else
 * pool6 of the configuration. The thread sends the three Router Solicitations of RFC 4861 §6.3.7 at
 * start, so a router's answer does not have to wait for its next periodic advertisement. Whenever the
 * prefix in use changes (learned, replaced, withdrawn with lifetime 0, lapsed), the workers get new
 * settings (clat_xlat()); with none at all, pool6 is unset and 4->6 packets are dropped (DROP_DST4).
 *
 * Locking. Swapping the workers' settings needs d->lock, which the daemon holds while it starts, stops
 * and reloads services, and stopping joins this thread: so the thread only ever tries the lock, and
 * when it is busy tries again 20 ms later (the reload it waited for carries the prefix anyway,
 * clat_reload()). k->lock guards the prefix and the base settings between the thread, the control
 * socket's status and a reload; it is taken after d->lock, never before.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clat_internal.h"
#include "daemon_internal.h"
#include "pref64_discover.h"

#define RETRY_MS 20		/* d->lock was busy */

struct clat {
	struct daemon *d;
	struct stats *st;		/* CLAT_*, written by the thread only */
	struct clat_host host;
	struct pref64_disc *disc;	/* the thread's only */
	pthread_t thread;
	bool running;
	int wake_fd;			/* eventfd: stop, or a reload changed the base */
	atomic_bool stop;
	pthread_mutex_t lock;		/* guards what follows */
	struct xlat_conf base;		/* the configuration's translator settings; pool6 = the fallback */
	bool has_cur;
	struct pref64_entry cur;	/* the prefix in use */
	atomic_bool dirty;		/* the workers do not have the prefix in use yet */
};

/* The settings for the workers. Under k->lock. */
static void build(const struct clat *k, struct xlat_conf *out)
{
	clat_xlat(&k->base, k->host.addr4, &k->host.addr6, k->has_cur ? &k->cur.prefix : NULL, out);
}

/* Take the best prefix known now as the one in use; count and log a change. */
static void choose(struct clat *k, uint64_t now)
{
	struct pref64_entry e;
	char p[INET6_ADDRSTRLEN + 4];
	bool has;

	pthread_mutex_lock(&k->lock);
	has = pref64_disc_get(k->disc, now, &e, 1) > 0;
	if (!has && k->base.has_pool6) {
		e = (struct pref64_entry){ .prefix = k->base.pool6, .source = PREF64_SRC_CONFIG,
					   .lifetime = UINT32_MAX, .expiry = PREF64_NEVER };
		has = true;
	}
	if (has && k->has_cur && prefix6_equal(&e.prefix, &k->cur.prefix)) {
		k->cur = e;		/* a refresh, or the same prefix from another source */
	} else if (has || k->has_cur) {
		if (has) {
			k->st->c[STAT_CLAT_PREFIX_SET]++;
			fprintf(stderr, "xlat64: clat: NAT64 prefix %s from %s\n",
				prefix6_fmt(&e.prefix, p, sizeof(p)), pref64_source_name(e.source));
		} else {
			k->st->c[STAT_CLAT_PREFIX_LOST]++;
			fprintf(stderr, "xlat64: clat: no NAT64 prefix any more: IPv4 packets are dropped until "
				"one is learned\n");
		}
		k->has_cur = has;
		k->cur = e;
		atomic_store(&k->dirty, true);
	}
	pthread_mutex_unlock(&k->lock);
}

/* Give the workers the settings for the prefix in use, unless d->lock is busy (see the top). */
static void try_swap(struct clat *k)
{
	struct daemon *d = k->d;
	struct conf *next;

	if (pthread_mutex_trylock(&d->lock))
		return;
	next = malloc(sizeof(*next));
	if (next) {
		*next = *d->c;
		pthread_mutex_lock(&k->lock);
		build(k, &next->xlat);
		atomic_store(&k->dirty, false);
		pthread_mutex_unlock(&k->lock);
		daemon_swap(d, next);
	}
	pthread_mutex_unlock(&d->lock);
}

/* The sooner of two poll timeouts, -1 standing for none. */
static int min_timeout(int a, int b)
{
	return b >= 0 && (a < 0 || b < a) ? b : a;
}

static void *clat_main(void *arg)
{
	struct clat *k = arg;

	while (!atomic_load(&k->stop)) {
		struct pollfd pfd[2] = { { .fd = pref64_disc_fd(k->disc), .events = POLLIN },
					 { .fd = k->wake_fd, .events = POLLIN } };
		uint64_t now = pref64_now_ms(), junk;
		int timeout;

		if (pref64_disc_solicit(k->disc, now) > 0)
			k->st->c[STAT_CLAT_RS_SENT]++;
		if (pref64_disc_rfc7050_due(k->disc, now)) {
			k->st->c[STAT_CLAT_RFC7050]++;
			if (pref64_disc_rfc7050(k->disc, now) < 0)
				k->st->c[STAT_CLAT_RFC7050_FAILED]++;
			now = pref64_now_ms();
		}
		pref64_disc_expire(k->disc, now);
		choose(k, now);
		if (atomic_load(&k->dirty))
			try_swap(k);
		timeout = min_timeout(pref64_disc_timeout(k->disc, now), pref64_disc_solicit_timeout(k->disc, now));
		if (atomic_load(&k->dirty))
			timeout = min_timeout(timeout, RETRY_MS);
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
			fprintf(stderr, "xlat64: clat: poll: %s\n", strerror(errno));
			break;
		}
		/* A wake-up only ends the wait; a second reader never empties it first (EAGAIN is harmless). */
		if ((pfd[1].revents & POLLIN) && read(k->wake_fd, &junk, sizeof(junk)) < 0 && errno != EAGAIN)
			fprintf(stderr, "xlat64: clat: reading the wake-up: %s\n", strerror(errno));
		if (pfd[0].revents)
			pref64_disc_input(k->disc, pref64_now_ms());
	}
	return NULL;
}

static void log_start(const struct clat *k)
{
	const struct clat_host *h = &k->host;
	char a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];

	fprintf(stderr, "xlat64: clat: uplink %s, %s <-> %s (%s, %s, proxy NDP), mtu %u (IPv4 routes %u), %s; "
		"learning the NAT64 prefix from router advertisements, then RFC 7050, then pool6\n", h->up,
		inet_ntop(AF_INET, &h->addr4, a4, sizeof(a4)), inet_ntop(AF_INET6, &h->addr6, a6, sizeof(a6)),
		h->generated6 ? "generated" : "configured", h->dad ? "DAD passed" : "no DAD on the uplink",
		(unsigned)h->tun_mtu, (unsigned)h->mtu4,
		h->default_route ? "IPv4 default route through the TUN" : "no IPv4 default route through the TUN");
}

struct clat *clat_start(struct daemon *d, const struct conf *c, int tun_ifindex, struct stats *st, char *err,
			size_t errlen)
{
	struct clat *k = calloc(1, sizeof(*k));
	struct pref64_disc_conf dc = { .rfc7050 = true };
	char why[256];
	int e;

	if (!k) {
		snprintf(err, errlen, "clat: out of memory");
		return NULL;
	}
	k->d = d;
	k->st = st;
	k->base = c->xlat;
	atomic_init(&k->dirty, true);	/* the EAMT entry at least, prefix or not */
	k->wake_fd = -1;
	atomic_init(&k->stop, false);
	pthread_mutex_init(&k->lock, NULL);
	if (!clat_host_setup(&k->host, c, tun_ifindex, why, sizeof(why))) {
		snprintf(err, errlen, "clat: %s", why);
		pthread_mutex_destroy(&k->lock);
		free(k);
		return NULL;
	}
	memcpy(dc.ifname, k->host.up, sizeof(dc.ifname));
	k->disc = pref64_disc_new(&dc, pref64_now_ms(), why, sizeof(why));
	if (!k->disc)
		snprintf(err, errlen, "clat: %s", why);
	k->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (k->disc && k->wake_fd < 0)
		snprintf(err, errlen, "clat: eventfd: %s", strerror(errno));
	if (k->disc && k->wake_fd >= 0) {
		log_start(k);
		e = pthread_create(&k->thread, NULL, clat_main, k);
		k->running = e == 0;
		if (e)
			snprintf(err, errlen, "clat: starting the discovery thread: %s", strerror(e));
	}
	if (!k->running) {
		clat_stop(k);
		return NULL;
	}
	return k;
}

void clat_stop(struct clat *k)
{
	uint64_t one = 1;

	if (!k)
		return;
	if (k->running) {
		atomic_store(&k->stop, true);
		if (write(k->wake_fd, &one, sizeof(one)) < 0)
			fprintf(stderr, "xlat64: clat: waking the discovery thread: %s\n", strerror(errno));
		pthread_join(k->thread, NULL);
	}
	pref64_disc_free(k->disc);
	if (k->wake_fd >= 0)
		close(k->wake_fd);
	clat_host_undo(&k->host);
	pthread_mutex_destroy(&k->lock);
	free(k);
}

void clat_reload(struct clat *k, struct conf *next)
{
	uint64_t one = 1;

	pthread_mutex_lock(&k->lock);
	k->base = next->xlat;
	build(k, &next->xlat);
	atomic_store(&k->dirty, false);
	pthread_mutex_unlock(&k->lock);
	/* A new pool6 may now be the prefix to use: let the thread look. */
	if (write(k->wake_fd, &one, sizeof(one)) < 0)
		fprintf(stderr, "xlat64: clat: waking the discovery thread: %s\n", strerror(errno));
}

void clat_status(struct clat *k, struct ctl_status *st)
{
	const struct clat_host *h = &k->host;
	char p[INET6_ADDRSTRLEN + 4] = "", a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN], left[32] = "";
	uint64_t now = pref64_now_ms();
	const char *src = NULL;

	pthread_mutex_lock(&k->lock);
	if (k->has_cur) {
		prefix6_fmt(&k->cur.prefix, p, sizeof(p));
		src = pref64_source_name(k->cur.source);
		if (k->cur.expiry != PREF64_NEVER)
			snprintf(left, sizeof(left), ", %llu s left",
				 k->cur.expiry > now ? (unsigned long long)((k->cur.expiry - now + 999) / 1000) : 0ULL);
	}
	pthread_mutex_unlock(&k->lock);
	inet_ntop(AF_INET, &h->addr4, a4, sizeof(a4));
	inet_ntop(AF_INET6, &h->addr6, a6, sizeof(a6));
	if (src)
		ctl_status_add(st, "clat", "prefix %s from %s%s; %s <-> %s; uplink %s; mtu %u (IPv4 %u)%s", p, src,
			       left, a4, a6, h->up, (unsigned)h->tun_mtu, (unsigned)h->mtu4,
			       h->default_route ? "; IPv4 default route" : "");
	else
		ctl_status_add(st, "clat", "no NAT64 prefix yet (IPv4 packets are dropped); %s <-> %s; uplink %s; "
			       "mtu %u (IPv4 %u)%s", a4, a6, h->up, (unsigned)h->tun_mtu, (unsigned)h->mtu4,
			       h->default_route ? "; IPv4 default route" : "");
}
