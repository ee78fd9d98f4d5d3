#!/bin/sh
# bounds.sh - every input qtm reads has a bound (issue 14): small files (qtm.conf, tokens, keys,
# sources, pins) are read under a cap and must be regular files; archives are unpacked under a
# per-member and a per-archive cap; a signed index inflates at most 100 times its size; a dataset
# declared with size 0 is empty; `qtm clean --all` counts only the bytes it frees.  The hostile
# inputs are made here at run time: nothing big is committed, and nothing big is written.
. "$(dirname "$0")/lib.sh"
plan 19

R=$TMP/root
# quick CMD...: the command must end by itself (a bound) within 60 s, not be killed by timeout.
quick() { timeout 60 "$@"; }

# ---- small files -----------------------------------------------------------------------------

fails_with 1 '/dev/zero is not a regular file' "--config /dev/zero fails at once, naming the file" -- \
	quick "$QTM" --root "$R" --config /dev/zero list
head -c 2097152 /dev/zero | tr '\0' '#' >"$TMP/big.conf"
fails_with 1 "big.conf is larger than the limit of 1048576 bytes" "a 2 MiB qtm.conf is refused, naming the file" -- \
	quick "$QTM" --root "$R" --config "$TMP/big.conf" list
# A NUL byte in a line would cut it short where the parser stops: here "python = /usr/bin/python3"
# would be read as "python = /usr/bin/py" and 'stall_timeout = 5' would hide the rest.
printf 'parallel_downloads = 4\nstall_timeout = 5\0000\n' >"$TMP/nul.conf"
fails_with 1 "nul.conf:2: a NUL byte" "a NUL byte in qtm.conf is an error naming the file and line" -- \
	quick "$QTM" --root "$R" --config "$TMP/nul.conf" list
printf 'stall_timeout = 5\n' >"$TMP/clean.conf"
run quick "$QTM" --root "$R" --config "$TMP/clean.conf" list
ok $status "the same file without the NUL byte is read"
QTM_HIVE=http://127.0.0.1:9 QTM_HIVE_TOKEN=@/dev/zero fails_with 1 'hive token: /dev/zero is not a regular file' \
	"QTM_HIVE_TOKEN=@/dev/zero fails at once, naming the file" -- \
	quick "$QTM" --root "$R" hive jobs
fails_with 1 '/dev/zero is not a regular file' "a key named /dev/zero fails at once, naming the file" -- \
	quick "$QTM" --root "$R" source add --key /dev/zero zero http://127.0.0.1:9/repo
mkdir -p "$R/etc/qtm/sources.d" "$R/etc/qtm/pins.d"
ln -s /dev/zero "$R/etc/qtm/sources.d/zero.source"
fails_with 1 'zero.source is not a regular file' "a source file that is /dev/zero is refused, naming it" -- \
	quick "$QTM" --root "$R" update
rm "$R/etc/qtm/sources.d/zero.source"
ln -s /dev/zero "$R/etc/qtm/pins.d/zero.pin"
fails_with 1 'zero.pin is not a regular file' "a pin file that is /dev/zero is refused, naming it" -- \
	quick "$QTM" --root "$R" install nosuch
rm "$R/etc/qtm/pins.d/zero.pin"

# ---- archives --------------------------------------------------------------------------------

# republish REPO: after a test replaced files of REPO on purpose, the index gets their sha256 and
# size again, and the release the index's; signed again.
republish() {
	edit_index "$1" '
for p in index["packages"]:
    for k in ("source", "artifact"):
        f = p.get(k)
        if f and os.path.exists(os.path.join(out, f["path"])):
            data = open(os.path.join(out, f["path"]), "rb").read()
            f.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))'
}

# A tar.zst of a few hundred KB holding a 10 GiB member of zeros (named NAME, listed in its
# MANIFEST.sha256 with a made-up sha256): streamed through zstd, never on disk.
/usr/bin/python3 - "$TMP/bomb.tar.zst" <<'PY' || { echo "Bail out! cannot make the archive"; exit 1; }
import io, subprocess, sys, tarfile
class Zeros(io.RawIOBase):
    def __init__(self, n): self.left = n
    def readable(self): return True
    def readinto(self, b):
        n = min(len(b), self.left); b[:n] = bytes(n); self.left -= n; return n
out = open(sys.argv[1], "wb")
z = subprocess.Popen(["zstd", "-q", "-1", "-c"], stdin=subprocess.PIPE, stdout=out)
t = tarfile.open(fileobj=z.stdin, mode="w|", format=tarfile.PAX_FORMAT, bufsize=1 << 20)
man = b"0" * 64 + b"  model.txt\n"
ti = tarfile.TarInfo("MANIFEST.sha256"); ti.size = len(man); t.addfile(ti, io.BytesIO(man))
ti = tarfile.TarInfo("model.txt"); ti.size = 10 << 30
t.addfile(ti, io.BufferedReader(Zeros(ti.size), 1 << 20))
t.close(); z.stdin.close(); sys.exit(z.wait())
PY
bomb_kb=$(( $(stat -c %s "$TMP/bomb.tar.zst") / 1024 ))
[ "$bomb_kb" -lt 2048 ]; ok $? "the hostile archive is small ($bomb_kb KiB) and holds a 10 GiB member"

# Under a file size limit of 1 GiB: a build without the cap is stopped there, not at a full disk.
limited() { (ulimit -f 1048576; timeout 300 "$@"); }

make_module "$TMP/mods/model-a" model-a model
build_repo "$TMP/repo" "$TMP/mods"
A=$TMP/a
use_source "$A" t "$TMP/repo"
run qtm "$A" -y install model-a
ok $status "a model trains and installs from the good repository"
run qtm "$A" --json info model-a
bid=$(json_get "$TMP/out" "j['installed']['build_id']")

# As a pre-trained artifact: refused on its header, nothing installed or left in the store.
cp -R "$TMP/repo" "$TMP/repo-art"
cp "$TMP/bomb.tar.zst" "$TMP/$bid.tar.zst"
"$QTM_REPO_TOOL" add-artifact --key "$(test_key).key" "$TMP/repo-art" model-a 1.0.0 "$TMP/$bid.tar.zst" >/dev/null ||
	{ echo "Bail out! add-artifact"; exit 1; }
B=$TMP/b
use_source "$B" t "$TMP/repo-art"
fails_with 6 "hostile archive .*$bid.tar.zst: member model.txt exceeds the size limit of 67108864 bytes" \
	"a pre-trained artifact with a 10 GiB member is refused (exit 6), naming the archive and the member" -- \
	limited "$QTM" --root "$B" -y install model-a
not_installed "$B" model-a "  and nothing of it is installed or left in the store"

# As a source archive.
cp "$TMP/bomb.tar.zst" "$TMP/repo/pool/model-a_1.0.0.tar.zst"
republish "$TMP/repo"
C=$TMP/c
use_source "$C" t "$TMP/repo"
fails_with 6 "hostile archive .*model-a_1.0.0.tar.zst: member model.txt exceeds the size limit of 67108864 bytes" \
	"a source archive with a 10 GiB member is refused (exit 6), naming the archive and the member" -- \
	limited "$QTM" --root "$C" -y install model-a
not_installed "$C" model-a "  and nothing of it is installed or left in the store"
[ -z "$(find "$C" -size +1G)" ]; ok $? "  and no big file was written anywhere"

# ---- a signed index that inflates a thousandfold ---------------------------------------------

# The repository's real index (its one piece: two names, one bucket) followed by 256 MiB of
# spaces (valid JSON), published as a new piece and signed.
/usr/bin/python3 - "$TMP/repo-art" <<'PY' || { echo "Bail out! cannot make the index"; exit 1; }
import gzip, hashlib, json, os, sys, zlib
out = sys.argv[1]
release = json.load(open(os.path.join(out, "release.json")))
slot = release["index"]["newest"][0]
text = gzip.open(os.path.join(out, "index", slot["sha256"] + ".json.gz")).read()
z = zlib.compressobj(9, zlib.DEFLATED, 31)
parts = [z.compress(text)]
chunk = b" " * (1 << 20)
for _ in range(256):
    parts.append(z.compress(chunk))
parts.append(z.flush())
data = b"".join(parts)
slot.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
open(os.path.join(out, "index", slot["sha256"] + ".json.gz"), "wb").write(data)
open(os.path.join(out, "bomb.size"), "w").write(str(len(data)))
release["version"] += 1
json.dump(release, open(os.path.join(out, "release.json"), "w"), indent=1)
PY
idx_kb=$(( $(cat "$TMP/repo-art/bomb.size") / 1024 ))
resign "$TMP/repo-art"
fails_with 6 "inflates to more than [0-9]+ bytes \(100 times its size\)" \
	"a signed index of $idx_kb KiB that inflates to 256 MiB is refused (exit 6)" -- qtm "$B" update
run qtm "$B" --json list --available
st=$status; grep -q '"model-a"' "$TMP/out"; ok $(( st | $? )) "  and the last good index is kept"

# ---- clean --all and hard links --------------------------------------------------------------

# A 4 MiB dataset: installing it hard-links the cached download into the store, so removing the
# cache frees none of those bytes, and clean --all must not claim it did.
make_module "$TMP/dmods/data-big" data-big dataset
head -c 4194304 /dev/urandom >"$TMP/dmods/data-big/data.txt"
build_repo "$TMP/drepo" "$TMP/dmods"
E=$TMP/e
use_source "$E" d "$TMP/drepo"
run qtm "$E" -y install data-big
links=$(stat -c %h "$E"/var/lib/qtm/store/data-big/1.0.0-*/data.txt)
[ "$status" -eq 0 ] && [ "$links" -gt 1 ]; ok $? "the dataset is installed, its file hard-linked ($links links)"
run qtm "$E" --json clean --all
freed=$(json_get "$TMP/out" "j['freed_bytes']")
[ "$status" -eq 0 ] && [ "$freed" -lt 4194304 ]; ok $? "clean --all does not count the hard-linked 4 MiB as freed ($freed bytes)"

done_testing
