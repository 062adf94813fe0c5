/* libFuzzer entry for the translation core: any bytes, as an IPv4 or IPv6 datagram. Build: make fuzz */
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stats st;
	struct xlat_ctx ctx = fz_ctx(&st);
	struct xlat_out out;

	if (size > FZ_MAX)
		return 0;
	memcpy(fz_pkt, data, size);
	xlat_packet(&ctx, fz_pkt, (uint32_t)size, &out);
	return 0;
}
