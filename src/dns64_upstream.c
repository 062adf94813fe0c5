/*
 * Upstream queries of the DNS64 (see dns64_upstream.h). Every try gets a socket of its own: the kernel
 * picks a random ephemeral port at connect() (RFC 5452 §9.2 asks for port and ID randomness), and a
 * connected UDP socket only takes datagrams from the upstream's address and port, which is the "source"
 * half of the match; ID and question are checked here. All tries wait the same time, so the list of
 * waiting tries in start order is also the list in deadline order: no heap.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <unistd.h>

#include "dns64.h"
#include "dns64_upstream.h"

/* The engine's upstream queries hold one question and an OPT record: far below this. */
#define QUERY_MAX 1024
#define HDR 12
#define RCODE_NOTIMP 4
#define RCODE_REFUSED 5

struct slot {
	bool busy, tcp, tcp_sent;
	int fd;			/* -1 when no try is running */
	uint32_t job;
	uint16_t id;		/* ours, on the wire */
	uint8_t engine_id[2];	/* the engine's, put back into the answer */
	unsigned tries;		/* started so far, this one included */
	unsigned server;	/* index into up[] of this try */
	uint16_t gen;		/* counts the slot's sockets: an event queued for an older one is stale */
	uint64_t deadline;
	int prev, next;		/* the waiting list while busy, the free list (next) when not */
	uint16_t qlen, qend;	/* query length; end of its question (the part an answer must repeat) */
	uint8_t q[QUERY_MAX];
	uint8_t *tbuf;		/* TCP: 2-byte length + the answer */
	size_t tgot;
};

struct dns64_up {
	struct dns64_up_addr up[CONF_DNS64_UPSTREAM_MAX];
	unsigned n, pref;
	uint32_t timeout;
	int epfd;
	uint64_t tag;
	struct stats *st;
	dns64_up_done_fn *done;
	void *opaque;
	int free_head, head, tail;
	unsigned rnd_left;
	uint8_t rnd[256];
	uint8_t rx[DNS64_MSG_MAX];
	struct slot s[DNS64_JOBS_MAX];	/* a job has one query in flight at most; a slot is 16 bits of a tag */
};

static void count(struct dns64_up *u, enum stat_id id)
{
	u->st->c[id]++;
}

/* IDs from the kernel's CSPRNG, fetched in blocks so a query costs no extra system call. */
static uint16_t rand16(struct dns64_up *u)
{
	uint16_t v;

	if (u->rnd_left < 2) {
		if (getrandom(u->rnd, sizeof(u->rnd), 0) != (ssize_t)sizeof(u->rnd))
			for (size_t i = 0; i < sizeof(u->rnd); i++)	/* never happens after boot */
				u->rnd[i] ^= (uint8_t)(random() >> 7);
		u->rnd_left = sizeof(u->rnd);
	}
	u->rnd_left -= 2;
	memcpy(&v, u->rnd + u->rnd_left, 2);
	return v;
}

/* The end of the question of the engine's query (one name, type, class), 0 if it does not walk. */
static size_t question_end(const uint8_t *q, size_t len)
{
	size_t off = HDR;

	if (len < HDR || q[4] || q[5] != 1)
		return 0;
	while (off < len && q[off]) {
		if (q[off] > 63)
			return 0;	/* the engine never compresses a query */
		off += 1u + q[off];
	}
	off += 1 + 4;
	return off <= len ? off : 0;
}

static void list_unlink(struct dns64_up *u, int i)
{
	struct slot *s = &u->s[i];

	if (s->prev >= 0)
		u->s[s->prev].next = s->next;
	else
		u->head = s->next;
	if (s->next >= 0)
		u->s[s->next].prev = s->prev;
	else
		u->tail = s->prev;
	s->prev = s->next = -1;
}

static void list_append(struct dns64_up *u, int i, uint64_t deadline)
{
	struct slot *s = &u->s[i];

	s->deadline = deadline;
	s->prev = u->tail;
	s->next = -1;
	if (u->tail >= 0)
		u->s[u->tail].next = i;
	else
		u->head = i;
	u->tail = i;
}

/* End the running try: socket, buffer, place in the waiting list. */
static void close_try(struct dns64_up *u, int i)
{
	struct slot *s = &u->s[i];

	if (s->fd >= 0) {
		close(s->fd);	/* also leaves the epoll set */
		s->fd = -1;
		list_unlink(u, i);
	}
	free(s->tbuf);
	s->tbuf = NULL;
	s->tgot = 0;
	s->tcp = s->tcp_sent = false;
}

/* A socket to the try's upstream, registered for events. */
static bool open_socket(struct dns64_up *u, int i, int type, uint32_t events)
{
	struct slot *s = &u->s[i];
	const struct dns64_up_addr *a = &u->up[s->server];
	struct epoll_event ev = { .events = events };

	ev.data.u64 = u->tag | (uint64_t)++s->gen << 16 | (uint64_t)i;
	s->fd = socket(a->ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return false;
	if ((connect(s->fd, (const struct sockaddr *)&a->ss, a->len) < 0 && errno != EINPROGRESS) ||
	    epoll_ctl(u->epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0) {
		close(s->fd);
		s->fd = -1;
		return false;
	}
	return true;
}

/* Our copy of the query carries our ID. */
static void new_id(struct dns64_up *u, struct slot *s)
{
	s->id = rand16(u);
	memcpy(s->q, &s->id, 2);
}

/* Start the next try: the next upstream in turn, over UDP. False when all tries are used. */
static bool start_try(struct dns64_up *u, int i, uint64_t now)
{
	struct slot *s = &u->s[i];

	while (s->tries < u->n * DNS64_UP_ROUNDS) {
		s->server = (u->pref + s->tries++) % u->n;
		new_id(u, s);
		if (open_socket(u, i, SOCK_DGRAM, EPOLLIN) && send(s->fd, s->q, s->qlen, 0) == s->qlen) {
			list_append(u, i, now + u->timeout);
			return true;
		}
		count(u, STAT_DNS64_UPSTREAM_ERROR);
		if (s->fd >= 0) {
			close(s->fd);
			s->fd = -1;
		}
	}
	return false;
}

static void slot_release(struct dns64_up *u, int i)
{
	u->s[i].busy = false;
	u->s[i].next = u->free_head;
	u->free_head = i;
}

/* The job is over: free its slot, then tell the owner (who may start the job's next query). */
static void finish(struct dns64_up *u, int i, const uint8_t *a, size_t len, uint64_t now)
{
	struct slot *s = &u->s[i];
	uint32_t job = s->job;
	uint8_t *keep = s->tbuf;	/* a may point into it */

	s->tbuf = NULL;
	close_try(u, i);
	slot_release(u, i);
	if (!a)
		count(u, STAT_DNS64_UPSTREAM_FAILED);
	u->done(u->opaque, job, a, len, now);
	free(keep);
}

static void next_try(struct dns64_up *u, int i, uint64_t now)
{
	close_try(u, i);
	if (!start_try(u, i, now))
		finish(u, i, NULL, 0, now);
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* RFC 5452 §9.1: a response to our query, with our ID and our question. Names compare without ASCII case
 * (RFC 4343); length octets are below 'A', so they compare exactly. */
static bool matches(const struct slot *s, const uint8_t *m, size_t len)
{
	size_t name_end = s->qend - 4;

	if (len < s->qend || memcmp(m, &s->id, 2) || !(m[2] & 0x80) || ((m[2] ^ s->q[2]) & 0x78) || m[4] || m[5] != 1)
		return false;
	for (size_t i = HDR; i < name_end; i++)
		if (lower(m[i]) != lower(s->q[i]))
			return false;
	return !memcmp(m + name_end, s->q + name_end, 4);
}

/* An error without the question (FORMERR, NOTIMP, ... with QDCOUNT 0, as servers send for queries they
 * cannot parse): no answer to give the engine, but no use waiting either. Our ID and port still guard it:
 * a forged one can only make us ask the next upstream. */
static bool refusal(const struct slot *s, const uint8_t *m, size_t len)
{
	return len >= HDR && !memcmp(m, &s->id, 2) && (m[2] & 0x80) && !((m[2] ^ s->q[2]) & 0x78) && (m[3] & 0x0f) &&
	       !m[4] && !m[5];
}

/* A matching answer: on to TCP when truncated, to the next upstream when it refuses, else done. */
static void answered(struct dns64_up *u, int i, uint8_t *m, size_t len, uint64_t now)
{
	struct slot *s = &u->s[i];
	unsigned rcode = m[3] & 0x0f;

	if (rcode == RCODE_REFUSED || rcode == RCODE_NOTIMP) {
		count(u, STAT_DNS64_UPSTREAM_ERROR);
		next_try(u, i, now);
		return;
	}
	if ((m[2] & 0x02) && !s->tcp) {
		count(u, STAT_DNS64_UPSTREAM_TCP);
		close_try(u, i);
		s->tcp = true;
		new_id(u, s);
		s->tbuf = malloc(2 + DNS64_MSG_MAX);
		if (!s->tbuf || !open_socket(u, i, SOCK_STREAM, EPOLLOUT)) {
			count(u, STAT_DNS64_UPSTREAM_ERROR);
			next_try(u, i, now);
			return;
		}
		list_append(u, i, now + u->timeout);
		return;
	}
	u->pref = s->server;	/* the next query starts with the upstream that answers */
	memcpy(m, s->engine_id, 2);
	finish(u, i, m, len, now);
}

static void udp_event(struct dns64_up *u, int i, uint64_t now)
{
	struct slot *s = &u->s[i];

	for (;;) {
		ssize_t r = recv(s->fd, u->rx, sizeof(u->rx), 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {	/* ECONNREFUSED: ICMP port unreachable from the upstream */
				count(u, STAT_DNS64_UPSTREAM_ERROR);
				next_try(u, i, now);
			}
			return;
		}
		if (matches(s, u->rx, (size_t)r)) {
			answered(u, i, u->rx, (size_t)r, now);
			return;
		}
		if (refusal(s, u->rx, (size_t)r)) {
			count(u, STAT_DNS64_UPSTREAM_ERROR);
			next_try(u, i, now);
			return;
		}
		count(u, STAT_DNS64_UPSTREAM_SPOOFED);
	}
}

/* TCP (RFC 1035 §4.2.2, RFC 7766): the query with its length once connected, then read one answer. */
static void tcp_event(struct dns64_up *u, int i, uint32_t events, uint64_t now)
{
	struct slot *s = &u->s[i];
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = u->tag | (uint64_t)s->gen << 16 | (uint64_t)i };

	if (!s->tcp_sent) {
		uint8_t buf[2 + QUERY_MAX];
		int e = 0;
		socklen_t el = sizeof(e);

		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		buf[0] = (uint8_t)(s->qlen >> 8);
		buf[1] = (uint8_t)s->qlen;
		memcpy(buf + 2, s->q, s->qlen);
		/* The query is far below the socket buffer: one write sends it whole or fails. */
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0 || e ||
		    write(s->fd, buf, 2u + s->qlen) != 2 + (ssize_t)s->qlen ||
		    epoll_ctl(u->epfd, EPOLL_CTL_MOD, s->fd, &ev) < 0)
			goto fail;
		s->tcp_sent = true;
		return;
	}
	for (;;) {
		size_t want = s->tgot < 2 ? 2 : 2 + ((size_t)s->tbuf[0] << 8 | s->tbuf[1]);
		ssize_t r;

		if (s->tgot == 2 && want == 2)
			goto fail;	/* an empty message */
		if (s->tgot == want) {
			if (!matches(s, s->tbuf + 2, want - 2)) {
				count(u, STAT_DNS64_UPSTREAM_SPOOFED);
				goto fail;	/* a stream cannot be resynchronized */
			}
			answered(u, i, s->tbuf + 2, want - 2, now);
			return;
		}
		r = read(s->fd, s->tbuf + s->tgot, want - s->tgot);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0)
			goto fail;	/* closed before the whole answer */
		s->tgot += (size_t)r;
	}
fail:
	count(u, STAT_DNS64_UPSTREAM_ERROR);
	next_try(u, i, now);
}

void dns64_up_event(struct dns64_up *u, uint32_t id, uint32_t events, uint64_t now)
{
	uint32_t slot = id & 0xffff;

	if (slot >= DNS64_JOBS_MAX || !u->s[slot].busy || u->s[slot].fd < 0 || u->s[slot].gen != id >> 16)
		return;		/* an event queued for a socket that has been closed since */
	if (u->s[slot].tcp)
		tcp_event(u, (int)slot, events, now);
	else
		udp_event(u, (int)slot, now);
}

bool dns64_up_send(struct dns64_up *u, uint32_t job, const uint8_t *q, size_t len, uint64_t now)
{
	size_t qend = len <= QUERY_MAX ? question_end(q, len) : 0;
	struct slot *s;
	int i = u->free_head;

	if (i < 0 || !qend) {
		count(u, STAT_DNS64_UPSTREAM_FAILED);
		return false;
	}
	s = &u->s[i];
	u->free_head = s->next;
	s->busy = true;
	s->job = job;
	s->tries = 0;
	s->qlen = (uint16_t)len;
	s->qend = (uint16_t)qend;
	memcpy(s->q, q, len);
	memcpy(s->engine_id, q, 2);
	if (!start_try(u, i, now)) {
		/* Not even one socket: the slot goes back, the caller fails the job. */
		count(u, STAT_DNS64_UPSTREAM_FAILED);
		slot_release(u, i);
		return false;
	}
	return true;
}

void dns64_up_cancel(struct dns64_up *u, uint32_t job)
{
	for (int i = 0; i < DNS64_JOBS_MAX; i++) {
		struct slot *s = &u->s[i];

		if (s->busy && s->job == job) {
			close_try(u, i);
			slot_release(u, i);
			return;
		}
	}
}

int dns64_up_expire(struct dns64_up *u, uint64_t now)
{
	while (u->head >= 0 && u->s[u->head].deadline <= now) {
		count(u, STAT_DNS64_UPSTREAM_TIMEOUT);
		next_try(u, u->head, now);
	}
	return u->head < 0 ? -1 : (int)(u->s[u->head].deadline - now);
}

struct dns64_up *dns64_up_new(const struct dns64_up_addr *ups, unsigned n, uint32_t timeout_ms, int epfd,
			      uint64_t tag, struct stats *st, dns64_up_done_fn *done, void *opaque)
{
	struct dns64_up *u;

	if (!n || n > CONF_DNS64_UPSTREAM_MAX || !(u = calloc(1, sizeof(*u))))
		return NULL;
	memcpy(u->up, ups, n * sizeof(*ups));
	u->n = n;
	u->timeout = timeout_ms;
	u->epfd = epfd;
	u->tag = tag;
	u->st = st;
	u->done = done;
	u->opaque = opaque;
	u->head = u->tail = -1;
	u->free_head = 0;
	for (int i = 0; i < DNS64_JOBS_MAX; i++) {
		u->s[i].fd = -1;
		u->s[i].prev = -1;
		u->s[i].next = i + 1 < DNS64_JOBS_MAX ? i + 1 : -1;
	}
	return u;
}

void dns64_up_free(struct dns64_up *u)
{
	if (!u)
		return;
	for (int i = 0; i < DNS64_JOBS_MAX; i++)
		if (u->s[i].busy)
			close_try(u, i);
	free(u);
}

/* "ADDRESS" (an IPv6 one may carry %scope) into a; false when it is no address. */
static bool parse_ns(const char *s, uint16_t port, struct dns64_up_addr *a)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a->ss;
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 1], *pct;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		a->len = sizeof(*v4);
		return true;
	}
	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	if ((pct = strchr(buf, '%'))) {
		*pct++ = '\0';
		v6->sin6_scope_id = if_nametoindex(pct);
	}
	if (inet_pton(AF_INET6, buf, &v6->sin6_addr) != 1)
		return false;
	v6->sin6_family = AF_INET6;
	v6->sin6_port = htons(port);
	a->len = sizeof(*v6);
	return true;
}

static bool is_loopback(const struct dns64_up_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr);
}

/* Would a query to a come back to one of our own listeners? */
static bool is_ours(const struct conf *c, const struct dns64_up_addr *a)
{
	const struct sockaddr_in *v4 = (const struct sockaddr_in *)&a->ss;
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&a->ss;

	for (unsigned i = 0; i < c->n_dns64_listen; i++) {
		const struct conf_hostport *l = &c->dns64_listen[i];
		bool wild;

		if (l->af != a->ss.ss_family || l->port != ntohs(v4->sin_port))	/* same offset in both */
			continue;
		wild = l->af == AF_INET ? l->a4.s_addr == INADDR_ANY : IN6_IS_ADDR_UNSPECIFIED(&l->a6);
		if ((wild && is_loopback(a)) ||
		    (l->af == AF_INET ? l->a4.s_addr == v4->sin_addr.s_addr : !memcmp(&l->a6, &v6->sin6_addr, 16)))
			return true;
	}
	return false;
}

unsigned dns64_up_list(const struct conf *c, const char *resolv, struct dns64_up_addr *out, unsigned max)
{
	char line[512], buf[INET6_ADDRSTRLEN];
	unsigned n = 0;
	FILE *f;

	if (c->n_dns64_upstream) {
		for (unsigned i = 0; i < c->n_dns64_upstream && n < max; i++) {
			const struct conf_hostport *h = &c->dns64_upstream[i];

			inet_ntop(h->af, h->af == AF_INET ? (const void *)&h->a4 : (const void *)&h->a6, buf, sizeof(buf));
			n += parse_ns(buf, h->port, &out[n]);
		}
		return n;
	}
	if (!(f = fopen(resolv, "re")))
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		char *save, *key = strtok_r(line, " \t\r\n", &save), *val = strtok_r(NULL, " \t\r\n", &save);

		if (key && val && !strcmp(key, "nameserver") && parse_ns(val, 53, &out[n]) && !is_ours(c, &out[n]))
			n++;
	}
	fclose(f);
	return n;
}
