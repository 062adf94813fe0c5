/* The control socket's client side, for the command line: one request, one answer. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"

#define CTL_CLIENT_TIMEOUT_S 30	/* a big session table takes the daemon a while to list */
#define CTL_HEAD_MAX 1024		/* "ok" or "error: ..." is far shorter */

__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("xlat64: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CTL_CLIENT_TIMEOUT_S };
	int fd;

	if (!path[0] || strlen(path) >= sizeof(sa.sun_path)) {
		fail("control socket path must have 1 to %zu characters: %s", sizeof(sa.sun_path) - 1, path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fail("socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	if (errno == ENOENT || errno == ECONNREFUSED)
		fail("no daemon on %s (is it running? try --socket PATH)", path);
	else if (errno == EACCES || errno == EPERM)
		fail("%s: %s (the control socket is for root)", path, strerror(errno));
	else
		fail("%s: %s", path, strerror(errno));
	close(fd);
	return -1;
}

static bool send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

/* Read more of the answer; 0 at its end, -1 after a message. */
static ssize_t recv_some(int fd, char *buf, size_t n)
{
	ssize_t k;

	do
		k = recv(fd, buf, n, 0);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		fail("reading the daemon's answer: %s",
		     errno == EAGAIN ? "it did not answer in time" : strerror(errno));
	return k;
}

int ctl_request(const char *path, const char *request, FILE *out)
{
	char head[CTL_HEAD_MAX], buf[16384], *nl = NULL;
	size_t n = 0, len = strlen(request);
	ssize_t k;
	int fd = ctl_connect(path), status = 1;

	if (fd < 0)
		return 1;
	if (len > CTL_LINE_MAX) {
		fail("request longer than %d bytes", CTL_LINE_MAX);
		goto out;
	}
	memcpy(buf, request, len);
	buf[len] = '\n';
	if (!send_all(fd, buf, len + 1)) {
		fail("sending to the daemon on %s: %s", path, strerror(errno));
		goto out;
	}
	shutdown(fd, SHUT_WR);
	/* The first line says how it went. */
	while (!nl) {
		if (n == sizeof(head)) {
			fail("the daemon on %s gave an answer that makes no sense", path);
			goto out;
		}
		k = recv_some(fd, head + n, sizeof(head) - n);
		if (k < 0)
			goto out;
		if (k == 0) {
			fail("the daemon on %s closed the connection without an answer", path);
			goto out;
		}
		nl = memchr(head + n, '\n', (size_t)k);
		n += (size_t)k;
	}
	*nl = 0;
	if (!strncmp(head, "error: ", 7)) {
		fail("%s", head + 7);
		goto out;
	}
	if (strcmp(head, "ok")) {
		fail("the daemon on %s gave an answer that makes no sense", path);
		goto out;
	}
	fwrite(nl + 1, 1, n - (size_t)(nl + 1 - head), out);
	while ((k = recv_some(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)k, out);
	if (k == 0)
		status = fflush(out) == 0 ? 0 : fail("writing the answer: %s", strerror(errno));
out:
	close(fd);
	return status;
}
