/*
 * Kernel settings under /proc/sys, read and written as one integer: the per-interface IPv6 ones
 * (net/ipv6/conf/DEV/KNOB, DEV an interface, "all" or "default"), which the CLAT sets up (clat_host.c) and
 * `xlat64 discover` checks (discover_cli.c), and any other by path (the daemon's forwarding check).
 */
#ifndef XLAT64_SYSCTL_H
#define XLAT64_SYSCTL_H

#include <stdbool.h>

/* The value of the setting at path, -1 when it cannot be read (no such file, not a number). */
int sysctl_get(const char *path);
/* Sets it to v; false with errno set when that fails. */
bool sysctl_put(const char *path, int v);
/* The same for /proc/sys/net/ipv6/conf/DEV/KNOB; a name too long for a path fails (ENAMETOOLONG). */
int sysctl_get6(const char *dev, const char *knob);
bool sysctl_put6(const char *dev, const char *knob, int v);

#endif
