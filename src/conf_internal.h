/*
 * What the two halves of the configuration parser share: conf.c (the line reader, the key table, the
 * general and SIIT keys) and conf_nat64.c (the mode nat64 keys and their whole-file checks).
 */
#ifndef XLAT64_CONF_INTERNAL_H
#define XLAT64_CONF_INTERNAL_H

#include "conf.h"

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

/* Mode nat64 keys (conf_nat64.c). Durations are milliseconds in a uint32_t field. */
conf_parse_fn conf_parse_duration, conf_parse_pool4, conf_parse_bib;
conf_print_fn conf_print_duration, conf_print_pool4, conf_print_bib;
/* "1h30m" and the like, for "expected" messages; buf of at least CONF_DURATION_LEN bytes. */
#define CONF_DURATION_LEN 32
char *conf_duration_fmt(uint32_t ms, char *buf, size_t n);
/* The whole-file part of mode nat64, after the last line: pool6 present, the default pool4 (and with it
 * masquerade, unless the file set it), every BIB entry inside pool4, nat64_conf_valid(). */
bool conf_nat64_finish(struct parser *p, struct conf *c, bool masquerade_set);

#endif
