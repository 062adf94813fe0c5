/* Shared by the two halves of the IPv4 -> IPv6 translator (xlat46.c, xlat46_icmp.c), and its header reader
 * by the code that must read an IPv4 header as the translator does (NAT64 tuples, software segmentation). */
#ifndef XLAT64_XLAT46_H
#define XLAT64_XLAT46_H

#include "xlat_internal.h"


/* An IPv4 header whose fixed fields, options and Total Length were checked against the buffer (outer
 * datagram) or against the bytes an ICMP error quotes (inner datagram, whose Total Length may exceed them). */
struct xlat46_v4 {
	const uint8_t *p;	/* first byte of the header */
	uint32_t hlen;		/* IHL * 4 */
	uint32_t tot;		/* Total Length field */
	uint16_t frag;		/* flags and fragment offset, host order */
	uint8_t proto;
	uint8_t ttl;
	struct in_addr src, dst;
};

/* RFC 7915 §4.1: a Fragment Header is added exactly when the IPv4 packet is a fragment. */
static inline bool xlat46_is_fragment(const struct xlat46_v4 *h)
{
	return (h->frag & (IP4_MF | IP4_OFFSET)) != 0;
}

/* Read the fixed IPv4 header at p (avail bytes) into h. Returns 0 or the drop counter. h->p is NULL when
 * there is no fixed header to read (fewer than 20 bytes, another version, IHL < 5); otherwise h is filled
 * even when a later check (options or Total Length) drops it. */
enum stat_id xlat46_parse(const uint8_t *p, uint32_t avail, struct xlat46_v4 *h);

/* The checks an outer datagram (not one an ICMP error quotes) passes besides xlat46_parse()'s: all of its
 * Total Length within the len bytes read, and a right header checksum (RFC 791). Returns 0 or the drop
 * counter. */
enum stat_id xlat46_outer(const struct xlat46_v4 *h, uint32_t len);

/* RFC 7915 §4.1: write the IPv6 header for h at out, followed by a Fragment Header (offset and M copied
 * from h, Identification = IPv4 ID) when frag_hdr. payload_len counts everything after the IPv6 header.
 * Returns the bytes written (40 or 48). */
uint32_t xlat46_ip6_hdr(const struct xlat_conf *c, const struct xlat46_v4 *h, const struct in6_addr *src,
			const struct in6_addr *dst, uint8_t hop_limit, uint32_t payload_len, bool frag_hdr,
			uint8_t *out);

/* What a translated IPv6 header and its L4 header carry. */
struct xlat46_ids {
	struct in6_addr src, dst;
	bool stateful;		/* RFC 6146 §3.7: sport/dport (ICMP identifier: sport) replace the packet's */
	bool csum_partial;	/* stateful: the L4 checksum field holds a partial sum (ctx->csum_partial, which
				 * is about the datagram's own, never that of a packet an ICMP error quotes) */
	uint16_t sport, dport;	/* host order */
};

/* Whose header is being translated: it decides the tuple's orientation and the mapping fallbacks. */
enum xlat46_role {
	XLAT46_PLAIN,		/* a packet that is not an ICMP error */
	XLAT46_ERROR,		/* an ICMP error: a source that does not map takes an RFC 6791 address */
	XLAT46_QUOTED,		/* the packet an ICMP error quotes: it travels the other way */
};

/* The single place the 4->6 direction decides addresses: from ctx->tuple in stateful NAT64 (the tuple reversed
 * for a quoted packet, as it travels the other way), else mapped (RFC 7915 §4.1: destination first, then
 * source). Returns 0 or the drop counter. */
enum stat_id xlat46_ids(struct xlat_ctx *ctx, const struct xlat46_v4 *h, enum xlat46_role role,
			struct xlat46_ids *ids);

/* RFC 7915 §4.5 and §4.2: fix the L4 header at l4 (avail bytes, writable) of h's first fragment for ids: the
 * pseudo-header change is folded into TCP/UDP checksums (a nonzero UDP one; zero is the caller's business),
 * ICMP echo becomes ICMPv6 echo, and in stateful NAT64 the ports or the echo identifier are rewritten.
 * Incremental (RFC 1624), so a wrong checksum stays exactly as wrong. Fields beyond avail are left alone.
 * Returns false for an ICMP type that is not echo. */
bool xlat46_l4(const struct xlat46_v4 *h, uint8_t *l4, uint32_t avail, const struct xlat46_ids *ids);

/* RFC 7915 §4.2/§4.3: the ICMPv4 message in h that is not an echo (an unfragmented datagram of h->tot bytes,
 * ICMP header present, TTL checked) becomes an ICMPv6 error built in ctx->scratch, or is dropped. */
enum xlat_verdict xlat46_icmp_error(struct xlat_ctx *ctx, const struct xlat46_v4 *h, struct xlat_out *out);

#endif
