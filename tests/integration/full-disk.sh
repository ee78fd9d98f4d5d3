#!/bin/sh
# full-disk.sh - a qtm root on a tiny file system: the install fails naming the full disk,
# nothing is left half-installed, and the same install succeeds once there is room.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root to mount a small tmpfs"
	exit 0
fi
SMALL=$TMP/small
mkdir -p "$SMALL"
if ! mount -t tmpfs -o size=4m tmpfs "$SMALL" 2>/dev/null; then
	echo "1..0 # SKIP cannot mount a tmpfs here"
	exit 0
fi
trap 'umount "$SMALL" 2>/dev/null; cleanup' EXIT
plan 8

# The downloads fit; then the disk fills up, and the training and the store have no room.
run qtm "$SMALL/r" -y install --download-only gis-lidar
/usr/bin/python3 -c "import os, sys; st = os.statvfs(sys.argv[1]); open(sys.argv[1] + '/filler', 'wb').write(b'x' * max(0, st.f_bavail * st.f_frsize - 98304))" "$SMALL" 2>/dev/null
fails_with 1 "No space left on device|disk is full" "the install fails naming the full disk" -- \
	qtm "$SMALL/r" -y install gis-lidar
run qtm "$SMALL/r" --json list --installed
is "$(json_get "$TMP/out" "[p['name'] for p in j if p['name'] == 'gis-lidar']")" "[]" \
	"the model is not recorded as installed (its dataset, complete, may be)"
is "$(ls -A "$SMALL/r/var/lib/qtm/store" | grep -v '^dataset-cgal-b9$')" "" \
	"no staging or model directory is left in the store"

# Smaller still: the download itself cannot be written.
umount "$SMALL" && mount -t tmpfs -o size=400k tmpfs "$SMALL"
fails_with 1 "cannot write .*No space left on device" "a download onto a full disk names the file and the cause" -- \
	qtm "$SMALL/r" -y install gis-lidar
ls "$SMALL/r/var/cache/qtm/datasets/dataset-cgal-b9/1.0.0/"*.part >/dev/null 2>&1
ok $((! $?)) "the partial download is not kept"

# Room again: the same root completes.
umount "$SMALL" && mount -t tmpfs -o size=64m tmpfs "$SMALL"
run qtm "$SMALL/r" -y install gis-lidar
ok $status "with room, the install completes"
run qtm "$SMALL/r" --json list --installed
is "$(json_get "$TMP/out" "len(j)")" 2 "both packages are installed"
run qtm "$SMALL/r" --json info gis-lidar
[ -f "$(json_get "$TMP/out" "j['installed']['path']")/model.npz" ]; ok $? "the model is in the store"

done_testing
