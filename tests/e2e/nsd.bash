# tests/e2e/nsd.bash - sourced (not a suite: tests/run.sh runs every tests/e2e/*.sh) by tests/e2e/dns64.sh and
# bench/dns64-perf.sh: the nsd both run as the authoritative server behind a DNS64, serving the test zones
# of this folder (dns64.zone, dns64-rev.zone).

NSD_ZONESDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# nsd_conf DIR ADDRESS@PORT...: an nsd configuration DIR/nsd.conf (its state and log in DIR too), checked.
nsd_conf() {
	local d=$1 a
	shift
	mkdir -p "$d"
	{
		echo "server:"
		for a in "$@"; do echo "    ip-address: $a"; done
		cat <<-EOF
		    server-count: 1
		    username: ""
		    chroot: ""
		    zonesdir: "$NSD_ZONESDIR"
		    database: ""
		    zonelistfile: "$d/zone.list"
		    xfrdfile: "$d/xfrd.state"
		    xfrdir: "$d"
		    pidfile: "$d/nsd.pid"
		    logfile: "$d/nsd.log"
		    verbosity: 0
		    # NSD's response rate limiting (on by default, 200/s per client prefix) would drop or truncate
		    # most queries of a DNS64 under load, which all come from one address
		    rrl-ratelimit: 0
		remote-control:
		    control-enable: no
		zone:
		    name: "dns64.test"
		    zonefile: "dns64.zone"
		zone:
		    name: "2.0.192.in-addr.arpa"
		    zonefile: "dns64-rev.zone"
		EOF
	} > "$d/nsd.conf"
	nsd-checkconf "$d/nsd.conf"
}
