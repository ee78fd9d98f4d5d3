#!/bin/sh
# bench-startup.sh - what the front ends cost before they do anything: `qtm --version` and
# `qtm list --installed` with N (default 10,000) installed packages, timed with hyperfine, and
# the size of the qtm and qtm-hived binaries (ls, size, and whether qtm-hived holds sandbox or
# trainer code), for this tree's build and, when OLD_BUILD names another build tree, for that
# one side by side in the same run.
#
#   tests/bench/bench-startup.sh [N]      (top_builddir, OLD_BUILD: build trees)
set -eu
. "$(dirname "$0")/lib.sh"
n=${1:-10000}
bench_need " (apt-get install hyperfine)" "$QTM" "$QTM_REPO" "$HIVED" "$(command -v hyperfine)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One installed dataset, copied to n rows in the database.
bench_dataset_repo "$tmp" data-one
r=$tmp/root
"$QTM" --root "$r" source add --key "$tmp/key.pub" bench "$tmp/repo" >/dev/null 2>&1
"$QTM" --root "$r" update >/dev/null 2>&1
"$QTM" --root "$r" -y install data-one >/dev/null 2>&1
"$PY" "$here/populate-db.py" "$r/var/lib/qtm/qtm.db" data-one $((n - 1)) >/dev/null
[ "$("$QTM" --root "$r" list --installed | wc -l)" = "$n" ] || { echo "bench-startup.sh: qtm list does not show $n rows" >&2; exit 1; }

set -- -n "new: qtm --version" "$QTM --version" -n "new: qtm list --installed ($n)" "$QTM --root $r list --installed"
if [ -n "${OLD_BUILD:-}" ]; then
	old=$(cd "$OLD_BUILD" && pwd)
	set -- -n "old: qtm --version" "$old/src/qtm/qtm --version" \
		-n "old: qtm list --installed ($n)" "$old/src/qtm/qtm --root $r list --installed" "$@"
fi
hyperfine -N --warmup 3 --min-runs 30 "$@"

# sizes NAME BUILD: the binaries' sizes, and the sandbox or trainer symbols in qtm-hived.
sizes() {
	for b in src/qtm/qtm src/qtm-hived/qtm-hived; do
		echo "$1: $b: $(stat -c %s "$2/$b") bytes; $(size "$2/$b" | awk 'NR == 2 { print "text " $1 ", data " $2 ", bss " $3 }')"
	done
	echo "$1: qtm-hived: $(nm "$2/src/qtm-hived/qtm-hived" | grep -c ' [Tt] qtm_\(sandbox\|train\)_' || true) qtm_sandbox_/qtm_train_ symbols"
}
[ -z "${OLD_BUILD:-}" ] || sizes old "$old"
sizes new "$top_builddir"
