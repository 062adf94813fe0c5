/* The DNS64 engine's last step: a finished reply (ldns output, stored in the cache as is) is patched
 * for each client without a new parse. Only our own ldns output is walked here; what clients and
 * upstreams send goes through ldns_wire2pkt(). */
#include <string.h>

#include "dns64_internal.h"

#define HDR 12

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

bool dns64_skip_name(const uint8_t *m, size_t len, size_t *off)
{
	size_t o = *off;

	/* 128 labels is more than a 255-byte name holds; a compression pointer ends the name here. */
	for (unsigned labels = 0; labels < 128; labels++) {
		if (o >= len)
			return false;
		if ((m[o] & 0xc0) == 0xc0) {
			if (o + 2 > len)
				return false;
			*off = o + 2;
			return true;
		}
		if (m[o] & 0xc0)
			return false;	/* 0x40 and 0x80 label types are obsolete (RFC 6891 §5) */
		if (!m[o]) {
			*off = o + 1;
			return true;
		}
		o += 1u + m[o];
	}
	return false;
}

bool dns64_wire_ttls(const uint8_t *msg, size_t len, uint16_t *off, unsigned max, unsigned *n)
{
	size_t o = HDR;
	unsigned rrs;

	*n = 0;
	if (len < HDR || len > DNS64_MSG_MAX || get16(msg + 4) != 1)
		return false;
	rrs = (unsigned)get16(msg + 6) + get16(msg + 8) + get16(msg + 10);
	if (!dns64_skip_name(msg, len, &o) || (o += 4) > len)
		return false;
	for (unsigned i = 0; i < rrs; i++) {
		if (!dns64_skip_name(msg, len, &o) || o + 10 > len || *n >= max)
			return false;
		off[(*n)++] = (uint16_t)(o + 4);
		o += 10u + get16(msg + o + 8);
		if (o > len)
			return false;
	}
	return o == len;
}

const ldns_rr *dns64_soa(const ldns_pkt *p)
{
	const ldns_rr_list *auth = ldns_pkt_authority(p);

	for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(auth, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && ldns_rr_rd_count(rr) == 7)
			return rr;
	}
	return NULL;
}

bool dns64_negative_ttl(const ldns_pkt *p, uint32_t *ttl)
{
	const ldns_rr *soa = dns64_soa(p);
	const ldns_rdf *min;

	if (!soa)
		return false;
	min = ldns_rr_rdf(soa, 6);
	*ttl = ldns_rr_ttl(soa);
	if (ldns_rdf_size(min) == 4 && ldns_rdf2native_int32(min) < *ttl)
		*ttl = ldns_rdf2native_int32(min);
	return true;
}

uint32_t dns64_wire_lifetime(const ldns_pkt *p)
{
	const ldns_rr_list *sec[3] = { ldns_pkt_answer(p), ldns_pkt_authority(p), ldns_pkt_additional(p) };
	ldns_pkt_rcode rc = ldns_pkt_get_rcode(p);
	uint32_t life = DNS64_CACHE_TTL_MAX, neg;

	if (ldns_pkt_tc(p) || (rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN))
		return 0;
	/* RFC 2308 §5: a negative answer without SOA is not cached. */
	if (rc == LDNS_RCODE_NXDOMAIN || ldns_rr_list_rr_count(sec[0]) == 0) {
		if (!dns64_negative_ttl(p, &neg))
			return 0;
		if (neg < life)
			life = neg;
	}
	for (int s = 0; s < 3; s++)
		for (size_t i = 0; i < ldns_rr_list_rr_count(sec[s]); i++)
			if (ldns_rr_ttl(ldns_rr_list_rr(sec[s], i)) < life)
				life = ldns_rr_ttl(ldns_rr_list_rr(sec[s], i));
	return life;
}

/* RFC 6891 §6.1.2-3: our OPT, with the client's DO bit echoed (RFC 3225 §3) and, for a version we
 * do not speak, the extended RCODE BADVERS (16 = 1 << 4 | 0, §6.1.3). */
static size_t put_opt(uint8_t *p, const struct dns64_client *cl)
{
	p[0] = 0;
	put16(p + 1, LDNS_RR_TYPE_OPT);
	put16(p + 3, DNS64_EDNS_SIZE);
	put32(p + 5, (cl->badvers ? 1u << 24 : 0) | (cl->dnssec_ok ? 0x8000 : 0));
	put16(p + 9, 0);
	return 11;
}

size_t dns64_wire_emit(uint8_t *out, const struct dns64_wire *w, uint32_t age_s, const struct dns64_client *cl,
		       bool *truncated)
{
	size_t qend = HDR + cl->qname_len + 4u, len = w->len, opt = cl->edns ? 11 : 0;

	*truncated = len + opt > cl->max;
	/* RFC 2181 §9: with TC the client retries over TCP and ignores the rest, so send no records. */
	memcpy(out, w->msg, *truncated ? qend : len);
	if (*truncated) {
		len = qend;
		memset(out + 6, 0, 6);
		LDNS_TC_SET(out);
	}
	put16(out, cl->id);
	LDNS_RD_CLR(out);
	if (cl->rd)
		LDNS_RD_SET(out);
	LDNS_CD_CLR(out);
	if (cl->cd)
		LDNS_CD_SET(out);
	/* RFC 6840 §5.8: AD only for a client that asked with DO or AD. */
	if (!cl->dnssec_ok && !cl->ad)
		LDNS_AD_CLR(out);
	/* The same name as the cached one but in the client's letter case (RFC 4343). */
	memcpy(out + HDR, cl->qname, cl->qname_len);
	for (unsigned i = 0; age_s && !*truncated && i < w->n_ttl; i++) {
		uint32_t ttl = get32(out + w->ttl_off[i]);
		put32(out + w->ttl_off[i], ttl > age_s ? ttl - age_s : 0);
	}
	if (opt) {
		len += put_opt(out + len, cl);
		put16(out + 10, (uint16_t)(get16(out + 10) + 1));
	}
	return len;
}

size_t dns64_wire_header_only(uint8_t *out, const uint8_t *q, size_t len, uint8_t rcode)
{
	if (len < HDR)
		return 0;
	memcpy(out, q, 4);
	/* QR set, opcode and RD kept (RFC 1035 §4.1.1), AA/TC cleared; RA, Z, AD, CD cleared. */
	out[2] = (uint8_t)((q[2] & (LDNS_OPCODE_MASK | LDNS_RD_MASK)) | LDNS_QR_MASK);
	out[3] = rcode & 0x0f;
	memset(out + 4, 0, 8);
	return HDR;
}
