#!/bin/bash
# pref64-xlat64.sh start|stop|status - run inside a network namespace: start this tree's xlat64 in the
# background sending PREF64 router advertisements (RFC 8781) on $IFACE for $PREFIX with lifetime
# $LIFETIME (mode none: no translator); `stop` ends it, and its last advertisement withdraws the prefix
# (lifetime 0).
#   IFACE=r0 PREFIX=64:ff9b::/96 LIFETIME=600 ip netns exec rtr bench/pref64-xlat64.sh start
#   IFACE=r0 ip netns exec rtr bench/pref64-xlat64.sh stop
# Env: IFACE (required), PREFIX (start: required, an RFC 6052 prefix), LIFETIME (seconds or a duration
# such as 10m; default 30m), INTERVAL (MaxRtrAdvInterval, default: xlat64's, at most a third of the
# lifetime), RDNSS (optional IPv6 address announced as DNS server), XLAT64 (binary, default build/xlat64
# of this repo). Files (config, control socket, pid, log) live in /run/xlat64-pref64/<netns>-<IFACE>/.
set -u
REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
XLAT64=${XLAT64:-$REPO/build/xlat64}
IFACE=${IFACE:?IFACE must name the interface to advertise on}
NETNS=$(ip netns identify $$ 2>/dev/null)
D=/run/xlat64-pref64/${NETNS:-init}-$IFACE
CONF=$D/xlat64.conf; PIDF=$D/xlat64.pid; SOCK=$D/xlat64.sock; LOGF=$D/xlat64.log

die() { echo "pref64-xlat64.sh: $*" >&2; exit 1; }

# A bare number is seconds.
duration() { case $1 in *[!0-9]*) echo "$1" ;; *) echo "${1}s" ;; esac; }

stop() {
	local pid _
	[ -f "$PIDF" ] || { rm -rf "$D"; return 0; }
	pid=$(cat "$PIDF")
	if kill -TERM "$pid" 2>/dev/null; then
		# SIGTERM: xlat64 sends the final advertisement (lifetime 0), then exits.
		for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	fi
	rm -rf "$D"
}

start() {
	local pid _
	: "${PREFIX:?PREFIX must be the NAT64 prefix to announce, e.g. 64:ff9b::/96}"
	[ -x "$XLAT64" ] || die "$XLAT64 missing (make build/xlat64 in $REPO)"
	ip link show "$IFACE" >/dev/null 2>&1 || die "no interface $IFACE in this namespace"
	stop
	mkdir -p "$D" || die "cannot create $D"
	{
		echo "mode none"
		echo "pool6 $PREFIX"
		echo "pref64-interface $IFACE"
		echo "pref64-lifetime $(duration "${LIFETIME:-30m}")"
		[ -n "${INTERVAL:-}" ] && echo "pref64-interval $(duration "$INTERVAL")"
		[ -n "${RDNSS:-}" ] && echo "pref64-rdnss $RDNSS"
		echo "socket $SOCK"
	} > "$CONF"
	# RFC 6052 §3.1 concerns translation, not announcements; mode none translates nothing.
	[ "$PREFIX" = 64:ff9b::/96 ] && echo "allow-nonglobal-ipv4 yes" >> "$CONF"
	"$XLAT64" check "$CONF" >/dev/null || die "bad configuration $CONF"
	setsid "$XLAT64" run -f "$CONF" > "$LOGF" 2>&1 < /dev/null &
	pid=$!
	echo $pid > "$PIDF"
	for _ in $(seq 100); do
		kill -0 $pid 2>/dev/null || break
		"$XLAT64" status --socket "$SOCK" 2>/dev/null | grep -q '^pref64' && return 0
		sleep 0.05
	done
	cat "$LOGF" >&2
	stop
	die "xlat64 did not come up"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) "$XLAT64" status --socket "$SOCK" ;;
*) echo "usage: IFACE=... PREFIX=... LIFETIME=... $0 start|stop|status" >&2; exit 2 ;;
esac
