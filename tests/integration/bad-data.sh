#!/bin/sh
# bad-data.sh - dataset files that changed in the repository after it was built: a changed byte
# (sha256 mismatch), a longer or shorter file (size mismatch).  Each install fails with exit 6
# naming the URL, installs nothing, and a later install of the good file works.
. "$(dirname "$0")/lib.sh"
plan 21

mkdir -p "$TMP/mods"
make_module "$TMP/mods/data-a" data-a dataset
make_module "$TMP/mods/model-a" model-a model ',"requires":["data-a"]'
make_module "$TMP/mods/model-b" model-b model
build_repo "$TMP/repo" "$TMP/mods"
R=$TMP/root
use_source "$R" t "$TMP/repo"

file=$TMP/repo/datasets/data-a/1.0.0/data.txt
url=file://$file
cp "$file" "$TMP/data.good"
size=$(wc -c <"$file")

# A different byte, the same size.
printf 'D' | dd of="$file" bs=1 seek=0 conv=notrunc 2>/dev/null
[ "$(wc -c <"$file")" -eq "$size" ] && ! cmp -s "$file" "$TMP/data.good"; ok $? "(the fixture: one byte changed, same size)"
fails_with 6 "sha256 mismatch for $url" "a changed byte fails the install (exit 6): sha256 mismatch, naming the URL" -- \
	qtm "$R" -y install data-a
grep -Eq "expected [0-9a-f]{64}, got [0-9a-f]{64}" "$TMP/err"; ok $? "and gives both digests"
not_installed "$R" data-a "nothing is installed"
[ ! -e "$R/var/cache/qtm/datasets/data-a/1.0.0/data.txt" ]; ok $? "the bad download is not kept in the cache"

fails_with 6 "sha256 mismatch for $url" "a model whose dataset is corrupt fails the same way (exit 6)" -- \
	qtm "$R" -y install model-a
not_installed "$R" model-a "the model is not installed"
not_installed "$R" data-a "nor its dataset"

# Longer.
cp "$TMP/data.good" "$file"
echo "more" >>"$file"
fails_with 6 "$url.*(larger than the $size bytes expected|bytes, the index says $size)" \
	"an extended file fails (exit 6): its size differs from the index's" -- qtm "$R" -y install data-a
not_installed "$R" data-a "nothing is installed"

# Shorter.
head -c 5 "$TMP/data.good" >"$file"
fails_with 6 "$url has 5 bytes, the index says $size" \
	"a truncated file fails (exit 6): its size differs from the index's" -- qtm "$R" -y install data-a
not_installed "$R" data-a "nothing is installed"
[ ! -e "$R/var/cache/qtm/datasets/data-a/1.0.0/data.txt" ] &&
	[ -z "$(ls -A "$R/var/cache/qtm/datasets/data-a/1.0.0" 2>/dev/null)" ]
ok $? "no partial download is left in the cache"

# The good file again.
cp "$TMP/data.good" "$file"
run qtm "$R" -y install model-a
ok $status "with the file restored the model and its dataset install"
is "$(installed_names "$R")" "data-a model-a" "both are recorded"
cmp -s $R/var/lib/qtm/store/data-a/1.0.0-*/data.txt "$TMP/data.good"; ok $? "the store has the good bytes"

# A copy in the cache that went bad is fetched again, not trusted.
run qtm "$R" -y remove model-a data-a
printf 'X' | dd of="$R/var/cache/qtm/datasets/data-a/1.0.0/data.txt" bs=1 seek=0 conv=notrunc 2>/dev/null
run qtm "$R" -y install data-a
ok $status "a corrupted cached copy is replaced by a good download"
cmp -s $R/var/lib/qtm/store/data-a/1.0.0-*/data.txt "$TMP/data.good"; ok $? "and the store has the good bytes"

# A model's source archive changed in the repository.
archive=$TMP/repo/pool/model-b_1.0.0.tar.zst
cp "$archive" "$TMP/archive.good"
printf 'Z' | dd of="$archive" bs=1 seek=100 conv=notrunc 2>/dev/null
fails_with 6 "sha256 mismatch for file://$archive" \
	"a changed model source archive fails the install (exit 6), naming the URL" -- qtm "$R" -y install model-b
not_installed "$R" model-b "the model is not installed"
cp "$TMP/archive.good" "$archive"
run qtm "$R" -y install model-b
st=$status; [ $st -eq 0 ] || sed "s/^/#   /" "$TMP/err"; ok $st "with the archive restored it installs"

done_testing
