/*
 * The DNS64 service: UDP and TCP listeners on every dns64-listen address, the client access list, and the
 * upstream queries (dns64_upstream.c), around the pure engine (dns64.h), on one thread with one epoll set.
 */
#ifndef XLAT64_DNS64_SERVER_H
#define XLAT64_DNS64_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "conf.h"
#include "ctl.h"
#include "stats.h"

#define DNS64_RESOLV_CONF "/etc/resolv.conf"
/* Networks dns64-allow (or the default list) may hold. */
#define DNS64_ACL_MAX 128

struct dns64_server;

/*
 * Bind every listener, read the upstreams (dns64-upstream, else /etc/resolv.conf) and the access list,
 * then serve on a thread of its own until dns64_server_stop(). The server's counters go into st, which
 * must outlive it and is written by the server's thread only. NULL with the reason in err (e.g.
 * "dns64-listen 127.0.0.1 53: Address already in use") when something fails; nothing is left running.
 * Needs c->xlat.has_pool6 and c->n_dns64_listen (conf_parse() ensures both go together).
 */
struct dns64_server *dns64_server_start(const struct conf *c, struct stats *st, char *err, size_t errlen);
/* Stop the thread, close every socket, free. NULL is fine. */
void dns64_server_stop(struct dns64_server *s);
/* Whether a and b run the same DNS64 (a reload needs no restart): its keys, pool6 and
 * allow-nonglobal-ipv4. */
bool dns64_server_same(const struct conf *a, const struct conf *b);
/* The "dns64" line of `xlat64 status`: listeners, upstreams, cache and jobs. Safe from any thread. */
void dns64_server_status(struct dns64_server *s, struct ctl_status *st);

/* dns64_acl.c: who may ask (dns64-allow, or loopback, link-local and the host's connected networks). */
struct dns64_acl {
	unsigned n;
	struct conf_net net[DNS64_ACL_MAX];
};
/* From c's dns64-allow lines, or the default list read with getifaddrs() now. False with err. */
bool dns64_acl_init(struct dns64_acl *a, const struct conf *c, char *err, size_t errlen);
bool dns64_acl_allows(const struct dns64_acl *a, const struct sockaddr *sa);
/* The REFUSED reply to query q into out (at least 12 + 255 + 4 bytes): its header and question, QR set.
 * 0 when q gets no reply (shorter than a header, or a response itself). */
size_t dns64_refused(const uint8_t *q, size_t len, uint8_t *out);

#endif
