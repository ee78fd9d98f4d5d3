#!/bin/sh
# bad-source.sh - sources over HTTP: one nobody answers at, a real server on the loopback (a
# model installs through it), a path the server does not have (HTTP 404), and the server gone
# in the middle of things.
. "$(dirname "$0")/lib.sh"
plan 17

mkdir -p "$TMP/mods"
make_module "$TMP/mods/data-a" data-a dataset
make_module "$TMP/mods/data-b" data-b dataset
make_module "$TMP/mods/model-a" model-a model ',"requires":["data-a"]'
build_repo "$TMP/repo" "$TMP/mods"

# Nobody listens on port 1.
R=$TMP/root-unreachable
run qtm "$R" source add far http://127.0.0.1:1/repo
ok $status "an http:// source is accepted"
fails_with 5 'far release: cannot fetch http://127\.0\.0\.1:1/repo/release\.json' \
	"update of an unreachable source fails (exit 5) naming the URL" -- qtm "$R" update
grep -q "FAILED" "$TMP/out"; ok $? "the per-source summary says it failed"
fails_with 5 'http://127\.0\.0\.1:1/repo/release\.json' \
	"install with the source unreachable fails the same way (exit 5)" -- qtm "$R" -y install data-a
is "$(installed_names "$R")" "" "nothing is installed"

# A web server on the loopback serving the repository.
port=$(free_port)
/usr/bin/python3 -m http.server --bind 127.0.0.1 "$port" --directory "$TMP/repo" >"$TMP/http.log" 2>&1 &
server=$!
BG_PIDS="${BG_PIDS:-} $server"
i=0
until curl -fsS -o /dev/null "http://127.0.0.1:$port/release.json" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -ge 100 ]; then echo "Bail out! the HTTP server did not start: $(cat "$TMP/http.log")"; exit 1; fi
	sleep 0.1
done

R=$TMP/root
run qtm "$R" source add --key "$(test_key).pub" web "http://127.0.0.1:$port/"
ok $status "the loopback server is added as a source"
run qtm "$R" update
ok $status "update over HTTP succeeds"
grep -Eq "web +release 1: 1 of 1 index pieces fetched and verified" "$TMP/out"; ok $? "and fetches and verifies the index"
run qtm "$R" -y install model-a
ok $status "a model and its dataset install over HTTP"
is "$(installed_names "$R")" "data-a model-a" "both are recorded"
grep -q "GET /datasets/data-a/1.0.0/data.txt" "$TMP/http.log" && grep -q "GET /pool/model-a_1.0.0.tar.zst" "$TMP/http.log"
ok $? "the dataset and the model source came from the server"

# A path the server does not have.
R2=$TMP/root-404
run qtm "$R2" source add --key "$(test_key).pub" missing "http://127.0.0.1:$port/no/such/repo"
fails_with 4 "missing release: cannot fetch http://127\.0\.0\.1:$port/no/such/repo/release\.json: the server answered HTTP 404" \
	"a source path the server does not have fails (exit 4) with HTTP 404 and the URL" -- qtm "$R2" update
# A file the index names that the server does not have.
mv "$TMP/repo/datasets/data-b/1.0.0/data.txt" "$TMP/data-b.txt"
fails_with 4 "data-b/data\.txt: cannot fetch http://127\.0\.0\.1:$port/datasets/data-b/1\.0\.0/data\.txt: the server answered HTTP 404" \
	"a dataset file missing on the server fails (exit 4) with HTTP 404 and its URL" -- qtm "$R" -y install data-b
not_installed "$R" data-b "it is not installed"
mv "$TMP/data-b.txt" "$TMP/repo/datasets/data-b/1.0.0/data.txt"

# The server goes away.
kill "$server"
wait "$server" 2>/dev/null
fails_with 5 "data-b/data\.txt: cannot fetch http://127\.0\.0\.1:$port/datasets/data-b/1\.0\.0/data\.txt" \
	"with the server gone, installing what was not fetched yet fails (exit 5) naming the URL" -- \
	qtm "$R" -y install data-b
not_installed "$R" data-b "it is not installed"
is "$(installed_names "$R")" "data-a model-a" "what was installed before is untouched"

done_testing
