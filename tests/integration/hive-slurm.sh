#!/bin/sh
# hive-slurm.sh - qtm-hived's slurm executor on a real one-node Slurm cluster (slurm-up.sh under
# this test's directory): an install through the hive trains on Slurm (info names a slurm
# runner, the Slurm job name carries the hive job id, the job's log holds the Slurm output);
# sbatch refusing a job fails it for good; a scancel behind the hive's back requeues the job;
# hive-control cancel ends the Slurm job CANCELLED; hive-control scale 1 bounds the jobs in
# Slurm; a hive started while Slurm is down stays up, says why and recovers.  Prints (no
# assertion) the time from submit to RUNNING in Slurm and the throughput against raw sbatch.
. "$(dirname "$0")/lib.sh"
heavy_test

PATH=$PATH:/usr/sbin:/sbin
if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
	echo "1..0 # SKIP slurm-wlm or munge not installed"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP slurmd must run as root"
	exit 0
fi
plan 34

HC=$top_builddir/src/hive-control/hive-control
UP=$top_srcdir/tests/slurm/slurm-up.sh
DOWN=$top_srcdir/tests/slurm/slurm-down.sh
C=$TMP/slurm
C2=$TMP/slurm2
H=$TMP/hive
H2=$TMP/hive2
STATE=$H/var/lib/qtm/hive
STATE2=$H2/var/lib/qtm/hive
trap '"$HC" --root "$H" stop >/dev/null 2>&1; "$HC" --root "$H2" stop >/dev/null 2>&1; sh "$DOWN" "$C2"; sh "$DOWN" "$C"; cleanup' EXIT

now() { date +%s.%N; }

# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds; the limit bounds a hang.
wait_for() {
	_w=$(($1 * 10))
	shift
	while [ "$_w" -gt 0 ]; do
		"$@" && return 0
		_w=$((_w - 1))
		sleep 0.1
	done
	return 1
}

# job_field ID EXPR: a field of GET /jobs/ID (the object is j).
job_field() {
	curl -s "$URL/jobs/$1" >"$TMP/job.json" && json_get "$TMP/job.json" "$2" 2>/dev/null
}
job_state() { job_field "$1" "j['state']"; }
job_is() { [ "$(job_state "$1")" = "$2" ]; }

# slurm_of ID [STATE...]: the Slurm job ids of hive job ID (by its job name), optionally in a state.
slurm_of() {
	_id=$1
	shift
	squeue -h -t all -n "qtm-hive-$_id" -o '%i %T' 2>/dev/null | awk -v s="$*" 's == "" || index(" " s " ", " " $2 " ") { print $1 }'
}
in_slurm() { [ -n "$(slurm_of "$@")" ]; }

# submit MODULE SEED: hive-control submit; the job id of MODULE in $job.
submit() {
	"$HC" --root "$H" --json submit "$1" --param "seed=$2" >"$TMP/sub.json" 2>"$TMP/sub.err"
	job=$(json_get "$TMP/sub.json" "[x['id'] for x in (j if isinstance(j, list) else j['jobs']) if x['module'] == '$1'][0]")
}

# ---- modules ------------------------------------------------------------------------------
make_module "$TMP/mods/data-a" data-a dataset
make_module "$TMP/mods/model-a" model-a model ',"requires":["data-a >= 1.0"]'
make_module "$TMP/mods/model-b" model-b model ',"requires":["model-a >= 1.0"]'
make_module "$TMP/mods/huge" huge model
sed -i 's/"cpus":1/"cpus":64/' "$TMP/mods/huge/module.json"
mkdir -p "$TMP/mods/sleepy" "$TMP/mods/tiny"
printf 'sleep 6\ncat "$QTM_PARAMS" >"$QTM_OUTPUT/model.txt"\n' >"$TMP/mods/sleepy/train.sh"
make_module "$TMP/mods/sleepy" sleepy model
printf 'cat "$QTM_PARAMS" >"$QTM_OUTPUT/model.txt"\n' >"$TMP/mods/tiny/train.sh"
make_module "$TMP/mods/tiny" tiny model
build_repo "$TMP/repo" "$TMP/mods"

# ---- the cluster and the hive -------------------------------------------------------------
run sh "$UP" "$C" 2 4096
ok $status "slurm-up starts a one-node cluster (2 CPUs)"
[ $status -eq 0 ] || { sed 's/^/# /' "$TMP/err"; echo "Bail out! no cluster"; exit 1; }
. "$C/env"
NODE=$(sinfo -h -N -o %N | head -1)

"$HC" --root "$H" init >/dev/null 2>"$TMP/err" && printf 'executor = slurm\nmin_runners = 0\n' >>"$STATE/hive.conf"
ok $? "hive-control init, executor = slurm"
use_source "$H" t "$TMP/repo"
port=$(free_port)
URL=http://127.0.0.1:$port
run "$HC" --root "$H" start --listen "127.0.0.1:$port"
ok $status "hive-control start runs qtm-hived with the slurm executor"
[ $status -eq 0 ] || { sed 's/^/# /' "$TMP/err" "$STATE/hived.log"; echo "Bail out! no hive"; exit 1; }
[ -s "$STATE/hived.pid" ] && BG_PIDS="$(cat "$STATE/hived.pid")"
export QTM_HIVE=$URL QTM_HIVE_TOKEN="@$STATE/operator.token" QTM_HIVE_KEY="$STATE/hive-key.pub"

curl -s "$URL/status" >"$TMP/status.json"
is "$(json_get "$TMP/status.json" "(j['executor'], j['runners']['max'], j['executor_error'])")" "('slurm', 4, None)" \
	"/status names the slurm executor, max = slurm_max_jobs, no error"
printf 'slurm_max_jobs = 6\n' >>"$STATE/hive.conf"
run "$HC" --root "$H" reload
curl -s "$URL/status" >"$TMP/status.json"
is "$status $(json_get "$TMP/status.json" "j['runners']['max']")" "0 6" "hive-control reload applies a new slurm_max_jobs"
sed -i '$d' "$STATE/hive.conf"
run "$HC" --root "$H" reload

# ---- an install through the hive trains on Slurm ------------------------------------------
A=$TMP/a
use_source "$A" t "$TMP/repo"
run qtm "$A" -y install model-b
ok $status "install model-b trains model-a and model-b through the hive on Slurm"
[ $status -eq 0 ] || { sed 's/^/# /' "$TMP/err" | tail -20; tail -20 "$STATE/hived.log" | sed 's/^/# /'; }
run qtm "$A" --json info model-b
origin=$(json_get "$TMP/out" "j['installed']['origin']" 2>/dev/null)
case $origin in hive:slurm-[0-9]*-[0-9]*) ok 0 "info's origin names a slurm runner ($origin)" ;;
*) echo "# origin: $origin"; ok 1 "info's origin names a slurm runner" ;; esac
run "$HC" --root "$H" --json jobs
jb=$(json_get "$TMP/out" "[x['id'] for x in j['jobs'] if x['module'] == 'model-b'][0]")
sid=$(echo "$origin" | sed -n "s/^hive:slurm-$jb-\([0-9]*\).*/\1/p")
[ -n "$sid" ] && wait_for 20 grep -q "^JobId=$sid .* Name=qtm-hive-$jb " "$C/jobcomp.txt"
ok $? "the Slurm job ($sid) that trained hive job $jb is named qtm-hive-$jb (jobcomp record)"
grep -q "^JobId=$sid .* JobState=COMPLETED " "$C/jobcomp.txt"
ok $? "and ended COMPLETED"
wait_for 10 sh -c "\"$HC\" --root \"$H\" logs $jb 2>/dev/null | grep -q 'Slurm job $sid (COMPLETED): its output'"
ok $? "hive-control logs shows the Slurm job's output"
"$HC" --root "$H" logs "$jb" 2>/dev/null | grep -q "qtm-hived: Slurm job $sid on .* runs hive job $jb"
ok $? "which is what the batch script printed"

# ---- sbatch refusing a job ----------------------------------------------------------------
run qtm "$A" -y install huge
is "$status" 7 "a module asking more CPUs than any node has fails the install (exit 7)"
grep -q "sbatch refused the job: .*More processors requested than permitted" "$TMP/err"
ok $? "naming sbatch's message"
[ $? -eq 0 ] || sed 's/^/# /' "$TMP/err" | tail -5
run "$HC" --root "$H" --json jobs
jh=$(json_get "$TMP/out" "[x['id'] for x in j['jobs'] if x['module'] == 'huge'][0]")
sleep 2
is "$(job_field "$jh" "(j['state'], j['attempts'], j['not_before'])")" "('failed', 0, None)" \
	"the hive job failed for good, never retried"

# ---- a Slurm job killed behind the hive's back --------------------------------------------
submit sleepy 1
js=$job
wait_for 60 job_is "$js" running
ok $? "a sleeping job runs"
wait_for 20 sh -c "curl -s $URL/runners | grep -q '\"slurm_job\"'"
curl -s "$URL/runners" >"$TMP/runners.json"
s1=$(slurm_of "$js" RUNNING)
is "$(json_get "$TMP/runners.json" "[(r['executor'], r['host'], r['slurm_job']) for r in j['runners'] if r['job'] == $js]")" \
	"[('slurm', '$(hostname)', ${s1:-0})]" "GET /runners lists its Slurm runner: executor, node, Slurm job"
scancel "$s1"
wait_for 30 sh -c "curl -s $URL/jobs/$js | grep -q 'Slurm job $s1 ended CANCELLED'"
ok $? "the scancel behind the hive's back is seen: the attempt's error names the Slurm job and state"
# Its runner, stopped by Slurm's SIGTERM, may report the failure itself before the hive sees it.
is "$(job_field "$js" "j['attempt_log'][0]['outcome'] in ('lost', 'failed')")" True "the first attempt ended"
"$HC" --root "$H" logs --attempt 1 "$js" 2>/dev/null | grep -q "Slurm job $s1 (CANCELLED): its output"
ok $? "its log ends with the Slurm job's output"
wait_for 90 job_is "$js" completed
ok $? "the requeued job is trained again and completes"
# The hive marks its job completed while squeue may still show the Slurm job COMPLETING.
second_slurm_job() {
	s2=$(slurm_of "$js" COMPLETED)
	[ -n "$s2" ] && [ "$s2" != "$s1" ]
}
wait_for 60 second_slurm_job
ok $? "in a second Slurm job ($s2)"

# ---- hive-control cancel of a job in Slurm ------------------------------------------------
submit sleepy 2
jc=$job
wait_for 60 in_slurm "$jc" RUNNING
sc=$(slurm_of "$jc")
run "$HC" --root "$H" cancel "$jc"
ok $status "hive-control cancel of a job running in Slurm"
wait_for 30 in_slurm "$jc" CANCELLED
ok $? "ends its Slurm job ($sc) CANCELLED"
wait_for 30 job_is "$jc" cancelled
ok $? "and the hive job cancelled"

# ---- hive-control scale bounds the jobs in Slurm ------------------------------------------
run "$HC" --root "$H" scale 1
ok $status "hive-control scale 1"
curl -s "$URL/status" >"$TMP/status.json"
is "$(json_get "$TMP/status.json" "j['runners']['max']")" 1 "/status reports max = 1"
ids=""
for s in 11 12 13; do submit sleepy $s; ids="$ids $job"; done
most=0 done=0 n=0
while [ $done -lt 3 ] && [ $n -lt 1200 ]; do
	live=$(squeue -h -o '%j %T' | grep -c '^qtm-hive-.* \(PENDING\|RUNNING\|CONFIGURING\|COMPLETING\)')
	[ "$live" -gt "$most" ] && most=$live
	done=0
	for j in $ids; do job_is "$j" completed && done=$((done + 1)); done
	n=$((n + 1))
	sleep 0.1
done
is "$done" 3 "three sleeping jobs complete with scale 1"
is "$most" 1 "squeue never showed more than one job of the hive at once"
"$HC" --root "$H" scale 4 >/dev/null 2>&1

# ---- measures (no assertions) ------------------------------------------------------------
submit sleepy 21
t0=$(now)
wait_for 60 in_slurm "$job" RUNNING
t1=$(now)
echo "# submit to RUNNING in Slurm: $(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }') s"
"$HC" --root "$H" scale 8 >/dev/null 2>&1
wait_for 60 job_is "$job" completed
t0=$(now)
for s in $(seq 100 149); do "$HC" --root "$H" submit tiny --param "seed=$s" >/dev/null 2>&1; done
wait_for 600 sh -c "curl -s $URL/jobs?state=completed | python3 -c 'import json,sys; sys.exit(sum(x[\"module\"] == \"tiny\" for x in json.load(sys.stdin)[\"jobs\"]) < 50)'"
t1=$(now)
hive_s=$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }')
t0=$(now)
raw=""
for _ in $(seq 50); do raw="$raw,$(sbatch --parsable --chdir=/tmp -o /dev/null --wrap true)"; done
wait_for 600 sh -c "[ -z \"\$(squeue -h -j ${raw#,} -t PENDING,RUNNING,CONFIGURING,COMPLETING -o %i)\" ]"
t1=$(now)
raw_s=$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }')
echo "# 50 trivial jobs: through the hive (slurm_max_jobs 8) $hive_s s, raw sbatch --wrap true $raw_s s; ratio $(echo "$hive_s $raw_s" | awk '{ printf "%.1f", $1 / $2 }')"

# ---- Slurm down when the hive starts ------------------------------------------------------
# A cluster configured but not running: its slurm.conf exists, nothing listens.
run sh "$UP" "$C2" 1 1024
[ $status -eq 0 ] && sh "$DOWN" "$C2"
"$HC" --root "$H2" init >/dev/null 2>"$TMP/err" && printf 'executor = slurm\n' >>"$STATE2/hive.conf"
use_source "$H2" t "$TMP/repo"
port2=$(free_port)
export QTM_HIVE=http://127.0.0.1:$port2 QTM_HIVE_TOKEN="@$STATE2/operator.token" QTM_HIVE_KEY="$STATE2/hive-key.pub"
run env SLURM_CONF="$C2/slurm.conf" "$HC" --root "$H2" start --listen "127.0.0.1:$port2"
ok $status "qtm-hived with the slurm executor starts while Slurm is down"
[ $status -eq 0 ] || sed 's/^/# /' "$TMP/err"
wait_for 60 sh -c "curl -s http://127.0.0.1:$port2/status | grep -q '\"executor_error\":\"slurm executor: sinfo: .*Unable to contact slurm controller'"
ok $? "/status names the error (sinfo cannot contact the controller)"
grep -q "slurm executor: sinfo: .*Unable to contact slurm controller" "$STATE2/hived.log"
ok $? "and hived.log says it"
"$HC" --root "$H2" --json submit tiny --param seed=900 >"$TMP/sub.json" 2>/dev/null
j2=$(json_get "$TMP/sub.json" "[x['id'] for x in (j if isinstance(j, list) else j['jobs']) if x['module'] == 'tiny'][0]")
# The same cluster brought up again (slurm-up.sh rewrites the slurm.conf the hive reads).
run sh "$UP" "$C2" 1 1024
[ $status -eq 0 ] || sed 's/^/# /' "$TMP/err"
URL=http://127.0.0.1:$port2
wait_for 120 job_is "$j2" completed
ok $? "once the cluster is up the hive recovers and the pending job completes on it"
curl -s "$URL/status" >"$TMP/status.json"
is "$(json_get "$TMP/status.json" "j['executor_error']")" None "and /status no longer reports an error"

"$HC" --root "$H2" stop >/dev/null 2>&1
run "$HC" --root "$H" stop
ok $status "hive-control stop"
done_testing
