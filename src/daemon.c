/*
 * One worker thread per TUN queue (worker.c). A worker owns its queue, buffers, counters and translation
 * context, and shares nothing writable with the others, so the packet path takes no lock. The main thread
 * only waits for signals (signalfd) or a worker failure, then stops the workers and prints the summed
 * counters. The control socket (ctl.h) answers on a thread of its own meanwhile; SIGHUP or `xlat64 reload`
 * applies a new configuration (daemon_reload.c). The services (DNS64, PREF64 router advertisements) run
 * beside the workers on threads of their own, or alone in mode none, which has no TUN at all.
 *
 * Mode nat64 (RFC 6146) keeps its tables per worker: each owns a slice of pool4's ports and the IPv6 flows
 * that hash to it (nat64_owner()). An eBPF program on the TUN (tun_steer.c) makes the kernel put every
 * packet on its owner's queue; where the kernel will not load it, it picks queues by its own flow hash,
 * and a worker hands a packet whose state another holds to that one's tables (worker_nat64.c). Either way
 * the start log says which. Its pool4 is routed into the TUN like pool6, and with `masquerade` an
 * nftables table (nft.c) NATs pool4 behind the host's own address on the way out.
 *
 * A worker sleeps in the kernel (io_uring_enter(), or a blocking read() without io_uring) until a datagram
 * arrives: no poll() or eventfd on the packet path. To stop it, the main thread sets `stop` and sends the
 * worker WAKE_SIGNAL, whose handler does nothing but is installed without SA_RESTART, so the wait fails
 * with EINTR and the worker sees the flag. The signal can land just before the worker enters the kernel;
 * the main thread therefore repeats it until the worker has exited.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <pthread.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "clat.h"
#include "daemon_internal.h"
#include "dns64_server.h"
#include "netlink.h"
#include "nft.h"
#include "sysctl.h"
#include "tun_steer.h"

#define WAKE_SIGNAL SIGRTMIN	/* glibc's SIGRTMIN already skips the signals it uses itself */
#define WAKE_EVERY_MS 20

/* Wake the worker out of its wait until it has seen `stop` and exited (see the top of this file). */
static void worker_stop(struct worker *w)
{
	for (;;) {
		struct timespec until;
		int e = pthread_kill(w->thread, WAKE_SIGNAL);

		if (e) {
			fprintf(stderr, "xlat64: waking worker %u: %s\n", w->id, strerror(e));
			pthread_join(w->thread, NULL);
			return;
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += WAKE_EVERY_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (pthread_timedjoin_np(w->thread, NULL, &until) == 0)
			return;
	}
}

static void on_wake(int sig)
{
	(void)sig;
}

static unsigned queue_count(const struct conf *c)
{
	cpu_set_t set;
	long n = c->queues;

	/* One per CPU this process may run on (cpusets, taskset), which can be fewer than are online. */
	if (n == 0)
		n = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n > TUN_QUEUES_MAX ? TUN_QUEUES_MAX : (unsigned)n;
}

/* ", pool4 A, B (masqueraded), N static BIB entries" */
static void print_nat64(const struct conf *c)
{
	char p[INET_ADDRSTRLEN + 4], last[INET_ADDRSTRLEN + 4] = "";

	fprintf(stderr, ", pool4");
	/* A line without protocol makes three rows in a row, one per protocol: name the prefix once. */
	for (unsigned i = 0; i < c->n_pool4; i++) {
		prefix4_fmt(&c->pool4[i].pfx, p, sizeof(p));
		if (strcmp(p, last))
			fprintf(stderr, "%s %s", last[0] ? "," : "", p);
		strcpy(last, p);
	}
	fprintf(stderr, "%s, %u static BIB entr%s", c->masquerade ? " (masqueraded)" : "", c->n_bib,
		c->n_bib == 1 ? "y" : "ies");
}

static void print_start(const struct conf *c, const struct tun *t, const struct worker_shared *sh)
{
	char p[INET6_ADDRSTRLEN + 8] = "none", off[48];
	bool nat64 = c->mode == CONF_MODE_NAT64;

	if (c->xlat.has_pool6)
		prefix6_fmt(&c->xlat.pool6, p, sizeof(p));
	tun_offloads_fmt(t->offloads, off, sizeof(off));
	fprintf(stderr, "xlat64: %s on %s: %u queue%s, mtu %u, offloads %s, io %s, pool6 %s", conf_mode_name(c->mode),
		t->name, t->n, t->n == 1 ? "" : "s", (unsigned)c->tun_mtu, off,
		worker_io_name(sh->io), p);
	if (nat64)
		print_nat64(c);
	else if (c->mode != CONF_MODE_CLAT)	/* the CLAT logs its own mapping (clat.c) */
		fprintf(stderr, ", %u EAMT entr%s", c->xlat.eamt.n, c->xlat.eamt.n == 1 ? "y" : "ies");
	fputc('\n', stderr);
}

/* Mode nat64: the kernel delivers a packet for one of its own addresses locally, so a pool4 that holds one
 * would never see its return traffic in the TUN. False after saying so. */
static bool pool4_not_local(const struct conf *c)
{
	struct ifaddrs *all, *a;
	char p[INET_ADDRSTRLEN + 4], h[INET_ADDRSTRLEN];
	bool ok = true;

	if (getifaddrs(&all) < 0) {
		fprintf(stderr, "xlat64: listing the host's addresses: %s\n", strerror(errno));
		return false;
	}
	for (a = all; a && ok; a = a->ifa_next) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)a->ifa_addr;

		if (!s || s->sin_family != AF_INET)
			continue;
		for (unsigned i = 0; i < c->n_pool4 && ok; i++) {
			if (!prefix4_contains(&c->pool4[i].pfx, &s->sin_addr))
				continue;
			fprintf(stderr, "xlat64: pool4 %s holds %s, an address of this host (%s): the kernel keeps "
				"its return traffic instead of routing it into %s, and a TUN translator cannot share "
				"the host's address. Give pool4 addresses of its own, or leave pool4 out (the default "
				"private pool4 is masqueraded behind the host's address)\n",
				prefix4_fmt(&c->pool4[i].pfx, p, sizeof(p)),
				inet_ntop(AF_INET, &s->sin_addr, h, sizeof(h)), a->ifa_name, c->device);
			ok = false;
		}
	}
	freeifaddrs(all);
	for (unsigned i = 0; i < c->n_pool4 && ok && c->xlat.has_own4; i++) {
		if (prefix4_contains(&c->pool4[i].pfx, &c->xlat.own4)) {
			fprintf(stderr, "xlat64: address4 %s is inside pool4 %s: it goes on %s as a local address, "
				"so the kernel would keep pool4's return traffic for itself\n",
				inet_ntop(AF_INET, &c->xlat.own4, h, sizeof(h)),
				prefix4_fmt(&c->pool4[i].pfx, p, sizeof(p)), c->device);
			ok = false;
		}
	}
	return ok;
}

/* Translated packets leave through the kernel's forwarding path: say so when it is off. The admin decides;
 * xlat64 does not change sysctls behind their back. */
static void check_forwarding(void)
{
	static const char *const knob[][2] = {
		{ "/proc/sys/net/ipv6/conf/all/forwarding", "net.ipv6.conf.all.forwarding" },
		{ "/proc/sys/net/ipv4/ip_forward", "net.ipv4.ip_forward" },
	};

	for (size_t i = 0; i < sizeof(knob) / sizeof(knob[0]); i++)
		if (sysctl_get(knob[i][0]) == 0)
			fprintf(stderr, "xlat64: warning: %s is 0: the kernel will not forward translated packets "
				"between the TUN and other interfaces (sysctl -w %s=1)\n", knob[i][1], knob[i][1]);
}

/* How the workers read: the best this kernel offers, or what XLAT64_IO asks for (xlat64(8), ENVIRONMENT:
 * to compare, or to avoid a kernel's io_uring). False after saying why. */
static bool io_choose(enum worker_io *io)
{
	const char *want = getenv("XLAT64_IO");

	*io = WORKER_IO_MULTISHOT;
	if (want && *want && !worker_io_parse(want, io)) {
		fprintf(stderr, "xlat64: XLAT64_IO=%s: unknown; one of multishot, reads, blocking\n", want);
		return false;
	}
	*io = worker_io_probe(*io);
	return true;
}

/* Mode nat64: worker id's tables (of n), with pool4 and the static BIB entries of the configuration. NULL
 * after saying why. */
static struct nat64 *nat64_load(const struct conf *c, unsigned id, unsigned n, const uint8_t secret[16])
{
	struct nat64 *db = nat64_new(&c->nat64, id, n, secret);
	char a[INET6_ADDRSTRLEN + 8], b[CONF_BIB_LEN];
	const char *why;

	if (!db) {
		fprintf(stderr, "xlat64: out of memory for the NAT64 tables of worker %u\n", id);
		return NULL;
	}
	for (unsigned i = 0; i < c->n_pool4; i++) {
		const struct conf_pool4 *p = &c->pool4[i];

		if (!nat64_pool4_add(db, p->proto, &p->pfx, p->lo, p->hi, &why)) {
			fprintf(stderr, "xlat64: pool4 %s %u-%u %s: %s\n", prefix4_fmt(&p->pfx, a, sizeof(a)),
				(unsigned)p->lo, (unsigned)p->hi, nat64_proto_name(p->proto), why);
			goto fail;
		}
	}
	for (unsigned i = 0; i < c->n_bib; i++) {
		const struct conf_bib *e = &c->bib[i];

		if (!nat64_static_add(db, e->proto, &e->a6, e->p6, e->a4, e->p4, &why)) {
			fprintf(stderr, "xlat64: bib %s: %s\n", conf_bib_fmt(e, b, sizeof(b)), why);
			goto fail;
		}
	}
	return db;
fail:
	nat64_free(db);
	return NULL;
}

/* Block until SIGTERM/SIGINT (returns true) or a worker failure (false). SIGHUP reloads. */
static bool wait_for_stop(struct daemon *d, int sig_fd)
{
	struct pollfd pfd[2] = { { .fd = sig_fd, .events = POLLIN }, { .fd = d->sh.fail_fd, .events = POLLIN } };

	for (;;) {
		struct signalfd_siginfo si;
		char err[512];

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "xlat64: poll: %s\n", strerror(errno));
			return false;
		}
		if (pfd[1].revents)
			return false;
		if (read(sig_fd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGHUP) {
			fprintf(stderr, "xlat64: SIG%s: stopping\n", sigabbrev_np((int)si.ssi_signo));
			return true;
		}
		if (daemon_reload(d, err, sizeof(err)))
			fprintf(stderr, "xlat64: SIGHUP: reloaded %s\n", d->path);
		else
			fprintf(stderr, "xlat64: SIGHUP: %s\n", err);
	}
}

/* Services beside the translator: started after the workers, stopped before them, under d->lock. */
bool daemon_services_start(struct daemon *d, const struct conf *c)
{
	char err[256];

	/* PREF64 router advertisements (ra_send.c). */
	if (c->n_pref64_if && !(d->pref64 = ra_send_start(c, &d->svc_stats[SVC_PREF64], err, sizeof(err)))) {
		fprintf(stderr, "xlat64: %s\n", err);
		return false;
	}
	/* DNS64 (dns64_server.c): after the translator, whose prefix it hands out, is up. */
	if (c->n_dns64_listen && !(d->dns64 = dns64_server_start(c, &d->svc_stats[SVC_DNS64], err, sizeof(err)))) {
		fprintf(stderr, "xlat64: %s\n", err);
		daemon_services_stop(d);
		return false;
	}
	/* CLAT (clat.c): the host around the TUN, and the prefix discovery that feeds the workers. */
	if (c->mode == CONF_MODE_CLAT &&
	    !(d->clat = clat_start(d, c, d->t.ifindex, &d->svc_stats[SVC_CLAT], err, sizeof(err)))) {
		fprintf(stderr, "xlat64: %s\n", err);
		daemon_services_stop(d);
		return false;
	}
	return true;
}

void daemon_services_stop(struct daemon *d)
{
	/* Everything the CLAT changed on the host is restored. */
	clat_stop(d->clat);
	d->clat = NULL;
	dns64_server_stop(d->dns64);
	d->dns64 = NULL;
	/* The last advertisements withdraw the prefix (lifetime 0). */
	ra_send_stop(d->pref64);
	d->pref64 = NULL;
}

bool daemon_services_reload(struct daemon *d, struct conf *next, char *err, size_t errlen)
{
	/* DNS64: restarted (cache emptied) only when its settings or pool6 changed; its sockets are released
	 * before the new ones bind the same addresses. */
	if (!dns64_server_same(d->c, next)) {
		char old_err[256];

		dns64_server_stop(d->dns64);
		d->dns64 = NULL;
		if (next->n_dns64_listen && !(d->dns64 = dns64_server_start(next, &d->svc_stats[SVC_DNS64], err, errlen))) {
			/* The reload fails as a whole: the old DNS64 comes back (its cache is lost). */
			if (d->c->n_dns64_listen &&
			    !(d->dns64 = dns64_server_start(d->c, &d->svc_stats[SVC_DNS64], old_err, sizeof(old_err))))
				fprintf(stderr, "xlat64: restarting the previous DNS64: %s\n", old_err);
			return false;
		}
	}
	/* PREF64: a changed prefix is withdrawn (lifetime 0) and the new one announced at once. */
	if (!ra_send_same(d->c, next)) {
		ra_send_stop(d->pref64);
		d->pref64 = NULL;
		if (next->n_pref64_if && !(d->pref64 = ra_send_start(next, &d->svc_stats[SVC_PREF64], err, errlen))) {
			char old_err[256];

			/* The reload fails as a whole: the old advertisements come back. */
			if (d->c->n_pref64_if &&
			    !(d->pref64 = ra_send_start(d->c, &d->svc_stats[SVC_PREF64], old_err, sizeof(old_err))))
				fprintf(stderr, "xlat64: restarting the previous PREF64 sender: %s\n", old_err);
			return false;
		}
	}
	/* CLAT, last (nothing after it may fail): next keeps the discovered prefix. */
	if (d->clat)
		clat_reload(d->clat, next);
	return true;
}

void daemon_services_status(struct daemon *d, struct ctl_status *st)
{
	if (d->dns64)
		dns64_server_status(d->dns64, st);
	if (d->pref64)
		ra_send_status(d->pref64, st);
	if (d->clat)
		clat_status(d->clat, st);
}

/* Mode nat64 with several queues: the kernel steers packets to their owners, or the workers hand them over
 * (worker_nat64.c). Either way it works; say which. */
static void steer_nat64(const struct tun *t)
{
	char err[256];

	if (tun_steer_nat64(t, err, sizeof(err)))
		fprintf(stderr, "xlat64: nat64: eBPF steering: each packet goes to the queue of the worker that "
			"holds its state\n");
	else
		fprintf(stderr, "xlat64: nat64: no eBPF steering (%s): the kernel picks queues by flow hash and "
			"workers hand packets to the one that holds their state (counted as NAT64_FOREIGN; "
			"`queues 1` avoids that)\n", err);
}

/* The workers, one per queue. False after saying why; those started are then in d->w[0..d->n). */
static bool start_workers(struct daemon *d)
{
	const struct conf *c = d->c;
	bool nat64 = c->mode == CONF_MODE_NAT64;
	unsigned made = 0, k;
	uint8_t secret[16];

	/* Keys the NAT64 table hashes and RFC 6056 port choice: unpredictable per run (RFC 6056 §3.3.3),
	 * the same for all workers. */
	if (nat64 && getrandom(secret, sizeof(secret), 0) != sizeof(secret)) {
		fprintf(stderr, "xlat64: getrandom: %s\n", strerror(errno));
		return false;
	}
	for (; made < d->t.n; made++) {
		struct nat64 *db = NULL;

		if (nat64 && !(db = nat64_load(c, made, d->t.n, secret)))
			break;
		d->w[made] = worker_new(c, &d->sh, made, d->t.fd[made], db);
		if (!d->w[made]) {
			fprintf(stderr, "xlat64: out of memory for worker %u\n", made);
			break;
		}
	}
	/* All made before any starts: a NAT64 worker may use any other's tables (sh.peers). */
	d->sh.peers = d->w;
	for (; made == d->t.n && d->n < made; d->n++) {
		int e = pthread_create(&d->w[d->n]->thread, NULL, worker_main, d->w[d->n]);

		if (e) {
			fprintf(stderr, "xlat64: starting worker %u: %s\n", d->n, strerror(e));
			break;
		}
	}
	if (d->n == d->t.n)
		return true;
	/* The ones started may be using the others' tables: stop them before freeing any. */
	atomic_store(&d->sh.stop, true);
	for (k = 0; k < d->n; k++)
		worker_stop(d->w[k]);
	for (k = 0; k < made; k++)
		worker_free(d->w[k]);
	d->n = 0;
	return false;
}

/* Start the workers, the services and the control socket, wait, stop them. Returns the exit status. */
static int run(struct daemon *d, int sig_fd)
{
	struct ctl *ctl = NULL;
	bool services = false;
	char err[256];
	int status = 1;

	if (d->has_tun && !start_workers(d))
		goto out;
	/* d->c only under the lock from here on: the CLAT's thread swaps it when the prefix changes. */
	pthread_mutex_lock(&d->lock);
	services = daemon_services_start(d, d->c);
	if (services)
		ctl = ctl_start(d->c->socket, &daemon_ctl_ops, d, err, sizeof(err));
	if (ctl && d->has_tun)
		print_start(d->c, &d->t, &d->sh);
	else if (ctl)
		fprintf(stderr, "xlat64: mode none: services only, no translator\n");
	pthread_mutex_unlock(&d->lock);
	if (!services)
		goto out;
	if (!ctl) {
		fprintf(stderr, "xlat64: %s\n", err);
		goto out;
	}
	status = wait_for_stop(d, sig_fd) ? 0 : 1;
out:
	ctl_stop(ctl);
	if (services) {
		pthread_mutex_lock(&d->lock);
		daemon_services_stop(d);
		pthread_mutex_unlock(&d->lock);
	}
	atomic_store(&d->sh.stop, true);
	for (unsigned i = 0; i < d->n; i++)
		worker_stop(d->w[i]);
	daemon_print_counters(d);
	for (unsigned i = 0; i < d->n; i++)
		worker_free(d->w[i]);
	return status;
}

/* The translator's TUN device, set up for c; then run(). */
static int run_tun(struct daemon *d, int sig_fd)
{
	const struct conf *c = d->c;
	bool masquerade = c->mode == CONF_MODE_NAT64 && c->masquerade;
	char err[256];
	int status = 1;

	if (c->mode == CONF_MODE_NAT64 && !pool4_not_local(c))
		return 1;
	/* Mode clat sets the sysctls it needs itself, and restores them (clat_host.c). */
	if (c->mode != CONF_MODE_CLAT)
		check_forwarding();
	if (!io_choose(&d->sh.io))
		return 1;
	if (!tun_open(&d->t, c->device, queue_count(c), true, err, sizeof(err))) {
		fprintf(stderr, "xlat64: %s\n", err);
		return 1;
	}
	d->has_tun = true;
	if (c->mode == CONF_MODE_NAT64 && d->t.n > 1)
		steer_nat64(&d->t);
	/* Mode clat: the CLAT configures the device itself (clat_host.c), when its service starts. */
	if (c->mode != CONF_MODE_CLAT && !netlink_setup(c, d->t.name, d->t.ifindex, err, sizeof(err)))
		fprintf(stderr, "xlat64: %s\n", err);
	else if (masquerade && !nft_masquerade_add(d->t.name, c->pool4, c->n_pool4, err, sizeof(err)))
		fprintf(stderr, "xlat64: masquerading pool4: %s\n", err);
	else
		status = run(d, sig_fd);
	/* nft_masquerade_add() replaces the table atomically: whether or not it succeeded, none of ours
	 * may stay behind. */
	if (masquerade)
		nft_masquerade_del(d->t.name);
	/* Closing the last queue deletes the device, and with it its addresses and routes. */
	tun_close(&d->t);
	return status;
}

int daemon_run(const char *path, const struct conf *c)
{
	struct daemon d = { .path = path, .sh.fail_fd = -1 };
	struct sigaction wake = { .sa_handler = on_wake };	/* no SA_RESTART: read() must return EINTR */
	sigset_t sigs;
	int sig_fd, status = 1;

	d.c = malloc(sizeof(*d.c));
	if (!d.c) {
		fprintf(stderr, "xlat64: out of memory\n");
		return 1;
	}
	*d.c = *c;
	pthread_mutex_init(&d.lock, NULL);
	/* Blocked here, before any thread exists, so every worker inherits the mask and only the signalfd
	 * ever sees these signals. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	d.sh.fail_fd = eventfd(0, EFD_CLOEXEC);
	atomic_init(&d.sh.stop, false);
	if (sig_fd < 0 || d.sh.fail_fd < 0) {
		fprintf(stderr, "xlat64: creating signalfd/eventfd: %s\n", strerror(errno));
		goto out;
	}
	sigemptyset(&wake.sa_mask);
	if (sigaction(WAKE_SIGNAL, &wake, NULL) < 0) {
		fprintf(stderr, "xlat64: installing the wake-up signal handler: %s\n", strerror(errno));
		goto out;
	}
	status = c->mode == CONF_MODE_NONE ? run(&d, sig_fd) : run_tun(&d, sig_fd);
out:
	if (sig_fd >= 0)
		close(sig_fd);
	if (d.sh.fail_fd >= 0)
		close(d.sh.fail_fd);
	pthread_mutex_destroy(&d.lock);
	free(d.c);
	return status;
}
