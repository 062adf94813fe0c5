/* The DNS64 engine (RFC 6147): pure, no sockets, no clock. The caller (dns64_server.c) owns the
 * sockets and the time; it hands client queries and upstream answers in wire format and gets back
 * either the reply for the client or the next query to send upstream. docs/dns64.md lists the rules. */
#ifndef XLAT64_DNS64_H
#define XLAT64_DNS64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rfc6052.h"

struct stats;

/* The EDNS0 UDP size advertised to clients and upstreams, and the largest UDP reply (DNS flag day 2020: no
 * fragments). */
#define DNS64_EDNS_SIZE 1232
#define DNS64_EXCLUDE_MAX 16
/* The TTL of synthetic AAAA when the AAAA answer carried no SOA (RFC 6147 §5.1.7). */
#define DNS64_TTL_NOSOA 600
/* Largest DNS message handled (TCP length field). */
#define DNS64_MSG_MAX 65535
/* Queries waiting for upstream answers at once; one more gets SERVFAIL (DNS64_JOBS_FULL). The server sizes
 * its tables by it: a job waits for one upstream query at a time, each holding a socket of its own. */
#define DNS64_JOBS_MAX 4096

struct dns64_conf {
	struct prefix6 prefix;		/* pool6 (RFC 6052 length) */
	bool allow_nonglobal;		/* xlat.allow_nonglobal: 64:ff9b::/96 + non-global IPv4 is not synthesized */
	unsigned n_exclude;
	struct prefix6 exclude[DNS64_EXCLUDE_MAX];	/* empty = ::ffff:0:0/96 */
	uint32_t cache_max;		/* entries; 0 = no cache */
};
struct dns64;				/* cache + jobs in progress */
/* NULL on allocation failure. c is copied; st must outlive d (the engine increments DNS64_* in it). */
struct dns64 *dns64_new(const struct dns64_conf *c, struct stats *st);
void dns64_free(struct dns64 *d);

enum dns64_act { DNS64_ANSWER, DNS64_UPSTREAM, DNS64_NONE };
struct dns64_step {
	enum dns64_act act;
	const uint8_t *msg;		/* ANSWER: the reply for the client; UPSTREAM: a query to send */
	size_t len;			/* valid until the next call on d */
	uint32_t job;			/* the job the message belongs to (0 for a reply dns64_query gives at once) */
};
/* `now` is a monotonic clock in ms (cache ages and expiry); it may start anywhere.
 * A client's query (wire). max = the largest reply the client takes (512, its EDNS size, or 65535 on
 * TCP; below 512 counts as 512): longer answers are truncated with TC=1 (RFC 6147 §5.4, RFC 1035). Answers from cache, locally
 * (ipv4only.arpa RFC 8880 §7, FORMERR for malformed queries, REFUSED is the server's ACL business) or
 * asks for an upstream query (DNS64_UPSTREAM, with a new job). DNS64_NONE: nothing to send (a message
 * too short to carry even a header, or a response, QR=1: never answered, so two DNS64s cannot loop). */
enum dns64_act dns64_query(struct dns64 *d, const uint8_t *q, size_t len, size_t max, uint64_t now,
			   struct dns64_step *out);
/* The upstream answer to the job's last upstream query (the server already matched ID and question and
 * retried over TCP on TC=1). Gives the final answer or the next upstream query (A after an empty AAAA,
 * PTR for in-addr.arpa, ...). Malformed -> as if the upstream had failed. Unknown job -> DNS64_NONE. */
enum dns64_act dns64_upstream(struct dns64 *d, uint32_t job, const uint8_t *a, size_t len, uint64_t now,
			      struct dns64_step *out);
/* Every upstream timed out or failed for the job's last query: per RFC 6147 §5.1.3 an AAAA failure goes
 * on to the A query; otherwise SERVFAIL. Unknown job -> DNS64_NONE. */
enum dns64_act dns64_fail(struct dns64 *d, uint32_t job, uint64_t now, struct dns64_step *out);
/* Drop a job (client gone); unknown jobs are ignored. */
void dns64_cancel(struct dns64 *d, uint32_t job);

/* Additions beyond the session contract. */
/* Jobs waiting for an upstream answer, and entries in the cache (for `xlat64 status`). */
unsigned dns64_jobs(const struct dns64 *d);
unsigned dns64_cache_count(const struct dns64 *d);

/* Skip the (possibly compressed) name at *off (RFC 1035 §4.1.4); false when it runs off the message or
 * loops. For the few fixed places read without ldns: a query's EDNS size, a cached reply's TTLs. */
bool dns64_skip_name(const uint8_t *m, size_t len, size_t *off);
/* The header of a reply to query q (len bytes) into out: q's ID, opcode and RD, QR set, the other flags
 * clear, every count 0; 0 when q is shorter than a header, else 12. Alone, the answer to a query that did
 * not parse far enough for a question (FORMERR, NOTIMP); the server's REFUSED adds the question. */
size_t dns64_wire_header_only(uint8_t *out, const uint8_t *q, size_t len, uint8_t rcode);

#endif
