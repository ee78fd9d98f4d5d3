# lib.sh - shared by the integration tests: TAP output, a scratch directory, the built tools.
# Source it from a test; the test calls plan N first and finishes with `done_testing`.
set -u

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
QTM=$top_builddir/src/qtm/qtm
QTM_REPO_TOOL=$top_builddir/src/qtm-repo/qtm-repo
export QTM_BUNDLED_REPO="${QTM_BUNDLED_REPO:-$top_builddir/repo}"
export NO_COLOR=1
unset QTM_ROOT

TMP=$(mktemp -d "${TMPDIR:-/tmp}/qtm-test.XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }
chmod 755 "$TMP"
cleanup() {
	for pid in ${BG_PIDS:-}; do kill "$pid" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

_n=0
_failed=0

plan() { echo "1..$1"; }

# ok STATUS DESCRIPTION
ok() {
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_n - $2"
	else
		echo "not ok $_n - $2"
		_failed=$((_failed + 1))
	fi
}

# is GOT WANT DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then ok 0 "$3"; else echo "# got '$1', want '$2'"; ok 1 "$3"; fi
}

# run CMD...: runs it, keeping status in $status, stdout in $TMP/out, stderr in $TMP/err.
run() {
	"$@" >"$TMP/out" 2>"$TMP/err"
	status=$?
}

# fails_with STATUS REGEX DESCRIPTION -- CMD...: the command must exit STATUS and say REGEX on stderr.
fails_with() {
	want=$1 pattern=$2 desc=$3
	shift 4
	run "$@"
	if [ "$status" -eq "$want" ] && grep -Eq -- "$pattern" "$TMP/err"; then
		ok 0 "$desc"
	else
		echo "# exit $status (want $want); stderr:"
		sed 's/^/#   /' "$TMP/err" | head -20
		ok 1 "$desc"
	fi
}

# qtm ROOT ARGS...: qtm against a test root.
qtm() {
	root=$1
	shift
	"$QTM" --root "$root" "$@"
}

# json_get FILE PYTHON-EXPR: evaluates an expression over the JSON document j.
json_get() {
	/usr/bin/python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"
}

# make_module DIR NAME KIND [EXTRA_JSON]: writes a small module folder (models get a trainer
# script train.sh run by /bin/sh that writes model.txt).
make_module() {
	dir=$1 name=$2 kind=$3 extra=${4:-}
	mkdir -p "$dir"
	if [ "$kind" = dataset ]; then
		printf 'data of %s\n' "$name" >"$dir/data.txt"
		cat >"$dir/module.json" <<JSON
{"format":1,"name":"$name","version":"1.0.0","kind":"dataset","summary":"test data","license":"CC0-1.0",
 "files":[{"name":"data.txt"}]$extra}
JSON
	else
		cat >"$dir/module.json" <<JSON
{"format":1,"name":"$name","version":"1.0.0","kind":"model","summary":"test model","license":"MIT",
 "resources":{"cpus":1,"memory_mb":256,"time_limit_s":20},
 "train":{"command":["/bin/sh","train.sh"],"params":{"seed":1}},
 "outputs":["model.txt"]$extra}
JSON
		[ -f "$dir/train.sh" ] || cat >"$dir/train.sh" <<'SH'
echo '@qtm progress {"step":1,"steps":1,"loss":0.5}'
echo '@qtm metric {"name":"score","value":0.75}'
echo trained >"$QTM_OUTPUT/model.txt"
SH
	fi
}

# make_ddp_module DIR NAME [EXTRA_JSON]: a data-parallel model folder: the PyTorch trainer of
# tests/integration/ddp (world_size 2 by default, max_world_size 2; params seed, epochs, batch,
# learning_rate, sync_gradients, crash_rank, hang_rank).  EXTRA_JSON is appended to the
# manifest's top-level object; change resources with sed, as bad-training.sh does.
make_ddp_module() {
	dir=$1 name=$2 extra=${3:-}
	mkdir -p "$dir"
	cp "$top_srcdir/tests/integration/ddp/train.py" "$dir/train.py"
	cat >"$dir/module.json" <<JSON
{"format":1,"name":"$name","version":"1.0.0","kind":"model","summary":"data-parallel test model","license":"MIT",
 "requires":["runtime(python3-torch)"],
 "resources":{"cpus":1,"memory_mb":1024,"time_limit_s":300,"world_size":2,"max_world_size":2},
 "train":{"command":["python3","train.py"],"params":{"seed":1,"epochs":5,"batch":32,"learning_rate":0.1,
  "sync_gradients":true,"crash_rank":-1,"hang_rank":-1}},
 "outputs":["model.pt","metrics.json"]$extra}
JSON
}

# heavy_test: the long end-to-end tests (minutes of real daemons) run once in CI, in its first
# pass; with QTM_TEST_HEAVY=0 (CI's sanitizer pass) they skip.
heavy_test() {
	if [ "${QTM_TEST_HEAVY:-1}" = 0 ]; then
		echo "1..0 # SKIP long end-to-end test: QTM_TEST_HEAVY=0"
		exit 0
	fi
}

done_testing() {
	[ "$_failed" -eq 0 ]
	exit $?
}

# ---- helpers for the failure-path tests (bad-*.sh, lock.sh, remove.sh) ----------------------

# test_key: the signing key of this test's repositories (made on first use); prints the prefix.
test_key() {
	[ -f "$TMP/test-key.key" ] || "$QTM_REPO_TOOL" keygen "$TMP/test-key" >/dev/null ||
		{ echo "Bail out! qtm-repo keygen failed"; exit 1; }
	echo "$TMP/test-key"
}

# The Python that reads and writes a repository's index in either format (tests/bench/split-index.py,
# which writes format 2 byte for byte as qtm-repo build does), for edit_index and index_json.
_index_py='
import gzip, hashlib, importlib.util, json, os, sys
_spec = importlib.util.spec_from_file_location("split_index", os.environ["QTM_SPLIT_INDEX"])
split_index = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(split_index)
def packages_of(repo):
    return split_index.read_packages(repo)[1]
'
QTM_SPLIT_INDEX=$top_srcdir/tests/bench/split-index.py
export QTM_SPLIT_INDEX

# index_json REPO: REPO's whole index (every piece of a format 2 one), as {"packages": [...]}.
index_json() {
	/usr/bin/python3 -c "$_index_py"'
print(json.dumps({"packages": packages_of(sys.argv[1])}))' "$1"
}

# edit_index REPO PYTHON [ARG...]: runs PYTHON with index (REPO's whole index, {"packages":
# [...]}), out (REPO), args (the ARGs) and packages_of(DIR) in scope, writes the index back
# (format 1 as one index.json.gz, format 2 as pieces with the same number of buckets), gives the
# release a new version, and signs it again: a repository changed on purpose.
edit_index() {
	/usr/bin/python3 -c "$_index_py"'
out, code, args = sys.argv[1], sys.argv[2], sys.argv[3:]
release, packages, _ = split_index.read_packages(out)
index = {"format": 1, "packages": packages}
exec(code)
if release["format"] == 1:
    data = gzip.compress(json.dumps(index).encode(), mtime=0)
    open(os.path.join(out, release["index"]["path"]), "wb").write(data)
    release["index"].update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
else:
    split_index.write_index(out, release, index["packages"], release["index"]["buckets"])
release["version"] += 1
json.dump(release, open(os.path.join(out, "release.json"), "w"), indent=1)' "$@" ||
		{ echo "Bail out! edit_index $1"; exit 1; }
	resign "$1"
}

# resign DIR: signs DIR/release.json again (after a test rewrote it on purpose).
resign() {
	rm -f "$1/release.json.sig"
	"$QTM_REPO_TOOL" sign --key "$(test_key).key" "$1" >/dev/null || { echo "Bail out! cannot sign $1"; exit 1; }
}

# build_repo OUT SRC...: qtm-repo build, signed with the test key, or bail out (a broken fixture
# is not a test result).
build_repo() {
	_out=$1
	shift
	"$QTM_REPO_TOOL" build --name test --key "$(test_key).key" -o "$_out" "$@" >"$TMP/build.log" 2>&1 || {
		echo "Bail out! qtm-repo build $*: $(cat "$TMP/build.log")"
		exit 1
	}
}

# use_source ROOT NAME URL: adds the source (trusting the test key) and runs qtm update, or
# bails out.
use_source() {
	"$QTM" --root "$1" source add --key "$(test_key).pub" "$2" "$3" >/dev/null 2>"$TMP/source.log" &&
		"$QTM" --root "$1" update >/dev/null 2>>"$TMP/source.log" || {
		echo "Bail out! source $2 $3: $(cat "$TMP/source.log")"
		exit 1
	}
}

# installed_names ROOT: the installed package names, sorted, space-separated.
installed_names() {
	"$QTM" --root "$1" --json list --installed >"$TMP/installed.json" 2>/dev/null || { echo "(list failed)"; return; }
	json_get "$TMP/installed.json" "' '.join(sorted(p['name'] for p in j))"
}

# not_installed ROOT NAME DESCRIPTION: NAME is neither recorded nor in the store (nor staged).
not_installed() {
	_names=$(installed_names "$1")
	_left=$(cd "$1/var/lib/qtm/store" 2>/dev/null && ls -d "$2" ".staging-$2-"* 2>/dev/null)
	case " $_names " in
	*" $2 "*) echo "# $2 is recorded as installed ($_names)"; ok 1 "$3" ;;
	*) if [ -n "$_left" ]; then echo "# left in the store: $_left"; ok 1 "$3"; else ok 0 "$3"; fi ;;
	esac
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- helpers for verbs.sh, history.sh and crash.sh -------------------------------------------

# merge_repo OUT OTHER...: adds to the repository OUT (made by build_repo) the packages of the
# repositories OTHER that OUT lacks (by name and version), with their pool and dataset files,
# and rewrites OUT's index and release (signed again): one repository offering foo 1.0.0 and
# foo 2.0.0 from repositories built apart.  Bails out on failure.
merge_repo() {
	_out=$1
	shift
	for _o in "$@"; do
		for _d in pool datasets; do
			if [ -d "$_o/$_d" ]; then cp -Rn "$_o/$_d" "$_out/" || { echo "Bail out! merge_repo: cp $_o/$_d"; exit 1; }; fi
		done
	done
	edit_index "$_out" '
have = {(p["name"], p["version"]) for p in index["packages"]}
for other in args:
    for p in packages_of(other):
        if (p["name"], p["version"]) not in have:
            index["packages"].append(p)
            have.add((p["name"], p["version"]))' "$@"
}

# db_query ROOT SQL: the rows of a read-only query on ROOT's database, one line per row,
# columns separated by "|" (the sqlite3 CLI may be missing: Python's sqlite3 module).
db_query() {
	/usr/bin/python3 -c '
import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "/var/lib/qtm/qtm.db?mode=ro", uri=True)
for row in db.execute(sys.argv[2]):
    print("|".join("" if c is None else str(c) for c in row))
' "$1" "$2"
}

# hived_start STATE [ARGS...]: starts qtm-hived on a free loopback port with that state
# directory (its output in $TMP/hived.log); sets HIVED_PID, URL and OP (the operator token),
# or bails out.
hived_start() {
	_st=$1
	shift
	rm -f "$_st/url"
	"$top_builddir/src/qtm-hived/qtm-hived" --state "$_st" --listen "127.0.0.1:$(free_port)" "$@" >>"$TMP/hived.log" 2>&1 &
	HIVED_PID=$!
	BG_PIDS="${BG_PIDS:-} $HIVED_PID"
	_i=0
	while [ ! -s "$_st/url" ] && [ $_i -lt 300 ] && kill -0 "$HIVED_PID" 2>/dev/null; do sleep 0.1; _i=$((_i + 1)); done
	[ -s "$_st/url" ] || { echo "Bail out! qtm-hived did not start: $(cat "$TMP/hived.log")"; exit 1; }
	URL=$(cat "$_st/url")
	OP=$(cat "$_st/operator.token")
}
