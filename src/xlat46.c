/* IPv4 -> IPv6 translation of one datagram (RFC 7915 §4): header, DF/MTU handling, fragmentation to
 * lowest-ipv6-mtu, TCP/UDP/ICMP-echo checksums; stateful NAT64 (RFC 6146 §3.7) reuses it all with the
 * addresses and L4 identifiers of ctx->tuple. ICMP errors are handed to xlat46_icmp.c. */
#include <arpa/inet.h>
#include <string.h>

#include "csum.h"
#include "xlat46.h"

#define IPOPT_END 0
#define IPOPT_NOOP 1
#define IPOPT_LSRR 131
#define IPOPT_SSRR 137

/* The fast path writes the IPv6 and Fragment headers where the IPv4 header (at least 20 bytes) was. */
_Static_assert(IP6_HDR_LEN + FRAG_HDR_LEN - 20 <= XLAT_HEADROOM, "headroom too small for 4->6");

enum stat_id xlat46_parse(const uint8_t *p, uint32_t avail, struct xlat46_v4 *h)
{
	h->p = NULL;
	if (avail < 20)
		return STAT_DROP_TRUNCATED;
	if (p[0] >> 4 != 4 || (p[0] & 0x0f) < 5)
		return STAT_DROP_HDR4;
	h->p = p;
	h->hlen = (p[0] & 0x0fu) * 4;
	h->tot = xlat_rd16(p + 2);
	h->frag = xlat_rd16(p + 6);
	h->ttl = p[8];
	h->proto = p[9];
	memcpy(&h->src, p + 12, 4);
	memcpy(&h->dst, p + 16, 4);
	if (h->hlen > avail)
		return STAT_DROP_TRUNCATED;
	if (h->tot < h->hlen)
		return STAT_DROP_HDR4;
	return 0;
}

enum stat_id xlat46_outer(const struct xlat46_v4 *h, uint32_t len)
{
	if (h->tot > len)
		return STAT_DROP_TRUNCATED;
	/* The translation rewrites the header with a new checksum, which must not hide a damaged one. */
	if (csum_ipv4_header(h->p, h->hlen) != xlat_rd16(h->p + 10))
		return STAT_DROP_HDR4;
	return 0;
}

static uint8_t nexthdr(uint8_t proto)
{
	return proto == IPPROTO_ICMP ? IPPROTO_ICMPV6 : proto;
}

uint32_t xlat46_ip6_hdr(const struct xlat_conf *c, const struct xlat46_v4 *h, const struct in6_addr *src,
			const struct in6_addr *dst, uint8_t hop_limit, uint32_t payload_len, bool frag_hdr,
			uint8_t *out)
{
	/* RFC 7915 §4.1: Traffic Class from TOS (unless told to zero it), Flow Label 0. */
	uint8_t tc = c->zeroize_traffic_class ? 0 : h->p[1];

	out[0] = (uint8_t)(0x60 | tc >> 4);
	out[1] = (uint8_t)(tc << 4);
	out[2] = 0;
	out[3] = 0;
	xlat_wr16(out + 4, payload_len);
	out[6] = frag_hdr ? IPPROTO_FRAGMENT : nexthdr(h->proto);
	out[7] = hop_limit;
	memcpy(out + 8, src, 16);
	memcpy(out + 24, dst, 16);
	if (!frag_hdr)
		return IP6_HDR_LEN;
	out[40] = nexthdr(h->proto);
	out[41] = 0;
	xlat_wr16(out + 42, (uint32_t)(h->frag & IP4_OFFSET) << 3 | !!(h->frag & IP4_MF));
	/* The IPv4 Identification, zero-extended (RFC 7915 §4.1 "Fragment Header"). */
	out[44] = 0;
	out[45] = 0;
	memcpy(out + 46, h->p + 4, 2);
	return IP6_HDR_LEN + FRAG_HDR_LEN;
}

/* RFC 6146 §3.7: a port or ICMP identifier of the outgoing tuple replaces the packet's at p; old and new gain
 * what the checksum loses and gains. */
/* RFC 7915 §4.2: Echo 8 -> 128, Echo Reply 0 -> 129, code 0; ICMPv6 adds a pseudo-header. The identifier is
 * kept unless stateful NAT64 maps it. */
static bool icmp_echo(const struct xlat46_v4 *h, uint8_t *icmp, uint32_t avail, const struct xlat46_ids *ids)
{
	uint32_t old, new;

	if (avail < 4 || (icmp[0] != 8 && icmp[0] != 0))
		return false;
	old = xlat_rd16(icmp);
	icmp[0] = icmp[0] == 8 ? 128 : 129;
	icmp[1] = 0;
	new = csum_pseudo6(&ids->src, &ids->dst, IPPROTO_ICMPV6, h->tot - h->hlen) + xlat_rd16(icmp);
	if (ids->stateful && avail >= 6)
		xlat_take16(icmp + 4, ids->sport, &old, &new);
	xlat_wr16(icmp + 2, csum_adjust(xlat_rd16(icmp + 2), old, new));
	return true;
}

bool xlat46_l4(const struct xlat46_v4 *h, uint8_t *l4, uint32_t avail, const struct xlat46_ids *ids)
{
	switch (h->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		xlat_l4_ports(h->proto, l4, avail, csum_pseudo4(h->src, h->dst, 0, 0),
			      csum_pseudo6(&ids->src, &ids->dst, 0, 0), ids->stateful, ids->csum_partial, ids->sport,
			      ids->dport);
		return true;
	case IPPROTO_ICMP:
		return icmp_echo(h, l4, avail, ids);
	default:
		/* RFC 7915 §4.5: other transports (DCCP, ...) are forwarded untouched. */
		return true;
	}
}

/* An ICMP error from a router that neither the EAMT nor pool6 covers gets an RFC 6791 source (a traceroute hop
 * with an untranslatable address, including RFC 7915 §4.1's "illegal" 0.0.0.0/127.x sources, which pool6
 * simply embeds). A quoted packet's destination plays the source role (xlat_map46()). */
enum stat_id xlat46_ids(struct xlat_ctx *ctx, const struct xlat46_v4 *h, enum xlat46_role role,
			struct xlat46_ids *ids)
{
	const struct xlat_tuple *t = ctx->tuple;
	bool quoted = role == XLAT46_QUOTED;
	enum stat_id why;

	if (t) {
		/* The identifier of a quoted ICMP query is sport either way round (xlat.h). */
		*ids = (struct xlat46_ids){
			.src = quoted ? t->dst.v6 : role == XLAT46_ERROR && t->has_err_src ? t->err_src.v6 : t->src.v6,
			.dst = quoted ? t->src.v6 : t->dst.v6,
			.stateful = true,
			.csum_partial = role == XLAT46_PLAIN && ctx->csum_partial,
			.sport = quoted && h->proto != IPPROTO_ICMP ? t->dport : t->sport,
			.dport = quoted ? t->sport : t->dport,
		};
		return 0;
	}
	*ids = (struct xlat46_ids){ .stateful = false };
	why = xlat_map46(ctx, h->dst, &ids->dst, quoted);
	if (why)
		return why;
	why = xlat_map46(ctx, h->src, &ids->src, !quoted);
	if (why && role == XLAT46_ERROR)
		return xlat_6791_src6(ctx, &ids->src) ? 0 : STAT_DROP_NO_ICMP_SRC;
	return why;
}

/* RFC 7915 §4.1: a Loose or Strict Source Route option whose pointer has not passed its last address.
 * Returns -1 for malformed options. */
static int src_route_unexpired(const struct xlat46_v4 *h)
{
	const uint8_t *o = h->p + 20, *end = h->p + h->hlen;

	while (o < end && *o != IPOPT_END) {
		if (*o == IPOPT_NOOP) {
			o++;
			continue;
		}
		if (end - o < 2 || o[1] < 2 || o[1] > end - o)
			return -1;
		if ((*o == IPOPT_LSRR || *o == IPOPT_SSRR) && o[1] >= 3 && o[2] <= o[1])
			return 1;
		o += o[1];
	}
	return 0;
}

/* Drop with a counter and answer the sender with an ICMPv4 error (RFC 7915 §4.4). */
static enum xlat_verdict reject(struct xlat_ctx *ctx, const struct xlat46_v4 *h, enum stat_id why,
				uint8_t type, uint8_t code, uint32_t info, struct xlat_out *out)
{
	uint32_t off = 0;

	xlat_count(ctx, why);
	return icmp4_error(ctx, h->p, h->tot, type, code, info, &off, out) ? XLAT_EMIT : XLAT_DROP;
}

/* Bytes of L4 header a first fragment must carry for us to translate it. */
static uint32_t l4_min(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return 20;
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
		return 8;
	default:
		return 0;
	}
}

/* RFC 7915 §4.5: the checksum a UDP datagram sent with zero gets, over the translated datagram (its ports
 * already final). */
static void udp_csum(const struct xlat46_v4 *h, uint8_t *udp, const struct xlat46_ids *ids)
{
	uint32_t len = h->tot - h->hlen;
	uint16_t check = csum_final(csum_add(csum_pseudo6(&ids->src, &ids->dst, IPPROTO_UDP, len), udp, len));

	xlat_wr16(udp + 6, check ? check : 0xffff);
}

/* RFC 7915 §4.1/§1.4: a !DF packet larger than min(next-hop MTU, lowest-ipv6-mtu) leaves as IPv6 fragments
 * built in the scratch area, each with a Fragment Header carrying the IPv4 ID; payload per fragment is a
 * multiple of 8. The first fragment keeps the original offset, the last the original MF. */
static enum xlat_verdict fragment(struct xlat_ctx *ctx, const struct xlat46_v4 *h, const uint8_t *hdr6,
				  uint32_t mpl, struct xlat_out *out)
{
	const uint8_t *data = h->p + h->hlen;
	uint32_t left = h->tot - h->hlen, per = (mpl - IP6_HDR_LEN - FRAG_HDR_LEN) & ~7u;
	uint32_t n = (left + per - 1) / per, offset = h->frag & IP4_OFFSET;
	uint8_t *p = ctx->scratch;

	if (n > XLAT_OUT_MAX || left + n * (IP6_HDR_LEN + FRAG_HDR_LEN) > XLAT_SCRATCH_XLAT)
		return xlat_drop(ctx, STAT_DROP_NO_ROOM);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t chunk = left < per ? left : per;
		bool more = i + 1 < n || (h->frag & IP4_MF);

		memcpy(p, hdr6, IP6_HDR_LEN + FRAG_HDR_LEN);
		xlat_wr16(p + 4, FRAG_HDR_LEN + chunk);
		xlat_wr16(p + 42, offset << 3 | more);
		memcpy(p + IP6_HDR_LEN + FRAG_HDR_LEN, data, chunk);
		out->pkt[out->n++] = (struct xlat_pkt){ p, IP6_HDR_LEN + FRAG_HDR_LEN + chunk };
		p += IP6_HDR_LEN + FRAG_HDR_LEN + chunk;
		data += chunk;
		left -= chunk;
		offset += chunk / 8;
	}
	ctx->stats->c[STAT_FRAGMENTS_OUT] += n - 1;
	xlat_count(ctx, STAT_TRANSLATED46);
	return XLAT_EMIT;
}

/* Everything but ICMP errors: the IPv6 header replaces the IPv4 one in place, or fragments are built. */
static enum xlat_verdict translate(struct xlat_ctx *ctx, uint8_t *pkt, const struct xlat46_v4 *h,
				   struct xlat_out *out)
{
	const struct xlat_conf *c = ctx->conf;
	uint32_t l4len = h->tot - h->hlen, mpl, out_len, wire;
	bool first = !(h->frag & IP4_OFFSET), frag_hdr = xlat46_is_fragment(h);
	uint8_t *l4 = pkt + h->hlen, hdr6[IP6_HDR_LEN + FRAG_HDR_LEN];
	struct xlat46_ids ids;
	enum stat_id why;
	bool zero_udp;

	if (first && l4len < l4_min(h->proto))
		return xlat_drop(ctx, STAT_DROP_L4);
	why = xlat46_ids(ctx, h, XLAT46_PLAIN, &ids);
	if (why)
		return xlat_drop(ctx, why);

	/* RFC 7915 §4.1: DF set and too big for the next hop -> Fragmentation Needed with the IPv4-equivalent
	 * MTU (at least 576, as Jool), DF clear -> fragment to lowest-ipv6-mtu. RFC 8200 §5: never below 1280. */
	out_len = IP6_HDR_LEN + (frag_hdr ? FRAG_HDR_LEN : 0) + l4len;
	wire = xlat_wire_len(ctx, out_len, out_len - l4len, h->proto, l4, l4len);
	if ((h->frag & IP4_DF) && wire > c->mtu6)
		return reject(ctx, h, STAT_DROP_TOO_BIG, 3, 4, c->mtu6 > 596 ? c->mtu6 - 20 : 576, out);
	mpl = c->mtu6 < c->lowest_ipv6_mtu ? c->mtu6 : c->lowest_ipv6_mtu;
	if (mpl < 1280)
		mpl = 1280;

	/* RFC 7915 §4.5: a zero UDP checksum can be computed only for an unfragmented datagram, and only when
	 * the admin asked for it; otherwise drop and say so (§4.4: 3/13, as Jool does), before anything is
	 * rewritten, as the error quotes the packet as it came. */
	zero_udp = first && h->proto == IPPROTO_UDP && xlat_rd16(l4 + 6) == 0;
	if (zero_udp && (frag_hdr || !c->amend_udp_zero_csum))
		return reject(ctx, h, STAT_DROP_UDP_ZERO_CSUM, 3, 13, 0, out);
	if (first)
		xlat46_l4(h, l4, l4len, &ids);
	if (zero_udp)
		udp_csum(h, l4, &ids);

	if (!(h->frag & IP4_DF) && wire > mpl) {
		xlat46_ip6_hdr(c, h, &ids.src, &ids.dst, h->ttl - !ctx->hairpin, 0, true, hdr6);
		return fragment(ctx, h, hdr6, mpl, out);
	}
	uint32_t n6 = xlat46_ip6_hdr(c, h, &ids.src, &ids.dst, h->ttl - !ctx->hairpin, out_len - IP6_HDR_LEN,
				     frag_hdr, hdr6);
	memcpy(l4 - n6, hdr6, n6);
	out->pkt[out->n++] = (struct xlat_pkt){ l4 - n6, out_len };
	xlat_count(ctx, STAT_TRANSLATED46);
	return XLAT_EMIT;
}

enum xlat_verdict xlat46_packet(struct xlat_ctx *ctx, uint8_t *pkt, uint32_t len, struct xlat_out *out)
{
	struct xlat46_v4 h;
	enum stat_id why = xlat46_parse(pkt, len, &h);
	int route;

	/* One datagram in, its translation (or errors) out; the hairpin pass reuses out. */
	out->n = 0;
	if (why || (why = xlat46_outer(&h, len)))
		return xlat_drop(ctx, why);
	route = src_route_unexpired(&h);
	if (route < 0)
		return xlat_drop(ctx, STAT_DROP_HDR4);
	if (route)
		return reject(ctx, &h, STAT_DROP_SRC_ROUTE, 3, 5, 0, out);
	/* RFC 7915 §4.1 (as a router, RFC 1812 §5.3.1). A hairpinned packet lost its hop on the way in. */
	if (!ctx->hairpin && h.ttl <= 1)
		return reject(ctx, &h, STAT_DROP_HOP_LIMIT, 11, 0, 0, out);
	if (h.proto == IPPROTO_ICMP) {
		/* RFC 7915 §4.2: the ICMPv6 checksum covers the whole message, a fragment cannot be fixed. */
		if (xlat46_is_fragment(&h))
			return xlat_drop(ctx, STAT_DROP_FRAG_ICMP);
		if (h.tot - h.hlen < 8)
			return xlat_drop(ctx, STAT_DROP_L4);
		if (pkt[h.hlen] != 0 && pkt[h.hlen] != 8)
			return xlat46_icmp_error(ctx, &h, out);
	}
	return translate(ctx, pkt, &h, out);
}
