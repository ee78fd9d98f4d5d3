#!/bin/sh
# attacks.sh - runs every tests/attacks/*.attack case: a real signed repository served over
# HTTP on loopback by qtm-repo serve, tampered with as the case says; qtm must refuse with the
# exit status and message the case expects, install nothing, and keep its last good metadata.
. "$(dirname "$0")/lib.sh"

cases=$(ls "$top_srcdir"/tests/attacks/*.attack | LC_ALL=C sort)
plan $(($(echo "$cases" | wc -l) * 2))

make_module "$TMP/mods/data-a" data-a dataset
make_module "$TMP/mods/model-a" model-a model ',"requires":["data-a >= 1.0"]'
KEY=$(test_key)
"$QTM_REPO_TOOL" keygen "$TMP/other" >/dev/null && "$QTM_REPO_TOOL" keygen "$TMP/second" >/dev/null ||
	{ echo "Bail out! keygen failed"; exit 1; }

field() { sed -n "s/^$1: *//p" "$2" | head -1; }

# start_server DIR: serves DIR with qtm-repo serve on a free port; sets $port and $srv_pid.
start_server() {
	rm -f "$TMP/port"
	"$QTM_REPO_TOOL" serve --listen 127.0.0.1:0 --port-file "$TMP/port" "$1" 2>"$TMP/serve.log" &
	srv_pid=$!
	BG_PIDS="${BG_PIDS:-} $srv_pid"
	i=0
	until [ -s "$TMP/port" ]; do
		i=$((i + 1)); [ $i -lt 100 ] || { echo "Bail out! qtm-repo serve did not start"; exit 1; }
		sleep 0.05
	done
	port=$(cat "$TMP/port")
}

# endless_server PATH PORT DIR: a server on PORT that streams endless bytes for PATH.
endless_server() {
	/usr/bin/python3 - "$1" "$2" "$3" <<'PY' &
import functools, http.server, sys
path, port, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path.lstrip("/") != path:
            return super().do_GET()
        self.send_response(200); self.end_headers()
        try:
            while True: self.wfile.write(b"\0" * 65536)
        except OSError: pass
http.server.ThreadingHTTPServer.allow_reuse_address = True
http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(H, directory=root)).serve_forever()
PY
	srv_pid=$!
	BG_PIDS="${BG_PIDS:-} $srv_pid"
	until curl -s -o /dev/null "http://127.0.0.1:$2/"; do sleep 0.05; done
}

# publish N [DIR]: the owner builds and signs release N into the served directory (or DIR).
# Each release changes the model's summary, so that every release has an index of its own.
publish() {
	sed -i "s/\"summary\":\"[^\"]*\"/\"summary\":\"test model, release $1\"/" "$TMP/mods/model-a/module.json"
	"$QTM_REPO_TOOL" build --name test --release "$1" --key "$KEY.key" -o "$TMP/build-$1" "$TMP/mods" \
		>/dev/null 2>"$TMP/build.log" || { echo "Bail out! build: $(cat "$TMP/build.log")"; exit 1; }
	[ "$threshold" -lt 2 ] || "$QTM_REPO_TOOL" sign --key "$TMP/second.key" "$TMP/build-$1" >/dev/null
	dest=${2:-$SRV}
	# The contents change, not the directory: the server keeps the directory open.
	mkdir -p "$dest" && rm -rf "$dest"/* && cp -R "$TMP/build-$1"/. "$dest"/
	last=$1
}

# piece DIR: the path, relative to DIR, of the first newest piece of DIR's release (the only one
# of these repositories of two names: one bucket).
piece() { json_get "$1/release.json" "'index/%s.json.gz' % j['index']['newest'][0]['sha256']"; }

op() {
	set -- $1
	verb=$1
	shift
	case $verb in
	publish) publish "$@" ;;
	threshold) threshold=$1 ;;
	unsign) rm -f "$SRV/release.json.sig" ;;
	sign) "$QTM_REPO_TOOL" sign --key "$( [ "$1" = trusted ] && echo "$KEY" || echo "$TMP/$1").key" "$SRV" >/dev/null ;;
	corrupt-sig) /usr/bin/python3 -c "import sys; p = sys.argv[1]; s = open(p).read(); i = s.index('\"sig\"') + 12; open(p, 'w').write(s[:i] + ('A' if s[i] != 'A' else 'B') + s[i + 1:])" "$SRV/release.json.sig" ;;
	edit-release) /usr/bin/python3 -c "import json, sys; p = sys.argv[1]; r = json.load(open(p)); $*; json.dump(r, open(p, 'w'))" "$SRV/release.json" ;;
	edit-index) p=$(piece "$SRV") && gzip -dc "$SRV/$p" | /usr/bin/python3 -c "import json, sys; j = json.load(sys.stdin); $*; print(json.dumps(j))" | gzip -n >"$TMP/idx" && mv "$TMP/idx" "$SRV/$p" ;;
	old-index) old=$TMP/build-1; [ -d "$old" ] || old=$(ls -d "$TMP"/build-* | head -1)
		cp "$old/$(piece "$old")" "$SRV/$(piece "$SRV")" ;;
	stale-piece) cp "$TMP/build-$((last - 1))/$(piece "$TMP/build-$((last - 1))")" "$SRV/$(piece "$SRV")" ;;
	foreign-piece) sed "s/\"summary\":\"[^\"]*\"/\"summary\":\"another repository\"/" "$TMP/mods/model-a/module.json" >"$TMP/foreign.json" &&
		rm -rf "$TMP/foreign-mods" && cp -R "$TMP/mods" "$TMP/foreign-mods" && cp "$TMP/foreign.json" "$TMP/foreign-mods/model-a/module.json" &&
		"$QTM_REPO_TOOL" build --name other -o "$TMP/foreign" "$TMP/foreign-mods" >/dev/null 2>&1 &&
		cp "$TMP/foreign/$(piece "$TMP/foreign")" "$SRV/$(piece "$SRV")" ;;
	drop-piece) rm "$SRV/$(piece "$SRV")" ;;
	grow-piece) p=$(piece "$SRV") && head -c 4096 /dev/urandom >>"$SRV/$p" ;;
	tamper-file) /usr/bin/python3 -c "import sys; p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[len(b) // 2] ^= 1; open(p, 'wb').write(b)" "$SRV/$1" ;;
	endless) p=$1; [ "$p" != piece ] || p=$(piece "$SRV")
		kill "$srv_pid"; wait "$srv_pid" 2>/dev/null; endless_server "$p" "$port" "$SRV" ;;
	mirror-stale) publish $((last - 1)) && publish $((last + 2)) "$MIRROR" ;;
	*) echo "Bail out! unknown operation $verb"; exit 1 ;;
	esac
}

# run_ops "OP; OP; ...": in this shell (not a pipeline's subshell), so that state they change
# (the server's pid, the last release) stays visible.
run_ops() {
	echo "$1" | tr ';' '\n' >"$TMP/ops"
	while read -r o; do [ -z "$o" ] || op "$o"; done <"$TMP/ops"
}

for c in $cases; do
	name=$(basename "$c" .attack)
	SRV=$TMP/$name/srv MIRROR=$TMP/$name/mirror R=$TMP/$name/root threshold=1 last=0
	mkdir -p "$TMP/$name"
	rm -rf "$TMP"/build-*
	setup=$(field setup "$c")
	case $setup in threshold*) threshold=2; setup=${setup#threshold 2}; setup=${setup#;} ;; esac
	case $setup in *publish*) ;; *) setup="publish 1;$setup" ;; esac
	run_ops "$setup"
	[ -d "$MIRROR" ] || cp -R "$SRV" "$MIRROR"
	start_server "$MIRROR"; mirror_port=$port mirror_pid=$srv_pid
	start_server "$SRV"
	keys="--key $KEY.pub"
	[ "$threshold" -lt 2 ] || keys="$keys --key $TMP/second.pub --threshold 2"
	"$QTM" --root "$R" source add $keys --mirror "http://127.0.0.1:$mirror_port/" web "http://127.0.0.1:$port/" \
		>/dev/null 2>&1 && "$QTM" --root "$R" update >/dev/null 2>"$TMP/err" ||
		{ echo "Bail out! $name: the honest update failed: $(cat "$TMP/err")"; exit 1; }
	# The attack: after the first good update, the mirror is taken away unless the case uses it.
	case $(field tamper "$c") in *mirror-stale*) ;; *) rm -rf "$MIRROR"/* ;; esac
	run_ops "$(field tamper "$c")"
	fails_with "$(field exit "$c")" "$(field expect "$c")" "$name: $(field description "$c")" -- \
		sh -c "exec \"\$0\" --root \"\$1\" $(field command "$c")" "$QTM" "$R"
	if [ "$(field exit "$c")" = 0 ]; then
		run qtm "$R" --json list --available
		is "$(json_get "$TMP/out" "len(j)")" 2 "$name: the good metadata from the mirror is in use"
	else
		run qtm "$R" --json list --installed
		is "$(json_get "$TMP/out" "len([p for p in j if p['name'] == 'model-a'])")" 0 "$name: the model was not installed"
	fi
	kill "$srv_pid" "$mirror_pid" 2>/dev/null
done

done_testing
