/*
 * The DNS64's queries to its upstream resolvers (dns64_server.c's thread, one epoll loop): one UDP socket
 * per query on a kernel-chosen random port and a random ID (RFC 5452 §9.2), answers matched by source
 * (connected socket), ID and question, a timeout per try, the next upstream after a timeout or an error,
 * two rounds over the list, TCP for answers that came truncated (TC=1, RFC 7766 §5).
 */
#ifndef XLAT64_DNS64_UPSTREAM_H
#define XLAT64_DNS64_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conf.h"
#include "stats.h"

/* Rounds over the upstream list before a query has failed. */
#define DNS64_UP_ROUNDS 2

struct dns64_up_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* The job's answer (a: the whole message with the engine's own ID back in place, valid during the call)
 * or, with a == NULL, that every try failed. Called from dns64_up_event()/dns64_up_expire() only, after
 * the job's slot is free: it may call dns64_up_send() for the same job. */
typedef void dns64_up_done_fn(void *opaque, uint32_t job, const uint8_t *a, size_t len, uint64_t now);

struct dns64_up;

/* ups: n >= 1 upstreams. Each socket goes into epfd with data.u64 = tag | id, id < 2^32 (tag's low 32 bits
 * must be 0); the owner hands those events to dns64_up_event(). NULL when out of memory. */
struct dns64_up *dns64_up_new(const struct dns64_up_addr *ups, unsigned n, uint32_t timeout_ms, int epfd,
			      uint64_t tag, struct stats *st, dns64_up_done_fn *done, void *opaque);
void dns64_up_free(struct dns64_up *u);
/* Ask the upstreams q (the engine's query, len bytes) for job. False when it cannot even start (no free
 * slot, a query too long, no socket for any upstream; counted as DNS64_UPSTREAM_FAILED): the caller then
 * treats the job as failed. */
bool dns64_up_send(struct dns64_up *u, uint32_t job, const uint8_t *q, size_t len, uint64_t now);
/* Forget the job's query, if any (its client is gone). */
void dns64_up_cancel(struct dns64_up *u, uint32_t job);
/* An epoll event for id (the low 32 bits of its data.u64). */
void dns64_up_event(struct dns64_up *u, uint32_t id, uint32_t events, uint64_t now);
/* Move the tries whose time is up on to the next upstream; returns the ms until the next deadline, or
 * -1 when nothing waits. */
int dns64_up_expire(struct dns64_up *u, uint64_t now);

/*
 * The upstream list: c's dns64-upstream lines, or else the nameserver lines of resolv (/etc/resolv.conf),
 * leaving out those that are one of our own listeners (a loop: port 53 on a listen address, or on a
 * loopback address when we listen on a wildcard). Returns how many were written to out (<= max).
 */
unsigned dns64_up_list(const struct conf *c, const char *resolv, struct dns64_up_addr *out, unsigned max);

#endif
