#!/bin/bash
# bench-dashboard.sh [UPDATES] - what one refresh of the web dashboard (data/hive/dashboard.js)
# costs qtm-hived with 50 runners and 1,000 queued jobs (issue 8: under 100 ms of hived time per
# update).
#
# A fresh `qtm-hived --executor fleet` (lease_ttl_s = 3600: nothing expires while it is
# measured) gets 50 fake runners enrolled with curl (POST /v1/runners/enroll), then, through the
# runner API as qtm-runner would: 100 jobs claimed, heartbeated with a 200-point loss curve,
# uploaded and completed with metrics; 20 failed for good; 10 cancelled while pending; 40 claimed
# and left running with a 300-point loss curve and a 20 KiB log; then 1,000 more jobs queued
# (high, medium and low), each with a 2 KiB spec.  Then UPDATES (default 100) times each
# request set, one keep-alive connection, the requests of a set one after the other:
#
#   steady  what every update of dashboard.js fetches: /status /runners /jobs?state=running
#   queue   steady + /jobs?state=pending: an even update when the queue changed (or every
#           10th), the costliest update there is
#   done    steady + /jobs?state={completed,failed,cancelled}&limit=30: an odd update when a
#           job finished (or every 10th)
#   first   all of them: the first update after the page loads (once)
#   detail  a running job's page: /jobs/ID, /jobs/ID/logs?attempt=1&offset=END
#   naive   for comparison, one GET /jobs of every job (1,170)
#
# Per update: qtm-hived's CPU time (utime + stime from /proc/PID/stat over all UPDATES, divided;
# and the largest single update from the threads' /proc/PID/task/*/schedstat, in ns), the wall
# time the client saw (median, 95th percentile, max) and the bytes received.  Environment:
# top_builddir (default: build/dev of this tree), QTM_BENCH_KEEP=1 keeps the scratch directory.
# Timings only: nothing here fails on a time.
set -eu
export LC_ALL=C NO_COLOR=1
unset QTM_ROOT QTM_HIVE QTM_HIVE_TOKEN

UPDATES=${1:-100}
RUNNERS=50
. "$(dirname "$0")/lib.sh"
bench_need "" "$HIVED" "$PY" "$(command -v curl)"

S=$(mktemp -d "${TMPDIR:-/tmp}/qtm-bench-dashboard.XXXXXX")
HPID=""
cleanup() {
	if [ -n "$HPID" ]; then
		kill "$HPID" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$HPID" 2>/dev/null || break; sleep 0.1; done
	fi
	[ "${QTM_BENCH_KEEP:-0}" = 1 ] && echo "kept $S" || rm -rf "$S"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

echo "# qtm dashboard benchmark: $UPDATES updates per set, $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), kernel $(uname -r), load at start $(cut -d' ' -f1-3 /proc/loadavg)"

mkdir -p "$S/state"
printf 'lease_ttl_s = 3600\nmax_runners = %d\n' "$RUNNERS" >"$S/state/hive.conf"
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$port
"$HIVED" --state "$S/state" --listen "127.0.0.1:$port" --executor fleet >"$S/hived.out" 2>&1 &
HPID=$!
for _ in $(seq 200); do curl -sf -m 2 "$URL/health" >/dev/null 2>&1 && break; sleep 0.05; done
curl -sf "$URL/health" >/dev/null || { echo "bench-dashboard.sh: qtm-hived did not start:" >&2; cat "$S/hived.out" >&2; exit 1; }

# The runners enroll as a fleet runner would (the GPU ones with a card).
RT=$(cat "$S/state/runner.token")
for i in $(seq "$RUNNERS"); do
	gpu=false gpus=0 vram=0
	[ $((i % 5)) -eq 0 ] && gpu=true gpus=1 vram=24576
	curl -sf -H "Authorization: Bearer $RT" -H 'Content-Type: application/json' \
		--data-binary "{\"name\":\"node-$i\",\"host\":\"node-$i.cluster\",\"executor\":\"fleet\",\"capability\":{\"cores\":16,\"memory_mb\":65536,\"cuda\":$gpu,\"gpus\":$gpus,\"vram_mib\":$vram}}" \
		"$URL/v1/runners/enroll" >>"$S/runners.jsonl"
	echo >>"$S/runners.jsonl"
done

"$PY" - "$URL" "$S/state" "$S/runners.jsonl" "$HPID" "$UPDATES" <<'PY'
import hashlib, http.client, json, os, random, statistics, sys, time
url, state, runners_file, pid, updates = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
host, port = url.split("//")[1].split(":")
op = open(state + "/operator.token").read().strip()
runners = [json.loads(l) for l in open(runners_file) if l.strip()]
random.seed(1)
conn = http.client.HTTPConnection(host, int(port))

def call(method, path, body=None, token=None, headers=None, raw=False):
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    if r.status >= 400:
        raise SystemExit("%s %s: HTTP %d %s" % (method, path, r.status, data[:300]))
    return data if raw else (json.loads(data) if data else None)

n_sub = 0
def submit(priority):
    global n_sub
    n_sub += 1
    bid = hashlib.sha256(b"bench-dashboard-%d" % n_sub).hexdigest()
    spec = {"manifest": {"name": "model-%d" % (n_sub % 37), "version": "1.0.0",
                         "source": {"url": "pool/model.tar.zst", "sha256": bid, "size": 12345},
                         "notes": "x" * 1600},
            "base_url": "http://repo.example/", "mirrors": [], "params": {"seed": n_sub}, "inputs": [],
            "runtime": {"runtime(python3)": "3.11.2"}}
    return call("POST", "/jobs/submit", {"module": "model-%d" % (n_sub % 37), "version": "1.0.0", "build_id": bid,
        "priority": priority, "estimate_s": random.choice([600, 1800, 3600, 7200]),
        "resources": {"cpus": 4, "memory_mb": 8192}, "spec": spec}, op)

def curve(n, t0):
    return [[t0 + 10 * i, round(2.5 / (1 + 0.05 * i) + random.random() * 0.02, 5)] for i in range(n)]

def claim(r):
    return call("POST", "/v1/job/claim", {"runner_id": r["runner_id"]}, r["secret"])

t0 = time.time() - 3600
history = [submit("medium") for _ in range(170)]
for j in history[:10]:
    call("POST", "/jobs/%d/cancel" % j["id"], None, op)
for k in range(100):                      # 100 completed, by runners 1..10
    r = runners[k % 10]
    c = claim(r)
    jid, lease, bid = c["job"]["id"], c["lease"], c["job"]["build_id"]
    call("POST", "/v1/job/%d/heartbeat" % jid, {"lease": lease, "progress": 1.0, "loss": curve(200, t0)}, r["secret"])
    art = b"artifact %d" % jid
    sha = hashlib.sha256(art).hexdigest()
    call("PUT", "/v1/artifact/%s?lease=%s" % (bid, lease), art, r["secret"], {"X-Qtm-Sha256": sha, "Content-Type": "application/octet-stream"})
    call("POST", "/v1/job/%d/complete" % jid, {"lease": lease, "sha256": sha, "size": len(art),
         "metrics": {"accuracy": round(random.random(), 3), "val_loss": round(random.random(), 3)}}, r["secret"])
for k in range(20):                       # 20 failed for good
    r = runners[k % 10]
    c = claim(r)
    call("POST", "/v1/job/%d/fail" % c["job"]["id"], {"lease": c["lease"], "error": "the trainer exited with status 3",
         "permanent": True}, r["secret"])
running = []
for r in runners[10:]:                    # 40 running, mid-training
    c = claim(r)
    jid, lease = c["job"]["id"], c["lease"]
    call("POST", "/v1/job/%d/heartbeat" % jid, {"lease": lease, "progress": 0.4, "eta_s": 2400,
         "loss": curve(300, t0)}, r["secret"])
    call("POST", "/v1/job/%d/log?lease=%s" % (jid, lease), b"".join(b"step %d loss 0.5\n" % i for i in range(1200)),
         r["secret"], {"Content-Type": "text/plain"})
    running.append(jid)
for i in range(1000):                     # the queue
    submit(("high", "medium", "medium", "low")[i % 4])
status = call("GET", "/status")
print("# the hive: %d runners (%d busy), queue %s" % (status["runners"]["total"], status["runners"]["active"],
      json.dumps(status["queue"])))

hz = os.sysconf("SC_CLK_TCK")
def cpu_ticks():
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])
def cpu_ns():
    total = 0
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            total += int(open("/proc/%d/task/%s/schedstat" % (pid, t)).read().split()[0])
        except OSError:
            pass
    return total

detail = running[0]
log_end = len(call("GET", "/jobs/%d/logs?attempt=1" % detail, raw=True))
steady = ["/status", "/runners", "/jobs?state=running"]
queue = ["/jobs?state=pending"]
finished = ["/jobs?state=%s&limit=30" % s for s in ("completed", "failed", "cancelled")]
sets = {
    "steady": steady,
    "queue": steady + queue,
    "done": steady + finished,
    "first": steady + queue + finished,
    "detail": ["/jobs/%d" % detail, "/jobs/%d/logs?attempt=1&offset=%d" % (detail, log_end)],
    "naive": ["/jobs"],
}
print("%-7s %5s %9s %12s %11s %9s %8s %8s %10s" % ("set", "reqs", "updates", "cpu ms/upd", "max cpu ms",
      "wall med", "p95", "max", "KiB/upd"))
for name, paths in sets.items():
    for p in paths:   # warm the connection and caches
        call("GET", p, raw=True)
    walls, cpus, size = [], [], 0
    c0 = cpu_ticks()
    for _ in range(updates):
        n0, w0 = cpu_ns(), time.perf_counter()
        for p in paths:
            size += len(call("GET", p, raw=True))
        walls.append((time.perf_counter() - w0) * 1000)
        cpus.append((cpu_ns() - n0) / 1e6)
    c1 = cpu_ticks()
    walls.sort()
    print("%-7s %5d %9d %12.2f %11.2f %9.2f %8.2f %8.2f %10.1f" % (name, len(paths), updates,
          (c1 - c0) * 1000 / hz / updates, max(cpus), statistics.median(walls),
          walls[int(0.95 * (len(walls) - 1))], walls[-1], size / 1024 / updates))
print("# cpu ms/upd: qtm-hived utime+stime over all updates / updates (/proc/PID/stat, %d Hz ticks);" % hz)
print("# max cpu ms: the costliest single update (sum of the threads' schedstat run time); wall: as the")
print("# client saw it, the set's requests one after the other on one keep-alive connection (the")
print("# browser sends them in parallel).")
PY
