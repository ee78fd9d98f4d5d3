#!/bin/sh
# verbs.sh - the everyday verbs beyond install and remove: search, info/show of every version,
# upgrade (-s first), hold/unhold, depends/rdepends/why, mark + autoremove, verify (and what it
# finds), reinstall (repairing from the artifact cache), clean, install --download-only, run.
# The repository offers foo 1.0.0 and foo 2.0.0.
. "$(dirname "$0")/lib.sh"
plan 84

M=$TMP/mods
M2=$TMP/mods-v2
R=$TMP/root
store=$R/var/lib/qtm/store
cache=$R/var/cache/qtm
mkdir -p "$M" "$M2"

# foo: a model with a predict command that prints its arguments, one per [ ], then the model
# it was given; "fail" as first argument makes it exit 5.
foo_module() {
	mkdir -p "$1"
	printf 'echo "@qtm metric {\\"name\\":\\"score\\",\\"value\\":%s}"\necho "trained %s" >"$QTM_OUTPUT/model.txt"\n' \
		"$3" "$2" >"$1/train.sh"
	cat >"$1/predict.sh" <<'SH'
[ "${1:-}" = fail ] && { echo "predict failed on request" >&2; exit 5; }
for a in "$@"; do printf '[%s]' "$a"; done
echo
cat "$QTM_MODEL/model.txt"
SH
	make_module "$1" foo model ',"requires":["data-a"],"predict":{"command":["/bin/sh","predict.sh"]}'
	sed -i "s/\"version\":\"1.0.0\"/\"version\":\"$2\"/; s/\"summary\":\"test model\"/\"summary\":\"Forecasts lunar tides for harbours\"/" \
		"$1/module.json"
}
make_module "$M/data-a" data-a dataset
foo_module "$M/foo" 1.0.0 0.5
foo_module "$M2/foo" 2.0.0 0.9
make_module "$M/data-b" data-b dataset
make_module "$M/mid" mid model ',"requires":["data-b"]'
make_module "$M/top" top model ',"requires":["mid >= 1.0"]'
make_module "$M/lone" lone model
build_repo "$TMP/repo" "$M"
build_repo "$TMP/repo2" "$M2"
merge_repo "$TMP/repo" "$TMP/repo2"
use_source "$R" t "$TMP/repo"

# state NAME: "VERSION:REASON" of an installed package, or "none".
state() {
	"$QTM" --root "$R" --json info "$1" >"$TMP/state.json" 2>/dev/null &&
		json_get "$TMP/state.json" "j['installed']['version'] + ':' + j['installed']['reason'] if 'installed' in j else 'none'"
}

# ---- search -----------------------------------------------------------------------------------
run qtm "$R" search foo
is "$status:$(awk '{print $1 " " $2}' "$TMP/out")" "0:foo 2.0.0" "search by name finds foo, once, in its newest version"
run qtm "$R" search LUNAR harbours
is "$(awk '{print $1}' "$TMP/out")" foo "search by summary words (case-insensitive, every term) finds it"
run qtm "$R" search lunar zzz-nowhere
is "$status:$(cat "$TMP/out")" "0:" "a term that matches nothing gives no rows, and success"
run qtm "$R" search zzz-nowhere
is "$status:$(wc -c <"$TMP/out" | tr -d ' ')" "0:0" "no match: empty output"
run qtm "$R" --json search tides
is "$(json_get "$TMP/out" "[(p['name'], p['version'], p['summary']) for p in j]")" \
	"[('foo', '2.0.0', 'Forecasts lunar tides for harbours')]" "search --json: name, version, summary"
run qtm "$R" --json search zzz-nowhere
is "$status:$(json_get "$TMP/out" "j")" "0:[]" "search --json with no match prints []"
fails_with 2 "search term" "search without a term is a usage error" -- qtm "$R" search

# ---- info / show ------------------------------------------------------------------------------
run qtm "$R" info foo
grep -Eq '^versions +2\.0\.0 \(t\) 1\.0\.0 \(t\)$' "$TMP/out"; ok $? "info lists both versions, newest first, with their source"
grep -Eq '^installed +no$' "$TMP/out"; ok $? "and says it is not installed"
run qtm "$R" --json show foo
is "$(json_get "$TMP/out" "[(v['version'], v['repository']) for v in j['versions']] + ['installed' in j]")" \
	"[('2.0.0', 't'), ('1.0.0', 't'), False]" "show (alias) --json: every version with its repository"
fails_with 4 'unknown package "nosuch"' "info of an unknown name fails (exit 4)" -- qtm "$R" info nosuch

# ---- install an older version, upgrade ----------------------------------------------------------
run qtm "$R" -y install foo=1.0.0
is "$status:$(state foo)" "0:1.0.0:manual" "install foo=1.0.0 installs the older version"
old_dir=$(json_get "$TMP/state.json" "j['installed']['path']")
run qtm "$R" upgrade -s
grep -Eq '^Inst +foo +2\.0\.0 ' "$TMP/out"; ok $? "upgrade -s shows foo going to 2.0.0"
is "$(grep -c . "$TMP/out")" 1 "and nothing else (data-a has no newer version)"
run qtm "$R" --json upgrade -s
is "$(json_get "$TMP/out" "(j['dry_run'], [(s['action'], s['name'], s['version']) for s in j['steps']])")" \
	"(True, [('install', 'foo', '2.0.0')])" "upgrade -s --json prints the plan"
is "$(state foo)" "1.0.0:manual" "the dry run changed nothing"
run qtm "$R" -y upgrade
is "$status:$(state foo)" "0:2.0.0:manual" "upgrade installs foo 2.0.0, keeping its reason (manual)"
new_dir=$(json_get "$TMP/state.json" "j['installed']['path']")
[ ! -e "$old_dir" ] && [ -d "$new_dir" ] && [ "$(ls "$store/foo")" = "$(basename "$new_dir")" ]
ok $? "the old store directory is gone, the new one is the only one"
is "$(json_get "$TMP/state.json" "j['installed']['metrics']['score']")" 0.9 "the metrics are those of 2.0.0"
run qtm "$R" --json history
is "$(json_get "$TMP/out" "[(i['action'], i['name'], i.get('old_version'), i.get('new_version'), i.get('reason')) for i in j[0]['items']]")" \
	"[('upgrade', 'foo', '1.0.0', '2.0.0', 'manual')]" "history records it as upgrade 1.0.0 -> 2.0.0, reason manual"
run qtm "$R" -y upgrade
is "$status" 0 "upgrading again succeeds"
grep -q "Nothing to do" "$TMP/err"; ok $? "and has nothing to do"
fails_with 4 'nosuch is not installed' "upgrading a package that is not installed fails (exit 4)" -- qtm "$R" -y upgrade nosuch

# ---- run ----------------------------------------------------------------------------------------
run qtm "$R" run foo -- a "b c" --flag
is "$status:$(cat "$TMP/out")" "0:[a][b c][--flag]
trained 2.0.0" "run NAME -- ARGS passes the arguments as they are and gives the model in \$QTM_MODEL"
fails_with 5 "predict failed on request" "the predict command's exit status is qtm run's" -- qtm "$R" run foo fail
fails_with 4 "lone is not installed" "running a model that is not installed fails (exit 4)" -- qtm "$R" run lone
fails_with 1 "data-a is a dataset" "running a dataset is refused" -- qtm "$R" run data-a

# ---- hold / unhold ------------------------------------------------------------------------------
run qtm "$R" -y install foo=1.0.0
is "$status:$(state foo)" "0:1.0.0:manual" "(installing foo=1.0.0 again downgrades it)"
run qtm "$R" hold foo
is "$status" 0 "hold foo succeeds"
grep -q "foo held" "$TMP/err"; ok $? "and says so"
run qtm "$R" -y upgrade
is "$status:$(state foo)" "0:1.0.0:manual" "upgrade leaves a held package at its version"
run qtm "$R" -y upgrade foo
is "$status:$(state foo)" "0:1.0.0:manual" "upgrade foo leaves it too"
grep -q "held" "$TMP/err" || { echo "# stderr:"; sed 's/^/#   /' "$TMP/err"; false; }
ok $? "and says that foo is held and is kept back (not just \"Nothing to do\")"
fails_with 3 'foo is held \(release it first with: qtm unhold foo\)' "removing a held package is refused (exit 3)" -- \
	qtm "$R" -y remove foo
is "$(state foo)" "1.0.0:manual" "and it stays installed"
fails_with 4 'nosuch is not installed' "hold of a package that is not installed fails (exit 4)" -- qtm "$R" hold nosuch
run qtm "$R" unhold foo
grep -q "foo released" "$TMP/err"; ok $? "unhold foo releases it"
run qtm "$R" -y upgrade foo
is "$status:$(state foo)" "0:2.0.0:manual" "and then it upgrades"

# ---- depends / rdepends / why -------------------------------------------------------------------
run qtm "$R" -y install top lone
ok $status "(the fixture: top requires mid requires data-b; lone stands alone)"
run qtm "$R" depends top
{ head -1 "$TMP/out" | grep -qx 'mid >= 1.0'; } && grep -Eqx ' +mid 1\.0\.0 \[installed\]' "$TMP/out"
ok $? "depends top: the requirement and the installed package satisfying it"
run qtm "$R" --json depends mid
is "$(json_get "$TMP/out" "[(d['requires'], sorted(set((s['name'], s['installed']) for s in d['satisfied_by']))) for d in j]")" \
	"[('data-b', [('data-b', True)])]" "depends --json: requires and satisfied_by (an installed version shows once, as installed)"
run qtm "$R" rdepends data-b
grep -Eqx 'mid 1\.0\.0( \[installed\])?' "$TMP/out" && ! grep -q top "$TMP/out"
ok $? "rdepends data-b: mid, and only what requires it directly"
run qtm "$R" rdepends --installed data-b
is "$(cat "$TMP/out")" "mid 1.0.0 [installed]" "rdepends --installed: the installed dependant only"
run qtm "$R" --json rdepends --installed mid
is "$(json_get "$TMP/out" "[(p['name'], p['version'], p['installed']) for p in j]")" "[('top', '1.0.0', True)]" \
	"rdepends --installed --json"
run qtm "$R" why data-b
is "$(cat "$TMP/out")" "top 1.0.0 was installed on request
top requires mid >= 1.0
mid requires data-b" "why data-b: the chain from what was installed on request"
run qtm "$R" --json why data-b
is "$(json_get "$TMP/out" "(j['name'], j['chain'])")" \
	"('data-b', ['top 1.0.0 was installed on request', 'top requires mid >= 1.0', 'mid requires data-b'])" "why --json"
run qtm "$R" why lone
is "$(cat "$TMP/out")" "lone 1.0.0 was installed on request" "why of a manual package"
fails_with 4 'nosuch is not installed' "why of a package that is not installed fails (exit 4)" -- qtm "$R" why nosuch

# ---- mark + autoremove --------------------------------------------------------------------------
run qtm "$R" mark auto top
grep -q "top marked auto" "$TMP/err"; ok $? "mark auto top"
run qtm "$R" why data-b
grep -q "nothing installed on request needs data-b" "$TMP/out"; ok $? "why says nothing on request needs data-b now"
run qtm "$R" autoremove -s
is "$(awk '{print $1 " " $2}' "$TMP/out")" "Remv top
Remv mid
Remv data-b" "autoremove -s: the unneeded auto packages, dependants first"
is "$(installed_names "$R")" "data-a data-b foo lone mid top" "the dry run removed nothing"
run qtm "$R" -y autoremove
is "$status:$(installed_names "$R")" "0:data-a foo lone" "autoremove removes them; data-a (auto, needed by foo) stays"
[ ! -e "$store/top" ] && [ ! -e "$store/mid" ] && [ ! -e "$store/data-b" ]; ok $? "with their store directories"
run qtm "$R" mark manual data-a
run qtm "$R" mark auto foo lone
run qtm "$R" --json autoremove -s
is "$(json_get "$TMP/out" "[s['name'] for s in j['steps']]")" "['foo', 'lone']" \
	"a manual dataset is kept, the auto models nothing needs are not"
run qtm "$R" mark manual foo lone
run qtm "$R" -y autoremove
grep -q "Nothing to do" "$TMP/err"; ok $? "with everything manual, autoremove has nothing to do"
fails_with 2 'auto or manual' "mark with a bad word is a usage error" -- qtm "$R" mark sometimes foo

# ---- verify, reinstall --------------------------------------------------------------------------
foo_dir=$(echo "$store"/foo/2.0.0-*)
run qtm "$R" verify
is "$status" 0 "verify: a fresh install is clean"
grep -q "files checked, all as installed" "$TMP/err"; ok $? "and says so"
sed -i 's/trained/TRAINED/' "$foo_dir/model.txt"
run qtm "$R" verify
is "$status:$(cat "$TMP/out")" "6:foo: model.txt: modified" "a file changed in place (same size): exit 6, listed as modified"
run qtm "$R" -y reinstall foo
is "$status" 0 "reinstall foo repairs it"
grep -q "Reusing the artifact" "$TMP/err" && ! grep -q "Trained foo" "$TMP/err"
ok $? "from the artifact cache, without training again"
is "$(cat "$foo_dir/model.txt"):$(state foo)" "trained 2.0.0:2.0.0:manual" "the file is back; version and reason unchanged"
run qtm "$R" verify
is "$status" 0 "verify is clean afterwards"
rm "$(echo "$store"/data-a/1.0.0-*)/data.txt"
echo extra >"$(echo "$store"/lone/1.0.0-*)/extra.txt"
run qtm "$R" verify
is "$status:$(sort "$TMP/out")" "6:data-a: data.txt: missing
lone: extra.txt: unexpected file" "a deleted file is missing, an added one unexpected"
run qtm "$R" --json verify
is "$status:$(json_get "$TMP/out" "(j['files_checked'], sorted((p['package'], p['path'], p['problem']) for p in j['problems']))")" \
	"6:(3, [('data-a', 'data.txt', 'missing'), ('lone', 'extra.txt', 'unexpected file')])" "verify --json"
run qtm "$R" --json verify foo
is "$status:$(json_get "$TMP/out" "(j['files_checked'], j['problems'])")" "0:(1, [])" "verify NAME checks that package only"
run qtm "$R" -y reinstall data-a lone
run qtm "$R" verify
is "$status" 0 "reinstalling them repairs both (the extra file is gone)"
fails_with 4 'top is not installed' "reinstall of a package that is not installed fails (exit 4)" -- qtm "$R" -y reinstall top

# ---- clean --------------------------------------------------------------------------------------
run qtm "$R" --json clean
freed=$(json_get "$TMP/out" "j['freed_bytes']")
[ "$status" -eq 0 ] && [ "$freed" -gt 0 ]; ok $? "clean --json reports the bytes freed ($freed)"
[ ! -e "$cache/pool" ] && [ ! -e "$cache/datasets" ]; ok $? "the downloads are gone"
run qtm "$R" -y reinstall data-a foo
ok $status "a reinstall after clean still works"
grep -q "fetched data-a/data.txt" "$TMP/err" && grep -q "fetched foo" "$TMP/err"; ok $? "by fetching again"
run qtm "$R" verify
is "$status" 0 "and verify is clean"

# ---- install --download-only --------------------------------------------------------------------
tx_before=$(db_query "$R" "SELECT COUNT(*) FROM transactions")
run qtm "$R" -y install --download-only top
ok $status "install --download-only top succeeds"
is "$(installed_names "$R")" "data-a foo lone" "and installs nothing"
[ ! -e "$store/top" ] && [ ! -e "$store/mid" ] && [ ! -e "$store/data-b" ]; ok $? "nothing in the store"
[ -f "$cache/pool/top_1.0.0.tar.zst" ] && [ -f "$cache/pool/mid_1.0.0.tar.zst" ] && [ -f "$cache/datasets/data-b/1.0.0/data.txt" ]
ok $? "the module sources and the dataset are in the cache"
is "$(db_query "$R" "SELECT COUNT(*) FROM transactions")" "$tx_before" "and the history has no new transaction"

# -j/--jobs takes a number of trainings from 1 or auto; anything else is a usage error that
# names the value, and nothing is done.
tx_before=$(db_query "$R" "SELECT COUNT(*) FROM transactions")
for bad in 0 x -3; do
	fails_with 2 "\"$bad\" is not a number of trainings" "install -j $bad is a usage error naming the value" -- \
		qtm "$R" -y install -j "$bad" top
done
fails_with 2 "jobs" "install --jobs without a value is a usage error" -- qtm "$R" -y install --jobs
is "$(db_query "$R" "SELECT COUNT(*) FROM transactions")" "$tx_before" "and none of them made a transaction"

done_testing
