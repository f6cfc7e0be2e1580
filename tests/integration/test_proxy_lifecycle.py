"""Process and connection lifecycle: SIGTERM drain, pipelining, keep-alive
reuse of upstream connections, several I/O threads."""

import os
import socket
import threading
import time
import unittest

from harness import (ProxyTestCase, connect, format_request, read_response,
                     read_until_close, parse_responses, request)


def in_thread(fn, *args):
    """Run fn(*args) in a thread; returns (thread, result dict with 'value' or 'error')."""
    box = {}

    def run():
        try:
            box["value"] = fn(*args)
        except Exception as e:  # reported by the test
            box["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, box


class SigtermTest(ProxyTestCase):
    CONFIG = {"timeouts": {"drain": 5}}

    def wait_upstream_saw(self, target, timeout=3):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(r["target"] == target for r in self.upstream.log()["requests"]):
                return True
            time.sleep(0.05)
        return False

    def assertNotServed(self):
        """A new connection after SIGTERM is refused (or closed unanswered)."""
        try:
            s = connect(self.proxy.port, timeout=2)
        except ConnectionRefusedError:
            return
        try:
            try:
                s.sendall(format_request("GET", "/after-sigterm"))
            except (BrokenPipeError, ConnectionResetError):
                return
            data, closed = read_until_close(s, 3)
        finally:
            s.close()
        rs = parse_responses(data)
        self.assertFalse(rs and rs[0].status < 500, "a new request was served after SIGTERM: %r" % data[:200])
        self.assertTrue(closed, "new connection after SIGTERM neither refused nor closed")

    def test_sigterm_drains_in_flight_request(self):
        t, box = in_thread(request, self.proxy.port, "GET", "/slow?ms=1500", (), b"", 10)
        self.assertTrue(self.wait_upstream_saw("/slow?ms=1500"), "slow request never reached upstream")
        t0 = time.monotonic()
        self.proxy.terminate()
        time.sleep(0.3)
        self.assertNotServed()
        t.join(10)
        self.assertNotIn("error", box, box.get("error"))
        r = box["value"]
        self.assertEqual(r.status, 200, "in-flight request not finished: %r" % r)
        self.assertEqual(r.json()["target"], "/slow?ms=1500")
        code = self.proxy.wait(8)
        self.assertEqual(code, 0, "exit code after SIGTERM: %r; stderr: %s" % (code, self.proxy.stderr_text()[-500:]))
        self.assertGreater(time.monotonic() - t0, 0.9, "exited before the in-flight request finished")

    def test_drain_time_is_bounded(self):
        self.start_proxy(timeouts={"drain": 1})
        t, box = in_thread(request, self.proxy.port, "GET", "/slow?ms=10000", (), b"", 15)
        self.assertTrue(self.wait_upstream_saw("/slow?ms=10000"))
        t0 = time.monotonic()
        self.proxy.terminate()
        code = self.proxy.wait(6)
        elapsed = time.monotonic() - t0
        self.assertIsNotNone(code, "still running 6 s after SIGTERM with drain 1 s")
        self.assertEqual(code, 0)
        self.assertGreaterEqual(elapsed, 0.8, "did not wait for the drain time")
        self.assertLess(elapsed, 3.0)
        t.join(5)
        self.assertFalse(t.is_alive())
        if "value" in box:  # a response is allowed, but not a made-up success
            self.assertGreaterEqual(box["value"].status, 500)

    def test_idle_keepalive_connection_does_not_delay_exit(self):
        s = connect(self.proxy.port)
        self.addCleanup(s.close)
        s.sendall(format_request("GET", "/idle"))
        self.assertEqual(read_response(s).status, 200)
        t0 = time.monotonic()
        self.proxy.terminate()
        code = self.proxy.wait(4)
        self.assertEqual(code, 0, "idle keep-alive connection held the exit (drain 5 s)")
        self.assertLess(time.monotonic() - t0, 2.0)
        data, closed = read_until_close(s, 2)
        self.assertTrue(closed)
        self.assertEqual(data, b"")


class ConnectionsTest(ProxyTestCase):

    def test_listening_line(self):
        line = self.proxy.listening
        self.assertTrue(line["listen"].startswith("127.0.0.1:"))
        self.assertGreater(self.proxy.port, 0)
        self.assertTrue(line.get("admin", "").startswith("127.0.0.1:"), line)

    def test_pipelined_requests_answered_in_order(self):
        s = connect(self.proxy.port)
        try:
            s.sendall(format_request("GET", "/slow?ms=300")
                      + format_request("POST", "/p2", body=b"twelve bytes")
                      + format_request("HEAD", "/p3")
                      + format_request("GET", "/p4?status=404")
                      + format_request("GET", "/p5"))
            rest = b""
            got = []
            for method in ("GET", "POST", "HEAD", "GET", "GET"):
                r = read_response(s, rest, timeout=5, method=method)
                rest = r.rest
                got.append(r)
        finally:
            s.close()
        self.assertEqual([r.status for r in got], [200, 200, 200, 404, 200])
        self.assertEqual(got[0].json()["target"], "/slow?ms=300")
        self.assertEqual(got[1].json()["target"], "/p2")
        self.assertEqual(got[1].json()["body_length"], 12)
        self.assertEqual(got[2].body, b"")
        self.assertEqual(got[3].json()["target"], "/p4?status=404")
        self.assertEqual(got[4].json()["target"], "/p5")

    def test_client_keepalive_many_requests_one_connection(self):
        s = connect(self.proxy.port)
        try:
            rest = b""
            for i in range(20):
                s.sendall(format_request("GET", "/ka%d" % i))
                r = read_response(s, rest)
                rest = r.rest
                self.assertEqual(r.json()["target"], "/ka%d" % i)
        finally:
            s.close()

    def test_upstream_connections_are_reused(self):
        for i in range(10):
            r = self.request("GET", "/reuse%d" % i)  # a new client connection each time
            self.assertEqual(r.status, 200)
        reqs = [q for q in self.upstream.log()["requests"] if q["target"].startswith("/reuse")]
        self.assertEqual(len(reqs), 10)
        conns = {q["conn_id"] for q in reqs}
        self.assertLessEqual(len(conns), 2, "10 sequential requests used %d upstream connections" % len(conns))
        for q in reqs:  # the client's Connection: close is hop-by-hop
            for k, v in q["headers"]:
                if k.lower() == "connection":
                    self.assertNotIn("close", v.lower())


def cpu_ticks_by_thread(pid):
    """{tid: utime + stime in clock ticks} of every thread of pid."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(tid)] = int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return out


class ThreadsTest(ProxyTestCase):
    CONFIG = {"threads": 4, "log": {"access": False}}

    def busy_threads(self, connections=16, requests=300):
        """Threads of the proxy that used CPU while `connections` keep-alive
        clients (handed to the I/O threads in turn) made `requests` each."""
        socks = [connect(self.proxy.port) for _ in range(connections)]
        self.addCleanup(lambda: [s.close() for s in socks])
        before = cpu_ticks_by_thread(self.proxy.pid)

        def client(s):
            rest = b""
            for i in range(requests):
                s.sendall(format_request("GET", "/t%d" % i))
                r = read_response(s, rest)
                rest = r.rest
                assert r.status == 200, r

        workers = [in_thread(client, s) for s in socks]
        for t, box in workers:
            t.join(60)
            self.assertNotIn("error", box, box.get("error"))
        after = cpu_ticks_by_thread(self.proxy.pid)
        return sorted(after[t] - before.get(t, 0) for t in after if after[t] - before.get(t, 0) >= 2)

    def test_four_threads_serve_concurrently(self):
        # The thread count alone proves nothing (the store's writer and the
        # sweeper are threads too): the requests must be worked on by four
        # threads, where threads: 1 puts them all on one.
        busy = self.busy_threads()
        self.assertGreaterEqual(len(busy), 4, "CPU ticks of the busy threads: %r" % busy)
        self.start_proxy(threads=1)
        busy = self.busy_threads()
        self.assertEqual(len(busy), 1, "threads: 1, CPU ticks of the busy threads: %r" % busy)
        self.start_proxy()
        # 16 requests that each wait 600 ms upstream, all at once
        t0 = time.monotonic()
        workers = [in_thread(request, self.proxy.port, "GET", "/slow?ms=600&n=%d" % i, (), b"", 10)
                   for i in range(16)]
        for t, _ in workers:
            t.join(10)
        elapsed = time.monotonic() - t0
        for i, (_, box) in enumerate(workers):
            self.assertNotIn("error", box, box.get("error"))
            self.assertEqual(box["value"].status, 200)
            self.assertEqual(box["value"].json()["target"], "/slow?ms=600&n=%d" % i)
        self.assertLess(elapsed, 3.0, "16 concurrent 600 ms requests took %.1f s" % elapsed)

    def test_many_keepalive_clients(self):
        errors = []

        def client(n):
            s = connect(self.proxy.port)
            try:
                rest = b""
                for i in range(25):
                    s.sendall(format_request("POST", "/c%d/%d" % (n, i), body=b"x" * (i * 100)))
                    r = read_response(s, rest)
                    rest = r.rest
                    echo = r.json()
                    if echo["target"] != "/c%d/%d" % (n, i) or echo["body_length"] != i * 100:
                        errors.append((n, i, echo["target"]))
            finally:
                s.close()

        workers = [in_thread(client, n) for n in range(8)]
        for t, box in workers:
            t.join(30)
            self.assertNotIn("error", box, box.get("error"))
        self.assertEqual(errors, [])


class UpstreamPoolTest(ProxyTestCase):
    UPSTREAM_ARGS = ("--idle-close-ms", "300")

    def test_connection_closed_by_idle_upstream_is_not_a_502(self):
        """The upstream drops keep-alive connections idle 300 ms; the pool must notice."""
        conns = set()
        for i in range(4):
            r = self.request("GET", "/pooled%d" % i)
            self.assertEqual(r.status, 200, "request %d after the upstream closed the idle connection: %r" % (i, r))
            self.assertEqual(r.json()["target"], "/pooled%d" % i)
            conns.add(r.json()["conn_id"])
            time.sleep(0.7)
        self.assertEqual(len(conns), 4, "premise: the upstream closed each idle connection")

    def test_upstream_connection_close_is_not_reused(self):
        r = self.request("GET", "/first?close=1")
        self.assertEqual(r.status, 200)
        first = r.json()["conn_id"]
        r = self.request("GET", "/second")
        self.assertEqual(r.status, 200, r)
        self.assertNotEqual(r.json()["conn_id"], first)


class UnwatchedPooledConnectionTest(ProxyTestCase):
    """The upstream closes each connection right after a keep-alive answer,
    before the pool's tick (100 ms) has armed a watch on it: a request that
    could not be sent again (a POST, a body) checks such a connection before
    using it, a GET is sent again on a fresh one. Either way every answer is
    the upstream's, none a 502."""

    def test_requests_on_connections_closed_before_they_were_watched(self):
        conns = set()
        requests = [("GET", b""), ("POST", b"form=1"), ("POST", b""), ("DELETE", b""), ("PATCH", b"{}")] * 3
        for i, (method, body) in enumerate(requests):
            r = self.request(method, "/unwatched%d?silent_close=1" % i, body=body)
            self.assertEqual(r.status, 200, "%s %d after the upstream closed the idle connection: %r" % (method, i, r))
            self.assertEqual((r.json()["method"], r.json()["target"]), (method, "/unwatched%d?silent_close=1" % i))
            conns.add(r.json()["conn_id"])
            time.sleep(0.02)  # the close reaches the proxy; well inside one tick
        self.assertEqual(len(conns), len(requests), "premise: the upstream closed each connection")
        self.assertIsNone(self.proxy.wait_line(lambda o: o.get("event") == "upstream_error", 0.2))


if __name__ == "__main__":
    unittest.main()
