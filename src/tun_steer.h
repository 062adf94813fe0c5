/* Steering the TUN's queues with eBPF (TUNSETSTEERINGEBPF, Linux 4.16): mode nat64's packets reach the
 * worker that holds their state. */
#ifndef XLAT64_TUN_STEER_H
#define XLAT64_TUN_STEER_H

#include <stdbool.h>
#include <stddef.h>

#include "tun.h"

/*
 * Load nat64_steer() for t->n workers as a socket filter program and make it pick the queue of every packet
 * the kernel sends into t. False, with the reason in err, when the kernel will not (no bpf(), no
 * CAP_BPF/CAP_SYS_ADMIN, seccomp, an old kernel): the kernel then keeps choosing queues by its flow hash.
 */
bool tun_steer_nat64(const struct tun *t, char *err, size_t errlen);

#endif
