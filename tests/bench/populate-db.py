#!/usr/bin/python3
"""populate-db.py DB NAME COUNT - COUNT copies of installed package NAME's row of qtm's database
DB (with its files and requires rows) under new names NAME-00001..., for the benchmarks that
need a large installation (bench-downloads.sh, bench-startup.sh) without installing each."""
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
which, n = sys.argv[2], int(sys.argv[3])
db.row_factory = sqlite3.Row
src = db.execute("SELECT * FROM packages WHERE name = ?", (which,)).fetchone()
files = db.execute("SELECT * FROM files WHERE package_id = ?", (src["id"],)).fetchall()
reqs = db.execute("SELECT * FROM requires WHERE package_id = ?", (src["id"],)).fetchall()
cols = [c for c in src.keys() if c != "id"]
man = json.loads(src["manifest"])
ins = lambda table, row: db.execute("INSERT INTO %s (%s) VALUES (%s)" % (
    table, ",".join(row), ",".join("?" * len(row))), list(row.values()))
with db:
    for i in range(1, n + 1):
        name = "%s-%05d" % (src["name"], i)
        row = {c: src[c] for c in cols}
        row["name"] = name
        row["store_path"] = src["store_path"].replace("/" + src["name"] + "/", "/" + name + "/")
        man["name"] = name
        row["manifest"] = json.dumps(man, separators=(",", ":"))
        pid = ins("packages", row).lastrowid
        for f in files:
            ins("files", dict(dict(f), package_id=pid))
        for r in reqs:
            ins("requires", dict(dict(r), package_id=pid))
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
print("  %s: %d packages rows, %d requires rows" % (sys.argv[1], db.execute("SELECT count(*) FROM packages").fetchone()[0],
      db.execute("SELECT count(*) FROM requires").fetchone()[0]))
