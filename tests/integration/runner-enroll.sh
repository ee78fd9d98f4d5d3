#!/bin/sh
# runner-enroll.sh - qtm-runner enroll URL --token-file F against a real qtm-hived on loopback:
# the configuration it writes (mode 0600), a runner started with only --config claims and
# completes a job as the enrolled runner; bad input (unreachable hive, wrong token, missing or
# empty token file, unwritable configuration path) fails with a clear message and writes nothing.
. "$(dirname "$0")/lib.sh"
plan 20

HC=$top_builddir/src/hive-control/hive-control
RUNNER=$top_builddir/src/qtm-runner/qtm-runner
S=$TMP/hive
C=$TMP/client
mkdir -p "$S"
hived_start "$S" --executor fleet
hc() { "$HC" --root "$C" --hive "$URL" --token "@$S/operator.token" "$@"; }

make_module "$TMP/mods/tiny" tiny model
build_repo "$TMP/repo" "$TMP/mods"
use_source "$C" test "file://$TMP/repo"

# 1. Enrollment writes the configuration.
CONF=$TMP/etc/runner.conf
mkdir -p "$TMP/etc"
run "$RUNNER" enroll "$URL" --token-file "$S/runner.token" --config "$CONF" --name box1 --json
ok $status "qtm-runner enroll succeeds"
is "$(json_get "$TMP/out" "(j['runner_id'], j['config'])")" "('box1', '$CONF')" "it reports the runner id and the file"
is "$(stat -c %a "$CONF")" 600 "the configuration is readable by its owner only (it holds a secret)"
is "$(sed -n 's/^hive = //p' "$CONF")" "$URL" "it names the hive"
is "$(sed -n 's/^token = //p' "$CONF")" "$(cat "$S/runner.token")" "it keeps the enrollment token"
is "$(sed -n 's/^runner_id = //p' "$CONF")" box1 "it holds the id the hive gave"
run hc --json runners
is "$(json_get "$TMP/out" "[r['id'] for r in j['runners']]")" "['box1']" "the hive lists the enrolled runner"
ls "$TMP/etc" >"$TMP/ls"
is "$(cat "$TMP/ls")" runner.conf "no temporary file is left beside it"

# 2. A runner started with only --config claims and completes a job, as box1.
run hc --json submit tiny
id=$(json_get "$TMP/out" "j[-1]['id']")
run "$RUNNER" --config "$CONF" --root "$TMP/runner" --once --wait 60 --json
ok $status "qtm-runner --config completes the job"
is "$(json_get "$TMP/out" "[(x['id'], x['outcome']) for x in j['jobs']]")" "[($id, 'completed')]" "its report names the job"
run hc --json show "$id"
grep -q '"box1"' "$TMP/out"; ok $? "the job ran on the enrolled runner, not a new one"
run hc --json runners
is "$(json_get "$TMP/out" "len(j['runners'])")" 1 "no second runner was enrolled"

# 3. Bad input: a clear message, a non-zero exit, no configuration written.
BAD=$TMP/bad/runner.conf
mkdir -p "$TMP/bad"
nothing_written() { [ -z "$(ls -A "$TMP/bad")" ]; }
port=$(free_port)
run "$RUNNER" enroll "http://127.0.0.1:$port" --token-file "$S/runner.token" --config "$BAD"
[ $status -eq 5 ] && grep -q "127.0.0.1:$port" "$TMP/err" && nothing_written
ok $? "an unreachable hive: exit 5 naming it, nothing written"
echo wrong-token >"$TMP/wrong.token"
run "$RUNNER" enroll "$URL" --token-file "$TMP/wrong.token" --config "$BAD"
[ $status -ne 0 ] && grep -q "refused the enrollment token" "$TMP/err" && nothing_written
ok $? "a wrong token: refused, nothing written"
run "$RUNNER" enroll "$URL" --token-file "$TMP/missing.token" --config "$BAD"
[ $status -ne 0 ] && grep -q "missing.token" "$TMP/err" && nothing_written
ok $? "a missing token file: named, nothing written"
: >"$TMP/empty.token"
run "$RUNNER" enroll "$URL" --token-file "$TMP/empty.token" --config "$BAD"
[ $status -ne 0 ] && grep -q "empty" "$TMP/err" && nothing_written
ok $? "an empty token file: said so, nothing written"
: >"$TMP/bad-file"
run "$RUNNER" enroll "$URL" --token-file "$S/runner.token" --config "$TMP/bad-file/runner.conf"
[ $status -ne 0 ] && grep -q "cannot write the runner configuration" "$TMP/err" && nothing_written
ok $? "an unwritable configuration path: said so"
run hc --json runners
is "$(json_get "$TMP/out" "len(j['runners'])")" 1 "no failed enrollment left a runner on the hive"
run "$RUNNER" enroll "$URL"
is "$status" 2 "enroll without --token-file is a usage error"
printf 'hive = %s\nbogus = 1\n' "$URL" >"$TMP/bogus.conf"
run "$RUNNER" --config "$TMP/bogus.conf" --once
[ $status -ne 0 ] && grep -q 'bogus.conf:2: unknown setting "bogus"' "$TMP/err"
ok $? "a configuration with an unknown key names the file and line"

done_testing
