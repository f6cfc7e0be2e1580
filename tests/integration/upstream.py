#!/usr/bin/env python3
"""A scriptable HTTP/1.1 upstream for the integration tests (standard library only).

Run:  python3 upstream.py --port 0 [--host 127.0.0.1] [--idle-close-ms N]
                         [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]
The first stdout line is JSON: {"event":"listening","listen":"127.0.0.1:PORT"}.

Raw sockets, one thread per connection, keep-alive and pipelining. The parser
is deliberately lenient (it is the "whatever the upstream's parser" of the
smuggling tests): Transfer-Encoding containing "chunked" wins, else
Content-Length, else no body.

Paths (query parameters in brackets):
  /__log [clear=1]   JSON of everything seen on non-control connections:
                     {"connections":[{id, bytes, raw, requests, open}],
                      "requests":[echo objects], "bytes": total}
                     "raw" is the first 64 KiB received, latin-1 decoded.
                     A connection whose first request is /__* is a control
                     connection and is never logged.
  /__reset           clear the log.
  /bytes/N [chunked=1, pause_ms=, stall_ms=]   N bytes of pattern(), made on
                     the fly; pause_ms waits after the head, stall_ms halfway.
  /chunked [n=5, delay=ms, size=]   n chunks, one per delay; each chunk is one
                     JSON line {"i":i,"t":send_time} padded with spaces to size.
  /sse [n=5, delay=ms]              text/event-stream, chunked; event i is
                     "id: i\\ndata: {"i":i,"t":send_time}\\n\\n".
  /slow [ms=1000]    wait ms before answering (an echo).
  /reset [at=body|head]   at=head: read the request, then RST without answering;
                     at=body: send a head with Content-Length 1000000 and 1000
                     bytes, then RST.
  /close             read the request, then close (FIN) without answering.
  /raw [r=BASE64URL] answer exactly the decoded bytes, then close (FIN).
  /ws [hello=TEXT]   WebSocket echo (RFC 6455): 101, then every data frame
                     comes back with the same opcode/FIN; ping -> pong; close ->
                     close. hello= sends one text frame first.
  anything else      echo: 200 with JSON {method, target, version, headers
                     (list of [name, value] in order), body_length, body_sha256,
                     conn_id, conn_request, peer, t}; over TLS also
                     tls: {sni, client_subject} (client_subject: the CN of
                     the client certificate, or null).
                     Echo options: status=N, header=Name:Value (repeatable),
                     close=1 (Connection: close), silent_close=1 (a keep-alive
                     answer, then the connection closed at once), pause_ms=N (wait before
                     reading the body), hash=0 (skip sha256).
"""

import argparse
import base64
import hashlib
import json
import socket
import struct
import sys
import threading
import time
import urllib.parse

from upstream_server import close_quietly, serve_forever, tls_context

BLOCK = 65536
_FILLER = bytes((i * 7 + 3) & 0xFF for i in range(BLOCK - 8))


def pattern_block(index):
    """Block `index` of the download/upload pattern: its 8-byte index + filler."""
    return struct.pack(">Q", index) + _FILLER


def pattern_chunks(n, block=BLOCK):
    """Yield the first n bytes of the pattern in pieces of at most 64 KiB."""
    i = 0
    while n > 0:
        b = pattern_block(i)
        if n < len(b):
            b = b[:n]
        yield b
        n -= len(b)
        i += 1


def pattern_sha256(n):
    h = hashlib.sha256()
    for b in pattern_chunks(n):
        h.update(b)
    return h.hexdigest()


RAW_KEEP = 65536


class Log:
    def __init__(self):
        self.lock = threading.Lock()
        self.clear()

    def clear(self):
        """Forget closed connections and all requests; open connections stay
        listed with their counters at zero (a pooled connection opened before
        the clear must still show what arrives on it after)."""
        conns = getattr(self, "connections", {})
        for c in conns.values():
            c["bytes"] = 0
            c["raw"] = bytearray()
            c["requests"] = 0
        self.connections = {k: c for k, c in conns.items() if c["open"]}
        self.requests = []

    def snapshot(self, clear=False):
        with self.lock:
            conns = [dict(c, raw=c["raw"].decode("latin-1")) for c in self.connections.values()]
            data = {
                "connections": conns,
                "requests": list(self.requests),
                "bytes": sum(c["bytes"] for c in conns),
            }
            if clear:
                self.clear()
            return data


LOG = Log()
CONN_IDS = iter(range(1, 1 << 62))
CONN_ID_LOCK = threading.Lock()


class Closed(Exception):
    pass


class Conn:
    def __init__(self, sock, peer):
        self.sock = sock
        self.peer = peer
        with CONN_ID_LOCK:
            self.id = next(CONN_IDS)
        self.buf = bytearray()
        self.nreq = 0  # requests on this connection (conn_request)
        self.control = None  # unknown until the first request head
        self.entry = {"id": self.id, "bytes": 0, "raw": bytearray(), "requests": 0, "open": True}
        with LOG.lock:
            LOG.connections[self.id] = self.entry

    def _account(self, data):
        with LOG.lock:
            e = self.entry
            e["bytes"] += len(data)
            room = RAW_KEEP - len(e["raw"])
            if room > 0:
                e["raw"] += data[:room]

    def fill(self, n=262144):
        data = self.sock.recv(n)
        if not data:
            raise Closed()
        self._account(data)
        self.buf += data
        return data

    def read_until(self, sep, limit=1 << 20):
        while True:
            i = self.buf.find(sep)
            if i >= 0:
                out = bytes(self.buf[:i])
                del self.buf[: i + len(sep)]
                return out
            if len(self.buf) > limit:
                raise Closed()
            self.fill()

    def read_exact(self, n, sink):
        """Pass n body bytes to sink(bytes) without keeping them."""
        while n > 0:
            if not self.buf:
                self.fill(min(max(n, 4096), 1 << 20))
            take = min(n, len(self.buf))
            sink(bytes(self.buf[:take]))
            del self.buf[:take]
            n -= take

    def make_control(self):
        """Forget this connection in the log: it only talks to /__* paths."""
        self.control = True
        with LOG.lock:
            LOG.connections.pop(self.id, None)

    def closed(self):
        with LOG.lock:
            self.entry["open"] = False

    def send(self, data):
        self.sock.sendall(data)


def parse_head(head):
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    method = parts[0].decode("latin-1") if parts else ""
    target = parts[1].decode("latin-1") if len(parts) > 1 else ""
    version = parts[2].decode("latin-1") if len(parts) > 2 else ""
    headers = []
    for line in lines[1:]:
        if b":" in line:
            k, v = line.split(b":", 1)
            headers.append([k.decode("latin-1"), v.strip(b" \t").decode("latin-1")])
        else:
            headers.append([line.decode("latin-1"), None])
    return method, target, version, headers


def header(headers, name):
    vals = [v for k, v in headers if k.strip().lower() == name and v is not None]
    return ", ".join(vals) if vals else None


def response(status, headers, body=b"", reason=None):
    reason = reason or {200: "OK", 101: "Switching Protocols", 204: "No Content",
                        400: "Bad Request", 404: "Not Found"}.get(status, "Status")
    out = ["HTTP/1.1 %d %s" % (status, reason)]
    for k, v in headers:
        out.append("%s: %s" % (k, v))
    if status not in (101, 204, 304) and not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in headers):
        out.append("Content-Length: %d" % len(body))
    return ("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body


def chunk(data):
    return b"%x\r\n" % len(data) + data + b"\r\n"


def rst_close(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


IDLE_CLOSE = None  # seconds; --idle-close-ms: close keep-alive connections idle this long


def handle(conn):
    while True:
        try:
            conn.sock.settimeout(IDLE_CLOSE)
            head = conn.read_until(b"\r\n\r\n")
            conn.sock.settimeout(None)
        except (Closed, OSError):
            return
        method, target, version, headers = parse_head(head)
        url = urllib.parse.urlsplit(target)
        path = url.path
        q = urllib.parse.parse_qs(url.query, keep_blank_values=True)

        def qv(name, default=None):
            return q[name][-1] if name in q else default

        if conn.control is None:
            if path.startswith("/__"):
                conn.make_control()
            else:
                conn.control = False
        entry = None
        conn.nreq += 1
        if not conn.control:
            with LOG.lock:
                conn.entry["requests"] += 1
                entry = {"method": method, "target": target, "version": version,
                         "headers": headers, "conn_id": conn.id,
                         "conn_request": conn.nreq, "peer": conn.peer,
                         "complete": False, "t": time.time()}
                LOG.requests.append(entry)

        # Body, streamed into a hash.
        h = hashlib.sha256() if qv("hash", "1") != "0" else None
        length = [0]

        def sink(b):
            length[0] += len(b)
            if h:
                h.update(b)

        pause = qv("pause_ms")
        if pause:
            time.sleep(int(pause) / 1000.0)
        te = header(headers, "transfer-encoding")
        cl = header(headers, "content-length")
        try:
            if te and "chunked" in te.lower():
                while True:
                    line = conn.read_until(b"\r\n")
                    size = int(line.split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while conn.read_until(b"\r\n"):
                            pass  # trailers
                        break
                    conn.read_exact(size, sink)
                    conn.read_until(b"\r\n")
            elif cl:
                conn.read_exact(int(cl.split(",")[0].strip()), sink)
        except (Closed, OSError, ValueError):
            return
        info = {"method": method, "target": target, "version": version, "headers": headers,
                "body_length": length[0], "body_sha256": h.hexdigest() if h else None,
                "conn_id": conn.id, "conn_request": conn.nreq,
                "peer": conn.peer, "t": time.time()}
        if hasattr(conn.sock, "getpeercert"):
            cert = conn.sock.getpeercert()
            subject = dict(x[0] for x in cert["subject"]) if cert else {}
            info["tls"] = {"sni": getattr(conn.sock, "sni", None),
                           "client_subject": subject.get("commonName")}
        if entry is not None:
            with LOG.lock:
                entry.update(info, complete=True)

        conn_hdr = (header(headers, "connection") or "").lower()
        keep = not ("close" in conn_hdr or (version == "HTTP/1.0" and "keep-alive" not in conn_hdr))
        try:
            if not route(conn, path, q, qv, headers, info, keep):
                return
        except (OSError, Closed):
            return
        if not keep:
            try:
                conn.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            return


def route(conn, path, q, qv, headers, info, keep):
    """Answer one request. Returns False when the connection must end."""
    ka = [] if keep else [("Connection", "close")]
    if path == "/__log":
        body = json.dumps(LOG.snapshot(clear=qv("clear") == "1")).encode()
        conn.send(response(200, [("Content-Type", "application/json")] + ka, body))
        return True
    if path == "/__reset":
        LOG.snapshot(clear=True)
        conn.send(response(204, ka))
        return True
    if path.startswith("/bytes/"):
        n = int(path[len("/bytes/"):])
        chunked = qv("chunked") == "1"
        hdrs = [("Content-Type", "application/octet-stream")] + ka
        hdrs.append(("Transfer-Encoding", "chunked") if chunked else ("Content-Length", str(n)))
        conn.send(response(200, hdrs))
        if qv("pause_ms"):
            time.sleep(int(qv("pause_ms")) / 1000.0)
        stall = int(qv("stall_ms", "0")) / 1000.0
        sent = 0
        for b in pattern_chunks(n):
            if stall and sent >= n // 2:
                time.sleep(stall)
                stall = 0
            conn.send(chunk(b) if chunked else b)
            sent += len(b)
        if chunked:
            conn.send(b"0\r\n\r\n")
        return True
    if path in ("/chunked", "/sse"):
        n = int(qv("n", "5"))
        delay = int(qv("delay", "200")) / 1000.0
        size = int(qv("size", "0"))
        sse = path == "/sse"
        ctype = "text/event-stream" if sse else "application/x-ndjson"
        conn.send(response(200, [("Content-Type", ctype), ("Cache-Control", "no-cache"),
                                 ("Transfer-Encoding", "chunked")] + ka))
        for i in range(n):
            if i:
                time.sleep(delay)
            payload = json.dumps({"i": i, "t": time.time()})
            if sse:
                data = ("id: %d\ndata: %s\n\n" % (i, payload)).encode()
            else:
                data = (payload + "\n").encode()
                if size > len(data):
                    data = data[:-1] + b" " * (size - len(data)) + b"\n"
            conn.send(chunk(data))
        conn.send(b"0\r\n\r\n")
        return True
    if path == "/slow":
        time.sleep(int(qv("ms", "1000")) / 1000.0)
        # falls through to the echo
    if path == "/reset":
        if qv("at", "body") == "body":
            conn.send(response(200, [("Content-Type", "application/octet-stream"),
                                     ("Content-Length", "1000000")]) + b"x" * 1000)
            time.sleep(0.05)
        rst_close(conn.sock)
        return False
    if path == "/raw":
        # The response is exactly these bytes (base64url in r=), then FIN.
        conn.send(base64.urlsafe_b64decode(qv("r", "")))
        try:
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        return False
    if path == "/close":
        conn.sock.close()
        return False
    if path == "/ws" and (header(headers, "upgrade") or "").lower() == "websocket":
        websocket(conn, headers, qv("hello"))
        return False

    status = int(qv("status", "200"))
    extra = []
    for hv in q.get("header", []):
        k, _, v = hv.partition(":")
        extra.append((k.strip(), v.strip()))
    close = qv("close") == "1"
    hdrs = [("Content-Type", "application/json")] + extra
    if close or not keep:
        hdrs.append(("Connection", "close"))
    body = b"" if status in (204, 304) or info["method"] == "HEAD" else json.dumps(info).encode()
    if info["method"] == "HEAD":
        hdrs.append(("Content-Length", str(len(json.dumps(info).encode()))))
    conn.send(response(status, hdrs, body))
    return not close and qv("silent_close") != "1"


WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def ws_accept(key):
    return base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()


def ws_frame(opcode, payload, fin=True, mask=None):
    """One RFC 6455 frame; mask=4 bytes for client frames."""
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    mbit = 0x80 if mask else 0
    if n < 126:
        head = struct.pack(">BB", b0, mbit | n)
    elif n < 65536:
        head = struct.pack(">BBH", b0, mbit | 126, n)
    else:
        head = struct.pack(">BBQ", b0, mbit | 127, n)
    if mask:
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload)) if n < 4096 else _mask_fast(payload, mask)
        return head + mask + payload
    return head + payload


def _mask_fast(payload, mask):
    m = int.from_bytes((mask * (len(payload) // 4 + 1))[: len(payload)], "big")
    return (int.from_bytes(payload, "big") ^ m).to_bytes(len(payload), "big")


def ws_read_frame(read_exact):
    """Read one frame with read_exact(n)->bytes. Returns (fin, opcode, payload), unmasked."""
    b0, b1 = read_exact(2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack(">H", read_exact(2))[0]
    elif n == 127:
        n = struct.unpack(">Q", read_exact(8))[0]
    mask = read_exact(4) if b1 & 0x80 else None
    payload = read_exact(n) if n else b""
    if mask:
        payload = _mask_fast(payload, mask) if payload else b""
    return bool(b0 & 0x80), b0 & 0x0F, payload


def websocket(conn, headers, hello):
    key = header(headers, "sec-websocket-key") or ""
    conn.send(response(101, [("Upgrade", "websocket"), ("Connection", "Upgrade"),
                             ("Sec-WebSocket-Accept", ws_accept(key))]))
    if hello:
        conn.send(ws_frame(1, hello.encode()))

    def read_exact(n):
        out = bytearray()
        conn.read_exact(n, out.extend)
        return bytes(out)

    try:
        while True:
            fin, op, payload = ws_read_frame(read_exact)
            if op == 8:
                conn.send(ws_frame(8, payload[:2]))
                break
            if op == 9:
                conn.send(ws_frame(10, payload))
            elif op in (0, 1, 2):
                conn.send(ws_frame(op, payload, fin=fin))
    except (Closed, OSError):
        pass
    try:
        conn.sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def serve_conn(sock, peer):
    conn = Conn(sock, "%s:%d" % peer[:2])
    try:
        handle(conn)
    except Exception as e:  # never let a bad request kill the server
        print(json.dumps({"event": "error", "conn": conn.id, "error": repr(e)}), flush=True)
    finally:
        conn.closed()
        close_quietly(sock)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--idle-close-ms", type=int, default=0,
                    help="close a keep-alive connection idle this long (0 = never)")
    ap.add_argument("--tls-cert", help="serve HTTPS with this certificate chain (PEM)")
    ap.add_argument("--tls-key", help="the key of --tls-cert (PEM)")
    ap.add_argument("--tls-client-ca", help="require a client certificate issued by this CA")
    args = ap.parse_args()
    global IDLE_CLOSE
    IDLE_CLOSE = args.idle_close_ms / 1000.0 if args.idle_close_ms else None
    tls = tls_context(args.tls_cert, args.tls_key, args.tls_client_ca) if args.tls_cert else None
    serve_forever(args.host, args.port, serve_conn, tls)


if __name__ == "__main__":
    main()
