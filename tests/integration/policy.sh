#!/bin/sh
# policy.sh - several sources with priorities: the highest priority offering a package wins,
# then the newest version; pins (pins.d/*.pin) keep out the versions and sources they do not
# allow; qtm policy shows the pin, the candidates and the choice.
. "$(dirname "$0")/lib.sh"
plan 24

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

# ---- pins ----------------------------------------------------------------------------------
PINS=$R/etc/qtm/pins.d
mkdir -p "$PINS"
printf '# keep model-a at 1.x\npackage = model-a\nversion = 1.*\n' >"$PINS/model-a.pin"
run qtm "$R" --json policy model-a
is "$(json_get "$TMP/out" "([(c['version'], c['source']) for c in j['candidates'] if c['candidate']], j['pin']['line'], j['pin']['version'], j['pin']['source'])")" \
	"([('1.5.0', 'old')], 2, '1.*', None)" "policy --json: a version pin makes the older version the candidate, and shows the pin"
is "$(json_get "$TMP/out" "[(c['version'], c['excluded_because']) for c in j['candidates'] if c['excluded']]")" \
	"[('2.0.0', 'version does not match 1.*')]" "policy --json says why the newer version is excluded"
run qtm "$R" policy model-a
grep -q "^Pinned to version 1\.\* by .*/pins.d/model-a.pin:2" "$TMP/out" &&
	grep -q "^   2.0.0 .*excluded by the pin: version does not match 1\.\*" "$TMP/out" &&
	grep -q "^=> 1.5.0 *old" "$TMP/out" && grep -q "of the versions the pin at .* allows" "$TMP/out"
ok $? "policy in text shows the pin, the excluded version and the choice"
run qtm "$R" --json install -s model-a
is "$(json_get "$TMP/out" "[(s['version'], s['source']) for s in j['steps']]")" "[('1.5.0', 'old')]" \
	"install takes the pinned version"

printf 'package = model-a\nsource = old\n' >"$PINS/model-a.pin"
run qtm "$R" --json policy model-a
is "$(json_get "$TMP/out" "([(c['version'], c['source']) for c in j['candidates'] if c['candidate']], [c['excluded_because'] for c in j['candidates'] if c['excluded']])")" \
	"([('1.5.0', 'old')], ['not from source old'])" "a source pin wins over a newer version elsewhere"

printf 'package = model-a\nversion = 3.*\n' >"$PINS/model-a.pin"
fails_with 4 "cannot install model-a: the pin at .*/pins.d/model-a.pin:1 \(version 3\.\*\) matches no available version \(available: 2\.0\.0 \(new\), 1\.5\.0 \(old\)\)" \
	"a pin that matches no version: install fails naming the pin (exit 4)" -- qtm "$R" install -s model-a
fails_with 4 "the pin at .*model-a.pin:1 .* excludes every version that matches it" \
	"NAME=VERSION outside the pin fails naming the pin (exit 4)" -- qtm "$R" install -s model-a=2.0.0
run qtm "$R" --json policy model-a
is "$(json_get "$TMP/out" "([c for c in j['candidates'] if c['candidate']], 'allows no available version' in j['why'])")" \
	"([], True)" "policy: no candidate, and says the pin allows none"

printf 'version = 1.*\n' >"$PINS/model-a.pin"
fails_with 1 'model-a.pin:1: "version" before any "package = NAME" line' \
	"a malformed pin file: error names the file and line" -- qtm "$R" install -s model-a
printf '\npackage = model-a\ncolour = blue\n' >"$PINS/model-a.pin"
fails_with 1 'model-a.pin:3: unknown key "colour"' "an unknown key in a pin file names the line" -- qtm "$R" policy model-a
printf 'package = model-a\n' >"$PINS/model-a.pin"
fails_with 1 'model-a.pin:1: the pin of model-a sets neither "version" nor "source"' \
	"a pin without version or source is an error" -- qtm "$R" list --available
printf 'package = model-a\nversion = 1.*\n' >"$PINS/a.pin"
printf 'package = model-a\nsource = new\n' >"$PINS/b.pin"
rm "$PINS/model-a.pin"
fails_with 1 'b.pin:1: model-a is already pinned at .*/a.pin:1' "the same package pinned twice is an error" -- qtm "$R" policy model-a
rm "$PINS/b.pin"

run qtm "$R" -y install model-a
ok $status "install under a version pin"
is "$(installed_names "$R")" "model-a" "model-a installed"
run qtm "$R" --json list --installed
is "$(json_get "$TMP/out" "[p['version'] for p in j]")" "['1.5.0']" "at the pinned version"
run qtm "$R" --json upgrade -s
is "$(json_get "$TMP/out" "len(j['steps'])"):$(grep -c "model-a 2.0.0 is available but the pin at .*/a.pin:1 (version 1\.\*) keeps it out" "$TMP/err")" \
	"0:1" "upgrade stays within the pin and says what it keeps out"
rm "$PINS/a.pin"
run qtm "$R" --json upgrade -s
is "$(json_get "$TMP/out" "[(s['name'], s['version']) for s in j['steps'] if s['action'] == 'install']")" \
	"[('model-a', '2.0.0')]" "without the pin upgrade takes the newest version"

done_testing
