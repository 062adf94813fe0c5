#!/bin/bash
# tests/e2e/pref64.sh - PREF64 router advertisements (RFC 8781) and NAT64 prefix discovery, between two
# network namespaces. Run as root: `make e2e` or `bash tests/e2e/pref64.sh`. Prints PASS/FAIL per check.
#
#  router ns                                       host ns (accept_ra=1)
# +------------------------------------+          +--------------------------------------------+
# | xlat64 mode none:                  |   veth   | tshark (decodes every RA)                  |
# |   pool6 2001:db8:64::/96           +----------+ xlat64 discover --interface h0 (netlink     |
# |   pref64-interface r0, 600 s,      | r0    h0 |   RTM_NEWNDUSEROPT, Router Solicitation)   |
# |   RDNSS 2001:db8:1::53, RIO        |          | ipv4only.py: a stand-in DNS64 on ::1 for   |
# +------------------------------------+          |   the RFC 7050 fallback                    |
#                                                 +--------------------------------------------+
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
e2e_init e2e/pref64 x64p-$$

NS_R=x64p-$$-r; NS_H=x64p-$$-h
PREFIX=2001:db8:64::/96; LIFETIME=600; SCALED=75; RDNSS=2001:db8:1::53
# MaxRtrAdvInterval is capped at a third of the PREF64 lifetime (200 s), RDNSS lasts 3 × that (RFC 8106 §5.1)
RDNSS_LT=600
DNS_PREFIX=2001:db8:122:300::/56		# what the stand-in DNS64 synthesizes with
XLOG=$W/xlat64.stderr; CONF=$W/xlat64.conf; SOCK=$W/xlat64.sock; PCAP=$W/ra.pcapng
NETNS_ETC=/etc/netns/$NS_H

nsr() { ip netns exec "$NS_R" "$@"; }
nsh() { ip netns exec "$NS_H" "$@"; }
command -v tshark >/dev/null || e2e_abort "tshark missing (apt-get install tshark)"

# ip netns exec bind-mounts /etc/netns/NS/resolv.conf over /etc/resolv.conf: the host's resolver for
# RFC 7050 is the stand-in DNS64.
cleanup_etc() { rm -rf "$NETNS_ETC"; e2e_cleanup; }
trap cleanup_etc EXIT

topology() {
	ns_add $NS_R $NS_H || return 1
	veth $NS_R r0 $NS_H h0 || return 1
	# The host takes RAs (lib.sh turned them off) and routes from Route Information options.
	nsh sysctl -qw net.ipv6.conf.h0.accept_ra=1 net.ipv6.conf.h0.accept_ra_rt_info_max_plen=128
	ip -n $NS_R link set r0 up
	ip -n $NS_H link set h0 up
	links_up $NS_R:r0 $NS_H:h0 || fail "veth did not come up"
	mkdir -p "$NETNS_ETC" && echo "nameserver ::1" > "$NETNS_ETC/resolv.conf"
}

start_daemon() {
	cat > "$CONF" <<-EOF
	mode none
	pool6 $PREFIX
	pref64-interface r0
	pref64-lifetime ${LIFETIME}s
	pref64-rdnss $RDNSS
	pref64-route yes
	socket $SOCK
	EOF
	# tshark first, so it sees the very first advertisement.
	# (not via nsh: $! must be tshark itself, which ip netns exec execs)
	ip netns exec $NS_H tshark -q -i h0 -f "icmp6" -w "$PCAP" > "$W/tshark.log" 2>&1 &
	TSHARK=$!; PIDS+=("$TSHARK")
	for _ in $(seq 100); do grep -q Capturing "$W/tshark.log" && break; sleep 0.05; done
	sleep 0.5	# "Capturing on" comes a little before the capture does
	xlat_run $NS_R "$CONF" "$XLOG" "nsr $XLAT64 status --socket $SOCK" || { fail "xlat64 did not start"; return 1; }
	nsr "$XLAT64" status --socket "$SOCK" | tee "$W/status"
	grep -q "^pref64 *$PREFIX lifetime ${LIFETIME}s .* on r0" "$W/status" || fail "no pref64 line in status"
}

# The discovery a CLAT does: RS out, RA in through the kernel's RTM_NEWNDUSEROPT.
discover_ra() {
	local out t0 rc want
	t0=$(date +%s%N)
	out=$(nsh "$XLAT64" discover --interface h0 --json); rc=$?
	echo "$out (exit $rc after $(( ($(date +%s%N) - t0) / 1000000 )) ms)"
	[ $rc = 0 ] || fail "exit status $rc"
	want="\"prefix\":\"$PREFIX\",\"length\":96,\"lifetime\":$LIFETIME,\"source\":\"ra\",\"interface\":\"h0\""
	echo "$out" | grep -q "$want" ||
		fail "expected $PREFIX lifetime $LIFETIME source ra: $out"
}

discover_table() {
	local out
	out=$(nsh "$XLAT64" discover -i h0) || fail "exit status $?"
	echo "$out"
	echo "$out" | grep -Eq "^$PREFIX +96 +${LIFETIME}s +ra +h0 +fe80::" || fail "unexpected table: $out"
}

# The kernel took the Route Information option (RFC 4191): pool6 via the router's link-local address.
route_info() {
	local r
	r=$(nsh ip -6 route show "$PREFIX")
	echo "route: $r"
	echo "$r" | grep -q "via fe80::.* dev h0" || fail "no route to $PREFIX via the router"
}

solicited_counters() {
	local s
	s=$(nsr "$XLAT64" stats --socket "$SOCK")
	echo "$s"
	echo "$s" | grep -Eq '^PREF64_RS_RECEIVED +[1-9]' || fail "no Router Solicitation counted"
	echo "$s" | grep -Eq '^PREF64_RA_SOLICITED +[1-9]' || fail "no solicited advertisement counted"
	echo "$s" | grep -q PREF64_RS_INVALID && fail "invalid solicitations counted"
	return 0
}

# A reload with another pool6 withdraws the old prefix (lifetime 0) and announces the new one at once:
# a host follows without waiting for the old lifetime to run out. Then back.
reload_prefix() {
	local out p
	for p in 2001:db8:65::/96 $PREFIX; do
		sed -i "s|^pool6 .*|pool6 $p|" "$CONF"
		nsr "$XLAT64" reload --socket "$SOCK" || { fail "reload to $p refused"; return 1; }
		out=$(nsh "$XLAT64" discover --interface h0 --json)
		echo "$out"
		echo "$out" | grep -q "^{\"prefixes\":\[{\"prefix\":\"$p\",[^]]*}\]}\$" ||
			fail "after the reload to $p: $out"
	done
}

stop_daemon() {
	xlat_stop $NS_R ""
	no_sanitizer_reports "$XLOG"
	sleep 0.5
	kill -INT "$TSHARK" 2>/dev/null
	( sleep 5; kill -KILL "$TSHARK" 2>/dev/null ) &
	guard=$!
	wait "$TSHARK"
	kill $guard 2>/dev/null
	tshark -r "$PCAP" -Y 'icmpv6.type == 134' -T fields -e ipv6.hlim -e icmpv6.nd.ra.router_lifetime \
		-e icmpv6.opt.pref64.scaled_lifetime -e icmpv6.opt.pref64.plc -e icmpv6.opt.pref64.prefix \
		-e icmpv6.opt.rdnss.lifetime -e icmpv6.opt.rdnss -e icmpv6.opt.route_lifetime \
		-e icmpv6.opt.prefix 2>/dev/null > "$W/ras.txt"
	cat "$W/ras.txt"
}

# tshark's decoding of what went on the wire: hop limit 255, router lifetime 0, PREF64 (RFC 8781 §4),
# RDNSS (RFC 8106) and Route Information (RFC 4191).
tshark_pref64() {
	[ -s "$W/ras.txt" ] || { fail "tshark saw no router advertisement"; return 1; }
	grep -qP "^255\t0\t$SCALED\t0x0000\t${PREFIX%/*}\t$RDNSS_LT\t$RDNSS\t$LIFETIME\t${PREFIX%/*}\$" "$W/ras.txt" ||
		fail "no RA with PREF64 ${PREFIX} scaled lifetime $SCALED (${LIFETIME} s), RDNSS and RIO"
}

# The advertisement sent on SIGTERM withdraws everything (RFC 8781 §4.1, RFC 4861 §6.2.5).
tshark_final() {
	tail -n 1 "$W/ras.txt" | grep -qP "^255\t0\t0\t0x0000\t${PREFIX%/*}\t0\t$RDNSS\t0\t" ||
		fail "the last RA does not carry lifetime 0: $(tail -n 1 "$W/ras.txt")"
	# the reload back withdrew the prefix it had switched to
	grep -qP "^255\t0\t0\t0x0000\t2001:db8:65::\t" "$W/ras.txt" || fail "the reload did not withdraw 2001:db8:65::"
	# and the host's kernel dropped the route it learned from the RIO
	[ -z "$(nsh ip -6 route show "$PREFIX")" ] || fail "route to $PREFIX still there"
}

discover_rfc7050() {
	local out rc
	spawn $NS_H $PY tests/e2e/ipv4only.py ::1 53 $DNS_PREFIX
	listening $NS_H udp 53 || { fail "stand-in DNS64 did not start"; return 1; }
	out=$(nsh "$XLAT64" discover --interface h0 --json); rc=$?
	echo "$out"
	[ $rc = 0 ] || fail "exit status $rc"
	echo "$out" | grep -q "\"prefix\":\"$DNS_PREFIX\",\"length\":56,\"lifetime\":300,\"source\":\"rfc7050\"" ||
		fail "expected $DNS_PREFIX from rfc7050: $out"
}

discover_none() {
	local out rc
	kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null
	spawn $NS_H $PY tests/e2e/ipv4only.py ::1 53 nodata
	listening $NS_H udp 53 || { fail "stand-in DNS64 did not start"; return 1; }
	out=$(nsh "$XLAT64" discover --interface h0); rc=$?
	echo "$out"
	[ $rc = 1 ] || fail "exit status $rc, expected 1"
	echo "$out" | grep -q "no NAT64 prefix found" || fail "no 'none' message"
}

discover_usage() {
	nsh "$XLAT64" discover --bogus; [ $? = 2 ] || fail "unknown option: status not 2"
	nsh "$XLAT64" discover --interface; [ $? = 2 ] || fail "missing interface: status not 2"
	nsh "$XLAT64" discover --interface nosuch0; [ $? = 1 ] || fail "no such interface: status not 1"
	return 0
}

check pref64/topology topology
check pref64/daemon-start start_daemon
check pref64/discover-ra-json discover_ra
check pref64/discover-ra-table discover_table
check pref64/route-information route_info
check pref64/solicited solicited_counters
check pref64/reload-new-prefix reload_prefix
check pref64/daemon-stop stop_daemon
check pref64/tshark-pref64 tshark_pref64
check pref64/tshark-final-lifetime0 tshark_final
check pref64/discover-rfc7050 discover_rfc7050
check pref64/discover-none discover_none
check pref64/discover-usage discover_usage
e2e_finish "$XLOG"
