#!/bin/bash
# Runs the test suites and prints "N passed, N failed" last. Usage: tests/run.sh [unit|vectors|e2e]...
# Every suite prints lines "PASS name", "FAIL name: why" or "SKIP name: why"; a suite that exits non-zero
# without printing a FAIL line counts as one failure (a crash must never pass silently).
# VERBOSE=1 shows PASS lines too.
cd "$(dirname "$0")/.." || exit 2
shared=${XLAT64_SHARED:-$(cd .. && pwd)/shared}
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(unit vectors e2e)
passed=0 failed=0 skipped=0

run_suite() {	# name command...
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	local p f s
	p=$(grep -c '^PASS ' <<<"$out")
	f=$(grep -c '^FAIL ' <<<"$out")
	s=$(grep -c '^SKIP ' <<<"$out")
	if [ "$VERBOSE" = 1 ]; then
		echo "$out"
	else
		grep -v '^PASS ' <<<"$out" | grep -E '^(FAIL|SKIP) |^[a-z0-9]+: [0-9]+/[0-9]+$|ERROR|AddressSanitizer|runtime error' || true
	fi
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name: exited with status $rc"
		[ "$VERBOSE" = 1 ] || tail -n 20 <<<"$out"
		f=1
	fi
	echo "# $name: $p passed, $f failed, $s skipped"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

for suite in "${suites[@]}"; do
	case $suite in
	unit)
		for t in build/test/test_*; do
			[ -x "$t" ] && run_suite "unit/$(basename "$t")" "$t"
		done ;;
	vectors)
		run_suite vectors build/test/vectors "$shared" ;;
	e2e)
		for t in tests/e2e/*.sh; do
			[ "$t" = tests/e2e/lib.sh ] && continue	# shared helpers, not a suite
			[ -f "$t" ] && XLAT64=${XLAT64:-build/xlat64-san} run_suite "e2e/$(basename "$t" .sh)" bash "$t"
		done ;;
	*)
		echo "unknown suite $suite" >&2; exit 2 ;;
	esac
done
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
