#!/bin/bash
# bench-monitor.sh [REFRESHES] - what one refresh of `hive-control monitor` (its full-screen
# view, hc-monitor.c) costs qtm-hived with 50 enrolled runners and 1,000 queued jobs (issue 8:
# under 100 ms of hived time per update).
#
# A fresh `qtm-hived --executor fleet` (lease_ttl_s = 3600) gets 50 runners enrolled through the
# runner API, 40 of them claim a job and heartbeat a 300-point loss curve (the running jobs the
# monitor draws sparklines of), and 1,000 more jobs are queued (high, medium, low; 2 KiB specs).
# Then the real monitor runs full-screen in a 160x50 tmux window with --interval 0.1 --count
# REFRESHES (default 100): each refresh is its GET /status, /runners, /jobs?state=running and
# /jobs?state=pending on one keep-alive connection, then a redraw.  qtm-hived's CPU time
# (utime + stime, /proc/PID/stat) over the run, divided by REFRESHES, is the figure; the same
# wall time with no monitor is measured first and reported beside it (the daemon's own idle
# cost: lease checks, system sampling), and the monitor's own CPU time per refresh.  Environment: top_builddir (default: build/dev of this
# tree).  Needs tmux.  Timings only: nothing here fails on a time.
set -eu
export LC_ALL=C NO_COLOR=1
unset QTM_ROOT QTM_HIVE QTM_HIVE_TOKEN

REFRESHES=${1:-100}
RUNNERS=50
. "$(dirname "$0")/lib.sh"
bench_need "; apt-get install tmux" "$HIVED" "$HC" "$PY" "$(command -v curl)" "$(command -v tmux)"

S=$(mktemp -d "${TMPDIR:-/tmp}/qtm-bench-monitor.XXXXXX")
SOCK=qtm-bench-$$
HPID=""
cleanup() {
	TERM=xterm tmux -L "$SOCK" kill-server >/dev/null 2>&1 || true
	[ -n "$HPID" ] && kill "$HPID" 2>/dev/null || true
	[ "${QTM_BENCH_KEEP:-0}" = 1 ] && echo "kept $S" || rm -rf "$S"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

echo "# qtm monitor benchmark: $REFRESHES refreshes, $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), load at start $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$S/state"
printf 'lease_ttl_s = 3600\nmax_runners = %d\n' "$RUNNERS" >"$S/state/hive.conf"
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$port
"$HIVED" --state "$S/state" --listen "127.0.0.1:$port" --executor fleet >"$S/hived.out" 2>&1 &
HPID=$!
for _ in $(seq 200); do curl -sf -m 2 "$URL/health" >/dev/null 2>&1 && break; sleep 0.05; done
curl -sf "$URL/health" >/dev/null || { echo "bench-monitor.sh: qtm-hived did not start:" >&2; cat "$S/hived.out" >&2; exit 1; }

"$PY" - "$URL" "$S/state" "$RUNNERS" <<'PY'
import hashlib, http.client, json, random, sys, time
url, state, n_runners = sys.argv[1], sys.argv[2], int(sys.argv[3])
host, port = url.split("//")[1].split(":")
op = open(state + "/operator.token").read().strip()
rt = open(state + "/runner.token").read().strip()
conn = http.client.HTTPConnection(host, int(port))
random.seed(1)

def call(method, path, body=None, token=None):
    h = {"Authorization": "Bearer " + token} if token else {}
    if body is not None:
        body = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    if r.status >= 400:
        raise SystemExit("%s %s: HTTP %d %s" % (method, path, r.status, data[:300]))
    return json.loads(data) if data else None

n_sub = 0
def submit(priority):
    global n_sub
    n_sub += 1
    bid = hashlib.sha256(b"bench-monitor-%d" % n_sub).hexdigest()
    spec = {"manifest": {"name": "model-%d" % (n_sub % 37), "version": "1.0.0",
                         "source": {"url": "pool/model.tar.zst", "sha256": bid, "size": 12345}, "notes": "x" * 1600},
            "base_url": "http://repo.example/", "mirrors": [], "params": {"seed": n_sub}, "inputs": []}
    return call("POST", "/jobs/submit", {"module": "model-%d" % (n_sub % 37), "version": "1.0.0", "build_id": bid,
        "priority": priority, "estimate_s": random.choice([600, 1800, 3600]), "spec": spec}, op)

runners = [call("POST", "/v1/runners/enroll", {"name": "node-%d" % i, "host": "node-%d.cluster" % i, "executor": "fleet",
           "capability": {"cores": 16, "memory_mb": 65536, "cuda": False, "gpus": 0, "vram_mib": 0}}, rt)
           for i in range(n_runners)]
for _ in range(40):
    submit("medium")
t0 = time.time() - 3600
for r in runners[:40]:
    c = call("POST", "/v1/job/claim", {"runner_id": r["runner_id"]}, r["secret"])
    curve = [[t0 + 10 * i, round(2.5 / (1 + 0.05 * i) + random.random() * 0.02, 5)] for i in range(300)]
    call("POST", "/v1/job/%d/heartbeat" % c["job"]["id"], {"lease": c["lease"], "progress": 0.4, "eta_s": 2400,
         "loss": curve}, r["secret"])
for i in range(1000):
    submit(("high", "medium", "medium", "low")[i % 4])
st = call("GET", "/status")
print("# the hive: %d runners (%d busy), queue %s" % (st["runners"]["total"], st["runners"]["active"], json.dumps(st["queue"])))
PY

ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$HPID/stat"; }
hz=$(getconf CLK_TCK)
# The daemon alone for the monitor's wall time (estimated as REFRESHES x 0.25 s, measured below).
idle_wall=$(awk -v n="$REFRESHES" 'BEGIN { print n * 0.25 }')
i0=$(ticks); sleep "$idle_wall"; i1=$(ticks)

c0=$(ticks)
w0=$(date +%s.%N)
TERM=xterm tmux -L "$SOCK" new-session -d -s mon -x 160 -y 50 \
	"bash -c '$HC --hive $URL monitor --interval 0.1 --count $REFRESHES 2>$S/monitor.err; echo \$? >$S/rc; times >$S/times; mv $S/rc $S/monitor.rc'"
until [ -s "$S/monitor.rc" ]; do sleep 0.05; done
w1=$(date +%s.%N)
c1=$(ticks)
[ "$(cat "$S/monitor.rc")" = 0 ] || { echo "bench-monitor.sh: the monitor failed: $(cat "$S/monitor.err")" >&2; exit 1; }
awk -v c0="$c0" -v c1="$c1" -v i0="$i0" -v i1="$i1" -v hz="$hz" -v n="$REFRESHES" -v w0="$w0" -v w1="$w1" -v iw="$idle_wall" 'BEGIN {
	wall = w1 - w0; cpu = (c1 - c0) * 1000 / hz; idle = (i1 - i0) * 1000 / hz * wall / iw
	printf "refreshes %d   wall %.1f s (%.0f ms per refresh, redraw included)\n", n, wall, wall * 1000 / n
	printf "qtm-hived cpu: %.0f ms in all, %.2f ms per refresh (idle daemon over the same wall time: %.0f ms)\n", cpu, cpu / n, idle
	printf "qtm-hived cpu per refresh, idle cost taken off: %.2f ms\n", (cpu - idle) / n
}'
# The monitor's own CPU (its JSON parsing and drawing), from bash's `times` for its children.
sed -n 2p "$S/times" | awk -v n="$REFRESHES" '{
	split($1, u, "m"); split($2, s, "m"); t = (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000
	printf "hive-control monitor cpu: %.2f ms per refresh (user + system)\n", t / n
}'
