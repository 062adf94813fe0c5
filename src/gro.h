/*
 * Coalescing on the way out ("GRO" in userspace, as wireguard-go does on its TUN writes): consecutive
 * translated UDP datagrams of one flow, equal in size but for a shorter last one, leave in one write as a
 * UDP GSO super-packet (VIRTIO_NET_HDR_GSO_UDP_L4). The kernel then routes, forwards and hands them on once,
 * and cuts them back into the same datagrams (__udp_gso_segment) where they must be separate: at an egress
 * device without UDP segmentation offload, or at the receiving socket. A TUN write costs the writer the
 * kernel's whole receive and forwarding path, so this is what makes small datagrams cheap.
 *
 * The datagrams themselves are not touched; the first one's headers are rewritten to describe the whole
 * (lengths, IPv4 header checksum, the UDP checksum field turned into the partial pseudo-header sum). The
 * kernel computes each segment's UDP checksum afresh, so only datagrams whose checksum is right (or not yet
 * computed: checksum offload) are coalesced: a wrong checksum must stay wrong. Pure: no I/O, no globals.
 */
#ifndef XLAT64_GRO_H
#define XLAT64_GRO_H

#include <stdbool.h>
#include <stdint.h>

#include "vnet.h"
#include "xlat.h"

/* __udp_gso_segment() refuses more segments than UDP_MAX_SEGMENTS, 64 before Linux 6.9. */
#define GRO_SEGS_MAX 64

/* A super-packet being built. */
struct gro {
	uint8_t *head;		/* the first datagram (its IP header) */
	uint32_t head_len;
	uint32_t l3;		/* its IP header length */
	uint32_t total;		/* length of the super-packet so far */
	uint16_t seg;		/* UDP payload per datagram */
	unsigned n;		/* datagrams in it */
	bool closed;		/* the last one was shorter: nothing more may follow */
};

/* Start a super-packet with p, written with header h (from vnet_tx()). False when p cannot head one: not a
 * plain UDP datagram (IPv4 without options and not fragmented, or IPv6 without extension headers), already
 * GSO, or with a checksum that is neither offloaded nor right. */
bool gro_start(struct gro *g, const struct xlat_pkt *p, const struct virtio_net_hdr *h);
/* Add p (header h) to the super-packet if it may follow: same addresses, ports and IP header fields, the
 * same payload size (or a smaller one, which closes it), within the kernel's limits. The caller writes p's
 * UDP payload (p->data + g->l3 + 8, p->len - g->l3 - 8 bytes) after what the super-packet holds. */
bool gro_join(struct gro *g, const struct xlat_pkt *p, const struct virtio_net_hdr *h);
/* With more than one datagram: rewrite the first one's headers for the whole and fill *h. */
void gro_finish(struct gro *g, struct virtio_net_hdr *h);

#endif
