#!/bin/sh
# tests/fuzz/run.sh BUILD SECONDS - runs every libFuzzer target of BUILD (configured with
# --enable-fuzzing) from its committed seed corpus, JOBS (default 2) at a time, within about
# SECONDS of wall time in all.  Prints one line per target (executions, exec/s, coverage) and
# "PASS: TARGET" or "FAIL: TARGET"; exits 1 if any target crashed.  Found inputs and crashes
# stay in BUILD/tests/fuzz/work/TARGET; the committed corpus is not changed.
# TARGETS="manifest metrics" picks targets; RUNS=N also stops each target after N executions
# (a campaign: RUNS=10000000 with a large SECONDS).
set -u
[ $# -eq 2 ] || { echo "usage: $0 BUILD SECONDS" >&2; exit 2; }
build=$(cd "$1" && pwd) || exit 2
total=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
jobs=${JOBS:-2}
targets=${TARGETS:-$(cd "$src/tests/fuzz/corpus" && ls)}
runs=${RUNS:--1}
n=$(echo "$targets" | wc -w)
# The budget of one target: the rounds of JOBS targets share the total.
rounds=$(( (n + jobs - 1) / jobs ))
each=$(( total / rounds ))
[ "$each" -ge 1 ] || each=1
top_srcdir=$src
export top_srcdir
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS

one() {   # one TARGET: fuzz it, then print its line
	t=$1
	bin=$build/tests/fuzz/fuzz-$t
	work=$build/tests/fuzz/work/$t
	mkdir -p "$work/corpus" "$work/crashes"
	start=$(date +%s)
	if [ ! -x "$bin" ]; then
		echo "FAIL: $t (no $bin: configure with --enable-fuzzing and make)" >"$work/result"
		return
	fi
	TMPDIR=$work "$bin" -max_total_time="$each" -runs="$runs" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/crashes/" "$work/corpus" "$src/tests/fuzz/corpus/$t" >"$work/log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
	cov=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/\1 \2/p' "$work/log" | tail -1)
	line="$t: ${execs:-0} execs, ${rate:-0} exec/s, cov ${cov% *} ft ${cov#* } in $(( $(date +%s) - start )) s"
	if [ "$rc" -eq 0 ]; then
		echo "PASS: $line" >"$work/result"
	else
		echo "FAIL: $line (exit $rc; crash input in $work/crashes/)" >"$work/result"
		grep -m1 -A12 'ERROR: \|runtime error\|deadly signal' "$work/log" >>"$work/result"
	fi
}

running=0
for t in $targets; do
	rm -rf "$build/tests/fuzz/work/$t"
	one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait
failed=0
for t in $targets; do
	cat "$build/tests/fuzz/work/$t/result"
	grep -q '^PASS' "$build/tests/fuzz/work/$t/result" || failed=1
done
exit $failed
