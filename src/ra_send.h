/*
 * The PREF64 sender: Router Advertisements carrying pool6 as an RFC 8781 PREF64 option (plus RDNSS and
 * a Route Information option when configured) on every pref64-interface, periodically at random
 * intervals (RFC 4861 §6.2.4) and in answer to Router Solicitations (§6.2.6), from a thread of its own.
 * Router lifetime 0 by default: the box announces a prefix, it does not become anyone's default router.
 */
#ifndef XLAT64_RA_SEND_H
#define XLAT64_RA_SEND_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "ctl.h"
#include "stats.h"

struct ra_send;

/* Opens a raw ICMPv6 socket per interface (CAP_NET_RAW) and starts the thread; the first advertisement
 * goes out at once. Counters go to st (PREF64_*), written by that thread only. NULL with a message in err
 * when an interface does not exist or a socket cannot be set up. */
struct ra_send *ra_send_start(const struct conf *c, struct stats *st, char *err, size_t errlen);
/* Stops the thread after a final advertisement per interface with every lifetime 0 (PREF64, RDNSS,
 * Route Information, router: RFC 4861 §6.2.5), so hosts drop the prefix at once; frees r. NULL is fine. */
void ra_send_stop(struct ra_send *r);
/* Whether a and b announce the same thing (a reload that changes nothing here keeps the sender). */
bool ra_send_same(const struct conf *a, const struct conf *b);
/* "pref64: 64:ff9b::/96 lifetime 1800s on eth1, eth2; 12 advertisements sent". */
void ra_send_status(const struct ra_send *r, struct ctl_status *st);

#endif
