#!/bin/sh
# world-size.sh - data-parallel training on this machine (issue 19, item 2): the PyTorch fixture
# of tests/integration/ddp trained by 2 ranks in one sandbox.  Both complete; their parameter
# checksums agree after every epoch (the gradients were all-reduced), and differ with the
# all-reduce switched off (each rank trains its own shard alone); the test MSE is within 0.05
# of a world_size=1 training of the same global batch; the world size enters the build id.
# Bad input installs nothing and names the cause: a world size above max_world_size, 0 or not
# a number, above the usable cores, on a module of a fixed world size; a rank that crashes
# (the others are stopped, the error names the rank and the log); a rank that hangs (every
# rank is killed at the module's time limit).
. "$(dirname "$0")/lib.sh"

if ! /usr/bin/python3 -c 'import torch.distributed' 2>/dev/null; then
	echo "1..0 # SKIP python3 cannot import torch"
	exit 0
fi
plan 32

M=$TMP/mods
make_ddp_module "$M/ddp" ddp
make_ddp_module "$M/ddp-one" ddp-one
sed -i 's/"world_size":2,"max_world_size":2/"world_size":1,"max_world_size":1/' "$M/ddp-one/module.json"
make_ddp_module "$M/ddp-wide" ddp-wide
sed -i 's/"max_world_size":2/"max_world_size":4096/' "$M/ddp-wide/module.json"
make_ddp_module "$M/ddp-short" ddp-short
sed -i 's/"time_limit_s":300/"time_limit_s":60/' "$M/ddp-short/module.json"
build_repo "$TMP/repo" "$M"

# root NAME: a fresh root using the test repository; prints its path.
root() {
	use_source "$TMP/$1" t "$TMP/repo"
	echo "$TMP/$1"
}

# info_get ROOT NAME EXPR: EXPR over `qtm --json info NAME` in ROOT (j), or nothing.
info_get() {
	"$QTM" --root "$1" --json info "$2" >"$TMP/info.json" 2>/dev/null && json_get "$TMP/info.json" "$3"
}

# train_log ROOT NAME: the log of NAME's installed build.
train_log() {
	_id=$(info_get "$1" "$2" "j['installed']['build_id'][:12]")
	echo "$1/var/lib/qtm/logs/$2-1.0.0-$_id.log"
}

# checksums LOG RANK: "E HEX" for each epoch line of RANK in LOG.
checksums() {
	sed -n "s/^! rank $2: epoch \([0-9]*\) checksum \([0-9a-f]*\)$/\1 \2/p" "$1"
}

# error_log: the log named by "(log: PATH)" in the last command's stderr.
error_log() {
	sed -n 's/.*(log: \([^)]*\)).*/\1/p' "$TMP/err" | head -1
}

# ---- world_size 2 (the manifest's default), the control and world_size 1 -----------------
R2=$(root two)
run qtm "$R2" -y install ddp
ok $status "ddp installs with its default world size 2"
[ $status -eq 0 ] || sed 's/^/#   /' "$TMP/err" | tail -5
log2=$(train_log "$R2" ddp)
is "$(checksums "$log2" 0 | wc -l)" 5 "rank 0 logs a checksum after each of the 5 epochs"
is "$(checksums "$log2" 1 | wc -l)" 5 "rank 1 logs a checksum after each of the 5 epochs"
is "$(checksums "$log2" 0)" "$(checksums "$log2" 1)" "the ranks' parameter checksums agree after every epoch"
is "$(info_get "$R2" ddp "j['installed']['params']['world_size']")" 2 "the effective world size 2 is in the installed params"
store=$(info_get "$R2" ddp "j['installed']['path']")
is "$(cd "$store" 2>/dev/null && ls | sort | tr '\n' ' ')" "metrics.json model.pt " "the artifact holds rank 0's outputs only"
is "$(json_get "$store/metrics.json" "j['world_size']")" 2 "rank 0 trained with WORLD_SIZE 2"
grep -q '^! rank 1: ' "$log2"
ok $? "rank 1's lines are in the log, prefixed \"rank 1: \""

Rc=$(root control)
run qtm "$Rc" -y install --param sync_gradients=false ddp
ok $status "the control (sync_gradients=false) installs"
logc=$(train_log "$Rc" ddp)
c0=$(checksums "$logc" 0 | head -1) c1=$(checksums "$logc" 1 | head -1)
[ -n "$c0" ] && [ -n "$c1" ] && [ "$c0" != "$c1" ]
ok $? "without the all-reduce the ranks' checksums differ after epoch 1 ($c0 / $c1)"

R1=$(root one)
run qtm "$R1" -y install --param world_size=1 ddp
ok $status "ddp installs with --param world_size=1"
log1=$(train_log "$R1" ddp)
grep -q 'rank [0-9]*: ' "$log1"
ok $((!$?)) "a world size of 1 runs one process (no rank prefixes in its log)"
grep -c '^! epoch [0-9]* checksum ' "$log1" | grep -qx 5
ok $? "the single process logs its 5 epochs"
id1=$(info_get "$R1" ddp "j['installed']['build_id']")
id2=$(info_get "$R2" ddp "j['installed']['build_id']")
[ -n "$id1" ] && [ -n "$id2" ] && [ "$id1" != "$id2" ]
ok $? "world sizes 1 and 2 give two build ids (${id1:-none} / ${id2:-none})"
mse1=$(info_get "$R1" ddp "j['installed']['metrics']['test_mse']")
mse2=$(info_get "$R2" ddp "j['installed']['metrics']['test_mse']")
echo "# test MSE: world size 1 ${mse1:-none}, world size 2 ${mse2:-none}"
/usr/bin/python3 -c 'import sys; sys.exit(abs(float(sys.argv[1]) - float(sys.argv[2])) > 0.05)' "${mse1:-x}" "${mse2:-y}" 2>/dev/null
ok $? "the world size 2 test MSE is within 0.05 of world size 1's"

# ---- bad input: nothing installed, the cause named ----------------------------------------
Rb=$(root bad)
fails_with 1 'parameter "world_size" must be a whole number from 1 to 2 \(resources.max_world_size\)' \
	"--param world_size=3 above max_world_size 2 is refused" -- qtm "$Rb" -y install --param world_size=3 ddp
fails_with 1 'parameter "world_size" must be a whole number from 1 to 2' \
	"--param world_size=0 is refused" -- qtm "$Rb" -y install --param world_size=0 ddp
fails_with 1 'parameter "world_size" must be a whole number from 1 to 2' \
	"--param world_size=abc is refused" -- qtm "$Rb" -y install --param world_size=abc ddp
fails_with 1 'parameter "world_size" must be a whole number from 1 to 2' \
	"--param world_size=1.5 is refused" -- qtm "$Rb" -y install --param world_size=1.5 ddp
fails_with 1 'ddp-one does not support data-parallel training: its world size is fixed at 1' \
	"--param world_size on a module of max_world_size 1 is refused, naming it" -- \
	qtm "$Rb" -y install --param world_size=2 ddp-one
wide=$(($(nproc) + 1))
fails_with 1 "training ddp-wide: a world size of $wide exceeds the [0-9]+ (cores of this machine|ranks one sandbox can run)" \
	"a world size above the usable cores ($wide) is refused before training" -- \
	qtm "$Rb" -y install --param world_size=$wide ddp-wide
if command -v taskset >/dev/null 2>&1; then
	fails_with 1 'training ddp: a world size of 2 exceeds the 1 cores of this machine' \
		"on one usable core (taskset -c 0) world size 2 is refused" -- taskset -c 0 "$QTM" --root "$Rb" -y install ddp
else
	ok 0 "# SKIP taskset missing"
fi
not_installed "$Rb" ddp "no bad world size installed ddp"
not_installed "$Rb" ddp-wide "nor ddp-wide"

# ---- a rank that crashes, a rank that hangs ---------------------------------------------
fails_with 7 'training ddp: rank 1 failed with exit status 3, the other ranks were stopped: rank 1 crashes on purpose' \
	"rank 1 exiting 3 fails the install, naming the rank and its last line" -- \
	qtm "$Rb" -y install --param crash_rank=1 ddp
elog=$(error_log)
[ -n "$elog" ] && grep -q '^! rank 1: rank 1 crashes on purpose after epoch 1' "$elog"
ok $? "the error names the log, which has the crashed rank's lines (${elog:-none})"
grep -q '^# qtm: limits: .*exit 3' "$elog" 2>/dev/null
ok $? "the sandbox exits with the crashed rank's status"
not_installed "$Rb" ddp "a crashed rank installs nothing"

fails_with 7 'training ddp-short exceeded its time limit of 60 s and all 2 ranks were killed' \
	"rank 1 hanging: every rank is killed at the time limit and the install fails" -- \
	qtm "$Rb" -y install --param hang_rank=1 ddp-short
elog=$(error_log)
[ -n "$elog" ] && grep -q '^! rank 1: rank 1 hangs on purpose after epoch 1' "$elog"
ok $? "the log shows rank 1 hung after epoch 1 (${elog:-none})"
not_installed "$Rb" ddp-short "a hung rank installs nothing"
"$QTM" --root "$Rb" --json status >"$TMP/status.json" 2>/dev/null
is "$(json_get "$TMP/status.json" "' '.join(t['state'] for t in j['trainings'] if t['name'] == 'ddp-short')")" failed \
	"qtm status records the hung training as failed, none left running"

done_testing
