/*
 * Pure-core NAT64 microbenchmark (no I/O, one thread): how fast new sessions are set up, how fast packets of
 * existing sessions go through, and what a session costs in memory. Prints figures, asserts nothing.
 *   build/bench/nat64-core-bench [SESSIONS]      (default 1000000)
 * Every packet runs the whole path: RFC 6146 §3.4-§3.6 (tuple, BIB + session lookup or creation, port
 * allocation) and the RFC 7915 translation into IPv4.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nat64.h"

#define HOSTS 4096		/* IPv6 sources; flows are spread over them */

static uint8_t scratch[XLAT_SCRATCH_SIZE];
static uint8_t buf[XLAT_HEADROOM + 128 + XLAT_TAILROOM];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_bytes(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * sysconf(_SC_PAGESIZE);
}

/* IPv6 TCP SYN or UDP datagram from 2001:db8:<host>::1#sport to 64:ff9b::203.0.113.7#443. */
static uint32_t build(uint8_t *p, int proto, uint32_t host, uint16_t sport)
{
	uint32_t l4 = proto == IPPROTO_TCP ? 20 : 8;

	memset(p, 0, 40 + l4);
	p[0] = 0x60;
	p[5] = (uint8_t)l4;
	p[6] = (uint8_t)proto;
	p[7] = 64;
	p[8] = 0x20, p[9] = 0x01, p[10] = 0x0d, p[11] = 0xb8;
	p[12] = (uint8_t)(host >> 8), p[13] = (uint8_t)host;
	p[23] = 1;
	p[25] = 0x64, p[26] = 0xff, p[27] = 0x9b;
	p[36] = 203, p[37] = 0, p[38] = 113, p[39] = 7;
	p[40] = (uint8_t)(sport >> 8), p[41] = (uint8_t)sport;
	p[42] = 443 >> 8, p[43] = 443 & 0xff;
	if (proto == IPPROTO_TCP) {
		p[52] = 0x50;
		p[53] = 0x02;	/* SYN */
		p[56] = 0x12;	/* any nonzero checksum: it is adjusted, not verified */
	} else {
		p[45] = 8;
		p[46] = 0x12;
	}
	return 40 + l4;
}

struct run {
	struct xlat_conf conf;
	struct stats st;
	struct nat64_ctx ctx;
	struct xlat_out out;
};

static void setup(struct run *r, uint32_t max)
{
	static const uint8_t secret[16] = "bench secret 01";
	struct nat64_conf nc;
	struct prefix4 p4;
	const char *why;

	memset(r, 0, sizeof(*r));
	xlat_conf_defaults(&r->conf);
	r->conf.has_pool6 = true;
	prefix6_parse("64:ff9b::/96", &r->conf.pool6, &why);
	r->conf.allow_nonglobal = true;
	nat64_conf_defaults(&nc);
	nc.max_sessions = max;
	nc.max_sessions_per_src = 0;
	r->ctx.xlat = (struct xlat_ctx){ .conf = &r->conf, .stats = &r->st, .rng = 1, .scratch = scratch,
					 .now = 1000 };
	r->ctx.db = nat64_new(&nc, 0, 1, secret);
	/* 32 addresses x 64512 ports: room for 2M bindings per protocol. */
	prefix4_parse("198.51.100.0/27", &p4, &why);
	if (!r->ctx.db || !nat64_pool4_add(r->ctx.db, NAT64_TCP, &p4, 1024, 65535, &why) ||
	    !nat64_pool4_add(r->ctx.db, NAT64_UDP, &p4, 1024, 65535, &why)) {
		fprintf(stderr, "setup failed\n");
		exit(1);
	}
}

/* n new flows (a new binding and a new session each); returns seconds. */
static double flows(struct run *r, int proto, uint32_t n, uint32_t first)
{
	uint8_t *p = buf + XLAT_HEADROOM;
	double t0 = now_s();

	for (uint32_t i = first; i < first + n; i++) {
		uint32_t len = build(p, proto, i % HOSTS, (uint16_t)(1024 + i / HOSTS));

		if (nat64_packet(&r->ctx, p, len, &r->out) != XLAT_EMIT) {
			fprintf(stderr, "flow %u dropped\n", i);
			exit(1);
		}
	}
	return now_s() - t0;
}

int main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 1000000;
	struct nat64_usage u;
	struct run r;
	double t;
	long rss0, rss1;

	if (n == 0 || n > 2000000) {
		fprintf(stderr, "usage: %s [SESSIONS <= 2000000]\n", argv[0]);
		return 2;
	}
	printf("nat64 core bench: one thread, %u flows from %u IPv6 hosts\n", n, HOSTS);

	/* Memory at 100k sessions, from the tables' own accounting and from the process RSS (first, before
	 * the allocator holds freed memory of other runs). */
	rss0 = rss_bytes();
	setup(&r, 0);
	flows(&r, IPPROTO_UDP, 100000, 0);
	rss1 = rss_bytes();
	nat64_usage(r.ctx.db, &u);
	printf("100k UDP sessions:       %9.1f bytes/session (tables), %.1f (RSS delta), %u bindings\n",
	       (double)u.bytes / 100000, (double)(rss1 - rss0) / 100000, u.bib[NAT64_UDP]);
	nat64_free(r.ctx.db);

	setup(&r, 0);
	t = flows(&r, IPPROTO_UDP, n, 0);
	printf("UDP new sessions:        %9.0f /s  (%u in %.3f s)\n", n / t, n, t);
	t = flows(&r, IPPROTO_UDP, n, 0);
	printf("UDP existing sessions:   %9.0f packets/s\n", n / t);
	nat64_free(r.ctx.db);

	setup(&r, 0);
	t = flows(&r, IPPROTO_TCP, n, 0);
	printf("TCP SYN new sessions:    %9.0f /s\n", n / t);
	nat64_free(r.ctx.db);

	/* With the limit reached, a flood costs a counted drop each, not memory. */
	setup(&r, 100000);
	flows(&r, IPPROTO_UDP, 100000, 0);
	{
		uint8_t *p = buf + XLAT_HEADROOM;
		double t0 = now_s();

		for (uint32_t i = 100000; i < 200000; i++)
			nat64_packet(&r.ctx, p, build(p, IPPROTO_UDP, i % HOSTS, (uint16_t)(1024 + i / HOSTS)), &r.out);
		t = now_s() - t0;
	}
	printf("over the session limit:  %9.0f drops/s (DROP_NAT64_SESSION_LIMIT = %llu)\n", 100000 / t,
	       (unsigned long long)r.st.c[STAT_DROP_NAT64_SESSION_LIMIT]);
	nat64_free(r.ctx.db);
	return 0;
}
