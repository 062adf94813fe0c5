/*
 * The stateless translation core (RFC 7915 + RFC 6052 + RFC 7757 + RFC 6791). Pure: no I/O, no globals;
 * everything arrives through struct xlat_ctx and the packet buffer.
 *
 * Buffer contract: the input datagram starts at pkt (its IP header) and the caller guarantees at least
 * XLAT_HEADROOM writable bytes before pkt and XLAT_TAILROOM after pkt+len. The fast path rewrites only the
 * IP header in place (4->6 grows into the headroom, 6->4 shrinks toward the payload) and adjusts the L4
 * checksum incrementally; the payload is never copied. Slow paths (ICMP errors whose inner packet changes
 * size, fragmentation, translator-generated ICMP errors) build their packets in ctx->scratch.
 */
#ifndef XLAT64_XLAT_H
#define XLAT64_XLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eamt.h"
#include "rfc6052.h"
#include "stats.h"

#define XLAT_HEADROOM 128
#define XLAT_TAILROOM 64
#define XLAT_OUT_MAX 64		/* output packets per input (fragments of a 64 KiB IPv4 datagram) */
#define XLAT_HAIRPIN_MAX 1536	/* largest scratch-built IPv4 packet that can be hairpinned */
/* What the caller allocates for ctx->scratch. The direction code builds in the first XLAT_SCRATCH_XLAT
 * bytes; the rest holds the intermediate packet of a hairpin (with headroom for the second pass). */
#define XLAT_SCRATCH_XLAT (XLAT_OUT_MAX * 1536 + 65536)
#define XLAT_SCRATCH_SIZE (XLAT_SCRATCH_XLAT + XLAT_HEADROOM + XLAT_HAIRPIN_MAX + XLAT_TAILROOM)

#define XLAT_PLATEAUS_MAX 16

/* Translation settings; the names follow Jool's globals where one exists. Read-only for the core. */
struct xlat_conf {
	bool has_pool6;
	struct prefix6 pool6;		/* RFC 6052 prefix */
	bool allow_nonglobal;		/* RFC 6052 §3.1 override for 64:ff9b::/96 */
	struct eamt eamt;		/* RFC 7757 */
	bool eamt_v4_side;		/* the EAMT's entries stand for hosts on the IPv4 side (mode clat: the
					 * host's 192.0.0.1), so RFC 7757 appendix B hairpinning does not apply */
	bool has_6791v4, has_6791v6;	/* RFC 6791 pools: sources of translated ICMP errors */
	struct prefix4 pool6791v4;
	struct prefix6 pool6791v6;
	bool has_own4, has_own6;	/* the translator's own addresses: sources of the ICMP errors it makes */
	struct in_addr own4;
	struct in6_addr own6;
	uint32_t lowest_ipv6_mtu;	/* >= 1280; 4->6 !DF packets are fragmented to fit it */
	uint32_t mtu4, mtu6;		/* next-hop MTU on each side (65535 = let the kernel decide) */
	uint16_t plateaus[XLAT_PLATEAUS_MAX];	/* RFC 1191 §7, descending; for Frag-Needed with MTU 0 */
	unsigned n_plateaus;
	bool amend_udp_zero_csum;	/* RFC 7915 §4.5: compute it instead of dropping */
	bool zeroize_traffic_class;
	bool override_tos;
	uint8_t tos;
};

/* Fill c with the defaults (lowest-ipv6-mtu 1280, MTUs 65535, RFC 1191 plateaus, nothing else set). */
void xlat_conf_defaults(struct xlat_conf *c);

/*
 * Stateful NAT64 (RFC 6146 §3.6, "computing the outgoing tuple"): when ctx->tuple is set, the core takes
 * the outgoing packet's addresses and L4 identifiers from it instead of mapping them (EAMT/pool6), rewrites
 * TCP/UDP ports or the ICMP query identifier with an incremental checksum update, and for an ICMP error
 * uses the tuple reversed (src<->dst, sport<->dport) for the packet quoted inside it. Family of the
 * addresses = family of the output (v4 for 6->4, v6 for 4->6). Ports/identifier in host order; for ICMP
 * queries sport is the identifier and dport is ignored.
 */
struct xlat_tuple {
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} src, dst;
	uint16_t sport, dport;
	/* ICMP errors only: the outer source when it is not src, e.g. 4->6 with source-icmpv6-errors-better,
	 * where the error comes from pool6 of the router that sent it rather than from the quoted destination. */
	bool has_err_src;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} err_src;
};

struct xlat_ctx {
	const struct xlat_conf *conf;
	const struct xlat_tuple *tuple;	/* NULL in SIIT; set per packet by the NAT64 pipeline */
	struct stats *stats;	/* per worker: no sharing on the hot path */
	uint64_t rng;		/* xorshift state: IPv4 IDs, RFC 6791 picks; never 0 */
	uint64_t now;		/* monotonic ms; unused by SIIT, kept for the NAT64 pipeline */
	uint8_t *scratch;	/* XLAT_SCRATCH_SIZE bytes for slow-path output */
	uint16_t gso_size;	/* non-zero: a GSO super-packet (virtio_net_hdr) of TCP/UDP segments carrying
				 * gso_size payload bytes each; size rules apply per segment */
	bool hairpin;		/* set by xlat_packet() during the 4->6 pass of a hairpinned packet: the
				 * TTL is not decremented again and sources map with pool6 (RFC 7757 app. B) */
	bool csum_partial;	/* the datagram's TCP/UDP checksum field holds a complemented partial sum
				 * (checksum offload, vnet.h), which covers the pseudo-header only, so the
				 * ports stateful NAT64 rewrites stay out of it; set per datagram by the NAT64
				 * worker (worker_nat64.c), unused in SIIT, which keeps the ports */
};

struct xlat_pkt {
	uint8_t *data;
	uint32_t len;
};

struct xlat_out {
	unsigned n;
	struct xlat_pkt pkt[XLAT_OUT_MAX];
};

enum xlat_verdict {
	XLAT_EMIT,	/* out->pkt[0..n) are to be sent (translations and/or ICMP errors) */
	XLAT_DROP,	/* nothing to send; exactly one drop counter was incremented */
};

/* Translate one datagram of either family. Counts RECEIVED*, then TRANSLATED* / ICMP_GEN* / DROP_*. */
enum xlat_verdict xlat_packet(struct xlat_ctx *ctx, uint8_t *pkt, uint32_t len, struct xlat_out *out);

#endif
