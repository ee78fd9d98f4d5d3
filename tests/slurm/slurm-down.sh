#!/bin/sh
# slurm-down.sh DIR - stops the cluster slurm-up.sh started under DIR: cancels its jobs, stops
# the daemons by the PIDs in DIR/pids (SIGTERM, then SIGKILL to what is left after 10 s) and
# removes DIR/pids.  Leaves DIR itself (logs, jobcomp record) to the caller.
#
# Job steps run under slurmstepd processes that detach from slurmd, so stopping the daemons alone
# would leave them (and the job's processes) behind, retrying to reach the gone slurmd forever.
# They are this cluster's by construction: slurmstepd inherits slurmd's environment, which holds
# SLURM_CONF=DIR/slurm.conf.  Any still there at the end are killed with their descendants.  No
# other process is touched (a PID in DIR/pids whose command is no longer the daemon named beside
# it was reused and is left alone).
set -u

[ $# -eq 1 ] || { echo "usage: slurm-down.sh DIR" >&2; exit 1; }
[ -d "$1" ] || exit 0
DIR=$(cd "$1" && pwd) || exit 1
pids_file=$DIR/pids
[ -f "$pids_file" ] || exit 0
PATH=$PATH:/usr/sbin:/sbin
export SLURM_CONF="$DIR/slurm.conf"

# ours NAME PID: PID is still the daemon NAME, and not a zombie (a daemon killed after
# slurm-up.sh exited is reparented to PID 1, which in some containers never reaps it).
ours() {
	[ "$(cat "/proc/$2/comm" 2>/dev/null)" = "$1" ] &&
		[ "$(sed 's/.*) //' "/proc/$2/stat" 2>/dev/null | cut -d' ' -f1)" != Z ]
}

# proctab: "PID PPID STATE COMM" for every process, read from /proc in one pass (not pgrep: a
# bare container may lack procps; cat goes on past processes that vanish meanwhile).
proctab() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk '{
		l = $0; p = index(l, "("); r = l; q = 0
		while ((k = index(r, ") ")) > 0) { q += k + 1; r = substr(r, k + 2) }
		split(r, f, " ")
		print substr(l, 1, p - 2), f[2], f[1], substr(l, p + 1, q - p - 2)
	}'
}

# steps [jobs]: the PIDs of this cluster's live slurmstepd processes; with "jobs", also its job
# processes (the environment Slurm gives a job holds SLURM_JOB_ID and SLURM_CONF) -- a job's
# process may outlive its step when the step is stopped midway through a cancel.
steps() {
	_files=$(grep -lszxF "SLURM_CONF=$SLURM_CONF" /proc/[0-9]*/environ)
	# shellcheck disable=SC2086
	_jobs=$([ "${1:-}" != jobs ] || [ -z "$_files" ] || grep -lsz '^SLURM_JOB_ID=' $_files)
	proctab | awk -v files="$_files" -v jobs="$_jobs" -v self=$$ '
		BEGIN {
			n = split(files, f, "[ \n]"); for (i = 1; i <= n; i++) { split(f[i], x, "/"); conf[x[3]] = 1 }
			n = split(jobs, f, "[ \n]"); for (i = 1; i <= n; i++) { split(f[i], x, "/"); job[x[3]] = 1 }
		}
		$1 != self && $3 != "Z" && ($1 in conf) && ($4 == "slurmstepd" || ($1 in job)) { print $1 }'
}

# tree PID...: the PIDs and all their descendants, on one line.
tree() {
	proctab | awk -v roots="$*" '
		{ parent[$1] = $2 }
		END {
			n = split(roots, q, " ")
			for (i = 1; i <= n; i++) keep[q[i]] = 1
			do {
				grew = 0
				for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; grew = 1 }
			} while (grew)
			for (p in keep) printf "%s ", p
		}'
}

# Cancel every job while slurmctld and slurmd still run, so that the steps end their jobs and
# exit; wait for that up to 10 s.  timeout: a client facing a hung controller retries for long.
ctld=$(awk '$1 == "slurmctld" { print $2 }' "$pids_file")
if [ -n "$ctld" ] && ours slurmctld "$ctld"; then
	if ids=$(timeout 10 squeue -h -o %A 2>/dev/null) && [ -n "$ids" ]; then
		# shellcheck disable=SC2086
		timeout 10 scancel $ids 2>/dev/null
	fi
	i=0
	while [ -n "$(steps)" ] && [ $i -lt 100 ]; do
		i=$((i + 1))
		sleep 0.1
	done
fi

# In reverse order of start: slurmd, slurmctld, then munged, which the others need to shut down.
pids=""
for entry in $(awk '{ l[NR] = $1 ":" $2 } END { for (i = NR; i; i--) print l[i] }' "$pids_file"); do
	name=${entry%%:*} pid=${entry#*:}
	ours "$name" "$pid" || continue
	kill "$pid" 2>/dev/null
	pids="$pids $entry"
done

i=0
while :; do
	alive=""
	for entry in $pids; do
		ours "${entry%%:*}" "${entry#*:}" && alive="$alive $entry"
	done
	[ -z "$alive" ] && break
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "slurm-down: still alive after 10 s, killing:$alive" >&2
		for entry in $alive; do kill -9 "${entry#*:}" 2>/dev/null; done
		break
	fi
	sleep 0.1
done

left=$(steps jobs)
if [ -n "$left" ]; then
	# shellcheck disable=SC2086
	left=$(tree $left)
	echo "slurm-down: killing job steps left behind: $left" >&2
	# shellcheck disable=SC2086
	kill -9 $left 2>/dev/null
fi
rm -f "$pids_file"
