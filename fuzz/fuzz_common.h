/*
 * What the translation fuzzers share: one SIIT configuration, set up on the first input and kept (parsing
 * it again per input would only slow the fuzzer), and the buffer a datagram is translated in, with the
 * core's headroom and tailroom around the largest datagram.
 */
#ifndef XLAT64_FUZZ_COMMON_H
#define XLAT64_FUZZ_COMMON_H

#include "testpkt.h"
#include "xlat.h"

#define FZ_MAX 65536

static uint8_t fz_buf[XLAT_HEADROOM + FZ_MAX + XLAT_TAILROOM];
static uint8_t *const fz_pkt = fz_buf + XLAT_HEADROOM;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A context over the shared SIIT configuration (pool6, one EAMT entry, own addresses), with st zeroed. */
static inline struct xlat_ctx fz_ctx(struct stats *st)
{
	static uint8_t scratch[XLAT_SCRATCH_SIZE];
	static struct xlat_conf conf;
	static int ready;
	static const struct tp_conf siit = {
		.pool6 = "2001:db8:64::/96", .eam6 = "2001:db8:1::/120", .eam4 = "192.0.2.0/24",
		.own4 = "192.0.0.1", .own6 = "2001:db8:ffff::1", .mtu4 = 1400, .mtu6 = 1280,
	};

	if (!ready) {
		tp_conf_init(&conf, &siit);
		ready = 1;
	}
	return tp_ctx(&conf, st, scratch, 1);
}

#endif
