/*
 * What the two halves of the configuration parser share: conf.c (the line reader, the key table, the
 * general and SIIT keys) and conf_nat64.c (the mode nat64 keys and their whole-file checks).
 */
#ifndef XLAT64_CONF_INTERNAL_H
#define XLAT64_CONF_INTERNAL_H

#include "conf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct parser {
	const char *name;
	unsigned line;		/* the line being read; for whole-file errors, the line they blame (0: none) */
	char *err;
	size_t errlen;
	/* Where each pool4 row and BIB entry came from, so that a later conflict can name the earlier line. */
	unsigned pool4_line[CONF_POOL4_MAX];
	unsigned bib_line[CONF_BIB_MAX];
};

struct conf_key;
/* v holds the key's values, NULL-terminated. */
typedef bool conf_parse_fn(const struct conf_key *k, struct conf *c, char **v, struct parser *p);
typedef void conf_print_fn(const struct conf_key *k, const struct conf *c, FILE *f);

struct conf_key {
	const char *name;
	conf_parse_fn *parse;
	conf_print_fn *print;
	const char *expect;	/* what the value looks like; numbers get " from MIN to MAX" appended */
	unsigned values;	/* how many values follow the key */
	unsigned opt;		/* how many more may follow */
	size_t off, size;	/* the value inside struct conf (for lists: the array and one element) */
	size_t has;		/* its "is set" bool, or for repeatable keys its unsigned count; 0 = always set */
	unsigned cap;		/* repeatable keys: capacity; 0 = the key may appear only once */
	uint32_t min, max;	/* numbers and durations: the accepted range */
	int af;			/* addresses and prefixes: AF_INET or AF_INET6 */
	unsigned only;		/* the modes (bit 1 << enum conf_mode) the key belongs to; 0 = every mode */
};

/* The value a key row points at (printers only read through it). */
static inline void *conf_at(const struct conf *c, size_t off)
{
	return (char *)c + off;
}

/* "name:line: message"; returns false. */
__attribute__((format(printf, 2, 3)))
bool conf_fail(struct parser *p, const char *fmt, ...);
/* "name:line: key: message (expected ...)"; returns false. */
__attribute__((format(printf, 3, 4)))
bool conf_bad(struct parser *p, const struct conf_key *k, const char *fmt, ...);
/* Plain decimal, no sign, at most max. */
bool conf_parse_u32(const char *s, uint32_t max, uint32_t *out);

/* conf_value.c: the row helpers (a key's value in c, marking it set, the count of a repeatable key, the
 * comment a printer writes for an unset key) and the parsers and printers of the general value kinds. */
void *conf_slot(const struct conf_key *k, const struct conf *c);
void conf_mark_set(const struct conf_key *k, struct conf *c);
/* conf_slot(), or NULL after reporting "too many KEY lines". */
void *conf_take_slot(const struct conf_key *k, struct conf *c, struct parser *p);
unsigned conf_count(const struct conf_key *k, const struct conf *c);
void conf_print_unset(const struct conf_key *k, FILE *f);
conf_parse_fn conf_parse_ifname, conf_parse_path, conf_parse_uint, conf_parse_bool, conf_parse_addr, conf_parse_prefix;
conf_print_fn conf_print_string, conf_print_uint, conf_print_bool, conf_print_addr, conf_print_prefix;

/* Mode nat64 keys (conf_nat64.c). Durations are milliseconds in a uint32_t field. */
conf_parse_fn conf_parse_duration, conf_parse_pool4, conf_parse_bib;
conf_print_fn conf_print_duration, conf_print_pool4, conf_print_bib;
/* "1h30m" and the like, for "expected" messages; buf of at least CONF_DURATION_LEN bytes. */
#define CONF_DURATION_LEN 32
char *conf_duration_fmt(uint32_t ms, char *buf, size_t n);
/* The whole-file part of mode nat64, after the last line: pool6 present, the default pool4 (and with it
 * masquerade, unless the file set it), every BIB entry inside pool4, nat64_conf_valid(). */
bool conf_nat64_finish(struct parser *p, struct conf *c, bool masquerade_set);

/* DNS64 keys (conf_dns64.c). */
conf_parse_fn conf_parse_hostport, conf_parse_net;
conf_print_fn conf_print_hostport, conf_print_net, conf_print_exclude;
/* dns64-cache-size and dns64-timeout defaults, for conf_defaults(). */
void conf_dns64_defaults(struct conf *c);
/* The whole-file part: dns64-listen needs pool6. */
bool conf_dns64_finish(struct parser *p, const struct conf *c);

/* PREF64 keys (conf_pref64.c). */
conf_parse_fn conf_parse_ifname_list, conf_parse_addr6_list;
/* pref64-lifetime and pref64-interval defaults, for conf_defaults(). */
void conf_pref64_defaults(struct conf *c);
/* The whole-file part: pref64-interface needs pool6. */
bool conf_pref64_finish(struct parser *p, const struct conf *c);

/* CLAT keys (conf_clat.c). */
conf_parse_fn conf_parse_clat_route;
conf_print_fn conf_print_clat_route, conf_print_clat_if;
/* clat-address4's default, for conf_defaults(). */
void conf_clat_defaults(struct conf *c);
/* The whole-file part of mode clat: clat-address4 inside 192.0.0.0/29, no route6 (nothing IPv6 is routed
 * into the CLAT's TUN but its own address), clat-address6 a unicast address; address4 defaults to
 * clat_own4(). */
bool conf_clat_finish(struct parser *p, struct conf *c);

#endif
