#!/bin/sh
# sandbox-unprivileged.sh - runs the sandbox unit tests (tests/unit/test-sandbox) again as
# uid/gid 65534, where the sandbox must use a user namespace and rlimits.  Prints TAP.
#
# The binary is copied to a fresh directory under /tmp first: uid 65534 cannot read a build tree
# below /root.  Set TEST_SANDBOX to the binary's path to override the lookup below.
set -u

here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP not root: cannot switch to uid 65534"
	exit 0
fi
if ! command -v setpriv >/dev/null 2>&1; then
	echo "1..0 # SKIP setpriv missing"
	exit 0
fi

bin=${TEST_SANDBOX:-}
if [ -z "$bin" ]; then
	for candidate in "${top_builddir:-.}/tests/unit/test-sandbox" "$here/../unit/test-sandbox"; do
		if [ -f "$candidate" ] && [ -x "$candidate" ]; then
			bin=$candidate
			break
		fi
	done
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
	echo "Bail out! tests/unit/test-sandbox not found (build it, or set TEST_SANDBOX)"
	exit 1
fi

tmp=$(mktemp -d /tmp/qtm-sandbox-unpriv.XXXXXX) || {
	echo "Bail out! cannot create a directory under /tmp"
	exit 1
}
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
chmod 755 "$tmp"
cp "$bin" "$tmp/test-sandbox" && chmod 755 "$tmp/test-sandbox" || {
	echo "Bail out! cannot copy $bin to $tmp"
	exit 1
}

cd "$tmp" || exit 1
HOME=/tmp setpriv --reuid=65534 --regid=65534 --clear-groups -- \
	"$tmp/test-sandbox" --tap --require-unprivileged
status=$?
cd / || true
exit $status
