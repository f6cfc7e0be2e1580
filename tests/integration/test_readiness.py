"""/readyz: ready; not ready while the upstream refuses connections (and ready
again when it is back), while draining; the probes run in the background at
most once a second, whatever the rate of /readyz requests. (The LMDB store
cannot be down; a failing store is shown by the probe's unit test.)"""

import socket
import threading
import time
import unittest

from harness import HOST, Proxy, ProxyTestCase, proxy_config, request


def readyz(port):
    r = request(port, "GET", "/readyz")
    return r.status, r.body.decode()


def wait_readyz(port, status, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        got = readyz(port)
        if got[0] == status or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


class ReadinessTest(ProxyTestCase):

    def test_ready_then_draining(self):
        self.assertEqual(wait_readyz(self.proxy.admin_port, 200), (200, "ready\n"))
        self.assertEqual(request(self.proxy.admin_port, "GET", "/healthz").body, b"ok\n")
        # A slow request keeps the proxy draining for a while after SIGTERM.
        slow = threading.Thread(target=lambda: self.request("GET", "/slow?ms=3000"), daemon=True)
        slow.start()
        deadline = time.monotonic() + 5
        while not self.upstream.log()["requests"] and time.monotonic() < deadline:
            time.sleep(0.02)
        self.proxy.terminate()
        self.assertIsNotNone(self.proxy.wait_line(lambda o: o.get("event") == "draining", 5))
        self.assertEqual(readyz(self.proxy.admin_port), (503, "not ready: draining\n"))
        slow.join(10)
        self.assertEqual(self.proxy.wait(10), 0)

    def test_upstream_refusing_then_back(self):
        # A port of our own: listening, closed, listening again.
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        self.start_proxy(upstream_port=port)
        self.assertEqual(wait_readyz(self.proxy.admin_port, 200), (200, "ready\n"))

        listener.close()
        status, body = wait_readyz(self.proxy.admin_port, 503)
        self.assertEqual((status, body), (503, "not ready: upstream refuses connections: Connection refused\n"))

        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, port))
        listener.listen(16)
        self.addCleanup(listener.close)
        self.assertEqual(wait_readyz(self.proxy.admin_port, 200), (200, "ready\n"))

    def test_probes_at_most_once_a_second_whatever_the_probe_rate(self):
        self.assertEqual(wait_readyz(self.proxy.admin_port, 200)[0], 200)
        before = len(self.upstream.log()["connections"])
        started = time.monotonic()
        for _ in range(200):
            self.assertEqual(readyz(self.proxy.admin_port)[0], 200)
        time.sleep(max(0.0, 2.0 - (time.monotonic() - started)))
        elapsed = time.monotonic() - started
        probes = len(self.upstream.log()["connections"]) - before
        # One TCP connection per second of the run (and one that may start
        # as we count), never one per /readyz.
        self.assertGreaterEqual(probes, 1)
        self.assertLessEqual(probes, int(elapsed) + 2, "%d upstream connections in %.1f s" % (probes, elapsed))


if __name__ == "__main__":
    unittest.main()
