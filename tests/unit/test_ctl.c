/*
 * The control socket: the request parser, a server with fake daemon callbacks on a temporary socket,
 * requests good and bad (raw bytes too), the socket file's life cycle, and the CLI commands against it.
 * Runs as root or not; only the peer credential test needs root (to connect as another user).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "ctl.h"
#include "harness.h"

#define PY "/usr/bin/python3"

/* CHECK_STR that shows both texts when they differ. */
#define CHECK_TEXT(got, want)                                                       \
	do {                                                                        \
		if (strcmp((got), (want)))                                          \
			printf("# got:\n%s# wanted:\n%s", (got), (want));           \
		CHECK_STR((got), (want));                                           \
	} while (0)

struct fake {
	struct stats w[2];
	unsigned status_calls;
};

/* As a worker would count, but atomic so that a ThreadSanitizer build of this test stays quiet. */
static void count(struct stats *s, enum stat_id id, uint64_t n)
{
	__atomic_store_n(&s->c[id], n, __ATOMIC_RELAXED);
}

static void fake_status(void *opaque, struct ctl_status *st)
{
	struct fake *f = opaque;

	f->status_calls++;
	st->mode = "siit";
	st->device = "xlat64t";
	st->queues = 2;
}

static void fake_stats(void *opaque, struct stats *sum)
{
	struct fake *f = opaque;
	struct stats *const w[2] = { &f->w[0], &f->w[1] };

	ctl_stats_snapshot(sum, w, 2);
}

static void fake_config(void *opaque, FILE *out)
{
	struct conf c;
	char err[256];

	(void)opaque;
	conf_defaults(&c);
	if (conf_parse("t", "pool6 64:ff9b::/96\neamt 192.0.2.0/24 2001:db8::/120\n", &c, err, sizeof(err)))
		conf_print(out, &c);
}

/* sessions: a few rows, one full of bytes to escape; bib: many rows; pool4: a failure. */
static bool fake_rows(void *opaque, const struct ctl_req *req, struct ctl_rows *out, char *err, size_t errlen)
{
	static const struct ctl_column cols[] = {
		{ .name = "proto" }, { .name = "ipv6" }, { .name = "expires", .numeric = true },
	};
	const char *r1[] = { "udp", "2001:db8::1#5353", "300" };
	const char *r2[] = { "tcp", "a\"b\\c\nd\xff", "7200000" };
	const char *r3[] = { "icmp", NULL, "007" };
	char port[16];

	(void)opaque;
	if (req->cmd == CTL_POOL4) {
		snprintf(err, errlen, "pool4: test failure");
		return false;
	}
	ctl_rows_columns(out, cols, 3);
	if (req->cmd == CTL_SESSIONS)
		return ctl_rows_add(out, r1) && ctl_rows_add(out, r2) && ctl_rows_add(out, r3);
	for (unsigned i = 0; i < 50000; i++) {
		const char *row[] = { "udp", "2001:db8::2", port };

		snprintf(port, sizeof(port), "%u", i);
		if (!ctl_rows_add(out, row))
			return false;
	}
	return true;
}

static const struct ctl_ops fake_ops = {
	.status = fake_status, .stats = fake_stats, .config = fake_config, .rows = fake_rows,
};
static const struct ctl_ops siit_ops = { .status = fake_status, .stats = fake_stats, .config = fake_config };

/* A daemon in mode none with two services; its reload fails every other time. */
static void none_status(void *opaque, struct ctl_status *st)
{
	(void)opaque;
	st->mode = "none";
	st->device = NULL;
	ctl_status_add(st, "dns64", "listening on %s", "127.0.0.1#53");
	ctl_status_add(st, "pref64", "%s", "sending on eth1 every 10m");
}

static bool none_reload(void *opaque, FILE *f, char *err, size_t errlen)
{
	struct fake *fk = opaque;

	if (fk->status_calls++ % 2)
		return ctl_fail(err, errlen, "t.conf:3: bad");
	fprintf(f, "reloaded t.conf\n");
	return true;
}

static const struct ctl_ops none_ops = { .status = none_status, .reload = none_reload };

static char dir[64], sock[128];

/* A fresh directory for the socket of each test. */
static const char *fresh_path(void)
{
	snprintf(dir, sizeof(dir), "/tmp/xlat64-ctl-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(sock, sizeof(sock), "%s/ctl.sock", dir);
	return sock;
}

static void cleanup(void)
{
	unlink(sock);
	rmdir(dir);
}

static uint64_t ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct answer {
	int status;
	char *out;	/* the body, malloc'd */
	char err[1024];	/* what the client printed on stderr */
};

/* ctl_request(), with stdout and stderr captured. */
static void ask(const char *path, const char *req, struct answer *a)
{
	char tmp[] = "/tmp/xlat64-ctl-errXXXXXX";
	int fd = mkstemp(tmp), saved = dup(2);
	size_t len = 0;
	FILE *out = open_memstream(&a->out, &len);
	ssize_t n;

	fflush(stderr);
	dup2(fd, 2);
	a->status = ctl_request(path, req, out);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fclose(out);
	n = pread(fd, a->err, sizeof(a->err) - 1, 0);
	a->err[n > 0 ? n : 0] = 0;
	close(fd);
	unlink(tmp);
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send raw bytes (shut: then end the sending side) and read the whole answer into buf. */
static size_t raw(const char *path, const void *req, size_t n, bool shut, char *buf, size_t cap)
{
	int fd = connect_to(path);
	size_t got = 0;
	ssize_t k;

	buf[0] = 0;
	if (fd < 0)
		return 0;
	if (n && send(fd, req, n, MSG_NOSIGNAL) < 0)
		n = 0;
	if (shut)
		shutdown(fd, SHUT_WR);
	while (got + 1 < cap && (k = recv(fd, buf + got, cap - 1 - got, 0)) > 0)
		got += (size_t)k;
	buf[got] = 0;
	close(fd);
	return got;
}

/* JSON well-formed, and the Python expression about it (d) true. Needs Debian's python3. */
static bool json_ok(const char *text, const char *expr)
{
	char cmd[1024];
	FILE *p;

	if (access(PY, X_OK))
		return strchr("[{", text[0]) != NULL;
	snprintf(cmd, sizeof(cmd), PY " -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if (%s) else 3)'",
		 expr);
	p = popen(cmd, "w");
	if (!p)
		return false;
	fputs(text, p);
	return pclose(p) == 0;
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static unsigned lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

__attribute__((constructor)) static void no_sigpipe(void)
{
	signal(SIGPIPE, SIG_IGN);
}

static bool parses(const char *line, struct ctl_req *r, char *err)
{
	return ctl_parse(line, strlen(line), r, err, 256);
}

TEST(ctl_parse_good)
{
	struct ctl_req r;
	char err[256], line[CTL_LINE_MAX + 2];

	CHECK(parses("stats all explain json\n", &r, err));
	CHECK_EQ(r.cmd, CTL_STATS);
	CHECK_EQ(r.flags, CTL_F_ALL | CTL_F_EXPLAIN | CTL_F_JSON);
	CHECK(parses("status", &r, err));
	CHECK_EQ(r.cmd, CTL_STATUS);
	CHECK_EQ(r.flags, 0u);
	CHECK(parses("  config   json json ", &r, err));
	CHECK_EQ(r.cmd, CTL_CONFIG);
	CHECK_EQ(r.flags, (unsigned)CTL_F_JSON);
	for (int c = 0; c < CTL_CMD_MAX; c++) {
		CHECK(parses(ctl_cmd_name((enum ctl_cmd)c), &r, err));
		CHECK_EQ(r.cmd, (enum ctl_cmd)c);
		CHECK_EQ(ctl_cmd_find(ctl_cmd_name((enum ctl_cmd)c)), c);
	}
	CHECK_EQ(ctl_cmd_find("stat"), -1);
	CHECK_EQ(ctl_cmd_find(""), -1);
	/* Exactly CTL_LINE_MAX bytes and a newline. */
	memset(line, ' ', sizeof(line));
	memcpy(line, "pool4", 5);
	line[CTL_LINE_MAX] = '\n';
	CHECK(ctl_parse(line, CTL_LINE_MAX + 1, &r, err, sizeof(err)));
	CHECK_EQ(r.cmd, CTL_POOL4);
}

TEST(ctl_parse_bad)
{
	static const struct {
		const char *line;
		const char *msg;
	} bad[] = {
		{ "", "empty request" },
		{ "\n", "empty request" },
		{ "    ", "empty request" },
		{ "stats\x01", "not printable" },
		{ "stats\tall", "not printable" },
		{ "stats \xff", "not printable" },
		{ "stats\r\n", "not printable" },
		{ "status\nstats\n", "one request line" },
		{ "frob", "unknown command 'frob' (expected status, stats, config, sessions, bib, pool4 or reload)" },
		{ "json", "unknown command" },
		{ "stats bogus", "unknown flag 'bogus'" },
		{ "stats stats", "unknown flag 'stats'" },
		{ "status explain", "status does not take 'explain'" },
		{ "sessions all", "sessions does not take 'all'" },
	};
	struct ctl_req r;
	char err[256], line[CTL_LINE_MAX + 2];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(!parses(bad[i].line, &r, err));
		if (!strstr(err, bad[i].msg))
			printf("# '%s' -> '%s'\n", bad[i].line, err);
		CHECK(strstr(err, bad[i].msg) != NULL);
	}
	memset(line, 'a', sizeof(line));
	CHECK(!ctl_parse(line, CTL_LINE_MAX + 1, &r, err, sizeof(err)));
	CHECK(strstr(err, "longer than 512 bytes") != NULL);
	/* A long word is quoted back cut short, and a tiny err buffer is respected. */
	CHECK(!ctl_parse(line, CTL_LINE_MAX, &r, err, sizeof(err)));
	CHECK(strlen(err) < 130);
	CHECK(!ctl_parse(line, CTL_LINE_MAX, &r, err, 4));
	CHECK_EQ(strlen(err), 3u);
	CHECK(!ctl_parse(line, CTL_LINE_MAX, &r, NULL, 0));
}

TEST(ctl_stats_snapshot_sums)
{
	struct stats a, b, sum;
	struct stats *const w[2] = { &a, &b };

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&sum, 0xff, sizeof(sum));
	a.c[STAT_RECEIVED6] = 5;
	b.c[STAT_RECEIVED6] = 7;
	b.c[STAT_DROP_TUN_WRITE] = 1;
	ctl_stats_snapshot(&sum, w, 2);
	CHECK_EQ(sum.c[STAT_RECEIVED6], 12u);
	CHECK_EQ(sum.c[STAT_DROP_TUN_WRITE], 1u);
	CHECK_EQ(sum.c[STAT_RECEIVED4], 0u);
	ctl_stats_snapshot(&sum, w, 0);
	CHECK_EQ(sum.c[STAT_RECEIVED6], 0u);
}

/* The server for a test, or NULL (then the test fails). */
static struct ctl *start(const struct ctl_ops *ops, struct fake *f)
{
	char err[256];
	struct ctl *c;

	memset(f, 0, sizeof(*f));
	c = ctl_start(fresh_path(), ops, f, err, sizeof(err));
	if (!c)
		printf("# ctl_start: %s\n", err);
	return c;
}

static void stop(struct ctl *c)
{
	ctl_stop(c);
	cleanup();
}

static void check_status(int *failed)
{
	struct answer a;
	char want[64];

	ask(sock, "status", &a);
	CHECK_EQ(a.status, 0);
	CHECK(strstr(a.out, "mode      siit\n") != NULL);
	CHECK(strstr(a.out, "device    xlat64t\n") != NULL);
	CHECK(strstr(a.out, "queues    2\n") != NULL);
	CHECK(strstr(a.out, "uptime    0d 00:00:0") != NULL);
	snprintf(want, sizeof(want), "pid       %ld\n", (long)getpid());
	CHECK(strstr(a.out, want) != NULL);
	CHECK(strstr(a.out, "version   " XLAT64_VERSION "\n") != NULL);
	CHECK_STR(a.err, "");
	free(a.out);
	ask(sock, "status json", &a);
	CHECK_EQ(a.status, 0);
	snprintf(want, sizeof(want), "d[\"pid\"] == %ld", (long)getpid());
	CHECK(json_ok(a.out, want));
	CHECK(json_ok(a.out, "d[\"mode\"] == \"siit\" and d[\"queues\"] == 2 and d[\"requests\"] == 2 and "
			     "d[\"errors\"] == 0 and isinstance(d[\"uptime\"], int)"));
	free(a.out);
}

TEST(ctl_status)
{
	struct fake f;
	struct ctl *c = start(&fake_ops, &f);

	CHECK(c);
	check_status(failed);
	stop(c);
	CHECK(!*failed);
}

TEST(ctl_status_services_and_reload)
{
	struct fake f;
	struct ctl *c = start(&none_ops, &f);
	struct answer a;

	CHECK(c);
	ask(sock, "status", &a);
	CHECK_EQ(a.status, 0);
	CHECK(starts(a.out, "mode      none\ndns64     listening on 127.0.0.1#53\n"
			    "pref64    sending on eth1 every 10m\nuptime "));
	CHECK(strstr(a.out, "device") == NULL && strstr(a.out, "queues") == NULL);
	free(a.out);
	ask(sock, "status json", &a);
	CHECK(json_ok(a.out, "d[\"mode\"] == \"none\" and d[\"dns64\"] == \"listening on 127.0.0.1#53\" and "
			     "\"device\" not in d"));
	free(a.out);
	ask(sock, "reload", &a);
	CHECK_EQ(a.status, 0);
	CHECK_TEXT(a.out, "reloaded t.conf\n");
	free(a.out);
	ask(sock, "reload", &a);
	CHECK_EQ(a.status, 1);
	CHECK_STR(a.err, "xlat64: t.conf:3: bad\n");
	free(a.out);
	ask(sock, "reload json", &a);
	CHECK_EQ(a.status, 1);
	free(a.out);
	stop(c);
	c = start(&siit_ops, &f);
	ask(sock, "reload", &a);
	CHECK_EQ(a.status, 1);
	CHECK_STR(a.err, "xlat64: reload: this daemon cannot reload\n");
	free(a.out);
	stop(c);
}

static void check_stats(int *failed)
{
	struct answer a;
	char want[256];
	size_t width = 0;

	ask(sock, "stats", &a);
	CHECK_EQ(a.status, 0);
	CHECK_TEXT(a.out, "COUNTER          VALUE\n"
			  "RECEIVED6           12\n"
			  "DROP_TUN_WRITE  123456\n");
	free(a.out);
	ask(sock, "stats all", &a);
	CHECK_EQ(a.status, 0);
	CHECK_EQ(lines(a.out), STAT_MAX + 1u);
	/* The longest name sets the first column's width. */
	for (int i = 0; i < STAT_MAX; i++)
		if (strlen(stats_name((enum stat_id)i)) > width)
			width = strlen(stats_name((enum stat_id)i));
	snprintf(want, sizeof(want), "\n%-*s  %6s\n", (int)width, "RECEIVED4", "0");
	CHECK(strstr(a.out, want) != NULL);
	free(a.out);
	ask(sock, "stats explain", &a);
	CHECK_EQ(a.status, 0);
	snprintf(want, sizeof(want), "\nRECEIVED6           12  %s\n", stats_explain(STAT_RECEIVED6));
	CHECK(strstr(a.out, want) != NULL);
	CHECK(starts(a.out, "COUNTER          VALUE  EXPLANATION\n"));
	free(a.out);
	ask(sock, "stats all explain json", &a);
	CHECK_EQ(a.status, 0);
	snprintf(want, sizeof(want), "len(d) == %d and d[0] == {\"counter\": \"RECEIVED6\", \"value\": 12, "
		 "\"explanation\": \"%s\"} and all(isinstance(r[\"value\"], int) for r in d)",
		 STAT_MAX, stats_explain(STAT_RECEIVED6));
	CHECK(json_ok(a.out, want));
	free(a.out);
	ask(sock, "stats json", &a);
	CHECK(json_ok(a.out, "d == [{\"counter\": \"RECEIVED6\", \"value\": 12}, "
			     "{\"counter\": \"DROP_TUN_WRITE\", \"value\": 123456}]"));
	free(a.out);
}

TEST(ctl_stats)
{
	struct fake f;
	struct ctl *c = start(&fake_ops, &f);

	CHECK(c);
	count(&f.w[0], STAT_RECEIVED6, 5);
	count(&f.w[1], STAT_RECEIVED6, 7);
	count(&f.w[1], STAT_DROP_TUN_WRITE, 123456);
	check_stats(failed);
	stop(c);
	CHECK(!*failed);
}

TEST(ctl_stats_none)
{
	struct fake f;
	struct ctl *c = start(&fake_ops, &f);
	struct answer a;

	CHECK(c);
	ask(sock, "stats", &a);
	stop(c);
	CHECK_EQ(a.status, 0);
	CHECK_STR(a.out, "COUNTER  VALUE\n");
	free(a.out);
}

static void check_config(int *failed)
{
	struct answer a;
	char *want = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&want, &len);

	fake_config(NULL, f);
	fclose(f);
	ask(sock, "config", &a);
	CHECK_EQ(a.status, 0);
	CHECK_STR(a.out, want);
	free(want);
	free(a.out);
	ask(sock, "config json", &a);
	CHECK_EQ(a.status, 0);
	CHECK(json_ok(a.out, "d[0] == {\"key\": \"mode\", \"value\": \"siit\"} and "
			     "{\"key\": \"eamt\", \"value\": \"192.0.2.0/24 2001:db8::/120\"} in d and "
			     "{\"key\": \"pool6\", \"value\": \"64:ff9b::/96\"} in d and "
			     "not any(r[\"key\"].startswith(\"#\") for r in d)"));
	free(a.out);
}

TEST(ctl_config)
{
	struct fake f;
	struct ctl *c = start(&fake_ops, &f);

	CHECK(c);
	check_config(failed);
	stop(c);
	CHECK(!*failed);
}

static void check_tables(int *failed)
{
	struct answer a;

	ask(sock, "sessions", &a);
	CHECK_EQ(a.status, 0);
	/* Numbers right-aligned, the last column not padded, control bytes shown as '?'. */
	CHECK_TEXT(a.out, "PROTO  IPV6              EXPIRES\n"
			  "udp    2001:db8::1#5353      300\n"
			  "tcp    a\"b\\c?d?          7200000\n"
			  "icmp                         007\n");
	free(a.out);
	ask(sock, "sessions json", &a);
	CHECK_EQ(a.status, 0);
	CHECK(json_ok(a.out, "d == [{\"proto\": \"udp\", \"ipv6\": \"2001:db8::1#5353\", \"expires\": 300}, "
			     "{\"proto\": \"tcp\", \"ipv6\": \"a\\\"b\\\\c\\nd\\u00ff\", \"expires\": 7200000}, "
			     "{\"proto\": \"icmp\", \"ipv6\": \"\", \"expires\": \"007\"}]"));
	free(a.out);
	ask(sock, "bib", &a);
	CHECK_EQ(a.status, 0);
	CHECK_EQ(lines(a.out), 50001u);
	CHECK(strstr(a.out, "\nudp    2001:db8::2    49999\n") != NULL);
	free(a.out);
	ask(sock, "bib json", &a);
	CHECK_EQ(a.status, 0);
	CHECK(json_ok(a.out, "len(d) == 50000 and d[-1][\"expires\"] == 49999"));
	free(a.out);
	ask(sock, "pool4", &a);
	CHECK_EQ(a.status, 1);
	CHECK_STR(a.out, "");
	CHECK_STR(a.err, "xlat64: pool4: test failure\n");
	free(a.out);
}

TEST(ctl_tables)
{
	struct fake f;
	struct ctl *c = start(&fake_ops, &f);

	CHECK(c);
	check_tables(failed);
	stop(c);
	CHECK(!*failed);
}

TEST(ctl_tables_need_nat64)
{
	struct fake f;
	struct ctl *c = start(&siit_ops, &f);
	struct answer a;

	CHECK(c);
	ask(sock, "bib json", &a);
	stop(c);
	CHECK_EQ(a.status, 1);
	CHECK_STR(a.err, "xlat64: bib is only in nat64 mode (this daemon runs siit)\n");
	free(a.out);
}

/* Garbage gets one error line and the connection closed; the server goes on serving. */
TEST(ctl_malformed_requests)
{
	struct fake f;
	struct ctl *c = start(&fake_ops, &f);
	char buf[4096], big[3000];
	static const char binary[] = "st\0tus\n";
	struct answer a;

	CHECK(c);
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	raw(sock, big, sizeof(big), false, buf, sizeof(buf));
	CHECK_STR(buf, "error: request longer than 512 bytes\n");
	raw(sock, binary, sizeof(binary) - 1, false, buf, sizeof(buf));
	CHECK_STR(buf, "error: byte 2 of the request is not printable ASCII\n");
	raw(sock, "frob all\n", 9, false, buf, sizeof(buf));
	CHECK(starts(buf, "error: unknown command 'frob'"));
	raw(sock, "\n", 1, false, buf, sizeof(buf));
	CHECK(starts(buf, "error: empty request"));
	raw(sock, "", 0, true, buf, sizeof(buf));	/* connect and hang up */
	CHECK(starts(buf, "error: empty request"));
	raw(sock, "stats json", 10, true, buf, sizeof(buf));	/* no newline, but the end of sending */
	CHECK(starts(buf, "ok\n["));
	raw(sock, "status\nstatus\n", 14, false, buf, sizeof(buf));
	CHECK_STR(buf, "error: one request line per connection\n");
	ask(sock, "status json", &a);
	stop(c);
	CHECK_EQ(a.status, 0);
	CHECK(json_ok(a.out, "d[\"requests\"] == 8 and d[\"errors\"] == 6"));
	free(a.out);
}

/* A client that says nothing is answered after CTL_TIMEOUT_MS, not waited for forever. */
TEST(ctl_silent_client_times_out)
{
	struct fake f;
	struct ctl *c = start(&fake_ops, &f);
	char buf[256];
	uint64_t t0 = ms(), dt;
	struct answer a;

	CHECK(c);
	raw(sock, "sta", 3, false, buf, sizeof(buf));
	dt = ms() - t0;
	ask(sock, "status", &a);	/* served again afterwards */
	stop(c);
	CHECK_STR(buf, "error: timed out waiting for a request line\n");
	CHECK(dt >= CTL_TIMEOUT_MS - 100 && dt < CTL_TIMEOUT_MS + 1500);
	CHECK_EQ(a.status, 0);
	free(a.out);
}

/* Stopping does not wait for a connected client's timeout. */
TEST(ctl_stop_is_prompt)
{
	struct fake f;
	struct ctl *c = start(&fake_ops, &f);
	struct stat st;
	struct answer a;
	uint64_t t0;
	int fd;

	CHECK(c);
	fd = connect_to(sock);
	CHECK(fd >= 0);
	usleep(100 * 1000);	/* accepted and waiting for the request */
	t0 = ms();
	ctl_stop(c);
	CHECK(ms() - t0 < 500);
	close(fd);
	CHECK(lstat(sock, &st) && errno == ENOENT);
	ask(sock, "status", &a);
	cleanup();
	CHECK_EQ(a.status, 1);
	CHECK(strstr(a.err, "xlat64: no daemon on /tmp/xlat64-ctl-") != NULL);
	CHECK(strstr(a.err, "(is it running? try --socket PATH)\n") != NULL);
	free(a.out);
	ctl_stop(NULL);
}

TEST(ctl_socket_mode_0600)
{
	struct fake f;
	struct ctl *c = start(&fake_ops, &f);
	struct stat st;

	CHECK(c);
	CHECK(lstat(sock, &st) == 0);
	stop(c);
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0600u);
}

TEST(ctl_second_server_refused)
{
	struct fake f;
	struct ctl *c = start(&fake_ops, &f), *c2;
	char err[256];
	struct answer a;

	CHECK(c);
	c2 = ctl_start(sock, &fake_ops, &f, err, sizeof(err));
	ask(sock, "status", &a);
	stop(c);
	CHECK(!c2);
	CHECK(strstr(err, "another daemon answers on it") != NULL);
	CHECK_EQ(a.status, 0);
	free(a.out);
}

TEST(ctl_stale_socket_replaced)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct fake f;
	struct ctl *c;
	char err[256];
	struct answer a;

	/* What a daemon that was killed leaves: a socket file nobody listens on. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fresh_path());
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	close(fd);
	c = ctl_start(sock, &fake_ops, &f, err, sizeof(err));
	if (!c)
		printf("# %s\n", err);
	CHECK(c);
	ask(sock, "status", &a);
	stop(c);
	CHECK_EQ(a.status, 0);
	free(a.out);
}

TEST(ctl_refuses_other_files_and_paths)
{
	struct fake f;
	char err[256], path[200];
	struct stat st;
	FILE *file = fopen(fresh_path(), "w");

	CHECK(file);
	fclose(file);
	CHECK(!ctl_start(sock, &fake_ops, &f, err, sizeof(err)));
	CHECK(strstr(err, "exists and is not a socket") != NULL);
	CHECK(lstat(sock, &st) == 0 && S_ISREG(st.st_mode));
	snprintf(path, sizeof(path), "%s/nope/ctl.sock", dir);
	CHECK(!ctl_start(path, &fake_ops, &f, err, sizeof(err)));
	CHECK(strstr(err, "its directory does not exist") != NULL);
	memset(path, 'x', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = 0;
	CHECK(!ctl_start(path, &fake_ops, &f, err, sizeof(err)));
	CHECK(strstr(err, "1 to 107 characters") != NULL);
	CHECK(!ctl_start("", &fake_ops, &f, err, sizeof(err)));
	cleanup();
}

/* Stopping removes only the socket it made. */
TEST(ctl_stop_keeps_a_replaced_file)
{
	struct fake f;
	struct ctl *c = start(&fake_ops, &f);
	struct stat st;
	FILE *file;

	CHECK(c);
	unlink(sock);
	file = fopen(sock, "w");
	CHECK(file);
	fclose(file);
	ctl_stop(c);
	CHECK(lstat(sock, &st) == 0 && S_ISREG(st.st_mode));
	cleanup();
}

/* Only root (or the daemon's own user) may talk, even if the file mode is loosened. */
TEST(ctl_peer_other_user_refused)
{
	struct fake f;
	struct ctl *c;
	char buf[256] = "";
	int pfd[2], status;
	pid_t pid;

	if (geteuid() != 0)
		return;	/* only root can connect as somebody else */
	c = start(&fake_ops, &f);
	CHECK(c);
	chmod(dir, 0755);
	chmod(sock, 0666);
	CHECK(pipe(pfd) == 0);
	pid = fork();
	if (pid == 0) {
		size_t n = 0;

		if (setgid(65534) || setuid(65534))
			_exit(3);
		n = raw(sock, "status\n", 7, false, buf, sizeof(buf));
		_exit(write(pfd[1], buf, n) == (ssize_t)n ? 0 : 4);
	}
	close(pfd[1]);
	waitpid(pid, &status, 0);
	if (read(pfd[0], buf, sizeof(buf) - 1) < 0)
		buf[0] = 0;
	close(pfd[0]);
	stop(c);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR(buf, "error: permission denied: the control socket is for root only\n");
}

/* The command line against the test's server. */
static const char *binary(void)
{
	const char *b = getenv("XLAT64_BIN");

	if (b)
		return b;
	return access("build/xlat64-san", X_OK) == 0 ? "build/xlat64-san" : "build/xlat64";
}

static int cli(const char *args, char *out, size_t n)
{
	char cmd[1024];
	FILE *p;
	size_t k;
	int s;

	snprintf(cmd, sizeof(cmd), "ASAN_OPTIONS=exitcode=86 UBSAN_OPTIONS=exitcode=86 %s %s 2>&1 </dev/null",
		 binary(), args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	k = fread(out, 1, n - 1, p);
	out[k] = 0;
	s = pclose(p);
	return WIFEXITED(s) ? WEXITSTATUS(s) : 128;
}

TEST(ctl_cli)
{
	struct fake f;
	struct ctl *c;
	char out[32768], args[256];
	static const char *const usage[] = {
		"stats --bogus", "stats all", "status --explain", "config --all", "stats --socket",
		"stats --socket=", "bib --json --explain", "pool4 -j",
	};

	if (access(binary(), X_OK))
		return;	/* make check builds it first */
	c = start(&siit_ops, &f);
	CHECK(c);
	count(&f.w[0], STAT_TRANSLATED64, 3);
	snprintf(args, sizeof(args), "stats --socket %s", sock);
	CHECK_EQ(cli(args, out, sizeof(out)), 0);
	CHECK_TEXT(out, "COUNTER       VALUE\nTRANSLATED64      3\n");
	snprintf(args, sizeof(args), "stats --all --explain --json --json --socket=%s", sock);
	CHECK_EQ(cli(args, out, sizeof(out)), 0);
	CHECK(json_ok(out, "len(d) > 30 and d[2][\"counter\"] == \"TRANSLATED64\" and d[2][\"value\"] == 3"));
	snprintf(args, sizeof(args), "status --json --socket %s", sock);
	CHECK_EQ(cli(args, out, sizeof(out)), 0);
	CHECK(json_ok(out, "d[\"device\"] == \"xlat64t\""));
	snprintf(args, sizeof(args), "config --socket %s", sock);
	CHECK_EQ(cli(args, out, sizeof(out)), 0);
	CHECK(strstr(out, "pool6 64:ff9b::/96\n") != NULL);
	snprintf(args, sizeof(args), "sessions --socket %s", sock);
	CHECK_EQ(cli(args, out, sizeof(out)), 1);
	CHECK_STR(out, "xlat64: sessions is only in nat64 mode (this daemon runs siit)\n");
	stop(c);
	CHECK_EQ(cli("stats --socket /nonexistent/xlat64.sock", out, sizeof(out)), 1);
	CHECK_STR(out, "xlat64: no daemon on /nonexistent/xlat64.sock (is it running? try --socket PATH)\n");
	for (size_t i = 0; i < sizeof(usage) / sizeof(usage[0]); i++) {
		int s = cli(usage[i], out, sizeof(out));

		if (s != 2)
			printf("# xlat64 %s -> %d: %s", usage[i], s, out);
		CHECK_EQ(s, 2);
		CHECK(strstr(out, "Try 'xlat64 help'.") != NULL);
	}
	CHECK_EQ(cli("help", out, sizeof(out)), 0);
	CHECK(strstr(out, "xlat64 stats [--all] [--explain] [--json] [--socket PATH]") != NULL);
}
