"""Forwarding rules (RFC 9110/9112 proxy behaviour): bodies, statuses,
hop-by-hop headers, X-Forwarded-*, Host, request log lines, admin health."""

import base64
import hashlib
import os
import unittest
import urllib.parse

from harness import (ProxyTestCase, connect, format_request, parse_responses, read_response,
                     read_until_close, request)


def raw_target(response_bytes):
    """upstream.py answers /raw?r=... with exactly these bytes, then closes."""
    return "/raw?r=" + base64.urlsafe_b64encode(response_bytes).decode()


def hdr(pairs, name):
    return [v for k, v in pairs if k.lower() == name.lower()]


class ForwardingTest(ProxyTestCase):

    def test_get_query_and_response_pass_through(self):
        q = urllib.parse.urlencode([("status", "418"), ("header", "X-Reply: yes"),
                                    ("header", "Set-Cookie: a=1; Path=/"),
                                    ("header", "Set-Cookie: b=2; Path=/"), ("x", "a b/c")])
        r = self.request("GET", "/path/to%20thing?" + q, [("X-Dup", "1"), ("X-Dup", "2"), ("Accept", "*/*")])
        self.assertEqual(r.status, 418)
        self.assertEqual(r.header("x-reply"), "yes")
        self.assertEqual(r.headers_all("set-cookie"), ["a=1; Path=/", "b=2; Path=/"])
        echo = r.json()
        self.assertEqual(echo["method"], "GET")
        self.assertEqual(echo["target"], "/path/to%20thing?" + q)
        self.assertEqual(hdr(echo["headers"], "x-dup"), ["1", "2"])
        self.assertEqual(hdr(echo["headers"], "accept"), ["*/*"])

    def test_post_body_intact(self):
        body = os.urandom(300000)
        r = self.request("POST", "/upload", [("Content-Type", "application/octet-stream")], body)
        self.assertEqual(r.status, 200)
        echo = r.json()
        self.assertEqual(echo["body_length"], len(body))
        self.assertEqual(echo["body_sha256"], hashlib.sha256(body).hexdigest())

    def test_chunked_request_body_intact(self):
        parts = [os.urandom(n) for n in (1, 5000, 70000)]
        body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
        r = self.request("PUT", "/chunked-up", [("Transfer-Encoding", "chunked")], body)
        self.assertEqual(r.status, 200, r)
        echo = r.json()
        self.assertEqual(echo["body_length"], sum(map(len, parts)))
        self.assertEqual(echo["body_sha256"], hashlib.sha256(b"".join(parts)).hexdigest())

    def test_upstream_error_statuses_pass_unchanged(self):
        for status in (404, 500, 503):
            r = self.request("GET", "/?status=%d" % status)
            self.assertEqual(r.status, status)
            self.assertEqual(r.json()["target"], "/?status=%d" % status)

    def test_hop_by_hop_request_headers_removed(self):
        r = self.request("GET", "/hop", [
            ("Connection", "close, X-Private, keep-alive"),
            ("X-Private", "secret"),
            ("Keep-Alive", "timeout=99"),
            ("TE", "trailers"),
            ("Proxy-Connection", "keep-alive"),
            ("X-Keep", "kept"),
        ])
        self.assertEqual(r.status, 200)
        names = [k.lower() for k, _ in r.json()["headers"]]
        for gone in ("x-private", "keep-alive", "te", "proxy-connection"):
            self.assertNotIn(gone, names, "hop-by-hop %s reached the upstream" % gone)
        for v in hdr(r.json()["headers"], "connection"):
            self.assertNotIn("x-private", v.lower())
        self.assertEqual(hdr(r.json()["headers"], "x-keep"), ["kept"])

    def test_hop_by_hop_response_headers_removed(self):
        q = urllib.parse.urlencode([("header", "Connection: X-Resp-Private"),
                                    ("header", "X-Resp-Private: 1"),
                                    ("header", "Keep-Alive: timeout=99"),
                                    ("header", "Proxy-Connection: keep-alive"),
                                    ("header", "X-End: 1")])
        r = self.request("GET", "/?" + q)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("x-end"), "1")
        self.assertIsNone(r.header("x-resp-private"))
        self.assertIsNone(r.header("proxy-connection"))
        self.assertNotIn("timeout=99", r.header("keep-alive") or "")
        self.assertNotIn("x-resp-private", (r.header("connection") or "").lower())

    def test_forwarded_headers_and_host_from_trusted_peer(self):
        r = self.request("GET", "/xff", [("Host", "client.example:8443"),
                                         ("X-Forwarded-For", "203.0.113.7")])
        h = r.json()["headers"]
        self.assertEqual(hdr(h, "host"), ["client.example:8443"], "Host must be kept")
        xff = [x.strip() for v in hdr(h, "x-forwarded-for") for x in v.split(",")]
        self.assertEqual(xff, ["203.0.113.7", "127.0.0.1"])
        self.assertEqual(hdr(h, "x-forwarded-proto"), ["http"])
        self.assertEqual(hdr(h, "x-forwarded-host"), ["client.example:8443"])

    def test_forwarded_headers_set_without_client_values(self):
        r = self.request("GET", "/xff", [("Host", "plain.example")])
        h = r.json()["headers"]
        self.assertEqual(hdr(h, "x-forwarded-for"), ["127.0.0.1"])
        self.assertEqual(hdr(h, "x-forwarded-proto"), ["http"])
        self.assertEqual(hdr(h, "x-forwarded-host"), ["plain.example"])

    def test_forwarded_for_replaced_from_untrusted_peer(self):
        self.start_proxy(trusted_proxies=["192.0.2.1"])
        r = self.request("GET", "/xff", [("Host", "real.example"),
                                         ("X-Forwarded-For", "203.0.113.7"),
                                         ("X-Forwarded-For", "198.51.100.1"),
                                         ("X-Forwarded-Proto", "https"),
                                         ("X-Forwarded-Host", "evil.example")])
        h = r.json()["headers"]
        self.assertEqual(hdr(h, "x-forwarded-for"), ["127.0.0.1"], "client XFF from an untrusted peer kept")
        self.assertEqual(hdr(h, "x-forwarded-proto"), ["http"])
        self.assertEqual(hdr(h, "x-forwarded-host"), ["real.example"])
        self.assertEqual(hdr(h, "host"), ["real.example"])

    def test_bodiless_responses_keep_connection_framing(self):
        s = connect(self.proxy.port)
        try:
            s.sendall(format_request("HEAD", "/head"))
            r = read_response(s, method="HEAD")
            self.assertEqual(r.status, 200)
            self.assertEqual(r.body, b"")
            self.assertGreater(int(r.header("content-length")), 0, "HEAD keeps the GET length")
            self.assertEqual(r.rest, b"", "HEAD response carried a body")
            s.sendall(format_request("GET", "/?status=204"))
            r = read_response(s, r.rest)
            self.assertEqual(r.status, 204)
            self.assertEqual(r.rest, b"")
            s.sendall(format_request("GET", "/third"))
            r = read_response(s, r.rest)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json()["target"], "/third")
        finally:
            s.close()

    def test_request_log_line(self):
        r = self.request("GET", "/logged?x=1")
        self.assertEqual(r.status, 200)
        line = self.proxy.wait_line(lambda o: o.get("event") == "request" and o.get("status") == 200, 5)
        self.assertIsNotNone(line, "no request log line: %r" % self.proxy.lines)
        # Every field is checked in test_access_log.py; here, that it is this request's line.
        self.assertEqual((line["method"], line["path"], line["host"]), ("GET", "/logged", "test.local"), line)
        self.assertEqual(line["request_id"], dict((k.lower(), v) for k, v in r.json()["headers"])["x-request-id"])

    def test_admin_healthz(self):
        self.assertIsNotNone(self.proxy.admin_port, "listening line without admin: %r" % self.proxy.listening)
        r = request(self.proxy.admin_port, "GET", "/healthz")
        self.assertEqual(r.status, 200)
        log = self.upstream.log()
        self.assertEqual(log["requests"], [], "admin request reached the upstream")


class UpstreamResponseFramingTest(ProxyTestCase):
    """What a broken upstream sends never reaches the client ambiguously."""

    def exchange(self, response_bytes):
        s = connect(self.proxy.port)
        try:
            s.sendall(format_request("GET", raw_target(response_bytes)) + format_request("GET", "/second"))
            data, closed = read_until_close(s, 5)
        finally:
            s.close()
        return data, closed

    def test_ambiguous_or_malformed_responses_become_502(self):
        """The request was read whole: after the 502 the client connection goes
        on (as nginx) and the pipelined request behind it is answered."""
        cases = {
            "cl_and_te": b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\nTransfer-Encoding: chunked\r\n\r\n"
                         b"5\r\nhello\r\n0\r\n\r\n",
            "cl_cl_differ": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello",
            "bare_cr": b"HTTP/1.1 200 OK\r\nX-A: a\rSet-Cookie: x=1\r\nContent-Length: 5\r\n\r\nhello",
            "nul": b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 5\r\n\r\nhello",
            "not_http": b"FOO\r\n\r\n",
        }
        for name, resp in cases.items():
            with self.subTest(name):
                data, closed = self.exchange(resp)
                rs = parse_responses(data)
                self.assertEqual([r.status for r in rs], [502, 200], "%s: %r" % (name, data[:300]))
                self.assertEqual(rs[1].json()["target"], "/second", name)
                self.assertFalse(closed, "%s: the client connection was closed after a 502" % name)
                self.assertNotIn(b"x=1", data)

    def test_close_delimited_response_is_reframed(self):
        data, closed = self.exchange(b"HTTP/1.1 200 OK\r\n\r\nhello until close")
        rs = parse_responses(data)
        # Re-framed as chunked, so the client connection goes on (a bare close would lose /second).
        self.assertEqual([r.status for r in rs], [200, 200], data[:300])
        self.assertEqual(rs[0].header("Transfer-Encoding"), "chunked", data[:300])
        self.assertEqual(rs[0].body, b"hello until close")
        self.assertEqual(rs[1].json()["target"], "/second")
        self.assertFalse(closed, "the client connection was closed after a re-framed response")

    def test_short_body_closes_client(self):
        data, closed = self.exchange(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nhello")
        self.assertTrue(closed)
        self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:200])
        self.assertEqual(parse_responses(data), [], "a truncated response must not parse as complete")
        self.assertNotIn(b"/second", data)


if __name__ == "__main__":
    unittest.main()
