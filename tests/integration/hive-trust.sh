#!/bin/sh
# hive-trust.sh - trust in hive artifacts (issue 14, findings 1 and 12): an artifact is accepted
# only from the runner holding the current lease of a job of its build id, once; leases are
# bound to their runner; the hive signs an attestation that qtm install checks against the key
# it pins (exit 9 otherwise, nothing installed); qtm install --check trains again here and
# compares.
. "$(dirname "$0")/lib.sh"
plan 38

HIVED=$top_builddir/src/qtm-hived/qtm-hived
HC=$top_builddir/src/hive-control/hive-control

# ---- the API, with this script playing two runners against a fleet hive ----
FS=$TMP/fleet
mkdir -p "$FS"
printf 'executor = fleet\nmin_runners = 0\nlease_ttl_s = 60\n' >"$FS/hive.conf"
"$HIVED" --state "$FS" --listen "127.0.0.1:$(free_port)" --executor fleet >>"$TMP/hived.log" 2>&1 &
BG_PIDS="${BG_PIDS:-} $!"
i=0
while [ ! -s "$FS/url" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$FS/url" ] || { echo "Bail out! qtm-hived did not start: $(cat "$TMP/hived.log")"; exit 1; }
URL=$(cat "$FS/url")
OP=$(cat "$FS/operator.token") RT=$(cat "$FS/runner.token")
req() { # req METHOD PATH [BODY [TOKEN [CURL-ARGS...]]]: the status; the body in $TMP/body
	_m=$1 _p=$2 _b=${3-} _t=${4-}
	shift 2; [ $# -gt 0 ] && shift; [ $# -gt 0 ] && shift
	set -- -s -o "$TMP/body" -w '%{http_code}' -X "$_m" "$@"
	[ -n "$_t" ] && set -- "$@" -H "Authorization: Bearer $_t"
	[ -n "$_b" ] && set -- "$@" -H 'Content-Type: application/json' --data-binary "$_b"
	curl "$@" "$URL$_p"
}
body() { json_get "$TMP/body" "$1"; }
hexid() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
put() { # put BUILD_ID FILE TOKEN [QUERY]
	req PUT "/v1/artifact/$1${4-}" "" "$3" -H "X-Qtm-Sha256: $(sha256sum "$2" | cut -d' ' -f1)" --data-binary @"$2"
}
enroll() {
	req POST /v1/runners/enroll "{\"name\":\"$1\",\"host\":\"h\",\"executor\":\"fleet\",\"capability\":{\"cores\":4,\"memory_mb\":8192,\"cuda\":false}}" "$RT" >/dev/null
	echo "$(body "j['runner_id']") $(body "j['secret']")"
}

is "$(req GET /health)" 200 "GET /health answers"
is "$(body "j['protocol']")" 2 "health reports protocol 2"
test -s "$FS/hive-key.key" && test -s "$FS/hive-key.pub"; ok $? "the hive made its key on first start"
set -- $(enroll ra); RA=$1 SA=$2
set -- $(enroll rb); RB=$1 SB=$2
printf 'planted bytes\n' >"$TMP/evil"
printf 'honest bytes\n' >"$TMP/good"

# Planting for a build id no runner is leased (build ids can be computed from the index).
BX=$(hexid unleased)
is "$(put "$BX" "$TMP/evil" "$SB")" 403 "runner B cannot plant an artifact without a lease: 403"
is "$(put "$BX" "$TMP/evil" "$SB" "?lease=$(hexid forged | cut -c1-32)")" 403 "nor with a made-up lease: 403"
is "$(req GET "/v1/artifact/$BX" "" "$OP")" 404 "nothing was stored"
is "$(req POST /jobs/submit "{\"module\":\"m\",\"version\":\"1.0.0\",\"build_id\":\"$BX\",\"estimate_s\":1,\"spec\":{}}" "$OP")" 201 \
	"a job for that build id is created"
is "$(body "j['state']")" pending "pending, not completed with planted bytes"
JX=$(body "j['id']")
is "$(req POST /jobs/$JX/cancel "" "$OP")" 200 "(that job cancelled)"

# Runner A holds a job's lease; runner B knows the lease.
BA=$(hexid leased)
req POST /jobs/submit "{\"module\":\"m\",\"version\":\"1.0.0\",\"build_id\":\"$BA\",\"estimate_s\":1,\"spec\":{}}" "$OP" >/dev/null
JA=$(body "j['id']")
is "$(req POST /v1/job/claim "{\"runner_id\":\"$RA\"}" "$SA")" 200 "runner A claims the job"
LA=$(body "j['lease']")
is "$(put "$BA" "$TMP/evil" "$SB" "?lease=$LA")" 403 "runner B uploading under A's lease: 403"
is "$(req POST "/v1/job/$JA/heartbeat" "{\"lease\":\"$LA\"}" "$SB")" 403 "runner B heartbeating with A's lease: 403"
is "$(body "j['code']")" forbidden "the error says forbidden"
is "$(req POST "/v1/job/$JA/fail" "{\"lease\":\"$LA\",\"error\":\"x\"}" "$SB")" 403 "runner B failing A's job: 403"
is "$(req POST "/v1/job/$JA/log?lease=$LA" "" "$SB" --data-binary x)" 403 "runner B writing A's log: 403"
is "$(put "$BX" "$TMP/evil" "$SA" "?lease=$LA")" 403 "A's lease does not cover another build id: 403"
is "$(put "$BA" "$TMP/good" "$SA" "?lease=$LA")" 201 "A's honest upload is accepted"
is "$(put "$BA" "$TMP/evil" "$SA" "?lease=$LA")" 409 "a second, different upload is refused: 409"
is "$(put "$BA" "$TMP/evil" "$OP")" 409 "even from the operator: the first artifact is final"
is "$(req POST "/v1/job/$JA/heartbeat" "{\"lease\":\"$LA\"}" "$SA")" 200 "A's own heartbeat works"
good=$(sha256sum "$TMP/good" | cut -d' ' -f1)
is "$(req POST "/v1/job/$JA/complete" "{\"lease\":\"$LA\",\"sha256\":\"$good\",\"size\":13}" "$SA")" 200 "A completes"
is "$(req GET "/v1/artifact/$BA/attestation" "" "$OP")" 200 "the artifact has an attestation"
is "$(json_get "$TMP/body" "(lambda s: (s['build_id'] == '$BA', s['sha256'] == '$good', s['size'], s['job'], s['attempt'], s['runner']))(json.loads(j['statement']))")" \
	"(True, True, 13, $JA, 1, '$RA')" "it names the build id, sha256, size, job, attempt and runner"

# ---- qtm install against a hive with local runners ----
make_module "$TMP/mods/data-c" data-c dataset
make_module "$TMP/mods/model-c" model-c model ',"requires":["data-c >= 1.0"]'
make_module "$TMP/mods/model-d" model-d model ',"requires":["data-c >= 1.0"]'
mkdir -p "$TMP/mods/model-n"
printf 'date +%%s%%N >"$QTM_OUTPUT/model.txt"\n' >"$TMP/mods/model-n/train.sh"
make_module "$TMP/mods/model-n" model-n model ',"requires":["data-c >= 1.0"]'
build_repo "$TMP/repo" "$TMP/mods"
H=$TMP/hive
STATE=$H/var/lib/qtm/hive
"$HC" --root "$H" init >/dev/null && printf 'min_runners = 1\nmax_runners = 1\n' >>"$STATE/hive.conf"
port=$(free_port)
run "$HC" --root "$H" start --listen "127.0.0.1:$port"
[ -s "$STATE/hived.pid" ] && BG_PIDS="${BG_PIDS:-} $(cat "$STATE/hived.pid")"
[ "$status" = 0 ] || { echo "Bail out! hive-control start: $(cat "$TMP/err")"; exit 1; }
export QTM_HIVE="http://127.0.0.1:$port" QTM_HIVE_TOKEN="@$STATE/operator.token"
unset QTM_HIVE_KEY

E=$TMP/e
use_source "$E" t "$TMP/repo"
fails_with 9 "hive-only: no key is pinned for the hive" "--hive-only without a pinned key: exit 9" -- \
	qtm "$E" -y install --hive-only model-c
not_installed "$E" model-c "and nothing is installed"
run qtm "$E" -y install model-c
grep -q "warning: no key is pinned for the hive.*training here instead" "$TMP/err"
ok $? "without a pinned key: a warning, and a training here"
run qtm "$E" --json info model-c
is "$(json_get "$TMP/out" "j['installed']['origin']")" trained "installed as trained here"

A=$TMP/a
use_source "$A" t "$TMP/repo"
QTM_HIVE_KEY=$STATE/hive-key.pub run qtm "$A" -y install model-c model-n
ok $status "with the hive's key pinned, the hive trains"
run qtm "$A" --json info model-c
case $(json_get "$TMP/out" "j['installed']['origin']") in "hive:local-"*"attested by key"*) ok 0 "info names the runner from the attestation" ;;
*) echo "# $(cat "$TMP/out")"; ok 1 "info names the runner from the attestation" ;; esac

W=$TMP/w
use_source "$W" t "$TMP/repo"
"$QTM_REPO_TOOL" keygen "$TMP/other-key" >/dev/null
QTM_HIVE_KEY=$TMP/other-key.pub fails_with 9 "not signed by the pinned hive key" "a wrongly pinned key: exit 9" -- \
	qtm "$W" -y install model-c
not_installed "$W" model-c "and nothing is installed"

# The hive's records tampered with (as by someone with its disk): other bytes, and model-c's
# attestation served for model-d.
QTM_HIVE_KEY=$STATE/hive-key.pub run qtm "$A" -y install model-d
"$HC" --root "$H" stop >/dev/null 2>&1
bc=$(json_get "$(qtm "$A" --json info model-c >"$TMP/c.json"; echo "$TMP/c.json")" "j['installed']['build_id']")
bd=$(json_get "$(qtm "$A" --json info model-d >"$TMP/d.json"; echo "$TMP/d.json")" "j['installed']['build_id']")
printf 'tampered\n' >"$TMP/t" && (cd "$TMP" && tar cf - t) | zstd -q >"$STATE/artifacts/$bc.tar.zst"
ts=$(sha256sum "$STATE/artifacts/$bc.tar.zst" | cut -d' ' -f1) tz=$(stat -c %s "$STATE/artifacts/$bc.tar.zst")
sqlite3 "$STATE/hive.db" "UPDATE artifacts SET sha256 = '$ts', size = $tz WHERE build_id = '$bc';
	UPDATE jobs SET artifact_sha256 = '$ts', artifact_size = $tz WHERE build_id = '$bc';
	UPDATE attestations SET doc = (SELECT doc FROM attestations WHERE build_id = '$bc') WHERE build_id = '$bd';"
run "$HC" --root "$H" start --listen "127.0.0.1:$port"
T=$TMP/t2
use_source "$T" t "$TMP/repo"
QTM_HIVE_KEY=$STATE/hive-key.pub fails_with 9 "the hive attests sha256" "bytes other than the attested ones: exit 9" -- \
	qtm "$T" -y install model-c
not_installed "$T" model-c "and nothing is installed"
test ! -e "$T/var/cache/qtm/artifacts/$bc.tar.zst"; ok $? "nor kept in the cache for later"
QTM_HIVE_KEY=$STATE/hive-key.pub fails_with 9 "the attestation is for build" "another build's attestation: exit 9" -- \
	qtm "$T" -y install model-d
not_installed "$T" model-d "and nothing is installed"

# The rebuild check.
run qtm "$A" install --check model-c
ok $status "--check: a deterministic training gives the installed bytes (exit 0)"
fails_with 6 "differs from the installed one.*first in model.txt" "--check: a differing training is exit 6, naming the file" -- \
	qtm "$A" install --check model-n

"$HC" --root "$H" stop >/dev/null 2>&1
done_testing
