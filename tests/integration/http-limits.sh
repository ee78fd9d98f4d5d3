#!/bin/sh
# http-limits.sh - the bounds qtm-hived and qtm-repo serve put on HTTP clients: bodies up to the
# documented limit are stored or refused with 413 (never 500), ambiguous framing gets 400, a
# request's headers and body have a total deadline that trickled bytes do not extend, and 5,000
# half-open connections from one address leave the server answering another.
. "$(dirname "$0")/lib.sh"

HIVED=$top_builddir/src/qtm-hived/qtm-hived
RAW="/usr/bin/python3 $top_srcdir/tests/integration/rawhttp.py"
STATE=$TMP/hive
mkdir -p "$STATE"
printf 'executor = fleet\nmin_runners = 0\n' >"$STATE/hive.conf"

plan 24

# The slowloris test opens 5,000 sockets from here, and the servers started below inherit the
# limit: they must be able to accept (and then refuse) that many.
ulimit -n 16384 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "# open-file limit: $(ulimit -n)"

# start_hived [ARGS...]: true when it started; URL and HIVED_PID are set.
HIVED_PID=
start_hived() {
	rm -f "$STATE/url"
	"$HIVED" --state "$STATE" --listen "127.0.0.1:$(free_port)" --executor fleet "$@" >>"$TMP/hived.log" 2>&1 &
	HIVED_PID=$!
	BG_PIDS="${BG_PIDS:-} $HIVED_PID"
	i=0
	while [ ! -s "$STATE/url" ] && [ $i -lt 300 ] && kill -0 "$HIVED_PID" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	[ -s "$STATE/url" ] || { echo "# qtm-hived did not start: $(tail -3 "$TMP/hived.log")"; return 1; }
	URL=$(cat "$STATE/url")
	PORT=${URL##*:}
}
stop_hived() {
	kill -TERM "$HIVED_PID" 2>/dev/null
	wait "$HIVED_PID" 2>/dev/null
}
start_hived || { echo "Bail out! qtm-hived did not start"; exit 1; }
OP=$(cat "$STATE/operator.token")

# submit FILE: POSTs FILE as a job; the status code on stdout, the reply in $TMP/body.
submit() {
	curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $OP" \
		-H 'Content-Type: application/json' --data-binary "@$1" "$URL/jobs/submit"
}
# job_file FILE SIZE [KIND]: a job submit body of exactly SIZE bytes, padded in its spec
# (KIND spec) or made of build ids in depends_on (KIND deps).
job_file() {
	/usr/bin/python3 - "$@" <<'EOF'
import json, sys
path, size, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "spec"
job = {"module": "m", "version": "1.0.0", "build_id": "%063x%d" % (size, kind == "deps"), "estimate_s": 10}
if kind == "deps":
    job["depends_on"] = ["%064x" % (i + 1) for i in range((size - 1000) // 67)]
job["spec"] = {"pad": ""}
text = json.dumps(job, separators=(",", ":"))
job["spec"]["pad"] = "x" * (size - len(text))
text = json.dumps(job, separators=(",", ":"))
assert len(text) == size, (len(text), size)
open(path, "w").write(text)
EOF
}

# ---- bodies up to the documented limit (max_body_kib = 1024) ------------------------------
# A large job once gave 500 "database or disk is full": the write of the gathered WAL
# transaction was longer than the unix VFS writes at once.
job_file "$TMP/spec200k" 204800
is "$(submit "$TMP/spec200k")" 201 "a job with a 200 KiB spec is stored (201)"
is "$(curl -s -H "Authorization: Bearer $OP" "$URL/jobs/$(json_get "$TMP/body" "j['id']")" | json_get /dev/stdin "len(j['spec']['pad'])")" \
	"$(json_get "$TMP/spec200k" "len(j['spec']['pad'])")" "and read back whole"
job_file "$TMP/deps" 204800 deps
is "$(submit "$TMP/deps")" 201 "a job with 200 KiB of depends_on is stored (201)"
job_file "$TMP/max" $((1024 * 1024 - 1))
code=$(submit "$TMP/max")
case $code in 201|413) ok 0 "a body of 1 MiB - 1 is stored or refused with 413 ($code)" ;;
*) echo "# $(head -c 300 "$TMP/body")"; ok 1 "a body of 1 MiB - 1 is stored or refused with 413 ($code)" ;; esac
job_file "$TMP/over" $((1024 * 1024 + 1))
is "$(submit "$TMP/over")" 413 "a body of 1 MiB + 1 is refused with 413"
is "$(json_get "$TMP/body" "j['code']")" too_large "with the code too_large"

# ---- framing ------------------------------------------------------------------------------
# raw_hive HEADERS BODY: a raw POST /jobs/submit; prints the status (or closed/timeout).
raw() { # raw PORT REQUEST-LINE EXTRA-HEADERS-AND-BODY
	printf '%s\nHost: x\n%b' "$2" "$3" | $RAW send "$1"
}
framing_cases() { # framing_cases PORT REQUEST-LINE WHAT
	is "$(raw "$1" "$2" 'Content-Length: 5\nTransfer-Encoding: chunked\n\n0\n\n')" 400 \
		"$3: Content-Length with chunked Transfer-Encoding gets 400"
	is "$(raw "$1" "$2" 'Content-Length: 2\nContent-Length: 3\n\n{}')" 400 \
		"$3: two differing Content-Length headers get 400"
	is "$(raw "$1" "$2" 'Transfer-Encoding: gzip\n\n{}')" 400 "$3: an unknown Transfer-Encoding gets 400"
}
framing_cases "$PORT" "POST /jobs/submit HTTP/1.1" "qtm-hived"

REPO=$TMP/repo
mkdir -p "$REPO"
echo '{"release":1}' >"$REPO/release.json"
# start_serve [ARGS...]: true when qtm-repo serve started; SPORT and SERVE_PID are set.
SERVE_PID=
start_serve() {
	rm -f "$TMP/port"
	"$QTM_REPO_TOOL" serve --listen 127.0.0.1:0 --port-file "$TMP/port" "$@" "$REPO" >>"$TMP/serve.log" 2>&1 &
	SERVE_PID=$!
	BG_PIDS="${BG_PIDS:-} $SERVE_PID"
	i=0
	while [ ! -s "$TMP/port" ] && [ $i -lt 300 ] && kill -0 "$SERVE_PID" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	[ -s "$TMP/port" ] || { echo "# qtm-repo serve did not start: $(tail -3 "$TMP/serve.log")"; return 1; }
	SPORT=$(cat "$TMP/port")
}
stop_serve() {
	kill -TERM "$SERVE_PID" 2>/dev/null
	wait "$SERVE_PID" 2>/dev/null
}
start_serve || { echo "Bail out! qtm-repo serve did not start"; exit 1; }
is "$(raw "$SPORT" "GET /release.json HTTP/1.1" '\n')" 200 "qtm-repo serve: a plain GET is answered (200)"
framing_cases "$SPORT" "GET /release.json HTTP/1.1" "qtm-repo serve"
stop_serve

# ---- deadlines and the per-address cap ----------------------------------------------------
# hold_and_ask PORT PATH URL WHAT: 5,000 half-open connections from 127.0.0.1 trickling header
# bytes; a GET of URL from 127.0.0.2 must still be answered, and every half-open connection
# must be closed once the header deadline (3 s here) has passed.
hold_and_ask() {
	rm -f "$TMP/hold"
	$RAW hold "$1" 5000 "$2" "$TMP/hold" &
	hold_pid=$!
	BG_PIDS="${BG_PIDS:-} $hold_pid"
	i=0
	while ! grep -q . "$TMP/hold" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	echo "# half-open connections still open once connected: $(cat "$TMP/hold" 2>/dev/null)"
	res=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 30 --interface 127.0.0.2 "$3")
	echo "# GET $3 from 127.0.0.2 meanwhile: status and seconds: $res"
	is "${res%% *}" 200 "$4: with 5,000 half-open connections from 127.0.0.1, a GET from 127.0.0.2 is answered"
	# Poll (60 s at most) for the half-open connections to be closed.
	i=0
	while ! grep -qx 'open 0' "$TMP/hold" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	echo "# after the header deadline: $(cat "$TMP/hold" 2>/dev/null)"
	grep -qx 'open 0' "$TMP/hold"; ok $? "$4: the trickling connections are closed after the header deadline"
	kill "$hold_pid" 2>/dev/null
	wait "$hold_pid" 2>/dev/null
}

stop_hived
printf 'executor = fleet\nmin_runners = 0\nheader_timeout_s = 3\nbody_timeout_s = 3\n' >"$STATE/hive.conf"
if start_hived; then
	ok 0 "qtm-hived starts with header_timeout_s and body_timeout_s"
	hold_and_ask "$PORT" /health "$URL/health" "qtm-hived"
	n=$(grep -c 'connection limit' "$TMP/hived.log")
	[ "$n" -le 30 ]; ok $? "the thousands of refused connections do not flood the log ($n lines)"
	# A body that stops short of its Content-Length is cut at the body deadline, not after
	# the idle timeout (120 s); so is one trickled a byte at a time.
	is "$(raw "$PORT" "POST /jobs/submit HTTP/1.1" "Authorization: Bearer $OP\nContent-Length: 100\n\n{\"mod")" closed \
		"qtm-hived: a body that never ends is cut at the body deadline"
	rm -f "$TMP/hold"
	$RAW hold "$PORT" 20 /jobs/submit "$TMP/hold" body &
	hold_pid=$!
	BG_PIDS="${BG_PIDS:-} $hold_pid"
	i=0
	while ! grep -qx 'open 0' "$TMP/hold" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	echo "# trickled bodies after the body deadline: $(cat "$TMP/hold" 2>/dev/null)"
	grep -qx 'open 0' "$TMP/hold"; ok $? "qtm-hived: bodies trickled a byte at a time are cut at the body deadline"
	kill "$hold_pid" 2>/dev/null
	wait "$hold_pid" 2>/dev/null
	is "$(curl -s -o /dev/null -w '%{http_code}' "$URL/health")" 200 "qtm-hived still answers afterwards"
	stop_hived
else
	for t in 1 2 3 4 5 6 7; do ok 1 "qtm-hived with header_timeout_s (test $t)"; done
fi

if start_serve --header-timeout 3 --body-timeout 3 --max-per-ip 64; then
	ok 0 "qtm-repo serve starts with --header-timeout, --body-timeout and --max-per-ip"
	hold_and_ask "$SPORT" /release.json "http://127.0.0.1:$SPORT/release.json" "qtm-repo serve"
	stop_serve
else
	for t in 1 2 3; do ok 1 "qtm-repo serve with --header-timeout (test $t)"; done
fi
fails_with 2 'max-per-ip must be a whole number from 1 to 4000, not "0"' \
	"qtm-repo serve --max-per-ip 0 is a usage error" -- "$QTM_REPO_TOOL" serve --max-per-ip 0 "$REPO"

done_testing
