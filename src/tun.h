/* The multi-queue TUN device: one file descriptor per queue, one worker per descriptor. */
#ifndef XLAT64_TUN_H
#define XLAT64_TUN_H

#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "xlat.h"

#define TUN_QUEUES_MAX 64
/* The largest datagram a queue hands over: an IPv4/IPv6 total length field tops out at 65535, and GSO
 * super-packets are held to 64 KiB (the device's default gso_max_size, no BIG TCP). */
#define TUN_MTU_MAX 65536
#define TUN_BUF_SIZE (XLAT_HEADROOM + TUN_MTU_MAX + XLAT_TAILROOM)

struct tun {
	char name[IFNAMSIZ];
	unsigned n;			/* queues opened */
	int fd[TUN_QUEUES_MAX];
	int ifindex;
	unsigned offloads;		/* TUN_F_* the kernel accepted (TUNSETOFFLOAD) */
};

/*
 * Create the device `name` with n (1..TUN_QUEUES_MAX) queues, blocking (a worker sleeps in read()). The
 * device must not exist yet, so a second daemon cannot silently join the first one's queues. Every datagram
 * read or written carries a struct virtio_net_hdr in front (IFF_VNET_HDR, see vnet.h). With offload, the
 * kernel is offered checksum offload and TCP segmentation (TSO4/6), plus UDP segmentation (USO4/6, Linux
 * 6.2) when it takes it; without, the header stays all zero. On error writes a message into err.
 */
bool tun_open(struct tun *t, const char *name, unsigned n, bool offload, char *err, size_t errlen);
/* The accepted offloads as words ("csum tso4 tso6 uso4 uso6", or "none") into buf. */
void tun_offloads_fmt(unsigned offloads, char *buf, size_t len);
/* Close every queue; the kernel deletes the device (and its addresses and routes) with the last one. */
void tun_close(struct tun *t);

/*
 * A worker's receive buffer. The datagram lands XLAT_HEADROOM bytes into the buffer, so that the
 * translator can grow the IP header in place (4->6), and XLAT_TAILROOM bytes stay free after it. The
 * virtio-net header is read into its own slot (a second iovec), keeping the datagram's position unchanged.
 */
struct tun_buf {
	uint8_t *base;		/* TUN_BUF_SIZE bytes */
	uint8_t *pkt;		/* base + XLAT_HEADROOM: where the datagram starts */
};

bool tun_buf_init(struct tun_buf *b);
void tun_buf_free(struct tun_buf *b);

/* Read one datagram from a queue into b->pkt and its header into *h. Returns the datagram's length, or -1
 * with errno (EINTR: a signal woke the worker). */
ssize_t tun_read(int fd, struct tun_buf *b, struct virtio_net_hdr *h);
/* The datagram's length when a read of [*h, b->pkt] (here or through io_uring) returned n bytes. */
uint32_t tun_datagram_len(size_t n, struct virtio_net_hdr *h);
/* Write one datagram behind header h; returns false with errno on failure (including a short write). */
bool tun_write(int fd, const struct virtio_net_hdr *h, const uint8_t *pkt, uint32_t len);

#endif
