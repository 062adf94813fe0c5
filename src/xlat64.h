/* Shared by the two halves of the IPv6 -> IPv4 translator (xlat64.c, xlat64_icmp.c), and its header reader
 * by the code that must walk an IPv6 header chain as the translator does (NAT64 tuples and steering,
 * software segmentation). */
#ifndef XLAT64_XLAT64_H
#define XLAT64_XLAT64_H

#include "xlat_internal.h"

#define NH_ICMP6 58

enum { ICMP6_DST_UNREACH = 1, ICMP6_PKT_TOO_BIG, ICMP6_TIME_EXCEEDED, ICMP6_PARAM_PROB };

/* What walking an IPv6 header chain (RFC 8200 §4) tells the translator. */
struct xlat64_v6 {
	const uint8_t *p;	/* the IPv6 header */
	uint32_t len;		/* bytes available from p (a quoted packet may be cut short) */
	uint32_t hlen;		/* IPv6 header plus the extension headers RFC 7915 §5.1 skips */
	uint32_t plen;		/* Payload Length field */
	uint8_t proto;		/* Next Header of the last skipped header: the IPv4 Protocol */
	uint32_t frag_at;	/* offset of the first Fragment Header, 0 when the walk reached none */
	bool frag;		/* ... and all of it is there: the packet has one, atomic or not */
	uint16_t frag_off;	/* its Fragment Offset, in 8-octet units */
	bool mf;
	uint32_t frag_id;
	uint32_t segleft_at;	/* offset of a non-zero Segments Left field, 0 when there is none */
};

/* Fragments other than the first carry no L4 header. */
static inline bool xlat64_first_frag(const struct xlat64_v6 *h)
{
	return h->frag_off == 0;
}

/* RFC 7915 §5.1/§5.2: is the packet one piece of a bigger one (an atomic fragment is not)? */
static inline bool xlat64_is_fragment(const struct xlat64_v6 *h)
{
	return h->frag_off != 0 || h->mf;
}

/* Walk the fixed header and the extension headers of the IPv6 packet at p (len bytes). Returns 0 or the drop
 * counter: DROP_TRUNCATED, DROP_HDR6, or DROP_EXT_AFTER_FRAG (the caller answers that one with an error).
 * After a drop, what the walk read before it stays in h: frag_at, and the fields of a Fragment Header that
 * was all there (defrag.c reads a fragment whose fragmentable part the core would refuse once whole). */
enum stat_id xlat64_parse(const uint8_t *p, uint32_t len, struct xlat64_v6 *h);

/* RFC 7915 §5.1: write the 20-byte IPv4 header for h at out (which may overlap h's own header: every field is
 * read before the first write). DF is set for unfragmented packets above 1260 bytes, as Jool does. */
void xlat64_ip4_hdr(struct xlat_ctx *ctx, const struct xlat64_v6 *h, struct in_addr src, struct in_addr dst,
		    uint8_t ttl, uint32_t tot_len, uint8_t *out);

/* What a translated IPv4 header and its L4 header carry. */
struct xlat64_ids {
	struct in_addr src, dst;
	bool stateful;		/* RFC 6146 §3.7: sport/dport (ICMP identifier: sport) replace the packet's */
	bool csum_partial;	/* stateful: the L4 checksum field holds a partial sum (ctx->csum_partial, which
				 * is about the datagram's own, never that of a packet an ICMP error quotes) */
	uint16_t sport, dport;	/* host order */
};

/* Whose header is being translated: it decides the tuple's orientation and the mapping fallbacks. */
enum xlat64_role {
	XLAT64_PLAIN,		/* a packet that is not an ICMP error */
	XLAT64_ERROR,		/* an ICMP error: a source that does not map takes an RFC 6791 address */
	XLAT64_QUOTED,		/* the packet an ICMP error quotes: it travels the other way */
};

/* The single place the 6->4 direction decides addresses: from ctx->tuple in stateful NAT64 (the tuple reversed
 * for a quoted packet, as it travels the other way), else mapped (RFC 7915 §5.1: destination first, then
 * source). Returns 0 or the drop counter. */
enum stat_id xlat64_ids(struct xlat_ctx *ctx, const struct xlat64_v6 *h, enum xlat64_role role,
			struct xlat64_ids *ids);

/* RFC 7915 §5.5 and §5.2: fix the L4 header at l4 (avail bytes, writable) of h's first fragment for ids:
 * TCP/UDP checksums lose the IPv6 pseudo-header and gain the IPv4 one, ICMPv6 echo becomes ICMPv4 echo, and in
 * stateful NAT64 the ports or the echo identifier are rewritten. Incremental (RFC 1624), so a wrong checksum
 * stays exactly as wrong; fields beyond avail are left alone. Returns false for an ICMPv6 type that is not
 * echo. */
bool xlat64_l4(const struct xlat64_v6 *h, uint8_t *l4, uint32_t avail, const struct xlat64_ids *ids);

/* RFC 7915 §5.2/§5.3: the ICMPv6 error in h (whole, unfragmented, ICMP header present, hop limit checked)
 * whose outer header gets ids becomes an ICMPv4 error built in ctx->scratch. */
enum xlat_verdict xlat64_icmp_error(struct xlat_ctx *ctx, const struct xlat64_v6 *h,
				    const struct xlat64_ids *ids, struct xlat_out *out);

#endif
