#!/bin/sh
# hive-executor.sh - a real qtm-hived with the local executor on loopback: its web pages and
# OpenAPI document, /status's system figures, and local runners (real qtm-runner processes)
# started through the API inside their cgroups, enrolled with their confined capability,
# stopped by DELETE and by the daemon's own stop.
. "$(dirname "$0")/lib.sh"
plan 27

HIVED=$top_builddir/src/qtm-hived/qtm-hived
S=$TMP/state
PROTOCOL=$top_srcdir/doc/hive-protocol.md

# wait_for CMD...: retries CMD until it succeeds; the limit only bounds a hang.
wait_for() {
	_i=0
	until "$@" >/dev/null 2>&1; do
		_i=$((_i + 1))
		[ $_i -ge 300 ] && return 1
		sleep 0.1
	done
}

# get PATH: GET, the body in $TMP/body; prints "STATUS CONTENT-TYPE".
get() {
	curl -s -o "$TMP/body" -w '%{http_code} %{content_type}' "$URL$1"
}

# op METHOD PATH [TOKEN]: an operator call; the body in $TMP/body; prints the status.
op() {
	curl -s -o "$TMP/body" -w '%{http_code}' -X "$1" ${3:+-H "Authorization: Bearer $3"} "$URL$2"
}

gone() { ! kill -0 "$1" 2>/dev/null; }
has_runner() {
	curl -sf "$URL/runners" | /usr/bin/python3 -c 'import json,sys
sys.exit(0 if any(r["id"] == sys.argv[1] for r in json.load(sys.stdin)["runners"]) else 1)' "$1"
}

mkdir -p "$S"
cat >"$S/hive.conf" <<EOF
min_runners = 0
max_runners = 2
runner_cpus = 1
runner_memory_mb = 512
scale_cooldown_s = 3600
lease_ttl_s = 600
EOF
port=$(free_port)
"$HIVED" --listen "127.0.0.1:$port" --state "$S" --executor local >"$TMP/hived.log" 2>&1 &
HIVED_PID=$!
BG_PIDS="${BG_PIDS:-} $HIVED_PID"
URL=http://127.0.0.1:$port
wait_for curl -sf "$URL/health"
ok $? "qtm-hived answers on $URL"

# 2-8. The pages and their assets, each with its content type; nothing else is a page.
for page in "/ text/html; charset=utf-8" "/docs text/html; charset=utf-8" \
    "/openapi.json application/json" "/assets/dashboard.js text/javascript; charset=utf-8" \
    "/assets/docs.js text/javascript; charset=utf-8" "/assets/dashboard.css text/css; charset=utf-8"; do
	path=${page%% *}
	is "$(get "$path")" "200 ${page#* }" "GET $path is served as ${page#* }"
done
is "$(get /assets/nope.js)" "404 application/json" "an unknown page is a JSON 404"

# 9. The pages load nothing from outside the hive.
get / >/dev/null && cp "$TMP/body" "$TMP/dashboard.html"
get /docs >/dev/null && cp "$TMP/body" "$TMP/docs.html"
! grep -Eq '(src|href)="(https?:)?//' "$TMP/dashboard.html" "$TMP/docs.html"
ok $? "the dashboard and the docs load only the hive's own assets"

# 10. The OpenAPI document has every route of the protocol, and its schemas.
get /openapi.json >/dev/null
/usr/bin/python3 - "$TMP/body" "$PROTOCOL" >"$TMP/routes" 2>&1 <<'PY'
import json, re, sys
doc = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
missing = []
for methods, path in re.findall(r"`((?:GET|POST|PUT|DELETE|HEAD)(?:\|(?:GET|POST|PUT|DELETE|HEAD))*) (/[^`\s]*)`", text):
    path = re.sub(r"\[.*\]|\?.*", "", path)
    path = re.sub(r"/([A-Z][A-Z_]*)$", lambda m: "/{" + m.group(1).lower() + "}", path)
    for m in methods.split("|"):
        if m.lower() not in doc["paths"].get(path, {}):
            missing.append(m + " " + path)
for s in ("Job", "Runner", "Status", "Error"):
    if s not in doc["components"]["schemas"]:
        missing.append("schema " + s)
if not doc["openapi"].startswith("3.0.") or len(doc["components"]["securitySchemes"]) < 3:
    missing.append("OpenAPI 3.0 with the three tokens")
print("\n".join(missing))
sys.exit(1 if missing else 0)
PY
st=$?
[ $st -eq 0 ] || sed 's/^/# missing: /' "$TMP/routes"
ok $st "openapi.json documents every route of doc/hive-protocol.md"

# 11. /status: the host's figures are percentages; max is the configured max_runners.
get /status >/dev/null
is "$(json_get "$TMP/body" "all(0 <= j['system'][k] <= 100 for k in ('cpu_percent', 'memory_percent', 'disk_percent')) and j['system']['memory_percent'] > 0, j['runners']['max']")" \
	"True 2" "/status reports CPU, memory and disk in 0..100 and max_runners"

# 12-13. Spawning needs the operator token; more than max_runners is refused with a message.
is "$(op POST '/runners/spawn?count=1')" 401 "spawn without the operator token: 401"
TOKEN=$(cat "$S/operator.token")
code=$(op POST '/runners/spawn?count=3' "$TOKEN")
case $code in 4??) grep -q max_runners "$TMP/body"; ok $? "spawn beyond max_runners: $code naming max_runners" ;;
*) echo "# got $code: $(cat "$TMP/body")"; ok 1 "spawn beyond max_runners is refused" ;; esac

# 14. Two runners through the API.
is "$(op POST '/runners/spawn?count=2' "$TOKEN")" 200 "spawn 2 runners"
is "$(json_get "$TMP/body" "j['runners']")" "['local-1', 'local-2']" "they are local-1 and local-2"

# 16. Each runner is confined as hive.conf says (the log names what was written).
limits=$(sed -n 's/.*limits: //p' "$S/runners/local-1.log" | head -1)
case $limits in
"cgroup v1"*) echo "$limits" | grep -q 'cpu.cfs_quota_us=100000 memory.limit_in_bytes=536870912' ;;
"cgroup v2"*) echo "$limits" | grep -q 'cpu.max=100000 100000 memory.max=536870912' ;;
*) echo "$limits" | grep -q 'RLIMIT_AS=536870912' ;;
esac
ok $? "local-1 runs under 1 CPU and 512 MB ($limits)"

# 17-19. They enroll by themselves, reporting the capability of their confinement, and /runners
# gives their pids.
wait_for has_runner local-1 && wait_for has_runner local-2
ok $? "both runners enroll with the hive"
curl -s "$URL/runners" >"$TMP/runners.json"
is "$(json_get "$TMP/runners.json" "sorted((r['id'], r['executor'], r['capability']['cores'] == 1, 0 < r['capability']['memory_mb'] <= 512) for r in j['runners'])")" \
	"[('local-1', 'local', True, True), ('local-2', 'local', True, True)]" \
	"they report 1 core and at most 512 MB"
# Their processes, found by the root this test gave them.
runner_pid() { ps -eo pid=,args= | awk -v root="--root $S/runners/$1 " '$0 ~ "qtm-runner" && index($0 " ", root) { print $1; exit }'; }
pid1=$(runner_pid local-1)
pid2=$(runner_pid local-2)
[ -n "$pid1" ] && [ -n "$pid2" ] || echo "# runner processes not found: '$pid1' '$pid2'"
is "$(json_get "$TMP/runners.json" "sorted((r['id'], r['pid']) for r in j['runners'])")" \
	"[('local-1', ${pid1:-None}), ('local-2', ${pid2:-None})]" "GET /runners reports each local runner's pid"

# 20-21. DELETE stops the runner's process.
is "$(op DELETE /runners/local-1 "$TOKEN")" 200 "DELETE /runners/local-1"
[ -n "$pid1" ] && wait_for gone "$pid1"
ok $? "local-1's process ($pid1) has ended"

# 22-23. Stopping the daemon stops its runners and removes their cgroups.
kill -TERM "$HIVED_PID"
wait_for gone "$HIVED_PID" && [ -n "$pid2" ] && wait_for gone "$pid2"
ok $? "qtm-hived stops and local-2 ($pid2) with it"
left=$(find /sys/fs/cgroup -maxdepth 5 -type d -name "qtm-$HIVED_PID-*" 2>/dev/null)
is "$left" "" "no cgroup of the daemon's is left"

# 24-27. A restart: the local runners of the last run that were not stopped on purpose are lost at once (lease_ttl_s is long, so
# no sweep did it), and new runners take the local-N names again.
port=$(free_port)
"$HIVED" --listen "127.0.0.1:$port" --state "$S" --executor local >>"$TMP/hived.log" 2>&1 &
HIVED_PID=$!
BG_PIDS="${BG_PIDS:-} $HIVED_PID"
URL=http://127.0.0.1:$port
wait_for curl -sf "$URL/health"
curl -s "$URL/runners" >"$TMP/runners.json"
is "$(json_get "$TMP/runners.json" "sorted((r['id'], r['state'], r['pid']) for r in j['runners'])")" \
	"[('local-2', 'lost', None)]" "after a restart the last run's runner is lost (local-1, stopped on purpose, left the list)"
is "$(op POST '/runners/spawn?count=2' "$TOKEN")" 200 "spawn 2 runners again"
live_runners() {
	curl -s "$URL/runners" >"$TMP/runners.json" &&
		[ "$(json_get "$TMP/runners.json" "sorted(r['id'] for r in j['runners'] if r['state'] != 'lost')")" = "$1" ]
}
wait_for live_runners "['local-1', 'local-2']"
ok $? "they enroll as local-1 and local-2 again ($(json_get "$TMP/runners.json" "[r['id'] for r in j['runners']]"))"
pids=$(json_get "$TMP/runners.json" "' '.join(str(r['pid']) for r in j['runners'] if r['pid'])")
kill -TERM "$HIVED_PID"
st=0
wait_for gone "$HIVED_PID" || st=1
for p in $pids; do wait_for gone "$p" || st=1; done
[ -n "$pids" ] && [ $st -eq 0 ]
ok $? "qtm-hived stops with its runners ($pids)"

[ "$_failed" -eq 0 ] || sed 's/^/# hived: /' "$TMP/hived.log" | tail -20
done_testing
