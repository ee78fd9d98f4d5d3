#!/bin/sh
# slurm-smoke.sh - the Slurm the slurm executor relies on, started by tests/slurm/slurm-up.sh
# under this test's directory: a batch job runs and leaves its output and a job-completion
# record, a failing job is recorded FAILED with its exit code, sbatch refuses at submit time what
# the node can never give, scancel ends a running job CANCELLED, and a second cluster runs beside
# the first.  Prints (no assertion) the time from a cold start to the first finished job and the
# rate of 50 consecutive submissions.  Skips where slurm-wlm is not installed or not root.
. "$(dirname "$0")/lib.sh"

PATH=$PATH:/usr/sbin:/sbin
if ! command -v slurmctld >/dev/null 2>&1; then
	echo "1..0 # SKIP slurm-wlm not installed"
	exit 0
fi
if ! command -v munged >/dev/null 2>&1; then
	echo "1..0 # SKIP munge not installed"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP slurmd must run as root"
	exit 0
fi
plan 23

UP=$top_srcdir/tests/slurm/slurm-up.sh
DOWN=$top_srcdir/tests/slurm/slurm-down.sh
C1=$TMP/c1
C2=$TMP/c2
trap 'sh "$DOWN" "$C2"; sh "$DOWN" "$C1"; cleanup' EXIT

now() { date +%s.%N; }

# job_state ID: the job's state as slurmctld reports it (empty once it forgot the job).
job_state() {
	scontrol show job -o "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'
}

# wait_state ID STATE...: waits until the job is in one of the states; the limit bounds a hang.
wait_state() {
	_id=$1
	shift
	_i=0
	while :; do
		_s=$(job_state "$_id")
		for _want in "$@"; do [ "$_s" = "$_want" ] && return 0; done
		_i=$((_i + 1))
		[ $_i -ge 600 ] && { echo "# job $_id stayed '$_s' (want $*)"; return 1; }
		sleep 0.05
	done
}

# jobcomp DIR ID: the job's line in the cluster's job-completion record (it is written after
# the job leaves the running state: waits for it, bounding a hang).
jobcomp() {
	_i=0
	until grep -q "^JobId=$2 " "$1/jobcomp.txt" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -ge 300 ] && return 1
		sleep 0.05
	done
	grep "^JobId=$2 " "$1/jobcomp.txt"
}

# submit ARGS...: sbatch --parsable; the job id in $job, stdout/stderr in $TMP/out, $TMP/err.
submit() {
	run sbatch --parsable --chdir="$TMP" "$@"
	job=$(cut -d';' -f1 "$TMP/out")
}

# ---- a cold start and the first job -----------------------------------------------------
t0=$(now)
run sh "$UP" "$C1" 2 2048
ok $status "slurm-up starts munged, slurmctld and slurmd and the node is idle"
[ $status -eq 0 ] || { sed 's/^/# /' "$TMP/err"; echo "Bail out! no cluster"; exit 1; }
. "$C1/env"
is "$SLURM_CONF" "$C1/slurm.conf" "the env file points the clients at the cluster's slurm.conf"
is "$(wc -l <"$C1/pids" | tr -d ' ')" 3 "pids lists the three daemons"

submit -o "$TMP/hello.out" --wrap 'echo hello'
ok $status "sbatch accepts a job"
case $job in '' | *[!0-9]*) ok 1 "sbatch printed a job id ($job)" ;; *) ok 0 "sbatch printed a job id" ;; esac
wait_state "$job" COMPLETED FAILED CANCELLED TIMEOUT NODE_FAIL
t1=$(now)
is "$(job_state "$job")" COMPLETED "scontrol reports the job COMPLETED"
is "$(cat "$TMP/hello.out" 2>/dev/null)" hello "the job's output file holds what it printed"
rec=$(jobcomp "$C1" "$job")
case $rec in
*" JobState=COMPLETED "*" ExitCode=0:0"*) ok 0 "the jobcomp record says COMPLETED, exit 0" ;;
*) echo "# record: '$rec'"; ok 1 "the jobcomp record says COMPLETED, exit 0" ;;
esac
echo "# cold slurm-up to first finished job: $(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }') s"

submit -o /dev/null --wrap 'exit 3'
wait_state "$job" COMPLETED FAILED CANCELLED TIMEOUT NODE_FAIL
is "$(job_state "$job")" FAILED "a job exiting 3 is FAILED"
rec=$(jobcomp "$C1" "$job")
case $rec in
*" JobState=FAILED "*" ExitCode=3:0"*) ok 0 "its jobcomp record carries FAILED and exit code 3" ;;
*) echo "# record: '$rec'"; ok 1 "its jobcomp record carries FAILED and exit code 3" ;;
esac

# ---- what the node can never give is refused at submit time ------------------------------
fails_with 1 "More processors requested than permitted" "sbatch refuses more CPUs than the node has" -- \
	sbatch --chdir="$TMP" -o /dev/null --cpus-per-task=3 --wrap true
fails_with 1 "Memory specification can not be satisfied" "sbatch refuses more memory than the node has" -- \
	sbatch --chdir="$TMP" -o /dev/null --mem=4096 --wrap true
fails_with 1 "Node count specification invalid" "sbatch refuses more nodes than the cluster has" -- \
	sbatch --chdir="$TMP" -o /dev/null --nodes=2 --wrap true

# ---- scancel ------------------------------------------------------------------------------
submit -o /dev/null --wrap 'sleep 60'
wait_state "$job" RUNNING
ok $? "a sleep 60 job starts RUNNING"
run scancel "$job"
ok $status "scancel succeeds"
wait_state "$job" CANCELLED COMPLETED FAILED
is "$(job_state "$job")" CANCELLED "the cancelled job ends CANCELLED"
rec=$(jobcomp "$C1" "$job")
case $rec in
*" JobState=CANCELLED "*) ok 0 "its jobcomp record says CANCELLED" ;;
*) echo "# record: '$rec'"; ok 1 "its jobcomp record says CANCELLED" ;;
esac

# ---- submission rate ----------------------------------------------------------------------
t0=$(now)
n=0
for _ in $(seq 50); do
	sbatch --chdir="$TMP" -o /dev/null --wrap true >/dev/null 2>>"$TMP/burst.err" && n=$((n + 1))
done
t1=$(now)
is "$n" 50 "50 consecutive sbatch submissions are all accepted"
echo "# 50 sbatch --wrap true: $(echo "$t0 $t1" | awk '{ printf "%.2f s, %.1f/s", $2 - $1, 50 / ($2 - $1) }')"

# ---- a second cluster beside the first ----------------------------------------------------
run sh "$UP" "$C2" 1 512
ok $status "a second cluster starts beside the first"
[ $status -eq 0 ] || sed 's/^/# /' "$TMP/err"
is "$(SLURM_CONF=$C2/slurm.conf sinfo -h -o '%c %m')" "1 512" "the second cluster's sinfo reports its own node"
is "$(sinfo -h -o '%c %m')" "2 2048" "the first cluster still reports its node"

# ---- stopping by PID ----------------------------------------------------------------------
pids=$(awk '{ print $2 }' "$C1/pids" "$C2/pids")
sh "$DOWN" "$C2"
sh "$DOWN" "$C1"
alive=""
# A dead daemon may stay a zombie a while: its parent is PID 1 (slurm-up.sh exited).
for pid in $pids; do
	case $(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) in '' | Z) ;; *) alive="$alive $pid" ;; esac
done
is "$alive" "" "slurm-down stops every daemon of both clusters"
if [ -e "$C1/pids" ] || [ -e "$C2/pids" ]; then ok 1 "slurm-down removes the pids files"; else ok 0 "slurm-down removes the pids files"; fi

done_testing
