#!/bin/sh
# hive-runner.sh - real qtm-runner --once against a real qtm-hived on loopback with a tiny real
# module: claim, train in the sandbox, stream the log, upload the artifact, complete; then a
# cancel and a SIGTERM in the middle of a slow training.
. "$(dirname "$0")/lib.sh"
plan 18

HC=$top_builddir/src/hive-control/hive-control
RUNNER=$top_builddir/src/qtm-runner/qtm-runner
H=$TMP/hive
S=$H/var/lib/qtm/hive
C=$TMP/client
hc() { "$HC" --root "$C" --hive "$URL" --token "@$S/operator.token" "$@"; }

wait_for() {
	_i=0
	until "$@" >/dev/null 2>&1; do
		_i=$((_i + 1))
		[ $_i -ge 600 ] && return 1
		sleep 0.1
	done
}

# The hive (fleet: it starts no runners of its own) and a client root with the test repository.
"$HC" --root "$H" init >/dev/null || { echo "Bail out! hive-control init"; exit 1; }
port=$(free_port)
"$HC" --root "$H" start --executor fleet --listen "127.0.0.1:$port" >"$TMP/start.log" 2>&1 ||
	{ echo "Bail out! hive-control start: $(cat "$TMP/start.log")"; exit 1; }
BG_PIDS="${BG_PIDS:-} $(cat "$S/hived.pid")"
URL=http://127.0.0.1:$port

make_module "$TMP/mods/tiny" tiny model
make_module "$TMP/mods/tiny2" tiny2 model
make_module "$TMP/mods/tiny3" tiny3 model
mkdir -p "$TMP/mods/slow"
# Its process names carry this test's marker, so that a leftover one can be found.
marker=hive-slow-$(basename "$TMP")
cat >"$TMP/mods/slow/train.sh" <<SH
exec /bin/sh -c 'i=0
while [ \$i -lt 3000 ]; do
	i=\$((i + 1))
	echo "@qtm progress {\\"step\\":\$i,\\"steps\\":3000,\\"loss\\":0.5}"
	sleep 0.1
done
echo trained >"\$QTM_OUTPUT/model.txt"' $marker
SH
make_module "$TMP/mods/slow" slow model
sed -i 's/"time_limit_s":20/"time_limit_s":600/' "$TMP/mods/slow/module.json"
build_repo "$TMP/repo" "$TMP/mods"
use_source "$C" test "file://$TMP/repo"

# 1. One job, start to finish.
run hc --json submit tiny
ok $status "the tiny job is submitted"
id=$(json_get "$TMP/out" "j[-1]['id']")
bid=$(json_get "$TMP/out" "j[-1]['build_id']")
run "$RUNNER" --hive "$URL" --token-file "$S/runner.token" --root "$TMP/runner" --name t1 --once --wait 30 --json
ok $status "qtm-runner --once completes it"
is "$(json_get "$TMP/out" "[(x['id'], x['outcome']) for x in j['jobs']]")" "[($id, 'completed')]" "its report names the job and the outcome"
sha=$(json_get "$TMP/out" "j['jobs'][0]['sha256']")
run hc --json jobs
is "$(json_get "$TMP/out" "[(x['state'], x['artifact']['sha256']) for x in j['jobs'] if x['id'] == $id]")" \
	"[('completed', '$sha')]" "the hive holds the job as completed with the uploaded artifact's sha256"
run hc logs "$id"
grep -q '@qtm progress' "$TMP/out"; ok $? "the training log was streamed to the hive"
curl -sf -H "Authorization: Bearer $(cat "$S/operator.token")" "$URL/v1/artifact/$bid" -o "$TMP/art" 
is "$(sha256sum <"$TMP/art" | cut -d' ' -f1)" "$sha" "the stored artifact's bytes hash to what the runner reported"
[ ! -e "$TMP/runner/var/cache/qtm/hive-runner/job-$id" ]; ok $? "the runner removed its work directory"

# 1b. Without --once, a busy runner takes its next job with the completion of the last
# ("claim": true), not with a claim of its own.
run hc --json submit tiny2
id2=$(json_get "$TMP/out" "j[-1]['id']")
run hc --json submit tiny3
id3=$(json_get "$TMP/out" "j[-1]['id']")
"$RUNNER" --hive "$URL" --token-file "$S/runner.token" --root "$TMP/runner" --name t2 --json \
	>"$TMP/r1.out" 2>"$TMP/r1.err" &
rpid=$!
BG_PIDS="$BG_PIDS $rpid"
both_done() {
	hc --json jobs >"$TMP/j" &&
		[ "$(json_get "$TMP/j" "[x['state'] for x in j['jobs'] if x['id'] in ($id2, $id3)]")" = "['completed', 'completed']" ]
}
wait_for both_done
ok $? "a runner without --once completes both jobs"
kill -TERM $rpid
wait $rpid
is "$(json_get "$TMP/r1.out" "[(x['outcome'], x['via']) for x in j['jobs']]")" \
	"[('completed', 'claim'), ('completed', 'complete')]" "the second job came with the first one's completion"

# 2. Nothing to claim: --once --wait 0 says so.
fails_with 3 "no job to claim" "nothing to claim is exit status 3" -- \
	"$RUNNER" --hive "$URL" --token-file "$S/runner.token" --root "$TMP/runner" --once --wait 0

# 3. A wrong enrollment token.
echo wrong >"$TMP/bad.token"
fails_with 1 "401|token|unauthori" "a wrong enrollment token is refused" -- \
	"$RUNNER" --hive "$URL" --token-file "$TMP/bad.token" --root "$TMP/runner" --once

# 4. Cancel while it trains: the runner kills the sandbox and reports it.
running() { hc --json jobs >"$TMP/j" && [ "$(json_get "$TMP/j" "[x['state'] for x in j['jobs'] if x['id'] == $1][0]")" = running ]; }
progressed() { hc --json jobs >"$TMP/j" && json_get "$TMP/j" "[x['progress'] for x in j['jobs'] if x['id'] == $1][0]" | grep -qv None; }
run hc --json submit slow
sid=$(json_get "$TMP/out" "j[-1]['id']")
"$RUNNER" --hive "$URL" --token-file "$S/runner.token" --root "$TMP/runner" --once --wait 30 --json \
	>"$TMP/r2.out" 2>"$TMP/r2.err" &
rpid=$!
BG_PIDS="$BG_PIDS $rpid"
wait_for progressed "$sid"
ok $? "a heartbeat carried the training's progress to the hive"
hc cancel "$sid" >/dev/null
wait $rpid
rst=$?
is "$rst $(json_get "$TMP/r2.out" "j['jobs'][0]['outcome']")" "8 cancelled" "the runner stops the cancelled job and exits 8 (cancelled, qtm-exit-status(7))"
run hc --json jobs
is "$(json_get "$TMP/out" "[x['state'] for x in j['jobs'] if x['id'] == $sid][0]")" cancelled "the hive records it as cancelled"

# 5. SIGTERM while it trains: the job goes back to the queue, not failed for good.
run hc --json requeue "$sid"
"$RUNNER" --hive "$URL" --token-file "$S/runner.token" --root "$TMP/runner" --once --wait 30 --json \
	>"$TMP/r3.out" 2>"$TMP/r3.err" &
rpid=$!
BG_PIDS="$BG_PIDS $rpid"
wait_for running "$sid"
ok $? "the requeued job runs again"
kill -TERM $rpid
wait $rpid
rst=$?
is "$rst $(json_get "$TMP/r3.out" "j['jobs'][0]['outcome']")" "8 interrupted" "SIGTERM interrupts the job and the runner exits 8 (cancelled)"
run hc --json jobs
is "$(json_get "$TMP/out" "[x['state'] for x in j['jobs'] if x['id'] == $sid][0]")" pending "the interrupted job is pending again"
ps -eo args | grep -v grep | grep -q "$marker"; [ $? -ne 0 ]; ok $? "no training process is left behind"

"$HC" --root "$H" stop >/dev/null
done_testing
