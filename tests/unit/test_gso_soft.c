/*
 * Software segmentation (gso_soft.c): super-packets as the kernel hands them over (NEEDS_CSUM, the L4
 * checksum field holding the pseudo-header sum) are cut, and every segment must equal, byte for byte, the
 * datagram built here from scratch with the kernel's rules (lengths, IPv4 ID + i, sequence number, FIN/PSH on
 * the last only, CWR on the first only), its checksums computed by a plain one's complement sum written out
 * here, not csum.c. Then the cut segments go through the core the way the worker sends them.
 */
#include <arpa/inet.h>

#include "harness.h"
#include "testpkt.h"
#include "gso_soft.h"
#include "vnet.h"

#define V6_HOST "2001:db8:6::5"		/* = 203.0.113.5 (EAMT) */
#define V6_SERVER "2001:db8:64::c633:6407"	/* = 198.51.100.7 (pool6) */
#define V4_HOST "203.0.113.5"
#define V4_SERVER "198.51.100.7"
#define FIN 0x01
#define PSH 0x08
#define ACK 0x10
#define CWR 0x80

static uint8_t super[XLAT_HEADROOM + 70000 + XLAT_TAILROOM], seg[XLAT_HEADROOM + 70000 + XLAT_TAILROOM];
static uint8_t want[70000];
static uint8_t *const sp = super + XLAT_HEADROOM;	/* the super-packet */
static uint8_t *const sg = seg + XLAT_HEADROOM;		/* the segment */
static struct gso_soft gs;

/* What one datagram of a test flow looks like. */
struct spec {
	bool v6;
	uint8_t proto;
	unsigned opt4;		/* IPv4: bytes of NOP options (multiple of 4) */
	unsigned ext6;		/* IPv6: bytes of a Destination Options header before L4 (0 or 8) */
	bool df;
	uint16_t id;
	uint32_t seq;
	uint8_t flags;
};

/* Payload byte k of the flow: no period a misplaced copy could hide in. */
static uint8_t pay(uint32_t k)
{
	return (uint8_t)(k * 7 + k / 251 + 3);
}

/* The one's complement checksum over a pseudo-header and data, bytes added as 16-bit words one by one. */
static uint16_t ref_csum(const uint8_t *ph, uint32_t phlen, const uint8_t *d, uint32_t len)
{
	uint64_t s = 0;

	for (uint32_t i = 0; i < phlen; i += 2)
		s += (uint32_t)ph[i] << 8 | ph[i + 1];
	for (uint32_t i = 0; i < len; i++)
		s += i & 1 ? d[i] : (uint32_t)d[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* The L4 checksum of the datagram p (L4 header at l4, len bytes in all) as a receiver computes it, its
 * checksum field included: 0 when right. */
static uint16_t ref_l4(const uint8_t *p, uint32_t l4, uint32_t len, bool v6, uint8_t proto)
{
	uint8_t ph[40] = { 0 };
	uint32_t n = len - l4;

	if (v6) {
		memcpy(ph, p + 8, 32);
		ph[34] = (uint8_t)(n >> 8);
		ph[35] = (uint8_t)n;
		ph[39] = proto;
		return ref_csum(ph, 40, p + l4, n);
	}
	memcpy(ph, p + 12, 8);
	ph[9] = proto;
	ph[10] = (uint8_t)(n >> 8);
	ph[11] = (uint8_t)n;
	return ref_csum(ph, 12, p + l4, n);
}

/* Build at p the datagram of flow s carrying payload bytes [from, from + n), checksums right. Returns its
 * length; *l4 = where its L4 header is. */
static uint32_t build(uint8_t *p, const struct spec *s, uint32_t from, uint32_t n, uint32_t *l4)
{
	uint32_t l3 = s->v6 ? 40 + s->ext6 : 20 + s->opt4, hl = s->proto == IPPROTO_TCP ? 32 : 8;
	uint32_t len = l3 + hl + n;
	uint8_t *t = p + l3;

	memset(p, 0, l3 + hl);
	if (s->v6) {
		tp_ip6(p, V6_HOST, V6_SERVER, s->ext6 ? 60 : s->proto, 64, len - 40);
		if (s->ext6) {
			p[40] = s->proto;
			p[41] = (uint8_t)(s->ext6 / 8 - 1);
			p[42] = 1;		/* PadN over the rest */
			p[43] = (uint8_t)(s->ext6 - 4);
		}
	} else {
		p[0] = (uint8_t)(0x40 | l3 / 4);
		p[1] = 0x10;
		tp_wr16(p + 2, len);
		tp_wr16(p + 4, s->id);
		tp_wr16(p + 6, s->df ? 0x4000 : 0);
		p[8] = 64;
		p[9] = s->proto;
		inet_pton(AF_INET, V4_SERVER, p + 12);
		inet_pton(AF_INET, V4_HOST, p + 16);
		memset(p + 20, 1, s->opt4);	/* NOP */
		tp_wr16(p + 10, ref_csum(NULL, 0, p, l3));
	}
	tp_wr16(t, 40000);
	tp_wr16(t + 2, 5201);
	if (s->proto == IPPROTO_TCP) {
		tp_wr16(t + 4, s->seq >> 16);
		tp_wr16(t + 6, s->seq);
		tp_wr16(t + 8, 0xabcd);
		tp_wr16(t + 10, 0x0123);
		t[12] = (32 / 4) << 4;
		t[13] = s->flags;
		tp_wr16(t + 14, 512);
		t[20] = 1;			/* NOP NOP timestamp, as Linux sends */
		t[21] = 1;
		t[22] = 8;
		t[23] = 10;
		tp_wr16(t + 24, 0x1111);
	} else {
		tp_wr16(t + 4, hl + n);
	}
	for (uint32_t k = 0; k < n; k++)
		t[hl + k] = pay(from + k);
	tp_wr16(t + tp_csum_at(s->proto), ref_l4(p, l3, len, s->v6, s->proto));
	*l4 = l3;
	return len;
}

/* The super-packet of flow s with `total` payload bytes, as read from the TUN: the checksum field holds the
 * folded pseudo-header sum (tp_partial()), *h the virtio-net header for segments of g bytes. */
static uint32_t super_packet(const struct spec *s, uint32_t total, uint16_t g, struct virtio_net_hdr *h)
{
	uint32_t l4, len = build(sp, s, 0, total, &l4);
	uint8_t *c = sp + l4 + tp_csum_at(s->proto);
	uint16_t part;

	/* tp_partial() wants the L4 header right after the fixed header: compute as it does, over l4. */
	if (s->v6) {
		struct in6_addr a, b;

		memcpy(&a, sp + 8, 16);
		memcpy(&b, sp + 24, 16);
		part = csum_fold(csum_pseudo6(&a, &b, s->proto, len - l4));
	} else {
		struct in_addr a, b;

		memcpy(&a, sp + 12, 4);
		memcpy(&b, sp + 16, 4);
		part = csum_fold(csum_pseudo4(a, b, s->proto, len - l4));
	}
	tp_wr16(c, part);
	*h = (struct virtio_net_hdr){
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = s->proto == IPPROTO_UDP ? VIRTIO_NET_HDR_GSO_UDP_L4
			    : s->v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4,
		.hdr_len = (uint16_t)(l4 + (s->proto == IPPROTO_TCP ? 32 : 8)), .gso_size = g,
		.csum_start = (uint16_t)l4, .csum_offset = (uint16_t)tp_csum_at(s->proto),
	};
	return len;
}

/* Cut the super-packet of flow s (total payload bytes, segments of g) and compare every segment with the one
 * built from scratch; n segments expected. */
static void cut_ok(int *failed, const struct spec *s, uint32_t total, uint16_t g, unsigned n)
{
	struct virtio_net_hdr h;
	uint32_t len = super_packet(s, total, g, &h), off = 0;
	unsigned i;

	*failed = 0;
	CHECK_EQ(gso_soft_init(&gs, &h, sp, len), 0);
	for (i = 0; i < n; i++) {
		uint32_t chunk = total - off < g ? total - off : g, l4, got, wl;
		struct spec e = *s;

		e.id = (uint16_t)(s->id + i);
		e.seq = s->seq + off;
		if (i + 1 < n)
			e.flags &= (uint8_t)~(FIN | PSH);
		if (i > 0)
			e.flags &= (uint8_t)~CWR;
		wl = build(want, &e, off, chunk, &l4);
		got = gso_soft_next(&gs, sg);
		if (got != wl)
			printf("# segment %u: %u bytes, want %u\n", i, got, wl);
		CHECK_EQ(got, wl);
		CHECK_MEM(sg, want, wl);
		CHECK_EQ(ref_l4(sg, l4, got, s->v6, s->proto), 0);
		if (!s->v6)
			CHECK_EQ(ref_csum(NULL, 0, sg, l4), 0);
		off += chunk;
	}
	CHECK_EQ(off, total);
	CHECK_EQ(gso_soft_next(&gs, sg), 0u);
	CHECK_EQ(gso_soft_next(&gs, sg), 0u);
}

TEST(soft_tcp4)
{
	/* No DF: the case the fast path cannot take; FIN, PSH and CWR on the super-packet. */
	struct spec s = { .proto = IPPROTO_TCP, .id = 0xfffe, .seq = 0xfffffc00u, .flags = ACK | PSH | FIN | CWR };
	int bad;

	cut_ok(&bad, &s, 3 * 1448 + 517, 1448, 4);	/* IDs and sequence numbers wrap */
	CHECK(!bad);
	s.df = true;
	s.opt4 = 8;					/* options are repeated in every segment */
	s.flags = ACK;
	cut_ok(&bad, &s, 2 * 1000, 1000, 2);
	CHECK(!bad);
}

TEST(soft_tcp6)
{
	struct spec s = { .v6 = true, .proto = IPPROTO_TCP, .seq = 7, .flags = ACK | PSH | CWR };
	int bad;

	cut_ok(&bad, &s, 5 * 1200 + 1, 1200, 6);	/* a last segment of one byte */
	CHECK(!bad);
	s.ext6 = 8;					/* the extension header too */
	s.flags = ACK | FIN;
	cut_ok(&bad, &s, 44 * 1440 + 1000, 1440, 45);
	CHECK(!bad);
}

TEST(soft_udp4)
{
	struct spec s = { .proto = IPPROTO_UDP, .id = 100 };
	int bad;

	cut_ok(&bad, &s, 4 * 1000 + 33, 1000, 5);
	CHECK(!bad);
	s.df = true;
	cut_ok(&bad, &s, 64 * 8, 8, 64);		/* small datagrams, as many as UDP GSO allows */
	CHECK(!bad);
}

TEST(soft_udp6)
{
	struct spec s = { .v6 = true, .proto = IPPROTO_UDP, .ext6 = 8 };
	int bad;

	cut_ok(&bad, &s, 3 * 1400, 1400, 3);
	CHECK(!bad);
	s.ext6 = 0;
	cut_ok(&bad, &s, 2 * 1232 + 7, 1232, 3);
	CHECK(!bad);
}

/* One segment, like the kernel sending the super-packet as it is: flags untouched, checksum finished. */
TEST(soft_gso_size_beyond_payload)
{
	struct spec t = { .proto = IPPROTO_TCP, .id = 9, .seq = 1, .flags = ACK | PSH | FIN | CWR };
	struct spec u = { .v6 = true, .proto = IPPROTO_UDP };
	int bad;

	cut_ok(&bad, &t, 500, 1448, 1);
	CHECK(!bad);
	cut_ok(&bad, &t, 1448, 1448, 1);		/* exactly one segment's worth */
	CHECK(!bad);
	cut_ok(&bad, &u, 100, 65000, 1);
	CHECK(!bad);
	cut_ok(&bad, &t, 0, 1448, 1);			/* headers only */
	CHECK(!bad);
}

/* A UDP segment whose checksum computes to zero leaves with all ones: zero would mean "none" (RFC 768). */
TEST(soft_udp_zero_csum)
{
	struct spec u = { .v6 = true, .proto = IPPROTO_UDP };
	struct virtio_net_hdr h;
	uint32_t len = super_packet(&u, 100, 1000, &h);

	/* Payload bytes 0-1 chosen so that the sum over the datagram is all ones. */
	tp_wr16(sp + 40 + 6, 0);
	tp_wr16(sp + 48, 0);
	tp_wr16(sp + 48, ref_l4(sp, 40, len, true, IPPROTO_UDP));
	CHECK_EQ(gso_soft_init(&gs, &h, sp, len), 0);
	CHECK_EQ(gso_soft_next(&gs, sg), len);
	CHECK_EQ(tp_rd16(sg + 40 + 6), 0xffff);
	CHECK_EQ(ref_l4(sg, 40, len, true, IPPROTO_UDP), 0);
	CHECK_MEM(sg + 48, sp + 48, len - 48);
}

/* A valid super-packet damaged by `mutate`, then cut: the drop counter, and nothing to cut. */
static enum stat_id damaged(const struct spec *s, void (*mutate)(uint8_t *p, uint32_t *len, struct virtio_net_hdr *h))
{
	struct virtio_net_hdr h;
	uint32_t len = super_packet(s, 3000, 1000, &h);
	enum stat_id why;

	mutate(sp, &len, &h);
	why = gso_soft_init(&gs, &h, sp, len);
	return why && gso_soft_next(&gs, sg) == 0 ? why : STAT_MAX;
}

static void ip4_csum(uint8_t *p)
{
	tp_wr16(p + 10, 0);
	tp_wr16(p + 10, ref_csum(NULL, 0, p, (p[0] & 15) * 4u));
}

/* The damage: p is the packet (*len bytes), h its header. */
#define MUTATION(name, ...) \
	static void name(uint8_t *p, uint32_t *len, struct virtio_net_hdr *h) \
	{ \
		(void)p; (void)len; (void)h; \
		__VA_ARGS__; \
	}
MUTATION(no_csum_flag, h->flags = 0)
MUTATION(gso_size_0, h->gso_size = 0)
MUTATION(type_tcp6, h->gso_type = VIRTIO_NET_HDR_GSO_TCPV6)
MUTATION(type_udp, h->gso_type = VIRTIO_NET_HDR_GSO_UDP_L4)
MUTATION(type_ufo, h->gso_type = VIRTIO_NET_HDR_GSO_UDP)
MUTATION(start_off, h->csum_start += 4)
MUTATION(at_off, h->csum_offset = 6)
MUTATION(mf, p[6] |= 0x20; ip4_csum(p))
MUTATION(bad_hdr_csum, p[10] ^= 1)
MUTATION(ihl4, p[0] = 0x44)
MUTATION(ihl15, p[0] = 0x4f; *len = 40)
MUTATION(tot_long, *len -= 1)
MUTATION(tiny, *len = 10)
MUTATION(empty, *len = 0)
MUTATION(version5, p[0] = 0x55)
MUTATION(tcp_cut, *len = 20 + 19; tp_wr16(p + 2, *len); ip4_csum(p))
MUTATION(doff4, p[20 + 12] = 0x40)
MUTATION(doff_long, *len = 20 + 40; tp_wr16(p + 2, *len); ip4_csum(p); p[20 + 12] = 0xf0)
MUTATION(plen_long, tp_wr16(p + 4, *len - 40 + 1))
MUTATION(plen_short, tp_wr16(p + 4, *len - 40 - 1))
MUTATION(jumbo, tp_wr16(p + 4, 0))
/* 2 KiB of options in a 64-byte packet; then not even the 8 bytes of the option header. */
MUTATION(ext_past_end, p[41] = 255; *len = 64; tp_wr16(p + 4, 24))
MUTATION(ext_cut, *len = 44; tp_wr16(p + 4, 4))
MUTATION(frag6, p[6] = 44)
/* A Fragment Header before the hop-by-hop options: malformed, as the translator counts it. */
MUTATION(frag6_then_hop, p[6] = 44; p[40] = 0)
MUTATION(hop_to_icmp, p[40] = 58)

TEST(soft_malformed)
{
	static const struct spec t4 = { .proto = IPPROTO_TCP, .flags = ACK };
	static const struct spec u6 = { .v6 = true, .proto = IPPROTO_UDP, .ext6 = 8 };
	static const struct {
		const struct spec *s;
		void (*mutate)(uint8_t *, uint32_t *, struct virtio_net_hdr *);
		enum stat_id why;
	} cases[] = {
		{ &t4, no_csum_flag, STAT_DROP_VNET_HDR },
		{ &t4, gso_size_0, STAT_DROP_VNET_HDR },
		{ &t4, type_tcp6, STAT_DROP_VNET_HDR },
		{ &t4, type_udp, STAT_DROP_VNET_HDR },
		{ &t4, type_ufo, STAT_DROP_VNET_HDR },
		{ &t4, start_off, STAT_DROP_VNET_HDR },
		{ &t4, at_off, STAT_DROP_VNET_HDR },
		{ &t4, mf, STAT_DROP_VNET_HDR },
		{ &t4, bad_hdr_csum, STAT_DROP_HDR4 },
		{ &t4, ihl4, STAT_DROP_HDR4 },
		{ &t4, ihl15, STAT_DROP_TRUNCATED },
		{ &t4, tot_long, STAT_DROP_TRUNCATED },
		{ &t4, tiny, STAT_DROP_TRUNCATED },
		{ &t4, empty, STAT_DROP_BAD_VERSION },
		{ &t4, version5, STAT_DROP_BAD_VERSION },
		{ &t4, tcp_cut, STAT_DROP_L4 },
		{ &t4, doff4, STAT_DROP_L4 },
		{ &t4, doff_long, STAT_DROP_L4 },
		{ &u6, type_tcp6, STAT_DROP_VNET_HDR },
		{ &u6, start_off, STAT_DROP_VNET_HDR },
		{ &u6, plen_long, STAT_DROP_TRUNCATED },
		{ &u6, plen_short, STAT_DROP_HDR6 },
		{ &u6, jumbo, STAT_DROP_HDR6 },
		{ &u6, ext_past_end, STAT_DROP_TRUNCATED },
		{ &u6, ext_cut, STAT_DROP_TRUNCATED },
		{ &u6, frag6, STAT_DROP_VNET_HDR },
		{ &u6, frag6_then_hop, STAT_DROP_EXT_AFTER_FRAG },
		{ &u6, hop_to_icmp, STAT_DROP_VNET_HDR },
		{ &u6, tiny, STAT_DROP_TRUNCATED },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum stat_id why = damaged(cases[i].s, cases[i].mutate);

		if (why != cases[i].why)
			printf("# case %u: %s, want %s\n", i, why < STAT_MAX ? stats_name(why) : "-",
			       stats_name(cases[i].why));
		CHECK_EQ(why, cases[i].why);
	}
}

/* A run through the core: the translator and what vnet_rx() passed on. */
struct through {
	struct xlat_conf conf;
	struct stats st;
	struct xlat_ctx ctx;
	struct xlat_out out;
	uint16_t gso_size;
};

/*
 * Set up t with the SIIT configuration of these runs (RFC 7757 EAMT entry, pool6 for the rest; an mtu6 of 0
 * keeps the default), build the super-packet of flow s, hand it to vnet_rx() as the daemon does (which must
 * send it to software segmentation) and start cutting it into gs.
 */
static void through_start(int *failed, struct through *t, uint32_t mtu6, const struct spec *s, uint32_t total,
			  uint16_t g)
{
	static uint8_t scratch[XLAT_SCRATCH_SIZE];
	const struct tp_conf siit = {
		.pool6 = "2001:db8:64::/96", .eam6 = "2001:db8:6::/120", .eam4 = "203.0.113.0/24",
		.own4 = "192.0.2.1", .own6 = "2001:db8:ffff::1", .mtu6 = mtu6,
	};
	struct vnet_rx vr = { 0 };
	uint32_t len = super_packet(s, total, g, &vr.hdr);

	tp_conf_init(&t->conf, &siit);
	t->ctx = tp_ctx(&t->conf, &t->st, scratch, 3);
	t->gso_size = 1;
	CHECK_EQ(vnet_rx(&vr, sp, len, &t->gso_size), STAT_GSO_SOFT_SEGMENTED);
	CHECK_EQ(gso_soft_init(&gs, &vr.hdr, sp, len), 0);
}

/*
 * The way through the daemon: vnet_rx() sends the super-packet here, and each segment is translated like a
 * datagram read without offload. IPv4 TCP without DF, segments of 1448 bytes: each leaves as two IPv6
 * fragments (lowest-ipv6-mtu 1280, RFC 7915 §4.1), the Fragment Header's Identification being that segment's
 * IPv4 ID, and the fragments put back together are the segment's translation, checksum right.
 */
TEST(soft_through_core_4to6)
{
	static uint8_t whole[2000];
	struct spec s = { .proto = IPPROTO_TCP, .id = 0x4242, .seq = 1000, .flags = ACK | PSH };
	struct through t;
	uint32_t n;
	unsigned segs = 0;

	through_start(failed, &t, 1500, &s, 3 * 1448, 1448);
	if (*failed)
		return;
	CHECK_EQ(t.gso_size, 0);
	while ((n = gso_soft_next(&gs, sg))) {
		uint32_t at = 40, l4len = 0;

		CHECK_EQ(xlat_packet(&t.ctx, sg, n, &t.out), XLAT_EMIT);
		CHECK_EQ(t.out.n, 2u);
		memcpy(whole, t.out.pkt[0].data, 40);
		for (unsigned k = 0; k < t.out.n; k++) {
			const uint8_t *f = t.out.pkt[k].data;

			CHECK(t.out.pkt[k].len <= 1280);
			CHECK_EQ(f[6], 44);
			CHECK_EQ(f[40], IPPROTO_TCP);
			CHECK_EQ(tp_rd16(f + 44), 0);
			CHECK_EQ(tp_rd16(f + 46), 0x4242 + segs);
			CHECK_EQ(tp_rd16(f + 42) >> 3, l4len / 8);
			CHECK_EQ(tp_rd16(f + 42) & 1, k + 1 < t.out.n);
			memcpy(whole + at, f + 48, t.out.pkt[k].len - 48);
			at += t.out.pkt[k].len - 48;
			l4len += t.out.pkt[k].len - 48;
		}
		CHECK_EQ(l4len, 32 + 1448);
		CHECK_EQ(tp_residue6_l4(whole, whole + 40, IPPROTO_TCP, l4len), 0);
		CHECK_EQ((uint32_t)tp_rd16(whole + 40 + 4) << 16 | tp_rd16(whole + 40 + 6), 1000 + segs * 1448);
		CHECK_EQ(whole[40 + 32], pay(segs * 1448));
		segs++;
	}
	CHECK_EQ(segs, 3u);
	CHECK_EQ(t.st.c[STAT_RECEIVED4], 3u);
	CHECK_EQ(t.st.c[STAT_TRANSLATED46], 3u);
	CHECK_EQ(t.st.c[STAT_FRAGMENTS_OUT], 3u);
	CHECK_EQ(tp_drops(&t.st), 0u);
}

/* IPv6 with a Destination Options header, 6->4: each segment becomes an ordinary IPv4 TCP segment (the
 * extension header dropped, RFC 7915 §5.1), DF set as for any packet above 1260 bytes. */
TEST(soft_through_core_6to4)
{
	struct spec s = { .v6 = true, .ext6 = 8, .proto = IPPROTO_TCP, .seq = 5, .flags = ACK | FIN };
	struct through t;
	uint32_t n;
	unsigned segs = 0;

	through_start(failed, &t, 0, &s, 2 * 1400 + 10, 1400);
	if (*failed)
		return;
	while ((n = gso_soft_next(&gs, sg))) {
		const uint8_t *p;

		CHECK_EQ(xlat_packet(&t.ctx, sg, n, &t.out), XLAT_EMIT);
		CHECK_EQ(t.out.n, 1u);
		p = t.out.pkt[0].data;
		CHECK(tp_ip4_valid(p, t.out.pkt[0].len));
		CHECK_EQ(t.out.pkt[0].len, 20 + 32 + (segs < 2 ? 1400u : 10u));
		CHECK_EQ(tp_rd16(p + 6), segs < 2 ? 0x4000 : 0);
		CHECK_EQ(tp_residue4(p, t.out.pkt[0].len), 0);
		CHECK_EQ(p[20 + 13], segs < 2 ? ACK : ACK | FIN);
		segs++;
	}
	CHECK_EQ(segs, 3u);
	CHECK_EQ(t.st.c[STAT_TRANSLATED64], 3u);
	CHECK_EQ(tp_drops(&t.st), 0u);
}
