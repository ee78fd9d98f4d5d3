#!/bin/sh
# stall.sh - a server that sends its headers and then nothing: the download is given up after
# qtm.conf's stall_timeout (retried, then reported as stalled), nothing is installed, and the
# partial download is kept for the next run.  Also: undo of a transaction whose packages are
# gone from every source is refused, changing nothing.
. "$(dirname "$0")/lib.sh"
plan 7

make_module "$TMP/mods/data-stall" data-stall dataset
build_repo "$TMP/repo" "$TMP/mods"
echo '{"match": "data-stall/1.0.0/data.txt", "stall": 30}' >"$TMP/control.json"
/usr/bin/python3 "$top_srcdir/tests/integration/httpd.py" --root "$TMP/repo" --port-file "$TMP/port" \
	--log "$TMP/http.log" --control "$TMP/control.json" 2>"$TMP/httpd.err" &
BG_PIDS="${BG_PIDS:-} $!"
i=0
until [ -s "$TMP/port" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "Bail out! httpd.py did not start"; exit 1; }
	sleep 0.1
done
R=$TMP/root
mkdir -p "$R/etc/qtm" && echo "stall_timeout = 1" >"$R/etc/qtm/qtm.conf"
use_source "$R" web "http://127.0.0.1:$(cat "$TMP/port")/"

fails_with 5 "data-stall/data.txt: cannot fetch .*(too slow|timed out|Timeout)" \
	"a stalled server fails the download (exit 5) after the stall timeout, naming the file" -- \
	qtm "$R" -v -y install data-stall
is "$(installed_names "$R")" "" "nothing is installed"
grep -q "trying again" "$TMP/err"; ok $? "the stalled transfer was retried before giving up"

# Undo of a removal whose package no source offers any more.
make_module "$TMP/mods2/gone" gone dataset
build_repo "$TMP/repo2" "$TMP/mods2"
R2=$TMP/root2
use_source "$R2" two "$TMP/repo2"
run qtm "$R2" -y install gone
run qtm "$R2" -y remove gone
ok $status "install and remove a package"
rm -rf "$TMP/repo2"/* && make_module "$TMP/mods3/other" other dataset && build_repo "$TMP/repo2" "$TMP/mods3"
run qtm "$R2" update
tx=$("$QTM" --root "$R2" --json history | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)[0]['id'])")
fails_with 4 'unknown module "gone".*no source offers it' \
	"undo of the removal fails (exit 4): the package is gone from every source" -- qtm "$R2" -y history undo "$tx"
is "$(installed_names "$R2")" "" "and nothing changed"
run qtm "$R2" --json history
is "$(json_get "$TMP/out" "j[0]['id']")" "$tx" "no transaction was recorded for the refused undo"

done_testing
