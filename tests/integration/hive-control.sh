#!/bin/sh
# hive-control.sh - hive-control (and qtm hive) against a real qtm-hived on loopback: init,
# start, status (text and --json), runners, jobs and their filters, spawn/scale/kill with the
# local executor, submit/cancel/requeue, logs of a job, module or runner, a wrong token, stop,
# a dead hive (exit status 5) and the stopped local one (exit status 10).
. "$(dirname "$0")/lib.sh"
plan 57

HC=$top_builddir/src/hive-control/hive-control
R=$TMP/root
S=$R/var/lib/qtm/hive
hc() { "$HC" --root "$R" "$@"; }

# wait_for DESCRIPTION CMD...: polls CMD (up to 60 s) until it succeeds; the outcome is what the
# caller then asserts, this only avoids racing an asynchronous step.
wait_for() {
	_i=0
	shift
	until "$@" >/dev/null 2>&1; do
		_i=$((_i + 1))
		[ $_i -ge 600 ] && return 1
		sleep 0.1
	done
}

run hc init
ok $status "init succeeds"
is "$(stat -c %a "$S/operator.token") $(stat -c %a "$S/runner.token")" "600 600" "the tokens are private"
grep -Eqx '[0-9a-f]{64}' "$S/operator.token"; ok $? "the operator token is 32 random bytes as hex"
is "$(grep -c -E '^(executor = local|min_runners = 1|max_runners = 4|runner_cpus = 2|runner_memory_mb = 4096)$' "$S/hive.conf")" 5 \
	"hive.conf holds the defaults"
tok=$(cat "$S/operator.token")
run hc --json init
is "$(json_get "$TMP/out" "j['created']")" False "a second init keeps what exists"
is "$(cat "$S/operator.token")" "$tok" "and the token is unchanged"

# No runner at start: the test spawns them itself.
sed -i 's/^min_runners = 1$/min_runners = 0/' "$S/hive.conf"

dead=$(free_port)
fails_with 5 "http://127.0.0.1:$dead" "a dead hive is exit status 5, naming its URL" -- \
	hc --hive "http://127.0.0.1:$dead" status

port=$(free_port)
run hc start --listen "127.0.0.1:$port"
ok $status "start succeeds"
BG_PIDS="${BG_PIDS:-} $(cat "$S/hived.pid" 2>/dev/null)"
grep -q "http://127.0.0.1:$port" "$TMP/out"; ok $? "start prints the URL"
is "$(cat "$S/url")" "http://127.0.0.1:$port" "the daemon wrote its URL to the state directory"
run hc start
grep -q "already running" "$TMP/out"; ok $? "a second start finds it running"

run hc status
ok $status "status succeeds"
for l in "Hive Status:" "Orchestrator: Running" "System:" "  CPU: " "  Memory: " "  Disk: " \
	"Runners:" "  Active: 0" "  Max: 4" "Queue:" "  Pending: 0" "  Completed: 0"; do
	grep -q "^$l" "$TMP/out" || { echo "# missing: $l"; missing=1; }
done
ok ${missing:-0} "status prints the seed's layout"
! grep -q "$(printf '\033')" "$TMP/out"; ok $? "no colour codes under NO_COLOR"

run "$QTM" --root "$R" hive status --json
is "$(json_get "$TMP/out" "j['orchestrator'], j['runners']['max'], j['url']")" \
	"running 4 http://127.0.0.1:$port" "qtm hive status --json gives the same status"

run hc --json spawn 1
ok $status "spawn 1 succeeds"
rid=$(json_get "$TMP/out" "j['runners'][0]")
runner_listed() { hc --json runners >"$TMP/rn" && json_get "$TMP/rn" "[r['id'] for r in j['runners'] if r['state'] in ('idle','busy')]" | grep -q "'$1'"; }
wait_for "runner enrolls" runner_listed "$rid"
ok $? "the spawned runner $rid enrolls and is listed"
run hc runners
grep -q "^$rid " "$TMP/out"; ok $? "runners lists it as text"
run hc status
grep -q "^  Active: 1 (busy 0, idle 1)" "$TMP/out" && grep -q "^  Available: 3" "$TMP/out"
ok $? "with one idle runner of 4: Active: 1 / Available: 3"
run hc --json logs "$rid"
is "$status $(json_get "$TMP/out" "j['runner']")" "0 $rid" "logs of a runner id is that runner's own log"
fails_with 4 "ghost-9" "logs of an unknown runner is exit status 4, naming it" -- hc logs --runner ghost-9

run hc --json kill "$rid"
ok $status "kill stops it"
runner_gone() { ! runner_listed "$1"; }
wait_for "runner stops" runner_gone "$rid"
ok $? "the killed runner is no longer active"
fails_with 4 "no-such-runner|not found" "killing an unknown runner is exit status 4" -- hc kill no-such-runner

run hc --json scale 2
is "$(json_get "$TMP/out" "j['target_runners']")" 2 "scale 2 sets the target"
is "$(json_get "$TMP/out" "len([r for r in j['runners'] if r.startswith('local-')])")" 2 "and names the runners it starts"
scaled() { hc --json status >"$TMP/st" && [ "$(json_get "$TMP/st" "j['runners']['total']")" -ge 2 ]; }
wait_for "two runners" scaled
ok $? "two runners are up after scale 2"
run hc scale 0
ok $status "scale 0 succeeds"
# min_runners is only the floor until an operator scales: scale 0 leaves none, and runners
# stopped on purpose leave the listing (their jobs' attempts keep their names), not "lost".
none_listed() { hc --json runners >"$TMP/rn" && [ "$(json_get "$TMP/rn" "len(j['runners'])")" = 0 ]; }
wait_for "no runners" none_listed
ok $? "after scale 0 no runner is left, and none is listed as lost"
# No runner may take the jobs submitted next (the local executor scales up with the queue):
# restart with the fleet executor, which starts none.
run hc restart --executor fleet
ok $status "restart succeeds"
BG_PIDS="${BG_PIDS:-} $(cat "$S/hived.pid" 2>/dev/null)"
grep -q "http://127.0.0.1:$port" "$TMP/out"; ok $? "restart keeps the address"

# submit: a tiny module from a test repository configured in the same root.
make_module "$TMP/mods/tiny" tiny model
build_repo "$TMP/repo" "$TMP/mods"
use_source "$R" test "file://$TMP/repo"
run hc --json submit tiny low
ok $status "submit tiny low succeeds"
id=$(json_get "$TMP/out" "j[-1]['id']")
is "$(json_get "$TMP/out" "j[-1]['module'], j[-1]['priority']")" "tiny low" "the job is queued at the given priority"
run hc --json jobs
is "$(json_get "$TMP/out" "[x['id'] for x in j['jobs']].count($id)")" 1 "jobs lists it"
fails_with 1 "401|token|unauthori" "a wrong token is refused with the hive's reason" -- hc --token wrong cancel "$id"
run hc --json cancel "$id"
st=$(json_get "$TMP/out" "j['state']")
is "$st" cancelled "cancel of a pending job cancels it at once"
run hc --json requeue "$id"
is "$(json_get "$TMP/out" "j['state']")" pending "requeue puts it back in the queue"
run hc --json requeue --force "$id"
is "$status" 3 "requeue --force of a pending job is refused as busy (exit status 3)"
run hc --json logs "$id"
ok $status "logs of a job not yet run succeeds"
run hc --json logs tiny
is "$status $(json_get "$TMP/out" "j['job']")" "0 $id" "logs of a module is its latest job's log"
run hc --json logs --job "$id"
is "$status $(json_get "$TMP/out" "j['job']")" "0 $id" "--job forces a job id"
fails_with 4 "no-such-word" "logs of a word that is no job, runner or module is exit status 4" -- hc logs no-such-word
fails_with 4 "no-such-module" "logs --module of a module without jobs is exit status 4" -- hc logs --module no-such-module
run hc --json jobs --module tiny --state pending
is "$(json_get "$TMP/out" "[x['id'] for x in j['jobs']]")" "[$id]" "jobs --module --state lists that module's jobs in that state"
cp "$TMP/out" "$TMP/out.jobs"
run hc show "$id"
grep -q "^Job $id: tiny " "$TMP/out" && grep -q "^Build id: *$(json_get "$TMP/out.jobs" "j['jobs'][0]['build_id']" 2>/dev/null)" "$TMP/out" &&
	grep -q "^Attempts:" "$TMP/out" && grep -q "^Artifact:" "$TMP/out" && grep -q "^Metrics:" "$TMP/out"
ok $? "show prints the job: module, build id, attempts, artifact, metrics"
run hc --json show "$id"
is "$(json_get "$TMP/out" "j['id'], j['module'], 'attempt_log' in j, 'spec' in j")" "$id tiny True True" "show --json is the whole job"
fails_with 4 "999999" "show of an unknown job is exit status 4" -- hc show 999999
fails_with 2 "usage" "show of a word is a usage error" -- hc show tiny
run hc --json jobs --module other
is "$(json_get "$TMP/out" "len(j['jobs'])")" 0 "and none of another module"
fails_with 4 "999999" "logs of an unknown job is exit status 4" -- hc logs 999999
fails_with 4 "999999" "cancel of an unknown job is exit status 4" -- hc cancel 999999
fails_with 2 "usage" "scale without a number is a usage error" -- hc scale lots

run hc stop
ok $status "stop succeeds"
fails_with 5 "http://127.0.0.1:$port" "status of the stopped hive is exit status 5" -- hc --hive "http://127.0.0.1:$port" status
run hc status
is "$status" 10 "status of the stopped local hive is exit status 10"
grep -q "^Orchestrator: stopped (last at http://127.0.0.1:$port)" "$TMP/out"; ok $? "it says stopped, with the address it last used"
run hc --json status
is "$(json_get "$TMP/out" "j['orchestrator'], j['url']")" "stopped http://127.0.0.1:$port" "and the same as JSON"
done_testing
