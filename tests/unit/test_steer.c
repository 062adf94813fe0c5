/*
 * NAT64 with several workers: nat64_steer() against a table of expected queues (the hashed rows computed
 * apart, with a few lines of Python from the definition in nat64.h), the same table through the real eBPF
 * program on a real multi-queue TUN (root only: a network namespace of its own), nat64_owner(), and a
 * worker handling a packet on the tables of the worker that owns it (worker_nat64.c).
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csum.h"
#include "harness.h"
#include "nat64_internal.h"
#include "tun_steer.h"
#include "worker.h"

#define ROW_MAX 160

struct row {
	const char *name;
	uint8_t pkt[ROW_MAX];
	uint32_t len;
	unsigned want2, want3;	/* queue of 2, of 3 */
};

static void put(uint8_t *p, const char *addr)
{
	inet_pton(strchr(addr, ':') ? AF_INET6 : AF_INET, addr, p);
}

static void wr16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An IPv4 header of ihl 32-bit words (options zero) for a datagram of len bytes; frag: flags and offset. */
static uint8_t *ip4(uint8_t *p, unsigned ihl, uint8_t proto, const char *src, const char *dst, uint32_t len,
		    unsigned id, unsigned frag)
{
	memset(p, 0, ihl * 4);
	p[0] = (uint8_t)(0x40 | ihl);
	wr16(p + 2, len);
	wr16(p + 4, id);
	wr16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	put(p + 12, src);
	put(p + 16, dst);
	return p + ihl * 4;
}

static uint8_t *ip6(uint8_t *p, uint8_t nh, const char *src, const char *dst, uint32_t plen)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	wr16(p + 4, plen);
	p[6] = nh;
	p[7] = 64;
	put(p + 8, src);
	put(p + 24, dst);
	return p + 40;
}

/* 8 bytes of UDP (or the first 8 of TCP), or an ICMP/ICMPv6 header with an identifier. */
static void ports(uint8_t *l, unsigned sport, unsigned dport)
{
	memset(l, 0, 8);
	wr16(l, sport);
	wr16(l + 2, dport);
}

static void icmp(uint8_t *l, uint8_t type, unsigned id)
{
	memset(l, 0, 8);
	l[0] = type;
	wr16(l + 4, id);
}

static unsigned table(struct row *r)
{
	unsigned n = 0;
	uint8_t *l, *q;

#define ROW(nm, w2, w3) (r[n] = (struct row){ .name = (nm), .want2 = (w2), .want3 = (w3) }, r[n].pkt)
#define END(length) (r[n++].len = (length))
	/* IPv4 by the pool4 port or identifier, modulo n */
	l = ip4(ROW("udp4 to port 40001", 1, 2), 5, IPPROTO_UDP, "192.0.2.5", "192.0.2.2", 28, 1, 0x4000);
	ports(l, 53, 40001);
	END(28);
	l = ip4(ROW("tcp4 to port 8080", 0, 1), 5, IPPROTO_TCP, "192.0.2.5", "192.0.2.2", 40, 2, 0x4000);
	ports(l, 443, 8080);
	END(40);
	l = ip4(ROW("udp4 with options, port 1001", 1, 2), 6, IPPROTO_UDP, "192.0.2.5", "192.0.2.2", 32, 3, 0);
	ports(l, 53, 1001);
	END(32);
	l = ip4(ROW("echo reply id 4243", 1, 1), 5, IPPROTO_ICMP, "192.0.2.5", "192.0.2.2", 28, 4, 0);
	icmp(l, 0, 4243);
	END(28);
	l = ip4(ROW("echo request id 100", 0, 1), 5, IPPROTO_ICMP, "192.0.2.5", "192.0.2.2", 28, 5, 0);
	icmp(l, 8, 100);
	END(28);
	/* ICMP errors: the source port / identifier of the packet they quote */
	l = ip4(ROW("port unreachable about udp from 40004", 0, 2), 5, IPPROTO_ICMP, "192.0.2.5", "192.0.2.2", 56,
		6, 0);
	icmp(l, 3, 0);
	q = ip4(l + 8, 5, IPPROTO_UDP, "192.0.2.2", "192.0.2.5", 28, 7, 0);
	ports(q, 40004, 53);
	END(56);
	l = ip4(ROW("time exceeded about echo id 7", 1, 1), 5, IPPROTO_ICMP, "192.0.2.9", "192.0.2.2", 56, 8, 0);
	icmp(l, 11, 0);
	q = ip4(l + 8, 5, IPPROTO_ICMP, "192.0.2.2", "192.0.2.5", 28, 9, 0);
	icmp(q, 8, 7);
	END(56);
	/* IPv4 fragments, first one included: source, destination and Identification */
	l = ip4(ROW("first fragment", 1, 1), 5, IPPROTO_UDP, "198.51.100.2", "100.64.0.1", 124, 0x1234, 0x2000);
	ports(l, 7777, 40001);
	END(124);
	ip4(ROW("last fragment", 1, 1), 5, IPPROTO_UDP, "198.51.100.2", "100.64.0.1", 100, 0x1234, 13);
	END(100);
	ip4(ROW("fragment of another datagram", 0, 0), 5, IPPROTO_UDP, "198.51.100.2", "100.64.0.1", 100, 0x1235,
	    0x2000 | 13);
	END(100);
	/* IPv6 by the source transport address, ICMPv6 errors by the destination transport address of the
	 * packet they quote, fragments by source and Identification */
	l = ip6(ROW("udp6 from 2001:db8:1::2", 0, 0), IPPROTO_UDP, "2001:db8:1::2", "64:ff9b::c633:6402", 8);
	ports(l, 5000, 53);
	END(48);
	l = ip6(ROW("echo6 from 2001:db8:2::7", 0, 2), IPPROTO_ICMPV6, "2001:db8:2::7", "64:ff9b::c633:6402", 8);
	icmp(l, 128, 1);
	END(48);
	l = ip6(ROW("icmp6 error about a packet to 2001:db8:1::3", 0, 1), IPPROTO_ICMPV6, "2001:db8:ff::1",
		"2001:db8:1::3", 56);
	icmp(l, 1, 0);
	q = ip6(l + 8, IPPROTO_UDP, "64:ff9b::c633:6402", "2001:db8:1::3", 8);
	ports(q, 53, 5000);
	END(96);
	l = ip6(ROW("icmp6 error too short to quote: its source", 0, 1), IPPROTO_ICMPV6, "2001:db8:ff::1",
		"2001:db8:1::3", 47);
	icmp(l, 1, 0);
	END(87);
	l = ip6(ROW("long echo6 from 2001:db8:3::9", 1, 0), IPPROTO_ICMPV6, "2001:db8:3::9", "2001:db8:1::4", 56);
	icmp(l, 128, 9);
	memset(l + 8, 0x60, 48);
	END(96);
	l = ip6(ROW("ipv6 first fragment", 0, 2), IPPROTO_FRAGMENT, "2001:db8:1::2", "64:ff9b::c633:6402", 24);
	l[0] = IPPROTO_UDP;
	wr16(l + 2, 1);
	l[4] = 0xab, l[5] = 0xcd, l[6] = 0xef, l[7] = 0x01;
	ports(l + 8, 5000, 53);
	END(64);
	l = ip6(ROW("ipv6 last fragment", 0, 2), IPPROTO_FRAGMENT, "2001:db8:1::2", "64:ff9b::c633:6402", 24);
	l[0] = IPPROTO_UDP;
	wr16(l + 2, 16 << 3);
	l[4] = 0xab, l[5] = 0xcd, l[6] = 0xef, l[7] = 0x01;
	END(64);
	l = ip6(ROW("tcp6 from 2001:db8:1::5#40000", 0, 1), IPPROTO_TCP, "2001:db8:1::5", "64:ff9b::c633:6402", 20);
	ports(l, 40000, 80);
	END(60);
	l = ip6(ROW("udp6 behind a hop-by-hop header: the host", 1, 1), IPPROTO_HOPOPTS, "2001:db8:1::5",
		"64:ff9b::c633:6402", 16);
	memset(l, 0, 8);
	l[0] = IPPROTO_UDP;
	ports(l + 8, 40000, 53);
	END(56);
	/* nothing to steer by: 0 */
	l = ip4(ROW("ihl 4", 0, 0), 5, IPPROTO_UDP, "192.0.2.5", "192.0.2.2", 28, 1, 0);
	r[n].pkt[0] = 0x44;
	ports(l, 53, 40001);
	END(28);
	l = ip4(ROW("ihl beyond the packet", 0, 0), 5, IPPROTO_UDP, "192.0.2.5", "192.0.2.2", 24, 1, 0);
	r[n].pkt[0] = 0x47;
	END(24);
	l = ip4(ROW("udp4 cut in its ports", 0, 0), 5, IPPROTO_UDP, "192.0.2.5", "192.0.2.2", 23, 1, 0);
	ports(l, 53, 40001);
	END(23);
	l = ip4(ROW("echo4 shorter than 8", 0, 0), 5, IPPROTO_ICMP, "192.0.2.5", "192.0.2.2", 26, 1, 0);
	icmp(l, 0, 4243);
	END(26);
	l = ip4(ROW("icmp4 error quoting a bare header", 0, 0), 5, IPPROTO_ICMP, "192.0.2.5", "192.0.2.2", 48, 1, 0);
	icmp(l, 3, 0);
	ip4(l + 8, 5, IPPROTO_UDP, "192.0.2.2", "192.0.2.5", 28, 7, 0);
	END(48);
	l = ip4(ROW("icmp4 error quoting gre", 0, 0), 5, IPPROTO_ICMP, "192.0.2.5", "192.0.2.2", 56, 1, 0);
	icmp(l, 3, 0);
	q = ip4(l + 8, 5, 47, "192.0.2.2", "192.0.2.5", 28, 7, 0);
	ports(q, 40001, 53);
	END(56);
	l = ip4(ROW("gre4", 0, 0), 5, 47, "192.0.2.5", "192.0.2.2", 28, 1, 0);
	ports(l, 40001, 40001);
	END(28);
	ip4(ROW("ipv4 of 19 bytes", 0, 0), 5, IPPROTO_UDP, "192.0.2.5", "192.0.2.2", 19, 1, 0);
	END(19);
	ip6(ROW("ipv6 of 39 bytes", 0, 0), IPPROTO_UDP, "2001:db8:1::2", "64:ff9b::c633:6402", 0);
	END(39);
	l = ip4(ROW("version 5", 0, 0), 5, IPPROTO_UDP, "192.0.2.5", "192.0.2.2", 28, 1, 0);
	r[n].pkt[0] = 0x55;
	ports(l, 53, 40001);
	END(28);
#undef ROW
#undef END
	return n;
}

TEST(steer_table)
{
	static struct row r[40];
	unsigned n = table(r);

	for (unsigned i = 0; i < n; i++) {
		harness_current = r[i].name;
		CHECK_EQ(nat64_steer(r[i].pkt, r[i].len, 1), 0);
		CHECK_EQ(nat64_steer(r[i].pkt, r[i].len, 2), r[i].want2);
		CHECK_EQ(nat64_steer(r[i].pkt, r[i].len, 3), r[i].want3);
	}
	harness_current = "steer_table";
	CHECK_EQ(nat64_steer(r[0].pkt, 0, 3), 0);
}

/* Bring the TUN up (AF_PACKET sends only through a running device). */
static bool link_up(const char *name)
{
	struct ifreq ifr = { .ifr_flags = 0 };
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	bool ok;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ok = s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
	ifr.ifr_flags |= IFF_UP;
	ok = ok && ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
	if (s >= 0)
		close(s);
	return ok;
}

/* The queue that receives r's packet when it is sent into t, or -1. Other traffic is skipped. */
static int queue_of(const struct tun *t, int ps, const struct row *r)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = t->ifindex };
	uint8_t got[10 + ROW_MAX + 64];

	to.sll_protocol = htons(r->pkt[0] >> 4 == 6 ? ETH_P_IPV6 : ETH_P_IP);
	if (sendto(ps, r->pkt, r->len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)r->len)
		return -1;
	for (;;) {
		struct pollfd p[TUN_QUEUES_MAX];

		for (unsigned i = 0; i < t->n; i++)
			p[i] = (struct pollfd){ .fd = t->fd[i], .events = POLLIN };
		if (poll(p, t->n, 1000) <= 0)
			return -1;
		for (unsigned i = 0; i < t->n; i++) {
			ssize_t k;

			if (!(p[i].revents & POLLIN))
				continue;
			k = read(t->fd[i], got, sizeof(got));
			if (k == 10 + (ssize_t)r->len && !memcmp(got + 10, r->pkt, r->len))
				return (int)i;
		}
	}
}

/* In a child with a network namespace of its own: 0, or the row that went to the wrong queue + 1. */
static int ebpf_child(struct row *r, unsigned n)
{
	char err[256];
	int ps;

	if (unshare(CLONE_NEWNET) < 0) {
		perror("# unshare");
		return 200;
	}
	for (unsigned queues = 2; queues <= 3; queues++) {
		struct tun t;

		if (!tun_open(&t, "x64steer0", queues, false, err, sizeof(err)) || !link_up(t.name)) {
			printf("# %s\n", err);
			return 201;
		}
		if (!tun_steer_nat64(&t, err, sizeof(err))) {
			printf("# %s\n", err);
			return 202;
		}
		ps = socket(AF_PACKET, SOCK_DGRAM, 0);
		if (ps < 0)
			return 203;
		for (unsigned i = 0; i < n; i++) {
			int q = queue_of(&t, ps, &r[i]);

			if (q != (int)(queues == 2 ? r[i].want2 : r[i].want3)) {
				printf("# %u queues: %s: queue %d\n", queues, r[i].name, q);
				return (int)i + 1;
			}
		}
		close(ps);
		tun_close(&t);
	}
	return 0;
}

/* The kernel runs the program on every packet sent into the device: same queues as the table. */
TEST(steer_ebpf_on_tun)
{
	static struct row r[40];
	unsigned n = table(r);
	int status;
	pid_t pid;

	if (geteuid() != 0)
		return;	/* network namespaces and bpf() need root */
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int rc = ebpf_child(r, n);

		fflush(stdout);
		_exit(rc);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
}

static void pool(struct nat64 *db, int *failed)
{
	struct prefix4 p4;
	struct in6_addr h;
	struct in_addr a;
	const char *why;

	prefix4_parse("192.0.2.2", &p4, &why);
	for (int p = 0; p < NAT64_NPROTO; p++)
		CHECK(nat64_pool4_add(db, p, &p4, 1024, 65535, &why));
	inet_pton(AF_INET6, "2001:db8:1::2", &h);
	inet_pton(AF_INET, "192.0.2.2", &a);
	CHECK(nat64_static_add(db, NAT64_UDP, &h, 8080, a, 8080, &why));
}

/* The contexts of n workers on conf c (mode nat64, pool6 64:ff9b::/96), pool() in each one's tables, the
 * stats and scratch area shared. */
static void contexts(struct nat64_ctx *ctx, unsigned n, struct conf *c, struct stats *st, uint8_t *scratch,
		     int *failed)
{
	static const uint8_t secret[16] = "steer test";
	char err[256];

	CHECK(conf_parse("test", "mode nat64\npool6 64:ff9b::/96\nallow-nonglobal-ipv4 yes\n", c, err,
			 sizeof(err)));
	for (unsigned i = 0; i < n; i++) {
		ctx[i] = (struct nat64_ctx){ .xlat = { .conf = &c->xlat, .stats = st, .rng = 1, .scratch = scratch,
						       .now = 1000 },
					     .db = nat64_new(&c->nat64, i, n, secret) };
		CHECK(ctx[i].db);
		pool(ctx[i].db, failed);
		CHECK(!*failed);
	}
}

/* A static binding belongs to its IPv6 host's worker (2001:db8:1::2: 1 of 2), whatever its port. */
TEST(steer_owner_static)
{
	static const uint8_t secret[16] = "owner test";
	struct nat64_conf nc;
	struct nat64 *db;
	uint8_t p[64], *l;

	nat64_conf_defaults(&nc);
	db = nat64_new(&nc, 0, 2, secret);
	CHECK(db);
	pool(db, failed);
	CHECK(!*failed);
	l = ip4(p, 5, IPPROTO_UDP, "192.0.2.5", "192.0.2.2", 28, 1, 0);
	ports(l, 53, 8080);
	CHECK_EQ(nat64_steer(p, 28, 2), 0);
	CHECK_EQ(nat64_owner(db, p, 28), 1);
	ports(l, 53, 8082);	/* a dynamic port: its own worker */
	CHECK_EQ(nat64_owner(db, p, 28), 0);
	l = ip4(p, 5, IPPROTO_TCP, "192.0.2.5", "192.0.2.2", 28, 1, 0);
	ports(l, 53, 8080);	/* TCP 8080 is not bound */
	CHECK_EQ(nat64_owner(db, p, 28), 0);
	l = ip6(p, IPPROTO_UDP, "2001:db8:1::2", "64:ff9b::c633:6402", 8);
	ports(l, 8080, 53);
	CHECK_EQ(nat64_owner(db, p, 48), 1);
	nat64_free(db);
}

/* A reassembled IPv6 datagram keeps an atomic Fragment Header (defrag.h): its owner is still that of its
 * transport addresses, as for the same datagram unfragmented. */
TEST(steer_owner_past_extension_headers)
{
	static const uint8_t secret[16] = "owner test";
	struct nat64_conf nc;
	struct nat64 *db;
	uint8_t p[96], *l;

	unsigned host;

	nat64_conf_defaults(&nc);
	db = nat64_new(&nc, 0, 3, secret);
	CHECK(db);
	ip6(p, 59, "2001:db8:1::2", "64:ff9b::c633:6402", 0);	/* No Next Header: only the host */
	host = nat64_steer(p, 40, 3);
	for (unsigned sport = 5000; sport < 5030; sport++) {
		unsigned plain;

		l = ip6(p, IPPROTO_UDP, "2001:db8:1::2", "64:ff9b::c633:6402", 8);
		ports(l, sport, 53);
		plain = nat64_steer(p, 48, 3);
		CHECK_EQ(nat64_owner(db, p, 48), plain);
		/* RFC 8200 §4.1's order: Destination Options, then the Fragment Header (an extension header
		 * after it is one the tuple code refuses, as Jool does). */
		l = ip6(p, IPPROTO_DSTOPTS, "2001:db8:1::2", "64:ff9b::c633:6402", 24);
		memset(l, 0, 8);
		l[0] = IPPROTO_FRAGMENT;
		memset(l + 8, 0, 8);
		l[8] = IPPROTO_UDP;
		l[15] = (uint8_t)sport;
		ports(l + 16, sport, 53);
		CHECK_EQ(nat64_owner(db, p, 64), plain);
		CHECK_EQ(nat64_owner(db, p, 57), host);	/* cut in its source port */
	}
	nat64_free(db);
}

/* UDP 2001:db8:1::2#sport -> 64:ff9b::198.51.100.2#53, 4 bytes of data, behind a chain of `next`
 * Destination Options headers (0: none), at p; returns its length. */
static uint32_t udp6_dstopts(uint8_t *p, unsigned next, unsigned sport)
{
	uint8_t *l = ip6(p, next ? IPPROTO_DSTOPTS : IPPROTO_UDP, "2001:db8:1::2", "64:ff9b::c633:6402",
			 next * 8 + 12);

	for (unsigned i = 0; i < next; i++, l += 8) {
		memset(l, 0, 8);	/* six Pad1 options */
		l[0] = i + 1 < next ? IPPROTO_DSTOPTS : IPPROTO_UDP;
	}
	ports(l, sport, 53);
	wr16(l + 4, 12);
	wr16(l + 6, 0x1234);	/* not verified, only adjusted; zero would mean "none" */
	return IP6_HDR_LEN + next * 8 + 12;
}

/* However long the chain of extension headers, the owner of an IPv6 packet is the worker of its source
 * transport address, the one tuple6() finds its binding by: the tables of that worker take the packet and
 * hold its binding afterwards, with a pool4 port of that worker's (so the replies come back to it). */
TEST(steer_owner_long_extension_chain)
{
	static uint8_t buf[XLAT_HEADROOM + 256 + XLAT_TAILROOM], scratch[XLAT_SCRATCH_SIZE];
	static struct conf c;
	struct nat64_ctx ctx[3];
	struct stats st = { .c = { 0 } };
	struct xlat_out out;
	uint8_t *p = buf + XLAT_HEADROOM;
	struct in6_addr h;
	unsigned nhost = 0;

	contexts(ctx, 3, &c, &st, scratch, failed);
	CHECK(!*failed);
	inet_pton(AF_INET6, "2001:db8:1::2", &h);
	for (unsigned sport = 5000; sport < 5030; sport++) {
		unsigned plain = nat64_steer(p, udp6_dstopts(p, 0, sport), 3), host, owner;
		uint32_t len, b;

		for (unsigned next = 1; next <= 12; next++)
			CHECK_EQ(nat64_owner(ctx[0].db, p, udp6_dstopts(p, next, sport)), plain);
		/* The eBPF program steers it by the host alone, as a walk that gave up would. */
		host = nat64_steer(p, udp6_dstopts(p, 9, sport), 3);
		nhost += host != plain;
		len = udp6_dstopts(p, 9, sport);
		owner = nat64_owner(ctx[0].db, p, len);
		CHECK_EQ(nat64_packet(&ctx[owner], p, len, &out), XLAT_EMIT);
		CHECK(out.n == 1 && out.pkt[0].data[0] >> 4 == 4);
		b = nat64_bib_find6(ctx[owner].db, NAT64_UDP, &h, (uint16_t)sport);
		CHECK(b != NAT64_NIL);
		CHECK_EQ(nat64_bib(ctx[owner].db, b)->p4 % 3, owner);
		CHECK_EQ(xlat_rd16(out.pkt[0].data + 20), nat64_bib(ctx[owner].db, b)->p4);
	}
	CHECK(nhost > 0);	/* so some of these flows tell the two apart */
	CHECK_EQ(st.c[STAT_TRANSLATED64], 30);
	for (unsigned i = 0; i < 3; i++)
		nat64_free(ctx[i].db);
}

/* For an IPv4 packet without a static binding (ICMP errors and queries, fragments, malformed ones), the
 * owner is what the kernel steers it to: the table's queues, static bindings on other ports or protocols
 * notwithstanding. */
TEST(steer_owner_ipv4_table)
{
	static const uint8_t secret[16] = "owner test";
	static struct row r[40];
	unsigned n = table(r);
	struct nat64_conf nc;

	nat64_conf_defaults(&nc);
	for (unsigned workers = 2; workers <= 3; workers++) {
		struct nat64 *db = nat64_new(&nc, 0, workers, secret);

		CHECK(db);
		pool(db, failed);
		CHECK(!*failed);
		for (unsigned i = 0; i < n; i++) {
			if (r[i].pkt[0] >> 4 == 6)
				continue;
			harness_current = r[i].name;
			CHECK_EQ(nat64_owner(db, r[i].pkt, r[i].len), workers == 2 ? r[i].want2 : r[i].want3);
		}
		harness_current = "steer_owner_ipv4_table";
		nat64_free(db);
	}
}

/* An ICMPv6 error quoting a packet that carries a Fragment Header (what the 4->6 translation of an IPv4
 * datagram without DF looks like) belongs to the worker of the flow the quoted packet was sent to. */
TEST(steer_owner_icmp6_error_quoting_fragment_header)
{
	static const uint8_t secret[16] = "owner test";
	struct nat64_conf nc;
	struct nat64 *db;
	uint8_t p[128], *l, *q;

	nat64_conf_defaults(&nc);
	db = nat64_new(&nc, 0, 3, secret);
	CHECK(db);
	for (unsigned sport = 5000; sport < 5030; sport++) {
		unsigned plain;

		l = ip6(p, IPPROTO_UDP, "2001:db8:1::2", "64:ff9b::c633:6402", 8);
		ports(l, sport, 53);
		plain = nat64_steer(p, 48, 3);
		/* Destination Unreachable from the router in front of the client, quoting the reply. */
		l = ip6(p, IPPROTO_ICMPV6, "2001:db8:1::1", "64:ff9b::c633:6402", 8 + 40 + 8 + 8);
		memset(l, 0, 8);
		l[0] = 1;
		q = ip6(l + 8, IPPROTO_FRAGMENT, "64:ff9b::c633:6402", "2001:db8:1::2", 16);
		memset(q, 0, 8);
		q[0] = IPPROTO_UDP;
		ports(q + 8, 53, sport);
		CHECK_EQ(nat64_owner(db, p, 104), plain);
	}
	nat64_free(db);
}

/* UDP 198.51.100.2#53 -> 192.0.2.2#port, 4 bytes of data: 32 bytes at p. */
static void udp4_to(uint8_t *p, unsigned port)
{
	uint8_t *l = ip4(p, 5, IPPROTO_UDP, "198.51.100.2", "192.0.2.2", 32, 9, 0);

	ports(l, 53, port);
	wr16(l + 4, 12);
	wr16(l + 6, 0x1234);	/* not verified, only adjusted; zero would mean "none" */
	wr16(p + 10, csum_ipv4_header(p, 20));
}

/* A worker that reads another's packet handles it on the owner's tables, under the owner's lock only. */
TEST(steer_foreign_worker)
{
	static struct conf c;
	static const uint8_t secret[16] = "foreign test";
	struct worker_shared sh = { .fail_fd = -1 };
	struct worker *w[2];
	struct in6_addr h1, h0;
	uint8_t *p, *l;
	char err[256];
	uint16_t port;
	uint32_t b;

	CHECK(conf_parse("test", "mode nat64\npool6 64:ff9b::/96\nallow-nonglobal-ipv4 yes\n", &c, err,
			 sizeof(err)));
	for (unsigned i = 0; i < 2; i++) {
		struct nat64 *db = nat64_new(&c.nat64, i, 2, secret);

		CHECK(db);
		pool(db, failed);
		CHECK(!*failed);
		w[i] = worker_new(&c, &sh, i, -1, db);
		CHECK(w[i]);
		w[i]->nat.xlat.now = worker_now();
	}
	sh.peers = w;
	inet_pton(AF_INET6, "2001:db8:1::2", &h1);	/* worker 1's host */
	inet_pton(AF_INET6, "2001:db8:2::7", &h0);	/* worker 0's host */
	p = w[0]->buf[0].tb.pkt;

	/* Worker 0 reads worker 1's host: the binding goes into worker 1's tables, with one of its ports. */
	l = ip6(p, IPPROTO_UDP, "2001:db8:1::2", "64:ff9b::c633:6402", 12);
	ports(l, 5001, 53);
	wr16(l + 4, 12);
	wr16(l + 6, 0x1234);
	pthread_mutex_lock(&w[0]->lock);
	CHECK_EQ(worker_nat64(w[0], &w[0]->buf[0], 52), 1);
	CHECK(pthread_mutex_trylock(&w[1]->lock) == 0);	/* let go of */
	pthread_mutex_unlock(&w[1]->lock);
	pthread_mutex_unlock(&w[0]->lock);		/* held again */
	CHECK_EQ(w[0]->stats.c[STAT_NAT64_FOREIGN], 1);
	CHECK_EQ(w[0]->stats.c[STAT_TRANSLATED64], 1);
	CHECK(nat64_bib_find6(w[0]->nat.db, NAT64_UDP, &h1, 5001) == NAT64_NIL);
	b = nat64_bib_find6(w[1]->nat.db, NAT64_UDP, &h1, 5001);
	CHECK(b != NAT64_NIL);
	port = nat64_bib(w[1]->nat.db, b)->p4;
	CHECK_EQ(port % 2, 1);
	CHECK_EQ(xlat_rd16(w[0]->out.pkt[0].data + 20), port);

	/* Its own host stays at home. */
	l = ip6(p, IPPROTO_UDP, "2001:db8:2::7", "64:ff9b::c633:6402", 12);
	ports(l, 5000, 53);
	wr16(l + 4, 12);
	wr16(l + 6, 0x1234);
	pthread_mutex_lock(&w[0]->lock);
	CHECK_EQ(worker_nat64(w[0], &w[0]->buf[0], 52), 1);
	pthread_mutex_unlock(&w[0]->lock);
	CHECK_EQ(w[0]->stats.c[STAT_NAT64_FOREIGN], 1);
	CHECK(nat64_bib_find6(w[0]->nat.db, NAT64_UDP, &h0, 5000) != NAT64_NIL);

	/* The reply to worker 1's binding, read by worker 0, finds the session there. */
	udp4_to(p, port);
	pthread_mutex_lock(&w[0]->lock);
	CHECK_EQ(worker_nat64(w[0], &w[0]->buf[0], 32), 1);
	pthread_mutex_unlock(&w[0]->lock);
	CHECK_EQ(w[0]->stats.c[STAT_NAT64_FOREIGN], 2);
	CHECK(w[0]->out.pkt[0].data[0] >> 4 == 6 && !memcmp(w[0]->out.pkt[0].data + 24, &h1, 16));

	/* The IPv4 side of the static binding on port 8080 (steered to worker 0) is worker 1's business. */
	udp4_to(p, 8080);
	pthread_mutex_lock(&w[0]->lock);
	CHECK_EQ(worker_nat64(w[0], &w[0]->buf[0], 32), 1);
	pthread_mutex_unlock(&w[0]->lock);
	CHECK_EQ(w[0]->stats.c[STAT_NAT64_FOREIGN], 3);
	CHECK(!memcmp(w[0]->out.pkt[0].data + 24, &h1, 16));
	CHECK_EQ(w[0]->nat.db->nsess[NAT64_UDP], 1);	/* 2001:db8:2::7's only */
	CHECK_EQ(w[1]->nat.db->nsess[NAT64_UDP], 2);
	for (unsigned i = 0; i < 2; i++)
		worker_free(w[i]);
}

/* UDP host#sport -> 64:ff9b::192.0.2.2#dport (hairpin) or 64:ff9b::198.51.100.2#dport: 52 bytes at p. */
static void udp6(uint8_t *p, const char *host, unsigned sport, const char *dst, unsigned dport)
{
	uint8_t *l = ip6(p, IPPROTO_UDP, host, dst, 12);

	ports(l, sport, dport);
	wr16(l + 4, 12);
	wr16(l + 6, 0x1234);
}

/* Hairpinning between two workers' hosts (RFC 6146 §3.8): the IPv4 half belongs to the worker of the port
 * it is for, so the first worker emits it as IPv4 (for the kernel to route back into the TUN) and the
 * owner of the port translates it to the other host. */
TEST(steer_hairpin_across_workers)
{
	static uint8_t buf[2][XLAT_HEADROOM + 256 + XLAT_TAILROOM], scratch[XLAT_SCRATCH_SIZE];
	static struct conf c;
	struct nat64_ctx ctx[2];
	struct stats st = { .c = { 0 } };
	struct xlat_out out;
	uint8_t *p = buf[0] + XLAT_HEADROOM, *q = buf[1] + XLAT_HEADROOM;
	struct in6_addr hb;
	unsigned sa = 5000, sb = 6000;
	uint16_t pb;
	uint32_t b;

	contexts(ctx, 2, &c, &st, scratch, failed);
	CHECK(!*failed);
	/* Host B's flow on worker 1, host A's on worker 0 (whatever the hash makes of their ports). */
	do
		udp6(p, "2001:db8:1::2", ++sb, "64:ff9b::198.51.100.2", 53);
	while (nat64_owner(ctx[0].db, p, 52) != 1);
	CHECK_EQ(nat64_packet(&ctx[1], p, 52, &out), XLAT_EMIT);
	inet_pton(AF_INET6, "2001:db8:1::2", &hb);
	b = nat64_bib_find6(ctx[1].db, NAT64_UDP, &hb, (uint16_t)sb);
	CHECK(b != NAT64_NIL);
	pb = nat64_bib(ctx[1].db, b)->p4;
	do
		udp6(q, "2001:db8:2::7", ++sa, "64:ff9b::192.0.2.2", pb);
	while (nat64_owner(ctx[0].db, q, 52) != 0);
	/* Worker 0: not its port, so the IPv4 translation leaves as it is. */
	CHECK_EQ(nat64_packet(&ctx[0], q, 52, &out), XLAT_EMIT);
	CHECK(out.n == 1 && out.pkt[0].data[0] >> 4 == 4);
	CHECK_EQ(xlat_rd16(out.pkt[0].data + 22), pb);
	CHECK_EQ(nat64_owner(ctx[0].db, out.pkt[0].data, out.pkt[0].len), 1);
	CHECK_EQ(st.c[STAT_HAIRPIN], 0);
	/* Worker 1 takes it to host B. */
	memmove(p, out.pkt[0].data, out.pkt[0].len);
	CHECK_EQ(nat64_packet(&ctx[1], p, out.pkt[0].len, &out), XLAT_EMIT);
	CHECK(out.n == 1 && out.pkt[0].data[0] >> 4 == 6 && !memcmp(out.pkt[0].data + 24, &hb, 16));
	CHECK_EQ(xlat_rd16(out.pkt[0].data + 42), sb);
	for (unsigned i = 0; i < 2; i++)
		nat64_free(ctx[i].db);
}
