#!/bin/sh
# sidebyside.sh - several versions of one model installed side by side (install NAME=VER
# --keep), the default one selectable (mark default), remove NAME=VER removes just that one,
# and a plain install or upgrade replaces them all again.
. "$(dirname "$0")/lib.sh"
plan 13

make_module "$TMP/v1/m" m model
make_module "$TMP/v2/m" m model
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

run qtm "$R" mark default m=2.0.0
ok $status "mark default m=2.0.0"
is "$(versions)" "1.0.0 2.0.0*" "2.0.0 is now the default"
run qtm "$R" --json info m
is "$(json_get "$TMP/out" "j['installed']['version']")" 2.0.0 "info reports the default version first"

run qtm "$R" -y remove m=2.0.0
ok $status "remove m=2.0.0 removes just that version"
is "$(versions)" "1.0.0*" "1.0.0 remains and becomes the default"

run qtm "$R" -y install --keep m=2.0.0
run qtm "$R" -y upgrade
run qtm "$R" --json list --installed
is "$(json_get "$TMP/out" "[(p['name'], p['installed_version']) for p in j]")" "[('m', '1.0.0'), ('m', '2.0.0')]" \
	"list --installed shows each installed version"
run qtm "$R" -y remove m=1.0.0
is "$(versions)" "2.0.0*" "upgrade kept both; removing 1.0.0 leaves 2.0.0 as the default"
run qtm "$R" verify
ok $status "and verify is clean (no orphan directory, no row for missing files)"

done_testing
