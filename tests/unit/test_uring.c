/* uring.c's provided-buffer ring under a multishot read, as worker_ring.c uses it on a TUN queue: here on a
 * datagram socket, which like a TUN gives one datagram per read. The kernel must name the buffer of each
 * datagram, keep the read armed while buffers last, and end it with ENOBUFS when none is left, to be armed
 * again once buffers are back. */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "uring.h"

#define NBUF 4
#define UD 7

static uint8_t bufs[NBUF][64];

static void give(struct uring_bufs *b, unsigned bid)
{
	uring_bufs_add(b, bufs[bid], sizeof(bufs[bid]), (uint16_t)bid);
}

static void arm(struct uring *r, int fd, int *failed)
{
	struct io_uring_sqe *sqe = uring_sqe(r);

	CHECK(sqe);
	sqe->opcode = IORING_OP_READ_MULTISHOT;
	sqe->fd = fd;
	sqe->off = (uint64_t)-1;
	sqe->flags = IOSQE_BUFFER_SELECT;
	sqe->buf_group = 0;
	sqe->user_data = UD;
}

struct done {
	uint64_t user_data;
	int res;
	uint32_t flags;
};

/* The next completion, after entering the kernel when none is there. */
static struct done next(struct uring *r)
{
	struct done c = { .res = -1000 };
	struct io_uring_cqe *cqe;

	if (!uring_cqe(r) && uring_enter(r, 1) < 0)
		return c;
	cqe = uring_cqe(r);
	if (cqe) {
		c = (struct done){ cqe->user_data, cqe->res, cqe->flags };
		uring_cqe_seen(r);
	}
	return c;
}

static void send_n(int fd, unsigned first, unsigned n, int *failed)
{
	for (unsigned i = first; i < first + n; i++) {
		uint8_t d[8];

		memset(d, 'a' + (int)i, i + 1);
		CHECK_EQ(send(fd, d, i + 1, 0), (ssize_t)(i + 1));
	}
}

/* The completion of datagram i: i + 1 bytes of 'a' + i, in the buffer it names, the read still armed. */
static void got(struct done c, unsigned i, bool more, unsigned *bid, int *failed)
{
	uint8_t want[8];

	CHECK_EQ(c.user_data, (uint64_t)UD);
	CHECK_EQ(c.res, (int)(i + 1));
	CHECK(c.flags & IORING_CQE_F_BUFFER);
	CHECK_EQ(!!(c.flags & IORING_CQE_F_MORE), more);
	*bid = c.flags >> IORING_CQE_BUFFER_SHIFT;
	CHECK(*bid < NBUF);
	memset(want, 'a' + (int)i, i + 1);
	CHECK_MEM(bufs[*bid], want, i + 1);
}

TEST(uring_multishot_provided_buffers)
{
	struct uring r;
	struct uring_bufs b;
	struct done c;
	unsigned bid, seen = 0;
	int sv[2];

	CHECK(uring_init(&r, 8));
	if (!uring_has_op(&r, IORING_OP_READ_MULTISHOT)) {
		uring_free(&r);
		SKIP("no multishot read before Linux 6.7");
	}
	CHECK(!uring_has_op(&r, 255));
	CHECK(uring_bufs_init(&r, &b, NBUF, 0));
	CHECK_EQ(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	for (unsigned i = 0; i < NBUF; i++)
		give(&b, i);
	uring_bufs_publish(&b);
	arm(&r, sv[0], failed);
	CHECK(!*failed);

	/* Three datagrams, three buffers, each named once. */
	send_n(sv[1], 0, 3, failed);
	CHECK(!*failed);
	for (unsigned i = 0; i < 3; i++) {
		got(next(&r), i, true, &bid, failed);
		CHECK(!*failed);
		CHECK(!(seen & 1u << bid));
		seen |= 1u << bid;
	}
	/* Two more, one buffer left: the second finds none and ends the read. */
	send_n(sv[1], 3, 2, failed);
	CHECK(!*failed);
	got(next(&r), 3, true, &bid, failed);
	CHECK(!*failed);
	CHECK(!(seen & 1u << bid));
	c = next(&r);
	CHECK_EQ(c.res, -ENOBUFS);
	CHECK(!(c.flags & (IORING_CQE_F_MORE | IORING_CQE_F_BUFFER)));
	/* A buffer back and the read armed again: the datagram that waited arrives in it. */
	give(&b, bid);
	uring_bufs_publish(&b);
	arm(&r, sv[0], failed);
	CHECK(!*failed);
	c = next(&r);
	got(c, 4, true, &seen, failed);
	CHECK(!*failed);
	CHECK_EQ(seen, bid);
	close(sv[0]);
	close(sv[1]);
	uring_free(&r);
	uring_bufs_free(&b);
}
