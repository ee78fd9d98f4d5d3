#!/bin/sh
# artifact-outputs.sh - an artifact must hold exactly the module's declared outputs: a
# pre-trained artifact with an undeclared extra file, or without a declared output, or whose
# declared metrics.json is not a JSON object, is refused naming the file (exit 6), nothing is
# installed, and the refused artifact is not kept for reuse.  (The check is where every
# artifact is unpacked, whether trained, pre-trained or from a hive.)
. "$(dirname "$0")/lib.sh"
plan 14

make_module "$TMP/mods/model-a" model-a model
cat >"$TMP/mods/model-a/module.json" <<'JSON'
{"format":1,"name":"model-a","version":"1.0.0","kind":"model","summary":"test model","license":"MIT",
 "resources":{"cpus":1,"memory_mb":256,"time_limit_s":20},
 "train":{"command":["/bin/sh","train.sh"],"params":{"seed":1}},
 "outputs":["model.txt","metrics.json"]}
JSON
cat >"$TMP/mods/model-a/train.sh" <<'SH'
echo trained >"$QTM_OUTPUT/model.txt"
echo '{"score":0.5}' >"$QTM_OUTPUT/metrics.json"
SH
build_repo "$TMP/repo" "$TMP/mods"

A=$TMP/a
use_source "$A" t "$TMP/repo"
run qtm "$A" -y install model-a
ok $status "a first machine trains model-a (an artifact with exactly its outputs installs)"
run qtm "$A" --json info model-a
bid=$(json_get "$TMP/out" "j['installed']['build_id']")
good=$A/var/cache/qtm/artifacts/$bid.tar.zst

# craft NAME SHELL: the good artifact, unpacked, changed by SHELL (run in its folder), with its
# MANIFEST.sha256 made to agree again, published as the repository's artifact of the build.
craft() {
	rm -rf "$TMP/x" && mkdir "$TMP/x" && tar --zstd -xf "$good" -C "$TMP/x" &&
		(cd "$TMP/x" && eval "$2" && rm MANIFEST.sha256 &&
			find . -type f | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum >"$TMP/manifest" &&
			mv "$TMP/manifest" MANIFEST.sha256 && tar --zstd -cf "$TMP/$1.tar.zst" *) &&
		cp "$TMP/$1.tar.zst" "$TMP/$bid.tar.zst" &&
		"$QTM_REPO_TOOL" add-artifact --key "$(test_key).key" "$TMP/repo" model-a 1.0.0 "$TMP/$bid.tar.zst" \
			>/dev/null 2>"$TMP/add.log" || { echo "Bail out! craft $1: $(cat "$TMP/add.log")"; exit 1; }
}

# refused NAME REGEX WHAT: a fresh machine refuses the published artifact.
refused() {
	R=$TMP/r-$1
	use_source "$R" t "$TMP/repo"
	fails_with 6 "$2" "$3 is refused, naming it (exit 6)" -- qtm "$R" -y install model-a
	not_installed "$R" model-a "and nothing of $1 is installed"
	[ -z "$(ls "$R"/var/cache/qtm/artifacts/ 2>/dev/null | grep -v curve)" ]
	ok $? "nor is the refused artifact kept for reuse"
}

craft extra 'echo planted >extra.sh'
refused extra "holds extra.sh, which is not one of its declared outputs" "an undeclared extra file"

craft missing 'rm model.txt'
refused missing "lacks its declared output model.txt" "a missing declared output"

craft notjson 'echo "not json" >metrics.json'
refused notjson "metrics.json" "a metrics.json that is not JSON"

craft array 'echo "[1, 2]" >metrics.json'
refused array "metrics.json is not a JSON object" "a metrics.json that is a JSON array"

# The good artifact again: installed from the repository.
cp "$good" "$TMP/$bid.tar.zst"
"$QTM_REPO_TOOL" add-artifact --key "$(test_key).key" "$TMP/repo" model-a 1.0.0 "$TMP/$bid.tar.zst" >/dev/null 2>&1
G=$TMP/g
use_source "$G" t "$TMP/repo"
run qtm "$G" -y install model-a
[ $status -eq 0 ] && grep -q "pre-trained artifact of build" "$TMP/err"
ok $? "the artifact with exactly its declared outputs is installed from the repository"

done_testing
