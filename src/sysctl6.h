/*
 * The per-interface IPv6 sysctls, /proc/sys/net/ipv6/conf/DEV/KNOB (DEV an interface, "all" or
 * "default"), read and written as one integer: the CLAT sets some up (clat_host.c), `xlat64 discover`
 * checks accept_ra (discover_cli.c).
 */
#ifndef XLAT64_SYSCTL6_H
#define XLAT64_SYSCTL6_H

#include <stdbool.h>

/* The value, -1 when it cannot be read (no such interface or knob, not a number). */
int sysctl6_get(const char *dev, const char *knob);
/* Sets it to v; false with errno set when that fails. */
bool sysctl6_put(const char *dev, const char *knob, int v);

#endif
