/*
 * RFC 6146 §3.7, translating the packet: the RFC 7915 core with the outgoing tuple (ctx->tuple) in place of
 * its address mapping; and §3.8, hairpinning: an IPv6 packet for a pool4 address is a packet for another
 * (or the same) IPv6 host behind this NAT64, so its IPv4 translation goes through the 4->6 steps at once.
 */
#include <string.h>

#include "nat64_internal.h"

enum xlat_verdict nat64_translate(struct nat64_ctx *ctx, struct nat64_pkt *p, struct xlat_out *out)
{
	enum xlat_verdict v;

	ctx->xlat.tuple = &p->out;
	if (p->v6)
		v = xlat64_packet(&ctx->xlat, p->data, p->len, out);
	else
		v = xlat46_packet(&ctx->xlat, p->data, p->len, out);
	ctx->xlat.tuple = NULL;
	return v;
}

bool nat64_hairpin_wanted(const struct nat64_ctx *ctx, const struct nat64_pkt *p)
{
	const struct nat64 *db = ctx->db;

	if (!p->v6 || !nat64_pool4_contains(db, p->out.dst.v4))
		return false;
	/* Another worker's: the IPv4 packet leaves as it is, the host routes it (pool4 is routed into the
	 * TUN) back in, and the daemon steers it to the worker that owns the binding. */
	return nat64_owner4(db, p->proto, p->out.dst.v4, p->out.dport) == db->worker;
}

void nat64_hairpin_save(struct nat64_ctx *ctx, const struct nat64_pkt *p)
{
	struct nat64 *db = ctx->db;

	db->hairpin_len = p->len < NAT64_SYN4_KEEP ? p->len : NAT64_SYN4_KEEP;
	memcpy(db->hairpin_orig, p->data, db->hairpin_len);
}

enum xlat_verdict nat64_hairpin(struct nat64_ctx *ctx, const struct nat64_pkt *first, struct xlat_out *out)
{
	struct xlat_pkt o = out->pkt[0];
	struct nat64_pkt p = { .v6 = false, .hairpin = true };
	enum xlat_verdict v;
	struct in_addr dst;

	/* Only the translation itself goes round; an ICMPv6 error the core answered with goes back as is. */
	if (out->n != 1 || o.len < IP4_HDR_LEN || o.data[0] >> 4 != 4)
		return XLAT_EMIT;
	memcpy(&dst, o.data + 16, 4);
	if (dst.s_addr != first->out.dst.v4.s_addr)
		return XLAT_EMIT;
	/* Built in the scratch area (an ICMP error): move it where the 4->6 pass does not build. */
	if (o.data >= ctx->xlat.scratch && o.data < ctx->xlat.scratch + XLAT_SCRATCH_XLAT) {
		uint8_t *room = ctx->xlat.scratch + XLAT_SCRATCH_XLAT + XLAT_HEADROOM;

		if (o.len > XLAT_HAIRPIN_MAX) {
			out->n = 0;
			return xlat_drop(&ctx->xlat, STAT_DROP_NO_ROOM);
		}
		memmove(room, o.data, o.len);
		o.data = room;
	}
	xlat_count(&ctx->xlat, STAT_HAIRPIN);
	out->n = 0;
	p.data = o.data;
	p.len = o.len;
	/* The hop was counted on the way in: the 4->6 pass must not decrement the TTL again. */
	ctx->xlat.hairpin = true;
	v = nat64_pipeline(ctx, &p, out);
	ctx->xlat.hairpin = false;
	return v;
}
