/*
 * Mode nat64's half of a worker's packet path: reassembly in front of the RFC 6146 tables (RFC 6146 §3.4),
 * then the tables of the worker that holds the packet's state.
 *
 * Each worker owns a slice of pool4 and the IPv6 flows that hash to it (nat64_owner()). The kernel's
 * eBPF steering (tun_steer.c) puts nearly every packet on its owner's queue, but correctness does not
 * depend on it: a packet that arrives elsewhere is handled on its owner's tables, by the worker that read
 * it, and written to that worker's own queue (any queue will do, the kernel routes what is written).
 * That happens for every packet the kernel puts elsewhere when it cannot steer (no eBPF), for a datagram
 * reassembled from fragments (steered by addresses and Identification, owned by its ports), for an IPv6
 * packet with extension headers (steered by its source address alone), for the IPv4 side of a static
 * binding (steered by its port, owned by the worker of its IPv6 side), and around a reload that changes
 * static bindings. Each counts as NAT64_FOREIGN.
 *
 * Locking: the worker holds its own lock for the whole batch (worker.h). For a foreign packet it lets go
 * of it, takes the owner's, translates, lets go and takes its own again: it never holds two locks, so
 * workers handing packets to each other cannot deadlock, and the owner's tables are only ever used under
 * the owner's lock. Everything else the translation touches is the reader's own: counters, scratch area,
 * random state, reassembly buffer, output list.
 */
#include "worker.h"

static enum xlat_verdict foreign(struct worker *w, unsigned owner, uint8_t *pkt, uint32_t len)
{
	struct worker *o = w->sh->peers[owner];
	struct nat64_ctx ctx = { .xlat = w->nat.xlat, .db = o->nat.db };
	enum xlat_verdict v;

	w->stats.c[STAT_NAT64_FOREIGN]++;
	pthread_mutex_unlock(&w->lock);
	pthread_mutex_lock(&o->lock);
	/* The owner's settings: a reload frees the old ones only after taking every worker's lock, so the
	 * ones read here stay valid while this lock is held, which ours (taken before) would not promise. */
	ctx.xlat.conf = o->nat.xlat.conf;
	ctx.xlat.now = worker_now();
	v = nat64_packet(&ctx, pkt, len, &w->out);
	pthread_mutex_unlock(&o->lock);
	pthread_mutex_lock(&w->lock);
	w->nat.xlat.rng = ctx.xlat.rng;
	return v;
}

static unsigned run(struct worker *w, uint8_t *pkt, uint32_t len)
{
	unsigned owner = nat64_owner(w->nat.db, pkt, len);
	enum xlat_verdict v;

	if (owner == w->id)
		v = nat64_packet(&w->nat, pkt, len, &w->out);
	else
		v = foreign(w, owner, pkt, len);
	return v == XLAT_EMIT ? w->out.n : 0;
}

unsigned worker_nat64(struct worker *w, struct worker_buf *b, uint32_t len)
{
	unsigned n;
	uint8_t *whole;
	uint32_t whole_len;

	/* RFC 6146 §3.4: a binding needs the ports of the whole datagram. A fragment never keeps a partial
	 * checksum (vnet_rx()), and the reassembled datagram is translated in the defrag buffer with its
	 * checksum whole, so its translation leaves without offload (out_hdr()). Every datagram sets
	 * csum_partial afresh (foreign() copies it with the context): a stale one would leave the port
	 * change out of a whole checksum. */
	switch (defrag_packet(w->defrag, b->tb.pkt, len, w->nat.xlat.now, &w->stats, &whole, &whole_len)) {
	case DEFRAG_PASS:
		break;
	case DEFRAG_DONE:
		vnet_restore(&b->vnet);
		w->nat.xlat.csum_partial = false;
		return run(w, whole, whole_len);
	default:	/* held or dropped, and counted */
		vnet_restore(&b->vnet);
		return 0;
	}
	w->nat.xlat.csum_partial = b->vnet.csum != NULL;
	n = run(w, b->tb.pkt, len);
	vnet_restore(&b->vnet);
	return n;
}
