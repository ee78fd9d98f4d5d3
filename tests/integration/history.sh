#!/bin/sh
# history.sh - qtm history: the record of transactions (list, info, --json), undo of a remove,
# of an upgrade and of an install, rollback to a transaction, dry runs, bad transaction numbers,
# and a failed transaction (recorded as failed with its message, its finished steps kept).
. "$(dirname "$0")/lib.sh"
plan 52

M=$TMP/mods
M2=$TMP/mods-v2
R=$TMP/root
store=$R/var/lib/qtm/store
mkdir -p "$M" "$M2/a"
make_module "$M/data-x" data-x dataset
make_module "$M/a" a model ',"requires":["data-x"]'
make_module "$M2/a" a model ',"requires":["data-x"]'
sed -i 's/"version":"1.0.0"/"version":"2.0.0"/' "$M2/a/module.json"
make_module "$M/b" b model
make_module "$M/c" c model ',"requires":["data-x"]'
make_module "$M/data-m" data-m dataset
make_module "$M/mid" mid model ',"requires":["data-m"]'
make_module "$M/top" top model ',"requires":["mid"]'
make_module "$M/data-f" data-f dataset
mkdir -p "$M/bad"
printf 'echo starting\necho "trainer gave up: loss is NaN" >&2\nexit 1\n' >"$M/bad/train.sh"
make_module "$M/bad" bad model ',"requires":["data-f"]'
build_repo "$TMP/repo" "$M"
build_repo "$TMP/repo2" "$M2"
merge_repo "$TMP/repo" "$TMP/repo2"
use_source "$R" t "$TMP/repo"

# installed: "NAME:VERSION:REASON ..." of what is installed, sorted.
installed() {
	"$QTM" --root "$R" --json list --installed >"$TMP/inst.json" 2>/dev/null || { echo "(list failed)"; return; }
	json_get "$TMP/inst.json" "' '.join(sorted(p['name'] + ':' + p['installed_version'] + ':' + p['reason'] for p in j))"
}
# hist PYTHON-EXPR: an expression over the JSON history j (newest first); items(t) gives a
# transaction's items as "action:name:old:new:reason".
hist() {
	"$QTM" --root "$R" --json history >"$TMP/hist.json" 2>/dev/null || { echo "(history failed)"; return; }
	/usr/bin/python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
def items(t):
    return ' '.join('%s:%s:%s:%s:%s' % (i['action'], i['name'], i.get('old_version', ''), i.get('new_version', ''), i.get('reason', '')) for i in t['items'])
print($1)" "$TMP/hist.json"
}
last_id() { hist "j[0]['id'] if j else 0"; }

# ---- four transactions --------------------------------------------------------------------------
run qtm "$R" -y install a=1.0.0
ok $status "1: install a=1.0.0"
after1=$(installed)
run qtm "$R" -y install b
ok $status "2: install b"
run qtm "$R" mark auto b
run qtm "$R" -y upgrade a
ok $status "3: upgrade a"
run qtm "$R" -y remove b
ok $status "4: remove b"

is "$(hist "[t['id'] for t in j]")" "[4, 3, 2, 1]" "history --json lists the 4 transactions, newest first"
is "$(hist "[t['state'] for t in j]")" "['done', 'done', 'done', 'done']" "all done"
is "$(hist "items(j[3])")" "install:data-x::1.0.0:auto install:a::1.0.0:manual" "1: installs data-x (auto) then a 1.0.0 (manual)"
is "$(hist "items(j[2])")" "install:b::1.0.0:manual" "2: installs b"
is "$(hist "items(j[1])")" "upgrade:a:1.0.0:2.0.0:manual" "3: upgrades a 1.0.0 -> 2.0.0"
is "$(hist "items(j[0])")" "remove:b:1.0.0::auto" "4: removes b, recording its reason then (auto)"
is "$(hist "[t['command'].split(' -y ', 1)[1] for t in j]")" "['remove b', 'upgrade a', 'install b', 'install a=1.0.0']" \
	"each records its command"
hist "all(isinstance(t['id'], int) and isinstance(t['started_at'], (int, float)) and t['started_at'] > 0 and
       t['finished_at'] >= t['started_at'] and isinstance(t['command'], str) and 'message' not in t and
       all(isinstance(i['kind'], str) for i in t['items']) for t in j) and
    set(j[1]['items'][0]) == {'action', 'name', 'kind', 'old_version', 'new_version', 'old_build_id', 'new_build_id', 'reason'} and
    all(len(i[k]) == 64 for i in j[1]['items'] for k in ('old_build_id', 'new_build_id')) and
    j[1]['items'][0]['old_build_id'] != j[1]['items'][0]['new_build_id'] and
    'new_build_id' not in j[3]['items'][0] and j[3]['items'][0]['kind'] == 'dataset'" >"$TMP/schema"
is "$(cat "$TMP/schema")" True "the --json schema: id, times, command, state, items with kind and build ids"

run qtm "$R" history
is "$status:$(grep -c . "$TMP/out")" "0:4" "history (text) prints one line per transaction"
grep -Eq '^ +3 +[0-9-]+ [0-9:]+ +done +1 +qtm .*upgrade a$' "$TMP/out"; ok $? "with id, time, state, item count and command"
run qtm "$R" history info 3
ok $status "history info 3"
grep -Eq '^ +upgrade +a +1\.0\.0 -> 2\.0\.0$' "$TMP/out"; ok $? "shows the item: upgrade a 1.0.0 -> 2.0.0"
run qtm "$R" --json history info 3
is "$(json_get "$TMP/out" "(j['id'], j['state'], len(j['items']), j['items'][0]['action'])")" "(3, 'done', 1, 'upgrade')" \
	"history info --json: the one transaction"

# ---- dry runs -----------------------------------------------------------------------------------
before=$(installed)
run qtm "$R" history -s undo 4
is "$status:$(awk '{print $1 " " $2 " " $3}' "$TMP/out")" "0:Inst b 1.0.0" "history -s undo 4 prints the plan"
run qtm "$R" history rollback 1 -s
is "$status:$(awk '{print $1 " " $2 " " $3}' "$TMP/out")" "0:Inst a 1.0.0" "history rollback 1 -s too (option after the operands)"
is "$(installed):$(last_id)" "$before:4" "the dry runs changed nothing and recorded no transaction"

# ---- undo ---------------------------------------------------------------------------------------
run qtm "$R" -y history undo 4
is "$status:$(installed)" "0:a:2.0.0:manual b:1.0.0:auto data-x:1.0.0:auto" \
	"undo of the remove (5) installs b again, with its earlier reason (auto)"
is "$(hist "(j[0]['id'], j[0]['state'], items(j[0]))")" "(5, 'done', 'install:b::1.0.0:auto')" \
	"recorded as transaction 5, whose item has the reason b was given back (auto)"
run qtm "$R" -y history undo 3
is "$status:$(installed)" "0:a:1.0.0:manual b:1.0.0:auto data-x:1.0.0:auto" "undo of the upgrade (6) returns a to 1.0.0"
is "$(hist "items(j[0])")" "downgrade:a:2.0.0:1.0.0:manual" "recorded as a downgrade 2.0.0 -> 1.0.0"
[ -z "$(ls -d "$store"/a/2.0.0-* 2>/dev/null)" ] && [ -d "$(echo "$store"/a/1.0.0-*)" ]; ok $? "only a 1.0.0 is in the store"
run qtm "$R" verify
is "$status" 0 "verify is clean"

# ---- rollback -----------------------------------------------------------------------------------
run qtm "$R" -y upgrade a
run qtm "$R" -y install c
is "$(installed)" "a:2.0.0:manual b:1.0.0:auto c:1.0.0:manual data-x:1.0.0:auto" "(7: upgrade a again, 8: install c)"
run qtm "$R" -y history rollback 1
ok $status "history rollback 1 (9)"
is "$(installed)" "$after1" "returns to exactly the state after transaction 1 ($after1)"
is "$(ls "$store" | tr '\n' ' ')" "a data-x " "the store holds just those"
[ -d "$(echo "$store"/a/1.0.0-*)" ]; ok $? "a 1.0.0 among them"
run qtm "$R" verify
is "$status" 0 "verify is clean"
is "$(hist "sorted(items(j[0]).split())")" "['downgrade:a:2.0.0:1.0.0:manual', 'remove:b:1.0.0::auto', 'remove:c:1.0.0::manual']" \
	"the rollback removed b and c and downgraded a to 1.0.0"
run qtm "$R" -y history rollback 9
is "$status:$(last_id)" "0:9" "rolling back to the newest transaction has nothing to do"

# ---- undo of an install -------------------------------------------------------------------------
run qtm "$R" -y install top
is "$(hist "(j[0]['id'], items(j[0]))")" "(10, 'install:data-m::1.0.0:auto install:mid::1.0.0:auto install:top::1.0.0:manual')" \
	"(10: install top pulls mid and data-m)"
run qtm "$R" -y history undo 10
is "$status:$(installed)" "0:$after1" "undo of the install removes what it installed"
is "$(hist "items(j[0])")" "remove:top:1.0.0::manual remove:mid:1.0.0::auto remove:data-m:1.0.0::auto" \
	"dependants first: top, mid, data-m"
[ ! -e "$store/top" ] && [ ! -e "$store/mid" ] && [ ! -e "$store/data-m" ]; ok $? "their store directories are gone"

# ---- bad transaction numbers --------------------------------------------------------------------
n=$(last_id)
fails_with 4 'no transaction 99 \(see: qtm history\)' "history info 99: no such transaction (exit 4)" -- qtm "$R" history info 99
fails_with 4 'no transaction 99' "history undo 99 (exit 4)" -- qtm "$R" -y history undo 99
fails_with 4 'no transaction 99' "history rollback 99 (exit 4)" -- qtm "$R" -y history rollback 99
fails_with 2 'needs a transaction number' "history undo without a number is a usage error (exit 2)" -- qtm "$R" -y history undo
fails_with 2 'needs a transaction number' "so is a number that is not one (abc, 0, -1)" -- qtm "$R" history info abc
run qtm "$R" history info 0
s0=$status
run qtm "$R" -y history undo -- -1
is "$s0:$status" "2:2" "0 and -1 are refused as usage errors"
fails_with 2 'unknown subcommand "redo"' "an unknown subcommand is a usage error" -- qtm "$R" history redo 1
is "$(installed):$(last_id)" "$after1:$n" "none of them changed anything or recorded a transaction"

# ---- a failed transaction -----------------------------------------------------------------------
fails_with 7 "trainer gave up|exit" "install bad: the trainer exits 1 (exit 7)" -- qtm "$R" -y install bad
is "$(hist "(j[0]['id'], j[0]['state'])")" "($((n + 1)), 'failed')" "the transaction is recorded as failed"
msg=$(hist "j[0].get('message', '')")
case $msg in *bad*) ok 0 "with the error message ($msg)" ;; *) echo "# message: '$msg'"; ok 1 "with the error message" ;; esac
is "$(hist "items(j[0])")" "install:data-f::1.0.0:auto" "its finished step (data-f, installed before the failure) is listed"
is "$(installed)" "a:1.0.0:manual data-f:1.0.0:auto data-x:1.0.0:auto" "and kept installed; bad is not"
run qtm "$R" history info "$((n + 1))"
grep -q "failed" "$TMP/out" && grep -qF "$msg" "$TMP/out" && grep -Eq '^ +install +data-f +1\.0\.0$' "$TMP/out"
ok $? "history info shows the state, the message and the item"

done_testing
