#!/bin/sh
# unprivileged.sh - qtm install as an ordinary user (uid 65534): the sandbox falls back to a
# user namespace and rlimits, and the trained bytes are the same as root's.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null 2>&1; then
	echo "1..0 # SKIP needs root (to switch to uid 65534) and setpriv"
	exit 0
fi
plan 5

# uid 65534 may not reach the build tree (a clone under /root): give it copies.
U=$TMP/user
mkdir -p "$U/bin" && cp "$QTM" "$U/bin/qtm" && cp -R "$QTM_BUNDLED_REPO" "$U/repo" && cp "$QTM_BUNDLED_REPO.pub" "$U/repo.pub" &&
	chmod -R a+rX "$U" && chmod 777 "$U" || { echo "Bail out! cannot copy qtm to $U"; exit 1; }
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$U" QTM_BUNDLED_REPO="$U/repo" "$@"
}

run as_nobody "$U/bin/qtm" --root "$U/root" -y install gis-lidar
ok $status "an unprivileged user installs gis-lidar"
grep -q "limits: rlimit" "$TMP/err"; ok $? "limits fall back to rlimits, and the log says so"
run as_nobody "$U/bin/qtm" --root "$U/root" --json info gis-lidar
ubid=$(json_get "$TMP/out" "j['installed']['build_id']")
ustore=$(json_get "$TMP/out" "j['installed']['path']")

R=$TMP/root
run qtm "$R" -y install gis-lidar
ok $status "root installs gis-lidar"
run qtm "$R" --json info gis-lidar
is "$(json_get "$TMP/out" "j['installed']['build_id']")" "$ubid" "both compute the same build id"
rstore=$(json_get "$TMP/out" "j['installed']['path']")
is "$(cd "$ustore" && sha256sum model.npz metrics.json)" "$(cd "$rstore" && sha256sum model.npz metrics.json)" \
	"both trainings produce the same bytes"

done_testing
