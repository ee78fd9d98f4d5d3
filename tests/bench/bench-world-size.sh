#!/bin/sh
# bench-world-size.sh MODULE [QTM] - installs MODULE with world_size 1 and with 2, each in a
# fresh root, one after the other in one run, and prints the time per epoch of each (from the
# training log: the wall time between the first and the last @qtm progress line over the steps
# between them; without progress lines, the training's wall time over 1) and their ratio.
# MODULE comes from QTM_BUNDLED_REPO (or from QTM_BENCH_REPO with QTM_BENCH_KEY, a signed
# repository such as tests/integration builds).  QTM defaults to the built src/qtm/qtm.
set -u
mod=${1:?usage: bench-world-size.sh MODULE [QTM]}
here=$(cd "$(dirname "$0")" && pwd)
QTM=${2:-$here/../../src/qtm/qtm}
tmp=$(mktemp -d /tmp/qtm-bench-ws.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

# stamp_lines: each input line prefixed with the seconds since the epoch (for progress times).
stamp_lines() {
	/usr/bin/python3 -u -c 'import sys, time
for l in sys.stdin: sys.stdout.write("%.3f %s" % (time.time(), l))'
}

# train WORLD: installs MODULE with that world size in a fresh root; prints "wall s_per_step".
train() {
	r=$tmp/root-$1
	if [ -n "${QTM_BENCH_REPO:-}" ]; then
		"$QTM" --root "$r" source add --key "$QTM_BENCH_KEY" bench "$QTM_BENCH_REPO" >/dev/null 2>&1 &&
			"$QTM" --root "$r" update >/dev/null 2>&1 || return 1
	fi
	start=$(date +%s.%N)
	"$QTM" --root "$r" -y -v install --param world_size="$1" "$mod" 2>&1 | stamp_lines >"$tmp/out-$1"
	end=$(date +%s.%N)
	/usr/bin/python3 - "$tmp/out-$1" "$start" "$end" <<'PY'
import json, re, sys
t, steps = [], []
for line in open(sys.argv[1]):
    stamp, _, rest = line.partition(" ")
    m = re.search(r"(\d+)/(\d+)\s", rest)
    if "training" in rest and m:
        t.append(float(stamp)); steps.append(int(m.group(1)))
wall = float(sys.argv[3]) - float(sys.argv[2])
per = (t[-1] - t[0]) / (steps[-1] - steps[0]) if len(t) > 1 and steps[-1] > steps[0] else wall
print("%.3f %.4f" % (wall, per))
PY
}

set -- $(train 1) $(train 2)
if [ $# -ne 4 ]; then
	echo "bench-world-size: an install failed; see $tmp" >&2
	trap - EXIT
	exit 1
fi
printf 'module %s on %s cores\n' "$mod" "$(nproc)"
printf 'world_size 1: install %.1f s, %.3f s per epoch\n' "$1" "$2"
printf 'world_size 2: install %.1f s, %.3f s per epoch\n' "$3" "$4"
/usr/bin/python3 -c 'import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print("ratio (2 / 1): %.2fx per epoch, speed-up %.2fx" % (b / a, a / b))' "$2" "$4"
