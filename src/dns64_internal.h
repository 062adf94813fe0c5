/* Shared by the DNS64 engine's files (dns64.c, dns64_cache.c, dns64_synth.c, dns64_local.c). */
#ifndef XLAT64_DNS64_INTERNAL_H
#define XLAT64_DNS64_INTERNAL_H

#include <ldns/ldns.h>

#include "dns64.h"
#include "stats.h"

/* TTL of locally made records: ipv4only.arpa (as BIND's built-in zones) and the §5.3.1 CNAME. */
#define DNS64_TTL_LOCAL 3600
#define DNS64_TTL_PTR_CNAME 600
/* Cached answers live at most a day whatever their TTLs say (as Unbound's cache-max-ttl). */
#define DNS64_CACHE_TTL_MAX 86400
/* Cache key: lower-case QNAME (<= 255) + QTYPE + QCLASS + flags. */
#define DNS64_KEY_MAX (255 + 5)
#define DNS64_KEY_CD 0x01
#define DNS64_KEY_DO 0x02

/* What the reply needs from the client's query. */
struct dns64_client {
	uint16_t id;
	uint16_t qtype, qclass;
	bool rd, cd, ad, edns, dnssec_ok;
	bool badvers;			/* EDNS version > 0: the reply is BADVERS (RFC 6891 §6.1.3) */
	uint8_t qname_len;		/* wire length, the root label included */
	uint8_t qname[255];		/* wire, uncompressed, the client's letter case */
	size_t max;			/* largest reply the client takes (>= 512) */
};

/* A reply on its way out: the message (no OPT, TC clear) and the offsets of its TTL fields. */
struct dns64_wire {
	const uint8_t *msg;
	size_t len;
	const uint16_t *ttl_off;
	unsigned n_ttl;
};

/* dns64_cache.c: bounded LRU of final answers, keyed by question + CD/DO. */
struct dns64_cache;
struct dns64_cache *dns64_cache_new(uint32_t max);
void dns64_cache_free(struct dns64_cache *c);
unsigned dns64_cache_size(const struct dns64_cache *c);
size_t dns64_cache_key(const struct dns64_client *cl, uint8_t key[DNS64_KEY_MAX]);
/* A fresh entry: *w points into the cache (valid until the next put), *age_s = seconds since stored. */
bool dns64_cache_get(struct dns64_cache *c, const uint8_t *key, size_t klen, uint64_t now,
		     struct dns64_wire *w, uint32_t *age_s);
/* Stores w for lifetime_s seconds (replacing an older entry for the key); returns the number of
 * entries evicted to make room. */
unsigned dns64_cache_put(struct dns64_cache *c, const uint8_t *key, size_t klen, const struct dns64_wire *w,
			 uint32_t lifetime_s, uint64_t now);

/* dns64_wire.c */
/* Offsets of the TTL field of every RR of msg (our own ldns output); false if msg does not walk. */
bool dns64_wire_ttls(const uint8_t *msg, size_t len, uint16_t *off, unsigned max, unsigned *n);
/* The SOA of p's authority section (RFC 2308 §3: what makes an answer negative), or NULL. */
const ldns_rr *dns64_soa(const ldns_pkt *p);
/* RFC 2308 §5: the negative TTL of an answer, min(SOA TTL, SOA MINIMUM); false without an SOA. */
bool dns64_negative_ttl(const ldns_pkt *p, uint32_t *ttl);
/* How long a reply may be cached (RFC 2308 for negative ones), 0 = not at all. */
uint32_t dns64_wire_lifetime(const ldns_pkt *p);
/* The reply for cl into out (DNS64_MSG_MAX + 64 bytes): w's header and question patched with the
 * client's ID, RD, CD, AD rules and letter case, TTLs lowered by age_s, the client's EDNS0 OPT
 * appended, and TC=1 with empty sections when it does not fit cl->max (RFC 1035 §4.2.1, RFC 6891 §7).
 * Returns the length; *truncated says whether TC was set. */
size_t dns64_wire_emit(uint8_t *out, const struct dns64_wire *w, uint32_t age_s, const struct dns64_client *cl,
		       bool *truncated);

/* dns64_synth.c */
/* A record with one data field, class IN: owner is copied, rd taken (freed on failure too); NULL out of
 * memory, also when rd is NULL. */
ldns_rr *dns64_rr_new(ldns_rr_type type, const ldns_rdf *owner, uint32_t ttl, ldns_rdf *rd);
bool dns64_excluded(const struct dns64_conf *c, const struct in6_addr *a);
/* Whether rr is an RRSIG over type t. */
bool dns64_rrsig_covers(const ldns_rr *rr, ldns_rr_type t);
/* Follows the CNAME/DNAME chain of answer from name (RFC 6147 §5.1.5); a new rdf, the last name. */
ldns_rdf *dns64_chain_end(const ldns_rr_list *answer, const ldns_rdf *name);
/* RFC 6147 §5.1.7: the answer section of the A answer with each A RR replaced by its synthetic AAAA
 * (TTL capped at ttl_cap). Sets *n_synth and *n_nonglobal (A RRs left out by RFC 6052 §3.1). */
ldns_rr_list *dns64_synth_answer(const struct dns64_conf *c, const ldns_rr_list *a_answer, uint32_t ttl_cap,
				 unsigned *n_synth, unsigned *n_nonglobal);
/* The in-addr.arpa name of v4 (RFC 1035 §3.5); NULL out of memory. */
ldns_rdf *dns64_inaddr_name(struct in_addr v4);
/* RFC 6147 §5.3.1: if name is an ip6.arpa name of an address inside the prefix, the in-addr.arpa
 * name to CNAME it to (else NULL). */
ldns_rdf *dns64_ptr_target(const struct dns64_conf *c, const ldns_rdf *name);
/* The §5.3.1 option (b) CNAME from name to target (TTL DNS64_TTL_PTR_CNAME); NULL out of memory. */
ldns_rr *dns64_ptr_cname(const ldns_rdf *name, const ldns_rdf *target);

/* dns64_local.c: the RFC 8880 §7 names, made once per engine: ipv4only.arpa, then the in-addr.arpa names
 * of its two addresses (RFC 7050 §2.2), and ipv4only.arpa's A records. */
#define DNS64_LOCAL_ZONES 3
struct dns64_local {
	ldns_rdf *apex[DNS64_LOCAL_ZONES];
	ldns_rr_list *wka;
};
/* False out of memory (what was made is freed). */
bool dns64_local_init(struct dns64_local *l);
void dns64_local_free(struct dns64_local *l);
/* The reply (to be freed) when qname is a local name, else NULL. ptr: dns64_ptr_target() of the query,
 * NULL when there is none or the query is no PTR/IN with CD=0. */
ldns_pkt *dns64_local_answer(const struct dns64_conf *c, const struct dns64_local *l, const struct dns64_client *cl,
			     const ldns_rdf *qname, const ldns_rdf *ptr);
/* A reply skeleton for cl: header flags and the question, no records. */
ldns_pkt *dns64_reply_new(const struct dns64_client *cl, ldns_pkt_rcode rcode);

#endif
