#!/bin/sh
# publish-crash.sh - kill -9 at random instants of `qtm-repo add`.  After each kill, a client's
# `qtm update` and `qtm install -s` must see the release served before or the new one, never a
# broken one (every moment's release.json has a valid signature and all its pieces), `qtm-repo
# verify` must pass, and the next `qtm-repo add` of the same folder must succeed.  Then, with
# strace's fault injection, the kill falls at each rename of the publishing order.
# QTM_CRASH_SEED and QTM_CRASH_ROUNDS choose the instants (printed, to replay a failure).
. "$(dirname "$0")/lib.sh"

ROUNDS=${QTM_CRASH_ROUNDS:-30}
SEED=${QTM_CRASH_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
plan $((ROUNDS * 4 + 7 * 4 + 3))
echo "# seed $SEED, $ROUNDS rounds"

M=$TMP/m
for n in a b c d e f; do make_module "$M/model-$n" "model-$n" model; done
make_module "$M/data-a" data-a dataset
REPO=$TMP/repo
build_repo "$REPO" "$M"
R=$TMP/root
use_source "$R" t "$REPO"
KEY=$(test_key)

# kill.py DELAY CMD...: runs CMD in a session of its own, SIGKILLs the session after DELAY
# seconds (unless it ended before); prints the command's exit status, or "killed".
cat >"$TMP/kill.py" <<'PY'
import os, signal, subprocess, sys, time
delay, cmd = float(sys.argv[1]), sys.argv[2:]
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
try:
    print(p.wait(timeout=delay))
except subprocess.TimeoutExpired:
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    print("killed")
PY
# new_version N: a folder of model-a at version 2.N.0 with a 2 MB file, so that packing it
# takes a while and the instants fall everywhere in the add.
new_version() {
	make_module "$TMP/v/$1" model-a model
	sed -i "s/\"version\":\"1.0.0\"/\"version\":\"2.$1.0\"/" "$TMP/v/$1/module.json"
	head -c 2000000 /dev/urandom >"$TMP/v/$1/weights.bin"
}
newest() { "$QTM" --root "$R" --json install -s model-a 2>"$TMP/err" >"$TMP/out" &&
	json_get "$TMP/out" "' '.join(s['version'] for s in j['steps'])"; }

# One add unharmed, to know how long one takes.
new_version 0
t0=$(date +%s.%N)
run "$QTM_REPO_TOOL" add --key "$KEY.key" "$REPO" "$TMP/v/0"
t1=$(date +%s.%N)
ok $status "an add, not killed, succeeds"
SPAN=$(/usr/bin/python3 -c "import sys; print(max(0.05, 1.5 * (float(sys.argv[2]) - float(sys.argv[1]))))" "$t0" "$t1")
echo "# one add takes about $(/usr/bin/python3 -c "print(round($SPAN / 1.5, 3))") s; kills fall within ${SPAN} s"

# crash_round I HOW: after an add of $TMP/v/I that ended as HOW (its exit status, or killed),
# the served release is the one before or the new one, whole; then the add is done again.
crash_round() {
	after=$(json_get "$REPO/release.json" "j['version']")
	desc="$desc ($2), release $before -> $after"
	case $after in "$before" | $((before + 1))) ok 0 "$desc: the old release or the new one" ;;
	*) ok 1 "$desc: the old release or the new one" ;; esac
	run qtm "$R" update
	got=$(newest)
	want=$([ "$after" = "$before" ] && echo "2.$(($1 - 1)).0" || echo "2.$1.0")
	is "$status $got" "0 $want" "  a client updates and installs what that release offers"
	run "$QTM_REPO_TOOL" verify "$REPO"
	st=$status; [ $st -eq 0 ] || sed 's/^/#   /' "$TMP/err" | head -5
	ok $st "  every file the release refers to is there and matches"
	run "$QTM_REPO_TOOL" add --key "$KEY.key" "$REPO" "$TMP/v/$1"
	st=$status; [ $st -eq 0 ] || sed 's/^/#   /' "$TMP/err" | head -5
	ok $st "  and the next add of the same folder succeeds"
	run qtm "$R" update
}

i=1
while [ $i -le "$ROUNDS" ]; do
	new_version $i
	before=$(json_get "$REPO/release.json" "j['version']")
	delay=$(/usr/bin/python3 -c "import random, sys; random.seed(int(sys.argv[1]) * 1000 + int(sys.argv[2])); print(round(random.uniform(0, float(sys.argv[3])), 4))" "$SEED" $i "$SPAN")
	desc="round $i: add killed after ${delay}s"
	crash_round $i "$(/usr/bin/python3 "$TMP/kill.py" "$delay" "$QTM_REPO_TOOL" add --key "$KEY.key" "$REPO" "$TMP/v/$i")"
	i=$((i + 1))
done

# Each step of the publishing order, hit exactly: SIGKILL at the Nth rename of an add, before it
# takes effect (the source into pool/, each new piece, release.json.sig, release.json,
# release.json.sig): every state the served tree passes through.
if strace -f -o /dev/null -e inject=rename:signal=KILL:when=99 /bin/true 2>/dev/null; then
	for n in 1 2 3 4 5 6 7; do
		new_version $i
		before=$(json_get "$REPO/release.json" "j['version']")
		desc="add killed at its rename $n"
		strace -f -o /dev/null -e trace=rename -e inject=rename:signal=KILL:when=$n \
			"$QTM_REPO_TOOL" add --key "$KEY.key" "$REPO" "$TMP/v/$i" >/dev/null 2>&1
		crash_round $i "exit $?"
		i=$((i + 1))
	done
else
	for n in 1 2 3 4 5 6 7; do
		for t in 1 2 3 4; do ok 0 "# SKIP strace cannot inject a signal here"; done
	done
fi

run "$QTM_REPO_TOOL" prune "$REPO"
ok $status "after the crashes, prune deletes what no release refers to"
left=$(cd "$REPO" && find . -name '*.tmp.*' -o -name '*.qtm-repo-old' -o -name .qtm-repo.staging)
run "$QTM_REPO_TOOL" verify "$REPO"
is "$status:$left" "0:" "  no temporary file or staging folder is left, and the release is whole"

done_testing
