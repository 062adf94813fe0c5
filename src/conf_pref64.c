/*
 * The PREF64 keys of xlat64.conf(5): pref64-interface (a list of interface names), pref64-rdnss (a list
 * of IPv6 addresses), their defaults and the whole-file check. Their rows are in conf.c's key table like
 * every other key's; the sender itself is ra_send.c.
 */
#include <arpa/inet.h>
#include <string.h>

#include "conf_internal.h"

#define PREF64_LIFETIME_DEFAULT (30 * 60 * 1000)	/* RFC 8781 §4.1: 3 × the default MaxRtrAdvInterval */
#define PREF64_INTERVAL_DEFAULT (10 * 60 * 1000)	/* RFC 4861 §6.2.1 MaxRtrAdvInterval default */

void conf_pref64_defaults(struct conf *c)
{
	c->pref64_lifetime = PREF64_LIFETIME_DEFAULT;
	c->pref64_interval = PREF64_INTERVAL_DEFAULT;
}

/* Linux dev_valid_name(): no '/', ':' or space, not "." or ".."; we allow a safe subset (as `device`). */
bool conf_parse_ifname_list(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	unsigned *n = conf_at(c, k->has);
	size_t len = strlen(v[0]);
	char *list = conf_at(c, k->off);

	if (*n >= k->cap)
		return conf_fail(p, "%s: too many %s lines (at most %u)", k->name, k->name, k->cap);
	if (!len || len >= k->size ||
	    strspn(v[0], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != len ||
	    !strcmp(v[0], ".") || !strcmp(v[0], ".."))
		return conf_bad(p, k, "invalid interface name");
	for (unsigned i = 0; i < *n; i++)
		if (!strcmp(list + i * k->size, v[0]))
			return conf_fail(p, "%s: %s is already listed", k->name, v[0]);
	memcpy(list + *n * k->size, v[0], len + 1);
	(*n)++;
	return true;
}

void conf_print_ifname_list(const struct conf_key *k, const struct conf *c, FILE *f)
{
	const unsigned *n = conf_at(c, k->has);
	const char *list = conf_at(c, k->off);

	if (!*n)
		fprintf(f, "# %s (none)\n", k->name);
	for (unsigned i = 0; i < *n; i++)
		fprintf(f, "%s %s\n", k->name, list + i * k->size);
}

bool conf_parse_addr6_list(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	unsigned *n = conf_at(c, k->has);
	struct in6_addr *list = conf_at(c, k->off), a;

	if (*n >= k->cap)
		return conf_fail(p, "%s: too many %s lines (at most %u)", k->name, k->name, k->cap);
	if (inet_pton(AF_INET6, v[0], &a) != 1)
		return conf_bad(p, k, "not an IPv6 address");
	for (unsigned i = 0; i < *n; i++)
		if (!memcmp(&list[i], &a, sizeof(a)))
			return conf_fail(p, "%s: %s is already listed", k->name, v[0]);
	list[(*n)++] = a;
	return true;
}

void conf_print_addr6_list(const struct conf_key *k, const struct conf *c, FILE *f)
{
	const unsigned *n = conf_at(c, k->has);
	const struct in6_addr *list = conf_at(c, k->off);
	char buf[INET6_ADDRSTRLEN];

	if (!*n)
		fprintf(f, "# %s (none)\n", k->name);
	for (unsigned i = 0; i < *n; i++)
		fprintf(f, "%s %s\n", k->name, inet_ntop(AF_INET6, &list[i], buf, sizeof(buf)));
}

bool conf_pref64_finish(struct parser *p, const struct conf *c)
{
	/* The prefix the RAs announce is the translator's (or, in mode none, the DNS64's) pool6. */
	if (c->n_pref64_if && !c->xlat.has_pool6)
		return conf_fail(p, "pref64-interface needs pool6: the NAT64 prefix it announces");
	return true;
}
