#!/bin/sh
# bad-module.sh - trainers that break the training contract in small ways: malformed progress
# or metric lines (a warning naming the module and the line, the training still counts) and a
# malformed metrics.json (a clear failure naming the module and the file; nothing installed).
. "$(dirname "$0")/lib.sh"
plan 7

M=$TMP/mods
mkdir -p "$M/noisy" "$M/badmetrics"
cat >"$M/noisy/train.sh" <<'SH'
echo '@qtm progress {"step":1,"steps":2}'
echo '@qtm progress not json at all'
echo '@qtm metric {"name":"score"}'
echo '@qtm metric {"name":"score","value":0.5}'
echo trained >"$QTM_OUTPUT/model.txt"
SH
make_module "$M/noisy" noisy model
cat >"$M/badmetrics/train.sh" <<'SH'
echo trained >"$QTM_OUTPUT/model.txt"
echo '{"accuracy": 0.9,' >"$QTM_OUTPUT/metrics.json"
SH
make_module "$M/badmetrics" badmetrics model
sed -i 's/"outputs":\["model.txt"\]/"outputs":["model.txt","metrics.json"]/' "$M/badmetrics/module.json"
build_repo "$TMP/repo" "$M"
R=$TMP/root
use_source "$R" t "$TMP/repo"

run qtm "$R" -y install noisy
ok $status "a trainer printing malformed @qtm lines still installs"
grep -q "noisy: line 2 of the trainer's output is a malformed @qtm progress line" "$TMP/err"
ok $? "with a warning naming the module, the line number and the kind of line"
grep -q "noisy: line 3 of the trainer's output is a malformed @qtm metric line" "$TMP/err"
ok $? "malformed metric lines too"
run qtm "$R" --json info noisy
is "$(json_get "$TMP/out" "j['installed']['metrics']")" "{'score': 0.5}" "the well-formed metric is kept"

fails_with 7 "training badmetrics wrote a malformed metrics file .*metrics.json: malformed JSON" \
	"a malformed metrics.json fails the training (exit 7), naming the module and the file" -- \
	qtm "$R" -y install badmetrics
run qtm "$R" --json list --installed
is "$(json_get "$TMP/out" "sorted(p['name'] for p in j)")" "['noisy']" "and nothing of it is installed"
run qtm "$R" --json status
is "$(json_get "$TMP/out" "j['trainings'][0]['state']")" failed "status records the training as failed"

done_testing
