/*
 * RFC 6146 §3.4, determining the incoming tuple: the 5-tuple of a TCP/UDP packet, the 3-tuple (addresses
 * and identifier) of an ICMP query, and for an ICMP error the tuple of the packet it quotes with source and
 * destination swapped (so the error follows the session of the flow it is about). Also the admission
 * rules of §3.5's preamble: an IPv6 source inside pool6 is dropped (it would loop), the IPv6 destination
 * must be in pool6 and the IPv4 one in pool4. Parsing reuses the RFC 7915 core's header walkers.
 */
#include <string.h>

#include "nat64_internal.h"
#include "xlat46.h"
#include "xlat64.h"

static bool icmp_is_echo(bool v6, uint8_t type)
{
	return v6 ? type == 128 || type == 129 : type == 8 || type == 0;
}

static bool icmp_is_error(bool v6, uint8_t type)
{
	return v6 ? type < 128 : type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* The identifiers of the L4 header at l4 (avail bytes). A quoted header needs only its first 8 bytes
 * (RFC 792); an outer TCP one its 20 (the flags). *is_error tells an outer ICMP error apart. */
static enum stat_id read_l4(bool v6, uint8_t ipproto, const uint8_t *l4, uint32_t avail, bool quoted,
			    struct nat64_pkt *p, bool *is_error)
{
	enum stat_id bad = quoted ? STAT_DROP_ICMP_INNER : STAT_DROP_L4;

	*is_error = false;
	switch (ipproto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if (avail < (quoted || ipproto == IPPROTO_UDP ? 8u : 20u))
			return bad;
		p->proto = ipproto == IPPROTO_TCP ? NAT64_TCP : NAT64_UDP;
		p->in.sport = xlat_rd16(l4);
		p->in.dport = xlat_rd16(l4 + 2);
		if (!quoted && ipproto == IPPROTO_TCP)
			p->tcp_flags = l4[13] & (TCP_FIN | TCP_SYN | TCP_RST);
		return 0;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if ((ipproto == IPPROTO_ICMPV6) != v6)
			break;
		if (avail < ICMP_HDR_LEN)
			return bad;
		if (icmp_is_echo(v6, l4[0])) {
			p->proto = NAT64_ICMP;
			p->in.sport = p->in.dport = xlat_rd16(l4 + 4);
			return 0;
		}
		if (icmp_is_error(v6, l4[0])) {
			if (quoted)
				return STAT_DROP_ICMP_DOUBLE;
			*is_error = true;
			return 0;
		}
		if (quoted)
			return bad;
		return v6 ? STAT_DROP_ICMP6_TYPE : STAT_DROP_ICMP4_TYPE;
	}
	/* RFC 6146 §1.1: only TCP, UDP and ICMP have bindings. */
	return quoted ? bad : STAT_DROP_NAT64_PROTO;
}

static enum stat_id tuple6(struct nat64_ctx *ctx, struct nat64_pkt *p)
{
	const struct xlat_conf *c = ctx->xlat.conf;
	struct xlat64_v6 h, in;
	struct in6_addr src;
	enum stat_id st;
	bool err;

	st = xlat64_parse(p->data, p->len, &h);
	if (st)
		return st;
	if (IP6_HDR_LEN + h.plen != p->len)
		return IP6_HDR_LEN + h.plen > p->len ? STAT_DROP_TRUNCATED : STAT_DROP_HDR6;
	if (xlat64_is_fragment(&h))
		return STAT_DROP_NAT64_FRAGMENT;
	memcpy(&src, p->data + 8, 16);
	if (c->has_pool6 && prefix6_contains(&c->pool6, &src))
		return STAT_DROP_NAT64_SRC_POOL6;
	st = read_l4(true, h.proto, p->data + h.hlen, p->len - h.hlen, false, p, &err);
	if (st)
		return st;
	if (!err) {
		p->in.src.v6 = src;
		memcpy(&p->in.dst.v6, p->data + 24, 16);
	} else {
		const uint8_t *q = p->data + h.hlen + ICMP_HDR_LEN;
		uint32_t qlen = p->len - h.hlen - ICMP_HDR_LEN;
		uint16_t sport;

		if (xlat64_parse(q, qlen, &in) || !xlat64_first_frag(&in))
			return STAT_DROP_ICMP_INNER;
		st = read_l4(true, in.proto, q + in.hlen, qlen - in.hlen, true, p, &err);
		if (st)
			return st;
		p->icmp_error = true;
		memcpy(&p->in.src.v6, q + 24, 16);
		memcpy(&p->in.dst.v6, q + 8, 16);
		sport = p->in.sport;
		p->in.sport = p->in.dport;
		p->in.dport = sport;
	}
	/* RFC 6052 §3.1 applies: 64:ff9b::/96 carries only global IPv4 unless the admin allowed more. */
	return xlat_map64(&ctx->xlat, &p->in.dst.v6, &p->remote4, false);
}

static enum stat_id tuple4(struct nat64_ctx *ctx, struct nat64_pkt *p)
{
	struct xlat46_v4 h, in;
	enum stat_id st;
	bool err;

	/* A damaged header must not touch the tables (the translation would drop it only afterwards). */
	st = xlat46_parse(p->data, p->len, &h);
	if (st || (st = xlat46_outer(&h, p->len)))
		return st;
	if (xlat46_is_fragment(&h))
		return STAT_DROP_NAT64_FRAGMENT;
	if (!nat64_pool4_contains(ctx->db, h.dst))
		return STAT_DROP_NAT64_POOL4;
	st = read_l4(false, h.proto, p->data + h.hlen, h.tot - h.hlen, false, p, &err);
	if (st)
		return st;
	if (!err) {
		p->in.src.v4 = h.src;
		p->in.dst.v4 = h.dst;
	} else {
		const uint8_t *q = p->data + h.hlen + ICMP_HDR_LEN;
		uint32_t qlen = h.tot - h.hlen - ICMP_HDR_LEN;
		uint16_t sport;

		if (xlat46_parse(q, qlen, &in) || (in.frag & IP4_OFFSET))
			return STAT_DROP_ICMP_INNER;
		st = read_l4(false, in.proto, q + in.hlen, qlen - in.hlen, true, p, &err);
		if (st)
			return st;
		/* The quoted packet is one we sent: from pool4. */
		if (!nat64_pool4_contains(ctx->db, in.src))
			return STAT_DROP_ICMP_INNER;
		p->icmp_error = true;
		p->err_src4 = h.src;
		p->in.src.v4 = in.dst;
		p->in.dst.v4 = in.src;
		sport = p->in.sport;
		p->in.sport = p->in.dport;
		p->in.dport = sport;
	}
	return xlat_map46(&ctx->xlat, p->in.src.v4, &p->remote6, true);
}

enum nat64_step nat64_tuple_in(struct nat64_ctx *ctx, struct nat64_pkt *p)
{
	enum stat_id st = p->v6 ? tuple6(ctx, p) : tuple4(ctx, p);

	return st ? nat64_drop(ctx, p, st) : NAT64_CONTINUE;
}
