/* The nftables table that masquerades pool4 behind the box's own IPv4 address (mode nat64, masquerade yes). */
#ifndef XLAT64_NFT_H
#define XLAT64_NFT_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

/* Replace (atomically) the table of device `dev` with one postrouting rule: IPv4 packets whose source is in
 * pool4 and that leave through any other device are masqueraded. false with the reason in err. */
bool nft_masquerade_add(const char *dev, const struct conf_pool4 *pool4, unsigned n, char *err, size_t errlen);
/* Remove that table; a missing table is not an error. */
void nft_masquerade_del(const char *dev);

#endif
