/*
 * libFuzzer target for the DNS64 engine (dns64.h) without sockets. Input: one settings byte, then
 * chunks of [2-byte length][bytes]. A chunk is a client query; while the engine asks upstream, the
 * next chunks are the upstream's answers (an empty chunk is dns64_fail(); a chunk whose first byte is
 * odd gets the engine's own header and question put in front, so it passes the question check and
 * reaches the synthesis code). Every reply must parse with ldns, fit the client's size and carry its
 * ID; every query must end in one outcome counter; no job may be left behind. Never a crash.
 */
#include <ldns/ldns.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns64.h"
#include "stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const prefixes[] = { "64:ff9b::/96", "2001:db8::/32", "2001:db8:100::/40", "2001:db8:122::/48",
					"2001:db8:122:300::/56", "2001:db8:122:344::/64", "64:ff9b:1:fffe::/96",
					"2001:db8:122:344::/96" };

static bool chunk(const uint8_t **p, const uint8_t *end, const uint8_t **c, size_t *n)
{
	if (end - *p < 2)
		return false;
	*n = (size_t)((*p)[0] << 8 | (*p)[1]);
	*p += 2;
	if (*n > (size_t)(end - *p))
		*n = (size_t)(end - *p);
	*c = *p;
	*p += *n;
	return true;
}

/* The engine's upstream query q: its header and question, then the fuzzer's bytes as the records. */
static size_t with_question(const uint8_t *q, size_t qlen, const uint8_t *c, size_t n, uint8_t *out)
{
	size_t o = 12;

	while (o < qlen && q[o])
		o += 1u + q[o];
	o += 5;
	if (o > qlen || n < 9)
		return 0;
	memcpy(out, q, o);
	out[2] = (uint8_t)(0x80 | (c[1] & 0x7f));	/* QR, the fuzzer's opcode/AA/TC/RD */
	out[3] = c[2];
	memcpy(out + 6, c + 3, 6);			/* ANCOUNT, NSCOUNT, ARCOUNT */
	memcpy(out + o, c + 9, n - 9);
	return o + n - 9;
}

static void check_answer(const struct dns64_step *s, const uint8_t *q, size_t qlen, size_t max)
{
	ldns_pkt *p = NULL;

	if (s->len < 12 || s->len > (max < 512 ? 512 : max) || !(s->msg[2] & 0x80))
		abort();
	if (qlen >= 2 && (s->msg[0] != q[0] || s->msg[1] != q[1]))
		abort();
	if (ldns_wire2pkt(&p, s->msg, s->len) != LDNS_STATUS_OK)
		abort();
	ldns_pkt_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[DNS64_MSG_MAX + 64];
	struct dns64_conf conf = { 0 };
	struct stats st = { 0 };
	const uint8_t *p = data + 1, *end = data + size, *q, *c;
	size_t qlen, n, max;
	struct dns64 *d;
	const char *why;
	uint64_t now = 0, queries = 0;

	if (size < 1)
		return 0;
	prefix6_parse(prefixes[data[0] & 7], &conf.prefix, &why);
	conf.allow_nonglobal = data[0] & 8;
	conf.cache_max = data[0] & 16 ? 4 : 0;
	max = data[0] & 32 ? 65535 : 512;
	if (data[0] & 64) {
		conf.n_exclude = 1;
		prefix6_parse("2001:db8::/32", &conf.exclude[0], &why);
	}
	if (!(d = dns64_new(&conf, &st)))
		return 0;
	while (chunk(&p, end, &q, &qlen)) {
		struct dns64_step s;
		enum dns64_act a;

		/* Each query twice: the second may come from the cache. */
		for (int rep = 0; rep < 2; rep++) {
			const uint8_t *save = p;

			queries++;
			a = dns64_query(d, q, qlen, max, now, &s);
			while (a == DNS64_UPSTREAM) {
				if (!chunk(&p, end, &c, &n)) {
					dns64_cancel(d, s.job);
					a = DNS64_NONE;
				} else if (n == 0) {
					a = dns64_fail(d, s.job, now, &s);
				} else if (c[0] & 1) {
					size_t len = with_question(s.msg, s.len, c, n, buf);
					a = dns64_upstream(d, s.job, buf, len, now, &s);
				} else {
					a = dns64_upstream(d, s.job, c + 1, n - 1, now, &s);
				}
			}
			if (a == DNS64_ANSWER)
				check_answer(&s, q, qlen, max);
			if (!rep)
				p = save;	/* the same upstream answers for the replay */
			now += 1500;
		}
	}
	if (dns64_jobs(d) != 0 || st.c[STAT_DNS64_QUERIES] != queries)
		abort();
	if (st.c[STAT_DNS64_ANSWER_CACHE] + st.c[STAT_DNS64_ANSWER_LOCAL] + st.c[STAT_DNS64_ANSWER_SYNTH] +
	    st.c[STAT_DNS64_ANSWER_PTR] + st.c[STAT_DNS64_ANSWER_UPSTREAM] + st.c[STAT_DNS64_ANSWER_FORMERR] +
	    st.c[STAT_DNS64_ANSWER_NOTIMP] + st.c[STAT_DNS64_ANSWER_BADVERS] + st.c[STAT_DNS64_ANSWER_SERVFAIL] +
	    st.c[STAT_DNS64_DROP_QUERY] + st.c[STAT_DNS64_DROP_CANCEL] != queries)
		abort();
	dns64_free(d);
	return 0;
}
