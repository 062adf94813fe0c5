/* Coalescing translated UDP datagrams into UDP GSO super-packets (see gro.h). */
#include <netinet/in.h>
#include <string.h>

#include "csum.h"
#include "gro.h"
#include "xlat_internal.h"

#define IP4_DF_FRAG 0x3fff	/* MF and fragment offset */


/* The IP header length of a whole, plain UDP datagram whose length fields agree with len; 0 otherwise. */
static uint32_t udp_l3(const uint8_t *p, uint32_t len)
{
	uint32_t l3;

	if (len >= 28 && p[0] == 0x45 && p[9] == IPPROTO_UDP && !(xlat_rd16(p + 6) & IP4_DF_FRAG) && xlat_rd16(p + 2) == len)
		l3 = 20;
	else if (len >= 48 && p[0] >> 4 == 6 && p[6] == IPPROTO_UDP && xlat_rd16(p + 4) + 40u == len)
		l3 = 40;
	else
		return 0;
	return xlat_rd16(p + l3 + 4) == len - l3 ? l3 : 0;
}

/* Offloaded (the kernel computes it, on this very datagram) or computed and right. A zero IPv4 UDP checksum
 * means "none" and stays so: not coalesced. */
static bool csum_ok(const uint8_t *p, uint32_t len, uint32_t l3, const struct virtio_net_hdr *h)
{
	if (h->gso_type != VIRTIO_NET_HDR_GSO_NONE)
		return false;
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		return h->csum_start == l3 && h->csum_offset == 6;
	return xlat_rd16(p + l3 + 6) != 0 &&
	       csum_fold(csum_add(csum_pseudo_ip(p, IPPROTO_UDP, len - l3), p + l3, len - l3)) == 0xffff;
}

/* Everything but the lengths and checksums (and the IPv4 ID, which the kernel numbers per segment). */
static bool same_flow(const uint8_t *a, const uint8_t *b, uint32_t l3)
{
	if (l3 == 20)
		return a[1] == b[1] && !memcmp(a + 6, b + 6, 4) && !memcmp(a + 12, b + 12, 8 + 4);
	return !memcmp(a, b, 4) && !memcmp(a + 6, b + 6, 34 + 4);
}

bool gro_start(struct gro *g, const struct xlat_pkt *p, const struct virtio_net_hdr *h)
{
	uint32_t l3 = udp_l3(p->data, p->len);

	/* An empty datagram cannot be a segment (gso_size 0). */
	if (!l3 || p->len == l3 + 8 || !csum_ok(p->data, p->len, l3, h))
		return false;
	*g = (struct gro){ .head = p->data, .head_len = p->len, .l3 = l3, .total = p->len,
			   .seg = (uint16_t)(p->len - l3 - 8), .n = 1 };
	return true;
}

bool gro_join(struct gro *g, const struct xlat_pkt *p, const struct virtio_net_hdr *h)
{
	uint32_t pay;

	if (g->closed || g->n >= GRO_SEGS_MAX || udp_l3(p->data, p->len) != g->l3)
		return false;
	pay = p->len - g->l3 - 8;
	/* 65535: the IPv4 total length (and the IPv6 payload length, a little more than needed). */
	if (pay == 0 || pay > g->seg || g->total + pay > 65535 || !same_flow(g->head, p->data, g->l3) ||
	    !csum_ok(p->data, p->len, g->l3, h))
		return false;
	g->total += pay;
	g->n++;
	g->closed = pay < g->seg;
	return true;
}

void gro_finish(struct gro *g, struct virtio_net_hdr *h)
{
	uint8_t *p = g->head, *udp = p + g->l3;

	if (g->l3 == 20) {
		xlat_wr16(p + 2, g->total);
		xlat_wr16(p + 10, csum_ipv4_header(p, 20));
	} else {
		xlat_wr16(p + 4, g->total - 40);
	}
	/* What tcp/udp "send_check" leave for checksum offload: the folded pseudo-header sum, over the whole
	 * length; __udp_gso_segment() trades it for each segment's length, as it does the UDP length. */
	xlat_wr16(udp + 4, g->total - g->l3);
	xlat_wr16(udp + 6, csum_fold(csum_pseudo_ip(p, IPPROTO_UDP, g->total - g->l3)));
	*h = (struct virtio_net_hdr){ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .gso_type = VIRTIO_NET_HDR_GSO_UDP_L4,
				      .hdr_len = (uint16_t)(g->l3 + 8), .gso_size = g->seg,
				      .csum_start = (uint16_t)g->l3, .csum_offset = 6 };
}
