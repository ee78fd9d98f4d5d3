#!/bin/sh
# lock.sh - the writer lock: a second writer fails at once naming the holder, --wait=S gives up
# after S seconds, --wait waits for it; readers are not blocked; a lock whose holder was killed
# does not block anyone.
. "$(dirname "$0")/lib.sh"
plan 19

mkdir -p "$TMP/mods"
for m in slow slow2; do
	mkdir -p "$TMP/mods/$m"
	printf 'sleep 3\necho trained >"$QTM_OUTPUT/model.txt"\n' >"$TMP/mods/$m/train.sh"
	make_module "$TMP/mods/$m" $m model
done
make_module "$TMP/mods/quick" quick model
make_module "$TMP/mods/quick2" quick2 model
build_repo "$TMP/repo" "$TMP/mods"
R=$TMP/root
use_source "$R" t "$TMP/repo"
lock=$R/var/lib/qtm/lock

# now: seconds since the epoch, with a fraction.
now() { date +%s.%N; }
# elapsed START: seconds since START, to a tenth.
elapsed() { /usr/bin/python3 -c "import sys, time; print('%.1f' % (time.time() - float(sys.argv[1])))" "$1"; }
# at_least A B / below A B: A >= B, A < B.
at_least() { /usr/bin/python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)" "$1" "$2"; }
below() { ! at_least "$1" "$2"; }

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
		if [ $i -ge 100 ] || ! kill -0 "$bg" 2>/dev/null; then
			echo "Bail out! the background install did not start: $(cat "$TMP/bg.err")"
			exit 1
		fi
		sleep 0.05
	done
}

start_slow slow
is "$(cat "$lock")" "$bg" "while an install runs, the lock file holds its pid"

t0=$(now)
fails_with 3 "process $bg \(.*install slow\) holds the lock $lock" \
	"a second writer fails (exit 3) naming the process holding the lock" -- qtm "$R" -y install quick
grep -q -- "--wait" "$TMP/err"; ok $? "and says how to wait for it"
below "$(elapsed "$t0")" 0.9; ok $? "it fails at once"
not_installed "$R" quick "it installed nothing"

t0=$(now)
fails_with 3 "process $bg .*holds the lock" "with --wait=1 it fails too (exit 3)" -- qtm "$R" -y --wait=1 install quick
e=$(elapsed "$t0")
at_least "$e" 0.9 && below "$e" 2.5; ok $? "after waiting about 1 s ($e s)"

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

run qtm "$R" -y --wait install quick
ok $status "with --wait a second writer waits and then succeeds"
wait "$bg"
ok $? "the first install finished well"
is "$(installed_names "$R")" "quick slow" "both are installed"

# A holder killed with SIGKILL: the lock goes with it.
start_slow slow2
kill -9 "$bg"
wait "$bg" 2>/dev/null
t0=$(now)
run qtm "$R" -y install quick2
ok $status "a lock left by a killed process does not block the next writer"
below "$(elapsed "$t0")" 2.5; ok $? "which does not wait for it"
run qtm "$R" --json status
is "$(training_state slow2)" interrupted \
	"the killed training shows as interrupted"

done_testing
