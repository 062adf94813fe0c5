/* libFuzzer entry for software segmentation (gso_soft.c): any bytes, the first ten as the virtio-net header of
 * a super-packet, the rest as the packet; every segment is then translated, as the worker does. Build: make fuzz */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "gso_soft.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stats st;
	struct xlat_ctx ctx = fz_ctx(&st);
	struct xlat_out out;
	struct virtio_net_hdr h;
	struct gso_soft s;
	uint32_t len, n, payload = 0;
	uint8_t *pkt;

	if (size < sizeof(h) || size - sizeof(h) > FZ_MAX)
		return 0;
	memcpy(&h, data, sizeof(h));
	len = (uint32_t)(size - sizeof(h));
	/* The super-packet in a buffer of its own size, so that ASan sees any read past it. */
	pkt = malloc(len ? len : 1);
	if (!pkt)
		return 0;
	memcpy(pkt, data + sizeof(h), len);
	if (gso_soft_init(&s, &h, pkt, len) == 0) {
		while ((n = gso_soft_next(&s, fz_pkt))) {
			/* Every segment repeats the headers and carries at most gso_size bytes after them. */
			if (n < s.hdr || n - s.hdr > h.gso_size || n > len)
				__builtin_trap();
			payload += n - s.hdr;
			xlat_packet(&ctx, fz_pkt, n, &out);
		}
		if (payload != s.len - s.hdr)
			__builtin_trap();
	} else if (gso_soft_next(&s, fz_pkt)) {
		__builtin_trap();
	}
	free(pkt);
	return 0;
}
