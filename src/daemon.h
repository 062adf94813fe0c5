/* The daemon: TUN queues, one worker thread per queue, the services beside them, signals, reload. */
#ifndef XLAT64_DAEMON_H
#define XLAT64_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

struct daemon;

/* Run c (read from path) in the foreground until SIGTERM or SIGINT; SIGHUP (or `xlat64 reload`) reads
 * path again. Returns the process exit status: 0 after a clean stop, 1 when setting up failed or a worker
 * lost its queue. Logs to stderr. */
int daemon_run(const char *path, const struct conf *c);

/*
 * Read the configuration file again and apply it without losing state: the translator settings, the
 * routes of pool6/route4/route6, mode nat64's timeouts, limits, switches and static BIB entries, and the
 * services. Settings that need a restart (mode, device, queues, mtu, socket, address4/6, in mode nat64
 * pool6, pool4 and masquerade, in mode clat route4 and the clat-* keys) refuse the whole reload. False with "file:line: message" or the reason in
 * err; the old configuration then stays in effect. Safe from any thread but a worker's.
 */
bool daemon_reload(struct daemon *d, char *err, size_t errlen);

#endif
