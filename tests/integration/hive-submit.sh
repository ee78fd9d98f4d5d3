#!/bin/sh
# hive-submit.sh - POST /jobs/submit by name with curl against a real qtm-hived on loopback: the
# module is resolved against a source only the hive has (hive.conf "source", signed, its key
# named there) and planned with the models it needs; a client with the same source and runtime
# computes the same build ids; bad input is a 4xx naming the cause.
. "$(dirname "$0")/lib.sh"
plan 20

HC=$top_builddir/src/hive-control/hive-control
make_module "$TMP/mods/data-a" data-a dataset
make_module "$TMP/mods/model-a" model-a model ',"requires":["data-a >= 1.0"]'
make_module "$TMP/mods/model-b" model-b model ',"requires":["model-a >= 1.0"]'
build_repo "$TMP/repo" "$TMP/mods"
cp "$(test_key).pub" "$TMP/repo-key.pub"

STATE=$TMP/hive
mkdir -p "$STATE"
cat >"$STATE/hive.conf" <<CONF
executor = fleet
min_runners = 0
source = t file://$TMP/repo $TMP/repo-key.pub
CONF
hived_start "$STATE"

# sub BODY [TOKEN]: the status code on stdout, the answer in $TMP/body.
sub() {
	curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer ${2-$OP}" -H 'Content-Type: application/json' \
		--data-binary "$1" "$URL/jobs/submit"
}
body() { json_get "$TMP/body" "$1"; }

is "$(sub '{"module":"model-b","priority":"high"}')" 201 "a module named alone is planned and queued (201)"
is "$(body "[(x['module'], x['version'], x['priority'], x['state']) for x in j['jobs']]")" \
	"[('model-a', '1.0.0', 'high', 'pending'), ('model-b', '1.0.0', 'high', 'pending')]" \
	"the answer lists the jobs made, requirements first"
is "$(body "j['jobs'][1]['depends_on'] == [j['jobs'][0]['build_id']]")" True "model-b depends on model-a's build id"
bid_b=$(body "j['jobs'][1]['build_id']")
is "$(sub '{"module":"model-b","priority":"high"}')" 200 "the same submit again creates nothing (200)"
is "$(body "[x.get('deduplicated') for x in j['jobs']]")" "[True, True]" "both jobs already queued"
is "$(sub '{"module":"model-a","version":"1.0.0","params":{"seed":7}}')" 201 "a version and params"
curl -s "$URL/jobs/$(body "j['jobs'][0]['id']")" >"$TMP/job.json"
is "$(body "len(j['jobs'])") $(json_get "$TMP/job.json" "(j['priority'], j['spec']['params']['seed'])")" "1 ('medium', 7)" \
	"one job, the module's own priority, the params in its spec"

# A client with the same source and runtime plans the same build ids (hive-control submit).
C=$TMP/client
use_source "$C" t "$TMP/repo"
run "$HC" --root "$C" --hive "$URL" --token "$OP" --json submit model-b high
ok $status "hive-control submit from a client with the same source"
is "$(json_get "$TMP/out" "(j[1]['build_id'] == '$bid_b', j[1].get('deduplicated'))")" "(True, True)" \
	"it computes the build id the hive planned"

# Bad input.
is "$(sub '{"module":"no-such-model"}')" 404 "an unknown module: 404"
grep -q 'unknown module \\"no-such-model\\"' "$TMP/body"
ok $? "naming the module"
is "$(sub '{"module":"model-a","version":"9.9.9"}')" 404 "a version no source carries: 404"
grep -q 'carries model-a 9.9.9 .*newest it carries is 1.0.0' "$TMP/body"
ok $? "naming the version and the newest one"
is "$(sub '{"module":"model-a","params":{"learning_rate":1}}')" 400 "an unknown parameter: 400"
grep -q 'no parameter \\"learning_rate\\"' "$TMP/body"
ok $? "naming the parameter"
is "$(sub '{"module":"model-a","priority":"urgent"}')" 400 "an invalid priority: 400"
grep -q 'not \\"urgent\\"' "$TMP/body"
ok $? "naming the priority"
is "$(sub '{"module":"model-a","colour":"red"}')" 400 "an unknown field: 400"
is "$(sub '{"module":"model-a"}' wrong-token-wrong-token)" 401 "without the operator token: 401"
curl -s "$URL/jobs" >"$TMP/jobs.json"
is "$(json_get "$TMP/jobs.json" "len(j['jobs'])")" 3 "no bad submit queued anything"

kill -TERM "$HIVED_PID"
wait "$HIVED_PID"
done_testing
