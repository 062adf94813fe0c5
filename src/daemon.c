/*
 * One worker thread per TUN queue. A worker owns its queue, buffers, counters and translation context, and
 * shares nothing writable with the others, so the packet path takes no lock. The main thread only waits for
 * signals (signalfd) or a worker failure, then stops the workers and prints the summed counters.
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
#include <sys/random.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "netlink.h"
#include "stats.h"
#include "tun.h"
#include "xlat.h"

struct shared {
	atomic_bool stop;	/* checked between packets, so a busy worker stops too */
	int stop_fd;		/* eventfd: wakes workers sleeping in poll() */
	int fail_fd;		/* eventfd: a worker lost its queue; wakes the main thread */
};

struct worker {
	pthread_t thread;
	unsigned id;
	int fd;
	struct shared *sh;
	struct xlat_ctx ctx;
	struct stats stats;
	struct tun_buf buf;
	struct xlat_out out;
	bool write_logged;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Different per worker so that two workers never hand out the same IPv4 ID sequence. */
static uint64_t rng_seed(unsigned id)
{
	uint64_t s = 0;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != sizeof(s))
		s = now_ms() ^ ((uint64_t)getpid() << 32);
	s ^= (uint64_t)(id + 1) * 0x9e3779b97f4a7c15ull;
	return s ? s : 1;	/* xorshift never leaves 0 */
}

static void worker_fail(struct worker *w, const char *what)
{
	uint64_t one = 1;

	fprintf(stderr, "xlat64: queue %u: %s\n", w->id, what);
	if (write(w->sh->fail_fd, &one, sizeof(one)) < 0)
		fprintf(stderr, "xlat64: queue %u: cannot signal the main thread: %s\n", w->id, strerror(errno));
}

static void worker_packet(struct worker *w, uint32_t len)
{
	if (xlat_packet(&w->ctx, w->buf.pkt, len, &w->out) != XLAT_EMIT)
		return;
	/* Back into the queue it came from: the kernel routes the translated datagram like any other. */
	for (unsigned i = 0; i < w->out.n; i++) {
		if (tun_write(w->fd, w->out.pkt[i].data, w->out.pkt[i].len))
			continue;
		w->stats.c[STAT_DROP_TUN_WRITE]++;
		if (!w->write_logged)
			fprintf(stderr, "xlat64: queue %u: writing to the TUN device: %s "
				"(counted as %s; not logged again)\n",
				w->id, strerror(errno), stats_name(STAT_DROP_TUN_WRITE));
		w->write_logged = true;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pollfd pfd[2] = { { .fd = w->fd, .events = POLLIN }, { .fd = w->sh->stop_fd, .events = POLLIN } };
	char why[96];

	w->ctx.now = now_ms();
	while (!atomic_load_explicit(&w->sh->stop, memory_order_relaxed)) {
		ssize_t n = tun_read(w->fd, &w->buf);

		if (n >= 0) {
			worker_packet(w, (uint32_t)n);
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			snprintf(why, sizeof(why), "reading from the TUN device: %s", strerror(errno));
			worker_fail(w, why);
			break;
		}
		/* The queue is drained: sleep until more arrives or the main thread says stop. */
		if (poll(pfd, 2, -1) < 0 && errno != EINTR) {
			snprintf(why, sizeof(why), "poll: %s", strerror(errno));
			worker_fail(w, why);
			break;
		}
		if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			worker_fail(w, "the TUN device went away");
			break;
		}
		w->ctx.now = now_ms();
	}
	return NULL;
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

static struct worker *worker_new(const struct conf *c, struct shared *sh, unsigned id, int fd)
{
	struct worker *w;

	/* Separately allocated and cache-line aligned: no two workers' counters share a line. */
	if (posix_memalign((void **)&w, 64, sizeof(*w)) != 0)
		return NULL;
	memset(w, 0, sizeof(*w));
	w->id = id;
	w->fd = fd;
	w->sh = sh;
	w->ctx.conf = &c->xlat;
	w->ctx.stats = &w->stats;
	w->ctx.rng = rng_seed(id);
	w->ctx.scratch = malloc(XLAT_SCRATCH_SIZE);
	if (!w->ctx.scratch || !tun_buf_init(&w->buf)) {
		free(w->ctx.scratch);
		free(w);
		return NULL;
	}
	return w;
}

static void worker_free(struct worker *w)
{
	tun_buf_free(&w->buf);
	free(w->ctx.scratch);
	free(w);
}

static void print_start(const struct conf *c, const struct tun *t)
{
	char p[INET6_ADDRSTRLEN + 8] = "none";

	if (c->xlat.has_pool6)
		prefix6_fmt(&c->xlat.pool6, p, sizeof(p));
	fprintf(stderr, "xlat64: siit on %s: %u queue%s, mtu %u, pool6 %s, %u EAMT entr%s\n", t->name, t->n,
		t->n == 1 ? "" : "s", (unsigned)c->tun_mtu, p, c->xlat.eamt.n, c->xlat.eamt.n == 1 ? "y" : "ies");
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
static int run_workers(const struct conf *c, const struct tun *t, struct shared *sh, int sig_fd)
{
	struct worker *w[TUN_QUEUES_MAX];
	unsigned n = 0;
	int status = 1;
	uint64_t one = 1;

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
		print_start(c, t);
		status = wait_for_stop(sig_fd, sh->fail_fd) ? 0 : 1;
	}
	atomic_store(&sh->stop, true);
	if (write(sh->stop_fd, &one, sizeof(one)) < 0)
		fprintf(stderr, "xlat64: waking the workers: %s\n", strerror(errno));
	for (unsigned i = 0; i < n; i++)
		pthread_join(w[i]->thread, NULL);
	print_counters(w, n);
	for (unsigned i = 0; i < n; i++)
		worker_free(w[i]);
	return status;
}

int daemon_run(const struct conf *c)
{
	struct shared sh = { .stop_fd = -1, .fail_fd = -1 };
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
	sh.stop_fd = eventfd(0, EFD_CLOEXEC);
	sh.fail_fd = eventfd(0, EFD_CLOEXEC);
	atomic_init(&sh.stop, false);
	if (sig_fd < 0 || sh.stop_fd < 0 || sh.fail_fd < 0) {
		fprintf(stderr, "xlat64: creating signalfd/eventfd: %s\n", strerror(errno));
		goto out;
	}
	if (!tun_open(&t, c->device, queue_count(c), err, sizeof(err))) {
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
	if (sh.stop_fd >= 0)
		close(sh.stop_fd);
	if (sh.fail_fd >= 0)
		close(sh.fail_fd);
	return status;
}
