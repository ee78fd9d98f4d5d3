#!/bin/sh
# bench-index-bomb.sh - the memory `qtm update` takes for a signed index.json.gz of a few MiB
# that inflates to SIZE_MIB (default 2048) MiB: peak RSS, wall time and exit status, read by
# /usr/bin/time -v, for this tree's qtm and, when OLD_BUILD names another build tree, for that
# one in the same run.  A bounded client refuses the index early (exit 6) and keeps the last good
# one; an unbounded one inflates and parses all of it.
#
#   tests/bench/bench-index-bomb.sh [SIZE_MIB]      (top_builddir, OLD_BUILD: build trees)
set -eu
. "$(dirname "$0")/lib.sh"
size=${1:-2048}
bench_need "" "$QTM" "$QTM_REPO" /usr/bin/time
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bench_dataset_repo "$tmp" data-a
cp -R "$tmp/repo" "$tmp/good"

# The bomb: the real index followed by SIZE_MIB MiB of spaces (still valid JSON), signed.
$PY - "$tmp/repo" "$size" <<'PY'
import gzip, hashlib, json, os, sys, zlib
out, mib = sys.argv[1], int(sys.argv[2])
path = os.path.join(out, "index.json.gz")
z = zlib.compressobj(9, zlib.DEFLATED, 31)
parts = [z.compress(gzip.open(path).read())]
chunk = b" " * (1 << 20)
for _ in range(mib):
    parts.append(z.compress(chunk))
parts.append(z.flush())
data = b"".join(parts)
open(path, "wb").write(data)
release = json.load(open(os.path.join(out, "release.json")))
release["version"] += 1
release["index"].update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
json.dump(release, open(os.path.join(out, "release.json"), "w"), indent=1)
PY
rm -f "$tmp/repo/release.json.sig"
"$QTM_REPO" sign --key "$tmp/key.key" "$tmp/repo" >/dev/null
kib=$(( $(stat -c %s "$tmp/repo/index.json.gz") / 1024 ))

# one NAME BUILD: a root with the good repository, then an update to the bomb, timed.
one() {
	q=$2/src/qtm/qtm r=$tmp/root-$1
	rm -rf "$tmp/src" && cp -R "$tmp/good" "$tmp/src"
	"$q" --root "$r" source add --key "$tmp/key.pub" bomb "$tmp/src" >/dev/null 2>&1
	"$q" --root "$r" update >/dev/null 2>&1
	rm -rf "$tmp/src" && cp -R "$tmp/repo" "$tmp/src"
	st=0
	/usr/bin/time -v -o "$tmp/time" "$q" --root "$r" update >"$tmp/out" 2>"$tmp/err" || st=$?
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time")
	wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tmp/time")
	echo "$1: exit $st, peak RSS $((rss / 1024)) MiB, wall $wall  $(grep -m1 'error' "$tmp/err" || true)"
}
echo "index.json.gz of $kib KiB inflating to $size MiB"
[ -z "${OLD_BUILD:-}" ] || one old "$(cd "$OLD_BUILD" && pwd)"
one new "$top_builddir"
