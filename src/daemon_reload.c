/*
 * A new configuration for a running daemon (SIGHUP, `xlat64 reload`), and new translator settings from
 * the CLAT. The file is parsed and validated as a whole first (conf_load()), so a broken file changes
 * nothing. Workers switch at a batch boundary: their configuration pointer is replaced under their own
 * lock, which they hold for every batch, so after the last worker's lock was taken no batch can still be
 * using the old configuration and it is freed. Mode nat64's tables stay: sessions, dynamic bindings and
 * their timers survive; the new timeouts apply from the sessions' next update (nat64_set_conf()).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_internal.h"
#include "netlink.h"

static bool same_pool4(const struct conf_pool4 *a, const struct conf_pool4 *b)
{
	return a->proto == b->proto && a->pfx.addr.s_addr == b->pfx.addr.s_addr && a->pfx.len == b->pfx.len &&
	       a->lo == b->lo && a->hi == b->hi;
}

static bool same_bib(const struct conf_bib *a, const struct conf_bib *b)
{
	return a->proto == b->proto && a->a4.s_addr == b->a4.s_addr && a->p4 == b->p4 &&
	       !memcmp(&a->a6, &b->a6, sizeof(a->a6)) && a->p6 == b->p6;
}

static bool has_bib(const struct conf *c, const struct conf_bib *e)
{
	for (unsigned i = 0; i < c->n_bib; i++)
		if (same_bib(&c->bib[i], e))
			return true;
	return false;
}

static bool same_routes4(const struct conf *a, const struct conf *b)
{
	if (a->n_route4 != b->n_route4)
		return false;
	for (unsigned i = 0; i < a->n_route4; i++)
		if (a->route4[i].addr.s_addr != b->route4[i].addr.s_addr || a->route4[i].len != b->route4[i].len)
			return false;
	return true;
}

/* The first setting that only a restart can change, or NULL. What it names was set up once at start:
 * the device and its addresses, the worker threads, the socket, and for NAT64 the pool4 partition, the
 * nftables table and the sessions' IPv6 view of the IPv4 side (pool6). */
static const char *needs_restart(const struct conf *a, const struct conf *b)
{
	if (a->mode != b->mode)
		return "mode";
	if (strcmp(a->device, b->device))
		return "device";
	if (a->queues != b->queues)
		return "queues";
	if (a->tun_mtu != b->tun_mtu)
		return "mtu";
	if (strcmp(a->socket, b->socket))
		return "socket";
	if (a->xlat.has_own4 != b->xlat.has_own4 || (a->xlat.has_own4 && a->xlat.own4.s_addr != b->xlat.own4.s_addr))
		return "address4";
	/* Mode clat puts the CLAT's own address in when address6 is not set (clat_xlat()); it is only the
	 * source of translator-made ICMPv6 errors there, which a reload may change. */
	if (a->mode != CONF_MODE_CLAT && (a->xlat.has_own6 != b->xlat.has_own6 ||
	    (a->xlat.has_own6 && memcmp(&a->xlat.own6, &b->xlat.own6, sizeof(a->xlat.own6)))))
		return "address6";
	/* Mode clat: the host was set up around these once (clat_host.c). */
	if (strcmp(a->clat_if, b->clat_if))
		return "clat-interface";
	if (a->clat_addr4.s_addr != b->clat_addr4.s_addr)
		return "clat-address4";
	if (a->has_clat_addr6 != b->has_clat_addr6 ||
	    (a->has_clat_addr6 && memcmp(&a->clat_addr6, &b->clat_addr6, sizeof(a->clat_addr6))))
		return "clat-address6";
	if (a->clat_default_route != b->clat_default_route)
		return "clat-default-route";
	if (a->mode == CONF_MODE_CLAT && !same_routes4(a, b))
		return "route4";
	if (a->mode != CONF_MODE_NAT64)
		return NULL;
	if (!prefix6_equal(&a->xlat.pool6, &b->xlat.pool6))
		return "pool6";
	if (a->n_pool4 != b->n_pool4)
		return "pool4";
	for (unsigned i = 0; i < a->n_pool4; i++)
		if (!same_pool4(&a->pool4[i], &b->pool4[i]))
			return "pool4";
	if (a->masquerade != b->masquerade)
		return "masquerade";
	return NULL;
}

/* Static BIB entries the old configuration had and the new one does not go, new ones come. An entry the
 * tables refuse (its IPv4 transport address is taken by a dynamic binding) is reported in err; the
 * others still apply. */
static bool bib_update(struct nat64 *db, const struct conf *old, const struct conf *next, char *err,
		       size_t errlen)
{
	char b[CONF_BIB_LEN];
	const char *why;
	bool ok = true;

	for (unsigned i = 0; i < old->n_bib; i++) {
		const struct conf_bib *e = &old->bib[i];

		if (!has_bib(next, e))
			nat64_static_remove(db, e->proto, e->a4, e->p4, &why);
	}
	for (unsigned i = 0; i < next->n_bib; i++) {
		const struct conf_bib *e = &next->bib[i];

		if (has_bib(old, e) || nat64_static_add(db, e->proto, &e->a6, e->p6, e->a4, e->p4, &why))
			continue;
		if (ok)
			snprintf(err, errlen, "bib %s: %s", conf_bib_fmt(e, b, sizeof(b)), why);
		ok = false;
	}
	return ok;
}

/* Switch every worker to next and free the old configuration. With bib_err, also bring each worker's
 * NAT64 tables to next (settings, static BIB entries); a refused entry is reported there. */
static bool swap(struct daemon *d, struct conf *next, char *bib_err, size_t errlen)
{
	struct conf *old = d->c;
	bool ok = true;

	for (unsigned i = 0; i < d->n; i++) {
		struct worker *w = d->w[i];

		pthread_mutex_lock(&w->lock);
		w->nat.xlat.conf = &next->xlat;
		w->coalesce_ns = next->coalesce_usecs * 1000L;
		if (w->nat.db && bib_err) {
			nat64_set_conf(w->nat.db, &next->nat64);
			/* Every instance holds every static entry, so all refuse or accept alike: report once. */
			ok = bib_update(w->nat.db, old, next, bib_err, ok ? errlen : 0) && ok;
		}
		pthread_mutex_unlock(&w->lock);
	}
	d->c = next;
	free(old);
	return ok;
}

void daemon_swap(struct daemon *d, struct conf *next)
{
	swap(d, next, NULL, 0);
}

bool daemon_reload(struct daemon *d, char *err, size_t errlen)
{
	struct conf *next = malloc(sizeof(*next));
	char bib_err[256] = "";
	const char *what;
	bool ok = false, routes;

	if (!next)
		return ctl_fail(err, errlen, "reload: out of memory");
	pthread_mutex_lock(&d->lock);
	if (!conf_load(d->path, next, err, errlen))
		goto out;
	what = needs_restart(d->c, next);
	if (what) {
		snprintf(err, errlen, "reload: %s changed, which needs a restart; nothing was changed", what);
		goto out;
	}
	/* Mode clat routes nothing of the configuration's pool6 into the TUN (the prefix leaves through the
	 * uplink) and its other routes need a restart: clat_host.c made them. */
	routes = d->has_tun && d->c->mode != CONF_MODE_CLAT;
	if (routes && !netlink_routes_update(d->c, next, d->t.name, d->t.ifindex, err, errlen))
		goto out;
	if (!daemon_services_reload(d, next, err, errlen)) {
		/* The routes follow the configuration in effect, which stays the old one. */
		char ignored[256];

		if (routes)
			netlink_routes_update(next, d->c, d->t.name, d->t.ifindex, ignored, sizeof(ignored));
		goto out;
	}
	ok = swap(d, next, bib_err, sizeof(bib_err));
	next = NULL;
	if (!ok)
		snprintf(err, errlen, "reload: %s; everything else took effect", bib_err);
out:
	pthread_mutex_unlock(&d->lock);
	free(next);
	return ok;
}
