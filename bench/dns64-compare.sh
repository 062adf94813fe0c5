#!/bin/bash
# dns64-compare.sh - xlat64's DNS64 beside Unbound and BIND over the same authoritative NSD, with the same
# dig matrix: the table of docs/conformance.md ("DNS64 beside Unbound and BIND").
#
# Runs ../shared/dns64-lab/run.sh --keep (NSD 127.0.0.2#5302, Unbound 127.0.0.3#5303, BIND 127.0.0.1#5304;
# it asks its own matrix first), then starts xlat64 through bench/dns64-xlat64.sh in front of the same NSD
# and replays every "dig ..." case that run.sh printed, in the same order (DNSSEC-flag cases first, on
# names no cache has seen), against xlat64:
#   127.0.0.5#5305  pool6 64:ff9b::/96, allow-nonglobal-ipv4 yes (the lab's zone is TEST-NET-1, which
#                   RFC 6052 §3.1 keeps out of the well-known prefix; Unbound and BIND ignore that rule)
#   127.0.0.5#5306  pool6 64:ff9b::/96, allow-nonglobal-ipv4 no (the default: the private-IPv4 row)
#   127.0.0.5#5307  pool6 2001:db8:122:300::/56 (the non-/96 layout BIND shows for its ::1 clients)
# Prints run.sh's output, xlat64's answers in the same line format, and a markdown table.
# The lab's zone data stays in ../shared (read by NSD at run time). Env: DNS64_LAB (the lab folder).
set -u
REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
LAB=${DNS64_LAB:-$REPO/../shared/dns64-lab}
ADAPTER=$REPO/bench/dns64-xlat64.sh
X=127.0.0.5
[ -x "$LAB/run.sh" ] || { echo "error: no $LAB/run.sh (set DNS64_LAB)" >&2; exit 1; }
command -v dig > /dev/null || { echo "error: dig missing (apt-get install dnsutils)" >&2; exit 1; }
if dig @127.0.0.2 -p 5302 lab.example SOA +time=1 +tries=1 > /dev/null 2>&1; then
	echo "error: something already answers on 127.0.0.2#5302 (another lab run?)" >&2; exit 1
fi

T=$(mktemp -d /tmp/dns64-compare.XXXXXX)
LABPID=
cleanup() {
	local p
	for p in 5305 5306 5307; do LISTEN_PORT=$p RUN_DIR=$T "$ADAPTER" stop; done
	if [ -n "$LABPID" ]; then
		exec 3>&-	# run.sh --keep waits for a line on stdin, or its end
		wait "$LABPID"
	fi
	rm -rf "$T"
}
trap cleanup EXIT

mkfifo "$T/stdin"
"$LAB/run.sh" --keep < "$T/stdin" > "$T/lab.out" 2>&1 &
LABPID=$!
exec 3> "$T/stdin"
for _ in $(seq 240); do
	grep -q 'servers left running' "$T/lab.out" && break
	kill -0 $LABPID 2>/dev/null || { cat "$T/lab.out"; echo "error: run.sh ended early" >&2; exit 1; }
	sleep 0.25
done
grep -q 'servers left running' "$T/lab.out" || { cat "$T/lab.out"; echo "error: run.sh did not finish its matrix" >&2; exit 1; }

xstart() {	# PORT PREFIX ALLOW_NONGLOBAL
	LISTEN_ADDR=$X LISTEN_PORT=$1 UPSTREAM_ADDR=127.0.0.2 UPSTREAM_PORT=5302 PREFIX=$2 ALLOW_NONGLOBAL=$3 \
		DNS64_ALLOW="127.0.0.0/8 ::1/128" RUN_DIR=$T "$ADAPTER" start
}
xstart 5305 64:ff9b::/96 yes && xstart 5306 64:ff9b::/96 no && xstart 5307 2001:db8:122:300::/56 no || exit 1

# The lab's line format: server#port, status, [flags], then "owner ttl type rdata; " per answer and
# authority record.
q() {	# server port dig-args...
	local s=$1 p=$2 out status flags rrs
	shift 2
	out=$(dig @"$s" -p "$p" +time=2 +tries=1 +noall +comments +answer +authority "$@" 2>&1)
	status=$(sed -n 's/.*status: \([A-Z]*\).*/\1/p' <<< "$out" | head -n 1)
	flags=$(sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p' <<< "$out" | head -n 1)
	rrs=$(grep -v '^;' <<< "$out" | grep -v '^$' | awk '{ printf "%s %s %s %s; ", $1, $2, $4, $5 }')
	[ -z "$status" ] && status="NO-ANSWER ($(tr '\n' ' ' <<< "$out" | cut -c1-80))"
	printf '    %-14s %-8s [%s] %s\n' "$s#$p" "$status" "$flags" "$rrs"
}

cat "$T/lab.out"
echo "# --- xlat64 (this tree) over the same NSD, same cases in the same order ---"
{
	while IFS= read -r line; do
		title=${line#\#\# }; title=${title%%: dig *}
		read -ra args <<< "${line#*: dig }"
		echo "## $title: dig ${args[*]}"
		q $X 5305 "${args[@]}"
		case "${args[*]}" in priv.lab.example\ AAAA) q $X 5306 "${args[@]}" ;; esac
	done < <(grep -E '^## .*: dig ' "$T/lab.out")
	echo "## non-/96 layout (2001:db8:122:300::/56), beside BIND's ::1 answers"
	for c in "a-only.lab.example AAAA" "priv.lab.example AAAA" "ipv4only.arpa AAAA" "-x 2001:db8:122:3c0:0:20a::"; do
		echo "## /56: dig $c"
		read -ra args <<< "$c"
		q $X 5307 "${args[@]}"
	done
} | tee "$T/xlat64.out"

# One table row per case: the answer RRs (type, data, TTL) or the status, per server.
echo
echo "# --- table ---"
/usr/bin/python3 - "$T/lab.out" "$T/xlat64.out" <<'EOF'
import re, sys

def cases(path):
    out, cur = {}, None
    for line in open(path):
        m = re.match(r'## (.*): dig (.*)$', line.rstrip('\n'))
        if m:
            cur = m.group(2); out.setdefault(cur, {}); continue
        m = re.match(r'\s+(\S+)\s+(\S+(?: \(.*\))?)\s+\[([^]]*)\]\s*(.*)$', line.rstrip('\n'))
        if m and cur is not None:
            out[cur][m.group(1)] = (m.group(2), m.group(3), m.group(4))
    return out

def cell(v):
    if v is None:
        return ''
    status, flags, rrs = v
    parts = []
    for rr in rrs.split('; '):
        f = rr.split()
        if len(f) == 4 and (f[2] == 'NS' or f[2:] == ['RRSIG', 'NS']):
            continue	# the authority section's NS (and its signature): the same everywhere, noise here
        if len(f) == 4 and f[2] != 'SOA':
            parts.append('%s %s (%s)' % (f[2], f[3], f[1]))
        elif len(f) == 4:
            parts.append('SOA (%s)' % f[1])
    if status == 'NOERROR':
        s = '' if any(not p.startswith('SOA') for p in parts) else 'NODATA'
    else:
        s = status
    if ' ad' in ' ' + flags:
        s += ' AD'
    return (s + ' ' + ', '.join(parts)).strip()

lab, x = cases(sys.argv[1]), cases(sys.argv[2])
print('| dig | Unbound | BIND | xlat64 |')
print('|---|---|---|---|')
for k, v in x.items():
    l = lab.get(k, {})
    xs = [cell(r) for s, r in v.items()]
    print('| `%s` | %s | %s | %s |' % (k, cell(l.get('127.0.0.3#5303')), cell(l.get('127.0.0.1#5304')),
                                        ' / '.join(xs)))
EOF
