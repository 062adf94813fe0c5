/*
 * TUN offloads (vnet.c): GSO super-packets and checksum-offloaded (NEEDS_CSUM) datagrams through the core,
 * in both directions. Packets are built here as the kernel hands them over (the L4 checksum field holding
 * the folded pseudo-header sum over the whole L4 length); what comes out is then segmented and finished the
 * way the kernel does it (tcp_gso_segment / __udp_gso_segment: the partial sum adjusted for each segment's
 * length, then the sum over the segment added), and every segment must check out against a checksum
 * computed from scratch over its translated headers.
 */
#include <arpa/inet.h>

#include "harness.h"
#include "testpkt.h"
#include "gro.h"
#include "vnet.h"

#define V6_HOST "2001:db8:6::5"		/* = 203.0.113.5 (EAMT) */
#define V6_SERVER "2001:db8:64::c633:6407"	/* = 198.51.100.7 (pool6) */
#define V4_HOST "203.0.113.5"
#define V4_SERVER "198.51.100.7"
#define TCP_HLEN 32			/* with the timestamp option, as Linux sends it */

static uint8_t scratch[XLAT_SCRATCH_SIZE];
static uint8_t buf[XLAT_HEADROOM + 70000 + XLAT_TAILROOM];
static uint8_t *const pkt = buf + XLAT_HEADROOM;
static struct xlat_conf conf;
static struct stats st;
static struct xlat_ctx ctx;
static struct xlat_out out;
static struct vnet_rx vr;

static void setup(void)
{
	static const struct tp_conf siit = {
		.pool6 = "2001:db8:64::/96", .eam6 = "2001:db8:6::/120", .eam4 = "203.0.113.0/24",
		.own4 = "192.0.2.1", .own6 = "2001:db8:ffff::1", .mtu4 = 1500, .mtu6 = 1500,
	};

	tp_conf_init(&conf, &siit);
	ctx = tp_ctx(&conf, &st, scratch, 7);
	memset(buf, 0, sizeof(buf));
	memset(&vr, 0, sizeof(vr));
}

/* A TCP segment's header and n payload bytes at l4 (the checksum field left 0). */
static void tcp_at(uint8_t *l4, uint32_t n)
{
	memset(l4, 0, TCP_HLEN);
	tp_wr16(l4, 40000);
	tp_wr16(l4 + 2, 5201);
	tp_wr16(l4 + 4, 0x1234);	/* sequence number */
	l4[12] = (TCP_HLEN / 4) << 4;
	l4[13] = 0x18;			/* PSH ACK */
	tp_wr16(l4 + 14, 512);
	for (uint32_t i = 0; i < n; i++)
		l4[TCP_HLEN + i] = (uint8_t)(i * 7 + 3);
}

static void udp_at(uint8_t *l4, uint32_t n)
{
	tp_wr16(l4, 40000);
	tp_wr16(l4 + 2, 5201);
	tp_wr16(l4 + 4, 8 + n);
	tp_wr16(l4 + 6, 0);
	for (uint32_t i = 0; i < n; i++)
		l4[8 + i] = (uint8_t)(i * 5 + 1);
}

/* IPv6 from V6_HOST to V6_SERVER carrying TCP or UDP with n payload bytes, as the kernel hands it over. */
static uint32_t l4_6(uint8_t proto, uint32_t n)
{
	uint32_t hl = proto == IPPROTO_TCP ? TCP_HLEN : 8;

	tp_ip6(pkt, V6_HOST, V6_SERVER, proto, 64, hl + n);
	if (proto == IPPROTO_TCP)
		tcp_at(pkt + 40, n);
	else
		udp_at(pkt + 40, n);
	tp_partial(pkt, 40 + hl + n);
	return 40 + hl + n;
}

/* The same over IPv4 from V4_SERVER to V4_HOST, DF as given. */
static uint32_t l4_4(uint8_t proto, uint32_t n, bool df)
{
	uint32_t hl = proto == IPPROTO_TCP ? TCP_HLEN : 8;

	tp_ip4(pkt, V4_SERVER, V4_HOST, proto, 64, hl + n);
	if (df) {
		tp_wr16(pkt + 6, 0x4000);
		tp_ip4_csum(pkt);
	}
	if (proto == IPPROTO_TCP)
		tcp_at(pkt + 20, n);
	else
		udp_at(pkt + 20, n);
	tp_partial(pkt, 20 + hl + n);
	return 20 + hl + n;
}

static void vhdr(uint8_t gso_type, uint16_t gso_size, uint16_t start, uint16_t at, uint16_t hdr_len)
{
	vr.hdr = (struct virtio_net_hdr){ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .gso_type = gso_type,
					  .hdr_len = hdr_len, .gso_size = gso_size, .csum_start = start,
					  .csum_offset = at };
}

/* What the daemon does with one datagram read with vr.hdr: returns the vnet_rx() verdict (0 = handed to the
 * core), the core's result in out, and the header of out.pkt[0] in *h. */
static enum stat_id run(uint32_t len, struct virtio_net_hdr *h, bool *tx_ok)
{
	enum stat_id why = vnet_rx(&vr, pkt, len, &ctx.gso_size);

	out.n = 0;
	if (why)
		return why;
	xlat_packet(&ctx, pkt, len, &out);
	vnet_restore(&vr);
	if (out.n) {
		bool in_place = out.pkt[0].data >= buf && out.pkt[0].data < buf + sizeof(buf);

		*tx_ok = vnet_tx(&vr, &out.pkt[0], in_place, h);
	}
	return 0;
}

/*
 * Segment p (len bytes, header h) as the kernel would, finish each segment's checksum from its partial sum,
 * and check that a receiver finds it right: the sum over the segment under a pseudo-header computed from
 * scratch from its own addresses. Returns the number of segments.
 */
static unsigned segments_ok(int *failed, const uint8_t *p, uint32_t len, const struct virtio_net_hdr *h)
{
	uint32_t start = h->csum_start, hl = h->hdr_len - start, full = len - start, left = len - h->hdr_len;
	uint16_t part = tp_rd16(p + start + h->csum_offset);
	uint32_t mss = h->gso_type != VIRTIO_NET_HDR_GSO_NONE ? h->gso_size : left ? left : 1;
	static uint8_t seg[70000];
	unsigned n = 0;

	*failed = 0;
	if (hl < 8 || h->hdr_len > len || mss == 0) {
		*failed = 1;
		return 0;
	}
	for (uint32_t off = 0; off < left || n == 0; off += mss, n++) {
		uint32_t chunk = left - off < mss ? left - off : mss, seglen = hl + chunk;
		uint32_t pseudo;

		memcpy(seg, p + start, hl);
		memcpy(seg + hl, p + h->hdr_len + off, chunk);
		if (h->csum_offset == 6)
			tp_wr16(seg + 4, seglen);	/* __udp_gso_segment rewrites the UDP length */
		/* The partial sum for this segment's length (tcp_gso_segment: ~oldlen + newlen), then the
		 * sum over the segment, its checksum field included, folded and complemented. */
		tp_wr16(seg + h->csum_offset, csum_fold(part + (uint16_t)~full + seglen));
		tp_wr16(seg + h->csum_offset, csum_final(csum_add(0, seg, seglen)));
		if (p[0] >> 4 == 4) {
			struct in_addr s, d;

			memcpy(&s, p + 12, 4);
			memcpy(&d, p + 16, 4);
			pseudo = csum_pseudo4(s, d, p[9], seglen);
		} else {
			struct in6_addr s, d;

			memcpy(&s, p + 8, 16);
			memcpy(&d, p + 24, 16);
			pseudo = csum_pseudo6(&s, &d, p[6], seglen);
		}
		if (csum_final(csum_add(pseudo, seg, seglen)) != 0) {
			printf("# segment %u of %u bytes: checksum wrong\n", n, seglen);
			*failed = 1;
			return n;
		}
	}
	return n;
}

/* IPv6 -> IPv4, a TCP super-packet of three full segments and a short one. */
TEST(gso_tcp6_to_tcp4)
{
	struct virtio_net_hdr h;
	uint32_t len;
	bool ok = false;
	int bad;

	setup();
	len = l4_6(IPPROTO_TCP, 3 * 1400 + 100);
	/* hdr_len as the kernel may give it: the whole linear part, not just the headers. */
	vhdr(VIRTIO_NET_HDR_GSO_TCPV6, 1400, 40, 16, 1000);
	CHECK_EQ(run(len, &h, &ok), 0);
	CHECK_EQ(ctx.gso_size, 1400);
	CHECK_EQ(out.n, 1u);
	CHECK(ok);
	CHECK_EQ(st.c[STAT_TRANSLATED64], 1u);
	CHECK(tp_ip4_valid(out.pkt[0].data, out.pkt[0].len));
	CHECK_EQ(out.pkt[0].len, len - 20);
	/* RFC 7915 §5.1: DF by segment size (20 + 32 + 1400 > 1260), not by the super-packet's. */
	CHECK_EQ(tp_rd16(out.pkt[0].data + 6) & 0x4000, 0x4000);
	CHECK_EQ(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	CHECK_EQ(h.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	CHECK_EQ(h.gso_size, 1400);
	CHECK_EQ(h.csum_start, 20);
	CHECK_EQ(h.csum_offset, 16);
	CHECK_EQ(h.hdr_len, 20 + TCP_HLEN);
	CHECK_EQ(segments_ok(&bad, out.pkt[0].data, out.pkt[0].len, &h), 4u);
	CHECK(!bad);
}

/* IPv4 -> IPv6, with DF; the ECN flag of gso_type is kept. */
TEST(gso_tcp4_to_tcp6)
{
	struct virtio_net_hdr h;
	uint32_t len;
	bool ok = false;
	int bad;

	setup();
	len = l4_4(IPPROTO_TCP, 5 * 1400, true);
	vhdr(VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN, 1400, 20, 16, 20 + TCP_HLEN);
	CHECK_EQ(run(len, &h, &ok), 0);
	CHECK_EQ(out.n, 1u);
	CHECK(ok);
	CHECK_EQ(st.c[STAT_TRANSLATED46], 1u);
	CHECK_EQ(out.pkt[0].data[0] >> 4, 6);
	CHECK_EQ(out.pkt[0].len, len + 20);
	CHECK_EQ(h.gso_type, VIRTIO_NET_HDR_GSO_TCPV6 | VIRTIO_NET_HDR_GSO_ECN);
	CHECK_EQ(h.csum_start, 40);
	CHECK_EQ(h.hdr_len, 40 + TCP_HLEN);
	CHECK_EQ(h.gso_size, 1400);
	CHECK_EQ(segments_ok(&bad, out.pkt[0].data, out.pkt[0].len, &h), 5u);
	CHECK(!bad);
}

/* One segment would not fit the IPv6 next hop (40 + 32 + 1448 > 1500): Fragmentation Needed, as for the
 * same segment without offload, and the error itself leaves without offload. */
TEST(gso_tcp4_segment_too_big)
{
	struct virtio_net_hdr h;
	uint32_t len;
	bool ok = false;

	setup();
	len = l4_4(IPPROTO_TCP, 3 * 1448, true);
	vhdr(VIRTIO_NET_HDR_GSO_TCPV4, 1448, 20, 16, 20 + TCP_HLEN);
	CHECK_EQ(run(len, &h, &ok), 0);
	CHECK_EQ(st.c[STAT_DROP_TOO_BIG], 1u);
	CHECK_EQ(out.n, 1u);
	CHECK(ok);
	CHECK_EQ(out.pkt[0].data[0] >> 4, 4);
	CHECK_EQ(out.pkt[0].data[20], 3);
	CHECK_EQ(out.pkt[0].data[21], 4);
	CHECK_EQ(tp_rd16(out.pkt[0].data + 26), 1480);
	CHECK_EQ(h.flags, 0);
	CHECK_EQ(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	CHECK_EQ(tp_residue4(out.pkt[0].data, out.pkt[0].len), 0);
}

/* Without DF the segments might need IPv6 fragments, which cannot be cut from a super-packet: it is cut into
 * segments in software instead (test_gso_soft.c), the core never sees it whole. */
TEST(gso_ipv4_without_df)
{
	struct virtio_net_hdr h;
	bool ok;

	setup();
	vhdr(VIRTIO_NET_HDR_GSO_TCPV4, 1000, 20, 16, 52);
	CHECK_EQ(run(l4_4(IPPROTO_TCP, 3000, false), &h, &ok), STAT_GSO_SOFT_SEGMENTED);
	CHECK_EQ(ctx.gso_size, 0);
	CHECK_EQ(vr.csum, NULL);
}

/* UDP segmentation (USO): gso_type UDP_L4 in both families; the kernel rewrites each segment's length. */
TEST(gso_udp_both_ways)
{
	struct virtio_net_hdr h;
	uint32_t len;
	bool ok = false;
	int bad;

	setup();
	len = l4_6(IPPROTO_UDP, 4 * 1200 + 1);
	vhdr(VIRTIO_NET_HDR_GSO_UDP_L4, 1200, 40, 6, 48);
	CHECK_EQ(run(len, &h, &ok), 0);
	CHECK(ok);
	CHECK_EQ(out.pkt[0].data[0] >> 4, 4);
	CHECK_EQ(h.gso_type, VIRTIO_NET_HDR_GSO_UDP_L4);
	CHECK_EQ(h.csum_start, 20);
	CHECK_EQ(h.csum_offset, 6);
	CHECK_EQ(h.hdr_len, 28);
	CHECK_EQ(segments_ok(&bad, out.pkt[0].data, out.pkt[0].len, &h), 5u);
	CHECK(!bad);

	setup();
	len = l4_4(IPPROTO_UDP, 2 * 1000, true);
	vhdr(VIRTIO_NET_HDR_GSO_UDP_L4, 1000, 20, 6, 28);
	CHECK_EQ(run(len, &h, &ok), 0);
	CHECK(ok);
	CHECK_EQ(out.pkt[0].data[0] >> 4, 6);
	CHECK_EQ(h.gso_type, VIRTIO_NET_HDR_GSO_UDP_L4);
	CHECK_EQ(h.csum_start, 40);
	CHECK_EQ(segments_ok(&bad, out.pkt[0].data, out.pkt[0].len, &h), 2u);
	CHECK(!bad);
}

/* A plain datagram with a partial checksum (a pure ACK) keeps NEEDS_CSUM, its L4 offset moved. */
TEST(partial_csum_kept)
{
	struct virtio_net_hdr h;
	bool ok = false;
	int bad;

	setup();
	vhdr(VIRTIO_NET_HDR_GSO_NONE, 0, 40, 16, 0);
	CHECK_EQ(run(l4_6(IPPROTO_TCP, 0), &h, &ok), 0);
	CHECK(ok);
	CHECK_EQ(ctx.gso_size, 0);
	CHECK_EQ(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	CHECK_EQ(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	CHECK_EQ(h.csum_start, 20);
	CHECK_EQ(h.csum_offset, 16);
	/* tun_get_user() wants hdr_len to cover the checksum field (it raises it otherwise). */
	CHECK(h.hdr_len >= h.csum_start + h.csum_offset + 2);
	CHECK_EQ(segments_ok(&bad, out.pkt[0].data, out.pkt[0].len, &h), 1u);
	CHECK(!bad);
}

/*
 * A partial sum of 0xffff (the same one's complement value as 0): complemented as is it would be 0, which
 * the core takes for a UDP datagram sent without checksum (RFC 7915 §4.5). Addresses and length are picked
 * so that the IPv4 pseudo-header folds to 0xffff.
 */
TEST(partial_csum_ffff)
{
	struct virtio_net_hdr h;
	uint32_t len;
	bool ok = false;
	int bad;

	setup();
	len = l4_4(IPPROTO_UDP, 100, true);
	/* The server's address is free within 198.51.0.0/16 (pool6 maps them all). */
	for (unsigned a = 0; a < 65536 && tp_rd16(pkt + 26) != 0xffff; a++) {
		tp_wr16(pkt + 14, a);
		tp_ip4_csum(pkt);
		tp_partial(pkt, len);
	}
	CHECK_EQ(tp_rd16(pkt + 26), 0xffff);
	vhdr(VIRTIO_NET_HDR_GSO_NONE, 0, 20, 6, 0);
	CHECK_EQ(run(len, &h, &ok), 0);
	CHECK(ok);
	CHECK_EQ(st.c[STAT_TRANSLATED46], 1u);
	CHECK_EQ(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	CHECK_EQ(segments_ok(&bad, out.pkt[0].data, out.pkt[0].len, &h), 1u);
	CHECK(!bad);
}

/* Partial checksums the translation cannot carry are finished in software first: ICMPv6 (the type change
 * is not part of the pseudo-header sum) and IPv4 without DF (which may leave as IPv6 fragments). */
TEST(partial_csum_finished)
{
	struct virtio_net_hdr h;
	bool ok = false;
	uint32_t len;

	setup();
	tp_ip6(pkt, V6_HOST, V6_SERVER, IPPROTO_ICMPV6, 64, 8 + 56);
	pkt[40] = 128;
	for (int i = 0; i < 56; i++)
		pkt[48 + i] = (uint8_t)i;
	tp_partial(pkt, 40 + 64);
	vhdr(VIRTIO_NET_HDR_GSO_NONE, 0, 40, 2, 0);
	CHECK_EQ(run(40 + 64, &h, &ok), 0);
	CHECK(ok);
	CHECK_EQ(st.c[STAT_TRANSLATED64], 1u);
	CHECK_EQ(h.flags, 0);
	CHECK_EQ(out.pkt[0].data[20], 8);
	CHECK_EQ(tp_residue4(out.pkt[0].data, out.pkt[0].len), 0);

	setup();
	len = l4_4(IPPROTO_UDP, 2000, false);
	vhdr(VIRTIO_NET_HDR_GSO_NONE, 0, 20, 6, 0);
	CHECK_EQ(run(len, &h, &ok), 0);
	CHECK_EQ(st.c[STAT_TRANSLATED46], 1u);
	CHECK_EQ(st.c[STAT_FRAGMENTS_OUT], 1u);		/* 2028 bytes to lowest-ipv6-mtu 1280: two fragments */
	CHECK_EQ(out.n, 2u);
	CHECK_EQ(h.flags, 0);
	/* The fragments carry the finished checksum: reassembled, the datagram checks out. */
	{
		static uint8_t whole[4096];
		uint32_t a = out.pkt[0].len - 48, b = out.pkt[1].len - 48;

		memcpy(whole, out.pkt[0].data, 40);
		whole[6] = IPPROTO_UDP;
		tp_wr16(whole + 4, a + b);
		memcpy(whole + 40, out.pkt[0].data + 48, a);
		memcpy(whole + 40 + a, out.pkt[1].data + 48, b);
		CHECK_EQ(tp_residue6(whole, 40 + a + b), 0);
	}
}

/* No NEEDS_CSUM: nothing to do, and the translation leaves with an all-zero header (DATA_VALID dropped). */
TEST(plain_datagram)
{
	struct virtio_net_hdr h;
	bool ok = false;
	uint32_t len;

	setup();
	len = l4_6(IPPROTO_UDP, 100);
	tp_csum6(pkt, len);
	vr.hdr = (struct virtio_net_hdr){ .flags = VIRTIO_NET_HDR_F_DATA_VALID };
	CHECK_EQ(run(len, &h, &ok), 0);
	CHECK(ok);
	CHECK_EQ(h.flags, 0);
	CHECK_EQ(h.csum_start, 0);
	CHECK_EQ(tp_residue4(out.pkt[0].data, out.pkt[0].len), 0);
}

/* Translator-made errors quoting a super-packet leave without offload; the partial sum is put back. */
TEST(gso_hop_limit_error)
{
	struct virtio_net_hdr h;
	bool ok = false;
	uint32_t len;
	uint16_t before;

	setup();
	len = l4_6(IPPROTO_TCP, 3000);
	pkt[7] = 1;
	before = tp_rd16(pkt + 56);
	vhdr(VIRTIO_NET_HDR_GSO_TCPV6, 1000, 40, 16, 72);
	CHECK_EQ(run(len, &h, &ok), 0);
	CHECK_EQ(st.c[STAT_DROP_HOP_LIMIT], 1u);
	CHECK_EQ(out.n, 1u);
	CHECK(ok);
	CHECK_EQ(h.flags, 0);
	CHECK_EQ(h.gso_type, 0);
	CHECK_EQ(out.pkt[0].data[40], 3);	/* ICMPv6 Time Exceeded */
	CHECK_EQ(tp_rd16(pkt + 56), before);
}

/* Headers the translator refuses, each with DROP_VNET_HDR. */
TEST(vnet_hdr_refused)
{
	struct virtio_net_hdr h;
	uint32_t len;
	bool ok;

	setup();
	len = l4_6(IPPROTO_TCP, 3000);
	vhdr(VIRTIO_NET_HDR_GSO_UDP, 1000, 40, 16, 72);		/* UFO: never offered */
	CHECK_EQ(run(len, &h, &ok), STAT_DROP_VNET_HDR);
	vhdr(VIRTIO_NET_HDR_GSO_TCPV4, 1000, 40, 16, 72);	/* TCPv4 on an IPv6 packet */
	CHECK_EQ(run(len, &h, &ok), STAT_DROP_VNET_HDR);
	vhdr(VIRTIO_NET_HDR_GSO_UDP_L4, 1000, 40, 16, 72);	/* UDP_L4 on TCP */
	CHECK_EQ(run(len, &h, &ok), STAT_DROP_VNET_HDR);
	vhdr(VIRTIO_NET_HDR_GSO_TCPV6, 0, 40, 16, 72);		/* gso_size 0 */
	CHECK_EQ(run(len, &h, &ok), STAT_DROP_VNET_HDR);
	vhdr(VIRTIO_NET_HDR_GSO_TCPV6, 1000, 40, 6, 72);		/* not the TCP checksum */
	CHECK_EQ(run(len, &h, &ok), STAT_DROP_VNET_HDR);
	vhdr(VIRTIO_NET_HDR_GSO_TCPV6, 1000, 60, 16, 72);	/* not the L4 header */
	CHECK_EQ(run(len, &h, &ok), STAT_DROP_VNET_HDR);
	vhdr(VIRTIO_NET_HDR_GSO_NONE, 0, (uint16_t)(len - 1), 0, 0);	/* field past the end */
	CHECK_EQ(run(len, &h, &ok), STAT_DROP_VNET_HDR);
	vr.hdr = (struct virtio_net_hdr){ .gso_type = VIRTIO_NET_HDR_GSO_TCPV6, .gso_size = 1000 };
	CHECK_EQ(run(len, &h, &ok), STAT_DROP_VNET_HDR);		/* GSO without NEEDS_CSUM */
	CHECK_EQ(st.c[STAT_RECEIVED6], 0u);
	/* IPv6 with an extension header before TCP: not refused, but cut in software (test_gso_soft.c). */
	memmove(pkt + 48, pkt + 40, len - 40);
	memset(pkt + 40, 0, 8);
	pkt[40] = IPPROTO_TCP;
	pkt[6] = 0;
	tp_wr16(pkt + 4, len - 40 + 8);
	vhdr(VIRTIO_NET_HDR_GSO_TCPV6, 1000, 48, 16, 80);
	CHECK_EQ(run(len + 8, &h, &ok), STAT_GSO_SOFT_SEGMENTED);
}

/* vnet_rx() reads an IPv4 header as the core does (xlat46_parse()): a Total Length shorter than the header
 * leaves the L4 header where IHL says, so the super-packet goes to the core, which drops it (DROP_HDR4); an
 * IHL below 5 has no L4 header to offload; a fragment's partial sum is finished here. */
TEST(vnet_ipv4_header_read_as_core)
{
	struct virtio_net_hdr h;
	uint32_t len;
	bool ok;

	setup();
	len = l4_4(IPPROTO_TCP, 3000, true);
	tp_wr16(pkt + 2, 10);
	tp_ip4_csum(pkt);
	vhdr(VIRTIO_NET_HDR_GSO_TCPV4, 1000, 20, 16, 52);
	CHECK_EQ(run(len, &h, &ok), 0);
	CHECK_EQ(out.n, 0u);
	CHECK_EQ(st.c[STAT_DROP_HDR4], 1u);
	pkt[0] = 0x44;
	CHECK_EQ(run(len, &h, &ok), STAT_DROP_VNET_HDR);
	len = l4_4(IPPROTO_TCP, 100, false);
	tp_wr16(pkt + 6, 0x2000);		/* MF: the first fragment */
	tp_ip4_csum(pkt);
	vhdr(VIRTIO_NET_HDR_GSO_NONE, 0, 20, 16, 0);
	CHECK_EQ(run(len, &h, &ok), 0);
	CHECK_EQ(vr.csum, NULL);
	CHECK_EQ(out.n, 1u);
	CHECK_EQ(out.pkt[0].len, len - 20 + 48);	/* IPv6 and Fragment headers */
	CHECK_EQ(tp_residue6_l4(out.pkt[0].data, out.pkt[0].data + 48, IPPROTO_TCP, len - 20), 0);
}

/* The output header needs the L4 header inside the translated datagram. */
TEST(vnet_tx_misplaced)
{
	struct virtio_net_hdr h;
	struct xlat_pkt p;

	setup();
	vhdr(VIRTIO_NET_HDR_GSO_NONE, 0, 40, 16, 0);
	CHECK_EQ(vnet_rx(&vr, pkt, l4_6(IPPROTO_TCP, 0), &ctx.gso_size), 0);
	p = (struct xlat_pkt){ pkt + 40, 20 };	/* L4 header where the IP header should be */
	CHECK(!vnet_tx(&vr, &p, true, &h));
	p = (struct xlat_pkt){ pkt, 50 };	/* checksum field cut off */
	CHECK(!vnet_tx(&vr, &p, true, &h));
	p = (struct xlat_pkt){ pkt, 72 };
	CHECK(vnet_tx(&vr, &p, false, &h));
	CHECK_EQ(h.flags, 0);
}

/* --- gro.c: translated UDP datagrams coalesced into one UDP GSO write ---------------------------------- */

#define GRO_N 5
static uint8_t gro_bufs[GRO_N][XLAT_HEADROOM + 2048 + XLAT_TAILROOM];

/* Datagram i (payload n bytes, its first byte i) from V6_HOST to V6_SERVER translated to IPv4 in its own
 * buffer, the way a worker does it: *p and *h are what would be written. partial: as the kernel hands it
 * over with checksum offload, else with its checksum computed. */
static bool gro_dgram(unsigned i, uint32_t n, bool partial_csum, struct xlat_pkt *p, struct virtio_net_hdr *h)
{
	uint8_t *b = gro_bufs[i] + XLAT_HEADROOM;
	uint32_t len = l4_6(IPPROTO_UDP, n);

	pkt[48] = (uint8_t)i;
	if (!partial_csum)
		tp_csum6(pkt, len);
	memcpy(b, pkt, len);
	memset(&vr, 0, sizeof(vr));
	if (partial_csum)
		vhdr(VIRTIO_NET_HDR_GSO_NONE, 0, 40, 6, 0);
	if (vnet_rx(&vr, b, len, &ctx.gso_size) || xlat_packet(&ctx, b, len, &out) != XLAT_EMIT || out.n != 1)
		return false;
	vnet_restore(&vr);
	*p = out.pkt[0];
	return vnet_tx(&vr, p, true, h);
}

/* Four full datagrams and a short one become one super-packet; the kernel's segmentation of it gives back
 * the five datagrams, each with a right checksum, in order. */
static void gro_roundtrip(int *failed, bool partial_csum)
{
	static uint8_t super[8192];
	struct virtio_net_hdr h[GRO_N], gh;
	struct xlat_pkt p[GRO_N];
	struct gro g;
	uint32_t at;
	int bad;

	setup();
	for (unsigned i = 0; i < GRO_N; i++)
		CHECK(gro_dgram(i, i + 1 < GRO_N ? 100 : 60, partial_csum, &p[i], &h[i]));
	CHECK(gro_start(&g, &p[0], &h[0]));
	for (unsigned i = 1; i < GRO_N; i++)
		CHECK(gro_join(&g, &p[i], &h[i]));
	CHECK(g.closed);
	CHECK(!gro_join(&g, &p[1], &h[1]));	/* nothing after the short one */
	gro_finish(&g, &gh);
	CHECK_EQ(gh.gso_type, VIRTIO_NET_HDR_GSO_UDP_L4);
	CHECK_EQ(gh.gso_size, 100);
	CHECK_EQ(gh.csum_start, 20);
	CHECK_EQ(gh.hdr_len, 28);
	CHECK(tp_ip4_valid(p[0].data, g.total));
	/* What the worker's writev() hands the kernel: the first datagram, then the others' payloads. */
	memcpy(super, p[0].data, p[0].len);
	at = p[0].len;
	for (unsigned i = 1; i < GRO_N; i++) {
		memcpy(super + at, p[i].data + 28, p[i].len - 28);
		at += p[i].len - 28;
	}
	CHECK_EQ(at, g.total);
	CHECK_EQ(segments_ok(&bad, super, at, &gh), (unsigned)GRO_N);
	CHECK(!bad);
	for (unsigned i = 0; i < GRO_N; i++)
		CHECK_EQ(super[28 + 100 * i], i);
}

TEST(gro_udp_offloaded_csum)
{
	gro_roundtrip(failed, true);
}

TEST(gro_udp_computed_csum)
{
	gro_roundtrip(failed, false);
}

/* What must not be coalesced. */
TEST(gro_udp_refused)
{
	struct virtio_net_hdr h[2];
	struct xlat_pkt p[2];
	struct gro g;

	setup();
	CHECK(gro_dgram(0, 100, false, &p[0], &h[0]));
	CHECK(gro_dgram(1, 100, false, &p[1], &h[1]));
	CHECK(gro_start(&g, &p[0], &h[0]));
	p[1].data[28] ^= 1;			/* a wrong checksum stays wrong: alone */
	CHECK(!gro_join(&g, &p[1], &h[1]));
	CHECK(!gro_start(&g, &p[1], &h[1]));
	p[1].data[28] ^= 1;
	CHECK(gro_join(&g, &p[1], &h[1]));

	CHECK(gro_start(&g, &p[0], &h[0]));
	p[1].data[8]--;				/* another TTL */
	CHECK(!gro_join(&g, &p[1], &h[1]));
	p[1].data[8]++;
	p[1].data[21]++;			/* another source port */
	CHECK(!gro_join(&g, &p[1], &h[1]));
	p[1].data[21]--;

	CHECK(gro_dgram(1, 101, true, &p[1], &h[1]));	/* bigger than the first */
	CHECK(!gro_join(&g, &p[1], &h[1]));
	CHECK(gro_dgram(1, 0, true, &p[1], &h[1]));	/* empty */
	CHECK(!gro_start(&g, &p[1], &h[1]));

	CHECK(gro_dgram(1, 100, false, &p[1], &h[1]));	/* IPv4 "no checksum" */
	tp_wr16(p[1].data + 26, 0);
	CHECK(!gro_start(&g, &p[1], &h[1]));
	h[1].gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;	/* already a super-packet */
	h[1].flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h[1].csum_start = 20;
	h[1].csum_offset = 6;
	CHECK(!gro_start(&g, &p[1], &h[1]));
}
