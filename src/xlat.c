/* The translation core's entry point: dispatch by IP version, address mapping shared by both directions,
 * and RFC 7757 hairpinning. */
#include <arpa/inet.h>
#include <string.h>

#include "csum.h"

#include "xlat_internal.h"

/* RFC 1191 §7 table of MTU plateaus, as Jool uses them. */
static const uint16_t default_plateaus[] = { 65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68 };

void xlat_conf_defaults(struct xlat_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->lowest_ipv6_mtu = 1280;
	c->mtu4 = 65535;
	c->mtu6 = 65535;
	c->n_plateaus = sizeof(default_plateaus) / sizeof(default_plateaus[0]);
	memcpy(c->plateaus, default_plateaus, sizeof(default_plateaus));
}

enum xlat_verdict xlat_drop(struct xlat_ctx *ctx, enum stat_id id)
{
	xlat_count(ctx, id);
	return XLAT_DROP;
}

uint64_t xlat_rand(struct xlat_ctx *ctx)
{
	uint64_t x = ctx->rng ? ctx->rng : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	ctx->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

uint32_t xlat_wire_len(const struct xlat_ctx *ctx, uint32_t len, uint32_t l3len, uint8_t proto, const uint8_t *l4,
		       uint32_t l4avail)
{
	uint32_t l4hdr, seg;

	if (!ctx->gso_size)
		return len;
	if (proto == IPPROTO_TCP && l4avail >= 13)
		l4hdr = (l4[12] >> 4) * 4u;
	else if (proto == IPPROTO_UDP)
		l4hdr = 8;
	else
		return len;
	seg = l3len + l4hdr + ctx->gso_size;
	return seg < len ? seg : len;
}

void xlat_l4_ports(uint8_t proto, uint8_t *l4, uint32_t avail, uint32_t old, uint32_t new, bool stateful,
		   bool partial, uint16_t sport, uint16_t dport)
{
	uint32_t at = proto == IPPROTO_TCP ? 16 : 6, ports_old = 0, ports_new = 0;
	uint16_t check;

	if (stateful && avail >= 4) {
		xlat_take16(l4, sport, &ports_old, &ports_new);
		xlat_take16(l4 + 2, dport, &ports_old, &ports_new);
	}
	if (!partial) {
		old += ports_old;
		new += ports_new;
	}
	if (avail < at + 2)
		return;
	check = xlat_rd16(l4 + at);
	if (proto == IPPROTO_UDP && check == 0)
		return;
	check = csum_adjust(check, old, new);
	if (proto == IPPROTO_UDP && check == 0)
		check = 0xffff;
	xlat_wr16(l4 + at, check);
}

enum stat_id xlat_map46(const struct xlat_ctx *ctx, struct in_addr a, struct in6_addr *out, bool src)
{
	const struct xlat_conf *c = ctx->conf;

	if (!(ctx->hairpin && src) && eamt_4to6(&c->eamt, a, out))
		return 0;
	if (!c->has_pool6)
		return src ? STAT_DROP_SRC4 : STAT_DROP_DST4;
	/* RFC 6052 §3.1: with the well-known prefix only global IPv4 addresses may be embedded. */
	if (rfc6052_nonglobal_refused(&c->pool6, a, c->allow_nonglobal))
		return STAT_DROP_NONGLOBAL;
	rfc6052_embed(&c->pool6, a, out);
	return 0;
}

enum stat_id xlat_map64(const struct xlat_ctx *ctx, const struct in6_addr *a, struct in_addr *out, bool src)
{
	const struct xlat_conf *c = ctx->conf;

	if (eamt_6to4(&c->eamt, a, out))
		return 0;
	if (!c->has_pool6 || !rfc6052_extract(&c->pool6, a, out))
		return src ? STAT_DROP_SRC6 : STAT_DROP_DST6;
	if (rfc6052_nonglobal_refused(&c->pool6, *out, c->allow_nonglobal))
		return STAT_DROP_NONGLOBAL;
	return 0;
}

bool xlat_6791_src4(struct xlat_ctx *ctx, struct in_addr *out)
{
	const struct xlat_conf *c = ctx->conf;

	if (c->has_6791v4) {
		uint32_t host = c->pool6791v4.len < 32 ? (uint32_t)xlat_rand(ctx) >> c->pool6791v4.len : 0;

		out->s_addr = c->pool6791v4.addr.s_addr | htonl(host);
		return true;
	}
	if (c->has_own4) {
		*out = c->own4;
		return true;
	}
	return false;
}

bool xlat_6791_src6(struct xlat_ctx *ctx, struct in6_addr *out)
{
	const struct xlat_conf *c = ctx->conf;

	if (c->has_6791v6) {
		*out = c->pool6791v6.addr;
		/* Random host bits; only the low 64 bits, which keeps the picks simple and is plenty. */
		for (unsigned bit = c->pool6791v6.len > 64 ? c->pool6791v6.len : 64; bit < 128; bit++)
			if (xlat_rand(ctx) & 1)
				out->s6_addr[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
		return true;
	}
	if (c->has_own6) {
		*out = c->own6;
		return true;
	}
	return false;
}

/* RFC 7757 appendix B: a 6->4 result whose destination is an EAMT address stands for a host on the IPv6
 * side, so it is translated back to IPv6 at once instead of leaving toward IPv4. */
static enum xlat_verdict hairpin(struct xlat_ctx *ctx, struct xlat_out *out)
{
	struct xlat_pkt p = out->pkt[0];
	struct in_addr dst;
	enum xlat_verdict v;

	if (ctx->conf->eamt_v4_side || out->n != 1 || p.len < 20 || (p.data[0] >> 4) != 4)
		return XLAT_EMIT;
	memcpy(&dst, p.data + 16, 4);
	if (!eamt_has4(&ctx->conf->eamt, dst))
		return XLAT_EMIT;
	/* A packet built in the scratch area moves to the hairpin region: the 4->6 pass builds there too. */
	if (p.data >= ctx->scratch && p.data < ctx->scratch + XLAT_SCRATCH_XLAT) {
		uint8_t *room = ctx->scratch + XLAT_SCRATCH_XLAT + XLAT_HEADROOM;

		if (p.len > XLAT_HAIRPIN_MAX)
			return xlat_drop(ctx, STAT_DROP_NO_ROOM);
		memmove(room, p.data, p.len);
		p.data = room;
	}
	xlat_count(ctx, STAT_HAIRPIN);
	ctx->hairpin = true;
	v = xlat46_packet(ctx, p.data, p.len, out);
	ctx->hairpin = false;
	return v;
}

enum xlat_verdict xlat_packet(struct xlat_ctx *ctx, uint8_t *pkt, uint32_t len, struct xlat_out *out)
{
	enum xlat_verdict v;

	out->n = 0;
	ctx->hairpin = false;
	if (len < 1)
		return xlat_drop(ctx, STAT_DROP_TRUNCATED);
	switch (pkt[0] >> 4) {
	case 6:
		xlat_count(ctx, STAT_RECEIVED6);
		if (len >= 40 && pkt[24] == 0xff)
			return xlat_drop(ctx, STAT_DROP_MULTICAST);
		v = xlat64_packet(ctx, pkt, len, out);
		return v == XLAT_EMIT ? hairpin(ctx, out) : v;
	case 4:
		xlat_count(ctx, STAT_RECEIVED4);
		if (len >= 20 && pkt[16] >= 224)
			return xlat_drop(ctx, STAT_DROP_MULTICAST);
		return xlat46_packet(ctx, pkt, len, out);
	default:
		return xlat_drop(ctx, STAT_DROP_BAD_VERSION);
	}
}
