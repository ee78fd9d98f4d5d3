#!/bin/sh
# slurm-up.sh DIR [NODE_CPUS] [NODE_MEM_MB] - starts a one-node Slurm cluster on loopback whose
# every file lives under DIR: configuration, munge key and socket, state, spool, logs, pid files
# and the job-completion record.  Nothing touches /etc/slurm, /etc/munge, /run/munge or systemd,
# so several clusters can run side by side (each gets its own free ports) and removing DIR after
# slurm-down.sh leaves nothing behind.  Runs munged, slurmctld and slurmd as root (what CI is).
#
# Writes DIR/env (source it: exports SLURM_CONF, which the clients sbatch, squeue, scontrol,
# scancel, sinfo need; the munge socket reaches them through AuthInfo in slurm.conf) and DIR/pids
# (one "NAME PID" line per daemon, for slurm-down.sh).  Exits 0 once sinfo shows the node idle;
# otherwise stops what it started, prints the daemons' log tails and exits 1.
set -u

die() {
	echo "slurm-up: $*" >&2
	exit 1
}

[ $# -ge 1 ] && [ $# -le 3 ] || die "usage: slurm-up.sh DIR [NODE_CPUS] [NODE_MEM_MB]"
for tool in munged mungekey slurmctld slurmd sinfo python3; do
	command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] ||
		die "$tool is not installed (apt-get install slurm-wlm munge)"
done
PATH=$PATH:/usr/sbin:/sbin

mkdir -p "$1" || die "cannot create $1"
DIR=$(cd "$1" && pwd) || die "cannot enter $1"
[ -e "$DIR/pids" ] && die "$DIR/pids exists: a cluster may already run there (slurm-down.sh $DIR)"

cpus=${2:-$(nproc)}
if [ $# -ge 3 ]; then
	mem=$3
else
	# All but a margin of 10% (at least 256 MiB) for the system: slurmd marks a node whose
	# configured memory exceeds what it finds as invalid.
	total=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
	margin=$((total / 10))
	[ "$margin" -ge 256 ] || margin=256
	mem=$((total - margin))
fi
case "$cpus$mem" in *[!0-9]*) die "NODE_CPUS and NODE_MEM_MB must be numbers" ;; esac
[ "$cpus" -ge 1 ] && [ "$mem" -ge 64 ] || die "need at least 1 CPU and 64 MB"

# slurmctld only runs where SlurmctldHost names this host, and slurmd finds its node by name;
# the address is given, so the host name need not resolve.
host=$(hostname -s 2>/dev/null || hostname)
[ -n "$host" ] || die "no host name"

# munged refuses a key, socket or log in a directory that group or others may write to; the
# socket directory must be searchable by the users whose jobs authenticate (mode 755).
umask 022
chmod 755 "$DIR"
d=$DIR
while [ "$d" != / ]; do
	d=$(dirname "$d")
	case $(stat -c %A "$d") in
	?????????[xt]) ;;
	*) die "munged needs every directory above its socket searchable by all: chmod o+x $d" ;;
	esac
done
mkdir -p "$DIR/munge" "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/run" || die "cannot populate $DIR"
chmod 755 "$DIR/munge"
: >"$DIR/pids"

stop_started() {
	while read -r _name _pid; do kill "$_pid" 2>/dev/null; done <"$DIR/pids"
	sleep 1
	while read -r _name _pid; do kill -9 "$_pid" 2>/dev/null; done <"$DIR/pids"
	rm -f "$DIR/pids"
}

fail() {
	echo "slurm-up: $*" >&2
	# A daemon's .out holds what it printed before it opened its log file (or its fatal error).
	for d in munged slurmctld slurmd; do
		for log in "$DIR/log/$d.log" "$DIR/log/$d.out"; do
			[ -s "$log" ] || continue
			echo "--- $log (tail)" >&2
			tail -n 15 "$log" >&2
			[ "$d" = munged ] || break
		done
	done
	stop_started
	exit 1
}

# Free TCP ports for slurmctld and slurmd (a cluster beside this one has its own).
# shellcheck disable=SC2046 # two numbers
set -- $(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
') || die "cannot find free ports"
ctld_port=$1 slurmd_port=$2

mungekey --create --keyfile="$DIR/munge/munge.key" >/dev/null 2>&1 ||
	dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 2>/dev/null || die "cannot create a munge key"
chmod 400 "$DIR/munge/munge.key"

cat >"$DIR/slurm.conf" <<EOF
# Written by slurm-up.sh: a one-node cluster on loopback, everything under $DIR.
ClusterName=qtm
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$DIR/munge/munge.socket
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/jobcomp.txt
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=128
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,bf_interval=1
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
# Reject at submit time a job no node of the partition can ever run (the default, NO, queues it
# forever with Reason=PartitionConfig).
EnforcePartLimits=ALL
SlurmdParameters=config_overrides
MailProg=/bin/true
KillWait=2
MinJobAge=300
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=60
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=qtm Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

cat >"$DIR/env" <<EOF
# Source this file to talk to the cluster under $DIR.
export SLURM_CONF='$DIR/slurm.conf'
export QTM_SLURM_DIR='$DIR'
export QTM_MUNGE_SOCKET='$DIR/munge/munge.socket'
EOF
export SLURM_CONF="$DIR/slurm.conf"

# Each daemon runs in the foreground (-F / -D) in the background of this shell, detached from its
# stdin and stdout (make check waits for a test's output pipe to close), so $! is its PID.
munged -F --socket="$DIR/munge/munge.socket" --key-file="$DIR/munge/munge.key" \
	--pid-file="$DIR/run/munged.pid" --log-file="$DIR/log/munged.log" \
	--seed-file="$DIR/munge/munged.seed" </dev/null >"$DIR/log/munged.out" 2>&1 &
echo "munged $!" >>"$DIR/pids"
i=0
until [ -S "$DIR/munge/munge.socket" ]; do
	i=$((i + 1))
	[ $i -le 100 ] || fail "munged did not create its socket in 10 s"
	kill -0 "$(awk '$1 == "munged" { print $2 }' "$DIR/pids")" 2>/dev/null || fail "munged exited"
	sleep 0.1
done

# -i: ignore state files left by an earlier run in DIR.
slurmctld -D -i -f "$DIR/slurm.conf" </dev/null >"$DIR/log/slurmctld.out" 2>&1 &
echo "slurmctld $!" >>"$DIR/pids"
slurmd -D -N "$host" -f "$DIR/slurm.conf" </dev/null >"$DIR/log/slurmd.out" 2>&1 &
echo "slurmd $!" >>"$DIR/pids"

# Ready when the node is idle (sinfo answers only once slurmctld is up and slurmd registered).
i=0
while :; do
	state=$(sinfo -h -N -n "$host" -o '%t' 2>/dev/null)
	[ "$state" = idle ] && break
	while read -r name pid; do
		kill -0 "$pid" 2>/dev/null || fail "$name (pid $pid) exited"
	done <"$DIR/pids"
	i=$((i + 1))
	[ $i -le 300 ] || fail "node $host not idle after 30 s (state '${state:-no answer}')"
	sleep 0.1
done
echo "slurm-up: cluster up under $DIR (node $host, $cpus CPUs, $mem MB, slurmctld port $ctld_port)"
