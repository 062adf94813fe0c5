#!/bin/bash
# Install the Debian packages a target needs, only those missing. Usage: deps.sh check|demo|all
set -e
build="gcc make pkg-config libmnl-dev libnftables-dev libldns-dev"
run="iproute2 iputils-ping curl traceroute socat"
# nsd + dig: the DNS64 end-to-end test's authoritative server and client; tshark decodes PREF64 options.
test="python3-scapy iperf3 tcpdump nftables nsd dnsutils tshark"
case "${1:-all}" in
	check) want="$build $run $test" ;;
	demo) want="$build $run" ;;
	all) want="$build $run $test tayga unbound bind9 dnsperf ldnsutils time" ;;
	*) echo "usage: $0 check|demo|all" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing (run as root, or: apt-get install$missing)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# The DNS servers are test tools, run by the tests on high ports: keep their packages from starting
# system-wide services (on port 53) during the install (policy-rc.d, honoured by invoke-rc.d and
# deb-systemd-invoke), and from starting at boot.
policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
	policy=/usr/sbin/policy-rc.d
	printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy
fi
apt-get update -qq
apt-get install -y -qq $missing >/dev/null || { [ -z "$policy" ] || rm -f $policy; exit 1; }
[ -z "$policy" ] || rm -f $policy
for p in $missing; do
	case $p in nsd|unbound|bind9)
		s=$p; [ $p = bind9 ] && s=named
		command -v systemctl >/dev/null && systemctl disable -q $s 2>/dev/null || true ;;
	esac
done
