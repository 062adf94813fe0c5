#!/bin/bash
# tests/e2e/nat64.sh - xlat64 in stateful NAT64 mode (RFC 6146): two IPv6-only clients share one IPv4 address
# to reach an IPv4-only server. Run as root: `make e2e` or `bash tests/e2e/nat64.sh`.
# XLAT64=build/xlat64-san selects the sanitizer build (default build/xlat64). Prints PASS/FAIL per check.
#
#  client A ns (IPv6 only)   xlat ns (router, xlat64 in mode nat64)         server ns (IPv4 only)
# +---------------------+    +------------------------------------------+    +----------------------+
# | a0 2001:db8:1::2/64 +----+ xa 2001:db8:1::1/64                      |    |                      |
# +---------------------+veth| xb 2001:db8:2::1/64                      |veth|                      |
# +---------------------+    | x4 198.51.100.1/24 ----------------------+----+ s0 198.51.100.2/24   |
# | b0 2001:db8:2::7/64 +----+ TUN x64n0 = xlat64, 2 workers:          |    | no route to          |
# +---------------------+veth|   pool6 64:ff9b::/96 (routed in)         |    |   100.64.0.0/10  (a) |
#  client B ns (IPv6 only)   |   phase 1: pool4 100.64.0.1 (routed in), |    | route 192.0.2.0/24   |
#  both: default via         |     masqueraded to 198.51.100.1      (a) |    |   via 198.51.100.1   |
#    2001:db8:N::1           |   phase 2: pool4 192.0.2.1 (routed in),  |    +----------------------+
#                            |     masquerade no, static BIB        (b) |
#                            +------------------------------------------+
# The clients reach the server as 64:ff9b::198.51.100.2 (RFC 6052 well-known prefix). The test addresses
# (RFC 3849, RFC 5737) are not global, which RFC 6052 §3.1 forbids under 64:ff9b::/96: the configuration
# turns allow-nonglobal-ipv4 on for that.
# (a) Phase 1 is the setup of a box with one IPv4 address: no pool4 line, so pool4 is the private 100.64.0.1
#     and the daemon masquerades it behind x4's address with an nftables table it installs and removes
#     itself. The server cannot route to 100.64.0.0/10 at all, so every reply proves the masquerade.
#     A static BIB entry 100.64.0.1#8080 -> client A#8080 is port forwarding only together with a DNAT
#     rule from the box's address to 100.64.0.1, which is the admin's (docs/nat64.md): the test adds one.
# (b) Phase 2 restarts the daemon with an explicit pool4 the IPv4 side can route to (192.0.2.1, standing
#     for a public address), no masquerade, and a static BIB entry 192.0.2.1#8080 -> client A#8080: the
#     server opens a TCP connection straight to the IPv6 client (port forwarding).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
e2e_init e2e/nat64 x64n-$$

NS_A=x64n-$$-a; NS_B=x64n-$$-b; NS_X=x64n-$$-x; NS_S=x64n-$$-s
# Two workers: each IPv6 flow (source address and port) goes to the one a hash picks (nat64_steer()).
CA=2001:db8:1::2; XA=2001:db8:1::1; CB=2001:db8:2::7; XB=2001:db8:2::1
X4=198.51.100.1; S4=198.51.100.2
T6=64:ff9b::198.51.100.2; T6N=64:ff9b::c633:6402	# the server as the clients see it; as traceroute prints it
POOL4_DEF=100.64.0.1; POOL4_PUB=192.0.2.1
OWN6=2001:db8:ffff::1; TUN=x64n0
SOCK=$W/xlat64.sock; XLOG1=$W/xlat64-1.stderr; XLOG2=$W/xlat64-2.stderr; XLOG3=$W/xlat64-3.stderr
HTTPLOG=$W/http.log
TIMEOUT_S=3	# udp-timeout, icmp-timeout and tcp-trans-timeout of the test

nsa() { ip netns exec "$NS_A" "$@"; }
nsx() { ip netns exec "$NS_X" "$@"; }
nss() { ip netns exec "$NS_S" "$@"; }
cli() { "$XLAT64" "$@" --socket "$SOCK"; }

topology() {
	ns_add $NS_A $NS_B $NS_X $NS_S || return 1
	ns_v4only $NS_S
	ns_router $NS_X
	veth $NS_A a0 $NS_X xa || return 1
	veth $NS_B b0 $NS_X xb || return 1
	veth $NS_X x4 $NS_S s0 || return 1

	host6 $NS_A a0 $CA $XA
	host6 $NS_B b0 $CB $XB

	ip -n $NS_X addr add $XA/64 dev xa nodad
	ip -n $NS_X addr add $XB/64 dev xb nodad
	ip -n $NS_X addr add $X4/24 dev x4
	ip -n $NS_X link set xa up
	ip -n $NS_X link set xb up
	ip -n $NS_X link set x4 up

	ip -n $NS_S addr add $S4/24 dev s0
	ip -n $NS_S link set s0 up
	ip -n $NS_S route add 192.0.2.0/24 via $X4 dev s0
	links_up $NS_A:a0 $NS_B:b0 $NS_X:xa $NS_X:xb $NS_X:x4 $NS_S:s0
}

# conf N EXTRA...: the configuration of phase N, EXTRA lines appended.
conf() {
	local n=$1 l
	shift
	cat > "$W/xlat64-$n.conf" <<-EOF
	mode nat64
	device $TUN
	# two workers: the kernel steers each packet to the one that holds its state (tun_steer.c)
	queues 2
	socket $SOCK
	pool6 64:ff9b::/96
	# RFC 6052 section 3.1: the well-known prefix carries only global IPv4 addresses unless this is on,
	# and the test's RFC 5737 addresses are not global
	allow-nonglobal-ipv4 yes
	# source of the translator's own ICMPv6 errors (Time Exceeded: it is a hop of traceroute)
	address6 $OWN6
	udp-timeout ${TIMEOUT_S}s
	icmp-timeout ${TIMEOUT_S}s
	tcp-trans-timeout ${TIMEOUT_S}s
	EOF
	for l in "$@"; do echo "$l" >> "$W/xlat64-$n.conf"; done
}

nft_tables() { nsx nft list tables 2>&1; }
routed_in() {	# routed_in IPV4: pool6 and this pool4 address go into the TUN
	ip -n $NS_X -6 route get $T6 2>/dev/null | grep -q "dev $TUN" &&
		ip -n $NS_X route get "$1" 2>/dev/null | grep -q "dev $TUN"
}
ready1() { routed_in $POOL4_DEF && [ -n "$(nft_tables)" ]; }
ready2() { routed_in $POOL4_PUB; }

# Phase 1: no pool4 line (pool4 100.64.0.1, masqueraded by the daemon's own nftables rule), and port 8080 of
# the default pool4 forwarded to client A.
start1() {
	conf 1 "bib tcp $POOL4_DEF#8080 $CA#8080"
	TABLES0=$(nft_tables)
	echo "nftables before xlat64: ${TABLES0:-none}"
	xlat_run $NS_X "$W/xlat64-1.conf" "$XLOG1" ready1 || return 1
	TABLES1=$(nft_tables)
	echo "nftables while xlat64 runs:"; nsx nft list ruleset
}

servers() {
	mkdir -p "$W/www4" "$W/www6"
	echo "hello from the IPv4-only server" > "$W/www4/hello.txt"
	echo "hello from IPv6-only client A" > "$W/www6/hello.txt"
	# The HTTP server logs each request with the address it came from: what the server sees as source.
	ip netns exec $NS_S $PY -m http.server --bind $S4 --directory "$W/www4" 8080 >> "$LOG" 2> "$HTTPLOG" &
	PIDS+=($!)
	spawn $NS_S $PY $E2E/peer.py udp-echo-server $S4 7777
	spawn $NS_A $PY -m http.server --bind :: --directory "$W/www6" 8080
	listening $NS_S tcp 8080 && listening $NS_S udp 7777 && listening $NS_A tcp 8080
}

# --- checks -------------------------------------------------------------------------------------------
ping_from() { ip netns exec "$1" ping -6 -c 3 -i 0.2 -W 2 $T6 || fail "no echo reply from $T6"; }

# curl_from NS TAG: the file, asked for as /hello.txt?client=TAG so that the server's log tells who asked.
curl_from() {
	local got
	got=$(ip netns exec "$1" curl -g -sS --max-time 5 "http://[$T6]:8080/hello.txt?client=$2") ||
		fail "curl http://[$T6]:8080/ failed"
	[ "$got" = "hello from the IPv4-only server" ] || fail "content differs: '$got'"
}

udp_from() { ip netns exec "$1" $PY $E2E/peer.py udp-echo $T6 7777 200 || fail "$(tail -n 1 "$LOG")"; }
# 4000 bytes: the client sends IPv6 fragments, the server's reply comes back as IPv4 fragments, which the
# kernel steers by their addresses and Identification and the worker reassembles before the tables.
udp_frag_from() { ip netns exec "$1" $PY $E2E/peer.py udp-echo $T6 7777 4000 || fail "$(tail -n 1 "$LOG")"; }

# The daemon loaded the eBPF program that steers packets to the worker holding their state.
steering() {
	grep -q "eBPF steering: each packet" "$XLOG1" || fail "no eBPF steering: $(grep -i steering "$XLOG1")"
}

# udp_from_port NS SPORT: one echo from a fixed source port, so that the worker of the flow is fixed too.
udp_from_port() {
	ip netns exec "$1" $PY -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("::", int(sys.argv[2])))
s.settimeout(2)
s.sendto(b"x" * 32, (sys.argv[1], 7777))
sys.exit(0 if s.recvfrom(100)[0] == b"x" * 32 else "the echo differs")' $T6 "$2" || fail "no echo from port $2"
}

# With 2 workers, worker w hands out the pool4 ports p with p % 2 == w (nat64_new()): UDP sessions with
# even and odd IPv4 ports are in both workers' tables. Source ports 7001 and 7002 of either client hash
# to different workers.
both_workers() {
	local out p
	for p in 7001 7002; do udp_from_port $NS_A $p && udp_from_port $NS_B $p || return 1; done
	out=$(json_sessions udp 7777) || fail "xlat64 sessions --json failed"
	echo "$out"
	grep -q 'ipv4=[0-9.]*#[0-9]*[02468] ' <<< "$out" || fail "no session in worker 0 (even pool4 port)"
	grep -q 'ipv4=[0-9.]*#[0-9]*[13579] ' <<< "$out" || fail "no session in worker 1 (odd pool4 port)"
}

# Hops: the xlat box's kernel, xlat64 itself (it decrements the hop limit, RFC 7915 §5.1, and answers Time
# Exceeded from address6), the xlat box's kernel again on the IPv4 side (its Time Exceeded to 100.64.0.1
# is translated through the probe's session), then the server's Port Unreachable, translated likewise.
trace6() {
	local out
	out=$(nsa traceroute -6 -n -q 1 -w 1 -m 8 $T6 2>&1); echo "$out"
	echo "$out" | tail -n 1 | grep -qw -- "$T6N" || fail "last hop is not $T6: $(echo "$out" | tail -n 1)"
	echo "$out" | grep -qw -- "$OWN6" || fail "no hop from the translator ($OWN6)"
}

# peer_of TAG: the source address of the HTTP request tagged TAG, as the server logged it.
peer_of() { grep -F "GET /hello.txt?client=$1 " "$HTTPLOG" | tail -n 1 | awk '{ print $1 }'; }

# RFC 6146 with the default pool4: the server sees the box's own IPv4 address, never 100.64.0.1.
masquerade_source() {
	local a
	a=$(peer_of a); echo "client A's request came from ${a:-nowhere}"
	[ "$a" = $X4 ] || fail "the server saw client A as '${a:-nothing}', not as the box's address $X4"
}

# Two IPv6 hosts, one IPv4 address: both clients' requests come from the same source.
shared_address() {
	local a b
	a=$(peer_of a); b=$(peer_of b); echo "client A as ${a:-nothing}, client B as ${b:-nothing}"
	[ -n "$a" ] && [ "$a" = "$b" ] || fail "the clients do not share one IPv4 address: A as '$a', B as '$b'"
}

# sessions_have TEXT ADDR...: every address occurs in TEXT (exact address words, as printed).
sessions_have() {
	local text=$1 a
	shift
	for a in "$@"; do grep -qw -- "$a" <<< "$text" || fail "no session of $a"; done
}

# Fresh flows from both clients, then the tables must show them.
sessions_text() {
	local out
	udp_from $NS_A && udp_from $NS_B || return 1
	out=$(cli sessions) || fail "xlat64 sessions failed"
	echo "$out"
	sessions_have "$out" $CA $CB
}

# json_sessions FILTER...: the rows of `xlat64 sessions --json` (a JSON array of objects), one per line,
# as "key=value ..." text, only those that contain every FILTER word (case-insensitive).
json_sessions() {
	cli sessions --json | $PY -c '
import json, sys
try:
    rows = json.load(sys.stdin)
except ValueError as e:
    sys.exit("not JSON: %s" % e)
if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
    sys.exit("not a JSON array of objects")
want = [w.lower() for w in sys.argv[1:]]
for r in rows:
    line = " ".join("%s=%s" % kv for kv in sorted(r.items()))
    if all(w in line.lower() for w in want):
        print(line)
' "$@"
}

sessions_json() {
	local out
	out=$(json_sessions) || fail "xlat64 sessions --json does not parse as a JSON array of objects"
	echo "$out"
	sessions_have "$out" $CA $CB
}

# A UDP session lives udp-timeout after its last packet, plus at most one wheel slot (1 s) and one tick
# (1 s) of the daemon: it must be listed until then, and gone by then.
session_expiry() {
	local t0 t gone='' _
	udp_from $NS_A || return 1
	t0=$(date +%s%N)
	json_sessions udp $CA 7777 | grep -q . || fail "no UDP session of $CA right after the exchange"
	for _ in $(seq 20); do
		sleep 0.5
		t=$(( ($(date +%s%N) - t0) / 1000000 ))
		json_sessions udp $CA 7777 | grep -q . || { gone=$t; break; }
	done
	echo "the UDP session was listed until ${gone:-beyond} ms (udp-timeout ${TIMEOUT_S}s)"
	[ -n "$gone" ] || fail "the UDP session is still listed $t ms after its last packet"
	[ -z "$gone" ] || [ "$gone" -ge $((TIMEOUT_S * 1000 - 500)) ] ||
		fail "the UDP session was gone after $gone ms, before its ${TIMEOUT_S} s"
}

# With the default pool4, port forwarding needs the admin's own DNAT from the box's address to 100.64.0.1
# (docs/nat64.md): the server dials the box, the kernel hands the connection to the static entry.
static_bib_dnat() {
	local got
	nsx nft -f - <<-EOF || { fail "nft: cannot add the test's DNAT table"; return 1; }
	table ip x64n_test {
		chain prerouting {
			type nat hook prerouting priority dstnat;
			ip daddr $X4 tcp dport 8080 dnat to $POOL4_DEF
		}
	}
	EOF
	got=$(nss curl -sS --max-time 5 "http://$X4:8080/hello.txt") || fail "curl http://$X4:8080/ from the server failed"
	[ "$got" = "hello from IPv6-only client A" ] || fail "content differs: '$got'"
	nsx nft delete table ip x64n_test
}

# SIGTERM ends the daemon, its TUN goes and the nftables of the namespace are as they were before.
stop_daemon() {
	xlat_stop $NS_X $TUN
	local now
	now=$(nft_tables)
	echo "nftables after xlat64: ${now:-none}"
	[ "$now" = "$TABLES0" ] || fail "nftables table left behind: $now"
}
shutdown1() {
	[ -n "$TABLES1" ] && [ "$TABLES1" != "$TABLES0" ] || fail "no nftables table while xlat64 ran"
	stop_daemon
}

# Phase 2: an explicit pool4 the IPv4 side routes to, no masquerade, and port forwarding into client A.
start2() {
	conf 2 "pool4 $POOL4_PUB/32" "pool4 $POOL4_PUB/32 8080 tcp" "pool4 $POOL4_PUB/32 8081 udp" "masquerade no" \
		"bib tcp $POOL4_PUB#8080 $CA#8080"
	xlat_run $NS_X "$W/xlat64-2.conf" "$XLOG2" ready2 || fail "xlat64 did not come up: $(tail -n 1 "$XLOG2")"
}

static_bib() {
	local got out
	out=$(cli bib) || fail "xlat64 bib failed"
	echo "$out"
	grep -w -- "$CA" <<< "$out" | grep -qw 8080 || fail "xlat64 bib does not list the static entry"
	got=$(nss curl -sS --max-time 5 "http://$POOL4_PUB:8080/hello.txt") ||
		fail "curl http://$POOL4_PUB:8080/ from the server failed"
	[ "$got" = "hello from IPv6-only client A" ] || fail "content differs: '$got'"
}

pool4_source() {
	local b
	curl_from $NS_B b2 || return 1
	b=$(peer_of b2); echo "client B's request came from ${b:-nowhere}"
	[ "$b" = $POOL4_PUB ] || fail "the server saw client B as '${b:-nothing}', not as pool4 $POOL4_PUB"
}

# `xlat64 reload` with a longer udp-timeout and one more static BIB entry: client A's binding and session
# stay (the same pool4 port before and after), the new entry and setting show; pool4 is restart-only.
reload_keeps_sessions() {
	local before after out
	a_udp() { json_sessions udp $CA 7777 | head -n 1 | sed 's/expires=[0-9]* //'; }
	udp_from $NS_A || return 1
	before=$(a_udp)
	echo "before: $before"
	[ -n "$before" ] || { fail "no UDP session of $CA to keep"; return 1; }
	TIMEOUT_S=300 conf 2 "pool4 $POOL4_PUB/32" "pool4 $POOL4_PUB/32 8080 tcp" "pool4 $POOL4_PUB/32 8081 udp" \
		"masquerade no" "bib tcp $POOL4_PUB#8080 $CA#8080" "bib udp $POOL4_PUB#8081 $CA#7777"
	cli reload || fail "xlat64 reload failed"
	after=$(a_udp)
	echo "after: $after"
	[ "$after" = "$before" ] || fail "the session changed or went: '$after'"
	cli config | grep -qx "udp-timeout 5m" || fail "xlat64 config does not show udp-timeout 5m"
	cli bib | grep -w 8081 | grep -qw -- "$CA" || fail "xlat64 bib does not list the new static entry"
	conf 2 "pool4 $POOL4_PUB/32 61001-62000" "masquerade no"
	out=$(cli reload 2>&1) && fail "a pool4 change was accepted"
	grep -q "pool4 changed, which needs a restart" <<< "$out" || fail "unexpected answer: $out"
	[ "$(a_udp)" = "$before" ] || fail "the refused reload lost the session"
}

# Phase 3: phase 2 again without eBPF steering. The daemon runs without CAP_BPF and CAP_SYS_ADMIN, so the
# kernel refuses the program and picks queues by its flow hash; the workers hand each packet to the one
# that holds its state (NAT64_FOREIGN).
start3() {
	conf 3 "pool4 $POOL4_PUB/32" "pool4 $POOL4_PUB/32 8080 tcp" "masquerade no" "bib tcp $POOL4_PUB#8080 $CA#8080"
	printf '#!/bin/sh\nexec setpriv --bounding-set -sys_admin,-bpf %s "$@"\n' "$(readlink -f "$XLAT64")" > "$W/nobpf"
	chmod +x "$W/nobpf"
	XLAT64=$W/nobpf xlat_run $NS_X "$W/xlat64-3.conf" "$XLOG3" ready2 ||
		fail "xlat64 did not come up: $(tail -n 1 "$XLOG3")"
	grep -q "no eBPF steering" "$XLOG3" || fail "eBPF steering was not refused: $(grep -i steering "$XLOG3")"
}

fallback_traffic() {
	local n
	ping_from $NS_A && ping_from $NS_B && curl_from $NS_A a3 && curl_from $NS_B b3 && udp_from $NS_A &&
		udp_from $NS_B && udp_frag_from $NS_A && udp_frag_from $NS_B && static_bib && both_workers || return 1
	n=$(cli stats | awk '$1 == "NAT64_FOREIGN" { print $2 }')
	echo "NAT64_FOREIGN ${n:-0}"
	[ "${n:-0}" -gt 0 ] || fail "no packet was handed to another worker"
}

sanitizers() { no_sanitizer_reports "$XLOG1" "$XLOG2" "$XLOG3"; }

# --- run ------------------------------------------------------------------------------------------------
command -v nft > /dev/null || e2e_abort "nft missing (apt-get install nftables)"
topology >> "$LOG" 2>&1 || e2e_abort "topology setup failed"
TABLES0=; TABLES1=
start1 >> "$LOG" 2>&1 || e2e_abort "xlat64 did not come up: $(tail -n 1 "$XLOG1")"
servers || e2e_abort "servers did not start"

check e2e/nat64/ping-client-a ping_from $NS_A
check e2e/nat64/ping-client-b ping_from $NS_B
check e2e/nat64/tcp-curl-client-a curl_from $NS_A a
check e2e/nat64/tcp-curl-client-b curl_from $NS_B b
check e2e/nat64/udp-client-a udp_from $NS_A
check e2e/nat64/udp-client-b udp_from $NS_B
check e2e/nat64/udp-fragments-client-a udp_frag_from $NS_A
check e2e/nat64/udp-fragments-client-b udp_frag_from $NS_B
check e2e/nat64/ebpf-steering steering
check e2e/nat64/sessions-both-workers both_workers
check e2e/nat64/traceroute6 trace6
check e2e/nat64/masquerade-source masquerade_source
check e2e/nat64/shared-address shared_address
check e2e/nat64/sessions sessions_text
check e2e/nat64/sessions-json sessions_json
check e2e/nat64/session-expiry session_expiry
check e2e/nat64/static-bib-dnat static_bib_dnat
check e2e/nat64/shutdown shutdown1
check e2e/nat64/start-public-pool4 start2
check e2e/nat64/static-bib static_bib
check e2e/nat64/pool4-source pool4_source
check e2e/nat64/reload-keeps-sessions reload_keeps_sessions
check e2e/nat64/shutdown-public-pool4 stop_daemon
check e2e/nat64/start-without-ebpf start3
check e2e/nat64/without-ebpf-traffic fallback_traffic
check e2e/nat64/shutdown-without-ebpf stop_daemon
check e2e/nat64/sanitizers sanitizers

e2e_finish "$XLOG1" "$XLOG2" "$XLOG3"
