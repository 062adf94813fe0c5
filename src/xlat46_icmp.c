/* ICMPv4 errors -> ICMPv6 errors (RFC 7915 §4.2, §4.3): type/code/pointer/MTU tables, the embedded packet
 * translated like an outer one but with its TTL kept (in stateful NAT64, with the tuple reversed), RFC 4884
 * extensions re-aligned to 64-bit units, the result cut to the IPv6 minimum MTU and its checksum computed from
 * scratch. Built in ctx->scratch. */
#include <string.h>

#include "csum.h"
#include "xlat46.h"

#define ORIGINAL_MIN 128	/* RFC 4884 §4.1: an extension follows at least 128 bytes of the datagram */

/* The ICMPv6 header an ICMPv4 error becomes. */
struct icmp46 {
	uint8_t type, code;
	uint32_t info;		/* rest of header: pointer or MTU, host order */
	bool has_length;	/* rest of header holds an RFC 4884 length (Dest. Unreachable, Time Exceeded) */
};

/* RFC 7915 §4.2 Figure 3: Parameter Problem pointer into the IPv4 header -> into the IPv6 header. */
static const int8_t param_ptr[20] = { 0, 1, 4, 4, -1, -1, -1, -1, 7, 6, -1, -1, 8, 8, 8, 8, 24, 24, 24, 24 };

/* RFC 7915 §4.2: type and code tables. Returns 0 or the drop counter. */
static enum stat_id map_type(const uint8_t *icmp, struct icmp46 *t)
{
	*t = (struct icmp46){ .type = 1, .has_length = true };
	switch (icmp[0]) {
	case 3:
		switch (icmp[1]) {
		case 0: case 1: case 5: case 6: case 7: case 8: case 11: case 12:
			return 0;			/* no route to destination */
		case 3:
			t->code = 4;			/* port unreachable */
			return 0;
		case 9: case 10: case 13: case 15:
			t->code = 1;			/* administratively prohibited */
			return 0;
		case 2:
			/* Protocol Unreachable: Parameter Problem, unrecognized Next Header, pointing at it. */
			*t = (struct icmp46){ .type = 4, .code = 1, .info = 6 };
			return 0;
		case 4:
			*t = (struct icmp46){ .type = 2 };	/* Packet Too Big; MTU filled in later */
			return 0;
		}
		return STAT_DROP_ICMP4_TYPE;
	case 11:
		t->type = 3;
		t->code = icmp[1];
		return 0;
	case 12:
		if (icmp[1] != 0 && icmp[1] != 2)
			return STAT_DROP_ICMP4_TYPE;
		if (icmp[4] >= sizeof(param_ptr) || param_ptr[icmp[4]] < 0)
			return STAT_DROP_PARAM_PTR;
		*t = (struct icmp46){ .type = 4, .info = (uint32_t)param_ptr[icmp[4]] };
		return 0;
	}
	return STAT_DROP_ICMP4_TYPE;
}

/* RFC 7915 §4.2: the Packet Too Big MTU is min(advertised + 20, IPv6 next hop, IPv4 next hop + 20), and
 * never below 1280. An advertised 0 comes from a pre-RFC 1191 router: take the plateau below the size of
 * the packet that did not fit (RFC 1191 §5, §7). */
static uint32_t ptb_mtu(const struct xlat_conf *c, const uint8_t *icmp, uint32_t tot_len)
{
	uint32_t mtu = xlat_rd16(icmp + 6);

	for (unsigned i = 0; mtu == 0 && i < c->n_plateaus; i++)
		if (c->plateaus[i] < tot_len)
			mtu = c->plateaus[i];
	mtu += 20;
	if (mtu > c->mtu6)
		mtu = c->mtu6;
	if (mtu > c->mtu4 + 20)
		mtu = c->mtu4 + 20;
	return mtu < 1280 ? 1280 : mtu;
}

static bool is_icmp4_error_type(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* The packet an error quotes: an IPv4 first fragment with (RFC 792) at least 8 bytes of its L4 header,
 * not an ICMP error itself (RFC 7915 §4.3: stop at the first embedded header). */
static enum stat_id parse_inner(const uint8_t *p, uint32_t avail, struct xlat46_v4 *in)
{
	if (xlat46_parse(p, avail, in) || (in->frag & IP4_OFFSET))
		return STAT_DROP_ICMP_INNER;
	switch (in->proto) {
	case IPPROTO_ICMP:
		if (avail - in->hlen >= 1 && is_icmp4_error_type(p[in->hlen]))
			return STAT_DROP_ICMP_DOUBLE;
		/* fall through */
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		return avail - in->hlen < 8 ? STAT_DROP_ICMP_INNER : 0;
	default:
		return 0;
	}
}

/* The outer header's addresses, then the quoted packet's (and identifiers). */
static enum stat_id map_ids(struct xlat_ctx *ctx, const struct xlat46_v4 *h, const struct xlat46_v4 *in,
			    struct xlat46_ids *outer, struct xlat46_ids *inner)
{
	enum stat_id why = xlat46_ids(ctx, h, XLAT46_ERROR, outer);

	if (why)
		return why;
	return xlat46_ids(ctx, in, XLAT46_QUOTED, inner) ? STAT_DROP_ICMP_INNER : 0;
}

enum xlat_verdict xlat46_icmp_error(struct xlat_ctx *ctx, const struct xlat46_v4 *h, struct xlat_out *out)
{
	const struct xlat_conf *c = ctx->conf;
	const uint8_t *icmp = h->p + h->hlen;
	uint32_t quoted = h->tot - h->hlen - ICMP_HDR_LEN, ipl, ext, keep, pad = 0, n6, total;
	struct xlat46_ids ids, iids;	/* of the outer header, of the quoted one */
	struct xlat46_v4 in;
	struct icmp46 t;
	uint8_t *o = ctx->scratch, *o_icmp = o + IP6_HDR_LEN, *o_in = o_icmp + ICMP_HDR_LEN;
	enum stat_id why;

	/* The result gets a fresh checksum, so a corrupt error must not pass as a sound one. */
	if (csum_fold(csum_add(0, icmp, h->tot - h->hlen)) != 0xffff)
		return xlat_drop(ctx, STAT_DROP_ICMP_CSUM);
	why = map_type(icmp, &t);
	if (why)
		return xlat_drop(ctx, why);
	/* RFC 4884 §4.1: a nonzero length (32-bit words) says where the original datagram ends and an
	 * extension begins. Equal to what is there: no extension after all. */
	ipl = icmp[5] * 4u;
	if (ipl > quoted)
		return xlat_drop(ctx, STAT_DROP_ICMP_INNER);
	if (ipl == quoted)
		ipl = 0;
	why = parse_inner(icmp + ICMP_HDR_LEN, ipl ? ipl : quoted, &in);
	if (!why)
		why = map_ids(ctx, h, &in, &ids, &iids);
	if (why)
		return xlat_drop(ctx, why);

	/* RFC 4884 §4.1 + RFC 7915 §4.2: the extension is kept (opaque) where ICMPv6 has a length field and it
	 * leaves room for 128 bytes of datagram within 1280; the datagram is then cut to 64-bit units and
	 * padded to 128. Otherwise the extension goes and the datagram just fills up to 1280. */
	n6 = IP6_HDR_LEN + (xlat46_is_fragment(&in) ? FRAG_HDR_LEN : 0);
	keep = (ipl ? ipl : quoted) - in.hlen + n6;
	ext = ipl ? quoted - ipl : 0;
	if (!t.has_length || ext > ICMP6_ERR_MAX - IP6_HDR_LEN - ICMP_HDR_LEN - ORIGINAL_MIN)
		ext = 0;
	if (keep > ICMP6_ERR_MAX - IP6_HDR_LEN - ICMP_HDR_LEN - ext)
		keep = ICMP6_ERR_MAX - IP6_HDR_LEN - ICMP_HDR_LEN - ext;
	if (ext) {
		keep &= ~7u;
		pad = keep < ORIGINAL_MIN ? ORIGINAL_MIN - keep : 0;
	}
	total = IP6_HDR_LEN + ICMP_HDR_LEN + keep + pad + ext;

	/* RFC 7915 §4.3: the quoted header is translated like an outer one, except its TTL. */
	xlat46_ip6_hdr(c, &in, &iids.src, &iids.dst, in.ttl, in.tot - in.hlen + n6 - IP6_HDR_LEN,
		       xlat46_is_fragment(&in), o_in);
	memcpy(o_in + n6, icmp + ICMP_HDR_LEN + in.hlen, keep - n6);
	if (!xlat46_l4(&in, o_in + n6, keep - n6, &iids))
		return xlat_drop(ctx, STAT_DROP_ICMP_INNER);
	memset(o_in + keep, 0, pad);
	memcpy(o_in + keep + pad, icmp + ICMP_HDR_LEN + ipl, ext);

	o_icmp[0] = t.type;
	o_icmp[1] = t.code;
	memset(o_icmp + 2, 0, 6);
	if (t.type == 2)
		t.info = ptb_mtu(c, icmp, in.tot);
	xlat_wr16(o_icmp + 4, t.info >> 16);
	xlat_wr16(o_icmp + 6, t.info);
	if (ext)
		o_icmp[4] = (uint8_t)((keep + pad) / 8);
	xlat46_ip6_hdr(c, h, &ids.src, &ids.dst, h->ttl - !ctx->hairpin, total - IP6_HDR_LEN, false, o);
	xlat_wr16(o_icmp + 2, csum_final(csum_add(csum_pseudo6(&ids.src, &ids.dst, IPPROTO_ICMPV6,
								total - IP6_HDR_LEN), o_icmp, total - IP6_HDR_LEN)));
	out->pkt[out->n++] = (struct xlat_pkt){ o, total };
	xlat_count(ctx, STAT_TRANSLATED46);
	return XLAT_EMIT;
}
