/*
 * RFC 8781 PREF64 option and the Router Advertisement around it. Every read is bounds-checked: the
 * decoder and the option walker see whatever a link (or the kernel's RTM_NEWNDUSEROPT) hands us.
 */
#include <arpa/inet.h>
#include <string.h>

#include "pref64.h"

#define ND_ROUTER_SOLICIT_TYPE 133
#define ND_ROUTER_ADVERT_TYPE 134
#define RA_HDR_LEN 16

uint16_t pref64_scaled_lifetime(uint32_t seconds)
{
	if (!seconds)
		return 0;
	if (seconds >= PREF64_LIFETIME_MAX)
		return PREF64_LIFETIME_MAX / 8;
	return (uint16_t)((seconds + 7) / 8);
}

/* RFC 8781 §4: PLC 0..5 stand for the RFC 6052 lengths longest first, rfc6052_lens' order; 6 and 7 are
 * unassigned. */
int pref64_plc(unsigned len)
{
	return rfc6052_len_index(len);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

bool pref64_encode(const struct prefix6 *p, uint32_t lifetime_s, uint8_t out[PREF64_OPT_LEN])
{
	int plc = pref64_plc(p->len);

	if (plc < 0)
		return false;
	out[0] = PREF64_OPT_TYPE;
	out[1] = PREF64_OPT_LEN / 8;
	put16(out + 2, (uint16_t)(pref64_scaled_lifetime(lifetime_s) << 3 | plc));
	/* "Highest 96 bits of the Prefix" (§4): a /96 fills them, shorter prefixes have zero host bits. */
	memcpy(out + 4, p->addr.s6_addr, 12);
	return true;
}

bool pref64_decode(const uint8_t *opt, size_t len, struct prefix6 *p, uint32_t *lifetime_s)
{
	struct prefix6 q = { .addr = IN6ADDR_ANY_INIT };
	const char *why;
	uint16_t slp;

	if (len < PREF64_OPT_LEN || opt[0] != PREF64_OPT_TYPE || opt[1] != PREF64_OPT_LEN / 8)
		return false;
	slp = (uint16_t)(opt[2] << 8 | opt[3]);
	if ((slp & 7) >= RFC6052_NLENS)
		return false;
	q.len = rfc6052_lens[slp & 7];
	/* Every PLC length is whole bytes. The sender should have zeroed the bytes past it; the prefix is
	 * what the PLC says, whatever trails it. */
	memcpy(q.addr.s6_addr, opt + 4, q.len / 8);
	if (!rfc6052_prefix_valid(&q, &why))
		return false;
	*p = q;
	*lifetime_s = (uint32_t)(slp >> 3) * 8;
	return true;
}

bool pref64_opt_next(const uint8_t *opts, size_t len, size_t *off, const uint8_t **opt, size_t *olen)
{
	size_t n;

	if (*off >= len || len - *off < 2)
		return false;
	n = (size_t)opts[*off + 1] * 8;
	if (!n || n > len - *off)
		return false;
	*opt = opts + *off;
	*olen = n;
	*off += n;
	return true;
}

/* RFC 8106 §5.1: type 25, length 1 + 2 per address, 2 reserved bytes, lifetime, the addresses. */
static size_t put_rdnss(const struct pref64_ra *ra, uint8_t *b)
{
	size_t n = 8 + 16 * ra->n_rdnss;

	b[0] = ND_OPT_TYPE_RDNSS;
	b[1] = (uint8_t)(n / 8);
	put32(b + 4, ra->rdnss_lifetime);
	for (unsigned i = 0; i < ra->n_rdnss; i++)
		memcpy(b + 8 + 16 * i, ra->rdnss[i].s6_addr, 16);
	return n;
}

/* RFC 4191 §2.3: type 24, length 2 for prefixes up to /64 (8 prefix bytes) and 3 beyond, preference
 * medium (00), route lifetime, the prefix. */
static size_t put_rio(const struct pref64_ra *ra, uint8_t *b)
{
	size_t plen = ra->prefix.len > 64 ? 16 : 8;

	b[0] = ND_OPT_TYPE_RIO;
	b[1] = (uint8_t)((8 + plen) / 8);
	b[2] = ra->prefix.len;
	put32(b + 4, ra->route_lifetime);
	memcpy(b + 8, ra->prefix.addr.s6_addr, plen);
	return 8 + plen;
}

size_t pref64_ra_build(const struct pref64_ra *ra, uint8_t *buf, size_t n)
{
	size_t need = RA_HDR_LEN + PREF64_OPT_LEN, off;

	if (ra->lladdr && ra->lladdr_len)
		need += (2 + ra->lladdr_len + 7) / 8 * 8;
	if (ra->n_rdnss)
		need += 8 + 16 * (size_t)ra->n_rdnss;	/* too many are refused below */
	if (ra->route)
		need += ra->prefix.len > 64 ? 24 : 16;
	if (need > n || pref64_plc(ra->prefix.len) < 0 || ra->n_rdnss > PREF64_RDNSS_MAX ||
	    (ra->lladdr && ra->lladdr_len > 14))
		return 0;
	memset(buf, 0, need);
	/* RFC 4861 §4.2: Cur Hop Limit, flags, Reachable Time and Retrans Timer 0 = "unspecified": a box
	 * that only announces a NAT64 prefix leaves the hosts' other settings alone. With a router lifetime
	 * of 0 the preference bits must be 00 (RFC 4191 §2.2), which they are. */
	buf[0] = ND_ROUTER_ADVERT_TYPE;
	put16(buf + 6, ra->router_lifetime);
	off = RA_HDR_LEN;
	if (ra->lladdr && ra->lladdr_len) {
		size_t l = (2 + ra->lladdr_len + 7) / 8 * 8;

		buf[off] = ND_OPT_TYPE_SLLA;
		buf[off + 1] = (uint8_t)(l / 8);
		memcpy(buf + off + 2, ra->lladdr, ra->lladdr_len);
		off += l;
	}
	pref64_encode(&ra->prefix, ra->prefix_lifetime, buf + off);
	off += PREF64_OPT_LEN;
	if (ra->n_rdnss)
		off += put_rdnss(ra, buf + off);
	if (ra->route)
		off += put_rio(ra, buf + off);
	return off;
}

bool pref64_rs_valid(const uint8_t *msg, size_t len, int hoplimit, bool src_unspecified)
{
	const uint8_t *opt;
	size_t off = 0, olen;

	if (hoplimit != 255 || len < 8 || msg[0] != ND_ROUTER_SOLICIT_TYPE || msg[1] != 0)
		return false;
	while (pref64_opt_next(msg + 8, len - 8, &off, &opt, &olen))
		/* RFC 4861 §6.1.1: an unspecified source must not come with a link-layer address. */
		if (src_unspecified && opt[0] == ND_OPT_TYPE_SLLA)
			return false;
	return off == len - 8;
}
