/*
 * Which worker's tables a packet belongs to (nat64.h): nat64_steer(), the part the kernel repeats as an
 * eBPF program when it picks a TUN queue (tun_steer.c, built from the same rules in the same order), and
 * nat64_owner(), which adds what the program cannot do: the whole chain of IPv6 extension headers, and
 * static bindings. The two are held to different standards. The program only has to be right in the
 * common case, since a packet that reaches another worker is handed to its owner's tables (NAT64_FOREIGN,
 * worker_nat64.c). nat64_owner() decides whose tables that is, so it must be exact: for every packet the
 * RFC 6146 §3.4 tuple code (nat64_tuple_in.c) accepts, the worker that holds the binding it looks up. That
 * is why it walks headers with the tuple code's own walker, xlat64_parse(), not with one of its own.
 */
#include <string.h>

#include "nat64_internal.h"
#include "xlat64.h"

static uint32_t hash_word(uint32_t h, uint32_t w)
{
	return (h ^ w) * NAT64_STEER_PRIME;
}

/* murmur3's fmix32: FNV's low bits follow the words' low bits closely, and addresses of one LAN differ
 * only there; the modulo below takes low bits. */
static unsigned hash_finish(uint32_t h, unsigned n)
{
	h ^= h >> 16;
	h *= NAT64_STEER_MIX1;
	h ^= h >> 13;
	h *= NAT64_STEER_MIX2;
	h ^= h >> 16;
	return h % n;
}

static uint32_t hash_host(const uint8_t host[16])
{
	uint32_t h = NAT64_STEER_BASIS;

	for (int i = 0; i < 16; i += 4)
		h = hash_word(h, xlat_rd32(host + i));
	return h;
}

/* The worker of the IPv6 transport address host#port (port -1: none). */
static unsigned flow_worker(const uint8_t host[16], int port, unsigned n)
{
	uint32_t h = hash_host(host);

	return hash_finish(port < 0 ? h : hash_word(h, (uint32_t)port), n);
}

/* The port of the binding an IPv6 L4 header (protocol nh, at l, n bytes) belongs to: the TCP/UDP port at
 * `at`, the identifier of an echo request or reply; -1 when there is none. */
static int l6_port(uint8_t nh, const uint8_t *l, uint32_t n, unsigned at)
{
	if ((nh == IPPROTO_TCP || nh == IPPROTO_UDP) && n >= at + 2)
		return xlat_rd16(l + at);
	if (nh == IPPROTO_ICMPV6 && n >= 8 && (l[0] == 128 || l[0] == 129))
		return xlat_rd16(l + 4);
	return -1;
}

/* What an IPv4 packet is steered by: its binding's pool4 transport address, or for a fragment the
 * datagram it belongs to. */
enum key4 { KEY4_NONE, KEY4_FRAGMENT, KEY4_PORT };
struct port4 {
	enum nat64_proto proto;
	const uint8_t *addr;
	uint16_t port;
};

/* The binding's port in the L4 header at l (n bytes): the port at `at` for TCP/UDP, the identifier of an
 * echo request or reply. */
static bool l4_port(uint8_t proto, const uint8_t *l, uint32_t n, unsigned at, struct port4 *k)
{
	if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP) && n >= at + 2) {
		k->proto = proto == IPPROTO_TCP ? NAT64_TCP : NAT64_UDP;
		k->port = xlat_rd16(l + at);
		return true;
	}
	if (proto == IPPROTO_ICMP && n >= 8 && (l[0] == 8 || l[0] == 0)) {
		k->proto = NAT64_ICMP;
		k->port = xlat_rd16(l + 4);
		return true;
	}
	return false;
}

static enum key4 key4(const uint8_t *p, uint32_t len, struct port4 *k)
{
	uint32_t ihl = (p[0] & 0xfu) * 4;

	if (len < IP4_HDR_LEN || ihl < IP4_HDR_LEN || len < ihl)
		return KEY4_NONE;
	if (xlat_rd16(p + 6) & (IP4_MF | IP4_OFFSET))
		return KEY4_FRAGMENT;
	if (l4_port(p[9], p + ihl, len - ihl, 2, k)) {
		k->addr = p + 16;
		return KEY4_PORT;
	}
	if (p[9] == IPPROTO_ICMP && len >= ihl + ICMP_HDR_LEN + IP4_HDR_LEN) {
		/* An error: the packet it quotes left from our pool4 transport address. */
		const uint8_t *q = p + ihl + ICMP_HDR_LEN;
		uint32_t qihl = (q[0] & 0xfu) * 4, qlen = len - ihl - ICMP_HDR_LEN;

		if (qihl >= IP4_HDR_LEN && qlen >= qihl && l4_port(q[9], q + qihl, qlen - qihl, 0, k)) {
			k->addr = q + 12;
			return KEY4_PORT;
		}
	}
	return KEY4_NONE;
}

/* The worker of an IPv4 packet that key4() gave key (and, for KEY4_PORT, k). */
static unsigned steer4(const uint8_t *p, enum key4 key, const struct port4 *k, unsigned n)
{
	uint32_t h;

	switch (key) {
	case KEY4_PORT:
		return k->port % n;
	case KEY4_FRAGMENT:
		h = hash_word(NAT64_STEER_BASIS, xlat_rd32(p + 12));
		h = hash_word(h, xlat_rd32(p + 16));
		return hash_finish(hash_word(h, xlat_rd16(p + 4)), n);
	default:
		return 0;
	}
}

/* The worker of an IPv6 packet whose transport header (protocol nh) is at off: its source transport
 * address, or for an ICMPv6 error the destination transport address of the packet it quotes (one we sent
 * to one of our hosts). */
static unsigned flow6(const uint8_t *p, uint32_t len, uint32_t off, uint8_t nh, unsigned n)
{
	if (nh == IPPROTO_ICMPV6 && len >= off + ICMP_HDR_LEN + IP6_HDR_LEN && p[off] < 128)
		return flow_worker(p + off + 32, l6_port(p[off + 14], p + off + 48, len - off - 48, 2), n);
	return flow_worker(p + 8, l6_port(nh, p + off, len - off, 0), n);
}

static unsigned steer6(const uint8_t *p, uint32_t len, unsigned n)
{
	/* Fragments carry no ports after the first: source and Identification keep a datagram together. */
	if (p[6] == IPPROTO_FRAGMENT && len >= IP6_HDR_LEN + FRAG_HDR_LEN)
		return hash_finish(hash_word(hash_host(p + 8), xlat_rd32(p + 44)), n);
	/* Only a transport header right after the fixed one: the kernel's copy cannot walk a chain. */
	return flow6(p, len, IP6_HDR_LEN, p[6], n);
}

/* The owner of an IPv6 packet: flow6() past its whole chain of extension headers (a reassembled datagram
 * keeps an atomic Fragment Header), and for an ICMPv6 error past those of the quoted packet too (the 4->6
 * translation of an IPv4 datagram without DF carries a Fragment Header). Both chains are walked by
 * xlat64_parse(), as tuple6() walks them, so the two cannot disagree on where a transport header is. A
 * chain it refuses is one tuple6() drops too, which any worker may do: 0. */
static unsigned owner6(const uint8_t *p, uint32_t len, unsigned n)
{
	struct xlat64_v6 h, q;

	if (xlat64_parse(p, len, &h))
		return 0;
	if (h.proto != IPPROTO_ICMPV6 || len < h.hlen + ICMP_HDR_LEN + IP6_HDR_LEN || p[h.hlen] >= 128)
		return flow6(p, len, h.hlen, h.proto, n);
	if (xlat64_parse(p + h.hlen + ICMP_HDR_LEN, len - h.hlen - ICMP_HDR_LEN, &q))
		return 0;
	return flow_worker(q.p + 24, l6_port(q.proto, q.p + q.hlen, q.len - q.hlen, 2), n);
}

unsigned nat64_steer(const uint8_t *pkt, uint32_t len, unsigned nworkers)
{
	struct port4 k;

	if (nworkers <= 1 || len < 1)
		return 0;
	if (pkt[0] >> 4 == 4)
		return steer4(pkt, key4(pkt, len, &k), &k, nworkers);
	if (pkt[0] >> 4 == 6 && len >= IP6_HDR_LEN)
		return steer6(pkt, len, nworkers);
	return 0;
}

unsigned nat64_owner4(const struct nat64 *db, enum nat64_proto proto, struct in_addr a4, uint16_t port)
{
	uint32_t b;

	if (db->nstatic[proto]) {
		b = nat64_bib_find4(db, proto, a4, port);
		if (b != NAT64_NIL && nat64_bib(db, b)->is_static)
			return flow_worker(nat64_bib(db, b)->a6.s6_addr, nat64_bib(db, b)->p6, db->nworkers);
	}
	return port % db->nworkers;
}

unsigned nat64_owner(const struct nat64 *db, const uint8_t *pkt, uint32_t len)
{
	struct port4 k;
	struct in_addr a4;
	enum key4 key;

	if (db->nworkers <= 1)
		return 0;
	if (len >= 1 && pkt[0] >> 4 == 4) {
		key = key4(pkt, len, &k);
		if (key != KEY4_PORT)
			return steer4(pkt, key, &k, db->nworkers);
		memcpy(&a4, k.addr, 4);
		return nat64_owner4(db, k.proto, a4, k.port);
	}
	if (len >= IP6_HDR_LEN && pkt[0] >> 4 == 6)
		return owner6(pkt, len, db->nworkers);
	return 0;
}
