#!/bin/sh
# bad-db.sh - a damaged database: a clear message saying how to recover, nothing changed, and
# never silent loss (a missing database does not make qtm delete the store).
. "$(dirname "$0")/lib.sh"
plan 16

R=$TMP/root
run qtm "$R" -y install gis-lidar
ok $status "install gis-lidar"
db=$R/var/lib/qtm/qtm.db
[ -f "$db.bak" ]; ok $? "a successful transaction leaves a backup of the database"
cp "$db" "$TMP/db.before"

rm -f "$db-wal" "$db-shm"
head -c 8192 /dev/urandom >"$db"
fails_with 1 "qtm.db is damaged .*Nothing was changed.*cp .*qtm.db.bak" \
	"a reader names the damage and the way to recover" -- qtm "$R" list --installed
fails_with 1 "qtm.db is damaged" "a writer refuses too" -- qtm "$R" -y remove gis-lidar
[ -n "$(ls "$R"/var/lib/qtm/store/gis-lidar)" ]; ok $? "the store was not touched"

cp "$db.bak" "$db"
run qtm "$R" verify
ok $status "after restoring the backup as told, verify is clean"
run qtm "$R" --json list --installed
is "$(json_get "$TMP/out" "len(j)")" 2 "and both packages are known again"

# A 0-byte database (with the backup beside it) is damage, not an empty installation.
: >"$db"
fails_with 1 "qtm.db is damaged \(the file is empty\).*cp .*qtm.db.bak" \
	"a 0-byte database is an error naming the backup" -- qtm "$R" list --installed
cp "$db.bak" "$db"

# Someone else's SQLite file in its place is refused too, and left as it is.
cp "$db" "$TMP/db.ours"
/usr/bin/python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("create table t(x)"); c.commit()' "$TMP/foreign.db"
cp "$TMP/foreign.db" "$db"
fails_with 1 "not a qtm database" "a foreign SQLite database is an error naming it" -- qtm "$R" -y remove gis-lidar
cmp -s "$db" "$TMP/foreign.db"; ok $? "and the foreign file is not changed"
cp "$TMP/db.ours" "$db"
run qtm "$R" verify
ok $status "the restored database verifies"

# A database deleted outright: the next writer must not take the store for leftovers.
rm -f "$db" "$db-wal" "$db-shm" "$db.bak"
run qtm "$R" -y install gis-lidar
grep -q "not in the database, which has no history: left in place" "$TMP/err"
ok $? "a store without a database is reported, not deleted"
[ -n "$(ls "$R"/var/lib/qtm/store/dataset-cgal-b9)" ]; ok $? "the packages' directories are still there"

# A database made by the first release (name UNIQUE, none of the later columns) is brought up
# to date on the next open, keeping its rows.
O=$TMP/oldroot
mkdir -p "$O/var/lib/qtm"
/usr/bin/python3 - "$O/var/lib/qtm/qtm.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("""
CREATE TABLE packages (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, version TEXT NOT NULL,
  kind TEXT NOT NULL, build_id TEXT, reason TEXT NOT NULL CHECK (reason IN ('manual','auto')),
  source TEXT, store_path TEXT NOT NULL, manifest TEXT NOT NULL, metrics TEXT, installed_at INTEGER NOT NULL);
CREATE TABLE files (package_id INTEGER NOT NULL REFERENCES packages(id) ON DELETE CASCADE,
  path TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL, mode INTEGER NOT NULL,
  PRIMARY KEY (package_id, path));
CREATE TABLE requires (package_id INTEGER NOT NULL REFERENCES packages(id) ON DELETE CASCADE,
  requirement TEXT NOT NULL);
INSERT INTO packages VALUES (1, 'old-data', '1.0.0', 'dataset', NULL, 'manual', 'bundled',
  '/nonexistent', '{"format":1,"name":"old-data","version":"1.0.0","kind":"dataset","summary":"from an old qtm"}', NULL, 1);
""")
db.commit()
PY
run qtm "$O" --json list --installed
ok $status "a database of the first schema opens"
is "$(json_get "$TMP/out" "[p['name'] + ' ' + p.get('summary', '') for p in j]")" "['old-data from an old qtm']" \
	"with its package, and the summary filled from its manifest"
is "$(/usr/bin/python3 -c "import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); print(sorted(r[1] for r in d.execute('PRAGMA table_info(packages)') if r[1] in ('curve','held','is_default','origin','params','summary')), 'UNIQUE (name, version)' in d.execute(\"SELECT sql FROM sqlite_master WHERE name='packages'\").fetchone()[0])" "$O/var/lib/qtm/qtm.db")" \
	"['curve', 'held', 'is_default', 'origin', 'params', 'summary'] True" "it gained the later columns and versions side by side"

done_testing
