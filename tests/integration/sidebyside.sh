#!/bin/sh
# sidebyside.sh - several versions of one model installed side by side (install NAME=VER
# --keep), the default one selectable (mark default), each shown by info NAME=VER, remove
# NAME=VER removes just that one and leaves the other working (also serving a requirement of
# the name), and a plain install or upgrade replaces them all again.
. "$(dirname "$0")/lib.sh"
plan 25

make_module "$TMP/v1/m" m model
make_module "$TMP/v2/m" m model
make_module "$TMP/v1/u" u model ',"requires":["m"]'
sed -i 's/"version":"1.0.0"/"version":"2.0.0"/' "$TMP/v2/m/module.json"
build_repo "$TMP/repo" "$TMP/v1"
build_repo "$TMP/repo2" "$TMP/v2"
merge_repo "$TMP/repo" "$TMP/repo2"
R=$TMP/root
use_source "$R" t "$TMP/repo"

versions() {   # "VERSION[*]..." for the installed versions of m, * marking the default
	"$QTM" --root "$R" --json info m >"$TMP/info.json" 2>/dev/null &&
		json_get "$TMP/info.json" "' '.join(v['version'] + ('*' if v['default'] else '') for v in j['installed_versions'])"
}

run qtm "$R" -y install m=1.0.0
ok $status "install m 1.0.0"
run qtm "$R" -y install --keep m=2.0.0
ok $status "install --keep m=2.0.0 installs it beside 1.0.0"
is "$(versions)" "1.0.0* 2.0.0" "both are installed, the first stays the default"
is "$(ls "$R/var/lib/qtm/store/m" | wc -l)" 2 "each has its own store directory"
run qtm "$R" verify
ok $status "verify is clean with both"

run qtm "$R" --json info m=2.0.0
is "$status:$(json_get "$TMP/out" "(j['installed']['version'], [v['version'] for v in j['versions']], [v['version'] for v in j['installed_versions']])")" \
	"0:('2.0.0', ['2.0.0'], ['1.0.0', '2.0.0'])" "info --json m=2.0.0 shows that version, installed beside 1.0.0"
run qtm "$R" --json info m=1.0.0
is "$status:$(json_get "$TMP/out" "(j['name'], j['installed']['version'], [v['version'] for v in j['versions']])")" \
	"0:('m', '1.0.0', ['1.0.0'])" "info --json m=1.0.0 shows the other"
run qtm "$R" info m=2.0.0
grep -Eq '^installed +2\.0\.0 \(manual\)$' "$TMP/out" && grep -Eq '^versions +2\.0\.0 \(t\)$' "$TMP/out" &&
	grep -Eq '^side by side +1\.0\.0 \(default\) 2\.0\.0$' "$TMP/out"
ok $? "info m=2.0.0 in text"
fails_with 4 '^qtm: error: m 3\.0\.0 is neither installed nor offered by a source \(see: qtm policy m\)$' \
	"info of a version neither installed nor offered fails (exit 4)" -- qtm "$R" info m=3.0.0

run qtm "$R" mark default m=2.0.0
ok $status "mark default m=2.0.0"
is "$(versions)" "1.0.0 2.0.0*" "2.0.0 is now the default"
run qtm "$R" --json info m
is "$(json_get "$TMP/out" "j['installed']['version']")" 2.0.0 "info reports the default version first"

run qtm "$R" -y remove m=2.0.0
ok $status "remove m=2.0.0 removes just that version"
is "$(versions)" "1.0.0*" "1.0.0 remains and becomes the default"
run qtm "$R" --json info m=1.0.0
is "$status:$(json_get "$TMP/out" "j['installed']['version']"):$(cat "$(json_get "$TMP/out" "j['installed']['path']")/model.txt")" \
	"0:1.0.0:trained" "info m=1.0.0 still shows it, its artifact in place"
run qtm "$R" --json info m=2.0.0
is "$status:$(json_get "$TMP/out" "('installed' in j, [v['version'] for v in j['versions']])")" "0:(False, ['2.0.0'])" \
	"info m=2.0.0: offered, no longer installed"
run qtm "$R" --json list
is "$(json_get "$TMP/out" "[(p['name'], p['installed'], p.get('installed_version')) for p in j if p['name'] == 'm']")" "[('m', True, '1.0.0')]" \
	"list shows m installed at 1.0.0"
run qtm "$R" verify m
ok $status "verify m is clean after removing the other version"

run qtm "$R" -y install --keep m=2.0.0
run qtm "$R" -y upgrade
run qtm "$R" --json list --installed
is "$(json_get "$TMP/out" "[(p['name'], p['installed_version']) for p in j]")" "[('m', '1.0.0'), ('m', '2.0.0')]" \
	"list --installed shows each installed version"
run qtm "$R" -y remove m=1.0.0
is "$(versions)" "2.0.0*" "upgrade kept both; removing 1.0.0 leaves 2.0.0 as the default"
run qtm "$R" verify
ok $status "and verify is clean (no orphan directory, no row for missing files)"

# A requirement of the name: either installed version serves it, so one of two can go, not the last.
run qtm "$R" -y install --keep m=1.0.0
run qtm "$R" -y install u
is "$status:$(versions)" "0:1.0.0 2.0.0*" "u, which requires m, installs beside both versions of m"
run qtm "$R" -y remove m=2.0.0
is "$status:$(versions)" "0:1.0.0*" "removing the default m=2.0.0 is allowed: 1.0.0 still serves u"
fails_with 3 'cannot remove m: the installed u requires it \(m\)' \
	"removing the last version u needs is refused (exit 3)" -- qtm "$R" -y remove m=1.0.0
run qtm "$R" verify
ok $status "verify is clean with u and m 1.0.0"

done_testing
