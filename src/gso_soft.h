/*
 * Software segmentation: a GSO super-packet read from the TUN that the fast path cannot translate as one
 * (vnet.h) is cut into the ordinary datagrams the kernel would have sent, each then translated like a
 * datagram read without offload, so that each gets RFC 7915's size rules for itself (IPv6 fragments for an
 * IPv4 segment without DF, §4.1). That is the case of an IPv4 super-packet without DF and of an IPv6 one with
 * extension headers before its TCP/UDP header.
 *
 * The segments are cut by the kernel's rules (tcp_gso_segment, __udp_gso_segment, inet_gso_segment,
 * ipv6_gso_segment): every segment repeats the headers (IPv4 options and IPv6 extension headers included)
 * and carries gso_size payload bytes, the last one what is left; the IP total/payload length follows, the
 * IPv4 Identification goes up by one per segment (header checksum recomputed); TCP: the sequence number
 * advances by the payload before it, FIN and PSH stay on the last segment only, CWR on the first only; UDP:
 * each segment is a datagram of its own with its own length. The L4 checksum of each segment is computed in
 * full, the super-packet's field (a partial pseudo-header sum with NEEDS_CSUM) being ignored. Pure: no I/O,
 * no globals; the super-packet is only read.
 */
#ifndef XLAT64_GSO_SOFT_H
#define XLAT64_GSO_SOFT_H

#include <stdbool.h>
#include <stdint.h>

#include "stats.h"
#include "vnet.h"

/* A super-packet being cut. All zero: nothing to cut (gso_soft_next() returns 0). */
struct gso_soft {
	const uint8_t *pkt;	/* the super-packet */
	uint32_t len;		/* its length (the IP header's) */
	uint32_t l4;		/* where its TCP/UDP header starts */
	uint32_t hdr;		/* the headers every segment repeats: up to the end of the TCP/UDP header */
	uint32_t off;		/* where the next segment's payload starts */
	uint32_t seq;		/* TCP: the super-packet's sequence number */
	uint32_t n, i;		/* segments in all, segments made */
	uint16_t gso_size;
	uint16_t id;		/* IPv4: the super-packet's Identification */
	uint8_t proto;
	bool v6;
};

/*
 * Check the super-packet pkt/len against its virtio-net header h and get ready to cut it. Returns 0, or the
 * drop counter: DROP_VNET_HDR when h does not describe the packet (no NEEDS_CSUM, gso_size 0, a gso_type or
 * checksum position that is not the packet's TCP/UDP header, a fragment), DROP_TRUNCATED / DROP_HDR4 /
 * DROP_HDR6 / DROP_L4 for a malformed packet, whose IP headers are read by the translator's own parsers
 * (xlat46_parse(), xlat64_parse(): an extension header after a Fragment Header is DROP_EXT_AFTER_FRAG).
 * On failure *s is left with nothing to cut.
 */
enum stat_id gso_soft_init(struct gso_soft *s, const struct virtio_net_hdr *h, const uint8_t *pkt, uint32_t len);

/* Write the next segment at out (room for s->hdr + s->gso_size bytes; never more than s->len) and return its
 * length; 0 when all were made. A super-packet whose payload fits one segment gives one. */
uint32_t gso_soft_next(struct gso_soft *s, uint8_t *out);

#endif
