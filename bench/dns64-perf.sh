#!/bin/bash
# dns64-perf.sh - queries per second of xlat64's DNS64 and of Unbound's dns64 module over the same NSD
# (tests/e2e/dns64.zone), with dnsperf, cached and uncached, in one run; prints a table (docs/performance.md,
# section DNS64).
#   NSD      127.0.0.12#5312  dns64.test, 2.0.192.in-addr.arpa
#   Unbound  127.0.0.13#5313  module-config "dns64 validator iterator", dns64-prefix 64:ff9b::/96,
#                             one thread, stub-zone to NSD (as ../shared/dns64-lab/unbound.conf.in)
#   xlat64   127.0.0.15#5315  mode none, pool6 64:ff9b::/96 (bench/dns64-xlat64.sh)
# cached: a file of 8 queries (synthesized, real AAAA, CNAME chain, NXDOMAIN, NODATA, A) repeated for the
# whole run, so after the first pass every answer comes from the server's cache. uncached: every query a
# new name under the zone's wildcard *.wild.dns64.test (A only), so each costs the server an AAAA and an A
# query to NSD and a synthesis, and nothing is ever answered from cache.
# The DNS64 servers run on CPU $SERVER_CPU, dnsperf and NSD on the other CPUs (taskset), one at a time.
# Env: DURATION (seconds per run, default 15), CLIENTS (dnsperf -c, default 4), OUTSTANDING (dnsperf -q,
# default 200), MAXQPS (dnsperf -Q, a rate cap: for a smoke test of this script), SERVER_CPU (default 1),
# XLAT64 (binary), PROFILE=1 (perf record -g of xlat64 during its
# cached run; the report goes to the output).
set -u
REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
DURATION=${DURATION:-15}; CLIENTS=${CLIENTS:-4}; OUTSTANDING=${OUTSTANDING:-200}
SERVER_CPU=${SERVER_CPU:-1}
NCPU=$(nproc)
OTHER_CPUS=$(seq 0 $((NCPU - 1)) | grep -vx "$SERVER_CPU" | paste -sd,)
[ -n "$OTHER_CPUS" ] || OTHER_CPUS=$SERVER_CPU
for t in nsd unbound dnsperf dig; do
	command -v $t > /dev/null || { echo "error: $t missing (apt-get install nsd unbound dnsperf dnsutils)" >&2; exit 1; }
done
NSD_A=127.0.0.12; NSD_P=5312; UB_A=127.0.0.13; UB_P=5313; X_A=127.0.0.15; X_P=5315

T=$(mktemp -d /tmp/dns64-perf.XXXXXX)
PIDS=()
cleanup() {
	local p
	LISTEN_PORT=$X_P RUN_DIR=$T "$REPO/bench/dns64-xlat64.sh" stop
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	if [ "${KEEP:-0}" = 1 ]; then echo "# kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

. "$REPO/tests/e2e/nsd.bash"
nsd_conf "$T/nsd" $NSD_A@$NSD_P || exit 1
cat > "$T/unbound.conf" <<EOF
server:
    interface: $UB_A@$UB_P
    port: $UB_P
    access-control: 127.0.0.0/8 allow
    do-daemonize: no
    chroot: ""
    username: ""
    directory: "$T"
    pidfile: "$T/unbound.pid"
    use-syslog: no
    logfile: "$T/unbound.log"
    verbosity: 0
    num-threads: 1
    so-reuseport: no
    msg-cache-size: 64m
    rrset-cache-size: 128m
    do-not-query-localhost: no
    qname-minimisation: no
    module-config: "dns64 validator iterator"
    dns64-prefix: 64:ff9b::/96
    # test. is one of Unbound's default local zones (RFC 6761): it would answer NXDOMAIN itself
    local-zone: "test." nodefault
remote-control:
    control-enable: no
stub-zone:
    name: "dns64.test."
    stub-addr: $NSD_A@$NSD_P
EOF
unbound-checkconf "$T/unbound.conf" > /dev/null || { unbound-checkconf "$T/unbound.conf"; exit 1; }

for s in "$NSD_A $NSD_P" "$UB_A $UB_P" "$X_A $X_P"; do
	read -r a p <<< "$s"
	if dig @"$a" -p "$p" . SOA +time=1 +tries=1 > /dev/null 2>&1; then
		echo "error: something already answers on $a#$p (another run?)" >&2; exit 1
	fi
done
up() {	# address port name pid
	for _ in $(seq 60); do
		kill -0 "$4" 2>/dev/null || break
		dig @"$1" -p "$2" v4only.dns64.test AAAA +time=1 +tries=1 2>/dev/null | grep -q 'status: NOERROR' && return 0
		sleep 0.25
	done
	echo "error: $3 does not answer on $1#$2 (logs in $T)" >&2; exit 1
}
taskset -c "$OTHER_CPUS" nsd -d -c "$T/nsd/nsd.conf" > "$T/nsd/nsd.stderr" 2>&1 &
PIDS+=($!)
up $NSD_A $NSD_P NSD $!
taskset -c "$SERVER_CPU" unbound -d -c "$T/unbound.conf" > "$T/unbound.stderr" 2>&1 &
UPID=$!; PIDS+=("$UPID")
up $UB_A $UB_P Unbound "$UPID"
LISTEN_ADDR=$X_A LISTEN_PORT=$X_P UPSTREAM_ADDR=$NSD_A UPSTREAM_PORT=$NSD_P PREFIX=64:ff9b::/96 \
	DNS64_ALLOW=127.0.0.0/8 XLAT64_CPU=$SERVER_CPU RUN_DIR=$T "$REPO/bench/dns64-xlat64.sh" start || exit 1
XPID=$(cat "$T/$X_P/xlat64.pid")

printf '%s\n' "v4only.dns64.test AAAA" "both.dns64.test AAAA" "chain1.dns64.test AAAA" "multi.dns64.test AAAA" \
	"mappeda.dns64.test AAAA" "nx.dns64.test AAAA" "txtonly.dns64.test AAAA" "v4only.dns64.test A" > "$T/cached.txt"
# enough unique names for 200k queries/s; -n 1 reads the file once, so no name repeats
awk -v n=$((DURATION * 200000)) 'BEGIN { for (i = 0; i < n; i++) printf "u%d.wild.dns64.test AAAA\n", i }' \
	> "$T/uncached.txt"

# cpu_ticks PID: user + system time of the process, all threads, in clock ticks
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# run NAME PID ADDRESS PORT FILE DNSPERF-ARGS...: prints "qps lost% latency-ms server-cpu% dnsperf-cpu%"
run() {
	local name=$1 pid=$2 a=$3 p=$4 f=$5 out t0 t1 c0 c1
	shift 5
	[ -n "${MAXQPS:-}" ] && set -- "$@" -Q "$MAXQPS"
	c0=$(cpu_ticks "$pid"); t0=$(date +%s%N)
	out=$(/usr/bin/time -o "$T/time-$name" -f %P taskset -c "$OTHER_CPUS" dnsperf -s "$a" -p "$p" -d "$f" -l "$DURATION" -c "$CLIENTS" -q "$OUTSTANDING" \
		"$@" 2>&1)
	c1=$(cpu_ticks "$pid"); t1=$(date +%s%N)
	echo "$out" > "$T/dnsperf-$name.out"
	awk -v client="$(tr -d '%' < "$T/time-$name")" -v cpu="$(( (c1 - c0) * 100 * 1000000000 / $(getconf CLK_TCK) / (t1 - t0) ))" '/Queries per second:/ { q = $4 }
	     /Queries lost:/ { l = $4; gsub(/[()]/, "", l) }
	     /Average Latency/ { lat = $4 }
	     END { printf "%.0f %s %s %s %s\n", q, l, lat * 1000, cpu, client }' <<< "$out"
}
profile() {	# while dnsperf runs: 8 s of xlat64's stacks
	sleep 2
	perf record -e cpu-clock -g -p "$XPID" -o "$T/perf.data" -- sleep 8 > /dev/null 2>&1
}

echo "# $(nproc) CPUs; DNS64 servers on CPU $SERVER_CPU, dnsperf and NSD on CPU $OTHER_CPUS; $DURATION s per run"
echo "# dnsperf -l $DURATION -c $CLIENTS -q $OUTSTANDING; $(unbound -V | sed -n 's/^Version /unbound /p'), $(nsd -v 2>&1 | head -n 1), dnsperf $(dpkg-query -W -f '${Version}' dnsperf 2>/dev/null)"
read -r ub_c ub_cl ub_cms ub_ccpu ub_ccl < <(run unbound-cached "$UPID" $UB_A $UB_P "$T/cached.txt")
if [ "${PROFILE:-0}" = 1 ]; then profile & PP=$!; fi
read -r x_c x_cl x_cms x_ccpu x_ccl < <(run xlat64-cached "$XPID" $X_A $X_P "$T/cached.txt")
[ "${PROFILE:-0}" = 1 ] && wait "$PP"
read -r ub_u ub_ul ub_ums ub_ucpu ub_ucl < <(run unbound-uncached "$UPID" $UB_A $UB_P "$T/uncached.txt" -n 1)
read -r x_u x_ul x_ums x_ucpu x_ucl < <(run xlat64-uncached "$XPID" $X_A $X_P "$T/uncached.txt" -n 1)

echo
# CPU: share of one core used by the DNS64 server / by dnsperf during the run; q/CPU-s: queries answered
# per second of the server's CPU time (dnsperf on one core is often the limit, not the server)
per_cpu() { [ "${2:-0}" -gt 0 ] && echo $(($1 * 100 / $2)) || echo -; }
echo "| server | cached q/s | lost | avg latency ms | CPU server / dnsperf | q/CPU-s | uncached q/s | lost | avg latency ms | CPU server / dnsperf | q/CPU-s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
echo "| Unbound dns64 (1 thread) | $ub_c | $ub_cl | $ub_cms | $ub_ccpu% / $ub_ccl% | $(per_cpu "$ub_c" "$ub_ccpu") |" \
	"$ub_u | $ub_ul | $ub_ums | $ub_ucpu% / $ub_ucl% | $(per_cpu "$ub_u" "$ub_ucpu") |"
echo "| xlat64 DNS64 | $x_c | $x_cl | $x_cms | $x_ccpu% / $x_ccl% | $(per_cpu "$x_c" "$x_ccpu") |" \
	"$x_u | $x_ul | $x_ums | $x_ucpu% / $x_ucl% | $(per_cpu "$x_u" "$x_ucpu") |"
if [ "${PROFILE:-0}" = 1 ] && [ -f "$T/perf.data" ]; then
	echo
	echo "# perf report (xlat64, cached run)"
	perf report -i "$T/perf.data" --no-children --stdio -g none --sort dso 2>/dev/null | grep -v '^#' | grep -v '^$'
	perf report -i "$T/perf.data" --no-children --stdio -g none --sort dso,symbol --percent-limit 0.7 2>/dev/null |
		grep -v '^#' | grep -v '^$' | head -n 50
fi
# Sanity: both servers still give the synthetic answer.
for s in "$UB_A $UB_P" "$X_A $X_P"; do
	read -r a p <<< "$s"
	echo "# $a#$p: $(dig @"$a" -p "$p" v4only.dns64.test AAAA +short +time=2 +tries=1 | paste -sd ' ')"
done
