#!/bin/sh
# bad-request.sh - requests qtm cannot carry out: unknown modules (with suggestions), versions
# no source has, a runtime this system lacks, usage errors; and -s, which only shows the plan.
. "$(dirname "$0")/lib.sh"
plan 27

# The bundled repository: gis-lidar and its dataset.
R=$TMP/root
fails_with 4 'unknown module "gis-lidr".*did you mean: .*gis-lidar' \
	"a misspelt module is unknown (exit 4) and the close name is suggested" -- qtm "$R" -y install gis-lidr
fails_with 4 'unknown module "lidar".*gis-lidar' \
	"a part of a name suggests the module containing it" -- qtm "$R" -y install lidar
fails_with 4 'unknown module "zzz": no source offers it.*qtm update' \
	"a name like nothing offered says no source offers it and what to run" -- qtm "$R" -y install zzz
fails_with 4 'gis-lidar' "an unavailable version of a known module is unsatisfiable (exit 4) and names it" -- \
	qtm "$R" -y install gis-lidar=9.9
grep -q '9\.9' "$TMP/err"; ok $? "and the version asked for"
fails_with 2 'name at least one module' "install without a name is a usage error (exit 2)" -- qtm "$R" -y install
grep -q 'usage: qtm install' "$TMP/err"; ok $? "and prints the usage"
fails_with 2 'unknown option' "an unknown install option is a usage error (exit 2)" -- qtm "$R" -y install --bogus gis-lidar

run qtm "$R" install -s gis-lidar
ok $status "install -s (dry run) succeeds"
grep -Eq '^Inst +dataset-cgal-b9 .*\[dependency\]' "$TMP/out" && grep -Eq '^Inst +gis-lidar .*\[requested\]' "$TMP/out"
ok $? "the dry run prints the plan: the dependency and the requested model"
run qtm "$R" --json install -s gis-lidar
ok $status "--json install -s succeeds"
is "$(json_get "$TMP/out" "str(j['dry_run']) + ' ' + ' '.join(s['action'] + ':' + s['name'] + ':' + s['reason'] for s in j['steps'])")" \
	"True install:dataset-cgal-b9:auto install:gis-lidar:manual" "it prints the plan as JSON"
is "$(installed_names "$R")" "" "the dry runs installed nothing"
[ ! -e "$R/var/lib/qtm/store" ] || [ -z "$(ls -A "$R/var/lib/qtm/store")" ]; ok $? "and the store is empty"
[ ! -d "$R/var/lib/qtm/logs" ] || [ -z "$(ls -A "$R/var/lib/qtm/logs")" ]; ok $? "and nothing was trained"

# A repository of our own: a requirement on a version that does not exist, and a runtime this
# system does not have.
mkdir -p "$TMP/mods"
make_module "$TMP/mods/data-a" data-a dataset
make_module "$TMP/mods/needs-new" needs-new model ',"requires":["data-a >= 2.0"]'
make_module "$TMP/mods/needs-torch" needs-torch model ',"requires":["runtime(python3-torch) >= 1.0"]'
make_module "$TMP/mods/anet" anet model
make_module "$TMP/mods/net" net model
make_module "$TMP/mods/netx" netx model
build_repo "$TMP/repo" "$TMP/mods"
R=$TMP/root2
use_source "$R" test "$TMP/repo"

fails_with 4 'needs-new.*requires data-a >= 2\.0, which no source provides' \
	"a model requiring a version no source has is unsatisfiable (exit 4), in words" -- qtm "$R" -y install needs-new
not_installed "$R" data-a "its dependency was not installed either"
fails_with 4 'data-a.*2\.0' "installing data-a=2.0 when only 1.0.0 exists fails (exit 4) naming it" -- \
	qtm "$R" -y install data-a=2.0

if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	for i in 1 2 3; do ok 0 "# SKIP python3-torch is installed here"; done
else
	fails_with 4 'needs runtime\(python3-torch\) >= 1\.0, which this system lacks' \
		"a model needing a missing runtime is unsatisfiable (exit 4) and names the capability" -- \
		qtm "$R" -y install needs-torch
	grep -q 'install the Debian package python3-torch (apt-get install python3-torch)' "$TMP/err"
	ok $? "and the Debian package that provides it"
	not_installed "$R" needs-torch "nothing was installed"
fi
run qtm "$R" --json check-deps
grep -q 'python3-torch' "$TMP/out"; ok $? "check-deps names python3-torch too"

fails_with 4 'unknown module "ne" \(did you mean: .*anet' "suggestions list the names containing the request" -- \
	qtm "$R" -y install ne
# "net" is a substring of the already suggested "anet": it must still be offered.
grep -Eq 'did you mean: ([a-z-]+, )*net(,|\?)' "$TMP/err"; ok $? "every close name is suggested, net included"
fails_with 4 'unknown module "nett" \(did you mean: net, netx\?\)' "a typo of net suggests net and netx" -- \
	qtm "$R" -y install nett
fails_with 4 'unknown module "runtime\(python3\)"' "a runtime capability cannot be installed as a module" -- \
	qtm "$R" -y install 'runtime(python3)'

is "$(installed_names "$R")" "" "none of the failed requests installed anything"

done_testing
