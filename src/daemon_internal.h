/*
 * What the parts of the daemon share: daemon.c (start, signals, stop), daemon_view.c (what the control
 * socket shows) and daemon_reload.c (a new configuration while running).
 *
 * Locking: d->lock guards d->c and the services. The workers never take it; each worker reads its
 * translator settings through its own w->nat.xlat.conf, which is only replaced under the worker's lock
 * (worker.h: held while it handles a batch).
 */
#ifndef XLAT64_DAEMON_INTERNAL_H
#define XLAT64_DAEMON_INTERNAL_H

#include <pthread.h>

#include "conf.h"
#include "ctl.h"
#include "daemon.h"
#include "ra_send.h"
#include "stats.h"
#include "tun.h"
#include "worker.h"

/* The services beside the translator, each with counters that outlive its restarts on reload. */
enum daemon_svc { SVC_DNS64, SVC_PREF64, SVC_CLAT, SVC_MAX };

struct daemon {
	const char *path;		/* the configuration file, read again on reload */
	struct conf *c;			/* in effect (malloc'd); replaced on reload */
	pthread_mutex_t lock;
	bool has_tun;			/* false in mode none */
	struct tun t;
	struct worker_shared sh;
	struct worker *w[TUN_QUEUES_MAX];
	unsigned n;			/* workers running */
	struct stats svc_stats[SVC_MAX];
	/* The services' handles (NULL when off). */
	struct ra_send *pref64;		/* PREF64 router advertisements (ra_send.c) */
	struct dns64_server *dns64;	/* DNS64 (dns64_server.c) */
	struct clat *clat;		/* mode clat: the host side of 464XLAT (clat.c) */
};

/* daemon.c: start the services the configuration asks for, stop them. Both under d->lock. */
bool daemon_services_start(struct daemon *d, const struct conf *c);
void daemon_services_stop(struct daemon *d);
/* Reload: each service takes the new configuration (a restart where nothing better is needed). */
bool daemon_services_reload(struct daemon *d, struct conf *next, char *err, size_t errlen);
/* A status line per running service. */
void daemon_services_status(struct daemon *d, struct ctl_status *st);

/* daemon_view.c: the control socket's callbacks (opaque = struct daemon) and the counters at exit. */
extern const struct ctl_ops daemon_ctl_ops;
void daemon_print_counters(struct daemon *d);

/* daemon_reload.c: switch every worker to next (which d then owns) and free the old configuration. */
void daemon_swap(struct daemon *d, struct conf *next);

#endif
