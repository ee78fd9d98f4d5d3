#!/bin/sh
# versions.sh - one repository offering several versions of a name: qtm-repo build takes them
# (models and datasets) and refuses one NAME=VERSION twice; the client installs the newest,
# an older one on request (a downgrade when a newer one is installed), and lists them all.
. "$(dirname "$0")/lib.sh"
plan 18

# version_module DIR NAME KIND VERSION: make_module at another version than 1.0.0.
version_module() {
	make_module "$1" "$2" "$3"
	sed -i "s/\"version\":\"1.0.0\"/\"version\":\"$4\"/" "$1/module.json"
}

M=$TMP/m
for v in 1.0.0 1.1.0 2.0.0; do version_module "$M/model-a-$v" model-a model "$v"; done
for v in 1.0.0 3.0.0; do version_module "$M/data-d-$v" data-d dataset "$v"; done
version_module "$M/epoch" model-a model 1:0.1
make_module "$M/user" user model ',"requires":["model-a<2.0.0"]'
build_repo "$TMP/repo" "$M"

# ---- qtm-repo build --------------------------------------------------------------------------
is "$(index_json "$TMP/repo" | /usr/bin/python3 -c '
import json, sys
index = json.load(sys.stdin)
print(" ".join(sorted(p["name"] + "=" + p["version"] for p in index["packages"])))')" \
	"data-d=1.0.0 data-d=3.0.0 model-a=1.0.0 model-a=1.1.0 model-a=1:0.1 model-a=2.0.0 user=1.0.0" \
	"build: the index lists every version of each name"
is "$(cd "$TMP/repo" && ls datasets/data-d pool | tr '\n' ' ')" \
	"datasets/data-d: 1.0.0 3.0.0  pool: model-a_1.0.0.tar.zst model-a_1.1.0.tar.zst model-a_1:0.1.tar.zst model-a_2.0.0.tar.zst user_1.0.0.tar.zst " \
	"build: one pool file and one dataset folder per version"

version_module "$TMP/dup/one" model-a model 1.1.0
version_module "$TMP/dup/two" model-a model 1.1.0
echo other >>"$TMP/dup/two/train.sh"
fails_with 1 "$TMP/dup/one and $TMP/dup/two both define model-a=1.1.0" \
	"build refuses one NAME=VERSION twice, naming both folders" -- \
	"$QTM_REPO_TOOL" build --name test --key "$(test_key).key" -o "$TMP/dup-repo" "$TMP/dup"
version_module "$TMP/dupd/one" data-d dataset 3.0.0
fails_with 1 "$M/model-a-1.1.0 and $TMP/dup/one both define model-a=1.1.0" \
	"also across the source folders given" -- \
	"$QTM_REPO_TOOL" build --name test --key "$(test_key).key" -o "$TMP/dup-repo" "$M" "$TMP/dup/one"
fails_with 1 "$M/data-d-3.0.0 and $TMP/dupd/one both define data-d=3.0.0" \
	"and for datasets" -- \
	"$QTM_REPO_TOOL" build --name test --key "$(test_key).key" -o "$TMP/dup-repo" "$M" "$TMP/dupd/one"
[ ! -e "$TMP/dup-repo/release.json" ]; ok $? "a refused build publishes no release"

# ---- the client: the highest version that fits, an older one on request -------------------------
R=$TMP/root
use_source "$R" t "$TMP/repo"
steps() { json_get "$TMP/out" "' '.join(s['action'] + ':' + s['name'] + '=' + s['version'] + ':' + s.get('downgrade_from', '-') for s in j['steps'])"; }
run qtm "$R" --json install -s model-a data-d
is "$(steps)" "install:model-a=1:0.1:- install:data-d=3.0.0:-" "install takes the highest version (the epoch wins over 2.0.0)"
run qtm "$R" --json install -s user
is "$(steps)" "install:model-a=1.1.0:- install:user=1.0.0:-" "and the highest that fits a requirement (model-a<2.0.0)"
run qtm "$R" --json install -s model-a=1.0.0 data-d=1.0.0
is "$(steps)" "install:model-a=1.0.0:- install:data-d=1.0.0:-" "NAME=VERSION asks for an older version"
run qtm "$R" -y install model-a data-d
ok $status "install the newest model-a and data-d"
run qtm "$R" --json install -s model-a=2.0.0 data-d=1.0.0
is "$(steps)" "install:model-a=2.0.0:1:0.1 install:data-d=1.0.0:3.0.0" "an older version than the installed one is a downgrade in the plan (--json)"
run qtm "$R" install -s model-a=2.0.0
grep -Eq '^Inst model-a +2\.0\.0 +model +\[requested\] DOWNGRADE from 1:0\.1$' "$TMP/out"; ok $? "and in text"
run qtm "$R" -y install model-a=1.1.0 data-d=1.0.0
is "$status:$(qtm "$R" --json list --installed | json_get /dev/stdin "' '.join(sorted(p['name'] + '=' + p['installed_version'] for p in j))")" \
	"0:data-d=1.0.0 model-a=1.1.0" "the downgrade installs the older versions in place of the newer"
run qtm "$R" --json upgrade -s
is "$(steps)" "install:data-d=3.0.0:- install:model-a=1:0.1:-" "and an upgrade offers the newest again"

# ---- qtm list --all-versions ---------------------------------------------------------------------
version_module "$TMP/o/model-a" model-a model 1.1.0
build_repo "$TMP/repo-o" "$TMP/o"
use_source "$R" o "$TMP/repo-o"
run qtm "$R" --json list --all-versions
is "$status:$(json_get "$TMP/out" "' '.join('%s=%s@%s%s' % (p['name'], p['version'], p.get('source', '-'), '*' if p['installed'] else '') for p in j)")" \
	"0:data-d=3.0.0@t data-d=1.0.0@t* model-a=1:0.1@t model-a=2.0.0@t model-a=1.1.0@t* model-a=1.1.0@o model-a=1.0.0@t user=1.0.0@t" \
	"list --all-versions --json: every version, newest first, each source, the installed one marked"
run qtm "$R" list --all-versions
grep -Eq '^model-a +1\.1\.0 +model +t +\[installed\] +test model$' "$TMP/out" &&
	grep -Eq '^model-a +1\.1\.0 +model +o +test model$' "$TMP/out" &&
	is "$(awk '{print $1 "=" $2}' "$TMP/out" | tr '\n' ' ')" \
	"data-d=3.0.0 data-d=1.0.0 model-a=1:0.1 model-a=2.0.0 model-a=1.1.0 model-a=1.1.0 model-a=1.0.0 user=1.0.0 " \
	"list --all-versions in text: a line per version and source, with the source" || ok 1 "list --all-versions in text"
run qtm "$R" --json list
is "$(json_get "$TMP/out" "' '.join(p['name'] + '=' + p['version'] for p in j)")" "data-d=3.0.0 model-a=1:0.1 user=1.0.0" \
	"plain list still shows the newest version only"
run qtm "$R" source remove t
run qtm "$R" --json list --all-versions
is "$status:$(json_get "$TMP/out" "' '.join('%s=%s@%s%s' % (p['name'], p['version'], p.get('source', '-'), '*' if p['installed'] else '') for p in j)")" \
	"0:data-d=1.0.0@-* model-a=1.1.0@o*" \
	"without the source it came from: another source's same version is marked, and a version no source offers is listed without one"

done_testing
