/*
 * The CLAT keys of xlat64.conf(5): clat-interface, clat-address4, clat-address6, clat-default-route, their
 * defaults and the whole-file checks of mode clat. Their rows are in conf.c's key table like every other
 * key's; the service itself is clat.c.
 */
#include <arpa/inet.h>
#include <string.h>

#include "clat.h"
#include "conf_internal.h"

static const char *const route_names[] = {
	[CONF_CLAT_ROUTE_AUTO] = "auto", [CONF_CLAT_ROUTE_YES] = "yes", [CONF_CLAT_ROUTE_NO] = "no",
};

void conf_clat_defaults(struct conf *c)
{
	c->clat_addr4 = clat_addr4_default();
}

bool conf_parse_clat_route(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	for (size_t i = 0; i < sizeof(route_names) / sizeof(route_names[0]); i++) {
		if (!strcmp(v[0], route_names[i])) {
			*(enum conf_clat_route *)conf_at(c, k->off) = (enum conf_clat_route)i;
			return true;
		}
	}
	return conf_bad(p, k, "invalid value");
}

void conf_print_clat_route(const struct conf_key *k, const struct conf *c, FILE *f)
{
	fprintf(f, "%s %s\n", k->name, route_names[*(const enum conf_clat_route *)conf_at(c, k->off)]);
}

/* Unset (""), it is a comment, so the output parses back. */
void conf_print_clat_if(const struct conf_key *k, const struct conf *c, FILE *f)
{
	const char *name = conf_at(c, k->off);

	if (!*name)
		fprintf(f, "# %s (not set: the interface of the IPv6 default route)\n", k->name);
	else
		fprintf(f, "%s %s\n", k->name, name);
}

bool conf_clat_finish(struct parser *p, struct conf *c)
{
	char a[INET6_ADDRSTRLEN];

	if (c->mode != CONF_MODE_CLAT)
		return true;
	/* RFC 7335 §4: the IPv4 service continuity prefix; the host's address and the translator's (the
	 * source of the ICMP errors it makes) both come from it. */
	if (!clat_addr4_valid(c->clat_addr4))
		return conf_fail(p, "clat-address4 %s is not in 192.0.0.1 to 192.0.0.6 (RFC 7335 192.0.0.0/29)",
				 inet_ntop(AF_INET, &c->clat_addr4, a, sizeof(a)));
	if (c->has_clat_addr6 && !clat_addr6_valid(&c->clat_addr6))
		return conf_fail(p, "clat-address6 %s is not a global or unique-local unicast address",
				 inet_ntop(AF_INET6, &c->clat_addr6, a, sizeof(a)));
	if (c->n_route6)
		return conf_fail(p, "route6 is not used in mode clat: the only IPv6 address routed into its "
			       "TUN is the CLAT's own (clat-address6)");
	/* The translator's own IPv4 address, the source of its ICMPv4 errors: the far end of the TUN. */
	if (!c->xlat.has_own4) {
		c->xlat.has_own4 = true;
		c->xlat.own4 = clat_own4(c->clat_addr4);
	}
	if (c->xlat.own4.s_addr == c->clat_addr4.s_addr)
		return conf_fail(p, "address4 is clat-address4: the translator's own address must be another "
			       "one (a packet from the host's own address would come back as a martian)");
	return true;
}
