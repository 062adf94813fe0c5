/*
 * Offloads through the TUN's virtio-net header (see vnet.h). What the kernel does on either side:
 * - Read (tun_put_user -> virtio_net_hdr_from_skb): a CHECKSUM_PARTIAL skb comes with NEEDS_CSUM,
 *   csum_start = its L4 header, csum_offset = the checksum field within it, and that field holding the
 *   folded pseudo-header sum over the whole L4 length (tcp_v4_send_check, tcp4_gro_complete, and the same
 *   for IPv6 and UDP). A GSO skb also gets gso_type and gso_size, and hdr_len = its linear part, which can be
 *   far more than the headers, so it is not trusted (wireguard-go makes the same remark).
 * - Write (tun_get_user -> virtio_net_hdr_to_skb): the same fields make a CHECKSUM_PARTIAL GSO skb again.
 *   The stack segments it where needed (tcp_gso_segment, __udp_gso_segment), adjusting the partial sum for
 *   each segment's length, copying the headers, numbering IPv4 IDs, then finishing each checksum.
 * So a super-packet is translated like one datagram, with size rules per segment (ctx->gso_size); only its
 * partial checksum needs care, and the gso_type follows the IP version.
 */
#include <netinet/in.h>
#include <string.h>

#include "csum.h"
#include "vnet.h"
#include "xlat46.h"

#define TCP_CSUM_AT 16
#define UDP_CSUM_AT 6


/* Where a datagram's L4 header is, when it sits right after the IP header: IPv4 (options included) that is
 * not a fragment, or IPv6 without extension headers. */
struct l4_at {
	uint32_t off;
	uint8_t proto;
	bool v6;
	bool may_fragment;	/* IPv4 without DF: the core may cut it into IPv6 fragments (RFC 7915 §4.1) */
};

/*
 * IPv4 is read with the translator's header reader: the fixed fields this reads anyway, no extra pass.
 * IPv6 is not walked with xlat64_parse(): only a datagram without extension headers keeps its partial sum
 * (the rest is finished here or cut by gso_soft.c, which walks the chain), so the first Next Header says
 * all that is needed, and a walk here would be a second one per datagram on top of the core's.
 */
static bool l4_find(const uint8_t *pkt, uint32_t len, struct l4_at *l)
{
	struct xlat46_v4 h;
	enum stat_id why;

	if (len >= IP6_HDR_LEN && pkt[0] >> 4 == 6) {
		*l = (struct l4_at){ IP6_HDR_LEN, pkt[6], true, false };
		return true;
	}
	why = xlat46_parse(pkt, len, &h);
	/* A header cut short has no L4 header after it; a Total Length shorter than the header is left to
	 * the core (DROP_HDR4), like any damage that does not move the L4 header. */
	if (!h.p || why == STAT_DROP_TRUNCATED || xlat46_is_fragment(&h))
		return false;
	*l = (struct l4_at){ h.hlen, h.proto, false, !(h.frag & IP4_DF) };
	return true;
}

/* The L4 header's length when csum_start/csum_offset are those of its TCP or UDP checksum and it is all
 * there; 0 otherwise. */
static uint32_t l4_hdr_len(const struct l4_at *l, const uint8_t *pkt, uint32_t len, uint32_t start, uint32_t at)
{
	uint32_t n;

	if (l->off != start)
		return 0;
	if (l->proto == IPPROTO_UDP && at == UDP_CSUM_AT)
		n = 8;
	else if (l->proto == IPPROTO_TCP && at == TCP_CSUM_AT && len - start >= 20)
		n = (pkt[start + 12] >> 4) * 4u;
	else
		return 0;
	return n >= 8 && n <= len - start ? n : 0;
}

/* The checksum the kernel would have finished (skb_checksum_help): the sum from csum_start to the end, the
 * field's partial sum included; zero goes out as 0xffff, which UDP needs (zero means "none", RFC 768). */
static void csum_finish(uint8_t *pkt, uint32_t len, uint32_t start, uint32_t at)
{
	uint16_t c = csum_final(csum_add(0, pkt + start, len - start));

	xlat_wr16(pkt + start + at, c ? c : 0xffff);
}

/* IPv6 with an extension header RFC 7915 §5.1 translates before its L4 header. */
static bool ext6(const struct l4_at *l)
{
	return l->v6 && (l->proto == 0 || l->proto == IPPROTO_ROUTING || l->proto == IPPROTO_DSTOPTS);
}

static bool gso_fits(uint8_t gso_type, const struct l4_at *l)
{
	switch (gso_type) {
	case VIRTIO_NET_HDR_GSO_TCPV4:
		return !l->v6 && l->proto == IPPROTO_TCP;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		return l->v6 && l->proto == IPPROTO_TCP;
	case VIRTIO_NET_HDR_GSO_UDP_L4:
		return l->proto == IPPROTO_UDP;
	default:
		return false;	/* UFO (VIRTIO_NET_HDR_GSO_UDP) is never negotiated */
	}
}

enum stat_id vnet_rx(struct vnet_rx *v, uint8_t *pkt, uint32_t len, uint16_t *gso_size)
{
	const struct virtio_net_hdr *h = &v->hdr;
	uint8_t gso = h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	uint32_t start = h->csum_start, at = h->csum_offset;
	struct l4_at l;
	bool found, keep;
	uint16_t c;

	v->l4 = v->csum = NULL;
	*gso_size = 0;
	/* DATA_VALID (the kernel checked the checksum) needs nothing; the output then carries no flag. */
	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return gso == VIRTIO_NET_HDR_GSO_NONE ? 0 : STAT_DROP_VNET_HDR;
	if (start > len || len - start < at + 2)
		return STAT_DROP_VNET_HDR;
	/* The partial sum can ride through the translation of a TCP/UDP datagram that leaves in one piece. */
	found = l4_find(pkt, len, &l);
	keep = found && l4_hdr_len(&l, pkt, len, start, at) && !l.may_fragment;
	if (gso == VIRTIO_NET_HDR_GSO_NONE && !keep) {
		csum_finish(pkt, len, start, at);
		return 0;
	}
	if (gso != VIRTIO_NET_HDR_GSO_NONE) {
		/* Segments that may need IPv6 fragments, or headers that are not all repeated in place: the
		 * super-packet is cut in software (gso_soft.h, which checks the rest). */
		if (!keep)
			return found && (l.may_fragment || ext6(&l)) ? STAT_GSO_SOFT_SEGMENTED : STAT_DROP_VNET_HDR;
		if (!gso_fits(gso, &l) || h->gso_size == 0)
			return STAT_DROP_VNET_HDR;
		*gso_size = h->gso_size;
	}
	/*
	 * The field holds the pseudo-header sum P, not a checksum: complemented, it looks like the checksum of
	 * a datagram whose other bytes sum to zero, and the core's RFC 1624 update for the address change
	 * (it removes the old pseudo-header addresses, adds the new ones) leaves ~P', P' being the new
	 * pseudo-header sum (protocol and L4 length weigh the same in both families). That holds for SIIT
	 * only: the ports, which stateful NAT64 rewrites, are not part of P, so there the update must leave
	 * the port change out (the kernel sums the new ports itself).
	 * 0 and 0xffff are the same one's complement sum; P = 0xffff is taken as 0, so that the complement is
	 * never 0, which the core would read as a UDP datagram sent without checksum.
	 */
	v->l4 = pkt + start;
	v->csum = v->l4 + at;
	c = xlat_rd16(v->csum);
	xlat_wr16(v->csum, c == 0xffff ? 0xffff : (uint16_t)~c);
	return 0;
}

void vnet_restore(const struct vnet_rx *v)
{
	if (v->csum)
		xlat_wr16(v->csum, (uint16_t)~xlat_rd16(v->csum));
}

bool vnet_tx(const struct vnet_rx *v, const struct xlat_pkt *out, bool in_place, struct virtio_net_hdr *hdr)
{
	uint8_t gso = v->hdr.gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	uint32_t start, at = v->hdr.csum_offset;

	memset(hdr, 0, sizeof(*hdr));
	if (!in_place || !v->l4)
		return true;
	/* The IP header was rewritten in front of the L4 header, which stayed where it was. */
	if (v->l4 < out->data + 20 || v->l4 >= out->data + out->len)
		return false;
	start = (uint32_t)(v->l4 - out->data);
	if (out->len - start < at + 2)
		return false;
	hdr->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	hdr->csum_start = (uint16_t)start;
	hdr->csum_offset = (uint16_t)at;
	/* Headers only, from the packet itself (vnet_rx() checked the TCP data offset). */
	hdr->hdr_len = (uint16_t)(start + (at == TCP_CSUM_AT ? (v->l4[12] >> 4) * 4u : 8));
	if (gso == VIRTIO_NET_HDR_GSO_NONE)
		return true;
	hdr->gso_size = v->hdr.gso_size;
	hdr->gso_type = v->hdr.gso_type;
	/* Jool does the same on skbs (SKB_GSO_TCPV4 <-> SKB_GSO_TCPV6); UDP_L4 is family-neutral. ECN is kept
	 * (only seen if TUN_F_TSO_ECN was offered, which it is not: the kernel then segments CWR packets). */
	if (gso != VIRTIO_NET_HDR_GSO_UDP_L4)
		hdr->gso_type = (uint8_t)((out->data[0] >> 4 == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6) |
					  (v->hdr.gso_type & VIRTIO_NET_HDR_GSO_ECN));
	return true;
}
