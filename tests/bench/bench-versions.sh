#!/bin/bash
# bench-versions.sh [RUNS] - versioned repositories at scale (N names, default 100,000):
#
#   (a) `qtm update` after one version was added to the repository, side by side with the
#       full update of the same release (a client with no cache) and with the update of a
#       changed format 1 release (one index.json.gz: what any change cost before the split),
#       all three from `qtm-repo serve` on 127.0.0.1, in one hyperfine run.  Bytes are what
#       each transferred: release.json, its signature and the index files (qtm update --json
#       counts the pieces it fetched).  Release 2 is release 1 plus one new newest version of a
#       model; the incremental client holds release 1 (its cache restored before each run).
#   (b) `qtm install -s T` (T: the model with the largest dependency closure) on N names with
#       one version each and on the same N names with 5 versions each (the 4 extra ones older:
#       V~1 .. V~4), warm (.solv caches), in one hyperfine run; and on the 5-version
#       repository an install of an older version of T, which loads the older versions too.
#
#   tests/bench/bench-versions.sh 10
#
# Environment: top_builddir (default: build/dev of this tree), QTM_BENCH_N (default 100000),
# QTM_BENCH_KEEP=1, TMPDIR (default /var/tmp; about 2 GB).  Needs hyperfine.
# Timings only: nothing here fails on a time.
set -eu
export LC_ALL=C NO_COLOR=1
unset QTM_ROOT

RUNS=${1:-10}
N=${QTM_BENCH_N:-100000}
. "$(dirname "$0")/lib.sh"
bench_need "" "$QTM" "$QTM_REPO" "$PY" "$(command -v hyperfine)"

bench_scratch versions /var/tmp
t0() { _t0=$EPOCHREALTIME; }
secs() { awk -v a="$_t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
size() { stat -c %s "$@" | awk '{ s += $1 } END { print s + 0 }'; }

echo "# qtm versioned-repository benchmark: N=$N, $RUNS runs, $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), load at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(hyperfine --version), qtm $("$QTM" --version | head -1), scratch: $S"

# ---- the repositories ------------------------------------------------------------------------
t0
top=$("$PY" "$here/gen-modules.py" "$N" "$S/mods")
T=${top%% *}
"$QTM_REPO" keygen "$S/key" >/dev/null
# v1-N: format 1 (one index.json.gz); r1, r2: format 2, release 2 adding T 99.0.0.
"$PY" "$here/gen-index.py" "$S/mods" "$S/v1-1" bench
"$PY" "$here/gen-index.py" "$S/mods" "$S/r1" bench
"$PY" "$here/split-index.py" "$S/r1"
cp -r "$S/mods/$T" "$S/mods/$T-99"
sed -i 's/"version": *"[^"]*"/"version":"99.0.0"/' "$S/mods/$T-99/module.json"
"$PY" "$here/gen-index.py" "$S/mods" "$S/r2" bench
"$PY" "$here/gen-index.py" "$S/mods" "$S/v1-2" bench
rm -rf "$S/mods/$T-99"
for d in r2 v1-2; do sed -i 's/"version": 1,/"version": 2,/' "$S/$d/release.json"; done
"$PY" "$here/split-index.py" "$S/r2"
for d in v1-1 v1-2 r1 r2; do "$QTM_REPO" sign --key "$S/key.key" "$S/$d" >/dev/null; done
pieces1=$(ls "$S/r1/index" | wc -l) pieces2=$(ls "$S/r2/index" | wc -l)
new_pieces=$(comm -13 <(ls "$S/r1/index") <(ls "$S/r2/index") | wc -l)
echo "repositories made in $(secs) s: format 1 index $(size "$S/v1-2/index.json.gz") bytes; format 2: $pieces2 pieces, $(size "$S"/r2/index/*) bytes, release.json $(size "$S/r2/release.json") bytes; release 2 adds $T 99.0.0 ($new_pieces new pieces)"

# serve DIR: qtm-repo serve on a free port; sets URL.
serve() {
	"$QTM_REPO" serve --listen 127.0.0.1:0 --port-file "$1.port" "$1" >/dev/null 2>"$1.serve.err" &
	PIDS="$PIDS $!"
	for _ in $(seq 100); do [ -s "$1.port" ] && break; sleep 0.1; done
	[ -s "$1.port" ] || { echo "bench-versions.sh: qtm-repo serve did not start" >&2; exit 1; }
	URL="http://127.0.0.1:$(cat "$1.port")/"
}
# The served trees change contents, not directory (the server keeps it open).
mkdir "$S/srv" "$S/srv1"
cp -R "$S/r1/." "$S/srv/"
cp -R "$S/v1-1/." "$S/srv1/"
serve "$S/srv1"
URL1=$URL
serve "$S/srv"
add_source() { "$QTM" --root "$1" source add --key "$S/key.pub" bench "$2" >/dev/null && "$QTM" --root "$1" update >/dev/null; }
t0
add_source "$S/inc" "$URL"
add_source "$S/v1" "$URL1"
echo "first updates (release 1): $(secs) s"
cp -R "$S/r2/." "$S/srv/"
cp -R "$S/v1-2/." "$S/srv1/"
CACHE=$S/inc/var/cache/qtm/sources/bench
cp -a "$CACHE" "$S/inc-cache-r1"
cp -a "$S/v1/var/cache/qtm/sources/bench" "$S/v1-cache-r1"
"$QTM" --root "$S/full" source add --key "$S/key.pub" bench "$URL" >/dev/null

# ---- (a) the update after one added version --------------------------------------------------
rm -rf "$CACHE" && cp -a "$S/inc-cache-r1" "$CACHE"
"$QTM" --root "$S/inc" --json update >"$S/inc.json"
"$QTM" --root "$S/full" --json update >"$S/full.json"
rel=$(size "$S/r2/release.json" "$S/r2/release.json.sig")
inc_bytes=$(( rel + $("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["bytes_fetched"])' "$S/inc.json") ))
full_bytes=$(( rel + $("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["bytes_fetched"])' "$S/full.json") ))
v1_bytes=$(size "$S/v1-2/index.json.gz" "$S/v1-2/release.json" "$S/v1-2/release.json.sig")
hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$S/a.json" \
	--prepare "sh -c 'rm -rf $CACHE && cp -a $S/inc-cache-r1 $CACHE'" -n "incremental (holds release 1)" "$QTM --root $S/inc update" \
	--prepare "rm -rf $S/full/var/cache/qtm/sources/bench" -n "full (no cache)" "$QTM --root $S/full update" \
	--prepare "sh -c 'rm -rf $S/v1/var/cache/qtm/sources/bench && cp -a $S/v1-cache-r1 $S/v1/var/cache/qtm/sources/bench'" \
	-n "format 1, changed release" "$QTM --root $S/v1 update" >"$S/a.log"

# ---- (b) install -s with 1 and with 5 versions of each name ----------------------------------
t0
"$PY" - "$S/v1-1" "$S/v5" <<'PY'
import gzip, hashlib, json, os, shutil, sys
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out)
index = json.load(gzip.open(os.path.join(src, "index.json.gz")))
more = []
for p in index["packages"]:
    for k in range(1, 5):
        more.append(dict(p, version="%s~%d" % (p["version"], k)))
index["packages"] += more
with open(os.path.join(out, "index.json.gz"), "wb") as f:
    f.write(gzip.compress(json.dumps(index, separators=(",", ":")).encode(), mtime=0))
shutil.copy(os.path.join(src, "release.json"), os.path.join(out, "release.json"))
PY
"$PY" "$here/split-index.py" "$S/v5"
"$QTM_REPO" sign --key "$S/key.key" "$S/v5" >/dev/null
add_source "$S/one" "file://$S/r1"
add_source "$S/five" "file://$S/v5"
older=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"] + "~2")' "$S/mods/$T/module.json")
echo "5-version repository ($((N * 5)) packages, $(ls "$S/v5/index" | wc -l) pieces) made and fetched in $(secs) s; older version asked for: $T=$older"
hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$S/b.json" \
	-n "1 version each" "$QTM --root $S/one install -s $T" \
	-n "5 versions each" "$QTM --root $S/five install -s $T" \
	-n "5 versions, an older one asked for" "$QTM --root $S/five install -s $T=$older" >"$S/b.log"

# ---- the report ------------------------------------------------------------------------------
"$PY" - "$S/a.json" "$S/b.json" "$inc_bytes" "$full_bytes" "$v1_bytes" <<'PY'
import json, sys
a, b = (json.load(open(p))["results"] for p in sys.argv[1:3])
inc, full, v1 = (int(x) for x in sys.argv[3:6])
def row(r):
    return "| %s | %.3f s | %.3f s | %.3f s | %.3f s |" % (r["command"], r["median"], r["mean"], r["min"], r["user"] + r["system"])
print("\n(a) qtm update after one added version, over HTTP (medians of %d)\n" % len(a[0]["times"]))
print("| update | median | mean | min | user + sys |\n|---|---|---|---|---|")
for r in a:
    print(row(r))
print("\nbytes: incremental %d, full %d (format 2), format 1 %d" % (inc, full, v1))
print("ratio incremental / full: bytes %.2f %%, time %.3f (%.1f %% of the full update's median)"
      % (100.0 * inc / full, a[0]["median"] / a[1]["median"], 100.0 * a[0]["median"] / a[1]["median"]))
print("\n(b) qtm install -s, warm (medians of %d)\n" % len(b[0]["times"]))
print("| repository | median | mean | min | user + sys |\n|---|---|---|---|---|")
for r in b:
    print(row(r))
print("\nratio 5 versions / 1 version: %.2f; older version asked for / 1 version: %.2f"
      % (b[1]["median"] / b[0]["median"], b[2]["median"] / b[0]["median"]))
PY
