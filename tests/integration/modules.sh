#!/bin/sh
# modules.sh - the eight bundled modules, for real: one qtm install of all eight (pulling in
# their datasets and the models they build on), each with its metrics and model card, each
# answering qtm run; then a second root trains them all again one at a time (-j 1, where the
# first root used jobs = auto, trainings side by side) and every artifact is byte-identical
# (same build ids, same bytes: training is deterministic, and parallel installs give the same
# artifacts as -j 1).  Each module's checks of
# qtm run on files of the user's own (not training data), and on malformed ones, are in
# modules.d/MODULE.sh, sourced with the first root installed (A, TMP, QTM, lib.sh's helpers).
#
# Trains everything twice (a few minutes): .ci/run runs it in its first pass only
# (QTM_TEST_MODULES=1); elsewhere it is skipped unless that variable is set.
. "$(dirname "$0")/lib.sh"

if [ "${QTM_TEST_MODULES:-0}" != 1 ]; then
	echo "1..0 # SKIP set QTM_TEST_MODULES=1 to train all eight modules twice"
	exit 0
fi
MODULES="image-to-3d enhanced-3d gis-lidar geophysics-magnetic gis-buildings geophysics-resistivity text-to-3d geophysics-seismic"

A=$TMP/a
run qtm "$A" -y install -j auto $MODULES
st=$status; [ $st -eq 0 ] || sed 's/^/#   /' "$TMP/err" | tail -20
ok $st "qtm install of all eight modules"
run qtm "$A" --json list --installed
names=$(json_get "$TMP/out" "' '.join(sorted(p['name'] for p in j if p['kind'] == 'model'))")
is "$names" "$(echo $MODULES | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')" "all eight are installed"

for m in $MODULES; do
	run qtm "$A" --json info "$m"
	ok=$(json_get "$TMP/out" "1 if len(j['installed']['metrics']) > 0 and j['installed']['origin'] == 'trained' else 0")
	store=$(json_get "$TMP/out" "j['installed']['path']")
	[ "$ok" = 1 ] && [ -s "$store/MODEL_CARD.md" ] && [ -s "$store/metrics.json" ]
	ok $? "$m: trained here, with metrics, metrics.json and a model card"
	(cd "$TMP" && "$QTM" --root "$A" run "$m" >"$TMP/run.out" 2>"$TMP/run.err")
	st=$?; [ $st -eq 0 ] || sed 's/^/#   /' "$TMP/run.err" | tail -5
	ok $st "$m: qtm run answers with the installed model"
done
for f in "$(dirname "$0")"/modules.d/*.sh; do
	[ -f "$f" ] && . "$f"
done

B=$TMP/b
run qtm "$B" -y install -j 1 $MODULES
ok $status "a second root trains all eight again, one at a time (-j 1)"
for m in $MODULES; do
	a=$("$QTM" --root "$A" --json info "$m" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['installed']['build_id'])")
	b=$("$QTM" --root "$B" --json info "$m" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['installed']['build_id'])")
	[ -n "$a" ] && [ "$a" = "$b" ] &&
		cmp -s "$A/var/cache/qtm/artifacts/$a.tar.zst" "$B/var/cache/qtm/artifacts/$b.tar.zst"
	ok $? "$m: same build id, byte-identical artifact"
done
run qtm "$B" verify
ok $status "verify is clean"

echo "1..$_n"   # the plan comes last: modules.d adds checks of its own
done_testing
