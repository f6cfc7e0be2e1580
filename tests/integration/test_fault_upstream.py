"""Upstream faults with a real proxy: an upstream that resets in the middle of
a request body, answers garbage, answers twice, or never answers. Each gets
the right status (or a closed connection where a response had begun), within
its timeout, and the proxy goes on serving other clients meanwhile and after.

The single-fault cases (reset before the head, close without an answer, reset
mid-response, a slow upstream) are in test_proxy_timeouts.py; these add the
ones a scripted socket is needed for.
"""

import socket
import threading
import time
import unittest

from harness import (ProxyTestCase, ScriptedUpstream, connect, format_request, read_head,
                     read_response, request, send_raw)

TIMEOUTS = {"upstream_connect": 1, "upstream_response": 1.0, "upstream_idle": 1.0, "request_body": 2}
GOOD = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


def reset(conn):
    """Close with RST (SO_LINGER 0), as a crashed upstream process would."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    conn.close()


class Routed:
    """A scripted upstream answering by request path: /reset-upload, /garbage,
    /twice, /never, anything else a good keep-alive 200 "ok"."""

    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()
        self.upstream = ScriptedUpstream(self.handle)

    def handle(self, conn):
        rest = b""
        while True:
            data = rest
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            target = head.split(b" ", 2)[1].decode()
            with self.lock:
                self.requests.append(target)
            headers = {k.strip().lower(): v.strip() for k, _, v in
                       (l.partition(":") for l in head.decode("latin-1").split("\r\n")[1:])}
            length = int(headers.get("content-length", "0"))
            if target.startswith("/reset-upload"):
                # Take part of the body, then crash.
                got = len(rest)
                while got < 65536:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    got += len(chunk)
                reset(conn)
                return
            while len(rest) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                rest += chunk
            rest = rest[length:]
            if target.startswith("/garbage"):
                conn.sendall(b"\x00\x17garbage that is no HTTP at all\r\n\r\n\xff\xfe")
                time.sleep(0.5)
                conn.close()
                return
            if target.startswith("/twice"):
                # Two complete answers to one request: the second one must reach nobody.
                conn.sendall(GOOD + b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nSECOND")
                continue
            if target.startswith("/never"):
                time.sleep(8)  # holds the connection, never answers (the proxy gives up first)
                return
            conn.sendall(GOOD)


class UpstreamFaultsTest(ProxyTestCase):
    START_PROXY = False

    def setUp(self):
        super().setUp()
        self.routed = Routed()
        self.addCleanup(self.routed.upstream.stop)
        self.start_proxy(upstream_port=self.routed.upstream.port, timeouts=TIMEOUTS)

    def assertServes(self, msg):
        r = request(self.proxy.port, "GET", "/ok", timeout=5)
        self.assertEqual((r.status, r.body), (200, b"ok"), msg)

    def test_reset_while_the_request_body_is_still_sent(self):
        body_len = 8 << 20
        s = connect(self.proxy.port, timeout=10)
        self.addCleanup(s.close)
        s.sendall(format_request("POST", "/reset-upload", [("Content-Length", str(body_len))]))
        sent, status, t0 = 0, None, time.monotonic()
        block = b"u" * 65536
        try:
            while sent < body_len:
                s.sendall(block)
                sent += len(block)
        except OSError:
            pass  # the proxy may close our connection once the upstream is gone
        try:
            status = read_response(s, timeout=5, method="POST").status
        except ConnectionError:
            status = None  # closed without an answer (a hang raises TimeoutError and fails)
        elapsed = time.monotonic() - t0
        # The request was not read whole: a 502 then close, or a bare close.
        self.assertIn(status, (502, None), "reset mid-upload gave %r; %r" % (status, self.proxy.all_lines[-6:]))
        self.assertLess(elapsed, 6, "the client hung %.1f s after the upstream reset" % elapsed)
        self.assertIsNotNone(self.proxy.wait_line(
            lambda o: str(o.get("event", "")).startswith("upstream") and o.get("event") != "upstream_connected", 3),
            "the reset was not logged: %r" % self.proxy.all_lines[-5:])
        self.assertServes("after an upstream reset mid-upload")

    def test_garbage_answer_is_a_502(self):
        t0 = time.monotonic()
        r = request(self.proxy.port, "GET", "/garbage", timeout=5)
        self.assertEqual(r.status, 502, r)
        self.assertLess(time.monotonic() - t0, 3)
        self.assertIsNotNone(self.proxy.wait_line(
            lambda o: o.get("event") == "request" and o.get("status") == 502, 3))
        self.assertServes("after a garbage answer")

    def test_an_answer_twice_reaches_no_other_request(self):
        # One client connection: /twice, then more requests. The second answer
        # the upstream sent must never be taken as the answer to a later one.
        s = connect(self.proxy.port)
        self.addCleanup(s.close)
        s.sendall(format_request("GET", "/twice"))
        r = read_response(s, timeout=5)
        self.assertEqual((r.status, r.body), (200, b"ok"), r)
        rest = r.rest
        for i in range(5):
            s.sendall(format_request("GET", "/ok%d" % i))
            r = read_response(s, rest, timeout=5)
            rest = r.rest
            self.assertEqual((r.status, r.body), (200, b"ok"), "request %d got %r" % (i, r))
        # From fresh client connections too (they share the upstream pool).
        for i in range(5):
            r = request(self.proxy.port, "GET", "/fresh%d" % i, timeout=5)
            self.assertEqual((r.status, r.body), (200, b"ok"), "fresh request %d got %r" % (i, r))
        self.assertNotIn(b"SECOND", rest)

    def test_never_answering_upstream_is_a_504_while_others_are_served(self):
        results = {}

        def hung():
            t0 = time.monotonic()
            results["never"] = request(self.proxy.port, "GET", "/never", timeout=10).status
            results["elapsed"] = time.monotonic() - t0

        threads = [threading.Thread(target=hung, daemon=True)]
        threads[0].start()
        # Meanwhile other clients are answered at once.
        served = []
        for i in range(10):
            t0 = time.monotonic()
            r = request(self.proxy.port, "GET", "/ok", timeout=5)
            served.append((r.status, time.monotonic() - t0))
        threads[0].join(10)
        self.assertFalse(threads[0].is_alive(), "the client of a silent upstream hung")
        self.assertEqual(results["never"], 504)
        self.assertGreaterEqual(results["elapsed"], 0.9)
        self.assertLess(results["elapsed"], 4.0, "upstream_response 1 s took %.1f s" % results["elapsed"])
        self.assertEqual([s for s, _ in served], [200] * 10)
        self.assertIsNotNone(self.proxy.wait_line(
            lambda o: o.get("event") == "request" and o.get("status") == 504, 3))
        self.assertServes("after a 504")


if __name__ == "__main__":
    unittest.main()
