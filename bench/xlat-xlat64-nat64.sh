#!/bin/bash
# xlat-xlat64-nat64.sh start|stop|env - adapter for the n64 netns bench/smoke harness: runs this tree's
# build/xlat64 in stateful NAT64 mode (RFC 6146) inside n64-xlat.
#   cd ../shared/bench && ./smoke.sh "$PWD/../../main/bench/xlat-xlat64-nat64.sh"
#   RUNS=1 DURATION=5 ./bench.sh /path/to/bench/xlat-xlat64-nat64.sh
# Env: N64_BENCH_DIR (the harness, default ../shared/bench beside this repo), XLAT64 (binary, default
# build/xlat64 of this repo), XLAT64_QUEUES (TUN queues = workers, default 0 = one per CPU),
# XLAT64_CPU (optional taskset cpu list), XLAT64_POOL4:
#   masquerade (default)  no pool4 line: pool4 is 100.64.0.1 and xlat64 masquerades it behind $X4 with its own
#                         nftables rule, the setup of a box with one IPv4 address (the harness's "stateful
#                         NAT64 that masquerades behind \$X4 needs no pool route")
#   pool                  pool4 $POOL4 without masquerade: the server routes it back to the xlat box, no
#                         conntrack on the path (compare the two to see what the second NAT costs)
set -u
REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
N64_BENCH_DIR=${N64_BENCH_DIR:-$REPO/../shared/bench}
[ -f "$N64_BENCH_DIR/lib.sh" ] || { echo "error: no $N64_BENCH_DIR/lib.sh (set N64_BENCH_DIR)" >&2; exit 1; }
. "$N64_BENCH_DIR/lib.sh"
XLAT64=${XLAT64:-$REPO/build/xlat64}
XLAT64_POOL4=${XLAT64_POOL4:-masquerade}
D=$RUN_DIR/xlat64-nat64; CONF=$D/xlat64.conf; PIDF=$D/xlat64.pid; TUN=xlat64
# The translator's own IPv6 address: source of the Time Exceeded it sends as a router (traceroute).
OWN6=2001:db8:ffff::1
DEFAULT_POOL4=100.64.0.1	# CONF_POOL4_DEFAULT in src/conf.h

stop() {
	# The TUN, its addresses and routes go when the daemon's last queue closes; it deletes its nftables
	# table on exit.
	kill_pidfile "$PIDF"
	nsx ip link del $TUN 2>/dev/null
	# the daemon's masquerade table (src/nft.c), in case it was killed before it could remove it
	nsx nft delete table ip xlat64_$TUN 2>/dev/null
	rm -rf "$D"
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

start() {
	ip netns list | grep -qw "^$NS_X" || die "topology not up (run netns-topo.sh up)"
	[ -x "$XLAT64" ] || die "$XLAT64 missing (make build/xlat64 in $REPO)"
	case $XLAT64_POOL4 in masquerade|pool) ;; *) die "XLAT64_POOL4 must be masquerade or pool" ;; esac
	stop
	mkdir -p "$D"
	cat > "$CONF" <<-EOC
	mode nat64
	device $TUN
	queues ${XLAT64_QUEUES:-0}
	socket $D/xlat64.sock
	pool6 $NAT64_PREFIX
	address6 $OWN6
	EOC
	# The topology already routes $POOL4 from the server back to the xlat box.
	[ "$XLAT64_POOL4" = pool ] && printf 'pool4 %s\nmasquerade no\n' "$POOL4" >> "$CONF"
	# RFC 6052 §3.1: the well-known prefix may carry the (non-global) documentation addresses only
	# when allowed explicitly (N64_PREFIX=64:ff9b::/96).
	[ "$NAT64_PREFIX" = 64:ff9b::/96 ] && echo "allow-nonglobal-ipv4 yes" >> "$CONF"
	local pre=()
	[ -n "${XLAT64_CPU:-}" ] && pre=(taskset -c "$XLAT64_CPU")
	# not via nsx(): $! must be xlat64 itself (ip netns exec and taskset exec it)
	ip netns exec $NS_X "${pre[@]}" "$XLAT64" run -f "$CONF" > "$D/xlat64.log" 2>&1 &
	echo $! > "$PIDF"
	for _ in $(seq 100); do
		kill -0 "$(cat "$PIDF")" 2>/dev/null || break
		ready && return 0
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
