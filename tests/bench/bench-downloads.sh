#!/bin/bash
# bench-downloads.sh [RUNS] - dataset downloads, each against what a user would use instead:
#
#   (a) one big file (default 1 GiB of /dev/urandom) from `qtm-repo serve` on 127.0.0.1:
#       `qtm -y install --download-only` (libcurl, sha256 checked as the bytes stream in, rename;
#       the time spent in fsync, if any, is traced in one more run) against `curl -o` of the
#       same URL, `curl -o` followed by `sha256sum`, and `curl -o` followed by `sync FILE`;
#   (b) 200 files of 64 KiB in one dataset: qtm (parallel_downloads = 4, its default) against
#       200 sequential `curl -o` runs; for reference also one curl process fetching the 200 URLs
#       in turn, `curl -Z --parallel-max 4`, and qtm with the same 200 files
#       split over 20 datasets of 10;
#   (c) resume: qtm killed (SIGKILL) when its .part holds ~60% of the big file, run again; the
#       body bytes tests/integration/httpd.py logged for requests made after the kill, over the
#       bytes the .part lacked (1.000 = nothing fetched twice);
#   (d) `qtm list --installed` with 10,000 installed packages against `dpkg-query -l` on a dpkg
#       database of 10,000 packages (hyperfine --warmup 3 -N).  qtm's rows: one real install of
#       a trivial model (two requirements: a one-file dataset and python3), which installs the
#       dataset too; then 9,998 copies of one of the two rows (with its files and requires
#       rows), written with Python's sqlite3 under new names: once the dataset's (no
#       requirements), once, in a second root, the model's (two requirements each).  dpkg's: a
#       generated status file (every package with Depends, Maintainer, Installed-Size and a
#       four-line Description, about 500 bytes each).
#
#   tests/bench/bench-downloads.sh 3
#
# RUNS (default 3): timed runs of each variant in (a) and (b), interleaved (the order rotates
# every run).  Environment: top_builddir (default: build/dev of this tree),
# QTM_BENCH_BIG_MB (default 1024), QTM_BENCH_KEEP=1 keeps the scratch directory (under TMPDIR,
# default /tmp: it needs about 3.5x the big file), QTM_BENCH_QTM_B=PATH: another qtm binary
# (e.g. the build before a change) timed in (a) as one more interleaved variant, against the
# same server and root.  Needs curl, hyperfine, dpkg-query.  Timings
# only: nothing here fails on a time.
set -eu
export LC_ALL=C NO_COLOR=1
unset QTM_ROOT

RUNS=${1:-3}
BIG_MB=${QTM_BENCH_BIG_MB:-1024}
N_SMALL=200 SMALL_KB=64 N_LIST=10000
. "$(dirname "$0")/lib.sh"
bench_need "" "$QTM" "$QTM_REPO" "$PY" /usr/bin/time \
	"$(command -v curl)" "$(command -v hyperfine)" "$(command -v dpkg-query)"

bench_scratch downloads /tmp

t0() { _t0=$EPOCHREALTIME; }
secs() { awk -v a="$_t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minimum() { tr ' ' '\n' | grep . | sort -g | head -1; }
# div A B [FORMAT]: A / B, where A and B may be arithmetic expressions of numbers.
div() { awk "BEGIN { printf \"${3:-%.2f}\", ($1) / ($2) }"; }
size_of() { if [ -e "$1" ]; then stat -c %s "$1"; else echo 0; fi; }
# timed NAME CMD...: wall (WALL) and user + sys (CPU, children included) of CMD, output in $S/NAME.*
timed() {
	name=$1
	shift
	t0
	/usr/bin/time -o "$S/$name.time" -f "%U %S" "$@" >"$S/$name.out" 2>"$S/$name.err" ||
		{ echo "bench-downloads.sh: $name failed:" >&2; tail -5 "$S/$name.err" >&2; exit 1; }
	WALL=$(secs)
	CPU=$(awk '{ printf "%.2f", $1 + $2 }' "$S/$name.time")
}
# wait_file FILE: until FILE is non-empty (a server's port file).
wait_file() {
	for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done
	echo "bench-downloads.sh: $1 did not appear" >&2
	exit 1
}

echo "# qtm download benchmark: $RUNS runs, $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), kernel $(uname -r), load at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(curl --version | head -1 | cut -d' ' -f1-3), $(hyperfine --version), $(dpkg-query --version | head -1)"
echo "# scratch: $S ($(df -h "$S" | awk 'NR == 2 { print $1 ", " $4 " free" }'))"

# ---- the repository ------------------------------------------------------------------------
# dataset DIR NAME FILE...: a dataset module folder over the files already in DIR.
dataset() {
	_d=$1 _n=$2
	shift 2
	_files=$(printf '{"name":"%s"},' "$@")
	printf '{"format":1,"name":"%s","version":"1.0.0","kind":"dataset","summary":"bench data","license":"CC0-1.0","files":[%s]}\n' \
		"$_n" "${_files%,}" >"$_d/module.json"
}
mkdir -p "$S/mods/data-big" "$S/mods/data-small" "$S/mods/data-one"
t0
head -c "$((BIG_MB * 1048576))" /dev/urandom >"$S/mods/data-big/big.bin"
dataset "$S/mods/data-big" data-big big.bin
smalls=()
for i in $(seq -w 1 "$N_SMALL"); do
	head -c "$((SMALL_KB * 1024))" /dev/urandom >"$S/mods/data-small/f$i.bin"
	smalls+=("f$i.bin")
done
dataset "$S/mods/data-small" data-small "${smalls[@]}"
# The same 200 files as 20 datasets of 10.
for k in $(seq -w 0 19); do
	d=$S/mods/data-split-$k
	mkdir -p "$d"
	fs=()
	for j in $(seq 0 9); do
		f=${smalls[$((10#$k * 10 + j))]}
		ln "$S/mods/data-small/$f" "$d/$f"
		fs+=("$f")
	done
	dataset "$d" "data-split-$k" "${fs[@]}"
done
echo "one file" >"$S/mods/data-one/one.txt"
dataset "$S/mods/data-one" data-one one.txt
# A trivial model requiring data-one (two requirements in its row), for (d).
mkdir -p "$S/mods/model-one"
cat >"$S/mods/model-one/module.json" <<'JSON'
{"format":1,"name":"model-one","version":"1.0.0","kind":"model","summary":"bench model","license":"MIT",
 "requires":["data-one >= 1.0","runtime(python3) >= 3.9"],
 "resources":{"cpus":1,"memory_mb":256,"time_limit_s":60},
 "train":{"command":["/bin/sh","train.sh"],"params":{"seed":1}},
 "outputs":["model.txt"]}
JSON
cat >"$S/mods/model-one/train.sh" <<'SH'
echo '@qtm metric {"name":"score","value":0.75}'
echo trained >"$QTM_OUTPUT/model.txt"
SH
"$QTM_REPO" keygen "$S/key" >/dev/null
"$QTM_REPO" build --format 1 --name bench --key "$S/key.key" -o "$S/repo" "$S/mods" >/dev/null
rm -rf "$S/mods/data-big"   # the repository has its own copy
BIG=$(size_of "$S/repo/datasets/data-big/1.0.0/big.bin")
echo "repository built in $(secs) s: big.bin $BIG bytes, $N_SMALL x $SMALL_KB KiB"

"$QTM_REPO" serve --listen 127.0.0.1:0 --port-file "$S/serve.port" "$S/repo" 2>"$S/serve.err" &
PIDS="$PIDS $!"
wait_file "$S/serve.port"
URL=http://127.0.0.1:$(cat "$S/serve.port")
R=$S/root
"$QTM" --root "$R" source add --key "$S/key.pub" bench "$URL/" >/dev/null
"$QTM" --root "$R" update >/dev/null
CACHE=$R/var/cache/qtm/datasets
# One run of everything before timing (page cache, runtime probe cache).
"$QTM" --root "$R" -q -y install --download-only data-small >/dev/null 2>&1
curl -sf -o /dev/null "$URL/datasets/data-big/1.0.0/big.bin"
rm -rf "$CACHE"

# ---- (a) one big file ------------------------------------------------------------------------
BURL=$URL/datasets/data-big/1.0.0/big.bin
BSHA=$(zcat "$S/repo/index.json.gz" | "$PY" -c 'import json,sys; print([f["sha256"] for p in json.load(sys.stdin)["packages"] if p["name"] == "data-big" for f in p["files"]][0])')
# a_reset: every variant starts from the same state: no copy of the file but the repository's,
# nothing dirty in the page cache.
a_reset() {
	rm -rf "$CACHE/data-big" "$S/big.curl"
	sync
}
# a_qtm_with RUN TAG BINARY: one timed download of the big file; prints and returns (in
# WALL, CPU) its times.
a_qtm_with() {
	a_reset
	timed "a-$2-$1" "$3" --root "$R" -y install --download-only data-big
	[ "$(size_of "$CACHE/data-big/1.0.0/big.bin")" = "$BIG" ] || { echo "bench-downloads.sh: $3 did not fetch big.bin" >&2; exit 1; }
	echo "  $2 install --download-only: $WALL s (cpu $CPU s), $(div "$BIG/1048576" "$WALL" %.0f) MiB/s"
}
a_qtm() {
	a_qtm_with "$1" qtm "$QTM"
	aq_w="$aq_w $WALL" aq_c="$aq_c $CPU"
}
a_qtmb() {
	a_qtm_with "$1" qtmb "$QTM_BENCH_QTM_B"
	ab_w="$ab_w $WALL" ab_c="$ab_c $CPU"
}
a_curl() {
	a_reset
	timed "a-curl-$1" curl -sf -o "$S/big.curl" "$BURL"
	ac_w="$ac_w $WALL" ac_c="$ac_c $CPU"
	echo "  curl -o: $WALL s (cpu $CPU s), $(div "$BIG/1048576" "$WALL" %.0f) MiB/s"
}
a_curlsha() {
	a_reset
	timed "a-curlsha-$1" sh -c 'curl -sf -o "$1" "$2" && sha256sum "$1"' sh "$S/big.curl" "$BURL"
	[ "$(cut -d' ' -f1 "$S/a-curlsha-$1.out")" = "$BSHA" ] || { echo "bench-downloads.sh: sha256 of curl's copy differs" >&2; exit 1; }
	as_w="$as_w $WALL" as_c="$as_c $CPU"
	echo "  curl -o && sha256sum: $WALL s (cpu $CPU s), $(div "$BIG/1048576" "$WALL" %.0f) MiB/s"
	rm -f "$S/big.curl"
}
a_curlsync() {
	a_reset
	timed "a-curlsync-$1" sh -c 'curl -sf -o "$1" "$2" && sync "$1"' sh "$S/big.curl" "$BURL"
	ay_w="$ay_w $WALL" ay_c="$ay_c $CPU"
	echo "  curl -o && sync FILE: $WALL s (cpu $CPU s), $(div "$BIG/1048576" "$WALL" %.0f) MiB/s"
	rm -f "$S/big.curl"
}
echo "(a) one file of $BIG bytes:"
aq_w="" aq_c="" ac_w="" ac_c="" as_w="" as_c="" ay_w="" ay_c="" ab_w="" ab_c=""
avariants=(a_qtm a_curl a_curlsha a_curlsync)
[ -z "${QTM_BENCH_QTM_B:-}" ] || avariants+=(a_qtmb)
for i in $(seq "$RUNS"); do
	for k in $(seq 0 $((${#avariants[@]} - 1))); do "${avariants[$(((i + k) % ${#avariants[@]}))]}" "$i"; done
done
# Where qtm's time goes besides the transfer: one more run with its fsync calls timed.
a_reset
strace -f --seccomp-bpf -T -e trace=fsync -o "$S/a-fsync.strace" "$QTM" --root "$R" -y install --download-only data-big >/dev/null 2>&1
A_FSYNC=$("$PY" -c 'import re, sys; print("%.3f" % sum(float(m.group(1)) for m in re.finditer(r"<([0-9.]+)>", open(sys.argv[1]).read())))' "$S/a-fsync.strace")
echo "  fsync calls of one (traced) qtm run: $A_FSYNC s"
rm -rf "$CACHE/data-big"

# ---- (b) 200 small files ---------------------------------------------------------------------
SURL=$URL/datasets/data-small/1.0.0
b_qtm() {
	rm -rf "$CACHE"
	timed "b-qtm-$1" "$QTM" --root "$R" -y install --download-only data-small
	set -- "$CACHE"/data-small/1.0.0/*.bin
	[ "$#" = "$N_SMALL" ] || { echo "bench-downloads.sh: qtm did not fetch the small files" >&2; exit 1; }
	bq_w="$bq_w $WALL" bq_c="$bq_c $CPU"
	echo "  qtm (1 dataset): $WALL s (cpu $CPU s)"
}
b_split() {
	rm -rf "$CACHE"
	timed "b-split-$1" "$QTM" --root "$R" -y install --download-only $(seq -f 'data-split-%02g' 0 19)
	bp_w="$bp_w $WALL" bp_c="$bp_c $CPU"
	echo "  qtm (20 datasets of 10): $WALL s (cpu $CPU s)"
}
b_seq() {
	rm -rf "$S/small" && mkdir "$S/small"
	timed "b-seq-$1" sh -c 'd=$1 u=$2; shift 2; for f; do curl -sf -o "$d/$f" "$u/$f" || exit 1; done' \
		sh "$S/small" "$SURL" "${smalls[@]}"
	bs_w="$bs_w $WALL" bs_c="$bs_c $CPU"
	echo "  $N_SMALL sequential curl runs: $WALL s (cpu $CPU s)"
}
b_one() {
	rm -rf "$S/small" && mkdir "$S/small"
	timed "b-one-$1" curl -sf --output-dir "$S/small" --remote-name-all "${surls[@]}"
	bo_w="$bo_w $WALL" bo_c="$bo_c $CPU"
	echo "  one curl, $N_SMALL URLs: $WALL s (cpu $CPU s)"
}
b_par() {
	rm -rf "$S/small" && mkdir "$S/small"
	timed "b-par-$1" curl -sf -Z --parallel-max 4 --output-dir "$S/small" --remote-name-all "${surls[@]}"
	bz_w="$bz_w $WALL" bz_c="$bz_c $CPU"
	echo "  curl -Z --parallel-max 4: $WALL s (cpu $CPU s)"
}
surls=()
for f in "${smalls[@]}"; do surls+=("$SURL/$f"); done
echo "(b) $N_SMALL files of $SMALL_KB KiB:"
bq_w="" bq_c="" bp_w="" bp_c="" bs_w="" bs_c="" bo_w="" bo_c="" bz_w="" bz_c=""
variants=(b_qtm b_seq b_split b_one b_par)
for i in $(seq "$RUNS"); do
	for k in 0 1 2 3 4; do "${variants[$(((i + k) % 5))]}" "$i"; done
done
# Where qtm's wall time goes: the polls in which libcurl had no transfer to wait for (a single
# descriptor, the multi handle's wake-up pipe, and the loop's 100 ms tick as the timeout).
rm -rf "$CACHE"
strace -f -T -e trace=poll -o "$S/b-poll.strace" "$QTM" --root "$R" -y install --download-only data-small >/dev/null 2>&1
B_IDLE=$("$PY" - "$S/b-poll.strace" <<'PY'
import re, sys
idle = [float(m.group(2)) for m in re.finditer(r"poll\(\[\{fd=\d+, events=POLLIN\}\], 1, (\d+)\) = 0 \(Timeout\) <([0-9.]+)>",
                                              open(sys.argv[1]).read()) if int(m.group(1)) >= 50]
print("%d idle polls with only the wake-up descriptor, each timing out after ~100 ms: %.2f s" % (len(idle), sum(idle)))
PY
)
echo "  $B_IDLE"
rm -rf "$CACHE" "$S/small"

# ---- (c) resume after kill -9 ----------------------------------------------------------------
echo "(c) resume after kill -9 at ~60%:"
: >"$S/http.log"
"$PY" "$top_srcdir/tests/integration/httpd.py" --root "$S/repo" --port-file "$S/httpd.port" \
	--log "$S/http.log" 2>"$S/httpd.err" &
PIDS="$PIDS $!"
wait_file "$S/httpd.port"
R2=$S/root-resume
"$QTM" --root "$R2" source add --key "$S/key.pub" web "http://127.0.0.1:$(cat "$S/httpd.port")/" >/dev/null
"$QTM" --root "$R2" update >/dev/null
part=$R2/var/cache/qtm/datasets/data-big/1.0.0/big.bin.part
sync
t0
"$QTM" --root "$R2" -y install --download-only data-big >"$S/c1.out" 2>"$S/c1.err" &
qpid=$!
goal=$((BIG * 6 / 10))
while [ "$(size_of "$part")" -lt "$goal" ] && kill -0 "$qpid" 2>/dev/null; do sleep 0.005; done
kill -9 "$qpid" 2>/dev/null || { echo "bench-downloads.sh: qtm finished before it could be killed" >&2; exit 1; }
wait "$qpid" 2>/dev/null || true
T_KILL=$EPOCHREALTIME
C_FIRST=$(secs)
have=$(size_of "$part")
missing=$((BIG - have))
sync
timed c-resume "$QTM" --root "$R2" -y install --download-only data-big
C_WALL=$WALL C_CPU=$CPU
[ "$(size_of "$R2/var/cache/qtm/datasets/data-big/1.0.0/big.bin")" = "$BIG" ] || { echo "bench-downloads.sh: the resumed download is incomplete" >&2; exit 1; }
read -r after n_after ranges < <("$PY" - "$S/http.log" "$T_KILL" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
t = float(sys.argv[2])
big = [r for r in rows if r["path"].endswith("/big.bin") and r["start"] > t]
print(sum(r["sent"] for r in big), len(big), ",".join(str(r["range"]) for r in big).replace(" ", ""))
PY
)
echo "  killed after $C_FIRST s with $have of $BIG bytes in the .part ($(div "$have*100" "$BIG" %.1f)%)"
echo "  rerun: $C_WALL s (cpu $C_CPU s); requests after the kill: $n_after ($ranges), body bytes $after; missing $missing"
kill "${PIDS##* }" 2>/dev/null || true
rm -rf "$R2/var/cache/qtm/datasets"

# ---- (d) qtm list --installed, 10,000 rows vs dpkg-query -l ----------------------------------
echo "(d) list with $N_LIST installed packages:"
R3=$S/root-list
"$QTM" --root "$R3" source add --key "$S/key.pub" bench "$URL/" >/dev/null
"$QTM" --root "$R3" update >/dev/null
"$QTM" --root "$R3" -y install model-one >/dev/null 2>&1 ||
	{ echo "bench-downloads.sh: qtm install model-one failed" >&2; exit 1; }
hyperfine -N --warmup 3 --min-runs 30 --export-json "$S/list-2.json" -n "qtm list --installed (2 packages)" \
	"$QTM --root $R3 list --installed" >/dev/null 2>&1
# populate DB NAME COUNT: COUNT copies of NAME's packages row (populate-db.py).
populate() { "$PY" "$here/populate-db.py" "$@"; }
cp -a "$R3" "$S/root-list-models"
R3M=$S/root-list-models
populate "$R3/var/lib/qtm/qtm.db" data-one $((N_LIST - 2))
populate "$R3M/var/lib/qtm/qtm.db" model-one $((N_LIST - 2))
for r in "$R3" "$R3M"; do
	[ "$("$QTM" --root "$r" list --installed | wc -l)" = "$N_LIST" ] || { echo "bench-downloads.sh: qtm list does not show $N_LIST rows" >&2; exit 1; }
done
D=$S/dpkg
mkdir -p "$D/info" "$D/updates" "$D/triggers"
: >"$D/available"
"$PY" - "$D/status" "$N_LIST" <<'PY'
import sys
n = int(sys.argv[2])
with open(sys.argv[1], "w") as f:
    for i in range(n):
        f.write("Package: pkg-%05d\nStatus: install ok installed\nPriority: optional\nSection: misc\n"
                "Installed-Size: %d\nMaintainer: Bench Maintainers <bench@example.org>\nArchitecture: amd64\n"
                "Version: 1.%d.%d-1\nDepends: libc6 (>= 2.34), pkg-%05d (>= 1.0)\n"
                "Description: benchmark package number %d\n a generated package for the dpkg-query comparison\n"
                " of qtm's benchmark; it has a short and a long description like most packages\n"
                " .\n and one more paragraph line.\n\n" % (i, 100 + i % 5000, i % 10, i % 7, max(i - 1, 0), i))
PY
[ "$(dpkg-query --admindir="$D" -l | grep -c '^ii ')" = "$N_LIST" ] || { echo "bench-downloads.sh: dpkg-query does not list $N_LIST packages" >&2; exit 1; }
hyperfine -N --warmup 3 --min-runs 30 --export-json "$S/list.json" \
	-n "qtm list --installed (9,999 datasets, no requirements)" "$QTM --root $R3 list --installed" \
	-n "dpkg-query -l" "dpkg-query --admindir=$D -l" >"$S/hyperfine.out" 2>&1
cat "$S/hyperfine.out"
hyperfine -N --warmup 1 --runs 5 --export-json "$S/list-models.json" \
	-n "qtm list --installed (9,999 models, 2 requirements each)" "$QTM --root $R3M list --installed" \
	>"$S/hyperfine-models.out" 2>&1
cat "$S/hyperfine-models.out"

# ---- summary ---------------------------------------------------------------------------------
AQ=$(echo "$aq_w" | median) AC=$(echo "$ac_w" | median) AS=$(echo "$as_w" | median) AY=$(echo "$ay_w" | median)
BQ=$(echo "$bq_w" | median) BP=$(echo "$bp_w" | median) BS=$(echo "$bs_w" | median)
BO=$(echo "$bo_w" | median) BZ=$(echo "$bz_w" | median)
mibs() { div "$BIG/1048576" "$1" %.0f; }
cat <<EOF

## Summary (medians of $RUNS runs; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))

(a) one file, $BIG bytes, from \`qtm-repo serve\` on 127.0.0.1

| way | wall (median) | throughput | best run | cpu (user + sys) | runs: wall |
|---|---|---|---|---|---|
| \`qtm -y install --download-only\` (sha256 while streaming) | $AQ s | $(mibs "$AQ") MiB/s | $(echo "$aq_w" | minimum) s | $(echo "$aq_c" | median) s | $aq_w |
$([ -z "$ab_w" ] || echo "| qtm (B): \`$QTM_BENCH_QTM_B\` | $(echo "$ab_w" | median) s | $(mibs "$(echo "$ab_w" | median)") MiB/s | $(echo "$ab_w" | minimum) s | $(echo "$ab_c" | median) s | $ab_w |")
| \`curl -o\` | $AC s | $(mibs "$AC") MiB/s | $(echo "$ac_w" | minimum) s | $(echo "$ac_c" | median) s | $ac_w |
| \`curl -o\` && \`sha256sum\` | $AS s | $(mibs "$AS") MiB/s | $(echo "$as_w" | minimum) s | $(echo "$as_c" | median) s | $as_w |
| \`curl -o\` && \`sync FILE\` (durable, as qtm's copy is) | $AY s | $(mibs "$AY") MiB/s | $(echo "$ay_w" | minimum) s | $(echo "$ay_c" | median) s | $ay_w |

- qtm throughput / curl -o: **$(div "$AC" "$AQ" %.2f)** (target >= 0.9; best runs: $(div "$(echo "$ac_w" | minimum)" "$(echo "$aq_w" | minimum)" %.2f))$([ -z "$ab_w" ] || echo "; qtm (B) / curl -o: $(div "$AC" "$(echo "$ab_w" | median)" %.2f)"); / (curl -o && sha256sum): $(div "$AS" "$AQ" %.2f); / (curl -o && sync): $(div "$AY" "$AQ" %.2f)
- time in fsync calls during one more qtm run (under strace --seccomp-bpf -T): $A_FSYNC s

(b) $N_SMALL files of $SMALL_KB KiB

| way | wall (median) | best run | cpu (user + sys) | runs: wall |
|---|---|---|---|---|
| qtm, one dataset (parallel_downloads = 4) | $BQ s | $(echo "$bq_w" | minimum) s | $(echo "$bq_c" | median) s | $bq_w |
| qtm, 20 datasets of 10 files | $BP s | $(echo "$bp_w" | minimum) s | $(echo "$bp_c" | median) s | $bp_w |
| $N_SMALL sequential \`curl -o\` runs | $BS s | $(echo "$bs_w" | minimum) s | $(echo "$bs_c" | median) s | $bs_w |
| one \`curl\` process, $N_SMALL URLs in turn | $BO s | $(echo "$bo_w" | minimum) s | $(echo "$bo_c" | median) s | $bo_w |
| \`curl -Z --parallel-max 4\` | $BZ s | $(echo "$bz_w" | minimum) s | $(echo "$bz_c" | median) s | $bz_w |

- one more qtm run (one dataset) under strace -T: $B_IDLE

- sequential curl / qtm (one dataset): **$(div "$BS" "$BQ" %.1f)x** (target >= 4x); / qtm (20 datasets): $(div "$BS" "$BP" %.1f)x
- qtm (one dataset) / one curl process: $(div "$BQ" "$BO" %.1f); / curl -Z: $(div "$BQ" "$BZ" %.1f) (above 1: qtm is slower)

(c) resume (tests/integration/httpd.py; body bytes it logged)

| killed at | .part | missing | requests after the kill | body bytes after the kill | after / missing | rerun wall (cpu) |
|---|---|---|---|---|---|---|
| $C_FIRST s | $have ($(div "$have*100" "$BIG" %.1f)%) | $missing | $n_after ($ranges) | $after | **$(div "$after" "$missing" %.4f)** | $C_WALL s ($C_CPU s) |

(d) $N_LIST installed packages (hyperfine -N --warmup 3)
EOF
"$PY" - "$S/list.json" "$S/list-models.json" "$S/list-2.json" <<'PY'
import json, sys
rs = json.load(open(sys.argv[1]))["results"]
more = [json.load(open(f))["results"][0] for f in sys.argv[2:]]
print("\n| command | mean ± sd | median | min | user + sys (mean) | runs |\n|---|---|---|---|---|---|")
for r in rs + more:
    print("| `%s` | %.1f ± %.1f ms | %.1f ms | %.1f ms | %.1f ms | %d |" % (
        r["command"],
        r["mean"] * 1e3, r["stddev"] * 1e3, r["median"] * 1e3, r["min"] * 1e3,
        (r["user"] + r["system"]) * 1e3, len(r["times"])))
print("\n- qtm / dpkg-query (mean): **%.2f** with 10,000 datasets, **%.1f** with 10,000 models (target: <= 1 and qtm under 30 ms)"
      % (rs[0]["mean"] / rs[1]["mean"], more[0]["mean"] / rs[1]["mean"]))
PY
