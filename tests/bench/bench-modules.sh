#!/bin/bash
# bench-modules.sh [ROUNDS [BEFORE]] - the eight bundled models: what training each costs and what
# it buys, and what qtm adds on top of running the trainers by hand; with BEFORE (a git revision of
# this tree), also the installation of the eight modules as they were at BEFORE, side by side.
#
#   tests/bench/bench-modules.sh 2
#   tests/bench/bench-modules.sh 2 2c45d79
#
# Each round (default 1) does, in alternating order (round 1: qtm first, round 2: direct first,
# ...) so that a change in machine load hits both alike:
#   qtm     `qtm --root FRESH -y install` of all eight models at once, from the bundled repository
#           (resolution, dataset copies and sha256 checks, source unpacking, the sandboxed
#           trainings, artifact packing, the store and the database); wall and CPU time.
#   before  (with BEFORE) the same `qtm -y install` from a repository built, with this build's
#           qtm-repo and a scratch key, from `git archive BEFORE modules`; wall and CPU time.
#   direct  the eight trainers run one after another, outside qtm and without a sandbox, each
#           under /usr/bin/time, with the training contract's inputs rebuilt by hand: the working
#           directory a copy of modules/NAME, QTM_DATA a directory holding one entry per required
#           package (a dataset: its files from the repository; a model: the output directory of
#           its own direct run), QTM_OUTPUT an empty directory, QTM_PARAMS the module's
#           train.params as JSON, QTM_SEED, QTM_THREADS, OPENBLAS/OMP/MKL_NUM_THREADS=1 and the
#           rest of the contract's environment (HOME a scratch directory instead of /tmp).
# Then prints, per module: training time (qtm's own, from `qtm --json status` trainings[].wall_s;
# and the direct run's), peak memory (max RSS of the direct run), the declared headline metric
# with its confidence interval, every baseline, the split and the number of test samples (from
# `qtm --json info NAME` installed.evaluation), the artifact size (the installed
# store directory and the artifact cache's .tar.zst), whether the direct run wrote the same
# metrics.json as qtm (the trainings are deterministic); and qtm install / direct sequence as a
# ratio: qtm's overhead.
#
# Environment: top_builddir (default: build/dev of this tree; needs src/qtm/qtm and repo/),
# QTM_BENCH_KEEP=1 keeps the scratch directory, TMPDIR.  Timings only: nothing here fails on a
# time.
set -eu
export LC_ALL=C NO_COLOR=1
unset QTM_ROOT

ROUNDS=${1:-1}
BEFORE=${2:-}
. "$(dirname "$0")/lib.sh"
REPO=$top_builddir/repo
MODS="image-to-3d enhanced-3d gis-lidar geophysics-magnetic gis-buildings geophysics-resistivity text-to-3d geophysics-seismic"

bench_need "" "$QTM" "$REPO/release.json" "$PY" /usr/bin/time

S=$(mktemp -d "${TMPDIR:-/tmp}/qtm-bench-modules.XXXXXX")
cleanup() { [ "${QTM_BENCH_KEEP:-0}" = 1 ] && echo "kept $S" || rm -rf "$S"; }
trap cleanup EXIT
mkdir "$S/bin"
cp "$top_builddir/src/qtm/qtm" "$S/bin/"
QTM=$S/bin/qtm
export QTM_BUNDLED_REPO=$REPO

# The modules as they were at BEFORE, in a repository of their own (trusted as DIR.pub).
if [ -n "$BEFORE" ]; then
	mkdir "$S/before-src"
	git -C "$top_srcdir" archive "$BEFORE" modules | tar -x -C "$S/before-src"
	"$top_builddir/src/qtm-repo/qtm-repo" keygen "$S/before-key" >/dev/null
	"$top_builddir/src/qtm-repo/qtm-repo" build --name bundled --valid-days 30 --key "$S/before-key.key" \
		-o "$S/before-repo" "$S/before-src/modules" >/dev/null
	cp "$S/before-key.pub" "$S/before-repo.pub"
fi

t0() { _t0=$EPOCHREALTIME; }
secs() { awk -v a="$_t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# cpu_of FILE: user + sys from a /usr/bin/time -f "%e %U %S %M" file.
cpu_of() { awk '{ printf "%.2f", $2 + $3 }' "$1"; }

echo "# qtm module benchmark: $ROUNDS round(s), $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), kernel $(uname -r), load at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# qtm: $top_builddir, repository: $REPO, scratch: $S"

# What the direct runs need, from module.json: the command, the params, seed, threads, inputs.
for m in $MODS; do
	"$PY" - "$top_srcdir/modules/$m/module.json" "$S/spec-$m" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
p = m.get("train", {}).get("params", {})
out = sys.argv[2]
json.dump(p, open(out + ".params.json", "w"), indent=1, sort_keys=True)
seed = p.get("seed")
with open(out + ".env", "w") as f:
    f.write("QTM_SEED=%d\n" % (int(seed) if isinstance(seed, (int, float)) else 42))
    f.write("QTM_THREADS=%d\n" % m["resources"]["cpus"])
with open(out + ".cmd", "w") as f:
    f.write("\n".join("/usr/bin/python3" if (i == 0 and a == "python3") else a
                      for i, a in enumerate(m["train"]["command"])) + "\n")
with open(out + ".inputs", "w") as f:
    for r in m.get("requires", []):
        name = r.split()[0]
        if not name.startswith("runtime("):
            f.write(name + "\n")
PY
done

# direct ROUND: the eight trainers one after another; writes $S/direct-ROUND/NAME.{time,log} and
# sets DIRECT_WALL (the whole sequence, setup included).
direct() {
	D=$S/direct-$1
	mkdir -p "$D/home"
	t0
	for m in $MODS; do
		W=$D/$m
		mkdir -p "$W/data" "$W/out"
		cp -a "$top_srcdir/modules/$m" "$W/src"
		while read -r dep; do
			if [ -d "$REPO/datasets/$dep" ]; then
				ln -s "$REPO/datasets/$dep/$(ls "$REPO/datasets/$dep" | sort -V | tail -1)" "$W/data/$dep"
			else
				ln -s "$D/$dep/out" "$W/data/$dep"   # a model: its direct run's outputs
			fi
		done <"$S/spec-$m.inputs"
		cp "$S/spec-$m.params.json" "$W/params.json"
		mapfile -t cmd <"$S/spec-$m.cmd"
		# shellcheck disable=SC2046  # spec-NAME.env holds two words, QTM_SEED=N QTM_THREADS=N
		(cd "$W/src" && env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$D/home" LANG=C.UTF-8 \
			PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHONHASHSEED=0 \
			PYTHONPATH="$top_srcdir/data/python" \
			OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
			QTM_DATA="$W/data" QTM_OUTPUT="$W/out" QTM_PARAMS="$W/params.json" \
			$(cat "$S/spec-$m.env") \
			/usr/bin/time -o "$D/$m.time" -f "%e %U %S %M" "${cmd[@]}" >"$D/$m.log" 2>&1) ||
			{ echo "bench-modules.sh: direct run of $m failed:" >&2; tail -5 "$D/$m.log" >&2; exit 1; }
		echo "  direct $m: $(awk '{ printf "%.2f s wall, cpu %.2f s, max RSS %.0f MB", $1, $2 + $3, $4 / 1024 }' "$D/$m.time")"
	done
	DIRECT_WALL=$(secs)
}

# viaqtm ROUND: qtm -y install of the eight into a fresh root; sets QTM_WALL, QTM_CPU.
viaqtm() {
	R=$S/root-$1
	t0
	/usr/bin/time -o "$S/qtm-$1.time" -f "%e %U %S %M" "$QTM" --root "$R" -y install $MODS \
		>"$S/qtm-$1.out" 2>"$S/qtm-$1.err" ||
		{ echo "bench-modules.sh: qtm install failed:" >&2; tail -5 "$S/qtm-$1.err" >&2; exit 1; }
	QTM_WALL=$(secs) QTM_CPU=$(cpu_of "$S/qtm-$1.time")
	"$QTM" --root "$R" --json status >"$S/status-$1.json"
	for m in $MODS; do "$QTM" --root "$R" --json info "$m" >"$S/info-$1-$m.json"; done
}

# before ROUND: as viaqtm, from the repository of BEFORE's modules; sets BEFORE_WALL, BEFORE_CPU.
before() {
	t0
	QTM_BUNDLED_REPO=$S/before-repo /usr/bin/time -o "$S/before-$1.time" -f "%e %U %S %M" \
		"$QTM" --root "$S/before-root-$1" -y install $MODS >"$S/before-$1.out" 2>"$S/before-$1.err" ||
		{ echo "bench-modules.sh: qtm install of $BEFORE's modules failed:" >&2; tail -5 "$S/before-$1.err" >&2; exit 1; }
	BEFORE_WALL=$(secs) BEFORE_CPU=$(cpu_of "$S/before-$1.time")
	rm -rf "$S/before-root-$1"
}

qtm_walls="" qtm_cpus="" direct_walls="" direct_cpus="" before_walls="" before_cpus=""
steps="qtm direct"
[ -n "$BEFORE" ] && steps="qtm before direct"
for r in $(seq "$ROUNDS"); do
	for step in $([ $((r % 2)) = 1 ] && echo "$steps" || echo "$steps" | tr ' ' '\n' | tac | tr '\n' ' '); do
		if [ "$step" = before ]; then
			echo "round $r: qtm -y install of the modules of $BEFORE ..."
			before "$r"
			echo "  qtm install ($BEFORE): $BEFORE_WALL s wall, cpu $BEFORE_CPU s"
			before_walls="$before_walls $BEFORE_WALL" before_cpus="$before_cpus $BEFORE_CPU"
		elif [ "$step" = qtm ]; then
			echo "round $r: qtm -y install (8 models) ..."
			viaqtm "$r"
			echo "  qtm install: $QTM_WALL s wall, cpu $QTM_CPU s"
			qtm_walls="$qtm_walls $QTM_WALL" qtm_cpus="$qtm_cpus $QTM_CPU"
		else
			echo "round $r: the eight trainers directly ..."
			direct "$r"
			c=$(cat "$S/direct-$r"/*.time | awk '{ s += $2 + $3 } END { printf "%.2f", s }')
			echo "  direct sequence: $DIRECT_WALL s wall, cpu $c s"
			direct_walls="$direct_walls $DIRECT_WALL" direct_cpus="$direct_cpus $c"
		fi
	done
done

# The per-module table (medians over rounds).
"$PY" - "$S" "$ROUNDS" $MODS <<'PY'
import glob, json, os, statistics, sys
S, rounds, mods = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
med = lambda v: statistics.median(v) if v else float("nan")
fmt = lambda v: "%.4g" % v if isinstance(v, (int, float)) else str(v)
print("\n## Per module (medians of %d round(s))\n" % rounds)
print("| module | headline (test) [95% CI] | baselines | split | n_test | train wall, qtm / direct | "
      "direct: cpu, peak RSS | artifact: store / .tar.zst | direct metrics.json = qtm's |")
print("|---|---|---|---|---|---|---|---|---|")
tot_q = tot_d = tot_c = 0.0
for m in mods:
    qw, dw, dc, rss, same = [], [], [], [], []
    for r in range(1, rounds + 1):
        st = json.load(open("%s/status-%d.json" % (S, r)))
        qw += [t["wall_s"] for t in st["trainings"] if t["name"] == m and t["state"] == "succeeded"]
        e, u, s_, k = open("%s/direct-%d/%s.time" % (S, r, m)).read().split()[-4:]
        dw.append(float(e)); dc.append(float(u) + float(s_)); rss.append(float(k) / 1024)
        inst = json.load(open("%s/info-%d-%s.json" % (S, r, m)))["installed"]
        mine = json.load(open("%s/direct-%d/%s/out/metrics.json" % (S, r, m)))
        theirs = json.load(open(os.path.join(inst["path"], "metrics.json")))
        same.append(mine == theirs)
    ev = inst.get("evaluation") or {}
    head = "%s %s (%s)" % (ev.get("headline", "-"), fmt(ev.get("value", "-")),
                           "higher is better" if ev.get("higher_is_better") else "lower is better")
    if ev.get("ci95"):
        head += " [%s, %s]" % tuple(fmt(v) for v in ev["ci95"])
    bases = ", ".join("%s %s" % (b["name"], fmt(b["value"])) for b in ev.get("baselines", [])) or "-"
    store = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(inst["path"]) for f in fs)
    art = glob.glob("%s/root-%d/var/cache/qtm/artifacts/%s.tar.zst" % (S, rounds, inst["build_id"]))
    tz = "%.1f KiB" % (os.path.getsize(art[0]) / 1024) if art else "-"
    tot_q += med(qw); tot_d += med(dw); tot_c += med(dc)
    print("| %s | %s | %s | %s | %s | %.1f s / %.1f s | %.1f s, %.0f MB | %.1f KiB / %s | %s |" % (
        m, head, bases, ev.get("split", "-"), ev.get("n_test", "-"), med(qw), med(dw), med(dc),
        max(rss), store / 1024, tz, "yes" if all(same) else "NO"))
print("| **sum** | | | | | %.1f s / %.1f s | %.1f s | | |" % (tot_q, tot_d, tot_c))
PY

QW=$(echo "$qtm_walls" | median) QC=$(echo "$qtm_cpus" | median)
DW=$(echo "$direct_walls" | median) DC=$(echo "$direct_cpus" | median)
cat <<EOF

## qtm -y install of the eight vs the eight trainers run directly

Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg).

| way | wall (median) | cpu: user + sys (median) | runs: wall |
|---|---|---|---|
| \`qtm -y install\` of all eight (fresh root, bundled repository) | $QW s | $QC s | $qtm_walls |
| the eight trainers directly, one after another | $DW s | $DC s | $direct_walls |
$([ -n "$BEFORE" ] && echo "| \`qtm -y install\` of the modules of $BEFORE (fresh root) | $(echo "$before_walls" | median) s | $(echo "$before_cpus" | median) s | $before_walls |")
| **qtm / direct** | **$(awk -v a="$QW" -v b="$DW" 'BEGIN { printf "%.3f", a / b }')** | $(awk -v a="$QC" -v b="$DC" 'BEGIN { printf "%.3f", a / b }') | |
EOF
if [ -n "$BEFORE" ]; then
	BW=$(echo "$before_walls" | median) BC=$(echo "$before_cpus" | median)
	echo "| **now / $BEFORE** | **$(awk -v a="$QW" -v b="$BW" 'BEGIN { printf "%.3f", a / b }')** | $(awk -v a="$QC" -v b="$BC" 'BEGIN { printf "%.3f", a / b }') | |"
fi
