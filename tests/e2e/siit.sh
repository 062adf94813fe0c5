#!/bin/bash
# tests/e2e/siit.sh - xlat64 in SIIT mode between an IPv6-only and an IPv4-only network namespace, with
# real clients and servers. Run as root: `make e2e` or `bash tests/e2e/siit.sh`.
# XLAT64=build/xlat64-san selects the sanitizer build (default build/xlat64). Prints PASS/FAIL per check.
#
#  client ns (IPv6 only)     xlat ns (router + xlat64)                   server ns (IPv4 only)
# +--------------------+    +-----------------------------------------+    +----------------------+
# | c0 2001:db8:1::2/64+----+ x6 2001:db8:1::1/64                     |    |                      |
# |  (192.0.2.2 to the |veth|    route 2001:db8:1::/64 mtu 1280   (a) |veth|                      |
# |  IPv4 side, EAMT)  |    | x4 198.51.100.1/24 ---------------------+----+ s0 198.51.100.2/24   |
# | default via        |    |    route 198.51.100.0/24 mtu 1400   (a) |    | route 192.0.2.0/24   |
# |   2001:db8:1::1    |    | TUN x64e0 = xlat64:                     |    |   via 198.51.100.1   |
# +--------------------+    |   pool6 2001:db8:64::/96                |    +----------------------+
#                           |   eamt 192.0.2.0/24 2001:db8:1::/120    |
#                           |   route4 192.0.2.0/24                   |
#                           +-----------------------------------------+
# The client reaches the server as 2001:db8:64::198.51.100.2 (RFC 6052 pool6); the server reaches the
# client as 192.0.2.2 (RFC 7757 EAMT).
# (a) The endpoints' links are 1500 bytes, so their TCP MSS hides nothing, but the xlat box's routes
#     onward are narrower: every large translated packet meets a kernel that answers Packet Too Big /
#     Fragmentation Needed, which must come back through the translator (RFC 7915 §4.2, §5.2) for TCP
#     to finish, in both directions.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
e2e_init e2e/siit x64e-$$

NS_C=x64e-$$-c; NS_X=x64e-$$-x; NS_S=x64e-$$-s
C6=2001:db8:1::2; X6=2001:db8:1::1; C4=192.0.2.2	# C4: the client as the IPv4 side sees it
X4=198.51.100.1; S4=198.51.100.2; T6=2001:db8:64::198.51.100.2	# T6: the server as the client sees it
T6N=2001:db8:64::c633:6402	# T6 as traceroute -n prints it
OWN4=203.0.113.1; OWN6=2001:db8:ffff::1; TUN=x64e0
XLOG=$W/xlat64.stderr

nsc() { ip netns exec "$NS_C" "$@"; }
nsx() { ip netns exec "$NS_X" "$@"; }
nss() { ip netns exec "$NS_S" "$@"; }

topology() {
	ns_add $NS_C $NS_X $NS_S || return 1
	ns_v4only $NS_S
	ns_router $NS_X
	veth $NS_C c0 $NS_X x6 || return 1
	veth $NS_X x4 $NS_S s0 || return 1

	host6 $NS_C c0 $C6 $X6

	ip -n $NS_X addr add $X6/64 dev x6 nodad noprefixroute
	ip -n $NS_X addr add $X4/24 dev x4 noprefixroute
	ip -n $NS_X link set x6 up
	ip -n $NS_X link set x4 up
	ip -n $NS_X -6 route add 2001:db8:1::/64 dev x6 mtu 1280
	ip -n $NS_X route add 198.51.100.0/24 dev x4 src $X4 mtu 1400

	ip -n $NS_S addr add $S4/24 dev s0
	ip -n $NS_S link set s0 up
	ip -n $NS_S route add 192.0.2.0/24 via $X4 dev s0
	links_up $NS_C:c0 $NS_X:x6 $NS_X:x4 $NS_S:s0
}

# write_conf [POOL6 [EXTRA-LINE]]
write_conf() {
	cat > "$W/xlat64.conf" <<-EOF
	# e2e SIIT: the client's /120 is 192.0.2.0/24 for IPv4, every other IPv4 host is pool6
	mode siit
	device $TUN
	queues 2
	socket $W/xlat64.sock
	pool6 ${1:-2001:db8:64::/96}
	${2:-}
	eamt 192.0.2.0/24 2001:db8:1::/120
	route4 192.0.2.0/24
	address4 $OWN4
	address6 $OWN6
	EOF
}
start_xlat() {
	write_conf
	xlat_run $NS_X "$W/xlat64.conf" "$XLOG" routes_in
}
routes_in() {
	ip -n $NS_X -6 route show 2001:db8:64::/96 2>/dev/null | grep -q "dev $TUN" &&
		ip -n $NS_X route show 192.0.2.0/24 2>/dev/null | grep -q "dev $TUN"
}

servers() {
	mkdir -p "$W/www"
	echo "hello from the IPv4-only server" > "$W/www/hello.txt"
	head -c $((2 * 1024 * 1024)) /dev/urandom > "$W/www/big.bin"
	spawn $NS_S $PY -m http.server --bind $S4 --directory "$W/www" 8080
	spawn $NS_S $PY $E2E/peer.py udp-echo-server $S4 7777
	spawn $NS_C $PY $E2E/peer.py udp-echo-server :: 7777
	spawn $NS_S $PY $E2E/peer.py tcp-sink $S4 9001
	listening $NS_S tcp 8080 9001 && listening $NS_S udp 7777 && listening $NS_C udp 7777
}

# --- checks -------------------------------------------------------------------------------------------
ping_6to4() { nsc ping -6 -c 3 -i 0.2 -W 2 $T6 || fail "no echo reply from $T6"; }
ping_4to6() { nss ping -4 -c 3 -i 0.2 -W 2 $C4 || fail "no echo reply from $C4"; }

tcp_curl() {
	local got
	got=$(nsc curl -g -sS --max-time 5 "http://[$T6]:8080/hello.txt") || fail "curl http://[$T6]:8080/ failed"
	[ "$got" = "hello from the IPv4-only server" ] || fail "content differs: '$got'"
}

udp_6to4() { nsc $PY $E2E/peer.py udp-echo $T6 7777 200 || fail "$(tail -n 1 "$LOG")"; }
udp_4to6() { nss $PY $E2E/peer.py udp-echo $C4 7777 200 || fail "$(tail -n 1 "$LOG")"; }

# Super-packets end to end. UDP GSO (UDP_SEGMENT senders): the client's super-packets reach xlat64 whole
# through the TUN's USO offload and are translated as one (GSO_RX); the server's, sent with DF clear, are
# cut in software (GSO_SOFT_SEGMENTED), since each 1400-byte segment becomes two IPv6 fragments
# (lowest-ipv6-mtu 1280, RFC 7915 §4.1) that the client reassembles. Every datagram must arrive, byte for
# byte. Then the same for the server's TCP (TSO) without DF. Before the path MTU checks: once the server
# has learned MTU 1260 toward the client, its kernel refuses 1400-byte UDP segments.
# gso_pass RECV-NS BIND SEND-NS DEST PORT SIZE [nodf]
gso_pass() {
	local p out=$W/gso-$5.out
	ip netns exec $1 $PY $E2E/peer.py udp-gso-recv $2 $5 $6 2000 16 5 > "$out" 2>&1 &
	p=$!
	for _ in $(seq 50); do grep -q ready "$out" && break; sleep 0.05; done
	ip netns exec $3 $PY $E2E/peer.py udp-gso-send $4 $5 $6 2000 16 ${7:-} || { kill $p; fail "udp-gso-send to $4"; }
	wait $p || fail "to $4: $(tail -n 1 "$out")"
	cat "$out"
	[ -z "$why" ]
}
stat_of() { nsx "$XLAT64" stats --all --socket $W/xlat64.sock | awk -v n=$1 '$1 == n { print $2 }'; }
gso_super() {
	local rx0 rx1 soft0 soft1 soft2
	rx0=$(stat_of GSO_RX); soft0=$(stat_of GSO_SOFT_SEGMENTED)
	gso_pass $NS_S $S4 $NS_C $T6 9003 1200 || return 1
	rx1=$(stat_of GSO_RX)
	gso_pass $NS_C :: $NS_S $C4 9004 1372 nodf || return 1
	soft1=$(stat_of GSO_SOFT_SEGMENTED)
	# TCP too: the server's TSO super-packets without DF, each segment in two IPv6 fragments.
	spawn $NS_C $PY $E2E/peer.py tcp-sink :: 9005
	listening $NS_C tcp 9005 || { fail "no TCP listener in the client"; return 1; }
	nss $PY $E2E/peer.py tcp-upload $C4 9005 $((4 * 1024 * 1024)) nodf || { fail "TCP upload without DF"; return 1; }
	soft2=$(stat_of GSO_SOFT_SEGMENTED)
	echo "GSO_RX $rx0 -> $rx1 (UDP 6->4); GSO_SOFT_SEGMENTED $soft0 -> $soft1 (UDP 4->6) -> $soft2 (TCP 4->6)"
	grep -q uso4 "$XLOG" || { echo "no USO offload on the TUN: the kernel segmented the datagrams itself"; return 0; }
	[ "${rx1:-0}" -gt "${rx0:-0}" ] || fail "no UDP super-packet translated as one"
	[ "${soft1:-0}" -gt "${soft0:-0}" ] || fail "no UDP super-packet cut in software"
	[ "${soft2:-0}" -gt "${soft1:-0}" ] || fail "no TCP super-packet cut in software"
}

# Hops: the xlat box's kernel, then xlat64 itself (a router: RFC 7915 §5.1 decrements the hop limit and
# answers Time Exceeded from address6), then the server's Port Unreachable translated back to ICMPv6.
trace6() {
	local out
	out=$(nsc traceroute -6 -n -q 1 -w 1 -m 8 $T6 2>&1); echo "$out"
	echo "$out" | tail -n 1 | grep -qw -- "$T6N" || fail "last hop is not $T6: $(echo "$out" | tail -n 1)"
	echo "$out" | grep -qw -- "$OWN6" || fail "no hop from the translator ($OWN6)"
}

# The same from the IPv4 side: the translator's Time Exceeded comes from address4 (RFC 7915 §4.1), the
# client's Port Unreachable is translated to ICMPv4.
trace4() {
	local out
	out=$(nss traceroute -4 -n -q 1 -w 1 -m 8 $C4 2>&1); echo "$out"
	echo "$out" | tail -n 1 | grep -qw -- "$C4" || fail "last hop is not $C4: $(echo "$out" | tail -n 1)"
	echo "$out" | grep -qw -- "$OWN4" || fail "no hop from the translator ($OWN4)"
}

# IPv4 -> IPv6 bulk data: the server's 1480-byte DF packets become 1500-byte IPv6 ones that the xlat box
# cannot forward (mtu 1280): its ICMPv6 Packet Too Big must reach the server as Fragmentation Needed.
pmtud_download() {
	local ok=yes mtu
	nsc curl -g -sS --max-time 15 -o "$W/big.got" "http://[$T6]:8080/big.bin" || ok=no
	mtu=$(nss ip route get $C4 | grep -o 'mtu [0-9]*'); echo "server's path MTU to $C4: ${mtu:-none}"
	[ "$mtu" = "mtu 1260" ] ||
		fail "the server did not learn path MTU 1260 to $C4 (${mtu:-none}; download completed: $ok)"
	[ $ok = yes ] || fail "curl of 2 MiB failed"
	cmp "$W/big.got" "$W/www/big.bin" || fail "2 MiB download: content differs"
}
# IPv6 -> IPv4 bulk data: the client's 1500-byte packets become 1480-byte IPv4 ones (DF set, RFC 7915
# §5.1) that meet the mtu 1400 route: Fragmentation Needed must reach the client as Packet Too Big.
pmtud_upload() {
	local ok=yes mtu err
	err=$(nsc $PY $E2E/peer.py tcp-upload $T6 9001 $((2 * 1024 * 1024)) 2>&1) || ok=no
	echo "$err"
	mtu=$(nsc ip -6 route get $T6 | grep -o 'mtu [0-9]*'); echo "client's path MTU to $T6: ${mtu:-none}"
	[ "$mtu" = "mtu 1420" ] ||
		fail "the client did not learn path MTU 1420 to $T6 (${mtu:-none}; upload completed: $ok)"
	[ $ok = yes ] || fail "2 MiB upload: $err"
}

# An IPv4 datagram with DF clear, fragmented by the sender; every fragment is translated on its own (and
# split again to fit 1280, RFC 7915 §4 / lowest-ipv6-mtu); the client must reassemble the whole.
frag_4to6() {
	local p
	nsc $PY $E2E/peer.py udp-recv :: 9999 3000 5 > "$W/recv.out" 2>&1 &
	p=$!
	for _ in $(seq 50); do grep -q ready "$W/recv.out" && break; sleep 0.05; done
	nss $PY $E2E/peer.py udp-send-nodf $C4 9999 3000
	wait $p || fail "$(tail -n 1 "$W/recv.out")"
	cat "$W/recv.out"
}
frag_6to4() { nsc $PY $E2E/peer.py udp-echo $T6 7777 3000 || fail "$(tail -n 1 "$LOG")"; }

bad_input() {
	local mx6 mx4
	mx6=$(nsx cat /sys/class/net/x6/address); mx4=$(nsx cat /sys/class/net/x4/address)
	nsx $PY $E2E/badpkt.py $TUN - $C6 $T6 $S4 $C4 46 || fail "badpkt.py on the TUN: $(tail -n 1 "$LOG")"
	nsc $PY $E2E/badpkt.py c0 "$mx6" $C6 $T6 $S4 $C4 6 || fail "badpkt.py in the client: $(tail -n 1 "$LOG")"
	nss $PY $E2E/badpkt.py s0 "$mx4" $C6 $T6 $S4 $C4 4 || fail "badpkt.py in the server: $(tail -n 1 "$LOG")"
	kill -0 $XPID 2>/dev/null || fail "xlat64 died"
	nsc ping -6 -c 2 -i 0.2 -W 2 $T6 || fail "xlat64 alive but ping 6->4 fails afterwards"
	nss ping -4 -c 2 -i 0.2 -W 2 $C4 || fail "xlat64 alive but ping 4->6 fails afterwards"
}

# A new pool6 by `xlat64 reload`: routed, translated, the old route gone; then a file with an error and a
# change that needs a restart are refused with the reason, and nothing changes; SIGHUP goes back.
reload() {
	local out
	write_conf 2001:db8:46::/96
	nsx "$XLAT64" reload --socket $W/xlat64.sock || fail "xlat64 reload failed"
	ip -n $NS_X -6 route show 2001:db8:46::/96 | grep -q "dev $TUN" || fail "new pool6 not routed"
	ip -n $NS_X -6 route show 2001:db8:64::/96 | grep -q . && fail "old pool6 still routed"
	nsc ping -6 -c 2 -i 0.2 -W 2 2001:db8:46::198.51.100.2 || fail "no echo reply through the new pool6"
	write_conf 2001:db8:46::/96 "mtu-plateaus 1500,1280,x"
	out=$(nsx "$XLAT64" reload --socket $W/xlat64.sock 2>&1) && fail "a broken file was accepted"
	echo "$out"
	grep -q "xlat64.conf:7: mtu-plateaus" <<<"$out" || fail "no file:line in '$out'"
	write_conf 2001:db8:46::/96 "mtu 1400"
	out=$(nsx "$XLAT64" reload --socket $W/xlat64.sock 2>&1) && fail "an mtu change was accepted"
	echo "$out"
	grep -q "mtu changed, which needs a restart" <<<"$out" || fail "unexpected answer '$out'"
	nsc ping -6 -c 1 -W 2 2001:db8:46::198.51.100.2 || fail "the refused reloads changed something"
	write_conf
	kill -HUP $XPID
	for _ in $(seq 40); do grep -q "SIGHUP: reloaded" "$XLOG" && break; sleep 0.05; done
	grep -q "SIGHUP: reloaded" "$XLOG" || fail "no reload on SIGHUP"
	nsc ping -6 -c 2 -i 0.2 -W 2 $T6 || fail "no echo reply after reloading the first pool6 again"
}

# The 2 MiB file from the server, byte for byte.
download() {
	nsc curl -g -sS --max-time 15 -o "$W/big.got" "http://[$T6]:8080/big.bin" || { fail "curl of 2 MiB failed"; return 1; }
	cmp "$W/big.got" "$W/www/big.bin" || fail "2 MiB download: content differs"
}

# coalesce-usecs (worker_ring.c) is applied by a reload: off, then a UDP GSO burst and a 2 MiB download
# byte for byte, then back to the default.
coalesce_reload() {
	write_conf "" "coalesce-usecs 0"
	nsx "$XLAT64" reload --socket $W/xlat64.sock || fail "reload with coalesce-usecs 0 refused"
	nsx "$XLAT64" config --socket $W/xlat64.sock | grep -qx "coalesce-usecs 0" || fail "config does not show coalesce-usecs 0"
	nsx "$XLAT64" status --socket $W/xlat64.sock | grep -q "^io  *[a-z]*, coalesce-usecs 0," || fail "status does not show coalesce-usecs 0"
	gso_pass $NS_S $S4 $NS_C $T6 9003 1200 && download
	write_conf
	nsx "$XLAT64" reload --socket $W/xlat64.sock || fail "reload back refused"
	nsx "$XLAT64" config --socket $W/xlat64.sock | grep -qx "coalesce-usecs 50" || fail "config does not show coalesce-usecs 50"
	[ -z "$why" ]
}
stop_xlat() { xlat_stop $NS_X $TUN; }

# The read paths a kernel may impose (XLAT64_IO, worker_ring.c): io_uring with a read request per datagram
# (Linux before 6.7) and blocking read()/write() (no io_uring); the run above took the best this kernel
# offers. Each carries pings, UDP both ways, a 2 MiB download byte for byte and UDP super-packets.
io_path() {
	local log=$W/xlat64-io-$1.log
	XLAT64_IO=$1 xlat_run $NS_X "$W/xlat64.conf" "$log" routes_in ||
		{ fail "no start with XLAT64_IO=$1: $(tail -n 1 "$log")"; return 1; }
	head -n 1 "$log"
	grep -q ", io $1," "$log" || fail "the start line does not say io $1"
	nsx "$XLAT64" status --socket $W/xlat64.sock | grep -q "^io  *$1, coalesce-usecs 50, offloads " ||
		fail "status does not say io: $1"
	ping_6to4 && ping_4to6 && udp_6to4 && udp_4to6 && gso_pass $NS_S $S4 $NS_C $T6 9003 1200 && download
	xlat_stop $NS_X $TUN
	no_sanitizer_reports "$log"
	[ -z "$why" ]
}
io_unknown() {
	local out
	out=$(XLAT64_IO=fast nsx "$XLAT64" run -f "$W/xlat64.conf" 2>&1) && fail "XLAT64_IO=fast was accepted"
	echo "$out"
	grep -q "XLAT64_IO=fast: unknown" <<<"$out" || fail "unexpected answer '$out'"
}

# The counters printed on exit: some drop counter must have moved after the bad input.
drop_counters() {
	grep -iE '(^|[[:space:]])drop_[a-z0-9_]*[[:space:]:=]+[0-9]' "$XLOG" ||
		fail "no drop counters in xlat64's exit output"
	grep -qiE '(^|[[:space:]])drop_[a-z0-9_]*[[:space:]:=]+[1-9]' "$XLOG" || fail "every drop counter is 0"
}

sanitizers() { no_sanitizer_reports "$XLOG"; }

# --- run ------------------------------------------------------------------------------------------------
topology >> "$LOG" 2>&1 || e2e_abort "topology setup failed"
start_xlat >> "$LOG" 2>&1 || e2e_abort "xlat64 did not come up: $(tail -n 1 "$XLOG")"
servers || e2e_abort "servers did not start"

check e2e/siit/ping-6to4 ping_6to4
check e2e/siit/ping-4to6 ping_4to6
check e2e/siit/tcp-curl tcp_curl
check e2e/siit/udp-6to4 udp_6to4
check e2e/siit/udp-4to6 udp_4to6
check e2e/siit/gso-super-packets gso_super
check e2e/siit/traceroute6 trace6
check e2e/siit/traceroute4 trace4
# upload first: once the server has learned MTU 1260 toward the client, it advertises an MSS that
# would keep the client's segments small enough never to need the 6->4 path MTU discovery
check e2e/siit/pmtud-6to4-upload pmtud_upload
check e2e/siit/pmtud-4to6-download pmtud_download
check e2e/siit/frag-4to6 frag_4to6
check e2e/siit/frag-6to4 frag_6to4
check e2e/siit/bad-input bad_input
check e2e/siit/reload reload
check e2e/siit/coalesce-reload coalesce_reload
check e2e/siit/shutdown stop_xlat
check e2e/siit/drop-counters drop_counters
check e2e/siit/sanitizers sanitizers
check e2e/siit/io-reads io_path reads
check e2e/siit/io-blocking io_path blocking
check e2e/siit/io-unknown io_unknown

e2e_finish "$XLOG"
