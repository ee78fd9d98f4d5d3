#!/bin/sh
# hive-fault.sh - the hive under faults: 200 jobs of one tiny module (distinct --param seed=N,
# so distinct build ids) on 4 local runners while a random runner process is killed with
# SIGKILL every few seconds, and qtm-hived is restarted twice (once `hive-control restart`,
# once kill -9 and `hive-control start`).  In the end every job is completed exactly once
# (one attempt with outcome completed each), every artifact is stored once with the sha256 the
# job names, nothing was lost, and the runner count is back at 4 (in the API and in processes).
# No timing is asserted: the polling limits only keep a broken hive from hanging the test.
. "$(dirname "$0")/lib.sh"
heavy_test
plan 21

HC=$top_builddir/src/hive-control/hive-control
N=200
PY=/usr/bin/python3
H=$TMP/hive
STATE=$H/var/lib/qtm/hive

# procs.py STATE [NAME]: "PID NAME PPID" of every qtm-hived and qtm-runner process of this
# hive (its --state or --root lies in STATE), or only of those started as --name NAME (or
# qtm-hived).  Only this test's processes are ever signalled.
cat >"$TMP/procs.py" <<'PY'
import os, sys
state = sys.argv[1].rstrip("/")
only = sys.argv[2] if len(sys.argv) > 2 else None
for p in os.listdir("/proc"):
    if not p.isdigit():
        continue
    try:
        argv = open("/proc/%s/cmdline" % p, "rb").read().decode(errors="replace").split("\0")
        st, ppid = open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()[0:2]
    except OSError:
        continue
    if st == "Z" or not argv or not argv[0]:
        continue
    prog = os.path.basename(argv[0])
    opt = lambda o: argv[argv.index(o) + 1] if o in argv[:-1] else ""
    if prog == "qtm-hived" and opt("--state").rstrip("/") == state:
        name = "qtm-hived"
    elif prog == "qtm-runner" and opt("--root").startswith(state + "/runners/"):
        name = opt("--name")
    else:
        continue
    if only is None or name == only:
        print(p, name, ppid)
PY
# stop_all: TERM then KILL every process of this hive, by PID.
stop_all() {
	[ -d "$STATE" ] || return 0
	for sig in TERM TERM KILL; do
		pids=$("$PY" "$TMP/procs.py" "$STATE" | cut -d' ' -f1)
		[ -n "$pids" ] || return 0
		kill -s "$sig" $pids 2>/dev/null
		sleep 2
	done
}
cleanup() {
	for pid in ${BG_PIDS:-}; do kill "$pid" 2>/dev/null; done
	stop_all
	rm -rf "$TMP"
}

# The module: sleeps 0.2 s and writes its parameters into model.txt.
mkdir -p "$TMP/mods/tiny"
cat >"$TMP/mods/tiny/train.sh" <<'SH'
sleep 0.2
cat "$QTM_PARAMS" >"$QTM_OUTPUT/model.txt"
SH
make_module "$TMP/mods/tiny" tiny model
build_repo "$TMP/repo" "$TMP/mods"

# lease_ttl_s = 10: after the kill -9 of qtm-hived the jobs it had handed out come back after
# 10 s rather than 30; max_attempts = 50: a job hit by several kills must not fail for it (a
# kill is not the training's fault, and this test is about exactly-once, not about luck).
"$HC" --root "$H" init >/dev/null 2>"$TMP/err" &&
	printf 'min_runners = 4\nmax_runners = 4\nlease_ttl_s = 10\nmax_attempts = 50\n' >>"$STATE/hive.conf"
ok $? "hive-control init"
use_source "$H" t "$TMP/repo"
port=$(free_port)
URL=http://127.0.0.1:$port
run "$HC" --root "$H" start --listen "127.0.0.1:$port"
ok $status "hive-control start runs qtm-hived with 4 local runners"
[ $status -eq 0 ] || { sed 's/^/# /' "$TMP/err" "$STATE/hived.log"; echo "Bail out! no hive"; exit 1; }

# The submissions, in the background while the runners work; a submission refused while the
# daemon restarts is tried again (a repeated one is deduplicated by its build id).
(
	i=1
	while [ $i -le $N ]; do
		tries=0
		until "$HC" --root "$H" submit tiny --param "seed=$i" >/dev/null 2>>"$TMP/submit.err"; do
			tries=$((tries + 1))
			[ $tries -lt 100 ] || { echo "seed=$i" >>"$TMP/submit.failed"; break; }
			sleep 0.3
		done
		i=$((i + 1))
	done
	: >"$TMP/submit.done"
) &
submitter=$!
BG_PIDS="$submitter"

# completed_count: the queue's completed jobs, or -1 while the daemon does not answer.
completed_count() {
	if curl -sf -m 5 "$URL/status" >"$TMP/status.json" 2>/dev/null; then
		json_get "$TMP/status.json" "j['queue']['completed']" 2>/dev/null || echo -1
	else
		echo -1
	fi
}
# daemon_runners: "PID NAME" of the qtm-runner processes the running qtm-hived started (its
# children; a runner left over from a killed daemon is not one of them).
daemon_runners() {
	"$PY" "$TMP/procs.py" "$STATE" >"$TMP/procs.out"
	awk 'NR == FNR { if ($2 == "qtm-hived") d[$1] = 1; next } $2 != "qtm-hived" && ($3 in d) { print $1, $2 }' \
		"$TMP/procs.out" "$TMP/procs.out"
}
# kill_runner: SIGKILL to the process of a random runner that GET /runners lists as busy or
# idle.  The id's process: its "pid" when the API gives one, else the daemon's qtm-runner
# started with --name ID (an id made unique as NAME-2 is looked up as NAME).
kill_runner() {
	curl -sf -m 5 "$URL/runners" >"$TMP/runners.json" 2>/dev/null || return 0
	line=$(json_get "$TMP/runners.json" "'\n'.join('%s %s' % (r['id'], r['pid'] or '') for r in j['runners'] if r['state'] != 'lost')" |
		shuf -n 1)
	[ -n "$line" ] || return 0
	set -- $line
	rid=$1 rpid=${2:-}
	daemon_runners >"$TMP/mine"
	if [ -z "$rpid" ] || ! grep -q "^$rpid " "$TMP/mine"; then
		rpid=$(awk -v n="$rid" '$2 == n { print $1; exit }' "$TMP/mine")
		[ -n "$rpid" ] || rpid=$(awk -v n="${rid%-*}" '$2 == n { print $1; exit }' "$TMP/mine")
	fi
	[ -n "$rpid" ] || return 0
	kill -9 "$rpid" 2>/dev/null && kills=$((kills + 1)) && echo "# killed runner $rid (pid $rpid)"
}
# stale_runners T: once 4 runners have enrolled since T (Unix seconds), how many runners that
# enrolled before T the API still lists as busy or idle (their list into $TMP/stale.LABEL); -1
# if 4 never enroll.
stale_runners() {
	: >"$TMP/stale.$2"
	_j=0
	while [ $_j -lt 120 ]; do
		if curl -sf -m 5 "$URL/runners" >"$TMP/runners.json" 2>/dev/null; then
			_c=$(json_get "$TMP/runners.json" "'%d %d' % (sum(r['enrolled_at'] >= $1 for r in j['runners']),
				sum(r['enrolled_at'] < $1 and r['state'] != 'lost' for r in j['runners']))")
			if [ "${_c% *}" -ge 4 ]; then
				[ "${_c#* }" = 0 ] || json_get "$TMP/runners.json" "[(r['id'], r['state'], r['enrolled_at'] >= $1 and 'new' or 'old') for r in j['runners']]" >"$TMP/stale.$2"
				echo "${_c#* }"
				return
			fi
		fi
		sleep 0.5
		_j=$((_j + 1))
	done
	echo -1
}

# survivors: once the new daemon runs, how many runner processes of this hive are not its
# children (left over from the daemon killed with SIGKILL), waiting ~20 s for them to end.
survivors() {
	_j=0
	while [ $_j -lt 40 ]; do
		"$PY" "$TMP/procs.py" "$STATE" >"$TMP/procs.out"
		_n=$(awk 'NR == FNR { if ($2 == "qtm-hived") d[$1] = 1; next } $2 != "qtm-hived" && !($3 in d)' \
			"$TMP/procs.out" "$TMP/procs.out" | tee "$TMP/survivors" | wc -l)
		[ "$_n" = 0 ] && break
		sleep 0.5
		_j=$((_j + 1))
	done
	echo "$_n"
}

# The fault loop: a runner killed every other poll (about every second or two); hive-control
# restart once 50 jobs are done, a kill -9 of qtm-hived and hive-control start once 120 are;
# until all N are completed (at most ~10 min).
kills=0 phase=0 restart_ok=1 crash_ok=1 stale1=-1 stale2=-1 orphans=-1 tick=0 done_n=0 t_start=$(date +%s)
while [ $tick -lt 1200 ]; do
	done_n=$(completed_count)
	[ "$done_n" -ge $N ] && break
	if [ $phase -eq 0 ] && [ "$done_n" -ge 50 ]; then
		phase=1
		t_restart=$(date +%s.%N)
		"$HC" --root "$H" restart --listen "127.0.0.1:$port" >"$TMP/restart.out" 2>&1
		restart_ok=$?
		echo "# hive-control restart after $done_n jobs: exit $restart_ok"
		[ $restart_ok -eq 0 ] || sed 's/^/#   /' "$TMP/restart.out"
		stale1=$(stale_runners "$t_restart" restart)
	elif [ $phase -eq 1 ] && [ "$done_n" -ge 120 ]; then
		phase=2
		hpid=$("$PY" "$TMP/procs.py" "$STATE" qtm-hived | cut -d' ' -f1)
		[ -n "$hpid" ] && kill -9 $hpid
		sleep 0.5
		t_crash=$(date +%s.%N)
		"$HC" --root "$H" start --listen "127.0.0.1:$port" >"$TMP/start.out" 2>&1
		crash_ok=$?
		echo "# kill -9 of qtm-hived ($hpid) after $done_n jobs, hive-control start: exit $crash_ok"
		[ $crash_ok -eq 0 ] || sed 's/^/#   /' "$TMP/start.out"
		stale2=$(stale_runners "$t_crash" crash)
		orphans=$(survivors)
	elif [ $((tick % 2)) -eq 1 ]; then
		kill_runner
	fi
	sleep 0.5
	tick=$((tick + 1))
done
echo "# $kills runners killed; $done_n of $N jobs completed after $tick polls, $(($(date +%s) - t_start)) s"
wait "$submitter"
[ -f "$TMP/submit.done" ] && [ ! -f "$TMP/submit.failed" ]
ok $? "all $N jobs were submitted with hive-control submit"
[ -f "$TMP/submit.failed" ] && { echo "# not submitted: $(cat "$TMP/submit.failed")"; tail -5 "$TMP/submit.err" | sed 's/^/#   /'; }
is "$phase $restart_ok" "2 0" "hive-control restart during the run"
is "$crash_ok" 0 "hive-control start after a kill -9 of qtm-hived during the run"
is "$stale1" 0 "once the restarted daemon's 4 runners enrolled, the API lists none of the stopped daemon's runners as live"
[ -s "$TMP/stale.restart" ] && sed 's/^/#   runners: /' "$TMP/stale.restart"
is "$orphans" 0 "no runner process of the daemon killed with SIGKILL outlives it"
[ -s "$TMP/survivors" ] && sed 's/^/#   survivor (pid, name, parent): /' "$TMP/survivors"
is "$stale2" 0 "once the new daemon's 4 runners enrolled after the kill -9, the API lists none of the killed daemon's as live"
[ -s "$TMP/stale.crash" ] && sed 's/^/#   runners: /' "$TMP/stale.crash"
is "$done_n" $N "the queue reached $N completed jobs"

# Everything from the API: the jobs with their attempt logs.
"$PY" - "$URL" "$TMP/jobs.json" <<'PY' || echo "# cannot read the jobs"
import json, sys, urllib.request
url = sys.argv[1]
jobs = json.load(urllib.request.urlopen(url + "/jobs?limit=100000"))["jobs"]
full = [json.load(urllib.request.urlopen("%s/jobs/%d" % (url, j["id"]))) for j in jobs]
json.dump(full, open(sys.argv[2], "w"))
PY
J=$TMP/jobs.json
is "$(json_get "$J" "len(j)")" $N "exactly $N jobs exist: none lost, none duplicated"
is "$(json_get "$J" "len(set(x['build_id'] for x in j))")" $N "with $N distinct build ids"
is "$(json_get "$J" "sorted(set(x['state'] for x in j))")" "['completed']" "every job is completed (none failed)"
bad=$(json_get "$J" "' '.join('%d:%s' % (x['id'], [a['outcome'] for a in x['attempt_log']]) for x in j
	if [a['outcome'] for a in x['attempt_log']].count('completed') != 1)")
is "$bad" "" "every job has exactly one attempt completed in its attempt log (none completed twice)"
seeds=$(json_get "$J" "sorted(x['spec']['params']['seed'] for x in j) == list(range(1, $N + 1))")
is "$seeds" True "the jobs are the $N seeds submitted"

# The artifacts: one file per build id, with the sha256 the job names.
(cd "$STATE/artifacts" && ls -A) | sort >"$TMP/artifacts.ls"
json_get "$J" "'\n'.join(sorted(x['build_id'] + '.tar.zst' for x in j))" >"$TMP/expected.ls"
if cmp -s "$TMP/artifacts.ls" "$TMP/expected.ls"; then ok 0 "STATE/artifacts holds exactly one file per build id"; else
	echo "# $(wc -l <"$TMP/artifacts.ls") files; differences:"; diff "$TMP/expected.ls" "$TMP/artifacts.ls" | head -10 | sed 's/^/#   /'
	ok 1 "STATE/artifacts holds exactly one file per build id"
fi
json_get "$J" "'\n'.join('%s  %s.tar.zst' % ((x['artifact'] or {}).get('sha256'), x['build_id']) for x in j)" >"$TMP/sums"
(cd "$STATE/artifacts" && sha256sum --quiet -c "$TMP/sums") >"$TMP/sums.out" 2>&1
ok $? "each artifact's sha256 is the one its job names"
[ -s "$TMP/sums.out" ] && head -5 "$TMP/sums.out" | sed 's/^/#   /'

# The faults did happen: runners were killed while they held jobs.
lost=$(json_get "$J" "sum(a['outcome'] == 'lost' for x in j for a in x['attempt_log'])")
echo "# $kills runner kills, $lost attempts lost; the ends of the attempts that did not complete:"
json_get "$J" "'\n'.join('%4d %s: %s' % (n, o, e) for (o, e), n in __import__('collections').Counter(
	(a['outcome'], a['error']) for x in j for a in x['attempt_log'] if a['outcome'] != 'completed').most_common())" | sed 's/^/#   /' 
[ "$kills" -ge 5 ] && [ "$lost" -ge 1 ]
ok $? "the faults hit running jobs (runners killed, attempts lost)"

# The runner count recovers to 4: in the API and in processes (none left over from the
# daemon that was killed).  The limit (~2 min) outlasts the executor's longest back-off (60 s)
# after runners that ended soon after their start.
i=0
while [ $i -lt 150 ]; do
	curl -sf -m 5 "$URL/runners" >"$TMP/runners.json" 2>/dev/null &&
		api=$(json_get "$TMP/runners.json" "sum(r['state'] != 'lost' for r in j['runners'])") || api=-1
	procs=$("$PY" "$TMP/procs.py" "$STATE" | awk '$2 != "qtm-hived"' | wc -l)
	[ "$api" = 4 ] && [ "$procs" = 4 ] && break
	sleep 0.5
	i=$((i + 1))
done
echo "# runner count polled $i times"
is "$api" 4 "the API lists 4 runners again"
if [ "$procs" != 4 ]; then "$PY" "$TMP/procs.py" "$STATE" | sed 's/^/#   /'; json_get "$TMP/runners.json" "[(r['id'], r['state']) for r in j['runners']]" | sed 's/^/#   /'; fi
is "$procs" 4 "and 4 qtm-runner processes of this hive run"

run "$HC" --root "$H" stop
ok $status "hive-control stop"
left=$("$PY" "$TMP/procs.py" "$STATE")
is "$left" "" "no process of this hive is left after the stop"
[ -n "$left" ] && echo "$left" | sed 's/^/#   /'
done_testing
