/*
 * The packet path of one worker: read a datagram (and its virtio-net header) from the TUN queue, translate
 * it, write the result back into the same queue, where the kernel routes it like any other.
 *
 * On this path the system calls cost more than the translation: a TUN read or write moves one datagram (or
 * one GSO super-packet), entering the kernel costs about 1 us on a VM, and a TUN write runs the kernel's
 * whole receive and forwarding path for what it writes, in the writer's time. So the worker batches:
 * - with io_uring, it keeps one read armed on the queue plus, while traffic flows, non-blocking reads for as
 *   many datagrams as the last batch brought (twice that while the queue was never found empty, up to
 *   WORKER_BUFS), and hands the kernel all of them together with the writes of the previous batch in one
 *   io_uring_enter(). A lightly loaded worker makes one system call per datagram, a busy one far fewer;
 * - consecutive UDP datagrams of one flow in a batch leave as one UDP GSO write (gro.h), which the kernel
 *   forwards once and cuts back into the same datagrams where it must.
 * Where io_uring is missing or forbidden (seccomp in containers, kernel.io_uring_disabled), the worker
 * sleeps in a blocking read() instead: one read and one write per datagram, no coalescing.
 *
 * In mode nat64 the worker also owns the RFC 6146 tables (w->nat.db), runs their timers about once a
 * second, and so must wake up without traffic: an io_uring timeout request, or a poll() with a timeout
 * in front of the blocking read. While it handles a batch it holds w->lock, which the control socket
 * takes to list the tables between two batches, and another worker to handle a packet whose state these
 * tables hold (worker_nat64.c).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "uring.h"
#include "worker.h"

enum { BUF_FREE, BUF_READ, BUF_WRITE };
#define UD_WRITE 1	/* user_data: buffer index << 1, | UD_WRITE for a write */
#define UD_TIMER (UINT64_MAX - 1)	/* user_data of the NAT64 timer's timeout request */

uint64_t worker_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* vDSO: no system call */
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Different per worker so that two workers never hand out the same IPv4 ID sequence. */
static uint64_t rng_seed(unsigned id)
{
	uint64_t s = 0;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != sizeof(s))
		s = worker_now() ^ ((uint64_t)getpid() << 32);
	s ^= (uint64_t)(id + 1) * 0x9e3779b97f4a7c15ull;
	return s ? s : 1;	/* xorshift never leaves 0 */
}

static bool stopping(const struct worker *w)
{
	return atomic_load_explicit(&w->sh->stop, memory_order_relaxed);
}

static void worker_fail(struct worker *w, const char *what, int err)
{
	uint64_t one = 1;

	fprintf(stderr, "xlat64: queue %u: %s: %s\n", w->id, what, strerror(err));
	if (write(w->sh->fail_fd, &one, sizeof(one)) < 0)
		fprintf(stderr, "xlat64: queue %u: cannot signal the main thread: %s\n", w->id, strerror(errno));
}

static void write_failed(struct worker *w, int err)
{
	w->stats.c[STAT_DROP_TUN_WRITE]++;
	if (!w->write_logged)
		fprintf(stderr, "xlat64: queue %u: writing to the TUN device: %s (counted as %s; not logged again)\n",
			w->id, strerror(err), stats_name(STAT_DROP_TUN_WRITE));
	w->write_logged = true;
}

static unsigned soft_next(struct worker *w);

/* Translate the datagram (len bytes) read into b. Returns how many datagrams are in w->out to be sent; for
 * a super-packet cut in software, those of its first segment, soft_next() giving the others'. */
static unsigned translate(struct worker *w, struct worker_buf *b, uint32_t len)
{
	enum stat_id why = vnet_rx(&b->vnet, b->tb.pkt, len, &w->nat.xlat.gso_size);
	enum xlat_verdict v;

	if (why == STAT_GSO_SOFT_SEGMENTED && !(why = gso_soft_init(&w->soft, &b->vnet.hdr, b->tb.pkt, len))) {
		w->stats.c[STAT_GSO_SOFT_SEGMENTED]++;
		return soft_next(w);
	}
	if (why) {
		w->stats.c[why]++;
		return 0;
	}
	if (w->nat.xlat.gso_size)
		w->stats.c[STAT_GSO_RX]++;
	if (!w->nat.db) {
		v = xlat_packet(&w->nat.xlat, b->tb.pkt, len, &w->out);
		vnet_restore(&b->vnet);
		return v == XLAT_EMIT ? w->out.n : 0;
	}
	return worker_nat64(w, b, len);
}

/* The next segment of the super-packet being cut in software (gso_soft.h), built in w->seg and translated
 * like a datagram read without offload. Returns how many datagrams are in w->out to be sent; 0 when no
 * segment is left (segments that are dropped are skipped). The outputs are never in the buffer the
 * super-packet was read into, so they are written at once, in order, as the scratch area's are. */
static unsigned soft_next(struct worker *w)
{
	uint32_t len;
	unsigned outs;

	while ((len = gso_soft_next(&w->soft, w->seg.tb.pkt)))
		if ((outs = translate(w, &w->seg, len)))
			return outs;
	return 0;
}

/* The header of w->out.pkt[i]; false when it is dropped (counted). *in_place: it is b's datagram translated
 * where it was read (rather than built in the scratch area, which the next datagram reuses). */
static bool out_hdr(struct worker *w, const struct worker_buf *b, unsigned i, struct virtio_net_hdr *h,
		    bool *in_place)
{
	const struct xlat_pkt *p = &w->out.pkt[i];

	*in_place = (uintptr_t)p->data - (uintptr_t)b->tb.base < TUN_BUF_SIZE;
	if (vnet_tx(&b->vnet, p, *in_place, h))
		return true;
	w->stats.c[STAT_DROP_VNET_HDR]++;
	return false;
}

static void write_now(struct worker *w, const struct virtio_net_hdr *h, const struct xlat_pkt *p)
{
	if (!tun_write(w->fd, h, p->data, p->len))
		write_failed(w, errno);
}

/* Mode nat64, when due: the RFC 6146 timers. Sessions past their lifetime go (with the dynamic bindings
 * left without one), and stored IPv4 SYNs past their 6 s get the ICMP error nat64_tick() builds, written
 * at once: it lives in the scratch area, which the next datagram reuses. Datagrams whose fragments did
 * not all arrive in time go too. */
static void tick(struct worker *w)
{
	static const struct virtio_net_hdr plain;
	uint64_t now = w->nat.xlat.now;
	bool more;

	if (!w->nat.db || now < w->next_tick)
		return;
	w->next_tick = now + WORKER_TICK_MS;
	defrag_expire(w->defrag, now, &w->stats);
	do {
		more = nat64_tick(&w->nat, now, &w->out);
		for (unsigned i = 0; i < w->out.n; i++)
			write_now(w, &plain, &w->out.pkt[i]);
	} while (more);
}

/* Milliseconds until the next tick, for a wait that must end by then; -1 (forever) in mode siit. */
static int tick_wait(const struct worker *w)
{
	uint64_t now = worker_now();

	if (!w->nat.db)
		return -1;
	return w->next_tick > now ? (int)(w->next_tick - now) : 0;
}

/* Without io_uring: a blocking read, then a write per datagram out. In mode nat64 a poll() in front of
 * the read ends the wait when the timers are due. */
static void run_blocking(struct worker *w)
{
	struct worker_buf *b = &w->buf[0];

	while (!stopping(w)) {
		struct pollfd pfd = { .fd = w->fd, .events = POLLIN };
		unsigned outs = 0;
		ssize_t n = 0;
		int ready = w->nat.db ? poll(&pfd, 1, tick_wait(w)) : 1;

		if (ready > 0)
			n = tun_read(w->fd, &b->tb, &b->vnet.hdr);
		if (ready < 0 || n < 0) {
			if (errno == EINTR)
				continue;
			/* EFAULT/EBADFD: the device was deleted under us. */
			worker_fail(w, ready < 0 ? "waiting for the TUN device" : "reading from the TUN device", errno);
			return;
		}
		pthread_mutex_lock(&w->lock);
		w->nat.xlat.now = worker_now();
		if (ready > 0)
			outs = translate(w, b, (uint32_t)n);
		for (; outs; outs = soft_next(w))
			for (unsigned i = 0; i < outs; i++) {
				struct virtio_net_hdr h;
				bool in_place;

				if (out_hdr(w, b, i, &h, &in_place))
					write_now(w, &h, &w->out.pkt[i]);
			}
		tick(w);
		pthread_mutex_unlock(&w->lock);
	}
}

/* The io_uring side of a worker. */
struct ring {
	struct uring u;
	unsigned inflight;	/* requests submitted or queued whose completion is not yet reaped */
	unsigned queued;	/* of which queued since the last io_uring_enter() and completing at once */
	int armed;		/* the buffer whose read waits for data, or -1 */
	unsigned got;		/* datagrams the last batch brought */
	bool eagain;		/* ... and a non-blocking read found the queue empty */
	bool timer;		/* nat64: the timeout request that wakes the worker for its tick is queued */
	struct __kernel_timespec timeout;
};

/* An SQE for a read or write on the queue, at the current position (a TUN has none). */
static void ring_sqe(struct io_uring_sqe *sqe, int fd, uint8_t opcode)
{
	sqe->opcode = opcode;
	sqe->fd = fd;
	sqe->off = (uint64_t)-1;
}

/* A read into buffer i, its virtio-net header landing right in front of the datagram (in the headroom,
 * copied out before the core may write there): one contiguous buffer, no iovec for the kernel to import.
 * The armed read waits for data, the others (RWF_NOWAIT) fail at once when the queue is empty. */
static void queue_read(struct worker *w, struct ring *r, struct io_uring_sqe *sqe, unsigned i)
{
	struct worker_buf *b = &w->buf[i];
	bool nowait = r->armed >= 0;

	ring_sqe(sqe, w->fd, IORING_OP_READ);
	sqe->addr = (uintptr_t)(b->tb.pkt - sizeof(b->vnet.hdr));
	sqe->len = sizeof(b->vnet.hdr) + TUN_MTU_MAX;
	sqe->rw_flags = nowait ? RWF_NOWAIT : 0;
	sqe->user_data = (uint64_t)i << 1;
	b->state = BUF_READ;
	r->inflight++;
	if (nowait)
		r->queued++;
	else
		r->armed = (int)i;
}

/* Queue the write of buffer i's translation p behind header h, which goes right in front of it (bytes of
 * the old IP header, or headroom), and of the payloads listed in iov[1..] after it. False when the ring is
 * full. */
static bool queue_write(struct worker *w, struct ring *r, unsigned i, const struct virtio_net_hdr *h,
			const struct xlat_pkt *p)
{
	struct worker_buf *b = &w->buf[i];
	struct io_uring_sqe *sqe;

	memcpy(p->data - sizeof(*h), h, sizeof(*h));
	b->iov[0] = (struct iovec){ p->data - sizeof(*h), sizeof(*h) + p->len };
	sqe = uring_sqe(&r->u);
	if (!sqe)
		return false;
	ring_sqe(sqe, w->fd, b->nmember ? IORING_OP_WRITEV : IORING_OP_WRITE);
	sqe->addr = b->nmember ? (uintptr_t)b->iov : (uintptr_t)b->iov[0].iov_base;
	sqe->len = b->nmember ? b->nmember + 1u : (unsigned)b->iov[0].iov_len;
	sqe->user_data = (uint64_t)i << 1 | UD_WRITE;
	b->state = BUF_WRITE;
	r->inflight++;
	r->queued++;	/* a TUN write never waits */
	return true;
}

/* Release buffer i and the buffers whose payloads its write carried. */
static void buf_release(struct worker *w, unsigned i)
{
	struct worker_buf *b = &w->buf[i];

	for (unsigned k = 0; k < b->nmember; k++)
		w->buf[b->member[k]].state = BUF_FREE;
	b->nmember = 0;
	b->state = BUF_FREE;
}

/* Queue the write of the super-packet being built (or of its only datagram, as it was). */
static void gro_flush(struct worker *w, struct ring *r)
{
	int i = w->gro_head;
	struct worker_buf *b;
	struct xlat_pkt head;

	if (i < 0)
		return;
	w->gro_head = -1;
	b = &w->buf[i];
	if (w->gro.n > 1)
		gro_finish(&w->gro, &b->tx);
	head = (struct xlat_pkt){ w->gro.head, w->gro.head_len };
	if (queue_write(w, r, (unsigned)i, &b->tx, &head))
		return;
	/* The ring holds a read and a write per buffer, so this cannot happen; if it did, write now. */
	if (writev(w->fd, b->iov, b->nmember + 1) < 0)
		write_failed(w, errno);
	buf_release(w, (unsigned)i);
}

/* Send buffer i's in-place translation p (header h): added to the super-packet being built, heading a new
 * one, or queued alone. False when the ring is full. */
static bool queue_out(struct worker *w, struct ring *r, unsigned i, const struct virtio_net_hdr *h,
		      const struct xlat_pkt *p)
{
	struct worker_buf *b = &w->buf[i];

	if (w->gro_head >= 0 && gro_join(&w->gro, p, h)) {
		struct worker_buf *head = &w->buf[w->gro_head];

		head->iov[++head->nmember] = (struct iovec){ p->data + w->gro.l3 + 8, p->len - w->gro.l3 - 8 };
		head->member[head->nmember - 1] = (uint8_t)i;
		b->state = BUF_WRITE;
		return true;
	}
	gro_flush(w, r);
	b->nmember = 0;
	if (gro_start(&w->gro, p, h)) {
		w->gro_head = (int)i;
		b->tx = *h;
		b->state = BUF_WRITE;
		return true;
	}
	return queue_write(w, r, i, h, p);
}

/* Translate what buffer i read; its in-place translation is queued for the next io_uring_enter(), anything
 * built elsewhere (the scratch area, segments cut in software) is written at once, after flushing what is
 * queued so that the order holds. */
static void ring_packet(struct worker *w, struct ring *r, unsigned i, uint32_t len)
{
	struct worker_buf *b = &w->buf[i];
	bool flushed = false, queued = false;

	for (unsigned outs = translate(w, b, len); outs; outs = soft_next(w))
		for (unsigned k = 0; k < outs; k++) {
			const struct xlat_pkt *p = &w->out.pkt[k];
			struct virtio_net_hdr h;
			bool in_place;

			if (!out_hdr(w, b, k, &h, &in_place))
				continue;
			/* The core translates in place at most once per datagram; the buffer carries one write. */
			if (in_place && !queued && queue_out(w, r, i, &h, p)) {
				queued = true;
				continue;
			}
			if (!flushed) {
				gro_flush(w, r);
				if (uring_enter(&r->u, 0) < 0 && errno != EINTR)
					write_failed(w, errno);
				r->queued = 0;
			}
			flushed = true;
			write_now(w, &h, p);
		}
}

/* Reap every completion. Returns false when the queue failed. */
static bool ring_reap(struct worker *w, struct ring *r)
{
	struct io_uring_cqe *cqe;

	r->got = 0;
	r->eagain = false;
	while ((cqe = uring_cqe(&r->u))) {
		unsigned i = (unsigned)(cqe->user_data >> 1);
		int res = cqe->res;
		bool write = cqe->user_data & UD_WRITE;

		uring_cqe_seen(&r->u);
		r->inflight--;
		if (cqe->user_data == UD_TIMER) {
			r->timer = false;	/* -ETIME: it only had to end the wait */
			continue;
		}
		buf_release(w, i);
		if (write) {
			if (res < 0)
				write_failed(w, -res);
			continue;
		}
		if ((int)i == r->armed)
			r->armed = -1;
		if (res >= 0) {
			struct worker_buf *b = &w->buf[i];

			r->got++;
			memcpy(&b->vnet.hdr, b->tb.pkt - sizeof(b->vnet.hdr), sizeof(b->vnet.hdr));
			ring_packet(w, r, i, tun_datagram_len((size_t)res, &b->vnet.hdr));
		} else if (res == -EAGAIN) {
			r->eagain = true;
		} else if (res != -EINTR && res != -ECANCELED) {
			worker_fail(w, "reading from the TUN device", -res);
			return false;
		}
	}
	gro_flush(w, r);
	return true;
}

/* Cancel what is still in flight (the armed read) and wait for it: the kernel may write into those buffers
 * until their completions are in. */
static void ring_drain(struct ring *r)
{
	struct io_uring_sqe *sqe = uring_sqe(&r->u);

	if (sqe) {
		sqe->opcode = IORING_OP_ASYNC_CANCEL;
		sqe->fd = -1;
		sqe->cancel_flags = IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL;
		sqe->user_data = UINT64_MAX;
		r->inflight++;
	}
	while (r->inflight) {
		struct io_uring_cqe *cqe;

		if (uring_enter(&r->u, 1) < 0 && errno != EINTR)
			return;
		while ((cqe = uring_cqe(&r->u))) {
			uring_cqe_seen(&r->u);
			r->inflight--;
		}
	}
}

/* Mode nat64: a timeout request that completes when the next tick is due, so that an idle worker wakes up
 * for its timers. It counts as a completion, ending the wait of io_uring_enter(). */
static void arm_timer(struct worker *w, struct ring *r)
{
	struct io_uring_sqe *sqe;
	int ms = tick_wait(w);

	if (ms < 0 || r->timer || !(sqe = uring_sqe(&r->u)))
		return;
	if (ms < 1)
		ms = 1;
	r->timeout = (struct __kernel_timespec){ ms / 1000, (ms % 1000) * 1000000L };
	sqe->opcode = IORING_OP_TIMEOUT;
	sqe->fd = -1;
	sqe->addr = (uintptr_t)&r->timeout;
	sqe->len = 1;
	sqe->off = 0;	/* no completion count: purely a timer */
	sqe->user_data = UD_TIMER;
	r->timer = true;
	r->inflight++;
}

static void run_ring(struct worker *w, struct ring *r)
{
	while (!stopping(w)) {
		/* Non-blocking reads for as many datagrams as the last batch brought, twice that while the
		 * queue was never found empty: the batch follows the queue's depth. */
		unsigned want = r->eagain ? r->got : 2 * r->got, wait;
		bool ok;

		/* First, so that the writes and reads of a full batch never leave it without a slot. */
		arm_timer(w, r);
		for (unsigned i = 0; i < w->nbuf && (r->armed < 0 || want); i++) {
			struct io_uring_sqe *sqe;

			if (w->buf[i].state != BUF_FREE || !(sqe = uring_sqe(&r->u)))
				continue;
			want -= r->armed >= 0;
			queue_read(w, r, sqe, i);
		}
		/* Everything queued completes during the call; waiting for one more means waiting for the
		 * armed read, i.e. for the next datagram (or for the timer). */
		wait = r->queued + (r->armed >= 0);
		r->queued = 0;
		if (uring_enter(&r->u, wait ? wait : 1) < 0 && errno != EINTR) {
			worker_fail(w, "io_uring_enter", errno);
			break;
		}
		pthread_mutex_lock(&w->lock);
		w->nat.xlat.now = worker_now();
		ok = ring_reap(w, r);
		tick(w);
		pthread_mutex_unlock(&w->lock);
		if (!ok)
			break;
	}
	ring_drain(r);
}

void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct ring r = { .armed = -1 };

	w->nat.xlat.now = w->next_tick = worker_now();
	/* The ring belongs to this thread (IORING_SETUP_SINGLE_ISSUER), so it is made here. */
	if (w->sh->uring && uring_init(&r.u, 2 * WORKER_BUFS)) {
		for (; w->nbuf < WORKER_BUFS && tun_buf_init(&w->buf[w->nbuf].tb); w->nbuf++)
			;
		run_ring(w, &r);
		uring_free(&r.u);
	} else {
		run_blocking(w);
	}
	return NULL;
}

struct worker *worker_new(const struct conf *c, struct worker_shared *sh, unsigned id, int fd, struct nat64 *db)
{
	struct worker *w;

	/* Separately allocated and cache-line aligned: no two workers' counters share a line. */
	if (posix_memalign((void **)&w, 64, sizeof(*w)) != 0) {
		nat64_free(db);
		return NULL;
	}
	memset(w, 0, sizeof(*w));
	w->id = id;
	w->fd = fd;
	w->sh = sh;
	w->nat.xlat.conf = &c->xlat;
	w->nat.xlat.stats = &w->stats;
	w->nat.xlat.rng = rng_seed(id);
	w->nat.db = db;
	w->gro_head = -1;
	if (db) {
		struct defrag_limits l;

		defrag_limits_default(&l);
		l.hash_key = rng_seed(id);
		w->defrag = defrag_new(&l);
	}
	w->nat.xlat.scratch = malloc(XLAT_SCRATCH_SIZE);
	if (!w->nat.xlat.scratch || (db && !w->defrag) || !tun_buf_init(&w->buf[0].tb) ||
	    !tun_buf_init(&w->seg.tb) || pthread_mutex_init(&w->lock, NULL) != 0) {
		tun_buf_free(&w->buf[0].tb);
		tun_buf_free(&w->seg.tb);
		free(w->nat.xlat.scratch);
		defrag_free(w->defrag);
		nat64_free(db);
		free(w);
		return NULL;
	}
	w->nbuf = 1;
	return w;
}

void worker_free(struct worker *w)
{
	for (unsigned i = 0; i < w->nbuf; i++)
		tun_buf_free(&w->buf[i].tb);
	tun_buf_free(&w->seg.tb);
	free(w->nat.xlat.scratch);
	defrag_free(w->defrag);
	nat64_free(w->nat.db);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
