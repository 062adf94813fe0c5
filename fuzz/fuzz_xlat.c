/* libFuzzer entry for the translation core: any bytes, as an IPv4 or IPv6 datagram. Build: make fuzz */
#include <string.h>

#include "testpkt.h"
#include "xlat.h"

static uint8_t scratch[XLAT_SCRATCH_SIZE];
static uint8_t buf[XLAT_HEADROOM + 65536 + XLAT_TAILROOM];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xlat_conf conf;
	static int ready;
	static const struct tp_conf siit = {
		.pool6 = "2001:db8:64::/96", .eam6 = "2001:db8:1::/120", .eam4 = "192.0.2.0/24",
		.own4 = "192.0.0.1", .own6 = "2001:db8:ffff::1", .mtu4 = 1400, .mtu6 = 1280,
	};
	struct stats st;
	struct xlat_ctx ctx = tp_ctx(&conf, &st, scratch, 1);
	struct xlat_out out;

	if (!ready) {
		tp_conf_init(&conf, &siit);
		ready = 1;
	}
	if (size > 65536)
		return 0;
	memcpy(buf + XLAT_HEADROOM, data, size);
	xlat_packet(&ctx, buf + XLAT_HEADROOM, (uint32_t)size, &out);
	return 0;
}
