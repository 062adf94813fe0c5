/*
 * Jool's graybox packet vectors fed to the translation core (no I/O, no root).
 * Usage: vectors SHARED_DIR   (SHARED_DIR/jool-graybox/MANIFEST.tsv; the data is read, never copied)
 * Prints one line per exchange (PASS/FAIL), then one line per suite: "siit: P/124" and "nat64: P/42".
 * The NAT64 rows run in manifest order on one persistent NAT64 instance (sessions made by one row serve
 * the next ones), with the settings of jool.md §4.3-4.4.
 *
 * Comparison rules (../shared/brief/anchors/jool.md §3.3): lengths equal; bytes equal except the listed
 * offsets; an expected IPv4 ID of 0 is a wildcard whose header checksum must then be valid in the output.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "nat64.h"
#include "xlat.h"

#define MAX_PKT 70000
#define MAX_EXP 4

struct row {
	char mode[8], group[16], dir[16], send[256], expected[512], exceptions[256], state[512];
};

static const char *base_dir;

static uint32_t load(const char *rel, uint8_t *buf)
{
	char path[1024];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/jool-graybox/%s", base_dir, rel);
	f = fopen(path, "rb");
	if (!f)
		return 0;
	n = fread(buf, 1, MAX_PKT, f);
	fclose(f);
	return (uint32_t)n;
}

static void must(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "vectors: bad baseline setting %s\n", what);
		exit(2);
	}
}

static void set_prefix6(struct prefix6 *p, const char *s)
{
	const char *why;

	must(prefix6_parse(s, p, &why), s);
}

static void set_prefix4(struct prefix4 *p, const char *s)
{
	const char *why;

	must(prefix4_parse(s, p, &why), s);
}

static void add_eam(struct xlat_conf *c, const char *v4, const char *v6)
{
	struct prefix4 p4;
	struct prefix6 p6;
	const char *why;

	set_prefix4(&p4, v4);
	set_prefix6(&p6, v6);
	must(eamt_add(&c->eamt, &p6, &p4, &why), v6);
}

/* The SIIT baseline of jool.md §4.1; the interfaces' MTUs are 1500. */
static void siit_baseline(struct xlat_conf *c)
{
	struct prefix6 own6;
	struct prefix4 own4;

	xlat_conf_defaults(c);
	c->has_pool6 = true;
	set_prefix6(&c->pool6, "2001:db8:100::/40");
	add_eam(c, "1.0.0.0/24", "2001:db8:3::/120");
	add_eam(c, "10.0.0.0/24", "2001:db8:2::/120");
	c->has_6791v4 = true;
	set_prefix4(&c->pool6791v4, "203.0.113.8/32");
	c->has_own4 = c->has_own6 = true;
	set_prefix4(&own4, "198.51.100.1");
	set_prefix6(&own6, "2001:db8:1c0:2:1::");
	c->own4 = own4.addr;
	c->own6 = own6.addr;
	c->mtu4 = c->mtu6 = 1500;
}

/* Apply one "; "-separated setting of the manifest's state column. False when it is not understood. */
static bool apply_state(struct xlat_conf *c, char *item)
{
	char a[64], b[64];
	unsigned v;

	if (sscanf(item, "global rfc6791v4-prefix=%63s", a) == 1 && !strcmp(a, "null"))
		c->has_6791v4 = false;
	else if (sscanf(item, "global rfc6791v6-prefix=%63s", a) == 1) {
		c->has_6791v6 = true;
		set_prefix6(&c->pool6791v6, a);
	} else if (sscanf(item, "global pool6=%63s", a) == 1 && !strcmp(a, "null"))
		c->has_pool6 = false;
	else if (sscanf(item, "eamt %63s %63[^=]=added", a, b) == 2)
		add_eam(c, a, b);
	else if (sscanf(item, "global lowest-ipv6-mtu=%u", &v) == 1)
		c->lowest_ipv6_mtu = v;
	else if (sscanf(item, "global amend-udp-checksum-zero=%u", &v) == 1)
		c->amend_udp_zero_csum = v;
	else if (sscanf(item, "joolns:to_client_v6 mtu=%u", &v) == 1)
		c->mtu6 = v;
	else if (sscanf(item, "joolns:to_client_v4 mtu=%u", &v) == 1)
		c->mtu4 = v;
	else if (sscanf(item, "client4ns:to_jool_v4 mtu=%u", &v) == 1)
		; /* only lets the sender emit the 2153-byte input */
	else
		return false;
	return true;
}

static bool in_list(const int *skip, int nskip, int off)
{
	for (int i = 0; i < nskip; i++)
		if (skip[i] == off)
			return true;
	return false;
}

/* Compare one output with one expected packet; on mismatch describe it in why. */
static bool compare(const uint8_t *got, uint32_t glen, const uint8_t *exp, uint32_t elen, const int *skip,
		    int nskip, char *why, size_t n)
{
	int sk[80];
	int nsk = nskip;

	memcpy(sk, skip, sizeof(int) * (size_t)nskip);
	if (glen != elen) {
		snprintf(why, n, "length %u, expected %u", glen, elen);
		return false;
	}
	if (elen >= 20 && (exp[0] >> 4) == 4) {
		/* Expected ID 0 = any ID; the header checksum is then checked for validity, not compared. */
		if (!exp[4] && !exp[5]) {
			sk[nsk++] = 4; sk[nsk++] = 5; sk[nsk++] = 10; sk[nsk++] = 11;
		}
		uint32_t ihl = (got[0] & 0xf) * 4u;
		if (ihl < 20 || ihl > glen || csum_ipv4_header(got, ihl) != ntohs(*(const uint16_t *)(got + 10))) {
			snprintf(why, n, "IPv4 header checksum invalid");
			return false;
		}
	}
	for (uint32_t i = 0; i < elen; i++) {
		if (got[i] != exp[i] && !in_list(sk, nsk, (int)i)) {
			snprintf(why, n, "byte %u is 0x%02x, expected 0x%02x", i, got[i], exp[i]);
			return false;
		}
	}
	return true;
}

/* The row's exception offsets. */
static int parse_skip(const struct row *r, int *skip, int max)
{
	char items[256], *save, *tok;
	int n = 0;

	snprintf(items, sizeof(items), "%s", r->exceptions);
	for (tok = strtok_r(items, ",", &save); tok && n < max; tok = strtok_r(NULL, ",", &save))
		skip[n++] = atoi(tok);
	return n;
}

/* Compare the outputs with the row's expected packets, in order. */
static bool check_out(const struct row *r, const struct xlat_out *out, char *why, size_t n)
{
	static uint8_t exp[MAX_PKT];
	char names[512], *save, *tok;
	int skip[64], nskip = parse_skip(r, skip, 64);
	unsigned idx = 0;

	snprintf(names, sizeof(names), "%s", r->expected);
	for (tok = strtok_r(names, " +", &save); tok; tok = strtok_r(NULL, " +", &save), idx++) {
		uint32_t elen = load(tok, exp);
		char d[128];

		if (!elen) {
			snprintf(why, n, "cannot read %s", tok);
			return false;
		}
		if (idx >= out->n) {
			snprintf(why, n, "%u packet(s) out, expected more (%s missing)", out->n, tok);
			return false;
		}
		if (!compare(out->pkt[idx].data, out->pkt[idx].len, exp, elen, skip, nskip, d, sizeof(d))) {
			snprintf(why, n, "%s: %s", tok, d);
			return false;
		}
	}
	if (out->n != idx) {
		snprintf(why, n, "%u packet(s) out, expected %u", out->n, idx);
		return false;
	}
	return true;
}

/* Apply the row's "; "-separated settings with fn. */
static bool apply_row_state(const struct row *r, struct xlat_conf *c, struct nat64_conf *nc,
			    bool (*fn)(struct xlat_conf *, struct nat64_conf *, char *), char *why, size_t n)
{
	char items[512], *save, *tok;

	snprintf(items, sizeof(items), "%s", r->state);
	for (tok = strtok_r(items, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		while (*tok == ' ')
			tok++;
		if (*tok && !fn(c, nc, tok)) {
			snprintf(why, n, "unknown state \"%s\"", tok);
			return false;
		}
	}
	return true;
}

static bool siit_state(struct xlat_conf *c, struct nat64_conf *nc, char *item)
{
	(void)nc;
	return apply_state(c, item);
}

static bool run_siit(const struct row *r, struct xlat_ctx *ctx, struct xlat_conf *conf, char *why, size_t n)
{
	static uint8_t in[XLAT_HEADROOM + MAX_PKT + XLAT_TAILROOM];
	struct xlat_out out;
	uint32_t len;

	siit_baseline(conf);
	if (!apply_row_state(r, conf, NULL, siit_state, why, n))
		return false;
	len = load(r->send, in + XLAT_HEADROOM);
	if (!len) {
		snprintf(why, n, "cannot read %s", r->send);
		return false;
	}
	xlat_packet(ctx, in + XLAT_HEADROOM, len, &out);
	return check_out(r, &out, why, n);
}

/* ---- NAT64: jool.md §4.3 (baseline) and §4.4 (per-group changes) ---- */

#define NAT64_T0 1000000	/* the run's clock, ms */
#define ROW_GAP 100		/* graybox sleeps 0.1 s between tests */
#define SO_WAIT 8100		/* the `so` tests wait 8.1 s for the stored SYN's 6 s */

struct n64 {
	struct xlat_conf conf;
	struct nat64_conf nconf;
	struct nat64_ctx ctx;
	struct stats st;
};

/* Translator j: IPv6 interface 2001:db8::1, IPv4 interface 192.0.2.2 (also pool4), MTUs 1500. The test
 * networks (192.0.2.0/24, 203.0.113.0/24) are not global, so 64:ff9b::/96 needs RFC 6052 §3.1's switch. */
static void nat64_baseline(struct n64 *x)
{
	struct prefix6 own6;
	struct prefix4 own4;

	xlat_conf_defaults(&x->conf);
	x->conf.has_pool6 = true;
	set_prefix6(&x->conf.pool6, "64:ff9b::/96");
	x->conf.allow_nonglobal = true;
	x->conf.has_own4 = x->conf.has_own6 = true;
	set_prefix4(&own4, "192.0.2.2");
	set_prefix6(&own6, "2001:db8::1");
	x->conf.own4 = own4.addr;
	x->conf.own6 = own6.addr;
	x->conf.mtu4 = x->conf.mtu6 = 1500;
	nat64_conf_defaults(&x->nconf);
}

static bool nat64_state(struct xlat_conf *c, struct nat64_conf *nc, char *item)
{
	char a[64];
	unsigned v;

	if (sscanf(item, "global zeroize-traffic-class=%63s", a) == 1)
		c->zeroize_traffic_class = !strcmp(a, "true");
	else if (sscanf(item, "global source-icmpv6-errors-better=%63s", a) == 1)
		nc->icmp6_errors_better = !strcmp(a, "on") || !strcmp(a, "true");
	else if (sscanf(item, "joolns:to_client_v6 mtu=%u", &v) == 1)
		c->mtu6 = v;
	else if (sscanf(item, "joolns:to_client_v4 mtu=%u", &v) == 1)
		c->mtu4 = v;
	else
		return false;
	return true;
}

/* pool4 192.0.2.2 ports 1-3000 for TCP, UDP and ICMP, and the static BIB of jool.md §4.3. */
static void nat64_setup(struct n64 *x)
{
	static const uint8_t secret[16] = "graybox vectors";
	static uint8_t scratch[XLAT_SCRATCH_SIZE];
	static const struct {
		enum nat64_proto p;
		const char *a4, *a6;
		uint16_t p4, p6;
	} bib[] = {
		{ NAT64_TCP, "192.0.2.2", "2001:db8::5", 2000, 2000 },
		{ NAT64_UDP, "192.0.2.2", "2001:db8::5", 2000, 2000 },
		{ NAT64_ICMP, "192.0.2.2", "2001:db8::5", 1, 1 },
		{ NAT64_UDP, "192.0.2.2", "2001:db8:1::5", 1000, 1001 },
		{ NAT64_UDP, "192.0.2.2", "2001:db8::5", 1002, 1003 },
	};
	struct prefix4 p4;
	struct prefix6 p6;
	struct nat64 *db;
	const char *why = "out of memory";

	nat64_baseline(x);
	db = nat64_new(&x->nconf, 0, 1, secret);
	must(db != NULL, "nat64 instance");
	set_prefix4(&p4, "192.0.2.2");
	for (int p = 0; p < NAT64_NPROTO; p++)
		must(nat64_pool4_add(db, p, &p4, 1, 3000, &why), why);
	for (size_t i = 0; i < sizeof(bib) / sizeof(bib[0]); i++) {
		set_prefix4(&p4, bib[i].a4);
		set_prefix6(&p6, bib[i].a6);
		must(nat64_static_add(db, bib[i].p, &p6.addr, bib[i].p6, p4.addr, bib[i].p4, &why), why);
	}
	x->ctx = (struct nat64_ctx){ .xlat = { .conf = &x->conf, .stats = &x->st, .rng = 1, .scratch = scratch,
					       .now = NAT64_T0 },
				     .db = db };
}

static bool nat64_send(struct n64 *x, const char *rel, struct xlat_out *out, char *why, size_t n)
{
	static uint8_t in[XLAT_HEADROOM + MAX_PKT + XLAT_TAILROOM];
	uint32_t len = load(rel, in + XLAT_HEADROOM);

	if (!len) {
		snprintf(why, n, "cannot read %s", rel);
		return false;
	}
	nat64_packet(&x->ctx, in + XLAT_HEADROOM, len, out);
	return true;
}

/* n4 (192.0.2.5) has no route to 203.0.113.0/24 (jool.md §4.3, test issue132): it answers the translated
 * packet as Linux's icmp_send() does: Destination Unreachable (net, ip_error's ENETUNREACH), TOS 0xc0,
 * TTL 64, as much of the packet as fits in 576 bytes. Built in o (with headroom), fed back to the NAT64. */
static bool n4_unreachable(struct n64 *x, struct xlat_out *out, char *why, size_t n)
{
	static uint8_t buf[XLAT_HEADROOM + 576 + XLAT_TAILROOM];
	uint8_t *o = buf + XLAT_HEADROOM;
	struct prefix4 n4;
	uint32_t q;

	if (out->n != 1 || out->pkt[0].len < 20 || out->pkt[0].data[0] >> 4 != 4) {
		snprintf(why, n, "%u packet(s) out, expected one IPv4 packet toward n4", out->n);
		return false;
	}
	q = out->pkt[0].len < 576 - 28 ? out->pkt[0].len : 576 - 28;
	memset(o, 0, 28);
	o[0] = 0x45;
	o[1] = 0xc0;
	*(uint16_t *)(o + 2) = htons((uint16_t)(28 + q));
	o[8] = 64;
	o[9] = IPPROTO_ICMP;
	set_prefix4(&n4, "192.0.2.5");
	memcpy(o + 12, &n4.addr, 4);
	memcpy(o + 16, out->pkt[0].data + 12, 4);
	*(uint16_t *)(o + 10) = htons(csum_ipv4_header(o, 20));
	o[20] = 3;
	memcpy(o + 28, out->pkt[0].data, q);
	*(uint16_t *)(o + 22) = htons(csum_final(csum_add(0, o + 20, 8 + q)));
	nat64_packet(&x->ctx, o, 28 + q, out);
	return true;
}

static bool run_nat64(const struct row *r, struct n64 *x, char *why, size_t n)
{
	char first[256];
	const char *then = strstr(r->send, " then ");
	struct xlat_out out;

	nat64_baseline(x);
	if (!apply_row_state(r, &x->conf, &x->nconf, nat64_state, why, n))
		return false;
	must(nat64_set_conf(x->ctx.db, &x->nconf), "nat64 settings");
	x->ctx.xlat.now += ROW_GAP;
	/* "A then B": A must vanish into the NAT64 (a stored SYN), B's result is compared. */
	if (then) {
		snprintf(first, sizeof(first), "%.*s", (int)(then - r->send), r->send);
		if (!nat64_send(x, first, &out, why, n))
			return false;
		if (out.n) {
			snprintf(why, n, "%s: %u packet(s) out, expected none", first, out.n);
			return false;
		}
		then += strlen(" then ");
	}
	if (!nat64_send(x, then ? then : r->send, &out, why, n))
		return false;
	if (!strcmp(r->group, "so") && (!strcmp(r->dir, "44") || !strcmp(r->dir, "66"))) {
		if (out.n) {
			snprintf(why, n, "%u packet(s) out at once, expected none before the 6 s", out.n);
			return false;
		}
		x->ctx.xlat.now += SO_WAIT;
		nat64_tick(&x->ctx, x->ctx.xlat.now, &out);
	}
	if (!strcmp(r->group, "misc") && !n4_unreachable(x, &out, why, n))
		return false;
	return check_out(r, &out, why, n);
}

/* Split a manifest line into its tab-separated columns (the last two may be empty). */
static bool parse_row(char *line, struct row *r)
{
	struct { char *dst; size_t n; } col[7] = {
		{ r->mode, sizeof(r->mode) }, { r->group, sizeof(r->group) }, { r->dir, sizeof(r->dir) },
		{ r->send, sizeof(r->send) }, { r->expected, sizeof(r->expected) },
		{ r->exceptions, sizeof(r->exceptions) }, { r->state, sizeof(r->state) },
	};
	char *p = line, *fld;
	int i;

	for (i = 0; i < 7 && (fld = strsep(&p, "\t")); i++)
		snprintf(col[i].dst, col[i].n, "%s", fld);
	return i >= 5;
}

int main(int argc, char **argv)
{
	static uint8_t scratch[XLAT_SCRATCH_SIZE];
	static struct xlat_conf conf;
	static struct n64 n64;
	struct stats st = { 0 };
	struct xlat_ctx ctx = { .conf = &conf, .stats = &st, .rng = 1, .scratch = scratch };
	unsigned pass[2] = { 0 }, total[2] = { 0 }, failed = 0;
	char line[2048], path[1024];
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: %s SHARED_DIR\n", argv[0]);
		return 2;
	}
	base_dir = argv[1];
	snprintf(path, sizeof(path), "%s/jool-graybox/MANIFEST.tsv", base_dir);
	f = fopen(path, "r");
	if (!f) {
		printf("SKIP vectors: %s not found (the Jool vectors live in ../shared beside the repository)\n", path);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		struct row r = { 0 };
		char why[512] = "";
		bool nat64;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !strncmp(line, "mode\t", 5))
			continue;
		if (!parse_row(line, &r))
			continue;
		nat64 = !strcmp(r.mode, "nat64");
		total[nat64]++;
		if (nat64 && !n64.ctx.db)
			nat64_setup(&n64);
		if (nat64 ? run_nat64(&r, &n64, why, sizeof(why)) : run_siit(&r, &ctx, &conf, why, sizeof(why))) {
			pass[nat64]++;
			printf("PASS %s/%s/%s\n", r.mode, r.group, r.send);
		} else {
			failed++;
			printf("FAIL %s/%s/%s: %s\n", r.mode, r.group, r.send, why);
		}
	}
	fclose(f);
	nat64_free(n64.ctx.db);
	printf("siit: %u/%u\nnat64: %u/%u\n", pass[0], total[0], pass[1], total[1]);
	return failed ? 1 : 0;
}
