#!/bin/sh
# term-escape.sh - strings from others printed on a terminal have their control characters
# (ESC, CR, ...) and bytes that are not UTF-8 written \xHH: a package's summary and description
# in qtm list, search and info; a job's module name in hive-control jobs and qtm hive jobs.
# --json output stays valid JSON (those characters \u-escaped, stray bytes \ufffd).
. "$(dirname "$0")/lib.sh"
plan 14

HC=$top_builddir/src/hive-control/hive-control
ESC=$(printf '\033')
CR=$(printf '\r')

# A signed index whose summary and description hold an escape sequence and a CR.
make_module "$TMP/mods/data-a" data-a dataset
build_repo "$TMP/repo" "$TMP/mods"
edit_index "$TMP/repo" '
for p in index["packages"]:
    p["summary"] = "evil \x1b]0;owned\x07\x1b[2J summary\roverwritten"
    p["description"] = "line\x1b[31mred\x9b"'
R=$TMP/root
use_source "$R" t "$TMP/repo"

# raw FILE: the file holds an ESC, a CR or a C1 control (as bytes).
raw() { LC_ALL=C grep -q "[$ESC$CR]" "$1" || LC_ALL=C grep -qP '\xc2[\x80-\x9f]' "$1"; }

run qtm "$R" list
! raw "$TMP/out" && grep -qF 'evil \x1b]0;owned\x07\x1b[2J summary\x0doverwritten' "$TMP/out"
ok $? "qtm list prints the summary's control characters as \\xHH"
run qtm "$R" search data
! raw "$TMP/out" && grep -qF 'evil \x1b]0;owned' "$TMP/out"; ok $? "so does qtm search"
run qtm "$R" info data-a
! raw "$TMP/out" && grep -qF 'evil \x1b]0;owned' "$TMP/out" && grep -qF 'line\x1b[31mred\xc2\x9b' "$TMP/out"
ok $? "and qtm info (summary and description, a C1 control too)"
run qtm "$R" -y install data-a
run qtm "$R" list --installed
! raw "$TMP/out" && grep -qF 'evil \x1b]0;owned' "$TMP/out"; ok $? "and qtm list --installed"
run qtm "$R" --json info data-a
is "$(json_get "$TMP/out" "j['versions'][0]['description']")" "$(printf 'line\033[31mred\302\233')" \
	"--json info keeps the string, properly escaped"
! raw "$TMP/out"; ok $? "  with no raw control character in the JSON text"

# A hive whose job has an escape sequence and a byte that is not UTF-8 in its module name (put in
# its database directly: the API refuses such names).
H=$TMP/hroot
S=$H/var/lib/qtm/hive
hc() { "$HC" --root "$H" "$@"; }
run hc init
sed -i 's/^min_runners = .*/min_runners = 0/' "$S/hive.conf"
port=$(free_port)
run hc start --listen "127.0.0.1:$port" --executor fleet
ok $status "a hive starts"
BG_PIDS="${BG_PIDS:-} $(cat "$S/hived.pid" 2>/dev/null)"
tok=$(cat "$S/operator.token")
code=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
	--data-binary "{\"module\":\"m\",\"version\":\"1.0.0\",\"build_id\":\"$(printf x | sha256sum | cut -d' ' -f1)\",\"estimate_s\":1,\"spec\":{\"k\":1}}" \
	"http://127.0.0.1:$port/jobs/submit")
is "$code" 201 "a job is submitted"
run hc stop
/usr/bin/python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE jobs SET module = CAST(X\u00276d1b5b324a0d58ff\u0027 AS TEXT)")
db.commit()' "$S/hive.db"
run hc start --listen "127.0.0.1:$port" --executor fleet
BG_PIDS="${BG_PIDS:-} $(cat "$S/hived.pid" 2>/dev/null)"
run hc jobs
ok $status "hive-control jobs succeeds"
! raw "$TMP/out" && grep -qF 'm\x1b[2J\x0dX\xff' "$TMP/out"; ok $? "and prints the module name escaped"
run "$QTM" --root "$H" hive jobs
! raw "$TMP/out" && grep -qF 'm\x1b[2J\x0dX\xff' "$TMP/out"; ok $? "so does qtm hive jobs"
run hc --json jobs
is "$(json_get "$TMP/out" "j['jobs'][0]['module']")" "$(printf 'm\033[2J\rX\357\277\275')" \
	"hive-control --json jobs is valid JSON (the stray byte as U+FFFD)"
! raw "$TMP/out"; ok $? "  with no raw control character in it"
run hc stop
ok $status "the hive stops"

done_testing
