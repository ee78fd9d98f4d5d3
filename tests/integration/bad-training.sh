#!/bin/sh
# bad-training.sh - trainings that go wrong: a trainer that fails, one that overruns its time
# limit, one that does not write its declared output, one that tries to write outside its
# output, one killed by a signal.  Each failure exits 7 with the cause and the log, is recorded
# as failed in qtm status, and installs nothing (a dataset installed before it in the same run
# stays: each package installs atomically).
. "$(dirname "$0")/lib.sh"
plan 38

M=$TMP/mods
R=$TMP/root
mkdir -p "$M"
make_module "$M/data-a" data-a dataset

# trainer NAME SCRIPT [EXTRA_JSON]: a test model whose train.sh is SCRIPT and requires data-a.
trainer() {
	mkdir -p "$M/$1"
	printf '%s\n' "$2" >"$M/$1/train.sh"
	make_module "$M/$1" "$1" model ",\"requires\":[\"data-a\"]${3:-}"
}

trainer t-fail 'echo starting
echo "trainer blew up: bad gradient at step 3" >&2
exit 1'
trainer t-slow 'echo sleeping
sleep 10
echo slept through
echo x >"$QTM_OUTPUT/model.txt"'
sed -i 's/"time_limit_s":20/"time_limit_s":1/' "$M/t-slow/module.json"
trainer t-noout 'echo x >"$QTM_OUTPUT/other.txt"'
trainer t-signal 'echo about to die >&2
kill -9 $$
echo survived a kill -9 >&2
exit 3'
trainer t-segv 'exec /usr/bin/python3 -c "import ctypes; ctypes.string_at(0)"'
# Writes everywhere it should not, records each result in its output and succeeds.
trainer t-escape "out=\$QTM_OUTPUT/model.txt
: >\"\$out\"
try() {
	if msg=\$( { echo escaped >\"\$1\"; } 2>&1); then echo \"\$1: WROTE\" >>\"\$out\"; else echo \"\$1: FAILED \$msg\" >>\"\$out\"; fi
}
try \"\$QTM_DATA/x\"
try \"\$QTM_DATA/data-a/x\"
try \"\$QTM_DATA/data-a/data.txt\"
try /qtm/params.json
try /usr/x
try /etc/x
try /x
try $R/x
try $R/var/lib/qtm/x
try $TMP/x
try /qtm/src/x
mkdir -p $R/var/lib/qtm/store/evil && try $R/var/lib/qtm/store/evil/x"
build_repo "$TMP/repo" "$M"
use_source "$R" t "$TMP/repo"

# training_failed NAME REGEX DESCRIPTION: the newest training in qtm status is NAME, failed,
# with a message matching REGEX; and NAME is not installed.
training_failed() {
	"$QTM" --root "$R" --json status >"$TMP/status.json" 2>/dev/null
	got=$(json_get "$TMP/status.json" "'%s %s' % (j['trainings'][0]['name'], j['trainings'][0]['state'])")
	msg=$(json_get "$TMP/status.json" "j['trainings'][0].get('message', '')")
	if [ "$got" = "$1 failed" ] && printf '%s\n' "$msg" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		echo "# status: $got: $msg"
		ok 1 "$3"
	fi
	not_installed "$R" "$1" "  and $1 is not installed"
}

# log_of: the log path in the error message, which must exist.
log_of() {
	sed -n 's/.*(log: \([^)]*\)).*/\1/p' "$TMP/err" | head -1
}

fails_with 7 'training t-fail failed with exit status 1: trainer blew up: bad gradient at step 3' \
	"a failing trainer fails the install (exit 7) with its last stderr line" -- qtm "$R" -y install t-fail
log=$(log_of)
[ -n "$log" ] && [ -f "$log" ]; ok $? "the message names the training log, which exists ($log)"
grep -q "trainer blew up" "$log" && grep -q "^starting" "$log"; ok $? "the log has the trainer's output"
training_failed t-fail 'exit status 1: trainer blew up' "status shows the training failed, with the message"
is "$(installed_names "$R")" "data-a" "the dataset installed earlier in the same run stays installed"

fails_with 7 'training t-slow exceeded its time limit of 1 s and was killed' \
	"a trainer past resources.time_limit_s is killed (exit 7): time limit" -- qtm "$R" -y install t-slow
log=$(log_of)
! grep -q "slept through" "$log"; ok $? "it was killed at the limit, before it could finish"
[ -n "$log" ] && [ -f "$log" ] && grep -q "timed out" "$log"; ok $? "the log exists and says it timed out"
training_failed t-slow 'time limit' "status shows the training failed, with the message"
wall=$(json_get "$TMP/status.json" "j['trainings'][0]['wall_s']")
/usr/bin/python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 0.9 else 1)" "$wall"
ok $? "status records the time the failed training ran ($wall s)"

fails_with 7 'training t-noout finished but did not write its declared output model\.txt' \
	"a trainer that does not write a declared output fails the install (exit 7) naming it" -- \
	qtm "$R" -y install t-noout
grep -q "(log: " "$TMP/err"; ok $? "and names the log"
training_failed t-noout 'declared output model\.txt' "status shows the training failed, with the message"

fails_with 7 'training t-signal was killed by signal 9 \(Killed\)' \
	"a trainer killed by a signal fails the install (exit 7) naming the signal" -- qtm "$R" -y install t-signal
log=$(log_of)
[ -n "$log" ] && [ -f "$log" ]; ok $? "the message names the log, which exists"
training_failed t-signal 'signal 9' "status shows the training failed, with the message"

fails_with 7 'training t-segv was killed by signal 11 \(Segmentation fault\)' \
	"a trainer that crashes fails the install (exit 7) naming the signal" -- qtm "$R" -y install t-segv
training_failed t-segv 'signal 11' "status shows the training failed, with the message"

run qtm "$R" -y install t-escape
ok $status "the trainer that tries to write outside its output succeeds"
res=$(echo $R/var/lib/qtm/store/t-escape/1.0.0-*/model.txt)
sed 's/^/#   /' "$res"
for p in "$TMP/repo/datasets/data-a/1.0.0/x" /usr/x /etc/x /x "$R/x" "$R/var/lib/qtm/x" "$TMP/x" \
	"$R/var/lib/qtm/store/evil"; do
	[ ! -e "$p" ] || { echo "# $p exists"; rm -f "$p"; escaped=$p; }
done
is "${escaped:-none}" none "no write reached the host: the data, /usr, /etc, /, the qtm root, the test directory"
cmp -s $R/var/lib/qtm/store/data-a/1.0.0-*/data.txt "$TMP/repo/datasets/data-a/1.0.0/data.txt"
ok $? "the installed dataset is unchanged"
for p in /qtm/data/x /qtm/data/data-a/x /qtm/data/data-a/data.txt /qtm/params.json /usr/x /etc/x /x; do
	grep -Eq "^$p: FAILED .*(Read-only file system|Permission denied)" "$res"
	ok $? "inside, writing $p failed: read-only"
done
for p in "$R/x" "$R/var/lib/qtm/x" "$TMP/x"; do
	grep -Eq "^$p: FAILED .*(No such file|Directory nonexistent|Read-only file system|Permission denied)" "$res"
	ok $? "inside, the host path $p is not there"
done
grep -q "^/qtm/src/x: WROTE" "$res"; ok $? "/qtm/src, the private copy of the source, is writable"
[ ! -e "$M/t-escape/x" ] && ! tar -tf "$TMP/repo/pool/t-escape_1.0.0.tar.zst" 2>/dev/null | grep -q '/x$'
ok $? "and the write stayed in the private copy"

done_testing
