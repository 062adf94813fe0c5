#!/bin/bash
# xlat-xlat64-siit.sh start|stop|env - adapter for the n64 netns bench/smoke harness: runs this tree's
# build/xlat64 in SIIT mode inside n64-xlat.
#   cd ../shared/bench && ./smoke.sh "$PWD/../../main/bench/xlat-xlat64-siit.sh"
#   RUNS=1 DURATION=5 ./bench.sh /path/to/bench/xlat-xlat64-siit.sh
# Env: N64_BENCH_DIR (the harness, default ../shared/bench beside this repo), XLAT64 (binary, default
# build/xlat64 of this repo), XLAT64_QUEUES (TUN queues = workers, default 0 = one per CPU),
# XLAT64_CPU (optional taskset cpu list), XLAT64_CONF_EXTRA (configuration lines to add, for A/B runs).
NAME=xlat64-siit
. "$(dirname "$(readlink -f "$0")")/xlat64-common.sh"

# SIIT is stateless: the client ($C6, in 2001:db8:1::/120) needs an explicit IPv4 address, so the client's
# /120 is mapped onto the pool $POOL4 (192.0.2.0/24) by the EAMT (RFC 7757): $C6 is 192.0.2.2 to the
# server, and the topology already routes $POOL4 back to the xlat box.
write_conf() {
	printf 'mode siit\neamt %s %s::/120\nroute4 %s\n' "$POOL4" "${C6%::*}" "$POOL4" >> "$CONF"
}

# Ready once its routes are in place: netlink_setup() runs after the queues are open.
ready() {
	nsx ip route show $POOL4 | grep -q "dev $TUN"
}

adapter_main "$@"
