#!/bin/bash
# tests/e2e/dns64.sh - xlat64's DNS64 (RFC 6147) in front of a real authoritative server (nsd), asked with
# dig; then the user's flow: an IPv6-only client resolves an IPv4-only server's name through the DNS64 and
# fetches a page from it through xlat64's NAT64. Run as root: `make e2e` or `bash tests/e2e/dns64.sh`.
# XLAT64=build/xlat64-san selects the sanitizer build (default build/xlat64). Prints PASS/FAIL per check.
#
# Part 1, one namespace, everything on loopback. nsd serves tests/e2e/dns64.zone (dns64.test) and
# tests/e2e/dns64-rev.zone (2.0.192.in-addr.arpa), nothing else, so whatever xlat64 answers about
# ipv4only.arpa it answered itself. Three xlat64 instances in mode none forward to it:
#
#   nsd 127.0.0.1#5300 <-- wkp  127.0.0.1#53, ::1#53  pool6 64:ff9b::/96, allow-nonglobal-ipv4 yes
#                          |                          (the zone's addresses are documentation ranges,
#                          |                          RFC 6052 §3.1), dns64-allow 127.0.0.1/32 ::1/128
#                          <-- nsp  127.0.0.1#5301    pool6 2001:db8:122:300::/56 (non-/96 layout),
#                          |                          a dead first upstream, dns64-exclude 2001:db8:ab::/48
#                          <-- strict 127.0.0.1#5302  pool6 64:ff9b::/96, allow-nonglobal-ipv4 no
#
# Part 2, the user's flow (addresses as in tests/e2e/nat64.sh):
#
#  client ns (IPv6 only)        xlat ns (xlat64, mode nat64)              server ns (IPv4 only)
#  c0 2001:db8:1::2/64 <------> xa 2001:db8:1::1/64, DNS64 on #53
#  resolv.conf: 2001:db8:1::1   x4 198.51.100.1/24 <--------------------> s0 198.51.100.2/24
#                               TUN x64d0: pool6 64:ff9b::/96                nsd #53 (dns64.test),
#                               dns64-upstream 198.51.100.2 (default ACL)    HTTP #8080
#
# The client runs `curl http://web.dns64.test:8080/`: its resolver asks xlat64's DNS64, which finds only
# an A record (198.51.100.2) at nsd and synthesizes 64:ff9b::c633:6402, which xlat64's NAT64 translates.
set -u
cd "$(dirname "$0")/../.." || exit 1
for tool in nsd dig curl; do
	command -v $tool > /dev/null || { echo "SKIP e2e/dns64: $tool missing (apt-get install nsd dnsutils curl)"; exit 0; }
done
. tests/e2e/lib.sh
e2e_init e2e/dns64 x64d-$$

NS_L=x64d-$$-l; NS_C=x64d-$$-c; NS_X=x64d-$$-x; NS_S=x64d-$$-s
NSD_PORT=5300
WKP=53; NSP=5301; STRICT=5302	# ports of the three part-1 instances
DEAD_PORT=5309			# an upstream that does not exist
CA=2001:db8:1::2; XA=2001:db8:1::1; X4=198.51.100.1; S4=198.51.100.2
TUN=x64d0
declare -A DPID	# part-1 instance -> pid
PAGE="hello from the IPv4-only web server"

# --- nsd ------------------------------------------------------------------------------------------------
# nsd_conf DIR ADDRESS@PORT...: an nsd configuration in DIR serving the two test zones
. tests/e2e/nsd.bash

# answers NS SERVER PORT: true once the server gives any DNS answer
answers() {
	ip netns exec "$1" dig @"$2" -p "$3" dns64.test SOA +time=1 +tries=1 2>/dev/null | grep -q 'status: '
}
until_answers() {
	local _
	for _ in $(seq 50); do answers "$@" && return 0; sleep 0.1; done
	return 1
}

# --- dig and what it shows ------------------------------------------------------------------------------
# ask NS SERVER PORT DIGARGS...: one query (logged); sets ST (status), FL (header flags), AN (answer
# section, a line "owner ttl type rdata" per record) and AU (authority section, same form).
ask() {
	local ns=$1 server=$2 port=$3 out
	shift 3
	out=$(ip netns exec "$ns" dig @"$server" -p "$port" +time=4 +tries=1 +noall +comments +answer +authority \
		"$@" 2>&1)
	echo "\$ dig @$server -p $port $*"
	echo "$out"
	ST=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<< "$out" | head -n 1)
	FL=$(sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p' <<< "$out" | head -n 1)
	AN=$(section ANSWER <<< "$out")
	AU=$(section AUTHORITY <<< "$out")
	[ -n "$ST" ] || fail "no answer from $server#$port to $*"
}
section() { awk -v s=";; $1 SECTION:" '$0 == s { on = 1; next } /^;/ { on = 0 } on && NF { print $1, $2, $4, $5 }'; }
# q PORT DIGARGS...: ask a part-1 instance over IPv4
q() { local p=$1; shift; ask $NS_L 127.0.0.1 "$p" "$@"; }

want_status() { [ "$ST" = "$1" ] || fail "status ${ST:-none}, expected $1"; }
# want_rrs TYPE RDATA...: the answer's records of TYPE are exactly these, in this order
want_rrs() {
	local t=$1 got
	shift
	got=$(awk -v t="$t" '$3 == t { print $4 }' <<< "$AN" | paste -sd ' ')
	[ "$got" = "$*" ] || fail "$t records '${got:-none}', expected '$*'"
}
# want_ttl TYPE N: every record of TYPE has TTL N (or N-1: a second may pass between cache and answer)
want_ttl() {
	local t
	while read -r t; do
		if [ "$t" -gt "$2" ] || [ "$t" -lt $(($2 - 1)) ]; then fail "$1 TTL $t, expected $2"; fi
	done < <(awk -v t="$1" '$3 == t { print $2 }' <<< "$AN")
}
want_no() { ! grep -qw "$1" <<< "$AN" || fail "$1 record in the answer"; }
want_soa() { grep -qw SOA <<< "$AU" || fail "no SOA in the authority section"; }
# want_synth PORT NAME TTL ADDRESS...: NOERROR, exactly these AAAA, with this TTL, no A left over
want_synth() {
	local p=$1 n=$2 ttl=$3
	shift 3
	q "$p" "$n" AAAA || return 1
	want_status NOERROR
	want_rrs AAAA "$@"
	want_ttl AAAA "$ttl"
	want_no A
}
# want_nodata PORT NAME DIGARGS...: NOERROR without any AAAA (nothing synthesized)
want_nodata() {
	local p=$1 n=$2
	shift 2
	q "$p" "$n" AAAA "$@" || return 1
	want_status NOERROR
	want_rrs AAAA
}

# --- part 1 ---------------------------------------------------------------------------------------------
# dns64_conf NAME PORT LINE...: a mode none configuration listening on 127.0.0.1#PORT, forwarding to nsd
# (after any upstream among the LINEs)
dns64_conf() {
	local n=$1 p=$2 l
	shift 2
	{
		echo "mode none"
		echo "socket $W/$n.sock"
		echo "dns64-listen 127.0.0.1 $p"
		# short, so that the checks after nsd is gone do not wait long
		echo "dns64-timeout 500ms"
		for l in "$@"; do echo "$l"; done
		echo "dns64-upstream 127.0.0.1 $NSD_PORT"
	} > "$W/$n.conf"
}
dns64_start() {	# NAME PORT
	xlat_run $NS_L "$W/$1.conf" "$W/$1.stderr" "answers $NS_L 127.0.0.1 $2" || return 1
	DPID[$1]=$XPID; PIDS+=("$XPID"); XPID=
}

setup1() {
	ns_add $NS_L || return 1
	nsd_conf "$W/nsd1" 127.0.0.1@$NSD_PORT || return 1
	spawn $NS_L nsd -d -c "$W/nsd1/nsd.conf"
	NSD1=${PIDS[-1]}
	until_answers $NS_L 127.0.0.1 $NSD_PORT || { echo "nsd did not answer"; return 1; }
	dns64_conf wkp $WKP "pool6 64:ff9b::/96" "allow-nonglobal-ipv4 yes" "dns64-listen ::1 $WKP" \
		"dns64-allow 127.0.0.1/32" "dns64-allow ::1/128"
	# a dead upstream first (nothing listens on $DEAD_PORT), and an exclusion set of its own
	dns64_conf nsp $NSP "pool6 2001:db8:122:300::/56" "dns64-upstream 127.0.0.1 $DEAD_PORT" \
		"dns64-exclude 2001:db8:ab::/48"
	dns64_conf strict $STRICT "pool6 64:ff9b::/96"
	dns64_start wkp $WKP && dns64_start nsp $NSP && dns64_start strict $STRICT
}

# RFC 6147 §5.1.6-5.1.7: A only -> synthesized; TTL min(A 3600, SOA of the negative AAAA answer 300)
synth96() { want_synth $WKP v4only.dns64.test 300 64:ff9b::c000:201; }
# RFC 6052 §2.2: a /56 puts the IPv4 address around the u octet (bits 64-71)
synth56() { want_synth $NSP v4only.dns64.test 300 2001:db8:122:3c0:0:201::; }
# The nsp instance's first upstream is dead: every answer it gave came from the second one
failover() {
	local out
	out=$("$XLAT64" stats --socket "$W/nsp.sock") || fail "xlat64 stats failed"
	echo "$out"
	grep -q 'DNS64_UPSTREAM_ERROR *[1-9]' <<< "$out" || fail "no DNS64_UPSTREAM_ERROR: was the dead upstream asked?"
}
# §5.1.4: a configured exclusion set replaces the default; all AAAA excluded -> synthesized from the A, TTL
# min(3600, 600): the AAAA answer was positive, so it had no SOA
exclude_custom() { want_synth $NSP both.dns64.test 600 2001:db8:122:3c0:0:202::; }
# §5.1.1: a real AAAA is returned as is, nothing synthesized
real_aaaa() { want_synth $WKP both.dns64.test 3600 2001:db8:ab::2; }
# §5.3.3: other types pass unchanged
a_query() {
	q $WKP v4only.dns64.test A || return 1
	want_status NOERROR; want_rrs A 192.0.2.1; want_no AAAA
}
# §5.1.4: the only AAAA is IPv4-mapped (default exclusion ::ffff:0:0/96) and there is no A -> NODATA
mapped_only() { want_nodata $WKP mapped.dns64.test && want_soa; }
# §5.1.4 + §5.1.7: excluded AAAA and an A -> synthesized; the AAAA answer had no SOA -> TTL min(3600, 600)
mapped_plus_a() { want_synth $WKP mappeda.dns64.test 600 64:ff9b::c000:204 && want_no ::ffff:192.0.2.4; }
# §5.1.7: min(A 30, 300)
short_ttl() { want_synth $WKP short.dns64.test 30 64:ff9b::c000:205; }
multi() { want_synth $WKP multi.dns64.test 300 64:ff9b::c000:206 64:ff9b::c000:207; }
# §5.1.5: the CNAME chain stays ahead of the synthetic AAAA, which is owned by the chain's end
cname_chain() {
	want_synth $WKP chain1.dns64.test 300 64:ff9b::c000:201 || return 1
	want_rrs CNAME chain2.dns64.test. v4only.dns64.test.
	local order
	order=$(awk '{ print $3 }' <<< "$AN" | paste -sd ' ')
	[ "$order" = "CNAME CNAME AAAA" ] || fail "answer order '$order', expected CNAME CNAME AAAA"
	awk '$3 == "AAAA" { print $1 }' <<< "$AN" | grep -qx v4only.dns64.test. || fail "synthetic AAAA not owned by v4only"
}
# §5.1.5: a DNAME, the CNAME derived from it, then the synthetic AAAA of the chain's end
dname_chain() {
	want_synth $WKP host.dname.dns64.test 300 64:ff9b::c000:209 || return 1
	local order
	order=$(awk '{ print $3 }' <<< "$AN" | paste -sd ' ')
	[ "$order" = "DNAME CNAME AAAA" ] || fail "answer order '$order', expected DNAME CNAME AAAA"
}
# §5.3.2, §5.4: the additional section is the A answer's, untouched (nsd's glue for its NS), never synthesized
additional() {
	local out
	out=$(ip netns exec $NS_L dig @127.0.0.1 -p $WKP add.wild.dns64.test AAAA +time=4 +tries=1 +noall +additional)
	echo "$out"
	grep -q '^ns\.dns64\.test\..*[[:space:]]A[[:space:]]*127\.0\.0\.1$' <<< "$out" || fail "nsd's glue A is not in the additional section"
	! grep -qw AAAA <<< "$out" || fail "AAAA in the additional section"
}
# §5.1.2: NXDOMAIN is returned as is, with its SOA
nxdomain() {
	q $WKP nx.dns64.test AAAA || return 1
	want_status NXDOMAIN; want_rrs AAAA; want_soa
}
# §5.1.6: NODATA for AAAA and for A stays NODATA, with its SOA
nodata() { want_nodata $WKP txtonly.dns64.test && want_soa; }
# RFC 6052 §3.1: 64:ff9b::/96 never carries a non-global IPv4 address unless allow-nonglobal-ipv4 says so;
# a network-specific prefix carries any
private_strict() { want_nodata $STRICT private.dns64.test; }
private_allowed() { want_synth $WKP private.dns64.test 300 64:ff9b::a01:203; }
private_nsp() { want_synth $NSP private.dns64.test 300 2001:db8:122:30a:1:203::; }

# RFC 8880 §7.1-7.2: ipv4only.arpa is answered locally (nsd does not serve it: it would say REFUSED)
ipv4only() {	# PORT ADDRESS...
	local p=$1
	shift
	q "$p" ipv4only.arpa AAAA || return 1
	want_status NOERROR; want_rrs AAAA "$@"
}
ipv4only_a() {
	q $WKP ipv4only.arpa A || return 1
	want_status NOERROR; want_rrs A 192.0.0.170 192.0.0.171
}
ipv4only_ptr() {
	q $WKP -x 192.0.0.171 || return 1
	want_status NOERROR; want_rrs PTR ipv4only.arpa.
}

# §5.3.1 (b): an ip6.arpa name under the prefix -> CNAME to the in-addr.arpa name, and its PTR
ptr() {	# PORT ADDRESS
	q "$1" -x "$2" || return 1
	want_status NOERROR
	want_rrs CNAME 1.2.0.192.in-addr.arpa.
	want_rrs PTR v4only.dns64.test.
}

# §5.5: CD=1 with DO=1 MUST NOT be synthesized; CD=1 alone is treated the same way (xlat64's documented
# choice: a client that sets CD validates itself). Once on a fresh name, once on a name whose synthetic
# AAAA is in the cache already (v4only, asked above).
cd_do_fresh() { want_nodata $WKP cd1.wild.dns64.test +cd +dnssec; }
cd_fresh() { want_nodata $WKP cd2.wild.dns64.test +cd; }
cd_do_cached() { want_nodata $WKP v4only.dns64.test +cd +dnssec; }
cd_cached() { want_nodata $WKP v4only.dns64.test +cd; }

# A query over TCP, on a fresh name (so the upstream path runs too), and over IPv6 transport
tcp() {
	q $WKP tcp.wild.dns64.test AAAA +tcp || return 1
	want_status NOERROR; want_rrs AAAA 64:ff9b::c000:208; want_ttl AAAA 300
}
ipv6_transport() {
	ask $NS_L ::1 $WKP udp6.wild.dns64.test AAAA || return 1
	want_status NOERROR; want_rrs AAAA 64:ff9b::c000:208
}
# §5.4: 20 synthetic AAAA (593 bytes) do not fit 512 bytes: TC=1 without EDNS; dig then retries over TCP
truncated() {
	q $WKP many.dns64.test AAAA +noedns +ignore || return 1
	grep -qw tc <<< "$FL" || fail "no TC flag on a 593-byte answer to a client without EDNS (flags: $FL)"
}
truncated_tcp() {
	q $WKP many.dns64.test AAAA +noedns || return 1
	want_status NOERROR
	[ "$(grep -c ' AAAA ' <<< "$AN")" = 20 ] || fail "$(grep -c ' AAAA ' <<< "$AN") AAAA after the TCP retry, expected 20"
}

# An A answer too long for the upstream query's EDNS size: nsd sets TC=1, the DNS64 asks again over TCP
upstream_tcp() {
	local out
	q $WKP huge.dns64.test AAAA || return 1
	want_status NOERROR
	[ "$(grep -c ' AAAA ' <<< "$AN")" = 80 ] || fail "$(grep -c ' AAAA ' <<< "$AN") AAAA, expected 80"
	out=$("$XLAT64" stats --socket "$W/wkp.sock") || { fail "xlat64 stats failed"; return 1; }
	grep -q 'DNS64_UPSTREAM_TCP *[1-9]' <<< "$out" || fail "DNS64_UPSTREAM_TCP did not count"
}

# Access control: dns64-allow 127.0.0.1/32 and ::1/128 -> 127.0.0.9 is refused
refused() {
	q $WKP v4only.dns64.test AAAA -b 127.0.0.9 || return 1
	want_status REFUSED; want_rrs AAAA
}

# SIGHUP with a new pool6: the answers use it at once, nothing synthesized from the old prefix is served
# from the cache (v4only was cached under the /56 above)
reload_prefix() {
	local _
	sed -i 's|^pool6 .*|pool6 2001:db8:64::/96|' "$W/nsp.conf"
	kill -HUP "${DPID[nsp]}" || return 1
	for _ in $(seq 20); do	# the reload is done once the listener answers from the new configuration
		ip netns exec $NS_L dig @127.0.0.1 -p $NSP ipv4only.arpa AAAA +short +time=1 +tries=1 |
			grep -q '^2001:db8:64::' && break
		sleep 0.1
	done
	want_synth $NSP v4only.dns64.test 300 2001:db8:64::c000:201
}

# The cache: with nsd gone, the positive and the negative answers asked above still come back, with
# their TTLs counted down (never up)
stop_nsd() {
	kill "$NSD1" && wait "$NSD1" 2>/dev/null
	! answers $NS_L 127.0.0.1 $NSD_PORT || fail "nsd still answers"
}
cached() {
	local t
	q $WKP v4only.dns64.test AAAA || return 1
	want_status NOERROR; want_rrs AAAA 64:ff9b::c000:201
	while read -r t; do
		if [ "$t" -gt 300 ] || [ "$t" -lt 1 ]; then fail "cached AAAA with TTL $t, expected 1..300"; fi
	done < <(awk '$3 == "AAAA" { print $2 }' <<< "$AN")
}
cached_chain() {
	q $WKP chain1.dns64.test AAAA || return 1
	want_status NOERROR; want_rrs AAAA 64:ff9b::c000:201; want_rrs CNAME chain2.dns64.test. v4only.dns64.test.
}
cached_nxdomain() {
	q $WKP nx.dns64.test AAAA || return 1
	want_status NXDOMAIN
}
# and an uncached name now fails: the answers above did come from the cache
upstream_gone() {
	q $WKP gone.wild.dns64.test AAAA || return 1
	want_status SERVFAIL
}

# xlat64 stats (DNS64 counters) and xlat64 status (a dns64 line) of the wkp instance
stats() {
	local out
	out=$("$XLAT64" stats --socket "$W/wkp.sock") || fail "xlat64 stats failed"
	echo "$out"
	grep -i dns64 <<< "$out" | grep -qv ' 0$' || fail "no non-zero DNS64 counter in xlat64 stats"
}
status() {
	local out
	out=$("$XLAT64" status --socket "$W/wkp.sock") || fail "xlat64 status failed"
	echo "$out"
	grep -qi dns64 <<< "$out" || fail "no dns64 line in xlat64 status"
}

stop1() {	# every instance ends on SIGTERM with status 0
	local n
	for n in wkp nsp strict; do
		XPID=${DPID[$n]}
		xlat_stop $NS_L "" || return 1
	done
}

# --- part 2: the user's flow ----------------------------------------------------------------------------
topology2() {
	ns_add $NS_C $NS_X $NS_S || return 1
	ns_v4only $NS_S
	ns_router $NS_X
	veth $NS_C c0 $NS_X xa || return 1
	veth $NS_X x4 $NS_S s0 || return 1
	host6 $NS_C c0 $CA $XA
	ip -n $NS_X addr add $XA/64 dev xa nodad
	ip -n $NS_X addr add $X4/24 dev x4
	ip -n $NS_X link set xa up
	ip -n $NS_X link set x4 up
	ip -n $NS_S addr add $S4/24 dev s0
	ip -n $NS_S link set s0 up
	links_up $NS_C:c0 $NS_X:xa $NS_X:x4 $NS_S:s0 || return 1
	# the client's resolver is the DNS64 on the xlat box's LAN address
	ns_resolv $NS_C $XA
}

servers2() {
	nsd_conf "$W/nsd2" $S4@53 || return 1
	spawn $NS_S nsd -d -c "$W/nsd2/nsd.conf"
	mkdir -p "$W/www"
	echo "$PAGE" > "$W/www/hello.txt"
	spawn $NS_S $PY -m http.server --bind $S4 --directory "$W/www" 8080
	until_answers $NS_S $S4 53 && listening $NS_S tcp 8080
}

start2() {
	# no dns64-allow: the default (loopback, link-local, the box's connected networks) takes the client in
	cat > "$W/flow.conf" <<-EOF
	mode nat64
	device $TUN
	socket $W/flow.sock
	pool6 64:ff9b::/96
	# RFC 6052 section 3.1: the test's RFC 5737 addresses are not global
	allow-nonglobal-ipv4 yes
	dns64-listen $XA
	dns64-upstream $S4
	EOF
	xlat_run $NS_X "$W/flow.conf" "$W/flow.stderr" "answers $NS_C $XA 53"
}

flow_dig() {
	ask $NS_C $XA 53 web.dns64.test AAAA || return 1
	want_status NOERROR; want_rrs AAAA 64:ff9b::c633:6402
}
# curl resolves the name with the C library (resolv.conf -> the DNS64) and connects through the NAT64
flow_curl() {
	local got
	got=$(ip netns exec $NS_C curl -sS -v --max-time 5 http://web.dns64.test:8080/hello.txt) ||
		fail "curl http://web.dns64.test:8080/ failed"
	[ "$got" = "$PAGE" ] || fail "content differs: '$got'"
}
flow_getent() {
	local out
	out=$(ip netns exec $NS_C getent ahostsv6 web.dns64.test) || fail "getent found no address"
	echo "$out"
	grep -qw 64:ff9b::c633:6402 <<< "$out" || fail "the C library did not get 64:ff9b::c633:6402"
}
stop2() { xlat_stop $NS_X $TUN; }

sanitizers() { no_sanitizer_reports "$W"/*.stderr; }

# --- run ------------------------------------------------------------------------------------------------
setup1 >> "$LOG" 2>&1 || e2e_abort "part 1 did not come up: $(tail -n 3 "$W"/*.stderr 2>/dev/null | tail -n 1)"

check e2e/dns64/synth-96 synth96
check e2e/dns64/synth-56 synth56
check e2e/dns64/real-aaaa real_aaaa
check e2e/dns64/exclude-custom exclude_custom
check e2e/dns64/a-unchanged a_query
check e2e/dns64/mapped-only-nodata mapped_only
check e2e/dns64/mapped-plus-a-ttl600 mapped_plus_a
check e2e/dns64/short-ttl short_ttl
check e2e/dns64/two-a multi
check e2e/dns64/cname-chain cname_chain
check e2e/dns64/dname-chain dname_chain
check e2e/dns64/additional-untouched additional
check e2e/dns64/nxdomain nxdomain
check e2e/dns64/nodata nodata
check e2e/dns64/private-wkp-refused private_strict
check e2e/dns64/private-wkp-allowed private_allowed
check e2e/dns64/private-nsp private_nsp
check e2e/dns64/ipv4only-aaaa-96 ipv4only $WKP 64:ff9b::c000:aa 64:ff9b::c000:ab
check e2e/dns64/ipv4only-aaaa-56 ipv4only $NSP 2001:db8:122:3c0:0:aa:: 2001:db8:122:3c0:0:ab::
check e2e/dns64/ipv4only-aaaa-strict ipv4only $STRICT 64:ff9b::c000:aa 64:ff9b::c000:ab
check e2e/dns64/ipv4only-a ipv4only_a
check e2e/dns64/ipv4only-ptr ipv4only_ptr
check e2e/dns64/ptr-96 ptr $WKP 64:ff9b::192.0.2.1
check e2e/dns64/ptr-56 ptr $NSP 2001:db8:122:3c0:0:201::
check e2e/dns64/cd-do-fresh cd_do_fresh
check e2e/dns64/cd-fresh cd_fresh
check e2e/dns64/cd-do-cached cd_do_cached
check e2e/dns64/cd-cached cd_cached
check e2e/dns64/tcp tcp
check e2e/dns64/ipv6-transport ipv6_transport
check e2e/dns64/truncated truncated
check e2e/dns64/truncated-tcp-retry truncated_tcp
check e2e/dns64/upstream-tcp upstream_tcp
check e2e/dns64/refused refused
check e2e/dns64/reload-prefix reload_prefix
check e2e/dns64/stop-nsd stop_nsd
check e2e/dns64/cached cached
check e2e/dns64/cached-cname cached_chain
check e2e/dns64/cached-nxdomain cached_nxdomain
check e2e/dns64/upstream-gone upstream_gone
check e2e/dns64/stats stats
check e2e/dns64/upstream-failover failover
check e2e/dns64/status status
check e2e/dns64/shutdown-mode-none stop1

if topology2 >> "$LOG" 2>&1 && servers2 >> "$LOG" 2>&1; then
	check e2e/dns64/flow-start start2
	check e2e/dns64/flow-dig flow_dig
	check e2e/dns64/flow-getent flow_getent
	check e2e/dns64/flow-curl flow_curl
	check e2e/dns64/flow-shutdown stop2
else
	echo "FAIL e2e/dns64/flow-setup: topology or servers did not come up"; nfail=$((nfail + 1))
fi
check e2e/dns64/sanitizers sanitizers

e2e_finish "$W"/*.stderr
