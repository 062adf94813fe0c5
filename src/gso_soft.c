/* Cutting GSO super-packets into ordinary datagrams in software (see gso_soft.h). */
#include <netinet/in.h>
#include <string.h>

#include "csum.h"
#include "gso_soft.h"
#include "xlat46.h"
#include "xlat64.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80


/* IPv4: the header (options included, as the translator reads it) of a whole datagram with a right header
 * checksum. */
static enum stat_id ip4(struct gso_soft *s)
{
	struct xlat46_v4 h;
	enum stat_id why = xlat46_parse(s->pkt, s->len, &h);

	if (why || (why = xlat46_outer(&h, s->len)))
		return why;
	/* A fragment carries part of one L4 datagram: nothing to segment (and the kernel never makes one). */
	if (xlat46_is_fragment(&h))
		return STAT_DROP_VNET_HDR;
	s->len = h.tot;		/* bytes after it (link padding) are not the datagram's */
	s->l4 = h.hlen;
	s->proto = h.proto;
	s->id = xlat_rd16(s->pkt + 4);
	return 0;
}

/* IPv6: the extension headers RFC 7915 §5.1 translates (they are repeated in every segment, as
 * ipv6_gso_segment does), walked as the translator walks them, then TCP or UDP. */
static enum stat_id ip6(struct gso_soft *s)
{
	struct xlat64_v6 h;
	enum stat_id why;

	if (s->len < 40)
		return STAT_DROP_TRUNCATED;
	if (40u + xlat_rd16(s->pkt + 4) != s->len)	/* a jumbogram has no IPv4 counterpart */
		return 40u + xlat_rd16(s->pkt + 4) > s->len ? STAT_DROP_TRUNCATED : STAT_DROP_HDR6;
	why = xlat64_parse(s->pkt, s->len, &h);
	if (why)
		return why;
	if (h.frag)
		return STAT_DROP_VNET_HDR;
	s->l4 = h.hlen;
	s->proto = h.proto;
	s->v6 = true;
	return 0;
}

/* The TCP/UDP header the virtio-net header points at, of the protocol its gso_type names. */
static enum stat_id l4(struct gso_soft *s, const struct virtio_net_hdr *h)
{
	uint8_t gso = h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	uint32_t avail = s->len - s->l4, at, hl;

	if (s->proto == IPPROTO_TCP && gso == (s->v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4))
		at = 16;
	else if (s->proto == IPPROTO_UDP && gso == VIRTIO_NET_HDR_GSO_UDP_L4)
		at = 6;
	else
		return STAT_DROP_VNET_HDR;
	if (h->csum_start != s->l4 || h->csum_offset != at)
		return STAT_DROP_VNET_HDR;
	if (at == 6) {
		hl = 8;
	} else {
		if (avail < 20)
			return STAT_DROP_L4;
		hl = (s->pkt[s->l4 + 12] >> 4) * 4u;
		s->seq = xlat_rd32(s->pkt + s->l4 + 4);
		if (hl < 20)
			return STAT_DROP_L4;
	}
	if (hl > avail)
		return STAT_DROP_L4;
	s->hdr = s->l4 + hl;
	return 0;
}

enum stat_id gso_soft_init(struct gso_soft *s, const struct virtio_net_hdr *h, const uint8_t *pkt, uint32_t len)
{
	enum stat_id why;
	uint32_t payload;

	memset(s, 0, sizeof(*s));
	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || h->gso_size == 0)
		return STAT_DROP_VNET_HDR;
	*s = (struct gso_soft){ .pkt = pkt, .len = len, .gso_size = h->gso_size };
	if (len >= 1 && pkt[0] >> 4 == 4)
		why = ip4(s);
	else if (len >= 1 && pkt[0] >> 4 == 6)
		why = ip6(s);
	else
		why = STAT_DROP_BAD_VERSION;
	if (!why)
		why = l4(s, h);
	if (why) {
		memset(s, 0, sizeof(*s));
		return why;
	}
	payload = s->len - s->hdr;
	s->n = payload ? (payload + s->gso_size - 1) / s->gso_size : 1;
	s->off = s->hdr;
	return 0;
}

/* The full L4 checksum of the segment seg (len bytes), its field taken as zero. In IPv6 the pseudo-header
 * takes the destination of the fixed header: with a routing header whose segments are not all visited it
 * is not the final one, but such a packet is refused by the translator (RFC 7915 §5.1) anyway. */
static void l4_csum(const struct gso_soft *s, uint8_t *seg, uint32_t len)
{
	uint8_t *l4 = seg + s->l4, *field = l4 + (s->proto == IPPROTO_TCP ? 16 : 6);
	uint16_t c;

	xlat_wr16(field, 0);
	c = csum_final(csum_add(csum_pseudo_ip(seg, s->proto, len - s->l4), l4, len - s->l4));
	/* RFC 768: a computed zero goes out as all ones, zero meaning "no checksum" (TCP does the same). */
	xlat_wr16(field, c ? c : 0xffff);
}

uint32_t gso_soft_next(struct gso_soft *s, uint8_t *out)
{
	uint32_t chunk, len;
	uint8_t *l4 = out + s->l4;

	if (s->i >= s->n)
		return 0;
	chunk = s->len - s->off < s->gso_size ? s->len - s->off : s->gso_size;
	len = s->hdr + chunk;
	memcpy(out, s->pkt, s->hdr);
	memcpy(out + s->hdr, s->pkt + s->off, chunk);
	if (s->v6) {
		xlat_wr16(out + 4, len - 40);
	} else {
		xlat_wr16(out + 2, len);
		xlat_wr16(out + 4, (uint16_t)(s->id + s->i));
		xlat_wr16(out + 10, csum_ipv4_header(out, s->l4));
	}
	if (s->proto == IPPROTO_TCP) {
		xlat_wr32(l4 + 4, s->seq + (s->off - s->hdr));
		if (s->i + 1 < s->n)
			l4[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
		if (s->i > 0)
			l4[13] &= (uint8_t)~TCP_CWR;
	} else {
		xlat_wr16(l4 + 4, len - s->l4);
	}
	l4_csum(s, out, len);
	s->off += chunk;
	s->i++;
	return len;
}
