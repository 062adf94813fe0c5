/*
 * IP reassembly (defrag.h): IPv4 and IPv6 datagrams cut into fragments and delivered in every order come
 * back byte for byte with the header fields fixed; duplicates, overlaps (RFC 5722), timeouts, limits,
 * sizes over 65535, every truncation of a fragment and random damage give one counted drop; the
 * reassembled datagram goes through the RFC 7915 core and stateful NAT64 (an IPv6 one keeps its ID and
 * gets DF = 0, RFC 7915 §5.1.1).
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "defrag.h"
#include "harness.h"
#include "nat64.h"
#include "testpkt.h"
#include "xlat64.h"

#define SRC6 "2001:db8:1::1"		/* an IPv6 host; EAMT 198.51.100.1 in defrag_then_translate */
#define DST6 "2001:db8:64::cb00:7105"	/* pool6 + 203.0.113.5 */
#define FRAG_ID6 0xa1b2c3d4u
#define ID4 0x1234
#define MAXF 64

static uint8_t orig[70000];		/* the datagram before fragmentation */
static uint8_t frags[MAXF][1600];	/* its fragments */
static uint32_t flen[MAXF];
static unsigned nfrags;
static uint8_t expect[70000];		/* what reassembly must give */
static uint32_t expect_len;
static struct stats st;

static uint64_t counted(const struct stats *s)
{
	uint64_t n = 0;

	for (int i = 0; i < STAT_MAX; i++)
		n += s->c[i];
	return n;
}

/* An IPv4 UDP datagram of dlen bytes after the header (UDP header included), ID4, DF set; with
 * `options`, four NOP bytes make the header 24 bytes long. */
static void make4(uint32_t dlen, bool options)
{
	uint32_t ihl = options ? 24 : 20;

	tp_ip4(orig, "198.51.100.1", "203.0.113.5", IPPROTO_UDP, 64, dlen);
	orig[0] = (uint8_t)(0x40 | ihl / 4);
	tp_wr16(orig + 2, ihl + dlen);
	tp_wr16(orig + 4, ID4);
	tp_wr16(orig + 6, 0x4000);
	memset(orig + 20, 1, ihl - 20);
	tp_wr16(orig + ihl, 5000);
	tp_wr16(orig + ihl + 2, 53);
	tp_wr16(orig + ihl + 4, dlen);
	for (uint32_t i = 8; i < dlen; i++)
		orig[ihl + i] = (uint8_t)(i * 7 + 3);
	tp_csum4(orig, ihl + dlen);
	tp_ip4_csum(orig);
	/* Reassembly clears DF and fixes the length and checksum; the rest is the first fragment's. */
	memcpy(expect, orig, ihl + dlen);
	tp_wr16(expect + 6, 0);
	tp_ip4_csum(expect);
	expect_len = ihl + dlen;
}

/* The fragment of the make4() datagram carrying data [off, off + n). Options are not copied into later
 * fragments (NOP's copy bit is 0), so only the first has them. */
static uint32_t frag4(uint8_t *out, uint32_t off, uint32_t n, bool mf)
{
	uint32_t oihl = (orig[0] & 15) * 4u, ihl = off ? 20 : oihl;

	memcpy(out, orig, ihl);
	out[0] = (uint8_t)(0x40 | ihl / 4);
	tp_wr16(out + 2, ihl + n);
	tp_wr16(out + 6, off / 8 | (mf ? 0x2000 : 0));
	memcpy(out + ihl, orig + oihl + off, n);
	tp_ip4_csum(out);
	return ihl + n;
}

/* An IPv6 UDP datagram with dlen bytes of fragmentable part, behind an 8-byte hop-by-hop header when
 * `hbh` (it belongs to the unfragmentable part and must come back as it was). */
static void make6(uint32_t dlen, bool hbh)
{
	uint32_t u = 40 + (hbh ? 8 : 0);

	tp_ip6(orig, SRC6, DST6, hbh ? 0 : IPPROTO_UDP, 64, u - 40 + dlen);
	if (hbh)
		memcpy(orig + 40, (const uint8_t[]){ IPPROTO_UDP, 0, 1, 4, 0, 0, 0, 0 }, 8);
	tp_wr16(orig + u, 5000);
	tp_wr16(orig + u + 2, 53);
	tp_wr16(orig + u + 4, dlen);
	for (uint32_t i = 8; i < dlen; i++)
		orig[u + i] = (uint8_t)(i * 5 + 1);
	tp_wr16(orig + u + 6, 0);
	tp_wr16(orig + u + 6, tp_residue6_l4(orig, orig + u, IPPROTO_UDP, dlen));
	/* Reassembly gives the unfragmentable part, an atomic Fragment Header, then the data. */
	memcpy(expect, orig, u);
	expect[hbh ? 40 : 6] = 44;
	memcpy(expect + u, (const uint8_t[]){ IPPROTO_UDP, 0, 0, 0, 0xa1, 0xb2, 0xc3, 0xd4 }, 8);
	memcpy(expect + u + 8, orig + u, dlen);
	tp_wr16(expect + 4, u - 40 + 8 + dlen);
	expect_len = u + 8 + dlen;
}

/* The fragment of the make6() datagram carrying data [off, off + n): the unfragmentable part, then a
 * Fragment Header with ID FRAG_ID6. */
static uint32_t frag6(uint8_t *out, uint32_t off, uint32_t n, bool mf)
{
	uint32_t u = orig[6] == 0 ? 48 : 40;

	memcpy(out, expect, u + 8);
	tp_wr16(out + 4, u - 40 + 8 + n);
	tp_wr16(out + u + 2, off | mf);
	memcpy(out + u + 8, orig + u + off, n);
	return u + 8 + n;
}

/* Cut the datagram into pieces of `piece` bytes (a multiple of 8), the last one shorter. */
static void cut(bool v6, uint32_t dlen, uint32_t piece)
{
	nfrags = 0;
	for (uint32_t off = 0; off < dlen; off += piece) {
		uint32_t n = dlen - off < piece ? dlen - off : piece;

		flen[nfrags] = (v6 ? frag6 : frag4)(frags[nfrags], off, n, off + n < dlen);
		nfrags++;
	}
}

static struct defrag *fresh(const struct defrag_limits *l)
{
	struct defrag_limits def;

	defrag_limits_default(&def);
	memset(&st, 0, sizeof(st));
	return defrag_new(l ? l : &def);
}

/* Feed len bytes at p, copied into a buffer of that size, so that ASan sees any read past it. */
static enum defrag_verdict feed(struct defrag *d, const uint8_t *p, uint32_t len, uint64_t now,
				uint8_t **whole, uint32_t *wlen)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum defrag_verdict v;

	memcpy(copy, p, len);
	v = defrag_packet(d, copy, len, now, &st, whole, wlen);
	memset(copy, 0xee, len);	/* the caller's buffer is free again at once */
	free(copy);
	return v;
}

/* Deliver the fragments in `order`: all but the last are held, the last completes the datagram, which
 * must be `expect`, with the core's headroom and tailroom around it. */
static void deliver(int *failed, struct defrag *d, const unsigned *order)
{
	uint8_t *whole;
	uint32_t wlen;

	for (unsigned i = 0; i < nfrags; i++) {
		enum defrag_verdict v = feed(d, frags[order[i]], flen[order[i]], 1000 + i, &whole, &wlen);

		CHECK_EQ(v, i + 1 < nfrags ? DEFRAG_HELD : DEFRAG_DONE);
	}
	CHECK_EQ(wlen, expect_len);
	CHECK_MEM(whole, expect, expect_len);
	memset(whole - XLAT_HEADROOM, 0, XLAT_HEADROOM);
	memset(whole + wlen, 0, XLAT_TAILROOM);
	CHECK_EQ(st.c[STAT_FRAG_HELD], nfrags - 1);
	CHECK_EQ(st.c[STAT_FRAG_REASSEMBLED], 1u);
	CHECK_EQ(counted(&st), nfrags);
}

/* In order, reversed, and the four shuffled orders. */
static const unsigned perms[6][3] = {
	{ 0, 1, 2 }, { 2, 1, 0 }, { 1, 2, 0 }, { 0, 2, 1 }, { 1, 0, 2 }, { 2, 0, 1 },
};

TEST(defrag_v4_three_fragments_every_order)
{
	for (int opt = 0; opt < 2; opt++)
		for (int p = 0; p < 6; p++) {
			struct defrag *d = fresh(NULL);
			struct defrag_usage u;

			make4(3000, opt);
			cut(false, 3000, 1480);
			CHECK_EQ(nfrags, 3u);
			deliver(failed, d, perms[p]);
			CHECK(!*failed);
			CHECK_EQ(csum_ipv4_header(expect, 20 + 4u * opt), tp_rd16(expect + 10));
			CHECK_EQ(tp_residue4(expect, expect_len), 0);
			defrag_expire(d, 2000, &st);
			defrag_usage(d, &u);
			CHECK_EQ(u.datagrams, 0u);
			CHECK_EQ(u.bytes, 0u);
			defrag_free(d);
		}
}

TEST(defrag_v6_three_fragments_every_order)
{
	for (int hbh = 0; hbh < 2; hbh++)
		for (int p = 0; p < 6; p++) {
			struct defrag *d = fresh(NULL);

			make6(3000, hbh);
			cut(true, 3000, 1232);
			CHECK_EQ(nfrags, 3u);
			deliver(failed, d, perms[p]);
			CHECK(!*failed);
			defrag_free(d);
		}
}

/* The largest datagrams, 45 and 54 fragments in a shuffled order; one more byte is refused. */
TEST(defrag_largest_datagram_shuffled)
{
	unsigned order[MAXF];
	uint64_t r = 88172645463325252ull;

	for (int v6 = 0; v6 < 2; v6++) {
		struct defrag *d = fresh(NULL);
		uint32_t piece = v6 ? 1232 : 1480;

		(v6 ? make6 : make4)(65515, false);
		cut(v6, 65515, piece);
		for (unsigned i = 0; i < nfrags; i++)
			order[i] = i;
		for (unsigned i = nfrags - 1; i > 0; i--) {
			unsigned j, t;

			r ^= r << 13, r ^= r >> 7, r ^= r << 17;
			j = (unsigned)(r % (i + 1));
			t = order[i], order[i] = order[j], order[j] = t;
		}
		deliver(failed, d, order);
		CHECK(!*failed);
		CHECK_EQ(expect_len, v6 ? 65563u : 65535u);
		defrag_free(d);
	}
}

TEST(defrag_over_65535_refused)
{
	uint8_t *whole;
	uint32_t wlen;

	/* IPv4: a piece ending past 65535 - 20 bytes of data. */
	struct defrag *d = fresh(NULL);
	make4(65528 + 8, false);
	flen[0] = frag4(frags[0], 65528, 8, false);
	CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_DROP);
	CHECK_EQ(st.c[STAT_DROP_FRAG_TOO_BIG], 1u);
	/* A first fragment with options makes a datagram whose end was fine alone too long. */
	make4(65515, true);
	flen[0] = frag4(frags[0], 65512, 3, false);
	CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_HELD);
	flen[0] = frag4(frags[0], 0, 8, true);
	CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_DROP);
	CHECK_EQ(st.c[STAT_DROP_FRAG_TOO_BIG], 2u);
	CHECK_EQ(counted(&st), 3u);
	defrag_free(d);

	/* IPv6: the IPv4 translation must fit, so 65516 bytes of data are too many. */
	d = fresh(NULL);
	make6(65516, false);
	flen[0] = frag6(frags[0], 65512, 4, false);
	CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_DROP);
	CHECK_EQ(st.c[STAT_DROP_FRAG_TOO_BIG], 1u);
	CHECK_EQ(counted(&st), 1u);
	defrag_free(d);
}

TEST(defrag_non_fragments_pass)
{
	struct defrag *d = fresh(NULL);
	uint8_t *whole = (uint8_t *)1;
	uint32_t wlen = 1;

	make4(100, false);
	CHECK_EQ(feed(d, orig, 120, 0, &whole, &wlen), DEFRAG_PASS);	/* DF set, offset 0, MF 0 */
	CHECK(whole == NULL);
	CHECK_EQ(wlen, 0u);
	make6(100, true);
	CHECK_EQ(feed(d, orig, 148, 0, &whole, &wlen), DEFRAG_PASS);	/* no Fragment Header */
	flen[0] = frag6(frags[0], 0, 100, false);			/* atomic (RFC 6946) */
	CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_PASS);
	CHECK_EQ(feed(d, (const uint8_t[]){ 0x50 }, 1, 0, &whole, &wlen), DEFRAG_PASS);
	CHECK_EQ(feed(d, orig, 0, 0, &whole, &wlen), DEFRAG_PASS);
	CHECK_EQ(counted(&st), 0u);
	defrag_free(d);
}

TEST(defrag_duplicate_tolerated)
{
	for (int v6 = 0; v6 < 2; v6++) {
		struct defrag *d = fresh(NULL);
		uint8_t *whole;
		uint32_t wlen;

		(v6 ? make6 : make4)(3000, false);
		cut(v6, 3000, v6 ? 1232 : 1480);
		CHECK_EQ(feed(d, frags[1], flen[1], 0, &whole, &wlen), DEFRAG_HELD);
		CHECK_EQ(feed(d, frags[1], flen[1], 0, &whole, &wlen), DEFRAG_DROP);
		CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_HELD);
		CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_DROP);
		CHECK_EQ(feed(d, frags[2], flen[2], 0, &whole, &wlen), DEFRAG_DONE);
		CHECK_EQ(wlen, expect_len);
		CHECK_MEM(whole, expect, expect_len);
		CHECK_EQ(st.c[STAT_DROP_FRAG_DUP], 2u);
		CHECK_EQ(counted(&st), 5u);
		defrag_free(d);
	}
}

/* RFC 5722: a piece that overlaps part of one held spoils the whole datagram (IPv4 alike). */
TEST(defrag_overlap_drops_datagram)
{
	for (int v6 = 0; v6 < 2; v6++) {
		struct defrag *d = fresh(NULL);
		uint32_t piece = v6 ? 1232 : 1480;
		struct defrag_usage u;
		uint8_t *whole;
		uint32_t wlen;

		(v6 ? make6 : make4)(3000, false);
		cut(v6, 3000, piece);
		CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_HELD);
		flen[3] = (v6 ? frag6 : frag4)(frags[3], piece - 8, 16, true);
		CHECK_EQ(feed(d, frags[3], flen[3], 0, &whole, &wlen), DEFRAG_DROP);
		CHECK_EQ(st.c[STAT_DROP_FRAG_OVERLAP], 1u);
		defrag_usage(d, &u);
		CHECK_EQ(u.datagrams, 0u);
		CHECK_EQ(u.bytes, 0u);
		/* What is left starts a datagram that lacks its first piece. */
		CHECK_EQ(feed(d, frags[1], flen[1], 0, &whole, &wlen), DEFRAG_HELD);
		CHECK_EQ(feed(d, frags[2], flen[2], 0, &whole, &wlen), DEFRAG_HELD);
		CHECK_EQ(counted(&st), 4u);
		defrag_free(d);
	}
}

TEST(defrag_malformed)
{
	struct defrag *d = fresh(NULL);
	struct defrag_usage u;
	uint8_t *whole;
	uint32_t wlen;

	make4(3000, false);
	flen[1] = frag4(frags[1], 1480, 1480, true);
	CHECK_EQ(feed(d, frags[1], flen[1], 0, &whole, &wlen), DEFRAG_HELD);
	flen[0] = frag4(frags[0], 0, 1001, true);	/* not the last, not a multiple of 8 */
	CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_DROP);
	CHECK_EQ(st.c[STAT_DROP_FRAG_MALFORMED], 1u);
	defrag_usage(d, &u);
	CHECK_EQ(u.datagrams, 1u);			/* dropped alone: the datagram stays */
	defrag_expire(d, 30000, &st);
	flen[0] = frag4(frags[0], 1480, 1520, false);	/* the end: 3000 */
	CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_HELD);
	flen[0] = frag4(frags[0], 2968, 40, true);	/* past that end */
	CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_DROP);
	CHECK_EQ(st.c[STAT_DROP_FRAG_MALFORMED], 2u);
	defrag_usage(d, &u);
	CHECK_EQ(u.datagrams, 0u);
	flen[0] = frag4(frags[0], 0, 1480, true);
	CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_HELD);
	flen[0] = frag4(frags[0], 8, 8, false);		/* an end before data already held */
	CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_DROP);
	CHECK_EQ(st.c[STAT_DROP_FRAG_MALFORMED], 3u);
	flen[0] = frag4(frags[0], 0, 1480, true);
	frags[0][10] ^= 1;				/* header checksum */
	CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_DROP);
	CHECK_EQ(st.c[STAT_DROP_HDR4], 1u);
	make6(3000, false);
	flen[0] = frag6(frags[0], 8, 0, true);		/* empty and not the last */
	CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_DROP);
	CHECK_EQ(st.c[STAT_DROP_FRAG_MALFORMED], 4u);
	flen[0] = frag6(frags[0], 8, 16, true);
	tp_wr16(frags[0] + 4, 4);			/* Payload Length ends inside the Fragment Header */
	CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_DROP);
	CHECK_EQ(st.c[STAT_DROP_HDR6], 1u);
	CHECK_EQ(counted(&st), 10u);
	defrag_usage(d, &u);
	CHECK_EQ(u.datagrams, 0u);
	CHECK_EQ(u.bytes, 0u);
	defrag_free(d);
}

TEST(defrag_timeouts_free_memory)
{
	struct defrag *d = fresh(NULL);
	struct defrag_usage u;
	uint8_t *whole;
	uint32_t wlen;

	make4(3000, false);
	cut(false, 3000, 1480);
	CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_HELD);
	make6(3000, false);
	cut(true, 3000, 1232);
	CHECK_EQ(feed(d, frags[0], flen[0], 10, &whole, &wlen), DEFRAG_HELD);
	defrag_expire(d, 29999, &st);
	CHECK_EQ(st.c[STAT_DROP_FRAG_TIMEOUT], 0u);
	defrag_expire(d, 30000, &st);			/* IPv4: 30 s */
	CHECK_EQ(st.c[STAT_DROP_FRAG_TIMEOUT], 1u);
	defrag_usage(d, &u);
	CHECK_EQ(u.datagrams, 1u);
	/* A piece after the timeout starts over; defrag_packet() expires on its own too. */
	CHECK_EQ(feed(d, frags[1], flen[1], 60009, &whole, &wlen), DEFRAG_HELD);
	CHECK_EQ(st.c[STAT_DROP_FRAG_TIMEOUT], 1u);
	CHECK_EQ(feed(d, frags[2], flen[2], 60010, &whole, &wlen), DEFRAG_HELD);	/* IPv6: 60 s */
	CHECK_EQ(st.c[STAT_DROP_FRAG_TIMEOUT], 2u);
	defrag_expire(d, 120010, &st);
	CHECK_EQ(st.c[STAT_DROP_FRAG_TIMEOUT], 3u);
	defrag_usage(d, &u);
	CHECK_EQ(u.datagrams, 0u);
	CHECK_EQ(u.bytes, 0u);
	CHECK_EQ(counted(&st), 7u);
	defrag_free(d);
}

static void set_id4(uint8_t *p, uint16_t id)
{
	tp_wr16(p + 4, id);
	tp_ip4_csum(p);
}

TEST(defrag_limits_are_counted_drops)
{
	struct defrag_limits l;
	struct defrag_usage u;
	struct defrag *d;
	uint8_t *whole;
	uint32_t wlen;
	uint64_t one;

	defrag_limits_default(&l);
	l.max_datagrams = 2;
	d = fresh(&l);
	make4(3000, false);
	cut(false, 3000, 1480);
	for (uint16_t id = 1; id <= 3; id++) {
		set_id4(frags[0], id);
		CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), id < 3 ? DEFRAG_HELD : DEFRAG_DROP);
	}
	CHECK_EQ(st.c[STAT_DROP_FRAG_LIMIT], 1u);
	/* Completing one makes room. */
	for (unsigned i = 1; i < 3; i++) {
		set_id4(frags[i], 1);
		CHECK_EQ(feed(d, frags[i], flen[i], 0, &whole, &wlen), i < 2 ? DEFRAG_HELD : DEFRAG_DONE);
	}
	set_id4(frags[0], 3);
	CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_HELD);
	defrag_usage(d, &u);
	CHECK_EQ(u.datagrams, 2u);
	one = u.bytes / 2;
	defrag_free(d);

	/* Bytes: one datagram with its first piece fits, not a second one, nor the first one grown. */
	l.max_datagrams = 256;
	l.max_bytes = (uint32_t)one + 100;
	d = fresh(&l);
	set_id4(frags[0], 1);
	CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_HELD);
	set_id4(frags[0], 2);
	CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_DROP);
	set_id4(frags[1], 1);
	CHECK_EQ(feed(d, frags[1], flen[1], 0, &whole, &wlen), DEFRAG_DROP);
	CHECK_EQ(st.c[STAT_DROP_FRAG_LIMIT], 2u);
	CHECK_EQ(counted(&st), 3u);
	defrag_usage(d, &u);
	CHECK_EQ(u.datagrams, 0u);
	CHECK_EQ(u.bytes, 0u);
	defrag_free(d);
	CHECK(defrag_new(&(struct defrag_limits){ 0 }) == NULL);
}

/* Every fragment cut at every length: one counted drop, or (too short to be seen as a fragment) a pass
 * with nothing counted, for the core to count; and nothing held is disturbed. */
TEST(defrag_every_truncation)
{
	static const unsigned order[3] = { 2, 0, 1 };

	for (int v6 = 0; v6 < 2; v6++) {
		struct defrag *d = fresh(NULL);
		uint32_t blind = v6 ? 48 : 20;	/* the IPv6 chain up to the Fragment Header; the IPv4 header */

		(v6 ? make6 : make4)(3000, true);
		cut(v6, 3000, v6 ? 1232 : 1480);
		CHECK_EQ(feed(d, frags[2], flen[2], 0, &(uint8_t *){ 0 }, &(uint32_t){ 0 }), DEFRAG_HELD);
		for (unsigned i = 0; i < nfrags; i++)
			for (uint32_t n = 0; n < flen[i]; n++) {
				uint64_t before = counted(&st), drops = tp_drops(&st);
				enum defrag_verdict v = feed(d, frags[i], n, 0, &(uint8_t *){ 0 }, &(uint32_t){ 0 });

				if (v == DEFRAG_PASS) {
					CHECK(n < blind);
					CHECK_EQ(counted(&st), before);
				} else {
					CHECK_EQ(v, DEFRAG_DROP);
					CHECK_EQ(counted(&st), before + 1);
					CHECK_EQ(tp_drops(&st), drops + 1);
				}
			}
		memset(&st, 0, sizeof(st));
		nfrags = 2;
		deliver(failed, d, order + 1);
		CHECK(!*failed);
		defrag_free(d);
	}
}

/* IPv4 fragments are read as the core reads a header (xlat46_parse(), xlat46_outer()): what it would refuse
 * in a fragment's own header is dropped with its counter, since reassembly rewrites that header; a header
 * too short or too damaged to tell a fragment by, and a non-fragment however damaged, pass for the core. */
TEST(defrag_v4_header_read_as_core)
{
	struct defrag *d = fresh(NULL);
	uint8_t *whole;
	uint32_t wlen;

	make4(3000, false);
	flen[0] = frag4(frags[0], 0, 1480, true);
	tp_wr16(frags[0] + 2, 19);			/* Total Length shorter than the header */
	tp_ip4_csum(frags[0]);
	CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_DROP);
	CHECK_EQ(st.c[STAT_DROP_HDR4], 1u);
	tp_wr16(frags[0] + 2, flen[0] + 1);		/* past the bytes read */
	tp_ip4_csum(frags[0]);
	CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_DROP);
	CHECK_EQ(st.c[STAT_DROP_TRUNCATED], 1u);
	frags[0][0] = 0x46;				/* IHL 24, past a 22-byte buffer */
	CHECK_EQ(feed(d, frags[0], 22, 0, &whole, &wlen), DEFRAG_DROP);
	CHECK_EQ(st.c[STAT_DROP_TRUNCATED], 2u);
	frags[0][0] = 0x44;				/* IHL below 5 */
	CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_PASS);
	frags[0][0] = 0x45;
	tp_wr16(frags[0] + 2, flen[0]);
	tp_wr16(frags[0] + 6, 0x4000);			/* not a fragment: its bad checksum is the core's */
	CHECK_EQ(feed(d, frags[0], flen[0], 0, &whole, &wlen), DEFRAG_PASS);
	CHECK_EQ(counted(&st), 3u);
	defrag_free(d);
}

/* What follows an IPv6 Fragment Header is data until the datagram is whole (RFC 8200 §4.5): fragments whose
 * fragmentable part starts with a Destination Options header or a second Fragment Header, which the
 * translator's walker refuses, are reassembled all the same, and the core then refuses the datagram. */
TEST(defrag_v6_fragmentable_part_not_walked)
{
	static const uint8_t next[2] = { 60, 44 };
	static const enum stat_id core[2] = { STAT_DROP_EXT_AFTER_FRAG, STAT_DROP_HDR6 };

	for (int i = 0; i < 2; i++) {
		struct defrag *d = fresh(NULL);
		struct xlat64_v6 h;

		make6(3000, true);
		cut(true, 3000, 1232);
		for (unsigned k = 0; k < nfrags; k++)
			frags[k][48] = next[i];
		expect[48] = next[i];
		CHECK_EQ(xlat64_parse(frags[0], flen[0], &h), core[i]);
		deliver(failed, d, perms[i + 1]);
		CHECK_EQ(xlat64_parse(expect, expect_len, &h), core[i]);
		defrag_free(d);
	}
}

/* The reassembled datagrams go through the RFC 7915 core: IPv6 keeps its ID and gets DF = 0 (§5.1.1),
 * IPv4 without DF is cut into IPv6 fragments again (§4.1). */
TEST(defrag_then_translate)
{
	static uint8_t scratch[XLAT_SCRATCH_SIZE];
	static const struct tp_conf siit = { .pool6 = "2001:db8:64::/96", .eam6 = "2001:db8:1::/120",
					     .eam4 = "198.51.100.0/24" };
	static const unsigned order[3] = { 1, 2, 0 };
	struct xlat_conf conf;
	static struct xlat_out out;
	struct xlat_ctx ctx;
	struct stats xst;
	struct defrag *d;
	uint8_t *whole, *p;
	uint32_t wlen;

	tp_conf_init(&conf, &siit);
	ctx = tp_ctx(&conf, &xst, scratch, 7);
	d = fresh(NULL);
	make6(3000, false);
	cut(true, 3000, 1232);
	for (unsigned i = 0; i < 3; i++)
		feed(d, frags[order[i]], flen[order[i]], 0, &whole, &wlen);
	CHECK(whole != NULL);
	CHECK_EQ(xlat_packet(&ctx, whole, wlen, &out), XLAT_EMIT);
	CHECK_EQ(out.n, 1u);
	p = out.pkt[0].data;
	CHECK(tp_ip4_valid(p, 3020));
	CHECK_EQ(tp_rd16(p + 4), FRAG_ID6 & 0xffff);
	CHECK_EQ(tp_rd16(p + 6), 0);			/* DF, MF and offset 0 */
	CHECK_EQ(p[8], 63);
	CHECK_EQ(tp_residue4(p, 3020), 0);

	make4(3000, false);
	cut(false, 3000, 1480);
	for (unsigned i = 0; i < 3; i++)
		feed(d, frags[order[i]], flen[order[i]], 0, &whole, &wlen);
	CHECK(whole != NULL);
	CHECK_EQ(xlat_packet(&ctx, whole, wlen, &out), XLAT_EMIT);
	CHECK_EQ(out.n, 3u);				/* 1232 bytes per IPv6 fragment */
	CHECK_EQ(xst.c[STAT_FRAGMENTS_OUT], 2u);
	for (unsigned i = 0; i < 3; i++) {
		p = out.pkt[i].data;
		CHECK_EQ(p[6], 44);
		CHECK_EQ(tp_rd16(p + 46), ID4);
	}
	defrag_free(d);
}

/* Fragments with random bytes changed and random lengths: every call gives PASS with nothing counted, or
 * one counter (timeouts aside, which count datagrams); whatever completes fits the length fields; in the
 * end the memory is all given back. */
TEST(defrag_random_damage)
{
	struct defrag_limits l;
	struct defrag_usage u;
	uint64_t r = 0x9e3779b97f4a7c15ull;
	struct defrag *d;
	uint8_t *whole, *p = frags[MAXF - 1];
	uint32_t wlen;

	defrag_limits_default(&l);
	l.max_datagrams = 8;
	l.max_bytes = 64 << 10;
	d = fresh(&l);
	for (unsigned it = 0; it < 40000; it++) {
		uint64_t before, timeouts = st.c[STAT_DROP_FRAG_TIMEOUT];
		enum defrag_verdict v;
		unsigned i;
		uint32_t n;

		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		if (it % 1000 == 0) {
			(it / 1000 % 2 ? make6 : make4)(3000, it / 2000 % 2);
			cut(it / 1000 % 2, 3000, it / 1000 % 2 ? 1232 : 1480);
		}
		i = (unsigned)(r % nfrags);
		memcpy(p, frags[i], flen[i]);
		n = flen[i];
		for (unsigned k = 0; k < (r >> 8) % 4; k++)
			p[(r >> (16 + 8 * k)) % 64] ^= (uint8_t)(1u << (r >> (12 + k)) % 8);
		if (r >> 60 == 0)
			n = (uint32_t)(r >> 24) % n;
		else if (r >> 60 == 1)
			tp_wr16(p + 4, (uint32_t)(r >> 32));	/* IPv4 ID / IPv6 Payload Length */
		if (p[0] >> 4 == 4 && (p[0] & 15) >= 5)
			tp_ip4_csum(p);
		before = counted(&st);
		v = feed(d, p, n, it * 500ull, &whole, &wlen);
		before += st.c[STAT_DROP_FRAG_TIMEOUT] - timeouts;
		CHECK_EQ(counted(&st), before + (v != DEFRAG_PASS));
		if (v == DEFRAG_DONE) {
			CHECK(wlen <= 65535 + 512);
			memset(whole - XLAT_HEADROOM, 0, XLAT_HEADROOM);
			memset(whole + wlen, 0, XLAT_TAILROOM);
		}
		defrag_usage(d, &u);
		CHECK(u.datagrams <= 8 && u.bytes <= 64 << 10);
	}
	defrag_expire(d, UINT64_MAX / 2, &st);
	defrag_usage(d, &u);
	CHECK_EQ(u.datagrams, 0u);
	CHECK_EQ(u.bytes, 0u);
	defrag_free(d);
}

/* The worker's path in mode nat64: a UDP datagram from an IPv6 host in three fragments, reassembled, then
 * through nat64_packet(): one IPv4 datagram from pool4, DF clear and the fragment ID's low bits as its ID
 * (RFC 7915 §5.1.1), a binding made from the ports only the first fragment carried. */
TEST(defrag_then_nat64)
{
	static uint8_t scratch[XLAT_SCRATCH_SIZE];
	static const uint8_t secret[16] = "defrag unit test";
	static const unsigned order[3] = { 2, 1, 0 };
	static struct xlat_out out;
	struct xlat_conf conf;
	struct nat64_conf nconf;
	struct nat64_ctx ctx;
	struct prefix4 p4;
	struct stats xst;
	struct defrag *d;
	const char *why;
	uint8_t *whole = NULL, *p;
	uint32_t wlen = 0;

	xlat_conf_defaults(&conf);
	CHECK(prefix6_parse("2001:db8:64::/96", &conf.pool6, &why));
	conf.has_pool6 = true;
	nat64_conf_defaults(&nconf);
	CHECK(prefix4_parse("192.0.2.2/32", &p4, &why));
	ctx = (struct nat64_ctx){ .xlat = tp_ctx(&conf, &xst, scratch, 7), .db = nat64_new(&nconf, 0, 1, secret) };
	CHECK(ctx.db && nat64_pool4_add(ctx.db, NAT64_UDP, &p4, 1024, 65535, &why));
	d = fresh(NULL);
	make6(3000, true);
	cut(true, 3000, 1232);
	for (unsigned i = 0; i < 3; i++)
		feed(d, frags[order[i]], flen[order[i]], 0, &whole, &wlen);
	CHECK(whole != NULL);
	CHECK_EQ(nat64_packet(&ctx, whole, wlen, &out), XLAT_EMIT);
	CHECK_EQ(out.n, 1u);
	p = out.pkt[0].data;
	CHECK(tp_ip4_valid(p, 3020));
	CHECK(tp_same4(p + 12, "192.0.2.2"));
	CHECK(tp_same4(p + 16, "203.0.113.5"));
	CHECK_EQ(tp_rd16(p + 4), FRAG_ID6 & 0xffff);
	CHECK_EQ(tp_rd16(p + 6), 0);
	CHECK_EQ(tp_residue4(p, 3020), 0);
	CHECK_EQ(xst.c[STAT_NAT64_BIB_NEW], 1u);
	CHECK_EQ(xst.c[STAT_TRANSLATED64], 1u);
	defrag_free(d);
	nat64_free(ctx.db);
}
