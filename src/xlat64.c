/*
 * IPv6 -> IPv4 translation of one datagram (RFC 7915 §5). The IPv6 header and the extension headers §5.1
 * skips give way, in place, to an IPv4 header written right before the L4 header, whose checksum is adjusted
 * incrementally; the payload is not touched. Stateful NAT64 (RFC 6146 §3.7) reuses it all with the addresses
 * and L4 identifiers of ctx->tuple. ICMPv6 errors, whose embedded packet changes size, are rebuilt in
 * xlat64_icmp.c.
 */
#include <arpa/inet.h>
#include <string.h>

#include "csum.h"
#include "xlat64.h"

#define NH_HOP 0
#define NH_TCP 6
#define NH_UDP 17
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_DST 60

#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129

/* RFC 7915 §5.1: a packet without Fragment Header gets DF only above 1260 bytes. Smaller ones were at most
 * 1280 bytes, the IPv6 minimum MTU, as IPv6: their sender cannot shrink them, so IPv4 routers may fragment. */
#define DF_THRESHOLD 1260
#define IPV6_MIN_MTU 1280

static uint32_t wire_len(const struct xlat_ctx *ctx, const struct xlat64_v6 *h, uint32_t tot_len)
{
	return xlat_wire_len(ctx, tot_len, IP4_HDR_LEN, h->proto, h->p + h->hlen, h->len - h->hlen);
}

static bool df(const struct xlat_ctx *ctx, const struct xlat64_v6 *h, uint32_t tot_len)
{
	return !h->frag && wire_len(ctx, h, tot_len) > DF_THRESHOLD;
}

enum stat_id xlat64_parse(const uint8_t *p, uint32_t len, struct xlat64_v6 *h)
{
	uint32_t off = IP6_HDR_LEN;
	uint8_t nh;

	memset(h, 0, sizeof(*h));
	if (len < IP6_HDR_LEN)
		return STAT_DROP_TRUNCATED;
	if (p[0] >> 4 != 6)
		return STAT_DROP_HDR6;
	h->p = p;
	h->len = len;
	h->plen = xlat_rd16(p + 4);
	nh = p[6];
	for (;;) {
		switch (nh) {
		case NH_HOP:
		case NH_ROUTING:
		case NH_DST:
			/* Only the first fragment would hold them, so later fragments could not be translated
			 * alike; Jool refuses them (graybox ac*) and so do we. */
			if (h->frag)
				return STAT_DROP_EXT_AFTER_FRAG;
			if (len - off < 8)
				return STAT_DROP_TRUNCATED;
			/* RFC 7915 §5.1: an unexpired routing header is answered with a Parameter Problem. */
			if (nh == NH_ROUTING && p[off + 3] && !h->segleft_at)
				h->segleft_at = off + 3;
			nh = p[off];
			off += (p[off + 1] + 1u) * 8;
			if (off > len)
				return STAT_DROP_TRUNCATED;
			break;
		case NH_FRAGMENT:
			if (h->frag)
				return STAT_DROP_HDR6;
			h->frag_at = off;
			if (len - off < 8)
				return STAT_DROP_TRUNCATED;
			h->frag = true;
			h->frag_off = xlat_rd16(p + off + 2) >> 3;
			h->mf = p[off + 3] & 1;
			h->frag_id = (uint32_t)xlat_rd16(p + off + 4) << 16 | xlat_rd16(p + off + 6);
			nh = p[off];
			off += 8;
			break;
		default:
			if (off > IP6_HDR_LEN + h->plen)
				return STAT_DROP_HDR6;
			h->proto = nh;
			h->hlen = off;
			return 0;
		}
	}
}

void xlat64_ip4_hdr(struct xlat_ctx *ctx, const struct xlat64_v6 *h, struct in_addr src, struct in_addr dst,
		    uint8_t ttl, uint32_t tot_len, uint8_t *out)
{
	const struct xlat_conf *c = ctx->conf;
	uint8_t tos = c->override_tos ? c->tos : (uint8_t)(xlat_rd16(h->p) >> 4);
	uint16_t id, frag;

	/* RFC 7915 §5.1.1: a Fragment Header gives the ID and the offset; otherwise the ID is ours to pick. */
	if (h->frag) {
		id = (uint16_t)h->frag_id;
		frag = (uint16_t)((h->mf ? IP4_MF : 0) | h->frag_off);
	} else {
		id = (uint16_t)xlat_rand(ctx);
		frag = df(ctx, h, tot_len) ? IP4_DF : 0;
	}
	out[0] = 0x45;
	out[1] = tos;
	xlat_wr16(out + 2, tot_len);
	xlat_wr16(out + 4, id);
	xlat_wr16(out + 6, frag);
	out[8] = ttl;
	out[9] = h->proto == NH_ICMP6 ? IPPROTO_ICMP : h->proto;
	memcpy(out + 12, &src, 4);
	memcpy(out + 16, &dst, 4);
	xlat_wr16(out + 10, csum_ipv4_header(out, IP4_HDR_LEN));
}

/* RFC 7915 §5.2: echo keeps its identifier (unless stateful NAT64 maps it), sequence and data; the checksum
 * loses the ICMPv6 pseudo-header (ICMPv4 has none) and follows the type change. */
static bool icmp_echo(const struct xlat64_v6 *h, uint8_t *icmp, uint32_t avail, const struct xlat64_ids *ids)
{
	uint32_t old, new;
	uint8_t type;

	if (avail < ICMP_HDR_LEN)
		return false;
	if (icmp[0] == ICMP6_ECHO_REQUEST)
		type = 8;
	else if (icmp[0] == ICMP6_ECHO_REPLY)
		type = 0;
	else
		return false;
	old = csum_pseudo_ip(h->p, NH_ICMP6, IP6_HDR_LEN + h->plen - h->hlen) + icmp[0] * 256u;
	new = type * 256u;
	icmp[0] = type;
	if (ids->stateful)
		xlat_take16(icmp + 4, ids->sport, &old, &new);
	xlat_wr16(icmp + 2, csum_adjust(xlat_rd16(icmp + 2), old, new));
	return true;
}

bool xlat64_l4(const struct xlat64_v6 *h, uint8_t *l4, uint32_t avail, const struct xlat64_ids *ids)
{
	switch (h->proto) {
	case NH_TCP:
	case NH_UDP:
		/* Lengths and protocol weigh the same in both pseudo-headers: only the addresses change. A zero
		 * UDP checksum (RFC 6936 tunnels) means "none" in IPv4 as well, so it stays zero. */
		xlat_l4_ports(h->proto, l4, avail, csum_add(0, h->p + 8, 32),
			      csum_add(csum_add(0, &ids->src, 4), &ids->dst, 4), ids->stateful, ids->csum_partial,
			      ids->sport, ids->dport);
		return true;
	case NH_ICMP6:
		return icmp_echo(h, l4, avail, ids);
	default:
		return true;	/* RFC 7915 §5.1: other protocols pass untouched (graybox fa) */
	}
}

/* An error the translator answers with (RFC 7915 §5.1, §5.4): the drop is counted whether or not the error
 * could be built (icmp6_error() refuses to answer errors, multicast sources, or without an own address). */
static enum xlat_verdict reply(struct xlat_ctx *ctx, const uint8_t *pkt, uint32_t len, uint8_t type,
			       uint8_t code, uint32_t info, enum stat_id why, struct xlat_out *out)
{
	uint32_t scratch_off = 0;

	xlat_count(ctx, why);
	return icmp6_error(ctx, pkt, len, type, code, info, &scratch_off, out) ? XLAT_EMIT : XLAT_DROP;
}

/* An ICMPv6 error from a router that neither pool6 nor the EAMT covers gets an RFC 6791 source. A quoted
 * packet's destination plays the source role (xlat_map64()). */
enum stat_id xlat64_ids(struct xlat_ctx *ctx, const struct xlat64_v6 *h, enum xlat64_role role,
			struct xlat64_ids *ids)
{
	const struct xlat_tuple *t = ctx->tuple;
	bool quoted = role == XLAT64_QUOTED;
	struct in6_addr a;
	enum stat_id st;

	if (t) {
		/* The identifier of a quoted ICMP query is sport either way round (xlat.h). */
		*ids = (struct xlat64_ids){
			.src = quoted ? t->dst.v4 : role == XLAT64_ERROR && t->has_err_src ? t->err_src.v4 : t->src.v4,
			.dst = quoted ? t->src.v4 : t->dst.v4,
			.stateful = true,
			.csum_partial = role == XLAT64_PLAIN && ctx->csum_partial,
			.sport = quoted && h->proto != NH_ICMP6 ? t->dport : t->sport,
			.dport = quoted ? t->sport : t->dport,
		};
		return 0;
	}
	*ids = (struct xlat64_ids){ .stateful = false };
	memcpy(&a, h->p + 24, 16);
	st = xlat_map64(ctx, &a, &ids->dst, quoted);
	if (st)
		return st;
	memcpy(&a, h->p + 8, 16);
	st = xlat_map64(ctx, &a, &ids->src, !quoted);
	if (st && role == XLAT64_ERROR)
		return xlat_6791_src4(ctx, &ids->src) ? 0 : STAT_DROP_NO_ICMP_SRC;
	return st;
}

/*
 * The next-hop MTU (mtu4). A packet with DF, or an IPv6 fragment the sender could cut smaller, is refused
 * with a Packet Too Big (Jool: max(1280, MTU + 20), graybox cg*); non-first fragments only get dropped, as
 * the first one already told the sender. A packet without DF that the IPv6 side cannot shrink (mtu4 below
 * 1260) leaves as it is: the kernel fragments it on the IPv4 link. Returns true when it was refused.
 */
static bool too_big(struct xlat_ctx *ctx, const struct xlat64_v6 *h, uint32_t tot, struct xlat_out *out,
		    enum xlat_verdict *v)
{
	uint32_t mtu = ctx->conf->mtu4 < 65535 ? ctx->conf->mtu4 : 65535;

	if (wire_len(ctx, h, tot) <= mtu || !(df(ctx, h, tot) || (h->frag && mtu + 20 >= IPV6_MIN_MTU)))
		return false;
	if (xlat64_first_frag(h))
		*v = reply(ctx, h->p, h->len, ICMP6_PKT_TOO_BIG, 0,
			   mtu + 20 > IPV6_MIN_MTU ? mtu + 20 : IPV6_MIN_MTU, STAT_DROP_TOO_BIG, out);
	else
		*v = xlat_drop(ctx, STAT_DROP_TOO_BIG);
	return true;
}

/* The L4 header the translation touches must be there (in a first fragment). */
static bool l4_present(const struct xlat64_v6 *h)
{
	uint32_t avail = h->len - h->hlen;

	if (!xlat64_first_frag(h))
		return true;
	switch (h->proto) {
	case NH_TCP:
		return avail >= 20;
	case NH_UDP:
	case NH_ICMP6:
		return avail >= 8;
	default:
		return true;
	}
}

enum xlat_verdict xlat64_packet(struct xlat_ctx *ctx, uint8_t *pkt, uint32_t len, struct xlat_out *out)
{
	struct xlat64_v6 h;
	struct xlat64_ids ids;
	enum xlat_verdict v;
	enum stat_id st;
	uint32_t tot;
	uint8_t *ip4;
	bool icmp_error;

	out->n = 0;
	if (len < IP6_HDR_LEN)
		return xlat_drop(ctx, STAT_DROP_TRUNCATED);
	tot = IP6_HDR_LEN + (uint32_t)xlat_rd16(pkt + 4);
	if (tot != len)		/* jumbograms included: they have no IPv4 counterpart */
		return xlat_drop(ctx, tot > len ? STAT_DROP_TRUNCATED : STAT_DROP_HDR6);
	st = xlat64_parse(pkt, len, &h);
	/* Jool answers with Destination Unreachable, administratively prohibited (graybox ac*). */
	if (st == STAT_DROP_EXT_AFTER_FRAG)
		return reply(ctx, pkt, len, ICMP6_DST_UNREACH, 1, 0, st, out);
	if (st)
		return xlat_drop(ctx, st);
	if (!l4_present(&h))
		return xlat_drop(ctx, STAT_DROP_L4);
	icmp_error = false;
	if (h.proto == NH_ICMP6) {
		/* RFC 7915 §5.2: the checksum of a fragmented ICMPv6 message covers bytes we never see. */
		if (xlat64_is_fragment(&h))
			return xlat_drop(ctx, STAT_DROP_FRAG_ICMP);
		icmp_error = pkt[h.hlen] < 128;
		if (!icmp_error && pkt[h.hlen] != ICMP6_ECHO_REQUEST && pkt[h.hlen] != ICMP6_ECHO_REPLY)
			return xlat_drop(ctx, STAT_DROP_ICMP6_TYPE);
	}
	st = xlat64_ids(ctx, &h, icmp_error ? XLAT64_ERROR : XLAT64_PLAIN, &ids);
	if (st)
		return xlat_drop(ctx, st);
	/* RFC 7915 §5.1: the translator is a router, so it decrements the hop limit and may send errors. */
	if (pkt[7] <= 1)
		return reply(ctx, pkt, len, ICMP6_TIME_EXCEEDED, 0, 0, STAT_DROP_HOP_LIMIT, out);
	if (h.segleft_at)
		return reply(ctx, pkt, len, ICMP6_PARAM_PROB, 0, h.segleft_at, STAT_DROP_SEGMENTS_LEFT, out);
	if (icmp_error)
		return xlat64_icmp_error(ctx, &h, &ids, out);

	tot = len - h.hlen + IP4_HDR_LEN;
	if (too_big(ctx, &h, tot, out, &v))
		return v;
	/* The L4 fix reads the IPv6 addresses, which the IPv4 header may overwrite: it goes first. */
	if (xlat64_first_frag(&h))
		xlat64_l4(&h, pkt + h.hlen, len - h.hlen, &ids);
	ip4 = pkt + h.hlen - IP4_HDR_LEN;
	xlat64_ip4_hdr(ctx, &h, ids.src, ids.dst, (uint8_t)(pkt[7] - 1), tot, ip4);
	out->pkt[out->n++] = (struct xlat_pkt){ ip4, tot };
	xlat_count(ctx, STAT_TRANSLATED64);
	return XLAT_EMIT;
}
