#!/bin/sh
# policy.sh - several sources with priorities: the highest priority offering a package wins,
# then the newest version; pins (pins.d/*.pin) keep out the versions and sources they do not
# allow; qtm policy shows the pin, the candidates and the choice, in apt's version table.
. "$(dirname "$0")/lib.sh"
plan 43

# table: the version table of qtm policy's text output in $TMP/out, one word per version:
# VERSION (* when installed) and its source lines as [=>]PRIORITY:SOURCE or "installed".
table() {
	awk '/^  Version table:$/ { t = 1; next }
	     !t { next }
	     /^ \*\*\* [^ ]/ || /^     [^ ]/ { if (n++) printf "] "; printf "%s%s[", $NF, $1 == "***" ? "*" : ""; k = 0; next }
	     /^    / { printf "%s", k++ ? "," : ""
	             if ($1 == "=>") printf "=>%s:%s", $2, $3; else if ($1 == "(installed)") printf "installed"; else printf "%s:%s", $1, $2
	             next }
	     { t = 0 }
	     END { if (n) print "]" }' "$TMP/out"
}

# version_module DIR NAME VERSION: make_module of a model at another version than 1.0.0.
version_module() {
	make_module "$1" "$2" model
	sed -i "s/\"version\":\"1.0.0\"/\"version\":\"$3\"/" "$1/module.json"
}
# two_sources ROOT LOW HIGH: sources LOW (default priority) and HIGH (priority 900), from
# $TMP/repo-LOW and $TMP/repo-HIGH, updated.
two_sources() {
	run qtm "$1" source add --key "$(test_key).pub" "$2" "$TMP/repo-$2" &&
		run qtm "$1" source add --key "$(test_key).pub" --priority 900 "$3" "$TMP/repo-$3" &&
		run qtm "$1" update
}

version_module "$TMP/new/model-a" model-a 2.0.0
version_module "$TMP/old/model-a" model-a 1.5.0
build_repo "$TMP/repo-new" "$TMP/new"
build_repo "$TMP/repo-old" "$TMP/old"

R=$TMP/root
two_sources "$R" new old
ok $status "two sources, one with priority 900"
run qtm "$R" --json source list
is "$(json_get "$TMP/out" "sorted((s['name'], s['priority']) for s in j)")" "[('new', 500), ('old', 900)]" \
	"source list shows their priorities"

run qtm "$R" --json policy model-a
is "$(json_get "$TMP/out" "[(c['version'], c['source']) for c in j['candidates'] if c['candidate']]")" \
	"[('1.5.0', 'old')]" "policy: the higher priority source wins over a newer version"
run qtm "$R" policy model-a
is "$(table)" "2.0.0[500:new] 1.5.0[=>900:old]" "and says so in text"
run qtm "$R" --json install -s model-a
is "$(json_get "$TMP/out" "[(s['version'], s['source']) for s in j['steps']]")" "[('1.5.0', 'old')]" \
	"install takes the policy's candidate"

run qtm "$R" source remove old
run qtm "$R" source add --key "$(test_key).pub" old "$TMP/repo-old"
run qtm "$R" update
run qtm "$R" --json policy model-a
is "$(json_get "$TMP/out" "[(c['version'], c['source']) for c in j['candidates'] if c['candidate']]")" \
	"[('2.0.0', 'new')]" "with equal priorities the newest version wins"
fails_with 4 'unknown package "nothing"' "policy of an unknown package fails (exit 4)" -- qtm "$R" policy nothing

# ---- pins ----------------------------------------------------------------------------------
PINS=$R/etc/qtm/pins.d
mkdir -p "$PINS"
printf '# keep model-a at 1.x\npackage = model-a\nversion = 1.*\n' >"$PINS/model-a.pin"
run qtm "$R" --json policy model-a
is "$(json_get "$TMP/out" "([(c['version'], c['source']) for c in j['candidates'] if c['candidate']], j['pin']['line'], j['pin']['version'], j['pin']['source'])")" \
	"([('1.5.0', 'old')], 2, '1.*', None)" "policy --json: a version pin makes the older version the candidate, and shows the pin"
is "$(json_get "$TMP/out" "[(c['version'], c['excluded_because']) for c in j['candidates'] if c['excluded']]")" \
	"[('2.0.0', 'version does not match 1.*')]" "policy --json says why the newer version is excluded"
run qtm "$R" policy model-a
grep -q "^  Pinned to version 1\.\* by .*/pins.d/model-a.pin:2$" "$TMP/out" &&
	grep -q "^        500 new  excluded by the pin: version does not match 1\.\*$" "$TMP/out" &&
	[ "$(table)" = "2.0.0[500:new] 1.5.0[=>500:old]" ] && grep -q "of the versions the pin at .* allows" "$TMP/out"
ok $? "policy in text shows the pin, the excluded version and the choice"
run qtm "$R" --json install -s model-a
is "$(json_get "$TMP/out" "[(s['version'], s['source']) for s in j['steps']]")" "[('1.5.0', 'old')]" \
	"install takes the pinned version"

printf 'package = model-a\nsource = old\n' >"$PINS/model-a.pin"
run qtm "$R" --json policy model-a
is "$(json_get "$TMP/out" "([(c['version'], c['source']) for c in j['candidates'] if c['candidate']], [c['excluded_because'] for c in j['candidates'] if c['excluded']])")" \
	"([('1.5.0', 'old')], ['not from source old'])" "a source pin wins over a newer version elsewhere"

printf 'package = model-a\nversion = 3.*\n' >"$PINS/model-a.pin"
fails_with 4 "cannot install model-a: the pin at .*/pins.d/model-a.pin:1 \(version 3\.\*\) matches no available version \(available: 2\.0\.0 \(new\), 1\.5\.0 \(old\)\)" \
	"a pin that matches no version: install fails naming the pin (exit 4)" -- qtm "$R" install -s model-a
fails_with 4 "the pin at .*model-a.pin:1 .* excludes every version that matches it" \
	"NAME=VERSION outside the pin fails naming the pin (exit 4)" -- qtm "$R" install -s model-a=2.0.0
run qtm "$R" --json policy model-a
is "$(json_get "$TMP/out" "([c for c in j['candidates'] if c['candidate']], 'allows no available version' in j['why'])")" \
	"([], True)" "policy: no candidate, and says the pin allows none"

printf 'version = 1.*\n' >"$PINS/model-a.pin"
fails_with 1 'model-a.pin:1: "version" before any "package = NAME" line' \
	"a malformed pin file: error names the file and line" -- qtm "$R" install -s model-a
printf '\npackage = model-a\ncolour = blue\n' >"$PINS/model-a.pin"
fails_with 1 'model-a.pin:3: unknown key "colour"' "an unknown key in a pin file names the line" -- qtm "$R" policy model-a
printf 'package = model-a\n' >"$PINS/model-a.pin"
fails_with 1 'model-a.pin:1: the pin of model-a sets neither "version" nor "source"' \
	"a pin without version or source is an error" -- qtm "$R" list --available
printf 'package = model-a\nversion = 1.*\n' >"$PINS/a.pin"
printf 'package = model-a\nsource = new\n' >"$PINS/b.pin"
rm "$PINS/model-a.pin"
fails_with 1 'b.pin:1: model-a is already pinned at .*/a.pin:1' "the same package pinned twice is an error" -- qtm "$R" policy model-a
rm "$PINS/b.pin"

run qtm "$R" -y install model-a
ok $status "install under a version pin"
is "$(installed_names "$R")" "model-a" "model-a installed"
run qtm "$R" --json list --installed
is "$(json_get "$TMP/out" "[p['version'] for p in j]")" "['1.5.0']" "at the pinned version"
run qtm "$R" --json upgrade -s
is "$(json_get "$TMP/out" "len(j['steps'])"):$(grep -c "model-a 2.0.0 is available but the pin at .*/a.pin:1 (version 1\.\*) keeps it out" "$TMP/err")" \
	"0:1" "upgrade stays within the pin and says what it keeps out"
rm "$PINS/a.pin"
run qtm "$R" --json upgrade -s
is "$(json_get "$TMP/out" "[(s['name'], s['version']) for s in j['steps'] if s['action'] == 'install']")" \
	"[('model-a', '2.0.0')]" "without the pin upgrade takes the newest version"

# ---- the version table: several versions in two sources, pins, installed versions ----------------
for v in 1.0.0 1.1.0 2.0.0; do version_module "$TMP/lo/p-$v" p "$v"; done
for v in 1.1.0 1.5.0; do version_module "$TMP/hi/p-$v" p "$v"; done
build_repo "$TMP/repo-lo" "$TMP/lo"
build_repo "$TMP/repo-hi" "$TMP/hi"
T=$TMP/table
two_sources "$T" lo hi
versions_json() {
	json_get "$TMP/out" "' '.join(v['version'] + ('*' if v['installed'] else '') + ('!' if v['candidate'] else '') + '[' + ','.join('%s%d:%s' % ('=>' if s['candidate'] else '', s['priority'], s['source']) for s in v['sources']) + ']' for v in j['versions']) + ' installed=' + ','.join(j['installed']) + ' candidate=' + ('%(version)s:%(source)s:%(priority)d' % j['candidate'] if j['candidate'] else '-')"
}
run qtm "$T" --json policy p
is "$status:$(versions_json)" \
	"0:2.0.0[500:lo] 1.5.0![=>900:hi] 1.1.0[900:hi,500:lo] 1.0.0[500:lo] installed= candidate=1.5.0:hi:900" \
	"policy --json: every version with the sources carrying it and their priorities, the higher priority source's newest is the candidate"
run qtm "$T" policy p
is "$(sed -n 1,4p "$TMP/out" | tr '\n' '|'):$(table)" \
	"p:|  Installed: (none)|  Candidate: 1.5.0|  Version table:|:2.0.0[500:lo] 1.5.0[=>900:hi] 1.1.0[900:hi,500:lo] 1.0.0[500:lo]" \
	"policy in text: apt's header (installed, candidate) and version table"
run qtm "$T" --json install -s p
is "$(json_get "$TMP/out" "[(s['version'], s['source']) for s in j['steps']]")" "[('1.5.0', 'hi')]" \
	"install takes that candidate"

mkdir -p "$T/etc/qtm/pins.d"
printf 'package = p\nversion = 1.1.*\n' >"$T/etc/qtm/pins.d/p.pin"
run qtm "$T" --json policy p
is "$(versions_json)" "2.0.0[500:lo] 1.5.0[900:hi] 1.1.0![=>900:hi,500:lo] 1.0.0[500:lo] installed= candidate=1.1.0:hi:900" \
	"a pin to an older version: the candidate follows the pin, from the source of higher priority"
run qtm "$T" --json install -s p
is "$(json_get "$TMP/out" "[(s['version'], s['source']) for s in j['steps']]")" "[('1.1.0', 'hi')]" \
	"and install takes it"
printf 'package = p\nversion = 1.0.0\n' >"$T/etc/qtm/pins.d/p.pin"
run qtm "$T" policy p
is "$(sed -n 3p "$TMP/out"):$(table)" \
	"  Candidate: 1.0.0:2.0.0[500:lo] 1.5.0[900:hi] 1.1.0[900:hi,500:lo] 1.0.0[=>500:lo]" \
	"a pin to the oldest version, in text"
run qtm "$T" -y install p
ok $status "install p under the pin"
rm "$T/etc/qtm/pins.d/p.pin"

# policy_p JSON TEXT DESC-JSON DESC-TEXT: qtm policy p, as versions_json and as its text's
# Installed and Candidate lines (joined by |) and table.
policy_p() {
	run qtm "$T" --json policy p
	is "$(versions_json)" "$1" "$3"
	run qtm "$T" policy p
	is "$(sed -n 2,3p "$TMP/out" | tr '\n' '|'):$(table)" "$2" "$4"
}
policy_p "2.0.0[500:lo] 1.5.0![=>900:hi] 1.1.0[900:hi,500:lo] 1.0.0*[500:lo] installed=1.0.0 candidate=1.5.0:hi:900" \
	"  Installed: 1.0.0|  Candidate: 1.5.0|:2.0.0[500:lo] 1.5.0[=>900:hi] 1.1.0[900:hi,500:lo] 1.0.0*[500:lo,installed]" \
	"an installed older version: marked installed, the newer candidate stays" \
	"in text: *** marks the installed version, which also lists its installed package"
grep -q "^The installed version 1.0.0 is older than the candidate: qtm upgrade p takes 1.5.0.$" "$TMP/out"
ok $? "and says which upgrade takes the candidate"
run qtm "$T" --json upgrade -s p
is "$(json_get "$TMP/out" "[(s['version'], s['source']) for s in j['steps'] if s['action'] == 'install']")" "[('1.5.0', 'hi')]" \
	"upgrade takes the candidate"

run qtm "$T" -y install --keep p=1.1.0
ok $status "install p=1.1.0 beside 1.0.0"
policy_p "2.0.0[500:lo] 1.5.0![=>900:hi] 1.1.0*[900:hi,500:lo] 1.0.0*[500:lo] installed=1.1.0,1.0.0 candidate=1.5.0:hi:900" \
	"  Installed: 1.1.0, 1.0.0|  Candidate: 1.5.0|:2.0.0[500:lo] 1.5.0[=>900:hi] 1.1.0*[900:hi,500:lo,installed] 1.0.0*[500:lo,installed]" \
	"side by side: both installed versions are marked" "and in text"
run qtm "$T" source remove lo
run qtm "$T" policy p
is "$(table)" "1.5.0[=>900:hi] 1.1.0*[900:hi,installed] 1.0.0*[installed]" \
	"an installed version no source offers any more is listed without a source"

# Split (format 2) sources, whose older versions an install loads only when needed: a pin that
# keeps out the newest version of the source of higher priority leaves its older version to win
# over the other source's newest, in the policy and in the install alike.
version_module "$TMP/shi/p-2.5.0" p 2.5.0
version_module "$TMP/shi/p-1.2.0" p 1.2.0
version_module "$TMP/slo/p-1.9.0" p 1.9.0
for s in slo shi; do
	build_repo "$TMP/repo-$s" "$TMP/$s" && /usr/bin/python3 "$top_srcdir/tests/bench/split-index.py" "$TMP/repo-$s" 4 >/dev/null &&
		resign "$TMP/repo-$s" || { echo "Bail out! split $s"; exit 1; }
done
S=$TMP/split
two_sources "$S" slo shi
mkdir -p "$S/etc/qtm/pins.d"
printf 'package = p\nversion = 1.*\n' >"$S/etc/qtm/pins.d/p.pin"
run qtm "$S" --json policy p
is "$status:$(json_get "$TMP/out" "'%(version)s:%(source)s' % j['candidate']")" "0:1.2.0:shi" \
	"split sources under a pin: the candidate is the older version of the source of higher priority"
run qtm "$S" --json install -s p
is "$(json_get "$TMP/out" "[(s['version'], s['source']) for s in j['steps']]")" "[('1.2.0', 'shi')]" \
	"and install takes it, not the other source's newest"
rm "$S/etc/qtm/pins.d/p.pin"
run qtm "$S" --json install -s 'p<2.0'
is "$(json_get "$TMP/out" "[(s['version'], s['source']) for s in j['steps']]")" "[('1.2.0', 'shi')]" \
	"split sources, a version constraint: the older version of the source of higher priority wins too"

run qtm "$T" --json policy nothing
is "$status:$(wc -c <"$TMP/out"):$(cat "$TMP/err")" '4:0:qtm: error: unknown package "nothing" (see: qtm list)' \
	"policy --json of an unknown name: the error on stderr, nothing on stdout, exit 4"

done_testing
