/* xlat64: the daemon and its command line. Exit status: 0 success, 1 runtime error, 2 usage error. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ctl.h"
#include "daemon.h"
#include "discover_cli.h"
#include "rfc6052.h"

#define EXIT_USAGE 2
#define WKP_TEXT "64:ff9b::/96"
#define SOCKET_SIZE sizeof(((struct conf *)0)->socket)	/* a socket path's bytes, its NUL included */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xlat64 run [-f FILE]            run the translator in the foreground\n"
		"       xlat64 check [-f FILE | FILE]   validate a configuration and print it in full\n"
		"       xlat64 map ADDRESS [--prefix PREFIX]\n"
		"                                       map IPv4 to IPv6 or back per RFC 6052\n"
		"                                       (PREFIX defaults to " WKP_TEXT ")\n"
		"       xlat64 status|config [--json] [--socket PATH]\n"
		"       xlat64 stats [--all] [--explain] [--json] [--socket PATH]\n"
		"       xlat64 sessions|bib|pool4 [--json] [--socket PATH]\n"
		"                                       ask the running daemon (PATH defaults to\n"
		"                                       " CONF_DEFAULT_SOCKET ")\n"
		"       xlat64 discover [--interface IF] [--json]\n"
		"                                       the NAT64 prefix of this network: PREF64 in\n"
		"                                       router advertisements, else ipv4only.arpa\n"
		"       xlat64 version\n"
		"       xlat64 help\n"
		"FILE defaults to " CONF_DEFAULT_PATH ". See xlat64(8) and xlat64.conf(5).\n");
}

__attribute__((format(printf, 2, 3))) static int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xlat64%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'xlat64 help'.\n");
	return EXIT_USAGE;
}

/* The value of an option given as "-o VALUE", "--opt VALUE" or "--opt=VALUE"; NULL if argv[*i] is not it.
 * *bad is set when the option is there but its value is missing. */
static const char *opt_value(int argc, char **argv, int *i, const char *shrt, const char *lng, bool *bad)
{
	const char *a = argv[*i];
	size_t n = strlen(lng);

	if (!strncmp(a, lng, n) && a[n] == '=')
		return a + n + 1;
	if (strcmp(a, lng) && (!shrt || strcmp(a, shrt)))
		return NULL;
	if (*i + 1 >= argc) {
		*bad = true;
		return NULL;
	}
	return argv[++*i];
}

/* Arguments of run and check: [-f FILE | --file FILE | FILE]. Returns NULL after printing a usage error. */
static const char *config_path(const char *cmd, int argc, char **argv, int *status)
{
	const char *path = NULL;

	for (int i = 1; i < argc; i++) {
		bool bad = false;
		const char *v = opt_value(argc, argv, &i, "-f", "--file", &bad);

		if (bad) {
			*status = usage_error(cmd, "%s needs a file name", argv[i]);
			return NULL;
		}
		if (!v && argv[i][0] == '-' && argv[i][1]) {
			*status = usage_error(cmd, "unknown option '%s'", argv[i]);
			return NULL;
		}
		if (path) {
			*status = usage_error(cmd, "only one configuration file, but also got '%s'", v ? v : argv[i]);
			return NULL;
		}
		path = v ? v : argv[i];
	}
	return path ? path : CONF_DEFAULT_PATH;
}

static struct conf *load(const char *path)
{
	struct conf *c = malloc(sizeof(*c));
	char err[512];

	if (!c) {
		fprintf(stderr, "xlat64: out of memory\n");
		return NULL;
	}
	conf_defaults(c);
	if (!conf_load(path, c, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		free(c);
		return NULL;
	}
	return c;
}

/* run and check both load a configuration, then act on it. */
static int with_config(const char *cmd, int argc, char **argv, int (*act)(const char *path, const struct conf *))
{
	int status = EXIT_USAGE;
	const char *path = config_path(cmd, argc, argv, &status);
	struct conf *c;

	if (!path)
		return status;
	c = load(path);
	if (!c)
		return EXIT_FAILURE;
	status = act(path, c);
	free(c);
	return status;
}

static int print_config(const char *path, const struct conf *c)
{
	(void)path;
	conf_print(stdout, c);
	return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* RFC 6052 §3.1: the translator will not carry this address under the Well-Known Prefix by default. */
static void warn_nonglobal(const struct prefix6 *p, struct in_addr a)
{
	char s[INET_ADDRSTRLEN];

	if (!rfc6052_nonglobal_refused(p, a, false))
		return;
	fprintf(stderr, "xlat64 map: warning: %s is not a global IPv4 address; with " WKP_TEXT " the translator "
		"drops it (RFC 6052 section 3.1) unless allow-nonglobal-ipv4 is on\n",
		inet_ntop(AF_INET, &a, s, sizeof(s)));
}

static int cmd_map(int argc, char **argv)
{
	const char *addr = NULL, *ptext = WKP_TEXT, *why;
	struct prefix6 p;
	struct in_addr v4;
	struct in6_addr v6;
	char out[INET6_ADDRSTRLEN];

	for (int i = 1; i < argc; i++) {
		bool bad = false;
		const char *v = opt_value(argc, argv, &i, "-p", "--prefix", &bad);

		if (bad)
			return usage_error("map", "%s needs a prefix, e.g. " WKP_TEXT, argv[i]);
		if (v)
			ptext = v;
		else if (argv[i][0] == '-')
			return usage_error("map", "unknown option '%s'", argv[i]);
		else if (addr)
			return usage_error("map", "one address at a time, but also got '%s'", argv[i]);
		else
			addr = argv[i];
	}
	if (!addr)
		return usage_error("map", "needs an IPv4 or IPv6 address");
	if (!prefix6_parse(ptext, &p, &why) || !rfc6052_prefix_valid(&p, &why)) {
		fprintf(stderr, "xlat64 map: prefix %s: %s\n", ptext, why);
		return EXIT_USAGE;
	}
	if (inet_pton(AF_INET, addr, &v4) == 1) {
		rfc6052_embed(&p, v4, &v6);
		printf("%s\n", inet_ntop(AF_INET6, &v6, out, sizeof(out)));
	} else if (inet_pton(AF_INET6, addr, &v6) == 1) {
		if (!rfc6052_extract(&p, &v6, &v4)) {
			fprintf(stderr, "xlat64 map: %s is not inside the prefix %s\n", addr, ptext);
			return EXIT_FAILURE;
		}
		printf("%s\n", inet_ntop(AF_INET, &v4, out, sizeof(out)));
	} else {
		return usage_error("map", "'%s' is neither an IPv4 nor an IPv6 address", addr);
	}
	warn_nonglobal(&p, v4);
	return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* The commands that ask the running daemon: each --FLAG becomes the request word FLAG. */
static int cmd_ctl(const char *cmd, int argc, char **argv)
{
	static const char *const flags[] = { "--all", "--explain", "--json" };
	const char *path = CONF_DEFAULT_SOCKET;
	char req[CTL_LINE_MAX + 1], err[256];
	unsigned seen = 0;
	struct ctl_req r;

	snprintf(req, sizeof(req), "%s", cmd);
	for (int i = 1; i < argc; i++) {
		bool bad = false;
		const char *v = opt_value(argc, argv, &i, NULL, "--socket", &bad);
		unsigned f = 0;

		if (bad)
			return usage_error(cmd, "--socket needs a path");
		if (v) {
			path = v;
			continue;
		}
		while (f < sizeof(flags) / sizeof(flags[0]) && strcmp(argv[i], flags[f]))
			f++;
		if (f == sizeof(flags) / sizeof(flags[0]))
			return usage_error(cmd, "%s '%s'", argv[i][0] == '-' ? "unknown option" : "unexpected argument",
					   argv[i]);
		/* Once each, so that the request stays short however often a flag is repeated. */
		if (!(seen & 1u << f))
			snprintf(req + strlen(req), sizeof(req) - strlen(req), " %s", flags[f] + 2);
		seen |= 1u << f;
	}
	if (!path[0] || strlen(path) >= SOCKET_SIZE)
		return usage_error(cmd, "--socket needs a path of 1 to %zu characters", SOCKET_SIZE - 1);
	/* The daemon would refuse it too; this says so without a daemon, as a usage error. */
	if (!ctl_parse(req, strlen(req), &r, err, sizeof(err)))
		return usage_error(cmd, "%s", err);
	return ctl_request(path, req, stdout);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "run"))
		return with_config("run", argc - 1, argv + 1, daemon_run);
	if (!strcmp(cmd, "check"))
		return with_config("check", argc - 1, argv + 1, print_config);
	if (!strcmp(cmd, "discover"))
		return discover_cli(argc - 1, argv + 1);
	if (!strcmp(cmd, "map"))
		return cmd_map(argc - 1, argv + 1);
	if (ctl_cmd_find(cmd) >= 0)
		return cmd_ctl(cmd, argc - 1, argv + 1);
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("xlat64 %s\n", XLAT64_VERSION);
		return EXIT_SUCCESS;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	return usage_error(NULL, "unknown command '%s'", cmd);
}
