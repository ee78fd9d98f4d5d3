#!/bin/sh
# bad-db.sh - a damaged database: a clear message saying how to recover, nothing changed, and
# never silent loss (a missing database does not make qtm delete the store).
. "$(dirname "$0")/lib.sh"
plan 13

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

done_testing
