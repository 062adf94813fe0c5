/*
 * Masquerading pool4 (docs/nat64.md): the default pool4 is a private address routed into the TUN, so what
 * xlat64 emits toward IPv4 still has to be NATed to the box's own address by the kernel. One table per
 * device, written through libnftables as a single batch, so it is replaced atomically and a stale one
 * from a crashed run goes away.
 */
#include <ctype.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>

#include "nft.h"

/* nft identifiers are [a-zA-Z_][a-zA-Z0-9_]*, device names may hold '-' and '.'. */
static void table_name(const char *dev, char *out, size_t n)
{
	size_t i = snprintf(out, n, "xlat64_");

	for (; *dev && i + 1 < n; dev++)
		out[i++] = isalnum((unsigned char)*dev) ? *dev : '_';
	out[i] = '\0';
}

static bool run(const char *cmd, char *err, size_t errlen)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	bool ok;

	if (!nft) {
		snprintf(err, errlen, "nftables: cannot create a context");
		return false;
	}
	nft_ctx_buffer_error(nft);
	ok = nft_run_cmd_from_buffer(nft, cmd) == 0;
	if (!ok && err) {
		const char *e = nft_ctx_get_error_buffer(nft);
		size_t len;

		snprintf(err, errlen, "nftables: %s", e && *e ? e : "command failed");
		len = strlen(err);
		while (len && (err[len - 1] == '\n'))
			err[--len] = '\0';
	}
	nft_ctx_free(nft);
	return ok;
}

bool nft_masquerade_add(const char *dev, const struct conf_pool4 *pool4, unsigned n, char *err, size_t errlen)
{
	char table[64], cmd[4096], set[2048] = "", p[32];
	size_t used = 0;

	table_name(dev, table, sizeof(table));
	for (unsigned i = 0; i < n; i++) {
		int w = snprintf(set + used, sizeof(set) - used, "%s%s", used ? ", " : "",
				 prefix4_fmt(&pool4[i].pfx, p, sizeof(p)));
		if (w < 0 || (size_t)w >= sizeof(set) - used) {
			snprintf(err, errlen, "nftables: pool4 too large for the masquerade rule");
			return false;
		}
		used += (size_t)w;
	}
	/* "add" then "delete" makes the delete safe when the table does not exist yet. */
	snprintf(cmd, sizeof(cmd),
		 "add table ip %s\n"
		 "delete table ip %s\n"
		 "table ip %s {\n"
		 "  chain postrouting {\n"
		 "    type nat hook postrouting priority srcnat; policy accept;\n"
		 "    oifname != \"%s\" ip saddr { %s } masquerade\n"
		 "  }\n"
		 "}\n",
		 table, table, table, dev, set);
	return run(cmd, err, errlen);
}

void nft_masquerade_del(const char *dev)
{
	char table[64], cmd[256], err[256];

	table_name(dev, table, sizeof(table));
	snprintf(cmd, sizeof(cmd), "add table ip %s\ndelete table ip %s\n", table, table);
	if (!run(cmd, err, sizeof(err)))
		fprintf(stderr, "xlat64: removing the masquerade table: %s\n", err);
}
