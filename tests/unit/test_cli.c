/*
 * The command line, black-box: runs the built binary (XLAT64_BIN, else build/xlat64-san, else build/xlat64)
 * and checks outputs and exit statuses (0 success, 1 runtime error, 2 usage error). No root needed: the
 * daemon itself is exercised by the end-to-end tests.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

struct result {
	int status;		/* exit status, or 128 + signal, or -1 if it could not run */
	char out[8192], err[8192];
};

static const char *binary(void)
{
	const char *b = getenv("XLAT64_BIN");

	if (b)
		return b;
	return access("build/xlat64-san", X_OK) == 0 ? "build/xlat64-san" : "build/xlat64";
}

static void slurp(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	size_t k = f ? fread(buf, 1, n - 1, f) : 0;

	buf[k] = 0;
	if (f)
		fclose(f);
	unlink(path);
}

/* Run "xlat64 ARGS" through the shell; a sanitizer report exits 86 so it cannot pass for status 1. */
static void run(const char *args, struct result *r)
{
	char cmd[1024], out[] = "/tmp/xlat64-cli-outXXXXXX", err[] = "/tmp/xlat64-cli-errXXXXXX";
	int fo = mkstemp(out), fe = mkstemp(err), s;

	close(fo);
	close(fe);
	snprintf(cmd, sizeof(cmd), "ASAN_OPTIONS=exitcode=86 UBSAN_OPTIONS=exitcode=86 %s %s >%s 2>%s </dev/null",
		 binary(), args, out, err);
	s = system(cmd);
	r->status = s == -1 ? -1 : WIFEXITED(s) ? WEXITSTATUS(s) : 128 + WTERMSIG(s);
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

TEST(cli_binary_present)
{
	CHECK(access(binary(), X_OK) == 0);
}

TEST(cli_map_embed_and_extract)
{
	struct result r;

	run("map 1.1.1.1", &r);
	CHECK_EQ(r.status, 0);
	CHECK_STR(r.out, "64:ff9b::101:101\n");
	CHECK_STR(r.err, "");
	run("map 64:ff9b::101:101", &r);
	CHECK_EQ(r.status, 0);
	CHECK_STR(r.out, "1.1.1.1\n");
	run("map 64:ff9b::1.1.1.1", &r);
	CHECK_STR(r.out, "1.1.1.1\n");
	run("map 192.0.2.33 --prefix 2001:db8:100::/40", &r);
	CHECK_EQ(r.status, 0);
	CHECK_STR(r.out, "2001:db8:1c0:2:21::\n");	/* RFC 6052 §2.4 table, /40 row */
	run("map --prefix=2001:db8:122:344::/64 2001:db8:122:344:c0:2:2100:0", &r);
	CHECK_EQ(r.status, 0);
	CHECK_STR(r.out, "192.0.2.33\n");
	CHECK_STR(r.err, "");	/* non-global, but not under the Well-Known Prefix: no warning */
}

TEST(cli_map_nonglobal_warns)
{
	struct result r;

	run("map 10.0.0.5", &r);
	CHECK_EQ(r.status, 0);
	CHECK_STR(r.out, "64:ff9b::a00:5\n");
	CHECK(strstr(r.err, "allow-nonglobal-ipv4") != NULL);
	run("map 64:ff9b::c0a8:101", &r);
	CHECK_EQ(r.status, 0);
	CHECK_STR(r.out, "192.168.1.1\n");
	CHECK(strstr(r.err, "RFC 6052 section 3.1") != NULL);
}

TEST(cli_map_errors)
{
	struct result r;

	run("map 2001:db8::1", &r);
	CHECK_EQ(r.status, 1);
	CHECK(strstr(r.err, "not inside the prefix 64:ff9b::/96") != NULL);
	run("map 1.1.1.1 --prefix 2001:db8::/33", &r);
	CHECK_EQ(r.status, 2);
	CHECK(strstr(r.err, "prefix length must be") != NULL);
	run("map 1.1.1.1 --prefix 64:ff9b::1/96", &r);
	CHECK_EQ(r.status, 2);
	run("map 1.1.1.1 --prefix", &r);
	CHECK_EQ(r.status, 2);
	run("map not-an-address", &r);
	CHECK_EQ(r.status, 2);
	run("map", &r);
	CHECK_EQ(r.status, 2);
	run("map 1.1.1.1 2.2.2.2", &r);
	CHECK_EQ(r.status, 2);
	CHECK_STR(r.out, "");
}

TEST(cli_usage)
{
	struct result r;

	run("", &r);
	CHECK_EQ(r.status, 2);
	CHECK(strstr(r.err, "usage:") != NULL);
	run("help", &r);
	CHECK_EQ(r.status, 0);
	CHECK(strstr(r.out, "xlat64 map ADDRESS") != NULL);
	run("-h", &r);
	CHECK_EQ(r.status, 0);
	run("version", &r);
	CHECK_EQ(r.status, 0);
	CHECK(!strncmp(r.out, "xlat64 ", 7));
	run("frobnicate", &r);
	CHECK_EQ(r.status, 2);
	CHECK(strstr(r.err, "unknown command 'frobnicate'") != NULL);
}

/* Odd arguments end in a message and status 0-2, never a crash or a sanitizer report. */
TEST(cli_bad_arguments_never_crash)
{
	static const char *const args[] = {
		"run -f", "run --file", "run -x", "run a b", "check -f", "check --file=", "check a b",
		"map ''", "map -", "map --prefix= 1.1.1.1", "map 1.1.1.1 --prefix ''", "map ::",
		"map 1.1.1.1 --prefix ::/32", "map 1.1.1.1 --prefix 64:ff9b::/96/96", "map 999.1.1.1",
		"'' ''", "run -f /nonexistent/xlat64.conf", "check /nonexistent/xlat64.conf",
	};
	struct result r;

	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
		run(args[i], &r);
		if (r.status < 0 || r.status > 2)
			printf("# xlat64 %s -> status %d: %s", args[i], r.status, r.err);
		CHECK(r.status >= 0 && r.status <= 2);
	}
}

TEST(cli_check_prints_reparseable_config)
{
	char path[] = "/tmp/xlat64-cli-confXXXXXX", again[] = "/tmp/xlat64-cli-againXXXXXX", args[128];
	struct result r, r2;

	close(mkstemp(path));
	close(mkstemp(again));
	write_file(path, "pool6 64:ff9b::/96\neamt 192.0.2.0/24 2001:db8:1::/120\nroute4 192.0.2.0/24\n");
	snprintf(args, sizeof(args), "check %s", path);
	run(args, &r);
	unlink(path);
	write_file(again, r.out);
	snprintf(args, sizeof(args), "check -f %s", again);
	run(args, &r2);
	unlink(again);
	CHECK_EQ(r.status, 0);
	CHECK(strstr(r.out, "pool6 64:ff9b::/96\n") != NULL);
	CHECK(strstr(r.out, "device xlat64\n") != NULL);
	CHECK_EQ(r2.status, 0);
	CHECK_STR(r2.out, r.out);
}

TEST(cli_config_errors_name_file_and_line)
{
	char path[] = "/tmp/xlat64-cli-badXXXXXX", args[128], want[64];
	struct result r, r2;

	close(mkstemp(path));
	write_file(path, "# comment\npool6 64:ff9b::/97\n");
	snprintf(args, sizeof(args), "check %s", path);
	run(args, &r);
	snprintf(args, sizeof(args), "run -f %s", path);
	run(args, &r2);
	unlink(path);
	snprintf(want, sizeof(want), "%s:2: ", path);
	CHECK_EQ(r.status, 1);
	CHECK(!strncmp(r.err, want, strlen(want)));
	CHECK_STR(r.out, "");
	CHECK_EQ(r2.status, 1);
	CHECK(!strncmp(r2.err, want, strlen(want)));
}
