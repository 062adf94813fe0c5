/* A minimal io_uring, after io_uring_setup(2) and io_uring_enter(2). */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "uring.h"

/*
 * Completions of requests that had to wait (a TUN read armed on an empty queue) are run only when this
 * thread enters the kernel to collect them (DEFER_TASKRUN, Linux 6.1), never by interrupting it midway
 * through a batch. Older kernels refuse the flags; they get a plain ring.
 */
static const unsigned setup_flags[] = { IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, 0 };

bool uring_init(struct uring *r, unsigned entries)
{
	struct io_uring_params p;
	int fd = -1;
	uint8_t *ring;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	for (size_t i = 0; i < sizeof(setup_flags) / sizeof(setup_flags[0]) && fd < 0; i++) {
		memset(&p, 0, sizeof(p));
		p.flags = setup_flags[i];
		fd = (int)syscall(__NR_io_uring_setup, entries, &p);
		if (fd < 0 && errno != EINVAL)
			return false;
	}
	if (fd < 0)
		return false;
	/* One mapping for both rings (IORING_FEAT_SINGLE_MMAP, Linux 5.4); older kernels are not worth it. */
	if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
		close(fd);
		errno = ENOSYS;
		return false;
	}
	r->fd = fd;
	r->ring_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	if (r->ring_size < p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe))
		r->ring_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	r->sqes_size = p.sq_entries * sizeof(struct io_uring_sqe);
	r->ring = mmap(NULL, r->ring_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
	r->sqes = mmap(NULL, r->sqes_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	if (r->ring == MAP_FAILED || r->sqes == MAP_FAILED) {
		int e = errno;

		uring_free(r);
		errno = e;
		return false;
	}
	ring = r->ring;
	r->sq_entries = p.sq_entries;
	r->sq_head = (unsigned *)(ring + p.sq_off.head);
	r->sq_tail = (unsigned *)(ring + p.sq_off.tail);
	r->sq_mask = (unsigned *)(ring + p.sq_off.ring_mask);
	r->cq_head = (unsigned *)(ring + p.cq_off.head);
	r->cq_tail = (unsigned *)(ring + p.cq_off.tail);
	r->cq_mask = (unsigned *)(ring + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(ring + p.cq_off.cqes);
	/* The indirection array maps slot i to SQE i, once and for all. */
	for (unsigned i = 0; i < p.sq_entries; i++)
		((unsigned *)(ring + p.sq_off.array))[i] = i;
	r->sqe_tail = *r->sq_tail;
	return true;
}

void uring_free(struct uring *r)
{
	if (r->sqes && r->sqes != MAP_FAILED)
		munmap(r->sqes, r->sqes_size);
	if (r->ring && r->ring != MAP_FAILED)
		munmap(r->ring, r->ring_size);
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

struct io_uring_sqe *uring_sqe(struct uring *r)
{
	struct io_uring_sqe *sqe;

	if (r->sqe_tail - __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE) >= r->sq_entries)
		return NULL;
	sqe = &r->sqes[r->sqe_tail++ & *r->sq_mask];
	memset(sqe, 0, sizeof(*sqe));
	return sqe;
}

int uring_enter(struct uring *r, unsigned wait_nr)
{
	return uring_enter_timeout(r, wait_nr, 0);
}

int uring_enter_timeout(struct uring *r, unsigned wait_nr, long ns)
{
	struct __kernel_timespec ts = { 0, ns };
	struct io_uring_getevents_arg arg = { .ts = (uintptr_t)&ts };
	unsigned n;

	/* The SQEs' contents must be visible before the kernel sees the new tail. It takes them from its
	 * head on: any it left the last time (errors) come first. */
	__atomic_store_n(r->sq_tail, r->sqe_tail, __ATOMIC_RELEASE);
	n = r->sqe_tail - __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE);

	/* A timeout goes in an extended argument (IORING_ENTER_EXT_ARG, Linux 5.11); reaching it is no error. */
	if (syscall(__NR_io_uring_enter, r->fd, n, wait_nr,
		    IORING_ENTER_GETEVENTS | (ns ? IORING_ENTER_EXT_ARG : 0), ns ? &arg : NULL,
		    ns ? sizeof(arg) : 0) < 0 && !(ns && errno == ETIME))
		return -1;
	return 0;
}

struct io_uring_cqe *uring_cqe(struct uring *r)
{
	unsigned head = *r->cq_head;

	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return NULL;
	return &r->cqes[head & *r->cq_mask];
}

void uring_cqe_seen(struct uring *r)
{
	__atomic_store_n(r->cq_head, *r->cq_head + 1, __ATOMIC_RELEASE);
}

bool uring_has_op(struct uring *r, unsigned op)
{
	union {
		struct io_uring_probe p;
		uint8_t bytes[sizeof(struct io_uring_probe) + 256 * sizeof(struct io_uring_probe_op)];
	} u;

	memset(&u, 0, sizeof(u));
	if (syscall(__NR_io_uring_register, r->fd, IORING_REGISTER_PROBE, &u.p, 256) < 0)
		return false;
	return op <= u.p.last_op && op < u.p.ops_len && (u.p.ops[op].flags & IO_URING_OP_SUPPORTED);
}

bool uring_bufs_init(struct uring *r, struct uring_bufs *b, unsigned entries, uint16_t bgid)
{
	struct io_uring_buf_reg reg;

	memset(b, 0, sizeof(*b));
	b->size = entries * sizeof(struct io_uring_buf);
	/* Page-aligned, as the kernel maps it. */
	b->ring = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->ring == MAP_FAILED) {
		b->ring = NULL;
		return false;
	}
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (uintptr_t)b->ring;
	reg.ring_entries = entries;
	reg.bgid = bgid;
	if (syscall(__NR_io_uring_register, r->fd, IORING_REGISTER_PBUF_RING, &reg, 1) < 0) {
		int e = errno;

		uring_bufs_free(b);
		errno = e;
		return false;
	}
	b->mask = entries - 1;
	return true;
}

void uring_bufs_free(struct uring_bufs *b)
{
	if (b->ring)
		munmap(b->ring, b->size);
	memset(b, 0, sizeof(*b));
}

void uring_bufs_add(struct uring_bufs *b, void *addr, unsigned len, uint16_t bid)
{
	struct io_uring_buf *e = &b->ring->bufs[b->tail++ & b->mask];

	e->addr = (uintptr_t)addr;
	e->len = len;
	e->bid = bid;
}

void uring_bufs_publish(struct uring_bufs *b)
{
	/* The entries must be visible before the kernel sees the new tail. */
	__atomic_store_n(&b->ring->tail, b->tail, __ATOMIC_RELEASE);
}
