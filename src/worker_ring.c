/*
 * A worker's batches with io_uring (io_uring(7), a minimal ring in uring.c): the writes of a batch and the
 * reads of the next go to the kernel in one io_uring_enter(), which then sleeps until the next datagram
 * arrives. Reads, best first (worker_io_probe()):
 * - WORKER_IO_MULTISHOT (Linux 6.7): one multishot read stays armed on the queue; the kernel reads each
 *   datagram into the next buffer the worker handed it (a provided-buffer ring) and reads on until the
 *   queue is empty, all within the call: no request per datagram, no read that finds the queue empty;
 * - WORKER_IO_READS: one read armed on the queue plus, while traffic flows, non-blocking reads for as many
 *   datagrams as the last batch brought (twice that while the queue was never found empty, up to
 *   WORKER_BUFS).
 * A lightly loaded worker makes one system call per datagram, a busy one far fewer. Consecutive UDP
 * datagrams of one flow in a batch leave as one UDP GSO write (gro.h), which the kernel forwards once and
 * cuts back into the same datagrams where it must.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "uring.h"
#include "worker_internal.h"

enum { BUF_FREE, BUF_READ, BUF_WRITE };
#define UD_WRITE 1	/* user_data: buffer index << 1, | UD_WRITE for a write */
#define UD_TIMER (UINT64_MAX - 1)	/* user_data of the NAT64 timer's timeout request */
#define UD_MSHOT (UINT64_MAX - 2)	/* user_data of the multishot read */
#define BGID 0				/* the provided buffers' group */

static const char *const io_names[] = {
	[WORKER_IO_BLOCKING] = "blocking", [WORKER_IO_READS] = "reads", [WORKER_IO_MULTISHOT] = "multishot",
};

const char *worker_io_name(enum worker_io io)
{
	return io_names[io];
}

bool worker_io_parse(const char *s, enum worker_io *io)
{
	for (unsigned i = 0; i < sizeof(io_names) / sizeof(io_names[0]); i++)
		if (!strcmp(s, io_names[i])) {
			*io = (enum worker_io)i;
			return true;
		}
	return false;
}

enum worker_io worker_io_probe(enum worker_io want)
{
	struct uring r;
	struct uring_bufs b;
	enum worker_io io = WORKER_IO_READS;

	if (want == WORKER_IO_BLOCKING)
		return want;
	if (!uring_init(&r, 2)) {
		fprintf(stderr, "xlat64: io_uring unavailable (%s): one read and one write per datagram\n",
			strerror(errno));
		return WORKER_IO_BLOCKING;
	}
	if (want == WORKER_IO_MULTISHOT && uring_has_op(&r, IORING_OP_READ_MULTISHOT)) {
		if (uring_bufs_init(&r, &b, WORKER_BUFS, BGID))
			io = WORKER_IO_MULTISHOT;
		else
			fprintf(stderr, "xlat64: io_uring provided buffers unavailable (%s): a read request per "
				"datagram\n", strerror(errno));
	}
	uring_free(&r);
	if (io == WORKER_IO_MULTISHOT)
		uring_bufs_free(&b);
	return io;
}

struct ring {
	struct uring u;
	unsigned inflight;	/* requests submitted or queued whose completion is not yet reaped */
	unsigned queued;	/* of which queued since the last io_uring_enter() and completing at once */
	int armed;		/* the buffer whose read waits for data, or -1 */
	unsigned got;		/* datagrams the last batch brought */
	bool eagain;		/* ... and a non-blocking read found the queue empty */
	bool timer;		/* nat64: the timeout request that wakes the worker for its tick is queued */
	/* WORKER_IO_MULTISHOT: one multishot read, armed while mshot_armed, takes the free buffers handed
	 * to the kernel in pb. */
	bool mshot, mshot_armed;
	struct uring_bufs pb;
	long coalesce_ns;	/* w->coalesce_ns, copied under w->lock (a reload changes it) */
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
		worker_write_failed(w, errno);
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

	for (unsigned outs = worker_translate(w, b, len); outs; outs = worker_soft_next(w))
		for (unsigned k = 0; k < outs; k++) {
			const struct xlat_pkt *p = &w->out.pkt[k];
			struct virtio_net_hdr h;
			bool in_place;

			if (!worker_out_hdr(w, b, k, &h, &in_place))
				continue;
			/* The core translates in place at most once per datagram; the buffer carries one write. */
			if (in_place && !queued && queue_out(w, r, i, &h, p)) {
				queued = true;
				continue;
			}
			if (!flushed) {
				gro_flush(w, r);
				if (uring_enter(&r->u, 0) < 0 && errno != EINTR)
					worker_write_failed(w, errno);
				r->queued = 0;
			}
			flushed = true;
			worker_write_now(w, &h, p);
		}
}

/* A read failed with res (buffer or none). Returns false when the queue failed. */
static bool read_failed(struct worker *w, struct ring *r, int res)
{
	if (res == -EAGAIN) {
		r->eagain = true;
	} else if (res != -EINTR && res != -ECANCELED) {
		worker_fail(w, "reading from the TUN device", -res);
		return false;
	}
	return true;
}

/* Buffer i's read completed with res. Returns false when the queue failed. */
static bool read_done(struct worker *w, struct ring *r, unsigned i, int res)
{
	struct worker_buf *b = &w->buf[i];

	if (res < 0)
		return read_failed(w, r, res);
	r->got++;
	memcpy(&b->vnet.hdr, b->tb.pkt - sizeof(b->vnet.hdr), sizeof(b->vnet.hdr));
	ring_packet(w, r, i, tun_datagram_len((size_t)res, &b->vnet.hdr));
	return true;
}

/* Reap every completion. Returns false when the queue failed. */
static bool ring_reap(struct worker *w, struct ring *r)
{
	struct io_uring_cqe *cqe;

	r->got = 0;
	r->eagain = false;
	while ((cqe = uring_cqe(&r->u))) {
		/* Copied before the slot goes back to the kernel. */
		uint64_t ud = cqe->user_data;
		uint32_t flags = cqe->flags;
		unsigned i = (unsigned)(ud >> 1);
		int res = cqe->res;
		bool write = ud & UD_WRITE;

		uring_cqe_seen(&r->u);
		if (!(flags & IORING_CQE_F_MORE))	/* the multishot read's last */
			r->inflight--;
		if (ud == UD_MSHOT) {
			if (!(flags & IORING_CQE_F_MORE))
				r->mshot_armed = false;
			/* No buffer: ENOBUFS (every buffer was busy; it is armed again once some are back),
			 * or the read ended. */
			if (!(flags & IORING_CQE_F_BUFFER)) {
				if (res < 0 && res != -ENOBUFS && !read_failed(w, r, res))
					return false;
				continue;
			}
			i = flags >> IORING_CQE_BUFFER_SHIFT;
			w->buf[i].state = BUF_FREE;
			if (!read_done(w, r, i, res))
				return false;
			continue;
		}
		if (ud == UD_TIMER) {
			r->timer = false;	/* -ETIME: it only had to end the wait */
			continue;
		}
		buf_release(w, i);
		if (write) {
			if (res < 0)
				worker_write_failed(w, -res);
			continue;
		}
		if ((int)i == r->armed)
			r->armed = -1;
		if (!read_done(w, r, i, res))
			return false;
	}
	gro_flush(w, r);
	return true;
}

/* Cancel what is still in flight (the armed or multishot read) and wait for it: the kernel may write into those buffers
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
			if (!(cqe->flags & IORING_CQE_F_MORE))
				r->inflight--;
			uring_cqe_seen(&r->u);
		}
	}
}

/* Mode nat64: a timeout request that completes when the next tick is due, so that an idle worker wakes up
 * for its timers. It counts as a completion, ending the wait of io_uring_enter(). */
static void arm_timer(struct worker *w, struct ring *r)
{
	struct io_uring_sqe *sqe;
	int ms = worker_tick_wait(w);

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

/* Hand the free buffers to the kernel and arm the multishot read if it is not. */
static void queue_mshot(struct worker *w, struct ring *r)
{
	struct io_uring_sqe *sqe;
	bool any = false;

	for (unsigned i = 0; i < w->nbuf; i++) {
		struct worker_buf *b = &w->buf[i];

		if (b->state != BUF_FREE)
			continue;
		uring_bufs_add(&r->pb, b->tb.pkt - sizeof(b->vnet.hdr), sizeof(b->vnet.hdr) + TUN_MTU_MAX, (uint16_t)i);
		b->state = BUF_READ;
		any = true;
	}
	if (any)
		uring_bufs_publish(&r->pb);
	if (r->mshot_armed || !(sqe = uring_sqe(&r->u)))
		return;
	ring_sqe(sqe, w->fd, IORING_OP_READ_MULTISHOT);
	sqe->flags = IOSQE_BUFFER_SELECT;
	sqe->buf_group = BGID;
	sqe->user_data = UD_MSHOT;
	r->mshot_armed = true;
	r->inflight++;
}

/*
 * Whether to let datagrams gather for coalesce-usecs before taking them, like a NIC's interrupt
 * coalescing: only with the multishot read, and only while the queue is busy (the last batch brought more
 * than one datagram), so that a lone datagram is never delayed. The kernel queues the read's work for this
 * thread and wakes it only when as many completions are due as it waits for (the poll wake-up is lazy),
 * and the read is one piece of work however many datagrams wait: waiting for one completion more than the
 * writes and the read can bring means sleeping until the timeout, then reading everything that came.
 * Fewer wake-ups and larger UDP GSO writes, at the price of up to coalesce-usecs of latency under load.
 */
static bool coalesce(const struct ring *r)
{
	return r->mshot_armed && r->coalesce_ns && r->got > 1;
}

/* WORKER_IO_READS: the armed read if there is none, and non-blocking reads for as many datagrams as the
 * last batch brought, twice that while the queue was never found empty: the batch follows the queue's
 * depth. */
static void queue_reads(struct worker *w, struct ring *r)
{
	unsigned want = r->eagain ? r->got : 2 * r->got;

	for (unsigned i = 0; i < w->nbuf && (r->armed < 0 || want); i++) {
		struct io_uring_sqe *sqe;

		if (w->buf[i].state != BUF_FREE || !(sqe = uring_sqe(&r->u)))
			continue;
		want -= r->armed >= 0;
		queue_read(w, r, sqe, i);
	}
}

static void run(struct worker *w, struct ring *r)
{
	while (!worker_stopping(w)) {
		unsigned wait;
		bool ok;

		/* First, so that the writes and reads of a full batch never leave it without a slot. */
		arm_timer(w, r);
		if (r->mshot)
			queue_mshot(w, r);
		else
			queue_reads(w, r);
		/* Everything queued completes during the call; waiting for one more means waiting for the
		 * armed read, i.e. for the next datagram (or for the timer). Not armed: the multishot read
		 * found no buffer, all of them are in writes that complete during the call. */
		wait = r->queued + (r->armed >= 0 || r->mshot_armed);
		r->queued = 0;
		if ((coalesce(r) ? uring_enter_timeout(&r->u, wait + 1, r->coalesce_ns) :
		     uring_enter(&r->u, wait ? wait : 1)) < 0 && errno != EINTR) {
			worker_fail(w, "io_uring_enter", errno);
			break;
		}
		pthread_mutex_lock(&w->lock);
		w->nat.xlat.now = worker_now();
		ok = ring_reap(w, r);
		worker_tick(w);
		r->coalesce_ns = w->coalesce_ns;
		pthread_mutex_unlock(&w->lock);
		if (!ok)
			break;
	}
	ring_drain(r);
}

bool worker_run_ring(struct worker *w)
{
	struct ring r = { .armed = -1 };

	/* The ring belongs to this thread (IORING_SETUP_SINGLE_ISSUER), so it is made here. */
	if (!uring_init(&r.u, 2 * WORKER_BUFS))
		return false;
	for (; w->nbuf < WORKER_BUFS && tun_buf_init(&w->buf[w->nbuf].tb); w->nbuf++)
		;
	/* The main thread saw both work; should they fail now, the worker reads as with WORKER_IO_READS. */
	r.mshot = w->sh->io == WORKER_IO_MULTISHOT && uring_bufs_init(&r.u, &r.pb, WORKER_BUFS, BGID);
	run(w, &r);
	uring_free(&r.u);
	uring_bufs_free(&r.pb);
	return true;
}
