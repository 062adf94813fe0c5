#!/bin/bash
# bench/nat64-setup-rate.sh ADAPTER - end-to-end new-session setup rate through a translator in the n64 netns
# harness: many short UDP flows (one datagram out, one echo back, each from a new source transport address)
# and TCP connects (handshake, 1-byte reply, close). Prints figures, asserts nothing.
#   bench/nat64-setup-rate.sh xlat64-nat64             # bench/xlat-xlat64-nat64.sh of this repo
#   bench/nat64-setup-rate.sh tayga                    # the harness's xlat-tayga.sh
#   bench/nat64-setup-rate.sh /path/to/xlat-foo.sh
# ADAPTER is a name (bench/xlat-NAME.sh here first, then the harness's xlat-NAME.sh) or a path.
# Env: N64_BENCH_DIR (harness, default ../shared/bench beside this repo), DURATION (s per test, default 5),
#   WORKERS (client processes per test, default 2), WINDOW (flows in flight per worker, default 64),
#   SRCS (client IPv6 addresses the flows are spread over, default 32), TESTS ("udp tcp").
# Each test gets a freshly started adapter (empty session tables). Every flow uses a source (address, port)
# not used before in that test, so each one is a new NAT64 session (RFC 6146 §3.5.1/§3.5.2): xlat64 limits
# sessions per IPv6 source (max-sessions-per-source, 8192 by default), hence the SRCS addresses.
set -u
REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
N64_BENCH_DIR=${N64_BENCH_DIR:-$REPO/../shared/bench}
[ -f "$N64_BENCH_DIR/lib.sh" ] || { echo "error: no $N64_BENCH_DIR/lib.sh (set N64_BENCH_DIR)" >&2; exit 1; }
. "$N64_BENCH_DIR/lib.sh"
DURATION=${DURATION:-5}; WORKERS=${WORKERS:-2}; WINDOW=${WINDOW:-64}; SRCS=${SRCS:-32}
TESTS=${TESTS:-udp tcp}
UDP_PORT=7007; TCP_PORT=7008
SRC_BASE=2001:db8:1::1:	# client source addresses $SRC_BASE0 .. (inside the client's on-link /64)

[ $# -eq 1 ] || { echo "usage: $0 ADAPTER" >&2; exit 2; }
case $1 in
*/*) ADAPTER=$(readlink -f "$1") ;;
*) ADAPTER=$REPO/bench/xlat-$1.sh; [ -x "$ADAPTER" ] || ADAPTER=$N64_BENCH_DIR/xlat-$1.sh ;;
esac
[ -x "$ADAPTER" ] || die "no adapter $ADAPTER"
LABEL=$(adapter_label "$ADAPTER")
TMP=$(mktemp -d /tmp/nat64-setup-rate.XXXXXX)
SERVER_PIDS=()

cleanup() {
	local p
	for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	"$ADAPTER" stop >/dev/null 2>&1
	"$N64_BENCH_DIR/netns-topo.sh" down >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The load generator and both servers: Debian's python, standard library only.
cat > "$TMP/gen.py" <<'EOF'
import json, os, resource, selectors, socket, sys, time

def cpu_self():
	r = resource.getrusage(resource.RUSAGE_SELF)
	return r.ru_utime + r.ru_stime

def udp_server(port):
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
	s.bind(("0.0.0.0", port))
	while True:
		d, a = s.recvfrom(2048)
		s.sendto(d, a)

def tcp_server(port):
	# Blocking accept loop: accept() hands over established connections, the 1-byte send never blocks.
	s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	s.bind(("0.0.0.0", port))
	s.listen(4096)
	while True:
		c, _ = s.accept()
		try:
			c.send(b"x")
		except OSError:
			pass
		c.close()

def client(proto, target, port, srcs, duration, worker, workers, window):
	"""One worker: keeps `window` flows in flight, each from a source (address, port) never used before."""
	sel = selectors.DefaultSelector()
	tcp = proto == "tcp"
	t_idx = worker			# global tuple index, strided over the workers
	ok = fail = skipped = 0
	lat = 0.0
	inflight = {}			# socket -> start time
	nsrc = len(srcs)
	def open_one():
		nonlocal t_idx, skipped
		while True:
			a = srcs[t_idx % nsrc]
			p = 1024 + (t_idx // nsrc) % 64000
			t_idx += workers
			s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
			s.setblocking(False)
			try:
				s.bind((a, p))
			except OSError:
				s.close(); skipped += 1
				continue
			if tcp:
				s.connect_ex((target, port))	# EINPROGRESS; readable once the reply byte arrives
			else:
				s.connect((target, port))
				s.send(b"q")
			now = time.monotonic()
			inflight[s] = now
			sel.register(s, selectors.EVENT_READ)
			return
	c0 = cpu_self()
	t0 = time.monotonic()
	end = t0 + duration
	last_sweep = t0
	for _ in range(window):
		open_one()
	while True:
		now = time.monotonic()
		if now >= end:
			break
		for key, _ in sel.select(timeout=0.05):
			s = key.fileobj
			try:
				d = s.recv(16)
				good = len(d) > 0
			except OSError:
				good = False
			t = inflight.pop(s)
			sel.unregister(s); s.close()
			if good:
				ok += 1; lat += time.monotonic() - t
			else:
				fail += 1
			open_one()
		now = time.monotonic()
		if now - last_sweep > 0.1:	# flows without an answer after 1 s count as failed
			last_sweep = now
			for s, t in list(inflight.items()):
				if now - t > 1.0:
					del inflight[s]; sel.unregister(s); s.close(); fail += 1
					open_one()
	elapsed = time.monotonic() - t0
	# one write(2) per line: the workers share stdout
	os.write(1, (json.dumps({"ok": ok, "fail": fail, "inflight_at_end": len(inflight), "skipped_bind": skipped,
		"elapsed": elapsed, "cpu": cpu_self() - c0, "lat_sum": lat,
		"tuples_used": (t_idx - worker) // workers}) + "\n").encode())

def main():
	m = sys.argv[1]
	if m == "udp-server":
		udp_server(int(sys.argv[2]))
	elif m == "tcp-server":
		tcp_server(int(sys.argv[2]))
	elif m == "client":
		proto, target, port, srcs, duration, workers, window = sys.argv[2:9]
		workers = int(workers)
		pids = []
		for w in range(workers):
			pid = os.fork()
			if pid == 0:
				client(proto, target, int(port), srcs.split(","), float(duration), w, workers, int(window))
				os._exit(0)
			pids.append(pid)
		for p in pids:
			os.waitpid(p, 0)

main()
EOF

# utime+stime in seconds of the given pids (all threads), 0 for gone ones.
cpu_of() {
	local p sum=0 hz; hz=$(getconf CLK_TCK)
	for p in "$@"; do
		[ -r /proc/$p/stat ] || continue
		sum=$((sum + $(awk '{ sub(/.*\) /, ""); print $12 + $13 }' /proc/$p/stat)))
	done
	awk -v t=$sum -v hz="$hz" 'BEGIN { printf "%.3f", t / hz }'
}
# Whole VM: busy jiffies (all but idle and iowait) from /proc/stat.
sys_busy() {
	awk -v hz="$(getconf CLK_TCK)" '/^cpu / { printf "%.3f", ($2+$3+$4+$7+$8+$9) / hz }' /proc/stat
}

"$N64_BENCH_DIR/netns-topo.sh" up >/dev/null || die "topology up failed"
srcs=
nsc ip -6 addr add "${SRC_BASE}ffff/64" dev $IF_C nodad || die "client address"	# the warm-up flow's
for i in $(seq 0 $((SRCS - 1))); do
	a=$SRC_BASE$(printf %x "$i")
	nsc ip -6 addr add "$a/64" dev $IF_C nodad || die "client address $a"
	srcs=${srcs:+$srcs,}$a
done
# not via nss(): $! must be python itself (ip netns exec execs it)
ip netns exec $NS_S "$PY" "$TMP/gen.py" udp-server $UDP_PORT & SERVER_PIDS+=($!)
ip netns exec $NS_S "$PY" "$TMP/gen.py" tcp-server $TCP_PORT & SERVER_PIDS+=($!)
sleep 0.3

echo "# $LABEL: $DURATION s per test, $WORKERS client workers x $WINDOW flows in flight, $SRCS client addresses, $(nproc) CPUs"
printf '%-14s %-4s %9s %8s %7s %8s %8s %10s %8s %8s %9s\n' adapter test flows/s failed rtt_ms xlat_cpu \
	gen_cpu srv_cpu sys_busy flows/xcpu flows/sys
for t in $TESTS; do
	port=$UDP_PORT; [ "$t" = tcp ] && port=$TCP_PORT
	"$ADAPTER" start || die "adapter start"
	eval "$("$ADAPTER" env)"
	TARGET6=${TARGET6:-$NAT64_TARGET}
	# warm-up: 0.3 s of flows from an address of its own, so ND/ARP and the start are not measured
	nsc "$PY" "$TMP/gen.py" client "$t" "$TARGET6" $port "${SRC_BASE}ffff" 0.3 1 1 > /dev/null
	# shellcheck disable=SC2086
	x0=$(cpu_of $XLAT_PIDS); s0=$(cpu_of "${SERVER_PIDS[@]}"); b0=$(sys_busy)
	nsc "$PY" "$TMP/gen.py" client "$t" "$TARGET6" $port "$srcs" "$DURATION" "$WORKERS" "$WINDOW" \
		> "$TMP/$t.jsonl"
	# shellcheck disable=SC2086
	x1=$(cpu_of $XLAT_PIDS); s1=$(cpu_of "${SERVER_PIDS[@]}"); b1=$(sys_busy)
	[ -n "$XLAT_PIDS" ] || { x0=0; x1=0; }
	"$ADAPTER" stop >/dev/null 2>&1
	"$PY" - "$LABEL" "$t" "$TMP/$t.jsonl" "$x0" "$x1" "$s0" "$s1" "$b0" "$b1" <<'EOF'
import json, sys
label, t, f = sys.argv[1:4]
x0, x1, s0, s1, b0, b1 = map(float, sys.argv[4:10])
rows = [json.loads(l) for l in open(f) if l.strip()]
ok = sum(r["ok"] for r in rows); fail = sum(r["fail"] for r in rows)
el = max(r["elapsed"] for r in rows); gen = sum(r["cpu"] for r in rows)
lat = sum(r["lat_sum"] for r in rows) / ok * 1000 if ok else 0
xc, sc, bc = x1 - x0, s1 - s0, b1 - b0
rate = ok / el
per = lambda c: "%.0f" % (ok / c) if c > 0 else "-"
print("%-14s %-4s %9.0f %8d %7.2f %8.2f %8.2f %8.2f %8.2f %10s %8s" % (label, t, rate, fail, lat, xc, gen, sc, bc,
	per(xc), per(bc)))
if fail and ok + fail > 60000:
	print("# note: %d %s flows: a pool4 of one address (xlat64 with masquerade) has 65535 ports per protocol;"
		" lower DURATION if flows failed" % (ok + fail, t))
print(json.dumps({"adapter": label, "test": t, "flows": ok, "failed": fail, "elapsed_s": round(el, 3),
	"flows_per_s": round(rate), "rtt_ms": round(lat, 3), "xlat_cpu_s": round(xc, 3), "gen_cpu_s": round(gen, 3),
	"server_cpu_s": round(sc, 3), "sys_busy_s": round(bc, 3),
	"bind_skipped": sum(r["skipped_bind"] for r in rows)}), file=sys.stderr)
EOF
done
