/* The translator daemon: TUN queues, one worker thread per queue, signal handling. */
#ifndef XLAT64_DAEMON_H
#define XLAT64_DAEMON_H

#include "conf.h"

/* Run in the foreground until SIGTERM or SIGINT. Returns the process exit status: 0 after a clean stop,
 * 1 when setting up failed or a worker lost its queue. Logs to stderr. */
int daemon_run(const struct conf *c);

#endif
