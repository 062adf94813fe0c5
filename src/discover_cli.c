/*
 * `xlat64 discover [--interface IF] [--json]`: what a CLAT on this host would learn. Sends Router
 * Solicitations (RFC 4861 §6.3.7: up to 3, 4 s apart) and waits up to PREF64_RA_WAIT_MS for a PREF64
 * option (RFC 8781), else asks for ipv4only.arpa (RFC 7050), else says there is none.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "discover_cli.h"
#include "pref64_discover.h"
#include "sysctl.h"

#define SETTLE_MS 200			/* the kernel reports each option of an RA on its own: collect them all */

static int usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "xlat64 discover: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nusage: xlat64 discover [--interface IF] [--json]\n");
	return 2;
}

/* The kernel hands PREF64 to userspace only for RAs it accepts (net/ipv6/ndisc.c): accept_ra 1 on a
 * host, 2 when forwarding is on. Say so rather than wait in vain. */
static void check_accept_ra(const char *ifname)
{
	int ra = sysctl_get6(ifname, "accept_ra"), fwd = sysctl_get6(ifname, "forwarding");

	if (ra == 0 || (ra == 1 && fwd == 1))
		fprintf(stderr, "xlat64 discover: %s: the kernel ignores router advertisements (accept_ra=%d, "
			"forwarding=%d), so PREF64 cannot be learned there; set accept_ra=%d\n",
			ifname, ra, fwd, fwd == 1 ? 2 : 1);
}

static void print_table(const struct pref64_entry *e, size_t n)
{
	char pfx[INET6_ADDRSTRLEN + 4], rtr[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE];

	if (!n) {
		printf("no NAT64 prefix found (no PREF64 option in router advertisements, no DNS64 answer for "
		       "ipv4only.arpa)\n");
		return;
	}
	printf("%-44s %6s %9s %-8s %-16s %s\n", "PREFIX", "LENGTH", "LIFETIME", "SOURCE", "INTERFACE", "ROUTER");
	for (size_t i = 0; i < n; i++) {
		bool has_rtr = !IN6_IS_ADDR_UNSPECIFIED(&e[i].router);

		printf("%-44s %6u %8us %-8s %-16s %s\n", prefix6_fmt(&e[i].prefix, pfx, sizeof(pfx)), e[i].prefix.len,
		       e[i].lifetime, pref64_source_name(e[i].source),
		       e[i].ifindex && if_indextoname((unsigned)e[i].ifindex, ifname) ? ifname : "-",
		       has_rtr ? inet_ntop(AF_INET6, &e[i].router, rtr, sizeof(rtr)) : "-");
	}
}

static void print_json(const struct pref64_entry *e, size_t n)
{
	char pfx[INET6_ADDRSTRLEN + 4], rtr[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE];

	printf("{\"prefixes\":[");
	for (size_t i = 0; i < n; i++) {
		printf("%s{\"prefix\":\"%s\",\"length\":%u,\"lifetime\":%u,\"source\":\"%s\"", i ? "," : "",
		       prefix6_fmt(&e[i].prefix, pfx, sizeof(pfx)), e[i].prefix.len, e[i].lifetime,
		       pref64_source_name(e[i].source));
		if (e[i].ifindex && if_indextoname((unsigned)e[i].ifindex, ifname))
			printf(",\"interface\":\"%s\"", ifname);
		if (!IN6_IS_ADDR_UNSPECIFIED(&e[i].router))
			printf(",\"router\":\"%s\"", inet_ntop(AF_INET6, &e[i].router, rtr, sizeof(rtr)));
		printf("}");
	}
	printf("]}\n");
}

/* Solicit and listen until an RA brings a prefix or the wait is over. */
static void wait_for_ra(struct pref64_disc *d, uint64_t start)
{
	struct pref64_entry e;
	bool tried = false;
	uint64_t found = 0;

	for (;;) {
		uint64_t now = pref64_now_ms(), until = found ? found + SETTLE_MS : start + PREF64_RA_WAIT_MS;
		struct pollfd pfd = { .fd = pref64_disc_fd(d), .events = POLLIN };
		int r, rs;

		if (now >= until)
			return;
		if (!found) {
			/* Said once: a later try may work (pref64_disc_solicit()), and periodic advertisements
			 * count as well. */
			r = pref64_disc_solicit(d, now);
			if (r < 0 && !tried)
				fprintf(stderr, "xlat64 discover: router solicitation: %s (trying again; periodic "
					"advertisements count too)\n", strerror(errno));
			tried |= r != 0;
			rs = pref64_disc_solicit_timeout(d, now);
			if (rs >= 0 && now + (uint64_t)rs < until)
				until = now + (uint64_t)rs;
		}
		poll(&pfd, 1, (int)(until - now));
		pref64_disc_input(d, pref64_now_ms());
		if (!found && pref64_disc_get(d, pref64_now_ms(), &e, 1) && e.source == PREF64_SRC_RA)
			found = pref64_now_ms();
	}
}

int discover_cli(int argc, char **argv)
{
	struct pref64_disc_conf c = { .rfc7050 = true };
	struct pref64_entry e[PREF64_DISC_MAX];
	struct pref64_disc *d;
	bool json = false;
	char err[256];
	uint64_t start;
	size_t n;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--interface") || !strcmp(argv[i], "-i") ||
			   !strncmp(argv[i], "--interface=", 12)) {
			const char *v = argv[i][1] == '-' && argv[i][11] == '=' ? argv[i] + 12 : argv[++i];

			if (i == argc || !*v)
				return usage("%s needs an interface name", "--interface");
			if (strlen(v) >= sizeof(c.ifname))
				return usage("interface name too long: %s", v);
			strcpy(c.ifname, v);
		} else {
			return usage("unknown argument '%s'", argv[i]);
		}
	}
	start = pref64_now_ms();
	d = pref64_disc_new(&c, start, err, sizeof(err));
	if (!d) {
		fprintf(stderr, "xlat64 discover: %s\n", err);
		return 1;
	}
	if (c.ifname[0])
		check_accept_ra(c.ifname);
	wait_for_ra(d, start);
	n = pref64_disc_get(d, pref64_now_ms(), e, PREF64_DISC_MAX);
	if (!n && pref64_disc_rfc7050(d, pref64_now_ms()) < 0)
		fprintf(stderr, "xlat64 discover: RFC 7050: the resolver gave no answer for ipv4only.arpa\n");
	n = pref64_disc_get(d, pref64_now_ms(), e, PREF64_DISC_MAX);
	if (json)
		print_json(e, n);
	else
		print_table(e, n);
	pref64_disc_free(d);
	return n ? 0 : 1;
}
