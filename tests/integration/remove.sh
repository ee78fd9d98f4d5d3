#!/bin/sh
# remove.sh - qtm remove: what is not installed, what an installed model still requires, several
# packages in one command in either order, and -s, which removes nothing.
. "$(dirname "$0")/lib.sh"
plan 23

mkdir -p "$TMP/mods"
make_module "$TMP/mods/data-a" data-a dataset
make_module "$TMP/mods/model-a" model-a model ',"requires":["data-a >= 1.0"]'
make_module "$TMP/mods/model-b" model-b model ',"requires":["data-a"]'
make_module "$TMP/mods/other" other model
build_repo "$TMP/repo" "$TMP/mods"
R=$TMP/root
use_source "$R" t "$TMP/repo"
store=$R/var/lib/qtm/store

run qtm "$R" -y install model-a model-b other
ok $status "(the fixture: two models on one dataset, and one on its own, install)"

fails_with 4 'zzz is not installed \(see: qtm list --installed\)' \
	"removing an unknown package fails (exit 4) naming it" -- qtm "$R" -y remove zzz
fails_with 4 'data-b is not installed' "so does a name no source has" -- qtm "$R" -y remove data-b
run qtm "$R" -y remove model-a
run qtm "$R" -y install model-a
fails_with 4 'zzz is not installed' "one unknown name among installed ones fails the whole command" -- \
	qtm "$R" -y remove other zzz
is "$(installed_names "$R")" "data-a model-a model-b other" "and removes nothing"
fails_with 2 'name at least one package' "remove without a name is a usage error (exit 2)" -- qtm "$R" -y remove

fails_with 3 'cannot remove data-a: the installed model-(a|b) requires it \(data-a( >= 1\.0)?\); remove both with: qtm remove model-(a|b) data-a' \
	"removing a dataset a model requires is refused (exit 3) with the way out" -- qtm "$R" -y remove data-a
fails_with 3 'cannot remove data-a: the installed model-b requires it' \
	"removing it with only one of the two models is refused too, naming the other" -- \
	qtm "$R" -y remove model-a data-a
[ -d "$(echo $store/data-a/1.0.0-*)" ] && [ -d "$(echo $store/model-a/1.0.0-*)" ]; ok $? "nothing was removed"

run qtm "$R" remove -s model-a model-b data-a
ok $status "remove -s (dry run) succeeds"
grep -Eq '^Remv +model-a' "$TMP/out" && grep -Eq '^Remv +model-b' "$TMP/out" && grep -Eq '^Remv +data-a' "$TMP/out"
ok $? "and prints the plan"
[ "$(grep -n 'data-a' "$TMP/out" | cut -d: -f1)" -gt "$(grep -n 'model-a' "$TMP/out" | cut -d: -f1)" ]
ok $? "the models come before the dataset they need"
run qtm "$R" --json remove -s data-a model-a model-b
is "$(json_get "$TMP/out" "str(j['dry_run']) + ' ' + ' '.join(s['action'] + ':' + s['name'] for s in j['steps'])")" \
	"True remove:model-a remove:model-b remove:data-a" "--json remove -s prints the plan as JSON, dependants first"
is "$(installed_names "$R")" "data-a model-a model-b other" "the dry runs removed nothing"
[ -d "$(echo $store/data-a/1.0.0-*)" ] && [ -d "$(echo $store/model-a/1.0.0-*)" ] && [ -d "$(echo $store/model-b/1.0.0-*)" ]
ok $? "and the store still has them"

run qtm "$R" remove -s other other
is "$(grep -c 'other' "$TMP/out")" 1 "a package named twice is removed once"

fails_with 8 'pass -y' "remove without -y on a non-interactive input is cancelled (exit 8)" -- \
	qtm "$R" remove other </dev/null
is "$(installed_names "$R")" "data-a model-a model-b other" "and removes nothing"

run qtm "$R" -y remove data-a model-b model-a
ok $status "removing the dataset and both models in one command works, dataset named first"
is "$(installed_names "$R")" "other" "all three are gone"
[ ! -e "$store/data-a" ] && [ ! -e "$store/model-a" ] && [ ! -e "$store/model-b" ]; ok $? "and their store directories"

run qtm "$R" -y install model-a
run qtm "$R" -y remove model-a data-a
ok $status "and with the model named first"
is "$(installed_names "$R")" "other" "both are gone"

done_testing
