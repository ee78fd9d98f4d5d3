#!/bin/sh
# dataset-urls.sh - where a signed index may point a dataset's files: an http(s) source only at
# http(s) URLs (no file://, no relative "../" out of the repository), a file:// source also at
# file:// URLs, but only under its own directory; other schemes never.  Each refused URL names
# the file, the source and the URL, and nothing is installed.  In every case the bytes read
# would match the signed sha256: only the URL rule stops them.
. "$(dirname "$0")/lib.sh"
plan 16

make_module "$TMP/mods/data-a" data-a dataset
build_repo "$TMP/www/repo" "$TMP/mods"
data=$TMP/www/repo/datasets/data-a/1.0.0/data.txt
mkdir -p "$TMP/www/outside" "$TMP/elsewhere"
cp "$data" "$TMP/www/outside/data.txt"
cp "$data" "$TMP/elsewhere/data.txt"
cp -R "$TMP/www/repo" "$TMP/pristine"

# set_url URL: the index of $TMP/www/repo names URL for data-a's file (signed again).
set_url() {
	rm -rf "$TMP/www/repo" && cp -R "$TMP/pristine" "$TMP/www/repo" &&
	edit_index "$TMP/www/repo" '
for p in index["packages"]:
    for f in p.get("files", []):
        f["url"] = args[0]' "$1"
}

port=$(free_port)
/usr/bin/python3 -m http.server --bind 127.0.0.1 "$port" --directory "$TMP/www" >"$TMP/http.log" 2>&1 &
BG_PIDS="${BG_PIDS:-} $!"
i=0
until curl -fsS -o /dev/null "http://127.0.0.1:$port/repo/release.json" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -ge 300 ]; then echo "Bail out! the HTTP server did not start: $(cat "$TMP/http.log")"; exit 1; fi
	sleep 0.1
done
WEB=http://127.0.0.1:$port/repo

# refused N SOURCE-URL URL WHY DESCRIPTION
refused() {
	set_url "$3"
	R=$TMP/root-$1
	use_source "$R" t "$2"
	fails_with 1 "data-a/data\.txt: the source .* may not name the dataset URL .*: $4" "$5" -- qtm "$R" -y install data-a
	not_installed "$R" data-a "  and data-a is not installed"
}

refused 1 "$WEB/" "file://$TMP/elsewhere/data.txt" "a file:// URL is allowed only in a file:// source" \
	"an http source naming a file:// URL is refused"
refused 2 "$WEB/" "../outside/data.txt" "a relative URL must stay inside the source" \
	"an http source naming a relative ../ URL is refused"
refused 3 "$WEB/" "ftp://127.0.0.1/data.txt" "only http://, https:// and file:// URLs are allowed" \
	"an ftp:// URL is refused"
refused 4 "$TMP/www/repo" "file://$TMP/elsewhere/data.txt" "a file:// URL must name a file under the source's own directory" \
	"a file source naming a file:// URL outside its directory is refused"
refused 5 "$TMP/www/repo" "file://$TMP/www/repo/../outside/data.txt" "a file:// URL must name a file under the source's own directory" \
	"a file source naming a file:// URL that climbs out with .. is refused"
refused 6 "$TMP/www/repo" "datasets/%2e%2e/%2e%2e/%2e%2e/outside/data.txt" "a relative URL must stay inside the source" \
	"a file source naming a percent-encoded ../ URL is refused"

# What stays allowed.
set_url "file://$TMP/www/repo/datasets/data-a/1.0.0/data.txt"
R=$TMP/root-ok1
use_source "$R" t "$TMP/www/repo"
run qtm "$R" -y install data-a
ok $status "a file source may name a file:// URL under its own directory"
set_url "http://127.0.0.1:$port/outside/data.txt"
R=$TMP/root-ok2
use_source "$R" t "$WEB/"
run qtm "$R" -y install data-a
ok $status "an http source may name an absolute http:// URL"
set_url "datasets/data-a/1.0.0/data.txt"
R=$TMP/root-ok3
use_source "$R" t "$WEB/"
run qtm "$R" -y install data-a
ok $status "and a relative URL inside the repository"
run qtm "$R" -y remove data-a
set_url "file://$TMP/elsewhere/data.txt"
run qtm "$R" update
fails_with 1 "may not name the dataset URL" "the refusal holds when the file is in the download cache already" -- \
	qtm "$R" -y install data-a

done_testing
