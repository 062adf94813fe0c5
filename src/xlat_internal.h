/* Shared between the translation core's files only; not part of the core's public API. */
#ifndef XLAT64_XLAT_INTERNAL_H
#define XLAT64_XLAT_INTERNAL_H

#include "xlat.h"

#define IP4_HDR_LEN 20
#define IP6_HDR_LEN 40
#define FRAG_HDR_LEN 8
#define ICMP_HDR_LEN 8
#define IP4_DF 0x4000
#define IP4_MF 0x2000
#define IP4_OFFSET 0x1fff
#define ICMP4_ERR_MAX 576	/* RFC 1812 §4.3.2.3: an ICMPv4 error is at most 576 bytes */
#define ICMP6_ERR_MAX 1280	/* RFC 4443 §2.4 (c): an ICMPv6 error fits the minimum MTU */

/* Unaligned big-endian 16-bit field access. */
static inline uint16_t xlat_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void xlat_wr16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint32_t xlat_rd32(const uint8_t *p)
{
	return (uint32_t)xlat_rd16(p) << 16 | xlat_rd16(p + 2);
}

static inline void xlat_wr32(uint8_t *p, uint32_t v)
{
	xlat_wr16(p, v >> 16);
	xlat_wr16(p + 2, v);
}

/* Count a drop and return XLAT_DROP, so every drop site is one line: return xlat_drop(ctx, STAT_X); */
enum xlat_verdict xlat_drop(struct xlat_ctx *ctx, enum stat_id id);
static inline void xlat_count(struct xlat_ctx *ctx, enum stat_id id) { ctx->stats->c[id]++; }

/* RFC 7915's size rules (DF, fragmentation, next-hop MTU) are about packets on the wire. A GSO super-packet
 * (ctx->gso_size) leaves as segments of l3len + L4 header + gso_size bytes, so one segment is measured. */
uint32_t xlat_wire_len(const struct xlat_ctx *ctx, uint32_t len, uint32_t l3len, uint8_t proto, const uint8_t *l4,
		       uint32_t l4avail);

/* Replace the 16-bit field at p by v, accumulating the old and new values for csum_adjust(). */
static inline void xlat_take16(uint8_t *p, uint16_t v, uint32_t *old, uint32_t *new)
{
	*old += xlat_rd16(p);
	*new += v;
	xlat_wr16(p, v);
}

/* RFC 7915 §4.5/§5.5 (and RFC 6146 §3.7 when `stateful`): the TCP/UDP header at l4 (avail bytes, writable)
 * gets the new ports, and its checksum the change from the `old` to the `new` pseudo-header sum, both
 * incrementally (RFC 1624), and the ports' change too unless `partial` (ctx->csum_partial: the field holds
 * only the pseudo-header's sum, the kernel adds the segment's, new ports included, when it sends it). A
 * zero UDP checksum stays zero; a computed zero becomes all ones (RFC 768). */
void xlat_l4_ports(uint8_t proto, uint8_t *l4, uint32_t avail, uint32_t old, uint32_t new, bool stateful,
		   bool partial, uint16_t sport, uint16_t dport);

/* Next pseudo-random value (xorshift64*): IPv4 IDs of unfragmented 6->4 packets, RFC 6791 picks. */
uint64_t xlat_rand(struct xlat_ctx *ctx);

/* Address mapping, RFC 7915 §4.1/§5.1 via RFC 7757 (EAMT first) then RFC 6052 (pool6).
 * Returns 0 on success or the stat id explaining the failure (STAT_DROP_NONGLOBAL when the pool6 is
 * 64:ff9b::/96 and the IPv4 address is not global and allow_nonglobal is off).
 * `src` names the address's role: true for the outer source and for the inner *destination* of an ICMP
 * error's embedded packet (it travels the other way). It picks DROP_SRC* or DROP_DST*, and during the
 * 4->6 pass of a hairpinned packet (ctx->hairpin) a source-role address skips the EAMT and maps with
 * pool6 only (RFC 7757 appendix B, "intrinsic" hairpinning). */
enum stat_id xlat_map46(const struct xlat_ctx *ctx, struct in_addr a, struct in6_addr *out, bool src);
enum stat_id xlat_map64(const struct xlat_ctx *ctx, const struct in6_addr *a, struct in_addr *out, bool src);

/* RFC 6791: the source of a translated ICMP error whose original source does not map. Picks from the
 * pool (random), else the translator's own address; false when neither is configured. */
bool xlat_6791_src4(struct xlat_ctx *ctx, struct in_addr *out);
bool xlat_6791_src6(struct xlat_ctx *ctx, struct in6_addr *out);

/* Direction entry points (xlat64.c, xlat46.c). Each counts TRANSLATED* / ICMP_GEN* or one drop. */
enum xlat_verdict xlat64_packet(struct xlat_ctx *ctx, uint8_t *pkt, uint32_t len, struct xlat_out *out);
enum xlat_verdict xlat46_packet(struct xlat_ctx *ctx, uint8_t *pkt, uint32_t len, struct xlat_out *out);

/* Translator-generated errors (RFC 7915 §4.4/§5.4 and the MTU/TTL cases), built in ctx->scratch at
 * *scratch_off (advanced) and appended to out. The error goes from own4/own6 (the translator's address on
 * the side the offending packet came from) back to the offending packet's source; its body is as much of
 * the offending packet as fits in 576 (IPv4) / 1280 (IPv6) bytes; TTL/hop limit 64, IPv4 DF clear, TOS
 * and traffic class 0. Returns false (no error sent) when own4/own6 is unset, the offending packet is
 * itself an ICMP error, or its source is unspecified/multicast. `info` is the 32-bit rest-of-header
 * (MTU, pointer) in host order. */
bool icmp4_error(struct xlat_ctx *ctx, const uint8_t *offending, uint32_t len, uint8_t type, uint8_t code,
		 uint32_t info, uint32_t *scratch_off, struct xlat_out *out);
bool icmp6_error(struct xlat_ctx *ctx, const uint8_t *offending, uint32_t len, uint8_t type, uint8_t code,
		 uint32_t info, uint32_t *scratch_off, struct xlat_out *out);

#endif
