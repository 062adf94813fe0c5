/* RFC 1071 Internet checksum and RFC 1624 incremental update. */
#include <arpa/inet.h>

#include "csum.h"

uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t s = sum;

	for (; len >= 2; p += 2, len -= 2)
		s += (uint32_t)p[0] << 8 | p[1];
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint16_t csum_final(uint32_t sum)
{
	return (uint16_t)~csum_fold(sum);
}

/* Source and destination are summed as they lie, in network byte order: the sum is over 16-bit words. */
static uint32_t pseudo(const void *src, const void *dst, size_t alen, uint8_t proto, uint32_t len)
{
	uint32_t s = csum_add(0, src, alen);

	s = csum_add(s, dst, alen);
	return s + proto + (len >> 16) + (len & 0xffff);
}

uint32_t csum_pseudo4(struct in_addr src, struct in_addr dst, uint8_t proto, uint32_t len)
{
	return pseudo(&src, &dst, 4, proto, len);
}

uint32_t csum_pseudo6(const struct in6_addr *src, const struct in6_addr *dst, uint8_t proto, uint32_t len)
{
	return pseudo(src, dst, 16, proto, len);
}

uint32_t csum_pseudo_ip(const uint8_t *ip, uint8_t proto, uint32_t len)
{
	/* RFC 791: addresses at bytes 12 and 16; RFC 8200 §3: at bytes 8 and 24. */
	if (ip[0] >> 4 == 4)
		return pseudo(ip + 12, ip + 16, 4, proto, len);
	return pseudo(ip + 8, ip + 24, 16, proto, len);
}

uint16_t csum_adjust(uint16_t check, uint32_t old, uint32_t new)
{
	/* RFC 1624 eqn. 3, with the removed sum added as its one's complement. */
	uint32_t s = (uint16_t)~check;

	s += (uint16_t)~csum_fold(old);
	s += csum_fold(new);
	return (uint16_t)~csum_fold(s);
}

uint16_t csum_ipv4_header(const void *hdr, size_t len)
{
	const uint8_t *h = hdr;
	uint32_t s = csum_add(0, h, 10);

	s = csum_add(s, h + 12, len - 12);
	return csum_final(s);
}
