/*
 * Checksum offload through stateful NAT64 (ctx->csum_partial, xlat.h). With NEEDS_CSUM the TCP/UDP checksum
 * field holds only the pseudo-header sum (vnet.h), complemented by vnet_rx() for the core, which must turn
 * it into the complemented pseudo-header sum of the translated addresses and keep the port change out of it
 * (the kernel sums the new ports from the segment). Without offload the same translation folds the ports
 * in, and the checksum comes out whole and right. What is expected (pseudo-header sums, what a receiver
 * checks) is computed here with a plain one's complement sum over a pseudo-header written out byte by
 * byte, not with csum.c, which only builds the IP header and ICMP checksums of the packets sent in.
 *
 * Then the worker's way (worker_translate(): vnet_rx, the flag, nat64_packet, vnet_restore, vnet_tx) and
 * the kernel's (it finishes the sum of what leaves with NEEDS_CSUM): a receiver must find every checksum
 * right, also for datagrams that follow an offloaded one without offload (reassembled, cut in software,
 * handed to another worker's tables), which must not inherit its flag.
 */
#include <pthread.h>

#include "harness.h"
#include "testpkt.h"
#include "nat64.h"
#include "worker_internal.h"

#define HOST "2001:db8::5"
#define SERVER6 "64:ff9b::192.0.2.7"
#define SERVER4 "192.0.2.7"
#define POOL4 "192.0.2.2"
#define NEEDS_CSUM VIRTIO_NET_HDR_F_NEEDS_CSUM

static uint8_t scratch[XLAT_SCRATCH_SIZE];
static uint8_t buf[XLAT_HEADROOM + 2048 + XLAT_TAILROOM];
static uint8_t *const pkt = buf + XLAT_HEADROOM;
static uint8_t keep[2][2048];
static const uint8_t secret[16] = "nat64 csum test";
static struct xlat_conf conf;
static struct stats st;
static struct nat64_ctx ctx;
static struct xlat_out out;

/* The one's complement sum of n bytes at p (16-bit big-endian words) added to acc, folded, not complemented. */
static uint16_t ref_sum(const uint8_t *p, uint32_t n, uint32_t acc)
{
	for (uint32_t i = 0; i < n; i++)
		acc += i & 1 ? p[i] : (uint32_t)p[i] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static uint32_t l3_len(const uint8_t *p)
{
	return p[0] >> 4 == 6 ? 40 : 20;
}

static uint8_t l4_proto(const uint8_t *p)
{
	return p[0] >> 4 == 6 ? p[6] : p[9];
}

/* The pseudo-header sum of the len-byte datagram at p, L4 header right after the fixed IP header: RFC 793
 * §3.1 / RFC 768 for IPv4, RFC 8200 §8.1 for IPv6. */
static uint16_t ref_pseudo(const uint8_t *p, uint32_t len)
{
	uint32_t n = len - l3_len(p);
	uint8_t ph[40] = { 0 };

	if (p[0] >> 4 == 6) {
		memcpy(ph, p + 8, 32);
		ph[34] = (uint8_t)(n >> 8);
		ph[35] = (uint8_t)n;
		ph[39] = p[6];
		return ref_sum(ph, 40, 0);
	}
	memcpy(ph, p + 12, 8);
	ph[9] = p[9];
	ph[10] = (uint8_t)(n >> 8);
	ph[11] = (uint8_t)n;
	return ref_sum(ph, 12, 0);
}

static uint8_t *csum_field(const uint8_t *p)
{
	return (uint8_t *)p + l3_len(p) + tp_csum_at(l4_proto(p));
}

/* The whole checksum, as a sender without offload writes it. */
static void ref_whole(uint8_t *p, uint32_t len)
{
	tp_wr16(csum_field(p), 0);
	tp_wr16(csum_field(p), (uint16_t)~ref_sum(p + l3_len(p), len - l3_len(p), ref_pseudo(p, len)));
}

/* What a receiver checks: pseudo-header and segment, checksum field included, sum to all ones. */
static bool ref_right(const uint8_t *p, uint32_t len)
{
	return ref_sum(p + l3_len(p), len - l3_len(p), ref_pseudo(p, len)) == 0xffff;
}

/* 0 and 0xffff are the same one's complement number. */
static bool same_sum(uint16_t a, uint16_t b)
{
	return a % 0xffff == b % 0xffff;
}

/* src#sport -> dst#dport at p, TCP SYN or UDP with 4 payload bytes, IPv6 or IPv4 (with DF, so that vnet_rx()
 * keeps its partial sum: no IPv6 fragments can follow). Checksum field 0. Returns the length. */
static uint32_t datagram_at(uint8_t *p, const char *src, uint16_t sport, const char *dst, uint16_t dport,
			    uint8_t proto)
{
	bool v6 = strchr(src, ':');
	uint32_t l3 = v6 ? 40 : 20, n = proto == IPPROTO_TCP ? 24 : 12;
	uint8_t *l4 = p + l3;

	if (v6) {
		tp_ip6(p, src, dst, proto, 64, n);
	} else {
		tp_ip4(p, src, dst, proto, 64, n);
		p[6] = 0x40;
		tp_ip4_csum(p);
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

static uint32_t datagram(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t proto)
{
	return datagram_at(pkt, src, sport, dst, dport, proto);
}

/* pool6 64:ff9b::/96 (non-global IPv4 allowed), pool4 POOL4 ports 1-3000 for TCP and UDP: a host's port
 * 40000 cannot be kept. */
static struct nat64 *tables(void)
{
	struct nat64_conf nc;
	struct prefix4 p4;
	struct nat64 *db;
	const char *why;

	nat64_conf_defaults(&nc);
	db = nat64_new(&nc, 0, 1, secret);
	prefix4_parse(POOL4, &p4, &why);
	nat64_pool4_add(db, NAT64_TCP, &p4, 1, 3000, &why);
	nat64_pool4_add(db, NAT64_UDP, &p4, 1, 3000, &why);
	return db;
}

static void fixture(void)
{
	static const struct tp_conf c = { .pool6 = "64:ff9b::/96", .allow_nonglobal = true };

	tp_conf_init(&conf, &c);
	nat64_free(ctx.db);
	ctx = (struct nat64_ctx){ .xlat = tp_ctx(&conf, &st, scratch, 1), .db = tables() };
	memset(buf, 0, sizeof(buf));
}

/* The datagram in keep[0] (len bytes), its checksum field set to `field`, translated by the core with
 * csum_partial as given, from the same random state each time (IPv4 IDs). Returns the one output, or NULL. */
static const struct xlat_pkt *core(uint32_t len, uint16_t field, bool partial)
{
	memcpy(pkt, keep[0], len);
	tp_wr16(csum_field(pkt), field);
	ctx.xlat.csum_partial = partial;
	ctx.xlat.rng = 1;
	if (nat64_packet(&ctx, pkt, len, &out) != XLAT_EMIT || out.n != 1)
		return NULL;
	return &out.pkt[0];
}

/* The datagram at pkt (len bytes), as vnet_rx() hands it to the core with offload (its complemented
 * pseudo-header sum) and csum_partial set: the field must become the complemented pseudo-header sum of the
 * translation, with nothing of the ports in it. Without offload (a whole checksum, the flag clear): the very
 * same translation with a checksum a receiver finds right. And a partial sum translated with the flag clear
 * gets the port change folded in, which is wrong. */
static void both_ways(int *failed, uint32_t len, const char *to, uint16_t sport, uint16_t dport)
{
	const struct xlat_pkt *o;
	uint32_t n;

	memcpy(keep[0], pkt, len);
	o = core(len, (uint16_t)~ref_pseudo(keep[0], len), true);
	CHECK(o && o->data >= buf && o->data < buf + sizeof(buf));	/* in place */
	CHECK(o->data[0] >> 4 == 6 ? tp_same6(o->data + 24, to) : tp_same4(o->data + 16, to));
	CHECK_EQ(tp_rd16(o->data + l3_len(o->data)), sport);
	CHECK_EQ(tp_rd16(o->data + l3_len(o->data) + 2), dport);
	CHECK(same_sum(tp_rd16(csum_field(o->data)), (uint16_t)~ref_pseudo(o->data, o->len)));
	n = o->len;
	memcpy(keep[1], o->data, n);

	memcpy(pkt, keep[0], len);
	ref_whole(pkt, len);
	CHECK(ref_right(pkt, len));
	o = core(len, tp_rd16(csum_field(pkt)), false);
	CHECK(o && o->len == n);
	CHECK(ref_right(o->data, o->len));
	memcpy(csum_field(keep[1]), csum_field(o->data), 2);
	CHECK_MEM(keep[1], o->data, n);

	o = core(len, (uint16_t)~ref_pseudo(keep[0], len), false);
	CHECK(o && !same_sum(tp_rd16(csum_field(o->data)), (uint16_t)~ref_pseudo(o->data, o->len)));
}

/* HOST#40000 -> SERVER6#dport through the core once, for its binding: returns the pool4 port (0 when not
 * translated), and leaves the datagram (*len bytes) at pkt again. */
static uint16_t bind6(uint8_t proto, uint16_t dport, uint32_t *len)
{
	uint16_t p4;

	*len = datagram(HOST, 40000, SERVER6, dport, proto);
	memcpy(keep[0], pkt, *len);
	if (!core(*len, 0x1234, false))
		return 0;
	p4 = tp_rd16(out.pkt[0].data + 20);
	datagram(HOST, 40000, SERVER6, dport, proto);
	return p4;
}

/* TCP and UDP, from the host out, and the server's answer back in. */
TEST(core_both_directions)
{
	static const struct { uint8_t proto; uint16_t port; } flows[] = { { IPPROTO_TCP, 80 }, { IPPROTO_UDP, 53 } };

	for (unsigned i = 0; i < 2; i++) {
		uint16_t p4, port = flows[i].port;
		uint32_t len;

		fixture();
		p4 = bind6(flows[i].proto, port, &len);
		CHECK(p4 && p4 != 40000);
		both_ways(failed, len, SERVER4, p4, port);
		CHECK(!*failed);
		len = datagram(SERVER4, port, POOL4, p4, flows[i].proto);
		both_ways(failed, len, HOST, port, 40000);
		CHECK(!*failed);
	}
}

TEST(core_tcp_4to6_through_static_binding)
{
	struct in6_addr h = tp_a6(HOST);
	const char *why;
	uint32_t len;

	fixture();
	CHECK(nat64_static_add(ctx.db, NAT64_TCP, &h, 8080, tp_a4(POOL4), 2000, &why));
	len = datagram(SERVER4, 50000, POOL4, 2000, IPPROTO_TCP);
	both_ways(failed, len, HOST, 50000, 8080);
}

/* The ICMP error at pkt (len bytes, its checksum right) quoting a TCP packet with a whole checksum. The flag
 * is about the datagram's own checksum: translated with it clear, the quoted packet gets sport/dport and
 * stays right (its ports' change is folded into its checksum); with it set, the very same bytes. */
static void error_both_ways(int *failed, uint32_t len, uint16_t sport, uint16_t dport)
{
	uint16_t icmp_csum = tp_rd16(csum_field(pkt));
	const struct xlat_pkt *o;
	uint32_t n, q;

	memcpy(keep[0], pkt, len);
	o = core(len, icmp_csum, false);
	CHECK(o);
	q = l3_len(o->data) + 8;	/* the quoted packet */
	CHECK_EQ(tp_rd16(o->data + q + l3_len(o->data + q)), sport);
	CHECK_EQ(tp_rd16(o->data + q + l3_len(o->data + q) + 2), dport);
	CHECK(ref_right(o->data + q, o->len - q));
	n = o->len;
	memcpy(keep[1], o->data, n);
	o = core(len, icmp_csum, true);
	CHECK(o && o->len == n);
	CHECK_MEM(keep[1], o->data, n);
}

TEST(core_quoted_packet_ignores_the_flag)
{
	uint32_t len;
	uint16_t p4;

	fixture();
	p4 = bind6(IPPROTO_TCP, 80, &len);
	CHECK(p4);

	/* SERVER4 says host unreachable about POOL4#p4 -> SERVER4#80 (RFC 792). */
	len = 28 + datagram_at(pkt + 28, POOL4, p4, SERVER4, 80, IPPROTO_TCP);
	ref_whole(pkt + 28, len - 28);
	tp_ip4(pkt, SERVER4, POOL4, IPPROTO_ICMP, 64, len - 20);
	memset(pkt + 20, 0, 8);	/* type, code, checksum, unused */
	pkt[20] = 3;
	pkt[21] = 1;
	tp_csum4(pkt, len);
	error_both_ways(failed, len, 40000, 80);
	CHECK(!*failed);

	/* HOST says port unreachable about SERVER6#80 -> HOST#40000 (RFC 4443 §3.1). */
	len = 48 + datagram_at(pkt + 48, SERVER6, 80, HOST, 40000, IPPROTO_TCP);
	ref_whole(pkt + 48, len - 48);
	tp_ip6(pkt, HOST, SERVER6, IPPROTO_ICMPV6, 64, len - 40);
	memset(pkt + 40, 0, 8);
	pkt[40] = 1;
	pkt[41] = 4;
	tp_csum6(pkt, len);
	error_both_ways(failed, len, 80, p4);
}

/* Workers on the same settings (mode nat64, pool6 64:ff9b::/96) with the tables of tables(). */
static struct conf wconf;
static struct worker_shared sh = { .fail_fd = -1 };
static struct worker *wk[2];

static void workers(int *failed, unsigned n)
{
	static bool parsed;
	char err[256];

	if (!parsed)
		CHECK(conf_parse("test", "mode nat64\npool6 64:ff9b::/96\nallow-nonglobal-ipv4 yes\n", &wconf,
				 err, sizeof(err)));
	parsed = true;
	for (unsigned i = 0; i < n; i++) {
		struct nat64_conf nc;
		struct prefix4 p4;
		const char *why;
		struct nat64 *db;

		nat64_conf_defaults(&nc);
		db = nat64_new(&nc, i, n, secret);
		CHECK(db && prefix4_parse(POOL4, &p4, &why));
		CHECK(nat64_pool4_add(db, NAT64_TCP, &p4, 1, 3000, &why));
		CHECK(nat64_pool4_add(db, NAT64_UDP, &p4, 1, 3000, &why));
		wk[i] = worker_new(&wconf, &sh, i, -1, db);
		CHECK(wk[i]);
		wk[i]->nat.xlat.now = worker_now();
	}
	sh.peers = wk;
}

static void workers_free(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		worker_free(wk[i]);
}

/* What leaves the worker: output i of b's datagram, its header built, the kernel's sum finished when it
 * carries NEEDS_CSUM (over the segment, the partial field included). True when a receiver finds it right
 * and it left with offload exactly when `offload`. */
static bool leaves(struct worker *w, const struct worker_buf *b, unsigned i, bool offload)
{
	const struct xlat_pkt *o = &w->out.pkt[i];
	struct virtio_net_hdr h;
	bool in_place;
	uint8_t *l4;

	if (!worker_out_hdr(w, b, i, &h, &in_place) || !(h.flags & NEEDS_CSUM) != !offload)
		return false;
	if (offload) {
		l4 = o->data + h.csum_start;
		tp_wr16(l4 + h.csum_offset, (uint16_t)~ref_sum(l4, o->len - h.csum_start, 0));
	}
	return ref_right(o->data, o->len);
}

/* The datagram at w's first buffer (len bytes) read with offload (NEEDS_CSUM, the kernel's partial sum in
 * its field) or without (a whole checksum), through w. Returns how many datagrams came out. */
static unsigned reads(struct worker *w, uint32_t len, bool offload)
{
	struct worker_buf *b = &w->buf[0];
	uint8_t *p = b->tb.pkt;
	unsigned n;

	memset(&b->vnet, 0, sizeof(b->vnet));
	if (offload) {
		b->vnet.hdr = (struct virtio_net_hdr){ .flags = NEEDS_CSUM, .csum_start = (uint16_t)l3_len(p),
						       .csum_offset = (uint16_t)tp_csum_at(l4_proto(p)) };
		tp_wr16(csum_field(p), ref_pseudo(p, len));
	} else {
		ref_whole(p, len);
	}
	pthread_mutex_lock(&w->lock);
	n = worker_translate(w, b, len);
	pthread_mutex_unlock(&w->lock);
	return n;
}

/* src#sport -> dst#dport (datagram_at()) read by w with or without offload: one datagram out, right. */
static void one(int *failed, struct worker *w, const char *src, uint16_t sport, const char *dst, uint16_t dport,
		uint8_t proto, bool offload)
{
	uint32_t len = datagram_at(w->buf[0].tb.pkt, src, sport, dst, dport, proto);

	CHECK_EQ(reads(w, len, offload), 1);
	CHECK(leaves(w, &w->buf[0], 0, offload));
}

TEST(worker_offload_tcp_6to4)
{
	workers(failed, 1);
	CHECK(!*failed);
	one(failed, wk[0], HOST, 40000, SERVER6, 80, IPPROTO_TCP, true);
	CHECK(!*failed);
	CHECK(tp_rd16(wk[0]->out.pkt[0].data + 20) != 40000);
	workers_free(1);
}

TEST(worker_offload_udp_both_ways)
{
	uint16_t p4;

	workers(failed, 1);
	CHECK(!*failed);
	one(failed, wk[0], HOST, 40000, SERVER6, 53, IPPROTO_UDP, true);
	CHECK(!*failed);
	p4 = tp_rd16(wk[0]->out.pkt[0].data + 20);
	one(failed, wk[0], SERVER4, 53, POOL4, p4, IPPROTO_UDP, true);
	CHECK(!*failed);
	CHECK_EQ(tp_rd16(wk[0]->out.pkt[0].data + 42), 40000);
	workers_free(1);
}

TEST(worker_offload_tcp_4to6_through_static_binding)
{
	struct in6_addr h = tp_a6(HOST);
	const char *why;

	workers(failed, 1);
	CHECK(!*failed);
	CHECK(nat64_static_add(wk[0]->nat.db, NAT64_TCP, &h, 8080, tp_a4(POOL4), 2000, &why));
	one(failed, wk[0], SERVER4, 50000, POOL4, 2000, IPPROTO_TCP, true);
	CHECK(!*failed);
	CHECK_EQ(tp_rd16(wk[0]->out.pkt[0].data + 42), 8080);
	workers_free(1);
}

/* After an offloaded datagram, one without offload: its whole checksum gets the port change. */
TEST(worker_plain_after_offload)
{
	workers(failed, 1);
	CHECK(!*failed);
	one(failed, wk[0], HOST, 40000, SERVER6, 80, IPPROTO_TCP, true);
	CHECK(!*failed);
	one(failed, wk[0], HOST, 40001, SERVER6, 53, IPPROTO_UDP, false);
	CHECK(!*failed);
	workers_free(1);
}

/* After an offloaded datagram, one reassembled from two IPv6 fragments (RFC 8200 §4.5). */
TEST(worker_reassembled_after_offload)
{
	uint8_t *p, whole[64];
	uint32_t len;

	workers(failed, 1);
	CHECK(!*failed);
	one(failed, wk[0], HOST, 40000, SERVER6, 80, IPPROTO_TCP, true);
	CHECK(!*failed);
	p = wk[0]->buf[0].tb.pkt;
	len = datagram_at(whole, HOST, 40001, SERVER6, 53, IPPROTO_UDP);	/* 8 + 4 bytes of UDP */
	ref_whole(whole, len);
	for (int last = 0; last < 2; last++) {
		uint32_t off = last ? 8 : 0, n = last ? len - 48 : 8;

		memcpy(p, whole, 40);
		p[6] = 44;	/* Fragment header */
		tp_wr16(p + 4, 8 + n);
		memset(p + 40, 0, 8);
		p[40] = IPPROTO_UDP;
		tp_wr16(p + 42, off | !last);
		memcpy(p + 44, "frag", 4);
		memcpy(p + 48, whole + 40 + off, n);
		memset(&wk[0]->buf[0].vnet, 0, sizeof(wk[0]->buf[0].vnet));
		pthread_mutex_lock(&wk[0]->lock);
		CHECK_EQ(worker_translate(wk[0], &wk[0]->buf[0], 48 + n), (unsigned)last);
		pthread_mutex_unlock(&wk[0]->lock);
	}
	CHECK(leaves(wk[0], &wk[0]->buf[0], 0, false));
	CHECK_EQ(wk[0]->stats.c[STAT_TRANSLATED64], 2);
	workers_free(1);
}

/* After an offloaded datagram, a UDP super-packet without DF, cut in software (gso_soft.h): 250 payload
 * bytes in segments of 100, each translated and sent without offload. */
TEST(worker_soft_segmented_after_offload)
{
	struct worker_buf *b;
	unsigned segs = 0;
	uint16_t p4;
	uint8_t *p;

	workers(failed, 1);
	CHECK(!*failed);
	one(failed, wk[0], HOST, 40000, SERVER6, 53, IPPROTO_UDP, true);
	CHECK(!*failed);
	p4 = tp_rd16(wk[0]->out.pkt[0].data + 20);
	one(failed, wk[0], HOST, 40000, SERVER6, 80, IPPROTO_TCP, true);	/* the flag set last */
	CHECK(!*failed);
	b = &wk[0]->buf[0];
	p = b->tb.pkt;
	tp_ip4(p, SERVER4, POOL4, IPPROTO_UDP, 64, 8 + 250);
	tp_wr16(p + 20, 53);
	tp_wr16(p + 22, p4);
	tp_wr16(p + 24, 8 + 250);
	for (unsigned i = 0; i < 250; i++)
		p[28 + i] = (uint8_t)(i * 7 + 3);
	tp_wr16(p + 26, ref_pseudo(p, 278));
	b->vnet = (struct vnet_rx){ .hdr = { .flags = NEEDS_CSUM, .gso_type = VIRTIO_NET_HDR_GSO_UDP_L4,
					     .hdr_len = 28, .gso_size = 100, .csum_start = 20, .csum_offset = 6 } };
	pthread_mutex_lock(&wk[0]->lock);
	for (unsigned n = worker_translate(wk[0], b, 278); n; n = worker_soft_next(wk[0])) {
		CHECK_EQ(n, 1);
		CHECK(leaves(wk[0], &wk[0]->seg, 0, false));
		CHECK_EQ(tp_rd16(wk[0]->out.pkt[0].data + 42), 40000);
		segs++;
	}
	pthread_mutex_unlock(&wk[0]->lock);
	CHECK_EQ(segs, 3);
	CHECK_EQ(wk[0]->stats.c[STAT_GSO_SOFT_SEGMENTED], 1);
	workers_free(1);
}

/* Datagrams handed to the tables of another worker (worker_nat64.c's foreign(), which copies the context):
 * with offload, and then without. */
TEST(worker_foreign_with_and_without_offload)
{
	uint8_t *p;
	char host[64] = "";

	workers(failed, 2);
	CHECK(!*failed);
	p = wk[0]->buf[0].tb.pkt;
	for (unsigned i = 1; i < 100 && !*host; i++) {
		snprintf(host, sizeof(host), "2001:db8::%u", i);
		if (nat64_owner(wk[0]->nat.db, p, datagram_at(p, host, 40000, SERVER6, 80, IPPROTO_TCP)) != 1 ||
		    nat64_owner(wk[0]->nat.db, p, datagram_at(p, host, 40001, SERVER6, 53, IPPROTO_UDP)) != 1)
			*host = 0;
	}
	CHECK(*host);
	one(failed, wk[0], host, 40000, SERVER6, 80, IPPROTO_TCP, true);
	CHECK(!*failed);
	one(failed, wk[0], host, 40001, SERVER6, 53, IPPROTO_UDP, false);
	CHECK(!*failed);
	CHECK_EQ(wk[0]->stats.c[STAT_NAT64_FOREIGN], 2);
	workers_free(2);
}
