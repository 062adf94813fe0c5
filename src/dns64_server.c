/*
 * The DNS64 service's thread (see dns64_server.h). One epoll set holds the listeners, the TCP clients, the
 * upstream sockets and a wake-up eventfd; its tag (data.u64) says which: kind << 32 | index.
 *
 * The UDP path is the hot one (a cache hit must beat a caching resolver): recvmmsg() takes up to BATCH
 * queries, the engine answers each into a buffer of the batch, and one sendmmsg() sends the replies; no
 * allocation. A listener on a wildcard address reads each query's destination (IP_PKTINFO,
 * IPV6_RECVPKTINFO) and answers from it, so the client sees the address it asked.
 *
 * A query the engine cannot answer at once becomes a job: its client (UDP address, or TCP connection)
 * waits in a table keyed by job until the engine has the final answer. TCP clients are dns64_tcp.c's,
 * upstream queries dns64_upstream.c's, the access list dns64_acl.c's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "dns64_server_internal.h"

/* The largest reply a UDP client takes: 512, or its EDNS0 size (RFC 6891 §6.2.5) up to UDP_MAX. */
static size_t udp_max(const uint8_t *m, size_t len)
{
	size_t off = HDR;
	unsigned rrs;

	if (len < HDR)
		return 512;
	for (unsigned i = dns64_srv_get16(m + 4); i; i--)
		if (!dns64_skip_name(m, len, &off) || (off += 4) > len)
			return 512;
	rrs = (unsigned)dns64_srv_get16(m + 6) + dns64_srv_get16(m + 8) + dns64_srv_get16(m + 10);
	for (; rrs; rrs--) {
		if (!dns64_skip_name(m, len, &off) || off + 10 > len)
			return 512;
		if (dns64_srv_get16(m + off) == 41) {	/* OPT: its CLASS is the requestor's UDP payload size */
			size_t size = dns64_srv_get16(m + off + 2);

			return size < 512 ? 512 : size > UDP_MAX ? UDP_MAX : size;
		}
		off += 10u + dns64_srv_get16(m + off + 8);
	}
	return 512;
}

/* Jobs: a small hash of clients by job number, with a free list; no allocation. */
static int client_new(struct dns64_server *s, uint32_t job)
{
	int i = s->cl_free;

	if (i < 0)
		return -1;
	s->cl_free = s->cl[i].next;
	s->cl[i].busy = true;
	s->cl[i].job = job;
	s->cl[i].next = s->bucket[job % JOB_BUCKETS];
	s->bucket[job % JOB_BUCKETS] = i;
	return i;
}

/* Unlink the client waiting for job (-1: none); the caller frees it with client_free(). */
static int client_take(struct dns64_server *s, uint32_t job)
{
	for (int *p = &s->bucket[job % JOB_BUCKETS]; *p >= 0; p = &s->cl[*p].next) {
		int i = *p;

		if (s->cl[i].job == job) {
			*p = s->cl[i].next;
			return i;
		}
	}
	return -1;
}

static void client_free(struct dns64_server *s, int i)
{
	s->cl[i].busy = false;
	s->cl[i].next = s->cl_free;
	s->cl_free = i;
}

/* The control message that makes a reply leave from the address the query came to. */
static void set_pktinfo(struct msghdr *h, void *buf, int af, const union pktinfo *pi)
{
	struct cmsghdr *cm;

	h->msg_control = buf;
	h->msg_controllen = CMSG_SPACE(af == AF_INET ? sizeof(pi->v4) : sizeof(pi->v6));
	cm = CMSG_FIRSTHDR(h);
	if (af == AF_INET) {
		struct in_pktinfo v4 = { .ipi_spec_dst = pi->v4.ipi_addr };	/* the route picks the interface */

		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(v4));
		memcpy(CMSG_DATA(cm), &v4, sizeof(v4));
	} else {
		/* The interface too: a link-local destination means nothing without it. */
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi->v6));
		memcpy(CMSG_DATA(cm), &pi->v6, sizeof(pi->v6));
	}
}

static bool get_pktinfo(struct msghdr *h, union pktinfo *pi)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(h); cm; cm = CMSG_NXTHDR(h, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			memcpy(&pi->v4, CMSG_DATA(cm), sizeof(pi->v4));
			return true;
		}
		if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			memcpy(&pi->v6, CMSG_DATA(cm), sizeof(pi->v6));
			return true;
		}
	}
	return false;
}


/* The engine's final answer to the client waiting for it. */
static void reply(struct dns64_server *s, const struct client *c, const uint8_t *m, size_t len)
{
	if (c->lis < 0) {
		struct conn *cn = &s->conn[c->conn];

		if (cn->fd >= 0 && cn->gen == c->gen) {
			cn->waiting--;
			dns64_tcp_send(s, c->conn, m, len);
		}
		return;
	}
	{
		union {
			struct cmsghdr align;
			uint8_t b[CMSG_SPACE(sizeof(union pktinfo))];
		} cm;
		struct iovec v = { (void *)m, len };
		struct msghdr h = { .msg_name = (void *)&c->peer, .msg_namelen = c->peer_len, .msg_iov = &v,
				    .msg_iovlen = 1 };

		if (c->has_pi)
			set_pktinfo(&h, cm.b, s->lis[c->lis].af, &c->pi);
		if (sendmsg(s->lis[c->lis].fd, &h, MSG_DONTWAIT) < 0)
			dns64_srv_count(s, STAT_DNS64_DROP_SEND);
	}
}

/* Carry out the engine's step for a job: the next query upstream, or the end (an answer for its client,
 * or nothing). A query no upstream slot takes fails at once, which the engine turns into its next step. */
void dns64_server_job_step(struct dns64_server *s, enum dns64_act act, struct dns64_step *st, uint64_t now)
{
	int i;

	while (act == DNS64_UPSTREAM) {
		if (dns64_up_send(s->up, st->job, st->msg, st->len, now))
			return;
		act = dns64_fail(s->eng, st->job, now, st);
	}
	i = client_take(s, st->job);
	if (i < 0)
		return;
	if (act == DNS64_ANSWER)
		reply(s, &s->cl[i], st->msg, st->len);
	else if (s->cl[i].lis < 0 && s->conn[s->cl[i].conn].gen == s->cl[i].gen)
		s->conn[s->cl[i].conn].waiting--;
	client_free(s, i);
}

void dns64_server_job_drop_conn(struct dns64_server *s, unsigned ci)
{
	struct conn *c = &s->conn[ci];

	for (int i = 0; c->waiting && i < DNS64_JOBS_MAX; i++) {
		struct client *cl = &s->cl[i];

		if (!cl->busy || cl->lis >= 0 || cl->conn != ci || cl->gen != c->gen || client_take(s, cl->job) < 0)
			continue;	/* another client's, or one being answered right now */
		dns64_cancel(s->eng, cl->job);
		dns64_up_cancel(s->up, cl->job);
		client_free(s, i);
		c->waiting--;
	}
}

/* dns64_up_done_fn: an upstream answer, or the failure of every try. */
static void on_upstream(void *opaque, uint32_t job, const uint8_t *a, size_t len, uint64_t now)
{
	struct dns64_server *s = opaque;
	struct dns64_step st = { .job = job };
	enum dns64_act act = a ? dns64_upstream(s->eng, job, a, len, now, &st) : dns64_fail(s->eng, job, now, &st);

	st.job = job;
	dns64_server_job_step(s, act, &st, now);
}

/* A query the engine sends upstream: its client waits in the job table. The table has a row for every job
 * the engine may hold (DNS64_JOBS_MAX; one more gets SERVFAIL there, DNS64_JOBS_FULL), so it is never full;
 * if it were, the job would be dropped (-1, counted as DNS64_DROP_CANCEL) rather than a row overwritten. */
int dns64_server_job_start(struct dns64_server *s, const struct dns64_step *st)
{
	int i = client_new(s, st->job);

	if (i < 0)
		dns64_cancel(s->eng, st->job);
	return i;
}

/* One datagram of the batch: the reply goes into the outgoing batch, or the query becomes a job. */
static void udp_query(struct dns64_server *s, unsigned li, unsigned i, unsigned *nout, uint64_t now)
{
	struct msghdr *h = &s->in[i].msg_hdr;
	const uint8_t *q = s->q[i];
	size_t len = s->in[i].msg_len, alen = 0;
	struct dns64_step st;
	union pktinfo pi = { 0 };
	bool has_pi = s->lis[li].pktinfo && get_pktinfo(h, &pi);
	struct msghdr *o;
	int ci;

	if (h->msg_flags & MSG_TRUNC) {
		dns64_srv_count(s, STAT_DNS64_DROP_LONG);
		return;
	}
	if (!dns64_acl_allows(&s->acl, (const struct sockaddr *)&s->peer[i])) {
		dns64_srv_count(s, STAT_DNS64_REFUSED);
		alen = dns64_refused(q, len, s->a[*nout]);
	} else {
		switch (dns64_query(s->eng, q, len, udp_max(q, len), now, &st)) {
		case DNS64_ANSWER:
			if (st.len > UDP_MAX) {	/* the engine keeps to max: never */
				dns64_srv_count(s, STAT_DNS64_DROP_SEND);
				return;
			}
			memcpy(s->a[*nout], st.msg, st.len);
			alen = st.len;
			break;
		case DNS64_UPSTREAM:
			if ((ci = dns64_server_job_start(s, &st)) < 0)
				return;
			s->cl[ci].lis = (int)li;
			s->cl[ci].has_pi = has_pi;
			s->cl[ci].pi = pi;
			s->cl[ci].peer_len = h->msg_namelen;
			memcpy(&s->cl[ci].peer, &s->peer[i], h->msg_namelen);
			dns64_server_job_step(s, DNS64_UPSTREAM, &st, now);
			return;
		case DNS64_NONE:
			return;
		}
	}
	if (!alen)
		return;
	o = &s->out[*nout].msg_hdr;
	*o = (struct msghdr){ .msg_name = &s->peer[i], .msg_namelen = h->msg_namelen, .msg_iov = &s->out_iov[*nout],
			      .msg_iovlen = 1 };
	s->out_iov[*nout] = (struct iovec){ s->a[*nout], alen };
	if (has_pi)
		set_pktinfo(o, s->out_cm[*nout].b, s->lis[li].af, &pi);
	(*nout)++;
}

/* A UDP listener is readable: batches until it is drained (at most a few, so TCP gets its turn). */
static void udp_ready(struct dns64_server *s, unsigned li)
{
	int fd = s->lis[li].fd;

	for (unsigned round = 0; round < 8; round++) {
		unsigned nout = 0;
		uint64_t now;
		int n;

		for (unsigned i = 0; i < BATCH; i++) {
			s->in[i].msg_hdr.msg_namelen = sizeof(s->peer[i]);
			s->in[i].msg_hdr.msg_controllen = s->lis[li].pktinfo ? sizeof(s->in_cm[i]) : 0;
			s->in[i].msg_hdr.msg_flags = 0;
		}
		n = recvmmsg(fd, s->in, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		now = dns64_srv_now();
		for (unsigned i = 0; i < (unsigned)n; i++)
			udp_query(s, li, i, &nout, now);
		for (unsigned sent = 0; sent < nout;) {
			int r = sendmmsg(fd, s->out + sent, nout - sent, MSG_DONTWAIT);

			if (r <= 0) {	/* the first one failed: count it, go on with the rest */
				dns64_srv_count(s, STAT_DNS64_DROP_SEND);
				r = 1;
			}
			sent += (unsigned)r;
		}
		if (n < BATCH)
			return;
	}
}

static void *server_main(void *arg)
{
	struct dns64_server *s = arg;
	uint64_t now = dns64_srv_now(), next_house = now + 1000;
	struct epoll_event ev[64];

	for (;;) {
		int wait = dns64_up_expire(s->up, now), n;

		if (wait < 0 || wait > 1000)
			wait = 1000;
		n = epoll_wait(s->epfd, ev, 64, wait);
		now = dns64_srv_now();
		for (int i = 0; i < n; i++) {
			unsigned idx = (uint32_t)ev[i].data.u64;

			switch ((enum kind)(ev[i].data.u64 >> 32)) {
			case K_WAKE:
				return NULL;
			case K_UDP:
				udp_ready(s, idx);
				now = dns64_srv_now();
				break;
			case K_LISTEN_TCP:
				dns64_tcp_accept(s, idx);
				break;
			case K_CONN:
				dns64_tcp_ready(s, idx, ev[i].events);
				break;
			case K_UP:
				dns64_up_event(s->up, idx, ev[i].events, now);
				break;
			}
		}
		if (now >= next_house) {
			dns64_tcp_idle(s, now);
			next_house = now + 1000;
		}
		/* What `status` shows, read by the control socket's thread. */
		atomic_store_explicit(&s->jobs, dns64_jobs(s->eng), memory_order_relaxed);
		atomic_store_explicit(&s->cached, dns64_cache_count(s->eng), memory_order_relaxed);
	}
}

static socklen_t to_sockaddr(const struct conf_hostport *h, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (h->af == AF_INET) {
		struct sockaddr_in *v4 = (struct sockaddr_in *)ss;

		v4->sin_family = AF_INET;
		v4->sin_port = htons(h->port);
		v4->sin_addr = h->a4;
		return sizeof(*v4);
	} else {
		struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;

		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(h->port);
		v6->sin6_addr = h->a6;
		return sizeof(*v6);
	}
}

/* "127.0.0.1#53", "::1#53" */
static char *hostport_fmt(const struct sockaddr_storage *ss, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN];
	const struct sockaddr_in *v4 = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET)
		snprintf(buf, n, "%s#%u", inet_ntop(AF_INET, &v4->sin_addr, a, sizeof(a)), ntohs(v4->sin_port));
	else
		snprintf(buf, n, "%s#%u", inet_ntop(AF_INET6, &v6->sin6_addr, a, sizeof(a)), ntohs(v6->sin6_port));
	return buf;
}

/* One socket of a dns64-listen line, in the epoll set. */
static bool listen_on(struct dns64_server *s, const struct conf_hostport *h, bool tcp, char *err, size_t errlen)
{
	static const int one = 1, rcvbuf = 4 << 20;
	struct listener *l = &s->lis[s->n_lis];
	struct sockaddr_storage ss;
	socklen_t len = to_sockaddr(h, &ss);
	bool wild = h->af == AF_INET ? h->a4.s_addr == INADDR_ANY : IN6_IS_ADDR_UNSPECIFIED(&h->a6);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG(tcp ? K_LISTEN_TCP : K_UDP, s->n_lis) };
	char where[INET6_ADDRSTRLEN + 8];

	*l = (struct listener){ .af = h->af, .pktinfo = !tcp && wild };
	l->fd = socket(h->af, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		goto fail;
	/* IPv6 sockets take IPv6 only, so that :: and 0.0.0.0 can both be listened on, and an IPv4 client
	 * is checked against the IPv4 list. */
	if ((h->af == AF_INET6 && setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    (tcp && setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) ||
	    (l->pktinfo && h->af == AF_INET && setsockopt(l->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0) ||
	    (l->pktinfo && h->af == AF_INET6 &&
	     setsockopt(l->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0))
		goto fail;
	/* Room for bursts between two batches; the forced size needs CAP_NET_ADMIN, else rmem_max caps it. */
	if (!tcp && setsockopt(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(l->fd, (struct sockaddr *)&ss, len) < 0 || (tcp && listen(l->fd, 128) < 0) ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, l->fd, &ev) < 0)
		goto fail;
	s->n_lis++;
	return true;
fail:
	snprintf(err, errlen, "dns64-listen %s (%s): %s", hostport_fmt(&ss, where, sizeof(where)),
		 tcp ? "tcp" : "udp", strerror(errno));
	if (l->fd >= 0)
		close(l->fd);
	return false;
}

/* "listening on A, B; upstreams C, D" for `status`. */
static void describe(struct dns64_server *s, const struct conf *c, const struct dns64_up_addr *ups, unsigned n)
{
	char hp[INET6_ADDRSTRLEN + 8];
	size_t len = 0, cap = sizeof(s->desc);

	len += (size_t)snprintf(s->desc, cap, "listening on");
	for (unsigned i = 0; i < c->n_dns64_listen && len < cap; i++) {
		struct sockaddr_storage ss;

		to_sockaddr(&c->dns64_listen[i], &ss);
		len += (size_t)snprintf(s->desc + len, cap - len, "%s %s", i ? "," : "", hostport_fmt(&ss, hp, sizeof(hp)));
	}
	for (unsigned i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(s->desc + len, cap - len, "%s %s", i ? "," : "; upstream",
					hostport_fmt(&ups[i].ss, hp, sizeof(hp)));
	if (len < cap)
		snprintf(s->desc + len, cap - len, "%s; cache %u entries", c->n_dns64_upstream ? "" : " (resolv.conf)",
			 (unsigned)c->dns64_cache_size);
}

/* Every upstream try holds a socket (up to DNS64_JOBS_MAX at once) and every TCP client one: more than
 * the usual soft limit of 1024 descriptors, so the soft limit goes up to what the hard one allows. */
static void raise_fd_limit(void)
{
	struct rlimit r;
	rlim_t want = DNS64_JOBS_MAX + TCP_CONNS_MAX + 1024;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < want) {
		r.rlim_cur = r.rlim_max < want ? r.rlim_max : want;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

struct dns64_server *dns64_server_start(const struct conf *c, struct stats *st, char *err, size_t errlen)
{
	struct dns64_conf dc = { .prefix = c->xlat.pool6, .allow_nonglobal = c->xlat.allow_nonglobal,
				 .n_exclude = c->n_dns64_exclude, .cache_max = c->dns64_cache_size };
	struct dns64_up_addr ups[CONF_DNS64_UPSTREAM_MAX];
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG(K_WAKE, 0) };
	struct dns64_server *s = calloc(1, sizeof(*s));
	unsigned n_up;
	int e;

	if (!s) {
		snprintf(err, errlen, "dns64: out of memory");
		return NULL;
	}
	s->st = st;
	s->epfd = s->wakefd = -1;
	s->cl_free = 0;
	for (int i = 0; i < DNS64_JOBS_MAX; i++)
		s->cl[i].next = i + 1 < DNS64_JOBS_MAX ? i + 1 : -1;
	for (int i = 0; i < JOB_BUCKETS; i++)
		s->bucket[i] = -1;
	for (int i = 0; i < TCP_CONNS_MAX; i++)
		s->conn[i].fd = -1;
	for (int i = 0; i < BATCH; i++) {
		s->in_iov[i] = (struct iovec){ s->q[i], QUERY_MAX };
		s->in[i].msg_hdr = (struct msghdr){ .msg_name = &s->peer[i], .msg_iov = &s->in_iov[i], .msg_iovlen = 1,
						    .msg_control = s->in_cm[i].b };
	}
	memcpy(dc.exclude, c->dns64_exclude, sizeof(dc.exclude));
	raise_fd_limit();
	n_up = dns64_up_list(c, DNS64_RESOLV_CONF, ups, CONF_DNS64_UPSTREAM_MAX);
	if (!n_up) {
		snprintf(err, errlen, "dns64: no upstream: no dns64-upstream line, and no usable nameserver in %s "
			 "(our own listen addresses do not count)", DNS64_RESOLV_CONF);
		goto fail;
	}
	if (!dns64_acl_init(&s->acl, c, err, errlen))
		goto fail;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->epfd < 0 || s->wakefd < 0 || epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->wakefd, &ev) < 0) {
		snprintf(err, errlen, "dns64: epoll/eventfd: %s", strerror(errno));
		goto fail;
	}
	s->eng = dns64_new(&dc, st);
	s->up = dns64_up_new(ups, n_up, c->dns64_timeout, s->epfd, TAG(K_UP, 0), st, on_upstream, s);
	if (!s->eng || !s->up) {
		snprintf(err, errlen, "dns64: out of memory");
		goto fail;
	}
	for (unsigned i = 0; i < c->n_dns64_listen; i++)
		if (!listen_on(s, &c->dns64_listen[i], false, err, errlen) ||
		    !listen_on(s, &c->dns64_listen[i], true, err, errlen))
			goto fail;
	describe(s, c, ups, n_up);
	e = pthread_create(&s->thread, NULL, server_main, s);
	if (e) {
		snprintf(err, errlen, "dns64: starting its thread: %s", strerror(e));
		goto fail;
	}
	s->started = true;
	return s;
fail:
	dns64_server_stop(s);
	return NULL;
}

void dns64_server_stop(struct dns64_server *s)
{
	uint64_t one = 1;

	if (!s)
		return;
	if (s->started) {
		if (write(s->wakefd, &one, sizeof(one)) != sizeof(one))
			pthread_cancel(s->thread);	/* an eventfd write cannot fail here; never stay stuck */
		pthread_join(s->thread, NULL);
	}
	for (unsigned i = 0; i < TCP_CONNS_MAX; i++)
		if (s->conn[i].fd >= 0)
			dns64_tcp_close(s, i);
	for (unsigned i = 0; i < s->n_lis; i++)
		close(s->lis[i].fd);
	dns64_up_free(s->up);
	dns64_free(s->eng);
	if (s->wakefd >= 0)
		close(s->wakefd);
	if (s->epfd >= 0)
		close(s->epfd);
	free(s);
}

void dns64_server_status(struct dns64_server *s, struct ctl_status *st)
{
	ctl_status_add(st, "dns64", "%s; %u cached, %u waiting for upstream", s->desc,
		       atomic_load_explicit(&s->cached, memory_order_relaxed),
		       atomic_load_explicit(&s->jobs, memory_order_relaxed));
}

static bool same_hostports(const struct conf_hostport *a, const struct conf_hostport *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (a[i].af != b[i].af || a[i].port != b[i].port || a[i].a4.s_addr != b[i].a4.s_addr ||
		    memcmp(&a[i].a6, &b[i].a6, sizeof(a[i].a6)))
			return false;
	return true;
}

bool dns64_server_same(const struct conf *a, const struct conf *b)
{
	if (a->n_dns64_listen != b->n_dns64_listen || a->n_dns64_upstream != b->n_dns64_upstream ||
	    a->n_dns64_exclude != b->n_dns64_exclude || a->n_dns64_allow != b->n_dns64_allow ||
	    a->dns64_cache_size != b->dns64_cache_size || a->dns64_timeout != b->dns64_timeout ||
	    a->xlat.has_pool6 != b->xlat.has_pool6 || !prefix6_equal(&a->xlat.pool6, &b->xlat.pool6) ||
	    a->xlat.allow_nonglobal != b->xlat.allow_nonglobal ||
	    !same_hostports(a->dns64_listen, b->dns64_listen, a->n_dns64_listen) ||
	    !same_hostports(a->dns64_upstream, b->dns64_upstream, a->n_dns64_upstream))
		return false;
	for (unsigned i = 0; i < a->n_dns64_exclude; i++)
		if (!prefix6_equal(&a->dns64_exclude[i], &b->dns64_exclude[i]))
			return false;
	for (unsigned i = 0; i < a->n_dns64_allow; i++) {
		const struct conf_net *x = &a->dns64_allow[i], *y = &b->dns64_allow[i];

		if (x->af != y->af || (x->af == AF_INET ? x->p4.len != y->p4.len || x->p4.addr.s_addr != y->p4.addr.s_addr :
				       !prefix6_equal(&x->p6, &y->p6)))
			return false;
	}
	return true;
}
