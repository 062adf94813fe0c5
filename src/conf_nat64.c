/*
 * The mode nat64 (RFC 6146) keys of xlat64.conf(5): durations, pool4 and static BIB entries, and the
 * checks that need the whole file. Their rows are in conf.c's key table like every other key's.
 */
#include <arpa/inet.h>
#include <string.h>

#include "conf_internal.h"

#define MS_PER_H (3600u * 1000)
#define MS_PER_M (60u * 1000)
#define MS_PER_S 1000u

/* The config file's protocol words; nat64_proto_name() is for tables ("TCP"). */
static const char *const proto_names[NAT64_NPROTO] = {
	[NAT64_TCP] = "tcp", [NAT64_UDP] = "udp", [NAT64_ICMP] = "icmp",
};

static bool parse_proto(const char *s, enum nat64_proto *out)
{
	for (unsigned i = 0; i < NAT64_NPROTO; i++) {
		if (!strcmp(s, proto_names[i])) {
			*out = (enum nat64_proto)i;
			return true;
		}
	}
	return false;
}

/* Ports 1..65535; ICMP query identifiers may be 0 (RFC 792 gives them no reserved value). */
static uint16_t port_min(enum nat64_proto proto)
{
	return proto == NAT64_ICMP ? 0 : 1;
}

/* Durations. Units, largest first: each may appear once, in this order ("1h30m", "90s", "500ms"). */
static const struct {
	const char *name;
	uint32_t ms;
} units[] = { { "h", MS_PER_H }, { "m", MS_PER_M }, { "s", MS_PER_S }, { "ms", 1 } };

/* At most `digits` decimal digits at *s (at least one), advancing *s. */
static bool take_number(const char **s, unsigned digits, uint64_t *out)
{
	unsigned n = 0;

	*out = 0;
	for (; **s >= '0' && **s <= '9'; (*s)++, n++) {
		if (n == digits)
			return false;
		*out = *out * 10 + (uint64_t)(**s - '0');
	}
	return n > 0;
}

/* "1h30m" style. 12 digits per number keep the sum far from overflowing; the range check follows. */
static bool parse_units(const char *s, uint64_t *ms)
{
	size_t next = 0;

	*ms = 0;
	while (*s) {
		uint64_t v;
		size_t len, u;

		if (!take_number(&s, 12, &v))
			return false;
		len = strspn(s, "hms");
		for (u = next; u < ARRAY_SIZE(units); u++)
			if (strlen(units[u].name) == len && !strncmp(s, units[u].name, len))
				break;
		if (u == ARRAY_SIZE(units))
			return false;	/* no unit, an unknown one, or one out of order */
		*ms += v * units[u].ms;
		next = u + 1;
		s += len;
	}
	return true;
}

/* Jool's H:MM:SS[.mmm]: minutes and seconds below 60, 1 to 3 digits of fraction. */
static bool parse_clock(const char *s, uint64_t *ms)
{
	uint64_t h, m, sec, frac = 0;
	const char *f;

	if (!take_number(&s, 6, &h) || *s++ != ':' || !take_number(&s, 2, &m) || *s++ != ':' ||
	    !take_number(&s, 2, &sec) || m > 59 || sec > 59)
		return false;
	if (*s == '.') {
		f = ++s;
		if (!take_number(&s, 3, &frac))
			return false;
		for (size_t n = (size_t)(s - f); n < 3; n++)
			frac *= 10;	/* ".5" is 500 ms */
	}
	if (*s)
		return false;
	*ms = ((h * 60 + m) * 60 + sec) * 1000 + frac;
	return true;
}

bool conf_parse_duration(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	uint64_t ms;

	if (!(strchr(v[0], ':') ? parse_clock(v[0], &ms) : parse_units(v[0], &ms)))
		return conf_bad(p, k, "invalid duration");
	if (ms < k->min || ms > k->max)
		return conf_bad(p, k, "duration out of range");
	*(uint32_t *)conf_at(c, k->off) = (uint32_t)ms;
	return true;
}

/* The shortest form: every non-zero unit, largest first ("1h30m", "90000" ms as "1m30s"). */
char *conf_duration_fmt(uint32_t ms, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t u = 0; u < ARRAY_SIZE(units); u++) {
		uint32_t q = ms / units[u].ms;

		ms %= units[u].ms;
		if (q && len < n)
			len += (size_t)snprintf(buf + len, n - len, "%u%s", q, units[u].name);
	}
	if (!len)
		snprintf(buf, n, "0s");
	return buf;
}

void conf_print_duration(const struct conf_key *k, const struct conf *c, FILE *f)
{
	char buf[CONF_DURATION_LEN];

	fprintf(f, "%s %s\n", k->name, conf_duration_fmt(*(const uint32_t *)conf_at(c, k->off), buf, sizeof(buf)));
}

/* "LO-HI" or a single "PORT". */
static bool parse_range(const char *s, uint32_t *lo, uint32_t *hi)
{
	char buf[16];
	const char *dash = strchr(s, '-');
	size_t n = dash ? (size_t)(dash - s) : strlen(s);

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!conf_parse_u32(buf, 65535, lo))
		return false;
	if (!dash) {
		*hi = *lo;
		return true;
	}
	return conf_parse_u32(dash + 1, 65535, hi);
}

static bool prefix4_overlap(const struct prefix4 *a, const struct prefix4 *b)
{
	/* Two prefixes overlap when the shorter one holds the other's first address. */
	return a->len <= b->len ? prefix4_contains(a, &b->addr) : prefix4_contains(b, &a->addr);
}

/* Addresses no host can use as a source: "this network", loopback, multicast, reserved and broadcast. */
static bool pool4_usable(const struct prefix4 *pfx)
{
	static const char *const bad[] = { "0.0.0.0/8", "127.0.0.0/8", "224.0.0.0/3" };
	const char *why;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct prefix4 b;

		if (!prefix4_parse(bad[i], &b, &why) || prefix4_overlap(&b, pfx))
			return false;
	}
	return true;
}

/* Every instance of the core holds each (address, protocol) of pool4 as a row (nat64_pool4_add()), at most
 * NAT64_POOL4_MAX of them: refuse here what the daemon could not load. */
static uint64_t pool4_rows(const struct conf *c)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < c->n_pool4; i++)
		n += 1ull << (32 - c->pool4[i].pfx.len);
	return n;
}

static bool add_pool4(const struct conf_key *k, struct conf *c, struct parser *p, const struct conf_pool4 *row)
{
	char b4[INET_ADDRSTRLEN + 4];

	for (unsigned i = 0; i < c->n_pool4; i++) {
		const struct conf_pool4 *o = &c->pool4[i];

		if (o->proto == row->proto && prefix4_overlap(&o->pfx, &row->pfx) && row->lo <= o->hi && o->lo <= row->hi)
			return conf_fail(p, "%s: overlaps line %u (%s %u-%u %s)", k->name, p->pool4_line[i],
					 prefix4_fmt(&o->pfx, b4, sizeof(b4)), o->lo, o->hi, proto_names[o->proto]);
	}
	if (c->n_pool4 == CONF_POOL4_MAX)
		return conf_fail(p, "%s: more than %u pool4 rows (a line without a protocol is one for each of "
				 "tcp, udp and icmp)", k->name, CONF_POOL4_MAX);
	p->pool4_line[c->n_pool4] = p->line;
	c->pool4[c->n_pool4++] = *row;
	if (pool4_rows(c) > NAT64_POOL4_MAX)
		return conf_fail(p, "%s: more than %u addresses in all (each protocol counts apart)", k->name,
				 NAT64_POOL4_MAX);
	return true;
}

/* pool4 PREFIX [LO-HI] [tcp|udp|icmp], the words in any order (Jool's CLI puts the protocol first). Without
 * a range, Jool's 61001-65535, so a pool4 line copied from a Jool setup means the same ports. Without a
 * protocol, one row for each. */
bool conf_parse_pool4(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	struct conf_pool4 row = { .lo = NAT64_POOL4_DEFAULT_LO, .hi = NAT64_POOL4_DEFAULT_HI };
	bool has_prefix = false, has_range = false, has_proto = false;
	uint32_t lo = row.lo, hi = row.hi;
	const char *why;

	for (char **w = v; *w; w++) {
		if (parse_proto(*w, &row.proto)) {
			if (has_proto)
				return conf_bad(p, k, "two protocols");
			has_proto = true;
		} else if (strchr(*w, '.')) {
			if (has_prefix)
				return conf_bad(p, k, "two prefixes");
			if (!prefix4_parse(*w, &row.pfx, &why))
				return conf_bad(p, k, "%s", why);
			if (!pool4_usable(&row.pfx))
				return conf_bad(p, k, "%.32s is in 0.0.0.0/8, 127.0.0.0/8 or 224.0.0.0/3", *w);
			has_prefix = true;
		} else if (**w >= '0' && **w <= '9') {
			if (has_range)
				return conf_bad(p, k, "two port ranges");
			if (!parse_range(*w, &lo, &hi))
				return conf_bad(p, k, "invalid port range \"%.32s\"", *w);
			if (lo > hi)
				return conf_bad(p, k, "port range %u-%u ends before it starts", lo, hi);
			has_range = true;
		} else {
			return conf_bad(p, k, "\"%.32s\" is not a prefix, a port range or a protocol", *w);
		}
	}
	if (!has_prefix)
		return conf_bad(p, k, "no IPv4 prefix");
	row.lo = (uint16_t)lo;
	row.hi = (uint16_t)hi;
	for (unsigned i = 0; i < NAT64_NPROTO; i++) {
		if (has_proto && i != row.proto)
			continue;
		if (lo < port_min((enum nat64_proto)i))
			return conf_bad(p, k, "port 0 is only valid for icmp");
	}
	if (has_proto)
		return add_pool4(k, c, p, &row);
	for (unsigned i = 0; i < NAT64_NPROTO; i++) {
		row.proto = (enum nat64_proto)i;
		if (!add_pool4(k, c, p, &row))
			return false;
	}
	return true;
}

void conf_print_pool4(const struct conf_key *k, const struct conf *c, FILE *f)
{
	char b4[INET_ADDRSTRLEN + 4];

	if (!c->n_pool4)
		fprintf(f, "# %s (none)\n", k->name);
	for (unsigned i = 0; i < c->n_pool4; i++)
		fprintf(f, "%s %s %u-%u %s\n", k->name, prefix4_fmt(&c->pool4[i].pfx, b4, sizeof(b4)), c->pool4[i].lo,
			c->pool4[i].hi, proto_names[c->pool4[i].proto]);
}

/* A transport address: "ADDR#PORT" (Jool's notation), or "A.B.C.D:PORT" and "[IPV6]:PORT" (URL style). */
static bool parse_taddr(const char *s, int af, void *addr, uint32_t *port)
{
	char buf[INET6_ADDRSTRLEN + 4];
	const char *a = s, *sep = strrchr(s, '#');
	size_t n;

	if (af == AF_INET6 && *s == '[') {
		const char *close = strchr(s, ']');

		if (!close || (close[1] != ':' && close[1] != '#'))
			return false;
		a = s + 1;
		sep = close + 1;
		n = (size_t)(close - a);
	} else {
		if (!sep && af == AF_INET)
			sep = strrchr(s, ':');
		if (!sep)
			return false;
		n = (size_t)(sep - s);
	}
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, a, n);
	buf[n] = '\0';
	return inet_pton(af, buf, addr) == 1 && conf_parse_u32(sep + 1, 65535, port);
}

static const char *fmt_taddr6(const struct in6_addr *a, uint16_t port, char *buf, size_t n)
{
	char b6[INET6_ADDRSTRLEN];

	snprintf(buf, n, "%s#%u", inet_ntop(AF_INET6, a, b6, sizeof(b6)), port);
	return buf;
}

static const char *fmt_taddr4(struct in_addr a, uint16_t port, char *buf, size_t n)
{
	char b4[INET_ADDRSTRLEN];

	snprintf(buf, n, "%s#%u", inet_ntop(AF_INET, &a, b4, sizeof(b4)), port);
	return buf;
}

/* bib PROTO IPV4#PORT IPV6#PORT. A static entry owns both of its transport addresses (RFC 6146 §3.5.1:
 * one BIB entry per IPv6 and per IPv4 transport address), so a second line with either is refused. */
bool conf_parse_bib(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	char b[INET6_ADDRSTRLEN + 8];
	struct conf_bib e = { 0 };
	uint32_t p4, p6;

	if (!parse_proto(v[0], &e.proto))
		return conf_bad(p, k, "unknown protocol \"%.32s\"", v[0]);
	if (!parse_taddr(v[1], AF_INET, &e.a4, &p4))
		return conf_bad(p, k, "invalid IPv4 transport address \"%.64s\"", v[1]);
	if (!parse_taddr(v[2], AF_INET6, &e.a6, &p6))
		return conf_bad(p, k, "invalid IPv6 transport address \"%.64s\"", v[2]);
	if (p4 < port_min(e.proto) || p6 < port_min(e.proto))
		return conf_bad(p, k, "port 0 is only valid for icmp");
	e.p4 = (uint16_t)p4;
	e.p6 = (uint16_t)p6;
	for (unsigned i = 0; i < c->n_bib; i++) {
		const struct conf_bib *o = &c->bib[i];

		if (o->proto != e.proto)
			continue;
		if (o->a4.s_addr == e.a4.s_addr && o->p4 == e.p4)
			return conf_fail(p, "%s: %s %s is already bound on line %u", k->name, proto_names[e.proto],
					 fmt_taddr4(e.a4, e.p4, b, sizeof(b)), p->bib_line[i]);
		if (!memcmp(&o->a6, &e.a6, sizeof(e.a6)) && o->p6 == e.p6)
			return conf_fail(p, "%s: %s %s is already bound on line %u", k->name, proto_names[e.proto],
					 fmt_taddr6(&e.a6, e.p6, b, sizeof(b)), p->bib_line[i]);
	}
	if (c->n_bib == CONF_BIB_MAX)
		return conf_fail(p, "%s: too many bib lines (at most %u)", k->name, CONF_BIB_MAX);
	p->bib_line[c->n_bib] = p->line;
	c->bib[c->n_bib++] = e;
	return true;
}

char *conf_bib_fmt(const struct conf_bib *e, char *buf, size_t n)
{
	char b4[INET_ADDRSTRLEN + 8], b6[INET6_ADDRSTRLEN + 8];

	snprintf(buf, n, "%s %s %s", proto_names[e->proto], fmt_taddr4(e->a4, e->p4, b4, sizeof(b4)),
		 fmt_taddr6(&e->a6, e->p6, b6, sizeof(b6)));
	return buf;
}

void conf_print_bib(const struct conf_key *k, const struct conf *c, FILE *f)
{
	char b[CONF_BIB_LEN];

	if (!c->n_bib)
		fprintf(f, "# %s (none)\n", k->name);
	for (unsigned i = 0; i < c->n_bib; i++)
		fprintf(f, "%s %s\n", k->name, conf_bib_fmt(&c->bib[i], b, sizeof(b)));
}

/* The box with one IPv4 address: CONF_POOL4_DEFAULT, every port and identifier (nothing local uses a
 * private address that only exists in the TUN route), masqueraded to the box's address by the kernel. */
static void default_pool4(struct conf *c, bool masquerade_set)
{
	struct conf_pool4 row = { .hi = 65535 };
	const char *why;

	prefix4_parse(CONF_POOL4_DEFAULT, &row.pfx, &why);
	for (unsigned i = 0; i < NAT64_NPROTO; i++) {
		row.proto = (enum nat64_proto)i;
		row.lo = port_min(row.proto);
		c->pool4[c->n_pool4++] = row;
	}
	if (!masquerade_set)
		c->masquerade = true;
}

static bool in_pool4(const struct conf *c, const struct conf_bib *e)
{
	for (unsigned i = 0; i < c->n_pool4; i++) {
		const struct conf_pool4 *r = &c->pool4[i];

		if (r->proto == e->proto && prefix4_contains(&r->pfx, &e->a4) && r->lo <= e->p4 && e->p4 <= r->hi)
			return true;
	}
	return false;
}

bool conf_nat64_finish(struct parser *p, struct conf *c, bool masquerade_set)
{
	const char *why = "invalid settings";
	char b[INET_ADDRSTRLEN + 8];

	/* RFC 6146 §3.5: every IPv4 peer is reached as pool6 + its address. */
	if (!c->xlat.has_pool6)
		return conf_fail(p, "mode nat64 needs a pool6 line, such as pool6 64:ff9b::/96");
	if (!c->n_pool4)
		default_pool4(c, masquerade_set);
	/* nat64_static_add() would refuse these one by one at start-up; say which line is wrong. */
	for (unsigned i = 0; i < c->n_bib; i++) {
		const struct conf_bib *e = &c->bib[i];

		if (!in_pool4(c, e)) {
			p->line = p->bib_line[i];
			return conf_fail(p, "bib: %s %s is not in pool4", proto_names[e->proto],
					 fmt_taddr4(e->a4, e->p4, b, sizeof(b)));
		}
	}
	p->line = 0;
	if (!nat64_conf_valid(&c->nat64, &why))
		return conf_fail(p, "%s", why);
	return true;
}
