#!/bin/sh
# soak.sh - runs the integration tests ROUNDS times (default 3) in a built tree while stress-ng
# keeps every CPU busy, as CI's machines often are.  A test that races the clock instead of
# polling for the state it expects fails here first.  Prints one line per round and ends with
# "N passed, N failed" over all rounds; the logs of each round are kept in BUILD/soak/ROUND/.
#
#   tests/soak.sh [BUILD-DIR [ROUNDS]]      (BUILD-DIR: a configured and built tree, default .)
#
# QTM_TEST_HEAVY defaults to 1 here (the Slurm, hive fault and dashboard tests run: they are the
# ones that wait on daemons); QTM_TEST_MODULES to 0 (training the eight modules waits on nothing).
# QTM_SOAK_CPUS sets the stress-ng workers (default: the number of CPUs).
set -u

build=$(cd "${1:-.}" && pwd) || exit 2
rounds=${2:-3}
[ -f "$build/Makefile" ] || { echo "soak.sh: $build is not a configured build tree" >&2; exit 2; }
command -v stress-ng >/dev/null 2>&1 || { echo "soak.sh: stress-ng is not installed (apt-get install stress-ng)" >&2; exit 2; }
case $rounds in '' | *[!0-9]*) echo "soak.sh: ROUNDS must be a positive number, not '$rounds'" >&2; exit 2 ;; esac
[ "$rounds" -ge 1 ] || { echo "soak.sh: ROUNDS must be at least 1" >&2; exit 2; }

# The integration tests as the Makefile lists them.
tests=$(printf 'soak-list:\n\t@echo $(INTEGRATION_TESTS)\n' | make -s -C "$build" -f Makefile -f - soak-list) || exit 2
[ -n "$tests" ] || { echo "soak.sh: no INTEGRATION_TESTS in $build/Makefile" >&2; exit 2; }

cpus=${QTM_SOAK_CPUS:-$(nproc 2>/dev/null || echo 2)}
stress-ng --cpu "$cpus" --timeout 0 --quiet &
stress_pid=$!
trap 'kill "$stress_pid" 2>/dev/null; wait "$stress_pid" 2>/dev/null' EXIT
trap 'exit 1' HUP INT TERM

export QTM_TEST_HEAVY="${QTM_TEST_HEAVY:-1}" QTM_TEST_MODULES="${QTM_TEST_MODULES:-0}"
passed=0
failed=0
r=1
while [ "$r" -le "$rounds" ]; do
	start=$(date +%s)
	make -C "$build" -k check TESTS="$tests" >"$build/soak-round.out" 2>&1
	log=$build/test-suite.log
	p=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
	f=$(sed -n 's/^# FAIL: *//p' "$log" | head -1)
	e=$(sed -n 's/^# ERROR: *//p' "$log" | head -1)
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	echo "round $r: ${p:-0} passed, $((${f:-0} + ${e:-0})) failed in $(($(date +%s) - start)) s (load $load)"
	grep -E '^(FAIL|ERROR)' "$build/soak-round.out" | sed 's/^/  /'
	mkdir -p "$build/soak/$r"
	for t in $tests; do
		for ext in log trs; do
			[ -f "$build/${t%.sh}.$ext" ] && cp "$build/${t%.sh}.$ext" "$build/soak/$r/"
		done
	done
	cp "$log" "$build/soak-round.out" "$build/soak/$r/" 2>/dev/null
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0} + ${e:-0}))
	r=$((r + 1))
done
rm -f "$build/soak-round.out"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
