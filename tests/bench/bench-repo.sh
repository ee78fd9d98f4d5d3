#!/bin/bash
# bench-repo.sh [N] - repository scale benchmark: qtm-repo build, qtm update, and resolution
# (qtm install -s) from the JSON index (cold) and from the .solv cache (warm) with N modules.
#
#   tests/bench/bench-repo.sh 100000
#
# Environment:
#   top_builddir         where the built qtm and qtm-repo are (default: build/dev of this tree)
#   QTM_BENCH_BUILD_MAX  above this many modules qtm-repo build is skipped and the index is
#                        written by tests/bench/gen-index.py instead (default 30000, to keep the
#                        default run short and its disk use low; qtm-repo build is linear now and
#                        takes about a minute at 100,000: QTM_BENCH_BUILD_MAX=100000 measures it,
#                        see BENCHMARKS.md)
#   QTM_BENCH_WARM       warm runs (default 5), QTM_BENCH_COLD cold runs (default 3)
#   QTM_BENCH_KEEP=1     keep the scratch directory
#   TMPDIR               where the scratch directory goes (needs about 1 GB per 100,000 modules)
#
# Prints every figure as it goes and a Markdown summary at the end.  Timings only: nothing here
# passes or fails on a time.
set -eu
export LC_ALL=C NO_COLOR=1
unset QTM_ROOT

N=${1:-100000}
. "$(dirname "$0")/lib.sh"
BUILD_MAX=${QTM_BENCH_BUILD_MAX:-30000}
WARM=${QTM_BENCH_WARM:-5}
COLD=${QTM_BENCH_COLD:-3}

bench_need "" "$QTM" "$QTM_REPO" "$PY"

S=$(mktemp -d "${TMPDIR:-/var/tmp}/qtm-bench-repo.XXXXXX")
cleanup() { [ "${QTM_BENCH_KEEP:-0}" = 1 ] && echo "kept $S" || rm -rf "$S"; }
trap cleanup EXIT
# Private copies, so that a rebuild running meanwhile cannot pull the binaries from under us.
mkdir "$S/bin"
cp "$QTM" "$QTM_REPO" "$S/bin/"
QTM=$S/bin/qtm QTM_REPO=$S/bin/qtm-repo
R=$S/root
CACHE=$R/var/cache/qtm/sources/bench

# t0; ...; secs: wall seconds since the last t0, from bash's microsecond clock.
t0() { _t0=$EPOCHREALTIME; }
secs() { awk -v a="$_t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.1f" : "n/a"), (b > 0 ? a / b : 0) }'; }
# timed NAME CMD...: runs CMD under /usr/bin/time (when there is one), output to $S/NAME.{out,err};
# sets WALL, USER_S, SYS_S, CPU (user + sys, children included) and RSS_MB.
timed() {
	name=$1
	shift
	USER_S=- SYS_S=- RSS_MB=- CPU=-
	t0
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -o "$S/$name.time" -f "%U %S %M" "$@" >"$S/$name.out" 2>"$S/$name.err"
	else
		"$@" >"$S/$name.out" 2>"$S/$name.err"
	fi || { echo "bench-repo.sh: $name failed:" >&2; tail -5 "$S/$name.err" >&2; exit 1; }
	WALL=$(secs)
	if [ -f "$S/$name.time" ]; then
		read -r USER_S SYS_S rss <"$S/$name.time"
		RSS_MB=$(awk -v k="$rss" 'BEGIN { printf "%.0f", k / 1024 }')
		CPU=$(awk -v u="$USER_S" -v s="$SYS_S" 'BEGIN { printf "%.2f", u + s }')
	fi
}
loaded() { sed -n 's/.*Loaded the sources in \([0-9.]*\) s.*/\1/p' "$1"; }
resolved() { sed -n 's/.*Resolved in \([0-9.]*\) s.*/\1/p' "$1"; }
mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f", b / 1048576 }'; }

echo "# qtm repository benchmark: N=$N, $(nproc) CPUs, kernel $(uname -r), load at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# binaries: $top_builddir, scratch: $S"

t0
read -r TARGET CLOSURE < <("$PY" "$here/gen-modules.py" "$N" "$S/mods")
GEN_S=$(secs)
n_ds=$(ls "$S/mods" | grep -c '^dataset-' || true)
echo "generated $N module folders ($n_ds datasets, $((N - n_ds)) models) in $GEN_S s"
echo "install target: $TARGET (dependency closure: $CLOSURE packages)"

# The repository's signing key (qtm refuses an unsigned release).
"$QTM_REPO" keygen "$S/bench-key" >/dev/null
if [ "$N" -le "$BUILD_MAX" ]; then
	sync
	timed build "$QTM_REPO" build --format 1 --name bench -o "$S/repo" "$S/mods"
	BUILD="$WALL s wall (user $USER_S s, sys $SYS_S s, max RSS $RSS_MB MB)"
	BUILD_ROW="| \`qtm-repo build\` ($N folders) | $WALL s | user $USER_S s, sys $SYS_S s, max RSS $RSS_MB MB |"
else
	t0
	"$PY" "$here/gen-index.py" "$S/mods" "$S/repo" bench
	BUILD="skipped above QTM_BENCH_BUILD_MAX=$BUILD_MAX; index written by gen-index.py in $(secs) s"
	BUILD_ROW="| \`qtm-repo build\` | skipped | N > QTM_BENCH_BUILD_MAX=$BUILD_MAX: index written by gen-index.py |"
fi
t0
"$QTM_REPO" sign --key "$S/bench-key.key" "$S/repo" >/dev/null
echo "qtm-repo build: $BUILD; qtm-repo sign: $(secs) s"
echo "index.json.gz: $(mb "$S/repo/index.json.gz") MB"

"$QTM" --root "$R" source add --key "$S/bench-key.pub" bench "file://$S/repo" >/dev/null 2>&1
sync
timed update "$QTM" --root "$R" update
UPDATE_WALL=$WALL UPDATE_DETAIL="user $USER_S s, sys $SYS_S s, max RSS $RSS_MB MB"
[ -f "$CACHE/index.solv" ] || { echo "bench-repo.sh: qtm update wrote no $CACHE/index.solv" >&2; exit 1; }
SOLV_MB=$(mb "$CACHE/index.solv")
echo "qtm update: $UPDATE_WALL s wall ($UPDATE_DETAIL); index.solv $SOLV_MB MB"

# run_install KIND I: one qtm -v install -s; checks where the sources came from.
run_install() {
	timed "install-$1-$2" "$QTM" -v --root "$R" install -s "$TARGET"
	f=$S/install-$1-$2.err
	want=$([ "$1" = cold ] && echo "from the JSON index" || echo "from the .solv cache")
	grep -q "$want" "$f" || { echo "bench-repo.sh: $1 run did not load $want:" >&2; cat "$f" >&2; exit 1; }
	L=$(loaded "$f") RES=$(resolved "$f")
	echo "  $1 $2: loaded $L s, resolved $RES s, whole command $WALL s (cpu $CPU s, max RSS $RSS_MB MB)"
}

echo "qtm -v install -s $TARGET, cold (index.solv deleted before each run: loads the JSON index):"
cold_l="" cold_r="" cold_w="" cold_c=""
for i in $(seq "$COLD"); do
	rm -f "$CACHE/index.solv"
	sync
	run_install cold "$i"
	cold_l="$cold_l $L" cold_r="$cold_r $RES" cold_w="$cold_w $WALL" cold_c="$cold_c $CPU" COLD_RSS=$RSS_MB
done
PLAN=$(grep -c '^Inst ' "$S/install-cold-1.out" || true)
echo "qtm -v install -s $TARGET, warm (from the .solv cache):"
warm_l="" warm_r="" warm_w="" warm_c=""
for i in $(seq "$WARM"); do
	run_install warm "$i"
	warm_l="$warm_l $L" warm_r="$warm_r $RES" warm_w="$warm_w $WALL" warm_c="$warm_c $CPU" WARM_RSS=$RSS_MB
done
[ "$PLAN" = "$(grep -c '^Inst ' "$S/install-warm-1.out")" ] || { echo "bench-repo.sh: cold and warm plans differ" >&2; exit 1; }

# The runtime probe every install runs (python3 reading distribution metadata), for reference.
probe="$S/probe"
for i in 1 2 3 4 5; do
	t0
	"$PY" -c 'import sys, importlib.metadata as m
print("python3", "%d.%d.%d" % sys.version_info[:3])
for d in sys.argv[1:]:
    try: print(d, m.version(d))
    except Exception: print(d, "-")' numpy scipy scikit-image scikit-learn Pillow torch >/dev/null
	echo "$(secs)" >>"$probe"
done
PROBE=$(median <"$probe")

CL=$(echo "$cold_l" | median) CR=$(echo "$cold_r" | median) CW=$(echo "$cold_w" | median)
WL=$(echo "$warm_l" | median) WR=$(echo "$warm_r" | median) WW=$(echo "$warm_w" | median)
WLR=$(awk -v a="$WL" -v b="$WR" 'BEGIN { printf "%.3f", a + b }')
CLR=$(awk -v a="$CL" -v b="$CR" 'BEGIN { printf "%.3f", a + b }')

cat <<EOF

## Summary (N=$N; medians: cold of $COLD, warm of $WARM)

Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg).
Machine: $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), kernel $(uname -r), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM
Install target: \`$TARGET\` (plan: $PLAN packages). index.json.gz $(mb "$S/repo/index.json.gz") MB, index.solv $SOLV_MB MB.

| step | wall | detail |
|---|---|---|
$BUILD_ROW
| \`qtm update\` (parse + validate + write .solv) | $UPDATE_WALL s | $UPDATE_DETAIL |
| install -s cold: "Loaded the sources" (JSON index) | $CL s | runs:$cold_l |
| install -s cold: "Resolved" | $CR s | runs:$cold_r |
| install -s cold: whole command | $CW s | runs:$cold_w; cpu (user + sys) runs:$cold_c; max RSS $COLD_RSS MB |
| install -s warm: "Loaded the sources" (.solv cache) | $WL s | runs:$warm_l |
| install -s warm: "Resolved" | $WR s | runs:$warm_r |
| install -s warm: whole command | $WW s | runs:$warm_w; cpu (user + sys) runs:$warm_c; max RSS $WARM_RSS MB |
| runtime probe alone (python3 metadata read, part of every install) | $PROBE s | |

- load + resolve from the .solv cache: $WLR s (target < 0.3 s); from the JSON index: $CLR s
- JSON index / .solv cache: load $(ratio "$CL" "$WL")x, whole command $(ratio "$CW" "$WW")x
EOF
