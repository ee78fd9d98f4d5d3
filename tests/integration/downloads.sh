#!/bin/sh
# downloads.sh - datasets over HTTP from tests/integration/httpd.py, a server that can be told to
# misbehave: several files of several datasets at once, HTTP 500s that are retried, a connection
# cut in the middle (the retry resumes with a Range request), a qtm killed in the middle of a
# slow download (the next run resumes where it stopped), a file whose bytes changed (exit 6,
# nothing kept), and the progress output.  Mirror failover is covered by tests/unit/test-fetch.c
# (sources have no mirror syntax yet).
. "$(dirname "$0")/lib.sh"
plan 28

# dataset DIR NAME FILE:SIZE...: a dataset module whose files hold SIZE pseudo-random bytes.
dataset() {
	_dir=$1 _name=$2
	shift 2
	mkdir -p "$_dir"
	_files=
	for _f in "$@"; do
		head -c "${_f#*:}" /dev/urandom >"$_dir/${_f%%:*}"
		_files="$_files${_files:+,}{\"name\":\"${_f%%:*}\"}"
	done
	cat >"$_dir/module.json" <<JSON
{"format":1,"name":"$_name","version":"1.0.0","kind":"dataset","summary":"test data","license":"CC0-1.0",
 "files":[$_files]}
JSON
}

# control JSON: what the server does from now on (see httpd.py).
control() { printf '%s\n' "$1" >"$TMP/control.json"; }

# requests PATH FIELD: FIELD of each logged request for PATH, one a line, in arrival order.
requests() {
	/usr/bin/python3 - "$TMP/http.log" "$1" "$2" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for r in sorted((r for r in rows if r["path"] == sys.argv[2]), key=lambda r: r["start"]):
    print(r[sys.argv[3]])
PY
}

size_of() { if [ -e "$1" ]; then wc -c <"$1" | tr -d ' '; else echo 0; fi; }

# stored NAME FILE: the path of FILE in the installed dataset NAME.
stored() {
	"$QTM" --root "$R" --json info "$1" >"$TMP/info.json" 2>/dev/null
	echo "$(json_get "$TMP/info.json" "j['installed']['path']" 2>/dev/null)/$2"
}

mkdir -p "$TMP/mods"
dataset "$TMP/mods/data-multi" data-multi one.bin:150000 two.bin:90000 three.bin:60000
dataset "$TMP/mods/data-x" data-x x.bin:120000
dataset "$TMP/mods/data-y" data-y y.bin:80000
dataset "$TMP/mods/data-retry" data-retry r.bin:50000
dataset "$TMP/mods/data-down" data-down d.bin:1000
dataset "$TMP/mods/data-cut" data-cut c.bin:400000
dataset "$TMP/mods/data-big" data-big big.bin:3000000
dataset "$TMP/mods/data-bad" data-bad bad.bin:30000
build_repo "$TMP/repo" "$TMP/mods"
D=/datasets

: >"$TMP/http.log"
/usr/bin/python3 "$top_srcdir/tests/integration/httpd.py" --root "$TMP/repo" --port-file "$TMP/port" \
	--log "$TMP/http.log" --control "$TMP/control.json" 2>"$TMP/httpd.err" &
BG_PIDS="${BG_PIDS:-} $!"
i=0
until [ -s "$TMP/port" ]; do
	i=$((i + 1))
	if [ $i -ge 100 ]; then echo "Bail out! httpd.py did not start: $(cat "$TMP/httpd.err")"; exit 1; fi
	sleep 0.1
done
port=$(cat "$TMP/port")
R=$TMP/root
use_source "$R" web "http://127.0.0.1:$port/"
cache=$R/var/cache/qtm/datasets

# (d) Several datasets, several files.
run qtm "$R" -y install data-multi data-x data-y
ok $status "three datasets with five files install over HTTP"
bad=
for f in data-multi/one.bin data-multi/two.bin data-multi/three.bin data-x/x.bin data-y/y.bin; do
	cmp -s "$(stored "${f%%/*}" "${f#*/}")" "$TMP/mods/$f" || bad="$bad $f"
done
is "${bad:-none}" none "every file in the store has the repository's bytes"
is "$(ls "$cache"/*/1.0.0/ | grep -c '\.part$')" 0 "no .part file is left"
# Plain output (stderr is no terminal): a line per file, no redrawn bar.
is "$(grep -c '^fetched data-multi/[a-z]*\.bin ([0-9.]* KiB) in [0-9.]* s$' "$TMP/err")" 3 \
	"a plain 'fetched NAME (SIZE) in T s' line for each file of data-multi"
grep -q "^fetched data-x/x.bin (117.2 KiB) in" "$TMP/err"; ok $? "and for data-x, with its size"
! grep -q "$(printf '\r')" "$TMP/err"; ok $? "no carriage returns (no bar) when stderr is not a terminal"

# (b) Transient HTTP 500s: retried with backoff, then the file.
control '{"match": "/data-retry/", "fail": 2}'
run qtm "$R" -y install data-retry
ok $status "two HTTP 500s in a row are retried and the install succeeds"
is "$(requests $D/data-retry/1.0.0/r.bin status | tr '\n' ' ')" "500 500 200 " "the server saw 500, 500, then 200"
cmp -s "$(stored data-retry r.bin)" "$TMP/mods/data-retry/r.bin"; ok $? "and the file verifies"

control '{"match": "/data-down/", "fail": 1000}'
fails_with 5 "data-down/d\.bin: cannot fetch http://127\.0\.0\.1:$port$D/data-down/1\.0\.0/d\.bin: the server answered HTTP 500" \
	"a server that keeps answering 500 fails the install (exit 5) naming the file and the cause" -- \
	qtm "$R" -y install data-down
is "$(requests $D/data-down/1.0.0/d.bin status | wc -l | tr -d ' ')" 3 "after three tries"
not_installed "$R" data-down "nothing is installed"

# (a) A connection cut after half the bytes: the retry asks for the rest only.
control '{"match": "/data-cut/", "drop_at": 200000}'
run qtm "$R" -y install data-cut
ok $status "a connection cut in the middle is retried and the install succeeds"
is "$(requests $D/data-cut/1.0.0/c.bin range | tr '\n' ' ')" "None bytes=200000- " \
	"the second request resumed at the cut (Range: bytes=200000-)"
is "$(requests $D/data-cut/1.0.0/c.bin sent | tr '\n' ' ')" "200000 200000 " "so no byte was sent twice"
cmp -s "$(stored data-cut c.bin)" "$TMP/mods/data-cut/c.bin"; ok $? "and the file verifies"

# (a) qtm killed in the middle of a slow download: the next run continues from the .part.
control '{"match": "/data-big/", "slow": 300000}'
part=$cache/data-big/1.0.0/big.bin.part
"$QTM" --root "$R" -y install data-big >"$TMP/out" 2>"$TMP/err" &
pid=$!
i=0
while [ "$(size_of "$part")" -lt 600000 ] && [ $i -lt 200 ]; do
	i=$((i + 1))
	sleep 0.1
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
have=$(size_of "$part")
[ "$have" -gt 0 ] && [ "$have" -lt 3000000 ]; ok $? "a killed download leaves its .part ($have of 3000000 bytes)"
[ ! -e "$cache/data-big/1.0.0/big.bin" ]; ok $? "and nothing under the file's own name"
control '[]'
run qtm "$R" -y install data-big
ok $status "the install run again succeeds"
is "$(requests $D/data-big/1.0.0/big.bin range | tail -n 1)" "bytes=$have-" "it asked only for the bytes after the .part"
is "$(requests $D/data-big/1.0.0/big.bin sent | tail -n 1)" $((3000000 - have)) "and got only those"
cmp -s "$(stored data-big big.bin)" "$TMP/mods/data-big/big.bin"; ok $? "the resumed file verifies"
[ ! -e "$part" ]; ok $? "the .part is gone"

# (e) The server's bytes are not the index's.
file=$TMP/repo/datasets/data-bad/1.0.0/bad.bin
# Flip a bit of byte 100 (the file is random: writing an 'X' there may change nothing).
/usr/bin/python3 -c "import sys; p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[100] ^= 1; open(p, 'wb').write(b)" "$file"
fails_with 6 "data-bad/bad\.bin: sha256 mismatch for http://127\.0\.0\.1:$port$D/data-bad/1\.0\.0/bad\.bin: expected [0-9a-f]{64}, got [0-9a-f]{64}" \
	"a changed file fails the install (exit 6) naming the file, the URL and both digests" -- \
	qtm "$R" -y install data-bad
[ -z "$(ls -A "$cache/data-bad/1.0.0" 2>/dev/null)" ]; ok $? "neither the file nor a .part is left in the cache"
not_installed "$R" data-bad "nothing is installed"

# Quiet and JSON: no progress lines at all.
cp "$TMP/mods/data-bad/bad.bin" "$file"
run qtm "$R" -q -y install data-bad
! grep -q "fetched" "$TMP/err"; ok $? "-q prints no download lines"
run qtm "$R" -y remove data-bad
rm -rf "$cache/data-bad"
run qtm "$R" --json -y install data-bad
[ "$status" -eq 0 ] && ! grep -q "fetched" "$TMP/err"; ok $? "--json prints no download lines"

done_testing
