#!/bin/bash
# Install the Debian packages a target needs, only those missing. Usage: deps.sh check|demo|all
set -e
build="gcc make pkg-config libmnl-dev libnftables-dev"
run="iproute2 iputils-ping curl traceroute socat"
test="python3-scapy iperf3 tcpdump nftables"
case "${1:-all}" in
	check) want="$build $run $test" ;;
	demo) want="$build $run" ;;
	all) want="$build $run $test tayga" ;;
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
apt-get update -qq
apt-get install -y -qq $missing >/dev/null
