#!/bin/sh
# bench-sandbox.sh [RUNS] - builds tests/bench/bench-sandbox.c against libqtm.a in a scratch
# directory and runs it: /bin/true RUNS times (default 20) through qtm_sandbox_run (without and
# with cgroup limits) and through bwrap, interleaved; prints medians and the ratio to bwrap.
#
#   tests/bench/bench-sandbox.sh 20
#
# Environment: top_builddir (default: build/dev of this tree), CC (default cc),
# BWRAP (default /usr/bin/bwrap).  Needs root, or unprivileged user namespaces, for the sandbox;
# exits 77 when a sandbox cannot start.  Timings only: nothing here fails on a time.
set -eu
export LC_ALL=C

RUNS=${1:-20}
. "$(dirname "$0")/lib.sh"
: "${CC:=cc}"
: "${BWRAP:=/usr/bin/bwrap}"

bench_need " / BWRAP" "$top_builddir/config.h" "$top_builddir/src/libqtm/libqtm.a" "$BWRAP"

S=$(mktemp -d "${TMPDIR:-/tmp}/qtm-bench-sandbox.XXXXXX")
trap 'rm -rf "$S"' EXIT
# A private copy of the library, so that a rebuild running meanwhile cannot break the link.
cp "$top_builddir/src/libqtm/libqtm.a" "$S/libqtm.a"
$CC -O2 -g -I"$top_srcdir" -I"$top_builddir" -iquote "$top_srcdir/src/libqtm" \
	-o "$S/bench-sandbox" "$here/bench-sandbox.c" "$S/libqtm.a" \
	-lsolv -lsolvext -lcurl -lcrypto -larchive -lcjson -lsqlite3 -lseccomp

echo "# qtm sandbox benchmark: $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), kernel $(uname -r), $(id -un), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $("$BWRAP" --version 2>/dev/null || echo bwrap)"
cd "$S"
./bench-sandbox "$RUNS" "$BWRAP"
