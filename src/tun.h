/* The multi-queue TUN device: one file descriptor per queue, one worker per descriptor. */
#ifndef XLAT64_TUN_H
#define XLAT64_TUN_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TUN_QUEUES_MAX 64
/* The largest datagram a queue hands over: an IPv4/IPv6 total length field tops out at 65535. */
#define TUN_MTU_MAX 65536

struct tun {
	char name[IFNAMSIZ];
	unsigned n;			/* queues opened */
	int fd[TUN_QUEUES_MAX];
	int ifindex;
};

/* Create the device `name` with n (1..TUN_QUEUES_MAX) queues, non-blocking. The device must not exist
 * yet, so a second daemon cannot silently join the first one's queues. On error writes a message into err. */
bool tun_open(struct tun *t, const char *name, unsigned n, char *err, size_t errlen);
/* Close every queue; the kernel deletes the device (and its addresses and routes) with the last one. */
void tun_close(struct tun *t);

/*
 * A worker's receive buffer. The datagram lands XLAT_HEADROOM bytes into the buffer, so that the
 * translator can grow the IP header in place (4->6), and XLAT_TAILROOM bytes stay free after it. When the
 * offloads arrive, the virtio-net header is read into its own slot (a second iovec), keeping the
 * datagram's position unchanged.
 */
struct tun_buf {
	uint8_t *base;		/* XLAT_HEADROOM + TUN_MTU_MAX + XLAT_TAILROOM bytes */
	uint8_t *pkt;		/* base + XLAT_HEADROOM: where the datagram starts */
};

bool tun_buf_init(struct tun_buf *b);
void tun_buf_free(struct tun_buf *b);
/* Read one datagram from a queue into b->pkt. Returns its length, or -1 with errno (EAGAIN: queue empty). */
ssize_t tun_read(int fd, struct tun_buf *b);
/* Write one datagram; returns false with errno on failure (including a short write). */
bool tun_write(int fd, const uint8_t *pkt, uint32_t len);

#endif
