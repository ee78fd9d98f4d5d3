#!/bin/sh
# build-id.sh - the build id covers the train command (issue 14, finding 2): two signed sources
# offer the same module with the same source archive and different train commands; after
# installing from the first, installing from the second trains again instead of reusing the
# first one's artifact, and records another build id.  A summary changed alone keeps the id.
. "$(dirname "$0")/lib.sh"
plan 8

make_module "$TMP/src/m" m model
build_repo "$TMP/repo-a" "$TMP/src"

# rewrite REPO PYTHON: applies a change to package m of REPO's index, then signs it again.
rewrite() {
	edit_index "$1" '
for p in index["packages"]:
    if p["name"] == "m":
        exec(args[0])' "$2"
}
cp -R "$TMP/repo-a" "$TMP/repo-b"
rewrite "$TMP/repo-b" 'p["train"]["command"] = ["/bin/sh", "-c", "echo other >\"$QTM_OUTPUT/model.txt\""]'
cp -R "$TMP/repo-a" "$TMP/repo-c"
rewrite "$TMP/repo-c" 'p["summary"] = "another summary"; p["description"] = "another description"'
src_sha() {
	index_json "$1" | /usr/bin/python3 -c "import json,sys; print([p['source']['sha256'] for p in json.load(sys.stdin)['packages'] if p['name'] == 'm'][0])"
}
sha_a=$(src_sha "$TMP/repo-a")
[ -n "$sha_a" ] && [ "$sha_a" = "$(src_sha "$TMP/repo-b")" ]
ok $? "both sources offer the same source archive (${sha_a:-none})"

# build_id ROOT: the installed build id of m.
build_id() {
	"$QTM" --root "$1" --json info m >"$TMP/info.json" 2>/dev/null && json_get "$TMP/info.json" "j['installed']['build_id']"
}

R=$TMP/root
use_source "$R" a "file://$TMP/repo-a"
run qtm "$R" -y install --local m
ok $status "m installs from the first source"
id_a=$(build_id "$R")
qtm "$R" -y remove m >/dev/null 2>&1
qtm "$R" source remove a >/dev/null 2>&1
use_source "$R" b "file://$TMP/repo-b"
run qtm "$R" -y install --local m
ok $status "m installs from the second source"
if grep -q "Reusing the artifact of build" "$TMP/err"; then
	echo "# $(grep 'Reusing' "$TMP/err")"
	ok 1 "the second install trains instead of reusing the first one's artifact"
else
	ok 0 "the second install trains instead of reusing the first one's artifact"
fi
id_b=$(build_id "$R")
[ -n "$id_a" ] && [ -n "$id_b" ] && [ "$id_a" != "$id_b" ]
ok $? "the two train commands give two build ids (${id_a:-none} / ${id_b:-none})"
store=$("$QTM" --root "$R" --json info m 2>/dev/null | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['installed']['path'])")
is "$(cat "$store/model.txt" 2>/dev/null)" other "the installed model is the second command's output"

# Only the summary and description differ: the same build, the cached artifact is reused.
qtm "$R" -y remove m >/dev/null 2>&1
qtm "$R" source remove b >/dev/null 2>&1
use_source "$R" a "file://$TMP/repo-a"
qtm "$R" -y install --local m >/dev/null 2>&1
qtm "$R" -y remove m >/dev/null 2>&1
qtm "$R" source remove a >/dev/null 2>&1
use_source "$R" c "file://$TMP/repo-c"
run qtm "$R" -y install --local m
grep -q "Reusing the artifact of build" "$TMP/err"; ok $? "a changed summary and description reuse the artifact"
is "$(build_id "$R")" "$id_a" "and keep the build id"
done_testing
