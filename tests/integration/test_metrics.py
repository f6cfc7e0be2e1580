"""/metrics scraped after known traffic: every counter and histogram count the
traffic should move is checked exactly."""

import json
import os
import re
import signal
import time
import unittest
import urllib.parse

from harness import ProxyTestCase, connect, format_request, read_response, request, send_raw, to_yaml


def scrape(admin_port):
    r = request(admin_port, "GET", "/metrics")
    assert r.status == 200, r
    assert r.header("content-type").startswith("text/plain; version=0.0.4"), r
    samples = {}
    for line in r.body.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def scrape_when(admin_port, ready, timeout=10):
    """The first scrape for which ready(samples) holds, or the last one after
    timeout: a request is counted once its response is written, maybe on
    another I/O thread than the one serving the scrape."""
    deadline = time.monotonic() + timeout
    while True:
        m = scrape(admin_port)
        if ready(m) or time.monotonic() > deadline:
            return m
        time.sleep(0.05)


def with_header(path, name, value):
    return path + "?" + urllib.parse.urlencode({"header": "%s:%s" % (name, value)})


class MetricsTest(ProxyTestCase):

    def test_counters_and_histograms_after_known_traffic(self):
        before = scrape(self.proxy.admin_port)
        for name in ("sessiongate_requests_total{method=\"GET\",status=\"2xx\"}",
                     "sessiongate_request_duration_seconds_count",
                     "sessiongate_connections_accepted_total"):
            self.assertEqual(before[name], 0, name)
        self.assertEqual(before["sessiongate_build_info{store=\"lmdb\",version=\"0.1.0\"}"], 1)

        # 1. Three GETs on one keep-alive connection, one a 404 from the upstream.
        with connect(self.proxy.port) as s:
            buf = b""
            for target in ("/a", "/b", "/missing?status=404"):
                s.sendall(format_request("GET", target))
                r = read_response(s, buf)
                buf = r.rest
        # 2. A POST that creates a session; then a request with its cookie that
        #    saves it again, and one that cycles it.
        r = self.request("POST", with_header("/login", "X-Session-Update", json.dumps({"user": 1})), body=b"x=1")
        cookie = r.header("set-cookie").split(";")[0]
        self.assertEqual(self.request("GET", with_header("/edit", "X-Session-Update", '{"n":2}'),
                                      [("Cookie", cookie)]).status, 200)
        r = self.request("GET", with_header("/cycle", "X-Session-Action", "cycle"), [("Cookie", cookie)])
        cookie = r.header("set-cookie").split(";")[0]
        # 3. A malformed control header (ignored, counted), a session too large,
        #    and a flush.
        self.request("GET", with_header("/bad", "X-Session-Update", "{not json"), [("Cookie", cookie)])
        self.request("GET", with_header("/big", "X-Session-Update", json.dumps({"blob": "x" * 20000})),
                     [("Cookie", cookie)])
        self.request("DELETE", with_header("/logout", "X-Session-Action", "flush"), [("Cookie", cookie)])
        # 4. A request the proxy refuses itself (no upstream time).
        self.assertEqual(send_raw(self.proxy.port, b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").status(), 400)

        # The last connection's close is counted when the proxy sees it.
        m = scrape_when(self.proxy.admin_port,
                        lambda m: m["sessiongate_request_duration_seconds_count"] >= 10
                        and m["sessiongate_connections_active"] == 0)
        req = lambda method, status: m["sessiongate_requests_total{method=\"%s\",status=\"%s\"}" % (method, status)]
        self.assertEqual(req("GET", "2xx"), 2 + 4)  # /a /b /edit /cycle /bad /big
        self.assertEqual(req("GET", "4xx"), 1)  # the upstream's 404
        self.assertEqual(req("other", "4xx"), 1)  # our 400, refused before its method was read
        self.assertEqual(req("POST", "2xx"), 1)
        self.assertEqual(req("DELETE", "2xx"), 1)
        self.assertEqual(req("GET", "5xx"), 0)
        self.assertEqual(m["sessiongate_request_duration_seconds_count"], 10)
        self.assertEqual(m["sessiongate_request_duration_seconds_bucket{le=\"+Inf\"}"], 10)
        self.assertEqual(m["sessiongate_upstream_first_byte_seconds_count"], 9)  # all but the 400
        # Loads: the five requests that carried a cookie. Writes: created,
        # saved, cycled, too large (refused in the store), flushed.
        self.assertEqual(m["sessiongate_store_operation_seconds_count{operation=\"load\"}"], 5)
        self.assertEqual(m["sessiongate_store_operation_seconds_count{operation=\"write\"}"], 5)
        events = lambda e: m["sessiongate_sessions_total{event=\"%s\"}" % e]
        self.assertEqual([events(e) for e in ("created", "saved", "cycled", "flushed", "deleted", "too_large")],
                         [1, 1, 1, 1, 0, 1])
        self.assertEqual(m["sessiongate_control_header_errors_total"], 1)
        self.assertEqual(m["sessiongate_store_errors_total"], 0)
        self.assertEqual(m["sessiongate_upstream_errors_total"], 0)
        # 1 keep-alive + 6 one-shot + 1 raw; the scrapes are on the admin port.
        self.assertEqual(m["sessiongate_connections_accepted_total"], 8)
        self.assertEqual(m["sessiongate_connections_active"], 0)
        self.assertEqual(m["sessiongate_tunnels_active"], 0)
        self.assertEqual(m["sessiongate_sessions_stored"], 0)  # flushed
        self.assertGreater(m["sessiongate_lmdb_map_size_bytes"], 0)
        self.assertGreater(m["sessiongate_lmdb_map_used_bytes"], 0)
        self.assertLess(m["sessiongate_lmdb_map_used_bytes"], m["sessiongate_lmdb_map_size_bytes"])

    def test_upstream_errors_and_an_open_connection(self):
        s = connect(self.proxy.port)
        self.addCleanup(s.close)
        s.sendall(format_request("GET", "/keep"))
        read_response(s)
        self.upstream.stop()
        self.assertEqual(self.request("GET", "/down").status, 502)
        # /down's connection is counted closed once the proxy sees its close.
        m = scrape_when(self.proxy.admin_port,
                        lambda m: m["sessiongate_requests_total{method=\"GET\",status=\"5xx\"}"] >= 1
                        and m["sessiongate_connections_active"] <= 1)
        self.assertEqual(m["sessiongate_upstream_errors_total"], 1)
        self.assertEqual(m["sessiongate_requests_total{method=\"GET\",status=\"5xx\"}"], 1)
        self.assertEqual(m["sessiongate_upstream_first_byte_seconds_count"], 1)  # only /keep got an answer
        self.assertEqual(m["sessiongate_connections_active"], 1)  # the keep-alive one

    def test_reloads_and_restart_required(self):
        path = self.proxy.config_path
        config = dict(self.proxy.config)
        os.kill(self.proxy.pid, signal.SIGHUP)
        self.assertIsNotNone(self.proxy.wait_line(lambda o: o.get("event") == "reloaded", 10))
        with open(path, "w") as f:
            f.write("threads: [\n")
        os.kill(self.proxy.pid, signal.SIGHUP)
        self.assertIsNotNone(self.proxy.wait_line(lambda o: o.get("event") == "reload_failed", 10))
        config["threads"] += 1  # differs from the running value, whatever TEST_PROXY_THREADS set
        with open(path, "w") as f:
            f.write(to_yaml(config) + "\n")
        os.kill(self.proxy.pid, signal.SIGHUP)
        self.assertIsNotNone(self.proxy.wait_line(lambda o: o.get("event") == "restart_required", 10))
        m = scrape_when(self.proxy.admin_port, lambda m: m["sessiongate_config_reloads_total{result=\"ok\"}"] == 2)
        self.assertEqual(m["sessiongate_config_reloads_total{result=\"ok\"}"], 2)
        self.assertEqual(m["sessiongate_config_reloads_total{result=\"refused\"}"], 1)
        self.assertEqual(m["sessiongate_restart_required{setting=\"threads\"}"], 1)
        self.assertEqual([k for k in m if k.startswith("sessiongate_restart_required")],
                         ["sessiongate_restart_required{setting=\"threads\"}"])


if __name__ == "__main__":
    unittest.main()
