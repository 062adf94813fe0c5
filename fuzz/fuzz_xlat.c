/* libFuzzer entry for the translation core: any bytes, as an IPv4 or IPv6 datagram. Build: make fuzz */
#include <arpa/inet.h>
#include <string.h>

#include "xlat.h"

static uint8_t scratch[XLAT_SCRATCH_SIZE];
static uint8_t buf[XLAT_HEADROOM + 65536 + XLAT_TAILROOM];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xlat_conf conf;
	static int ready;
	struct stats st = { 0 };
	struct xlat_ctx ctx = { .conf = &conf, .stats = &st, .rng = 1, .scratch = scratch };
	struct xlat_out out;

	if (!ready) {
		const char *why;
		struct prefix4 p4;
		struct prefix6 p6;

		xlat_conf_defaults(&conf);
		conf.has_pool6 = true;
		prefix6_parse("2001:db8:64::/96", &conf.pool6, &why);
		prefix4_parse("192.0.2.0/24", &p4, &why);
		prefix6_parse("2001:db8:1::/120", &p6, &why);
		eamt_add(&conf.eamt, &p6, &p4, &why);
		conf.has_own4 = conf.has_own6 = true;
		inet_pton(AF_INET, "192.0.0.1", &conf.own4);
		inet_pton(AF_INET6, "2001:db8:ffff::1", &conf.own6);
		conf.mtu4 = 1400;
		conf.mtu6 = 1280;
		ready = 1;
	}
	if (size > 65536)
		return 0;
	memcpy(buf + XLAT_HEADROOM, data, size);
	xlat_packet(&ctx, buf + XLAT_HEADROOM, (uint32_t)size, &out);
	return 0;
}
