/*
 * Checksum offload (vnet.h) through stateful NAT64. A datagram read with NEEDS_CSUM holds only its
 * pseudo-header sum in the L4 checksum field; vnet_rx() lets that sum ride through the core's incremental
 * update (RFC 1624), which turns the old pseudo-header sum into the new one because addresses are the
 * only pseudo-header words that change. NAT64 also rewrites the ports (RFC 6146 §3.6) and the core updates
 * the field for them as well, but ports are not in the pseudo-header: the kernel sums them from the
 * segment itself when it finishes the checksum. So their change has to come out of the field again.
 * Pure: no I/O, no globals.
 */
#ifndef XLAT64_VNET_PORTS_H
#define XLAT64_VNET_PORTS_H

#include <stdint.h>

#include "vnet.h"

/* The TCP/UDP ports (source and destination, as read) of a datagram whose partial sum vnet_rx() kept. */
struct vnet_ports {
	uint8_t was[4];
};

/* Before the core: remember the ports. Nothing to do (and nothing done later) when v kept no sum. */
void vnet_ports_save(const struct vnet_rx *v, struct vnet_ports *p);
/* After vnet_restore(), for a datagram translated in place (its L4 header still at v->l4): take the
 * difference between the ports now in the header and the saved ones out of the partial sum. */
void vnet_ports_fix(const struct vnet_rx *v, const struct vnet_ports *p);

#endif
