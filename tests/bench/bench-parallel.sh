#!/bin/bash
# bench-parallel.sh [ROUNDS] - the eight bundled modules from an empty root, `qtm -y install
# -j auto` (trainings side by side, as the declared cpus and memory fit) against `-j 1` (one
# after another), side by side in one run.
#
#   tests/bench/bench-parallel.sh 2
#
# Each round (default 1) installs all eight into two fresh roots, in alternating order (round 1:
# auto first, round 2: -j 1 first, ...) so that a change in machine load hits both alike, each
# under /usr/bin/time (wall, user and system time).  Then prints, per round and as means, the
# wall and CPU time of each and the ratio auto / -j 1, the trainings of the last auto run
# (start and end offsets, from `qtm --json status`: which ran side by side), and checks that
# both installs recorded the same build id for every model (exit 1 if not; the bytes are
# compared by tests/integration/modules.sh).
#
# Environment: top_builddir (default: build/dev of this tree; needs src/qtm/qtm and repo/),
# QTM_BENCH_KEEP=1 keeps the scratch directory, TMPDIR.  Timings only: nothing here fails on a
# time.
set -eu
export LC_ALL=C NO_COLOR=1
unset QTM_ROOT

ROUNDS=${1:-1}
. "$(dirname "$0")/lib.sh"
REPO=$top_builddir/repo
MODS="image-to-3d enhanced-3d gis-lidar geophysics-magnetic gis-buildings geophysics-resistivity text-to-3d geophysics-seismic"

bench_need "" "$QTM" "$QTM_REPO" "$REPO/release.json" "$PY" /usr/bin/time
bench_scratch parallel /tmp
export QTM_BUNDLED_REPO=$REPO

# install ROUND MODE: the eight into the fresh root $S/MODE-ROUND with -j MODE; appends
# "ROUND MODE WALL USER SYS" to $S/times.
install() {
	local r=$S/$2-$1
	if ! /usr/bin/time -o "$S/time" -f "%e %U %S" "$QTM" --root "$r" -y install -j "$2" $MODS \
		>"$S/$2-$1.out" 2>"$S/$2-$1.err"; then
		echo "qtm install -j $2 failed (round $1):" >&2
		tail -20 "$S/$2-$1.err" >&2
		exit 1
	fi
	echo "$1 $2 $(tail -1 "$S/time")" >>"$S/times"
}

# build_ids ROOT: "NAME BUILD_ID" per model, sorted.
build_ids() {
	for m in $MODS; do
		echo "$m $("$QTM" --root "$1" --json info "$m" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["installed"]["build_id"])')"
	done
}

: >"$S/times"
for round in $(seq 1 "$ROUNDS"); do
	if [ $((round % 2)) -eq 1 ]; then order="auto 1"; else order="1 auto"; fi
	for mode in $order; do
		install "$round" "$mode"
	done
	if ! cmp -s <(build_ids "$S/auto-$round") <(build_ids "$S/1-$round"); then
		echo "round $round: the build ids differ between -j auto and -j 1:" >&2
		diff <(build_ids "$S/auto-$round") <(build_ids "$S/1-$round") >&2 || true
		exit 1
	fi
done

echo "machine: $(nproc) cores, $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo);" \
	"qtm $("$QTM" --version | head -1)"
"$PY" - "$S/times" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
t = {}
for rnd, mode, wall, user, sysc in rows:
    t.setdefault(rnd, {})[mode] = (float(wall), float(user) + float(sysc))
print("%-6s %12s %12s %12s %12s %9s" % ("round", "auto wall s", "auto cpu s", "-j1 wall s", "-j1 cpu s", "auto/-j1"))
for rnd in sorted(t, key=int):
    a, b = t[rnd]["auto"], t[rnd]["1"]
    print("%-6s %12.1f %12.1f %12.1f %12.1f %8.2fx" % (rnd, a[0], a[1], b[0], b[1], a[0] / b[0]))
n = len(t)
ma = [sum(t[r]["auto"][i] for r in t) / n for i in (0, 1)]
mb = [sum(t[r]["1"][i] for r in t) / n for i in (0, 1)]
print("%-6s %12.1f %12.1f %12.1f %12.1f %8.2fx" % ("mean", ma[0], ma[1], mb[0], mb[1], ma[0] / mb[0]))
PY
echo "build ids: the same for all eight models under -j auto and -j 1 in every round"

# The last auto run's trainings on one time line.
last=$S/auto-$ROUNDS
"$QTM" --root "$last" --json status >"$S/status.json"
"$PY" - "$S/status.json" <<'PY'
import json, sys
tr = json.load(open(sys.argv[1]))["trainings"]
t0 = min(t["started_at"] for t in tr)
print("trainings of the last -j auto run (seconds from the first start):")
for t in sorted(tr, key=lambda t: (t["started_at"], t["name"])):
    print("  %-24s start %4d  end %4d  wall %6.1f s" % (t["name"], t["started_at"] - t0,
          t.get("finished_at", t["started_at"]) - t0, t["wall_s"]))
PY
