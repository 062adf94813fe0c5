/* What the two halves of a worker's loop share: worker.c (translation, blocking reads, timers) and
 * worker_ring.c (io_uring batches). */
#ifndef XLAT64_WORKER_INTERNAL_H
#define XLAT64_WORKER_INTERNAL_H

#include "worker.h"

bool worker_stopping(const struct worker *w);
/* The queue failed: say why and tell the main thread. */
void worker_fail(struct worker *w, const char *what, int err);
/* A write failed: counted, logged once. */
void worker_write_failed(struct worker *w, int err);
/* Translate the datagram (len bytes) read into b. Returns how many datagrams are in w->out to be sent; for
 * a super-packet cut in software, those of its first segment, worker_soft_next() giving the others'. */
unsigned worker_translate(struct worker *w, struct worker_buf *b, uint32_t len);
unsigned worker_soft_next(struct worker *w);
/* The header of w->out.pkt[i]; false when it is dropped (counted). *in_place: it is b's datagram translated
 * where it was read (rather than built in the scratch area, which the next datagram reuses). */
bool worker_out_hdr(struct worker *w, const struct worker_buf *b, unsigned i, struct virtio_net_hdr *h,
		    bool *in_place);
void worker_write_now(struct worker *w, const struct virtio_net_hdr *h, const struct xlat_pkt *p);
/* Mode nat64, when due: the RFC 6146 timers (w->lock held). */
void worker_tick(struct worker *w);
/* Milliseconds until the next tick, for a wait that must end by then; -1 (forever) in mode siit. */
int worker_tick_wait(const struct worker *w);
/* The loop with io_uring, until the worker stops; false at once when no ring can be made. */
bool worker_run_ring(struct worker *w);

#endif
