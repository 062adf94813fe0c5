/* The DNS64 engine's rules (RFC 6147, RFC 6052, RFC 8880), replayed against a scripted fake upstream.
 * The anchors item numbers refer to ../shared/brief/anchors/dns64-pref64.md §1. */
#include "harness.h"
#include "dns64_fake.h"
#include "rfc6052_table.h"

static struct stats st;
static struct run r;

/* §1 items 1, 28: another class is relayed as if there were no DNS64. */
TEST(dns64_aaaa_other_class_relayed)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 0);
	uint8_t q[512];
	size_t n = mkq(q, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_CH, 0);

	CHECK(run_q(d, &r, q, n, 512, 0));
	CHECK_EQ(r.act, DNS64_ANSWER);
	CHECK_EQ(r.n_up, 1);
	CHECK_STR(r.asked[0], "a-only.lab.example. AAAA");
	CHECK_STR(ANS(&r), "");
	CHECK_EQ(st.c[STAT_DNS64_ANSWER_UPSTREAM], 1);
	run_free(&r);
	dns64_free(d);
}

/* §1 item 2: an A query (and any other type) is returned unchanged, nothing synthesized. */
TEST(dns64_a_and_txt_unchanged)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 0);

	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_A, 0, 0));
	CHECK_EQ(r.n_up, 1);
	CHECK_STR(ANS(&r), "a-only.lab.example. 3600 A 192.0.2.10");
	CHECK_STR(AUTH(&r), "lab.example. 3600 NS ns.lab.example.");
	CHECK_STR(ADDL(&r), "ns.lab.example. 3600 A 127.0.0.2");
	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_TXT, 0, 0));
	CHECK_STR(ANS(&r), "a-only.lab.example. 3600 TXT \"hello\"");
	CHECK_EQ(st.c[STAT_DNS64_ANSWER_SYNTH], 0);
	run_free(&r);
	dns64_free(d);
}

/* §1 item 3: a real AAAA is returned as is, no A query, no synthesis. */
TEST(dns64_real_aaaa_returned)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 0);

	CHECK(ask_name(d, &r, "dual.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(r.n_up, 1);
	CHECK_STR(ANS(&r), "dual.lab.example. 3600 AAAA 2001:db8::20");
	CHECK_STR(AUTH(&r), "lab.example. 3600 NS ns.lab.example.");
	CHECK_STR(ADDL(&r), "ns.lab.example. 3600 A 127.0.0.2");
	CHECK_EQ(RCODE(&r), LDNS_RCODE_NOERROR);
	run_free(&r);
	dns64_free(d);
}

/* §1 items 4, 14, 15, 20: NODATA -> A query -> synthetic AAAA owned by the A's name, TTL min(A, SOA)
 * = 300, the A gone, authority/additional from the A answer (not the AAAA answer's SOA). */
TEST(dns64_nodata_synthesizes)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 0);

	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(r.n_up, 2);
	CHECK_STR(r.asked[0], "a-only.lab.example. AAAA");
	CHECK_STR(r.asked[1], "a-only.lab.example. A");
	CHECK_EQ(RCODE(&r), LDNS_RCODE_NOERROR);
	CHECK_STR(ANS(&r), "a-only.lab.example. 300 AAAA 64:ff9b::c000:20a");
	CHECK_STR(AUTH(&r), "lab.example. 3600 NS ns.lab.example.");
	CHECK_STR(ADDL(&r), "ns.lab.example. 3600 A 127.0.0.2");
	CHECK(ldns_pkt_qr(r.reply) && ldns_pkt_ra(r.reply) && !ldns_pkt_aa(r.reply) && !ldns_pkt_tc(r.reply));
	CHECK_EQ(st.c[STAT_DNS64_ANSWER_SYNTH], 1);
	CHECK_EQ(st.c[STAT_DNS64_UPSTREAM_SENT], 2);
	/* §1 item 15: short A TTL wins. */
	CHECK(ask_name(d, &r, "short-ttl.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_STR(ANS(&r), "short-ttl.lab.example. 60 AAAA 64:ff9b::c000:23c");
	run_free(&r);
	dns64_free(d);
}

/* The upstream queries: ID 0 (the server sets it), RD=1, EDNS0, CD and DO as the client's. */
TEST(dns64_upstream_query_form)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 0);

	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, Q_DO | Q_NORD, 0));
	CHECK_EQ(r.n_up, 2);
	for (int i = 0; i < 2; i++)
		CHECK(r.up_id[i] == 0 && r.up_rd[i] && r.up_edns[i] && r.up_do[i] && !r.up_cd[i]);
	CHECK(!ldns_pkt_rd(r.reply));	/* the client's RD echoed */
	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, Q_CD, 0));
	CHECK(r.n_up == 1 && r.up_cd[0] && !r.up_do[0]);
	run_free(&r);
	dns64_free(d);
}

/* §1 item 5: NXDOMAIN is returned as is, and no A query is needed. */
TEST(dns64_nxdomain_as_is)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 0);

	CHECK(ask_name(d, &r, "nx.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(r.n_up, 1);
	CHECK_EQ(RCODE(&r), LDNS_RCODE_NXDOMAIN);
	CHECK_STR(ANS(&r), "");
	CHECK_STR(AUTH(&r), SOA_TEXT);
	run_free(&r);
	dns64_free(d);
}

/* §1 item 6: SERVFAIL, FORMERR, NOTIMP, REFUSED on the AAAA query go on to A; TTL cap 600 (no SOA). */
TEST(dns64_error_rcode_goes_to_a)
{
	static const char *const names[] = { "err-servfail", "err-formerr", "err-notimp", "err-refused" };
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 0);

	for (int i = 0; i < 4; i++) {
		char name[64], want[128];

		snprintf(name, sizeof(name), "%s.lab.example.", names[i]);
		CHECK(ask_name(d, &r, name, LDNS_RR_TYPE_AAAA, 0, 0));
		CHECK_EQ(r.n_up, 2);
		CHECK_EQ(RCODE(&r), LDNS_RCODE_NOERROR);	/* the A query's NODATA is the basis (item 8) */
		CHECK_STR(ANS(&r), "");
		snprintf(want, sizeof(want), "%s A", name);
		CHECK_STR(r.asked[1], want);
	}
	CHECK_EQ(st.c[STAT_DNS64_AAAA_RCODE], 4);
	run_free(&r);
	dns64_free(d);
}

static int fail_aaaa(const ldns_pkt *q, int n, uint8_t *buf, size_t *len)
{
	(void)buf;
	(void)len;
	return n == 0 && ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(q), 0)) == LDNS_RR_TYPE_AAAA ? -1 : 0;
}

static int fail_all(const ldns_pkt *q, int n, uint8_t *buf, size_t *len)
{
	(void)q;
	(void)n;
	(void)buf;
	(void)len;
	return -1;
}

/* §1 item 7: an AAAA timeout (dns64_fail) counts as SERVFAIL, so the A query goes on: synthesized with
 * the 600 s cap. A failing A query, or any other failing query, gives SERVFAIL. */
TEST(dns64_fail_aaaa_then_a)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 0);

	r.hook = fail_aaaa;
	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(r.n_up, 2);
	CHECK_STR(ANS(&r), "a-only.lab.example. 600 AAAA 64:ff9b::c000:20a");
	r.hook = fail_all;
	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, Q_EDNS, 0));
	CHECK_EQ(r.n_up, 2);
	CHECK_EQ(RCODE(&r), LDNS_RCODE_SERVFAIL);
	CHECK(ldns_pkt_edns(r.reply));
	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_MX, 0, 0));
	CHECK_EQ(r.n_up, 1);
	CHECK_EQ(RCODE(&r), LDNS_RCODE_SERVFAIL);
	CHECK_EQ(st.c[STAT_DNS64_ANSWER_SERVFAIL], 2);
	r.hook = NULL;
	/* §1 item 8: the A query's SERVFAIL is the answer. */
	CHECK(ask_name(d, &r, "a-fail.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(RCODE(&r), LDNS_RCODE_SERVFAIL);
	CHECK_EQ(dns64_jobs(d), 0);
	run_free(&r);
	dns64_free(d);
}

/* §1 item 8: NODATA for AAAA and A stays NODATA, with the A answer's SOA. */
TEST(dns64_nodata_both)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 0);

	CHECK(ask_name(d, &r, "txt-only.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(r.n_up, 2);
	CHECK_EQ(RCODE(&r), LDNS_RCODE_NOERROR);
	CHECK_STR(ANS(&r), "");
	CHECK_STR(AUTH(&r), SOA_TEXT);
	run_free(&r);
	dns64_free(d);
}

/* §1 items 10-12: excluded AAAA (default ::ffff:0:0/96) are removed; all excluded = empty. */
TEST(dns64_exclusion_default)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 0);

	CHECK(ask_name(d, &r, "mapped-only.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(r.n_up, 2);
	CHECK_STR(ANS(&r), "");
	CHECK_STR(AUTH(&r), SOA_TEXT);
	CHECK(ask_name(d, &r, "mapped-plus-a.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_STR(ANS(&r), "mapped-plus-a.lab.example. 600 AAAA 64:ff9b::c000:21f");
	CHECK(ask_name(d, &r, "mixed.lab.example.", LDNS_RR_TYPE_AAAA, Q_DO, 0));
	CHECK_EQ(r.n_up, 1);
	CHECK_STR(ANS(&r), "mixed.lab.example. 3600 AAAA 2001:db8::32, mixed.lab.example. 3600 AAAA 2001:db8:ffff::1");
	CHECK(!ldns_pkt_ad(r.reply));	/* records removed: the upstream's AD no longer holds */
	CHECK_EQ(st.c[STAT_DNS64_AAAA_EXCLUDED], 3);
	run_free(&r);
	dns64_free(d);
}

/* §1 item 13: with two excluded prefixes, a record inside either is excluded. */
TEST(dns64_exclusion_any_prefix)
{
	struct dns64_conf c = { .allow_nonglobal = true, .n_exclude = 2 };
	const char *why;
	struct dns64 *d;

	memset(&st, 0, sizeof(st));
	CHECK(prefix6_parse("64:ff9b::/96", &c.prefix, &why));
	CHECK(prefix6_parse("::ffff:0:0/96", &c.exclude[0], &why));
	CHECK(prefix6_parse("2001:db8:ffff::/48", &c.exclude[1], &why));
	d = dns64_new(&c, &st);
	CHECK(d);
	CHECK(ask_name(d, &r, "mixed.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_STR(ANS(&r), "mixed.lab.example. 3600 AAAA 2001:db8::32");
	/* An empty exclusion list means the default, so ::ffff:... alone is excluded. */
	dns64_free(d);
	c.n_exclude = 0;
	d = dns64_new(&c, &st);
	CHECK(ask_name(d, &r, "mixed.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_STR(ANS(&r), "mixed.lab.example. 3600 AAAA 2001:db8::32, mixed.lab.example. 3600 AAAA 2001:db8:ffff::1");
	run_free(&r);
	dns64_free(d);
}

/* §1 item 17 (one prefix): one synthetic AAAA per A, in order. */
TEST(dns64_multi_a)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 0);

	CHECK(ask_name(d, &r, "multi.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_STR(ANS(&r), "multi.lab.example. 300 AAAA 64:ff9b::c000:229, multi.lab.example. 300 AAAA 64:ff9b::c000:22a");
	run_free(&r);
	dns64_free(d);
}

/* §1 item 18: the CNAME chain is kept ahead of the synthetic AAAA, the A query asks for its end. */
TEST(dns64_cname_chain)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 0);

	CHECK(ask_name(d, &r, "cname2.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(r.n_up, 2);
	CHECK_STR(r.asked[1], "a-only.lab.example. A");
	CHECK_STR(ANS(&r), "cname2.lab.example. 3600 CNAME cname.lab.example., "
			   "cname.lab.example. 3600 CNAME a-only.lab.example., "
			   "a-only.lab.example. 300 AAAA 64:ff9b::c000:20a");
	CHECK(ask_name(d, &r, "cname.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_STR(ANS(&r), "cname.lab.example. 3600 CNAME a-only.lab.example., a-only.lab.example. 300 AAAA 64:ff9b::c000:20a");
	/* A chain that ends in a real AAAA is returned as is. */
	CHECK(ask_name(d, &r, "cname-dual.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(r.n_up, 1);
	CHECK_STR(ANS(&r), "cname-dual.lab.example. 3600 CNAME dual.lab.example., dual.lab.example. 3600 AAAA 2001:db8::20");
	run_free(&r);
	dns64_free(d);
}

/* §1 item 18: a DNAME without its synthesized CNAME is followed too (RFC 6672). */
TEST(dns64_dname_chain)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 0);

	CHECK(ask_name(d, &r, "x.dn.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(r.n_up, 2);
	CHECK_STR(r.asked[1], "x.alias.example. A");
	CHECK_STR(ANS(&r), "dn.lab.example. 3600 DNAME alias.example., x.alias.example. 600 AAAA 64:ff9b::c000:24d");
	run_free(&r);
	dns64_free(d);
}

/* §1 items 19-20 and RFC 6147 §5.4: ID and question (letter case included) from the client. */
TEST(dns64_header_and_question_from_client)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 0);
	uint8_t q[512];
	size_t n = mkq(q, "A-Only.LAB.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, 0);

	CHECK(run_q(d, &r, q, n, 512, 0));
	CHECK_EQ(ldns_pkt_id(r.reply), Q_ID);
	CHECK_MEM(r.raw + 12, q + 12, n - 12);	/* the question, byte for byte */
	CHECK_EQ(ldns_pkt_ancount(r.reply), 1);
	CHECK(!ldns_pkt_edns(r.reply));		/* no OPT to a client that sent none */
	run_free(&r);
	dns64_free(d);
}

/* §1 item 21: a synthesized answer that outgrows the client's size is truncated (TC=1, no records);
 * over TCP (65535) or with a large EDNS size it is whole. OPT is echoed with DO. */
TEST(dns64_truncation)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 0);
	uint8_t q[512];
	size_t n;

	/* 20 A records fit 512 bytes as A (20 * 16 + header) but not as AAAA (20 * 28). */
	big_n = 20;
	n = mkq(q, "big.lab.example.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0);
	CHECK(run_q(d, &r, q, n, 512, 0));
	CHECK(!ldns_pkt_tc(r.reply));
	CHECK_EQ(ldns_pkt_ancount(r.reply), 20);
	n = mkq(q, "big.lab.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, 0);
	CHECK(run_q(d, &r, q, n, 512, 0));
	CHECK(ldns_pkt_tc(r.reply));
	CHECK_EQ(ldns_pkt_ancount(r.reply), 0);
	CHECK_EQ(ldns_pkt_qdcount(r.reply), 1);
	CHECK(r.len <= 512);
	CHECK_EQ(st.c[STAT_DNS64_TRUNCATED], 1);
	n = mkq(q, "big.lab.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, Q_DO);
	CHECK(run_q(d, &r, q, n, 4096, 0));
	CHECK(!ldns_pkt_tc(r.reply));
	CHECK_EQ(ldns_pkt_ancount(r.reply), 20);
	CHECK(ldns_pkt_edns(r.reply) && ldns_pkt_edns_do(r.reply));
	CHECK_EQ(ldns_pkt_edns_udp_size(r.reply), 1232);
	CHECK(run_q(d, &r, q, n, 600, 0));
	CHECK(ldns_pkt_tc(r.reply) && ldns_pkt_edns(r.reply) && ldns_pkt_edns_do(r.reply));
	big_n = 40;
	run_free(&r);
	dns64_free(d);
}

/* §1 items 22-23: PTR for an address under the prefix -> CNAME to in-addr.arpa + the upstream PTR;
 * outside the prefix processed normally. */
TEST(dns64_ptr_under_prefix)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 0);
	const char *name = "A.0.2.0.0.0.0.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa.";

	CHECK(ask_name(d, &r, name, LDNS_RR_TYPE_PTR, Q_DO, 0));
	CHECK_EQ(r.n_up, 1);
	CHECK_STR(r.asked[0], "10.2.0.192.in-addr.arpa. PTR");
	CHECK_STR(ANS(&r), "A.0.2.0.0.0.0.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa. 600 CNAME "
			   "10.2.0.192.in-addr.arpa., 10.2.0.192.in-addr.arpa. 3600 PTR a-only.lab.example.");
	CHECK(!ldns_pkt_ad(r.reply));
	CHECK_EQ(st.c[STAT_DNS64_ANSWER_PTR], 1);
	CHECK(ask_name(d, &r, "0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
		       LDNS_RR_TYPE_PTR, 0, 0));
	CHECK_EQ(r.n_up, 1);
	CHECK_STR(ANS(&r), "0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 3600 PTR dual.lab.example.");
	/* A shorter ip6.arpa name (a zone cut) is not an address: relayed. */
	CHECK(ask_name(d, &r, "b.9.f.f.4.6.0.0.ip6.arpa.", LDNS_RR_TYPE_PTR, 0, 0));
	CHECK_STR(r.asked[0], "b.9.f.f.4.6.0.0.ip6.arpa. PTR");
	/* CD=1: the client validates, no synthetic CNAME. */
	CHECK(ask_name(d, &r, name, LDNS_RR_TYPE_PTR, Q_CD, 0));
	CHECK_STR(r.asked[0], "a.0.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa. PTR");
	run_free(&r);
	dns64_free(d);
}

/* §1 item 23: non-/96 layouts decode too (2001:db8:122:3c0:0:221:: under a /56 is 192.0.2.33). */
TEST(dns64_ptr_56)
{
	struct dns64 *d = mk(&st, "2001:db8:122:300::/56", false, 0);

	CHECK(ask_name(d, &r, "0.0.0.0.0.0.0.0.1.2.2.0.0.0.0.0.0.c.3.0.2.2.1.0.8.b.d.0.1.0.0.2.ip6.arpa.",
		       LDNS_RR_TYPE_PTR, 0, 0));
	CHECK_STR(r.asked[0], "33.2.0.192.in-addr.arpa. PTR");
	CHECK(strstr(ANS(&r), "CNAME 33.2.0.192.in-addr.arpa., 33.2.0.192.in-addr.arpa. 3600 PTR t33.lab.example."));
	run_free(&r);
	dns64_free(d);
}

/* §1 items 26-28: CD=1 (with or without DO) -> the data as a normal resolver returns it. */
TEST(dns64_cd_no_synthesis)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 0);

	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, Q_CD | Q_DO, 0));
	CHECK_EQ(r.n_up, 1);
	CHECK_STR(ANS(&r), "");
	CHECK_STR(AUTH(&r), SOA_TEXT);
	CHECK(ldns_pkt_cd(r.reply));
	CHECK(ask_name(d, &r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, Q_CD, 0));
	CHECK_EQ(r.n_up, 1);
	CHECK_STR(ANS(&r), "");
	CHECK_EQ(st.c[STAT_DNS64_ANSWER_SYNTH], 0);
	run_free(&r);
	dns64_free(d);
}

/* §1 items 24-25 (non-validating part): AD never on synthetic data; relayed AD only for DO or AD. */
TEST(dns64_ad_rules)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", true, 0);

	CHECK(ask_name(d, &r, "signed.lab.example.", LDNS_RR_TYPE_AAAA, Q_DO, 0));
	CHECK_STR(ANS(&r), "signed.lab.example. 300 AAAA 64:ff9b::c000:246");	/* RRSIG(A) dropped */
	CHECK(!ldns_pkt_ad(r.reply));
	CHECK(ask_name(d, &r, "signed.lab.example.", LDNS_RR_TYPE_A, Q_DO, 0));
	CHECK(ldns_pkt_ad(r.reply));
	CHECK(ask_name(d, &r, "dual.lab.example.", LDNS_RR_TYPE_AAAA, Q_AD, 0));
	CHECK(ldns_pkt_ad(r.reply));
	CHECK(ask_name(d, &r, "dual.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK(!ldns_pkt_ad(r.reply));
	run_free(&r);
	dns64_free(d);
}

/* §1 item 32: with 64:ff9b::/96 a non-global IPv4 is not synthesized unless allow_nonglobal; a
 * network-specific prefix carries it. */
TEST(dns64_nonglobal_wkp)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", false, 0);

	CHECK(ask_name(d, &r, "priv.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(r.n_up, 2);
	CHECK_STR(ANS(&r), "");
	CHECK_EQ(st.c[STAT_DNS64_NONGLOBAL], 1);
	CHECK_EQ(st.c[STAT_DNS64_ANSWER_UPSTREAM], 1);
	CHECK(ask_name(d, &r, "mixpriv.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_STR(ANS(&r), "mixpriv.lab.example. 300 AAAA 64:ff9b::5db8:d822");
	CHECK(ask_name(d, &r, "global.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_STR(ANS(&r), "global.lab.example. 300 AAAA 64:ff9b::5db8:d822");
	/* PTR under the WKP for a non-global address: processed normally. */
	CHECK(ask_name(d, &r, "3.0.2.0.1.0.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa.",
		       LDNS_RR_TYPE_PTR, 0, 0));
	CHECK_STR(r.asked[0], "3.0.2.0.1.0.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa. PTR");
	dns64_free(d);
	d = mk(&st, "64:ff9b::/96", true, 0);
	CHECK(ask_name(d, &r, "priv.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_STR(ANS(&r), "priv.lab.example. 300 AAAA 64:ff9b::a01:203");
	dns64_free(d);
	d = mk(&st, "64:ff9b:1:fffe::/96", false, 0);
	CHECK(ask_name(d, &r, "priv.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_STR(ANS(&r), "priv.lab.example. 300 AAAA 64:ff9b:1:fffe::a01:203");
	run_free(&r);
	dns64_free(d);
}

/* RFC 6147 §5.1.6, RFC 2308 §5: when every A is non-global (RFC 6052 §3.1) the NODATA carries the
 * negative AAAA answer's SOA, so it is cached like any negative answer instead of costing two upstream
 * queries each time. Without an SOA in the AAAA answer (here: it timed out) none is made up, and the
 * reply is not cached. */
TEST(dns64_nonglobal_nodata_soa)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", false, 10);

	CHECK(ask_name(d, &r, "priv.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(r.n_up, 2);
	CHECK_EQ(RCODE(&r), LDNS_RCODE_NOERROR);
	CHECK_STR(ANS(&r), "");
	CHECK_STR(AUTH(&r), SOA_TEXT);
	CHECK(ask_name(d, &r, "priv.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(r.n_up, 0);
	CHECK_STR(AUTH(&r), SOA_TEXT);
	CHECK_EQ(st.c[STAT_DNS64_ANSWER_CACHE], 1);
	/* The A answer's own authority stays, the SOA goes after it. */
	CHECK(ask_name(d, &r, "priv-ns.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_STR(AUTH(&r), "lab.example. 3600 NS ns.lab.example., " SOA_TEXT);
	dns64_free(d);
	d = mk(&st, "64:ff9b::/96", false, 10);
	r.hook = fail_aaaa;
	CHECK(ask_name(d, &r, "priv.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(r.n_up, 2);
	CHECK_STR(ANS(&r), "");
	CHECK_STR(AUTH(&r), "");
	r.hook = NULL;
	CHECK(ask_name(d, &r, "priv.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(r.n_up, 2);
	CHECK_EQ(st.c[STAT_DNS64_ANSWER_CACHE], 0);
	run_free(&r);
	dns64_free(d);
}

/* §1 items 33-38: the RFC 6052 §2.4 table through the engine, every prefix length. */
TEST(dns64_rfc6052_all_lengths)
{
	struct in6_addr a, b;
	struct prefix6 p;
	const char *why;

	for (size_t i = 0; i < RFC6052_TABLE_N; i++) {
		struct dns64 *d = mk(&st, rfc6052_table[i].prefix, true, 0);
		char want[128];

		CHECK(ask_name(d, &r, "t33.lab.example.", LDNS_RR_TYPE_AAAA, 0, 0));
		snprintf(want, sizeof(want), "t33.lab.example. 300 AAAA %s", rfc6052_table[i].addr);
		CHECK_STR(ANS(&r), want);
		dns64_free(d);
	}
	/* Item 38: the dotted-quad tail names the same address. */
	CHECK(inet_pton(AF_INET6, "64:ff9b::192.0.2.33", &a) == 1 && inet_pton(AF_INET6, "64:ff9b::c000:221", &b) == 1);
	CHECK_MEM(&a, &b, 16);
	/* Items 33-34: other lengths and a non-zero u-octet are refused (config time). */
	CHECK(prefix6_parse("2001:db8::/33", &p, &why) && !rfc6052_prefix_valid(&p, &why));
	CHECK(prefix6_parse("2001:db8:0:0:ff00::/96", &p, &why) && !rfc6052_prefix_valid(&p, &why));
	run_free(&r);
}

/* Every query ends in exactly one outcome counter. */
TEST(dns64_outcomes_partition)
{
	struct dns64 *d = mk(&st, "64:ff9b::/96", false, 100);
	static const char *const names[] = { "a-only", "dual", "nx", "priv", "cname2", "mapped-only", "dual" };

	for (int i = 0; i < 7; i++) {
		char name[64];

		snprintf(name, sizeof(name), "%s.lab.example.", names[i]);
		CHECK(ask_name(d, &r, name, LDNS_RR_TYPE_AAAA, 0, 0));
	}
	CHECK(ask_name(d, &r, "ipv4only.arpa.", LDNS_RR_TYPE_AAAA, 0, 0));
	CHECK_EQ(st.c[STAT_DNS64_QUERIES], 8);
	CHECK_EQ(outcomes(&st), 8);
	CHECK_EQ(st.c[STAT_DNS64_ANSWER_CACHE], 1);
	run_free(&r);
	dns64_free(d);
}
