#!/bin/sh
# manpages.sh - the man pages: every page in man/ formats without a single groff or man warning
# (laid out as make install lays them out, so that hive-control.1's .so resolves and
# `man hive-control` finds it), every qtm verb and hive-control command has its entry, every
# long option the programs parse is documented in their page, every environment variable the
# sources read is documented somewhere, and qtm's exit statuses are all listed.
. "$(dirname "$0")/lib.sh"

command -v man >/dev/null || { echo "Bail out! man (man-db) is needed"; exit 1; }
M=$top_srcdir/man
pages=$(cd "$M" && ls -- *.[1-8])
set -- $pages
plan $(($# + 9))

# The installed layout: MANDIR/manN/PAGE.
mkdir -p "$TMP/mandir"
for p in $pages; do
	s=${p##*.}
	mkdir -p "$TMP/mandir/man$s" && cp "$M/$p" "$TMP/mandir/man$s/" || { echo "Bail out! cp $p"; exit 1; }
done
export MANWIDTH=80 MANPAGER=cat PAGER=cat LC_ALL=C.UTF-8
unset LANGUAGE

for p in $pages; do
	(cd "$TMP/mandir" && man --warnings -l "man${p##*.}/$p" 2>"$TMP/warn" >"$TMP/page")
	st=$?
	[ -s "$TMP/warn" ] && { sed 's/^/#   /' "$TMP/warn" | head -10; st=1; }
	[ -s "$TMP/page" ] || st=1
	ok $st "man --warnings $p prints no warning"
done

man -M "$TMP/mandir" hive-control 2>"$TMP/err" | grep -q 'hive-control, qtm-hive'
ok $? "man hive-control finds the hive-control page"

# Every verb of qtm's command table (qtm --help lists it) has a subsection in qtm.1.
missing=
for v in $(NO_COLOR=1 "$QTM" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'); do
	grep -Eq "^\.SS \"?([^\"]*[ ,] )?$(printf '%s' "$v" | sed 's/-/\\\\-/g')( |\"|$)" "$M/qtm.1" || missing="$missing $v"
done
is "${missing:-none}" none "every qtm verb has its section in qtm.1"
[ "$(NO_COLOR=1 "$QTM" --help | grep -c '^  [a-z]')" -ge 20 ]; ok $? "(qtm --help listed the verbs)"

# Every hive-control command has its entry in qtm-hive.1.
missing=
for v in $(NO_COLOR=1 "$top_builddir/src/hive-control/hive-control" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'); do
	grep -Eq "^\.BR? \"?$v( |\"|$)" "$M/qtm-hive.1" || missing="$missing $v"
done
is "${missing:-none}" none "every hive-control command has its entry in qtm-hive.1"

# Every long option in the programs' option tables is in their page.
missing=
for pair in qtm:qtm.1 hive-control:qtm-hive.1 qtm-runner:qtm-runner.1 qtm-hived:qtm-hived.8 qtm-repo:qtm-repo.1; do
	dir=${pair%%:*} page=${pair#*:}
	for o in $(grep -ohE '\{ *"[a-z][a-z-]+", *(no|required|optional)_argument' "$top_srcdir/src/$dir"/*.c |
		sed -E 's/\{ *"([a-z-]+)".*/\1/' | sort -u); do
		grep -qF -- "\\-\\-$(printf '%s' "$o" | sed 's/-/\\-/g')" "$M/$page" || missing="$missing $page:--$o"
	done
done
is "${missing:-none}" none "every long option is documented in its program's page"

# Every environment variable the sources read (but HOME and PATH) is documented.
missing=
for v in $(grep -rhoE 'getenv\("[A-Z_]+"\)' "$top_srcdir/src" | sed -E 's/getenv\("([A-Z_]+)"\)/\1/' | sort -u); do
	case $v in HOME | PATH) continue ;; esac
	grep -Eq "^\.(B|BR|BI|IP) .*\b$v\b" "$M"/*.[1-8] || missing="$missing $v"
done
is "${missing:-none}" none "every environment variable read by the sources is documented"
grep -q 'QTM_LOCALEDIR' "$M/qtm.1"; ok $? "QTM_LOCALEDIR is in qtm(1) ENVIRONMENT"

# qtm's exit statuses (exit_status() in src/qtm/qtm.c) each have an entry in EXIT STATUS.
missing=
for n in $(sed -n '/^exit_status(/,/^}/p' "$top_srcdir/src/qtm/qtm.c" | grep -oE 'return [0-9]+;' | grep -oE '[0-9]+' | sort -un); do
	sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' "$M/qtm.1" | grep -Eq "^\.(B|TP|IP)? *\"?$n\"?( |$)|^$n\b" || missing="$missing $n"
done
is "${missing:-none}" none "every exit status of qtm is listed in qtm(1)"

# make install puts the pages (hive-control.1 with them) in dist_man_MANS (Makefile.am and the
# directories' Makefile.inc).
missing=
for p in $pages; do
	cat "$top_srcdir/Makefile.am" $(find "$top_srcdir/src" "$top_srcdir/tests" -name Makefile.inc) |
		grep -Eq "man/$p( |$)" || missing="$missing $p"
done
is "${missing:-none}" none "every page is in dist_man_MANS"
done_testing
