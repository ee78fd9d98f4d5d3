#!/bin/sh
# architecture.sh - the dependency rules of doc/ARCHITECTURE.md: libqtm includes no libhive
# header and links without libhive; libhive includes no header of its runner part; no front end
# includes libsolv; no include circle among the files of one library; qtm-hived links no
# sandbox or trainer code.  Needs only the source tree and the built binaries.
. "$(dirname "$0")/lib.sh"
plan 11

S=$top_srcdir/src
HIVED=$top_builddir/src/qtm-hived/qtm-hived

# Files outside libqtm that still include <solv/...>: reported, not failed, until the front ends
# ask libqtm instead.  Empty it as they go; an entry that no longer includes libsolv is reported.
SOLV_INCLUDE_ALLOWLIST=""

# Include circles known today, one per line (the members of each, sorted, space-separated):
# reported, not failed.  A circle not listed fails.
KNOWN_INCLUDE_CIRCLES=""

# quoted_includes FILE: the names FILE includes with "...".
quoted_includes() {
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1"
}

# includes_from DIR HEADER-DIR: "FILE HEADER" for each file of DIR that includes a header of
# HEADER-DIR.
includes_from() {
	for f in "$1"/*.[ch]; do
		for h in $(quoted_includes "$f"); do
			[ -e "$2/$h" ] && echo "${f#"$top_srcdir"/} includes $h"
		done
	done
}

bad=$(includes_from "$S/libqtm" "$S/libhive"; includes_from "$S/libqtm" "$S/libhive/runner")
is "$bad" "" "no src/libqtm file includes a libhive header"
bad=$(includes_from "$S/libhive" "$S/libhive/runner")
is "$bad" "" "no file of libhive proper includes a header of its runner part (src/libhive/runner)"

# libqtm.a links without libhive: no symbol it needs is one only libhive defines.
QTM_A=$top_builddir/src/libqtm/libqtm.a HIVE_A=$top_builddir/src/libhive/libhive.a
RUNNER_A=$top_builddir/src/libhive/runner/libhive-runner.a
defined() { nm -g --defined-only "$@" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u; }
nm -u "$QTM_A" | awk '{ print $NF }' | sort -u >"$TMP/qtm-undef"
defined "$QTM_A" >"$TMP/qtm-def"
defined "$HIVE_A" "$RUNNER_A" >"$TMP/hive-def"
bad=$(comm -23 "$TMP/qtm-undef" "$TMP/qtm-def" | comm -12 - "$TMP/hive-def" | tr '\n' ' ')
is "$bad" "" "libqtm.a needs no symbol that libhive defines"

# <solv/...> outside libqtm.
offenders=$(cd "$top_srcdir" && grep -l '^[[:space:]]*#[[:space:]]*include[[:space:]]*<solv/' \
	$(find src -name '*.[ch]' ! -path 'src/libqtm/*' | LC_ALL=C sort))
new=
for f in $offenders; do
	case " $(echo $SOLV_INCLUDE_ALLOWLIST) " in
	*" $f "*) echo "# allowed for now (SOLV_INCLUDE_ALLOWLIST): $f includes libsolv" ;;
	*) new="$new $f" ;;
	esac
done
for f in $SOLV_INCLUDE_ALLOWLIST; do
	case " $(echo $offenders) " in
	*" $f "*) ;;
	*) echo "# $f no longer includes libsolv: take it off SOLV_INCLUDE_ALLOWLIST" ;;
	esac
done
is "${new# }" "" "no file under src/ outside libqtm includes a <solv/...> header (but those allowed)"

# Not only the includes: no front-end object references a libsolv symbol (nm -u).
solv_so=$(ldd "$top_builddir/src/qtm/qtm" | awk '$1 ~ /^libsolv\.so/ { print $3 }')
nm -D --defined-only "$solv_so" 2>/dev/null | awk 'NF == 3 { sub(/@.*/, "", $3); print $3 }' | sort -u >"$TMP/solv-def"
bad=
for o in $(find "$top_builddir/src" -name '*.o' ! -path '*/src/libqtm/*' | LC_ALL=C sort); do
	hits=$(nm -u "$o" | awk '{ print $NF }' | sort -u | comm -12 - "$TMP/solv-def" | tr '\n' ' ')
	[ -z "$hits" ] || bad="$bad ${o#$top_builddir/}: $hits"
done
[ -s "$TMP/solv-def" ] && [ -z "$bad" ]
st=$?; [ $st -eq 0 ] || echo "# libsolv ($solv_so):$bad"
ok $st "no object outside libqtm references a libsolv symbol (nm -u)"
# The public headers of libqtm include no libsolv header: only the internal ones (*-internal.h).
bad=$(cd "$S/libqtm" && grep -l '^[[:space:]]*#[[:space:]]*include[[:space:]]*<solv/' *.h | grep -v -- '-internal\.h$' | tr '\n' ' ')
is "$bad" "" "no public libqtm header includes a libsolv header"

# Include circles: a module is a NAME.c with its NAME.h; a header without a .c of its own (an
# internal header) belongs to whoever includes it, so its includes count as theirs.  A circle
# is a strongly connected set of two or more modules.
/usr/bin/python3 - "$S" >"$TMP/circles" <<'PY'
import os, re, sys

def circles(d):
    files = [f for f in os.listdir(d) if f.endswith(('.c', '.h'))]
    incl = {f: [h for h in re.findall(r'^\s*#\s*include\s*"([^"]+)"', open(os.path.join(d, f)).read(), re.M)
                if os.path.exists(os.path.join(d, h))] for f in files}
    mod = lambda f: f.rsplit('.', 1)[0]
    modules = {mod(f) for f in files if f.endswith('.c')}
    edges = {m: set() for m in modules}

    def reach(f, seen):
        for h in incl.get(f, []):
            if mod(h) in modules:
                yield mod(h)
            elif h not in seen:
                seen.add(h)
                yield from reach(h, seen)

    for f in files:
        if mod(f) in modules:
            edges[mod(f)].update(t for t in reach(f, {f}) if t != mod(f))
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(' '.join(sorted(comp)))
    for v in sorted(modules):
        if v not in index:
            visit(v)
    return out

src = sys.argv[1]
for lib in ('libqtm', 'libhive', 'libhive/runner'):
    for c in sorted(circles(os.path.join(src, lib))):
        print('%s: %s' % (lib, c))
PY
ok $? "the include graphs are read"
printf '%s\n' "$KNOWN_INCLUDE_CIRCLES" | sed '/^$/d' >"$TMP/known"
new=$(grep -vxF -f "$TMP/known" "$TMP/circles")
grep -xF -f "$TMP/known" "$TMP/circles" | sed 's/^/# known include circle (KNOWN_INCLUDE_CIRCLES): /'
is "$new" "" "no include circle among the files of one library (but those known)"

# The daemon runs no training: the sandbox and the trainer are not linked into it.
[ -x "$HIVED" ]; ok $? "qtm-hived is built"
bad=$(nm "$HIVED" | awk '$3 ~ /^qtm_(sandbox|train)_/ { print $3 }' | tr '\n' ' ')
is "$bad" "" "nm qtm-hived shows no qtm_sandbox_* or qtm_train_* symbol"
bad=$(nm "$HIVED" | awk '$3 ~ /^qtm_hive_(job_execute|runner_run|capability_detect)$/ { print $3 }' | tr '\n' ' ')
is "$bad" "" "nor the runner side (job execution, the runner loop, capability probing)"

done_testing
