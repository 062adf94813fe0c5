/* Internet checksum helpers: RFC 1071 sums and RFC 1624 incremental updates. Pure. */
#ifndef XLAT64_CSUM_H
#define XLAT64_CSUM_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* One's-complement sum of len bytes (big-endian 16-bit words) added to sum; not folded. */
uint32_t csum_add(uint32_t sum, const void *data, size_t len);
/* Fold a 32-bit accumulator into 16 bits (not complemented). */
uint16_t csum_fold(uint32_t sum);
/* Final checksum of a buffer: ~fold(sum(data)). Result in host order, ready for htons(). */
uint16_t csum_final(uint32_t sum);

/* Pseudo-header partial sums (RFC 768/793, RFC 8200 §8.1); len is the L4 length. */
uint32_t csum_pseudo4(struct in_addr src, struct in_addr dst, uint8_t proto, uint32_t len);
uint32_t csum_pseudo6(const struct in6_addr *src, const struct in6_addr *dst, uint8_t proto, uint32_t len);
/* The same, with the addresses read from the IP header at ip: IPv4 when its version nibble is 4, else IPv6
 * (the caller has checked the version and that the fixed header is there). */
uint32_t csum_pseudo_ip(const uint8_t *ip, uint8_t proto, uint32_t len);

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). The checksum (host order, as stored after ntohs) is adjusted
 * for removing the sum `old` and adding the sum `new` (both unfolded accumulators).  A wrong checksum stays
 * exactly as wrong as it was, which is what Jool's vectors expect. */
uint16_t csum_adjust(uint16_t check, uint32_t old, uint32_t new);

/* IPv4 header checksum over ihl*4 bytes, computed with the checksum field taken as zero. */
uint16_t csum_ipv4_header(const void *hdr, size_t len);

#endif
