/*
 * The configuration file, xlat64.conf(5): one "key value..." per line, '#' starts a comment. Everything
 * a key needs (its parser, its printer, what its value must look like, where it lives in struct conf)
 * is one row of conf_keys[], so the "expected one of" list, the error messages and conf_print() cannot
 * drift apart. Errors are "name:line: message", the first one ends the parse, and a failed parse leaves
 * the caller's struct untouched, so a reload with a bad file keeps the running configuration. The mode
 * nat64 keys' parsers and whole-file checks are in conf_nat64.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_internal.h"

#define CONF_LINE_MAX 1024
#define CONF_FILE_MAX (1024 * 1024)
#define CONF_VALUES_MAX 3		/* the most values any key takes (pool4, bib) */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define STR_(x) #x
#define STR(x) STR_(x)

_Static_assert(sizeof(unsigned) == sizeof(uint32_t), "number fields are read as uint32_t");
_Static_assert(offsetof(struct conf, xlat) > 0, "has == 0 cannot name a flag");

bool conf_fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->errlen)
		return false;
	n = snprintf(p->err, p->errlen, "%s:%u: ", p->name, p->line);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return false;
}

/* What a key's value must look like, for messages. */
static const char *expect(const struct conf_key *k, char *buf, size_t n)
{
	char lo[CONF_DURATION_LEN], hi[CONF_DURATION_LEN];

	if (!k->max)
		return k->expect;
	if (k->parse == conf_parse_duration)
		snprintf(buf, n, "%s from %s to %s", k->expect, conf_duration_fmt(k->min, lo, sizeof(lo)),
			 conf_duration_fmt(k->max, hi, sizeof(hi)));
	else
		snprintf(buf, n, "%s from %u to %u", k->expect, k->min, k->max);
	return buf;
}

/* "key: message (expected ...)": every value error tells the admin what would have been accepted. */
bool conf_bad(struct parser *p, const struct conf_key *k, const char *fmt, ...)
{
	char msg[256], want[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return conf_fail(p, "%s: %s (expected %s)", k->name, msg, expect(k, want, sizeof(want)));
}

/* Where the next value goes: the field, or the next free element of a list (NULL when it is full). */
static void *slot(const struct conf_key *k, const struct conf *c)
{
	unsigned n;

	if (!k->cap)
		return conf_at(c, k->off);
	n = *(unsigned *)conf_at(c, k->has);
	return n < k->cap ? conf_at(c, k->off + n * k->size) : NULL;
}

static void mark_set(const struct conf_key *k, struct conf *c)
{
	if (k->cap)
		(*(unsigned *)conf_at(c, k->has))++;
	else if (k->has)
		*(bool *)conf_at(c, k->has) = true;
}

/* How many values to print: list length, or 0/1 for an optional key. */
static unsigned count(const struct conf_key *k, const struct conf *c)
{
	if (k->cap)
		return *(unsigned *)conf_at(c, k->has);
	return !k->has || *(bool *)conf_at(c, k->has);
}

/* Keys with no value still appear, as a comment, so `xlat64 check` shows every key. */
static void print_unset(const struct conf_key *k, FILE *f)
{
	fprintf(f, "# %s (%s)\n", k->name, k->cap ? "none" : "not set");
}

/* Plain decimal, no sign, no overflow: strtoul would take "-1" and " 5". */
bool conf_parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

static const char *const conf_mode_names[] = {
	[CONF_MODE_SIIT] = "siit", [CONF_MODE_NAT64] = "nat64", [CONF_MODE_NONE] = "none", [CONF_MODE_CLAT] = "clat",
};

const char *conf_mode_name(enum conf_mode m)
{
	return (size_t)m < ARRAY_SIZE(conf_mode_names) ? conf_mode_names[m] : "unknown";
}

bool conf_has_service(const struct conf *c)
{
	(void)c;
	return false;
}

static bool parse_mode(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	for (size_t i = 0; i < ARRAY_SIZE(conf_mode_names); i++) {
		if (i == CONF_MODE_CLAT && !strcmp(v[0], conf_mode_names[i]))
			return conf_bad(p, k, "mode %s is not implemented yet", v[0]);
		if (!strcmp(v[0], conf_mode_names[i])) {
			c->mode = (enum conf_mode)i;
			return true;
		}
	}
	return conf_bad(p, k, "unknown mode");
}

static void print_mode(const struct conf_key *k, const struct conf *c, FILE *f)
{
	fprintf(f, "%s %s\n", k->name, conf_mode_names[c->mode]);
}

static bool parse_ifname(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	size_t n = strlen(v[0]);

	/* Linux dev_valid_name(): no '/', ':' or space, not "." or ".."; we allow a safe subset. */
	if (n >= k->size || strspn(v[0], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != n ||
	    !strcmp(v[0], ".") || !strcmp(v[0], ".."))
		return conf_bad(p, k, "invalid interface name");
	memcpy(conf_at(c, k->off), v[0], n + 1);
	return true;
}

static bool parse_path(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	size_t n = strlen(v[0]);

	/* sun_path is 108 bytes including the terminator. */
	if (v[0][0] != '/' || n >= k->size)
		return conf_bad(p, k, "invalid path");
	memcpy(conf_at(c, k->off), v[0], n + 1);
	return true;
}

static void print_string(const struct conf_key *k, const struct conf *c, FILE *f)
{
	fprintf(f, "%s %s\n", k->name, (const char *)conf_at(c, k->off));
}

static bool parse_uint(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	uint32_t n;

	if (!conf_parse_u32(v[0], k->max, &n) || n < k->min)
		return conf_bad(p, k, "invalid number");
	if (k->size == sizeof(uint8_t))
		*(uint8_t *)conf_at(c, k->off) = (uint8_t)n;
	else
		*(uint32_t *)conf_at(c, k->off) = n;
	mark_set(k, c);
	return true;
}

static void print_uint(const struct conf_key *k, const struct conf *c, FILE *f)
{
	const void *v = conf_at(c, k->off);

	if (!count(k, c))
		print_unset(k, f);
	else
		fprintf(f, "%s %u\n", k->name, k->size == sizeof(uint8_t) ? *(const uint8_t *)v : *(const uint32_t *)v);
}

static bool parse_bool(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	static const char *const yes[] = { "yes", "on", "true" }, *const no[] = { "no", "off", "false" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(v[0], yes[i]) || !strcasecmp(v[0], no[i])) {
			*(bool *)conf_at(c, k->off) = !strcasecmp(v[0], yes[i]);
			return true;
		}
	}
	return conf_bad(p, k, "not a boolean");
}

static void print_bool(const struct conf_key *k, const struct conf *c, FILE *f)
{
	fprintf(f, "%s %s\n", k->name, *(const bool *)conf_at(c, k->off) ? "yes" : "no");
}

static bool parse_addr(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	if (inet_pton(k->af, v[0], conf_at(c, k->off)) != 1)
		return conf_bad(p, k, "not an IPv%c address", k->af == AF_INET ? '4' : '6');
	mark_set(k, c);
	return true;
}

static void print_addr(const struct conf_key *k, const struct conf *c, FILE *f)
{
	char buf[INET6_ADDRSTRLEN];

	if (!count(k, c))
		print_unset(k, f);
	else
		fprintf(f, "%s %s\n", k->name, inet_ntop(k->af, conf_at(c, k->off), buf, sizeof(buf)));
}

static bool parse_prefix(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	void *dst = slot(k, c);
	const char *why = "invalid prefix";
	bool ok;

	if (!dst)
		return conf_fail(p, "%s: too many %s lines (at most %u)", k->name, k->name, k->cap);
	ok = k->af == AF_INET ? prefix4_parse(v[0], dst, &why) : prefix6_parse(v[0], dst, &why);
	if (!ok)
		return conf_bad(p, k, "%s", why);
	mark_set(k, c);
	return true;
}

static void print_prefix(const struct conf_key *k, const struct conf *c, FILE *f)
{
	char buf[INET6_ADDRSTRLEN + 4];
	unsigned n = count(k, c);

	if (!n)
		print_unset(k, f);
	for (unsigned i = 0; i < n; i++) {
		const void *v = conf_at(c, k->off + i * k->size);

		fprintf(f, "%s %s\n", k->name,
			k->af == AF_INET ? prefix4_fmt(v, buf, sizeof(buf)) : prefix6_fmt(v, buf, sizeof(buf)));
	}
}

/* RFC 6052 §2.2 limits the pool6 lengths and reserves the u-octet; checked here so the line is known. */
static bool parse_pool6(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	const char *why = "invalid prefix";

	if (!parse_prefix(k, c, v, p))
		return false;
	if (!rfc6052_prefix_valid(&c->xlat.pool6, &why))
		return conf_fail(p, "%s: %s", k->name, why);
	return true;
}

static bool parse_eamt(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	const char *why = "invalid prefix";
	struct prefix4 p4;
	struct prefix6 p6;

	if (!prefix4_parse(v[0], &p4, &why))
		return conf_bad(p, k, "IPv4 prefix: %s", why);
	if (!prefix6_parse(v[1], &p6, &why))
		return conf_bad(p, k, "IPv6 prefix: %s", why);
	if (!eamt_add(&c->xlat.eamt, &p6, &p4, &why))
		return conf_fail(p, "%s: %s", k->name, why);
	return true;
}

static void print_eamt(const struct conf_key *k, const struct conf *c, FILE *f)
{
	char b4[INET_ADDRSTRLEN + 4], b6[INET6_ADDRSTRLEN + 4];
	const struct eamt *t = &c->xlat.eamt;

	if (!count(k, c))
		print_unset(k, f);
	for (unsigned i = 0; i < t->n; i++)
		fprintf(f, "%s %s %s\n", k->name, prefix4_fmt(&t->e[i].p4, b4, sizeof(b4)),
			prefix6_fmt(&t->e[i].p6, b6, sizeof(b6)));
}

/* RFC 1191 §7: the table is searched from the top for the first plateau below the packet's length, so it
 * must be strictly descending; a list out of order would silently pick the wrong MTU. */
static bool parse_plateaus(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	struct xlat_conf *x = &c->xlat;
	char *s = v[0], *item;
	unsigned n = 0;
	uint32_t mtu;

	while ((item = strsep(&s, ","))) {
		if (n == XLAT_PLATEAUS_MAX)
			return conf_bad(p, k, "more than %u values", XLAT_PLATEAUS_MAX);
		if (!conf_parse_u32(item, k->max, &mtu) || mtu < k->min)
			return conf_bad(p, k, "invalid value %u in the list", n + 1);
		if (n && mtu >= x->plateaus[n - 1])
			return conf_bad(p, k, "%u after %u is not in descending order", mtu, x->plateaus[n - 1]);
		x->plateaus[n++] = (uint16_t)mtu;
	}
	x->n_plateaus = n;
	return true;
}

static void print_plateaus(const struct conf_key *k, const struct conf *c, FILE *f)
{
	fprintf(f, "%s", k->name);
	for (unsigned i = 0; i < c->xlat.n_plateaus; i++)
		fprintf(f, "%c%u", i ? ',' : ' ', c->xlat.plateaus[i]);
	fprintf(f, "\n");
}

#define FIELD(f) .off = offsetof(struct conf, f), .size = sizeof(((struct conf *)0)->f)
#define FLAG(f) .has = offsetof(struct conf, f)
#define LIST(f, n) .off = offsetof(struct conf, f), .size = sizeof(((struct conf *)0)->f[0]), \
	.has = offsetof(struct conf, n), .cap = ARRAY_SIZE(((struct conf *)0)->f)
#define MODE(m) (1u << (m))
#define SIIT_ONLY .only = MODE(CONF_MODE_SIIT)
#define NAT64_ONLY .only = MODE(CONF_MODE_NAT64)
#define TIMEOUT(f) FIELD(nat64.f), .min = 1000, .max = NAT64_TIMEOUT_MAX, NAT64_ONLY

static const char duration[] = "a duration such as 90s, 5m, 1h30m, 500ms or 0:05:00";

/* In the order of xlat64.conf(5) and of conf_print(). */
static const struct conf_key conf_keys[] = {
	{ "mode", parse_mode, print_mode, "siit, nat64 or none", 1, FIELD(mode) },
	{ "device", parse_ifname, print_string, "1 to 15 of A-Z a-z 0-9 _ . -", 1, FIELD(device) },
	{ "queues", parse_uint, print_uint, "a number", 1, FIELD(queues), .max = 64 },
	{ "mtu", parse_uint, print_uint, "a number", 1, FIELD(tun_mtu), .min = 1280, .max = 65535 },
	{ "socket", parse_path, print_string, "an absolute path under 108 characters", 1, FIELD(socket) },
	{ "pool6", parse_pool6, print_prefix, "an RFC 6052 prefix such as 64:ff9b::/96", 1, FIELD(xlat.pool6),
	  FLAG(xlat.has_pool6), .af = AF_INET6 },
	{ "allow-nonglobal-ipv4", parse_bool, print_bool, "yes or no", 1, FIELD(xlat.allow_nonglobal) },
	{ "eamt", parse_eamt, print_eamt, "an IPv4 prefix and an IPv6 prefix, e.g. 192.0.2.0/24 2001:db8::/120",
	  2, FIELD(xlat.eamt), FLAG(xlat.eamt.n), .cap = EAMT_MAX, SIIT_ONLY },
	{ "rfc6791-v4", parse_prefix, print_prefix, "an IPv4 prefix", 1, FIELD(xlat.pool6791v4),
	  FLAG(xlat.has_6791v4), .af = AF_INET, SIIT_ONLY },
	{ "rfc6791-v6", parse_prefix, print_prefix, "an IPv6 prefix", 1, FIELD(xlat.pool6791v6),
	  FLAG(xlat.has_6791v6), .af = AF_INET6, SIIT_ONLY },
	{ "address4", parse_addr, print_addr, "an IPv4 address", 1, FIELD(xlat.own4), FLAG(xlat.has_own4),
	  .af = AF_INET },
	{ "address6", parse_addr, print_addr, "an IPv6 address", 1, FIELD(xlat.own6), FLAG(xlat.has_own6),
	  .af = AF_INET6 },
	{ "route4", parse_prefix, print_prefix, "an IPv4 prefix", 1, LIST(route4, n_route4), .af = AF_INET },
	{ "route6", parse_prefix, print_prefix, "an IPv6 prefix", 1, LIST(route6, n_route6), .af = AF_INET6 },
	{ "lowest-ipv6-mtu", parse_uint, print_uint, "a number", 1, FIELD(xlat.lowest_ipv6_mtu), .min = 1280,
	  .max = 65535 },
	{ "mtu-plateaus", parse_plateaus, print_plateaus,
	  "a comma-separated list (no spaces), in descending order, of at most " STR(XLAT_PLATEAUS_MAX) " numbers",
	  1, FIELD(xlat.plateaus), .min = 68, .max = 65535 },
	{ "amend-udp-checksum-zero", parse_bool, print_bool, "yes or no", 1, FIELD(xlat.amend_udp_zero_csum) },
	{ "zeroize-traffic-class", parse_bool, print_bool, "yes or no", 1, FIELD(xlat.zeroize_traffic_class) },
	{ "tos", parse_uint, print_uint, "a number", 1, FIELD(xlat.tos), FLAG(xlat.override_tos), .max = 255 },
	{ "pool4", conf_parse_pool4, conf_print_pool4,
	  "an IPv4 prefix, optionally a port range and tcp, udp or icmp, e.g. 192.0.2.1 61001-65535 tcp",
	  1, .opt = 2, LIST(pool4, n_pool4), NAT64_ONLY },
	{ "masquerade", parse_bool, print_bool, "yes or no", 1, FIELD(masquerade), NAT64_ONLY },
	{ "bib", conf_parse_bib, conf_print_bib,
	  "tcp, udp or icmp, then an IPv4 and an IPv6 transport address, e.g. tcp 192.0.2.1#80 2001:db8::5#8080",
	  3, LIST(bib, n_bib), NAT64_ONLY },
	{ "udp-timeout", conf_parse_duration, conf_print_duration, duration, 1, TIMEOUT(udp_timeout) },
	{ "tcp-est-timeout", conf_parse_duration, conf_print_duration, duration, 1, TIMEOUT(tcp_est_timeout) },
	{ "tcp-trans-timeout", conf_parse_duration, conf_print_duration, duration, 1, TIMEOUT(tcp_trans_timeout) },
	{ "icmp-timeout", conf_parse_duration, conf_print_duration, duration, 1, TIMEOUT(icmp_timeout) },
	{ "max-sessions", parse_uint, print_uint, "a number, 0 for no limit,", 1, FIELD(nat64.max_sessions),
	  .max = UINT32_MAX, NAT64_ONLY },
	{ "max-sessions-per-source", parse_uint, print_uint, "a number, 0 for no limit,", 1,
	  FIELD(nat64.max_sessions_per_src), .max = UINT32_MAX, NAT64_ONLY },
	{ "maximum-simultaneous-opens", parse_uint, print_uint, "a number", 1, FIELD(nat64.max_syn4),
	  .max = 65536, NAT64_ONLY },
	{ "address-dependent-filtering", parse_bool, print_bool, "yes or no", 1, FIELD(nat64.adf), NAT64_ONLY },
	{ "drop-externally-initiated-tcp", parse_bool, print_bool, "yes or no", 1, FIELD(nat64.drop_external_tcp),
	  NAT64_ONLY },
	{ "source-icmpv6-errors-better", parse_bool, print_bool, "yes or no", 1, FIELD(nat64.icmp6_errors_better),
	  NAT64_ONLY },
	{ "handle-rst-during-fin-rcv", parse_bool, print_bool, "yes or no", 1, FIELD(nat64.rst_during_fin_rcv),
	  NAT64_ONLY },
};

static const struct conf_key *find_key(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(conf_keys); i++)
		if (!strcmp(name, conf_keys[i].name))
			return &conf_keys[i];
	return NULL;
}

static bool unknown_key(struct parser *p, const char *key)
{
	char list[1024];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(conf_keys) && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", conf_keys[i].name);
	return conf_fail(p, "unknown key \"%.64s\" (expected one of: %s)", key, list);
}

/* '#' starts a comment, except inside a transport address in Jool's notation, 192.0.2.1#80: there it
 * follows a character of the value and precedes a digit. Anything else with such a '#' in it is invalid
 * for every other key, so no comment is ever taken for a value by mistake. */
static void strip_comment(char *s)
{
	for (char *q = s; *q; q++) {
		if (*q == '#' && (q == s || strchr(" \t\r", q[-1]) || q[1] < '0' || q[1] > '9')) {
			*q = '\0';
			return;
		}
	}
}

/* `first` holds, per key, the first line it was seen on (0 = not yet): duplicates of single keys are
 * errors rather than "last one wins", because a forgotten earlier line is usually a mistake. */
static bool parse_line(struct parser *p, struct conf *c, unsigned *first, const char *s, size_t len)
{
	/* The key, its values, one more to notice "too many values", and the NULL the parsers stop at. */
	char buf[CONF_LINE_MAX + 1], *tok[CONF_VALUES_MAX + 3], *save, *t;
	const struct conf_key *k;
	unsigned n = 0;

	if (len > CONF_LINE_MAX)
		return conf_fail(p, "line too long (more than %u characters)", CONF_LINE_MAX);
	memcpy(buf, s, len);
	buf[len] = '\0';
	strip_comment(buf);
	for (char *q = buf; *q; q++) {
		unsigned char ch = (unsigned char)*q;

		if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f)
			return conf_fail(p, "control character 0x%02x (expected key and values separated by spaces or tabs)", ch);
	}
	for (t = strtok_r(buf, " \t\r", &save); t && n < ARRAY_SIZE(tok) - 1; t = strtok_r(NULL, " \t\r", &save))
		tok[n++] = t;
	if (!n)
		return true;
	tok[n] = NULL;
	k = find_key(tok[0]);
	if (!k)
		return unknown_key(p, tok[0]);
	if (n - 1 < k->values)
		return conf_bad(p, k, "missing value");
	if (n - 1 > k->values + k->opt)
		return conf_bad(p, k, "too many values");
	if (!k->cap && first[k - conf_keys])
		return conf_fail(p, "%s: duplicate key (already set on line %u)", k->name, first[k - conf_keys]);
	if (!first[k - conf_keys])
		first[k - conf_keys] = p->line;
	return k->parse(k, c, tok + 1, p);
}

/* The modes a key belongs to, for messages: "siit", "siit or nat64", "siit, nat64 or none". */
static const char *only_mode(const struct conf_key *k, char *buf, size_t n)
{
	unsigned left = (unsigned)__builtin_popcount(k->only);
	size_t len = 0;

	buf[0] = 0;
	for (size_t m = 0; m < ARRAY_SIZE(conf_mode_names); m++) {
		if (!(k->only & MODE(m)))
			continue;
		left--;
		len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s", conf_mode_names[m],
					left > 1 ? ", " : left == 1 ? " or " : "");
	}
	return buf;
}

/* A key of the other mode is an error at its first line. Decided after the last line because `mode` may
 * come anywhere; when several are wrong, the earliest is reported, as if the file were read in order. */
static bool check_modes(struct parser *p, const struct conf *c, const unsigned *first)
{
	unsigned mode_line = first[find_key("mode") - conf_keys];
	const struct conf_key *bad = NULL;
	char modes[64];

	for (size_t i = 0; i < ARRAY_SIZE(conf_keys); i++) {
		const struct conf_key *k = &conf_keys[i];

		if (first[i] && k->only && !(k->only & MODE(c->mode)) && (!bad || first[i] < first[bad - conf_keys]))
			bad = k;
	}
	if (!bad)
		return true;
	p->line = first[bad - conf_keys];
	if (mode_line)
		return conf_fail(p, "%s: only in mode %s (line %u sets mode %s)", bad->name,
				 only_mode(bad, modes, sizeof(modes)), mode_line, conf_mode_names[c->mode]);
	return conf_fail(p, "%s: only in mode %s (the mode is %s, the default)", bad->name,
			 only_mode(bad, modes, sizeof(modes)), conf_mode_names[c->mode]);
}

void conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = CONF_MODE_SIIT;
	strcpy(c->device, "xlat64");
	c->tun_mtu = 1500;
	strcpy(c->socket, CONF_DEFAULT_SOCKET);
	xlat_conf_defaults(&c->xlat);
	nat64_conf_defaults(&c->nat64);
}

bool conf_parse(const char *name, const char *text, struct conf *out, char *err, size_t errlen)
{
	struct parser *p = malloc(sizeof(*p));
	unsigned first[ARRAY_SIZE(conf_keys)] = { 0 };
	struct conf *c = malloc(sizeof(*c));
	bool ok = p && c;

	if (!ok) {
		snprintf(err, errlen, "%s:0: out of memory", name);
		goto out;
	}
	*p = (struct parser){ .name = name, .err = err, .errlen = errlen };
	conf_defaults(c);
	while (ok && *text) {
		const char *end = strchrnul(text, '\n');

		p->line++;
		ok = parse_line(p, c, first, text, (size_t)(end - text));
		text = *end ? end + 1 : end;
	}
	/* Whole-file rules. Those that belong to no single line are reported on line 0. */
	ok = ok && check_modes(p, c, first);
	p->line = 0;
	if (ok && c->mode == CONF_MODE_SIIT && !c->xlat.has_pool6 && !c->xlat.eamt.n)
		ok = conf_fail(p, "mode siit needs a pool6 line or at least one eamt line");
	if (ok && c->mode == CONF_MODE_NAT64)
		ok = conf_nat64_finish(p, c, first[find_key("masquerade") - conf_keys]);
	if (ok && c->mode == CONF_MODE_NONE && !conf_has_service(c))
		ok = conf_fail(p, "mode none runs no translator, so it needs a service: dns64-listen or pref64-interface");
	if (ok)
		*out = *c;
out:
	free(p);
	free(c);
	return ok;
}

bool conf_load(const char *path, struct conf *c, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf, *nul;
	size_t n;
	bool ok;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	buf = malloc(CONF_FILE_MAX + 2);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return false;
	}
	n = fread(buf, 1, CONF_FILE_MAX + 1, f);
	ok = !ferror(f);
	if (!ok)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	fclose(f);
	if (ok && n > CONF_FILE_MAX) {
		snprintf(err, errlen, "%s: file too large (more than %u bytes)", path, CONF_FILE_MAX);
		ok = false;
	}
	/* conf_parse() sees a C string; a NUL would silently cut the file short. */
	if (ok && (nul = memchr(buf, '\0', n))) {
		unsigned line = 1;

		for (const char *q = buf; q < nul; q++)
			line += *q == '\n';
		snprintf(err, errlen, "%s:%u: NUL byte (expected a text file)", path, line);
		ok = false;
	}
	if (ok) {
		buf[n] = '\0';
		ok = conf_parse(path, buf, c, err, errlen);
	}
	free(buf);
	return ok;
}

/* In a mode's configuration the other mode's keys are comments, so the output always parses back. The
 * default pool4 of mode nat64 comes out as the pool4 lines it stands for, together with the masquerade it
 * implied: read back, they give the same struct conf. */
void conf_print(FILE *f, const struct conf *c)
{
	char modes[64];

	for (size_t i = 0; i < ARRAY_SIZE(conf_keys); i++) {
		const struct conf_key *k = &conf_keys[i];

		if (k->only && !(k->only & MODE(c->mode)))
			fprintf(f, "# %s (only in mode %s)\n", k->name, only_mode(k, modes, sizeof(modes)));
		else
			k->print(k, c, f);
	}
}
