"""Request smuggling against the real proxy on raw sockets: every request is
refused, or forwarded in one unambiguous form, judged on the bytes the
upstream received (read by a strict parser, hostile_support.strict_requests),
never on the status alone.

Every bad request carries GET /smuggled where a parser that frames it
differently would find a second request.
"""

import glob
import os
import unittest

from harness import HERE, ProxyTestCase
from hostile_support import forwarded, strict_requests

SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
CORPUS = os.path.join(os.path.dirname(HERE), "fuzz", "corpus", "request_head")


def head(*fields, line=b"POST / HTTP/1.1", host=b"Host: a"):
    lines = [line] + ([host] if host else []) + list(fields)
    return b"".join(l + b"\r\n" for l in lines) + b"\r\n"


CHUNKED = b"Transfer-Encoding: chunked"

# (name, bytes): refused from the head, so the upstream receives no byte.
REFUSED = [
    # CL.TE and TE.CL
    ("cl_te", head(b"Content-Length: 6", CHUNKED) + b"0\r\n\r\n" + SMUGGLED),
    ("te_cl", head(CHUNKED, b"Content-Length: 40") + b"0\r\n\r\n" + SMUGGLED),
    ("te_cl_list", head(CHUNKED, b"Content-Length: 40, 40") + b"0\r\n\r\n" + SMUGGLED),
    # TE.TE: a second coding or a disguised name or value
    ("te_te_second_field", head(CHUNKED, b"Transfer-Encoding: x") + b"0\r\n\r\n" + SMUGGLED),
    ("te_te_identity_first", head(b"Transfer-Encoding: identity", CHUNKED) + b"0\r\n\r\n" + SMUGGLED),
    ("te_quoted", head(b'Transfer-Encoding: "chunked"') + b"0\r\n\r\n" + SMUGGLED),
    ("te_parameter", head(b"Transfer-Encoding: chunked;q=1") + b"0\r\n\r\n" + SMUGGLED),
    ("te_xchunked", head(b"Transfer-Encoding: xchunked", b"Content-Length: 5") + b"0\r\n\r\n" + SMUGGLED),
    ("te_vtab_value", head(b"Transfer-Encoding:\x0bchunked") + b"0\r\n\r\n" + SMUGGLED),
    ("te_ff_value", head(b"Transfer-Encoding: \x0cchunked") + b"0\r\n\r\n" + SMUGGLED),
    ("te_nul_value", head(b"Transfer-Encoding: chunked\x00") + b"0\r\n\r\n" + SMUGGLED),
    ("te_cr_value", head(b"Transfer-Encoding: chun\rked") + b"0\r\n\r\n" + SMUGGLED),
    ("te_del_value", head(b"Transfer-Encoding: chunked\x7f") + b"0\r\n\r\n" + SMUGGLED),
    ("te_space_before_colon", head(b"Transfer-Encoding : chunked", b"Content-Length: 5") + b"0\r\n\r\n" + SMUGGLED),
    ("te_tab_before_colon", head(b"Transfer-Encoding\t: chunked") + b"0\r\n\r\n" + SMUGGLED),
    ("te_leading_space_name", head(b" Transfer-Encoding: chunked") + b"0\r\n\r\n" + SMUGGLED),
    ("te_obs_fold_value", head(b"Transfer-Encoding:", b"\tchunked") + b"0\r\n\r\n" + SMUGGLED),
    ("te_folded_into_other", head(b"X-A: b", b" Transfer-Encoding: chunked") + b"0\r\n\r\n" + SMUGGLED),
    ("te_underscore", head(b"Transfer_Encoding: chunked", b"Content-Length: 5") + b"0\r\n\r\n" + SMUGGLED),
    ("te_empty", head(b"Transfer-Encoding:") + SMUGGLED),
    ("te_http10", head(CHUNKED, line=b"POST / HTTP/1.0") + b"0\r\n\r\n" + SMUGGLED),
    # Content-Length: duplicates, lists, signs, spaces, empty
    ("cl_cl_differ", head(b"Content-Length: 1", b"Content-Length: 36") + b"x" + SMUGGLED),
    ("cl_list_differ", head(b"Content-Length: 1,36") + b"x" + SMUGGLED),
    ("cl_empty_item", head(b"Content-Length: 1,,1") + b"x" + SMUGGLED),
    ("cl_empty", head(b"Content-Length:") + SMUGGLED),
    ("cl_plus", head(b"Content-Length: +1") + b"x" + SMUGGLED),
    ("cl_minus", head(b"Content-Length: -1") + SMUGGLED),
    ("cl_inner_space", head(b"Content-Length: 1 0") + b"x" * 10 + SMUGGLED),
    ("cl_space_before_colon", head(b"Content-Length : 1") + b"x" + SMUGGLED),
    ("cl_underscore", head(b"Content_Length: 36") + SMUGGLED),
    ("cl_vtab", head(b"Content-Length:\x0b1") + b"x" + SMUGGLED),
    ("cl_nul", head(b"Content-Length: 1\x00") + b"x" + SMUGGLED),
    # Host
    ("host_twice", head(b"Host: b", line=b"GET / HTTP/1.1") + SMUGGLED),
    ("host_underscore_second", head(b"Host_: b", b"host: c", line=b"GET / HTTP/1.1") + SMUGGLED),
    ("host_missing", head(line=b"GET / HTTP/1.1", host=None) + SMUGGLED),
    # bare LF and CR, NUL, control bytes anywhere in the head
    ("bare_lf_line", b"GET / HTTP/1.1\nHost: a\r\n\r\n" + SMUGGLED),
    ("bare_lf_field", b"GET / HTTP/1.1\r\nHost: a\nContent-Length: 36\r\n\r\n" + SMUGGLED),
    ("bare_lf_blank", b"GET / HTTP/1.1\r\nHost: a\r\n\n" + SMUGGLED),
    ("bare_cr_field", b"GET / HTTP/1.1\r\nHost: a\rContent-Length: 36\r\n\r\n" + SMUGGLED),
    ("bare_cr_line", b"GET / HTTP/1.1\rX\r\nHost: a\r\n\r\n" + SMUGGLED),
    ("nul_target", head(line=b"GET /a\x00b HTTP/1.1") + SMUGGLED),
    ("nul_name", head(b"X-A\x00: b") + SMUGGLED),
    ("nul_method", head(line=b"GE\x00T / HTTP/1.1") + SMUGGLED),
    ("ctl_name", head(b"X-\x01A: b") + SMUGGLED),
    ("esc_value", head(b"X-A: \x1b[2J") + SMUGGLED),
    ("space_in_name", head(b"Content Length: 36") + SMUGGLED),
    ("empty_name", head(b": 36") + SMUGGLED),
    ("no_colon", head(b"Content-Length 36") + SMUGGLED),
    ("line_tab_separated", head(line=b"GET\t/\tHTTP/1.1") + SMUGGLED),
    ("line_two_spaces", head(line=b"GET  / HTTP/1.1") + SMUGGLED),
    ("line_absolute_userinfo", head(line=b"GET http://u@a/ HTTP/1.1") + SMUGGLED),
]

# Chunked bodies whose framing is bad from the first chunk line: refused
# before anything is forwarded.
CHUNK_REFUSED = [
    ("size_negative", b"-5\r\nhello\r\n0\r\n\r\n"),
    ("size_plus", b"+5\r\nhello\r\n0\r\n\r\n"),
    ("size_overlong_zeros", b"00000000000000000005\r\nhello\r\n0\r\n\r\n"),
    ("size_64_bits", b"10000000000000005\r\nhello\r\n0\r\n\r\n"),
    ("size_wraps_to_5", b"fffffffffffffffff5\r\nhello\r\n0\r\n\r\n"),
    ("size_0x", b"0x5\r\nhello\r\n0\r\n\r\n"),
    ("size_space_then_junk", b"5 x\r\nhello\r\n0\r\n\r\n"),
    ("size_empty", b"\r\nhello\r\n0\r\n\r\n"),
    ("size_bare_lf", b"5\nhello\r\n0\r\n\r\n"),
    ("ext_unterminated_quote", b"5;a=\"b\r\nhello\r\n0\r\n\r\n"),
    ("ext_lf_in_quote", b"5;a=\"b\nc\"\r\nhello\r\n0\r\n\r\n"),
    ("ext_nul", b"5;a\x00\r\nhello\r\n0\r\n\r\n"),
    ("ext_bare_cr", b"5;a\rb\r\nhello\r\n0\r\n\r\n"),
    ("ext_space_in_name", b"5;a b\r\nhello\r\n0\r\n\r\n"),
    ("ext_endless", b"5;" + b"a" * 5000 + b"\r\nhello\r\n0\r\n\r\n"),
    ("last_chunk_bare_lf", b"0\n\n"),
]

# Bad framing after a good first chunk: the proxy may have passed the head
# and that chunk on, but never a complete request or a byte past the error.
CHUNK_LATE = [
    ("data_overrun", b"5\r\nhelloXX\r\n0\r\n\r\n", b"XX"),
    ("second_size_negative", b"5\r\nhello\r\n-1\r\nY\r\n0\r\n\r\n", b"-1"),
    ("trailer_nul", b"5\r\nhello\r\n0\r\nX-T: a\x00b\r\n\r\n", b"X-T"),
    ("trailer_obs_fold", b"5\r\nhello\r\n0\r\nX-T: a\r\n b\r\n\r\n", b"X-T"),
    ("trailer_no_colon", b"5\r\nhello\r\n0\r\nX-T\r\n\r\n", b"X-T"),
    ("final_bare_lf", b"5\r\nhello\r\n0\r\n\n", b"\n\n"),
    ("trailer_content_length", b"5\r\nhello\r\n0\r\nContent-Length: 99\r\n\r\n", b"Length: 99"),
    ("trailer_transfer_encoding", b"5\r\nhello\r\n0\r\nTransfer-Encoding: x\r\n\r\n", b"Encoding: x"),
]

# Legal but unusual framing: forwarded once, normalised. (name, bytes, body)
NORMALISED = [
    ("te_upper", head(b"Transfer-Encoding: CHUNKED") + b"5\r\nhello\r\n0\r\n\r\n", b"hello"),
    ("te_tab_ows", head(b"Transfer-Encoding:\tchunked\t") + b"5\r\nhello\r\n0\r\n\r\n", b"hello"),
    ("chunk_extensions", head(CHUNKED) + b"5 ; a = b ;c=\"d;\\\"e\"\r\nhello\r\n0;z\r\n\r\n", b"hello"),
    ("chunk_size_leading_zeros", head(CHUNKED) + b"0005\r\nhello\r\n000\r\n\r\n", b"hello"),
    ("chunk_trailers", head(CHUNKED) + b"5\r\nhello\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\n", b"hello"),
    ("cl_twice_same", head(b"Content-Length: 5", b"content-length: 5") + b"hello", b"hello"),
    ("cl_list_same", head(b"Content-Length: 5, 5,5") + b"hello", b"hello"),
    ("cl_ows", head(b"Content-Length: \t5 \t") + b"hello", b"hello"),
    ("cl_leading_zeros", head(b"Content-Length: 0005") + b"hello", b"hello"),
    ("empty_values", head(b"X-Empty:", b"X-Spaces: \t ", b"Content-Length: 5") + b"hello", b"hello"),
    ("leading_blank_lines", b"\r\n\r\n" + head(b"Content-Length: 5") + b"hello", b"hello"),
]


class SmugglingTest(ProxyTestCase):
    CONFIG = {"timeouts": {"keepalive": "2s", "request_header": "3s"}}

    def refused(self, name, data, statuses=(400,)):
        self.upstream.reset()
        res = self.raw(data, timeout=5)
        responses = res.responses()
        self.assertTrue(responses, "%s: no answer: %r" % (name, res))
        self.assertIn(responses[0].status, statuses, "%s: %r" % (name, res))
        self.assertEqual(len(responses), 1, "%s: a second answer: %r" % (name, res))
        self.assertTrue(res.closed, "%s: connection left open" % name)
        return res

    def test_refused_from_the_head(self):
        for name, data in REFUSED:
            with self.subTest(name):
                self.refused(name, data)
                self.assertNothingForwarded(name)

    def test_chunk_framing_refused_before_forwarding(self):
        for name, body in CHUNK_REFUSED:
            with self.subTest(name):
                self.refused(name, head(CHUNKED) + body + SMUGGLED)
                self.assertNothingForwarded(name)

    def test_chunk_framing_broken_midway_never_completes(self):
        for name, body, marker in CHUNK_LATE:
            with self.subTest(name):
                self.refused(name, head(CHUNKED) + body + SMUGGLED)
                requests, tails = forwarded(self.upstream)
                self.assertEqual(requests, [], "%s: the upstream got a complete request" % name)
                for tail in tails:
                    self.assertNotIn(marker, tail, "%s: bytes past the error were forwarded" % name)
                    self.assertNotIn(b"/smuggled", tail, name)

    def test_legal_oddities_forwarded_once_and_normalised(self):
        for name, data, body in NORMALISED:
            with self.subTest(name):
                self.upstream.reset()
                data = data.replace(b"Host: a\r\n", b"Host: a\r\nConnection: close\r\n", 1)
                res = self.raw(data + SMUGGLED, timeout=5)
                self.assertEqual([r.status for r in res.responses()], [200], "%s: %r" % (name, res))
                requests, tails = forwarded(self.upstream)
                self.assertEqual([r["target"] for r in requests], ["/"], name)
                self.assertEqual(tails, [], name)
                self.assertEqual(requests[0]["body"], body, name)
                names = [n.lower() for n, _ in requests[0]["headers"]]
                self.assertNotIn("x-t", names, "%s: a trailer became a header" % name)

    def test_pipelined_behind_a_bad_request_never_forwarded(self):
        good = b"GET /first HTTP/1.1\r\nHost: a\r\n\r\n"
        after = b"GET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
        for name, bad in [("cl_te", head(b"Content-Length: 6", CHUNKED) + b"0\r\n\r\n"),
                          ("bare_lf", b"GET /bad HTTP/1.1\nHost: a\r\n\r\n"),
                          ("bad_chunk", head(CHUNKED) + b"zz\r\n"),
                          ("nul", b"GET /b\x00d HTTP/1.1\r\nHost: a\r\n\r\n")]:
            with self.subTest(name):
                self.upstream.reset()
                res = self.raw(good + bad + SMUGGLED + after, timeout=5)
                self.assertEqual([r.status for r in res.responses()], [200, 400], "%s: %r" % (name, res))
                self.assertTrue(res.closed, name)
                requests, tails = forwarded(self.upstream)
                self.assertEqual([r["target"] for r in requests], ["/first"], name)
                self.assertEqual(tails, [], name)

    def test_pipelined_requests_stay_separate(self):
        """Several requests in one write, each with a different framing:
        each reaches the upstream once, with its own body, in order."""
        self.upstream.reset()
        data = (head(b"Content-Length: 5", line=b"POST /1 HTTP/1.1") + b"hello"
                + head(CHUNKED, line=b"POST /2 HTTP/1.1") + b"3\r\nabc\r\n0\r\n\r\n"
                + head(line=b"GET /3 HTTP/1.1")
                + head(b"Content-Length: 0", b"Connection: close", line=b"POST /4 HTTP/1.1"))
        res = self.raw(data, timeout=5)
        self.assertEqual([r.status for r in res.responses()], [200] * 4, res)
        requests, tails = forwarded(self.upstream)
        self.assertEqual([(r["target"], r["body"]) for r in requests],
                         [("/1", b"hello"), ("/2", b"abc"), ("/3", b""), ("/4", b"")])
        self.assertEqual(tails, [])

    def test_request_head_corpus(self):
        """Every request of the fuzz corpus (llhttp's fixtures, the smuggling
        set, past findings), sent as it is: whatever reaches the upstream
        parses strictly, and it got exactly the requests the client got
        answers from the upstream for, so no request hid inside another."""
        files = sorted(glob.glob(os.path.join(CORPUS, "*")))
        self.assertGreater(len(files), 100)
        for path in files:
            name = os.path.basename(path)
            with open(path, "rb") as f:
                data = f.read()
            with self.subTest(name):
                self.upstream.reset()
                res = self.raw(data, timeout=5, shut_wr=True)
                answered = [r.json()["target"] for r in res.responses()
                            if r.status == 200 and (r.header("Content-Type") or "").startswith("application/json")]
                requests, _ = forwarded(self.upstream, settle=0.05)
                self.assertEqual([r["target"] for r in requests], answered, "%s: %r" % (name, res))

    def test_strict_reader_catches_ambiguity(self):
        """The judge itself: what it must refuse, it refuses."""
        for bad in [head(b"Content-Length: 1", CHUNKED) + b"0\r\n\r\n",
                    head(b"Content-Length: 1", b"Content-Length: 1") + b"x",
                    head(b"Transfer_Encoding: chunked"),
                    head(b"X: a", b" folded"),
                    b"GET / HTTP/1.1\nHost: a\r\n\r\n",
                    head(CHUNKED) + b"5;a b\r\nhello\r\n0\r\n\r\n"]:
            with self.subTest(bad):
                with self.assertRaises(AssertionError):
                    strict_requests(bad)
        requests, rest = strict_requests(head(CHUNKED) + b"5;a=\"x\"\r\nhello\r\n0\r\n\r\nGET /2 HTTP/1.1\r\n")
        self.assertEqual((len(requests), requests[0]["body"], rest), (1, b"hello", b"GET /2 HTTP/1.1\r\n"))


if __name__ == "__main__":
    unittest.main()
