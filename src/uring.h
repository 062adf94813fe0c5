/*
 * A minimal io_uring (io_uring(7)): one submission and one completion ring, driven by one thread. Just what
 * a worker needs to hand the kernel many TUN reads and writes per system call; no liburing dependency.
 */
#ifndef XLAT64_URING_H
#define XLAT64_URING_H

#include <linux/io_uring.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Linux 6.7; the headers of older distributions lack it. */
#ifndef IORING_OP_READ_MULTISHOT
#define IORING_OP_READ_MULTISHOT 49
#endif

struct uring {
	int fd;
	unsigned sq_entries;
	unsigned *sq_head, *sq_tail, *sq_mask;	/* shared with the kernel */
	unsigned *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	unsigned sqe_tail;		/* SQEs handed out by uring_sqe(), published by uring_enter() */
	void *ring;
	size_t ring_size;
	size_t sqes_size;
};

/* Set up a ring of `entries` SQEs (a power of two) for the calling thread only. Returns false with errno
 * (ENOSYS, EPERM: io_uring missing or forbidden, e.g. by sysctl kernel.io_uring_disabled or seccomp). */
bool uring_init(struct uring *r, unsigned entries);
void uring_free(struct uring *r);
/* The next free SQE, zeroed, or NULL when the ring is full. */
struct io_uring_sqe *uring_sqe(struct uring *r);
/* Submit the SQEs handed out so far and wait until at least wait_nr completions are there. Returns 0, or
 * -1 with errno (EINTR: a signal arrived while waiting). */
int uring_enter(struct uring *r, unsigned wait_nr);
/* The same, but the wait ends after ns nanoseconds (under a second) too. */
int uring_enter_timeout(struct uring *r, unsigned wait_nr, long ns);
/* The oldest completion not yet seen, or NULL. */
struct io_uring_cqe *uring_cqe(struct uring *r);
void uring_cqe_seen(struct uring *r);
/* Whether the kernel knows request opcode op (IORING_REGISTER_PROBE). */
bool uring_has_op(struct uring *r, unsigned op);

/* A ring of provided buffers (IORING_REGISTER_PBUF_RING, Linux 5.19): the kernel takes the next one when a
 * request with IOSQE_BUFFER_SELECT has data for it, and names it in the completion (IORING_CQE_F_BUFFER). */
struct uring_bufs {
	struct io_uring_buf_ring *ring;	/* shared with the kernel */
	size_t size;
	unsigned mask;
	uint16_t tail;			/* entries added, published by uring_bufs_publish() */
};

/* Register a ring of `entries` buffers (a power of two) as group bgid of r. False with errno (EINVAL:
 * kernel too old). Freed with uring_bufs_free() after the ring is closed. */
bool uring_bufs_init(struct uring *r, struct uring_bufs *b, unsigned entries, uint16_t bgid);
void uring_bufs_free(struct uring_bufs *b);
/* Hand the kernel buffer bid (len bytes at addr); it sees it once uring_bufs_publish() is called. */
void uring_bufs_add(struct uring_bufs *b, void *addr, unsigned len, uint16_t bid);
void uring_bufs_publish(struct uring_bufs *b);

#endif
