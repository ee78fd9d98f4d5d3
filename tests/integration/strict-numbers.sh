#!/bin/sh
# strict-numbers.sh - numbers on the command line and in configuration files parse strictly
# (issue 14, finding 13): the whole text, in range, finite.  Each bad number gets an error that
# names the option or setting and a non-zero exit; good numbers still work.
. "$(dirname "$0")/lib.sh"
plan 28

R=$TMP/root
HIVED=$top_builddir/src/qtm-hived/qtm-hived
RUNNER=$top_builddir/src/qtm-runner/qtm-runner

# Global options: --wait takes whole seconds, attached with =.
for bad in abc 5x -1 " 5" 99999999999; do
	fails_with 2 "--wait=$bad: expected a whole number of seconds" "qtm --wait='$bad' is a usage error naming the option" \
		-- "$QTM" --root "$R" --wait="$bad" list
done
run "$QTM" --root "$R" --wait=3 list
ok $status "qtm --wait=3 is accepted"

# --param values that start like JSON must be JSON, whole and finite; plain text stays a string.
fails_with 1 '--param seed=1abc: "1abc" is not valid JSON' "--param seed=1abc is refused" \
	-- "$QTM" --root "$R" install -s --param seed=1abc gis-lidar
fails_with 1 '--param seed=1e999: a number is out of range' "--param seed=1e999 is refused as out of range" \
	-- "$QTM" --root "$R" install -s --param seed=1e999 gis-lidar
fails_with 1 '--param seed=-1e999: a number is out of range' "--param seed=-1e999 is refused" \
	-- "$QTM" --root "$R" install -s --param seed=-1e999 gis-lidar
fails_with 1 'parameter "seed" must be a whole number from 0 to 2\^53' "--param seed=1e300 is refused: QTM_SEED has no such integer" \
	-- "$QTM" --root "$R" install -s --param seed=1e300 gis-lidar
fails_with 1 'parameter "seed" must be a whole number' "--param seed=0.5 is refused" \
	-- "$QTM" --root "$R" install -s --param seed=0.5 gis-lidar
fails_with 1 'parameter "seed" must be a whole number' "--param seed=-1 is refused" \
	-- "$QTM" --root "$R" install -s --param seed=-1 gis-lidar
fails_with 1 'is not valid JSON' "--param seed=[1,2 (unterminated) is refused" \
	-- "$QTM" --root "$R" install -s --param 'seed=[1,2' gis-lidar
fails_with 1 'parameter "seed" must be a number, not a string' "--param seed=abc is still read as a string" \
	-- "$QTM" --root "$R" install -s --param seed=abc gis-lidar
run "$QTM" --root "$R" install -s --param seed=7 gis-lidar
ok $status "--param seed=7 is accepted"

# qtm source add: --threshold and --priority.
fails_with 1 "--threshold must be an integer from 1 to 64" "source add --threshold abc is refused" \
	-- "$QTM" --root "$R" source add --insecure --threshold abc s1 "file://$TMP/none"
fails_with 1 "--priority must be an integer from 1 to 10000" "source add --priority 5x is refused" \
	-- "$QTM" --root "$R" source add --insecure --priority 5x s1 "file://$TMP/none"
is "$(ls "$R/etc/qtm/sources.d" 2>/dev/null | grep -c s1)" 0 "and no source is added"

# A sources file with a threshold that would wrap around as an int.
"$QTM" --root "$R" source add --insecure s2 "file://$TMP/none" >/dev/null 2>&1
echo "threshold = 4294967297" >>"$R/etc/qtm/sources.d/s2.source"
fails_with 1 "s2.source:[0-9]+: threshold must be an integer from 1 to 64" "a sources file's threshold 4294967297 is refused" \
	-- "$QTM" --root "$R" source list
rm -f "$R/etc/qtm/sources.d/s2.source"

# qtm.conf.
for setting in "parallel_downloads = 4x" "parallel_downloads = 0x4" "stall_timeout = 1e3" "stall_timeout = 99999999999999999999"; do
	printf '%s\n' "$setting" >"$TMP/qtm.conf"
	fails_with 1 "qtm.conf:1: ${setting%% *} must be" "qtm.conf '$setting' is refused" \
		-- "$QTM" --root "$R" --config "$TMP/qtm.conf" list
done

# qtm-repo build: --release and --valid-days.
make_module "$TMP/src/m" m model
fails_with 1 '--release: "abc" is not a whole number' "qtm-repo build --release abc is refused" \
	-- "$QTM_REPO_TOOL" build --release abc -o "$TMP/repo" "$TMP/src"
fails_with 1 '--valid-days: "1x" is not a whole number' "qtm-repo build --valid-days 1x is refused" \
	-- "$QTM_REPO_TOOL" build --valid-days 1x -o "$TMP/repo" "$TMP/src"
fails_with 1 '--valid-days: 0 is out of range' "qtm-repo build --valid-days 0 is refused" \
	-- "$QTM_REPO_TOOL" build --valid-days 0 -o "$TMP/repo" "$TMP/src"
# qtm-repo serve: a port with trailing junk is a usage error (it would otherwise serve on port 80).
run timeout 20 "$QTM_REPO_TOOL" serve --listen 127.0.0.1:0x "$TMP/src"
is "$status" 2 "qtm-repo serve --listen 127.0.0.1:0x is a usage error"

# qtm-runner: --job and --wait.
fails_with 2 '--job needs a job id, not " 5"' "qtm-runner --job ' 5' is refused" \
	-- timeout 20 "$RUNNER" --hive http://127.0.0.1:1 --token x --job " 5"
done_testing
