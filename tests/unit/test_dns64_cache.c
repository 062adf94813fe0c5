/* The DNS64 engine's cache, its local ipv4only.arpa answers (RFC 8880 §7), malformed input from
 * clients and upstreams, and job handling (dns64_fail, dns64_cancel). */
#include "harness.h"
#include "dns64_fake.h"

static struct stats st;
static struct run r;

/* A hit is served without upstream, with the new client's ID and letter case and aged TTLs. */
TEST(dns64_cache_hit_ages_ttls)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 100);
	uint8_t q[512];
	size_t n;

	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, 0, 1000));
	CHECK_EQ(r.n_up, 2);
	CHECK_EQ(dns64_cache_count(d), 1);
	n = mkq(q, "A-ONLY.lab.EXAMPLE.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, 0);
	q[0] = 0x77;
	q[1] = 0x88;
	CHECK(run_q(d, &r, q, n, 512, 1000 + 100 * 1000 + 999));
	CHECK_EQ(r.n_up, 0);
	CHECK_EQ(ldns_pkt_id(r.reply), 0x7788);
	CHECK_MEM(r.raw + 12, q + 12, n - 12);
	CHECK_STR(ANS(&r), "A-ONLY.lab.EXAMPLE. 200 AAAA 64:ff9b::c000:20a");
	/* Names compressed against the question take its letter case, as with any server. */
	CHECK_ISTR(AUTH(&r), "lab.example. 3500 NS ns.lab.example.");
	CHECK_ISTR(ADDL(&r), "ns.lab.example. 3500 A 127.0.0.2");
	CHECK_EQ(st.c[STAT_DNS64_ANSWER_CACHE], 1);
	run_free(&r);
	dns64_free(d);
}

/* The entry lives for its smallest TTL (300 s here), then the upstream is asked again. */
TEST(dns64_cache_expiry)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 100);

	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, 0, 299999));
	CHECK_EQ(r.n_up, 0);
	CHECK_STR(ANS(&r), "a-only.lab.example. 1 AAAA 64:ff9b::c000:20a");
	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, 0, 300000));
	CHECK_EQ(r.n_up, 2);
	CHECK_STR(ANS(&r), "a-only.lab.example. 300 AAAA 64:ff9b::c000:20a");
	/* A clock going backwards does not serve TTLs from the future. */
	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, 0, 5));
	CHECK_EQ(r.n_up, 2);
	run_free(&r);
	dns64_free(d);
}

/* RFC 2308: NXDOMAIN and NODATA cached for min(SOA TTL, SOA MINIMUM); SERVFAIL never. */
TEST(dns64_cache_negative)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 100);

	CHECK(ask_name(d, &r, "nx.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK(ask_name(d, &r, "nx.lab.example.", LDNS_RR_TYPE_AAAA, 0, 120000));
	CHECK_EQ(r.n_up, 0);
	CHECK_EQ(RCODE(&r), LDNS_RCODE_NXDOMAIN);
	CHECK_STR(AUTH(&r), "lab.example. 180 SOA ns.lab.example.");
	CHECK(ask_name(d, &r, "nx.lab.example.", LDNS_RR_TYPE_AAAA, 0, 300000));
	CHECK_EQ(r.n_up, 1);
	CHECK(ask_name(d, &r, "txt-only.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK(ask_name(d, &r, "txt-only.lab.example.", LDNS_RR_TYPE_AAAA, 0, 1000));
	CHECK_EQ(r.n_up, 0);
	CHECK(ask_name(d, &r, "a-fail.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(RCODE(&r), LDNS_RCODE_SERVFAIL);
	CHECK(ask_name(d, &r, "a-fail.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(r.n_up, 2);
	run_free(&r);
	dns64_free(d);
}

/* CD and DO variants are separate entries (a CD=1 client must not get synthetic data). */
TEST(dns64_cache_cd_do_separate)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 100);

	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, Q_CD, 0));
	CHECK_EQ(r.n_up, 1);
	CHECK_STR(ANS(&r), "");
	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, Q_DO, 0));
	CHECK_EQ(r.n_up, 2);
	CHECK(ldns_pkt_edns_do(r.reply));
	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, Q_CD, 0));
	CHECK_EQ(r.n_up, 0);
	CHECK_STR(ANS(&r), "");
	CHECK(ldns_pkt_cd(r.reply));
	CHECK_EQ(dns64_cache_count(d), 3);
	/* EDNS or not is not part of the key: the OPT follows the client. */
	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, Q_EDNS, 0));
	CHECK_EQ(r.n_up, 0);
	CHECK(ldns_pkt_edns(r.reply) && !ldns_pkt_edns_do(r.reply));
	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK(!ldns_pkt_edns(r.reply));
	run_free(&r);
	dns64_free(d);
}

/* Bounded: at cache_max entries the least recently used goes. */
TEST(dns64_cache_bound_lru)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 2);

	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK(ask_name(d, &r, "dual.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));	/* a-only now most recent */
	CHECK_EQ(r.n_up, 0);
	CHECK(ask_name(d, &r, "multi.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));	/* evicts dual */
	CHECK_EQ(dns64_cache_count(d), 2);
	CHECK_EQ(st.c[STAT_DNS64_CACHE_EVICTED], 1);
	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(r.n_up, 0);
	CHECK(ask_name(d, &r, "dual.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(r.n_up, 1);
	run_free(&r);
	dns64_free(d);
}

/* cache_max 0: nothing is kept. */
TEST(dns64_cache_off)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 0);

	CHECK(ask_name(d, &r, "dual.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK(ask_name(d, &r, "dual.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(r.n_up, 1);
	CHECK_EQ(dns64_cache_count(d), 0);
	run_free(&r);
	dns64_free(d);
}

/* A cached answer too big for a later client's size is truncated for that client only. */
TEST(dns64_cache_truncation)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 10);
	uint8_t q[512];
	size_t n = mkq(q, "big.lab.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, Q_EDNS);

	big_n = 40;
	CHECK(run_q(d, &r, q, n, 4096, 0));
	CHECK_EQ(ldns_pkt_ancount(r.reply), 40);
	CHECK(run_q(d, &r, q, n, 512, 0));
	CHECK_EQ(r.n_up, 0);
	CHECK(ldns_pkt_tc(r.reply) && ldns_pkt_ancount(r.reply) == 0 && ldns_pkt_edns(r.reply));
	CHECK(run_q(d, &r, q, n, 65535, 1000));
	CHECK_EQ(ldns_pkt_ancount(r.reply), 40);
	run_free(&r);
	dns64_free(d);
}

/* RFC 8880 §7.1: ipv4only.arpa A and AAAA answered locally (AA, never upstream). */
TEST(dns64_ipv4only_local)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", false, 10);

	CHECK(ask_name(d, &r, "ipv4only.arpa.", LDNS_RR_TYPE_A, 0, 0));
	CHECK_EQ(r.n_up, 0);
	CHECK(ldns_pkt_aa(r.reply));
	CHECK_STR(ANS(&r), "ipv4only.arpa. 3600 A 192.0.0.170, ipv4only.arpa. 3600 A 192.0.0.171");
	/* The WKAs are synthesized even with the WKP and allow_nonglobal off (RFC 7050 needs them). */
	CHECK(ask_name(d, &r, "IPv4only.ARPA.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(r.n_up, 0);
	CHECK_ISTR(ANS(&r), "ipv4only.arpa. 3600 AAAA 64:ff9b::c000:aa, ipv4only.arpa. 3600 AAAA 64:ff9b::c000:ab");
	CHECK(ldns_pkt_aa(r.reply));
	CHECK(ask_name(d, &r, "ipv4only.arpa.", LDNS_RR_TYPE_AAAA, Q_CD | Q_DO, 0));
	CHECK_EQ(r.n_up, 0);
	CHECK_EQ(ldns_pkt_ancount(r.reply), 2);
	/* Other types: NODATA with an SOA; names below it: NXDOMAIN. */
	CHECK(ask_name(d, &r, "ipv4only.arpa.", LDNS_RR_TYPE_MX, 0, 0));
	CHECK_EQ(RCODE(&r), LDNS_RCODE_NOERROR);
	CHECK_STR(ANS(&r), "");
	CHECK_STR(AUTH(&r), "ipv4only.arpa. 3600 SOA localhost.");
	CHECK(ask_name(d, &r, "www.ipv4only.arpa.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(RCODE(&r), LDNS_RCODE_NXDOMAIN);
	CHECK_EQ(r.n_up, 0);
	CHECK_EQ(st.c[STAT_DNS64_ANSWER_LOCAL], 5);
	dns64_free(d);
	/* RFC 7050 §3 positions: the /56 WKA layout. */
	d = mk(&st, "2001:db8:122:300::/56", false, 10);
	CHECK(ask_name(d, &r, "ipv4only.arpa.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_STR(ANS(&r), "ipv4only.arpa. 3600 AAAA 2001:db8:122:3c0:0:aa::, ipv4only.arpa. 3600 AAAA 2001:db8:122:3c0:0:ab::");
	run_free(&r);
	dns64_free(d);
}

/* Anchors §1 item 37: the WKAs at every RFC 6052 position, as RFC 7050 §3 clients look for them. */
TEST(dns64_ipv4only_all_lengths)
{
	static const struct {
		const char *prefix, *aa;
	} t[] = {
		{ "2001:db8::/32", "2001:db8:c000:aa::" },
		{ "2001:db8:100::/40", "2001:db8:1c0:0:aa::" },
		{ "2001:db8:122::/48", "2001:db8:122:c000:0:aa00::" },
		{ "2001:db8:122:300::/56", "2001:db8:122:3c0:0:aa::" },
		{ "2001:db8:122:344::/64", "2001:db8:122:344:c0:0:aa00:0" },
		{ "2001:db8:122:344::/96", "2001:db8:122:344::c000:aa" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct dns64 *d = mk(&st, t[i].prefix, false, 0);
		char want[128];

		CHECK(ask_name(d, &r, "ipv4only.arpa.", LDNS_RR_TYPE_AAAA, 0, 0));
		snprintf(want, sizeof(want), "ipv4only.arpa. 3600 AAAA %s, ", t[i].aa);
		CHECK(strncmp(ANS(&r), want, strlen(want)) == 0);
		dns64_free(d);
	}
	run_free(&r);
}

/* RFC 8880 §7.2: the PTR names of the WKAs answered locally. */
TEST(dns64_ipv4only_ptr_local)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", false, 10);

	CHECK(ask_name(d, &r, "170.0.0.192.in-addr.arpa.", LDNS_RR_TYPE_PTR, 0, 0));
	CHECK_EQ(r.n_up, 0);
	CHECK_STR(ANS(&r), "170.0.0.192.in-addr.arpa. 3600 PTR ipv4only.arpa.");
	CHECK(ask_name(d, &r, "171.0.0.192.in-addr.arpa.", LDNS_RR_TYPE_PTR, 0, 0));
	CHECK_STR(ANS(&r), "171.0.0.192.in-addr.arpa. 3600 PTR ipv4only.arpa.");
	CHECK(ask_name(d, &r, "171.0.0.192.in-addr.arpa.", LDNS_RR_TYPE_TXT, 0, 0));
	CHECK_STR(ANS(&r), "");
	CHECK_EQ(RCODE(&r), LDNS_RCODE_NOERROR);
	/* 172 is nothing special: upstream. */
	CHECK(ask_name(d, &r, "172.0.0.192.in-addr.arpa.", LDNS_RR_TYPE_PTR, 0, 0));
	CHECK_EQ(r.n_up, 1);
	/* Another class is not ours either. */
	{
		uint8_t q[512];
		size_t n = mkq(q, "ipv4only.arpa.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_CH, 0);

		CHECK(run_q(d, &r, q, n, 512, 0));
		CHECK_EQ(r.n_up, 1);
	}
	run_free(&r);
	dns64_free(d);
}

/* RFC 6147 §5.3.1 + RFC 8880 §7.2: the ip6.arpa name of pool6 + a WKA (`dig -x 64:ff9b::192.0.0.170`)
 * gets the usual CNAME to the in-addr.arpa name and then the local PTR, without any upstream query. */
TEST(dns64_ipv4only_ptr6_local)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", false, 10);
	const char *n170 = "A.A.0.0.0.0.0.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.B.9.F.F.4.6.0.0.ip6.arpa.";

	CHECK(ask_name(d, &r, n170, LDNS_RR_TYPE_PTR, 0, 0));
	CHECK_EQ(r.n_up, 0);
	CHECK_EQ(RCODE(&r), LDNS_RCODE_NOERROR);
	CHECK_STR(ANS(&r), "A.A.0.0.0.0.0.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.B.9.F.F.4.6.0.0.ip6.arpa. 600 CNAME "
			   "170.0.0.192.in-addr.arpa., 170.0.0.192.in-addr.arpa. 3600 PTR ipv4only.arpa.");
	CHECK(!ldns_pkt_aa(r.reply) && !ldns_pkt_ad(r.reply));
	CHECK_EQ(st.c[STAT_DNS64_ANSWER_LOCAL], 1);
	/* CD=1: relayed, as any PTR under the prefix (RFC 6147 §5.5). */
	CHECK(ask_name(d, &r, n170, LDNS_RR_TYPE_PTR, Q_CD, 0));
	CHECK_EQ(r.n_up, 1);
	/* Another type for that name is not local either. */
	CHECK(ask_name(d, &r, n170, LDNS_RR_TYPE_TXT, 0, 0));
	CHECK_EQ(r.n_up, 1);
	dns64_free(d);
	/* .171 under a /56 (RFC 6052 §2.2: the u octet skipped). */
	d = mk(&st, "2001:db8:122:300::/56", false, 10);
	CHECK(ask_name(d, &r, "0.0.0.0.0.0.0.0.b.a.0.0.0.0.0.0.0.c.3.0.2.2.1.0.8.b.d.0.1.0.0.2.ip6.arpa.",
		       LDNS_RR_TYPE_PTR, 0, 0));
	CHECK_EQ(r.n_up, 0);
	CHECK_STR(ANS(&r), "0.0.0.0.0.0.0.0.b.a.0.0.0.0.0.0.0.c.3.0.2.2.1.0.8.b.d.0.1.0.0.2.ip6.arpa. 600 CNAME "
			   "171.0.0.192.in-addr.arpa., 171.0.0.192.in-addr.arpa. 3600 PTR ipv4only.arpa.");
	/* 192.0.0.172 under the prefix is an ordinary address: the CNAME and the upstream's PTR. */
	CHECK(ask_name(d, &r, "0.0.0.0.0.0.0.0.c.a.0.0.0.0.0.0.0.c.3.0.2.2.1.0.8.b.d.0.1.0.0.2.ip6.arpa.",
		       LDNS_RR_TYPE_PTR, 0, 0));
	CHECK_EQ(r.n_up, 1);
	CHECK_STR(r.asked[0], "172.0.0.192.in-addr.arpa. PTR");
	run_free(&r);
	dns64_free(d);
}

/* RFC 6891 §6.1.1: a query with two OPT records MUST get FORMERR; one OPT plus another additional
 * record is fine. */
TEST(dns64_two_opt_formerr)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 10);
	struct dns64_step s;
	uint8_t q[512];
	size_t n = mkq(q, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, Q_EDNS);

	/* The OPT (root name, no options) is the last 11 bytes: send it twice. */
	memcpy(q + n, q + n - 11, 11);
	q[11] = 2;
	CHECK_EQ(dns64_query(d, q, n + 11, 512, 0, &s), DNS64_ANSWER);
	CHECK(s.len == 12 && s.msg[0] == q[0] && s.msg[1] == q[1] && (s.msg[2] & 0x80));
	CHECK_EQ(s.msg[3] & 0xf, LDNS_RCODE_FORMERR);
	CHECK_EQ(st.c[STAT_DNS64_ANSWER_FORMERR], 1);
	CHECK_EQ(st.c[STAT_DNS64_UPSTREAM_SENT], 0);
	CHECK_EQ(dns64_jobs(d), 0);
	/* The second one an A record instead (root owner, 192.0.2.1): answered normally. */
	memcpy(q + n, "\0\0\1\0\1\0\0\0\0\0\4\300\0\2\1", 15);
	CHECK(run_q(d, &r, q, n + 15, 512, 0));
	CHECK_EQ(r.n_up, 2);
	CHECK_EQ(RCODE(&r), LDNS_RCODE_NOERROR);
	CHECK(ldns_pkt_edns(r.reply));
	CHECK_EQ(st.c[STAT_DNS64_ANSWER_FORMERR], 1);
	run_free(&r);
	dns64_free(d);
}

/* Malformed queries: FORMERR with the client's ID, never a crash; responses and runts ignored. */
TEST(dns64_malformed_queries)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 10);
	struct dns64_step s;
	uint8_t q[512];
	size_t n = mkq(q, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, 0);

	CHECK_EQ(dns64_query(d, q, 11, 512, 0, &s), DNS64_NONE);
	q[2] |= 0x80;	/* QR */
	CHECK_EQ(dns64_query(d, q, n, 512, 0, &s), DNS64_NONE);
	q[2] &= 0x7f;
	/* Truncated question. */
	CHECK_EQ(dns64_query(d, q, n - 3, 512, 0, &s), DNS64_ANSWER);
	CHECK(s.len == 12 && s.msg[0] == q[0] && s.msg[1] == q[1] && (s.msg[2] & 0x80) && (s.msg[3] & 0xf) == 1);
	/* QDCOUNT 0 and 2. */
	q[5] = 0;
	CHECK_EQ(dns64_query(d, q, 12, 512, 0, &s), DNS64_ANSWER);
	CHECK_EQ(s.msg[3] & 0xf, LDNS_RCODE_FORMERR);
	q[5] = 2;
	CHECK_EQ(dns64_query(d, q, n, 512, 0, &s), DNS64_ANSWER);
	CHECK_EQ(s.msg[3] & 0xf, LDNS_RCODE_FORMERR);
	q[5] = 1;
	/* Opcode NOTIFY: NOTIMP. */
	q[2] = (uint8_t)(q[2] | 4 << 3);
	CHECK_EQ(dns64_query(d, q, n, 512, 0, &s), DNS64_ANSWER);
	CHECK_EQ(s.msg[3] & 0xf, LDNS_RCODE_NOTIMPL);
	CHECK_EQ((s.msg[2] >> 3) & 0xf, 4);
	CHECK_EQ(st.c[STAT_DNS64_ANSWER_FORMERR], 3);
	CHECK_EQ(st.c[STAT_DNS64_DROP_QUERY], 2);
	CHECK_EQ(dns64_jobs(d), 0);
	/* AXFR: NOTIMP with the question. */
	n = mkq(q, "lab.example.", LDNS_RR_TYPE_AXFR, LDNS_RR_CLASS_IN, 0);
	CHECK(run_q(d, &r, q, n, 512, 0));
	CHECK_EQ(RCODE(&r), LDNS_RCODE_NOTIMPL);
	CHECK_EQ(r.n_up, 0);
	run_free(&r);
	dns64_free(d);
}

/* RFC 6891 §6.1.3: an EDNS version we do not speak gets BADVERS (extended RCODE 16). */
TEST(dns64_badvers)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 10);
	uint8_t q[512];
	size_t n = mkq(q, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, Q_EDNS);

	q[n - 11 + 6] = 1;	/* the OPT's version byte (the OPT is the last RR, no options) */
	CHECK(run_q(d, &r, q, n, 512, 0));
	CHECK_EQ(r.n_up, 0);
	CHECK(ldns_pkt_edns(r.reply));
	CHECK_EQ(ldns_pkt_edns_extended_rcode(r.reply), 1);
	CHECK_EQ(st.c[STAT_DNS64_ANSWER_BADVERS], 1);
	run_free(&r);
	dns64_free(d);
}

/* Random client bytes: any answer is a well-formed response, and every query is accounted for. */
TEST(dns64_random_queries)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 10);
	uint32_t x = 12345;
	uint8_t q[300];
	struct dns64_step s;

	for (int i = 0; i < 20000; i++) {
		size_t n = 12 + (x % 200);
		enum dns64_act a;

		for (size_t k = 0; k < n; k++) {
			x = x * 1103515245 + 12345;
			q[k] = (uint8_t)(x >> 16);
		}
		if (i & 1) {	/* half of them look like queries, to go deeper */
			q[2] &= 0x07;
			q[4] = 0;
			q[5] = 1;
		}
		a = dns64_query(d, q, n, 512, 0, &s);
		if (a == DNS64_ANSWER) {
			CHECK(s.len >= 12 && s.len <= 512 && (s.msg[2] & 0x80));
			CHECK(s.msg[0] == q[0] && s.msg[1] == q[1]);
		} else if (a == DNS64_UPSTREAM) {
			dns64_cancel(d, s.job);
		}
	}
	CHECK_EQ(outcomes(&st), 20000);
	CHECK_EQ(dns64_jobs(d), 0);
	dns64_free(d);
}

static int garbage(const ldns_pkt *q, int n, uint8_t *buf, size_t *len)
{
	(void)q;
	if (n)
		return 0;
	memcpy(buf, "\x12\x34\x81\x80\x00\x01\x00\x05garbage", 15);
	*len = 15;
	return 1;
}

/* A hook's upstream answer: p on the wire in buf (*len bytes), then freed. */
static int reply_with(ldns_pkt *p, uint8_t *buf, size_t *len)
{
	uint8_t *w = NULL;

	ldns_pkt2wire(&w, p, len);
	memcpy(buf, w, *len);
	free(w);
	ldns_pkt_free(p);
	return 1;
}

static int truncated(const ldns_pkt *q, int n, uint8_t *buf, size_t *len)
{
	(void)n;
	reply_with(zone_answer(q), buf, len);
	*len -= 5;
	return 1;
}

static int wrong_question(const ldns_pkt *q, int n, uint8_t *buf, size_t *len)
{
	ldns_pkt *other = ldns_pkt_query_new(ldns_dname_new_frm_str("dual.lab.example."),
					     ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(q), 0)), LDNS_RR_CLASS_IN, LDNS_RD);

	(void)n;
	reply_with(zone_answer(other), buf, len);
	ldns_pkt_free(other);
	return 1;
}

static int not_response(const ldns_pkt *q, int n, uint8_t *buf, size_t *len)
{
	ldns_pkt *p = zone_answer(q);

	(void)n;
	ldns_pkt_set_qr(p, false);
	return reply_with(p, buf, len);
}

/* Malformed upstream answers count as a failure: for AAAA the A query follows, else SERVFAIL. */
TEST(dns64_malformed_upstream)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 10);

	r.hook = garbage;
	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(r.n_up, 2);
	CHECK_STR(ANS(&r), "a-only.lab.example. 600 AAAA 64:ff9b::c000:20a");
	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_TXT, 0, 0));
	CHECK_EQ(RCODE(&r), LDNS_RCODE_SERVFAIL);
	r.hook = truncated;
	CHECK(ask_name(d, &r, "multi.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(RCODE(&r), LDNS_RCODE_SERVFAIL);	/* AAAA -> A, A broken too */
	CHECK_EQ(r.n_up, 2);
	r.hook = wrong_question;
	CHECK(ask_name(d, &r, "global.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(RCODE(&r), LDNS_RCODE_SERVFAIL);
	r.hook = not_response;
	CHECK(ask_name(d, &r, "global.lab.example.", LDNS_RR_TYPE_A, 0, 0));
	CHECK_EQ(RCODE(&r), LDNS_RCODE_SERVFAIL);
	CHECK_EQ(st.c[STAT_DNS64_UPSTREAM_MALFORMED], 7);
	CHECK_EQ(dns64_cache_count(d), 1);	/* only the synthesized answer; SERVFAIL is not kept */
	r.hook = NULL;
	run_free(&r);
	dns64_free(d);
}

/* Random upstream bytes at each stage: always a parsable answer, never a crash or a stuck job. */
TEST(dns64_random_upstream)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 10);
	uint32_t x = 99;
	uint8_t q[512], a[600];
	size_t n = mkq(q, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, 0);

	for (int i = 0; i < 3000; i++) {
		struct dns64_step s;
		enum dns64_act act = dns64_query(d, q, n, 512, 0, &s);
		ldns_pkt *p = NULL;

		for (int k = 0; act == DNS64_UPSTREAM && k < 4; k++) {
			size_t len = s.len + (x % 64);

			/* The upstream query with its tail mangled: deep into the parser. */
			memcpy(a, s.msg, s.len);
			a[2] |= 0x80;
			for (size_t b = 12 + x % 8; b < len; b += 1 + x % 5) {
				x = x * 1103515245 + 12345;
				a[b] = (uint8_t)(x >> 16);
			}
			act = dns64_upstream(d, s.job, a, len, 0, &s);
		}
		CHECK_EQ(act, DNS64_ANSWER);
		CHECK(ldns_wire2pkt(&p, s.msg, s.len) == LDNS_STATUS_OK);
		ldns_pkt_free(p);
	}
	CHECK_EQ(dns64_jobs(d), 0);
	dns64_free(d);
}

/* Jobs: cancel drops one (a late answer is ignored), unknown IDs are ignored, many run at once. */
TEST(dns64_jobs_cancel)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 10);
	struct dns64_step s, t;
	uint8_t q[512];
	size_t n = mkq(q, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, 0);
	uint32_t ids[300];

	CHECK_EQ(dns64_query(d, q, n, 512, 0, &s), DNS64_UPSTREAM);
	CHECK_EQ(dns64_jobs(d), 1);
	dns64_cancel(d, s.job);
	CHECK_EQ(dns64_jobs(d), 0);
	CHECK_EQ(st.c[STAT_DNS64_DROP_CANCEL], 1);
	CHECK_EQ(dns64_upstream(d, s.job, q, n, 0, &t), DNS64_NONE);
	CHECK_EQ(dns64_fail(d, s.job, 0, &t), DNS64_NONE);
	dns64_cancel(d, s.job);
	dns64_cancel(d, 0xdeadbeef);
	CHECK_EQ(st.c[STAT_DNS64_DROP_CANCEL], 1);
	/* A reused slot gets a new ID: the old one still finds nothing. */
	CHECK_EQ(dns64_query(d, q, n, 512, 0, &t), DNS64_UPSTREAM);
	CHECK(t.job != s.job);
	CHECK_EQ(dns64_fail(d, s.job, 0, &s), DNS64_NONE);
	dns64_cancel(d, t.job);
	for (int i = 0; i < 300; i++) {
		CHECK_EQ(dns64_query(d, q, n, 512, 0, &s), DNS64_UPSTREAM);
		ids[i] = s.job;
	}
	CHECK_EQ(dns64_jobs(d), 300);
	for (int i = 299; i >= 0; i--) {
		CHECK_EQ(dns64_fail(d, ids[i], 0, &s), DNS64_UPSTREAM);	/* AAAA failed: A */
		CHECK_EQ(s.job, ids[i]);
		CHECK_EQ(dns64_fail(d, ids[i], 0, &s), DNS64_ANSWER);
	}
	CHECK_EQ(dns64_jobs(d), 0);
	/* At DNS64_JOBS_MAX jobs waiting, the next query gets SERVFAIL at once. */
	for (unsigned i = 0; i < DNS64_JOBS_MAX; i++)
		CHECK_EQ(dns64_query(d, q, n, 512, 0, &s), DNS64_UPSTREAM);
	CHECK_EQ(dns64_query(d, q, n, 512, 0, &s), DNS64_ANSWER);
	CHECK_EQ(s.msg[3] & 0xf, LDNS_RCODE_SERVFAIL);
	CHECK_EQ(st.c[STAT_DNS64_JOBS_FULL], 1);
	CHECK_EQ(dns64_jobs(d), DNS64_JOBS_MAX);
	/* Jobs left open are freed with the engine (ASan checks). */
	dns64_free(d);
}

static int still_truncated(const ldns_pkt *q, int n, uint8_t *buf, size_t *len)
{
	ldns_pkt *p = zone_answer(q);

	(void)n;
	ldns_pkt_set_tc(p, true);
	return reply_with(p, buf, len);
}

/* An upstream answer still truncated (TC=1 after the server's TCP retry) is relayed with TC=1 and
 * never cached. */
TEST(dns64_upstream_truncated_not_cached)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 10);

	r.hook = still_truncated;
	CHECK(ask_name(d, &r, "dual.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK(ldns_pkt_tc(r.reply));
	CHECK_EQ(dns64_cache_count(d), 0);
	r.hook = NULL;
	CHECK(ask_name(d, &r, "dual.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(r.n_up, 1);
	CHECK(!ldns_pkt_tc(r.reply));
	CHECK_EQ(dns64_cache_count(d), 1);
	run_free(&r);
	dns64_free(d);
}
