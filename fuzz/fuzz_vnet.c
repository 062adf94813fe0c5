/* libFuzzer entry for the virtio-net header path of a worker: any bytes, the first ten as the header read
 * with the datagram (vnet_rx()), the rest as the datagram; what is translated gets its output header
 * (vnet_tx()), and an in-place UDP translation is coalesced with a copy of itself (gro.c), as two
 * datagrams of one flow in a batch would be. Super-packets vnet_rx() leaves to software segmentation are
 * fuzz_gso_soft's. Build: make fuzz */
#include <string.h>

#include "fuzz_common.h"
#include "gro.h"
#include "vnet.h"

static uint8_t fz_twin[XLAT_HEADROOM + FZ_MAX + XLAT_TAILROOM];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stats st;
	struct xlat_ctx ctx = fz_ctx(&st);
	struct xlat_out out;
	struct vnet_rx v;
	uint32_t len;

	if (size < sizeof(v.hdr) || size - sizeof(v.hdr) > FZ_MAX)
		return 0;
	memcpy(&v.hdr, data, sizeof(v.hdr));
	len = (uint32_t)(size - sizeof(v.hdr));
	memcpy(fz_pkt, data + sizeof(v.hdr), len);
	if (vnet_rx(&v, fz_pkt, len, &ctx.gso_size))
		return 0;
	if (xlat_packet(&ctx, fz_pkt, len, &out) != XLAT_EMIT) {
		vnet_restore(&v);
		return 0;
	}
	vnet_restore(&v);
	for (unsigned i = 0; i < out.n; i++) {
		const struct xlat_pkt *p = &out.pkt[i];
		bool in_place = p->data >= fz_buf && p->data < fz_buf + sizeof(fz_buf);
		struct virtio_net_hdr h, th;
		struct xlat_pkt twin;
		struct gro g;

		if (!vnet_tx(&v, p, in_place, &h) || !in_place || !gro_start(&g, p, &h))
			continue;
		twin = (struct xlat_pkt){ fz_twin + XLAT_HEADROOM, p->len };
		memcpy(twin.data, p->data, p->len);
		th = h;
		if (gro_join(&g, &twin, &th))
			gro_finish(&g, &h);
	}
	return 0;
}
