/*
 * TCP clients of the DNS64 (RFC 1035 §4.2.2, RFC 7766): 2-byte length framing, any number of queries per
 * connection, answered in the order they are ready (§6.2.1.1 allows it). Each connection has a buffer for
 * one whole message in and a queue of the replies the socket has not taken; a client that lets that queue
 * grow beyond TCP_OUT_MAX is dropped, so a slow reader cannot pin memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dns64_server_internal.h"

/* Queue a TCP reply (RFC 1035 §4.2.2: a 2-byte length first) and write what the socket takes now. */
void dns64_tcp_send(struct dns64_server *s, unsigned ci, const uint8_t *m, size_t len)
{
	struct conn *c = &s->conn[ci];
	uint8_t pre[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	size_t skip = 0;

	if (len > DNS64_MSG_MAX) {	/* the engine keeps to max: never */
		dns64_srv_count(s, STAT_DNS64_DROP_SEND);
		return;
	}
	if (!c->out_len) {
		struct iovec v[2] = { { pre, 2 }, { (void *)m, len } };
		ssize_t r = writev(c->fd, v, 2);

		if (r == (ssize_t)(len + 2))
			return;
		skip = r > 0 ? (size_t)r : 0;
		if (r < 0 && errno != EAGAIN && errno != EINTR) {
			dns64_srv_count(s, STAT_DNS64_DROP_SEND);
			dns64_tcp_close(s, ci);
			return;
		}
	}
	if (c->out_len + len + 2 - skip > TCP_OUT_MAX) {
		dns64_srv_count(s, STAT_DNS64_TCP_CLOSED_BAD);
		dns64_tcp_close(s, ci);
		return;
	}
	if (c->out_len + len + 2 > c->out_cap) {
		size_t cap = c->out_len + len + 2 + 4096;
		uint8_t *o = malloc(cap);

		if (!o) {
			dns64_srv_count(s, STAT_DNS64_DROP_SEND);
			dns64_tcp_close(s, ci);
			return;
		}
		memcpy(o, c->out + c->out_off, c->out_len);
		free(c->out);
		c->out = o;
		c->out_cap = cap;
		c->out_off = 0;
	} else if (c->out_off + c->out_len + len + 2 > c->out_cap) {
		memmove(c->out, c->out + c->out_off, c->out_len);
		c->out_off = 0;
	}
	/* The part of the length prefix and message that writev() did not take. */
	for (size_t k = skip; k < len + 2; k++)
		c->out[c->out_off + c->out_len++] = k < 2 ? pre[k] : m[k - 2];
	if (!c->want_out) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.u64 = TAG(K_CONN, ci) };

		c->want_out = true;
		epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	}
}

void dns64_tcp_close(struct dns64_server *s, unsigned ci)
{
	struct conn *c = &s->conn[ci];

	if (c->waiting)
		dns64_server_job_drop_conn(s, ci);
	close(c->fd);
	free(c->in);
	free(c->out);
	*c = (struct conn){ .fd = -1, .gen = c->gen + 1 };
}

/* One framed query of a TCP client. */
static void tcp_query(struct dns64_server *s, unsigned ci, const uint8_t *q, size_t len, uint64_t now)
{
	struct conn *c = &s->conn[ci];
	struct dns64_step st;
	int i;

	if (c->refused) {
		size_t n = dns64_refused(q, len, s->tmp);

		dns64_srv_count(s, STAT_DNS64_REFUSED);
		if (n)
			dns64_tcp_send(s, ci, s->tmp, n);
		return;
	}
	switch (dns64_query(s->eng, q, len, DNS64_MSG_MAX, now, &st)) {
	case DNS64_ANSWER:
		dns64_tcp_send(s, ci, st.msg, st.len);
		break;
	case DNS64_UPSTREAM:
		if ((i = dns64_server_job_start(s, &st)) < 0)
			return;
		s->cl[i].lis = -1;
		s->cl[i].conn = ci;
		s->cl[i].gen = c->gen;
		c->waiting++;
		dns64_server_job_step(s, DNS64_UPSTREAM, &st, now);
		break;
	case DNS64_NONE:
		break;
	}
}

static void conn_flush(struct dns64_server *s, unsigned ci)
{
	struct conn *c = &s->conn[ci];
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG(K_CONN, ci) };

	while (c->out_len) {
		ssize_t r = write(c->fd, c->out + c->out_off, c->out_len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0) {
			dns64_srv_count(s, STAT_DNS64_DROP_SEND);
			dns64_tcp_close(s, ci);
			return;
		}
		c->out_off += (size_t)r;
		c->out_len -= (size_t)r;
	}
	c->out_off = 0;
	c->want_out = false;
	epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Read what the client sent and answer every whole message in it (RFC 7766 §6.2.1: pipelined). */
void dns64_tcp_ready(struct dns64_server *s, unsigned ci, uint32_t events)
{
	struct conn *c = &s->conn[ci];
	uint32_t gen = c->gen;
	uint64_t now = dns64_srv_now();
	size_t off = 0;
	ssize_t r;

	if (c->fd < 0)
		return;
	if (events & EPOLLOUT) {
		conn_flush(s, ci);
		if (c->fd < 0 || c->gen != gen)
			return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	r = read(c->fd, c->in + c->in_len, 2 + DNS64_MSG_MAX - c->in_len);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		dns64_tcp_close(s, ci);	/* the client is done (or gone): its open jobs with it */
		return;
	}
	c->in_len += (size_t)r;
	c->last = now;
	while (c->in_len - off >= 2) {
		size_t len = dns64_srv_get16(c->in + off);

		if (!len) {
			dns64_srv_count(s, STAT_DNS64_TCP_CLOSED_BAD);
			dns64_tcp_close(s, ci);
			return;
		}
		if (c->in_len - off < 2 + len)
			break;
		tcp_query(s, ci, c->in + off + 2, len, now);
		if (c->fd < 0 || c->gen != gen)
			return;	/* closed while answering */
		off += 2 + len;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
}

void dns64_tcp_accept(struct dns64_server *s, unsigned li)
{
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int fd = accept4(s->lis[li].fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev;
		struct conn *c;
		unsigned ci = 0;

		if (fd < 0)
			return;
		while (ci < TCP_CONNS_MAX && s->conn[ci].fd >= 0)
			ci++;
		c = ci < TCP_CONNS_MAX ? &s->conn[ci] : NULL;
		if (!c || !(c->in = malloc(2 + DNS64_MSG_MAX))) {
			dns64_srv_count(s, STAT_DNS64_TCP_FULL);
			close(fd);
			continue;
		}
		ev = (struct epoll_event){ .events = EPOLLIN, .data.u64 = TAG(K_CONN, ci) };
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			free(c->in);
			c->in = NULL;
			close(fd);
			continue;
		}
		c->fd = fd;
		c->last = dns64_srv_now();
		/* A client outside the list still gets its answers: REFUSED ones. */
		c->refused = !dns64_acl_allows(&s->acl, (const struct sockaddr *)&peer);
		dns64_srv_count(s, STAT_DNS64_TCP_ACCEPTED);
	}
}

/* Once a second: close idle clients. */
void dns64_tcp_idle(struct dns64_server *s, uint64_t now)
{
	for (unsigned ci = 0; ci < TCP_CONNS_MAX; ci++) {
		struct conn *c = &s->conn[ci];

		if (c->fd >= 0 && !c->waiting && !c->out_len && now - c->last >= TCP_IDLE_MS) {
			dns64_srv_count(s, STAT_DNS64_TCP_IDLE);
			dns64_tcp_close(s, ci);
		}
	}
}
