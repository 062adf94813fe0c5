/* The ports' share of a partial checksum that rode through NAT64 (vnet_ports.h). */
#include <string.h>

#include "csum.h"
#include "vnet_ports.h"

void vnet_ports_save(const struct vnet_rx *v, struct vnet_ports *p)
{
	if (v->csum)
		memcpy(p->was, v->l4, sizeof(p->was));
}

void vnet_ports_fix(const struct vnet_rx *v, const struct vnet_ports *p)
{
	const uint8_t *now = v->l4;
	uint32_t sum;

	if (!v->csum)
		return;
	/* One's complement: field + was - now, where -x is ~x. 0 and 0xffff are the same sum for the
	 * kernel, which adds the field into the segment's sum. */
	sum = (uint32_t)(v->csum[0] << 8 | v->csum[1]);
	for (int i = 0; i < 4; i += 2)
		sum += (uint32_t)(p->was[i] << 8 | p->was[i + 1]) + (uint16_t)~(now[i] << 8 | now[i + 1]);
	sum = csum_fold(sum);
	v->csum[0] = (uint8_t)(sum >> 8);
	v->csum[1] = (uint8_t)sum;
}
