/*
 * The control socket's server side: one thread that accepts a connection, reads one request line, builds
 * the whole answer in memory (ctl_answer.c) and sends it. Building first means a daemon callback never
 * waits for a slow client, and the packet path never waits for this thread at all: the callbacks only read.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

#define CTL_BACKLOG 16

struct ctl {
	pthread_t thread;
	int lfd, stop_fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;		/* the socket file we made, so that stopping never removes another's */
	ino_t ino;
	const struct ctl_ops *ops;
	void *opaque;
	uint64_t started_ms;
	unsigned long long requests, errors;	/* only this server's thread touches them */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wait for fd (events) or the stop eventfd. 1 ready, 0 timed out, -1 stopping or failed. */
static int ctl_wait(struct ctl *c, int fd, short events, int timeout_ms)
{
	struct pollfd p[2] = { { .fd = fd, .events = events }, { .fd = c->stop_fd, .events = POLLIN } };
	int n;

	do
		n = poll(p, 2, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0 || p[1].revents)
		return -1;
	return n > 0;
}

/* Best effort: a client that stops reading for CTL_TIMEOUT_MS is dropped. */
static void ctl_send(struct ctl *c, int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k > 0) {
			p += k;
			n -= (size_t)k;
		} else if (k < 0 && errno == EINTR) {
			continue;
		} else if (k == 0 || errno != EAGAIN || ctl_wait(c, fd, POLLOUT, CTL_TIMEOUT_MS) <= 0) {
			return;
		}
	}
}

static void ctl_send_error(struct ctl *c, int fd, const char *msg)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "error: %s\n", msg);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	/* A callback's message is one line, whatever it holds. */
	for (int i = 0; i < n - 1; i++)
		if (line[i] < 0x20 || line[i] > 0x7e)
			line[i] = ' ';
	c->errors++;
	ctl_send(c, fd, line, (size_t)n);
}

/*
 * Read the request: up to a newline or the client's end of sending, all within CTL_TIMEOUT_MS of the
 * connection, so that a silent or trickling client cannot hold the server. At most CTL_LINE_MAX + 2
 * bytes are read: enough for ctl_parse() to tell a too long line. Returns the length, -1 on timeout,
 * -2 when stopping or the connection failed.
 */
static ssize_t ctl_read(struct ctl *c, int fd, char *buf, size_t cap)
{
	uint64_t deadline = now_ms() + CTL_TIMEOUT_MS;
	size_t n = 0;

	while (n < cap) {
		ssize_t k = recv(fd, buf + n, cap - n, 0);
		uint64_t now;
		int w;

		if (k > 0) {
			if (memchr(buf + n, '\n', (size_t)k))
				return (ssize_t)(n + (size_t)k);
			n += (size_t)k;
			continue;
		}
		if (k == 0)
			return (ssize_t)n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -2;
		now = now_ms();
		w = now >= deadline ? 0 : ctl_wait(c, fd, POLLIN, (int)(deadline - now));
		if (w <= 0)
			return w == 0 ? -1 : -2;
	}
	return (ssize_t)n;
}

static void ctl_serve(struct ctl *c, int fd)
{
	char line[CTL_LINE_MAX + 2], err[256], *buf = NULL;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct ctl_req req;
	struct ctl_self self;
	size_t len = 0;
	ssize_t n;
	FILE *f;

	c->requests++;
	/* The file mode already keeps others out; this holds even if someone loosens it. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) || clen != sizeof(cred) ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		ctl_send_error(c, fd, "permission denied: the control socket is for root only");
		return;
	}
	n = ctl_read(c, fd, line, sizeof(line));
	if (n == -2)
		return;
	if (n == -1) {
		ctl_send_error(c, fd, "timed out waiting for a request line");
		return;
	}
	if (!ctl_parse(line, (size_t)n, &req, err, sizeof(err))) {
		ctl_send_error(c, fd, err);
		return;
	}
	f = open_memstream(&buf, &len);
	if (!f) {
		ctl_send_error(c, fd, "out of memory");
		return;
	}
	fputs("ok\n", f);
	self.uptime_s = (now_ms() - c->started_ms) / 1000;
	self.requests = c->requests;
	self.errors = c->errors;
	if (!ctl_answer(c->ops, c->opaque, &self, &req, f, err, sizeof(err)) || ferror(f)) {
		fclose(f);
		ctl_send_error(c, fd, err[0] ? err : "out of memory");
	} else if (fclose(f) != 0) {
		ctl_send_error(c, fd, "out of memory");
	} else {
		ctl_send(c, fd, buf, len);
	}
	free(buf);
}

static void *ctl_main(void *arg)
{
	struct ctl *c = arg;

	for (;;) {
		int w = ctl_wait(c, c->lfd, POLLIN, -1), fd;

		if (w < 0)
			break;
		fd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd >= 0) {
			ctl_serve(c, fd);
			close(fd);
		} else if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* The connection stays queued and poll() would say so at once: back off instead. */
			if (ctl_wait(c, -1, 0, 100) < 0)
				break;
		}
	}
	return NULL;
}

/* path is in use: true if it is a socket file nobody answers on (so it may go), else false with err. */
static bool ctl_stale(const char *path, const struct sockaddr_un *sa, char *err, size_t errlen)
{
	struct stat st;
	int fd, r, e;

	if (lstat(path, &st))
		return errno == ENOENT || ctl_fail(err, errlen, "control socket %s: %s", path, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return ctl_fail(err, errlen, "control socket %s: exists and is not a socket", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return ctl_fail(err, errlen, "control socket: %s", strerror(errno));
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	e = errno;
	close(fd);
	if (r == 0 || e == EAGAIN)	/* EAGAIN: a listener whose queue is full */
		return ctl_fail(err, errlen, "control socket %s: another daemon answers on it", path);
	if (e != ECONNREFUSED)
		return ctl_fail(err, errlen, "control socket %s: %s", path, strerror(e));
	return true;
}

static bool ctl_listen(struct ctl *c, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

	if (!path[0] || strlen(path) >= sizeof(sa.sun_path))
		return ctl_fail(err, errlen, "control socket %s: the path must have 1 to %zu characters", path,
				sizeof(sa.sun_path) - 1);
	strcpy(sa.sun_path, path);
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->lfd < 0)
		return ctl_fail(err, errlen, "control socket: %s", strerror(errno));
	for (int tries = 0; bind(c->lfd, (struct sockaddr *)&sa, sizeof(sa)); tries++) {
		if (errno == ENOENT)
			return ctl_fail(err, errlen, "control socket %s: its directory does not exist", path);
		if (errno != EADDRINUSE || tries == 2)
			return ctl_fail(err, errlen, "control socket %s: %s", path, strerror(errno));
		if (!ctl_stale(path, &sa, err, errlen))
			return false;
		if (unlink(path) && errno != ENOENT)
			return ctl_fail(err, errlen, "control socket %s: removing the stale one: %s", path,
					strerror(errno));
	}
	/* Before listen(): until then nobody can connect, so there is no moment with a wider mode. */
	if (chmod(path, 0600) || lstat(path, &st) || listen(c->lfd, CTL_BACKLOG)) {
		ctl_fail(err, errlen, "control socket %s: %s", path, strerror(errno));
		unlink(path);
		return false;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	strcpy(c->path, path);
	return true;
}

static void ctl_free(struct ctl *c)
{
	if (c->lfd >= 0)
		close(c->lfd);
	if (c->stop_fd >= 0)
		close(c->stop_fd);
	free(c);
}

struct ctl *ctl_start(const char *path, const struct ctl_ops *ops, void *opaque, char *err, size_t errlen)
{
	struct ctl *c = calloc(1, sizeof(*c));
	sigset_t all, old;
	int e;

	if (!c) {
		ctl_fail(err, errlen, "control socket: out of memory");
		return NULL;
	}
	c->lfd = -1;
	c->ops = ops;
	c->opaque = opaque;
	c->started_ms = now_ms();
	c->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->stop_fd < 0) {
		ctl_fail(err, errlen, "control socket: eventfd: %s", strerror(errno));
		ctl_free(c);
		return NULL;
	}
	if (!ctl_listen(c, path, err, errlen)) {
		ctl_free(c);
		return NULL;
	}
	/* Signals are the main thread's business. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&c->thread, NULL, ctl_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		ctl_fail(err, errlen, "control socket: starting its thread: %s", strerror(e));
		unlink(c->path);
		ctl_free(c);
		return NULL;
	}
	return c;
}

void ctl_stop(struct ctl *c)
{
	uint64_t one = 1;
	struct stat st;

	if (!c)
		return;
	/* An eventfd write only fails when the counter would overflow, and it is never read. */
	if (write(c->stop_fd, &one, sizeof(one)) != sizeof(one))
		fprintf(stderr, "xlat64: stopping the control socket: %s\n", strerror(errno));
	pthread_join(c->thread, NULL);
	if (!lstat(c->path, &st) && st.st_dev == c->dev && st.st_ino == c->ino)
		unlink(c->path);
	ctl_free(c);
}

void ctl_stats_snapshot(struct stats *sum, struct stats *const *workers, unsigned n)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned w = 0; w < n; w++)
		for (int i = 0; i < STAT_MAX; i++)
			sum->c[i] += __atomic_load_n(&workers[w]->c[i], __ATOMIC_RELAXED);
}
