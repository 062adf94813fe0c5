/*
 * Jool's graybox packet vectors fed to the translation core (no I/O, no root).
 * Usage: vectors SHARED_DIR   (SHARED_DIR/jool-graybox/MANIFEST.tsv; the data is read, never copied)
 * Prints one line per exchange (PASS/FAIL, or SKIP for NAT64 until stateful mode exists), then one line
 * per suite: "siit: P/124" and "nat64: P/42".
 *
 * Comparison rules (../shared/brief/anchors/jool.md §3.3): lengths equal; bytes equal except the listed
 * offsets; an expected IPv4 ID of 0 is a wildcard whose header checksum must then be valid in the output.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
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

static bool run_siit(const struct row *r, struct xlat_ctx *ctx, struct xlat_conf *conf, char *why, size_t n)
{
	static uint8_t in[XLAT_HEADROOM + MAX_PKT + XLAT_TAILROOM], exp[MAX_PKT];
	char items[512], names[512], *save, *tok;
	int skip[64], nskip = 0;
	struct xlat_out out;
	uint32_t len;
	unsigned idx = 0;

	siit_baseline(conf);
	snprintf(items, sizeof(items), "%s", r->state);
	for (tok = strtok_r(items, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		while (*tok == ' ')
			tok++;
		if (*tok && !apply_state(conf, tok)) {
			snprintf(why, n, "unknown state \"%s\"", tok);
			return false;
		}
	}
	snprintf(items, sizeof(items), "%s", r->exceptions);
	for (tok = strtok_r(items, ",", &save); tok && nskip < 64; tok = strtok_r(NULL, ",", &save))
		skip[nskip++] = atoi(tok);

	len = load(r->send, in + XLAT_HEADROOM);
	if (!len) {
		snprintf(why, n, "cannot read %s", r->send);
		return false;
	}
	xlat_packet(ctx, in + XLAT_HEADROOM, len, &out);

	snprintf(names, sizeof(names), "%s", r->expected);
	for (tok = strtok_r(names, " +", &save); tok; tok = strtok_r(NULL, " +", &save), idx++) {
		uint32_t elen = load(tok, exp);
		char d[128];

		if (!elen) {
			snprintf(why, n, "cannot read %s", tok);
			return false;
		}
		if (idx >= out.n) {
			snprintf(why, n, "%u packet(s) out, expected more (%s missing)", out.n, tok);
			return false;
		}
		if (!compare(out.pkt[idx].data, out.pkt[idx].len, exp, elen, skip, nskip, d, sizeof(d))) {
			snprintf(why, n, "%s: %s", tok, d);
			return false;
		}
	}
	if (out.n != idx) {
		snprintf(why, n, "%u packet(s) out, expected %u", out.n, idx);
		return false;
	}
	return true;
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
		if (nat64)
			continue;
		if (run_siit(&r, &ctx, &conf, why, sizeof(why))) {
			pass[0]++;
			printf("PASS siit/%s/%s\n", r.group, r.send);
		} else {
			failed++;
			printf("FAIL siit/%s/%s: %s\n", r.group, r.send, why);
		}
	}
	fclose(f);
	printf("SKIP nat64: %u exchanges wait for stateful NAT64 mode\n", total[1]);
	printf("siit: %u/%u\nnat64: %u/%u\n", pass[0], total[0], pass[1], total[1]);
	return failed ? 1 : 0;
}
