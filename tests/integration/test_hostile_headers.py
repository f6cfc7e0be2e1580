"""Hostile headers against the real proxy on raw sockets: session headers
forged in every spelling, header injection through session values, mapped
headers and control headers, and floods of tiny headers. Judged on the head
the upstream received, byte for byte (session_upstream.py's raw_head).
"""

import base64
import json
import time
import unittest

import harness
from session_support import COOKIE, Result, SessionTestCase

MAPPED = {"member_id": "X-Member-Id", "role": "X-Role"}


def lines_of(result):
    return result.echo["raw_head"].split("\r\n")[1:]


def normalised_name(line):
    return line.partition(":")[0].strip().lower().replace("_", "-")


class ForgedHeaders(SessionTestCase):
    CONFIG = {"inject": MAPPED, "timeouts": {"keepalive": "2s"}}

    def send(self, raw):
        """Raw bytes to the proxy on a fresh connection: the one response."""
        res = harness.send_raw(self.proxy.port, raw, timeout=5)
        responses = res.responses()
        self.assertEqual(len(responses), 1, res)
        return responses[0]

    def assertOnlyOurs(self, result, state="none", session="{}"):
        """The upstream got exactly the session headers we add, each once,
        and no client-sent spelling of them or of a mapped header."""
        ours = [l for l in lines_of(result)
                if normalised_name(l).startswith("x-session") or normalised_name(l) in ("x-member-id", "x-role")]
        expected = ["X-Session-State: %s" % state, "X-Session: %s" % session]
        self.assertEqual(sorted(ours, key=str.lower), sorted(expected, key=str.lower),
                         "upstream head: %r" % result.echo["raw_head"])

    def test_every_spelling_of_a_forged_session_header_is_stripped(self):
        spellings = [
            "X-Session", "x-session", "X-SESSION", "x-SeSsIoN", "X_Session", "x_session",
            "X-Session-Id", "x-session-id", "X_Session_Id", "X-Session_Id", "X_Session-Id", "X-SESSION-ID",
            "X-Session-State", "x_session_state", "X-Session-Expires", "X-Session-Update", "X-Session-Action",
            "X-Session-Expiry", "X-Session-Csrf", "X-Session-Anything", "X-Sessionid", "X-Sessions",
            "X-Member-Id", "x-member-id", "X_Member_Id", "X-Member_Id", "X-MEMBER-ID", "X-Role", "x_role",
        ]
        forged = "".join("%s: %s\r\n" % (name, value) for name in spellings
                         for value in ('{"member_id":1,"admin":true}', "forged"))
        raw = ("GET /forged HTTP/1.1\r\nHost: a\r\n%sConnection: close\r\n\r\n" % forged).encode()
        r = Result(self.send(raw))
        self.assertEqual(r.status, 200, r)
        self.assertOnlyOurs(r)

    def test_spellings_a_parser_could_misread_are_refused(self):
        """Whitespace before the colon, folding, NUL, lookalike bytes: the
        request is refused whole, so no parser downstream gets to guess."""
        cases = [
            ("space before colon", b"X-Session : {\"admin\":true}"),
            ("tab before colon", b"X-Session-Id\t: forged"),
            ("leading space", b" X-Session-Id: forged"),
            ("folded into another field", b"X-Other: a\r\n X-Session-Id: forged"),
            ("folded value", b"X-Session-Id:\r\n forged"),
            ("NUL in name", b"X-Session\x00-Id: forged"),
            ("CR in name", b"X-Session\r-Id: forged"),
            ("bare LF before name", b"X-Other: a\nX-Session-Id: forged"),
            ("unicode hyphen", "X\u2010Session-Id: forged".encode("utf-8")),
            ("DEL in name", b"X-Session-Id\x7f: forged"),
        ]
        for name, field in cases:
            with self.subTest(name):
                raw = b"GET / HTTP/1.1\r\nHost: a\r\n" + field + b"\r\nConnection: close\r\n\r\n"
                r = self.send(raw)
                self.assertEqual(r.status, 400, "%s: %r" % (name, r))
        self.assertEqual(self.upstream.count(), 0, "a refused request reached the upstream")

    def test_forged_headers_in_trailers_never_reach_the_upstream(self):
        trailers = ("X-Session: {\"admin\":true}\r\nx_session_id: forged\r\nX-Member-Id: 1\r\n"
                    "X_Member_Id: 2\r\nX-Session-State: active\r\nX-Forwarded-For: 6.6.6.6\r\n")
        raw = ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
               "5\r\nhello\r\n0\r\n%s\r\n" % trailers).encode()
        r = Result(self.send(raw))
        self.assertEqual(r.status, 200, r)
        self.assertOnlyOurs(r)
        self.assertNotIn("6.6.6.6", r.echo["raw_head"])
        self.assertEqual(r.echo["body"], "hello")

    def test_forged_headers_with_a_live_session(self):
        """Forgery beside a real session: the upstream sees the stored data,
        never the forged copy, and nothing the client sent changes the store."""
        c = self.client()
        c.update({"member_id": 7, "role": "user"})
        sid = c.sid
        forged = ("X-Session: {\"member_id\":1,\"role\":\"admin\"}\r\nX_Session: {}\r\nX-Member-Id: 1\r\n"
                  "x_role: admin\r\nX-Session-Update: {\"role\":\"admin\"}\r\nX-Session-Action: flush\r\n")
        raw = ("GET / HTTP/1.1\r\nHost: a\r\nCookie: %s=%s\r\n%sConnection: close\r\n\r\n"
               % (COOKIE, sid, forged)).encode()
        r = Result(self.send(raw))
        self.assertEqual(r.state, "active")
        self.assertEqual(r.session, {"member_id": 7, "role": "user"})
        self.assertEqual(r.up_all("X-Member-Id"), ["7"])
        self.assertEqual(r.up_all("X-Role"), ["user"])
        names = [normalised_name(l) for l in lines_of(r)]
        for forged_name in ("x-session-update", "x-session-action"):
            self.assertNotIn(forged_name, names)
        self.assertEqual(c.get("/").session, {"member_id": 7, "role": "user"})


class Injection(SessionTestCase):
    CONFIG = {"inject": MAPPED}

    def assertHeadIntact(self, result):
        """Every line of the upstream's head is one field, with no control byte."""
        lines = lines_of(result)
        for line in lines:
            if not line:
                continue
            self.assertRegex(line, r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:", "not a field line: %r" % line)
            self.assertFalse(any(ord(ch) < 0x20 and ch != "\t" or ord(ch) == 0x7f for ch in line),
                             "control byte in %r" % line)
            self.assertFalse(normalised_name(line).startswith("x-injected"), "injected: %r" % line)

    def test_session_values_and_keys_never_split_a_header(self):
        evil = "a\r\nX-Injected: 1\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        data = {"member_id": evil, "role": "r\nX-Injected: 2", evil: evil, "k\u0000": "\u0000",
                "tab": "a\tb", "del": "\u007f", "nel": "\u0085", "ls": "\u2028\u2029"}
        c = self.client()
        self.assertEqual(c.update(data).status, 200)
        r = c.get("/")
        self.assertHeadIntact(r)
        self.assertEqual(json.loads(r.up("X-Session").encode("latin-1").decode("utf-8")), data)
        self.assertEqual(r.up_all("X-Member-Id"), [], "a mapped value with CR LF must be left out")
        self.assertEqual(r.up_all("X-Role"), [])
        self.assertEqual(self.upstream.count(), 2, "a request was smuggled")

    def test_mapped_headers_carry_plain_values_only(self):
        c = self.client()
        c.update({"member_id": "  spaced\t", "role": ["a", "b\r\nX-Injected: 3"]})
        r = c.get("/")
        self.assertHeadIntact(r)
        self.assertEqual(r.up_all("X-Role"), ['["a","b\\r\\nX-Injected: 3"]'])

    def test_control_header_values_cannot_inject_into_the_response(self):
        """An upstream's control header with a bare LF or raw control bytes:
        the client never sees a header we did not mean to send, our cookie is
        never set from it, and the session is kept as it was."""
        c = self.client()
        c.update({"a": 1})
        sid = c.sid
        for value in (b'{"a":2}\nSet-Cookie: sessionid=evil', b'{"a":3}\rSet-Cookie: sessionid=evil',
                      b'{"a":4}\x00', b'{"a":"\x0b"}'):
            with self.subTest(value):
                r = c.get("/", reply=[["X-Session-Update", {"b64": base64.b64encode(value).decode()}]])
                self.assertIn(r.status, (200, 502), r)
                for name, v in r.headers:
                    self.assertFalse(name.lower().startswith("x-session"), r)
                    self.assertNotIn("evil", v, r)
                self.assertEqual(c.sid, sid)
                self.assertEqual(c.get("/").session, {"a": 1})


    def test_a_number_beyond_a_double_never_reaches_the_store(self):
        """1e400 parses as infinity, which has no JSON spelling: stored, the
        session could never be read again. The update is refused as a set."""
        c = self.client()
        c.update({"a": 1})
        r = c.get("/", reply=[["X-Session-Update", '{"m":1e400}'], ["X-Session-Update", '{"b":2}']])
        self.assertEqual(r.status, 200)
        r = c.get("/")
        self.assertEqual(json.loads(r.up("X-Session")), {"a": 1})
        self.assertEqual(list(self.stored().values()), [{"a": 1}])


class TinyHeaders(SessionTestCase):
    """Floods of tiny header lines: answered at once (forwarded or 431),
    the proxy stays responsive, and its memory does not follow the flood."""

    def flood(self, count, field=b"a:b"):
        head = (b"GET /flood HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
                + (field + b"\r\n") * count + b"\r\n")
        return harness.send_raw(self.proxy.port, head, timeout=10)

    def test_thousands_of_tiny_headers(self):
        rss_before = self.proxy.rss_kb()
        t0 = time.monotonic()
        within = self.flood(5000)  # 25 KB: under the 32 KiB head limit
        self.assertEqual(within.status(), 200, within)
        forwarded_head = within.responses()[0].json()["raw_head"]
        self.assertEqual(forwarded_head.count("\r\na: b"), 5000, "not every tiny header forwarded once")
        over = self.flood(10000)  # 50 KB
        self.assertEqual(over.status(), 431, over)
        self.assertTrue(over.closed)
        for _ in range(20):
            self.assertEqual(self.flood(6000, b"c:").status(), 200)
        self.assertLess(time.monotonic() - t0, 20)
        self.assertEqual(self.client().get("/after").status, 200)
        self.assertLess(self.proxy.rss_kb() - rss_before, 64 * 1024, "RSS grew with the flood")

    def test_many_tiny_cookie_headers(self):
        c = self.client()
        c.update({"a": 1})
        fields = [("Cookie", "c%d=%d" % (i, i)) for i in range(1000)] + [("Cookie", "%s=%s" % (COOKIE, c.sid))]
        r = c.get("/", send_jar=False, headers=fields)
        self.assertEqual(r.state, "active")
        self.assertEqual(r.session, {"a": 1})
        self.assertNotIn(c.sid, r.echo["raw_head"])
        kept = "; ".join(r.up_all("Cookie")).split("; ")
        self.assertEqual(kept, ["c%d=%d" % (i, i) for i in range(1000)], "other cookies lost or reordered")


if __name__ == "__main__":
    unittest.main()
