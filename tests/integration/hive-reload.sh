#!/bin/sh
# hive-reload.sh - a real qtm-hived on loopback with a local runner: SIGHUP, hive-control reload
# and POST /reload re-read hive.conf (a changed limit is applied; a broken file or a changed
# executor is refused with the line or the reason, and the running configuration stays);
# SIGHUP while the runner claims loses no job and runs none twice; SIGTERM drains (a running
# training finishes), and past drain_timeout_s what is left is requeued, not lost.
. "$(dirname "$0")/lib.sh"
plan 16

HC=$top_builddir/src/hive-control/hive-control
make_module "$TMP/mods/data-a" data-a dataset
for m in a b c; do
	mkdir -p "$TMP/mods/model-$m"
	printf 'sleep 1\necho trained >"$QTM_OUTPUT/model.txt"\n' >"$TMP/mods/model-$m/train.sh"
	make_module "$TMP/mods/model-$m" "model-$m" model ',"requires":["data-a >= 1.0"]'
done
mkdir -p "$TMP/mods/model-slow"
printf 'sleep 4\necho trained >"$QTM_OUTPUT/model.txt"\n' >"$TMP/mods/model-slow/train.sh"
make_module "$TMP/mods/model-slow" model-slow model ',"requires":["data-a >= 1.0"]'
mkdir -p "$TMP/mods/model-endless"
printf 'sleep 120\n' >"$TMP/mods/model-endless/train.sh"
make_module "$TMP/mods/model-endless" model-endless model ',"requires":["data-a >= 1.0"]'
build_repo "$TMP/repo" "$TMP/mods"

STATE=$TMP/hive
mkdir -p "$STATE"
cp "$(test_key).pub" "$STATE/repo-key.pub"
conf() { # conf MAX [EXTRA]: writes hive.conf
	printf 'executor = local\nmin_runners = 1\nmax_runners = %s\nrunner_cpus = 1\nlease_ttl_s = 20\n%s\nsource = t file://%s repo-key.pub\n' \
		"$1" "${2-}" "$TMP/repo" >"$STATE/hive.conf"
}
conf 1
hived_start "$STATE"
op() { # op METHOD PATH [BODY]: the status on stdout, the answer in $TMP/body
	curl -s -o "$TMP/body" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $OP" -H 'Content-Type: application/json' \
		${3:+--data-binary "$3"} "$URL$2"
}
status_max() { curl -s "$URL/status" >"$TMP/st.json" && json_get "$TMP/st.json" "j['runners']['max']"; }
# poll_until CMD WANT: up to 60 s
poll_until() {
	i=0
	while [ $i -lt 600 ]; do
		[ "$($1)" = "$2" ] && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
job_field() { curl -s "$URL/jobs/$1" >"$TMP/job.json" && json_get "$TMP/job.json" "$2"; }

is "$(status_max)" 1 "max_runners 1 at start"
conf 3
kill -HUP "$HIVED_PID"
poll_until status_max 3
ok $? "SIGHUP re-reads hive.conf: max_runners 3 applied"
kill -0 "$HIVED_PID"
ok $? "and the daemon still runs"
conf 2
is "$(op POST /reload)" 200 "POST /reload with the operator token"
is "$(status_max)" 2 "applies max_runners 2"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/reload")" 401 "POST /reload without the token: 401"

printf 'max_runners = lots\n' >>"$STATE/hive.conf"
fails_with 1 'hive.conf:8: max_runners must be an integer' "hive-control reload of a broken file fails, naming the line and the reason" -- \
	"$HC" --hive "$URL" --token "$OP" reload
is "$(status_max)" 2 "and the running configuration stays"
conf 2
sed -i 's/executor = local/executor = fleet/' "$STATE/hive.conf"
is "$(op POST /reload)" 400 "a reload that changes the executor: 400"
grep -q 'executor cannot change from local to fleet' "$TMP/body"
ok $? "naming the reason"
conf 1

# SIGHUP while the runner claims and trains: each job runs once, none is lost.
is "$(op POST /jobs/submit '{"module":"model-a"}') $(op POST /jobs/submit '{"module":"model-b"}') $(op POST /jobs/submit '{"module":"model-c"}')" \
	"201 201 201" "three jobs submitted by name"
n=0
while [ $n -lt 40 ]; do
	kill -HUP "$HIVED_PID"
	curl -s "$URL/jobs" >"$TMP/jobs.json"
	[ "$(json_get "$TMP/jobs.json" "all(x['state'] == 'completed' for x in j['jobs'])")" = True ] && break
	sleep 0.5; n=$((n + 1))
done
curl -s "$URL/jobs" >"$TMP/jobs.json"
i=0
while [ "$(json_get "$TMP/jobs.json" "all(x['state'] == 'completed' for x in j['jobs'])")" != True ] && [ $i -lt 600 ]; do
	sleep 0.1; i=$((i + 1)); curl -s "$URL/jobs" >"$TMP/jobs.json"
done
is "$(json_get "$TMP/jobs.json" "sorted((x['module'], x['state'], x['attempts']) for x in j['jobs'])")" \
	"[('model-a', 'completed', 1), ('model-b', 'completed', 1), ('model-c', 'completed', 1)]" \
	"under SIGHUPs every job completed, each in one attempt"

# SIGTERM drains: the running training finishes, then the daemon exits.
op POST /jobs/submit '{"module":"model-slow"}' >/dev/null
slow=$(json_get "$TMP/body" "j['jobs'][0]['id']")
poll_until "job_field $slow j['state']" running
kill -TERM "$HIVED_PID"
wait "$HIVED_PID"
is "$?" 0 "SIGTERM during a training: qtm-hived exits 0 once it is done"
grep -q "draining" "$TMP/hived.log"
ok $? "saying it drains"
hived_start "$STATE"
is "$(job_field "$slow" "(j['state'], j['attempts'])")" "('completed', 1)" "the training finished during the drain"

# Past drain_timeout_s the job still running is requeued.
conf 1 'drain_timeout_s = 1'
kill -HUP "$HIVED_PID"
op POST /jobs/submit '{"module":"model-endless"}' >/dev/null
endless=$(json_get "$TMP/body" "j['jobs'][0]['id']")
poll_until "job_field $endless j['state']" running
sleep 0.2
kill -TERM "$HIVED_PID"
wait "$HIVED_PID"
hived_start "$STATE"
is "$(job_field "$endless" "j['state'] in ('pending', 'running')")" True "past drain_timeout_s the job went back to the queue, not lost"
kill -QUIT "$HIVED_PID"
wait "$HIVED_PID"
done_testing
