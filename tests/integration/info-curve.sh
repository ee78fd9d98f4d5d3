#!/bin/sh
# info-curve.sh - the training curve: recorded from the trainer's progress lines (thinned to 200
# points, the first and last kept), listed by `qtm --json info`, drawn by `qtm info` on a
# terminal (a pseudo-terminal from script(1)) beside the metrics or below them when narrow,
# never drawn without a terminal, coloured only without NO_COLOR; still shown when the artifact
# is reused from the cache or pre-trained from the repository; "no recorded curve" otherwise.
. "$(dirname "$0")/lib.sh"
plan 21

command -v script >/dev/null || { echo "1..0 # SKIP script(1) from util-linux is missing"; exit 0; }

# m: 20 progress lines, loss 2.0, 1.9, ... 0.1 at steps 1..20.
mkdir -p "$TMP/mods/m" "$TMP/mods/big" "$TMP/mods/flat"
cat >"$TMP/mods/m/train.sh" <<'SH'
i=1
while [ $i -le 20 ]; do
	l=$((21 - i))
	echo "@qtm progress {\"step\":$i,\"steps\":20,\"loss\":$((l / 10)).$((l % 10))}"
	i=$((i + 1))
done
echo '@qtm metric {"name":"score","value":0.75}'
echo trained >"$QTM_OUTPUT/model.txt"
SH
# big: 500 progress lines (more than the 200 kept).
cat >"$TMP/mods/big/train.sh" <<'SH'
i=1
while [ $i -le 500 ]; do
	echo "@qtm progress {\"step\":$i,\"steps\":500,\"loss\":$((1000 - i))}"
	i=$((i + 1))
done
echo trained >"$QTM_OUTPUT/model.txt"
SH
# flat: progress without a loss: no curve.
cat >"$TMP/mods/flat/train.sh" <<'SH'
echo '@qtm progress {"step":1,"steps":1}'
echo trained >"$QTM_OUTPUT/model.txt"
SH
make_module "$TMP/mods/m" m model
make_module "$TMP/mods/big" big model
make_module "$TMP/mods/flat" flat model
build_repo "$TMP/repo" "$TMP/mods"
R=$TMP/root
use_source "$R" t "$TMP/repo"

run qtm "$R" -y install m big flat
ok $status "install three models"

want='[[i, (21 - i) / 10] for i in range(1, 21)]'
run qtm "$R" --json info m
is "$(json_get "$TMP/out" "j['installed']['curve'] == $want")" True "--json info lists the curve: the 20 points of the progress lines"
run qtm "$R" --json info big
is "$(json_get "$TMP/out" "(len(j['installed']['curve']), j['installed']['curve'][0], j['installed']['curve'][-1])")" \
	"(200, [1, 999], [500, 500])" "a curve of 500 points is thinned to 200, keeping the first and the last"
run qtm "$R" --json info flat
is "$(json_get "$TMP/out" "j['installed']['curve']")" "[]" "a training that reported no loss has an empty curve"

# on_tty CMD...: runs the command on a pseudo-terminal; its output (CR removed) in $TMP/tty.
on_tty() {
	_cmd=""
	for _a in "$@"; do _cmd="$_cmd '$_a'"; done
	script -qec "$_cmd" /dev/null </dev/null | tr -d '\r' >"$TMP/tty"
}
# has_braille FILE: a braille character (U+2801-U+28FF: bytes E2 A0-A3 xx) in FILE, in any locale.
has_braille() { LC_ALL=C grep -q "$(printf '\342[\240-\243]')" "$1"; }
# max_width FILE: the widest line's width in characters.
max_width() { /usr/bin/python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")))' "$1"; }

on_tty env COLUMNS=120 LC_ALL=C.UTF-8 "$QTM" --root "$R" info m
has_braille "$TMP/tty"; ok $? "on a terminal, info draws the curve in braille"
grep -Eq '^ *2 ┤' "$TMP/tty" && grep -Eq '^ *0\.1 ┤' "$TMP/tty"; ok $? "with the loss axis labelled by its maximum 2 and minimum 0.1"
grep -Eq '└─+ *$' "$TMP/tty" && grep -Eq '^ +1 +20 *$' "$TMP/tty"; ok $? "and the step range 1 to 20 under it"
grep -Eq '^metrics +score +0\.75 +training curve \(loss\)$' "$TMP/tty"; ok $? "beside the metrics on a wide terminal (COLUMNS=120)"
grep -q "$(printf '\033')" "$TMP/tty"; is $? 1 "no colour with NO_COLOR"

on_tty env COLUMNS=50 LC_ALL=C.UTF-8 "$QTM" --root "$R" info m
grep -Eq '^metrics +score +0\.75 *$' "$TMP/tty" && grep -Eq '^ +training curve \(loss\)$' "$TMP/tty" &&
	has_braille "$TMP/tty"
st=$?
[ $st -eq 0 ] || sed 's/^/#   /' "$TMP/tty"
ok $st "below the metrics on a narrow terminal (COLUMNS=50)"
grep -E '┤|│|└|training curve' "$TMP/tty" >"$TMP/chart"
[ "$(max_width "$TMP/chart")" -le 50 ]; ok $? "and the chart no wider than the terminal"

(unset NO_COLOR; on_tty env COLUMNS=120 LC_ALL=C.UTF-8 "$QTM" --root "$R" info m)
grep -q "$(printf '\033')\[36m" "$TMP/tty"; ok $? "coloured on a terminal without NO_COLOR"
(unset NO_COLOR; on_tty env COLUMNS=120 LC_ALL=C.UTF-8 "$QTM" --root "$R" --no-color info m)
grep -q "$(printf '\033')" "$TMP/tty"; is $? 1 "but not with --no-color"

on_tty env COLUMNS=120 LC_ALL=C "$QTM" --root "$R" info m
! has_braille "$TMP/tty" && grep -Eq '^ *2 \+\*' "$TMP/tty"
ok $? "outside UTF-8 the chart is drawn in ASCII"

run env COLUMNS=120 LC_ALL=C.UTF-8 "$QTM" --root "$R" info m
! has_braille "$TMP/out" && ! grep -q '┤' "$TMP/out" && ! grep -q 'training curve' "$TMP/out"
ok $? "without a terminal: no chart"
grep -Eq '^curve +20 points, steps 1 to 20$' "$TMP/out" && grep -Eq '^metrics +\{"score":0\.75\}$' "$TMP/out"
ok $? "but the metrics as before and the curve's extent in words"

on_tty env COLUMNS=120 LC_ALL=C.UTF-8 "$QTM" --root "$R" info flat
grep -Eq '^curve +no recorded curve$' "$TMP/tty" && ! has_braille "$TMP/tty"
ok $? "a model without a curve: info says there is no recorded curve"

# Reused from the cache: the curve kept beside the artifact comes back.
run qtm "$R" --json info m
bid=$(json_get "$TMP/out" "j['installed']['build_id']")
[ -s "$R/var/cache/qtm/artifacts/$bid.curve.json" ]; ok $? "the curve is kept beside the cached artifact"
run qtm "$R" -y remove m
run qtm "$R" -y install m
run qtm "$R" --json info m
is "$(json_get "$TMP/out" "(j['installed']['origin'], j['installed']['curve'] == $want)")" "('cache', True)" \
	"reinstalled from the artifact cache, it still has its curve"

# Pre-trained from the repository: the artifact entry's "curve" is recorded.
art=$R/var/cache/qtm/artifacts/$bid
run "$QTM_REPO_TOOL" add-artifact --key "$(test_key).key" "$TMP/repo" m 1.0.0 "$art.tar.zst" "$art.metrics.json"
ok $status "qtm-repo add-artifact publishes m's artifact"
edit_index "$TMP/repo" '
for p in index["packages"]:
    for a in p.get("artifacts", []):
        a["curve"] = [[1, 5], [2, "bad"], [3, 4.5], [4, 1]]'
B=$TMP/b
use_source "$B" t "$TMP/repo"
run qtm "$B" -y install m
run qtm "$B" --json info m
is "$(json_get "$TMP/out" "(j['installed']['origin'], j['installed']['curve'])")" "('repository', [[1, 5], [3, 4.5], [4, 1]])" \
	"a pre-trained artifact brings the repository's curve (malformed points left out)"

done_testing
