#!/bin/sh
# parallel.sh - trainings side by side (-j N, jobs = auto): two independent trainings really run
# at once, a model that requires another trains after it, a dataset two trainings need is
# fetched once, a failed training stops no other and a rerun trains only what failed, auto fits
# trainings by their declared cpus and memory_mb, SIGINT stops every running training and
# leaves the installed state as it was, and the plain progress lines name each training.
# No timing is asserted: the trainers wait for files the test creates in the store directory of
# the dataset "gate" (bound into every sandbox), each when the test has seen what it waits for.
. "$(dirname "$0")/lib.sh"
plan 42

# trainer NAME CPUS MEMORY_MB BODY: a model NAME requiring gate (and what REQUIRES names, a JSON
# list's items) whose train.sh first logs "started NAME", then runs BODY.  In BODY,
# `await FILE` waits for the gate file FILE (for minutes at most: then it fails, saying so).
trainer() {
	_name=$1 _cpus=$2 _mem=$3 _body=$4 _req=${REQUIRES:-}
	mkdir -p "$TMP/mods/$_name"
	cat >"$TMP/mods/$_name/train.sh" <<SH
await() {
	i=0
	while [ ! -e "\$QTM_DATA/gate/\$1" ]; do
		if [ \$i -ge 3000 ]; then echo "gave up waiting for \$1"; exit 1; fi
		sleep 0.1
		i=\$((i + 1))
	done
}
echo "started $_name"
echo '@qtm progress {"step":1,"steps":2,"loss":0.5}'
$_body
echo '@qtm progress {"step":2,"steps":2,"loss":0.25}'
echo "trained $_name" >"\$QTM_OUTPUT/model.txt"
SH
	make_module "$TMP/mods/$_name" "$_name" model ",\"requires\":[\"gate\"$_req]"
	sed -i "s/\"cpus\":1,\"memory_mb\":256,\"time_limit_s\":20/\"cpus\":$_cpus,\"memory_mb\":$_mem,\"time_limit_s\":3600/" \
		"$TMP/mods/$_name/module.json"
}

mkdir -p "$TMP/mods"
make_module "$TMP/mods/gate" gate dataset
make_module "$TMP/mods/shared" shared dataset
# Each waits until the other has started: together or never.
trainer p1 1 256 'await started-p2'
trainer p2 1 256 'await started-p1'
# Each waits to be let go.
trainer w1 2 256 'await go-w1'
trainer w2 2 256 'await go-w2'
# Three quarters of the memory available now each: one at a time.
mem=$(awk '/^MemAvailable:/ { print int($2 / 1024 * 3 / 4) }' /proc/meminfo)
trainer m1 1 "$mem" 'await go-m1'
trainer m2 1 "$mem" 'await go-m2'
# c2 needs c1's artifact.
trainer c1 1 256 'await go-c1'
REQUIRES=',"c1"' trainer c2 1 256 '[ -s "$QTM_DATA/c1/model.txt" ] || { echo "no c1 artifact"; exit 1; }'
# Both need the dataset shared.
REQUIRES=',"shared"' trainer d1 1 256 ''
REQUIRES=',"shared"' trainer d2 1 256 ''
# f-bad fails until the test creates gate/fixed; f-ok waits to be let go.
trainer f-ok 1 256 'await go-f-ok'
trainer f-bad 1 256 '[ -e "$QTM_DATA/gate/fixed" ] || { echo "failing on purpose"; exit 3; }'
# They wait for what never comes.
trainer s1 1 256 'await never'
trainer s2 1 256 'await never'
build_repo "$TMP/repo" "$TMP/mods"

# status ROOT: qtm status --json into $TMP/status.json.
status_json() { "$QTM" --root "$1" --json status >"$TMP/status.json" 2>/dev/null; }

# training_state ROOT NAME: the state of NAME's newest training ("none" without one).
training_state() {
	status_json "$1" &&
		json_get "$TMP/status.json" "([t['state'] for t in j['trainings'] if t['name'] == '$2'] + ['none'])[0]"
}

# trainings ROOT NAME: how many trainings of NAME the root recorded.
trainings() { db_query "$1" "SELECT count(*) FROM trainings WHERE name = '$2'"; }

# started ROOT NAME: NAME's newest training logged that its trainer started.
started() {
	status_json "$1" || return 1
	_log=$(json_get "$TMP/status.json" "([t.get('log', '') for t in j['trainings'] if t['name'] == '$2'] + [''])[0]")
	[ -n "$_log" ] && grep -qx "started $2" "$_log" 2>/dev/null
}

# gate ROOT FILE: creates FILE in the gate dataset's store directory (seen by every trainer).
gate() { for _d in "$1"/var/lib/qtm/store/gate/*/; do touch "$_d$2"; done; }

# install_bg ROOT ARGS...: qtm -y install ARGS in the background (pid in $bg, output in
# $TMP/bg.out and $TMP/bg.err).
install_bg() {
	_r=$1
	shift
	"$QTM" --root "$_r" -y install "$@" >"$TMP/bg.out" 2>"$TMP/bg.err" &
	bg=$!
	BG_PIDS="${BG_PIDS:-} $bg"
}

# await CMD...: polls CMD until it succeeds; 1 when the background install ended first or
# after minutes.
await() {
	_i=0
	until "$@"; do
		_i=$((_i + 1))
		if [ $_i -ge 3000 ] || ! kill -0 "$bg" 2>/dev/null; then
			"$@"
			return $?
		fi
		sleep 0.1
	done
}

# finish DESCRIPTION: waits for the background install; ok when it succeeded.
finish() {
	wait "$bg"
	_st=$?
	[ $_st -eq 0 ] || sed 's/^/#   /' "$TMP/bg.err"
	ok $_st "$1"
}

# ---- two independent trainings at once ------------------------------------------------------
# the test lets each trainer go on when it has seen the other start (in its log).
both_meet() {
	_tag=$TMP/met-$(basename "$1")
	for _m in p1 p2; do
		[ -e "$_tag-$_m" ] && continue
		started "$1" $_m && gate "$1" started-$_m && touch "$_tag-$_m"
	done
	[ -e "$_tag-p1" ] && [ -e "$_tag-p2" ]
}

R=$TMP/root-j2
use_source "$R" t "$TMP/repo"
install_bg "$R" -j 2 p1 p2
await both_meet "$R"
ok $? "under -j 2 both trainers started while the other waited for it"
finish "and the install succeeds: each saw the other running"
is "$(installed_names "$R")" "gate p1 p2" "both models are installed"
"$QTM" --root "$R" --json info p1 >"$TMP/info.json" 2>/dev/null
is "$(json_get "$TMP/info.json" "j['installed'].get('origin')")" trained "a worker's artifact is recorded as trained here"
grep -q '^p1: training p1 .*50%' "$TMP/bg.err" && grep -q '^p2: training p2 .*50%' "$TMP/bg.err" &&
	grep -q '^p1: .*done in' "$TMP/bg.err" && grep -q '^p2: .*done in' "$TMP/bg.err"
st=$?; [ $st -eq 0 ] || sed 's/^/#   /' "$TMP/bg.err"
ok $st "in a pipe each training's progress lines are prefixed with its name"
grep -q "^Trained p1 in" "$TMP/bg.err" && grep -q "^Trained p2 in" "$TMP/bg.err"
ok $? "and each says it trained"

# ---- auto: as the cores and memory fit -------------------------------------------------------
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
	TWO="taskset -c 0,1"
else
	TWO=
fi

R=$TMP/root-auto
use_source "$R" t "$TMP/repo"
if [ -n "$TWO" ]; then
	$TWO "$QTM" --root "$R" -y install p1 p2 >"$TMP/bg.out" 2>"$TMP/bg.err" &
	bg=$!
	BG_PIDS="${BG_PIDS:-} $bg"
	await both_meet "$R"
	ok $? "jobs = auto on two cores runs two trainings declaring cpus 1 at once"
	finish "  and the install succeeds"
else
	echo "ok $((_n + 1)) # SKIP taskset or two cores missing"; _n=$((_n + 1))
	echo "ok $((_n + 1)) # SKIP taskset or two cores missing"; _n=$((_n + 1))
fi

# one_at_a_time ROOT A B DESCRIPTION [WRAPPER...]: A and B (independent, each waiting for
# go-NAME) are installed by qtm run under WRAPPER with jobs = auto; the second training is not
# begun while the first runs, and starts once it is done.
one_at_a_time() {
	_r=$1 _a=$2 _b=$3 _desc=$4
	shift 4
	use_source "$_r" t "$TMP/repo"
	"$@" "$QTM" --root "$_r" -y install "$_a" "$_b" >"$TMP/bg.out" 2>"$TMP/bg.err" &
	bg=$!
	BG_PIDS="${BG_PIDS:-} $bg"
	_first=
	_i=0
	while [ -z "$_first" ] && [ $_i -lt 3000 ] && kill -0 "$bg" 2>/dev/null; do
		if started "$_r" "$_a"; then _first=$_a _second=$_b
		elif started "$_r" "$_b"; then _first=$_b _second=$_a
		else sleep 0.1; fi
		_i=$((_i + 1))
	done
	[ -n "$_first" ]; ok $? "$_desc: one training starts"
	# The parent decides on the second before its first trainer can write a line: a second
	# begun alongside would show here.
	is "$(training_state "$_r" "$_second")" none "$_desc: the other is not begun while it runs"
	gate "$_r" "go-$_first"
	await started "$_r" "$_second"
	ok $? "$_desc: the other starts once the first is done"
	is "$(training_state "$_r" "$_first")" succeeded "  and the first was done by then"
	gate "$_r" "go-$_second"
	finish "$_desc: the install succeeds"
}

if [ -n "$TWO" ]; then
	one_at_a_time "$TMP/root-cpus" w1 w2 "cpus 2 each on two cores" $TWO
else
	for _k in 1 2 3 4 5; do echo "ok $((_n + 1)) # SKIP taskset or two cores missing"; _n=$((_n + 1)); done
fi
one_at_a_time "$TMP/root-mem" m1 m2 "memory_mb of three quarters of the available each"

# ---- a dependency chain ----------------------------------------------------------------------
R=$TMP/root-chain
use_source "$R" t "$TMP/repo"
install_bg "$R" -j 2 c2
await started "$R" c1
ok $? "the required model c1 trains"
is "$(training_state "$R" c2)" none "c2, which requires it, is not begun while c1 trains"
gate "$R" go-c1
finish "the chain installs: c2's trainer found c1's artifact"
is "$(installed_names "$R")" "c1 c2 gate" "both are installed"
is "$(db_query "$R" "SELECT (SELECT started_at FROM trainings WHERE name = 'c2') >= (SELECT finished_at FROM trainings WHERE name = 'c1')")" 1 \
	"the records show c2 began after c1 finished"

# ---- a dataset two trainings need is fetched once --------------------------------------------
/usr/bin/python3 "$top_srcdir/tests/integration/httpd.py" --root "$TMP/repo" --port-file "$TMP/port" \
	--log "$TMP/http.log" 2>"$TMP/httpd.err" &
BG_PIDS="${BG_PIDS:-} $!"
i=0
until [ -s "$TMP/port" ]; do
	i=$((i + 1))
	if [ $i -ge 300 ]; then echo "Bail out! httpd.py did not start: $(cat "$TMP/httpd.err")"; exit 1; fi
	sleep 0.1
done
R=$TMP/root-http
use_source "$R" web "http://127.0.0.1:$(cat "$TMP/port")/"
install_bg "$R" -j 2 d1 d2
finish "two models needing one dataset install over HTTP side by side"
is "$(installed_names "$R")" "d1 d2 gate shared" "both and their datasets are installed"
is "$(grep -c '"path": "/datasets/shared/1.0.0/data.txt"' "$TMP/http.log")" 1 "the shared dataset was fetched once"

# ---- a failed training stops no other ---------------------------------------------------------
R=$TMP/root-fail
use_source "$R" t "$TMP/repo"
install_bg "$R" -j 2 f-ok f-bad
bad_failed() { [ "$(training_state "$R" f-bad)" = failed ]; }
await started "$R" f-ok && await bad_failed
ok $? "f-bad fails while f-ok trains"
is "$(training_state "$R" f-ok)" running "f-ok still trains after f-bad failed"
gate "$R" go-f-ok
wait "$bg"
st=$?
[ $st -ne 0 ] && grep -q "f-bad" "$TMP/bg.err"
ok $? "the install fails, naming f-bad (exit $st)"
is "$(installed_names "$R")" "f-ok gate" "f-ok, which finished, is installed; f-bad is not"
id=$(db_query "$R" "SELECT build_id FROM trainings WHERE name = 'f-ok'")
ls "$R/var/cache/qtm/artifacts" | grep -q "$id"
ok $? "f-ok's artifact is cached by its build id"
gate "$R" fixed
run qtm "$R" -y install -j 2 f-ok f-bad
ok $status "the rerun succeeds"
is "$(trainings "$R" f-ok) $(trainings "$R" f-bad)" "1 2" "and trained only f-bad again"
grep -q "^Trained f-ok" "$TMP/err"
is $? 1 "  (it says nothing of training f-ok)"

# ---- SIGINT stops every running training ------------------------------------------------------
R=$TMP/root-int
use_source "$R" t "$TMP/repo"
run qtm "$R" -y install gate
ok $status "gate is installed before"
before=$(installed_names "$R")
install_bg "$R" -j 2 s1 s2
await started "$R" s1 && await started "$R" s2
ok $? "s1 and s2 train at once"
# descendants PID: every process below PID.
descendants() {
	for _c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		echo "$_c"
		descendants "$_c"
	done
}
procs=$(descendants "$bg")
[ -n "$procs" ]; ok $? "their processes run below qtm"
kill -INT "$bg"
wait "$bg"
st=$?
[ $st -ne 0 ] && grep -q "interrupted" "$TMP/bg.err"
ok $? "qtm stops on SIGINT saying it was interrupted (exit $st)"
gone() { for _p in $procs; do kill -0 "$_p" 2>/dev/null && return 1; done; return 0; }
i=0
until gone || [ $i -ge 3000 ]; do sleep 0.1; i=$((i + 1)); done
gone; ok $? "every process of both trainings is gone"
is "$(installed_names "$R")" "$before" "the installed packages are as before"
run qtm "$R" verify
ok $status "and verify finds them intact"
is "$(training_state "$R" s1) $(training_state "$R" s2)" "interrupted interrupted" "both trainings are recorded as interrupted"

done_testing
