/*
 * libFuzzer target for the control socket without the socket. The input's first line goes to the request
 * parser (ctl_parse), which must give either a request that says the same when written back as words, or
 * a one-line error. A parsed request is then answered (ctl_answer) from callbacks that fill the tables
 * with the bytes after that line, and the answer must be printable ASCII lines whatever those bytes were.
 * Never a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static const uint8_t *fuzz_data;
static size_t fuzz_size;

static void fuzz_status(void *opaque, struct ctl_status *st)
{
	(void)opaque;
	st->mode = "siit";
	st->device = "xlat64";
	st->queues = 1;
}

static void fuzz_stats(void *opaque, struct stats *sum)
{
	(void)opaque;
	for (size_t i = 0; i < fuzz_size && i < STAT_MAX; i++)
		sum->c[i] = fuzz_data[i] * 0x0101010101010101ull;
}

static void fuzz_config(void *opaque, FILE *f)
{
	(void)opaque;
	fputs("mode siit\n# pool6 (not set)\n\neamt 192.0.2.0/24 2001:db8::/120\nlonely\n", f);
}

/* Cells are the input cut at every 0 byte, in as many columns as its first byte says. */
static bool fuzz_rows(void *opaque, const struct ctl_req *req, struct ctl_rows *out, char *err, size_t errlen)
{
	static const struct ctl_column cols[CTL_COLUMNS_MAX] = {
		{ .name = "a" }, { .name = "b", .numeric = true }, { .name = "c" }, { .name = "d", .numeric = true },
	};
	char *copy = malloc(fuzz_size + 1), *p;
	const char *cells[CTL_COLUMNS_MAX];
	unsigned n = fuzz_size ? fuzz_data[0] % 4 + 1 : 1;
	bool ok = true;

	(void)opaque;
	if (!copy || req->cmd == CTL_POOL4) {
		free(copy);
		return ctl_fail(err, errlen, "pool4: not in this test");
	}
	memcpy(copy, fuzz_data, fuzz_size);
	copy[fuzz_size] = 0;
	ctl_rows_columns(out, cols, n);
	for (p = copy; ok && p < copy + fuzz_size;) {
		for (unsigned i = 0; i < n; i++) {
			cells[i] = p < copy + fuzz_size ? p : NULL;
			if (p < copy + fuzz_size)
				p += strlen(p) + 1;
		}
		ok = ctl_rows_add(out, cells);
	}
	free(copy);
	return true;
}

static const struct ctl_ops fuzz_ops = {
	.status = fuzz_status, .stats = fuzz_stats, .config = fuzz_config, .rows = fuzz_rows,
};

static void check_printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != '\n' && (s[i] < 0x20 || s[i] > 0x7e))
			abort();
}

static void fuzz_answer(const struct ctl_req *req)
{
	struct ctl_self self = { 1, 2, 3 };
	char *body = NULL, err[256];
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	bool ok;

	if (!f)
		abort();
	ok = ctl_answer(&fuzz_ops, NULL, &self, req, f, err, sizeof(err));
	fclose(f);
	if (ok)
		check_printable(body, len);
	else if (!err[0])
		abort();
	free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const flags[] = { "all", "explain", "json" };
	const uint8_t *nl = memchr(data, '\n', size);
	size_t n = nl ? (size_t)(nl - data) + 1 : size;
	char *line = malloc(n ? n : 1), err[256], again[128];
	struct ctl_req req, req2;

	if (!line)
		return 0;
	/* Exactly n bytes, no terminator: the parser must not read past them. */
	memcpy(line, data, n);
	if (!ctl_parse(line, n, &req, err, sizeof(err))) {
		/* The server sends it as "error: <err>\n": one non-empty line of printable ASCII. */
		if (!err[0] || strchr(err, '\n'))
			abort();
		check_printable(err, strlen(err));
		free(line);
		return 0;
	}
	if (req.cmd >= CTL_CMD_MAX || req.flags & ~(unsigned)(CTL_F_ALL | CTL_F_EXPLAIN | CTL_F_JSON))
		abort();
	snprintf(again, sizeof(again), "%s", ctl_cmd_name(req.cmd));
	for (unsigned b = 0; b < 3; b++)
		if (req.flags & 1u << b)
			snprintf(again + strlen(again), sizeof(again) - strlen(again), " %s", flags[b]);
	if (!ctl_parse(again, strlen(again), &req2, err, sizeof(err)) || req2.cmd != req.cmd ||
	    req2.flags != req.flags)
		abort();
	fuzz_data = data + n;
	fuzz_size = size - n;
	fuzz_answer(&req);
	free(line);
	return 0;
}
