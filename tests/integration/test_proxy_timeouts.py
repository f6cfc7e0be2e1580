"""Timeouts and upstream failures: slowloris head, idle keep-alive, upstream
connect/response timeouts (504), refused/reset/closed upstream (502), logging."""

import socket
import time
import unittest

from harness import (ProxyTestCase, connect, format_request, read_response,
                     send_raw, wait_closed, parse_responses)

TIMEOUTS = {"request_header": 0.5, "keepalive": 1.0, "upstream_connect": 0.5,
            "upstream_response": 0.7, "request_body": 0.7, "upstream_idle": 0.7}


def is_upstream_error(line):
    ev = str(line.get("event", ""))
    return ev.startswith("upstream") and ev != "upstream_connected"


class BlackholeListener:
    """A 127.0.0.1 port whose connects hang: listen(0) with its one queue slot
    taken by a connection nobody accepts, so further SYNs are dropped."""

    def __init__(self):
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(0)
        self.port = self.lsock.getsockname()[1]
        self.fillers = []
        for _ in range(3):
            s = socket.socket()
            s.settimeout(0.3)
            try:
                s.connect(("127.0.0.1", self.port))
            except OSError:
                s.close()
                break
            self.fillers.append(s)

    def close(self):
        for s in self.fillers:
            s.close()
        self.lsock.close()


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class ClientTimeoutsTest(ProxyTestCase):
    CONFIG = {"timeouts": TIMEOUTS}

    def test_slowloris_head_is_cut_off(self):
        s = connect(self.proxy.port)
        t0 = time.monotonic()
        try:
            s.sendall(b"GET /slowloris HTTP/1.1\r\nHost: a\r\n")
            closed = False
            data = b""
            for i in range(60):  # at most ~6 s, one header line every 100 ms
                time.sleep(0.1)
                try:
                    s.sendall(b"X-Drip-%d: x\r\n" % i)
                except (BrokenPipeError, ConnectionResetError):
                    closed = True
                    break
                s.settimeout(0.001)
                try:
                    got = s.recv(65536)
                    data += got
                    if not got:
                        closed = True
                        break
                except socket.timeout:
                    pass
                except ConnectionResetError:
                    closed = True
                    break
            if not closed:
                closed, more = wait_closed(s, 0.5)
                data += more
            elapsed = time.monotonic() - t0
        finally:
            s.close()
        self.assertTrue(closed, "a client dribbling its head for 6 s was never cut off")
        self.assertGreaterEqual(elapsed, 0.4, "cut off before request_header elapsed")
        self.assertLess(elapsed, 2.5, "request_header 0.5 s took %.2f s" % elapsed)
        rs = parse_responses(data)
        self.assertTrue(rs, "cut off without a 408: %r" % data[:300])
        self.assertEqual(rs[0].status, 408, rs[0])
        self.assertNothingForwarded("slowloris")

    def test_partial_head_gets_408_then_close(self):
        res = send_raw(self.proxy.port, b"GET /partial HTTP/1.1\r\nHost: a\r\n", 5)
        self.assertTrue(res.closed, "a half-sent head stayed open 5 s (request_header 0.5 s)")
        self.assertGreaterEqual(res.elapsed, 0.4)
        self.assertLess(res.elapsed, 2.5)
        rs = res.responses()
        self.assertEqual([r.status for r in rs], [408], res)
        self.assertEqual(rs[0].header("Connection").lower(), "close")
        line = self.proxy.wait_line(lambda o: o.get("event") == "request" and o.get("status") == 408, 3)
        self.assertIsNotNone(line, "408 not logged: %r" % self.proxy.lines[-5:])
        self.assertNothingForwarded("partial head")

    def test_silent_connection_is_closed(self):
        s = connect(self.proxy.port)
        t0 = time.monotonic()
        try:
            closed, _ = wait_closed(s, 4)
        finally:
            s.close()
        self.assertTrue(closed, "a connection that never sent a byte stayed open 4 s")
        self.assertLess(time.monotonic() - t0, 2.5)

    def test_idle_keepalive_is_closed(self):
        s = connect(self.proxy.port)
        try:
            s.sendall(format_request("GET", "/one"))
            r = read_response(s)
            self.assertEqual(r.status, 200)
            time.sleep(0.4)  # well inside keepalive: the connection is reused
            s.sendall(format_request("GET", "/two"))
            r = read_response(s, r.rest)
            self.assertEqual(r.json()["target"], "/two")
            t0 = time.monotonic()
            closed, data = wait_closed(s, 5)
            elapsed = time.monotonic() - t0
        finally:
            s.close()
        self.assertTrue(closed, "idle keep-alive connection open after 5 s (keepalive 1 s)")
        self.assertEqual(data, b"")
        self.assertGreaterEqual(elapsed, 0.8, "closed before the keepalive timeout")
        self.assertLess(elapsed, 3.0)

    def test_stalled_request_body_is_cut_off(self):
        head = format_request("POST", "/stalled", [("Content-Length", "100")])
        res = send_raw(self.proxy.port, head + b"x" * 10, 5)
        closed, data, elapsed = res.closed, res.data, res.elapsed
        self.assertTrue(closed, "a request body stalled for 5 s was never cut off (request_body 0.7 s)")
        self.assertGreaterEqual(elapsed, 0.5)
        self.assertLess(elapsed, 2.5)
        rs = parse_responses(data)
        self.assertEqual([r.status for r in rs], [408], data[:300])
        time.sleep(0.1)
        self.assertEqual([r for r in self.upstream.log()["requests"] if r.get("complete")], [],
                         "the upstream received a complete request from a truncated body")


class DefaultTimeoutsTest(ProxyTestCase):
    """No timeouts in the config: the documented defaults apply."""

    def test_default_request_header_timeout_is_10s(self):
        res = send_raw(self.proxy.port, b"GET /never-finished HTTP/1.1\r\nHost: a\r\n", 14)
        closed, elapsed = res.closed, res.elapsed
        self.assertTrue(closed, "a half-sent head stayed open 14 s without a request_header setting")
        self.assertGreaterEqual(elapsed, 9.0)
        self.assertLess(elapsed, 12.5)


class UpstreamFailuresTest(ProxyTestCase):
    CONFIG = {"timeouts": TIMEOUTS}

    def assertLogged(self, status):
        self.assertIsNotNone(self.proxy.wait_line(is_upstream_error, 3),
                             "no upstream error logged: %r" % self.proxy.lines[-5:])
        self.assertIsNotNone(self.proxy.wait_line(
            lambda o: o.get("event") == "request" and o.get("status") == status, 3),
            "no request line with status %d: %r" % (status, self.proxy.lines[-5:]))

    def timed(self, target):
        t0 = time.monotonic()
        r = self.request("GET", target, timeout=10)
        return r, time.monotonic() - t0

    def test_refused_upstream_502_at_once(self):
        self.start_proxy(upstream_port=closed_port())
        r, elapsed = self.timed("/refused")
        self.assertEqual(r.status, 502, r)
        self.assertLess(elapsed, 0.5)
        self.assertLogged(502)

    def test_reset_before_head_502(self):
        r, elapsed = self.timed("/reset?at=head")
        self.assertEqual(r.status, 502, r)
        self.assertLess(elapsed, 0.5)
        self.assertLogged(502)

    def test_close_without_answer_502(self):
        r, elapsed = self.timed("/close")
        self.assertEqual(r.status, 502, r)
        self.assertLess(elapsed, 0.5)
        self.assertLogged(502)

    def test_reset_mid_response_closes_client(self):
        res = send_raw(self.proxy.port, format_request("GET", "/reset?at=body"), 5)
        closed, data = res.closed, res.data
        self.assertTrue(closed, "client connection not closed after the upstream reset mid-body")
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200"), data[:200])
        self.assertLess(len(body), 1000000, "a truncated body must not look complete")
        self.assertIsNotNone(self.proxy.wait_line(is_upstream_error, 3),
                             "upstream reset not logged: %r" % self.proxy.lines[-5:])

    def test_502_and_504_keep_the_client_connection(self):
        """The request was read whole: the connection goes on after the error (as nginx)."""
        s = connect(self.proxy.port)
        self.addCleanup(s.close)
        rest = b""
        for target, status in [("/close", 502), ("/after-502", 200), ("/slow?ms=3000", 504), ("/after-504", 200)]:
            s.sendall(format_request("GET", target))
            r = read_response(s, rest, timeout=5)
            rest = r.rest
            self.assertEqual(r.status, status, "%s: %r" % (target, r))
            self.assertNotEqual((r.header("Connection") or "").lower(), "close", target)
            if status == 200:
                self.assertEqual(r.json()["target"], target)

    def test_slow_upstream_504_after_timeout(self):
        r, elapsed = self.timed("/slow?ms=3000")
        self.assertEqual(r.status, 504, r)
        self.assertGreaterEqual(elapsed, 0.6)
        self.assertLess(elapsed, 2.0, "upstream_response 0.7 s took %.2f s" % elapsed)
        self.assertLogged(504)
        r, _ = self.timed("/slow?ms=200")
        self.assertEqual(r.status, 200, "a response inside the timeout must pass")

    def test_upstream_stalling_mid_body_is_cut_off(self):
        n = 1 << 20
        res = send_raw(self.proxy.port, format_request("GET", "/bytes/%d?stall_ms=5000" % n), 6)
        closed, data, elapsed = res.closed, res.data, res.elapsed
        self.assertTrue(closed, "client kept waiting on an upstream stalled for 5 s (upstream_idle 0.7 s)")
        self.assertLess(elapsed, 3.0)
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200"), data[:200])
        self.assertLess(len(body), n, "a truncated body must not look complete")
        self.assertGreaterEqual(len(body), n // 2 - 65536, "bytes sent before the stall were held back")
        self.assertIsNotNone(self.proxy.wait_line(is_upstream_error, 3),
                             "upstream stall not logged: %r" % self.proxy.lines[-5:])

    def test_timed_out_upstream_connection_is_not_reused(self):
        r, _ = self.timed("/slow?ms=1500&tag=late")
        self.assertEqual(r.status, 504)
        for i in range(4):  # across the moment the late response is written
            r, _ = self.timed("/next%d" % i)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json()["target"], "/next%d" % i, "got another request's response")
            time.sleep(0.3)

    def test_upstream_connect_timeout(self):
        hole = BlackholeListener()
        self.addCleanup(hole.close)
        self.start_proxy(upstream_port=hole.port, timeouts={"upstream_response": 30})
        r, elapsed = self.timed("/connect")
        self.assertEqual(r.status, 504, r)  # a timeout, not a refusal (502)
        self.assertGreaterEqual(elapsed, 0.4)
        self.assertLess(elapsed, 2.5, "upstream_connect 0.5 s took %.2f s" % elapsed)
        self.assertIsNotNone(self.proxy.wait_line(is_upstream_error, 3),
                             "connect timeout not logged: %r" % self.proxy.lines[-5:])


if __name__ == "__main__":
    unittest.main()
