/*
 * ICMPv6 errors become ICMPv4 errors (RFC 7915 §5.2, §5.3). The packet they quote is translated too (its
 * addresses the other way round, in stateful NAT64 the tuple reversed, its hop limit kept) and the whole
 * message, RFC 4884 extension included, is rebuilt in ctx->scratch within the 576 bytes an ICMPv4 error may
 * take (RFC 1812 §4.3.2.3).
 */
#include <arpa/inet.h>
#include <string.h>

#include "csum.h"
#include "xlat64.h"

#define OUTER_LEN (IP4_HDR_LEN + ICMP_HDR_LEN)
/* RFC 4884 §4: when an extension follows, the quoted datagram takes at least 128 bytes (zero padded). */
#define ICMPEXT_MIN_BODY 128

/* RFC 7915 §5.2 Figure 6: the IPv4 header byte matching a Parameter Problem pointer into the IPv6 header,
 * or -1 where none does (Flow Label, and anything past the fixed header). */
static int param_ptr(uint32_t ptr)
{
	if (ptr <= 1)
		return (int)ptr;	/* Version/Traffic Class -> Version/IHL, Type of Service */
	if (ptr <= 3)
		return -1;		/* Flow Label */
	if (ptr <= 5)
		return 2;		/* Payload Length -> Total Length */
	if (ptr == 6)
		return 9;		/* Next Header -> Protocol */
	if (ptr == 7)
		return 8;		/* Hop Limit -> TTL */
	if (ptr <= 23)
		return 12;		/* Source Address */
	if (ptr <= 39)
		return 16;		/* Destination Address */
	return -1;
}

/* RFC 7915 §5.2: the IPv4 host may send 20 bytes less than the IPv6 path carries, and no more than the IPv4
 * link takes; Jool also bounds it by the IPv6 link the error came in through (mtu6, minus the same 20). */
static uint32_t ptb_mtu(const struct xlat_conf *c, uint32_t mtu)
{
	mtu = mtu > 20 ? mtu - 20 : 0;
	if (c->mtu4 < mtu)
		mtu = c->mtu4;
	if (c->mtu6 > 20 && c->mtu6 - 20 < mtu)
		mtu = c->mtu6 - 20;
	return mtu < 65535 ? mtu : 65535;
}

/* RFC 7915 §5.2: write the ICMPv4 type, code and rest-of-header for the ICMPv6 error icmp6 into icmp4.
 * Returns 0 or the drop counter. */
static enum stat_id map_type(const struct xlat_conf *c, const uint8_t *icmp6, uint8_t *icmp4)
{
	uint32_t info = (uint32_t)xlat_rd16(icmp6 + 4) << 16 | xlat_rd16(icmp6 + 6);
	uint8_t code = icmp6[1];
	int ptr;

	memset(icmp4, 0, ICMP_HDR_LEN);
	switch (icmp6[0]) {
	case ICMP6_DST_UNREACH:
		icmp4[0] = 3;
		switch (code) {
		case 0:		/* no route */
		case 2:		/* beyond scope of source address */
		case 3:		/* address unreachable */
			icmp4[1] = 1;	/* host unreachable */
			return 0;
		case 1:		/* administratively prohibited */
			icmp4[1] = 10;	/* host administratively prohibited */
			return 0;
		case 4:		/* port unreachable */
			icmp4[1] = 3;
			return 0;
		}
		return STAT_DROP_ICMP6_TYPE;
	case ICMP6_PKT_TOO_BIG:
		icmp4[0] = 3;
		icmp4[1] = 4;	/* fragmentation needed and DF set */
		xlat_wr16(icmp4 + 6, ptb_mtu(c, info));
		return 0;
	case ICMP6_TIME_EXCEEDED:
		icmp4[0] = 11;
		icmp4[1] = code;
		return 0;
	case ICMP6_PARAM_PROB:
		if (code == 1) {	/* unrecognized Next Header -> protocol unreachable */
			icmp4[0] = 3;
			icmp4[1] = 2;
			return 0;
		}
		if (code != 0)		/* unrecognized option (2) and later codes: silently dropped */
			return STAT_DROP_ICMP6_TYPE;
		ptr = param_ptr(info);
		if (ptr < 0)
			return STAT_DROP_PARAM_PTR;
		icmp4[0] = 12;
		icmp4[4] = (uint8_t)ptr;
		return 0;
	}
	return STAT_DROP_ICMP6_TYPE;
}

/* The packet the error quotes: its headers must be whole, its L4 header translatable, and it must be a first
 * fragment (later ones carry no L4 header to match). Its addresses (and identifiers) go the other way round. */
static enum stat_id parse_inner(struct xlat_ctx *ctx, const uint8_t *p, uint32_t len, struct xlat64_v6 *in,
				struct xlat64_ids *ids)
{
	if (xlat64_parse(p, len, in) || !xlat64_first_frag(in))
		return STAT_DROP_ICMP_INNER;
	if (in->proto == NH_ICMP6) {
		if (len - in->hlen < ICMP_HDR_LEN)
			return STAT_DROP_ICMP_INNER;
		if (p[in->hlen] < 128)
			return STAT_DROP_ICMP_DOUBLE;
	}
	return xlat64_ids(ctx, in, XLAT64_QUOTED, ids) ? STAT_DROP_ICMP_INNER : 0;
}

/* RFC 4884 §4: how the translated quote and the extension share the 576 bytes. */
struct layout {
	uint32_t body;		/* bytes of the translated quoted packet */
	uint32_t pad;		/* zeros after it */
	uint32_t ext;		/* extension bytes copied after the padding */
	uint8_t length;		/* the ICMPv4 length field, in 32-bit words; 0 without extension */
};

/*
 * As Jool does (its graybox ia..ic tests): the extension is kept whole if it leaves room for 128 bytes of
 * quote, else dropped; the quote is cut to a multiple of 4 bytes so the extension stays aligned, and padded
 * to 128 bytes, also for routers that sent less than RFC 4884 asks (Jool #396).
 */
static struct layout plan(uint32_t translated, uint32_t ext)
{
	const uint32_t room = ICMP4_ERR_MAX - OUTER_LEN;
	struct layout l = { 0 };

	if (ext == 0 || ext > room - ICMPEXT_MIN_BODY) {
		l.body = translated < room ? translated : room;
		return l;
	}
	l.body = (translated < room - ext ? translated : room - ext) & ~3u;
	l.pad = l.body < ICMPEXT_MIN_BODY ? ICMPEXT_MIN_BODY - l.body : 0;
	l.ext = ext;
	l.length = (uint8_t)((l.body + l.pad) / 4);
	return l;
}

/* RFC 7915 §5.2: the checksum is recomputed from scratch, so a corrupt error would come out looking valid;
 * it is checked first. */
static bool csum_ok(const struct xlat64_v6 *h)
{
	uint32_t len = h->len - h->hlen;

	return csum_final(csum_add(csum_pseudo_ip(h->p, NH_ICMP6, len), h->p + h->hlen, len)) == 0;
}

enum xlat_verdict xlat64_icmp_error(struct xlat_ctx *ctx, const struct xlat64_v6 *h,
				    const struct xlat64_ids *ids, struct xlat_out *out)
{
	const uint8_t *icmp6 = h->p + h->hlen;
	const uint8_t *quote = icmp6 + ICMP_HDR_LEN;
	uint32_t avail = h->len - h->hlen - ICMP_HDR_LEN;	/* everything after the ICMPv6 header */
	uint32_t qlen = avail, inner_tot, total;
	struct xlat64_v6 in;
	struct xlat64_ids iids;
	struct layout l;
	uint8_t *p = ctx->scratch, *icmp4 = p + IP4_HDR_LEN, *inner = icmp4 + ICMP_HDR_LEN;
	enum stat_id st;

	if (!csum_ok(h))
		return xlat_drop(ctx, STAT_DROP_ICMP_CSUM);
	st = map_type(ctx->conf, icmp6, icmp4);
	if (st)
		return xlat_drop(ctx, st);
	/* RFC 4884: Destination Unreachable and Time Exceeded may give the quote's length (64-bit words) and
	 * carry an extension after it; a length covering everything means there is none. */
	if ((icmp6[0] == ICMP6_DST_UNREACH || icmp6[0] == ICMP6_TIME_EXCEEDED) && icmp6[4]) {
		qlen = icmp6[4] * 8u;
		if (qlen > avail)
			return xlat_drop(ctx, STAT_DROP_ICMP_INNER);
	}
	st = parse_inner(ctx, quote, qlen, &in, &iids);
	if (st)
		return xlat_drop(ctx, st);

	/* The quoted packet loses its extension headers and 20 bytes of fixed header. */
	l = plan(qlen - in.hlen + IP4_HDR_LEN, avail - qlen);
	memcpy(inner + IP4_HDR_LEN, quote + in.hlen, l.body - IP4_HDR_LEN);
	if (!xlat64_l4(&in, inner + IP4_HDR_LEN, l.body - IP4_HDR_LEN, &iids))
		return xlat_drop(ctx, STAT_DROP_ICMP_INNER);
	/* Its Total Length describes the original, not the quote. */
	inner_tot = IP6_HDR_LEN + in.plen - in.hlen + IP4_HDR_LEN;
	xlat64_ip4_hdr(ctx, &in, iids.src, iids.dst, quote[7], inner_tot < 65535 ? inner_tot : 65535, inner);
	memset(inner + l.body, 0, l.pad);
	memcpy(inner + l.body + l.pad, quote + qlen, l.ext);
	icmp4[5] = l.length;

	total = OUTER_LEN + l.body + l.pad + l.ext;
	xlat_wr16(icmp4 + 2, csum_final(csum_add(0, icmp4, total - IP4_HDR_LEN)));
	xlat64_ip4_hdr(ctx, h, ids->src, ids->dst, (uint8_t)(h->p[7] - 1), total, p);
	out->pkt[out->n++] = (struct xlat_pkt){ p, total };
	xlat_count(ctx, STAT_TRANSLATED64);
	return XLAT_EMIT;
}
