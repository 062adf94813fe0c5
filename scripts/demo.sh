#!/bin/bash
# scripts/demo.sh (`make demo`) - a small lab: an IPv6-only client talks to an IPv4-only server through
# xlat64 in SIIT mode, all inside three network namespaces on this machine. Needs root. Leaves nothing
# behind: the namespaces, the daemon and the temp files go when it exits (also on Ctrl-C or failure).
#
#   x64demo-client (IPv6 only)      x64demo-xlat (xlat64)                 x64demo-server (IPv4 only)
#   2001:db8:1::2/64  <---------->  2001:db8:1::1/64
#   default via 2001:db8:1::1       198.51.100.1/24  <------------------>  198.51.100.2/24
#                                   TUN x64demo0: 64:ff9b::/96 and         route 192.0.2.0/24
#                                   192.0.2.2/32 routed into xlat64          via 198.51.100.1
set -u
cd "$(dirname "$0")/.." || exit 1
XLAT64=${XLAT64:-build/xlat64}

if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root to create network namespaces; run: sudo make demo" >&2
	exit 1
fi
[ -x "$XLAT64" ] || { echo "demo: $XLAT64 missing; run: make build/xlat64" >&2; exit 1; }

NS_C=x64demo-client; NS_X=x64demo-xlat; NS_S=x64demo-server
D=
PIDS=(); XPID=
ok=0; total=0

if [ -t 1 ]; then B=$'\e[1m'; G=$'\e[32m'; R=$'\e[31m'; N=$'\e[0m'; else B=; G=; R=; N=; fi

cleanup() {
	local p ns
	for p in "${PIDS[@]}" $XPID; do kill "$p" 2>/dev/null; done
	for ns in $NS_C $NS_X $NS_S; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$D" ] && rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup	# a previous demo killed with -9 may have left its namespaces
D=$(mktemp -d /tmp/x64demo.XXXXXX)

say() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
# show WHERE CMD...: print the command as typed in that namespace, run it, indent its output.
show() {
	local where=$1; shift
	printf '%s[%s]$ %s%s\n' "$B" "$where" "$*" "$N"
	ip netns exec "x64demo-$where" "$@" 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}
verdict() {
	total=$((total + 1))
	if [ "$1" = 0 ]; then ok=$((ok + 1)); echo "${G}ok: $2${N}"; else echo "${R}FAILED: $2${N}"; fi
}

say "Building the lab: three network namespaces"
for ns in $NS_C $NS_X $NS_S; do
	ip netns add $ns || exit 1
	ip -n $ns link set lo up
	ip netns exec $ns sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
done
ip netns exec $NS_S sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip netns exec $NS_X sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n $NS_C link add eth0 type veth peer name lan6 netns $NS_X
ip -n $NS_X link add wan4 type veth peer name eth0 netns $NS_S
ip -n $NS_C addr add 2001:db8:1::2/64 dev eth0 nodad
ip -n $NS_C link set eth0 up
ip -n $NS_C -6 route add default via 2001:db8:1::1
ip -n $NS_X addr add 2001:db8:1::1/64 dev lan6 nodad
ip -n $NS_X addr add 198.51.100.1/24 dev wan4
ip -n $NS_X link set lan6 up
ip -n $NS_X link set wan4 up
ip -n $NS_S addr add 198.51.100.2/24 dev eth0
ip -n $NS_S link set eth0 up
ip -n $NS_S route add 192.0.2.0/24 via 198.51.100.1
# The kernel reports a veth's carrier (and IPv6 starts answering Neighbor Solicitations) up to a second
# after "link set up": wait for it, or the first ping would wait for a retransmitted solicitation.
oper() { ip -n "$1" -br link show "$2" | awk '{ print $2 }'; }
for _ in $(seq 40); do
	[ "$(oper $NS_C eth0)$(oper $NS_X lan6)$(oper $NS_X wan4)$(oper $NS_S eth0)" = UPUPUPUP ] && break
	sleep 0.05
done
cat <<EOF
  client  $NS_C  2001:db8:1::2     IPv6 only, default route via the xlat box
  xlat    $NS_X    2001:db8:1::1 / 198.51.100.1, runs xlat64
  server  $NS_S  198.51.100.2      IPv4 only (IPv6 disabled), route 192.0.2.0/24 via the xlat box
EOF

say "Starting xlat64 with this configuration"
cat > "$D/xlat64.conf" <<EOF
# Stateless SIIT (RFC 7915): every IPv4 address A is reachable from IPv6 as 64:ff9b::A (RFC 6052).
mode siit
device x64demo0
socket $D/xlat64.sock
pool6 64:ff9b::/96
# 198.51.100.2 is a documentation address, not a global one, and RFC 6052 section 3.1 forbids
# the well-known prefix 64:ff9b::/96 for non-global IPv4. A homelab that wants 64:ff9b::10.0.0.5
# to reach its own LAN turns this on deliberately (or uses its own prefix, e.g. 2001:db8:64::/96).
allow-nonglobal-ipv4 yes
# The IPv6 client is 192.0.2.2 for IPv4 hosts (RFC 7757 explicit address mapping), and that
# address is routed into the translator so replies come back through it.
eamt 192.0.2.2/32 2001:db8:1::2/128
route4 192.0.2.2/32
EOF
sed 's/^/    /' "$D/xlat64.conf"
ip netns exec $NS_X "$XLAT64" run -f "$D/xlat64.conf" 2> "$D/xlat64.log" &
XPID=$!
for _ in $(seq 100); do
	ip -n $NS_X route show 192.0.2.2 2>/dev/null | grep -q x64demo0 && break
	kill -0 $XPID 2>/dev/null || break
	sleep 0.05
done
if ! ip -n $NS_X route show 192.0.2.2 2>/dev/null | grep -q x64demo0; then
	echo "${R}xlat64 did not start:${N}"; sed 's/^/    /' "$D/xlat64.log"; exit 1
fi
sed 's/^/    /' "$D/xlat64.log"
echo "  xlat64 created the TUN device x64demo0 and routed 64:ff9b::/96 and 192.0.2.2/32 into it:"
ip -n $NS_X route show dev x64demo0 | sed 's/^/    /'
ip -n $NS_X -6 route show dev x64demo0 | grep -v '^fe80' | sed 's/^/    /'

# Two tiny servers on the IPv4-only host, each telling the client which IPv4 address it sees.
cat > "$D/http.sh" <<'EOF'
while IFS= read -r line; do [ "${#line}" -le 1 ] && break; done	# skip the request headers
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n'
printf 'Hello from 198.51.100.2, an IPv4-only web server. To me you are %s.\n' "$SOCAT_PEERADDR"
EOF
cat > "$D/udp.sh" <<'EOF'
read -r msg
printf 'IPv4 server got "%s" from %s\n' "$msg" "$SOCAT_PEERADDR"
EOF
ip netns exec $NS_S socat TCP4-LISTEN:80,bind=198.51.100.2,reuseaddr,fork SYSTEM:"sh $D/http.sh" 2>/dev/null &
PIDS+=($!)
ip netns exec $NS_S socat UDP4-RECVFROM:7,bind=198.51.100.2,fork SYSTEM:"sh $D/udp.sh" 2>/dev/null &
PIDS+=($!)
for _ in $(seq 100); do
	ip netns exec $NS_S ss -Hltn 'sport = :80' | grep -q . &&
		ip netns exec $NS_S ss -Hlun 'sport = :7' | grep -q . && break
	sleep 0.05
done

say "1. ping: the IPv6-only client pings the IPv4 server as 64:ff9b::198.51.100.2"
show client ping -c 3 -i 0.3 -W 2 64:ff9b::198.51.100.2
verdict $? "ICMPv6 echo became ICMPv4 echo and back"

say "2. TCP: curl from the IPv6-only client to the IPv4-only web server"
show client curl -g -sS --max-time 5 "http://[64:ff9b::198.51.100.2]/"
verdict $? "HTTP over TCP crossed (the server saw the client as 192.0.2.2)"

say "3. UDP: one datagram there and the reply back"
echo "hello over UDP" > "$D/udp.in"
printf '%s[client]$ echo "hello over UDP" | socat -t 2 - UDP6:[64:ff9b::198.51.100.2]:7%s\n' "$B" "$N"
out=$(ip netns exec $NS_C socat -t 2 - "UDP6:[64:ff9b::198.51.100.2]:7" < "$D/udp.in" 2>&1)
echo "$out" | sed 's/^/    /'
case $out in *"IPv4 server got"*) rc=0 ;; *) rc=1 ;; esac
verdict $rc "UDP crossed both ways"

say "4. The other way round: the IPv4 server pings the IPv6 client at its IPv4 address 192.0.2.2"
show server ping -c 3 -i 0.3 -W 2 192.0.2.2
verdict $? "SIIT is stateless, so IPv4 hosts can start connections too"

say "Stopping xlat64 (SIGTERM); it prints its counters on the way out"
kill -TERM $XPID; wait $XPID; XPID=
sed 's/^/    /' "$D/xlat64.log" | grep -vE ' 0$'

echo
if [ $ok = $total ]; then
	echo "${G}${B}All $total crossed the translator.${N} Next: docs, xlat64(8), xlat64.conf(5)."
	exit 0
fi
echo "${R}${B}$((total - ok)) of $total did not cross.${N}"
exit 1
