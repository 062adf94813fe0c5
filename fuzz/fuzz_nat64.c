/* libFuzzer entry for the stateful NAT64 path as a worker runs it: reassembly (defrag.c), then the RFC 6146
 * tables (nat64_packet()), which persist from one input to the next so that later inputs meet the
 * bindings, sessions and held fragments earlier ones made. The first byte of an input moves the clock
 * (its low 7 bits, in 100 ms steps; the top bit also runs the timers, nat64_tick()), the rest is the
 * datagram, IPv4 or IPv6. Build: make fuzz */
#include <string.h>

#include "defrag.h"
#include "fuzz_common.h"
#include "nat64.h"

static struct nat64_ctx *fz_nat64(struct stats *st)
{
	static uint8_t scratch[XLAT_SCRATCH_SIZE];
	static const uint8_t secret[16] = "nat64 fuzz";
	static struct xlat_conf xc;
	static struct nat64_conf nc;
	static struct nat64_ctx ctx;
	static const struct tp_conf nat = { .pool6 = "64:ff9b::/96", .own4 = "192.0.2.2", .own6 = "2001:db8::1",
					     .mtu4 = 1500, .mtu6 = 1500, .allow_nonglobal = true };
	struct prefix4 p4;
	const char *why;

	if (ctx.db)
		return &ctx;
	tp_conf_init(&xc, &nat);
	nat64_conf_defaults(&nc);
	/* Small limits, so that the fuzzer reaches them. */
	nc.max_sessions = 256;
	nc.max_sessions_per_src = 64;
	ctx.db = nat64_new(&nc, 0, 1, secret);
	if (!ctx.db || !prefix4_parse("192.0.2.2/32", &p4, &why))
		__builtin_trap();
	for (int p = 0; p < NAT64_NPROTO; p++)
		if (!nat64_pool4_add(ctx.db, p, &p4, 1024, 1279, &why))
			__builtin_trap();
	ctx.xlat = tp_ctx(&xc, st, scratch, 1);
	return &ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stats st;
	static struct defrag *d;
	static uint64_t now;
	struct nat64_ctx *ctx = fz_nat64(&st);
	struct xlat_out out;
	uint8_t *whole;
	uint32_t len, whole_len;

	if (size < 1 || size - 1 > FZ_MAX)
		return 0;
	if (!d) {
		struct defrag_limits l;

		defrag_limits_default(&l);
		l.max_datagrams = 16;
		if (!(d = defrag_new(&l)))
			__builtin_trap();
	}
	now += (data[0] & 0x7f) * 100u;
	ctx->xlat.now = now;
	len = (uint32_t)(size - 1);
	memcpy(fz_pkt, data + 1, len);
	switch (defrag_packet(d, fz_pkt, len, now, &st, &whole, &whole_len)) {
	case DEFRAG_PASS:
		nat64_packet(ctx, fz_pkt, len, &out);
		break;
	case DEFRAG_DONE:
		nat64_packet(ctx, whole, whole_len, &out);
		break;
	default:
		break;
	}
	if (data[0] & 0x80)
		while (nat64_tick(ctx, now, &out))
			;
	return 0;
}
