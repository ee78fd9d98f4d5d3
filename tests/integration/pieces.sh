#!/bin/sh
# pieces.sh - the split (format 2) index from the client's side: a first update fetches every
# piece, a later one only the pieces a release changed, an older version is loaded only when
# asked for, a damaged cache mends itself, and a client that holds an earlier release refuses a
# stale piece, a piece of another release, a missing piece and one larger than declared,
# keeping what it had.
. "$(dirname "$0")/lib.sh"
plan 30

SPLIT=$top_srcdir/tests/bench/split-index.py
M=$TMP/m
# version_module DIR NAME KIND VERSION: make_module at another version than 1.0.0.
version_module() {
	make_module "$1" "$2" "$3"
	sed -i "s/\"version\":\"1.0.0\"/\"version\":\"$4\"/" "$1/module.json"
}
for n in a b c d e f g h; do make_module "$M/model-$n" "model-$n" model; done
make_module "$M/data-x" data-x dataset
make_module "$M/uses-x" uses-x model ',"requires":["data-x"]'

# publish N: builds release N of $M into $TMP/repo (four buckets) and signs it; each release
# is kept as $TMP/rel-N for the attacks below.
publish() {
	rm -rf "$TMP/repo"
	"$QTM_REPO_TOOL" build --name test --release "$1" -o "$TMP/repo" "$M" >"$TMP/build.log" 2>&1 &&
		/usr/bin/python3 "$SPLIT" "$TMP/repo" 4 >>"$TMP/build.log" 2>&1 ||
		{ echo "Bail out! publish $1: $(cat "$TMP/build.log")"; exit 1; }
	resign "$TMP/repo"
	rm -rf "$TMP/rel-$1" && cp -R "$TMP/repo" "$TMP/rel-$1"
}
pieces() { json_get "$TMP/out" "'%d/%d' % (j[0].get('pieces_fetched', 0), j[0].get('pieces', 0))"; }
available() { "$QTM" --root "$R" --json list --all-versions 2>/dev/null | /usr/bin/python3 -c \
	"import json, sys; print(' '.join(sorted(p['name'] + '=' + p['version'] for p in json.load(sys.stdin))))"; }
steps() { json_get "$TMP/out" "' '.join(s['name'] + '=' + s['version'] for s in j['steps'])"; }

# ---- a first update, then one that fetches what changed ----------------------------------------
publish 1
n1=$(json_get "$TMP/repo/release.json" "len(j['index']['newest']) + len(j['index']['older'])")
R=$TMP/root
"$QTM" --root "$R" source add --key "$(test_key).pub" t "$TMP/repo" >/dev/null 2>&1
run qtm "$R" --json update
is "$status $(pieces)" "0 $n1/$n1" "a first update fetches every piece of the release"
run qtm "$R" --json install -s model-a
is "$(steps)" "model-a=1.0.0" "and the client installs from it"

version_module "$M/model-a-0.9" model-a model 0.9.0
publish 2
run qtm "$R" --json update
is "$status $(pieces)" "0 1/$((n1 + 1))" "after an added older version, an update fetches one piece"
run qtm "$R" update
grep -q "release 2: up to date" "$TMP/out"; ok $? "the next update fetches nothing"
run qtm "$R" --json install -s model-a
is "$(steps)" "model-a=1.0.0" "install takes the newest version"
run qtm "$R" --json install -s model-a=0.9.0
is "$(steps)" "model-a=0.9.0" "and an older one on request (loaded only then)"

version_module "$M/model-a-2.0" model-a model 2.0.0
publish 3
run qtm "$R" update
grep -Eq "release 3: [12] of [0-9]+ index pieces fetched and verified" "$TMP/out"; ok $? "a new newest version: one or two pieces fetched"
is "$(json_get "$TMP/repo/release.json" "len(j['index']['newest'])")" \
	"$(ls "$R"/var/cache/qtm/sources/t/pieces | grep -c . | xargs expr -$(json_get "$TMP/repo/release.json" "len(j['index']['older'])") +)" \
	"the cache holds exactly the pieces of the current release"
is "$(available)" "data-x=1.0.0 model-a=0.9.0 model-a=1.0.0 model-a=2.0.0 model-b=1.0.0 model-c=1.0.0 model-d=1.0.0 model-e=1.0.0 model-f=1.0.0 model-g=1.0.0 model-h=1.0.0 uses-x=1.0.0" \
	"list --all-versions shows every version of release 3"

# ---- a damaged cache mends itself -------------------------------------------------------------
rm "$R"/var/cache/qtm/sources/t/groups/newest-*.solv
run qtm "$R" --json install -s uses-x
is "$status $(steps)" "0 data-x=1.0.0 uses-x=1.0.0" "without its group files the client rebuilds them from the pieces"
rm "$R"/var/cache/qtm/sources/t/pieces/*.solv
run qtm "$R" --json install -s model-a
is "$status $(steps)" "0 model-a=2.0.0" "without its pieces it fetches them again"
rm -rf "$R"/var/cache/qtm/sources/t
run qtm "$R" --json update
is "$status $(pieces)" "0 $(json_get "$TMP/repo/release.json" "len(j['index']['newest']) + len(j['index']['older'])")/$(json_get "$TMP/repo/release.json" "len(j['index']['newest']) + len(j['index']['older'])")" \
	"a client without a cache gets the full index"
R2=$TMP/fresh
"$QTM" --root "$R2" source add --key "$(test_key).pub" t "$TMP/repo" >/dev/null 2>&1
run qtm "$R2" --json install -s model-a
is "$status $(steps)" "0 model-a=2.0.0" "so does a new client, three releases late"

# ---- attacks on the incremental path: the client holds release 3 -------------------------------
before=$(available)
version_module "$M/model-b-1.5" model-b model 1.5.0
publish 4
# changed_piece: the path of a piece that release 4 names and release 3 does not.
changed_piece() {
	/usr/bin/python3 - "$TMP/rel-3/release.json" "$TMP/repo/release.json" <<'PY'
import json, sys
old, new = (json.load(open(p))["index"] for p in sys.argv[1:3])
had = {p["sha256"] for p in old["newest"] + old["older"]}
print("index/" + [p["sha256"] for p in new["newest"] + new["older"] if p["sha256"] not in had][0] + ".json.gz")
PY
}
piece=$(changed_piece)
# the piece of release 3 for the same slot
stale=$(/usr/bin/python3 - "$TMP/rel-3/release.json" "$TMP/repo/release.json" "$piece" <<'PY'
import json, sys
old, new = (json.load(open(p))["index"] for p in sys.argv[1:3])
sha = sys.argv[3][6:70]
kind = "newest" if any(p["sha256"] == sha for p in new["newest"]) else "older"
bucket = [p["bucket"] for p in new[kind] if p["sha256"] == sha][0]
print("index/" + [p["sha256"] for p in old[kind] if p["bucket"] == bucket][0] + ".json.gz")
PY
)
cp "$TMP/repo/$piece" "$TMP/good-piece"

# attack NAME EXIT PATTERN: the update of release 4 fails with EXIT naming the cause, and the
# client keeps release 3 whole.
attack() {
	fails_with "$2" "$3" "$1: refused, naming the cause" -- qtm "$R" update
	is "$(available)" "$before" "$1: the client keeps release 3"
	cp "$TMP/good-piece" "$TMP/repo/$piece"
}
cp "$TMP/rel-3/$stale" "$TMP/repo/$piece"
attack "a stale piece (release 3's piece served for release 4's)" 6 "sha256 mismatch|has [0-9]+ bytes|larger than"
rm -rf "$TMP/other" && mkdir -p "$TMP/om" && make_module "$TMP/om/model-b" model-b model &&
	"$QTM_REPO_TOOL" build --name other -o "$TMP/other" "$TMP/om" >/dev/null 2>&1 &&
	/usr/bin/python3 "$SPLIT" "$TMP/other" 4
cp "$(ls "$TMP"/other/index/*.json.gz | head -1)" "$TMP/repo/$piece"
attack "a piece of another repository's release" 6 "sha256 mismatch|has [0-9]+ bytes|larger than"
rm "$TMP/repo/$piece"
attack "a missing piece" 4 "$piece"
cat "$TMP/good-piece" "$TMP/good-piece" >"$TMP/repo/$piece"
attack "a piece larger than declared" 6 "larger than|has [0-9]+ bytes"

# A signed release whose piece is filed under another bucket: the signer's mistake, or a key
# used to sign what it should not; the client checks the piece against its slot.
cp -R "$TMP/repo" "$TMP/repo-ok"
/usr/bin/python3 - "$TMP/repo/release.json" <<'PY'
import json, sys
p = sys.argv[1]
r = json.load(open(p))
newest = r["index"]["newest"]
newest[0], newest[1] = dict(newest[0], bucket=newest[1]["bucket"]), dict(newest[1], bucket=newest[0]["bucket"])
newest.sort(key=lambda e: e["bucket"])
json.dump(r, open(p, "w"))
PY
resign "$TMP/repo"
fails_with 1 "not the piece of newest versions of bucket" "a signed piece under another bucket's slot is refused" -- qtm "$R" update
is "$(available)" "$before" "and the client keeps release 3"
rm -rf "$TMP/repo" && mv "$TMP/repo-ok" "$TMP/repo"

# ---- the honest release 4 after all -------------------------------------------------------------
run qtm "$R" --json update
is "$status $(pieces)" "0 $( /usr/bin/python3 - "$TMP/rel-3/release.json" "$TMP/repo/release.json" <<'PY'
import json, sys
old, new = (json.load(open(p))["index"] for p in sys.argv[1:3])
had = {p["sha256"] for p in old["newest"] + old["older"]}
print("%d/%d" % (len([p for p in new["newest"] + new["older"] if p["sha256"] not in had]), len(new["newest"]) + len(new["older"])))
PY
)" "then the honest release 4 updates, fetching only its new pieces"
run qtm "$R" --json install -s model-b=1.5.0
is "$status $(steps)" "0 model-b=1.5.0" "and serves its new version"
run qtm "$R" -y install model-a=0.9.0
ok $status "an older version installs"
run qtm "$R" --json list --installed
is "$(json_get "$TMP/out" "' '.join(p['name'] + '=' + p['version'] for p in j)")" "model-a=0.9.0" "and is what is installed"
run qtm "$R" --json upgrade -s
is "$(steps)" "model-a=2.0.0" "and upgrade takes the newest again"

# An unknown format is refused by name, whatever else it holds.
/usr/bin/python3 -c "import json, sys; p = sys.argv[1]; r = json.load(open(p)); r['format'] = 3; json.dump(r, open(p, 'w'))" "$TMP/repo/release.json"
resign "$TMP/repo"
fails_with 1 "field \"format\": must be between 1 and 2" "a release of an unknown format is refused" -- qtm "$R" update
/usr/bin/python3 -c "import json, sys; p = sys.argv[1]; r = json.load(open(p)); r['format'] = 2; r['index']['buckets'] = 6; json.dump(r, open(p, 'w'))" "$TMP/repo/release.json"
resign "$TMP/repo"
fails_with 1 "\"buckets\": 6 is not a power of two" "and so is a bucket count that is not a power of two" -- qtm "$R" update

done_testing
