/*
 * What the DNS64 service's files share: dns64_server.c (the thread, UDP, jobs, start and stop) and
 * dns64_tcp.c (TCP clients). Everything here runs on the service's thread.
 */
#ifndef XLAT64_DNS64_SERVER_INTERNAL_H
#define XLAT64_DNS64_SERVER_INTERNAL_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "dns64.h"
#include "dns64_server.h"
#include "dns64_upstream.h"

#define BATCH 32
#define QUERY_MAX 4096		/* a UDP query is a question and an OPT record; longer ones are dropped */
#define UDP_MAX DNS64_EDNS_SIZE	/* the largest UDP reply */
#define TCP_CONNS_MAX 128
#define TCP_IDLE_MS 10000	/* RFC 7766 §6.2.3: seconds, not minutes, for an idle client */
#define TCP_OUT_MAX (256 * 1024)	/* replies a client does not read: beyond this it is dropped */
#define JOB_BUCKETS 2048
#define HDR 12

enum kind { K_WAKE = 1, K_UDP, K_LISTEN_TCP, K_CONN, K_UP };
#define TAG(k, i) ((uint64_t)(k) << 32 | (uint32_t)(i))

struct listener {
	int fd;
	int af;
	bool pktinfo;
};

union pktinfo {
	struct in_pktinfo v4;
	struct in6_pktinfo v6;
};

/* Who waits for a job's answer. */
struct client {
	uint32_t job;
	bool busy;
	int next;		/* hash chain, or the free list */
	int lis;		/* UDP: the listener; -1: TCP */
	unsigned conn;		/* TCP: the connection, while its generation is gen */
	uint32_t gen;
	bool has_pi;
	union pktinfo pi;	/* UDP on a wildcard address: where the query went */
	socklen_t peer_len;
	struct sockaddr_storage peer;
};

struct conn {
	int fd;			/* -1: free */
	uint32_t gen;		/* counts the slot's uses, so a late answer cannot reach a newer client */
	bool refused, want_out;
	unsigned waiting;	/* jobs of this connection */
	uint64_t last;		/* last query, for the idle timeout */
	uint8_t *in;		/* 2 + DNS64_MSG_MAX bytes */
	size_t in_len;
	uint8_t *out;		/* replies the socket has not taken yet */
	size_t out_len, out_off, out_cap;
};

struct dns64_server {
	pthread_t thread;
	bool started;
	int epfd, wakefd;
	struct stats *st;
	struct dns64 *eng;
	struct dns64_up *up;
	struct dns64_acl acl;
	unsigned n_lis;
	struct listener lis[2 * CONF_DNS64_LISTEN_MAX];
	int bucket[JOB_BUCKETS], cl_free;
	struct client cl[DNS64_JOBS_MAX];	/* the engine refuses more jobs (DNS64_JOBS_FULL) */
	struct conn conn[TCP_CONNS_MAX];
	/* What `status` shows: written once at start, the numbers by the thread after each wait. */
	char desc[200];
	_Atomic unsigned jobs, cached;
	/* The UDP batch. */
	struct mmsghdr in[BATCH], out[BATCH];
	struct iovec in_iov[BATCH], out_iov[BATCH];
	struct sockaddr_storage peer[BATCH];
	union {
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(union pktinfo))];
	} in_cm[BATCH], out_cm[BATCH];
	uint8_t q[BATCH][QUERY_MAX];
	uint8_t a[BATCH][UDP_MAX];
	uint8_t tmp[HDR + 255 + 4];	/* a REFUSED reply outside the batch */
};

static inline uint64_t dns64_srv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline void dns64_srv_count(struct dns64_server *s, enum stat_id id)
{
	s->st->c[id]++;
}

static inline uint16_t dns64_srv_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* dns64_server.c: a query the engine sends upstream becomes a job its client waits for (-1: the table is
 * full, the query is dropped); job_step carries out the engine's next step for a job. */
int dns64_server_job_start(struct dns64_server *s, const struct dns64_step *st);
void dns64_server_job_step(struct dns64_server *s, enum dns64_act act, struct dns64_step *st, uint64_t now);
/* The jobs of TCP connection ci are of no use now: the engine and the upstreams forget them. */
void dns64_server_job_drop_conn(struct dns64_server *s, unsigned ci);

/* dns64_tcp.c: TCP clients (RFC 7766). */
void dns64_tcp_accept(struct dns64_server *s, unsigned li);
/* An epoll event of connection ci. */
void dns64_tcp_ready(struct dns64_server *s, unsigned ci, uint32_t events);
/* Queue a reply on ci (or close it when it reads too little); ci may be closed on return. */
void dns64_tcp_send(struct dns64_server *s, unsigned ci, const uint8_t *m, size_t len);
/* Close ci; its jobs are cancelled in the engine and upstream. */
void dns64_tcp_close(struct dns64_server *s, unsigned ci);
/* Close the clients idle for TCP_IDLE_MS. */
void dns64_tcp_idle(struct dns64_server *s, uint64_t now);

#endif
