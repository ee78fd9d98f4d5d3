#!/bin/sh
# crash.sh - kill -9 at random instants.  Each iteration starts a random writer (install of one
# or several packages, remove, upgrade, history undo of the last transaction, reinstall) in a
# session of its own, kills the whole session with SIGKILL after a random delay (0 to 1.5 s),
# then checks that what is left is consistent: (a) the database passes PRAGMA integrity_check
# and foreign_key_check, (b) qtm verify is clean (every row's files exist with their hashes),
# (c) every directory under store/NAME/ is claimed by a row's store_path or by the store_pending
# list (paths in flux, which the next writer settles; .staging-* directories may be left too);
# then runs the next writer and checks
# (d) no .staging-* and no orphan is left, verify is clean, and the killed run's transaction, if
# it had started one and not finished it, shows as "interrupted".
#
# QTM_CRASH_POINTS iterations (default 25; the full run uses 150), each one TAP line naming its
# seed.  The seed of iteration I is QTM_CRASH_SEED + I (QTM_CRASH_SEED defaults to 1); a run is
# reproduced, as far as timing allows, by the same QTM_CRASH_SEED and QTM_CRASH_POINTS.
. "$(dirname "$0")/lib.sh"

N=${QTM_CRASH_POINTS:-25}
SEED=${QTM_CRASH_SEED:-1}
plan $((N + 1))

M=$TMP/mods
M2=$TMP/mods-v2
R=$TMP/root
mkdir -p "$M" "$M2"

# ---- the fixture: datasets (one of 4 MB) and models whose trainers sleep a little --------------
# The delays are drawn here, once, with a fixed seed, and written into the trainers (sh has no
# $RANDOM).  Each trainer reports three steps and writes model.txt and a 1 MB weights.bin.
# trainer DIR NAME VERSION REQUIRES_JSON
trainer() {
	mkdir -p "$1"
	/usr/bin/python3 - "$1/train.sh" "$2" "$3" "$SEED" <<'PY'
import random, sys
path, name, version, seed = sys.argv[1:]
rnd = random.Random("%s %s %s" % (seed, name, version))
lines = []
for step in (1, 2, 3):
    lines.append("sleep 0.%d" % rnd.randrange(0, 4))
    lines.append("echo '@qtm progress {\"step\":%d,\"steps\":3,\"loss\":%.2f}'" % (step, 1.0 / step))
lines.append('echo "trained %s %s" >"$QTM_OUTPUT/model.txt"' % (name, version))
lines.append('head -c 1048576 /dev/zero >"$QTM_OUTPUT/weights.bin"')
open(path, "w").write("\n".join(lines) + "\n")
PY
	make_module "$1" "$2" model ",\"requires\":$4"
	sed -i "s/\"version\":\"1.0.0\"/\"version\":\"$3\"/; s/\"outputs\":\[\"model.txt\"\]/\"outputs\":[\"model.txt\",\"weights.bin\"]/" \
		"$1/module.json"
}
make_module "$M/d1" d1 dataset
mkdir -p "$M/d2"
printf 'data of d2\n' >"$M/d2/data.txt"
/usr/bin/python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(7).randbytes(4 << 20))' >"$M/d2/big.bin"
cat >"$M/d2/module.json" <<'JSON'
{"format":1,"name":"d2","version":"1.0.0","kind":"dataset","summary":"test data","license":"CC0-1.0",
 "files":[{"name":"data.txt"},{"name":"big.bin"}]}
JSON
# d3: 150 small files, so that copying it into the store and removing it take a while.
mkdir -p "$M/d3"
/usr/bin/python3 - "$M/d3" <<'PY'
import json, sys
names = ["part-%03d.txt" % k for k in range(150)]
for n in names:
    open(sys.argv[1] + "/" + n, "w").write("piece %s\n" % n)
json.dump({"format": 1, "name": "d3", "version": "1.0.0", "kind": "dataset", "summary": "test data",
           "license": "CC0-1.0", "files": [{"name": n} for n in names]}, open(sys.argv[1] + "/module.json", "w"))
PY
trainer "$M/m1" m1 1.0.0 '["d1"]'
trainer "$M2/m1" m1 2.0.0 '["d1"]'
trainer "$M/m2" m2 1.0.0 '["d1","d2"]'
trainer "$M/m3" m3 1.0.0 '["m2"]'
trainer "$M/m4" m4 1.0.0 '[]'
trainer "$M2/m4" m4 2.0.0 '[]'
trainer "$M/m5" m5 1.0.0 '["d3"]'
build_repo "$TMP/repo" "$M"
build_repo "$TMP/repo2" "$M2"
merge_repo "$TMP/repo" "$TMP/repo2"
use_source "$R" t "$TMP/repo"

# ---- helpers (Python: $RANDOM-free choices, /proc walking, read-only SQLite) --------------------
cat >"$TMP/choose.py" <<'PY'
# choose.py ROOT SEED: one iteration's random choices, as shell assignments.
import os, random, shlex, sqlite3, sys
root, seed = sys.argv[1], int(sys.argv[2])
rnd = random.Random(seed)
installed, last = [], 0
path = root + "/var/lib/qtm/qtm.db"
if os.path.exists(path):
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    installed = [r[0] for r in db.execute("SELECT name FROM packages ORDER BY name")]
    last = db.execute("SELECT COALESCE(MAX(id), 0) FROM transactions").fetchone()[0]
rdeps = {"d1": ["m1", "m2"], "d2": ["m2"], "d3": ["m5"], "m2": ["m3"]}

def closure(name):
    out, todo = [], [name]
    while todo:
        n = todo.pop()
        if n in installed and n not in out:
            out.append(n)
            todo.extend(rdeps.get(n, []))
    return out

op = rnd.choice(["install", "install", "install", "remove", "remove", "upgrade", "undo", "undo", "reinstall"])
if op in ("remove", "reinstall") and not installed or op == "undo" and last == 0:
    op = "install"
if op == "install":
    specs = {"d1": ["d1"], "d2": ["d2"], "d3": ["d3"], "m1": ["m1", "m1=1.0.0"], "m2": ["m2"], "m3": ["m3"],
             "m4": ["m4", "m4=1.0.0"], "m5": ["m5"]}
    args = ["install"] + [rnd.choice(specs[n]) for n in rnd.sample(sorted(specs), rnd.randint(1, 3))]
elif op == "remove":
    args = ["remove"] + closure(rnd.choice(installed))
elif op == "upgrade":
    args = ["upgrade"]
elif op == "undo":
    args = ["history", "undo", str(last)]
else:
    args = ["reinstall"] + rnd.sample(installed, min(len(installed), rnd.randint(1, 2)))
print("ARGS=%s" % shlex.quote(" ".join(args)))
print("DELAY=%.3f" % rnd.uniform(0, 1.5))
print("CLEAN=%d" % (rnd.random() < 0.2))
print("NEXT=%s" % (rnd.choice(installed) if installed else "d1"))
print("LAST=%d" % last)
PY

cat >"$TMP/kill.py" <<'PY'
# kill.py PID DELAY: sleeps DELAY seconds (less when PID exits before), then SIGKILLs PID's
# process group (its session: it was started with setsid), PID and every descendant of it (the
# sandbox's init calls setsid, so it is in a group of its own), and waits until none of them is
# left (zombies aside).
import os, signal, sys, time
pid, delay = int(sys.argv[1]), float(sys.argv[2])

def finished(p):
    try:
        with open("/proc/%d/stat" % p) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True

end = time.monotonic() + delay
while not finished(pid) and time.monotonic() < end:
    time.sleep(min(0.01, max(0.0, end - time.monotonic())))

def procs():
    out = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    s = f.read()
            except OSError:
                continue
            f = s[s.rindex(")") + 2:].split()
            out[int(d)] = (f[0], int(f[1]), int(f[2]), int(f[3]))   # state, ppid, pgrp, session
    return out

def family(ps, root):
    found, todo = set(), [root]
    while todo:
        p = todo.pop()
        for c, (_, ppid, _, _) in ps.items():
            if ppid == p and c not in found:
                found.add(c)
                todo.append(c)
    return found

ps = procs()
victims = family(ps, pid) | {pid}
try:
    if os.getpgid(pid) == pid:
        os.killpg(pid, signal.SIGKILL)
except ProcessLookupError:
    pass
deadline = time.time() + 20
while True:
    ps = procs()
    # What the killed ones started meanwhile (same group or session as one of them) goes too.
    victims |= {p for p, (_, _, pg, sid) in ps.items() if pg in victims or sid in victims}
    alive = [p for p in victims if p in ps and ps[p][0] != "Z"]
    if not alive:
        break
    if time.time() > deadline:
        print("processes left after kill -9: %s" % alive)
        sys.exit(1)
    for p in alive:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    time.sleep(0.02)
PY

cat >"$TMP/check.py" <<'PY'
# check.py ROOT PHASE PID LAST [WAS]: the consistency checks; prints one line per problem, and
# on its last line the state of the transaction the process PID started (after LAST), or "none".
# PHASE "killed": .staging-* directories may be there; PHASE "after" (the next writer ran): none,
# and a transaction that WAS "running" must now be "interrupted".
import os, sqlite3, sys
root, phase, pid, last = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
was = sys.argv[5] if len(sys.argv) > 5 else ""
state = root + "/var/lib/qtm"
store = state + "/store"
problems, claimed, pending, tx = [], set(), set(), "none"
if os.path.exists(state + "/qtm.db"):
    db = sqlite3.connect("file:%s/qtm.db?mode=ro" % state, uri=True)
    check = db.execute("PRAGMA integrity_check").fetchall()
    if check != [("ok",)]:
        problems.append("integrity_check: %r" % check)
    fk = db.execute("PRAGMA foreign_key_check").fetchall()
    if fk:
        problems.append("foreign_key_check: %r" % fk)
    claimed = {r[0] for r in db.execute("SELECT store_path FROM packages")}
    pending = {r[0] for r in db.execute("SELECT path FROM store_pending")}
    if phase == "after" and pending:
        problems.append("pending store paths left after the next writer: %r" % sorted(pending))
    rows = db.execute("SELECT id, state, COALESCE(message, '') FROM transactions WHERE pid = ? AND id > ?"
                      " ORDER BY id", (pid, last)).fetchall()
    if len(rows) > 1:
        problems.append("process %d recorded %d transactions" % (pid, len(rows)))
    if rows:
        tx = rows[-1][1]
        if phase == "after" and tx == "running":
            problems.append("transaction %d of the killed process is still 'running'" % rows[-1][0])
        if phase == "after" and was == "running" and tx != "interrupted":
            problems.append("transaction %d of the killed process is '%s', not 'interrupted'" % (rows[-1][0], tx))
        if phase == "after" and tx == "interrupted" and "killed" not in rows[-1][2]:
            problems.append("transaction %d: interrupted without saying why (%r)" % (rows[-1][0], rows[-1][2]))
    db.close()
for e in sorted(os.listdir(store)) if os.path.isdir(store) else []:
    p = store + "/" + e
    if e.startswith(".staging-"):
        if phase == "after":
            problems.append("left after the next writer: %s" % p)
    elif not os.path.isdir(p) or os.path.islink(p):
        problems.append("not a directory: %s" % p)
    else:
        for v in sorted(os.listdir(p)):
            if p + "/" + v not in claimed and p + "/" + v not in pending:
                problems.append("orphan (no row nor pending record claims it): %s" % (p + "/" + v))
for c in sorted(claimed):
    if not os.path.isdir(c):
        problems.append("a row claims %s, which is missing" % c)
print("\n".join(problems + [tx]))
PY

# ---- the iterations -----------------------------------------------------------------------------
i=0
while [ $i -lt "$N" ]; do
	i=$((i + 1))
	seed=$((SEED + i))
	eval "$(/usr/bin/python3 "$TMP/choose.py" "$R" "$seed")"
	bad=""
	if [ "$CLEAN" = 1 ]; then
		"$QTM" --root "$R" -q clean --all >/dev/null 2>&1 || bad="qtm clean --all failed"
	fi
	# shellcheck disable=SC2086 # ARGS is words on purpose
	setsid "$QTM" --root "$R" -y $ARGS >"$TMP/op.out" 2>"$TMP/op.err" &
	pid=$!
	BG_PIDS=$pid
	/usr/bin/python3 "$TMP/kill.py" "$pid" "$DELAY" >"$TMP/kill.out" 2>&1 || bad="$bad $(cat "$TMP/kill.out")"
	wait "$pid"
	st=$?
	BG_PIDS=
	desc="seed $seed: qtm $ARGS$([ "$CLEAN" = 1 ] && echo ' (after clean --all)'), kill -9 after ${DELAY}s"
	[ $st -eq 137 ] && desc="$desc (killed)" || desc="$desc (it had exited $st)"

	# (a), (c) and the transaction's state, as the kill left them.
	/usr/bin/python3 "$TMP/check.py" "$R" killed "$pid" "$LAST" >"$TMP/check.out" 2>&1
	was=$(tail -1 "$TMP/check.out")
	problems=$(sed '$d' "$TMP/check.out")
	if [ $st -ne 137 ] && [ "$was" = running ]; then
		problems="$problems
it exited $st but left its transaction 'running'"
	fi
	# (b)
	if ! "$QTM" --root "$R" verify >"$TMP/verify.out" 2>&1; then
		problems="$problems
qtm verify after the kill: $(cat "$TMP/verify.out")"
	fi
	# (d) the next writer: the killed operation again (it may fail for a reason of its own, as
	# when what it was to remove is gone already, but not otherwise), or for one that had finished,
	# a cheap install; then everything again.
	if [ $st -eq 137 ]; then next=$ARGS; else next="install $NEXT"; fi
	# shellcheck disable=SC2086
	"$QTM" --root "$R" -y $next >"$TMP/next.out" 2>&1
	nst=$?
	if { [ $nst -ne 0 ] && [ $nst -ne 3 ] && [ $nst -ne 4 ]; } || grep -q "holds the lock" "$TMP/next.out"; then
		problems="$problems
the next writer (qtm -y $next) failed (exit $nst): $(tail -5 "$TMP/next.out")"
	fi
	/usr/bin/python3 "$TMP/check.py" "$R" after "$pid" "$LAST" "$was" >"$TMP/check.out" 2>&1
	problems="$problems
$(sed '$d' "$TMP/check.out")"
	if ! "$QTM" --root "$R" verify >"$TMP/verify.out" 2>&1; then
		problems="$problems
qtm verify after the next writer: $(cat "$TMP/verify.out")"
	fi
	problems=$(printf '%s\n%s\n' "$bad" "$problems" | sed '/^ *$/d')
	if [ -z "$problems" ]; then
		ok 0 "$desc: consistent; its transaction: $was -> $(tail -1 "$TMP/check.out"); then qtm $next: exit $nst"
	else
		echo "# iteration $i, $desc"
		printf '%s\n' "$problems" | sed 's/^/#   /'
		echo "#   its stderr:"
		tail -8 "$TMP/op.err" | sed 's/^/#     /'
		ok 1 "$desc: consistent"
	fi
done

# ---- and at the end, everything can still be removed --------------------------------------------
names=$(installed_names "$R")
if [ -n "$names" ]; then
	# shellcheck disable=SC2086
	run qtm "$R" -y remove $names
else
	status=0
fi
left=$(ls -A "$R/var/lib/qtm/store" 2>/dev/null)
is "$status:$(installed_names "$R"):$left" "0::" "after the crashes, removing everything ($names) leaves an empty store"

done_testing
