#!/bin/bash
# tests/e2e/clat.sh - 464XLAT end to end (RFC 6877): an IPv6-only host runs xlat64 in mode clat, which
# learns the NAT64 prefix from the PREF64 option (RFC 8781) of the router's advertisements, and IPv4-only
# programs on it reach an IPv4-only server through the router's xlat64 in mode nat64 (the PLAT).
# Run as root: `make e2e` or `bash tests/e2e/clat.sh`. XLAT64=build/xlat64-san selects the sanitizer
# build (default build/xlat64). Prints PASS/FAIL (or SKIP) per check.
#
#  host A ns (IPv6 only)                router ns                                 server ns (IPv4 only)
# +----------------------------+      +----------------------------------+      +----------------------+
# | a0 2001:db8:1::2/64        +------+ ra 2001:db8:1::1/64              |      |                      |
# |   default via 2001:db8:1::1| veth |   PREF64 RAs (pref64-interface), |      |                      |
# |   accept_ra 1, accept_dad 1|      |   DNS64 on 2001:db8:1::1#53,     |      |                      |
# | xlat64 mode clat, no pool6:|      |   RDNSS 2001:db8:1::1            |      |                      |
# |   TUN x64c0 192.0.0.1/32,  |      | r4 198.51.100.1/24 ---------------+------+ s0 198.51.100.2/24   |
# |   CLAT address: random IID |      | xlat64 mode nat64, pool6         | veth |  HTTP #80, nsd #53   |
# |   in 2001:db8:1::/64,      |      |   64:ff9b::/96, then             |      |  (dns64.test:        |
# |   proxy NDP on a0          |      |   64:ff9b:1:fffe::/96; pool4     |      |   web -> .2)         |
# | resolv.conf 2001:db8:1::1  |      |   masqueraded behind r4          |      |                      |
# +----------------------------+      +----------------------------------+      +----------------------+
#
# Checks: the CLAT's host setup (TUN, IPv4 default route with a lower MTU, the CLAT address routed into
# the TUN and proxied on a0, sysctls), the prefix learned from the RA (`xlat64 status`, and `xlat64
# discover --json` as a second opinion), curl and ping to the server's IPv4 literal, curl -4 by name (the
# A record through the router's DNS64), tshark's decoding of the PREF64 option, the router changing its
# prefix (restart with the new pool6: its last RAs withdraw the old one with lifetime 0) followed by host
# A, a reload keeping the discovered prefix, the RFC 7050 fallback (the router stops sending PREF64 but
# keeps its DNS64), on stop everything on host A back as it was, and a start whose configured CLAT
# address fails DAD (the router's) undoing itself. The test addresses (RFC 3849, RFC 5737) are not
# global: both configurations turn allow-nonglobal-ipv4 on (RFC 6052 §3.1 would refuse them under the WKP).
set -u
cd "$(dirname "$0")/../.." || exit 1
for tool in curl tshark nsd dig; do
	command -v $tool > /dev/null || { echo "SKIP e2e/clat: $tool missing (apt-get install curl tshark nsd dnsutils)"; exit 0; }
done
. tests/e2e/lib.sh
e2e_init e2e/clat x64c-$$

NS_A=x64c-$$-a; NS_R=x64c-$$-r; NS_S=x64c-$$-s
HA=2001:db8:1::2; RA=2001:db8:1::1; R4=198.51.100.1; S4=198.51.100.2
PFX1=64:ff9b::/96; PFX2=64:ff9b:1:fffe::/96
TUN_A=x64c0; TUN_R1=x64c1; TUN_R2=x64c2; TUN_R3=x64c3	# a TUN goes some time after its daemon
SOCK_A=$W/clat.sock; SOCK_R=$W/rtr.sock
LOG_A=$W/clat.stderr; LOG_R1=$W/rtr-1.stderr; LOG_R2=$W/rtr-2.stderr; LOG_R3=$W/rtr-3.stderr
PAGE="hello from the IPv4-only server"
RPID=

nsa() { ip netns exec "$NS_A" "$@"; }
nsr() { ip netns exec "$NS_R" "$@"; }
nss() { ip netns exec "$NS_S" "$@"; }
cli_a() { "$XLAT64" "$@" --socket "$SOCK_A"; }

topology() {
	ns_add $NS_A $NS_R $NS_S || return 1
	ns_v4only $NS_S
	ns_router $NS_R
	veth $NS_A a0 $NS_R ra || return 1
	veth $NS_R r4 $NS_S s0 || return 1
	# Host A is a plain IPv6 host: it takes router advertisements (PREF64 reaches userspace only from
	# accepted ones) and runs DAD on a0, so the CLAT's address really is checked.
	nsa sysctl -qw net.ipv6.conf.a0.accept_ra=1 net.ipv6.conf.a0.accept_dad=1
	host6 $NS_A a0 $HA $RA
	ip -n $NS_R addr add $RA/64 dev ra nodad
	ip -n $NS_R addr add $R4/24 dev r4
	ip -n $NS_R link set ra up
	ip -n $NS_R link set r4 up
	ip -n $NS_S addr add $S4/24 dev s0
	ip -n $NS_S link set s0 up
	links_up $NS_A:a0 $NS_R:ra $NS_R:r4 $NS_S:s0 || return 1
	ns_resolv $NS_A $RA
}

servers() {
	mkdir -p "$W/www" "$W/nsd" || return 1
	echo "$PAGE" > "$W/www/index.html"
	spawn $NS_S $PY -m http.server 80 --bind $S4 --directory "$W/www"
	cat > "$W/nsd/nsd.conf" <<-EOF
	server:
	    ip-address: $S4@53
	    server-count: 1
	    username: ""
	    chroot: ""
	    zonesdir: "$PWD/$E2E"
	    database: ""
	    zonelistfile: "$W/nsd/zone.list"
	    xfrdfile: "$W/nsd/xfrd.state"
	    xfrdir: "$W/nsd"
	    pidfile: "$W/nsd/nsd.pid"
	    logfile: "$W/nsd/nsd.log"
	remote-control:
	    control-enable: no
	zone:
	    name: "dns64.test"
	    zonefile: "dns64.zone"
	EOF
	spawn $NS_S nsd -d -c "$W/nsd/nsd.conf"
	listening $NS_S tcp 80 53 && listening $NS_S udp 53
}

# router_conf PREFIX DEVICE: the PLAT with PREF64 RAs (lifetime 600 s, scaled lifetime 75; none with
# NORA=1) and DNS64 on the LAN.
router_conf() {
	cat > "$W/rtr.conf" <<-EOF
	mode nat64
	device $2
	queues 1
	socket $SOCK_R
	pool6 $1
	allow-nonglobal-ipv4 yes
	dns64-listen $RA
	dns64-upstream $S4
	EOF
	[ "${NORA:-0}" = 1 ] || cat >> "$W/rtr.conf" <<-EOF
	pref64-interface ra
	pref64-lifetime 600s
	pref64-interval 4s
	pref64-rdnss $RA
	EOF
}
# router_run PREFIX DEVICE STDERR: (re)start the router's xlat64 (RPID); ready once its DNS64 answers.
router_run() {
	router_conf "$1" "$2"
	# not through nsr(): $! must be the daemon (ip netns exec execs it), not a subshell
	ip netns exec "$NS_R" "$XLAT64" run -f "$W/rtr.conf" 2> "$3" &
	RPID=$!
	PIDS+=("$RPID")
	for _ in $(seq 100); do
		kill -0 $RPID 2>/dev/null || break
		nsr dig @$RA web.dns64.test A +time=1 +tries=1 2>/dev/null | grep -q "status: NOERROR" && return 0
		sleep 0.05
	done
	sed 's/^/# /' "$3"
	return 1
}
router_stop() {
	kill -TERM "$RPID" && wait "$RPID"
}

# snapshot NS: what the CLAT may change on host A, for the before/after comparison.
snapshot() {
	ip -n "$1" -br link | awk '{ print $1 }'
	ip -n "$1" -br addr
	ip -n "$1" -4 route show table all
	ip -n "$1" -6 route show table main
	ip -n "$1" -6 neigh show proxy
	ip netns exec "$1" sysctl net.ipv6.conf.all.forwarding net.ipv6.conf.a0.forwarding \
		net.ipv6.conf.a0.accept_ra net.ipv6.conf.a0.proxy_ndp
}

clat_conf() {
	cat > "$W/clat.conf" <<-EOF
	# no pool6: the prefix comes from the network
	mode clat
	device $TUN_A
	queues 1
	socket $SOCK_A
	allow-nonglobal-ipv4 yes
	EOF
}

# status_has TEXT: `xlat64 status` on host A shows TEXT within 10 s (prints the last status).
status_has() {
	local out _
	for _ in $(seq 100); do
		out=$(cli_a status 2>&1)
		grep -qF -- "$1" <<< "$out" && { echo "$out"; return 0; }
		sleep 0.1
	done
	echo "$out"
	fail "status never showed '$1'"
}

setup() {
	topology || return 1
	servers || { echo "servers did not start"; return 1; }
	snapshot $NS_A > "$W/before"
	# tshark on host A from before the first RA; it stops after the router's first advertisements.
	nsa tshark -i a0 -l -n -a duration:8 -f "icmp6 and ip6[40] == 134" -T fields -E separator=, \
		-e icmpv6.opt.pref64.prefix -e icmpv6.opt.pref64.plc -e icmpv6.opt.pref64.scaled_lifetime \
		> "$W/tshark.out" 2> "$W/tshark.err" &
	TSHARK=$!
	PIDS+=("$TSHARK")
	for _ in $(seq 100); do grep -q Capturing "$W/tshark.err" 2>/dev/null && break; sleep 0.05; done
	router_run $PFX1 $TUN_R1 "$LOG_R1" || { echo "router xlat64 did not start"; return 1; }
	clat_conf
	xlat_run $NS_A "$W/clat.conf" "$LOG_A" "nsa ip link show $TUN_A" || return 1
	status_has "prefix $PFX1 from ra"
}

host_setup() {
	local a6
	nsa ip -4 addr show dev $TUN_A
	nsa ip -4 route
	nsa ip -6 route show dev $TUN_A
	nsa ip -6 neigh show proxy
	nsa ip link show $TUN_A | grep -q "mtu 1500" || fail "$TUN_A mtu is not 1500 (a0's)"
	nsa ip -4 addr show dev $TUN_A | grep -q "inet 192.0.0.1/32" || fail "no 192.0.0.1/32 on $TUN_A"
	nsa ip -4 route | grep -q "^default dev $TUN_A .*metric 2048 mtu 1480" ||
		fail "no IPv4 default route through $TUN_A with mtu 1480"
	a6=$(nsa ip -6 route show dev $TUN_A | awk '/^2001:db8:1:/ { print $1 }')
	[ -n "$a6" ] || { fail "no route of a 2001:db8:1::/64 address into $TUN_A"; return 1; }
	nsa ip -6 neigh show proxy | grep -q "^$a6 dev a0" || fail "$a6 is not proxied on a0"
	! nsa ip -6 addr show dev a0 | grep -q "$a6" || fail "$a6 is still an address of a0"
	[ "$(nsa sysctl -n net.ipv6.conf.all.forwarding)" = 1 ] || fail "forwarding is off"
	[ "$(nsa sysctl -n net.ipv6.conf.a0.accept_ra)" = 2 ] || fail "a0 accept_ra is not 2"
	[ "$(nsa sysctl -n net.ipv6.conf.a0.proxy_ndp)" = 1 ] || fail "a0 proxy_ndp is not 1"
	grep "clat:" "$LOG_A"
	grep -q "DAD passed" "$LOG_A" || fail "the CLAT address did not go through DAD"
}

discover_ra() {
	local out
	out=$(nsa "$XLAT64" discover --interface a0 --json)
	echo "$out"
	grep -q "\"prefix\":\"$PFX1\",\"length\":96,\"lifetime\":600,\"source\":\"ra\"" <<< "$out" ||
		fail "discover did not report $PFX1 from ra with lifetime 600"
}

# curl_ok [CURLARGS...] URL: the page comes back through the CLAT.
curl_ok() {
	local out
	out=$(nsa curl -sS --max-time 5 "$@")
	echo "$out"
	[ "$out" = "$PAGE" ] || fail "curl $*: '$out'"
}

ping_ok() {
	nsa ping -c 2 -i 0.2 -W 2 $S4 || fail "ping $S4 failed"
}

by_name() {
	local ans
	ans=$(nsa dig +short web.dns64.test A +time=2 +tries=1)
	echo "A: $ans"
	[ "$ans" = "$S4" ] || fail "the DNS64 gave '$ans' for web.dns64.test A"
	curl_ok -4 http://web.dns64.test/
}

# The first advertisements carry 64:ff9b::/96 with PLC 0 (/96) and 600 s = 75 units of 8 s.
tshark_pref64() {
	wait "$TSHARK" 2>/dev/null
	cat "$W/tshark.out"
	grep -Eq "^64:ff9b::,(0|0x0000),75$" "$W/tshark.out" ||
		fail "no RA with PREF64 64:ff9b::/96 PLC 0 lifetime 600 s decoded"
}

# Restart the router with the other prefix: on stop it advertises the old one with lifetime 0, so the CLAT
# drops it at once and takes the new one from the new daemon's first advertisement.
prefix_change() {
	router_stop || fail "router xlat64 did not stop cleanly"
	router_run $PFX2 $TUN_R2 "$LOG_R2" || { fail "router xlat64 did not restart"; return 1; }
	status_has "prefix $PFX2 from ra" || return 1
	curl_ok http://$S4/
	cli_a stats | grep CLAT_
	# 64:ff9b::/96, withdrawn (lifetime 0: CLAT_PREFIX_LOST), then 64:ff9b:1:fffe::/96
	[ "$(cli_a stats | awk '$1 == "CLAT_PREFIX_SET" { print $2 }')" = 2 ] || fail "CLAT_PREFIX_SET is not 2"
	[ "$(cli_a stats | awk '$1 == "CLAT_PREFIX_LOST" { print $2 }')" = 1 ] || fail "CLAT_PREFIX_LOST is not 1"
}

reload_keeps() {
	cli_a reload || fail "reload failed"
	status_has "prefix $PFX2 from ra" || return 1
	curl_ok http://$S4/
}

# The router stops advertising PREF64 (its last RAs withdraw the prefix) but keeps its DNS64: with no RA
# prefix, and its 10 s wait for one long over, the CLAT asks ipv4only.arpa (RFC 7050) at once.
rfc7050_fallback() {
	router_stop || fail "router xlat64 did not stop cleanly"
	NORA=1 router_run $PFX2 $TUN_R3 "$LOG_R3" || { fail "router xlat64 did not restart"; return 1; }
	status_has "prefix $PFX2 from rfc7050" || return 1
	curl_ok http://$S4/
	cli_a stats | grep CLAT_
}

stop_restores() {
	xlat_stop $NS_A $TUN_A
	snapshot $NS_A > "$W/after"
	diff "$W/before" "$W/after" || fail "host A differs after the CLAT stopped"
	grep -E "clat:|SIG" "$LOG_A"
	no_sanitizer_reports "$LOG_A" "$LOG_R1" "$LOG_R2" "$LOG_R3"
}

# clat-address6 set to the router's address: DAD fails, the daemon says so and exits 1, and whatever it
# had changed by then (sysctls, TUN) is back as before.
dad_duplicate() {
	local rc
	clat_conf
	echo "clat-address6 $RA" >> "$W/clat.conf"
	timeout 10 ip netns exec $NS_A "$XLAT64" run -f "$W/clat.conf" 2> "$W/dad.stderr"
	rc=$?
	cat "$W/dad.stderr"
	[ $rc = 1 ] || fail "exit status $rc, expected 1"
	grep -q "clat: $RA on a0: duplicate address (DAD failed)" "$W/dad.stderr" || fail "no DAD failure reported"
	snapshot $NS_A > "$W/after-dad"
	diff "$W/before" "$W/after-dad" || fail "host A differs after the failed start"
	no_sanitizer_reports "$W/dad.stderr"
}

if check e2e/clat/setup setup; then
	check e2e/clat/host-setup host_setup
	check e2e/clat/discover-ra discover_ra
	check e2e/clat/curl-literal curl_ok http://$S4/
	check e2e/clat/ping-literal ping_ok
	check e2e/clat/by-name by_name
	check e2e/clat/tshark-pref64 tshark_pref64
	check e2e/clat/prefix-change prefix_change
	check e2e/clat/reload-keeps-prefix reload_keeps
	check e2e/clat/rfc7050-fallback rfc7050_fallback
	check e2e/clat/stop-restores stop_restores
	check e2e/clat/dad-duplicate dad_duplicate
fi
# The servers and the router end here, with time to exit, so that the cleanup's SIGKILL finds none.
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
wait 2>/dev/null
e2e_finish "$LOG_A" "$LOG_R1" "$LOG_R2" "$LOG_R3"
