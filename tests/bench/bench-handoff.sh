#!/bin/bash
# bench-handoff.sh [RUNS] - `qtm -y install` of the eight bundled models through a hive of 4
# local runners (qtm-hived started by hive-control on 127.0.0.1), into a fresh root each time:
#
#   this qtm: each model's turn first submits every later model whose requirements are
#       installed, so independent trainings run side by side on the runners;
#   QTM_BENCH_QTM_B (optional): another qtm binary, e.g. the build before that change (one
#       training at a time), on its own fresh hive, runs alternated with the first;
#   --local: the same install trained here, one model after another, for reference.
#
# Each hive variant gets a new hive (hive-control init, 4 runners, each confined to 2 CPUs and
# 4 GB as by default), so that no run finds the jobs or artifacts of another.  Wall time of
# the install; for the hive runs also the spread of the jobs (first start to last end, from
# GET /jobs) and the most jobs that ran at once.
#
#   QTM_BENCH_QTM_B=OLD/src/qtm/qtm tests/bench/bench-handoff.sh 2
#
# Environment: top_builddir (default: build/dev of this tree), QTM_BENCH_QTM_B, QTM_BENCH_RUNNERS
# (default 4), QTM_BENCH_KEEP=1 keeps the scratch directory.  Timings only: nothing here fails
# on a time.
set -eu
export LC_ALL=C NO_COLOR=1
unset QTM_ROOT QTM_HIVE QTM_HIVE_TOKEN

RUNS=${1:-2}
RUNNERS=${QTM_BENCH_RUNNERS:-4}
MODS="image-to-3d enhanced-3d gis-lidar geophysics-magnetic gis-buildings geophysics-resistivity text-to-3d geophysics-seismic"
. "$(dirname "$0")/lib.sh"
bench_need "" "$QTM" "$HC" "$HIVED" "$top_builddir/src/qtm-runner/qtm-runner" "$PY"

S=$(mktemp -d "${TMPDIR:-/tmp}/qtm-bench-handoff.XXXXXX")
HIVES=""
cleanup() {
	for h in $HIVES; do "$HC" --root "$h" stop >/dev/null 2>&1 || true; done
	[ "${QTM_BENCH_KEEP:-0}" = 1 ] && echo "kept $S" || rm -rf "$S"
}
trap cleanup EXIT

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

# hive_run TAG QTM: a fresh hive and root; the install timed; prints one line, sets WALL.
hive_run() {
	local h=$S/hive-$1 r=$S/root-$1 port t0
	"$HC" --root "$h" init >/dev/null
	printf 'min_runners = %s\nmax_runners = %s\n' "$RUNNERS" "$RUNNERS" >>"$h/var/lib/qtm/hive/hive.conf"
	port=$(free_port)
	"$HC" --root "$h" start --listen "127.0.0.1:$port" >/dev/null
	HIVES="$HIVES $h"
	t0=$(now)
	QTM_HIVE=http://127.0.0.1:$port QTM_HIVE_TOKEN=@$h/var/lib/qtm/hive/operator.token \
		"$2" --root "$r" -y install $MODS >"$S/$1.out" 2>"$S/$1.err" ||
		{ echo "bench-handoff.sh: $1 failed:" >&2; tail -5 "$S/$1.err" >&2; exit 1; }
	WALL=$("$PY" -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(now)")
	"$HC" --root "$h" --json jobs >"$S/$1.jobs.json"
	"$HC" --root "$h" stop >/dev/null
	HIVES=${HIVES% $h}
	"$PY" - "$S/$1.jobs.json" "$WALL" "$1" <<'PY'
import json, sys
jobs = [j for j in json.load(open(sys.argv[1]))["jobs"] if j.get("started_at") and j.get("finished_at")]
ev = sorted([(j["started_at"], 1) for j in jobs] + [(j["finished_at"], -1) for j in jobs])
most = cur = 0
for _, d in ev:
    cur += d
    most = max(most, cur)
span = max(j["finished_at"] for j in jobs) - min(j["started_at"] for j in jobs)
print("  %s: install %s s, %d jobs, jobs' span %.1f s, at most %d at once" % (sys.argv[3], sys.argv[2], len(jobs), span, most))
PY
}

echo "# qtm hand-off benchmark: $RUNS runs, $RUNNERS runners, $(nproc) CPUs, load at start $(cut -d' ' -f1-3 /proc/loadavg)"
a="" b="" l=""
for i in $(seq "$RUNS"); do
	hive_run "a$i" "$QTM"
	a="$a $WALL"
	if [ -n "${QTM_BENCH_QTM_B:-}" ]; then
		hive_run "b$i" "$QTM_BENCH_QTM_B"
		b="$b $WALL"
	fi
done
t0=$(now)
"$QTM" --root "$S/root-local" -y install --local $MODS >"$S/local.out" 2>"$S/local.err" ||
	{ echo "bench-handoff.sh: the local install failed:" >&2; tail -5 "$S/local.err" >&2; exit 1; }
l=$("$PY" -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(now)")
echo "  local (--local): install $l s"
echo
echo "## Summary (load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| way | install wall, every run (s) |"
echo "|---|---|"
echo "| this qtm, hive of $RUNNERS runners | $a |"
[ -z "$b" ] || echo "| qtm (B) \`$QTM_BENCH_QTM_B\`, hive of $RUNNERS runners | $b |"
echo "| this qtm, \`--local\` | $l |"
