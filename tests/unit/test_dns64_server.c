/* The DNS64 service over real sockets on 127.0.0.1: fake upstreams (threads serving dns64_fake.h's zone,
 * or dropping, truncating, garbling, spoofing), clients over UDP and TCP, the access list, the dns64-*
 * configuration keys and the upstream list from resolv.conf. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "harness.h"
#include "dns64_fake.h"
#include "conf.h"
#include "dns64_server.h"
#include "dns64_upstream.h"

#define HDR_BYTES 12

enum fake_mode {
	F_ZONE,		/* the zone's answers */
	F_DROP,		/* no answer at all */
	F_DROP_AAAA,	/* AAAA queries unanswered, others from the zone */
	F_TC,		/* UDP: TC=1 and no records; TCP: the zone's answer */
	F_GARBAGE,	/* the right ID and question, then nonsense counts */
	F_SPOOF,	/* a wrong ID, then a wrong question, then the zone's answer */
	F_FORMERR,	/* FORMERR without the question, as servers answer what they cannot parse */
};

struct fake {
	int udp, tcp, stop_fd[2];
	uint16_t port;
	enum fake_mode mode;
	atomic_int n_udp, n_tcp;
	pthread_t th;
};

/* A free port on 127.0.0.1 (for both UDP and TCP, as far as anyone can promise). */
static uint16_t free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		abort();
	close(fd);
	return ntohs(a.sin_port);
}

static size_t to_wire(ldns_pkt *p, uint8_t *buf)
{
	uint8_t *w = NULL;
	size_t n = 0;

	if (ldns_pkt2wire(&w, p, &n) != LDNS_STATUS_OK)
		abort();
	memcpy(buf, w, n);
	free(w);
	ldns_pkt_free(p);
	return n;
}

/* The fake's answer(s) to query q: up to 3 messages into out[], their lengths into len[]. */
static int fake_answers(struct fake *f, const uint8_t *q, size_t qlen, bool tcp, uint8_t out[3][4096],
			size_t len[3])
{
	ldns_pkt *p = NULL, *a;
	bool aaaa;
	int n = 0;

	if (ldns_wire2pkt(&p, q, qlen) != LDNS_STATUS_OK)
		return 0;
	aaaa = ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(p), 0)) == LDNS_RR_TYPE_AAAA;
	switch (f->mode) {
	case F_DROP:
		break;
	case F_DROP_AAAA:
		if (!aaaa)
			len[n] = to_wire(zone_answer(p), out[n]), n++;
		break;
	case F_ZONE:
		len[n] = to_wire(zone_answer(p), out[n]), n++;
		break;
	case F_TC:
		if (tcp) {
			len[n] = to_wire(zone_answer(p), out[n]), n++;
		} else {
			a = reply_to(p, 0);
			ldns_pkt_set_tc(a, true);
			len[n] = to_wire(a, out[n]), n++;
		}
		break;
	case F_GARBAGE:
		len[n] = to_wire(reply_to(p, 0), out[n]);
		out[n][7] = 9;	/* nine answer records that are not there */
		n++;
		break;
	case F_FORMERR:
		len[n] = to_wire(reply_to(p, LDNS_RCODE_FORMERR), out[n]);
		out[n][5] = 0;	/* QDCOUNT 0, the question cut off */
		len[n] = HDR_BYTES, n++;
		break;
	case F_SPOOF:
		len[n] = to_wire(zone_answer(p), out[n]);
		out[n][0] ^= 0x55;
		n++;
		a = zone_answer(p);
		ldns_rr_set_type(ldns_rr_list_rr(ldns_pkt_question(a), 0), LDNS_RR_TYPE_MX);
		len[n] = to_wire(a, out[n]), n++;
		len[n] = to_wire(zone_answer(p), out[n]), n++;
		break;
	}
	ldns_pkt_free(p);
	return n;
}

static void fake_tcp(struct fake *f)
{
	int c = accept(f->tcp, NULL, NULL);
	uint8_t q[2 + 4096], out[3][4096];
	size_t len[3], got = 0;

	if (c < 0)
		return;
	atomic_fetch_add(&f->n_tcp, 1);
	for (;;) {
		ssize_t r = read(c, q + got, sizeof(q) - got);

		if (r <= 0)
			break;
		got += (size_t)r;
		if (got >= 2 && got >= 2u + (q[0] << 8 | q[1])) {
			int n = fake_answers(f, q + 2, (size_t)(q[0] << 8 | q[1]), true, out, len);

			for (int i = 0; i < n; i++) {
				uint8_t pre[2] = { (uint8_t)(len[i] >> 8), (uint8_t)len[i] };

				if (write(c, pre, 2) != 2 || write(c, out[i], len[i]) != (ssize_t)len[i])
					break;
			}
			break;
		}
	}
	close(c);
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	struct pollfd p[3] = { { .fd = f->udp, .events = POLLIN }, { .fd = f->tcp, .events = POLLIN },
			       { .fd = f->stop_fd[0], .events = POLLIN } };

	while (poll(p, 3, -1) >= 0 && !p[2].revents) {
		if (p[0].revents) {
			uint8_t q[4096], out[3][4096];
			size_t len[3];
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t r = recvfrom(f->udp, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
			int n;

			if (r <= 0)
				continue;
			atomic_fetch_add(&f->n_udp, 1);
			n = fake_answers(f, q, (size_t)r, false, out, len);
			for (int i = 0; i < n; i++)
				sendto(f->udp, out[i], len[i], 0, (struct sockaddr *)&from, fl);
		}
		if (p[1].revents)
			fake_tcp(f);
	}
	return NULL;
}

static void fake_start(struct fake *f, enum fake_mode mode)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1;

	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->port = free_port();
	a.sin_port = htons(f->port);
	f->udp = socket(AF_INET, SOCK_DGRAM, 0);
	f->tcp = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(f->tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (pipe(f->stop_fd) < 0 || bind(f->udp, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    bind(f->tcp, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(f->tcp, 8) < 0 ||
	    pthread_create(&f->th, NULL, fake_main, f))
		abort();
}

static void fake_stop(struct fake *f)
{
	if (write(f->stop_fd[1], "x", 1) != 1)
		abort();
	pthread_join(f->th, NULL);
	close(f->udp);
	close(f->tcp);
	close(f->stop_fd[0]);
	close(f->stop_fd[1]);
}

/* A server listening on 127.0.0.1:*port with the given upstreams (0 = none) and extra config lines. */
static struct dns64_server *serve(struct stats *st, uint16_t *port, uint16_t up1, uint16_t up2, const char *extra)
{
	char text[1024], err[256];
	struct conf *c = malloc(sizeof(*c));
	struct dns64_server *s;
	int n;

	*port = free_port();
	n = snprintf(text, sizeof(text), "mode siit\npool6 2001:db8:64::/96\ndns64-listen 127.0.0.1 %u\n"
		     "dns64-timeout 100ms\n%s", *port, extra);
	if (up1)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "dns64-upstream 127.0.0.1 %u\n", up1);
	if (up2)
		snprintf(text + n, sizeof(text) - (size_t)n, "dns64-upstream 127.0.0.1 %u\n", up2);
	memset(st, 0, sizeof(*st));
	if (!c || !conf_parse("test.conf", text, c, err, sizeof(err))) {
		printf("# conf: %s\n", err);
		free(c);
		return NULL;
	}
	s = dns64_server_start(c, st, err, sizeof(err));
	if (!s)
		printf("# dns64_server_start: %s\n", err);
	free(c);
	return s;
}

/* One query over UDP to addr:port (edns: advertise 1232 bytes); the parsed reply or NULL after 3 s. The
 * reply's source address goes into *from when asked. */
static ldns_pkt *ask_udp(const char *addr, uint16_t port, const char *name, uint16_t type, bool edns,
			 struct sockaddr_in *from)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) }, src;
	socklen_t sl = sizeof(src);
	struct timeval tv = { 3, 0 };
	uint8_t q[512], r[65536];
	size_t qlen = mkq(q, name, type, LDNS_RR_CLASS_IN, 0);
	ldns_pkt *p = NULL;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (edns) {
		ldns_pkt *e = NULL;

		ldns_wire2pkt(&e, q, qlen);
		ldns_pkt_set_edns_udp_size(e, 1232);
		qlen = to_wire(e, q);
	}
	inet_pton(AF_INET, addr, &a.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(fd, q, qlen, 0, (struct sockaddr *)&a, sizeof(a)) == (ssize_t)qlen &&
	    (n = recvfrom(fd, r, sizeof(r), 0, (struct sockaddr *)&src, &sl)) > 0 &&
	    ldns_wire2pkt(&p, r, (size_t)n) != LDNS_STATUS_OK)
		p = NULL;
	if (from)
		*from = src;
	close(fd);
	return p;
}

static bool read_full(int fd, uint8_t *b, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = read(fd, b + got, n - got);

		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

static const char *answer(const ldns_pkt *p)
{
	return p ? sec(p, LDNS_SECTION_ANSWER) : "(no reply)";
}

/* What most tests run: a server (serve()) in front of up to two upstreams, each a fake or a closed port. */
struct rig {
	struct stats st;
	struct fake f[2];
	bool live[2];	/* f[i] is running */
	uint16_t port;	/* the server's */
	struct dns64_server *s;
};

/* A rig's upstream that is no fake: none at all, or a port nobody listens on (ICMP port unreachable). */
#define UP_NONE (-1)
#define UP_CLOSED (-2)

/* Start the rig with upstreams m1, m2 in that order (a fake_mode, UP_NONE or UP_CLOSED) and extra config
 * lines. */
static bool rig_start(struct rig *r, int m1, int m2, const char *extra)
{
	int m[2] = { m1, m2 };
	uint16_t up[2] = { 0, 0 };

	for (int i = 0; i < 2; i++) {
		r->live[i] = m[i] >= 0;
		if (r->live[i]) {
			fake_start(&r->f[i], (enum fake_mode)m[i]);
			up[i] = r->f[i].port;
		}
	}
	/* Only once the fakes hold their ports, so that a closed one cannot be one of theirs. */
	for (int i = 0; i < 2; i++)
		if (m[i] == UP_CLOSED)
			up[i] = free_port();
	r->s = serve(&r->st, &r->port, up[0], up[1], extra);
	return r->s != NULL;
}

static void rig_stop(struct rig *r)
{
	dns64_server_stop(r->s);
	for (int i = 0; i < 2; i++)
		if (r->live[i])
			fake_stop(&r->f[i]);
}

/* One query over UDP to the rig's server (see ask_udp()). */
static ldns_pkt *rig_ask(struct rig *r, const char *name, uint16_t type, bool edns)
{
	return ask_udp("127.0.0.1", r->port, name, type, edns, NULL);
}

/* The answer section of the reply to one UDP query, as answer() gives it. */
static const char *rig_answer(struct rig *r, const char *name, uint16_t type)
{
	ldns_pkt *p = rig_ask(r, name, type, false);
	const char *a = answer(p);

	ldns_pkt_free(p);
	return a;
}

/* The RCODE of the reply to one UDP query, -1 without a reply. */
static int rig_rcode(struct rig *r, const char *name, uint16_t type)
{
	ldns_pkt *p = rig_ask(r, name, type, false);
	int rc = p ? (int)ldns_pkt_get_rcode(p) : -1;

	ldns_pkt_free(p);
	return rc;
}

/* A TCP connection to 127.0.0.1:port, -1 on failure. */
static int tcp_connect(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* An IN query for name/type framed for TCP (RFC 1035 §4.2.2: a two-byte length first); its whole length. */
static size_t mkq_tcp(uint8_t *buf, const char *name, uint16_t type)
{
	size_t n = mkq(buf + 2, name, type, LDNS_RR_CLASS_IN, 0);

	buf[0] = (uint8_t)(n >> 8);
	buf[1] = (uint8_t)n;
	return n + 2;
}

/* The dns64-* keys: parse, print back, errors. */
TEST(dns64_conf_keys)
{
	static struct conf c, again;
	char err[256], *text = NULL;
	size_t n = 0;
	FILE *f;

	CHECK(conf_parse("t", "mode nat64\npool6 64:ff9b::/96\ndns64-listen 127.0.0.1\ndns64-listen ::1 5353\n"
			 "dns64-upstream 192.0.2.53\ndns64-upstream 2001:db8::53 5302\ndns64-exclude 2001:db8:dead::/48\n"
			 "dns64-allow 192.168.0.0/16\ndns64-allow fd00::/8\ndns64-cache-size 0\ndns64-timeout 2s\n",
			 &c, err, sizeof(err)));
	CHECK_EQ(c.n_dns64_listen, 2u);
	CHECK_EQ(c.dns64_listen[0].port, 53);
	CHECK_EQ(c.dns64_listen[1].af, AF_INET6);
	CHECK_EQ(c.dns64_upstream[1].port, 5302);
	CHECK_EQ(c.n_dns64_allow, 2u);
	CHECK_EQ(c.dns64_cache_size, 0u);
	CHECK_EQ(c.dns64_timeout, 2000u);
	CHECK(conf_has_service(&c));
	f = open_memstream(&text, &n);
	conf_print(f, &c);
	fclose(f);
	CHECK(strstr(text, "dns64-listen ::1 5353\n"));
	CHECK(strstr(text, "dns64-upstream 192.0.2.53 53\n"));
	CHECK(strstr(text, "dns64-allow fd00::/8\n"));
	CHECK(strstr(text, "dns64-timeout 2s\n"));
	CHECK(conf_parse("printed", text, &again, err, sizeof(err)));
	free(text);
	CHECK(!memcmp(&again.dns64_listen, &c.dns64_listen, sizeof(c.dns64_listen)));

	/* Defaults, and what is refused. */
	CHECK(conf_parse("t", "pool6 64:ff9b::/96\n", &c, err, sizeof(err)));
	CHECK_EQ(c.dns64_cache_size, 10000u);
	CHECK_EQ(c.dns64_timeout, 1500u);
	CHECK(!conf_has_service(&c));
	CHECK(!conf_parse("t", "eamt 192.0.2.0/24 2001:db8::/120\ndns64-listen 127.0.0.1\n", &c, err, sizeof(err)));
	CHECK(strstr(err, "needs a pool6"));
	CHECK(!conf_parse("t", "pool6 64:ff9b::/96\ndns64-listen 127.0.0.1 0\n", &c, err, sizeof(err)));
	CHECK(strstr(err, "t:2: dns64-listen: invalid port"));
	CHECK(!conf_parse("t", "pool6 64:ff9b::/96\ndns64-listen localhost\n", &c, err, sizeof(err)));
	CHECK(!conf_parse("t", "pool6 64:ff9b::/96\ndns64-listen ::1\ndns64-listen ::1 53\n", &c, err, sizeof(err)));
	CHECK(strstr(err, "already listed"));
	CHECK(!conf_parse("t", "pool6 64:ff9b::/96\ndns64-allow 10.0.0.1/8\n", &c, err, sizeof(err)));
	CHECK(!conf_parse("t", "pool6 64:ff9b::/96\ndns64-timeout 10ms\n", &c, err, sizeof(err)));
	CHECK(conf_parse("t", "mode none\npool6 64:ff9b::/96\ndns64-listen ::1\n", &c, err, sizeof(err)));
}

/* resolv.conf nameservers, leaving out our own listeners. */
TEST(dns64_upstream_list)
{
	static struct conf c;
	struct dns64_up_addr a[4];
	char path[] = "/tmp/x64-dns64-resolv-XXXXXX", err[256];
	int fd = mkstemp(path);
	static const char text[] = "# comment\nsearch example\nnameserver 127.0.0.1\nnameserver 192.0.2.53\n"
				   "nameserver ::1\nnameserver fe80::1%lo\nnameserver 127.0.0.53\noptions edns0\n";

	CHECK(fd >= 0);
	CHECK(write(fd, text, sizeof(text) - 1) == (ssize_t)sizeof(text) - 1);
	close(fd);
	CHECK(conf_parse("t", "pool6 64:ff9b::/96\ndns64-listen 127.0.0.1\ndns64-listen :: 53\n", &c, err, sizeof(err)));
	CHECK_EQ(dns64_up_list(&c, path, a, 4), 3u);	/* 127.0.0.1 and ::1 are ours, the 4 fill up */
	CHECK_EQ(((struct sockaddr_in *)&a[0].ss)->sin_addr.s_addr, htonl(0xc0000235));
	CHECK_EQ(a[1].ss.ss_family, AF_INET6);
	CHECK_EQ(((struct sockaddr_in6 *)&a[1].ss)->sin6_scope_id, 1u);
	CHECK_EQ(ntohs(((struct sockaddr_in *)&a[2].ss)->sin_port), 53);
	CHECK(conf_parse("t", "pool6 64:ff9b::/96\ndns64-listen 127.0.0.1 5353\ndns64-upstream 192.0.2.1 5300\n", &c,
			 err, sizeof(err)));
	CHECK_EQ(dns64_up_list(&c, path, a, 4), 1u);
	CHECK_EQ(ntohs(((struct sockaddr_in *)&a[0].ss)->sin_port), 5300);
	unlink(path);
}

/* A plain answer, a synthesized one, and the cache. */
TEST(dns64_server_udp)
{
	struct rig r;
	ldns_pkt *p;

	CHECK(rig_start(&r, F_ZONE, UP_NONE, ""));
	CHECK_STR(rig_answer(&r, "dual.lab.example.", LDNS_RR_TYPE_AAAA), "dual.lab.example. 3600 AAAA 2001:db8::20");
	p = rig_ask(&r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, false);
	CHECK_STR(answer(p), "a-only.lab.example. 300 AAAA 2001:db8:64::c000:20a");
	CHECK_EQ(ldns_pkt_id(p), Q_ID);
	ldns_pkt_free(p);
	CHECK_EQ(atomic_load(&r.f[0].n_udp), 3);	/* AAAA dual; AAAA + A a-only */
	p = rig_ask(&r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, false);
	CHECK(p && ldns_rr_list_rr_count(ldns_pkt_answer(p)) == 1);
	ldns_pkt_free(p);
	CHECK_EQ(atomic_load(&r.f[0].n_udp), 3);	/* from the cache */
	rig_stop(&r);
	CHECK_EQ(r.st.c[STAT_DNS64_ANSWER_CACHE], 1u);
	CHECK_EQ(r.st.c[STAT_DNS64_UPSTREAM_TIMEOUT], 0u);
}

/* The first upstream says nothing: after dns64-timeout the second one answers. */
TEST(dns64_server_timeout_next_upstream)
{
	struct rig r;
	ldns_pkt *p;

	CHECK(rig_start(&r, F_DROP, F_ZONE, ""));
	CHECK_STR(rig_answer(&r, "dual.lab.example.", LDNS_RR_TYPE_AAAA), "dual.lab.example. 3600 AAAA 2001:db8::20");
	/* The upstream that answered is asked first from now on. */
	p = rig_ask(&r, "multi.lab.example.", LDNS_RR_TYPE_A, false);
	CHECK(p && ldns_rr_list_rr_count(ldns_pkt_answer(p)) == 2);
	ldns_pkt_free(p);
	rig_stop(&r);
	CHECK_EQ(atomic_load(&r.f[0].n_udp), 1);
	CHECK_EQ(r.st.c[STAT_DNS64_UPSTREAM_TIMEOUT], 1u);
}

/* RFC 6147 §5.1.3: the AAAA query times out everywhere (two rounds), the A query then makes the answer. */
TEST(dns64_server_aaaa_timeout_then_a)
{
	struct rig r;

	CHECK(rig_start(&r, F_DROP_AAAA, F_DROP_AAAA, ""));
	CHECK_STR(rig_answer(&r, "dual.lab.example.", LDNS_RR_TYPE_AAAA),
		  "dual.lab.example. 600 AAAA 2001:db8:64::c000:214");
	rig_stop(&r);
	CHECK_EQ(r.st.c[STAT_DNS64_UPSTREAM_TIMEOUT], 4u);
	CHECK_EQ(r.st.c[STAT_DNS64_UPSTREAM_FAILED], 1u);
	CHECK_EQ(atomic_load(&r.f[0].n_udp) + atomic_load(&r.f[1].n_udp), 5);
}

/* Nobody answers anything: SERVFAIL, after the AAAA and the A query have both gone twice round. */
TEST(dns64_server_all_fail)
{
	struct rig r;

	CHECK(rig_start(&r, F_DROP, F_DROP, ""));
	CHECK_EQ(rig_rcode(&r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA), LDNS_RCODE_SERVFAIL);
	rig_stop(&r);
	CHECK_EQ(r.st.c[STAT_DNS64_UPSTREAM_TIMEOUT], 8u);
	CHECK_EQ(r.st.c[STAT_DNS64_UPSTREAM_FAILED], 2u);
	CHECK_EQ(r.st.c[STAT_DNS64_ANSWER_SERVFAIL], 1u);
}

/* TC=1 over UDP: the same upstream is asked over TCP. Also a port nobody listens on (ICMP unreachable)
 * is passed over at once. */
TEST(dns64_server_tc_fallback)
{
	struct rig r;

	CHECK(rig_start(&r, UP_CLOSED, F_TC, ""));
	CHECK_STR(rig_answer(&r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA),
		  "a-only.lab.example. 300 AAAA 2001:db8:64::c000:20a");
	rig_stop(&r);
	CHECK_EQ(atomic_load(&r.f[1].n_tcp), 2);
	CHECK_EQ(r.st.c[STAT_DNS64_UPSTREAM_TCP], 2u);
	CHECK_EQ(r.st.c[STAT_DNS64_UPSTREAM_ERROR], 1u);	/* the closed port, once: the next query starts at f */
	CHECK_EQ(r.st.c[STAT_DNS64_UPSTREAM_TIMEOUT], 0u);
}

/* Garbage that carries the right ID and question is the upstream's failure, never a crash. */
TEST(dns64_server_malformed_answer)
{
	struct rig r;

	CHECK(rig_start(&r, F_GARBAGE, UP_NONE, ""));
	CHECK_EQ(rig_rcode(&r, "a-only.lab.example.", LDNS_RR_TYPE_AAAA), LDNS_RCODE_SERVFAIL);
	rig_stop(&r);
	CHECK(r.st.c[STAT_DNS64_UPSTREAM_MALFORMED] >= 1);
}

/* RFC 5452: a wrong ID or a wrong question is ignored; the real answer after them is taken. */
TEST(dns64_server_spoofed_ignored)
{
	struct rig r;

	CHECK(rig_start(&r, F_SPOOF, UP_NONE, ""));
	CHECK_STR(rig_answer(&r, "dual.lab.example.", LDNS_RR_TYPE_AAAA), "dual.lab.example. 3600 AAAA 2001:db8::20");
	rig_stop(&r);
	CHECK_EQ(r.st.c[STAT_DNS64_UPSTREAM_SPOOFED], 2u);
	CHECK_EQ(r.st.c[STAT_DNS64_UPSTREAM_MALFORMED], 0u);
}

/* TCP: two queries pipelined on one connection, both answered, the connection kept. */
TEST(dns64_server_tcp_client)
{
	struct rig r;
	uint8_t buf[2 * 514], reply[65536];
	size_t n;
	int fd;

	CHECK(rig_start(&r, F_ZONE, UP_NONE, ""));
	n = mkq_tcp(buf, "dual.lab.example.", LDNS_RR_TYPE_AAAA);
	n += mkq_tcp(buf + n, "big.lab.example.", LDNS_RR_TYPE_AAAA);
	fd = tcp_connect(r.port);
	CHECK(fd >= 0);
	CHECK(write(fd, buf, n) == (ssize_t)n);
	for (int i = 0; i < 2; i++) {
		ldns_pkt *p = NULL;
		size_t len;

		CHECK(read_full(fd, reply, 2));
		len = (size_t)(reply[0] << 8 | reply[1]);
		CHECK(read_full(fd, reply, len));
		CHECK(ldns_wire2pkt(&p, reply, len) == LDNS_STATUS_OK);
		/* Answers come in the order they are ready: dual's needs one upstream query, big's two. */
		if (i == 0)
			CHECK_STR(answer(p), "dual.lab.example. 3600 AAAA 2001:db8::20");
		else	/* 40 synthetic AAAA: more than 512 bytes, fine over TCP */
			CHECK(ldns_rr_list_rr_count(ldns_pkt_answer(p)) == 40 && !ldns_pkt_tc(p));
		ldns_pkt_free(p);
	}
	close(fd);
	rig_stop(&r);
	CHECK_EQ(r.st.c[STAT_DNS64_TCP_ACCEPTED], 1u);
}

/* The reply size follows the client's EDNS0 size: 512 without, TC=1 beyond. */
TEST(dns64_server_edns_size)
{
	struct rig r;
	ldns_pkt *p;

	CHECK(rig_start(&r, F_ZONE, UP_NONE, ""));
	p = rig_ask(&r, "big.lab.example.", LDNS_RR_TYPE_AAAA, false);
	CHECK(p && ldns_pkt_tc(p));
	ldns_pkt_free(p);
	p = rig_ask(&r, "big.lab.example.", LDNS_RR_TYPE_AAAA, true);
	CHECK(p && !ldns_pkt_tc(p) && ldns_rr_list_rr_count(ldns_pkt_answer(p)) == 40);
	ldns_pkt_free(p);
	rig_stop(&r);
}

/* Outside dns64-allow: REFUSED, over UDP and TCP, and the upstream never hears of it. */
TEST(dns64_server_acl_refused)
{
	struct rig r;
	ldns_pkt *p;
	uint8_t buf[514], reply[600];
	size_t n;
	int fd;

	CHECK(rig_start(&r, F_ZONE, UP_NONE, "dns64-allow 10.0.0.0/8\ndns64-allow ::1\n"));
	p = rig_ask(&r, "dual.lab.example.", LDNS_RR_TYPE_AAAA, false);
	CHECK(p && ldns_pkt_get_rcode(p) == LDNS_RCODE_REFUSED && ldns_pkt_qr(p));
	CHECK_EQ(ldns_rr_list_rr_count(ldns_pkt_question(p)), 1u);
	CHECK_EQ(ldns_pkt_id(p), Q_ID);
	ldns_pkt_free(p);
	n = mkq_tcp(buf, "dual.lab.example.", LDNS_RR_TYPE_AAAA);
	fd = tcp_connect(r.port);
	CHECK(fd >= 0);
	CHECK(write(fd, buf, n) == (ssize_t)n);
	CHECK(read_full(fd, reply, 2));
	CHECK(read_full(fd, reply, (size_t)(reply[0] << 8 | reply[1])));
	CHECK_EQ(reply[3] & 0x0f, LDNS_RCODE_REFUSED);
	close(fd);
	rig_stop(&r);
	CHECK_EQ(r.st.c[STAT_DNS64_REFUSED], 2u);
	CHECK_EQ(r.st.c[STAT_DNS64_QUERIES], 0u);
	CHECK_EQ(atomic_load(&r.f[0].n_udp), 0);
}

/* A wildcard listener answers from the address each query went to (127.0.0.1 and 127.0.0.2 both reach
 * lo). Two of them on one port: 0.0.0.0 and ::. */
TEST(dns64_server_wildcard_source)
{
	char text[512], err[256];
	static struct conf c;
	struct stats st;
	struct fake f;
	struct sockaddr_in from;
	struct dns64_server *s;
	uint16_t port = free_port();
	ldns_pkt *p;

	fake_start(&f, F_ZONE);
	snprintf(text, sizeof(text), "pool6 64:ff9b::/96\ndns64-listen 0.0.0.0 %u\ndns64-listen :: %u\n"
		 "dns64-upstream 127.0.0.1 %u\n", port, port, f.port);
	CHECK(conf_parse("t", text, &c, err, sizeof(err)));
	memset(&st, 0, sizeof(st));
	s = dns64_server_start(&c, &st, err, sizeof(err));
	CHECK(s);
	p = ask_udp("127.0.0.2", port, "dual.lab.example.", LDNS_RR_TYPE_AAAA, false, &from);
	CHECK_STR(answer(p), "dual.lab.example. 3600 AAAA 2001:db8::20");
	CHECK_EQ(from.sin_addr.s_addr, htonl(0x7f000002));
	ldns_pkt_free(p);
	p = ask_udp("127.0.0.1", port, "dual.lab.example.", LDNS_RR_TYPE_AAAA, false, &from);
	CHECK(p);
	CHECK_EQ(from.sin_addr.s_addr, htonl(0x7f000001));
	ldns_pkt_free(p);
	dns64_server_stop(s);
	fake_stop(&f);
}

/* Bind errors are reported, and nothing stays behind. */
TEST(dns64_server_bind_error)
{
	char text[256], err[256];
	static struct conf c;
	struct stats st;
	struct fake f;

	fake_start(&f, F_ZONE);	/* its port is taken */
	snprintf(text, sizeof(text), "pool6 64:ff9b::/96\ndns64-listen 127.0.0.1 %u\ndns64-upstream 127.0.0.1 53\n",
		 f.port);
	CHECK(conf_parse("t", text, &c, err, sizeof(err)));
	CHECK(!dns64_server_start(&c, &st, err, sizeof(err)));
	CHECK(strstr(err, "Address already in use"));
	fake_stop(&f);
}

/* The default access list: loopback, link-local and the host's own networks; never the whole Internet. */
TEST(dns64_acl_default)
{
	static struct conf c;
	struct dns64_acl acl;
	struct sockaddr_in v4 = { .sin_family = AF_INET };
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
	char err[256];

	CHECK(conf_parse("t", "pool6 64:ff9b::/96\n", &c, err, sizeof(err)));
	CHECK(dns64_acl_init(&acl, &c, err, sizeof(err)));
	inet_pton(AF_INET, "127.1.2.3", &v4.sin_addr);
	CHECK(dns64_acl_allows(&acl, (struct sockaddr *)&v4));
	inet_pton(AF_INET, "169.254.9.9", &v4.sin_addr);
	CHECK(dns64_acl_allows(&acl, (struct sockaddr *)&v4));
	inet_pton(AF_INET, "9.9.9.9", &v4.sin_addr);
	CHECK(!dns64_acl_allows(&acl, (struct sockaddr *)&v4));
	inet_pton(AF_INET6, "::1", &v6.sin6_addr);
	CHECK(dns64_acl_allows(&acl, (struct sockaddr *)&v6));
	inet_pton(AF_INET6, "fe80::1234", &v6.sin6_addr);
	CHECK(dns64_acl_allows(&acl, (struct sockaddr *)&v6));
	inet_pton(AF_INET6, "2620:fe::fe", &v6.sin6_addr);
	CHECK(!dns64_acl_allows(&acl, (struct sockaddr *)&v6));
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &v6.sin6_addr);	/* an IPv4 client of a dual-stack socket */
	CHECK(dns64_acl_allows(&acl, (struct sockaddr *)&v6));
}

/* REFUSED: header and question back; responses and runts get nothing. */
TEST(dns64_refused_reply)
{
	uint8_t q[512], out[HDR_BYTES + 255 + 4];
	size_t n = mkq(q, "dual.lab.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, Q_EDNS);
	size_t r = dns64_refused(q, n, out);

	CHECK_EQ(r, (size_t)(HDR_BYTES + 18 + 4));	/* the OPT record is left out */
	CHECK_EQ(out[2], 0x81);	/* QR, RD */
	CHECK_EQ(out[3], 5);
	CHECK(out[5] == 1 && !out[7] && !out[9] && !out[11]);
	CHECK_MEM(out + HDR_BYTES, q + HDR_BYTES, r - HDR_BYTES);
	CHECK_EQ(dns64_refused(q, 11, out), 0u);
	q[2] |= 0x80;
	CHECK_EQ(dns64_refused(q, n, out), 0u);
	q[2] &= 0x7f;
	q[HDR_BYTES] = 0x3f;	/* a label that runs off the end: the header alone */
	CHECK_EQ(dns64_refused(q, n, out), (size_t)HDR_BYTES);
	CHECK_EQ(out[5], 0);
}

/* The connection cap: the one too many is closed at once. */
TEST(dns64_server_tcp_cap)
{
	struct rig r;
	int fd[129];
	uint8_t b[4];

	CHECK(rig_start(&r, F_ZONE, UP_NONE, ""));
	for (int i = 0; i < 129; i++) {
		fd[i] = tcp_connect(r.port);
		CHECK(fd[i] >= 0);
	}
	CHECK_EQ(read(fd[128], b, sizeof(b)), 0);	/* EOF */
	for (int i = 0; i < 129; i++)
		close(fd[i]);
	rig_stop(&r);
	CHECK_EQ(r.st.c[STAT_DNS64_TCP_ACCEPTED], 128u);
	CHECK_EQ(r.st.c[STAT_DNS64_TCP_FULL], 1u);
}

/* An error without the question is no answer, but no reason to wait either: the next upstream at once. */
TEST(dns64_server_formerr_next_upstream)
{
	struct rig r;

	CHECK(rig_start(&r, F_FORMERR, F_ZONE, ""));
	CHECK_STR(rig_answer(&r, "dual.lab.example.", LDNS_RR_TYPE_AAAA), "dual.lab.example. 3600 AAAA 2001:db8::20");
	rig_stop(&r);
	CHECK_EQ(r.st.c[STAT_DNS64_UPSTREAM_ERROR], 1u);
	CHECK_EQ(r.st.c[STAT_DNS64_UPSTREAM_TIMEOUT], 0u);
	CHECK_EQ(r.st.c[STAT_DNS64_UPSTREAM_SPOOFED], 0u);
}

/* IPv6: a client of [::1] over UDP, answered from a wildcard [::] listener's address. */
TEST(dns64_server_ipv6)
{
	char text[512], err[256];
	static struct conf c;
	struct stats st;
	struct fake f;
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT }, from;
	socklen_t fl = sizeof(from);
	struct timeval tv = { 3, 0 };
	struct dns64_server *s;
	uint16_t port = free_port();
	uint8_t q[512], r[4096];
	size_t qlen = mkq(q, "a-only.lab.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, 0);
	ldns_pkt *p = NULL;
	ssize_t n;
	int fd;

	fake_start(&f, F_ZONE);
	snprintf(text, sizeof(text), "pool6 2001:db8:64::/96\ndns64-listen :: %u\ndns64-upstream 127.0.0.1 %u\n", port,
		 f.port);
	CHECK(conf_parse("t", text, &c, err, sizeof(err)));
	memset(&st, 0, sizeof(st));
	s = dns64_server_start(&c, &st, err, sizeof(err));
	CHECK(s);
	a.sin6_port = htons(port);
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	CHECK(sendto(fd, q, qlen, 0, (struct sockaddr *)&a, sizeof(a)) == (ssize_t)qlen);
	n = recvfrom(fd, r, sizeof(r), 0, (struct sockaddr *)&from, &fl);
	close(fd);
	CHECK(n > 0 && ldns_wire2pkt(&p, r, (size_t)n) == LDNS_STATUS_OK);
	CHECK(IN6_IS_ADDR_LOOPBACK(&from.sin6_addr));
	CHECK_STR(answer(p), "a-only.lab.example. 300 AAAA 2001:db8:64::c000:20a");
	ldns_pkt_free(p);
	dns64_server_stop(s);
	fake_stop(&f);
}

/* What a reload compares: the dns64-* keys, pool6 and allow-nonglobal-ipv4; nothing else. */
TEST(dns64_server_same_conf)
{
	static struct conf a, b;
	char err[256];
	static const char base[] = "pool6 64:ff9b::/96\ndns64-listen 127.0.0.1\ndns64-allow 10.0.0.0/8\n";

	CHECK(conf_parse("t", base, &a, err, sizeof(err)));
	CHECK(conf_parse("t", "mtu 1400\npool6 64:ff9b::/96\ndns64-listen 127.0.0.1 53\ndns64-allow 10.0.0.0/8\n", &b,
			 err, sizeof(err)));
	CHECK(dns64_server_same(&a, &b));
	CHECK(conf_parse("t", "pool6 64:ff9b::/96\ndns64-listen 127.0.0.1 54\ndns64-allow 10.0.0.0/8\n", &b, err,
			 sizeof(err)));
	CHECK(!dns64_server_same(&a, &b));
	CHECK(conf_parse("t", "pool6 64:ff9b:1::/96\ndns64-listen 127.0.0.1\ndns64-allow 10.0.0.0/8\n", &b, err,
			 sizeof(err)));
	CHECK(!dns64_server_same(&a, &b));
	CHECK(conf_parse("t", "pool6 64:ff9b::/96\ndns64-listen 127.0.0.1\ndns64-allow 10.0.0.0/16\n", &b, err,
			 sizeof(err)));
	CHECK(!dns64_server_same(&a, &b));
	CHECK(conf_parse("t", "pool6 64:ff9b::/96\ndns64-listen 127.0.0.1\ndns64-allow 10.0.0.0/8\n"
			 "dns64-timeout 2s\n", &b, err, sizeof(err)));
	CHECK(!dns64_server_same(&a, &b));
}
