/* Values of the general kinds (numbers, booleans, names, paths, addresses, prefixes) as conf_keys[] rows
 * parse and print them, and the row helpers the other conf_*.c files share. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_internal.h"

/* Where the next value goes: the field, or the next free element of a list (NULL when it is full). */
void *conf_slot(const struct conf_key *k, const struct conf *c)
{
	unsigned n;

	if (!k->cap)
		return conf_at(c, k->off);
	n = *(unsigned *)conf_at(c, k->has);
	return n < k->cap ? conf_at(c, k->off + n * k->size) : NULL;
}

void *conf_take_slot(const struct conf_key *k, struct conf *c, struct parser *p)
{
	void *dst = conf_slot(k, c);

	if (!dst)
		conf_fail(p, "%s: too many %s lines (at most %u)", k->name, k->name, k->cap);
	return dst;
}

void conf_mark_set(const struct conf_key *k, struct conf *c)
{
	if (k->cap)
		(*(unsigned *)conf_at(c, k->has))++;
	else if (k->has)
		*(bool *)conf_at(c, k->has) = true;
}

/* How many values to print: list length, or 0/1 for an optional key. */
unsigned conf_count(const struct conf_key *k, const struct conf *c)
{
	if (k->cap)
		return *(unsigned *)conf_at(c, k->has);
	return !k->has || *(bool *)conf_at(c, k->has);
}

/* Keys with no value still appear, as a comment, so `xlat64 check` shows every key. */
void conf_print_unset(const struct conf_key *k, FILE *f)
{
	fprintf(f, "# %s (%s)\n", k->name, k->cap ? "none" : "not set");
}

/* Plain decimal, no sign, no overflow: strtoul would take "-1" and " 5". */
bool conf_parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

bool conf_parse_ifname(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	size_t n = strlen(v[0]);
	char *dst = conf_take_slot(k, c, p);

	if (!dst)
		return false;
	/* Linux dev_valid_name(): no '/', ':' or space, not "." or ".."; we allow a safe subset. */
	if (n >= k->size || strspn(v[0], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != n ||
	    !strcmp(v[0], ".") || !strcmp(v[0], ".."))
		return conf_bad(p, k, "invalid interface name");
	memcpy(dst, v[0], n + 1);
	conf_mark_set(k, c);
	return true;
}

bool conf_parse_path(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	size_t n = strlen(v[0]);

	/* sun_path is 108 bytes including the terminator. */
	if (v[0][0] != '/' || n >= k->size)
		return conf_bad(p, k, "invalid path");
	memcpy(conf_at(c, k->off), v[0], n + 1);
	return true;
}

void conf_print_string(const struct conf_key *k, const struct conf *c, FILE *f)
{
	unsigned n = conf_count(k, c);

	if (!n)
		conf_print_unset(k, f);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s %s\n", k->name, (const char *)conf_at(c, k->off + i * k->size));
}

bool conf_parse_uint(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	uint32_t n;

	if (!conf_parse_u32(v[0], k->max, &n) || n < k->min)
		return conf_bad(p, k, "invalid number");
	if (k->size == sizeof(uint8_t))
		*(uint8_t *)conf_at(c, k->off) = (uint8_t)n;
	else
		*(uint32_t *)conf_at(c, k->off) = n;
	conf_mark_set(k, c);
	return true;
}

void conf_print_uint(const struct conf_key *k, const struct conf *c, FILE *f)
{
	const void *v = conf_at(c, k->off);

	if (!conf_count(k, c))
		conf_print_unset(k, f);
	else
		fprintf(f, "%s %u\n", k->name, k->size == sizeof(uint8_t) ? *(const uint8_t *)v : *(const uint32_t *)v);
}

bool conf_parse_bool(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	const char *const yes[] = { "yes", "on", "true" }, *const no[] = { "no", "off", "false" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(v[0], yes[i]) || !strcasecmp(v[0], no[i])) {
			*(bool *)conf_at(c, k->off) = !strcasecmp(v[0], yes[i]);
			return true;
		}
	}
	return conf_bad(p, k, "not a boolean");
}

void conf_print_bool(const struct conf_key *k, const struct conf *c, FILE *f)
{
	fprintf(f, "%s %s\n", k->name, *(const bool *)conf_at(c, k->off) ? "yes" : "no");
}

bool conf_parse_addr(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	void *dst = conf_take_slot(k, c, p);

	if (!dst)
		return false;
	if (inet_pton(k->af, v[0], dst) != 1)
		return conf_bad(p, k, "not an IPv%c address", k->af == AF_INET ? '4' : '6');
	conf_mark_set(k, c);
	return true;
}

void conf_print_addr(const struct conf_key *k, const struct conf *c, FILE *f)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned n = conf_count(k, c);

	if (!n)
		conf_print_unset(k, f);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s %s\n", k->name, inet_ntop(k->af, conf_at(c, k->off + i * k->size), buf, sizeof(buf)));
}

bool conf_parse_prefix(const struct conf_key *k, struct conf *c, char **v, struct parser *p)
{
	void *dst = conf_take_slot(k, c, p);
	const char *why = "invalid prefix";
	bool ok;

	if (!dst)
		return false;
	ok = k->af == AF_INET ? prefix4_parse(v[0], dst, &why) : prefix6_parse(v[0], dst, &why);
	if (!ok)
		return conf_bad(p, k, "%s", why);
	conf_mark_set(k, c);
	return true;
}

void conf_print_prefix(const struct conf_key *k, const struct conf *c, FILE *f)
{
	char buf[INET6_ADDRSTRLEN + 4];
	unsigned n = conf_count(k, c);

	if (!n)
		conf_print_unset(k, f);
	for (unsigned i = 0; i < n; i++) {
		const void *v = conf_at(c, k->off + i * k->size);

		fprintf(f, "%s %s\n", k->name,
			k->af == AF_INET ? prefix4_fmt(v, buf, sizeof(buf)) : prefix6_fmt(v, buf, sizeof(buf)));
	}
}
