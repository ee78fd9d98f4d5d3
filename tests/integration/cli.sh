#!/bin/sh
# cli.sh - the command line of every program (src/cli): an unknown verb, an unknown or misspelt
# option, a missing option argument and an option of another verb are each a one-line error
# naming the problem and the valid choices, exit status 2 ("usage", qtm-exit-status(7)), and
# nothing written; VERB --help and help VERB; global options after the verb; options among the
# operands; "--".
. "$(dirname "$0")/lib.sh"

HC=$top_builddir/src/hive-control/hive-control
RUNNER=$top_builddir/src/qtm-runner/qtm-runner
HIVED=$top_builddir/src/qtm-hived/qtm-hived
R=$TMP/root
W=$TMP/work
mkdir -p "$R" "$W"
cd "$W" || exit 1

# bad DESCRIPTION REGEX -- CMD...: exit 2, one line on stderr matching REGEX, nothing on stdout,
# and nothing written under the root or the working directory.
bad() {
	desc=$1 pattern=$2
	shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	st=$?
	lines=$(wc -l <"$TMP/err" | tr -d ' ')
	written=$(find "$R" "$W" -mindepth 1 | head -3)
	if [ $st -eq 2 ] && [ "$lines" = 1 ] && [ ! -s "$TMP/out" ] && [ -z "$written" ] &&
		grep -Eq -- "$pattern" "$TMP/err"; then
		ok 0 "$desc"
	else
		echo "# exit $st, $lines lines, written: $written; stderr:"
		sed 's/^/#   /' "$TMP/err" | head -5
		ok 1 "$desc"
	fi
}

plan 30

# ---- qtm ------------------------------------------------------------------------------------
bad "qtm: an unknown verb names it, the closest one and the verbs" \
	'^qtm: unknown command "instal"; did you mean install\? \(commands: install, .*policy, hive\)$' -- \
	"$QTM" --root "$R" instal gis-lidar
bad "qtm: a misspelt option names it, the closest one and the verb's options" \
	'^qtm list: unknown option --instaled; did you mean --installed\? \(list takes --installed, --available, --all-versions; global options: qtm --help\)$' -- \
	"$QTM" --root "$R" list --instaled
bad "qtm: an unknown option" '^qtm install: unknown option --bogus \(install takes --dry-run, ' -- \
	"$QTM" --root "$R" -y install --bogus gis-lidar
bad "qtm: a missing option argument names the argument" '^qtm install: --param needs an argument: --param K=V$' -- \
	"$QTM" --root "$R" -y install gis-lidar --param
bad "qtm: an option of another verb names that verb" '^qtm remove: --download-only is an option of install, not of remove' -- \
	"$QTM" --root "$R" -y remove gis-lidar --download-only
bad "qtm: a global option's missing argument" '^qtm list: --root needs an argument: --root DIR$' -- \
	"$QTM" list --root
bad "qtm hive: a misspelt hive command" '^qtm hive: unknown command "jbos"; did you mean jobs\?' -- \
	"$QTM" --root "$R" hive jbos

run "$QTM" --root "$R" remove --help
is "$status:$(head -1 "$TMP/out")" "0:usage: qtm remove [-s] [--auto-remove] NAME..." "qtm remove --help prints its synopsis"
grep -q -- '-s, --dry-run' "$TMP/out"; ok $? "and its options"
run "$QTM" help list
is "$status:$(head -1 "$TMP/out")" "0:usage: qtm list [--installed|--available|--all-versions]" "qtm help list prints list's synopsis"
run "$QTM" --root "$TMP/root3" list -i --json
is "$status:$(cat "$TMP/out")" "0:[]" "qtm list --json: a global option after the verb"
run "$QTM" list --root "$TMP/root3" --inst
is "$status:$(cat "$TMP/out")" "0:" "qtm list --root DIR --inst: a global option with its argument, and a unique prefix"
make_module "$TMP/mods/tiny" tiny model
build_repo "$TMP/repo" "$TMP/mods"
R2=$TMP/root2
use_source "$R2" t "$TMP/repo"
"$QTM" --root "$R2" -y -q install tiny >/dev/null 2>&1 || { echo "Bail out! install tiny"; exit 1; }
run "$QTM" --root "$R2" remove tiny -s
is "$status:$(awk '{print $1, $2}' "$TMP/out")" "0:Remv tiny" "qtm remove NAME -s: the option after the operand"
run "$QTM" --root "$R2" --json list --installed
is "$(json_get "$TMP/out" "[p['name'] for p in j]")" "['tiny']" "and the dry run removed nothing"
fails_with 4 'unknown package "-s"' "after --, -s is an operand" -- "$QTM" --root "$R2" info -- -s

# ---- hive-control ---------------------------------------------------------------------------
bad "hive-control: an unknown command" '^hive-control: unknown command "sttus"; did you mean status\? \(commands: init, ' -- \
	"$HC" --root "$R" sttus
bad "hive-control: a misspelt option" '^hive-control jobs: unknown option --stte; did you mean --state\?|^hive-control jobs: ambiguous option' -- \
	"$HC" --root "$R" jobs --stte running
bad "hive-control: a missing option argument" '^hive-control jobs: --limit needs an argument: --limit N$' -- \
	"$HC" --root "$R" jobs --limit
bad "hive-control: an option of another command" '^hive-control status: --param is an option of submit, not of status' -- \
	"$HC" --root "$R" status --param a=1
run "$HC" logs --help
is "$status:$(head -1 "$TMP/out")" "0:usage: hive-control logs JOB|MODULE|RUNNER [-f] [--attempt N] [--job|--runner|--module]" "hive-control logs --help"
run "$HC" help jobs
grep -q -- '--state' "$TMP/out"; ok $? "hive-control help jobs lists --state"

# ---- qtm-repo -------------------------------------------------------------------------------
bad "qtm-repo: an unknown verb" '^qtm-repo: unknown command "biuld"; did you mean build\? \(commands: build, add, remove, prune, verify, keygen, sign, serve, add-artifact\)$' -- \
	"$QTM_REPO_TOOL" biuld -o out "$TMP/mods"
bad "qtm-repo: a misspelt option" '^qtm-repo build: unknown option --nmae; did you mean --name\?' -- \
	"$QTM_REPO_TOOL" build --nmae x -o out "$TMP/mods"
bad "qtm-repo: a missing option argument" '^qtm-repo sign: --key needs an argument: --key FILE$' -- \
	"$QTM_REPO_TOOL" sign out --key
bad "qtm-repo: an option of another verb" '^qtm-repo build: --port-file is an option of serve, not of build' -- \
	"$QTM_REPO_TOOL" build --port-file p -o out "$TMP/mods"
run "$QTM_REPO_TOOL" help serve
grep -q -- '--max-per-ip N' "$TMP/out"; ok $? "qtm-repo help serve lists its options"

# ---- qtm-runner and qtm-hived (no verbs) ----------------------------------------------------
bad "qtm-runner: a misspelt option" '^qtm-runner: unknown option --hvie; did you mean --hive\? \(valid: --hive, ' -- \
	"$RUNNER" --hvie http://127.0.0.1:1 --token x --once
bad "qtm-runner: a missing option argument" '^qtm-runner: --token-file needs an argument: --token-file FILE$' -- \
	"$RUNNER" --hive http://127.0.0.1:1 --token-file
bad "qtm-hived: a misspelt option" '^qtm-hived: unknown option --lisen; did you mean --listen\?' -- \
	"$HIVED" --lisen 127.0.0.1:0 --state "$W/hive"
bad "qtm-hived: a missing option argument" '^qtm-hived: --state needs an argument: --state DIR$' -- \
	"$HIVED" --state
done_testing
