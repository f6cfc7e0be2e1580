"""Malformed and ambiguous requests: rejected with the right status, the
connection closed, nothing forwarded (raw sockets; the request-smuggling set).

Every bad request carries a second request (GET /smuggled) in its body, so a
proxy that frames it differently from the upstream would forward it.
"""

import time
import unittest

from harness import ProxyTestCase, connect, format_request, read_response, wait_closed

SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"


def post(headers, body=b"", line=b"POST / HTTP/1.1"):
    return line + b"\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n" + body


H = b"Host: a"

# (name, bytes, accepted statuses). Each must be refused from its head:
# the upstream must receive no byte at all.
HEAD_CASES = [
    # Content-Length / Transfer-Encoding ambiguity (CL.TE, TE.CL)
    ("cl_and_te", post([H, b"Content-Length: 6", b"Transfer-Encoding: chunked"], b"0\r\n\r\n" + SMUGGLED), {400}),
    ("te_and_cl", post([H, b"Transfer-Encoding: chunked", b"Content-Length: 40"], b"0\r\n\r\n" + SMUGGLED), {400}),
    ("cl_cl_differ", post([H, b"Content-Length: 1", b"Content-Length: 36"], b"x" + SMUGGLED), {400}),
    ("cl_list_differ", post([H, b"Content-Length: 1, 36"], b"x" + SMUGGLED), {400}),
    ("te_chunked_identity", post([H, b"Transfer-Encoding: chunked, identity"], b"0\r\n\r\n" + SMUGGLED), {400}),
    ("te_chunked_then_gzip_lines", post([H, b"Transfer-Encoding: chunked", b"Transfer-Encoding: gzip"], b"0\r\n\r\n" + SMUGGLED), {400}),
    ("te_gzip", post([H, b"Transfer-Encoding: gzip"], b"0\r\n\r\n" + SMUGGLED), {400}),
    ("te_identity", post([H, b"Transfer-Encoding: identity"], b"0\r\n\r\n" + SMUGGLED), {400}),
    ("te_xchunked", post([H, b"Transfer-Encoding: xchunked"], b"0\r\n\r\n" + SMUGGLED), {400}),
    ("te_chunked_twice", post([H, b"Transfer-Encoding: chunked, chunked"], b"0\r\n\r\n" + SMUGGLED), {400}),
    ("te_space_before_colon", post([H, b"Transfer-Encoding : chunked", b"Content-Length: 5"], b"0\r\n\r\n" + SMUGGLED), {400}),
    ("te_vtab", post([H, b"Transfer-Encoding:\x0bchunked"], b"0\r\n\r\n" + SMUGGLED), {400}),
    ("te_obs_fold", post([H, b"Transfer-Encoding:", b" chunked"], b"0\r\n\r\n" + SMUGGLED), {400}),
    ("te_in_http10", post([H, b"Transfer-Encoding: chunked"], b"0\r\n\r\n" + SMUGGLED, line=b"POST / HTTP/1.0"), {400}),
    # Content-Length values
    ("cl_not_number", post([H, b"Content-Length: abc"], SMUGGLED), {400}),
    ("cl_plus", post([H, b"Content-Length: +5"], b"xxxxx" + SMUGGLED), {400}),
    ("cl_negative", post([H, b"Content-Length: -1"], SMUGGLED), {400}),
    ("cl_hex", post([H, b"Content-Length: 0x5"], b"xxxxx" + SMUGGLED), {400}),
    ("cl_two_numbers", post([H, b"Content-Length: 5 5"], b"xxxxx" + SMUGGLED), {400}),
    ("cl_empty", post([H, b"Content-Length: "], SMUGGLED), {400}),
    ("cl_overflow", post([H, b"Content-Length: 184467440737095516160"], SMUGGLED), {400, 413}),
    # header syntax
    ("obs_fold", post([H, b"X-Foo: a", b" b"], SMUGGLED), {400}),
    ("obs_fold_first_line", post([b" X-Foo: a", H], SMUGGLED), {400}),
    ("bare_cr_in_value", post([H, b"X-Foo: a\rb"], SMUGGLED), {400}),
    ("bare_cr_splits_header", post([b"Host: a\rTransfer-Encoding: chunked"], b"0\r\n\r\n" + SMUGGLED), {400}),
    ("nul_in_value", post([H, b"X-Foo: a\x00b"], SMUGGLED), {400}),
    ("nul_in_name", post([H, b"X-F\x00oo: a"], SMUGGLED), {400}),
    ("ctl_01_in_value", post([H, b"X-Foo: a\x01b"], SMUGGLED), {400}),
    ("ctl_esc_in_value", post([H, b"X-Foo: a\x1bb"], SMUGGLED), {400}),
    ("del_in_value", post([H, b"X-Foo: a\x7fb"], SMUGGLED), {400}),
    ("space_in_name", post([H, b"X Foo: a"], SMUGGLED), {400}),
    ("no_colon", post([H, b"XFoo"], SMUGGLED), {400}),
    ("empty_name", post([H, b": a"], SMUGGLED), {400}),
    ("missing_host_http11", post([b"X-Foo: a"], SMUGGLED, line=b"GET / HTTP/1.1"), {400}),
    ("two_hosts", post([H, b"Host: b"], SMUGGLED, line=b"GET / HTTP/1.1"), {400}),
    # RFC 9112 3.2: a Host with an invalid field value MUST get 400
    ("host_with_space", post([b"Host: a b"], SMUGGLED, line=b"GET / HTTP/1.1"), {400}),
    ("host_with_slash", post([b"Host: a/b"], SMUGGLED, line=b"GET / HTTP/1.1"), {400}),
    # RFC 9112 3.2: an empty Host only goes with a target without authority
    ("host_empty", post([b"Host:"], SMUGGLED, line=b"GET / HTTP/1.1"), {400}),
    ("host_only_spaces", post([b"Host:   "], SMUGGLED, line=b"GET / HTTP/1.1"), {400}),
    ("host_empty_http10", post([b"Host:"], SMUGGLED, line=b"GET / HTTP/1.0"), {400}),
    # request line
    ("line_extra_token", post([H], SMUGGLED, line=b"GET / HTTP/1.1 junk"), {400}),
    ("line_leading_space", post([H], SMUGGLED, line=b" GET / HTTP/1.1"), {400}),
    ("line_bad_method_char", post([H], SMUGGLED, line=b"G(T / HTTP/1.1"), {400}),
    ("line_lowercase_version", post([H], SMUGGLED, line=b"GET / http/1.1"), {400}),
    ("line_bad_version", post([H], SMUGGLED, line=b"GET / HTTP/1.x"), {400, 505}),
    ("line_http09", b"GET /\r\n\r\n" + SMUGGLED, {400}),
    ("line_fragment_in_target", post([H], SMUGGLED, line=b"GET /a#frag HTTP/1.1"), {400}),
    ("line_nul_in_target", post([H], SMUGGLED, line=b"GET /a\x00b HTTP/1.1"), {400}),
    ("line_ctl_in_target", post([H], SMUGGLED, line=b"GET /a\x01b HTTP/1.1"), {400}),
    ("line_bare_cr", post([H], SMUGGLED, line=b"GET /\r HTTP/1.1"), {400}),
    ("line_binary_junk", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n" + SMUGGLED, {400}),
]

# Bad chunked framing: the head is fine, the first chunk line is not. The bad
# line arrives in the same write as the head.
CHUNK_CASES = [
    ("chunk_negative", b"-5\r\nhello\r\n0\r\n\r\n"),
    ("chunk_huge", b"ffffffffffffffffffff\r\nhello\r\n0\r\n\r\n"),
    ("chunk_hex_garbage", b"zz\r\nhello\r\n0\r\n\r\n"),
    ("chunk_0x_prefix", b"0x5\r\nhello\r\n0\r\n\r\n"),
    ("chunk_plus", b"+5\r\nhello\r\n0\r\n\r\n"),
    ("chunk_empty_size", b"\r\nhello\r\n0\r\n\r\n"),
    ("chunk_two_numbers", b"5 5\r\nhello\r\n0\r\n\r\n"),
    ("chunk_ext_nul", b"5;a\x00b\r\nhello\r\n0\r\n\r\n"),
    ("chunk_ext_ctl", b"5;a=\x01\r\nhello\r\n0\r\n\r\n"),
    ("chunk_ext_bare_cr", b"5;a\rb\r\nhello\r\n0\r\n\r\n"),
    ("chunk_ext_unterminated_quote", b"5;a=\"b\r\nhello\r\n0\r\n\r\n"),
]

# Bad chunked framing after a valid first chunk: the proxy may already have
# passed the head and the first chunk on, but the upstream must never receive
# a complete request, the bytes after the bad point, or the smuggled request.
LATE_CHUNK_CASES = [
    ("chunk_data_overrun", b"5\r\nhelloXX\r\n0\r\n\r\n", b"XX"),
    ("chunk_bad_second_size", b"5\r\nhello\r\nzz\r\nhello\r\n0\r\n\r\n", b"zz"),
    ("chunk_nul_in_trailer", b"5\r\nhello\r\n0\r\nX-T: a\x00b\r\n\r\n", b"X-T"),
]


class FramingTest(ProxyTestCase):
    CONFIG = {"limits": {"max_request_header_bytes": 4096, "max_request_body_bytes": 1024}}

    def rejected(self, name, data, statuses, timeout=3):
        """Send data; assert one response with a status in statuses, then close."""
        self.upstream.reset()
        res = self.raw(data, timeout=timeout)
        responses = res.responses()
        self.assertTrue(responses, "%s: no response at all: %r" % (name, res))
        self.assertIn(responses[0].status, statuses, "%s: %r" % (name, res))
        self.assertEqual(len(responses), 1, "%s: more than one response: %r" % (name, res))
        self.assertTrue(res.closed, "%s: connection left open after %d" % (name, responses[0].status))
        return res

    def upstream_raw(self):
        time.sleep(0.1)
        log = self.upstream.log()
        return log, "".join(c["raw"] for c in log["connections"])

    def test_head_level_rejections(self):
        for name, data, statuses in HEAD_CASES:
            with self.subTest(name):
                self.rejected(name, data, statuses)
                self.assertNothingForwarded(name)

    def test_bad_chunk_sizes_rejected_before_forwarding(self):
        head = b"POST /chunky HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        for name, body in CHUNK_CASES:
            with self.subTest(name):
                self.rejected(name, head + body + SMUGGLED, {400})
                self.assertNothingForwarded(name)

    def test_bad_chunk_framing_mid_body_never_completes_upstream(self):
        head = b"POST /chunky HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        for name, body, marker in LATE_CHUNK_CASES:
            with self.subTest(name):
                self.rejected(name, head + body + SMUGGLED, {400})
                log, raw = self.upstream_raw()
                complete = [r["target"] for r in log["requests"] if r.get("complete")]
                self.assertEqual(complete, [], "%s: upstream received a complete request" % name)
                self.assertNotIn("/smuggled", raw, name)
                self.assertNotIn(marker.decode(), raw, "%s: bytes after the error reached the upstream" % name)

    def test_valid_edge_cases_are_forwarded(self):
        """Positive controls for the set above: legal framing passes intact."""
        cases = [
            ("chunked_ext_and_trailer", [b"Transfer-Encoding: chunked"],
             b"5;name=val;q=\"x y\"\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n", 11),
            ("chunked_uppercase", [b"Transfer-Encoding: Chunked"], b"3\r\nabc\r\n0\r\n\r\n", 3),
            ("cl_leading_zeros", [b"Content-Length: 005"], b"hello", 5),
            ("cl_zero", [b"Content-Length: 0"], b"", 0),
            ("tab_in_value", [b"Content-Length: 2", b"X-Tab: a\tb"], b"ok", 2),
            ("body_at_limit", [b"Content-Length: 1024"], b"b" * 1024, 1024),
        ]
        for name, headers, body, length in cases:
            with self.subTest(name):
                self.upstream.reset()
                data = post([H, b"Connection: close"] + headers, body)
                res = self.raw(data, timeout=5)
                rs = res.responses()
                self.assertEqual(len(rs), 1, "%s: %r" % (name, res))
                self.assertEqual(rs[0].status, 200, "%s: %r" % (name, res))
                echo = rs[0].json()
                self.assertEqual(echo["body_length"], length, name)
                log = self.upstream.log()
                self.assertEqual([r["target"] for r in log["requests"]], ["/"], name)

    def test_body_that_looks_like_a_request_stays_a_body(self):
        """Valid framing whose body is an HTTP request: one request upstream, body intact,
        and a pipelined request after it is a separate request."""
        nxt = b"GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(SMUGGLED), SMUGGLED)
        for name, framing, body in [("content_length", b"Content-Length: %d" % len(SMUGGLED), SMUGGLED),
                                    ("chunked", b"Transfer-Encoding: chunked", chunked)]:
            with self.subTest(name):
                self.upstream.reset()
                res = self.raw(post([H, framing], body) + nxt, timeout=5)
                rs = res.responses()
                self.assertEqual([r.status for r in rs], [200, 200], res)
                self.assertEqual(rs[0].json()["body_length"], len(SMUGGLED))
                self.assertEqual(rs[1].json()["target"], "/next")
                targets = [r["target"] for r in self.upstream.log()["requests"]]
                self.assertEqual(targets, ["/", "/next"])

    def test_http10_and_absolute_form(self):
        # HTTP/1.0 without keep-alive: answered, then closed.
        self.upstream.reset()
        res = self.raw(b"GET /ten?q=1 HTTP/1.0\r\nHost: a\r\n\r\n", timeout=5)
        rs = res.responses()
        self.assertEqual(len(rs), 1, res)
        self.assertEqual(rs[0].status, 200, res)
        self.assertTrue(res.closed, "HTTP/1.0 response without keep-alive must close")
        self.assertEqual(rs[0].json()["target"], "/ten?q=1")
        # absolute-form (RFC 9112 3.2.2: a server MUST accept it)
        self.upstream.reset()
        res = self.raw(b"GET http://a/abs?x=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", timeout=5)
        rs = res.responses()
        self.assertEqual(len(rs), 1, res)
        self.assertEqual(rs[0].status, 200, res)
        self.assertIn(rs[0].json()["target"], ("/abs?x=1", "http://a/abs?x=1"))

    def test_header_block_too_large_431(self):
        big = b"X-Big: " + b"a" * 8000
        self.rejected("one_big_header", post([H, big], SMUGGLED), {431})
        self.assertNothingForwarded("one_big_header")
        many = [b"X-H%d: %s" % (i, b"v" * 90) for i in range(60)]
        self.rejected("many_headers", post([H] + many, SMUGGLED), {431})
        self.assertNothingForwarded("many_headers")
        self.rejected("long_target", post([H], SMUGGLED, line=b"GET /" + b"p" * 8000 + b" HTTP/1.1"), {414, 431})
        self.assertNothingForwarded("long_target")
        # just under the limit passes
        self.upstream.reset()
        r = self.request("GET", "/fits", [("X-Big", "a" * 3000)])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["target"], "/fits")

    def test_body_over_limit_413(self):
        self.rejected("content_length_over", post([H, b"Content-Length: 2048"], b"x" * 2048), {413})
        self.assertNothingForwarded("content_length_over")
        # Declared length over the limit: refused from the head, body never sent.
        self.upstream.reset()
        s = connect(self.proxy.port)
        try:
            t0 = time.monotonic()
            s.sendall(post([H, b"Content-Length: 100000000"]))
            r = read_response(s, timeout=3)
            self.assertEqual(r.status, 413, r)
            closed, _ = wait_closed(s, 3)
            self.assertTrue(closed, "connection left open after 413")
            self.assertLess(time.monotonic() - t0, 3)
        finally:
            s.close()
        self.assertNothingForwarded("declared_over")
        # Chunked: the limit is only crossed mid-body.
        self.upstream.reset()
        body = b"400\r\n" + b"c" * 1024 + b"\r\n400\r\n" + b"d" * 1024 + b"\r\n0\r\n\r\n"
        self.rejected("chunked_over", post([H, b"Transfer-Encoding: chunked"], body + SMUGGLED), {413})
        log, raw = self.upstream_raw()
        self.assertEqual([r for r in log["requests"] if r.get("complete")], [],
                         "upstream received a complete over-limit request")
        self.assertNotIn("d" * 16, raw, "bytes over the limit reached the upstream")

    def test_proxy_still_serves_after_rejections(self):
        for name, data, statuses in HEAD_CASES[:5]:
            self.rejected(name, data, statuses)
        r = self.request("GET", "/after")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["target"], "/after")


if __name__ == "__main__":
    unittest.main()
