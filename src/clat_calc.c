/* The CLAT's pure decisions: addresses, MTUs and the translator settings (clat.h). No I/O. */
#include <arpa/inet.h>
#include <string.h>

#include "clat.h"

#define RFC7335_NET 0xc0000000u		/* 192.0.0.0/29 */
#define RFC7335_MASK 0xfffffff8u
#define IPV6_MIN_MTU 1280		/* RFC 8200 §5 */
#define IPV6_MINUS_IPV4 20		/* a 40-byte IPv6 header replaces a 20-byte IPv4 one (RFC 7915 §4.1) */

struct in_addr clat_addr4_default(void)
{
	return (struct in_addr){ htonl(RFC7335_NET | 1) };
}

bool clat_addr4_valid(struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);

	return (h & RFC7335_MASK) == RFC7335_NET && (h & 7) != 0 && (h & 7) != 7;
}

struct in_addr clat_own4(struct in_addr addr4)
{
	uint32_t h = ntohl(addr4.s_addr);

	return (struct in_addr){ htonl(RFC7335_NET | ((h & 7) == 2 ? 1 : 2)) };
}

bool clat_addr6_valid(const struct in6_addr *a)
{
	static const uint8_t zero10[10];

	if (IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_MULTICAST(a) ||
	    IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_SITELOCAL(a) || IN6_IS_ADDR_V4MAPPED(a))
		return false;
	/* ::/80 holds the IPv4-compatible (RFC 4291 §2.5.5.1) and other embedded forms. */
	return memcmp(a->s6_addr, zero10, sizeof(zero10)) != 0;
}

bool clat_addr6_make(const struct in6_addr *prefix, const uint8_t rnd[8], struct in6_addr *out)
{
	static const uint8_t zero[8], anycast[7] = { 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *iid = out->s6_addr + 8;

	memcpy(out->s6_addr, prefix->s6_addr, 8);
	memcpy(iid, rnd, 8);
	/* The "u" bit clear: not derived from a universal identifier. That also keeps out RFC 5453's
	 * 0200:5eff:fe00::/104 block (reserved interface identifiers of IEEE 802 form). */
	iid[0] &= (uint8_t)~0x02;
	/* RFC 5453 §3: the other reserved identifiers. */
	if (!memcmp(iid, zero, 8))
		return false;				/* subnet-router anycast (RFC 4291 §2.6.1) */
	if (!memcmp(iid, anycast, 7) && iid[7] >= 0x80)
		return false;				/* reserved subnet anycast (RFC 2526) */
	return true;
}

uint32_t clat_tun_mtu(uint32_t uplink_mtu6, uint32_t conf_mtu)
{
	uint32_t m = uplink_mtu6 < conf_mtu ? uplink_mtu6 : conf_mtu;

	return m < IPV6_MIN_MTU ? IPV6_MIN_MTU : m;
}

/*
 * Why two MTUs. The TUN carries both families: IPv4 from the host's programs, IPv6 that the kernel
 * forwards in from the uplink for the CLAT's address. Its device MTU must let an IPv6 packet of the
 * uplink's full size through (the kernel refuses to forward a larger one into it and sends Packet Too
 * Big instead), so it stays at the uplink's MTU. An IPv4 packet grows by 20 bytes when translated
 * (RFC 7915 §4.1), so the IPv4 routes through the TUN carry an MTU 20 bytes lower: a full-sized IPv4
 * packet (and the TCP MSS the host derives from the route, 40 less) then still fits the uplink
 * once translated. IPv4 packets without DF are fragmented by the translator to lowest-ipv6-mtu anyway
 * (RFC 7915 §4.1: a Fragment Header is added), so only DF traffic depends on this.
 */
uint32_t clat_route_mtu4(uint32_t tun_mtu)
{
	return tun_mtu - IPV6_MINUS_IPV4;
}

void clat_xlat(const struct xlat_conf *base, struct in_addr addr4, const struct in6_addr *addr6,
	       const struct prefix6 *prefix, struct xlat_conf *out)
{
	struct eamt_entry *e = &out->eamt.e[0];

	*out = *base;
	out->has_pool6 = prefix != NULL;
	if (prefix)
		out->pool6 = *prefix;
	else
		memset(&out->pool6, 0, sizeof(out->pool6));
	/* RFC 6877 §6.3: the CLAT is one IPv6 host to the PLAT. An EAMT entry is looked up before pool6 in
	 * both directions (RFC 7757 §3.3), so the host's address never maps through the prefix. */
	memset(&out->eamt, 0, sizeof(out->eamt));
	out->eamt.n = 1;
	e->p4 = (struct prefix4){ addr4, 32 };
	e->p6 = (struct prefix6){ *addr6, 128 };
	/* The entry's IPv4 address is the host on the IPv4 side of the TUN: a packet for it from the IPv6
	 * side is delivered to it, not hairpinned back as if it stood for an IPv6 host (RFC 7757 app. B). */
	out->eamt_v4_side = true;
	if (!base->has_own6) {
		out->has_own6 = true;
		out->own6 = *addr6;
	}
}
