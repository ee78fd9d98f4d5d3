#!/bin/sh
# hive-api.sh - qtm-hived's HTTP API with curl against a real daemon on a free loopback port
# (fleet executor: no local runners; this script plays the runner): auth, bad input, the
# lease protocol, artifacts, cancel/requeue, lease expiry, max attempts, restart.
. "$(dirname "$0")/lib.sh"

HIVED=$top_builddir/src/qtm-hived/qtm-hived
STATE=$TMP/hive
mkdir -p "$STATE"
cat >"$STATE/hive.conf" <<'EOF'
executor = fleet
min_runners = 0
max_runners = 4
lease_ttl_s = 8
max_attempts = 2
max_body_kib = 4
max_artifact_mib = 1
EOF

plan 117

HIVED_PID=
start_hived() {
	rm -f "$STATE/url"
	"$HIVED" --state "$STATE" --listen "127.0.0.1:$(free_port)" --executor fleet >>"$TMP/hived.log" 2>&1 &
	HIVED_PID=$!
	BG_PIDS="${BG_PIDS:-} $HIVED_PID"
	i=0
	while [ ! -s "$STATE/url" ] && [ $i -lt 100 ] && kill -0 "$HIVED_PID" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	[ -s "$STATE/url" ] || { echo "Bail out! qtm-hived did not start: $(cat "$TMP/hived.log")"; exit 1; }
	URL=$(cat "$STATE/url")
}
stop_hived() {
	kill -TERM "$HIVED_PID"
	wait "$HIVED_PID"
	stopped=$?
}

# req METHOD PATH [BODY [TOKEN [CURL-ARGS...]]]: the status code on stdout, the body in $TMP/body.
req() {
	_m=$1 _p=$2 _b=${3-} _t=${4-}
	shift 2
	[ $# -gt 0 ] && shift
	[ $# -gt 0 ] && shift
	set -- -s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' -X "$_m" "$@"
	[ -n "$_t" ] && set -- "$@" -H "Authorization: Bearer $_t"
	[ -n "$_b" ] && set -- "$@" -H 'Content-Type: application/json' --data-binary "$_b"
	curl "$@" "$URL$_p"
}
body() { json_get "$TMP/body" "$1"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
hexid() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
job_body() { # job_body BUILD_ID [EXTRA]
	printf '{"module":"m","version":"1.0.0","build_id":"%s","estimate_s":10,"spec":{"k":1}%s}' "$1" "${2-}"
}
# wait_state ID STATE: polls GET /jobs/ID (up to 40 s) until its state is STATE.  The lease (8 s)
# is long enough for the calls between a claim and its complete on a loaded machine under ASan.
wait_state() {
	i=0
	while [ $i -lt 400 ]; do
		[ "$(req GET "/jobs/$1")" = 200 ] && [ "$(body "j['state']")" = "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

start_hived
OP=$(cat "$STATE/operator.token")
RT=$(cat "$STATE/runner.token")

is "$(req GET /health)" 200 "GET /health answers"
is "$(body "j['status']")" ok "health says ok"
is "$(req GET /status)" 200 "GET /status answers"
is "$(body "j['orchestrator'], j['executor'], j['queue']['pending'], 'cpu_percent' in j['system']")" \
	"running fleet 0 True" "status: orchestrator, executor, queue, system"
is "$(req GET /runners)" 200 "GET /runners answers"
is "$(body "len(j['runners'])")" 0 "no runners yet"
is "$(req GET /jobs)" 200 "GET /jobs answers"

B1=$(hexid one)
is "$(req POST /jobs/submit "$(job_body "$B1")")" 401 "submit without a token: 401"
is "$(body "j['code']")" unauthorized "the error says unauthorized"
is "$(req POST /jobs/submit "$(job_body "$B1")" wrong-token-wrong-token)" 401 "submit with a wrong token: 401"
is "$(req POST /jobs/submit '{"module": "m", ' "$OP")" 400 "malformed JSON: 400"
is "$(body "j['code']")" bad_request "the error says bad_request"
is "$(req POST /jobs/submit "$(job_body "$B1" ',"colour":"red"')" "$OP")" 400 "an unknown field: 400"
grep -q colour "$TMP/body"; ok $? "the error names the unknown field"
big=$(head -c 6000 /dev/zero | tr '\0' x)
is "$(req POST /jobs/submit "$(job_body "$B1" ",\"pad\":\"$big\"")" "$OP")" 413 "a body over max_body_kib: 413"
is "$(req POST /jobs/submit "$(job_body "$B1")" "$OP")" 201 "submit: 201"
J1=$(body "j['id']")
is "$(body "j['state'], j['priority'], j['max_attempts']")" "pending medium 2" "a new job is pending"
is "$(req POST /jobs/submit "$(job_body "$B1")" "$OP")" 200 "the same build id again: 200"
is "$(body "j['id'], j['deduplicated']")" "$J1 True" "it is the same job, deduplicated"
is "$(req GET /jobs/99999)" 404 "an unknown job: 404"
is "$(req POST /jobs/99999/cancel "" "$OP")" 404 "cancel of an unknown job: 404"

# Strings and numbers of a submit: a module name by the manifest's rule, clean UTF-8 text,
# resources within qtm-module(5)'s bounds.
B9=$(hexid strict)
is "$(req POST /jobs/submit "$(job_body "$B9" | sed 's/"m"/"Bad Name"/')" "$OP")" 400 "a module name against the manifest's rule: 400"
is "$(req POST /jobs/submit "$(printf '{"module":"m\377","version":"1","build_id":"%s","spec":{}}' "$B9")" "$OP")" 400 \
	"invalid UTF-8 in a body: 400"
grep -q "UTF-8" "$TMP/body"; ok $? "the error says UTF-8"
is "$(req POST /jobs/submit "$(printf '{"module":"m","version":"1\\u0000x","build_id":"%s","spec":{}}' "$B9")" "$OP")" 400 \
	"a NUL (\\u0000) in a string: 400"
is "$(req POST /jobs/submit "$(printf '{"module":"m","version":"1","build_id":"%s","spec":{"d":"\\u001b[2J"}}' "$B9")" "$OP")" 400 \
	"an escape character in a nested string: 400"
grep -q '"d\\"' "$TMP/body"; ok $? "the error names the field"
is "$(req POST /jobs/submit "$(job_body "$B9" ',"resources":{"cpus":1e30}')" "$OP")" 400 "resources.cpus 1e30: 400"
grep -q "resources.cpus" "$TMP/body"; ok $? "the error names resources.cpus"
is "$(req POST /jobs/submit "$(job_body "$B9" ',"resources":{"time_limit_s":-1}')" "$OP")" 400 "resources.time_limit_s -1: 400"
is "$(req GET "/jobs?limit=100")" 200 "the job list still answers"
is "$(body "len([x for x in j['jobs'] if x['build_id'] == '$B9'])")" 0 "and none of the refused jobs is in it"

# Query parameters: unknown ones and bad values are a 400 naming them, never ignored.
is "$(req GET "/jobs?status=pending")" 400 "GET /jobs?status=pending (an unknown parameter): 400"
grep -q '\\"status\\"' "$TMP/body" && grep -q "state" "$TMP/body"; ok $? "the error names it and the known ones"
is "$(req GET "/jobs?state=waiting")" 400 "an unknown state: 400"
grep -q "waiting" "$TMP/body"; ok $? "the error names the value"
is "$(req GET "/jobs?limit=-1")" 400 "a negative limit: 400"
is "$(req GET "/jobs?state=pending&state=failed")" 400 "a parameter given twice: 400"
is "$(req GET "/jobs?module=m&state=pending")" 200 "module and state filters answer"
is "$(body "sorted(set(x['module'] for x in j['jobs'])) == ['m'] and all(x['state'] == 'pending' for x in j['jobs'])")" True \
	"and list only that module's pending jobs"
is "$(req GET "/runners/no-such-runner/logs")" 404 "the log of an unknown runner: 404"
is "$(req POST "/scale?target=2" "" "$OP")" 400 "POST /scale?target=2 (not target_runners): 400"
grep -q "target_runners" "$TMP/body"; ok $? "the error names the known parameter"

# The runner side.
enroll='{"name":"r1","host":"testhost","executor":"fleet","capability":{"cores":4,"memory_mb":8192,"cuda":false}}'
is "$(req POST /v1/runners/enroll "$enroll" "$OP")" 401 "enroll with the operator token: 401"
is "$(req POST /v1/runners/enroll '{"name":"big","host":"h","executor":"fleet","capability":{"cores":1e30}}' "$RT")" 400 \
	"an enrollment claiming 1e30 cores: 400"
is "$(req POST /v1/runners/enroll "$enroll" "$RT")" 200 "enroll with the enrollment token"
R1=$(body "j['runner_id']")
S1=$(body "j['secret']")
is "$(req POST /v1/job/claim "{\"runner_id\":\"$R1\"}" "$RT")" 401 "claim with the enrollment token: 401"
is "$(req POST /v1/job/claim "{\"runner_id\":\"$R1\"}" "$S1")" 200 "claim: 200"
is "$(body "j['job']['id'], j['job']['state'], j['job']['spec']['k'], len(j['lease'])")" "$J1 running 1 32" \
	"the claim carries the job, its spec and a lease"
L1=$(body "j['lease']")
is "$(req POST /v1/job/claim "{\"runner_id\":\"$R1\"}" "$S1")" 204 "nothing else to claim: 204"
for bad in '"progress":5' '"progress":-1' '"eta_s":-100' '"progress":0.5,"eta_s":1e30'; do
	is "$(req POST "/v1/job/$J1/heartbeat" "{\"lease\":\"$L1\",$bad}" "$S1")" 400 "a heartbeat with $bad: 400"
done
is "$(req POST "/v1/job/$J1/heartbeat" "{\"lease\":\"$L1\",\"progress\":0.5,\"loss\":0.25}" "$S1")" 200 "heartbeat"
is "$(body "j['cancel']")" False "no cancel asked"
FORGED=0123456789abcdef0123456789abcdef
is "$(req POST "/v1/job/$J1/heartbeat" "{\"lease\":\"$FORGED\"}" "$S1")" 409 "a forged lease: 409"
is "$(req POST "/v1/job/99999/heartbeat" "{\"lease\":\"$L1\"}" "$S1")" 404 "heartbeat of an unknown job: 404"
printf 'epoch 1\n' >"$TMP/log1"
is "$(req POST "/v1/job/$J1/log?lease=$L1" "" "$S1" --data-binary @"$TMP/log1")" 200 "log lines appended"

printf 'artifact one\n' >"$TMP/a1"
A1=$(sha "$TMP/a1")
is "$(req POST "/v1/job/$J1/complete" "{\"lease\":\"$L1\",\"sha256\":\"$A1\",\"size\":13}" "$S1")" 422 \
	"complete before the artifact is held: 422"
is "$(req PUT "/v1/artifact/$B1?lease=$L1" "" "$S1" -H "X-Qtm-Sha256: $(hexid other)" --data-binary @"$TMP/a1")" 422 \
	"an upload whose bytes do not match X-Qtm-Sha256: 422"
is "$(ls "$STATE/artifacts" | wc -l)" 0 "nothing was kept of it"
is "$(req PUT "/v1/artifact/$B1?lease=$L1" "" "$S1" -H "X-Qtm-Sha256: $A1" --data-binary @"$TMP/a1")" 201 "a good upload: 201"
is "$(req PUT "/v1/artifact/$B1?lease=$L1" "" "$S1" -H "X-Qtm-Sha256: $A1" --data-binary @"$TMP/a1")" 200 "again: 200"
is "$(body "j['stored']")" False "stored: false the second time"
is "$(req POST "/v1/job/$J1/complete" "{\"lease\":\"$FORGED\",\"sha256\":\"$A1\",\"size\":13}" "$S1")" 409 \
	"complete with a forged lease: 409"
is "$(req POST "/v1/job/$J1/complete" "{\"lease\":\"$L1\",\"sha256\":\"$A1\",\"size\":13}" "$S1")" 200 "complete"
req GET "/jobs/$J1" >/dev/null
is "$(body "j['state'], j['artifact']['sha256'] == '$A1', j['attempt_log'][0]['outcome'], len(j['loss'])")" \
	"completed True completed 1" "the job is completed with its artifact"
is "$(req GET "/v1/artifact/$B1" "" "$OP")" 200 "the artifact can be downloaded"
cmp -s "$TMP/body" "$TMP/a1"; ok $? "with the bytes uploaded"

# An artifact held before submission completes the job at once.
B2=$(hexid two)
printf 'artifact two\n' >"$TMP/a2"
req PUT "/v1/artifact/$B2" "" "$OP" -H "X-Qtm-Sha256: $(sha "$TMP/a2")" --data-binary @"$TMP/a2" >/dev/null
is "$(req POST /jobs/submit "$(job_body "$B2")" "$OP")/$(body "j['state']")" 201/completed \
	"a job whose artifact is held completes at once"

# A small artifact may come inline in the completion ("artifact": base64), checked as an upload.
B9=$(hexid nine)
req POST /jobs/submit "$(job_body "$B9")" "$OP" >/dev/null
J9=$(body "j['id']")
req POST /v1/job/claim "{\"runner_id\":\"$R1\"}" "$S1" >/dev/null
L9=$(body "j['lease']")
printf 'artifact nine\n' >"$TMP/a9"
A9=$(sha "$TMP/a9")
I9=$(base64 -w0 "$TMP/a9")
n_art=$(ls "$STATE/artifacts" | wc -l)
is "$(req POST "/v1/job/$J9/complete" "{\"lease\":\"$L9\",\"sha256\":\"$A9\",\"size\":14,\"artifact\":\"no base64!\"}" \
	"$S1")" 400 "an inline artifact that is not base64: 400"
is "$(req POST "/v1/job/$J9/complete" "{\"lease\":\"$L9\",\"sha256\":\"$A9\",\"size\":14,\"artifact\":\"$(printf 'artifact ten\n' |
	base64 -w0)\"}" "$S1")" 422 "inline bytes whose sha256 is not the declared one: 422"
is "$(req POST "/v1/job/$J9/complete" "{\"lease\":\"$FORGED\",\"sha256\":\"$A9\",\"size\":14,\"artifact\":\"$I9\"}" \
	"$S1")" 409 "an inline artifact under a forged lease: 409"
is "$(ls "$STATE/artifacts" | wc -l)" "$n_art" "nothing was stored of those"
is "$(req GET "/jobs/$J9" "" "$OP")/$(body "j['state']")" 200/running "the job still runs"
is "$(req POST "/v1/job/$J9/complete" "{\"lease\":\"$L9\",\"sha256\":\"$A9\",\"size\":14,\"artifact\":\"$I9\",\"claim\":true}" \
	"$S1")/$(body "j['ok'], j['next']")" "200/True None" "complete with the artifact inline (and nothing next to claim)"
req GET "/v1/artifact/$B9" "" "$OP" >/dev/null
cmp -s "$TMP/body" "$TMP/a9"; ok $? "the inline artifact is held like an uploaded one"
req GET "/jobs/$J9" >/dev/null
is "$(body "j['state'], j['artifact']['sha256'] == '$A9', j['attempt_log'][0]['outcome']")" "completed True completed" \
	"the job is completed with it"

# Cancel: pending at once; running through the runner.
B3=$(hexid three) B4=$(hexid four)
req POST /jobs/submit "$(job_body "$B3" ',"priority":"low"')" "$OP" >/dev/null
J3=$(body "j['id']")
req POST /jobs/submit "$(job_body "$B4" ',"priority":"high"')" "$OP" >/dev/null
J4=$(body "j['id']")
is "$(req POST "/jobs/$J3/cancel" "" "$OP")/$(body "j['state']")" 200/cancelled "cancel of a pending job"
req POST /v1/job/claim "{\"runner_id\":\"$R1\"}" "$S1" >/dev/null
L4=$(body "j['lease']")
is "$(body "j['job']['id']")" "$J4" "the high-priority job is claimed"
is "$(req POST "/jobs/$J4/cancel" "" "$OP")/$(body "j['state'], j['cancel_requested']")" "200/running True" \
	"cancel of a running job is requested"
req POST "/v1/job/$J4/heartbeat" "{\"lease\":\"$L4\"}" "$S1" >/dev/null
is "$(body "j['cancel']")" True "the runner learns it at its heartbeat"
req POST "/v1/job/$J4/fail" "{\"lease\":\"$L4\",\"error\":\"killed\"}" "$S1" >/dev/null
is "$(body "j['state']")" cancelled "its fail ends it cancelled"
is "$(req POST "/jobs/$J3/requeue" "" "$OP")/$(body "j['state'], j['attempts']")" "200/pending 0" "requeue of a cancelled job"
req POST "/jobs/$J3/cancel" "" "$OP" >/dev/null

# requeue --force: a running job's attempt ends, its lease with it, and it is pending again; a
# completed one is refused; no job is lost and none runs twice.
BF=$(hexid forced)
req POST /jobs/submit "$(job_body "$BF")" "$OP" >/dev/null
JF=$(body "j['id']")
req POST /v1/job/claim "{\"runner_id\":\"$R1\"}" "$S1" >/dev/null
LF=$(body "j['lease']")
is "$(body "j['job']['id']")" "$JF" "the job to force back is claimed"
is "$(req POST "/jobs/$JF/requeue" "" "$OP")" 409 "requeue of a running job without force: 409"
grep -q -- "--force" "$TMP/body"; ok $? "the refusal names --force"
is "$(req POST "/jobs/$JF/requeue?force=yes" "" "$OP")" 400 "force=yes: 400"
is "$(req POST "/jobs/$JF/requeue?forse=1" "" "$OP")" 400 "an unknown parameter of requeue: 400"
is "$(req POST "/jobs/$JF/requeue?force=1" "" "$OP")/$(body "j['state'], j['attempts'], j['runner']")" "200/pending 0 None" \
	"requeue --force of a running job puts it back to pending"
is "$(req POST "/v1/job/$JF/heartbeat" "{\"lease\":\"$LF\"}" "$S1")" 409 "the runner's old lease is refused: it abandons the training"
is "$(req POST "/v1/job/$JF/log?lease=$LF" "" "$S1" --data-binary @"$TMP/log1")" 409 "and its log too"
req GET "/jobs/$JF" >/dev/null
is "$(body "[a['outcome'] for a in j['attempt_log']]")" "['requeued']" "the ended attempt is recorded as requeued"
is "$(req POST /v1/job/claim "{\"runner_id\":\"$R1\"}" "$S1")/$(body "j['job']['id']")" "200/$JF" "the job is claimed again"
LF2=$(body "j['lease']")
req POST "/jobs/$JF/cancel" "" "$OP" >/dev/null
req POST "/v1/job/$JF/fail" "{\"lease\":\"$LF2\",\"error\":\"killed\"}" "$S1" >/dev/null
is "$(req POST "/jobs/$J1/requeue?force=1" "" "$OP")" 409 "requeue --force of a job that just completed: 409"
req GET "/jobs/$J1" >/dev/null
is "$(body "j['state'], len(j['attempt_log'])")" "completed 1" "and it stays completed, run once"

# Lease expiry, then max attempts (2): every attempt's log is kept.
B5=$(hexid five)
req POST /jobs/submit "$(job_body "$B5")" "$OP" >/dev/null
J5=$(body "j['id']")
req POST /v1/job/claim "{\"runner_id\":\"$R1\"}" "$S1" >/dev/null
L5=$(body "j['lease']")
printf 'attempt one\n' >"$TMP/log5"
req POST "/v1/job/$J5/log?lease=$L5" "" "$S1" --data-binary @"$TMP/log5" >/dev/null
wait_state "$J5" pending; ok $? "an expired lease returns the job to pending"
is "$(body "j['attempt_log'][0]['outcome'], j['attempts']")" "lost 1" "the attempt is recorded as lost"
is "$(req POST "/v1/job/$J5/heartbeat" "{\"lease\":\"$L5\"}" "$S1")" 409 "the old lease is refused"
i=0
while [ "$(req POST /v1/job/claim "{\"runner_id\":\"$R1\"}" "$S1")" != 200 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
L5b=$(body "j['lease']")
printf 'attempt two\n' >"$TMP/log5"
req POST "/v1/job/$J5/log?lease=$L5b" "" "$S1" --data-binary @"$TMP/log5" >/dev/null
req POST "/v1/job/$J5/fail" "{\"lease\":\"$L5b\",\"error\":\"boom\"}" "$S1" >/dev/null
is "$(body "j['state'], j['attempts'], j['error']")" "failed 2 boom" "after max_attempts the job fails"
req GET "/jobs/$J5" >/dev/null
is "$(body "[a['outcome'] for a in j['attempt_log']]")" "['lost', 'failed']" "both attempts are in its log"
is "$(req GET "/jobs/$J5/logs?attempt=1")$(cat "$TMP/body")" "200attempt one" "the first attempt's log is kept"
is "$(req GET "/jobs/$J5/logs")$(cat "$TMP/body")" "200attempt two" "the latest attempt's log"
is "$(grep -i '^x-qtm-log-offset' "$TMP/headers" | tr -d '\r' | cut -d' ' -f2)" 12 "with the next offset"

# A restart keeps everything.
stop_hived
is "$stopped" 0 "SIGTERM stops qtm-hived cleanly"
start_hived
req GET /jobs >/dev/null
is "$(body "sorted((x['id'], x['state']) for x in j['jobs'])")" \
	"[($J1, 'completed'), ($((J1 + 1)), 'completed'), ($J9, 'completed'), ($J3, 'cancelled'), ($J4, 'cancelled'), ($JF, 'cancelled'), ($J5, 'failed')]" \
	"after a restart every job is there in its state"
is "$(req POST /v1/job/claim "{\"runner_id\":\"$R1\"}" "$S1")" 204 "the runner's secret still works"

# A claim may name its job (qtm-runner --job ID): exactly that one, when it may run there.
B6=$(hexid six) B7=$(hexid seven) B8=$(hexid eight)
req POST /jobs/submit "$(job_body "$B6" ',"priority":"high"')" "$OP" >/dev/null
req POST /jobs/submit "$(job_body "$B7" ',"priority":"low"')" "$OP" >/dev/null
J7=$(body "j['id']")
req POST /jobs/submit "$(job_body "$B8" ',"resources":{"cpus":64}')" "$OP" >/dev/null
J8=$(body "j['id']")
is "$(req POST /v1/job/claim "{\"runner_id\":\"$R1\",\"job\":$J7}" "$S1")/$(body "j['job']['id'], j['job']['state']")" \
	"200/$J7 running" "a claim naming the low-priority job gets that job, not the high one"
is "$(req POST /v1/job/claim "{\"runner_id\":\"$R1\",\"job\":$J1}" "$S1")" 409 "naming a job that is not pending: 409"
is "$(req POST /v1/job/claim "{\"runner_id\":\"$R1\",\"job\":$J8}" "$S1")" 204 \
	"naming a pending job that does not fit the runner: 204"
is "$(req POST /v1/job/claim "{\"runner_id\":\"$R1\",\"job\":99999}" "$S1")" 404 "naming an unknown job: 404"
is "$(req POST /v1/job/claim "{\"runner_id\":\"$R1\",\"job\":\"x\"}" "$S1")" 400 "a \"job\" that is no id: 400"

# hive clean removes the finished jobs and the artifacts no job needs, with their attestations.
is "$(req GET "/v1/artifact/$B1/attestation" "" "$OP")" 200 "a completed job's artifact has its attestation"
is "$(req POST "/clean?older_than_days=0" "" "$OP")" 200 "clean"
is "$(req GET "/v1/artifact/$B1/attestation" "" "$OP")" 404 "after clean the artifact's attestation is gone with it"
stop_hived
is "$(/usr/bin/python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM attestations WHERE build_id NOT IN (SELECT build_id FROM artifacts)").fetchone()[0])' "$STATE/hive.db")" 0 \
	"and no attestation row outlives its artifact"
done_testing
