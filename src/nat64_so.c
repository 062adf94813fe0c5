/*
 * The IPv4 SYNs kept for TCP simultaneous open (RFC 6146 §3.5.2.2, CLOSED state): an IPv4 SYN for which
 * there is no binding (or that filtering refuses) is held for TCP_INCOMING_SYN (6 s). If the IPv6 host
 * sends its own SYN toward the same peer meanwhile, the held packet is dropped quietly and the IPv6 SYN's
 * binding takes the transport address the IPv4 SYN was sent to; otherwise nat64_tick() answers the IPv4
 * host with an ICMP port unreachable. The store is small (Jool's default is 10), so a linear scan is fine.
 */
#include <stdlib.h>
#include <string.h>

#include "nat64_db.h"

bool nat64_so_resize(struct nat64 *db, uint32_t n)
{
	struct nat64_syn4 *s;
	unsigned used = 0;

	if (n == db->conf.max_syn4 && (db->syn4 || !n))
		return true;
	s = n ? calloc(n, sizeof(*s)) : NULL;
	if (n && !s)
		return false;
	for (uint32_t i = 0; i < db->conf.max_syn4; i++)
		if (db->syn4[i].used && used < n)
			s[used++] = db->syn4[i];
	free(db->syn4);
	db->syn4 = s;
	db->nsyn4 = used;
	return true;
}

enum stat_id nat64_so_store(struct nat64 *db, uint32_t now, struct in_addr r4, uint16_t rport,
			    struct in_addr l4, uint16_t lport, const uint8_t *pkt, uint32_t len, bool v6)
{
	struct nat64_syn4 *slot = NULL;

	for (uint32_t i = 0; i < db->conf.max_syn4; i++) {
		struct nat64_syn4 *s = &db->syn4[i];

		if (!s->used) {
			if (!slot)
				slot = s;
		} else if (s->r4.s_addr == r4.s_addr && s->rport == rport && s->l4.s_addr == l4.s_addr &&
			   s->lport == lport) {
			return STAT_DROP_NAT64_SO_EXISTS;	/* a retransmission: the first one's timer runs */
		}
	}
	if (!slot)
		return STAT_DROP_NAT64_SO_FULL;
	slot->used = true;
	slot->v6 = v6;
	slot->expires = now + db->conf.tcp_syn4_timeout;
	slot->r4 = r4;
	slot->rport = rport;
	slot->l4 = l4;
	slot->lport = lport;
	slot->len = (uint16_t)(len < NAT64_SYN4_KEEP ? len : NAT64_SYN4_KEEP);
	memcpy(slot->pkt, pkt, slot->len);
	db->nsyn4++;
	return 0;
}

bool nat64_so_take(struct nat64 *db, struct in_addr r4, uint16_t rport, const struct in_addr *l4,
		   uint16_t lport, struct in_addr *l4_out, uint16_t *lport_out)
{
	if (!db->nsyn4)
		return false;
	for (uint32_t i = 0; i < db->conf.max_syn4; i++) {
		struct nat64_syn4 *s = &db->syn4[i];

		if (!s->used || s->r4.s_addr != r4.s_addr || s->rport != rport)
			continue;
		if (l4 && (s->l4.s_addr != l4->s_addr || s->lport != lport))
			continue;
		if (l4_out)
			*l4_out = s->l4;
		if (lport_out)
			*lport_out = s->lport;
		s->used = false;
		db->nsyn4--;
		return true;
	}
	return false;
}
