/*
 * What the control socket answers, without the socket: the request parser, the commands and their text
 * and JSON renderings. Pure apart from the daemon's callbacks, so that the fuzzer can reach all of it.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

#define CTL_TABLE_MAX (256u << 20)	/* bytes of cells one table may buffer */
#define CTL_WORD_SHOWN 40		/* longest piece of a bad request quoted back */

struct ctl_rows {
	const struct ctl_column *cols;
	unsigned ncols;
	size_t nrows, width[CTL_COLUMNS_MAX];
	char *buf;		/* the cells, NUL-terminated, row after row */
	size_t len, cap;
	bool failed;
};

/* The words of a request; the flags each command accepts. */
static const struct {
	const char *word;
	unsigned flags;
} ctl_cmds[CTL_CMD_MAX] = {
	[CTL_STATUS] = { "status", CTL_F_JSON },
	[CTL_STATS] = { "stats", CTL_F_ALL | CTL_F_EXPLAIN | CTL_F_JSON },
	[CTL_CONFIG] = { "config", CTL_F_JSON },
	[CTL_SESSIONS] = { "sessions", CTL_F_JSON },
	[CTL_BIB] = { "bib", CTL_F_JSON },
	[CTL_POOL4] = { "pool4", CTL_F_JSON },
	[CTL_RELOAD] = { "reload", 0 },
};
static const char *const ctl_flag_words[] = { "all", "explain", "json" };	/* bit i is word i */

bool ctl_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return false;
}

const char *ctl_cmd_name(enum ctl_cmd cmd)
{
	return cmd < CTL_CMD_MAX ? ctl_cmds[cmd].word : "unknown";
}

static int find_word(const char *w, size_t n)
{
	for (int i = 0; i < CTL_CMD_MAX; i++)
		if (strlen(ctl_cmds[i].word) == n && !memcmp(ctl_cmds[i].word, w, n))
			return i;
	return -1;
}

int ctl_cmd_find(const char *word)
{
	return find_word(word, strlen(word));
}

/* "status, stats, ... or pool4" for messages, from the table so that it cannot go stale. */
static const char *cmd_list(char *buf, size_t n)
{
	size_t k = 0;

	buf[0] = 0;
	for (int i = 0; i < CTL_CMD_MAX && k < n; i++) {
		const char *sep = i == 0 ? "" : i == CTL_CMD_MAX - 1 ? " or " : ", ";

		k += (size_t)snprintf(buf + k, n - k, "%s%s", sep, ctl_cmds[i].word);
	}
	return buf;
}

/* How much of a bad word to quote back. */
static int shown(size_t len)
{
	return (int)(len > CTL_WORD_SHOWN ? CTL_WORD_SHOWN : len);
}

bool ctl_parse(const char *line, size_t n, struct ctl_req *req, char *err, size_t errlen)
{
	char list[128];
	size_t i = 0;
	int words = 0;

	if (n && line[n - 1] == '\n')
		n--;
	if (n > CTL_LINE_MAX)
		return ctl_fail(err, errlen, "request longer than %d bytes", CTL_LINE_MAX);
	for (size_t k = 0; k < n; k++) {
		if (line[k] == '\n')
			return ctl_fail(err, errlen, "one request line per connection");
		if (line[k] < 0x20 || line[k] > 0x7e)
			return ctl_fail(err, errlen, "byte %zu of the request is not printable ASCII", k);
	}
	req->flags = 0;
	while (i < n) {
		size_t len = 0;
		const char *w = line + i;
		int id, f = -1;

		while (i + len < n && w[len] != ' ')
			len++;
		i += len + 1;
		if (!len)
			continue;
		if (words++ == 0) {
			id = find_word(w, len);
			if (id < 0)
				return ctl_fail(err, errlen, "unknown command '%.*s' (expected %s)", shown(len), w,
						cmd_list(list, sizeof(list)));
			req->cmd = (enum ctl_cmd)id;
			continue;
		}
		for (unsigned b = 0; b < sizeof(ctl_flag_words) / sizeof(ctl_flag_words[0]); b++)
			if (strlen(ctl_flag_words[b]) == len && !memcmp(ctl_flag_words[b], w, len))
				f = (int)b;
		if (f < 0)
			return ctl_fail(err, errlen, "unknown flag '%.*s'", shown(len), w);
		if (!(ctl_cmds[req->cmd].flags & 1u << f))
			return ctl_fail(err, errlen, "%s does not take '%s'", ctl_cmds[req->cmd].word,
					ctl_flag_words[f]);
		req->flags |= 1u << f;
	}
	if (!words)
		return ctl_fail(err, errlen, "empty request (expected %s)", cmd_list(list, sizeof(list)));
	return true;
}

/* A JSON string. Bytes outside printable ASCII are escaped, so the output is valid whatever the input. */
static void json_str(FILE *f, const char *s)
{
	putc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch > 0x7e)
			fprintf(f, "\\u%04x", ch);
		else
			putc(ch, f);
	}
	putc('"', f);
}

/* Decimal digits without a leading zero: what JSON accepts as a number. */
static bool json_number(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n && !s[n] && (s[0] != '0' || n == 1);
}

void ctl_rows_columns(struct ctl_rows *r, const struct ctl_column *cols, unsigned n)
{
	if (r->ncols || !n || n > CTL_COLUMNS_MAX) {
		r->failed = true;
		return;
	}
	r->cols = cols;
	r->ncols = n;
	for (unsigned i = 0; i < n; i++)
		r->width[i] = strlen(cols[i].name);
}

/* Room for need more bytes of cells. */
static bool rows_grow(struct ctl_rows *r, size_t need)
{
	size_t cap = r->cap ? r->cap : 4096;
	char *p;

	if (need > CTL_TABLE_MAX - r->len)
		return false;
	if (r->len + need <= r->cap)
		return true;
	while (cap < r->len + need)
		cap *= 2;
	p = realloc(r->buf, cap);
	if (!p)
		return false;
	r->buf = p;
	r->cap = cap;
	return true;
}

bool ctl_rows_add(struct ctl_rows *r, const char *const *cells)
{
	size_t need = 0, len[CTL_COLUMNS_MAX];

	if (!r->ncols || r->failed) {
		r->failed = true;
		return false;
	}
	for (unsigned i = 0; i < r->ncols; i++) {
		len[i] = cells[i] ? strlen(cells[i]) : 0;
		need += len[i] + 1;
	}
	if (!rows_grow(r, need)) {
		r->failed = true;
		return false;
	}
	for (unsigned i = 0; i < r->ncols; i++) {
		memcpy(r->buf + r->len, cells[i] ? cells[i] : "", len[i] + 1);
		r->len += len[i] + 1;
		if (len[i] > r->width[i])
			r->width[i] = len[i];
	}
	r->nrows++;
	return true;
}

/* One text cell, padded to its column; a control byte from a producer must not break the layout. */
static void text_cell(FILE *f, const struct ctl_rows *r, unsigned i, const char *s, bool header)
{
	size_t pad = r->width[i] - strlen(s);
	bool last = i + 1 == r->ncols;

	if (r->cols[i].numeric)
		fprintf(f, "%*s", (int)pad, "");
	for (; *s; s++) {
		char ch = *s < 0x20 || *s > 0x7e ? '?' : *s;

		putc(header && ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch, f);
	}
	if (!r->cols[i].numeric && !last)
		fprintf(f, "%*s", (int)pad, "");
	fputs(last ? "\n" : "  ", f);
}

static void rows_render(FILE *f, const struct ctl_rows *r, bool json)
{
	const char *cell = r->buf;

	if (!r->ncols) {
		fputs(json ? "[]\n" : "", f);
		return;
	}
	if (json)
		fputs(r->nrows ? "[\n" : "[", f);
	else
		for (unsigned i = 0; i < r->ncols; i++)
			text_cell(f, r, i, r->cols[i].name, true);
	for (size_t row = 0; row < r->nrows; row++) {
		for (unsigned i = 0; i < r->ncols; i++, cell += strlen(cell) + 1) {
			if (!json) {
				text_cell(f, r, i, cell, false);
				continue;
			}
			fputs(i ? ", " : "  {", f);
			json_str(f, r->cols[i].name);
			fputs(": ", f);
			if (r->cols[i].numeric && json_number(cell))
				fputs(cell, f);
			else
				json_str(f, cell);
		}
		if (json)
			fputs(row + 1 < r->nrows ? "},\n" : "}\n", f);
	}
	if (json)
		fputs("]\n", f);
}

/* Status lines: "name value" in text, the members of one JSON object. */
struct ctl_fields {
	FILE *f;
	bool json;
	unsigned n;
};

__attribute__((format(printf, 4, 5)))
static void field(struct ctl_fields *fl, const char *name, bool numeric, const char *fmt, ...)
{
	char value[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (!fl->json) {
		fprintf(fl->f, "%-9s %s\n", name, value);
		return;
	}
	fputs(fl->n++ ? ",\n  " : "{\n  ", fl->f);
	json_str(fl->f, name);
	fputs(": ", fl->f);
	if (numeric && json_number(value))
		fputs(value, fl->f);
	else
		json_str(fl->f, value);
}

void ctl_status_add(struct ctl_status *st, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (st->n_extra >= CTL_STATUS_EXTRA_MAX)
		return;
	snprintf(st->extra[st->n_extra].key, sizeof(st->extra[0].key), "%s", key);
	va_start(ap, fmt);
	vsnprintf(st->extra[st->n_extra].value, sizeof(st->extra[0].value), fmt, ap);
	va_end(ap);
	st->n_extra++;
}

static bool do_status(const struct ctl_ops *ops, void *opaque, const struct ctl_self *self,
		      const struct ctl_req *req, FILE *f)
{
	static struct ctl_status st;	/* large; the server answers one request at a time */
	unsigned long long up = self->uptime_s;
	struct ctl_fields fl = { .f = f, .json = req->flags & CTL_F_JSON };

	st = (struct ctl_status){ .mode = "unknown", .device = "unknown" };
	if (ops->status)
		ops->status(opaque, &st);
	field(&fl, "mode", false, "%s", st.mode);
	if (st.device) {
		field(&fl, "device", false, "%s", st.device);
		field(&fl, "queues", true, "%u", st.queues);
	}
	for (unsigned i = 0; i < st.n_extra; i++)
		field(&fl, st.extra[i].key, false, "%s", st.extra[i].value);
	if (fl.json)
		field(&fl, "uptime", true, "%llu", up);
	else
		field(&fl, "uptime", false, "%llud %02llu:%02llu:%02llu", up / 86400, up / 3600 % 24, up / 60 % 60,
		      up % 60);
	field(&fl, "pid", true, "%ld", (long)getpid());
	field(&fl, "version", false, "%s", XLAT64_VERSION);
	/* This request included: the server's own state as it answers. */
	field(&fl, "requests", true, "%llu", self->requests);
	field(&fl, "errors", true, "%llu", self->errors);
	if (fl.json)
		fputs("\n}\n", f);
	return true;
}

static void do_stats(const struct ctl_ops *ops, void *opaque, const struct ctl_req *req, struct ctl_rows *r)
{
	static const struct ctl_column cols[] = {
		{ .name = "counter" }, { .name = "value", .numeric = true }, { .name = "explanation" },
	};
	struct stats sum;
	char value[24];
	const char *cells[3] = { NULL, value, NULL };

	memset(&sum, 0, sizeof(sum));
	if (ops->stats)
		ops->stats(opaque, &sum);
	ctl_rows_columns(r, cols, req->flags & CTL_F_EXPLAIN ? 3 : 2);
	for (int id = 0; id < STAT_MAX; id++) {
		if (!sum.c[id] && !(req->flags & CTL_F_ALL))
			continue;
		cells[0] = stats_name((enum stat_id)id);
		snprintf(value, sizeof(value), "%llu", (unsigned long long)sum.c[id]);
		cells[2] = stats_explain((enum stat_id)id);
		if (!ctl_rows_add(r, cells))
			break;
	}
}

/* JSON config: the lines conf_print() writes, "key value..." each, as rows; its comments say "not set". */
static bool config_rows(const char *text, struct ctl_rows *r)
{
	static const struct ctl_column cols[] = { { .name = "key" }, { .name = "value" } };
	char *copy = strdup(text), *save = NULL;

	if (!copy)
		return false;
	ctl_rows_columns(r, cols, 2);
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t k = strcspn(line, " \t");
		const char *cells[2] = { line, line + k + strspn(line + k, " \t") };

		if (line[0] == '#' || !k)
			continue;
		line[k] = 0;	/* after taking the value's start: the value never begins at k */
		if (!ctl_rows_add(r, cells))
			break;
	}
	free(copy);
	return true;
}

static bool do_config(const struct ctl_ops *ops, void *opaque, const struct ctl_req *req, FILE *out,
		      struct ctl_rows *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	bool ok;

	if (!ops->config)
		return false;
	if (!(req->flags & CTL_F_JSON)) {
		ops->config(opaque, out);
		return true;
	}
	f = open_memstream(&text, &len);
	if (!f)
		return false;
	ops->config(opaque, f);
	ok = fclose(f) == 0 && config_rows(text, r);
	free(text);
	return ok;
}

static bool do_table(const struct ctl_ops *ops, void *opaque, const struct ctl_req *req, struct ctl_rows *r,
		     char *err, size_t errlen)
{
	struct ctl_status st = { .mode = "unknown" };

	if (ops->rows) {
		if (ops->rows(opaque, req, r, err, errlen))
			return true;
		if (!err[0])
			ctl_fail(err, errlen, "%s: the daemon could not list it", ctl_cmd_name(req->cmd));
		return false;
	}
	if (ops->status)
		ops->status(opaque, &st);
	return ctl_fail(err, errlen, "%s is only in nat64 mode (this daemon runs %s)", ctl_cmd_name(req->cmd),
			st.mode);
}

bool ctl_answer(const struct ctl_ops *ops, void *opaque, const struct ctl_self *self, const struct ctl_req *req,
		FILE *f, char *err, size_t errlen)
{
	struct ctl_rows r = { 0 };
	bool ok = true;

	err[0] = 0;
	switch (req->cmd) {
	case CTL_STATUS:
		return do_status(ops, opaque, self, req, f);
	case CTL_STATS:
		do_stats(ops, opaque, req, &r);
		break;
	case CTL_CONFIG:
		ok = do_config(ops, opaque, req, f, &r) || ctl_fail(err, errlen, "config: cannot produce it");
		break;
	case CTL_RELOAD:
		if (!ops->reload)
			return ctl_fail(err, errlen, "reload: this daemon cannot reload");
		return ops->reload(opaque, f, err, errlen);
	default:
		ok = do_table(ops, opaque, req, &r, err, errlen);
		break;
	}
	if (ok && r.failed)
		ok = ctl_fail(err, errlen, "%s: the table is too large or out of memory", ctl_cmd_name(req->cmd));
	if (ok)
		rows_render(f, &r, req->flags & CTL_F_JSON);
	free(r.buf);
	return ok;
}
