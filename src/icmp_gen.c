/* ICMP errors the translator itself originates: Time Exceeded, Fragmentation Needed / Packet Too Big,
 * Parameter Problem and the like, sent back toward the offending packet's source (RFC 7915 §4.4, §5.4;
 * RFC 792, RFC 4443). */
#include <arpa/inet.h>
#include <string.h>

#include "csum.h"
#include "xlat_internal.h"


/* Room for one more packet of up to `size` bytes in the scratch area, or NULL. */
static uint8_t *reserve(struct xlat_ctx *ctx, uint32_t *off, uint32_t size, struct xlat_out *out)
{
	if (out->n == XLAT_OUT_MAX || *off + size > XLAT_SCRATCH_XLAT)
		return NULL;
	return ctx->scratch + *off;
}

static void emit(uint8_t *p, uint32_t len, uint32_t *off, struct xlat_out *out)
{
	out->pkt[out->n++] = (struct xlat_pkt){ p, len };
	*off += (len + 7) & ~7u;
}

/* RFC 1122 §3.2.2 / RFC 4443 §2.4 (e): never answer an error with an error. */
static bool is_icmp4_error(const uint8_t *p, uint32_t len)
{
	uint32_t ihl = (p[0] & 0x0f) * 4u;

	if (p[9] != IPPROTO_ICMP || len < ihl + 1 || (ntohs(*(const uint16_t *)(p + 6)) & 0x1fff))
		return false;
	switch (p[ihl]) {
	case 0: case 8: case 13: case 14: case 15: case 16: case 17: case 18:
		return false;
	default:
		return true;
	}
}

bool icmp4_error(struct xlat_ctx *ctx, const uint8_t *offending, uint32_t len, uint8_t type, uint8_t code,
		 uint32_t info, uint32_t *scratch_off, struct xlat_out *out)
{
	struct in_addr src;
	uint32_t body, total;
	uint8_t *p;

	if (!ctx->conf->has_own4 || len < 20 || is_icmp4_error(offending, len))
		return false;
	memcpy(&src, offending + 12, 4);
	/* No errors to unspecified, broadcast or multicast sources (RFC 1812 §4.3.2.7). */
	if (src.s_addr == 0 || (ntohl(src.s_addr) >> 28) >= 0xe)
		return false;
	body = len < ICMP4_ERR_MAX - 28 ? len : ICMP4_ERR_MAX - 28;
	total = 28 + body;
	p = reserve(ctx, scratch_off, total, out);
	if (!p)
		return false;
	memset(p, 0, 28);
	p[0] = 0x45;
	*(uint16_t *)(p + 2) = htons((uint16_t)total);
	*(uint16_t *)(p + 4) = (uint16_t)xlat_rand(ctx);
	p[8] = 64;
	p[9] = IPPROTO_ICMP;
	memcpy(p + 12, &ctx->conf->own4, 4);
	memcpy(p + 16, &src, 4);
	*(uint16_t *)(p + 10) = htons(csum_ipv4_header(p, 20));
	p[20] = type;
	p[21] = code;
	*(uint32_t *)(p + 24) = htonl(info);
	memcpy(p + 28, offending, body);
	*(uint16_t *)(p + 22) = htons(csum_final(csum_add(0, p + 20, 8 + body)));
	emit(p, total, scratch_off, out);
	xlat_count(ctx, STAT_ICMP_GEN4);
	return true;
}

/* Only the first header is looked at: an ICMPv6 error hidden behind extension headers is answered, which
 * RFC 4443 §2.4 (e) tolerates as the receiver discards it. */
static bool is_icmp6_error(const uint8_t *p, uint32_t len)
{
	return p[6] == IPPROTO_ICMPV6 && len > 40 && p[40] < 128;
}

bool icmp6_error(struct xlat_ctx *ctx, const uint8_t *offending, uint32_t len, uint8_t type, uint8_t code,
		 uint32_t info, uint32_t *scratch_off, struct xlat_out *out)
{
	struct in6_addr src;
	uint32_t body, total;
	uint8_t *p;

	if (!ctx->conf->has_own6 || len < 40 || is_icmp6_error(offending, len))
		return false;
	memcpy(&src, offending + 8, 16);
	if (IN6_IS_ADDR_UNSPECIFIED(&src) || IN6_IS_ADDR_MULTICAST(&src))
		return false;
	body = len < ICMP6_ERR_MAX - 48 ? len : ICMP6_ERR_MAX - 48;
	total = 48 + body;
	p = reserve(ctx, scratch_off, total, out);
	if (!p)
		return false;
	memset(p, 0, 48);
	p[0] = 0x60;
	*(uint16_t *)(p + 4) = htons((uint16_t)(total - 40));
	p[6] = IPPROTO_ICMPV6;
	p[7] = 64;
	memcpy(p + 8, &ctx->conf->own6, 16);
	memcpy(p + 24, &src, 16);
	p[40] = type;
	p[41] = code;
	*(uint32_t *)(p + 44) = htonl(info);
	memcpy(p + 48, offending, body);
	*(uint16_t *)(p + 42) = htons(csum_final(csum_add(csum_pseudo6(&ctx->conf->own6, &src, IPPROTO_ICMPV6,
								     total - 40), p + 40, total - 40)));
	emit(p, total, scratch_off, out);
	xlat_count(ctx, STAT_ICMP_GEN6);
	return true;
}
