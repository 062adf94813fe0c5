/*
 * The DNS64 keys of xlat64.conf(5): dns64-listen, dns64-upstream (an address and an optional port),
 * dns64-allow (an IPv4 or IPv6 prefix), dns64-exclude's printer, and the whole-file check. Their rows are
 * in conf.c's key table like every other key's; the service itself is dns64_server.c.
 */
#include <arpa/inet.h>
#include <string.h>

#include "conf_internal.h"

#define DNS64_PORT 53
#define DNS64_CACHE_DEFAULT 10000
#define DNS64_TIMEOUT_DEFAULT 1500	/* ms: below the 2 s a stub resolver commonly waits per try */

void conf_dns64_defaults(struct conf *c)
{
	c->dns64_cache_size = DNS64_CACHE_DEFAULT;
	c->dns64_timeout = DNS64_TIMEOUT_DEFAULT;
}

static bool same_hostport(const struct conf_hostport *a, const struct conf_hostport *b)
{
	if (a->af != b->af || a->port != b->port)
		return false;
	return a->af == AF_INET ? a->a4.s_addr == b->a4.s_addr : !memcmp(&a->a6, &b->a6, sizeof(a->a6));
}

/* "ADDRESS [PORT]", IPv4 or IPv6, port 1..65535 (default 53). */
bool conf_parse_hostport(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	unsigned n = conf_count(k, c);
	struct conf_hostport *list = conf_at(c, k->off), *h = conf_take_slot(k, c, p);
	uint32_t port = DNS64_PORT;

	if (!h)
		return false;
	memset(h, 0, sizeof(*h));
	if (inet_pton(AF_INET, v[0], &h->a4) == 1)
		h->af = AF_INET;
	else if (inet_pton(AF_INET6, v[0], &h->a6) == 1)
		h->af = AF_INET6;
	else
		return conf_bad(p, k, "not an IPv4 or IPv6 address");
	if (v[1] && (!conf_parse_u32(v[1], 65535, &port) || !port))
		return conf_bad(p, k, "invalid port");
	h->port = (uint16_t)port;
	for (unsigned i = 0; i < n; i++)
		if (same_hostport(&list[i], h))
			return conf_fail(p, "%s: %s port %u is already listed", k->name, v[0], (unsigned)port);
	conf_mark_set(k, c);
	return true;
}

void conf_print_hostport(const struct conf_key *k, const struct conf *c, FILE *f)
{
	const unsigned *n = conf_at(c, k->has);
	const struct conf_hostport *list = conf_at(c, k->off);
	char buf[INET6_ADDRSTRLEN];

	if (!*n)
		fprintf(f, "# %s (none%s)\n", k->name,
			!strcmp(k->name, "dns64-upstream") ? ": the nameservers of /etc/resolv.conf" : "");
	for (unsigned i = 0; i < *n; i++)
		fprintf(f, "%s %s %u\n", k->name,
			inet_ntop(list[i].af, list[i].af == AF_INET ? (const void *)&list[i].a4 : (const void *)&list[i].a6,
				  buf, sizeof(buf)), (unsigned)list[i].port);
}

/* An IPv4 or an IPv6 prefix; a bare address is a host. */
bool conf_parse_net(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	struct conf_net *net = conf_take_slot(k, c, p);
	const char *why = "invalid prefix";
	bool ok;

	if (!net)
		return false;
	memset(net, 0, sizeof(*net));
	net->af = strchr(v[0], ':') ? AF_INET6 : AF_INET;
	ok = net->af == AF_INET ? prefix4_parse(v[0], &net->p4, &why) : prefix6_parse(v[0], &net->p6, &why);
	if (!ok)
		return conf_bad(p, k, "%s", why);
	conf_mark_set(k, c);
	return true;
}

void conf_print_net(const struct conf_key *k, const struct conf *c, FILE *f)
{
	const unsigned *n = conf_at(c, k->has);
	const struct conf_net *list = conf_at(c, k->off);
	char buf[INET6_ADDRSTRLEN + 4];

	if (!*n)
		fprintf(f, "# %s (none: loopback, link-local and the host's directly connected networks)\n", k->name);
	for (unsigned i = 0; i < *n; i++)
		fprintf(f, "%s %s\n", k->name, list[i].af == AF_INET ? prefix4_fmt(&list[i].p4, buf, sizeof(buf)) :
			prefix6_fmt(&list[i].p6, buf, sizeof(buf)));
}

/* dns64-exclude parses as a plain IPv6 prefix list; only its empty form differs: RFC 6147 §5.1.4's
 * default set applies then. */
void conf_print_exclude(const struct conf_key *k, const struct conf *c, FILE *f)
{
	char buf[INET6_ADDRSTRLEN + 4];

	if (!c->n_dns64_exclude)
		fprintf(f, "# %s (none: ::ffff:0:0/96)\n", k->name);
	for (unsigned i = 0; i < c->n_dns64_exclude; i++)
		fprintf(f, "%s %s\n", k->name, prefix6_fmt(&c->dns64_exclude[i], buf, sizeof(buf)));
}

/* The DNS64 synthesizes from pool6 (RFC 6147 §5.2: the prefix of the translator it serves), so it needs
 * one even in mode siit, where EAMT alone would do for the translator. */
bool conf_dns64_finish(struct parser *p, const struct conf *c)
{
	if (c->n_dns64_listen && !c->xlat.has_pool6)
		return conf_fail(p, "dns64-listen needs a pool6 line: the DNS64 synthesizes addresses under pool6");
	return true;
}
