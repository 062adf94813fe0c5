/*
 * The packet path of one worker: read a datagram (and its virtio-net header) from the TUN queue, translate
 * it, write the result back into the same queue, where the kernel routes it like any other.
 *
 * On this path the system calls cost more than the translation: a TUN read or write moves one datagram (or
 * one GSO super-packet), entering the kernel costs about 1 us on a VM, and a TUN write runs the kernel's
 * whole receive and forwarding path for what it writes, in the writer's time. So a worker batches with
 * io_uring where it can (worker_ring.c). Where io_uring is missing or forbidden (seccomp in containers,
 * kernel.io_uring_disabled), or XLAT64_IO=blocking asks for it, the worker sleeps in a blocking read()
 * instead (here): one read and one write per datagram, no coalescing.
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
#include <time.h>
#include <unistd.h>

#include "worker_internal.h"

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

bool worker_stopping(const struct worker *w)
{
	return atomic_load_explicit(&w->sh->stop, memory_order_relaxed);
}

void worker_fail(struct worker *w, const char *what, int err)
{
	uint64_t one = 1;

	fprintf(stderr, "xlat64: queue %u: %s: %s\n", w->id, what, strerror(err));
	if (write(w->sh->fail_fd, &one, sizeof(one)) < 0)
		fprintf(stderr, "xlat64: queue %u: cannot signal the main thread: %s\n", w->id, strerror(errno));
}

void worker_write_failed(struct worker *w, int err)
{
	w->stats.c[STAT_DROP_TUN_WRITE]++;
	if (!w->write_logged)
		fprintf(stderr, "xlat64: queue %u: writing to the TUN device: %s (counted as %s; not logged again)\n",
			w->id, strerror(err), stats_name(STAT_DROP_TUN_WRITE));
	w->write_logged = true;
}

unsigned worker_translate(struct worker *w, struct worker_buf *b, uint32_t len)
{
	enum stat_id why = vnet_rx(&b->vnet, b->tb.pkt, len, &w->nat.xlat.gso_size);
	enum xlat_verdict v;

	if (why == STAT_GSO_SOFT_SEGMENTED && !(why = gso_soft_init(&w->soft, &b->vnet.hdr, b->tb.pkt, len))) {
		w->stats.c[STAT_GSO_SOFT_SEGMENTED]++;
		return worker_soft_next(w);
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
unsigned worker_soft_next(struct worker *w)
{
	uint32_t len;
	unsigned outs;

	while ((len = gso_soft_next(&w->soft, w->seg.tb.pkt)))
		if ((outs = worker_translate(w, &w->seg, len)))
			return outs;
	return 0;
}

bool worker_out_hdr(struct worker *w, const struct worker_buf *b, unsigned i, struct virtio_net_hdr *h,
		    bool *in_place)
{
	const struct xlat_pkt *p = &w->out.pkt[i];

	*in_place = (uintptr_t)p->data - (uintptr_t)b->tb.base < TUN_BUF_SIZE;
	if (vnet_tx(&b->vnet, p, *in_place, h))
		return true;
	w->stats.c[STAT_DROP_VNET_HDR]++;
	return false;
}

void worker_write_now(struct worker *w, const struct virtio_net_hdr *h, const struct xlat_pkt *p)
{
	if (!tun_write(w->fd, h, p->data, p->len))
		worker_write_failed(w, errno);
}

/* Mode nat64, when due: the RFC 6146 timers. Sessions past their lifetime go (with the dynamic bindings
 * left without one), and stored IPv4 SYNs past their 6 s get the ICMP error nat64_tick() builds, written
 * at once: it lives in the scratch area, which the next datagram reuses. Datagrams whose fragments did
 * not all arrive in time go too. */
void worker_tick(struct worker *w)
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
			worker_write_now(w, &plain, &w->out.pkt[i]);
	} while (more);
}

int worker_tick_wait(const struct worker *w)
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

	while (!worker_stopping(w)) {
		struct pollfd pfd = { .fd = w->fd, .events = POLLIN };
		unsigned outs = 0;
		ssize_t n = 0;
		int ready = w->nat.db ? poll(&pfd, 1, worker_tick_wait(w)) : 1;

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
			outs = worker_translate(w, b, (uint32_t)n);
		for (; outs; outs = worker_soft_next(w))
			for (unsigned i = 0; i < outs; i++) {
				struct virtio_net_hdr h;
				bool in_place;

				if (worker_out_hdr(w, b, i, &h, &in_place))
					worker_write_now(w, &h, &w->out.pkt[i]);
			}
		worker_tick(w);
		pthread_mutex_unlock(&w->lock);
	}
}

void *worker_main(void *arg)
{
	struct worker *w = arg;

	w->nat.xlat.now = w->next_tick = worker_now();
	if (w->sh->io == WORKER_IO_BLOCKING || !worker_run_ring(w))
		run_blocking(w);
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
	w->coalesce_ns = c->coalesce_usecs * 1000L;
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
