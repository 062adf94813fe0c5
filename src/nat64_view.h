/*
 * The stateful NAT64 tables as the control socket shows them (`xlat64 sessions`, `bib`, `pool4`): rows of
 * strings (ctl.h) made from the inspection functions of nat64.h, over every worker's instance. Columns
 * follow Jool's displays: transport addresses as address#port (an ICMP query identifier in the port's
 * place), the IPv6 host first.
 *
 * The caller makes sure no worker writes an instance while it is being read (daemon.c: the worker's lock).
 */
#ifndef XLAT64_NAT64_VIEW_H
#define XLAT64_NAT64_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl.h"
#include "nat64.h"

struct nat64_view {
	enum ctl_cmd cmd;		/* CTL_SESSIONS, CTL_BIB or CTL_POOL4 */
	const struct prefix6 *pool6;	/* for the remote side as the IPv6 host sees it */
	uint64_t now;			/* ms, the workers' clock (worker_now()) */
	struct ctl_rows *out;
	unsigned instances;		/* added so far */
	bool failed;
	/* pool4: one row per address and range, the same in every instance but for its share of the ports,
	 * summed before they are shown */
	struct nat64_pool4_view *pool4;
	unsigned npool4, cap;
};

/* Declare the columns of cmd's table into out. */
void nat64_view_init(struct nat64_view *v, enum ctl_cmd cmd, const struct prefix6 *pool6, uint64_t now,
		     struct ctl_rows *out);
/* Add one worker's instance. Static BIB entries, which every instance holds, are shown once. False when
 * the table cannot take more (out of memory, too large): stop and call nat64_view_finish(). */
bool nat64_view_add(struct nat64_view *v, const struct nat64 *db);
/* Emit what was summed and free it. False with a message in err when a row could not be added. */
bool nat64_view_finish(struct nat64_view *v, char *err, size_t errlen);

#endif
