#!/bin/sh
# install.sh - the walking skeleton end to end: qtm install gis-lidar from the bundled
# repository into a fresh root, then the queries, determinism and removal rules.
. "$(dirname "$0")/lib.sh"
plan 16

R=$TMP/root
run qtm "$R" -y install gis-lidar
ok $status "qtm install gis-lidar succeeds"
grep -q "Trained gis-lidar" "$TMP/err"; ok $? "the training ran in the sandbox"
grep -Eq "limits: (cgroup v[12]|rlimit)" "$TMP/err"; ok $? "the limits mechanism is named"

run qtm "$R" --json list --installed
is "$(json_get "$TMP/out" "' '.join(sorted(p['name'] + ':' + p['reason'] for p in j))")" \
	"dataset-cgal-b9:auto gis-lidar:manual" "both packages are recorded with their install reason"

run qtm "$R" --json info gis-lidar
acc=$(json_get "$TMP/out" "j['installed']['metrics']['accuracy']")
/usr/bin/python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > 0.9 else 1)" "$acc"
ok $? "held-out accuracy is recorded as a metric ($acc)"
bid=$(json_get "$TMP/out" "j['installed']['build_id']")
store=$(json_get "$TMP/out" "j['installed']['path']")
for f in model.npz metrics.json MODEL_CARD.md; do [ -f "$store/$f" ] || missing=$f; done
is "${missing:-none}" none "the declared outputs are in the store"
grep -q "accuracy" "$store/MODEL_CARD.md"; ok $? "the model card reports the accuracy"

run qtm "$R" --json status
is "$(json_get "$TMP/out" "j['trainings'][0]['state']")" succeeded "status shows the finished training"
is "$(json_get "$TMP/out" "j['installed']['models']")" 1 "status counts one model"

run qtm "$R" -y install gis-lidar
ok $status "installing again is a no-op"
grep -q "Nothing to do" "$TMP/err"; ok $? "and says so"

R2=$TMP/root2
run qtm "$R2" -y install gis-lidar
run qtm "$R2" --json info gis-lidar
is "$(json_get "$TMP/out" "j['installed']['build_id']")" "$bid" "a second root computes the same build id"
store2=$(json_get "$TMP/out" "j['installed']['path']")
is "$(cd "$store2" && sha256sum model.npz metrics.json MODEL_CARD.md)" \
	"$(cd "$store" && sha256sum model.npz metrics.json MODEL_CARD.md)" "training is deterministic: same bytes"

fails_with 3 "gis-lidar requires it" "removing a dataset a model requires is refused with the reason" -- \
	qtm "$R" -y remove dataset-cgal-b9
run qtm "$R" -y remove gis-lidar dataset-cgal-b9
ok $status "removing the model and its dataset together works"
[ ! -e "$store" ] && [ -z "$(ls "$R/var/lib/qtm/store")" ]; ok $? "the store is empty afterwards"

done_testing
