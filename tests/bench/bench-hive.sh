#!/bin/bash
# bench-hive.sh [RUNS] - the hive's queue and its packing, each against what a user would use
# instead:
#
#   (a) throughput: tests/bench/hive-load.c (built here with cc -O2) drives a fresh
#       `qtm-hived --executor fleet` on 127.0.0.1 with 3000 trivial jobs and 8 runner threads
#       (submit -> claim -> complete with the artifact inline, as qtm-runner sends artifacts
#       of at most 64 KiB, the next claim riding on the complete; HIVE_LOAD_PUT=1 uploads each
#       artifact with its own PUT instead); jobs/s and the daemon's CPU time (utime + stime from
#       /proc/PID/stat, all its threads).  If
#       `sbatch` exists, also N submissions of `sbatch --wrap true` to a Slurm cluster (the one
#       SLURM_CONF names when `sinfo` answers, else a one-node cluster on loopback started with
#       tests/slurm/slurm-up.sh and stopped after): submissions/s and the ratio hive / sbatch;
#   (b) makespan: the seed's eight modules as tiny models with their estimates in minutes
#       (image-to-3d 60, enhanced-3d 40, gis-lidar 30, geophysics-magnetic 35, gis-buildings 25,
#       geophysics-resistivity 30, text-to-3d 80, geophysics-seismic 25), no requirements, all
#       priority medium (only the packing is measured), each training sleeping UNITS x SCALE
#       seconds; a hive with min_runners = 0 and max_runners = 4, the eight submitted with
#       `hive-control submit` while no runner exists (the daemon runs --executor fleet then:
#       with the local executor, autoscaling would start runners as soon as the first job is
#       queued), then `hive-control restart --executor local` and `hive-control scale 4`.  Makespan =
#       max(finished_at) - min(started_at) over GET /jobs, in units (/ SCALE), against the
#       optimum 85 ({80} {60 25} {40 35} {30 30 25}) and, for reference, longest-first (LPT) 90;
#       and each runner's sequence of jobs.
#
#   tests/bench/bench-hive.sh 3
#
# RUNS (default 3): runs of (a) and of (b).  Environment: top_builddir (default: build/dev of
# this tree), QTM_BENCH_SCALE (seconds per unit in (b), default 0.1), QTM_BENCH_JOBS (default
# 3000), QTM_BENCH_RUNNERS (default 8), QTM_BENCH_SBATCH (submissions, default 200),
# QTM_BENCH_KEEP=1 keeps the scratch directory, QTM_BENCH_PART=a (or b) runs only that part
# (a: without the sbatch comparison unless QTM_BENCH_SBATCH is set).  Needs cc, curl, libcurl, cJSON and OpenSSL
# headers.  Timings only: nothing here fails on a time.
set -eu
export LC_ALL=C NO_COLOR=1
unset QTM_ROOT QTM_HIVE QTM_HIVE_TOKEN

RUNS=${1:-3}
SCALE=${QTM_BENCH_SCALE:-0.1}
JOBS=${QTM_BENCH_JOBS:-3000}
RUNNERS=${QTM_BENCH_RUNNERS:-8}
N_SBATCH=${QTM_BENCH_SBATCH:-200}
PART=${QTM_BENCH_PART:-all}
case $PART in
all) ;;
a) [ -n "${QTM_BENCH_SBATCH:-}" ] || N_SBATCH=0 ;;
b) ;;
*) echo "bench-hive.sh: QTM_BENCH_PART must be a, b or all" >&2; exit 2 ;;
esac
. "$(dirname "$0")/lib.sh"
bench_need "" "$HIVED" "$HC" "$QTM" "$top_builddir/src/qtm-runner/qtm-runner" \
	"$QTM_REPO" "$PY" "$(command -v curl)" "$(command -v cc)"

S=$(mktemp -d "${TMPDIR:-/tmp}/qtm-bench-hive.XXXXXX")
chmod 755 "$S"   # munged needs every directory above its socket searchable
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	done
	if [ -n "${SLURM_DIR:-}" ] && [ -f "$SLURM_DIR/pids" ]; then
		bash "$top_srcdir/tests/slurm/slurm-down.sh" "$SLURM_DIR" >/dev/null 2>&1
	fi
	[ "${QTM_BENCH_KEEP:-0}" = 1 ] && echo "kept $S" || rm -rf "$S"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

t0() { _t0=$EPOCHREALTIME; }
secs() { awk -v a="$_t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# div A B [FORMAT]: A / B, where A and B may be arithmetic expressions of numbers.
div() { awk "BEGIN { printf \"${3:-%.2f}\", ($1) / ($2) }"; }
# cpu_s PID: user + system CPU seconds of a live process.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"; }
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# wait_health URL PID: until the daemon answers GET /health (or exits).
wait_health() {
	for _ in $(seq 200); do
		curl -sf -m 2 "$1/health" >/dev/null 2>&1 && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.05
	done
	echo "bench-hive.sh: qtm-hived at $1 did not answer" >&2
	exit 1
}
# stop_pid PID: SIGTERM, and wait until it has gone.
stop_pid() {
	kill "$1" 2>/dev/null || true
	for _ in $(seq 300); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
	kill -9 "$1" 2>/dev/null || true
}

echo "# qtm hive benchmark: $RUNS runs, $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), kernel $(uname -r), load at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(curl --version | head -1 | cut -d' ' -f1-3), $(cc --version | head -1)"

if [ "$PART" != b ]; then
# ---- (a) throughput ------------------------------------------------------------------------
cc -O2 -o "$S/hive-load" "$here/hive-load.c" -lcurl -lcjson -lcrypto -lpthread
echo "(a) throughput: hive-load, $JOBS jobs, $RUNNERS runners, qtm-hived --executor fleet:"
a_rate="" a_wall="" a_cpu=""
for i in $(seq "$RUNS"); do
	st=$S/a-$i
	mkdir -p "$st"
	port=$(free_port)
	"$HIVED" --state "$st" --listen "127.0.0.1:$port" --executor fleet >"$st/out" 2>&1 &
	hpid=$!
	PIDS="$PIDS $hpid"
	wait_health "http://127.0.0.1:$port" "$hpid"
	c0=$(cpu_s "$hpid")
	"$S/hive-load" "http://127.0.0.1:$port" "$(cat "$st/operator.token")" "$(cat "$st/runner.token")" \
		"$JOBS" "$RUNNERS" >"$st/load.out" 2>"$st/load.err" ||
		{ echo "bench-hive.sh: hive-load failed:" >&2; tail -5 "$st/load.err" >&2; exit 1; }
	c1=$(cpu_s "$hpid")
	done_n=$(curl -sf "http://127.0.0.1:$port/status" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["queue"]["completed"])')
	stop_pid "$hpid"
	read -r _ _ _ _ _ wall _ rate <"$st/load.out"
	cpu=$(div "$c1 - $c0" 1)
	a_rate="$a_rate $rate" a_wall="$a_wall $wall" a_cpu="$a_cpu $cpu"
	echo "  run $i: $wall s, $rate jobs/s, qtm-hived cpu $cpu s ($(div "$cpu * 1000000" "$JOBS" %.0f) us/job), $done_n jobs completed"
	# Kept until the end: on an ext4 without a journal, a file is not given an inode freed in the
	# last minute or so, and creating one next to thousands just deleted costs 250-330 us instead
	# of 18 us (measured here): the next run would pay for this one's cleanup.
done
A_RATE=$(echo "$a_rate" | median) A_CPU=$(echo "$a_cpu" | median)
# Without a cluster of its own, the one-node cluster of the tests on loopback (tests/slurm).
SLURM_DIR=""
if [ "$N_SBATCH" -gt 0 ] && command -v sbatch >/dev/null 2>&1 && ! sinfo >/dev/null 2>&1 && command -v slurmctld >/dev/null 2>&1 &&
	[ "$(id -u)" = 0 ]; then
	SLURM_DIR=$S/slurm
	if bash "$top_srcdir/tests/slurm/slurm-up.sh" "$SLURM_DIR" >"$S/slurm-up.log" 2>&1; then
		. "$SLURM_DIR/env"
	else
		echo "  (slurm-up.sh failed: $(tail -1 "$S/slurm-up.log"))"
	fi
fi
if [ "$N_SBATCH" -eq 0 ]; then
	SBATCH_LINE="sbatch: not measured (QTM_BENCH_PART=a)"
elif command -v sbatch >/dev/null 2>&1 && sinfo >/dev/null 2>&1; then
	t0
	for _ in $(seq "$N_SBATCH"); do sbatch --output=/dev/null --wrap true >/dev/null; done
	SB_WALL=$(secs)
	SB_RATE=$(div "$N_SBATCH" "$SB_WALL" %.1f)
	SBATCH_LINE="sbatch: $N_SBATCH submissions of \`sbatch --wrap true\` in $SB_WALL s: $SB_RATE submissions/s; hive jobs/s (submit to completion) / sbatch submissions/s: $(div "$A_RATE" "$SB_RATE" %.1f)"
else
	SBATCH_LINE="sbatch: not available (slurm not running)"
fi
[ -n "$SLURM_DIR" ] && [ -f "$SLURM_DIR/pids" ] && bash "$top_srcdir/tests/slurm/slurm-down.sh" "$SLURM_DIR" >/dev/null 2>&1
echo "  $SBATCH_LINE"

fi

if [ "$PART" != a ]; then
# ---- (b) makespan --------------------------------------------------------------------------
# The seed's eight modules: name and estimate in minutes (the units).
MODS="image-to-3d:60 enhanced-3d:40 gis-lidar:30 geophysics-magnetic:35 gis-buildings:25
geophysics-resistivity:30 text-to-3d:80 geophysics-seismic:25"
for m in $MODS; do
	name=${m%%:*} units=${m##*:}
	d=$S/mods/$name
	mkdir -p "$d"
	printf 'sleep %s\necho "%s %s" >"$QTM_OUTPUT/model.txt"\n' "$(div "$units * $SCALE" 1 %.3f)" "$name" "$units" >"$d/train.sh"
	cat >"$d/module.json" <<JSON
{"format":1,"name":"$name","version":"1.0.0","kind":"model","summary":"bench model","license":"MIT",
 "priority":"medium","estimated_minutes":$units,
 "resources":{"cpus":1,"memory_mb":256,"time_limit_s":3600},
 "train":{"command":["/bin/sh","train.sh"],"params":{"seed":1}},
 "outputs":["model.txt"]}
JSON
done
"$top_builddir/src/qtm-repo/qtm-repo" keygen "$S/key" >/dev/null
"$top_builddir/src/qtm-repo/qtm-repo" build --name bench --key "$S/key.key" -o "$S/repo" "$S/mods" >/dev/null
echo "(b) makespan: 8 modules (units: estimated minutes; 1 unit = $SCALE s of training), 4 local runners:"
b_ms="" b_packed="" b_over=""
for i in $(seq "$RUNS"); do
	H=$S/b-$i
	state=$H/var/lib/qtm/hive
	"$HC" --root "$H" init >/dev/null
	printf 'min_runners = 0\nmax_runners = 4\n' >>"$state/hive.conf"
	"$top_builddir/src/qtm/qtm" --root "$H" source add --key "$S/key.pub" bench "file://$S/repo" >/dev/null 2>&1
	"$top_builddir/src/qtm/qtm" --root "$H" update >/dev/null 2>&1
	port=$(free_port)
	# With min_runners = 0 the local executor's autoscaling starts runners as soon as a job is
	# queued, so the eight go in while the daemon runs --executor fleet (no local runner can
	# exist), then it is restarted with the local executor and scaled to 4.
	"$HC" --root "$H" start --listen "127.0.0.1:$port" --executor fleet >/dev/null
	url=http://127.0.0.1:$port
	for m in $MODS; do "$HC" --root "$H" submit "${m%%:*}" medium >/dev/null; done
	n_runners=$(curl -sf "$url/runners" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["runners"]))')
	"$HC" --root "$H" restart --listen "127.0.0.1:$port" --executor local >/dev/null
	hpid=$(cat "$state/hived.pid")
	PIDS="$PIDS $hpid"
	"$HC" --root "$H" scale 4 >/dev/null
	for _ in $(seq 6000); do
		curl -sf "$url/status" >"$S/status.json"
		[ "$("$PY" -c 'import json,sys; q = json.load(open(sys.argv[1]))["queue"]; print(q["completed"] + q["failed"] + q["cancelled"])' "$S/status.json")" = 8 ] && break
		sleep 0.2
	done
	curl -sf "$url/jobs" >"$S/jobs-$i.json"
	"$HC" --root "$H" stop >/dev/null
	out=$("$PY" - "$S/jobs-$i.json" "$SCALE" "$n_runners" <<'PY'
import json, sys
jobs = json.load(open(sys.argv[1]))["jobs"]
scale = float(sys.argv[2])
bad = [j for j in jobs if j["state"] != "completed"]
if bad:
    print("FAILED %s" % ", ".join("%s %s: %s" % (j["module"], j["state"], j["error"]) for j in bad))
    sys.exit(0)
t0 = min(j["started_at"] for j in jobs)
ms = max(j["finished_at"] for j in jobs) - t0
# The packing alone: each runner's estimates added up (what the makespan would be without the
# start-up of each training); and that start-up: wall time per job beyond its units.
units = lambda j: j["estimate_s"] / 60
packed = max(sum(units(j) for j in jobs if j["runner"] == r) for r in set(j["runner"] for j in jobs))
over = sum((j["finished_at"] - j["started_at"]) / scale - units(j) for j in jobs) / len(jobs)
print("%.2f %.0f %.1f" % (ms / scale, packed, over))
seq = {}
for j in sorted(jobs, key=lambda j: j["started_at"]):
    seq.setdefault(j["runner"], []).append(j)
for r in sorted(seq):
    js = seq[r]
    print("    %s: %s; busy %.1f units, done at %.1f" % (r, " ".join(
        "%s(%d)@%.1f" % (j["module"], j["estimate_s"] // 60, (j["started_at"] - t0) / scale) for j in js),
        sum(j["finished_at"] - j["started_at"] for j in js) / scale, (js[-1]["finished_at"] - t0) / scale))
print("    (runners enrolled when the eight were submitted: %s)" % sys.argv[3])
PY
)
	case $out in FAILED*) echo "bench-hive.sh: run $i: $out" >&2; exit 1 ;; esac
	read -r ms packed over <<<"$(echo "$out" | head -1)"
	b_ms="$b_ms $ms" b_packed="$b_packed $packed" b_over="$b_over $over"
	echo "  run $i: makespan $ms units ($(div "$ms * $SCALE" 1) s), optimum 85: optimum / makespan $(div 85 "$ms" %.3f); LPT 90: LPT / makespan $(div 90 "$ms" %.3f)"
	echo "    packing: the longest runner's estimates add up to $packed units (optimum / that: $(div 85 "$packed" %.3f)); start-up per job $over units"
	echo "$out" | tail -n +2
	rm -rf "$H"
done
B_MS=$(echo "$b_ms" | median) B_PACKED=$(echo "$b_packed" | median) B_OVER=$(echo "$b_over" | median)

fi

# ---- summary ---------------------------------------------------------------------------------
echo
echo "## Summary (medians of $RUNS runs; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
[ "$PART" != b ] && cat <<EOF

(a) throughput, $JOBS jobs, $RUNNERS runners (hive-load on 127.0.0.1)

| way | jobs/s (median) | runs: jobs/s | runs: wall s | qtm-hived cpu (median) | per job |
|---|---|---|---|---|---|
| qtm-hived --executor fleet, submit -> claim -> complete (artifact inline, or uploaded with HIVE_LOAD_PUT=1) | $(div "$A_RATE" 1 %.0f) | $a_rate | $a_wall | $A_CPU s | $(div "$A_CPU * 1000000" "$JOBS" %.0f) us |

- $SBATCH_LINE
EOF
[ "$PART" != a ] && cat <<EOF

(b) makespan of the seed's eight modules on 4 runners (units = estimated minutes; 1 unit = $SCALE s)

| | makespan (units) | optimum / makespan | LPT / makespan |
|---|---|---|---|
| qtm-hived, measured (runs: $b_ms) | $B_MS | $(div 85 "$B_MS" %.3f) | $(div 90 "$B_MS" %.3f) |
| qtm-hived, its packing (estimates of the fullest runner; runs: $b_packed) | $B_PACKED | $(div 85 "$B_PACKED" %.3f) | $(div 90 "$B_PACKED" %.3f) |
| optimum | 85 | 1 | |
| longest first (LPT) | 90 | 0.944 | 1 |

- the measured makespan includes each training's start-up (runner fetch, sandbox, artifact
  upload: a median $B_OVER units = $(div "$B_OVER * $SCALE" 1) s per job beyond its units) and the
  runners' start after the restart; it is $(div "$B_MS - 85" 1 %.1f) units ($(div "($B_MS - 85) * $SCALE" 1) s) above the optimum
EOF
exit 0
