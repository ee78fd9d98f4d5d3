#!/bin/sh
# versions.sh - one repository offering several versions of a name: qtm-repo build takes them
# (models and datasets) and refuses one NAME=VERSION twice; the client installs the newest,
# an older one on request (a downgrade when a newer one is installed), and lists them all.
. "$(dirname "$0")/lib.sh"
plan 6

# version_module DIR NAME KIND VERSION: make_module at another version than 1.0.0.
version_module() {
	make_module "$1" "$2" "$3"
	sed -i "s/\"version\":\"1.0.0\"/\"version\":\"$4\"/" "$1/module.json"
}

M=$TMP/m
for v in 1.0.0 1.1.0 2.0.0; do version_module "$M/model-a-$v" model-a model "$v"; done
for v in 1.0.0 3.0.0; do version_module "$M/data-d-$v" data-d dataset "$v"; done
version_module "$M/epoch" model-a model 1:0.1
build_repo "$TMP/repo" "$M"

# ---- qtm-repo build --------------------------------------------------------------------------
is "$(/usr/bin/python3 -c '
import gzip, json, sys
index = json.load(gzip.open(sys.argv[1]))
print(" ".join(sorted(p["name"] + "=" + p["version"] for p in index["packages"])))' "$TMP/repo/index.json.gz")" \
	"data-d=1.0.0 data-d=3.0.0 model-a=1.0.0 model-a=1.1.0 model-a=1:0.1 model-a=2.0.0" \
	"build: the index lists every version of each name"
is "$(cd "$TMP/repo" && ls datasets/data-d pool | tr '\n' ' ')" \
	"datasets/data-d: 1.0.0 3.0.0  pool: model-a_1.0.0.tar.zst model-a_1.1.0.tar.zst model-a_1:0.1.tar.zst model-a_2.0.0.tar.zst " \
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

done_testing
