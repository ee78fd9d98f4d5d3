#!/bin/sh
# monitor.sh - the live views under tmux (send-keys, capture-pane): hive-control monitor against
# a real hive with local runners (a job's progress bar and loss sparkline, following its log,
# cancelling a job with y/n, no token, a resize, NO_COLOR and colours, q) and the plain lines
# without a terminal; qtm status --watch with a local training in the background (the same, and
# its plain lines).  Every wait polls with a generous limit; nothing is timed.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null 2>&1 || { echo "1..0 # SKIP tmux is not installed (apt-get install tmux)"; exit 0; }
plan 27

HC=$top_builddir/src/hive-control/hive-control
R=$TMP/hive
S=$R/var/lib/qtm/hive
SOCK=qtm-test-$$
tm() { TERM=xterm tmux -L "$SOCK" "$@"; }
cleanup_tmux() { tm kill-server >/dev/null 2>&1; }
trap 'cleanup_tmux; cleanup' EXIT

# poll DESCRIPTION CMD...: retries CMD (up to 90 s) until it succeeds.
poll() {
	_i=0
	shift
	until "$@" >/dev/null 2>&1; do
		_i=$((_i + 1))
		[ $_i -ge 450 ] && return 1
		sleep 0.2
	done
}
# screen NAME: the pane's text now, in $TMP/screen.
screen() { tm capture-pane -p -t "$1" >"$TMP/screen" 2>/dev/null; }
# shows NAME REGEX: the pane shows a line matching REGEX.
shows() { screen "$1" && grep -Eq -- "$2" "$TMP/screen"; }
dump() { echo "# screen:"; sed 's/^/#   /' "$TMP/screen"; }

# A module whose training prints N progress lines (a falling loss) and an "epoch" line each, a
# pause apart.
slow_module() {
	mkdir -p "$TMP/mods/$1"
	cat >"$TMP/mods/$1/module.json" <<JSON
{"format":1,"name":"$1","version":"1.0.0","kind":"model","summary":"slow test model","license":"MIT",
 "resources":{"cpus":1,"memory_mb":256,"time_limit_s":900},
 "train":{"command":["/bin/sh","train.sh"],"params":{"seed":1}},
 "outputs":["model.txt"]}
JSON
	cat >"$TMP/mods/$1/train.sh" <<SH
i=1
while [ \$i -le $2 ]; do
	echo "epoch \$i of $2"
	echo "@qtm progress {\"step\":\$i,\"steps\":$2,\"loss\":\$(( (1000 + (\$i % 3) * 150) / \$i ))}"
	sleep $3
	i=\$((i + 1))
done
echo '@qtm metric {"name":"score","value":0.5}'
echo trained >"\$QTM_OUTPUT/model.txt"
SH
}
slow_module slowjob 120 0.5
slow_module longjob 2000 0.5
slow_module slowlocal 120 0.5
build_repo "$TMP/repo" "$TMP/mods"

# A sparkline: ASCII levels, or blocks in a UTF-8 locale.
SPARK='([_.~=+*#-]|▁|▂|▃|▄|▅|▆|▇|█){3,}'

# ---- the hive -----------------------------------------------------------------------------
"$HC" --root "$R" init >/dev/null 2>"$TMP/err" &&
	printf 'min_runners = 2\nmax_runners = 2\nlease_ttl_s = 3\n' >>"$S/hive.conf" ||
	{ echo "Bail out! hive-control init: $(cat "$TMP/err")"; exit 1; }
use_source "$R" test "file://$TMP/repo"
port=$(free_port)
"$HC" --root "$R" start --listen "127.0.0.1:$port" >/dev/null 2>"$TMP/err" ||
	{ echo "Bail out! hive-control start: $(cat "$TMP/err")"; exit 1; }
BG_PIDS="${BG_PIDS:-} $(cat "$S/hived.pid")"
URL=http://127.0.0.1:$port
job_state() { curl -s -m 10 "$URL/jobs/$1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'; }
is_state() { [ "$(job_state "$1")" = "$2" ]; }
submit() { "$HC" --root "$R" --json submit "$1" high >"$TMP/sub" && json_get "$TMP/sub" "j[-1]['id']"; }

a=$(submit slowjob)
poll "job a runs" is_state "$a" running
ok $? "job $a (slowjob) runs on a local runner"

tm new-session -d -s mon -x 120 -y 40 "$HC --root $R monitor --interval 1"
# The runner's line: the job, a bar, a percentage, an ETA, the loss and a sparkline.
runner_line="local-[0-9]+ +busy +#$a +slowjob +\\[#+\\.*\\] +[0-9]+% +ETA [0-9hms]+ +loss [0-9.e+-]+ +$SPARK"
poll "progress shown" shows mon "$runner_line"
st=$?
[ $st -eq 0 ] || dump
ok $st "monitor shows the runner with job $a, a progress bar, ETA, loss and a sparkline"
grep -q "^ qtm hive monitor   $URL" "$TMP/screen"; ok $? "the title names the hive"
grep -Eq "^CPU \\[[#.]+\\] +[0-9]+% +Memory \\[[#.]+\\] +[0-9]+% +Disk \\[[#.]+\\] +[0-9]+%" "$TMP/screen"
ok $? "the system's CPU, memory and disk are shown"
grep -Eq "^Queue by priority: 0 pending" "$TMP/screen"; ok $? "and the (empty) queue"

# open_log NAME JOB: selects the rows in turn from the top until Enter opens JOB's log (Enter on
# a runner without a job says so on the last line; g clears that and selects the first row).
open_log() {
	for _k in 0 1 2 3 4 5; do
		tm send-keys -t "$1" g
		poll "help line" shows "$1" "^ up/down/j/k select" || return 1
		_j=0
		while [ $_j -lt $_k ]; do tm send-keys -t "$1" j; _j=$((_j + 1)); done
		tm send-keys -t "$1" Enter
		poll "log view or no job" shows "$1" "^ Log of | has no job" || return 1
		grep -q "^ Log of job $2 " "$TMP/screen" && return 0
		if grep -q "^ Log of " "$TMP/screen"; then
			tm send-keys -t "$1" Escape
			poll "main view" shows "$1" "^ qtm hive monitor"
		fi
	done
	return 1
}
open_log mon "$a"
ok $? "Enter on the runner's row follows job $a's log"
poll "log lines" shows mon "^epoch [0-9]+ of 120"
st=$?
[ $st -eq 0 ] || dump
ok $st "the log view shows the training's lines"
! grep -q '^@qtm progress' "$TMP/screen"; ok $? "without the progress lines"
tm send-keys -t mon Escape
poll "back" shows mon "^ qtm hive monitor"
ok $? "Escape goes back to the list"

# A second, long job: c then y cancels it.
b=$(submit longjob)
poll "job b runs" is_state "$b" running
ok $? "job $b (longjob) runs on the other runner"
poll "b shown" shows mon "#$b +longjob"
open_log mon "$b" && tm send-keys -t mon Escape && poll "back" shows mon "^ qtm hive monitor"
tm send-keys -t mon c
poll "prompt" shows mon "Cancel job $b\\? \\[y/n\\]"
st=$?
[ $st -eq 0 ] || dump
ok $st "c asks to confirm the cancel of job $b"
tm send-keys -t mon y
poll "cancelled" is_state "$b" cancelled
ok $? "y cancels it: the hive says cancelled"
is "$(job_state "$a")" running "the other job runs on"

# A resize redraws the whole screen at the new size (r first: a refresh, the message goes).
tm send-keys -t mon r
poll "message gone" shows mon "^ up/down/j/k select"
tm resize-window -t mon -x 90 -y 30
poll "resized" sh -c "tmux -L $SOCK capture-pane -p -t mon | head -1 | grep -q '^ qtm hive monitor'" &&
	screen mon && [ "$(wc -l <"$TMP/screen")" -eq 30 ]
ok $? "after a resize the title line is intact and the screen is 30 lines"
awk 'length($0) > 90 { bad = 1 } END { exit bad }' "$TMP/screen" &&
	tail -1 "$TMP/screen" | grep -q "^ up/down/j/k select" && grep -Eq "^CPU \\[" "$TMP/screen"
st=$?
[ $st -eq 0 ] || dump
ok $st "every line fits 90 columns and the header and key help are in place"

tm capture-pane -e -p -t mon >"$TMP/esc"
! grep -Eq "$(printf '\033')\\[([0-9;]*;)?(3[0-7]|9[0-7]|38;5;[0-9]+)(;[0-9]+)*m" "$TMP/esc"
ok $? "no colours with NO_COLOR"

tm send-keys -t mon q
poll "monitor ends" sh -c "! tmux -L $SOCK has-session -t mon"
ok $? "q quits the monitor"

# Colours without NO_COLOR; no token: c says so.
mkdir -p "$TMP/other"
tm new-session -d -s col -x 120 -y 40 "env -u NO_COLOR $HC --root $TMP/other --hive $URL monitor --interval 1"
poll "col up" shows col "#$a +slowjob"
tm capture-pane -e -p -t col >"$TMP/esc"
grep -Eq "$(printf '\033')\\[([0-9;]*;)?(3[0-7]|9[0-7]|38;5;[0-9]+)(;[0-9]+)*m" "$TMP/esc"
ok $? "colours on a terminal without NO_COLOR"
open_log col "$a" && tm send-keys -t col Escape && poll "back" shows col "^ qtm hive monitor"
tm send-keys -t col c
poll "no token" shows col "cannot cancel: no operator token"
ok $? "without an operator token c says so"
is "$(job_state "$a")" running "and cancels nothing"
tm send-keys -t col q

# Not a terminal: the plain lines, --count of them.
run "$HC" --root "$R" monitor --interval 1 --count 2
is "$(grep -Ec '^[0-9:]{8}  runners [0-9]+ active / [0-9]+ available / [0-9]+ max  queue ' "$TMP/out")" 2 \
	"through a pipe monitor prints --count plain status lines"

# ---- qtm status --watch with a local training -----------------------------------------------
L=$TMP/local
use_source "$L" test "file://$TMP/repo"
env -u QTM_HIVE "$QTM" --root "$L" -y install --local slowlocal >"$TMP/install.out" 2>&1 &
ipid=$!
BG_PIDS="${BG_PIDS:-} $ipid"
tm new-session -d -s st -x 120 -y 40 "$QTM --root $L status --watch --interval 1"
st_line="running +slowlocal +1\\.0\\.0 +\\[#+\\.*\\] +[0-9]+% +ETA [0-9hms]+ +loss [0-9.e+-]+ +$SPARK"
poll "training shown" shows st "$st_line"
st=$?
[ $st -eq 0 ] || { dump; sed 's/^/# install: /' "$TMP/install.out"; }
ok $st "status --watch shows the running training with a bar, ETA, loss and a sparkline"
tm send-keys -t st Enter
poll "log" shows st "^epoch [0-9]+ of 120"
st=$?
[ $st -eq 0 ] || dump
grep -q "^ Log of slowlocal 1.0.0 (training [0-9]*): running" "$TMP/screen" && [ $st -eq 0 ]
ok $? "Enter follows its log"
tm send-keys -t st Escape
poll "back" shows st "^ qtm status --watch"
ok $? "Escape goes back"
tm send-keys -t st q
poll "watch ends" sh -c "! tmux -L $SOCK has-session -t st"
ok $? "q quits"
run "$QTM" --root "$L" status --watch --interval 1 --count 2
is "$(grep -Ec '^[0-9:]{8}  training slowlocal 1\.0\.0: [0-9]+% \(step [0-9]+ of 120\), loss [0-9.e+-]+, ETA ' "$TMP/out")" 2 \
	"through a pipe status --watch prints a plain line per refresh"
run "$QTM" --root "$L" --json status --watch --interval 1 --count 1
is "$(json_get "$TMP/out" "[(t['name'], t['state'], 0 <= t['progress'] <= 1, t['loss'] > 0) for t in j['trainings']][0]")" \
	"('slowlocal', 'running', True, True)" "with --json a JSON line per refresh with progress and loss"

kill "$ipid" 2>/dev/null
wait "$ipid" 2>/dev/null
"$HC" --root "$R" stop >/dev/null 2>&1
done_testing
