#!/bin/sh
# epoch.sh - a version with an epoch (E:) goes through a repository, the solver and the store:
# 1:0.1 sorts after 2.0.0, so it is the candidate and an upgrade; requirements may name
# epochs; a version whose epoch is not a number is refused with the rule.
. "$(dirname "$0")/lib.sh"
plan 9

make_module "$TMP/plain/model-a" model-a model
sed -i 's/"version":"1.0.0"/"version":"2.0.0"/' "$TMP/plain/model-a/module.json"
make_module "$TMP/epoch/model-a" model-a model
sed -i 's/"version":"1.0.0"/"version":"1:0.1"/' "$TMP/epoch/model-a/module.json"
make_module "$TMP/epoch/model-b" model-b model ',"requires":["model-a >= 1:0"]'
build_repo "$TMP/repo-plain" "$TMP/plain"
build_repo "$TMP/repo-epoch" "$TMP/epoch"

R=$TMP/root
state() {
	"$QTM" --root "$R" --json info "$1" >"$TMP/state.json" 2>/dev/null &&
		json_get "$TMP/state.json" "j['installed']['version'] if 'installed' in j else 'none'"
}
run qtm "$R" source add --key "$(test_key).pub" plain "$TMP/repo-plain"
run qtm "$R" update
run qtm "$R" -y install model-a
is "$status:$(state model-a)" "0:2.0.0" "model-a 2.0.0 installed from the source without epochs"

run qtm "$R" source add --key "$(test_key).pub" epoch "$TMP/repo-epoch"
run qtm "$R" update
run qtm "$R" --json policy model-a
is "$(json_get "$TMP/out" "[(c['version'], c['source']) for c in j['candidates'] if c['candidate']]")" \
	"[('1:0.1', 'epoch')]" "policy: 1:0.1 is newer than 2.0.0"
run qtm "$R" -y upgrade
is "$status:$(state model-a)" "0:1:0.1" "upgrade installs 1:0.1"
[ -d "$R/var/lib/qtm/store/model-a" ] && ls "$R/var/lib/qtm/store/model-a" | grep -q '^1:0\.1'
ok $? "into a store directory named for the version"
run qtm "$R" --json history
is "$(json_get "$TMP/out" "[(i['action'], i.get('old_version'), i.get('new_version')) for i in j[0]['items']]")" \
	"[('upgrade', '2.0.0', '1:0.1')]" "history records an upgrade 2.0.0 -> 1:0.1"
run qtm "$R" -y install model-a=2.0.0
is "$status:$(state model-a)" "0:2.0.0" "install model-a=2.0.0 goes back (a downgrade)"
run qtm "$R" -y install model-b
is "$status:$(state model-a):$(state model-b)" "0:1:0.1:1.0.0" \
	"a requirement model-a >= 1:0 takes 1:0.1"

make_module "$TMP/bad/model-c" model-c model
sed -i 's/"version":"1.0.0"/"version":"x:1.0"/' "$TMP/bad/model-c/module.json"
"$QTM_REPO_TOOL" build --name test --key "$(test_key).key" -o "$TMP/repo-bad" "$TMP/bad" >"$TMP/out" 2>"$TMP/err"
is "$?" 1 "qtm-repo build refuses an epoch that is not a number (exit 1)"
grep -q '"x:1.0" is not a valid version (\[EPOCH:\]VERSION: an optional number and a colon' "$TMP/err"
ok $? "and the error states the rule"
