#!/bin/sh
# hive-install.sh - qtm install handing its trainings to a real hive on loopback (qtm-hived with
# local qtm-runner processes): the artifact comes back verified and is the one a local training
# makes (same build id, same bytes); info names the runner; --local and a dead hive train here,
# --hive-only does not; a training that fails on the hive fails the install with its log; a job
# whose spec does not reproduce its build id is refused by the runner; two independent models
# train side by side on the hive's two runners (the second is submitted ahead of its turn);
# hive-control submit plans a module's chain from the index.
. "$(dirname "$0")/lib.sh"
plan 23

HC=$top_builddir/src/hive-control/hive-control
make_module "$TMP/mods/data-a" data-a dataset
make_module "$TMP/mods/model-a" model-a model ',"requires":["data-a >= 1.0"]'
make_module "$TMP/mods/model-b" model-b model ',"requires":["model-a >= 1.0"]'
mkdir -p "$TMP/mods/model-bad"
printf 'echo "the trainer gives up" >&2\nexit 3\n' >"$TMP/mods/model-bad/train.sh"
make_module "$TMP/mods/model-bad" model-bad model ',"requires":["data-a >= 1.0"]'
# Two models with nothing in common, each training for 3 s.
for x in c d; do
	make_module "$TMP/mods/data-$x" "data-$x" dataset
	mkdir -p "$TMP/mods/model-$x"
	printf 'sleep 3\necho trained >"$QTM_OUTPUT/model.txt"\n' >"$TMP/mods/model-$x/train.sh"
	make_module "$TMP/mods/model-$x" "model-$x" model ",\"requires\":[\"data-$x >= 1.0\"]"
done
build_repo "$TMP/repo" "$TMP/mods"

H=$TMP/hive
STATE=$H/var/lib/qtm/hive
"$HC" --root "$H" init >/dev/null 2>"$TMP/err" && printf 'min_runners = 2\nmax_runners = 2\nmax_attempts = 2\n' >>"$STATE/hive.conf"
ok $? "hive-control init makes the hive's state"
port=$(free_port)
run "$HC" --root "$H" start --listen "127.0.0.1:$port"
ok $status "hive-control start runs qtm-hived with local runners"
[ -s "$STATE/hived.pid" ] && BG_PIDS="${BG_PIDS:-} $(cat "$STATE/hived.pid")"
export QTM_HIVE="http://127.0.0.1:$port" QTM_HIVE_TOKEN="@$STATE/operator.token" QTM_HIVE_KEY="$STATE/hive-key.pub"

A=$TMP/a
use_source "$A" t "$TMP/repo"
run qtm "$A" -y install model-b
ok $status "install model-b trains model-a and model-b on the hive"
grep -q "Training model-a on the hive" "$TMP/err" && grep -q "The hive trained model-b" "$TMP/err"
ok $? "and says so"
run qtm "$A" --json info model-b
origin=$(json_get "$TMP/out" "j['installed']['origin']")
case $origin in hive:local-*"at http://127.0.0.1:$port)") ok 0 "info names the runner, the job and the hive" ;;
*) echo "# origin: $origin"; ok 1 "info names the runner, the job and the hive" ;; esac
bid_hive=$(json_get "$TMP/out" "j['installed']['build_id']")

# The same install here, without the hive: the same build id and the same bytes.
L=$TMP/l
use_source "$L" t "$TMP/repo"
run qtm "$L" -y install --local model-b
ok $status "install --local trains here although a hive is configured"
run qtm "$L" --json info model-b
is "$(json_get "$TMP/out" "j['installed']['build_id'] + ' ' + j['installed']['origin']")" "$bid_hive trained" \
	"a local training has the build id of the hive's"
cmp -s "$A/var/lib/qtm/store/model-b/"*/model.txt "$L/var/lib/qtm/store/model-b/"*/model.txt
ok $? "and the installed files are the same"
run "$HC" --root "$H" --json jobs
is "$(json_get "$TMP/out" "len(j['jobs'])")" 2 "--local submitted nothing to the hive"

# A dead hive: a warning and a local training; --hive-only refuses.
dead=$(free_port)
D=$TMP/d
use_source "$D" t "$TMP/repo"
QTM_HIVE="http://127.0.0.1:$dead" run qtm "$D" -y install model-a
ok $status "with the hive down, install still succeeds"
grep -q "warning: the hive is not usable.*127.0.0.1:$dead.*training here instead" "$TMP/err"
ok $? "with a warning naming the hive"
E=$TMP/e
use_source "$E" t "$TMP/repo"
QTM_HIVE="http://127.0.0.1:$dead" fails_with 5 "--hive-only.*127.0.0.1:$dead" "--hive-only with the hive down fails (exit 5), naming the hive" -- \
	qtm "$E" -y install --hive-only model-a
not_installed "$E" model-a "and installs nothing"

# A training that fails on the hive (twice: max_attempts = 2).
run qtm "$A" -y install model-bad
is "$status" 7 "a training that fails on the hive fails the install (exit 7)"
grep -q "hive job [0-9]* training model-bad failed: .*(log: http://127.0.0.1:$port/jobs/[0-9]*/logs)" "$TMP/err"
ok $? "naming the job, the cause and its log"
job=$(sed -n 's/.*hive job \([0-9]*\) training model-bad.*/\1/p' "$TMP/err" | head -1)
run "$HC" --root "$H" logs "$job"
grep -q "the trainer gives up" "$TMP/out"
ok $? "hive-control logs shows the trainer's output"

# A spec that does not reproduce its build id: the runner refuses it for good.
run "$HC" --root "$H" --json jobs
first=$(json_get "$TMP/out" "[x['id'] for x in j['jobs'] if x['module'] == 'model-a'][0]")
curl -s "$QTM_HIVE/jobs/$first" >"$TMP/job.json"
/usr/bin/python3 - "$TMP/job.json" >"$TMP/forged.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
body = {k: j[k] for k in ("module", "version", "priority", "estimate_s", "resources", "spec")}
body["build_id"] = "f" * 64
print(json.dumps(body))
PY
curl -s -H "Authorization: Bearer $(cat "$STATE/operator.token")" -H 'Content-Type: application/json' \
	--data-binary @"$TMP/forged.json" "$QTM_HIVE/jobs/submit" >"$TMP/sub.json"
fid=$(json_get "$TMP/sub.json" "j['id']")
i=0
while [ $i -lt 150 ]; do
	curl -s "$QTM_HIVE/jobs/$fid" >"$TMP/f.json"
	state=$(json_get "$TMP/f.json" "j['state']")
	[ "$state" = failed ] || [ "$state" = completed ] && break
	sleep 0.2; i=$((i + 1))
done
is "$(json_get "$TMP/f.json" "(j['state'], j['attempts'], 'is not the job' in (j['error'] or ''))")" \
	"('failed', 1, True)" "a runner refuses a spec whose build id it cannot reproduce, at once and for good"

# Independent trainings run side by side: at model-c's turn model-d (its dataset installed
# first) is submitted too, so the second runner takes it while the first trains model-c.
P=$TMP/p
use_source "$P" t "$TMP/repo"
run qtm "$P" -y install model-c model-d
ok $status "install model-c model-d on the hive"
ahead=$(sed -n 's/.*Submitted \(model-[cd]\) to the hive .* ahead of its turn (job \([0-9]*\)).*/\1 \2/p' "$TMP/err")
case $ahead in model-?\ [0-9]*) ok 0 "the second model is submitted ahead of its turn" ;;
*) sed 's/^/# /' "$TMP/err"; ok 1 "the second model is submitted ahead of its turn" ;; esac
grep -q "Training ${ahead% *} on the hive .* (job ${ahead#* })" "$TMP/err"
ok $? "its turn follows that job"
run "$HC" --root "$H" --json jobs
is "$(json_get "$TMP/out" "len([x for x in j['jobs'] if x['module'] in ('model-c', 'model-d')])")" 2 \
	"one job each"
is "$(json_get "$TMP/out" "(lambda c, d: max(c['started_at'], d['started_at']) < min(c['finished_at'], d['finished_at']))(*[x for x in sorted(j['jobs'], key=lambda x: x['module']) if x['module'] in ('model-c', 'model-d')])")" \
	True "the two trainings overlapped on the hive's two runners"

run "$HC" --root "$H" stop
ok $status "hive-control stop"
done_testing
