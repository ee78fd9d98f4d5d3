#!/bin/sh
# artifacts.sh - pre-trained artifacts (the binary cache): qtm-repo add-artifact publishes a
# trained artifact under its build id, qtm install uses it instead of training (and says so),
# --train trains anyway, and a substitute whose bytes differ from the signed index is refused.
. "$(dirname "$0")/lib.sh"
plan 10

make_module "$TMP/mods/data-a" data-a dataset
make_module "$TMP/mods/model-a" model-a model ',"requires":["data-a >= 1.0"]'
build_repo "$TMP/repo" "$TMP/mods"

# A first machine trains it.
A=$TMP/a
use_source "$A" t "$TMP/repo"
run qtm "$A" -y install model-a
ok $status "the first machine trains model-a"
run qtm "$A" --json info model-a
bid=$(json_get "$TMP/out" "j['installed']['build_id']")
is "$(json_get "$TMP/out" "j['installed']['origin']")" trained "and records that it trained it"

# Its owner publishes the artifact, and re-signs.
art=$A/var/cache/qtm/artifacts/$bid
run "$QTM_REPO_TOOL" add-artifact --key "$(test_key).key" "$TMP/repo" model-a 1.0.0 "$art.tar.zst" "$art.metrics.json"
ok $status "qtm-repo add-artifact publishes it under its build id"

B=$TMP/b
use_source "$B" t "$TMP/repo"
run qtm "$B" -y install model-a
ok $status "a second machine installs model-a"
! grep -q "Trained model-a" "$TMP/err" && grep -q "pre-trained artifact of build" "$TMP/err"
ok $? "without training: it used the repository's artifact"
run qtm "$B" --json info model-a
is "$(json_get "$TMP/out" "(j['installed']['origin'], j['installed']['build_id'], j['installed']['metrics']['score'])")" \
	"('repository', '$bid', 0.75)" "info says where it came from, with the same build id and metrics"

C=$TMP/c
use_source "$C" t "$TMP/repo"
run qtm "$C" -y install --train model-a
grep -q "Trained model-a" "$TMP/err"; ok $? "--train trains even though an artifact is offered"

# The artifact's bytes on the server no longer match the signed index.
/usr/bin/python3 -c "import sys; p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[len(b) // 2] ^= 1; open(p, 'wb').write(b)" \
	"$TMP/repo/artifacts/$bid.tar.zst"
D=$TMP/d
use_source "$D" t "$TMP/repo"
fails_with 6 "sha256 mismatch for .*artifacts/$bid.tar.zst" "a tampered artifact is refused (exit 6)" -- \
	qtm "$D" -y install model-a
run qtm "$D" --json list --installed
is "$(json_get "$TMP/out" "[p['name'] for p in j if p['name'] == 'model-a']")" "[]" "and the model is not installed"
[ -z "$(ls "$D"/var/cache/qtm/artifacts/*.tar.zst 2>/dev/null)" ]; ok $? "nor is the bad artifact kept"

done_testing
