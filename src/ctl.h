/*
 * The control socket between the running daemon and the command line (`xlat64 status`, `stats`, ...).
 *
 * Protocol: the client connects to a Unix stream socket and sends one line of at most CTL_LINE_MAX bytes
 * of printable ASCII words, e.g. "stats all explain json\n". The server answers "ok\n" and the body, or
 * one line "error: <message>\n", and closes the connection. One request per connection.
 *
 * The server knows no daemon internals: it asks the daemon for data through struct ctl_ops, whose
 * callbacks run on the server's own thread, one at a time, so they must be safe against the workers.
 */
#ifndef XLAT64_CTL_H
#define XLAT64_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "stats.h"

/* What `xlat64 version` and `status` report; the build may set it. */
#ifndef XLAT64_VERSION
#define XLAT64_VERSION "0.1.0"
#endif

#define CTL_LINE_MAX 512	/* request bytes, not counting the final newline */
#define CTL_TIMEOUT_MS 2000	/* a client must send its request, and keep reading the answer, in time */
#define CTL_COLUMNS_MAX 16

enum ctl_cmd { CTL_STATUS, CTL_STATS, CTL_CONFIG, CTL_SESSIONS, CTL_BIB, CTL_POOL4, CTL_RELOAD, CTL_CMD_MAX };

/* Request flags, the words after the command. */
enum {
	CTL_F_ALL = 1 << 0,	/* stats: every counter, zeros included */
	CTL_F_EXPLAIN = 1 << 1,	/* stats: each counter's explanation */
	CTL_F_JSON = 1 << 2,	/* any command: answer in JSON */
};

struct ctl_req {
	enum ctl_cmd cmd;
	unsigned flags;
};

/*
 * Parse one request: n bytes at line (not NUL-terminated), optionally ending in "\n". Pure, for the
 * server, the CLI (to refuse a bad request before connecting) and the fuzzer. On error writes a message
 * without the "error: " prefix into err and returns false.
 */
bool ctl_parse(const char *line, size_t n, struct ctl_req *req, char *err, size_t errlen);
/* The command word, e.g. "stats"; ctl_cmd_find() is the reverse (-1 when the word is no command). */
const char *ctl_cmd_name(enum ctl_cmd cmd);
int ctl_cmd_find(const char *word);

/*
 * Tables (stats today; sessions, bib, pool4 with stateful NAT64): a producer declares its columns once,
 * then adds rows of strings. The server renders them as an aligned text table or as a JSON array of
 * objects keyed by column name; a numeric column is right-aligned in text and a JSON number when the cell
 * is all decimal digits.
 */
struct ctl_column {
	const char *name;	/* lower case, e.g. "counter"; the text header shows it upper case */
	bool numeric;
};
struct ctl_rows;
/* Call once, before the first row, with 1..CTL_COLUMNS_MAX columns (the array must outlive the table). */
void ctl_rows_columns(struct ctl_rows *r, const struct ctl_column *cols, unsigned n);
/* Add a row, one string per column (copied; NULL prints as empty). False means stop producing: out of
 * memory, the table outgrew its limit, or no columns were declared; the request then fails. */
bool ctl_rows_add(struct ctl_rows *r, const char *const *cells);

#define CTL_STATUS_EXTRA_MAX 8

/* What `status` shows besides what the server knows itself (pid, uptime since ctl_start, version). */
struct ctl_status {
	const char *mode;	/* "siit" */
	const char *device;	/* the TUN device's name; NULL: none (mode none) */
	unsigned queues;	/* worker threads */
	/* One line per service (dns64, pref64, clat): ctl_status_add(). */
	unsigned n_extra;
	struct {
		char key[16];
		char value[240];
	} extra[CTL_STATUS_EXTRA_MAX];
};

/* Add a "key: value" line to `status` (a string member in JSON). Lines beyond CTL_STATUS_EXTRA_MAX are
 * dropped; a value is cut at 239 bytes. */
__attribute__((format(printf, 3, 4)))
void ctl_status_add(struct ctl_status *st, const char *key, const char *fmt, ...);

struct ctl_ops {
	void (*status)(void *opaque, struct ctl_status *st);
	/* The counters summed over every worker: use ctl_stats_snapshot(). */
	void (*stats)(void *opaque, struct stats *sum);
	/* The effective configuration: conf_print(). */
	void (*config)(void *opaque, FILE *f);
	/*
	 * sessions, bib and pool4 (req->cmd says which): ctl_rows_columns() then ctl_rows_add() per row.
	 * On failure write a message into err and return false. NULL: the server answers "<cmd> is only
	 * in nat64 mode".
	 */
	bool (*rows)(void *opaque, const struct ctl_req *req, struct ctl_rows *out, char *err, size_t errlen);
	/* reload: read the configuration file again and apply it; what was done goes to f. False with a
	 * message in err (e.g. "xlat64.conf:3: ..." or what needs a restart); nothing changed then. */
	bool (*reload)(void *opaque, FILE *f, char *err, size_t errlen);
};

struct ctl;

/*
 * Listen on the Unix socket at path (mode 0600; its directory must exist) and serve requests on a thread
 * of its own. A stale socket file (nobody answers on it) is replaced; if another daemon answers, or path
 * is something other than a socket, nothing is started. ops and opaque must outlive the server. Returns
 * NULL with a message in err on failure.
 */
struct ctl *ctl_start(const char *path, const struct ctl_ops *ops, void *opaque, char *err, size_t errlen);
/* Stop the thread (promptly, even with a client connected), remove the socket file and free. NULL is ok. */
void ctl_stop(struct ctl *c);

/* Between ctl_server.c and ctl_answer.c: the server's own state, which `status` shows. */
struct ctl_self {
	unsigned long long uptime_s;	/* since ctl_start() */
	unsigned long long requests;	/* connections served, this one included */
	unsigned long long errors;	/* of those, answered with an error */
};
/* The body of the answer to req into f (the server sends "ok\n" before it). Pure but for the callbacks.
 * False with a message in err. */
bool ctl_answer(const struct ctl_ops *ops, void *opaque, const struct ctl_self *self, const struct ctl_req *req,
		FILE *f, char *err, size_t errlen);

/* Write the message into err (when errlen is not 0) and return false. */
__attribute__((format(printf, 3, 4))) bool ctl_fail(char *err, size_t errlen, const char *fmt, ...);

/* sum = the counters of n workers, each read with a relaxed atomic load: the workers keep writing them
 * without locks, and a snapshot must not tear a counter. */
void ctl_stats_snapshot(struct stats *sum, struct stats *const *workers, unsigned n);

/*
 * Client: send request (words, no newline) to the daemon at path and copy the answer's body to out.
 * Returns 0 on "ok"; 1 after printing "xlat64: <message>" on stderr when the daemon answers with an
 * error, when no daemon runs there, or on any failure.
 */
int ctl_request(const char *path, const char *request, FILE *out);

#endif
