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

/* A list of interface names or IPv6 addresses: the general parser, then no value twice. */
bool conf_parse_ifname_list(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	const char *list = conf_at(c, k->off);
	unsigned n = conf_count(k, c);

	if (!conf_parse_ifname(k, c, v, p))
		return false;
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(list + i * k->size, v[0]))
			return conf_fail(p, "%s: %s is already listed", k->name, v[0]);
	return true;
}

bool conf_parse_addr6_list(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	const struct in6_addr *list = conf_at(c, k->off);
	unsigned n = conf_count(k, c);

	if (!conf_parse_addr(k, c, v, p))
		return false;
	for (unsigned i = 0; i < n; i++)
		if (!memcmp(&list[i], &list[n], sizeof(list[n])))
			return conf_fail(p, "%s: %s is already listed", k->name, v[0]);
	return true;
}

bool conf_pref64_finish(struct parser *p, const struct conf *c)
{
	/* The prefix the RAs announce is the translator's (or, in mode none, the DNS64's) pool6. */
	if (c->n_pref64_if && !c->xlat.has_pool6)
		return conf_fail(p, "pref64-interface needs pool6: the NAT64 prefix it announces");
	return true;
}
