#!/bin/sh
# bad-repo.sh - broken repository inputs: module.json files qtm-repo must reject (naming the file
# and the field or line), and published indexes qtm update must reject (naming the index and the
# problem) while keeping the last good one.
. "$(dirname "$0")/lib.sh"
plan 27

M=$TMP/mods

# repo_build_fails DIR REGEX DESCRIPTION [STATUS]: qtm-repo build of DIR fails (exit STATUS, by
# default 1), saying REGEX.
repo_build_fails() {
	fails_with "${4:-1}" "$2" "$3" -- "$QTM_REPO_TOOL" build -o "$TMP/out-$(basename "$1")" "$1"
	[ ! -e "$TMP/out-$(basename "$1")/index" ] && [ ! -e "$TMP/out-$(basename "$1")/release.json" ]
	ok $? "  and writes no index"
}

make_module "$M/syntax" syntax dataset
printf '{"format": 1,\n "name": "syntax",\n "version": "1.0.0",,\n "kind": "dataset"}\n' >"$M/syntax/module.json"
repo_build_fails "$M/syntax" "$M/syntax/module.json: malformed JSON near line 3" \
	"a JSON syntax error names the file and the line"

# A NUL would cut "nul\u0000x" to the valid name "nul"; bytes that are not UTF-8 would reach
# every JSON reader downstream.
make_module "$M/nul" nul dataset
sed -i 's/"name":"nul"/"name":"nul\\u0000x"/' "$M/nul/module.json"
repo_build_fails "$M/nul" "$M/nul/module.json: a string holds a NUL character" \
	"a NUL (\\u0000) in a module.json string names the file"
make_module "$M/latin" latin dataset
sed -i 's/"name":"latin"/"name":"latin","summary":"caf\xe9"/' "$M/latin/module.json"
repo_build_fails "$M/latin" "$M/latin/module.json: not valid UTF-8" \
	"a module.json that is not UTF-8 names the file"
# An escape sequence in a summary would act on every terminal that lists the repository.
make_module "$M/esc" esc dataset
sed -i 's/"summary":"test data"/"summary":"evil \\u001b[2J"/' "$M/esc/module.json"
repo_build_fails "$M/esc" "$M/esc/module.json: field \"summary\" holds a control character" \
	"an escape sequence (\\u001b) in a module.json summary names the file and field"
make_module "$M/cr" cr dataset
sed -i 's/"summary":"test data"/"summary":"test data","description":"line one\\nline\ttwo\\roverwritten"/' "$M/cr/module.json"
repo_build_fails "$M/cr" "$M/cr/module.json: field \"description\" holds a control character" \
	"a CR in a description is refused (tab and newline are allowed in it)"

make_module "$M/vnum" vnum dataset
sed -i 's/"version":"1.0.0"/"version":1/' "$M/vnum/module.json"
repo_build_fails "$M/vnum" "$M/vnum/module.json: field \"version\": expected a string" \
	"a number where a string belongs names the file and the field"

make_module "$M/kind" kind dataset
sed -i 's/"kind":"dataset"/"kind":"weights"/' "$M/kind/module.json"
repo_build_fails "$M/kind" "$M/kind/module.json: field \"kind\": \"weights\" is not one of model, dataset" \
	"an unknown kind names the file, the field and the allowed values"

make_module "$M/nofiles" nofiles dataset
sed -i 's/"files":\[{"name":"data.txt"}\]/"files":[]/' "$M/nofiles/module.json"
repo_build_fails "$M/nofiles" "$M/nofiles/module.json: field \"files\": a dataset needs a non-empty array of files" \
	"a dataset without files is rejected, naming the file and the field"

make_module "$M/absent" absent dataset
rm "$M/absent/data.txt"
repo_build_fails "$M/absent" "$M/absent/data.txt" "a dataset file that is not there is named (exit 4: not found)" 4

# A good repository, published and fetched, then broken in several ways.
mkdir -p "$TMP/good"
make_module "$TMP/good/data-a" data-a dataset
make_module "$TMP/good/model-a" model-a model ',"requires":["data-a"]'
build_repo "$TMP/repo" "$TMP/good"
cp -r "$TMP/repo" "$TMP/pristine"
R=$TMP/root
use_source "$R" t "$TMP/repo"

# republish: gzip stdin as the index's one piece (these two names share one bucket), then make
# release.json name its sha256 and size.
republish() {
	gzip -n >"$TMP/piece.gz"
	/usr/bin/python3 - "$TMP/repo" "$TMP/piece.gz" <<'PY'
import hashlib, json, os, sys
repo, piece = sys.argv[1], sys.argv[2]
data = open(piece, "rb").read()
sha = hashlib.sha256(data).hexdigest()
os.rename(piece, os.path.join(repo, "index", sha + ".json.gz"))
path = os.path.join(repo, "release.json")
rel = json.load(open(path))
rel["index"]["newest"] = [{"bucket": 0, "sha256": sha, "size": len(data)}]
rel["version"] += 1
json.dump(rel, open(path, "w"))
PY
	resign "$TMP/repo"
}
PIECE=index/$(json_get "$TMP/pristine/release.json" "j['index']['newest'][0]['sha256']").json.gz

# edit_index PYTHON: republishes the pristine piece after running PYTHON over its JSON j.
edit_index() {
	gzip -dc "$TMP/pristine/$PIECE" |
		/usr/bin/python3 -c "import json, sys; j = json.load(sys.stdin); $1; print(json.dumps(j))" | republish
}

printf '{"format": 2, "bucket": 0, "older": false, "packages": [{"name":\n' | republish
fails_with 1 "malformed JSON near line 1" "an index that is not valid JSON fails the update, saying so" -- \
	qtm "$R" update
# The message must point at the index as published, not at a temporary file qtm deleted.
grep -Eq "(file://$TMP/repo/index/[0-9a-f]{64}\.json\.gz|t index).*malformed JSON" "$TMP/err"
st=$?
[ $st -eq 0 ] || sed 's/^/#   /' "$TMP/err"
ok $st "and names the source's index"
run qtm "$R" --json list --available
is "$(json_get "$TMP/out" "' '.join(sorted(p['name'] for p in j))")" "data-a model-a" \
	"the last good index stays in use"

edit_index "del j['packages'][1]['summary']"
fails_with 1 'packages\[1\]: field "summary": missing' \
	"an index entry missing a required field names packages[N] and the field" -- qtm "$R" update
edit_index "del j['packages'][0]['files'][0]['sha256']"
fails_with 1 'packages\[0\]: files\[0\]: field "sha256": missing' \
	"a nested field missing is named by its path, outermost first" -- qtm "$R" update
edit_index "j['packages'][1]['source']['size'] = 'big'"
fails_with 1 'packages\[1\].*"size": expected an integer' \
	"a field of the wrong type in an index entry is named" -- qtm "$R" update

# A piece whose bytes do not match what release.json says: the release names a sha256 (of
# zeros) that the file served under that name does not have.
cp "$TMP/pristine/release.json" "$TMP/repo/release.json"
cp "$TMP/pristine/$PIECE" "$TMP/repo/index/$(printf '0%.0s' $(seq 64)).json.gz"
/usr/bin/python3 - "$TMP/repo/release.json" <<'PY'
import json, sys
rel = json.load(open(sys.argv[1]))
rel["index"]["newest"][0]["sha256"] = "0" * 64
rel["version"] += 10
json.dump(rel, open(sys.argv[1], "w"))
PY
resign "$TMP/repo"
fails_with 6 "sha256 mismatch for file://$TMP/repo/index/0{64}\.json\.gz" \
	"an index whose sha256 differs from the release fails (exit 6), naming it" -- qtm "$R" update
printf '{"format": 2, "bucket": 0, "older": false, "packages": []}' | gzip -n >"$TMP/repo/index/$(printf '0%.0s' $(seq 64)).json.gz"
fails_with 6 "json.gz has [0-9]+ bytes, the index says" \
	"an index whose size differs from the release fails (exit 6)" -- qtm "$R" update

run qtm "$R" --json list --available
is "$(json_get "$TMP/out" "' '.join(sorted(p['name'] for p in j))")" "data-a model-a" \
	"after all the failed updates the last good index is still used"

done_testing
