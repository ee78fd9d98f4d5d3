#!/usr/bin/python3
"""httpd.py - a small HTTP/1.1 file server for the download tests.

Serves --root on 127.0.0.1 (port chosen by the system, written to --port-file), honours
"Range: bytes=A-" and "bytes=A-B" (206 with Content-Range, 416 past the end), and logs one JSON
line per request to --log: {"path", "range", "status", "sent", "start", "end"}.

Misbehaviour comes from --control FILE, a JSON object or a list of them, read again on every
request; the first object whose "match" (a substring, default "") is in the request path applies:
  "fail": K       answer HTTP 500 to the first K matching requests (counted again from zero
                  whenever the control file's content changes)
  "status": S     answer HTTP S (e.g. 404) to every matching request
  "drop_at": N    send the headers for the whole answer, then close the connection when the
                  file offset reaches N (requests starting at or past N are served in full)
  "slow": BPS     send at about BPS bytes per second
  "norange": true ignore Range headers (always 200 and the whole file)
  "stall": S      send the headers, then nothing for S seconds (a stalled server)
"""
import argparse
import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

LOCK = threading.Lock()
COUNTS = {}           # (control text, rule index) -> requests answered with 500 so far
ARGS = None


def control():
    """The control file's rules (a list) and its text."""
    if not ARGS.control or not os.path.exists(ARGS.control):
        return [], ""
    with open(ARGS.control, encoding="utf-8") as f:
        text = f.read()
    rules = json.loads(text) if text.strip() else []
    return (rules if isinstance(rules, list) else [rules]), text


def log(entry):
    with LOCK, open(ARGS.log, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # the JSON log is enough
        pass

    def rule(self, path):
        rules, text = control()
        for i, r in enumerate(rules):
            if r.get("match", "") in path:
                return r, (text, i)
        return {}, None

    def plain(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return len(body)

    def do_GET(self):
        start = time.time()
        path = unquote(urlsplit(self.path).path)
        rng = self.headers.get("Range")
        status, sent = self.answer(path, rng)
        log({"path": path, "range": rng, "status": status, "sent": sent, "start": start,
             "end": time.time()})

    def answer(self, path, rng):
        rule, key = self.rule(path)
        if "status" in rule:
            return rule["status"], self.plain(rule["status"], b"no\n")
        if rule.get("fail", 0) > 0:
            with LOCK:
                n = COUNTS.get(key, 0)
                COUNTS[key] = n + 1
            if n < rule["fail"]:
                return 500, self.plain(500, b"try later\n")
        local = os.path.join(ARGS.root, path.lstrip("/"))
        if ".." in path.split("/") or not os.path.isfile(local):
            return 404, self.plain(404, b"not found\n")
        with open(local, "rb") as f:
            data = f.read()
        first, last, status = 0, len(data) - 1, 200
        m = re.fullmatch(r"bytes=(\d+)-(\d*)", rng or "")
        if m and not rule.get("norange"):
            first = int(m.group(1))
            if m.group(2):
                last = min(int(m.group(2)), last)
            if first >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(data))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return 416, 0
            status = 206
        self.send_response(status)
        self.send_header("Content-Length", str(last + 1 - first))
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (first, last, len(data)))
        self.send_header("Accept-Ranges", "none" if rule.get("norange") else "bytes")
        self.end_headers()
        return status, self.body(data, first, last + 1, rule)

    def body(self, data, pos, end, rule):
        if rule.get("stall"):
            self.wfile.flush()
            time.sleep(rule["stall"])
        drop = rule.get("drop_at")
        stop = min(end, drop) if drop is not None and pos < drop else end
        bps = rule.get("slow")
        chunk = 4096 if bps else 65536
        sent = 0
        try:
            while pos < stop:
                n = min(chunk, stop - pos)
                self.wfile.write(data[pos:pos + n])
                self.wfile.flush()
                pos += n
                sent += n
                if bps and pos < stop:
                    time.sleep(n / bps)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return sent
        if stop < end:   # cut the connection in the middle of the body
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(2)
        return sent


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass   # a client that hangs up is no news here


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--control")
    ARGS = p.parse_args()
    server = Server(("127.0.0.1", 0), Handler)
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, ARGS.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
