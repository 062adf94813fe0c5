#!/bin/bash
# xlat-xlat64-nat64.sh start|stop|env - adapter for the n64 netns bench/smoke harness: runs this tree's
# build/xlat64 in stateful NAT64 mode (RFC 6146) inside n64-xlat.
#   cd ../shared/bench && ./smoke.sh "$PWD/../../main/bench/xlat-xlat64-nat64.sh"
#   RUNS=1 DURATION=5 ./bench.sh /path/to/bench/xlat-xlat64-nat64.sh
# Env: N64_BENCH_DIR (the harness, default ../shared/bench beside this repo), XLAT64 (binary, default
# build/xlat64 of this repo), XLAT64_QUEUES (TUN queues = workers, default 0 = one per CPU),
# XLAT64_CPU (optional taskset cpu list), XLAT64_CONF_EXTRA (configuration lines to add, for A/B runs), XLAT64_POOL4:
#   masquerade (default)  no pool4 line: pool4 is 100.64.0.1 and xlat64 masquerades it behind $X4 with its own
#                         nftables rule, the setup of a box with one IPv4 address (the harness's "stateful
#                         NAT64 that masquerades behind \$X4 needs no pool route")
#   pool                  pool4 $POOL4 without masquerade: the server routes it back to the xlat box, no
#                         conntrack on the path (compare the two to see what the second NAT costs)
NAME=xlat64-nat64
. "$(dirname "$(readlink -f "$0")")/xlat64-common.sh"
XLAT64_POOL4=${XLAT64_POOL4:-masquerade}
DEFAULT_POOL4=100.64.0.1	# CONF_POOL4_DEFAULT in src/conf.h
case $XLAT64_POOL4 in masquerade|pool) ;; *) die "XLAT64_POOL4 must be masquerade or pool" ;; esac

# The daemon deletes its nftables table on exit; this is for one killed before it could.
stop_extra() {
	nsx nft delete table ip xlat64_$TUN 2>/dev/null
}

write_conf() {
	echo "mode nat64" >> "$CONF"
	# The topology already routes $POOL4 from the server back to the xlat box.
	[ "$XLAT64_POOL4" = pool ] && printf 'pool4 %s\nmasquerade no\n' "$POOL4" >> "$CONF"
}

# Ready once pool6 and pool4 are routed into the TUN (netlink_setup() runs after the queues are open) and,
# when masquerading, the nftables table is in place.
ready() {
	nsx ip -6 route get "$NAT64_TARGET" 2>/dev/null | grep -q "dev $TUN" || return 1
	case $XLAT64_POOL4 in
	masquerade) nsx ip route get $DEFAULT_POOL4 2>/dev/null | grep -q "dev $TUN" &&
		[ -n "$(nsx nft list tables 2>/dev/null)" ] ;;
	pool) nsx ip route get "${POOL4%/*}" 2>/dev/null | grep -q "dev $TUN" ;;
	esac
}

adapter_main "$@"
