#!/bin/sh
# bad-db.sh - a damaged database: a clear message saying how to recover, nothing changed, and
# never silent loss (a missing database does not make qtm delete the store).
. "$(dirname "$0")/lib.sh"
plan 9

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

# A database deleted outright: the next writer must not take the store for leftovers.
rm -f "$db" "$db-wal" "$db-shm" "$db.bak"
run qtm "$R" -y install gis-lidar
grep -q "not in the database, which has no history: left in place" "$TMP/err"
ok $? "a store without a database is reported, not deleted"
[ -n "$(ls "$R"/var/lib/qtm/store/dataset-cgal-b9)" ]; ok $? "the packages' directories are still there"

done_testing
