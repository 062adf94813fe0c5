/*
 * `xlat64 sessions`, `bib` and `pool4` (nat64_view.c): the rows made from NAT64 instances, rendered by the
 * control socket's answer code as text and JSON. Two instances stand for two workers: a static BIB entry,
 * which each of them holds, shows once; pool4 rows add up their shares of the ports.
 */
#include <stdlib.h>

#include "ctl.h"
#include "harness.h"
#include "nat64_view.h"
#include "testpkt.h"

static uint8_t scratch[XLAT_SCRATCH_SIZE];
static uint8_t buf[XLAT_HEADROOM + 2048 + XLAT_TAILROOM];
static uint8_t *const pkt = buf + XLAT_HEADROOM;
static struct xlat_conf conf;
static struct stats st;
static struct xlat_out out;

struct daemon {
	struct nat64 *db[2];
	unsigned n;
	uint64_t now;
};

static bool rows(void *opaque, const struct ctl_req *req, struct ctl_rows *r, char *err, size_t errlen)
{
	struct daemon *d = opaque;
	struct nat64_view v;

	nat64_view_init(&v, req->cmd, &conf.pool6, d->now, r);
	for (unsigned i = 0; i < d->n && nat64_view_add(&v, d->db[i]); i++)
		;
	return nat64_view_finish(&v, err, errlen);
}

/* The answer to `cmd [json]` as a string (to free), NULL on error. */
static char *ask(struct daemon *d, enum ctl_cmd cmd, bool json)
{
	static const struct ctl_ops ops = { .rows = rows };
	struct ctl_req req = { cmd, json ? CTL_F_JSON : 0 };
	struct ctl_self self = { 0 };
	char *text = NULL, err[128];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	bool ok = ctl_answer(&ops, d, &self, &req, f, err, sizeof(err));

	fclose(f);
	if (!ok) {
		printf("# %s\n", err);
		free(text);
		return NULL;
	}
	return text;
}

/* Two workers' instances (w of 2) with pool4 192.0.2.2 ports 1000-1999 (TCP, UDP), a static TCP entry
 * 192.0.2.2#1500 -> 2001:db8::5#80, and in instance 0 one UDP session 2001:db8::5#40000 -> 192.0.2.7#53
 * made by a packet at time 1000 ms. */
static void setup(struct daemon *d)
{
	static const struct tp_conf c = { .pool6 = "64:ff9b::/96", .allow_nonglobal = true };
	static const uint8_t secret[16] = "nat64_view test";
	struct in6_addr h = tp_a6("2001:db8::5");
	struct nat64_conf nc;
	struct nat64_ctx ctx;
	struct prefix4 p4;
	const char *why;

	tp_conf_init(&conf, &c);
	nat64_conf_defaults(&nc);
	prefix4_parse("192.0.2.2", &p4, &why);
	d->n = 2;
	for (unsigned w = 0; w < 2; w++) {
		d->db[w] = nat64_new(&nc, w, 2, secret);
		nat64_pool4_add(d->db[w], NAT64_TCP, &p4, 1000, 1999, &why);
		nat64_pool4_add(d->db[w], NAT64_UDP, &p4, 1000, 1999, &why);
		nat64_static_add(d->db[w], NAT64_TCP, &h, 80, p4.addr, 1500, &why);
	}
	ctx = (struct nat64_ctx){ .xlat = tp_ctx(&conf, &st, scratch, 1), .db = d->db[0] };
	ctx.xlat.now = 1000;
	tp_ip6(pkt, "2001:db8::5", "64:ff9b::192.0.2.7", IPPROTO_UDP, 64, 8);
	memset(pkt + 40, 0, 8);
	tp_wr16(pkt + 40, 40000);
	tp_wr16(pkt + 42, 53);
	tp_wr16(pkt + 44, 8);
	tp_csum6(pkt, 48);
	nat64_packet(&ctx, pkt, 48, &out);
	d->now = 1000 + 60 * 1000 + 1;	/* the UDP session lives 5 min: 240 s left, rounded up */
}

static void done(struct daemon *d)
{
	for (unsigned i = 0; i < d->n; i++)
		nat64_free(d->db[i]);
}

static bool has(const char *text, const char *s)
{
	if (strstr(text, s))
		return true;
	printf("# no '%s' in:\n%s", s, text);
	return false;
}

TEST(sessions_text_and_json)
{
	struct daemon d;
	char *t, *j;

	setup(&d);
	t = ask(&d, CTL_SESSIONS, false);
	j = ask(&d, CTL_SESSIONS, true);
	done(&d);
	CHECK(t && j);
	CHECK(has(t, "PROTO  IPV6"));
	CHECK(has(t, "UDP    2001:db8::5#40000  192.0.2.2#1"));
	CHECK(has(t, "192.0.2.7#53  64:ff9b::c000:207#53"));
	CHECK(has(t, " 240\n"));
	CHECK(has(j, "\"proto\": \"UDP\""));
	CHECK(has(j, "\"ipv6\": \"2001:db8::5#40000\""));
	CHECK(has(j, "\"remote\": \"192.0.2.7#53\""));
	CHECK(has(j, "\"state\": \"-\""));
	CHECK(has(j, "\"expires\": 240"));
	free(t);
	free(j);
}

TEST(bib_static_once)
{
	struct daemon d;
	char *t;
	const char *first;

	setup(&d);
	t = ask(&d, CTL_BIB, false);
	done(&d);
	CHECK(t);
	CHECK(has(t, "TCP    2001:db8::5#80     192.0.2.2#1500  static\n"));
	CHECK(has(t, "UDP    2001:db8::5#40000  192.0.2.2#"));
	CHECK(has(t, "dynamic"));
	first = strstr(t, "static");
	CHECK(!strstr(first + 1, "static"));
	free(t);
}

TEST(pool4_summed_over_workers)
{
	struct daemon d;
	char *t;

	setup(&d);
	t = ask(&d, CTL_POOL4, false);
	done(&d);
	CHECK(t);
	/* 1000 ports; the static entry and the dynamic UDP binding are bound */
	CHECK(has(t, "PROTO  ADDRESS    PORTS      TOTAL  BOUND\n"));
	CHECK(has(t, "TCP    192.0.2.2  1000-1999   1000      1\n"));
	CHECK(has(t, "UDP    192.0.2.2  1000-1999   1000      1\n"));
	free(t);
}
