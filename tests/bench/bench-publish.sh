#!/bin/bash
# bench-publish.sh [N] - incremental publishing: `qtm-repo add` of one module to a signed
# repository of N modules (format 2 index), side by side with `qtm-repo build` of the whole.
#
#   tests/bench/bench-publish.sh 100000
#
# Environment:
#   top_builddir         where the built qtm-repo is (default: build/dev of this tree)
#   QTM_BENCH_BUILD_MAX  above this many modules qtm-repo build is skipped and the repository's
#                        index is written by tests/bench/gen-index.py --format 2 instead (no pool
#                        files but the new one's: add reads only the piece it changes); default
#                        N, so that the build is measured
#   QTM_BENCH_RUNS       adds measured, each of a new version (default 5)
#   QTM_BENCH_KEEP=1     keep the scratch directory
#   TMPDIR               where the scratch directory goes (about 1 GB per 100,000 modules)
#
# Prints every figure as it goes and a Markdown summary at the end.  Timings only.
set -eu
export LC_ALL=C NO_COLOR=1

N=${1:-100000}
. "$(dirname "$0")/lib.sh"
BUILD_MAX=${QTM_BENCH_BUILD_MAX:-$N}
RUNS=${QTM_BENCH_RUNS:-5}
bench_need "" "$QTM_REPO" "$PY"

S=$(mktemp -d "${TMPDIR:-/var/tmp}/qtm-bench-publish.XXXXXX")
cleanup() { [ "${QTM_BENCH_KEEP:-0}" = 1 ] && echo "kept $S" || rm -rf "$S"; }
trap cleanup EXIT
mkdir "$S/bin"
cp "$QTM_REPO" "$S/bin/"
QTM_REPO=$S/bin/qtm-repo

t0() { _t0=$EPOCHREALTIME; }
secs() { awk -v a="$_t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maximum() { tr ' ' '\n' | grep . | sort -g | tail -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.0f" : "n/a"), (b > 0 ? a / b : 0) }'; }
kb() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1024 }'; }

echo "# qtm publishing benchmark: N=$N, $(nproc) CPUs, kernel $(uname -r), load at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# binaries: $top_builddir, scratch: $S"
t0
read -r TARGET _ < <("$PY" "$here/gen-modules.py" "$N" "$S/mods")
echo "generated $N module folders in $(secs) s"
"$QTM_REPO" keygen "$S/key" >/dev/null

if [ "$N" -le "$BUILD_MAX" ]; then
	t0
	"$QTM_REPO" build --name bench --key "$S/key.key" -o "$S/repo" "$S/mods" >/dev/null
	BUILD_S=$(secs)
	BUILD_ROW="| \`qtm-repo build\` of the whole ($N modules) | $BUILD_S s |"
	echo "qtm-repo build: $BUILD_S s"
else
	t0
	"$PY" "$here/gen-index.py" --format 2 "$S/mods" "$S/repo" bench
	"$QTM_REPO" sign --key "$S/key.key" "$S/repo" >/dev/null
	BUILD_S=
	BUILD_ROW="| \`qtm-repo build\` | skipped (N > QTM_BENCH_BUILD_MAX=$BUILD_MAX): index by gen-index.py --format 2 in $(secs) s |"
fi
K=$("$PY" -c "import json,sys; j=json.load(open(sys.argv[1])); print(j['index']['buckets'], 'buckets,', len(j['index']['newest']) + len(j['index']['older']), 'pieces')" "$S/repo/release.json")
echo "index: $K, $(du -sk "$S/repo/index" | cut -f1) KB"

# Each run adds a new version of the install target (a model of the generated set).
times= written=
for i in $(seq 1 "$RUNS"); do
	cp -R "$S/mods/$TARGET" "$S/new-$i"
	"$PY" -c "import json,sys; p=sys.argv[1]; m=json.load(open(p)); m['version']='99.0.$i'; json.dump(m, open(p,'w'))" "$S/new-$i/module.json"
	find "$S/repo" -type f | sort >"$S/files.before"
	t0
	"$QTM_REPO" add --key "$S/key.key" "$S/repo" "$S/new-$i" >"$S/add.out"
	times="$times $(secs)"
	find "$S/repo" -type f | sort >"$S/files.after"
	written="$written $(comm -13 "$S/files.before" "$S/files.after" | xargs stat -c %s | awk '{ s += $1 } END { print s }')"
	echo "add $i: $(echo "$times" | awk '{ print $NF }') s, $(comm -13 "$S/files.before" "$S/files.after" | wc -l) new files ($(echo "$written" | awk '{ print $NF }') bytes)"
done
ADD_MED=$(echo "$times" | median) ADD_MAX=$(echo "$times" | maximum)
WROTE=$(echo "$written" | median)
t0
"$QTM_REPO" remove --key "$S/key.key" "$S/repo" "$TARGET=99.0.1" >/dev/null
REMOVE_S=$(secs)
t0
"$QTM_REPO" verify "$S/repo" >/dev/null
VERIFY_S=$(secs)

cat <<EOF

## Summary (N=$N, $(nproc) CPUs)

| What | Time |
|---|---|
$BUILD_ROW
| \`qtm-repo add\` of one module, signed (median of $RUNS; max) | $ADD_MED s; $ADD_MAX s |
| \`qtm-repo remove\` of one version, signed | $REMOVE_S s |
| \`qtm-repo verify\` (re-hash of every published file) | $VERIFY_S s |

Index: $K. One add writes about $(kb "${WROTE:-0}") KB of new files (the module's source and
the pieces of its bucket) besides release.json and its signatures${BUILD_S:+; build / add: $(ratio "$BUILD_S" "$ADD_MED") times}.
EOF
