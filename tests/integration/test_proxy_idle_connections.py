"""10,000 idle keep-alive client connections, each after one request: the
proxy holds them in under 64 MiB of RSS (an idle connection keeps no
buffer) while a normal client is still served. The test raises its open
file limit (the proxy, its child, inherits it). About 20 s."""

import re
import time
import unittest

from harness import (ProxyTestCase, connect, format_request, memory_scale, raise_open_file_limit, read_response,
                     request)

N = 10000
BATCH = 250
MAX_RSS_KB = 64 * 1024


class IdleConnectionsTest(ProxyTestCase):
    CONFIG = {"timeouts": {"keepalive": 300}, "log": {"access": False}}

    def setUp(self):
        raise_open_file_limit(self, N + 2000)
        super().setUp()

    def open_connections(self):
        socks = []
        self.addCleanup(lambda: [s.close() for s in socks])
        for start in range(0, N, BATCH):
            batch = [connect(self.proxy.port, timeout=30) for _ in range(BATCH)]
            socks.extend(batch)
            for i, s in enumerate(batch):
                s.sendall(format_request("GET", "/idle/%d" % (start + i)))
            for i, s in enumerate(batch):
                r = read_response(s, timeout=30)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.json()["target"], "/idle/%d" % (start + i))
        return socks

    def open_count(self):
        text = request(self.proxy.admin_port, "GET", "/metrics").body.decode()
        return int(re.search(r"^sessiongate_connections_active (\d+)$", text, re.M).group(1))

    def test_ten_thousand_idle_keepalive_connections(self):
        baseline = self.proxy.rss_kb()
        socks = self.open_connections()
        time.sleep(1.0)  # idle connections give their buffers back within a moment
        self.assertEqual(self.open_count(), N, "premise: every connection is open and idle")
        rss = self.proxy.rss_kb()
        t0 = time.monotonic()
        r = self.request("GET", "/normal-client")
        served_in = time.monotonic() - t0
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["target"], "/normal-client")
        self.assertLess(served_in, 1.0, "a normal client waited %.2f s beside 10k idle ones" % served_in)
        self.assertLess(rss, MAX_RSS_KB * memory_scale(),
                        "RSS %d KiB with %d idle connections (baseline %d KiB: %.0f bytes each)"
                        % (rss, N, baseline, (rss - baseline) * 1024.0 / N))
        # They are still usable keep-alive connections.
        for i in (0, N // 2, N - 1):
            socks[i].sendall(format_request("GET", "/again/%d" % i))
            self.assertEqual(read_response(socks[i], timeout=10).json()["target"], "/again/%d" % i)
        print("rss with %d idle connections: %d KiB (baseline %d KiB)" % (N, rss, baseline))


if __name__ == "__main__":
    unittest.main()
