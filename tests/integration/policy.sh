#!/bin/sh
# policy.sh - several sources with priorities: the highest priority offering a package wins,
# then the newest version; qtm policy shows the candidates and the choice.
. "$(dirname "$0")/lib.sh"
plan 7

make_module "$TMP/new/model-a" model-a model
sed -i 's/"version":"1.0.0"/"version":"2.0.0"/' "$TMP/new/model-a/module.json"
make_module "$TMP/old/model-a" model-a model
sed -i 's/"version":"1.0.0"/"version":"1.5.0"/' "$TMP/old/model-a/module.json"
build_repo "$TMP/repo-new" "$TMP/new"
build_repo "$TMP/repo-old" "$TMP/old"

R=$TMP/root
run qtm "$R" source add --key "$(test_key).pub" new "$TMP/repo-new"
run qtm "$R" source add --key "$(test_key).pub" --priority 900 old "$TMP/repo-old"
run qtm "$R" update
ok $status "two sources, one with priority 900"
run qtm "$R" --json source list
is "$(json_get "$TMP/out" "sorted((s['name'], s['priority']) for s in j)")" "[('new', 500), ('old', 900)]" \
	"source list shows their priorities"

run qtm "$R" --json policy model-a
is "$(json_get "$TMP/out" "[(c['version'], c['source']) for c in j['candidates'] if c['candidate']]")" \
	"[('1.5.0', 'old')]" "policy: the higher priority source wins over a newer version"
run qtm "$R" policy model-a
grep -q "^=> 1.5.0 *old" "$TMP/out"; ok $? "and says so in text"
run qtm "$R" --json install -s model-a
is "$(json_get "$TMP/out" "[(s['version'], s['source']) for s in j['steps']]")" "[('1.5.0', 'old')]" \
	"install takes the policy's candidate"

run qtm "$R" source remove old
run qtm "$R" source add --key "$(test_key).pub" old "$TMP/repo-old"
run qtm "$R" update
run qtm "$R" --json policy model-a
is "$(json_get "$TMP/out" "[(c['version'], c['source']) for c in j['candidates'] if c['candidate']]")" \
	"[('2.0.0', 'new')]" "with equal priorities the newest version wins"
fails_with 4 'unknown package "nothing"' "policy of an unknown package fails (exit 4)" -- qtm "$R" policy nothing

done_testing
