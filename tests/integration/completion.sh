#!/bin/sh
# completion.sh - the bash completion (data/completion/qtm), the same as the one generated from
# the command tables (src/qtm/gen-completion), sourced in bash, its functions called
# with COMP_WORDS/COMP_CWORD as bash sets them: verbs, options per verb, module names from the
# index, installed names from a test root, and hive job and runner ids from a real qtm-hived.
. "$(dirname "$0")/lib.sh"
plan 21

HC=$top_builddir/src/hive-control/hive-control
SCRIPT=$top_srcdir/data/completion/qtm
B=$TMP/bundled
R=$TMP/root
S=$R/var/lib/qtm/hive
PATH=$top_builddir/src/qtm:$top_builddir/src/hive-control:$PATH
export PATH

command -v bash >/dev/null || { echo "Bail out! bash is needed"; exit 1; }

# comp FUNC WORD...: the completions of the last WORD (sorted, space-separated).
comp() {
	bash -c '
		. "$1" || exit 1
		f=$2; shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		"$f" 2>&1
		printf "%s\n" "${COMPREPLY[@]}" | sort -u | tr "\n" " " | sed "s/ $//"' _ "$SCRIPT" "$@"
}

bash -n "$SCRIPT"; ok $? "the script is valid bash"
# Its verbs and options are printed from the command tables at build time.
diff -u "$SCRIPT" "$top_builddir/data/completion/qtm.generated" >"$TMP/diff" 2>&1
st=$?
[ $st -eq 0 ] || sed 's/^/#   /' "$TMP/diff" | head -20
ok $st "the shipped completion is the one generated from the command tables (make; cp data/completion/qtm.generated)"
is "$(comp _qtm qtm ins)" "install" "qtm ins -> install"
is "$(comp _qtm qtm --root "$B" re)" "reinstall remove" "the verbs after a global option"
is "$(comp _qtm qtm --no)" "--no-color" "global options"
is "$(comp _qtm qtm install --d)" "--download-only --dry-run" "install's options"
is "$(comp _qtm qtm --root "$B" install gis-l)" "gis-lidar" "qtm install gis-l -> gis-lidar from the bundled repository"
is "$(comp _qtm qtm --root="$B" info geophysics-r)" "geophysics-resistivity" "--root=DIR is honoured too"
is "$(comp _qtm qtm list --)" "--all-versions --available --installed --json" "list's options"

# A root with a test source and one installed model.
make_module "$TMP/mods/tiny" tiny model
make_module "$TMP/mods/tinydata" tinydata dataset
build_repo "$TMP/repo" "$TMP/mods"
use_source "$R" test "file://$TMP/repo"
"$QTM" --root "$R" -y -q install tiny >"$TMP/install.log" 2>&1 ||
	{ echo "Bail out! install tiny: $(cat "$TMP/install.log")"; exit 1; }
is "$(comp _qtm qtm --root "$R" remove '')" "tiny" "qtm remove completes the installed names only"
is "$(comp _qtm qtm --root "$R" install '')" "tiny tinydata" "qtm install completes the available names"
is "$(comp _qtm qtm --root "$R" mark '')" "auto default manual" "qtm mark's sub-verbs"
is "$(comp _qtm qtm --root "$R" mark auto t)" "tiny" "then the installed names"
is "$(comp _qtm qtm --root "$R" source remove '')" "test" "qtm source remove completes the source names"

is "$(comp _hive_control hive-control sc)" "scale" "hive-control sc -> scale"
is "$(comp _hive_control hive-control --root "$R" start --executor '')" "fleet local slurm" "start --executor values"
is "$(comp _qtm qtm hive sp)" "spawn" "qtm hive completes hive-control's commands"

# A hive with one queued job and one enrolled runner.
"$HC" --root "$R" init >/dev/null 2>&1 || { echo "Bail out! hive-control init"; exit 1; }
port=$(free_port)
"$HC" --root "$R" start --executor fleet --listen "127.0.0.1:$port" >"$TMP/start.log" 2>&1 ||
	{ echo "Bail out! hive-control start: $(cat "$TMP/start.log")"; exit 1; }
BG_PIDS="${BG_PIDS:-} $(cat "$S/hived.pid" 2>/dev/null)"
"$HC" --root "$R" --json submit tiny low >"$TMP/submit.json" 2>"$TMP/submit.log" ||
	{ echo "Bail out! submit: $(cat "$TMP/submit.log")"; exit 1; }
jid=$(json_get "$TMP/submit.json" "j[-1]['id']")
/usr/bin/python3 - "http://127.0.0.1:$port" "$S/runner.token" <<'PY' || { echo "Bail out! enroll failed"; exit 1; }
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/v1/runners/enroll", method="POST",
    data=json.dumps({"name": "comp-runner", "host": "h", "executor": "fleet",
                     "capability": {"cores": 1, "memory_mb": 256}}).encode(),
    headers={"Authorization": "Bearer " + open(sys.argv[2]).read().strip(),
             "Content-Type": "application/json"})
urllib.request.urlopen(req).read()
PY
is "$(comp _hive_control hive-control --root "$R" cancel '')" "$jid" "hive-control cancel completes the job ids"
is "$(comp _qtm qtm --root "$R" hive logs '')" "$jid" "qtm hive logs completes them too"
is "$(comp _hive_control hive-control --root "$R" kill c)" "comp-runner" "hive-control kill completes the runner ids"
is "$(comp _hive_control hive-control --root "$R" submit t)" "tiny tinydata" "hive-control submit completes the module names"

"$HC" --root "$R" stop >/dev/null 2>&1
done_testing
