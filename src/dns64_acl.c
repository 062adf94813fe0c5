/*
 * Who may use the DNS64, and the answer for those who may not. A DNS64 open to the Internet would be an
 * amplifier and would hand synthetic addresses to hosts that have IPv4 (RFC 6147 §6.3.2), so by default
 * only the networks the host sits on may ask: loopback, link-local, and each interface's own prefix as
 * getifaddrs() reports it when the service starts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <string.h>

#include "dns64.h"
#include "dns64_server.h"

#define HDR 12
#define RCODE_REFUSED 5

static void add4(struct dns64_acl *a, in_addr_t addr, unsigned len)
{
	struct conf_net *n;

	if (a->n == DNS64_ACL_MAX)
		return;
	n = &a->net[a->n++];
	memset(n, 0, sizeof(*n));
	n->af = AF_INET;
	n->p4.len = (uint8_t)len;
	n->p4.addr.s_addr = addr & (len ? htonl(~0u << (32 - len)) : 0);
}

static void add6(struct dns64_acl *a, const struct in6_addr *addr, unsigned len)
{
	struct conf_net *n;

	if (a->n == DNS64_ACL_MAX)
		return;
	n = &a->net[a->n++];
	memset(n, 0, sizeof(*n));
	n->af = AF_INET6;
	n->p6.len = (uint8_t)len;
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = len > i * 8 ? len - i * 8 : 0;

		n->p6.addr.s6_addr[i] = addr->s6_addr[i] & (uint8_t)(bits >= 8 ? 0xff : 0xff << (8 - bits));
	}
}

/* The length of a contiguous netmask (the kernel gives nothing else). */
static unsigned mask_len(const uint8_t *m, unsigned bytes)
{
	unsigned n = 0;

	for (unsigned i = 0; i < bytes; i++)
		n += (unsigned)__builtin_popcount(m[i]);
	return n;
}

bool dns64_acl_init(struct dns64_acl *a, const struct conf *c, char *err, size_t errlen)
{
	static const struct in6_addr lo6 = IN6ADDR_LOOPBACK_INIT, ll6 = { { { 0xfe, 0x80 } } };
	struct ifaddrs *all, *i;

	a->n = 0;
	if (c->n_dns64_allow) {
		memcpy(a->net, c->dns64_allow, c->n_dns64_allow * sizeof(c->dns64_allow[0]));
		a->n = c->n_dns64_allow;
		return true;
	}
	add4(a, htonl(0x7f000000), 8);
	add6(a, &lo6, 128);
	add4(a, htonl(0xa9fe0000), 16);		/* 169.254.0.0/16 */
	add6(a, &ll6, 10);
	if (getifaddrs(&all) < 0) {
		snprintf(err, errlen, "dns64: listing the host's networks for the default dns64-allow: %s",
			 strerror(errno));
		return false;
	}
	for (i = all; i; i = i->ifa_next) {
		if (!i->ifa_addr || !i->ifa_netmask)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			add4(a, ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr,
			     mask_len((const uint8_t *)&((struct sockaddr_in *)i->ifa_netmask)->sin_addr, 4));
		else if (i->ifa_addr->sa_family == AF_INET6)
			add6(a, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr,
			     mask_len(((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr.s6_addr, 16));
	}
	freeifaddrs(all);
	return true;
}

bool dns64_acl_allows(const struct dns64_acl *a, const struct sockaddr *sa)
{
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
	struct in_addr v4;
	bool mapped = false;

	if (sa->sa_family == AF_INET)
		v4 = ((const struct sockaddr_in *)sa)->sin_addr;
	else if ((mapped = IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)))
		memcpy(&v4, v6->sin6_addr.s6_addr + 12, 4);	/* an IPv4 client of a dual-stack socket */
	for (unsigned i = 0; i < a->n; i++) {
		const struct conf_net *n = &a->net[i];

		if ((sa->sa_family == AF_INET || mapped) ? n->af == AF_INET && prefix4_contains(&n->p4, &v4) :
		    n->af == AF_INET6 && prefix6_contains(&n->p6, &v6->sin6_addr))
			return true;
	}
	return false;
}

size_t dns64_refused(const uint8_t *q, size_t len, uint8_t *out)
{
	size_t off = HDR;

	if (len < HDR || (q[2] & 0x80))
		return 0;
	dns64_wire_header_only(out, q, len, RCODE_REFUSED);
	/* The question goes back when there is exactly one and it is whole; a name is at most 255 bytes. */
	if (q[4] != 0 || q[5] != 1 || !dns64_skip_name(q, len, &off) || off + 4 > len || off - HDR > 255)
		return HDR;
	memcpy(out + HDR, q + HDR, off + 4 - HDR);
	out[5] = 1;
	return off + 4;
}
