#!/usr/bin/env python3
"""A scriptable upstream for the session integration tests (standard library only).

Run:  python3 session_upstream.py --port 0
The first stdout line is JSON: {"event":"listening","listen":"127.0.0.1:PORT"}.

Every request through the proxy is answered with an echo, HTTP/1.1 keep-alive:
  status   200, or the value of the request header X-Test-Status
  headers  Content-Type: application/json, Content-Length, and every
           [name, value] pair of the JSON list in request header X-Test-Reply,
           written as given and in order (values are sent as UTF-8 bytes, so a
           test can send any header value, malformed ones included; a value
           {"b64": "..."} is sent as those raw bytes, e.g. invalid UTF-8)
  body     JSON {"method", "target", "headers": [[name, value], ...] in order,
                 "raw_head": the request head exactly as received (latin-1),
                 "body": the request body (latin-1)}

Request header X-Test-Delay-Ms: N waits N ms before answering.
Request header X-Test-Hold: NAME parks the request until /__release?name=NAME
(at most 20 s), so a test can change the store while a request that already
loaded the session is still at the upstream.

Control paths (ask the upstream directly, never through the proxy):
  /__arrived?name=NAME&timeout=S   200 once a request held as NAME has arrived,
                                   408 if none did within S seconds (default 5)
  /__release?name=NAME             let the held request NAME answer
  /__count                         {"requests": N} answered so far (non-control)
"""

import argparse
import base64
import json
import sys
import threading
import time
import urllib.parse

from upstream_server import close_quietly, serve_forever

HOLD_LIMIT = 20.0


class Gates:
    def __init__(self):
        self.lock = threading.Condition()
        self.arrived = set()
        self.released = set()
        self.count = 0

    def _mark(self, names, name):
        with self.lock:
            names.add(name)
            self.lock.notify_all()

    def _wait(self, names, name, timeout):
        deadline = time.monotonic() + timeout
        with self.lock:
            while name not in names:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.lock.wait(left)
            return True

    def arrive(self, name):
        self._mark(self.arrived, name)

    def wait_arrived(self, name, timeout):
        return self._wait(self.arrived, name, timeout)

    def release(self, name):
        self._mark(self.released, name)

    def wait_released(self, name, timeout):
        return self._wait(self.released, name, timeout)


GATES = Gates()


class Closed(Exception):
    pass


def recv_more(sock, buf):
    data = sock.recv(65536)
    if not data:
        raise Closed()
    buf += data


def read_line(sock, buf):
    while b"\r\n" not in buf:
        recv_more(sock, buf)
    i = buf.find(b"\r\n")
    line = bytes(buf[:i])
    del buf[: i + 2]
    return line


def read_head(sock, buf):
    while True:
        i = buf.find(b"\r\n\r\n")
        if i >= 0:
            head = bytes(buf[:i])
            del buf[: i + 4]
            return head
        if len(buf) > 1 << 20:
            raise Closed()
        recv_more(sock, buf)


def read_body(sock, buf, headers):
    te = ", ".join(v for k, v in headers if k.lower() == "transfer-encoding")
    cl = [v for k, v in headers if k.lower() == "content-length"]
    if "chunked" in te.lower():
        out = bytearray()
        while True:
            size = int(read_line(sock, buf).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                # trailers up to the empty line
                while read_line(sock, buf):
                    pass
                return bytes(out)
            while len(buf) < size + 2:
                recv_more(sock, buf)
            out += buf[:size]
            del buf[: size + 2]
    n = int(cl[0]) if cl else 0
    while len(buf) < n:
        recv_more(sock, buf)
    body = bytes(buf[:n])
    del buf[:n]
    return body


def parse_head(head):
    lines = head.split(b"\r\n")
    parts = lines[0].decode("latin-1").split(" ")
    headers = []
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        headers.append([k.decode("latin-1"), v.strip(b" \t").decode("latin-1")])
    method = parts[0] if parts else ""
    target = parts[1] if len(parts) > 1 else ""
    version = parts[2] if len(parts) > 2 else ""
    return method, target, version, headers


def header(headers, name):
    for k, v in headers:
        if k.lower() == name.lower():
            return v
    return None


def header_bytes(value):
    if isinstance(value, dict):
        return base64.b64decode(value["b64"])
    return str(value).encode("utf-8")


def respond(sock, status, headers, body, keep):
    out = [b"HTTP/1.1 %d Test" % status]
    for k, v in headers:
        out.append(k.encode("utf-8") + b": " + header_bytes(v))
    out.append(b"Content-Length: %d" % len(body))
    if not keep:
        out.append(b"Connection: close")
    sock.sendall(b"\r\n".join(out) + b"\r\n\r\n" + body)


def control(sock, path, query, keep):
    q = urllib.parse.parse_qs(query)
    name = q.get("name", [""])[-1]
    if path == "/__arrived":
        ok = GATES.wait_arrived(name, float(q.get("timeout", ["5"])[-1]))
        respond(sock, 200 if ok else 408, [("Content-Type", "application/json")],
                json.dumps({"arrived": ok}).encode(), keep)
    elif path == "/__release":
        GATES.release(name)
        respond(sock, 200, [("Content-Type", "application/json")], b"{}", keep)
    elif path == "/__count":
        with GATES.lock:
            n = GATES.count
        respond(sock, 200, [("Content-Type", "application/json")],
                json.dumps({"requests": n}).encode(), keep)
    else:
        respond(sock, 404, [], b"", keep)


def serve(sock):
    buf = bytearray()
    try:
        while True:
            head = read_head(sock, buf)
            method, target, version, headers = parse_head(head)
            body = read_body(sock, buf, headers)
            conn = (header(headers, "connection") or "").lower()
            keep = "close" not in conn and version == "HTTP/1.1"
            url = urllib.parse.urlsplit(target)
            if url.path.startswith("/__"):
                control(sock, url.path, url.query, keep)
            else:
                with GATES.lock:
                    GATES.count += 1
                hold = header(headers, "X-Test-Hold")
                if hold:
                    GATES.arrive(hold)
                    GATES.wait_released(hold, HOLD_LIMIT)
                delay = header(headers, "X-Test-Delay-Ms")
                if delay:
                    time.sleep(int(delay) / 1000.0)
                status = int(header(headers, "X-Test-Status") or "200")
                reply = [("Content-Type", "application/json")]
                extra = header(headers, "X-Test-Reply")
                if extra:
                    reply += [(str(k), v) for k, v in json.loads(extra)]
                echo = {"method": method, "target": target, "headers": headers,
                        "raw_head": head.decode("latin-1"), "body": body.decode("latin-1")}
                payload = b"" if method == "HEAD" or status in (204, 304) else json.dumps(echo).encode()
                respond(sock, status, reply, payload, keep)
            if not keep:
                return
    except (Closed, OSError, ValueError):
        return
    finally:
        close_quietly(sock)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    serve_forever("127.0.0.1", args.port, lambda sock, peer: serve(sock))


if __name__ == "__main__":
    sys.exit(main())
