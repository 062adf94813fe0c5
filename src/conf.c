/*
 * The configuration file, xlat64.conf(5): one "key value..." per line, '#' starts a comment. Everything
 * a key needs (its parser, its printer, what its value must look like, where it lives in struct conf)
 * is one row of conf_keys[], so the "expected one of" list, the error messages and conf_print() cannot
 * drift apart. Errors are "name:line: message", the first one ends the parse, and a failed parse leaves
 * the caller's struct untouched, so a reload with a bad file keeps the running configuration.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"

#define CONF_LINE_MAX 1024
#define CONF_FILE_MAX (1024 * 1024)
#define CONF_VALUES_MAX 2		/* the most values any key takes (eamt) */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define STR_(x) #x
#define STR(x) STR_(x)

struct parser {
	const char *name;
	unsigned line;		/* 0 once the whole file is being validated */
	char *err;
	size_t errlen;
};

struct conf_key;
typedef bool conf_parse_fn(const struct conf_key *k, struct conf *c, char **v, struct parser *p);
typedef void conf_print_fn(const struct conf_key *k, const struct conf *c, FILE *f);

struct conf_key {
	const char *name;
	conf_parse_fn *parse;
	conf_print_fn *print;
	const char *expect;	/* what the value looks like; numbers get " from MIN to MAX" appended */
	unsigned values;	/* how many values follow the key */
	size_t off, size;	/* the value inside struct conf (for lists: the array and one element) */
	size_t has;		/* its "is set" bool, or for repeatable keys its unsigned count; 0 = always set */
	unsigned cap;		/* repeatable keys: capacity; 0 = the key may appear only once */
	uint32_t min, max;	/* numbers: the accepted range */
	int af;			/* addresses and prefixes: AF_INET or AF_INET6 */
};

_Static_assert(sizeof(unsigned) == sizeof(uint32_t), "number fields are read as uint32_t");
_Static_assert(offsetof(struct conf, xlat) > 0, "has == 0 cannot name a flag");

/* The printers only read through it. */
static void *at(const struct conf *c, size_t off)
{
	return (char *)c + off;
}

__attribute__((format(printf, 2, 3)))
static bool fail(struct parser *p, const char *fmt, ...)
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
	if (!k->max)
		return k->expect;
	snprintf(buf, n, "%s from %u to %u", k->expect, k->min, k->max);
	return buf;
}

/* "key: message (expected ...)": every value error tells the admin what would have been accepted. */
__attribute__((format(printf, 3, 4)))
static bool bad(struct parser *p, const struct conf_key *k, const char *fmt, ...)
{
	char msg[256], want[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fail(p, "%s: %s (expected %s)", k->name, msg, expect(k, want, sizeof(want)));
}

/* Where the next value goes: the field, or the next free element of a list (NULL when it is full). */
static void *slot(const struct conf_key *k, const struct conf *c)
{
	unsigned n;

	if (!k->cap)
		return at(c, k->off);
	n = *(unsigned *)at(c, k->has);
	return n < k->cap ? at(c, k->off + n * k->size) : NULL;
}

static void mark_set(const struct conf_key *k, struct conf *c)
{
	if (k->cap)
		(*(unsigned *)at(c, k->has))++;
	else if (k->has)
		*(bool *)at(c, k->has) = true;
}

/* How many values to print: list length, or 0/1 for an optional key. */
static unsigned count(const struct conf_key *k, const struct conf *c)
{
	if (k->cap)
		return *(unsigned *)at(c, k->has);
	return !k->has || *(bool *)at(c, k->has);
}

/* Keys with no value still appear, as a comment, so `xlat64 check` shows every key. */
static void print_unset(const struct conf_key *k, FILE *f)
{
	fprintf(f, "# %s (%s)\n", k->name, k->cap ? "none" : "not set");
}

/* Plain decimal, no sign, no overflow: strtoul would take "-1" and " 5". */
static bool parse_u32(const char *s, uint32_t max, uint32_t *out)
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

static const char *const conf_mode_names[] = { [CONF_MODE_SIIT] = "siit" };

static bool parse_mode(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	for (size_t i = 0; i < ARRAY_SIZE(conf_mode_names); i++) {
		if (!strcmp(v[0], conf_mode_names[i])) {
			c->mode = (enum conf_mode)i;
			return true;
		}
	}
	if (!strcmp(v[0], "nat64") || !strcmp(v[0], "clat"))
		return bad(p, k, "mode %s is not implemented yet", v[0]);
	return bad(p, k, "unknown mode");
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
		return bad(p, k, "invalid interface name");
	memcpy(at(c, k->off), v[0], n + 1);
	return true;
}

static bool parse_path(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	size_t n = strlen(v[0]);

	/* sun_path is 108 bytes including the terminator. */
	if (v[0][0] != '/' || n >= k->size)
		return bad(p, k, "invalid path");
	memcpy(at(c, k->off), v[0], n + 1);
	return true;
}

static void print_string(const struct conf_key *k, const struct conf *c, FILE *f)
{
	fprintf(f, "%s %s\n", k->name, (const char *)at(c, k->off));
}

static bool parse_uint(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	uint32_t n;

	if (!parse_u32(v[0], k->max, &n) || n < k->min)
		return bad(p, k, "invalid number");
	if (k->size == sizeof(uint8_t))
		*(uint8_t *)at(c, k->off) = (uint8_t)n;
	else
		*(uint32_t *)at(c, k->off) = n;
	mark_set(k, c);
	return true;
}

static void print_uint(const struct conf_key *k, const struct conf *c, FILE *f)
{
	const void *v = at(c, k->off);

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
			*(bool *)at(c, k->off) = !strcasecmp(v[0], yes[i]);
			return true;
		}
	}
	return bad(p, k, "not a boolean");
}

static void print_bool(const struct conf_key *k, const struct conf *c, FILE *f)
{
	fprintf(f, "%s %s\n", k->name, *(const bool *)at(c, k->off) ? "yes" : "no");
}

static bool parse_addr(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	if (inet_pton(k->af, v[0], at(c, k->off)) != 1)
		return bad(p, k, "not an IPv%c address", k->af == AF_INET ? '4' : '6');
	mark_set(k, c);
	return true;
}

static void print_addr(const struct conf_key *k, const struct conf *c, FILE *f)
{
	char buf[INET6_ADDRSTRLEN];

	if (!count(k, c))
		print_unset(k, f);
	else
		fprintf(f, "%s %s\n", k->name, inet_ntop(k->af, at(c, k->off), buf, sizeof(buf)));
}

static bool parse_prefix(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	void *dst = slot(k, c);
	const char *why = "invalid prefix";
	bool ok;

	if (!dst)
		return fail(p, "%s: too many %s lines (at most %u)", k->name, k->name, k->cap);
	ok = k->af == AF_INET ? prefix4_parse(v[0], dst, &why) : prefix6_parse(v[0], dst, &why);
	if (!ok)
		return bad(p, k, "%s", why);
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
		const void *v = at(c, k->off + i * k->size);

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
		return fail(p, "%s: %s", k->name, why);
	return true;
}

static bool parse_eamt(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	const char *why = "invalid prefix";
	struct prefix4 p4;
	struct prefix6 p6;

	if (!prefix4_parse(v[0], &p4, &why))
		return bad(p, k, "IPv4 prefix: %s", why);
	if (!prefix6_parse(v[1], &p6, &why))
		return bad(p, k, "IPv6 prefix: %s", why);
	if (!eamt_add(&c->xlat.eamt, &p6, &p4, &why))
		return fail(p, "%s: %s", k->name, why);
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
			return bad(p, k, "more than %u values", XLAT_PLATEAUS_MAX);
		if (!parse_u32(item, k->max, &mtu) || mtu < k->min)
			return bad(p, k, "invalid value %u in the list", n + 1);
		if (n && mtu >= x->plateaus[n - 1])
			return bad(p, k, "%u after %u is not in descending order", mtu, x->plateaus[n - 1]);
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

/* In the order of xlat64.conf(5) and of conf_print(). */
static const struct conf_key conf_keys[] = {
	{ "mode", parse_mode, print_mode, "siit", 1, FIELD(mode) },
	{ "device", parse_ifname, print_string, "1 to 15 of A-Z a-z 0-9 _ . -", 1, FIELD(device) },
	{ "queues", parse_uint, print_uint, "a number", 1, FIELD(queues), .max = 64 },
	{ "mtu", parse_uint, print_uint, "a number", 1, FIELD(tun_mtu), .min = 1280, .max = 65535 },
	{ "socket", parse_path, print_string, "an absolute path under 108 characters", 1, FIELD(socket) },
	{ "pool6", parse_pool6, print_prefix, "an RFC 6052 prefix such as 64:ff9b::/96", 1, FIELD(xlat.pool6),
	  FLAG(xlat.has_pool6), .af = AF_INET6 },
	{ "allow-nonglobal-ipv4", parse_bool, print_bool, "yes or no", 1, FIELD(xlat.allow_nonglobal) },
	{ "eamt", parse_eamt, print_eamt, "an IPv4 prefix and an IPv6 prefix, e.g. 192.0.2.0/24 2001:db8::/120",
	  2, FIELD(xlat.eamt), FLAG(xlat.eamt.n), .cap = EAMT_MAX },
	{ "rfc6791-v4", parse_prefix, print_prefix, "an IPv4 prefix", 1, FIELD(xlat.pool6791v4),
	  FLAG(xlat.has_6791v4), .af = AF_INET },
	{ "rfc6791-v6", parse_prefix, print_prefix, "an IPv6 prefix", 1, FIELD(xlat.pool6791v6),
	  FLAG(xlat.has_6791v6), .af = AF_INET6 },
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
};

static bool unknown_key(struct parser *p, const char *key)
{
	char list[512];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(conf_keys) && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", conf_keys[i].name);
	return fail(p, "unknown key \"%.64s\" (expected one of: %s)", key, list);
}

/* `first` holds, per single key, the line it was seen on (0 = not yet): duplicates of single keys are
 * errors rather than "last one wins", because a forgotten earlier line is usually a mistake. */
static bool parse_line(struct parser *p, struct conf *c, unsigned *first, const char *s, size_t len)
{
	char buf[CONF_LINE_MAX + 1], *tok[CONF_VALUES_MAX + 2], *save, *t;
	const struct conf_key *k = NULL;
	unsigned n = 0;

	if (len > CONF_LINE_MAX)
		return fail(p, "line too long (more than %u characters)", CONF_LINE_MAX);
	memcpy(buf, s, len);
	buf[len] = '\0';
	buf[strcspn(buf, "#")] = '\0';
	for (char *q = buf; *q; q++) {
		unsigned char ch = (unsigned char)*q;

		if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f)
			return fail(p, "control character 0x%02x (expected key and values separated by spaces or tabs)", ch);
	}
	for (t = strtok_r(buf, " \t\r", &save); t && n < ARRAY_SIZE(tok); t = strtok_r(NULL, " \t\r", &save))
		tok[n++] = t;
	if (!n)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(conf_keys) && !k; i++)
		if (!strcmp(tok[0], conf_keys[i].name))
			k = &conf_keys[i];
	if (!k)
		return unknown_key(p, tok[0]);
	if (n - 1 < k->values)
		return bad(p, k, "missing value");
	if (n - 1 > k->values)
		return bad(p, k, "too many values");
	if (!k->cap && first[k - conf_keys])
		return fail(p, "%s: duplicate key (already set on line %u)", k->name, first[k - conf_keys]);
	first[k - conf_keys] = p->line;
	return k->parse(k, c, tok + 1, p);
}

void conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = CONF_MODE_SIIT;
	strcpy(c->device, "xlat64");
	c->tun_mtu = 1500;
	strcpy(c->socket, CONF_DEFAULT_SOCKET);
	xlat_conf_defaults(&c->xlat);
}

bool conf_parse(const char *name, const char *text, struct conf *out, char *err, size_t errlen)
{
	struct parser p = { .name = name, .err = err, .errlen = errlen };
	unsigned first[ARRAY_SIZE(conf_keys)] = { 0 };
	struct conf *c = malloc(sizeof(*c));
	bool ok = true;

	if (!c)
		return fail(&p, "out of memory");
	conf_defaults(c);
	while (ok && *text) {
		const char *end = strchrnul(text, '\n');

		p.line++;
		ok = parse_line(&p, c, first, text, (size_t)(end - text));
		text = *end ? end + 1 : end;
	}
	/* Whole-file rules; they belong to no single line. */
	p.line = 0;
	if (ok && !c->xlat.has_pool6 && !c->xlat.eamt.n)
		ok = fail(&p, "mode siit needs a pool6 line or at least one eamt line");
	if (ok)
		*out = *c;
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

void conf_print(FILE *f, const struct conf *c)
{
	for (size_t i = 0; i < ARRAY_SIZE(conf_keys); i++)
		conf_keys[i].print(&conf_keys[i], c, f);
}
