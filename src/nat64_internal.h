/*
 * The RFC 6146 §3 pipeline, one file per step (as Jool's steps/): nat64_tuple_in.c (§3.4), nat64_filter.c
 * and nat64_tcp.c (§3.5), nat64_tuple_out.c (§3.6), nat64_translate.c (§3.7 and §3.8 hairpinning). Each step
 * returns NAT64_CONTINUE or NAT64_STOP with p->verdict set (and its counter incremented).
 */
#ifndef XLAT64_NAT64_INTERNAL_H
#define XLAT64_NAT64_INTERNAL_H

#include "nat64_db.h"
#include "xlat_internal.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04

enum nat64_step { NAT64_CONTINUE, NAT64_STOP };

/* What the steps learn about one packet. Addresses of `in` are of the incoming family, of `out` of the
 * outgoing one; ports in host order; ICMP queries carry their identifier in both ports. */
struct nat64_pkt {
	uint8_t *data;
	uint32_t len;
	bool v6;			/* incoming family */
	bool hairpin;			/* the IPv4 half of a hairpinned IPv6 packet (RFC 6146 §3.8) */
	enum nat64_proto proto;
	bool icmp_error;		/* the tuple is the quoted packet's, reversed (RFC 6146 §3.4) */
	uint8_t tcp_flags;		/* FIN/SYN/RST of a TCP packet (not of a quoted one) */
	struct xlat_tuple in;
	struct in_addr remote4;		/* 6->4: in.dst as IPv4 (pool6 removed) */
	struct in6_addr remote6;	/* 4->6: in.src as IPv6 (pool6 added) */
	struct in_addr err_src4;	/* 4->6 ICMP error: its real source (Jool's #132 option) */
	uint32_t bib, sess;		/* §3.5 results */
	struct xlat_tuple out;
	enum xlat_verdict verdict;
};

/* Stop with a counted drop. */
static inline enum nat64_step nat64_drop(struct nat64_ctx *ctx, struct nat64_pkt *p, enum stat_id why)
{
	xlat_count(&ctx->xlat, why);
	p->verdict = XLAT_DROP;
	return NAT64_STOP;
}

static inline uint32_t nat64_now(const struct nat64_ctx *ctx)
{
	return (uint32_t)ctx->xlat.now;
}

enum nat64_step nat64_tuple_in(struct nat64_ctx *ctx, struct nat64_pkt *p);
enum nat64_step nat64_filter(struct nat64_ctx *ctx, struct nat64_pkt *p, struct xlat_out *out);
/* §3.5.2: TCP, for a packet whose BIB entry (p->bib) exists; finds/creates/updates p->sess. */
enum nat64_step nat64_tcp(struct nat64_ctx *ctx, struct nat64_pkt *p);
/* A session timed out: 0 to delete it, or (TCP) its new lifetime in the state it moves to. */
uint32_t nat64_expire(struct nat64 *db, uint32_t s);
/* Hold an IPv4 SYN that has no binding or is filtered (RFC 6146 §3.5.2.2). */
enum nat64_step nat64_tcp_store_syn(struct nat64_ctx *ctx, struct nat64_pkt *p);
void nat64_tuple_out(struct nat64_ctx *ctx, struct nat64_pkt *p);
enum xlat_verdict nat64_translate(struct nat64_ctx *ctx, struct nat64_pkt *p, struct xlat_out *out);
/* §3.8: is the 6->4 translation for a pool4 address? Then keep the IPv6 original (a stored SYN or a port
 * unreachable quotes it) and, after translating, send the result through the 4->6 steps. */
bool nat64_hairpin_wanted(const struct nat64_ctx *ctx, const struct nat64_pkt *p);
void nat64_hairpin_save(struct nat64_ctx *ctx, const struct nat64_pkt *p);
enum xlat_verdict nat64_hairpin(struct nat64_ctx *ctx, const struct nat64_pkt *first, struct xlat_out *out);
/* The worker that owns the IPv4 transport address a4#port of proto (nat64_owner(), nat64_steer.c). */
unsigned nat64_owner4(const struct nat64 *db, enum nat64_proto proto, struct in_addr a4, uint16_t port);
/* Steps §3.4 to §3.8 for p (nat64.c). */
enum xlat_verdict nat64_pipeline(struct nat64_ctx *ctx, struct nat64_pkt *p, struct xlat_out *out);

#endif
