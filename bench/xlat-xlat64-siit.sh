#!/bin/bash
# xlat-xlat64-siit.sh start|stop|env - adapter for the n64 netns bench/smoke harness: runs this tree's
# build/xlat64 in SIIT mode inside n64-xlat.
#   cd ../shared/bench && ./smoke.sh "$PWD/../../main/bench/xlat-xlat64-siit.sh"
#   RUNS=1 DURATION=5 ./bench.sh /path/to/bench/xlat-xlat64-siit.sh
# Env: N64_BENCH_DIR (the harness, default ../shared/bench beside this repo), XLAT64 (binary, default
# build/xlat64 of this repo), XLAT64_QUEUES (TUN queues = workers, default 0 = one per CPU),
# XLAT64_CPU (optional taskset cpu list).
set -u
REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
N64_BENCH_DIR=${N64_BENCH_DIR:-$REPO/../shared/bench}
[ -f "$N64_BENCH_DIR/lib.sh" ] || { echo "error: no $N64_BENCH_DIR/lib.sh (set N64_BENCH_DIR)" >&2; exit 1; }
. "$N64_BENCH_DIR/lib.sh"
XLAT64=${XLAT64:-$REPO/build/xlat64}
D=$RUN_DIR/xlat64-siit; CONF=$D/xlat64.conf; PIDF=$D/xlat64.pid; TUN=xlat64
# The translator's own IPv6 address: source of the Time Exceeded it sends as a router (traceroute).
OWN6=2001:db8:ffff::1

stop() {
	# The daemon removes nothing by hand: its TUN, addresses and routes go when its last queue closes.
	kill_pidfile "$PIDF"
	nsx ip link del $TUN 2>/dev/null
	rm -rf "$D"
}

start() {
	ip netns list | grep -qw "^$NS_X" || die "topology not up (run netns-topo.sh up)"
	[ -x "$XLAT64" ] || die "$XLAT64 missing (make build/xlat64 in $REPO)"
	stop
	mkdir -p "$D"
	# SIIT is stateless: the client ($C6, in 2001:db8:1::/120) needs an explicit IPv4 address, so the
	# client's /120 is mapped onto the pool $POOL4 (192.0.2.0/24) by the EAMT (RFC 7757): $C6 is
	# 192.0.2.2 to the server, and the topology already routes $POOL4 back to the xlat box.
	cat > "$CONF" <<-EOC
	mode siit
	device $TUN
	queues ${XLAT64_QUEUES:-0}
	socket $D/xlat64.sock
	pool6 $NAT64_PREFIX
	eamt $POOL4 ${C6%::*}::/120
	route4 $POOL4
	address6 $OWN6
	EOC
	# RFC 6052 §3.1: the well-known prefix may carry the (non-global) documentation addresses only
	# when allowed explicitly (N64_PREFIX=64:ff9b::/96).
	[ "$NAT64_PREFIX" = 64:ff9b::/96 ] && echo "allow-nonglobal-ipv4 yes" >> "$CONF"
	local pre=()
	[ -n "${XLAT64_CPU:-}" ] && pre=(taskset -c "$XLAT64_CPU")
	# not via nsx(): $! must be xlat64 itself (ip netns exec and taskset exec it)
	ip netns exec $NS_X "${pre[@]}" "$XLAT64" run -f "$CONF" > "$D/xlat64.log" 2>&1 &
	echo $! > "$PIDF"
	# ready once its routes are in place: netlink_setup() runs after the queues are open
	for _ in $(seq 100); do
		kill -0 "$(cat "$PIDF")" 2>/dev/null || break
		nsx ip route show $POOL4 | grep -q "dev $TUN" && return 0
		sleep 0.05
	done
	cat "$D/xlat64.log" >&2
	die "xlat64 did not come up"
}

case "${1:-}" in
	start) start ;;
	stop) stop ;;
	env) echo "TARGET6=$NAT64_TARGET SERVER_ADDR=$S4 XLAT_PIDS='$(cat "$PIDF" 2>/dev/null)'" ;;
	*) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
