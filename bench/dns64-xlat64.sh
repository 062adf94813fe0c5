#!/bin/bash
# dns64-xlat64.sh start|stop - runs xlat64's DNS64 alone (mode none, no translator) in the background, for
# comparisons beside other DNS64 servers (bench/dns64-compare.sh, bench/dns64-perf.sh):
#   LISTEN_ADDR=127.0.0.5 LISTEN_PORT=5305 UPSTREAM_ADDR=127.0.0.2 UPSTREAM_PORT=5302 \
#     PREFIX=64:ff9b::/96 bench/dns64-xlat64.sh start
# `start` returns once the server answers (dig); `stop` ends the one listening on LISTEN_PORT.
# Env: LISTEN_ADDR, LISTEN_PORT, UPSTREAM_ADDR, UPSTREAM_PORT, PREFIX (pool6: the defaults above);
# DNS64_ALLOW (client prefixes, default every address: the adapter serves benchmark clients, on loopback
# or in test namespaces; never point LISTEN_ADDR at a public interface with it), ALLOW_NONGLOBAL (yes|no,
# allow-nonglobal-ipv4: default yes for 64:ff9b::/96, whose RFC 6052 §3.1 rule would otherwise refuse the
# documentation addresses of test zones), DNS64_CACHE (dns64-cache-size, default the daemon's),
# XLAT64 (binary, default build/xlat64 of this repo), XLAT64_CPU (optional taskset cpu list),
# RUN_DIR (state, default /tmp/xlat64-dns64: RUN_DIR/PORT/ holds config, pid file, socket and log).
set -u
REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
XLAT64=${XLAT64:-$REPO/build/xlat64}
LISTEN_ADDR=${LISTEN_ADDR:-127.0.0.5}; LISTEN_PORT=${LISTEN_PORT:-5305}
UPSTREAM_ADDR=${UPSTREAM_ADDR:-127.0.0.2}; UPSTREAM_PORT=${UPSTREAM_PORT:-5302}
PREFIX=${PREFIX:-64:ff9b::/96}
DNS64_ALLOW=${DNS64_ALLOW:-0.0.0.0/0 ::/0}
if [ "$PREFIX" = 64:ff9b::/96 ]; then ALLOW_NONGLOBAL=${ALLOW_NONGLOBAL:-yes}; else ALLOW_NONGLOBAL=${ALLOW_NONGLOBAL:-no}; fi
D=${RUN_DIR:-/tmp/xlat64-dns64}/$LISTEN_PORT; CONF=$D/xlat64.conf; PIDF=$D/xlat64.pid

die() { echo "error: $*" >&2; exit 1; }

# ipv4only.arpa is answered by the DNS64 itself (RFC 8880 §7), so this works whatever the upstream holds
answers() {
	dig @"$LISTEN_ADDR" -p "$LISTEN_PORT" ipv4only.arpa AAAA +time=1 +tries=1 2>/dev/null | grep -q 'status: '
}

stop() {
	local pid _
	[ -f "$PIDF" ] || return 0
	pid=$(cat "$PIDF")
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid"
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	fi
	rm -f "$PIDF"
}

start() {
	local a pre=() _
	[ -x "$XLAT64" ] || die "$XLAT64 missing (make build/xlat64 in $REPO)"
	command -v dig > /dev/null || die "dig missing (apt-get install dnsutils)"
	stop
	mkdir -p "$D"
	{
		echo "mode none"
		echo "socket $D/xlat64.sock"
		echo "pool6 $PREFIX"
		echo "allow-nonglobal-ipv4 $ALLOW_NONGLOBAL"
		echo "dns64-listen $LISTEN_ADDR $LISTEN_PORT"
		echo "dns64-upstream $UPSTREAM_ADDR $UPSTREAM_PORT"
		for a in $DNS64_ALLOW; do echo "dns64-allow $a"; done
		[ -n "${DNS64_CACHE:-}" ] && echo "dns64-cache-size $DNS64_CACHE"
	} > "$CONF"
	[ -n "${XLAT64_CPU:-}" ] && pre=(taskset -c "$XLAT64_CPU")
	"${pre[@]}" "$XLAT64" run -f "$CONF" > "$D/xlat64.log" 2>&1 &
	echo $! > "$PIDF"
	for _ in $(seq 100); do
		kill -0 "$(cat "$PIDF")" 2>/dev/null || break
		answers && return 0
		sleep 0.05
	done
	cat "$D/xlat64.log" >&2
	stop
	die "xlat64's DNS64 did not answer on $LISTEN_ADDR#$LISTEN_PORT"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
