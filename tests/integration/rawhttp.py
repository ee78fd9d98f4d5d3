#!/usr/bin/python3
"""rawhttp.py - raw HTTP clients for http-limits.sh, for what curl will not send.

  rawhttp.py send PORT < REQUEST
      Sends the bytes of REQUEST (\\n is sent as \\r\\n) to 127.0.0.1:PORT and prints the status
      code of the reply, "closed" when the server closed without one, or "timeout" after 20 s.
  rawhttp.py hold PORT N PATH STATUS_FILE [body]
      Opens N connections from 127.0.0.1 that each send the start of a GET of PATH and then
      trickle one header byte every half second, never ending the headers (slowloris); with
      "body", the whole headers of a POST of PATH with a Content-Length of 1 MB, and then body
      bytes trickled the same way.  Rewrites STATUS_FILE with "ready OPEN" once connected, then
      "open OPEN" after every round; exits when none is left open (or after 300 s).
"""
import errno
import os
import select
import socket
import sys
import time


def send(port):
    data = sys.stdin.buffer.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    reply = b""
    try:
        s.sendall(data)
        while b"\r\n" not in reply:
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
    except socket.timeout:
        print("timeout")
        return
    except OSError:
        pass
    parts = reply.split(b" ", 2)
    print(parts[1].decode() if len(parts) > 1 and reply.startswith(b"HTTP/") else "closed")


def write_status(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text + "\n")
    os.replace(path + ".tmp", path)


def hold(port, n, path, status, body):
    socks = {}
    for _ in range(n):
        try:
            s = socket.socket()
        except OSError:  # out of descriptors: hold what we have
            break
        s.setblocking(False)
        s.bind(("127.0.0.1", 0))
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            continue
        socks[s.fileno()] = s
    # Wait (up to 30 s) for the connects; those that fail are dropped.
    pending = dict(socks)
    deadline = time.monotonic() + 30
    while pending and time.monotonic() < deadline:
        p = select.poll()
        for fd in pending:
            p.register(fd, select.POLLOUT)
        for fd, _ in p.poll(1000):
            s = pending.pop(fd)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                del socks[fd]
                s.close()
    for fd in list(socks):
        try:
            if body:
                start = "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n{" % path
            else:
                start = "GET %s HTTP/1.1\r\nHost: x\r\nX-Slow: " % path
            socks[fd].send(start.encode())
        except OSError:
            socks.pop(fd).close()
    word = "ready"
    deadline = time.monotonic() + 300
    while socks and time.monotonic() < deadline:
        # A connection is gone when the server ends it (readable: EOF or an error).
        p = select.poll()
        for fd in socks:
            p.register(fd, select.POLLIN)
        for fd, _ in p.poll(0):
            try:
                gone = socks[fd].recv(4096) == b""
            except OSError:
                gone = True
            if gone:
                socks.pop(fd).close()
        write_status(status, "%s %d" % (word, len(socks)))
        word = "open"
        time.sleep(0.5)
        for fd in list(socks):
            try:
                socks[fd].send(b"a")
            except OSError as e:
                if e.errno != errno.EAGAIN:
                    socks.pop(fd).close()
    write_status(status, "open %d" % len(socks))


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(int(sys.argv[2]))
    else:
        hold(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6:] == ["body"])
