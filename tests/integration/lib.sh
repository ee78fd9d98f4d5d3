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

done_testing() {
	[ "$_failed" -eq 0 ]
	exit $?
}

# ---- helpers for the failure-path tests (bad-*.sh, lock.sh, remove.sh) ----------------------

# build_repo OUT SRC...: qtm-repo build, or bail out (a broken fixture is not a test result).
build_repo() {
	_out=$1
	shift
	"$QTM_REPO_TOOL" build --name test -o "$_out" "$@" >"$TMP/build.log" 2>&1 || {
		echo "Bail out! qtm-repo build $*: $(cat "$TMP/build.log")"
		exit 1
	}
}

# use_source ROOT NAME URL: adds the source and runs qtm update, or bails out.
use_source() {
	"$QTM" --root "$1" source add "$2" "$3" >/dev/null 2>"$TMP/source.log" &&
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
