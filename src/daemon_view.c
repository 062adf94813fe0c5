/*
 * What the control socket shows of a running daemon (ctl.h callbacks, on the server's thread) and the
 * counters printed at exit. d->lock keeps the configuration from being swapped while it is read.
 */
#include <stdio.h>
#include <string.h>

#include "daemon_internal.h"
#include "nat64_view.h"

/* The workers' counters, then the services'. */
static unsigned all_stats(struct daemon *d, struct stats **each)
{
	unsigned n = 0;

	for (unsigned i = 0; i < d->n; i++)
		each[n++] = &d->w[i]->stats;
	for (unsigned i = 0; i < SVC_MAX; i++)
		each[n++] = &d->svc_stats[i];
	return n;
}

static void view_status(void *opaque, struct ctl_status *st)
{
	struct daemon *d = opaque;

	pthread_mutex_lock(&d->lock);
	st->mode = conf_mode_name(d->c->mode);
	st->device = d->has_tun ? d->t.name : NULL;
	st->queues = d->n;
	if (d->has_tun) {
		char off[48];

		tun_offloads_fmt(d->t.offloads, off, sizeof(off));
		ctl_status_add(st, "io", "%s, coalesce-usecs %u, offloads %s", worker_io_name(d->sh.io),
			       d->c->coalesce_usecs, off);
	}
	daemon_services_status(d, st);
	pthread_mutex_unlock(&d->lock);
}

static void view_stats(void *opaque, struct stats *sum)
{
	struct stats *each[TUN_QUEUES_MAX + SVC_MAX];
	struct daemon *d = opaque;

	ctl_stats_snapshot(sum, each, all_stats(d, each));
}

static void view_config(void *opaque, FILE *f)
{
	struct daemon *d = opaque;

	pthread_mutex_lock(&d->lock);
	conf_print(f, d->c);
	pthread_mutex_unlock(&d->lock);
}

/* sessions, bib, pool4: each worker's tables read between two of its batches, under its lock, so the
 * worker waits at most for one table's iteration. */
static bool view_rows(void *opaque, const struct ctl_req *req, struct ctl_rows *out, char *err, size_t errlen)
{
	struct daemon *d = opaque;
	struct nat64_view nv;
	struct prefix6 pool6;
	enum conf_mode mode;

	pthread_mutex_lock(&d->lock);
	mode = d->c->mode;
	pool6 = d->c->xlat.pool6;
	pthread_mutex_unlock(&d->lock);
	if (mode != CONF_MODE_NAT64)
		return ctl_fail(err, errlen, "%s is only in nat64 mode (this daemon runs %s)", ctl_cmd_name(req->cmd),
				conf_mode_name(mode));
	nat64_view_init(&nv, req->cmd, &pool6, worker_now(), out);
	for (unsigned i = 0; i < d->n; i++) {
		bool more;

		pthread_mutex_lock(&d->w[i]->lock);
		more = nat64_view_add(&nv, d->w[i]->nat.db);
		pthread_mutex_unlock(&d->w[i]->lock);
		if (!more)
			break;
	}
	return nat64_view_finish(&nv, err, errlen);
}

static bool view_reload(void *opaque, FILE *f, char *err, size_t errlen)
{
	struct daemon *d = opaque;

	if (!daemon_reload(d, err, errlen))
		return false;
	fprintf(f, "reloaded %s\n", d->path);
	return true;
}

const struct ctl_ops daemon_ctl_ops = {
	.status = view_status, .stats = view_stats, .config = view_config, .rows = view_rows,
	.reload = view_reload,
};

void daemon_print_counters(struct daemon *d)
{
	struct stats *each[TUN_QUEUES_MAX + SVC_MAX], sum;
	bool any = false;

	ctl_stats_snapshot(&sum, each, all_stats(d, each));
	for (int id = 0; id < STAT_MAX; id++) {
		if (!sum.c[id])
			continue;
		if (!any)
			fprintf(stderr, "xlat64: counters:\n");
		any = true;
		fprintf(stderr, "xlat64:   %-20s %llu\n", stats_name((enum stat_id)id), (unsigned long long)sum.c[id]);
	}
	if (!any)
		fprintf(stderr, "xlat64: nothing counted\n");
}
