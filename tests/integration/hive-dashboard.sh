#!/bin/sh
# hive-dashboard.sh - the hive's web dashboard end to end in headless Chromium: a hive with two
# local runners trains a module that reports its loss for a few seconds and a long one; the
# dashboard (driven through the DevTools protocol) lists the jobs, the first job's page draws
# its loss curve (an SVG path of at least 3 points), its metrics and its log; the second job is
# cancelled with the page's cancel button (confirmation, then the operator token asked for
# once), and the API says it ended cancelled; /docs lists the API's routes.  The pages load
# nothing from outside the hive and throw no script error.  Screenshots of the dashboard, the
# job's page and /docs are kept in $top_builddir/tests/artifacts/.
# The waits have limits only to bound a hang; nothing here asserts a time.
. "$(dirname "$0")/lib.sh"
heavy_test

CHROMIUM=$(command -v chromium 2>/dev/null)
[ -n "$CHROMIUM" ] || { echo "1..0 # SKIP chromium not installed"; exit 0; }
plan 24

HC=$top_builddir/src/hive-control/hive-control
PY=/usr/bin/python3
H=$TMP/hive
STATE=$H/var/lib/qtm/hive
ART=$top_builddir/tests/artifacts
mkdir -p "$ART"
CHROME_PID=""

cleanup() {
	if [ -n "$CHROME_PID" ]; then
		kill "$CHROME_PID" 2>/dev/null
		i=0
		while kill -0 "$CHROME_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$CHROME_PID" 2>/dev/null
	fi
	[ -s "$STATE/hived.pid" ] && "$HC" --root "$H" stop >/dev/null 2>&1
	for pid in ${BG_PIDS:-}; do kill "$pid" 2>/dev/null; done
	rm -rf "$TMP"
}

# cdp.py PORT COMMAND ARG...: a minimal DevTools protocol client (RFC 6455 websocket framing
# over a socket; Python's standard library has none) on the browser's first page:
#   goto URL          navigate, wait for the load event (script errors are collected in
#                     window.__errors from then on)
#   eval EXPR         print the JSON value of EXPR (promises awaited)
#   wait EXPR [SECS]  evaluate EXPR until it is truthy (print its value), or exit 1
#   shot FILE [MAXH]  a PNG screenshot of the whole page (at most MAXH pixels high, default 5000)
cat >"$TMP/cdp.py" <<'PY'
import base64, json, os, socket, struct, sys, time, urllib.request

class CDP:
    def __init__(self, port):
        targets = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=10))
        page = next(t for t in targets if t["type"] == "page")
        path = page["webSocketDebuggerUrl"].split(str(port), 1)[1]
        self.s = socket.create_connection(("127.0.0.1", port), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
                        % (path, port, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.s.recv(1)
            if not chunk:
                raise SystemExit("websocket handshake: connection closed")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise SystemExit("websocket handshake refused: %r" % head)
        self.next_id = 0
        self.events = []

    def _read(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise SystemExit("websocket closed")
            buf += chunk
        return buf

    def _send_frame(self, opcode, data):
        head = bytes([0x80 | opcode])
        n = len(data)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _message(self):
        parts = []
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            data = self._read(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            op = b0 & 0x0F
            if op == 0x8:
                raise SystemExit("websocket closed by the browser")
            if op == 0x9:
                self._send_frame(0xA, data)
                continue
            if op in (0x0, 0x1, 0x2):
                parts.append(data)
                if b0 & 0x80:
                    return json.loads(b"".join(parts))

    def call(self, method, **params):
        self.next_id += 1
        self._send_frame(0x1, json.dumps({"id": self.next_id, "method": method, "params": params}).encode())
        while True:
            m = self._message()
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise SystemExit("%s: %s" % (method, m["error"]))
                return m["result"]
            self.events.append(m)

    def wait_event(self, name, limit):
        end = time.time() + limit
        while time.time() < end:
            if any(e.get("method") == name for e in self.events):
                return True
            self.events.append(self._message())
        return False

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise SystemExit("script error: %s" % d.get("exception", {}).get("description", d.get("text")))
        return r["result"].get("value")

ERRORS = """window.__errors = [];
addEventListener("error", (e) => __errors.push(String(e.message)));
addEventListener("unhandledrejection", (e) => __errors.push(String(e.reason)));"""

port, cmd, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
c = CDP(port)
if cmd == "goto":
    c.call("Page.enable")
    c.call("Page.addScriptToEvaluateOnNewDocument", source=ERRORS)
    c.call("Page.navigate", url=args[0])
    sys.exit(0 if c.wait_event("Page.loadEventFired", 60) else 1)
elif cmd == "eval":
    print(json.dumps(c.eval(args[0])))
elif cmd == "wait":
    end = time.time() + (float(args[1]) if len(args) > 1 else 60)
    while True:
        v = c.eval(args[0])
        if v:
            print(json.dumps(v))
            sys.exit(0)
        if time.time() > end:
            print(json.dumps(v))
            sys.exit(1)
        time.sleep(0.2)
elif cmd == "shot":
    size = c.call("Page.getLayoutMetrics")["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": min(size["width"], 1600), "height": min(size["height"], float(args[1]) if len(args) > 1 else 5000), "scale": 1}
    shot = c.call("Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip)
    with open(args[0], "wb") as f:
        f.write(base64.b64decode(shot["data"]))
PY
cdp() { "$PY" "$TMP/cdp.py" "$DEVTOOLS_PORT" "$@"; }
# wait_js DESCRIPTION EXPR: one test: EXPR becomes truthy in the page.
wait_js() {
	if cdp wait "$2" 90 >"$TMP/js.out" 2>&1; then ok 0 "$1"; else echo "# last value: $(cat "$TMP/js.out")"; ok 1 "$1"; fi
}
is_png() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
# job_state ID: the job's state through the API.
job_state() { curl -sf "$URL/jobs/$1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["state"])'; }

# Three modules: "curve" reports 16 steps with a falling loss over ~8 s, then two metrics;
# "long" runs until it is cancelled (its time limit is 600 s); "big" needs 64 CPUs, more than
# any runner here has, so it stays in the queue.
mkdir -p "$TMP/mods/curve" "$TMP/mods/long" "$TMP/mods/big"
cat >"$TMP/mods/curve/train.sh" <<'SH'
i=1
while [ $i -le 16 ]; do
	echo "step $i of 16"
	echo "@qtm progress {\"step\":$i,\"steps\":16,\"loss\":$(awk -v i=$i 'BEGIN { printf "%.4f", 2 / (1 + i) }')}"
	sleep 0.5
	i=$((i + 1))
done
echo '@qtm metric {"name":"accuracy","value":0.91}'
echo '@qtm metric {"name":"val_loss","value":0.17}'
echo trained >"$QTM_OUTPUT/model.txt"
SH
cat >"$TMP/mods/long/train.sh" <<'SH'
i=1
while [ $i -le 600 ]; do
	echo "@qtm progress {\"step\":$i,\"steps\":600,\"loss\":$(awk -v i=$i 'BEGIN { printf "%.4f", 1 / i }')}"
	sleep 1
	i=$((i + 1))
done
echo trained >"$QTM_OUTPUT/model.txt"
SH
make_module "$TMP/mods/curve" curve model
make_module "$TMP/mods/long" long model
sed -i 's/"time_limit_s":20/"time_limit_s":600/' "$TMP/mods/long/module.json"
make_module "$TMP/mods/big" big model
sed -i 's/"cpus":1,/"cpus":64,/' "$TMP/mods/big/module.json"
build_repo "$TMP/repo" "$TMP/mods"

# 1-3. The hive: two local runners; lease_ttl_s = 6, so runners heartbeat (and send their loss
# points) every 2 s.
"$HC" --root "$H" init >/dev/null 2>"$TMP/err" &&
	printf 'min_runners = 2\nmax_runners = 2\nlease_ttl_s = 6\n' >>"$STATE/hive.conf"
ok $? "hive-control init"
use_source "$H" t "$TMP/repo"
port=$(free_port)
URL=http://127.0.0.1:$port
run "$HC" --root "$H" start --listen "127.0.0.1:$port"
ok $status "hive-control start runs qtm-hived with 2 local runners"
[ $status -eq 0 ] || { sed 's/^/# /' "$TMP/err" "$STATE/hived.log"; echo "Bail out! no hive"; exit 1; }
[ -s "$STATE/hived.pid" ] && BG_PIDS="$(cat "$STATE/hived.pid")"
"$HC" --root "$H" --json submit curve >"$TMP/curve.json" 2>"$TMP/err" &&
	"$HC" --root "$H" --json submit long >"$TMP/long.json" 2>>"$TMP/err" &&
	"$HC" --root "$H" --json submit big low >"$TMP/big.json" 2>>"$TMP/err"
ok $? "three jobs submitted"
A=$(json_get "$TMP/curve.json" "[x['id'] for x in (j if isinstance(j, list) else j['jobs']) if x['module'] == 'curve'][0]" 2>/dev/null)
B=$(json_get "$TMP/long.json" "[x['id'] for x in (j if isinstance(j, list) else j['jobs']) if x['module'] == 'long'][0]" 2>/dev/null)
C=$(json_get "$TMP/big.json" "[x['id'] for x in (j if isinstance(j, list) else j['jobs']) if x['module'] == 'big'][0]" 2>/dev/null)
[ -n "$A" ] && [ -n "$B" ] && [ -n "$C" ] || { sed 's/^/# /' "$TMP/curve.json" "$TMP/long.json" "$TMP/big.json" "$TMP/err"; echo "Bail out! no job ids"; exit 1; }

# 4. Chromium, headless, its DevTools on a port of its choosing (written to DevToolsActivePort).
"$CHROMIUM" --headless=new --no-sandbox --disable-gpu --no-first-run --no-default-browser-check \
	--disable-extensions --disable-background-networking --disable-component-update \
	--remote-debugging-address=127.0.0.1 --remote-debugging-port=0 --user-data-dir="$TMP/chrome" \
	--window-size=1280,1000 about:blank >"$TMP/chrome.log" 2>&1 &
CHROME_PID=$!
i=0
until [ -s "$TMP/chrome/DevToolsActivePort" ] || [ $i -ge 300 ] || ! kill -0 "$CHROME_PID" 2>/dev/null; do
	sleep 0.1; i=$((i + 1))
done
DEVTOOLS_PORT=$(head -1 "$TMP/chrome/DevToolsActivePort" 2>/dev/null)
[ -n "$DEVTOOLS_PORT" ] && curl -sf "http://127.0.0.1:$DEVTOOLS_PORT/json/version" >/dev/null
ok $? "headless Chromium answers the DevTools protocol"
[ -n "$DEVTOOLS_PORT" ] || { sed 's/^/# /' "$TMP/chrome.log" | tail -20; echo "Bail out! no Chromium"; exit 1; }

# 5-10. The dashboard: the jobs appear, two run (one on each runner), the third waits.
cdp goto "$URL/"
ok $? "the dashboard loads"
wait_js "job $A appears on the dashboard" "!!document.querySelector('a[href=\"#job-$A\"]')"
wait_js "job $B runs, with a cancel button" \
	"!!document.querySelector('#running button[data-job=\"$B\"]')"
wait_js "the runners table lists both runners" \
	"[...document.querySelectorAll('#runners tbody th')].map(e => e.textContent).sort().join(' ') === 'local-1 local-2'"
wait_js "job $C waits in the queue, with its priority and what it needs" \
	"[...document.querySelectorAll('#queue tbody tr')].some(r => r.dataset.key === '$C' && r.textContent.includes('low') && r.textContent.includes('64 CPU'))"
cdp wait "document.querySelectorAll('#running svg.spark, #finished svg.spark').length > 0" 60 >/dev/null
cdp shot "$ART/hive-dashboard.png"
is_png "$ART/hive-dashboard.png"
ok $? "screenshot of the dashboard: $ART/hive-dashboard.png"

# 11-15. Job A's page: its loss curve, its log, then its metrics once it has completed.
cdp eval "document.querySelector('a[href=\"#job-$A\"]').click()" >/dev/null
wait_js "clicking job $A opens its page" \
	"!document.getElementById('detail').hidden && document.getElementById('detail-h').textContent.includes('#$A')"
wait_js "job $A's loss curve is an SVG path of at least 3 points" \
	"((document.querySelector('#detail-loss svg path.line') || {getAttribute: () => ''}).getAttribute('d').match(/[ML]/g) || []).length >= 3"
wait_js "job $A's page follows its log" "document.getElementById('log').textContent.includes('step 3 of 16')"
wait_js "job $A completes, and its page shows its metrics as a chart" \
	"document.querySelector('#detail-facts .state-completed') !== null && /accuracy/.test((document.querySelector('#detail-metrics svg') || {}).textContent || '')"
cdp wait "document.getElementById('log').textContent.includes('step 16 of 16')" 30 >/dev/null
curl -s "$URL/jobs/$A" >"$TMP/a.json" &&
	echo "# job $A's loss curve in the API: $(json_get "$TMP/a.json" "'%d points, %d distinct' % (len(j['loss']), len({tuple(p) for p in j['loss']}))")"
cdp shot "$ART/hive-dashboard-job.png"
is_png "$ART/hive-dashboard-job.png"
ok $? "screenshot of job $A's page: $ART/hive-dashboard-job.png"

# 16-21. Cancel job B from the dashboard: "Keep it" keeps it; confirming asks for the operator
# token once (kept in sessionStorage), and the API then says the job ended cancelled.
cdp eval "location.hash = ''" >/dev/null
cdp wait "!!document.querySelector('#running button[data-job=\"$B\"]')" 60 >/dev/null
cdp eval "document.querySelector('#running button[data-job=\"$B\"]').click()" >/dev/null
cdp wait "document.getElementById('confirm-dialog').open" 30 >/dev/null &&
	cdp eval "document.getElementById('confirm-no').click()" >/dev/null
cdp wait "!document.getElementById('confirm-dialog').open" 30 >/dev/null
sleep 2
is "$(job_state "$B")" running "declining the confirmation leaves job $B running"
cdp eval "document.querySelector('#running button[data-job=\"$B\"]').click()" >/dev/null
cdp wait "document.getElementById('confirm-dialog').open" 30 >/dev/null &&
	cdp eval "document.getElementById('confirm-ok').click()" >/dev/null
wait_js "confirming asks for the operator token" "document.getElementById('token-dialog').open"
cdp eval "document.getElementById('token-input').value = $(printf '"%s"' "$(cat "$STATE/operator.token")"); document.getElementById('token-ok').click()" >/dev/null
i=0
while [ $i -lt 300 ]; do
	st=$(job_state "$B")
	[ "$st" = cancelled ] || [ "$st" = failed ] || [ "$st" = completed ] && break
	sleep 0.2; i=$((i + 1))
done
is "$st" cancelled "job $B ended cancelled (through the API)"
wait_js "the dashboard lists job $B as cancelled" \
	"[...document.querySelectorAll('#finished tbody tr')].some(r => r.dataset.key === '$B' && r.textContent.includes('cancelled'))"
is "$(cdp eval "sessionStorage.getItem('qtm-hive-operator-token') === $(printf '"%s"' "$(cat "$STATE/operator.token")")")" true \
	"the token is kept in sessionStorage"
is "$(cdp eval "performance.getEntriesByType('resource').filter(e => !e.name.startsWith(location.origin + '/')).map(e => e.name).join(' ') + (window.__errors || ['no error hook']).join(' ')")" '""' \
	"the dashboard loaded nothing from outside the hive and threw no script error"

# 22-23. /docs renders the API reference from /openapi.json.
cdp goto "$URL/docs"
wait_js "/docs lists the operator and runner routes" \
	"document.querySelectorAll('.op').length > 20 && ['/jobs/submit', '/jobs/{id}/cancel', '/v1/job/claim', '/v1/runners/enroll'].every(p => [...document.querySelectorAll('.op h3')].some(h => h.textContent.endsWith(p)))"
cdp shot "$ART/hive-docs.png" 1400
is "$(cdp eval "performance.getEntriesByType('resource').filter(e => !e.name.startsWith(location.origin + '/')).map(e => e.name).join(' ') + (window.__errors || ['no error hook']).join(' ') + (document.getElementById('conn').classList.contains('error') ? 'load error' : '')")" '""' \
	"/docs loaded nothing from outside the hive and threw no script error"

run "$HC" --root "$H" stop
ok $status "hive-control stop"
[ "$_failed" -eq 0 ] || { sed 's/^/# hived: /' "$STATE/hived.log" | tail -20; }
done_testing
