/*
 * The virtio-net header in front of every datagram on a TUN opened with IFF_VNET_HDR (linux/virtio_net.h,
 * Documentation/networking/tuntap.rst): checksum offload (NEEDS_CSUM) and GSO super-packets of up to 64 KiB
 * whose headers the translator rewrites once for all their segments. Pure: no I/O, no globals.
 *
 * On the way in, vnet_rx() checks the header against the datagram and prepares it for the core; after
 * xlat_packet(), vnet_restore() undoes what the core must not see, and vnet_tx() builds the header of each
 * datagram written back. Fields are in host byte order (the legacy virtio layout, no TUNSETVNETLE/BE).
 */
#ifndef XLAT64_VNET_H
#define XLAT64_VNET_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stdint.h>

#include "stats.h"
#include "xlat.h"

/* Linux 6.2 (UDP segmentation offload on TUN); older uapi headers lack it. */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

/* What vnet_rx() learned about one datagram, for vnet_restore() and vnet_tx(). */
struct vnet_rx {
	struct virtio_net_hdr hdr;	/* as read */
	uint8_t *l4;			/* NEEDS_CSUM kept: the L4 header (translation does not move it) */
	uint8_t *csum;			/* ... and its checksum field, holding a complemented partial sum */
};

/*
 * Check v->hdr (as read) against the datagram pkt/len and prepare it for xlat_packet(). Returns 0, or the
 * drop counter when the header is malformed or asks for something the translator cannot do, or
 * STAT_GSO_SOFT_SEGMENTED for a GSO super-packet that cannot be translated as one (IPv4 without DF, whose
 * segments may need IPv6 fragments; IPv6 with extension headers): the caller cuts it into datagrams with
 * gso_soft.h and translates those instead. Sets *gso_size (for ctx->gso_size): the payload of one segment
 * of a GSO super-packet translated as one, 0 otherwise.
 *
 * NEEDS_CSUM means the L4 checksum field holds only the pseudo-header sum (not complemented) and the
 * kernel adds the rest when it sends the packet (per segment for GSO). For TCP and UDP this function
 * complements the field, so that the core, which updates checksums incrementally (RFC 1624) for the
 * address change, turns the old pseudo-header sum into the new one; vnet_restore() complements it back.
 * Other datagrams with NEEDS_CSUM get their checksum finished here, in software, and leave without offload.
 */
enum stat_id vnet_rx(struct vnet_rx *v, uint8_t *pkt, uint32_t len, uint16_t *gso_size);

/* Undo vnet_rx()'s complement once the core is done (whether or not it translated the datagram). */
void vnet_restore(const struct vnet_rx *v);

/*
 * The header to write in front of out. in_place: out is the input datagram translated in place (its L4
 * header is still at v->l4); anything else (ICMP errors, fragments built in the scratch area) and
 * datagrams that arrived without offload get an all-zero header. Returns false (drop it, counted as
 * STAT_DROP_VNET_HDR) when the translated datagram does not fit the header it must carry.
 */
bool vnet_tx(const struct vnet_rx *v, const struct xlat_pkt *out, bool in_place, struct virtio_net_hdr *hdr);

#endif
