#!/bin/sh
# lock.sh - the writer lock: a second writer fails at once naming the holder, --wait=S gives up,
# --wait waits for it; readers are not blocked; a lock whose holder was killed does not block
# anyone.  No timing is asserted: the slow trainers wait for a file the test creates (their
# dataset directory is bound into the sandbox, so a file added to it on the host appears there).
. "$(dirname "$0")/lib.sh"
plan 21

mkdir -p "$TMP/mods"
make_module "$TMP/mods/gate" gate dataset
for m in slow slow2; do
	mkdir -p "$TMP/mods/$m"
	printf 'i=0\nwhile [ ! -e "$QTM_DATA/gate/release" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\necho trained >"$QTM_OUTPUT/model.txt"\n' \
		>"$TMP/mods/$m/train.sh"
	make_module "$TMP/mods/$m" $m model ',"requires":["gate"]'
	# They wait for the test, however slow the machine: no time limit in the way.
	sed -i 's/"time_limit_s":20/"time_limit_s":3600/' "$TMP/mods/$m/module.json"
done
make_module "$TMP/mods/quick" quick model
make_module "$TMP/mods/quick2" quick2 model
build_repo "$TMP/repo" "$TMP/mods"
R=$TMP/root
use_source "$R" t "$TMP/repo"
lock=$R/var/lib/qtm/lock

# release / hold_gate: let the slow trainers finish, or keep them waiting.
# (A glob ending in /release matches only files that exist: touch each version's directory.)
release() { for d in "$R"/var/lib/qtm/store/gate/*/; do touch "${d}release"; done; }
hold_gate() { rm -f "$R"/var/lib/qtm/store/gate/*/release; }

# training_state NAME: the state of NAME's newest training in qtm status.
training_state() {
	"$QTM" --root "$R" --json status >"$TMP/status.json" 2>/dev/null &&
		json_get "$TMP/status.json" "([t['state'] for t in j['trainings'] if t['name'] == '$1'] + ['none'])[0]"
}

# start_slow NAME: a writer installing NAME in the background; waits until it holds the lock
# and its training runs.
start_slow() {
	"$QTM" --root "$R" -y install "$1" >"$TMP/bg.out" 2>"$TMP/bg.err" &
	bg=$!
	BG_PIDS="${BG_PIDS:-} $bg"
	i=0
	while [ "$(cat "$lock" 2>/dev/null)" != "$bg" ] || [ "$(training_state "$1")" != running ]; do
		i=$((i + 1))
		if [ $i -ge 600 ] || ! kill -0 "$bg" 2>/dev/null; then
			echo "Bail out! the background install did not start: $(cat "$TMP/bg.err")"
			exit 1
		fi
		sleep 0.05
	done
}

start_slow slow
is "$(cat "$lock")" "$bg" "while an install runs, the lock file holds its pid"

fails_with 3 "process $bg \(.*install slow\) holds the lock $lock" \
	"a second writer fails (exit 3) naming the process holding the lock" -- qtm "$R" -y install quick
grep -q -- "--wait" "$TMP/err"; ok $? "and says how to wait for it"
kill -0 "$bg"; ok $? "it failed without waiting for the holder, which still runs"
not_installed "$R" quick "it installed nothing"

fails_with 3 "process $bg .*holds the lock" "with --wait=1 it fails too (exit 3)" -- qtm "$R" -y --wait=1 install quick
kill -0 "$bg"; ok $? "giving up while the holder still runs"

run qtm "$R" list --available
ok $status "list works while the lock is held"
grep -q "^quick " "$TMP/out"; ok $? "and lists the packages"
run qtm "$R" --json status
ok $status "status works while the lock is held"
is "$(training_state slow)" running "and shows the running training"
run qtm "$R" info quick
ok $status "info works while the lock is held"
run qtm "$R" install -s quick
ok $status "a dry run works while the lock is held"

"$QTM" --root "$R" -y --wait install quick >"$TMP/w.out" 2>"$TMP/w.err" &
waiter=$!
release
wait "$waiter"
ok $? "with --wait a second writer waits and then succeeds"
wait "$bg"
st=$?; [ $st -eq 0 ] || sed 's/^/#   /' "$TMP/bg.err"; ok $st "the first install finished well"
is "$(installed_names "$R")" "gate quick slow" "all are installed"
hold_gate

# A holder killed with SIGKILL: the lock goes with it.
start_slow slow2
# The lock is on the open file: no process of the sandbox may hold a copy of it, or a killed
# holder's lock would outlive it until the kernel reaps them.
held=
for child in $(cat /proc/"$bg"/task/*/children); do
	ls -l /proc/"$child"/fd 2>/dev/null | grep -q " $lock\$" && held="$held $child"
done
is "$held" "" "the sandbox does not hold the writer lock's file open"
kill -9 "$bg"
wait "$bg" 2>/dev/null
run qtm "$R" -y install quick2
ok $status "a lock left by a killed process does not block the next writer"
run qtm "$R" --json history
is "$(json_get "$TMP/out" "j[1]['state']")" interrupted "the killed run shows as interrupted in the history"
run qtm "$R" --json status
is "$(training_state slow2)" interrupted \
	"the killed training shows as interrupted"

# A writer creating the database while readers open it: each opener that may write brings the
# schema up to date, and two doing so at once once failed with "duplicate column name".
errs=
for round in 1 2 3 4 5 6 7 8 9 10; do
	F=$TMP/fresh$round
	mkdir -p "$F"
	qtm "$F" -y remove nosuch >/dev/null 2>&1 &
	for i in 1 2 3 4 5; do qtm "$F" list --installed >/dev/null 2>"$TMP/open.$i" & done
	wait
	errs=$errs$(cat "$TMP"/open.*)
done
is "$errs" "" "a writer and five readers opening a new database at once all succeed (ten rounds)"

done_testing
