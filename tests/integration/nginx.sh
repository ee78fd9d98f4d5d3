#!/bin/sh
# nginx.sh - a signed repository hosted by a real nginx on loopback (any static web server
# will do, as qtm-repo(1) says): update and install from it, resume with Range requests.
. "$(dirname "$0")/lib.sh"

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$NGINX" ]; then
	echo "1..0 # SKIP nginx is not installed (.ci/deps installs it)"
	exit 0
fi
plan 6

make_module "$TMP/mods/data-a" data-a dataset
make_module "$TMP/mods/model-a" model-a model ',"requires":["data-a >= 1.0"]'
build_repo "$TMP/www/repo" "$TMP/mods"
chmod -R a+rX "$TMP/www"
port=$(free_port)
mkdir -p "$TMP/nginx"
cat >"$TMP/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
events { worker_connections 64; }
http {
	types { application/json json sig; application/gzip gz; application/zstd zst; text/plain txt; }
	default_type application/octet-stream;
	access_log $TMP/nginx/access.log;
	client_body_temp_path $TMP/nginx/body;
	proxy_temp_path $TMP/nginx/proxy;
	fastcgi_temp_path $TMP/nginx/fastcgi;
	uwsgi_temp_path $TMP/nginx/uwsgi;
	scgi_temp_path $TMP/nginx/scgi;
	server {
		listen 127.0.0.1:$port;
		root $TMP/www;
	}
}
CONF
"$NGINX" -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" 2>"$TMP/nginx/start.log" &
BG_PIDS="${BG_PIDS:-} $!"
i=0
until curl -fs -o /dev/null "http://127.0.0.1:$port/repo/release.json"; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "Bail out! nginx did not start: $(cat "$TMP/nginx/start.log" "$TMP/nginx/error.log" 2>/dev/null)"; exit 1; }
	sleep 0.05
done

R=$TMP/root
run qtm "$R" source add --key "$(test_key).pub" web "http://127.0.0.1:$port/repo/"
run qtm "$R" update
ok $status "qtm update from nginx: signed release and index verified"
run qtm "$R" -y install model-a
ok $status "qtm install from nginx: dataset and module source fetched, trained, installed"
is "$(installed_names "$R")" "data-a model-a" "both are installed"
grep -q 'GET /repo/release.json.sig' "$TMP/nginx/access.log"; ok $? "the signature was fetched from nginx"

# Resume against nginx: a partial download continues with a Range request.
R2=$TMP/root2
use_source "$R2" web2 "http://127.0.0.1:$port/repo/"
part=$R2/var/cache/qtm/datasets/data-a/1.0.0/data.txt.part
mkdir -p "$(dirname "$part")"
head -c 5 "$TMP/www/repo/datasets/data-a/1.0.0/data.txt" >"$part"
run qtm "$R2" -y install model-a
ok $status "an install with a partial download already there completes"
tail -n 5 "$TMP/nginx/access.log" | grep -q '" 206 '; ok $? "nginx answered the Range request with 206"

done_testing
