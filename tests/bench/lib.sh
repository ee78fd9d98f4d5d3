# lib.sh - sourced by every benchmark here: where the sources and the build are (top_builddir,
# default build/dev of this tree), the programs they run, and bench_need.
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/../.." && pwd)
: "${top_builddir:=$top_srcdir/build/dev}"
top_builddir=$(cd "$top_builddir" && pwd)
PY=/usr/bin/python3   # Debian's: the one apt's modules load in
QTM=$top_builddir/src/qtm/qtm
QTM_REPO=$top_builddir/src/qtm-repo/qtm-repo
HIVED=$top_builddir/src/qtm-hived/qtm-hived
HC=$top_builddir/src/hive-control/hive-control

# bench_need HINT FILE...: exits 2 naming the first FILE that is not there (a program to build,
# or one to install: "$(command -v NAME)" is empty when NAME is missing); HINT ends the advice.
bench_need() {
	local hint=$1 f
	shift
	for f in "$@"; do
		[ -e "$f" ] || { echo "$(basename "$0"): $f is missing (build first, or set top_builddir$hint)" >&2; exit 2; }
	done
}

# bench_dataset_repo DIR NAME: a signed repository DIR/repo holding one one-file dataset NAME,
# built from DIR/mods with a new key DIR/key.key (DIR/key.pub to trust it).
bench_dataset_repo() {
	mkdir -p "$1/mods/$2"
	echo data >"$1/mods/$2/data.txt"
	printf '{"format":1,"name":"%s","version":"1.0.0","kind":"dataset","summary":"one file","license":"CC0-1.0",\n "files":[{"name":"data.txt"}]}\n' \
		"$2" >"$1/mods/$2/module.json"
	"$QTM_REPO" keygen "$1/key" >/dev/null
	"$QTM_REPO" build --format 1 --name bench --key "$1/key.key" -o "$1/repo" "$1/mods" >/dev/null
}

# bench_scratch NAME TMPDEFAULT: a scratch directory $S (under TMPDIR, default TMPDEFAULT) removed
# at exit unless QTM_BENCH_KEEP=1, with every pid in $PIDS killed; copies of qtm and qtm-repo
# in $S/bin (QTM and QTM_REPO point there, so a rebuild during the run changes nothing).
bench_scratch() {
	S=$(mktemp -d "${TMPDIR:-$2}/qtm-bench-$1.XXXXXX")
	PIDS=""
	trap bench_cleanup EXIT
	trap 'exit 1' HUP INT TERM
	mkdir "$S/bin"
	cp "$QTM" "$QTM_REPO" "$S/bin/"
	QTM=$S/bin/qtm QTM_REPO=$S/bin/qtm-repo
}
bench_cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	[ "${QTM_BENCH_KEEP:-0}" = 1 ] && echo "kept $S" || rm -rf "$S"
}
