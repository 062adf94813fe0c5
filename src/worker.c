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
 */
#include <errno.h>
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

static uint64_t now_ms(void)
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
		s = now_ms() ^ ((uint64_t)getpid() << 32);
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

/* Translate the datagram (len bytes) read into b. Returns how many datagrams are in w->out to be sent. */
static unsigned translate(struct worker *w, struct worker_buf *b, uint32_t len)
{
	enum stat_id why = vnet_rx(&b->vnet, b->tb.pkt, len, &w->ctx.gso_size);
	enum xlat_verdict v;

	if (why) {
		w->stats.c[why]++;
		return 0;
	}
	if (w->ctx.gso_size)
		w->stats.c[STAT_GSO_RX]++;
	v = xlat_packet(&w->ctx, b->tb.pkt, len, &w->out);
	vnet_restore(&b->vnet);
	return v == XLAT_EMIT ? w->out.n : 0;
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

/* Without io_uring: a blocking read, then a write per datagram out. */
static void run_blocking(struct worker *w)
{
	struct worker_buf *b = &w->buf[0];

	while (!stopping(w)) {
		ssize_t n = tun_read(w->fd, &b->tb, &b->vnet.hdr);
		unsigned outs;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* EFAULT/EBADFD: the device was deleted under us. */
			worker_fail(w, "reading from the TUN device", errno);
			return;
		}
		w->ctx.now = now_ms();
		outs = translate(w, b, (uint32_t)n);
		for (unsigned i = 0; i < outs; i++) {
			struct virtio_net_hdr h;
			bool in_place;

			if (out_hdr(w, b, i, &h, &in_place))
				write_now(w, &h, &w->out.pkt[i]);
		}
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
 * built in the scratch area is written at once, after flushing what is queued so that the order holds. */
static void ring_packet(struct worker *w, struct ring *r, unsigned i, uint32_t len)
{
	struct worker_buf *b = &w->buf[i];
	unsigned outs = translate(w, b, len);
	bool flushed = false, queued = false;

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

static void run_ring(struct worker *w, struct ring *r)
{
	while (!stopping(w)) {
		/* Non-blocking reads for as many datagrams as the last batch brought, twice that while the
		 * queue was never found empty: the batch follows the queue's depth. */
		unsigned want = r->eagain ? r->got : 2 * r->got, wait;

		for (unsigned i = 0; i < w->nbuf && (r->armed < 0 || want); i++) {
			struct io_uring_sqe *sqe;

			if (w->buf[i].state != BUF_FREE || !(sqe = uring_sqe(&r->u)))
				continue;
			want -= r->armed >= 0;
			queue_read(w, r, sqe, i);
		}
		/* Everything queued completes during the call; waiting for one more means waiting for the
		 * armed read, i.e. for the next datagram. */
		wait = r->queued + (r->armed >= 0);
		r->queued = 0;
		if (uring_enter(&r->u, wait ? wait : 1) < 0 && errno != EINTR) {
			worker_fail(w, "io_uring_enter", errno);
			break;
		}
		w->ctx.now = now_ms();
		if (!ring_reap(w, r))
			break;
	}
	ring_drain(r);
}

void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct ring r = { .armed = -1 };

	w->ctx.now = now_ms();
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

struct worker *worker_new(const struct conf *c, struct worker_shared *sh, unsigned id, int fd)
{
	struct worker *w;

	/* Separately allocated and cache-line aligned: no two workers' counters share a line. */
	if (posix_memalign((void **)&w, 64, sizeof(*w)) != 0)
		return NULL;
	memset(w, 0, sizeof(*w));
	w->id = id;
	w->fd = fd;
	w->sh = sh;
	w->ctx.conf = &c->xlat;
	w->ctx.stats = &w->stats;
	w->ctx.rng = rng_seed(id);
	w->gro_head = -1;
	w->ctx.scratch = malloc(XLAT_SCRATCH_SIZE);
	if (!w->ctx.scratch || !tun_buf_init(&w->buf[0].tb)) {
		free(w->ctx.scratch);
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
	free(w->ctx.scratch);
	free(w);
}
