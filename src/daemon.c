/*
 * One worker thread per TUN queue (worker.c). A worker owns its queue, buffers, counters and translation
 * context, and shares nothing writable with the others, so the packet path takes no lock. The main thread
 * only waits for signals (signalfd) or a worker failure, then stops the workers and prints the summed
 * counters.
 *
 * A worker sleeps in the kernel (io_uring_enter(), or a blocking read() without io_uring) until a datagram
 * arrives: no poll() or eventfd on the packet path. To stop it, the main thread sets `stop` and sends the
 * worker WAKE_SIGNAL, whose handler does nothing but is installed without SA_RESTART, so the wait fails
 * with EINTR and the worker sees the flag. The signal can land just before the worker enters the kernel;
 * the main thread therefore repeats it until the worker has exited.
 */
#include <errno.h>
#include <pthread.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "netlink.h"
#include "stats.h"
#include "tun.h"
#include "uring.h"
#include "worker.h"

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

static void print_start(const struct conf *c, const struct tun *t, const struct worker_shared *sh)
{
	char p[INET6_ADDRSTRLEN + 8] = "none", off[48];

	if (c->xlat.has_pool6)
		prefix6_fmt(&c->xlat.pool6, p, sizeof(p));
	tun_offloads_fmt(t->offloads, off, sizeof(off));
	fprintf(stderr, "xlat64: siit on %s: %u queue%s, mtu %u, offloads %s, %s, pool6 %s, %u EAMT entr%s\n",
		t->name, t->n, t->n == 1 ? "" : "s", (unsigned)c->tun_mtu, off,
		sh->uring ? "io_uring batches" : "read/write", p, c->xlat.eamt.n, c->xlat.eamt.n == 1 ? "y" : "ies");
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

static void print_counters(struct worker **w, unsigned n)
{
	struct stats sum;
	bool any = false;

	memset(&sum, 0, sizeof(sum));
	for (unsigned i = 0; i < n; i++)
		stats_sum(&sum, &w[i]->stats);
	for (int id = 0; id < STAT_MAX; id++) {
		if (!sum.c[id])
			continue;
		if (!any)
			fprintf(stderr, "xlat64: counters:\n");
		any = true;
		fprintf(stderr, "xlat64:   %-20s %llu\n", stats_name((enum stat_id)id), (unsigned long long)sum.c[id]);
	}
	if (!any)
		fprintf(stderr, "xlat64: no packets seen\n");
}

/* Block until SIGTERM/SIGINT (returns true) or a worker failure (false). SIGHUP is only acknowledged. */
static bool wait_for_stop(int sig_fd, int fail_fd)
{
	struct pollfd pfd[2] = { { .fd = sig_fd, .events = POLLIN }, { .fd = fail_fd, .events = POLLIN } };

	for (;;) {
		struct signalfd_siginfo si;

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
		if (si.ssi_signo == SIGHUP) {
			fprintf(stderr, "xlat64: SIGHUP: reloading is not supported yet; restart to apply changes\n");
			continue;
		}
		fprintf(stderr, "xlat64: SIG%s: stopping\n", sigabbrev_np((int)si.ssi_signo));
		return true;
	}
}

/* Start the workers, wait, stop them. Returns the exit status. */
static int run_workers(const struct conf *c, const struct tun *t, struct worker_shared *sh, int sig_fd)
{
	struct worker *w[TUN_QUEUES_MAX];
	unsigned n = 0;
	int status = 1;

	for (; n < t->n; n++) {
		int e;

		w[n] = worker_new(c, sh, n, t->fd[n]);
		if (!w[n]) {
			fprintf(stderr, "xlat64: out of memory for worker %u\n", n);
			break;
		}
		e = pthread_create(&w[n]->thread, NULL, worker_main, w[n]);
		if (e) {
			fprintf(stderr, "xlat64: starting worker %u: %s\n", n, strerror(e));
			worker_free(w[n]);
			break;
		}
	}
	if (n == t->n) {
		print_start(c, t, sh);
		status = wait_for_stop(sig_fd, sh->fail_fd) ? 0 : 1;
	}
	atomic_store(&sh->stop, true);
	for (unsigned i = 0; i < n; i++)
		worker_stop(w[i]);
	print_counters(w, n);
	for (unsigned i = 0; i < n; i++)
		worker_free(w[i]);
	return status;
}

int daemon_run(const struct conf *c)
{
	struct worker_shared sh = { .fail_fd = -1 };
	struct sigaction wake = { .sa_handler = on_wake };	/* no SA_RESTART: read() must return EINTR */
	struct tun t;
	sigset_t sigs;
	char err[256];
	int sig_fd, status = 1;

	/* Blocked here, before any thread exists, so every worker inherits the mask and only the signalfd
	 * ever sees these signals. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	sh.fail_fd = eventfd(0, EFD_CLOEXEC);
	atomic_init(&sh.stop, false);
	if (sig_fd < 0 || sh.fail_fd < 0) {
		fprintf(stderr, "xlat64: creating signalfd/eventfd: %s\n", strerror(errno));
		goto out;
	}
	sigemptyset(&wake.sa_mask);
	if (sigaction(WAKE_SIGNAL, &wake, NULL) < 0) {
		fprintf(stderr, "xlat64: installing the wake-up signal handler: %s\n", strerror(errno));
		goto out;
	}
	sh.uring = uring_works();
	if (!tun_open(&t, c->device, queue_count(c), true, err, sizeof(err))) {
		fprintf(stderr, "xlat64: %s\n", err);
		goto out;
	}
	if (netlink_setup(c, t.name, t.ifindex, err, sizeof(err)))
		status = run_workers(c, &t, &sh, sig_fd);
	else
		fprintf(stderr, "xlat64: %s\n", err);
	/* Closing the last queue deletes the device, and with it its addresses and routes. */
	tun_close(&t);
out:
	if (sig_fd >= 0)
		close(sig_fd);
	if (sh.fail_fd >= 0)
		close(sh.fail_fd);
	return status;
}
