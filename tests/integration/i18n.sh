#!/bin/sh
# i18n.sh - the translations: the catalogues are complete for the current sources, and qtm and
# hive-control speak Spanish with LANGUAGE=es and German with LANGUAGE=de (a usage error, an
# unknown package, --help, a dead hive).  The catalogues are compiled from po/*.po into the
# test's directory and found through QTM_LOCALEDIR.  C.UTF-8 is used as the locale: glibc
# honours LANGUAGE there (it does not in C/POSIX), and it exists on every Debian system.
. "$(dirname "$0")/lib.sh"
plan 20

HC=$top_builddir/src/hive-control/hive-control
PO=$top_srcdir/po
R=$TMP/root
export QTM_LOCALEDIR=$TMP/locale

for lang in es de; do
	mkdir -p "$QTM_LOCALEDIR/$lang/LC_MESSAGES"
	msgfmt -c -o "$QTM_LOCALEDIR/$lang/LC_MESSAGES/qtm.mo" "$PO/$lang.po" 2>"$TMP/msgfmt.log" ||
		{ echo "Bail out! msgfmt $lang.po: $(cat "$TMP/msgfmt.log")"; exit 1; }
done
locale -a 2>/dev/null | grep -Eqix 'c\.utf-?8' || { echo "Bail out! no C.UTF-8 locale"; exit 1; }

# The catalogues against a template made from today's sources: every msgid translated, none fuzzy.
(cd "$top_srcdir" && xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=ngettext:1,2 \
	-f po/POTFILES.in -o "$TMP/qtm.pot") 2>"$TMP/xgettext.log" ||
	{ echo "Bail out! xgettext: $(cat "$TMP/xgettext.log")"; exit 1; }
for lang in es de; do
	msgcmp "$PO/$lang.po" "$TMP/qtm.pot" >"$TMP/msgcmp.log" 2>&1
	st=$?
	[ $st -eq 0 ] || grep 'used but not defined' "$TMP/msgcmp.log" | head -10 | sed 's/^/# /'
	ok $st "po/$lang.po has every message of the sources"
	is "$(msgattrib --untranslated --no-obsolete "$PO/$lang.po" | grep -c '^msgid ') $(msgattrib --only-fuzzy --no-obsolete "$PO/$lang.po" | grep -c '^msgid ')" \
		"0 0" "po/$lang.po has no untranslated or fuzzy entry"
done
grep -qx es "$PO/LINGUAS"; ok $? "es is in po/LINGUAS"

# Every source file with a _() string is in POTFILES.in.
missing=$(cd "$top_srcdir" && grep -l -E '\b(N?_|ngettext)\(' src/*/*.c src/*/*/*.c | while read -r f; do
	grep -qx "$f" po/POTFILES.in || echo "$f"
done)
is "$missing" "" "every source file with translatable strings is in po/POTFILES.in"

# es SPANISH-REGEX DESCRIPTION -- CMD: the command in Spanish; the same regex must not match in C.
in_lang() {
	lang=$1 status_want=$2 pattern=$3 desc=$4
	shift 5
	LC_ALL=C.UTF-8 LANGUAGE=$lang "$@" >"$TMP/out" 2>"$TMP/err"
	status=$?
	if [ "$status" -eq "$status_want" ] && grep -Eq -- "$pattern" "$TMP/out" "$TMP/err"; then
		ok 0 "$desc"
	else
		echo "# exit $status (want $status_want); output:"
		cat "$TMP/out" "$TMP/err" | head -10 | sed 's/^/#   /'
		ok 1 "$desc"
	fi
}

in_lang es 2 '^uso: qtm ' "LANGUAGE=es: a usage error is in Spanish (exit 2)" -- "$QTM"
in_lang es 2 'qtm: orden desconocida "frobnicate"' "LANGUAGE=es: an unknown command is in Spanish" -- \
	"$QTM" --root "$R" frobnicate
in_lang es 4 'paquete desconocido "nosuch" \(véase: qtm list\)' "LANGUAGE=es: an unknown package is in Spanish (exit 4)" -- \
	"$QTM" --root "$R" info nosuch
in_lang es 4 'módulo desconocido "gis-lidr" \(¿quiso decir: .*gis-lidar' "LANGUAGE=es: a misspelt module gets a Spanish suggestion" -- \
	"$QTM" --root "$R" install gis-lidr
in_lang es 0 '^órdenes:$' "LANGUAGE=es: qtm --help is in Spanish" -- "$QTM" --help
grep -q 'resuelve, descarga, entrena e instala módulos' "$TMP/out"; ok $? "and the verbs are described in Spanish"
grep -q -- '--hive-only' "$TMP/out"; ok $? "while the option names stay as they are"

dead=$(free_port)
in_lang es 5 "colmena http://127.0.0.1:$dead: .*¿está en marcha qtm-hived\?" \
	"LANGUAGE=es: hive-control status against a dead hive is in Spanish (exit 5)" -- \
	"$HC" --hive "http://127.0.0.1:$dead" status
in_lang es 0 'Todas las órdenes admiten --json' "LANGUAGE=es: hive-control --help is in Spanish" -- "$HC" --help

in_lang de 4 'unbekanntes Paket »nosuch«' "LANGUAGE=de: an unknown package is in German" -- \
	"$QTM" --root "$R" info nosuch
in_lang de 0 '^Befehle:$|Module auflösen, herunterladen, trainieren und installieren' "LANGUAGE=de: qtm --help is in German" -- \
	"$QTM" --help
in_lang de 5 "Hive http://127.0.0.1:$dead: .*\\(läuft qtm-hived\\?\\)" "LANGUAGE=de: a dead hive is reported in German (exit 5)" -- \
	"$HC" --hive "http://127.0.0.1:$dead" status

# Without LANGUAGE (and in the C locale even with it) the messages stay in English.
LC_ALL=C.UTF-8 "$QTM" --root "$R" info nosuch 2>"$TMP/err"
grep -q 'unknown package "nosuch" (see: qtm list)' "$TMP/err"; ok $? "without LANGUAGE qtm speaks English"
LC_ALL=C LANGUAGE=es "$QTM" --root "$R" info nosuch 2>"$TMP/err"
grep -q 'unknown package "nosuch"' "$TMP/err"; ok $? "in the C locale LANGUAGE is ignored, as gettext documents"

done_testing
