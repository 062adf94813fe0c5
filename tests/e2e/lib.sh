# shellcheck shell=bash
# tests/e2e/lib.sh - what the end-to-end tests share: the SKIP rules, namespaces, the check/fail bookkeeping,
# starting and stopping the daemon, and cleanup. Sourced by tests/e2e/<suite>.sh; running it does nothing.
#
# A suite changes to the repository's top directory, sources this file, calls e2e_init with its name and
# namespace prefix, then uses ns_add, spawn, check, xlat_run, xlat_stop, ... and ends with e2e_finish.
# Variables it may use: XLAT64 (the daemon; XLAT64=... selects another build, e.g. build/xlat64-san), PY
# (Debian's python), E2E (this folder), W (a scratch directory, kept after a failure or with KEEP_LOG=1),
# LOG (every check's output), XPID (the running daemon).
[ "${BASH_SOURCE[0]}" = "$0" ] && exit 0

# e2e_init SUITE NSPREFIX: SKIP (exit 0) without root or TUN; otherwise set up the scratch directory and the
# cleanup that runs on any exit. Run from the top level of the suite, not in a subshell.
e2e_init() {
	SUITE=$1; NSP=$2
	if [ "$(id -u)" != 0 ]; then echo "SKIP $SUITE: needs root (network namespaces)"; exit 0; fi
	if [ ! -c /dev/net/tun ]; then echo "SKIP $SUITE: no /dev/net/tun"; exit 0; fi
	XLAT64=${XLAT64:-build/xlat64}
	PY=/usr/bin/python3
	# shellcheck disable=SC2034 # for the suites
	E2E=tests/e2e
	PIDS=(); NSS=(); XPID=
	npass=0; nfail=0
	[ -x "$XLAT64" ] || e2e_abort "$XLAT64 missing (make build/xlat64)"
	[ -x $PY ] || e2e_abort "$PY missing"
	W=$(mktemp -d "/tmp/$NSP.XXXXXX")
	LOG=$W/log
	trap e2e_cleanup EXIT
	trap 'exit 130' INT TERM
}

e2e_cleanup() {
	local p ns
	for p in "${PIDS[@]}" $XPID; do kill "$p" 2>/dev/null; done
	for ns in "${NSS[@]}"; do
		# whatever is still running in our own namespaces was started by this script
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
		# ns_resolv's files (the namespace's name is ours, so is the folder)
		rm -rf "/etc/netns/$ns"
	done
	if [ $nfail -gt 0 ] || [ "${KEEP_LOG:-0}" = 1 ]; then
		echo "# logs kept in $W"
	else
		rm -rf "$W"
	fi
}

# e2e_abort WHY: the suite cannot run its checks; one FAIL line and out.
e2e_abort() { echo "FAIL $SUITE/start: $*"; nfail=1; exit 1; }

# ns_add NAME...: fresh namespaces with lo up, no DAD and no router advertisements (the tests configure
# everything by hand, and DAD would delay the first packets); deleted on exit.
ns_add() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns" || return 1
		NSS+=("$ns")
		ip -n "$ns" link set lo up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
	done
}

# ns_resolv NS NAMESERVER...: the resolv.conf that programs in NS see (ip netns exec bind-mounts
# /etc/netns/NS/resolv.conf over /etc/resolv.conf); removed on exit with the namespace.
ns_resolv() {
	local ns=$1 a
	shift
	mkdir -p "/etc/netns/$ns" || return 1
	for a in "$@"; do echo "nameserver $a"; done > "/etc/netns/$ns/resolv.conf"
}

# The suites' shared topology pieces: IPv6-only hosts, a router in the middle, an IPv4-only server.
# ns_v4only NS: no IPv6 at all (the server side).
ns_v4only() { ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; }
# ns_router NS: forwards both families; no reverse-path filter, since translated replies come back from
# the TUN rather than the interface the request left by.
ns_router() {
	ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
}
# veth NS-A DEV-A NS-B DEV-B: a veth pair between two namespaces.
veth() { ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"; }
# host6 NS DEV ADDR GW: an IPv6 host on DEV: ADDR/64 (no DAD), the link up, the default route via GW.
host6() {
	ip -n "$1" addr add "$3/64" dev "$2" nodad && ip -n "$1" link set "$2" up &&
		ip -n "$1" -6 route add default via "$4" dev "$2"
}

oper() { ip -n "$1" -br link show "$2" | awk '{ print $2 }'; }
# links_up NS:DEV...: a veth's carrier comes up to a second after "link set up" (link watch); wait for
# it, so that the first checks don't measure a retransmitted Neighbor Solicitation.
links_up() {
	local l _ down
	for _ in $(seq 40); do
		down=
		for l in "$@"; do [ "$(oper "${l%%:*}" "${l#*:}")" = UP ] || down=1; done
		[ -z "$down" ] && return 0
		sleep 0.05
	done
	return 1
}

# check NAME FUNCTION ARGS...: the function's output goes to the log. It fails if it returns non-zero or
# calls fail (which keeps the first reason in $why), so a function can go on and log more after a failure.
check() {
	local name=$1; shift
	why=
	echo "### $name" >> "$LOG"
	if "$@" >> "$LOG" 2>&1 && [ -z "$why" ]; then
		echo "PASS $name"; npass=$((npass + 1))
	else
		echo "FAIL $name: ${why:-see $LOG}"; nfail=$((nfail + 1))
	fi
}
fail() { [ -n "$why" ] || why=$*; return 1; }
# spawn NS CMD...: start a server in a namespace, remember its pid (ip netns exec execs, so $! is the server).
spawn() { local ns=$1; shift; ip netns exec "$ns" "$@" >> "$LOG" 2>&1 & PIDS+=($!); }
# listening NS tcp|udp PORT...: true once every port has a listener in NS (waits up to 5 s).
listening() {
	local ns=$1 proto=$2 port _ missing
	shift 2
	for _ in $(seq 100); do
		missing=
		for port in "$@"; do
			ip netns exec "$ns" ss -Hl"${proto:0:1}"n "sport = :$port" | grep -q . || missing=1
		done
		[ -z "$missing" ] && return 0
		sleep 0.05
	done
	return 1
}

# xlat_run NS CONF STDERR READY: start the daemon in NS (XPID), then wait up to 5 s for the command READY
# (e.g. a route lookup) to succeed. On failure its stderr goes to the log.
xlat_run() {
	local ns=$1 conf=$2 err=$3 ready=$4 _
	ip netns exec "$ns" "$XLAT64" run -f "$conf" 2> "$err" &
	XPID=$!
	for _ in $(seq 100); do
		kill -0 $XPID 2>/dev/null || break
		$ready && return 0
		sleep 0.05
	done
	sed 's/^/# /' "$err"
	return 1
}

# xlat_stop NS TUN: SIGTERM must end the daemon within 2 s with status 0, and its TUN must be gone (TUN
# empty: a daemon without one, mode none).
xlat_stop() {
	local ns=$1 tun=$2 t0 rc _
	t0=$(date +%s%N)
	if ! kill -TERM $XPID; then
		wait $XPID; rc=$?; XPID=
		fail "xlat64 had already exited (status $rc)"; return 1
	fi
	for _ in $(seq 40); do kill -0 $XPID 2>/dev/null || break; sleep 0.05; done
	kill -0 $XPID 2>/dev/null && { kill -9 $XPID; XPID=; fail "still running 2 s after SIGTERM"; return 1; }
	wait $XPID; rc=$?; XPID=
	echo "exit status $rc after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
	[ $rc = 0 ] || fail "exit status $rc after SIGTERM"
	[ -z "$tun" ] || ! ip -n "$ns" link show "$tun" 2>/dev/null || fail "$tun still exists"
}

# no_sanitizer_reports FILE...: the daemon's stderr holds no ASan/UBSan report.
no_sanitizer_reports() {
	! grep -E 'Sanitizer|runtime error:' "$@" || fail "sanitizer report in $*"
}

# e2e_finish XLOG...: after a failure the tails of the log and of the daemon's stderr, then the summary;
# returns the suite's status.
e2e_finish() {
	local f
	if [ $nfail -gt 0 ]; then
		echo "# ---- log ($LOG) ----"; tail -n 60 "$LOG" | sed 's/^/# /'
		for f in "$@"; do
			[ -f "$f" ] || continue
			echo "# ---- xlat64 stderr ($f) ----"; tail -n 40 "$f" | sed 's/^/# /'
		done
	fi
	echo "# $SUITE: $npass passed, $nfail failed"
	[ $nfail -eq 0 ]
}
