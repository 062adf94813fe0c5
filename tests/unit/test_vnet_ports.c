/*
 * Checksum offload through stateful NAT64 (vnet_ports.c): a TCP/UDP datagram read with NEEDS_CSUM goes the
 * worker's way (vnet_rx, nat64_packet, vnet_restore, vnet_ports_fix, vnet_tx), then the kernel's (the sum
 * over the L4 header and payload, the partial field included, complemented), and a receiver must find the
 * checksum right under the translated addresses and ports.
 */
#include "harness.h"
#include "testpkt.h"
#include "nat64.h"
#include "vnet_ports.h"

#define HOST "2001:db8::5"
#define SERVER6 "64:ff9b::192.0.2.7"
#define SERVER4 "192.0.2.7"
#define POOL4 "192.0.2.2"

static uint8_t scratch[XLAT_SCRATCH_SIZE];
static uint8_t buf[XLAT_HEADROOM + 2048 + XLAT_TAILROOM];
static uint8_t *const pkt = buf + XLAT_HEADROOM;
static struct xlat_conf conf;
static struct stats st;
static struct nat64_ctx ctx;
static struct xlat_out out;

/* pool6 64:ff9b::/96 (non-global IPv4 allowed), pool4 POOL4 ports 1-3000 for TCP and UDP: a host's port
 * 40000 cannot be kept. */
static void fixture(void)
{
	static const struct tp_conf c = { .pool6 = "64:ff9b::/96", .allow_nonglobal = true };
	static const uint8_t secret[16] = "vnet_ports test";
	struct nat64_conf nc;
	struct prefix4 p4;
	const char *why;

	tp_conf_init(&conf, &c);
	nat64_conf_defaults(&nc);
	nat64_free(ctx.db);
	ctx = (struct nat64_ctx){ .xlat = tp_ctx(&conf, &st, scratch, 1), .db = nat64_new(&nc, 0, 1, secret) };
	prefix4_parse(POOL4, &p4, &why);
	nat64_pool4_add(ctx.db, NAT64_TCP, &p4, 1, 3000, &why);
	nat64_pool4_add(ctx.db, NAT64_UDP, &p4, 1, 3000, &why);
	memset(buf, 0, sizeof(buf));
}

/* src#sport -> dst#dport, TCP SYN or UDP with 4 payload bytes, IPv6 or IPv4 (with DF, so that vnet_rx()
 * keeps its partial sum: no IPv6 fragments can follow). Checksum field 0. Returns the length. */
static uint32_t datagram(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t proto)
{
	bool v6 = strchr(src, ':');
	uint32_t l3 = v6 ? 40 : 20, n = proto == IPPROTO_TCP ? 24 : 12;
	uint8_t *l4 = pkt + l3;

	if (v6)
		tp_ip6(pkt, src, dst, proto, 64, n);
	else
		tp_ip4(pkt, src, dst, proto, 64, n);
	if (!v6) {
		pkt[6] = 0x40;
		tp_ip4_csum(pkt);
	}
	memset(l4, 0, n);
	tp_wr16(l4, sport);
	tp_wr16(l4 + 2, dport);
	if (proto == IPPROTO_TCP) {
		l4[12] = 0x50;
		l4[13] = 0x02;	/* SYN */
	} else {
		tp_wr16(l4 + 4, n);
	}
	memcpy(l4 + n - 4, "data", 4);
	return l3 + n;
}

/* The datagram at pkt (len bytes, partial sum in place) through the worker and the kernel: true when it was
 * translated in place with checksum offload; *residue is what a receiver computes (0: right). */
static bool through(uint32_t len, bool fix, uint16_t *residue)
{
	bool v4 = pkt[0] >> 4 == 4;
	uint8_t proto = v4 ? pkt[9] : pkt[6];
	struct vnet_rx vr = { .hdr = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = v4 ? 20 : 40,
				       .csum_offset = (uint16_t)tp_csum_at(proto) } };
	struct virtio_net_hdr h;
	struct vnet_ports ports;
	uint16_t gso;
	const struct xlat_pkt *o;
	uint8_t *l4;

	tp_partial(pkt, len);
	if (vnet_rx(&vr, pkt, len, &gso) || !vr.csum)
		return false;
	ctx.xlat.gso_size = gso;
	vnet_ports_save(&vr, &ports);
	if (nat64_packet(&ctx, pkt, len, &out) != XLAT_EMIT || out.n != 1)
		return false;
	vnet_restore(&vr);
	if (fix)
		vnet_ports_fix(&vr, &ports);
	o = &out.pkt[0];
	if (!vnet_tx(&vr, o, true, &h) || !(h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return false;
	l4 = o->data + h.csum_start;
	tp_wr16(l4 + h.csum_offset, csum_final(csum_add(0, l4, o->len - h.csum_start)));
	*residue = o->data[0] >> 4 == 4 ? tp_residue4(o->data, o->len) : tp_residue6(o->data, o->len);
	return true;
}

TEST(tcp_6to4_port_change_taken_out)
{
	uint16_t r = 1;
	uint32_t len;

	fixture();
	len = datagram(HOST, 40000, SERVER6, 80, IPPROTO_TCP);
	CHECK(through(len, true, &r));
	CHECK(tp_rd16(out.pkt[0].data + 20) != 40000);
	CHECK_EQ(r, 0);
}

TEST(without_the_fix_the_checksum_is_wrong)
{
	uint16_t r = 0;
	uint32_t len;

	fixture();
	len = datagram(HOST, 40000, SERVER6, 80, IPPROTO_TCP);
	CHECK(through(len, false, &r));
	CHECK(r != 0);
}

TEST(udp_both_ways)
{
	uint16_t r = 1, p4;
	uint32_t len;

	fixture();
	len = datagram(HOST, 40000, SERVER6, 53, IPPROTO_UDP);
	CHECK(through(len, true, &r));
	CHECK_EQ(r, 0);
	p4 = tp_rd16(out.pkt[0].data + 20);
	r = 1;
	len = datagram(SERVER4, 53, POOL4, p4, IPPROTO_UDP);
	CHECK(through(len, true, &r));
	CHECK(tp_same6(out.pkt[0].data + 24, HOST));
	CHECK_EQ(tp_rd16(out.pkt[0].data + 42), 40000);
	CHECK_EQ(r, 0);
}

TEST(tcp_4to6_through_static_binding)
{
	struct in6_addr h = tp_a6(HOST);
	uint16_t r = 1;
	const char *why;
	uint32_t len;

	fixture();
	CHECK(nat64_static_add(ctx.db, NAT64_TCP, &h, 8080, tp_a4(POOL4), 2000, &why));
	len = datagram(SERVER4, 50000, POOL4, 2000, IPPROTO_TCP);
	CHECK(through(len, true, &r));
	CHECK_EQ(tp_rd16(out.pkt[0].data + 42), 8080);
	CHECK_EQ(r, 0);
}

TEST(no_partial_sum_nothing_touched)
{
	struct vnet_rx vr = { 0 };
	struct vnet_ports ports;
	uint8_t before[64];
	uint32_t len;

	fixture();
	len = datagram(HOST, 40000, SERVER6, 80, IPPROTO_TCP);
	CHECK_EQ(vnet_rx(&vr, pkt, len, &ctx.xlat.gso_size), 0);
	memcpy(before, pkt, sizeof(before));
	vnet_ports_save(&vr, &ports);
	vnet_ports_fix(&vr, &ports);
	CHECK_MEM(before, pkt, sizeof(before));
}
