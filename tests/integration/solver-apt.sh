#!/bin/sh
# solver-apt.sh - the solver behaviour known from apt, as the front end prints and asks it: an
# install that removes a conflicting package (REMOVED, asked, -s, --json), an upgrade that keeps
# a package back and says why, full-upgrade that removes what is in the way, a replacement of a
# name no source carries any more (and its history), a virtual name, remove --auto-remove.
. "$(dirname "$0")/lib.sh"
plan 41

# version_module DIR NAME KIND VERSION [EXTRA_JSON]: make_module at another version than 1.0.0.
version_module() {
	make_module "$1" "$2" "$3" "${5:-}"
	sed -i "s/\"version\":\"1.0.0\"/\"version\":\"$4\"/" "$1/module.json"
}

M=$TMP/m
make_module "$M/slow-seg" slow-seg model
make_module "$M/seg-viewer" seg-viewer model ',"requires":["slow-seg"]'
make_module "$M/fast-seg" fast-seg model ',"conflicts":["slow-seg"]'
make_module "$M/legacy-cls" legacy-cls model
make_module "$M/det-1" det model
version_module "$M/det-2" det model 2.0.0 ',"conflicts":["legacy-cls"]'
make_module "$M/lidar-extractor" lidar-extractor model ',"provides":["lidar-features = 2"]'
make_module "$M/seg-a" seg-a model ',"provides":["segmenter"]'
make_module "$M/seg-b" seg-b model ',"provides":["segmenter"]'
make_module "$M/data-roads" data-roads dataset
make_module "$M/road" road model ',"requires":["data-roads"]'
build_repo "$TMP/repo" "$M"
make_module "$TMP/old/roadseg-legacy" roadseg-legacy model
build_repo "$TMP/old-repo" "$TMP/old"
make_module "$TMP/new/road-seg" road-seg model ',"replaces":["roadseg-legacy"],"provides":["roadseg-legacy"]'
build_repo "$TMP/new-repo" "$TMP/new"
R=$TMP/root
use_source "$R" t "$TMP/repo"

# hist_last PYTHON-EXPR: an expression over the newest transaction t of the JSON history.
hist_last() {
	"$QTM" --root "$R" --json history >"$TMP/hist.json" 2>/dev/null || { echo "(history failed)"; return; }
	json_get "$TMP/hist.json" "(lambda t: $1)(j[0])"
}

# ---- an install that conflicts with an installed package -------------------------------------
run qtm "$R" -y install seg-viewer
is "$status:$(installed_names "$R")" "0:seg-viewer slow-seg" "(the fixture: seg-viewer and the slow-seg it requires)"
run qtm "$R" install -s fast-seg
ok $status "install -s of a package that conflicts with an installed one succeeds"
grep -Eq '^Inst +fast-seg' "$TMP/out" && grep -Eq '^Remv +seg-viewer' "$TMP/out" && grep -Eq '^Remv +slow-seg' "$TMP/out"
ok $? "and plans installing it and removing the conflicting package and what requires it"
sed -n '/^The following packages will be REMOVED:$/,$p' "$TMP/out" >"$TMP/removed"
is "$(sed 1d "$TMP/removed" | tr '\n' ';')" "  seg-viewer 1.0.0;  slow-seg 1.0.0;" "it lists them under \"The following packages will be REMOVED:\""
[ "$(grep -n '^Inst' "$TMP/out" | cut -d: -f1)" -lt "$(grep -n '^Remv' "$TMP/out" | head -1 | cut -d: -f1)" ]
ok $? "the install comes before the removals"
run qtm "$R" --json install -s fast-seg
is "$(json_get "$TMP/out" "' '.join(s['action'] + ':' + s['name'] for s in j['steps'])")" \
	"install:fast-seg remove:seg-viewer remove:slow-seg" "--json install -s shows the removals as steps"
fails_with 8 'pass -y' "without -y and without a terminal the install is refused (exit 8)" -- \
	qtm "$R" install fast-seg </dev/null
is "$(installed_names "$R")" "seg-viewer slow-seg" "and nothing is removed"
run qtm "$R" -y install fast-seg
is "$status:$(installed_names "$R")" "0:fast-seg" "with -y the conflicting packages make way"
is "$(hist_last "' '.join(i['action'] + ':' + i['name'] for i in t['items'])")" \
	"install:fast-seg remove:seg-viewer remove:slow-seg" "the history records the install and both removals"
run qtm "$R" history -s undo "$(hist_last "t['id']")"
is "$status:$(grep -Ec '^Remv +fast-seg' "$TMP/out"):$(grep -Ec '^Inst +(slow-seg|seg-viewer) ' "$TMP/out")" "0:1:2" \
	"history -s undo of it removes fast-seg once and brings both back"
run qtm "$R" -y hold fast-seg
fails_with 4 'fast-seg-1.0.0.all conflicts with slow-seg' "a held package is never removed to make way (exit 4)" -- \
	qtm "$R" -y install slow-seg
grep -q 'way out 1: release the hold: qtm unhold fast-seg;' "$TMP/err"; ok $? "the way out is releasing the hold"
is "$(installed_names "$R")" "fast-seg" "and nothing changed"
run qtm "$R" -y unhold fast-seg

# ---- upgrade keeps back, full-upgrade removes what is in the way -----------------------------
run qtm "$R" -y install det=1.0.0 legacy-cls
is "$status:$(installed_names "$R")" "0:det fast-seg legacy-cls" "(the fixture: det 1.0.0 and legacy-cls, which det 2.0.0 conflicts with)"
run qtm "$R" upgrade -s
ok $status "upgrade -s succeeds"
is "$(sed -n '/^The following packages have been kept back:$/{n;p}' "$TMP/out")" \
	"  det 1.0.0 (det 2.0.0 is available, but it would remove legacy-cls 1.0.0)" "and says det is kept back, and why"
grep -q 'qtm full-upgrade' "$TMP/err"; ok $? "pointing at full-upgrade"
run qtm "$R" --json upgrade -s
is "$(json_get "$TMP/out" "[(k['name'], k['version'], k['to_version'], k['why']) for k in j['kept_back']]")" \
	"[('det', '1.0.0', '2.0.0', 'it would remove legacy-cls 1.0.0')]" "--json upgrade -s lists it in kept_back"
run qtm "$R" -y upgrade
is "$status:$(qtm "$R" --json list --installed | json_get /dev/stdin "[p['version'] for p in j if p['name'] == 'det']")" \
	"0:['1.0.0']" "upgrade leaves det at 1.0.0"
run qtm "$R" full-upgrade -s
grep -Eq '^Inst +det +2\.0\.0' "$TMP/out" && grep -Eq '^Remv +legacy-cls' "$TMP/out" && grep -qx '  legacy-cls 1.0.0' "$TMP/out"
ok $? "full-upgrade -s moves det to 2.0.0 and lists legacy-cls as REMOVED"
fails_with 8 'pass -y' "full-upgrade without -y and without a terminal is refused (exit 8)" -- qtm "$R" full-upgrade </dev/null
run qtm "$R" -y full-upgrade
is "$status:$(installed_names "$R")" "0:det fast-seg" "with -y legacy-cls is removed and det upgraded"
fails_with 4 'nosuch is not installed' "full-upgrade of a name that is not installed fails (exit 4)" -- \
	qtm "$R" -y full-upgrade nosuch

# ---- a replacement for a name no source carries any more -------------------------------------
use_source "$R" old "$TMP/old-repo"
run qtm "$R" -y install roadseg-legacy
run qtm "$R" source remove old
use_source "$R" new "$TMP/new-repo"
run qtm "$R" upgrade -s
grep -Eq '^Inst +road-seg +1\.0\.0 .* replaces roadseg-legacy$' "$TMP/out" && grep -Eq '^Remv +roadseg-legacy' "$TMP/out"
ok $? "upgrade -s replaces roadseg-legacy, which no source carries, by road-seg that replaces it"
run qtm "$R" --json upgrade -s
is "$(json_get "$TMP/out" "[(s['action'], s['name'], s.get('replaces')) for s in j['steps']]")" \
	"[('install', 'road-seg', 'roadseg-legacy'), ('remove', 'roadseg-legacy', None)]" "--json says which install replaces what"
run qtm "$R" -y upgrade
is "$status:$(installed_names "$R")" "0:det fast-seg road-seg" "upgrade -y makes the replacement"
tx=$(hist_last "t['id']")
run qtm "$R" history info "$tx"
grep -Eq '^ +install +road-seg +1\.0\.0 \(replaces roadseg-legacy\)$' "$TMP/out" && grep -Eq '^ +remove +roadseg-legacy' "$TMP/out"
ok $? "history info says road-seg replaces roadseg-legacy"
is "$(hist_last "[i.get('replaces') for i in t['items']]")" "['roadseg-legacy', None]" "and so does --json history"
make_module "$TMP/bad/self" self-rep model ',"replaces":["self-rep < 2"]'
fails_with 1 'field "replaces": "self-rep < 2" is the package itself' "a module that replaces itself is refused by qtm-repo build" -- \
	"$QTM_REPO_TOOL" build --name test --key "$(test_key).key" -o "$TMP/bad-repo" "$TMP/bad"
make_module "$TMP/bad2/odd" odd-rep model ',"replaces":["x >> 1"]'
fails_with 1 'field "replaces": invalid requirement' "so is a replaces entry that is not a requirement" -- \
	"$QTM_REPO_TOOL" build --name test --key "$(test_key).key" -o "$TMP/bad-repo" "$TMP/bad2"

# ---- a virtual name --------------------------------------------------------------------------
run qtm "$R" install -s lidar-features
grep -qx "Note, selecting 'lidar-extractor' instead of 'lidar-features'" "$TMP/out" && grep -Eq '^Inst +lidar-extractor .*\[requested\]' "$TMP/out"
ok $? "install -s of a virtual name with one provider selects it, and says so"
run qtm "$R" --json install -s lidar-features
is "$(json_get "$TMP/out" "j['notes']")" "[\"Note, selecting 'lidar-extractor' instead of 'lidar-features'\"]" "--json carries the note"
run qtm "$R" -y install lidar-features
is "$status:$(qtm "$R" --json list --installed | json_get /dev/stdin "[p['reason'] for p in j if p['name'] == 'lidar-extractor']")" \
	"0:['manual']" "install installs the provider, as requested"
run qtm "$R" install -s --param seed=2 lidar-features
is "$status:$(grep -Ec '^Inst +lidar-extractor ' "$TMP/out")" "0:1" "--param applies to the provider of a virtual name (a rebuild)"
fails_with 4 'segmenter is a virtual name that several packages provide: seg-a, seg-b' \
	"a virtual name with several providers fails, listing them (exit 4)" -- qtm "$R" install -s segmenter
fails_with 4 'no package provides lidar-features >= 3 in that version' \
	"a virtual name in a version no provider has fails (exit 4)" -- qtm "$R" install -s 'lidar-features>=3'

# ---- remove --auto-remove --------------------------------------------------------------------
run qtm "$R" -y install road
run qtm "$R" remove -s road
is "$(grep -c '^Remv' "$TMP/out")" 1 "remove -s road removes road alone"
run qtm "$R" remove -s --auto-remove road
grep -Eq '^Remv +road ' "$TMP/out" && grep -Eq '^Remv +data-roads ' "$TMP/out"
ok $? "remove -s --auto-remove road also removes data-roads, which only road needed"
run qtm "$R" -y remove --auto-remove road
is "$status:$(installed_names "$R")" "0:det fast-seg lidar-extractor road-seg" "remove --auto-remove removes both"
fails_with 2 'name at least one package' "remove --auto-remove without a name is a usage error (exit 2)" -- \
	qtm "$R" -y remove --auto-remove

done_testing
