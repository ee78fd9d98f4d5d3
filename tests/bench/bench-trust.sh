#!/bin/bash
# bench-trust.sh [RUNS] - the cost of qtm's trust chain on update:
#
#   (a) `qtm update` of an unchanged N-module repository (default 100,000; the release is the
#       one already verified, so no index is fetched): hyperfine -N --warmup 3, from a file://
#       source and from `qtm-repo serve` on 127.0.0.1.  What it does: fetch release.json and
#       release.json.sig, verify the Ed25519 signature and the release (expiry, rollback), see
#       that the cached index is the one the release names.  In the same hyperfine run: the
#       floor under any qtm command (qtm --version, and empty programs linked with qtm's shared
#       libraries), and `strace -f -w -c` of one update.
#   (b) `qtm update` of a changed release whose index.json.gz is about 50 MB (file:// source;
#       the cached index.solv is deleted before each run, so the index is fetched, verified and
#       parsed again).  `strace -f --seccomp-bpf -ttt -T` (tracing only execve, openat, fsync,
#       rename and exit_group, so that the rest runs at full speed) splits each run into:
#         release + signature   from exec to the creation of index.new.json.gz.part (start-up,
#                               release.json and its signature fetched and verified)
#         index fetch + sha256  from there to the rename of the .part (qtm copies the file,
#                               sha256 and size checked as the bytes stream in, and an fsync
#                               of the .part when qtm does one: traced separately)
#         parse + cache         from there to exit (gunzip, JSON parse, validation, index.solv)
#       and compares the index phase with `sha256sum` and `openssl dgst -sha256` of the same
#       file (and with `curl -o` of the file:// URL followed by sha256sum).  Each run also times the command without strace
#       (wall, user + sys).
#   The 50 MB index is the N-module index with each entry's "description" padded with
#   incompressible text (base64 of random bytes) until the gzip file reaches
#   QTM_BENCH_INDEX_MB: the same number of packages, so the parse phase is that of N long
#   entries, not of the ~700,000 ordinary ones a real 50 MB index would hold.
#
#   tests/bench/bench-trust.sh 5
#
# Environment: top_builddir (default: build/dev of this tree), QTM_BENCH_N (default 100000),
# QTM_BENCH_INDEX_MB (default 50), QTM_BENCH_KEEP=1, TMPDIR (default /var/tmp; about 1.5 GB),
# QTM_BENCH_QTM_B=PATH (another qtm binary, timed in (a) on the same roots).
# Needs hyperfine, strace, curl, openssl (and cc for the floor).  Timings only: nothing here fails on a time.
set -eu
export LC_ALL=C NO_COLOR=1
unset QTM_ROOT

RUNS=${1:-5}
N=${QTM_BENCH_N:-100000}
INDEX_MB=${QTM_BENCH_INDEX_MB:-50}
. "$(dirname "$0")/lib.sh"
bench_need "" "$QTM" "$QTM_REPO" "$PY" /usr/bin/time \
	"$(command -v hyperfine)" "$(command -v strace)" "$(command -v curl)" "$(command -v openssl)"

bench_scratch trust /var/tmp

t0() { _t0=$EPOCHREALTIME; }
secs() { awk -v a="$_t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# div A B [FORMAT]: A / B, where A and B may be arithmetic expressions of numbers.
div() { awk "BEGIN { printf \"${3:-%.2f}\", ($1) / ($2) }"; }
mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f", b / 1048576 }'; }

echo "# qtm trust benchmark: N=$N, $RUNS runs, $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), kernel $(uname -r), load at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(hyperfine --version), $(strace -V | head -1), scratch: $S"

# ---- the repositories ----------------------------------------------------------------------
t0
"$PY" "$here/gen-modules.py" "$N" "$S/mods" >/dev/null
"$PY" "$here/gen-index.py" "$S/mods" "$S/repo" bench
rm -rf "$S/mods"
"$QTM_REPO" keygen "$S/key" >/dev/null
"$QTM_REPO" sign --key "$S/key.key" "$S/repo" >/dev/null
# repo50: the same packages, descriptions padded with incompressible text up to INDEX_MB.
mkdir "$S/repo50"
"$PY" - "$S/repo" "$S/repo50" "$INDEX_MB" <<'PY'
import base64, gzip, hashlib, json, os, random, sys
src, out, target = sys.argv[1], sys.argv[2], float(sys.argv[3]) * 1048576
index = json.load(gzip.open(os.path.join(src, "index.json.gz")))
base = os.path.getsize(os.path.join(src, "index.json.gz"))
rng = random.Random(5)
pad = max(0, int((target - base) / len(index["packages"]) / 0.75))   # base64: ~6 bits per char
for p in index["packages"]:
    p["description"] = (p.get("description", "") + " " +
                        base64.b64encode(rng.randbytes(pad * 3 // 4)).decode()).strip()
data = gzip.compress(json.dumps(index, separators=(",", ":")).encode(), compresslevel=6, mtime=0)
with open(os.path.join(out, "index.json.gz"), "wb") as f:
    f.write(data)
rel = json.load(open(os.path.join(src, "release.json")))
rel["index"].update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
json.dump(rel, open(os.path.join(out, "release.json"), "w"), indent=1)
PY
"$QTM_REPO" sign --key "$S/key.key" "$S/repo50" >/dev/null
echo "repositories made in $(secs) s: index.json.gz $(mb "$S/repo/index.json.gz") MB ($N packages), padded $(mb "$S/repo50/index.json.gz") MB"

"$QTM_REPO" serve --listen 127.0.0.1:0 --port-file "$S/serve.port" "$S/repo" 2>"$S/serve.err" &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -s "$S/serve.port" ] && break; sleep 0.1; done
[ -s "$S/serve.port" ] || { echo "bench-trust.sh: qtm-repo serve did not start" >&2; exit 1; }
URL=http://127.0.0.1:$(cat "$S/serve.port")/

# source ROOT NAME URL: adds the source and runs the first (full) update; prints its wall time.
source_root() {
	"$QTM" --root "$1" source add --key "$S/key.pub" "$2" "$3" >/dev/null
	t0
	"$QTM" --root "$1" update >/dev/null
	echo "  first update of $1 ($3): $(secs) s"
}
source_root "$S/root-file" bench "file://$S/repo"
source_root "$S/root-http" bench "$URL"
source_root "$S/root-50" bench "file://$S/repo50"

# ---- (a) unchanged release -------------------------------------------------------------------
# With the updates, in the same hyperfine run (one after another, so that they meet the same
# machine load), the floor under every qtm command: process start-up with qtm's shared
# libraries.  Empty programs (main returns 0) linked with nothing, with -lcurl, with -larchive and
# with the libraries qtm itself needs at start (its NEEDED entries; libcurl and libarchive are
# loaded on first use), and qtm --version.
echo "(a) qtm update, release unchanged:"
floor=()
if command -v cc >/dev/null 2>&1; then
	echo 'int main(void) { return 0; }' >"$S/empty.c"
	libs=$(readelf -d "$QTM" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/-l:\1/p' | grep -v 'libc\.so' | tr '\n' ' ')
	if cc -o "$S/empty" "$S/empty.c" &&
		cc -o "$S/empty-curl" "$S/empty.c" -Wl,--no-as-needed -lcurl &&
		cc -o "$S/empty-archive" "$S/empty.c" -Wl,--no-as-needed -larchive &&
		cc -o "$S/empty-qtmlibs" "$S/empty.c" -Wl,--no-as-needed $libs; then
		floor=(-n "floor: empty program" "$S/empty"
			-n "floor: empty program + libcurl ($(ldd "$S/empty-curl" | wc -l) objects mapped)" "$S/empty-curl"
			-n "floor: empty program + libarchive ($(ldd "$S/empty-archive" | wc -l) objects)" "$S/empty-archive"
			-n "floor: empty program + ${libs}($(ldd "$S/empty-qtmlibs" | wc -l) objects)" "$S/empty-qtmlibs")
	fi
fi
# QTM_BENCH_QTM_B: another qtm binary (the build before a change) timed on the same roots.
if [ -n "${QTM_BENCH_QTM_B:-}" ]; then
	floor+=(-n "qtm (B) update (file://, $N modules)" "$QTM_BENCH_QTM_B --root $S/root-file update"
		-n "qtm (B) update (http://127.0.0.1, $N modules)" "$QTM_BENCH_QTM_B --root $S/root-http update"
		-n "qtm (B) --version ($(ldd "$QTM_BENCH_QTM_B" | wc -l) objects)" "$QTM_BENCH_QTM_B --version")
fi
hyperfine -N --warmup 3 --min-runs 30 --export-json "$S/a.json" \
	-n "qtm update (file://, $N modules)" "$QTM --root $S/root-file update" \
	-n "qtm update (http://127.0.0.1, $N modules)" "$QTM --root $S/root-http update" \
	-n "qtm update (file://, padded $(mb "$S/repo50/index.json.gz") MB index)" "$QTM --root $S/root-50 update" \
	-n "floor: qtm --version ($(ldd "$QTM" | wc -l) objects)" "$QTM --version" \
	"${floor[@]}" >"$S/a.out" 2>&1
cat "$S/a.out"
# Where the time of one unchanged update goes: the syscalls that wait.
strace -f -w -c -o "$S/a.strace" "$QTM" --root "$S/root-file" update >/dev/null 2>&1
echo "  strace -f -w -c of one unchanged file:// update (top 5 by time):"
sed -n '3,7p' "$S/a.strace" | sed 's/^/    /'

# ---- (b) changed release, 50 MB index --------------------------------------------------------
echo "(b) qtm update, changed release, $(mb "$S/repo50/index.json.gz") MB index:"
SOLV=$S/root-50/var/cache/qtm/sources/bench/index.solv
IDX=$S/repo50/index.json.gz
rel_w="" idx_w="" fsync_w="" parse_w="" tot_w="" tot_c="" sha_w="" ossl_w="" curlsha_w=""
for i in $(seq "$RUNS"); do
	rm -f "$SOLV"
	sync
	strace -f --seccomp-bpf -ttt -T -e trace=execve,openat,fsync,rename,renameat,renameat2,exit_group -o "$S/b-$i.strace" \
		"$QTM" --root "$S/root-50" update >/dev/null 2>"$S/b-$i.err" ||
		{ echo "bench-trust.sh: qtm update failed:" >&2; cat "$S/b-$i.err" >&2; exit 1; }
	read -r r x f p < <("$PY" - "$S/b-$i.strace" <<'PY'
import re, sys
t0 = t_part = t_ren = t_end = None
fs = 0.0
for line in open(sys.argv[1]):
    m = re.match(r"\d+\s+(\d+\.\d+) (\w+)\((.*)", line)
    if not m:
        continue
    t, call, rest = float(m.group(1)), m.group(2), m.group(3)
    if call == "execve" and t0 is None:
        t0 = t
    elif call == "openat" and "index.new.json.gz.part" in rest and "O_CREAT" in rest and t_part is None:
        t_part = t
    elif call == "fsync" and t_part is not None and t_ren is None:
        d = re.search(r"<(\d+\.\d+)>", rest)
        fs += float(d.group(1)) if d else 0
    elif call.startswith("rename") and "index.new.json.gz.part" in rest:
        d = re.search(r"<(\d+\.\d+)>", rest)
        t_ren = t + (float(d.group(1)) if d else 0)
    elif call == "exit_group":
        t_end = t
print("%.3f %.3f %.3f %.3f" % (t_part - t0, t_ren - t_part, fs, t_end - t_ren))
PY
)
	rel_w="$rel_w $r" idx_w="$idx_w $x" fsync_w="$fsync_w $f" parse_w="$parse_w $p"
	rm -f "$SOLV"
	sync
	t0
	/usr/bin/time -o "$S/b-$i.time" -f "%U %S" "$QTM" --root "$S/root-50" update >/dev/null 2>&1
	w=$(secs) c=$(awk '{ printf "%.2f", $1 + $2 }' "$S/b-$i.time")
	tot_w="$tot_w $w" tot_c="$tot_c $c"
	t0
	sha256sum "$IDX" >/dev/null
	s=$(secs)
	sha_w="$sha_w $s"
	t0
	openssl dgst -sha256 "$IDX" >/dev/null
	o=$(secs)
	ossl_w="$ossl_w $o"
	rm -f "$S/idx.copy"
	t0
	curl -sf -o "$S/idx.copy" "file://$IDX" && sha256sum "$S/idx.copy" >/dev/null
	cs=$(secs)
	curlsha_w="$curlsha_w $cs"
	echo "  run $i: release+signature $r s, index fetch+sha256 $x s (of which fsync $f s), parse+cache $p s (traced); untraced: $w s (cpu $c s); sha256sum $s s; openssl dgst -sha256 $o s; curl -o + sha256sum $cs s"
done

R=$(echo "$rel_w" | median) X=$(echo "$idx_w" | median) F=$(echo "$fsync_w" | median) P=$(echo "$parse_w" | median)
W=$(echo "$tot_w" | median) C=$(echo "$tot_c" | median) SH=$(echo "$sha_w" | median) CS=$(echo "$curlsha_w" | median) OS=$(echo "$ossl_w" | median)
cat <<EOF

## Summary (load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))

(a) \`qtm update\`, release unchanged (hyperfine -N --warmup 3)
EOF
"$PY" - "$S/a.json" <<'PY'
import json, sys
rs = json.load(open(sys.argv[1]))["results"]
print("\n| command | mean ± sd | median | min | user + sys (mean) | runs |\n|---|---|---|---|---|---|")
for r in rs:
    print("| %s | %.1f ± %.1f ms | %.1f ms | %.1f ms | %.1f ms | %d |" % (r["command"], r["mean"] * 1e3,
          r["stddev"] * 1e3, r["median"] * 1e3, r["min"] * 1e3, (r["user"] + r["system"]) * 1e3, len(r["times"])))
ver = [r for r in rs if r["command"].startswith("floor: qtm --version")][0]
print("\n- target: under 20 ms.  qtm update (file://) minus qtm --version: %.1f ms (median)"
      % ((rs[0]["median"] - ver["median"]) * 1e3))
PY
cat <<EOF

(b) \`qtm update\`, changed release, $(mb "$IDX") MB index.json.gz ($N packages), file:// (medians of $RUNS)

| phase (strace -ttt, traced run) | wall |
|---|---|
| start-up + release.json + signature fetched and verified | $R s |
| index: file:// copy (qtm reads the file itself) into .part + sha256 and size check (+ fsync, if qtm does one) | $X s |
| ... of which fsync of the .part | $F s |
| gunzip + JSON parse + validation + index.solv | $P s |
| whole \`qtm update\`, untraced | $W s (cpu $C s) |
| \`sha256sum\` of the same file | $SH s |
| \`openssl dgst -sha256\` of the same file (the SHA-256 code qtm uses) | $OS s |
| \`curl -o\` (file://) then \`sha256sum\` | $CS s |

- qtm's index fetch + verification / sha256sum: **$(div "$X" "$SH" %.2f)** (without the fsync: $(div "$X-$F" "$SH" %.2f)); / openssl dgst: $(div "$X" "$OS" %.2f) (without the fsync: $(div "$X-$F" "$OS" %.2f)); / (curl -o + sha256sum): $(div "$X" "$CS" %.2f)
- release + signature + index fetch + sha256: $(div "$R+$X" 1 %.3f) s of the $W s; the rest is parsing the index
EOF
