/* A worker thread: one TUN queue in, translated datagrams back out of the same queue. */
#ifndef XLAT64_WORKER_H
#define XLAT64_WORKER_H

#include <linux/virtio_net.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/uio.h>

#include "conf.h"
#include "defrag.h"
#include "gro.h"
#include "gso_soft.h"
#include "nat64.h"
#include "stats.h"
#include "tun.h"
#include "vnet.h"
#include "xlat.h"

/* Datagrams a worker has in flight with io_uring: reads queued ahead, translations being written. */
#define WORKER_BUFS 32

struct worker;

/* How a worker reads its queue, worst first (worker_ring.c). */
enum worker_io {
	WORKER_IO_BLOCKING,	/* a blocking read(), a write() per datagram out */
	WORKER_IO_READS,	/* io_uring batches, a read request per datagram */
	WORKER_IO_MULTISHOT,	/* io_uring batches, one multishot read into provided buffers (Linux 6.7) */
};

/* "blocking", "reads", "multishot" (the names XLAT64_IO takes), and back: false for any other. */
const char *worker_io_name(enum worker_io io);
bool worker_io_parse(const char *s, enum worker_io *io);
/* The best of `want` and what this kernel offers (saying so when it is less than `want`); each worker makes
 * its own ring later. */
enum worker_io worker_io_probe(enum worker_io want);

/* What every worker reads and the main thread writes. */
struct worker_shared {
	atomic_bool stop;	/* checked between batches, so a busy worker stops too */
	int fail_fd;		/* eventfd: a worker lost its queue; wakes the main thread */
	enum worker_io io;	/* how workers read (the main thread checked that it works) */
	/* Mode nat64: every worker by id, all made before any starts, so that a worker can hand a packet to
	 * the tables that hold its state (worker_nat64.c). */
	struct worker *const *peers;
};

/* How often a NAT64 worker runs its timers (nat64_tick()), also when no packet arrives. */
#define WORKER_TICK_MS 1000

struct worker_buf {
	struct tun_buf tb;
	struct vnet_rx vnet;		/* the header read with the datagram */
	struct virtio_net_hdr tx;	/* the header its translation is written with */
	/* The write in flight: [header + datagram], then for a coalesced write (gro.h) the payloads of the
	 * datagrams that follow, which stay in their own buffers, listed in member[]. */
	struct iovec iov[WORKER_BUFS];
	uint8_t member[WORKER_BUFS];
	uint8_t nmember;
	uint8_t state;
};

struct worker {
	pthread_t thread;
	unsigned id;
	int fd;
	struct worker_shared *sh;
	/* nat.xlat is the core's context in both modes; nat.db holds the RFC 6146 tables in mode nat64
	 * (NULL in siit), owned by this worker. */
	struct nat64_ctx nat;
	struct defrag *defrag;		/* mode nat64: reassembly in front of the tables (RFC 6146 §3.4) */
	/* Held while the worker handles a batch (and runs its timers): another thread that takes it may
	 * use nat.db, the control socket to list it, another worker to handle a packet whose state it holds
	 * (worker_nat64.c; rare when the kernel steers packets to their owner, see tun_steer.c). */
	pthread_mutex_t lock;
	uint64_t next_tick;		/* nat64: when nat64_tick() is due (ms) */
	/* Written by this worker alone, with plain increments of aligned 64-bit words (never torn on the
	 * targets we build for); the control socket reads them meanwhile with relaxed atomic loads
	 * (ctl_stats_snapshot()), so a snapshot may lag by a batch but never shows a half-written counter. */
	struct stats stats;
	struct xlat_out out;
	struct gro gro;			/* the super-packet being built, headed by buf[gro_head] */
	/* A GSO super-packet being cut in software (gso_soft.h), and its current segment, which is translated
	 * like a datagram read without offload (its header stays all zero). */
	struct gso_soft soft;
	struct worker_buf seg;
	int gro_head;			/* -1: none */
	bool write_logged;
	long coalesce_ns;		/* the configuration's coalesce-usecs (worker_ring.c), set under lock */
	unsigned nbuf;			/* buffers allocated: 1 without io_uring */
	struct worker_buf buf[WORKER_BUFS];
};

/* Mode nat64's half of translate() (worker_nat64.c), called with w->lock held: reassembly, then the RFC 6146
 * tables of the worker nat64_owner() names. Returns how many datagrams are in w->out to be sent. */
unsigned worker_nat64(struct worker *w, struct worker_buf *b, uint32_t len);
/* The workers' clock (ctx->now, nat64_tick()): CLOCK_MONOTONIC in milliseconds. */
uint64_t worker_now(void);
/* A worker for queue fd, not started; NULL when out of memory. db: mode nat64's tables for this worker
 * (nat64_new() for worker id), which it owns from now on, even when this fails; NULL in mode siit. */
struct worker *worker_new(const struct conf *c, struct worker_shared *sh, unsigned id, int fd, struct nat64 *db);
void worker_free(struct worker *w);
/* The thread: runs until sh->stop is seen (the main thread interrupts its wait with a signal, see
 * daemon.c) or the queue fails (reported through sh->fail_fd). */
void *worker_main(void *arg);

#endif
