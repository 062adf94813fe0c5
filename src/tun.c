/* The multi-queue TUN device (Documentation/networking/tuntap.rst, "Multiqueue tuntap interface"). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tun.h"
#include "xlat.h"

static int tun_attach(const char *name, int flags, char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

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

bool tun_open(struct tun *t, const char *name, unsigned n, char *err, size_t errlen)
{
	/* No packet-information prefix: every read is a bare IP datagram, the family is in its first nibble.
	 * IFF_TUN_EXCL on the first queue only: the later ones must attach to the device it created. */
	const int flags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE;

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
	if (posix_memalign(&p, 64, XLAT_HEADROOM + TUN_MTU_MAX + XLAT_TAILROOM) != 0)
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

ssize_t tun_read(int fd, struct tun_buf *b)
{
	return read(fd, b->pkt, TUN_MTU_MAX);
}

bool tun_write(int fd, const uint8_t *pkt, uint32_t len)
{
	ssize_t r = write(fd, pkt, len);

	if (r >= 0 && (size_t)r != len) {
		errno = EMSGSIZE;
		return false;
	}
	return r >= 0;
}
