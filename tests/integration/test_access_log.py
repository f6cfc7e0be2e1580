"""The access log: one JSON line per request on stdout, checked field by field
against what really crossed the wire; errors on stderr with the same request
id; the query string only with log.query; the session named by its handle,
never by its id."""

import json
import time
import unittest
import urllib.parse

from harness import ProxyTestCase, connect, format_request


def update(patch, path="/login"):
    return path + "?" + urllib.parse.urlencode({"token": "s3cret", "header": "X-Session-Update:" + json.dumps(patch)})


class AccessLogTest(ProxyTestCase):
    CONFIG = {"trusted_proxies": ["127.0.0.1"]}

    def exchange(self, method, target, headers=()):
        """One request on its own connection; the response."""
        return self.request(method, target, headers)

    def request_id(self, response):
        return dict((k.lower(), v) for k, v in response.json()["headers"])["x-request-id"]

    def access_line(self, request_id):
        line = self.proxy.wait_line(lambda o: o.get("event") == "request" and o.get("request_id") == request_id, 5)
        self.assertIsNotNone(line, "no access line for %s: %r" % (request_id, self.proxy.lines[-5:]))
        return line

    def test_a_real_line_field_by_field(self):
        body = b"user=ada&password=lovelace"
        headers = [("X-Forwarded-For", "198.51.100.20, 203.0.113.9"), ("User-Agent", "curl/8.0 (test)"),
                   ("Content-Type", "application/x-www-form-urlencoded")]
        data = format_request("POST", update({"member_id": 42}), headers + [("Connection", "close")], body)
        with connect(self.proxy.port) as s:
            started = time.monotonic()
            s.sendall(data)
            received = b""
            s.settimeout(5)
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                received += chunk
            elapsed_us = (time.monotonic() - started) * 1e6
        head, _, rest = received.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200"), head)
        echo = json.loads(rest)
        request_id = dict((k.lower(), v) for k, v in echo["headers"])["x-request-id"]
        cookie = [l for l in head.decode().split("\r\n") if l.lower().startswith("set-cookie:")][0]
        session_id = cookie.split(":", 1)[1].strip().split(";")[0].split("=", 1)[1]

        line = self.access_line(request_id)
        self.assertEqual(line["level"], "info")
        self.assertEqual(line["client"], "203.0.113.9")  # through the trusted peer 127.0.0.1
        self.assertEqual(line["method"], "POST")
        self.assertEqual(line["host"], "test.local")
        self.assertEqual(line["path"], "/login")  # no query string by default
        self.assertEqual(line["status"], 200)
        self.assertEqual(line["bytes_in"], len(data))
        self.assertEqual(line["bytes_out"], len(received))
        self.assertGreater(line["duration_us"], 0)
        self.assertLessEqual(line["duration_us"], elapsed_us)
        self.assertGreater(line["upstream_us"], 0)
        self.assertLessEqual(line["upstream_us"], line["duration_us"])
        self.assertEqual(line["user_agent"], "curl/8.0 (test)")
        self.assertEqual(line["session_state"], "none")
        self.assertEqual(line["session_event"], "created")
        handle = line["session"]
        self.assertNotIn("note", line)
        self.assertRegex(line["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

        # The next request of that session: the handle is the X-Session-Id
        # the upstream saw, and the id itself is in no line at all.
        r = self.exchange("GET", "/account", [("Cookie", "sessionid=" + session_id)])
        seen = dict((k.lower(), v) for k, v in r.json()["headers"])
        line = self.access_line(seen["x-request-id"])
        self.assertEqual(line["session"], handle)
        self.assertEqual(seen["x-session-id"], handle)
        self.assertEqual(line["session_state"], "active")
        self.assertNotIn("session_event", line)  # nothing written
        for logged in self.proxy.all_lines:
            self.assertNotIn(session_id, json.dumps(logged))
            self.assertNotIn("s3cret", json.dumps(logged))

    def test_untrusted_peer_is_the_client(self):
        self.start_proxy(trusted_proxies=[])
        r = self.exchange("GET", "/", [("X-Forwarded-For", "203.0.113.9")])
        line = self.access_line(self.request_id(r))
        self.assertEqual(line["client"], "127.0.0.1")

    def test_query_string_with_log_query(self):
        self.start_proxy(log={"query": True})
        r = self.exchange("GET", "/search?q=sessions&page=2")
        line = self.access_line(self.request_id(r))
        self.assertEqual(line["path"], "/search?q=sessions&page=2")

    def test_local_answer_has_a_note_and_no_upstream_time(self):
        r = self.exchange("GET", "/", [("Expect", "teapot")])
        self.assertEqual(r.status, 417)
        line = self.proxy.wait_line(lambda o: o.get("event") == "request" and o.get("status") == 417, 5)
        self.assertIsNotNone(line)
        self.assertEqual(line["note"], "unsupported Expect")
        self.assertNotIn("upstream_us", line)
        self.assertEqual(self.upstream.log()["requests"], [])

    def test_errors_on_stderr_with_the_request_id(self):
        self.upstream.stop()
        r = self.exchange("GET", "/gone?x=1", [("X-Request-Id", "trace-77")])
        self.assertEqual(r.status, 502)
        line = self.access_line("trace-77")
        error = self.proxy.wait_line(lambda o: o.get("event") == "upstream_error", 5)
        self.assertIsNotNone(error)
        self.assertIn(error, self.proxy.error_lines)
        self.assertNotIn("upstream_error", [l.get("event") for l in self.proxy.lines])
        self.assertEqual(error["level"], "error")
        self.assertEqual(error["request_id"], "trace-77")
        self.assertEqual(error["path"], "/gone")
        self.assertEqual(line["status"], 502)
        self.assertEqual(line["session_state"], "none")

    def test_log_access_false_writes_no_request_lines(self):
        self.start_proxy(log={"access": False})
        self.exchange("GET", "/quiet")
        time.sleep(0.3)
        self.assertEqual([l for l in self.proxy.lines if l.get("event") == "request"], [])


if __name__ == "__main__":
    unittest.main()
