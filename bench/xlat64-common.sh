# bench/xlat64-common.sh - sourced by the xlat-xlat64-*.sh adapters: what both modes share (finding the
# harness, the binary, starting the daemon and waiting for it, the start|stop|env dispatch).
# The adapter sets NAME before sourcing, then defines write_conf (append mode-specific lines to $CONF),
# ready (true once the daemon's routes are in place) and may define stop_extra.
set -u
REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
N64_BENCH_DIR=${N64_BENCH_DIR:-$REPO/../shared/bench}
[ -f "$N64_BENCH_DIR/lib.sh" ] || { echo "error: no $N64_BENCH_DIR/lib.sh (set N64_BENCH_DIR)" >&2; exit 1; }
. "$N64_BENCH_DIR/lib.sh"
XLAT64=${XLAT64:-$REPO/build/xlat64}
D=$RUN_DIR/$NAME; CONF=$D/xlat64.conf; PIDF=$D/xlat64.pid; TUN=xlat64
# The translator's own IPv6 address: source of the Time Exceeded it sends as a router (traceroute).
OWN6=2001:db8:ffff::1

stop() {
	# The daemon removes nothing by hand: its TUN, addresses and routes go when its last queue closes.
	kill_pidfile "$PIDF"
	nsx ip link del $TUN 2>/dev/null
	declare -F stop_extra >/dev/null && stop_extra
	rm -rf "$D"
}

start() {
	ip netns list | grep -qw "^$NS_X" || die "topology not up (run netns-topo.sh up)"
	[ -x "$XLAT64" ] || die "$XLAT64 missing (make build/xlat64 in $REPO)"
	stop
	mkdir -p "$D"
	printf 'device %s\nqueues %s\nsocket %s\npool6 %s\naddress6 %s\n' \
		"$TUN" "${XLAT64_QUEUES:-0}" "$D/xlat64.sock" "$NAT64_PREFIX" "$OWN6" > "$CONF"
	write_conf
	# XLAT64_CONF_EXTRA: lines for an A/B run, e.g. XLAT64_CONF_EXTRA="coalesce-usecs 0"
	[ -n "${XLAT64_CONF_EXTRA:-}" ] && printf '%s\n' "$XLAT64_CONF_EXTRA" >> "$CONF"
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

adapter_main() {
	case "${1:-}" in
	start) start ;;
	stop) stop ;;
	env) echo "TARGET6=$NAT64_TARGET SERVER_ADDR=$S4 XLAT_PIDS='$(cat "$PIDF" 2>/dev/null)'" ;;
	*) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
	esac
}
