#!/bin/sh
# publish.sh - qtm-repo add, remove, prune and verify on a signed format 2 repository, as a
# client sees it; and each bad input (a published version with other content, two folders of one
# version, an invalid version, a release the keys did not sign, a piece changed by hand, a full
# disk, two publishers at once): a clear error, a non-zero exit, and the repository exactly as
# before (every file and its sha256).
. "$(dirname "$0")/lib.sh"
plan 45

M=$TMP/m
# version_module DIR NAME KIND VERSION [EXTRA]: make_module at another version than 1.0.0.
version_module() {
	make_module "$1" "$2" "$3" "${5:-}"
	sed -i "s/\"version\":\"1.0.0\"/\"version\":\"$4\"/" "$1/module.json"
}
# listing DIR: every file under DIR (the lock file aside) with its sha256.
listing() { (cd "$1" && find . -type f ! -name .qtm-repo.lock | LC_ALL=C sort | xargs sha256sum); }
unchanged() {
	listing "$REPO" >"$TMP/after"
	cmp -s "$TMP/before" "$TMP/after"; st=$?
	[ $st -eq 0 ] || diff "$TMP/before" "$TMP/after" | head -5 | sed 's/^/#   /'
	ok $st "  and the repository is exactly as before"
}
release_of() { json_get "$REPO/release.json" "j['version']"; }
steps() { json_get "$TMP/out" "' '.join(s['name'] + '=' + s['version'] for s in j['steps'])"; }
KEY=$(test_key)
"$QTM_REPO_TOOL" keygen "$TMP/other" >/dev/null || { echo "Bail out! keygen"; exit 1; }

make_module "$M/model-a" model-a model
make_module "$M/data-a" data-a dataset
REPO=$TMP/repo
build_repo "$REPO" "$M"
R=$TMP/root
use_source "$R" t "$REPO"

# ---- add, as a client sees it -------------------------------------------------------------------
version_module "$TMP/new/model-a-1.1" model-a model 1.1.0
listing "$REPO" >"$TMP/before"
run "$QTM_REPO_TOOL" add --key "$KEY.key" "$REPO" "$TMP/new/model-a-1.1"
is "$status $(cat "$TMP/out" | tr '\n' ' ')" "0 added model-a=1.1.0 release 2 written " \
	"add packs the new version and writes release 2"
listing "$REPO" >"$TMP/after"
LC_ALL=C sort -o "$TMP/before" "$TMP/before" && LC_ALL=C sort -o "$TMP/after" "$TMP/after"
is "$(LC_ALL=C comm -23 "$TMP/before" "$TMP/after" | grep -v ' ./release.json' | wc -l)" 0 \
	"  every file published before is still there, unchanged (but release.json and its signatures)"
is "$(LC_ALL=C comm -13 "$TMP/before" "$TMP/after" | sed 's/.* \.\///' | sed 's/index\/[0-9a-f]*\.json\.gz/PIECE/' | LC_ALL=C sort | tr '\n' ' ')" \
	"PIECE PIECE pool/model-a_1.1.0.tar.zst release.json release.json.sig " \
	"  and the new files are the source, the bucket's two pieces and the release"
run qtm "$R" update
ok $status "a client updates to release 2"
run qtm "$R" --json install -s model-a
is "$(steps)" "model-a=1.1.0" "  and would install the added version"
run qtm "$R" --json install -s model-a=1.0.0
is "$(steps)" "model-a=1.0.0" "  or, asked for it, the older one"

listing "$REPO" >"$TMP/before"
run "$QTM_REPO_TOOL" add --key "$KEY.key" "$REPO" "$TMP/new/model-a-1.1"
is "$status $(cat "$TMP/out")" "0 model-a=1.1.0 is published already with the same content: nothing to do" \
	"adding a published version again with the same content is a no-op saying so"
unchanged

# ---- bad input ----------------------------------------------------------------------------------
version_module "$TMP/other-content/model-a-1.1" model-a model 1.1.0 ',"description":"other"'
fails_with 1 "model-a=1.1.0 is published in .* with other content \(source sha256 [0-9a-f]{64}\), .*other-content/model-a-1.1 has source sha256 [0-9a-f]{64}" \
	"a published version with other content is refused, naming the published one and the folder" -- \
	"$QTM_REPO_TOOL" add --key "$KEY.key" "$REPO" "$TMP/other-content/model-a-1.1"
unchanged

version_module "$TMP/twice/x/model-b" model-b model 2.0.0
version_module "$TMP/twice/y/model-b" model-b model 2.0.0 ',"description":"other"'
fails_with 1 "twice/x/model-b and .*twice/y/model-b both define model-b=2.0.0" \
	"two folders of one NAME=VERSION with different content are refused, naming both" -- \
	"$QTM_REPO_TOOL" add --key "$KEY.key" "$REPO" "$TMP/twice/x" "$TMP/twice/y"
unchanged

version_module "$TMP/badver/model-b" model-b model "1.0 beta"
fails_with 1 'field "version": "1.0 beta" is not a valid version \(\[EPOCH:\]VERSION: an optional number and a colon, then a digit' \
	"an invalid version is refused, stating the rule" -- "$QTM_REPO_TOOL" add --key "$KEY.key" "$REPO" "$TMP/badver/model-b"
unchanged

version_module "$TMP/new/model-a-1.2" model-a model 1.2.0
fails_with 9 "release.json has no valid signature by key [0-9a-f]{16} \(.*other.key\)" \
	"add with a key that did not sign the current release is refused (exit 9)" -- \
	"$QTM_REPO_TOOL" add --key "$TMP/other.key" "$REPO" "$TMP/new/model-a-1.2"
unchanged

cp "$REPO/release.json" "$TMP/release.good"
sed -i 's/"expires":/"expires" :/' "$REPO/release.json"
listing "$REPO" >"$TMP/before"
fails_with 9 "release.json has no valid signature by key" \
	"add to a repository whose release.json was changed by hand is refused" -- \
	"$QTM_REPO_TOOL" add --key "$KEY.key" "$REPO" "$TMP/new/model-a-1.2"
unchanged
cp "$TMP/release.good" "$REPO/release.json"

# The piece holding model-a, changed by hand (a byte of its gzip trailer flipped).
piece=$(/usr/bin/python3 -c "$_index_py"'
rel = json.load(open(sys.argv[1] + "/release.json"))
b = split_index.bucket_of("model-a", rel["index"]["buckets"])
print("index/%s.json.gz" % [p for p in rel["index"]["newest"] if p["bucket"] == b][0]["sha256"])' "$REPO")
cp "$REPO/$piece" "$TMP/piece.good"
/usr/bin/python3 -c "import sys; p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[-5] ^= 1; open(p, 'wb').write(b)" "$REPO/$piece"
listing "$REPO" >"$TMP/before"
fails_with 6 "$piece: sha256 [0-9a-f]{64} and [0-9]+ bytes, but the release declares .*changed since it was published" \
	"add whose bucket's piece was changed by hand is refused, naming the piece" -- \
	"$QTM_REPO_TOOL" add --key "$KEY.key" "$REPO" "$TMP/new/model-a-1.2"
unchanged
fails_with 6 "warning: .*$piece: sha256 .*but the release declares" \
	"verify reports the changed piece (exit 6)" -- "$QTM_REPO_TOOL" verify "$REPO"
cp "$TMP/piece.good" "$REPO/$piece"
echo tampered >>"$REPO/pool/model-a_1.0.0.tar.zst"
fails_with 6 "pool/model-a_1.0.0.tar.zst: sha256 [0-9a-f]{64} and [0-9]+ bytes, the index declares" \
	"verify re-hashes every published file: a changed source is reported" -- "$QTM_REPO_TOOL" verify "$REPO"
truncate -s -9 "$REPO/pool/model-a_1.0.0.tar.zst"
run "$QTM_REPO_TOOL" verify "$REPO"
is "$status $(cat "$TMP/out")" "0 $REPO: all 5 files match the release" "verify passes on the repository as published"

# Two publishers at once: a holder of the lock (its pid written in it, as qtm-repo does).
cat >"$TMP/hold.py" <<'PY'
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.lockf(fd, fcntl.LOCK_EX)
os.ftruncate(fd, 0); os.write(fd, b"%d\n" % os.getpid())
open(sys.argv[2], "w").close()
time.sleep(float(sys.argv[3]))
PY
/usr/bin/python3 "$TMP/hold.py" "$REPO/.qtm-repo.lock" "$TMP/locked" 4 &
holder=$!
BG_PIDS="${BG_PIDS:-} $holder"
until [ -e "$TMP/locked" ]; do sleep 0.05; done
listing "$REPO" >"$TMP/before"
fails_with 3 "process $holder \(/usr/bin/python3 .*hold.py.*\) holds the lock .*\.qtm-repo\.lock: wait for it, or run with --wait" \
	"a second publisher fails at once (exit 3), naming the holder" -- \
	"$QTM_REPO_TOOL" add --key "$KEY.key" "$REPO" "$TMP/new/model-a-1.2"
unchanged
run "$QTM_REPO_TOOL" add --wait --key "$KEY.key" "$REPO" "$TMP/new/model-a-1.2"
is "$status $(release_of)" "0 3" "with --wait it waits for the holder, then adds (release 3)"
wait "$holder" 2>/dev/null

# Two qtm-repo add at once: the first is held up (strace delays its first rename by 3 s).
make_module "$TMP/new/model-d" model-d model
version_module "$TMP/new/model-a-1.3" model-a model 1.3.0
if strace -f -o /dev/null -e inject=rename:delay_enter=1:when=99 /bin/true 2>/dev/null; then
	# (LeakSanitizer cannot run under ptrace: a sanitizer build would fail at exit.)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -o /dev/null -e trace=rename -e inject=rename:delay_enter=3000000:when=1 \
		"$QTM_REPO_TOOL" add --key "$KEY.key" "$REPO" "$TMP/new/model-a-1.3" >/dev/null 2>&1 &
	first=$!
	until [ -s "$REPO/.qtm-repo.lock" ]; do sleep 0.05; done
	fails_with 3 "process [0-9]+ \(.*qtm-repo add .*model-a-1.3\) holds the lock" \
		"two qtm-repo add at once: the second fails at once, naming the first" -- \
		"$QTM_REPO_TOOL" add --key "$KEY.key" "$REPO" "$TMP/new/model-d"
	wait "$first"
	is "$? $(release_of)" "0 4" "  and the first completes (release 4)"
else
	ok 0 "# SKIP strace cannot delay a system call here"
	"$QTM_REPO_TOOL" add --key "$KEY.key" "$REPO" "$TMP/new/model-a-1.3" >/dev/null 2>&1
	ok $? "# SKIP strace cannot delay a system call here"
fi

# A full disk: the repository on a small file system that the packing fills.
if [ "$(id -u)" -eq 0 ] && mkdir -p "$TMP/small" && mount -t tmpfs -o size=1m tmpfs "$TMP/small" 2>/dev/null; then
	trap 'umount "$TMP/small" 2>/dev/null; cleanup' EXIT
	cp -R "$REPO" "$TMP/small/repo"
	mkdir -p "$TMP/big/model-c"
	make_module "$TMP/big/model-c" model-c model
	head -c 3000000 /dev/urandom >"$TMP/big/model-c/weights.bin"
	SAVE=$REPO REPO=$TMP/small/repo
	listing "$REPO" >"$TMP/before"
	fails_with 1 "No space left on device" "an add that fills the disk fails naming the cause" -- \
		"$QTM_REPO_TOOL" add --key "$KEY.key" "$REPO" "$TMP/big/model-c"
	unchanged
	REPO=$SAVE
	umount "$TMP/small"
else
	ok 0 "# SKIP a full disk needs root and a tmpfs"
	ok 0 "# SKIP a full disk needs root and a tmpfs"
fi

# ---- remove, prune, add-artifact ----------------------------------------------------------------
id=$(printf 'b%.0s' $(seq 64))
head -c 1000 /dev/urandom >"$TMP/$id.tar.zst"
run "$QTM_REPO_TOOL" add-artifact --key "$KEY.key" "$REPO" model-a 1.0.0 "$TMP/$id.tar.zst"
is "$status $(index_json "$REPO" | /usr/bin/python3 -c 'import json, sys
print([a["build_id"] for p in json.load(sys.stdin)["packages"] if p["version"] == "1.0.0" and p["name"] == "model-a" for a in p.get("artifacts", [])])')" \
	"0 ['$id']" "add-artifact publishes an artifact for an older version"

listing "$REPO" >"$TMP/before"
fails_with 4 "model-a=9.9.9 is not published in" "remove of a version that is not published fails (exit 4)" -- \
	"$QTM_REPO_TOOL" remove --key "$KEY.key" "$REPO" model-a=1.1.0 model-a=9.9.9
unchanged
run "$QTM_REPO_TOOL" remove --key "$KEY.key" "$REPO" model-a=1.0.0
is "$status $(tr '\n' ' ' <"$TMP/out")" "0 withdrew model-a=1.0.0 release 6 written " "remove withdraws a version"
[ -f "$REPO/pool/model-a_1.0.0.tar.zst" ]; ok $? "  and its files stay"
run qtm "$R" update
run qtm "$R" --json list --all-versions
is "$(json_get "$TMP/out" "' '.join(sorted(p['name'] + '=' + p['version'] for p in j))")" \
	"data-a=1.0.0 model-a=1.1.0 model-a=1.2.0 model-a=1.3.0" "  and a client no longer sees it"
fails_with 4 "model-a.*1.0.0|no package|not found|cannot find" "  nor installs it" -- qtm "$R" -y install -s model-a=1.0.0

run "$QTM_REPO_TOOL" prune "$REPO"
ok $status "prune deletes the files no current index refers to"
[ ! -e "$REPO/pool/model-a_1.0.0.tar.zst" ] && [ ! -e "$REPO/artifacts/$id.tar.zst" ]
ok $? "  the withdrawn version's source and artifact"
n=$(json_get "$REPO/release.json" "len(j['index']['newest']) + len(j['index']['older'])")
is "$(ls "$REPO/index" | wc -l)" "$n" "  and the pieces of earlier releases"
run "$QTM_REPO_TOOL" verify "$REPO"
ok $status "  and what the release refers to is all there"
run "$QTM_REPO_TOOL" prune --keep 1 --key "$KEY.key" "$REPO"
is "$status $(head -2 "$TMP/out" | tr '\n' ' ')" "0 withdrew model-a=1.2.0 withdrew model-a=1.1.0 " \
	"prune --keep 1 withdraws all but the newest version of each name"
[ ! -e "$REPO/pool/model-a_1.1.0.tar.zst" ] && [ -e "$REPO/pool/model-a_1.3.0.tar.zst" ]
ok $? "  and deletes its files"
run qtm "$R" update
ok $status "  and the client updates to that release"
run qtm "$R" --json install -s model-a
is "$(steps)" "model-a=1.3.0" "  and installs the version kept"

done_testing
