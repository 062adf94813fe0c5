/* The multi-queue TUN device (Documentation/networking/tuntap.rst, "Multiqueue tuntap interface") with a
 * virtio-net header on every datagram (IFF_VNET_HDR) and the offloads the kernel accepts. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tun.h"

/* Linux 6.2; older uapi headers lack them. */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

/*
 * Tried in this order, the first the kernel takes wins. CSUM|TSO4|TSO6 date from 2.6 (wireguard-go takes
 * them as given); USO4 and USO6 are accepted only together (EINVAL for either alone, measured on 6.18).
 * TSO_ECN is left out: the stack then segments TCP packets carrying CWR itself before they reach the TUN
 * (a GSO type bit the device lacks means software GSO, skb_gso_ok()).
 */
static const unsigned offload_chain[] = {
	TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6,
	TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
	TUN_F_CSUM,
	0,
};

static int tun_attach(const char *name, int flags, char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "opening /dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = (short)flags;	/* IFF_TUN_EXCL is the sign bit of the 16-bit field */
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		if (e == EBUSY && (flags & IFF_TUN_EXCL))
			snprintf(err, errlen, "creating TUN device %s: it already exists "
				 "(another xlat64 running, or a leftover device?)", name);
		else
			snprintf(err, errlen, "creating TUN device %s: %s%s", name, strerror(e),
				 e == EPERM ? " (xlat64 needs CAP_NET_ADMIN)" : "");
		close(fd);
		return -1;
	}
	return fd;
}

/* The device's offloads (TUNSETOFFLOAD sets the netdev features, one queue is enough). */
static bool tun_offload(struct tun *t, bool offload, char *err, size_t errlen)
{
	const size_t n = sizeof(offload_chain) / sizeof(offload_chain[0]);
	int hdrsz = sizeof(struct virtio_net_hdr);

	/* 10 bytes is the default; set anyway, so that the layout vnet.c parses never depends on it. */
	if (ioctl(t->fd[0], TUNSETVNETHDRSZ, &hdrsz) < 0) {
		snprintf(err, errlen, "setting the virtio-net header size on %s: %s", t->name, strerror(errno));
		return false;
	}
	/* Without offload, only the last entry (none): the header stays, all zero. */
	for (size_t i = offload ? 0 : n - 1; i < n; i++) {
		if (ioctl(t->fd[0], TUNSETOFFLOAD, (unsigned long)offload_chain[i]) == 0) {
			t->offloads = offload_chain[i];
			return true;
		}
	}
	snprintf(err, errlen, "setting offloads on %s: %s", t->name, strerror(errno));
	return false;
}

void tun_offloads_fmt(unsigned offloads, char *buf, size_t len)
{
	static const struct {
		unsigned flag;
		const char *name;
	} names[] = { { TUN_F_CSUM, "csum" }, { TUN_F_TSO4, "tso4" }, { TUN_F_TSO6, "tso6" },
		      { TUN_F_USO4, "uso4" }, { TUN_F_USO6, "uso6" } };
	size_t at = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((offloads & names[i].flag) && at < len)
			at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? " " : "", names[i].name);
	if (!at)
		snprintf(buf, len, "none");
}

bool tun_open(struct tun *t, const char *name, unsigned n, bool offload, char *err, size_t errlen)
{
	/* No packet-information prefix: every read is a virtio-net header and a bare IP datagram, the family
	 * in its first nibble. IFF_TUN_EXCL on the first queue only: the later ones must attach to the
	 * device it created (and with the same flags, which TUNSETIFF applies to the whole device). */
	const int flags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE | IFF_VNET_HDR;

	memset(t, 0, sizeof(*t));
	if (n == 0 || n > TUN_QUEUES_MAX) {
		snprintf(err, errlen, "TUN queues must be 1..%d, not %u", TUN_QUEUES_MAX, n);
		return false;
	}
	snprintf(t->name, sizeof(t->name), "%s", name);
	for (t->n = 0; t->n < n; t->n++) {
		int fd = tun_attach(name, t->n ? flags : flags | IFF_TUN_EXCL, err, errlen);

		if (fd < 0) {
			tun_close(t);
			return false;
		}
		t->fd[t->n] = fd;
	}
	t->ifindex = (int)if_nametoindex(name);
	if (t->ifindex == 0) {
		snprintf(err, errlen, "looking up TUN device %s: %s", name, strerror(errno));
		tun_close(t);
		return false;
	}
	if (!tun_offload(t, offload, err, errlen)) {
		tun_close(t);
		return false;
	}
	return true;
}

void tun_close(struct tun *t)
{
	for (unsigned i = 0; i < t->n; i++)
		close(t->fd[i]);
	t->n = 0;
}

bool tun_buf_init(struct tun_buf *b)
{
	void *p;

	/* Cache-line aligned so the datagram, XLAT_HEADROOM in, is too. */
	if (posix_memalign(&p, 64, TUN_BUF_SIZE) != 0)
		return false;
	b->base = p;
	b->pkt = b->base + XLAT_HEADROOM;
	return true;
}

void tun_buf_free(struct tun_buf *b)
{
	free(b->base);
	b->base = b->pkt = NULL;
}

uint32_t tun_datagram_len(size_t n, struct virtio_net_hdr *h)
{
	/* tun_put_user() always writes the whole header; a shorter read is an empty datagram (counted as
	 * truncated by the core). */
	if (n < sizeof(*h)) {
		memset(h, 0, sizeof(*h));
		return 0;
	}
	n -= sizeof(*h);
	/* It returns the datagram's full length even when the buffer was too small: what did not fit is
	 * missing, which the core sees against the datagram's own length field. */
	return n > TUN_MTU_MAX ? TUN_MTU_MAX : (uint32_t)n;
}

ssize_t tun_read(int fd, struct tun_buf *b, struct virtio_net_hdr *h)
{
	struct iovec iov[2] = { { h, sizeof(*h) }, { b->pkt, TUN_MTU_MAX } };
	ssize_t n = readv(fd, iov, 2);

	return n < 0 ? n : (ssize_t)tun_datagram_len((size_t)n, h);
}

bool tun_write(int fd, const struct virtio_net_hdr *h, const uint8_t *pkt, uint32_t len)
{
	struct iovec iov[2] = { { (void *)h, sizeof(*h) }, { (void *)pkt, len } };
	ssize_t r = writev(fd, iov, 2);

	if (r >= 0 && (size_t)r != sizeof(*h) + len) {
		errno = EMSGSIZE;
		return false;
	}
	return r >= 0;
}
