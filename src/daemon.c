/*
 * One worker thread per TUN queue (worker.c). A worker owns its queue, buffers, counters and translation
 * context, and shares nothing writable with the others, so the packet path takes no lock. The main thread
 * only waits for signals (signalfd) or a worker failure, then stops the workers and prints the summed
 * counters. The control socket (ctl.h) answers on a thread of its own meanwhile; SIGHUP or `xlat64 reload`
 * applies a new configuration (daemon_reload.c). The services (DNS64, PREF64 router advertisements) run
 * beside the workers on threads of their own, or alone in mode none, which has no TUN at all.
 *
 * Mode nat64 (RFC 6146) keeps its tables per worker, and the kernel picks a TUN queue by its own flow hash,
 * which does not follow nat64_steer(): the return traffic of a binding could reach a worker that does not
 * hold it. So nat64 runs one queue and one worker. Its pool4 is routed into the TUN like pool6, and with
 * `masquerade` an nftables table (nft.c) NATs pool4 behind the host's own address on the way out.
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

#include "daemon_internal.h"
#include "netlink.h"
#include "nft.h"
#include "uring.h"

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

	if (c->mode == CONF_MODE_NAT64) {
		if (n != 1)
			fprintf(stderr, "xlat64: nat64: 1 worker (per-worker state needs steering)\n");
		return 1;
	}

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
	fprintf(stderr, "xlat64: %s on %s: %u queue%s, mtu %u, offloads %s, %s, pool6 %s", nat64 ? "nat64" : "siit",
		t->name, t->n, t->n == 1 ? "" : "s", (unsigned)c->tun_mtu, off,
		sh->uring ? "io_uring batches" : "read/write", p);
	if (nat64)
		print_nat64(c);
	else
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

	for (size_t i = 0; i < sizeof(knob) / sizeof(knob[0]); i++) {
		FILE *f = fopen(knob[i][0], "r");
		int ch = f ? fgetc(f) : EOF;

		if (f)
			fclose(f);
		if (ch == '0')
			fprintf(stderr, "xlat64: warning: %s is 0: the kernel will not forward translated packets "
				"between the TUN and other interfaces (sysctl -w %s=1)\n", knob[i][1], knob[i][1]);
	}
}

/* Whether this kernel lets us batch with io_uring; each worker makes its own ring later. */
static bool uring_works(void)
{
	struct uring r;

	if (!uring_init(&r, 2)) {
		fprintf(stderr, "xlat64: io_uring unavailable (%s): one read and one write per datagram\n",
			strerror(errno));
		return false;
	}
	uring_free(&r);
	return true;
}

/* Mode nat64: worker id's tables (of n), with pool4 and the static BIB entries of the configuration. NULL
 * after saying why. */
static struct nat64 *nat64_load(const struct conf *c, unsigned id, unsigned n, const uint8_t secret[16])
{
	struct nat64 *db = nat64_new(&c->nat64, id, n, secret);
	char a[INET6_ADDRSTRLEN + 8], b[INET6_ADDRSTRLEN];
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
			fprintf(stderr, "xlat64: bib %s %s#%u %s#%u: %s\n", nat64_proto_name(e->proto),
				inet_ntop(AF_INET, &e->a4, a, sizeof(a)), (unsigned)e->p4,
				inet_ntop(AF_INET6, &e->a6, b, sizeof(b)), (unsigned)e->p6, why);
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
	(void)d;
	(void)c;
	return true;
}

void daemon_services_stop(struct daemon *d)
{
	(void)d;
}

bool daemon_services_reload(struct daemon *d, const struct conf *next, char *err, size_t errlen)
{
	(void)d;
	(void)next;
	(void)err;
	(void)errlen;
	return true;
}

void daemon_services_status(struct daemon *d, struct ctl_status *st)
{
	(void)d;
	(void)st;
}

/* The workers, one per queue. False after saying why; those started are then in d->w[0..d->n). */
static bool start_workers(struct daemon *d)
{
	const struct conf *c = d->c;
	bool nat64 = c->mode == CONF_MODE_NAT64;
	uint8_t secret[16];

	/* Keys the NAT64 table hashes and RFC 6056 port choice: unpredictable per run (RFC 6056 §3.3.3),
	 * the same for all workers. */
	if (nat64 && getrandom(secret, sizeof(secret), 0) != sizeof(secret)) {
		fprintf(stderr, "xlat64: getrandom: %s\n", strerror(errno));
		return false;
	}
	for (; d->n < d->t.n; d->n++) {
		struct nat64 *db = NULL;
		struct worker *w;
		int e;

		if (nat64 && !(db = nat64_load(c, d->n, d->t.n, secret)))
			return false;
		w = worker_new(c, &d->sh, d->n, d->t.fd[d->n], db);
		if (!w) {
			fprintf(stderr, "xlat64: out of memory for worker %u\n", d->n);
			return false;
		}
		e = pthread_create(&w->thread, NULL, worker_main, w);
		if (e) {
			fprintf(stderr, "xlat64: starting worker %u: %s\n", d->n, strerror(e));
			worker_free(w);
			return false;
		}
		d->w[d->n] = w;
	}
	return true;
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
	pthread_mutex_lock(&d->lock);
	services = daemon_services_start(d, d->c);
	pthread_mutex_unlock(&d->lock);
	if (!services)
		goto out;
	ctl = ctl_start(d->c->socket, &daemon_ctl_ops, d, err, sizeof(err));
	if (!ctl) {
		fprintf(stderr, "xlat64: %s\n", err);
		goto out;
	}
	if (d->has_tun)
		print_start(d->c, &d->t, &d->sh);
	else
		fprintf(stderr, "xlat64: mode none: services only, no translator\n");
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
	check_forwarding();
	d->sh.uring = uring_works();
	if (!tun_open(&d->t, c->device, queue_count(c), true, err, sizeof(err))) {
		fprintf(stderr, "xlat64: %s\n", err);
		return 1;
	}
	d->has_tun = true;
	if (!netlink_setup(c, d->t.name, d->t.ifindex, err, sizeof(err)))
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
