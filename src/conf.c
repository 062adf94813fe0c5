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
#include "pref64.h"

#define CONF_LINE_MAX 1024
#define CONF_FILE_MAX (1024 * 1024)
#define CONF_VALUES_MAX 3		/* the most values any key takes (pool4, bib) */
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

static const char *const conf_mode_names[] = {
	[CONF_MODE_SIIT] = "siit", [CONF_MODE_NAT64] = "nat64", [CONF_MODE_NONE] = "none", [CONF_MODE_CLAT] = "clat",
};

const char *conf_mode_name(enum conf_mode m)
{
	return (size_t)m < ARRAY_SIZE(conf_mode_names) ? conf_mode_names[m] : "unknown";
}

bool conf_has_service(const struct conf *c)
{
	return c->n_dns64_listen > 0 || c->n_pref64_if > 0;
}

static bool parse_mode(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	for (size_t i = 0; i < ARRAY_SIZE(conf_mode_names); i++) {
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

/* RFC 6052 §2.2 limits the pool6 lengths and reserves the u-octet; checked here so the line is known. */
static bool parse_pool6(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	const char *why = "invalid prefix";

	if (!conf_parse_prefix(k, c, v, p))
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

	if (!conf_count(k, c))
		conf_print_unset(k, f);
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
#define DNS64_MODES .only = MODE(CONF_MODE_SIIT) | MODE(CONF_MODE_NAT64) | MODE(CONF_MODE_NONE)
#define PREF64_MODES .only = MODE(CONF_MODE_SIIT) | MODE(CONF_MODE_NAT64) | MODE(CONF_MODE_NONE)
#define CLAT_ONLY .only = MODE(CONF_MODE_CLAT)

static const char duration[] = "a duration such as 90s, 5m, 1h30m, 500ms or 0:05:00";

/* In the order of xlat64.conf(5) and of conf_print(). */
static const struct conf_key conf_keys[] = {
	{ "mode", parse_mode, print_mode, "siit, nat64, none or clat", 1, FIELD(mode) },
	{ "device", conf_parse_ifname, conf_print_string, "1 to 15 of A-Z a-z 0-9 _ . -", 1, FIELD(device) },
	{ "queues", conf_parse_uint, conf_print_uint, "a number", 1, FIELD(queues), .max = 64 },
	{ "mtu", conf_parse_uint, conf_print_uint, "a number", 1, FIELD(tun_mtu), .min = 1280, .max = 65535 },
	{ "coalesce-usecs", conf_parse_uint, conf_print_uint, "a number", 1, FIELD(coalesce_usecs), .max = 1000 },
	{ "socket", conf_parse_path, conf_print_string, "an absolute path under 108 characters", 1, FIELD(socket) },
	{ "pool6", parse_pool6, conf_print_prefix, "an RFC 6052 prefix such as 64:ff9b::/96", 1, FIELD(xlat.pool6),
	  FLAG(xlat.has_pool6), .af = AF_INET6 },
	{ "allow-nonglobal-ipv4", conf_parse_bool, conf_print_bool, "yes or no", 1, FIELD(xlat.allow_nonglobal) },
	{ "eamt", parse_eamt, print_eamt, "an IPv4 prefix and an IPv6 prefix, e.g. 192.0.2.0/24 2001:db8::/120",
	  2, FIELD(xlat.eamt), FLAG(xlat.eamt.n), .cap = EAMT_MAX, SIIT_ONLY },
	{ "rfc6791-v4", conf_parse_prefix, conf_print_prefix, "an IPv4 prefix", 1, FIELD(xlat.pool6791v4),
	  FLAG(xlat.has_6791v4), .af = AF_INET, SIIT_ONLY },
	{ "rfc6791-v6", conf_parse_prefix, conf_print_prefix, "an IPv6 prefix", 1, FIELD(xlat.pool6791v6),
	  FLAG(xlat.has_6791v6), .af = AF_INET6, SIIT_ONLY },
	{ "address4", conf_parse_addr, conf_print_addr, "an IPv4 address", 1, FIELD(xlat.own4), FLAG(xlat.has_own4),
	  .af = AF_INET },
	{ "address6", conf_parse_addr, conf_print_addr, "an IPv6 address", 1, FIELD(xlat.own6), FLAG(xlat.has_own6),
	  .af = AF_INET6 },
	{ "route4", conf_parse_prefix, conf_print_prefix, "an IPv4 prefix", 1, LIST(route4, n_route4), .af = AF_INET },
	{ "route6", conf_parse_prefix, conf_print_prefix, "an IPv6 prefix", 1, LIST(route6, n_route6), .af = AF_INET6 },
	{ "lowest-ipv6-mtu", conf_parse_uint, conf_print_uint, "a number", 1, FIELD(xlat.lowest_ipv6_mtu), .min = 1280,
	  .max = 65535 },
	{ "mtu-plateaus", parse_plateaus, print_plateaus,
	  "a comma-separated list (no spaces), in descending order, of at most " STR(XLAT_PLATEAUS_MAX) " numbers",
	  1, FIELD(xlat.plateaus), .min = 68, .max = 65535 },
	{ "amend-udp-checksum-zero", conf_parse_bool, conf_print_bool, "yes or no", 1, FIELD(xlat.amend_udp_zero_csum) },
	{ "zeroize-traffic-class", conf_parse_bool, conf_print_bool, "yes or no", 1, FIELD(xlat.zeroize_traffic_class) },
	{ "tos", conf_parse_uint, conf_print_uint, "a number", 1, FIELD(xlat.tos), FLAG(xlat.override_tos), .max = 255 },
	{ "pool4", conf_parse_pool4, conf_print_pool4,
	  "an IPv4 prefix, optionally a port range and tcp, udp or icmp, e.g. 192.0.2.1 61001-65535 tcp",
	  1, .opt = 2, LIST(pool4, n_pool4), NAT64_ONLY },
	{ "masquerade", conf_parse_bool, conf_print_bool, "yes or no", 1, FIELD(masquerade), NAT64_ONLY },
	{ "bib", conf_parse_bib, conf_print_bib,
	  "tcp, udp or icmp, then an IPv4 and an IPv6 transport address, e.g. tcp 192.0.2.1#80 2001:db8::5#8080",
	  3, LIST(bib, n_bib), NAT64_ONLY },
	{ "udp-timeout", conf_parse_duration, conf_print_duration, duration, 1, TIMEOUT(udp_timeout) },
	{ "tcp-est-timeout", conf_parse_duration, conf_print_duration, duration, 1, TIMEOUT(tcp_est_timeout) },
	{ "tcp-trans-timeout", conf_parse_duration, conf_print_duration, duration, 1, TIMEOUT(tcp_trans_timeout) },
	{ "icmp-timeout", conf_parse_duration, conf_print_duration, duration, 1, TIMEOUT(icmp_timeout) },
	{ "max-sessions", conf_parse_uint, conf_print_uint, "a number, 0 for no limit,", 1, FIELD(nat64.max_sessions),
	  .max = UINT32_MAX, NAT64_ONLY },
	{ "max-sessions-per-source", conf_parse_uint, conf_print_uint, "a number, 0 for no limit,", 1,
	  FIELD(nat64.max_sessions_per_src), .max = UINT32_MAX, NAT64_ONLY },
	{ "maximum-simultaneous-opens", conf_parse_uint, conf_print_uint, "a number", 1, FIELD(nat64.max_syn4),
	  .max = 65536, NAT64_ONLY },
	{ "address-dependent-filtering", conf_parse_bool, conf_print_bool, "yes or no", 1, FIELD(nat64.adf), NAT64_ONLY },
	{ "drop-externally-initiated-tcp", conf_parse_bool, conf_print_bool, "yes or no", 1, FIELD(nat64.drop_external_tcp),
	  NAT64_ONLY },
	{ "source-icmpv6-errors-better", conf_parse_bool, conf_print_bool, "yes or no", 1, FIELD(nat64.icmp6_errors_better),
	  NAT64_ONLY },
	{ "handle-rst-during-fin-rcv", conf_parse_bool, conf_print_bool, "yes or no", 1, FIELD(nat64.rst_during_fin_rcv),
	  NAT64_ONLY },
	/* DNS64 (conf_dns64.c, dns64_server.c): beside a translator or alone in mode none. */
	{ "dns64-listen", conf_parse_hostport, conf_print_hostport, "an IPv4 or IPv6 address and optionally a port",
	  1, .opt = 1, LIST(dns64_listen, n_dns64_listen), DNS64_MODES },
	{ "dns64-upstream", conf_parse_hostport, conf_print_hostport, "an IPv4 or IPv6 address and optionally a port",
	  1, .opt = 1, LIST(dns64_upstream, n_dns64_upstream), DNS64_MODES },
	{ "dns64-exclude", conf_parse_prefix, conf_print_exclude, "an IPv6 prefix", 1, LIST(dns64_exclude, n_dns64_exclude),
	  .af = AF_INET6, DNS64_MODES },
	{ "dns64-allow", conf_parse_net, conf_print_net, "an IPv4 or IPv6 prefix", 1, LIST(dns64_allow, n_dns64_allow),
	  DNS64_MODES },
	{ "dns64-cache-size", conf_parse_uint, conf_print_uint, "a number of entries, 0 for no cache,", 1,
	  FIELD(dns64_cache_size), .max = 1000000, DNS64_MODES },
	{ "dns64-timeout", conf_parse_duration, conf_print_duration, duration, 1, FIELD(dns64_timeout), .min = 50,
	  .max = 30000, DNS64_MODES },
	/* PREF64 router advertisements (conf_pref64.c, ra_send.c): beside a translator or alone in mode none. */
	{ "pref64-interface", conf_parse_ifname_list, conf_print_string, "1 to 15 of A-Z a-z 0-9 _ . -", 1,
	  LIST(pref64_if, n_pref64_if), PREF64_MODES },
	{ "pref64-lifetime", conf_parse_duration, conf_print_duration, duration, 1, FIELD(pref64_lifetime),
	  .min = 1000, .max = 65528000, PREF64_MODES },
	{ "pref64-interval", conf_parse_duration, conf_print_duration, duration, 1, FIELD(pref64_interval),
	  .min = 4000, .max = 1800000, PREF64_MODES },
	{ "pref64-router-lifetime", conf_parse_duration, conf_print_duration, duration, 1,
	  FIELD(pref64_router_lifetime), .max = PREF64_ROUTER_LIFETIME_MAX * 1000, PREF64_MODES },
	{ "pref64-rdnss", conf_parse_addr6_list, conf_print_addr, "an IPv6 address", 1,
	  LIST(pref64_rdnss, n_pref64_rdnss), .af = AF_INET6, PREF64_MODES },
	{ "pref64-route", conf_parse_bool, conf_print_bool, "yes or no", 1, FIELD(pref64_route), PREF64_MODES },
	/* CLAT, the host side of 464XLAT (conf_clat.c, clat.c): mode clat only. */
	{ "clat-interface", conf_parse_ifname, conf_print_clat_if, "1 to 15 of A-Z a-z 0-9 _ . -", 1, FIELD(clat_if),
	  CLAT_ONLY },
	{ "clat-address4", conf_parse_addr, conf_print_addr, "an IPv4 address in 192.0.0.0/29", 1, FIELD(clat_addr4),
	  .af = AF_INET, CLAT_ONLY },
	{ "clat-address6", conf_parse_addr, conf_print_addr, "an IPv6 address", 1, FIELD(clat_addr6), FLAG(has_clat_addr6),
	  .af = AF_INET6, CLAT_ONLY },
	{ "clat-default-route", conf_parse_clat_route, conf_print_clat_route, "yes, no or auto", 1,
	  FIELD(clat_default_route), CLAT_ONLY },
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
	c->coalesce_usecs = 50;
	strcpy(c->socket, CONF_DEFAULT_SOCKET);
	xlat_conf_defaults(&c->xlat);
	nat64_conf_defaults(&c->nat64);
	conf_dns64_defaults(c);
	conf_pref64_defaults(c);
	conf_clat_defaults(c);
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
	if (ok)
		ok = conf_dns64_finish(p, c);
	if (ok)
		ok = conf_pref64_finish(p, c);
	if (ok)
		ok = conf_clat_finish(p, c);
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
