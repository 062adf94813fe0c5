/* The daemon's configuration file: parse (errors as "file:line: message"), validate, print. */
#ifndef XLAT64_CONF_H
#define XLAT64_CONF_H

#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>

#include "xlat.h"

#define CONF_ROUTES_MAX 64
#define CONF_DEFAULT_PATH "/etc/xlat64.conf"
#define CONF_DEFAULT_SOCKET "/run/xlat64.sock"

enum conf_mode { CONF_MODE_SIIT };

struct conf {
	enum conf_mode mode;
	char device[IFNAMSIZ];		/* TUN name, default "xlat64" */
	unsigned queues;		/* TUN queues = worker threads; 0 = one per online CPU */
	uint32_t tun_mtu;		/* default 1500 */
	char socket[108];		/* control socket path */
	struct xlat_conf xlat;		/* pool6, EAMT, RFC 6791 pools, own4/own6, MTU settings, ... */
	/* Extra prefixes routed into the TUN besides pool6 (which always is): the IPv4 prefixes that stand
	 * for IPv6-side hosts (EAMT or pool6 mapped) and any IPv6 prefixes of EAMT entries that stand for
	 * IPv4-side hosts. */
	unsigned n_route4, n_route6;
	struct prefix4 route4[CONF_ROUTES_MAX];
	struct prefix6 route6[CONF_ROUTES_MAX];
};

/* Defaults: mode siit, device xlat64, queues 0, tun_mtu 1500, socket CONF_DEFAULT_SOCKET, xlat defaults. */
void conf_defaults(struct conf *c);
/* Parse text (named `name` in messages). On error writes "name:line: message" into err and returns false;
 * the whole file is validated (e.g. pool6 per RFC 6052, 64:ff9b::/96 rules) before success. */
bool conf_parse(const char *name, const char *text, struct conf *c, char *err, size_t errlen);
/* Read and parse a file; I/O errors are reported as "path: strerror". */
bool conf_load(const char *path, struct conf *c, char *err, size_t errlen);
/* Print the effective configuration in the file's own syntax (every key, defaults included), so that
 * conf_parse(conf_print(c)) yields c again. */
void conf_print(FILE *f, const struct conf *c);

#endif
