"""The upstream contract over HTTP: which headers the upstream gets and may
send, and what never crosses the proxy (forged session headers, control
headers, our cookie), with malformed, oversized and hostile values.
"""

import base64
import json
import re
import time
import unittest

import harness
from session_support import COOKIE, Result, SessionTestCase, upd

HANDLE_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def head_lines(result):
    """The request head the upstream received, split only at CRLF."""
    return result.echo["raw_head"].split("\r\n")


def session_from_raw(result):
    """X-Session as the upstream got it, bytes decoded as UTF-8, parsed."""
    text = result.up("X-Session")
    return json.loads(text.encode("latin-1").decode("utf-8"))


class Contract(SessionTestCase):
    CONFIG = {"inject": {"member_id": "X-Member-Id", "plan": "X-Plan"}}
    ROUTES = [{"prefix": "/static", "sessions": False}]

    def assertNoPrefixedHeaders(self, result):
        leaked = [(k, v) for k, v in result.headers if k.lower().startswith("x-session")]
        self.assertEqual(leaked, [], "control headers reached the client")

    def test_control_headers_are_always_stripped_from_responses(self):
        c = self.client()
        reply = [upd({"a": 1}), ["x-SESSION-update", json.dumps({"b": 2})],
                 ["X-Session-Expiry", "500"], ["X-Session-Action", "cycle"],
                 ["X-Session-Id", "echoed"], ["X-Session-State", "active"],
                 ["X-Session-Expires", "1"], ["X-Session", "{}"], ["X-Other", "kept"]]
        r = c.get("/", reply=reply)
        self.assertEqual(r.status, 200)
        self.assertNoPrefixedHeaders(r)
        self.assertEqual(r.header("X-Other"), "kept")
        self.assertEqual(c.get("/").session, {"a": 1, "b": 2}, "any-case update not applied")
        # Also a malformed one, and on a route with sessions off.
        for path in ("/", "/static/app.js"):
            with self.subTest(path=path):
                r = c.get(path, reply=reply + [["X-Session-Bogus", "1"], ["X-Session-Update", "{nope"]])
                self.assertEqual(r.status, 200)
                self.assertNoPrefixedHeaders(r)
                self.assertEqual(r.header("X-Other"), "kept")
        # The sessions-off route changed nothing.
        self.assertEqual(c.get("/").session, {"a": 1, "b": 2})

    def test_client_sent_session_headers_are_always_stripped(self):
        forged = [("X-Session", '{"member_id": 1, "admin": true}'),
                  ("x-session-id", "forged-handle"), ("X-SESSION-STATE", "active"),
                  ("X-Session-Expires", "99999999999"), ("X-Session-Update", '{"admin": true}'),
                  ("X-Session-Action", "cycle"), ("x-Session-Whatever", "1"),
                  ("X-Member-Id", "1"), ("x-member-id", "2"), ("X-PLAN", "gold")]
        for path in ("/", "/static/app.js"):
            with self.subTest(path=path):
                c = self.client()
                r = c.get(path, headers=forged)
                names = [k.lower() for k, _ in r.echo["headers"]]
                self.assertNotIn("x-member-id", names)
                self.assertNotIn("x-plan", names)
                self.assertNotIn("x-session-whatever", names)
                self.assertNotIn("x-session-update", names)
                self.assertNotIn("x-session-action", names)
                self.assertNotIn("x-session-id", names)
                self.assertNotIn("x-session-expires", names)
                if path == "/":
                    self.assertEqual(r.up_all("X-Session-State"), ["none"])
                    self.assertEqual(r.up_all("X-Session"), ["{}"])
                else:
                    self.assertNotIn("x-session", names)
                    self.assertNotIn("x-session-state", names)
                self.assertNotIn("forged-handle", r.echo["raw_head"])
                self.assertNotIn("admin", r.echo["raw_head"])
                self.assertNoSessionCookie(r)  # a client cannot write the session either

        # With a real session the upstream sees the stored values only.
        c = self.client()
        c.update({"member_id": 42})
        r = c.get("/", headers=forged)
        self.assertEqual(r.up_all("X-Member-Id"), ["42"])
        self.assertEqual(r.up_all("X-Session"), ['{"member_id":42}'])
        self.assertEqual(r.up_all("X-Session-State"), ["active"])
        self.assertNotEqual(r.handle, "forged-handle")
        self.assertIsNone(r.up("X-Plan"))
        self.assertEqual(len(self.stored()), 1)

    def test_mapped_headers(self):
        c = self.client()
        c.update({"member_id": 42, "plan": {"name": "gold", "seats": 3}})
        r = c.get("/")
        self.assertEqual(r.up("X-Member-Id"), "42")
        self.assertEqual(json.loads(r.up("X-Plan")), {"name": "gold", "seats": 3})
        c.update({"member_id": "m-7", "plan": None})
        r = c.get("/")
        self.assertEqual(r.up("X-Member-Id"), "m-7")
        self.assertIsNone(r.up("X-Plan"))

    def test_cr_lf_nul_in_values_never_split_or_corrupt_a_header(self):
        data = {"evil": "a\r\nX-Injected: 1\r\n\r\nGET / HTTP/1.1",
                "lf": "b\nX-Injected: 2", "cr": "c\rX-Injected: 3",
                "nul": "d\u0000e", "member_id": "x\r\nX-Injected: 4",
                "plan": "p\u0000q", "ctl": "\u0001\u001f\u007f",
                "unicode": "caf\u00e9 \u65e5\u672c \U0001F600", "u2028": "a\u2028b"}
        c = self.client()
        r = c.update(data)
        self.assertEqual(r.status, 200)
        r = c.get("/")
        self.assertEqual(r.state, "active")
        for line in head_lines(r):
            self.assertFalse(line.lower().startswith("x-injected"), "header split: %r" % line)
            self.assertFalse(any(ch in line for ch in "\r\n\x00"), "raw control byte in %r" % line)
        self.assertEqual(session_from_raw(r), data)
        # Mapped headers are left out rather than split.
        self.assertIsNone(r.up("X-Member-Id"))
        self.assertIsNone(r.up("X-Plan"))
        self.assertEqual(len(r.up_all("X-Session")), 1)
        # And the upstream answered a normal response afterwards: nothing smuggled.
        self.assertEqual(r.echo["method"], "GET")

    def test_session_headers_are_ascii_for_latin1_readers(self):
        # WSGI (Django, Flask) decodes header bytes as Latin-1: only ASCII
        # survives that, so every other character goes as a \u escape.
        data = {"name": "Zo\u00eb", "city": "K\u00f8benhavn", "emoji": "\U0001F600", "member_id": "m\u00e9"}
        c = self.client()
        c.update(data)
        r = c.get("/")
        raw = r.up("X-Session")
        self.assertTrue(all(ord(ch) < 0x80 for ch in raw), "non-ASCII bytes in X-Session: %r" % raw)
        self.assertIn("Zo\\u00eb", raw)
        self.assertIn("\\ud83d\\ude00", raw)
        # The upstream here reads header bytes as Latin-1, as WSGI does.
        self.assertEqual(json.loads(raw), data)
        # A mapped header with non-ASCII text gets it as a JSON string.
        mapped = r.up("X-Member-Id")
        self.assertEqual(mapped, '"m\\u00e9"')
        self.assertEqual(json.loads(mapped), "m\u00e9")
        c.update({"member_id": "plain"})
        self.assertEqual(c.get("/").up("X-Member-Id"), "plain")

    def test_raw_utf8_and_invalid_utf8_in_updates(self):
        c = self.client()
        c.update({"a": 1})
        # Raw (unescaped) UTF-8 in the update is JSON like any other.
        text = "caf\u00e9 \u65e5\u672c"
        raw = json.dumps({"u": text}, ensure_ascii=False).encode("utf-8")
        c.get("/", reply=[["X-Session-Update", {"b64": base64.b64encode(raw).decode()}]])
        self.assertEqual(session_from_raw(c.get("/")), {"a": 1, "u": text})
        # Invalid UTF-8 never makes X-Session invalid: refused, or stored as
        # valid JSON text.
        for bad in (b'{"v": "\xff\xfe"}', b'{"v": "\xc3"}', b'{"\xed\xa0\x80": 1}'):
            with self.subTest(raw=bad):
                r = c.get("/", reply=[["X-Session-Update", {"b64": base64.b64encode(bad).decode()}]])
                self.assertEqual(r.status, 200)
                r = c.get("/")
                value = r.up("X-Session").encode("latin-1")
                got = json.loads(value.decode("utf-8"))  # valid UTF-8 and valid JSON
                self.assertEqual(got["a"], 1)
                self.assertEqual(got["u"], text)

    def test_x_session_is_always_valid_json(self):
        samples = [
            {"s": 'quote " backslash \\ slash / tab \t'},
            {"n": [0, -1, 1.5, 1e300, 9007199254740993, True, False, None]},
            {"nested": {"a": {"b": [{"c": []}, {}]}}},
            {"": "empty key", "k\"ey": "v", "k\\": 1, "\u00fc": "\u00fc"},
            {"long": "x" * 4000},
        ]
        for i, value in enumerate(samples):
            c = self.client()
            c.update({"sample": value})
            got = session_from_raw(c.get("/"))
            self.assertEqual(got, {"sample": value}, "sample %d" % i)
        # A session that is empty or absent is still a JSON object.
        for client in (self.client(), self.client({COOKIE: "A" * 43}), self.client({COOKIE: "bad"})):
            self.assertEqual(json.loads(client.get("/").up("X-Session")), {})

    def test_handle_is_not_the_cookie_and_is_stable(self):
        c = self.client()
        c.update({"a": 1})
        sid = c.sid
        r = c.get("/")
        handle = r.handle
        self.assertRegex(handle, HANDLE_RE)
        self.assertNotEqual(handle, sid)
        self.assertNotIn(sid, r.echo["raw_head"], "the upstream saw the session id")
        for i in range(3):
            c.update({"i": i})
            self.assertEqual(c.get("/").handle, handle, "handle changed within one session")
        self.assertEqual(c.sid, sid)
        self.assertEqual(list(self.stored()), [handle])
        other = self.client()
        other.update({"a": 1})
        self.assertNotEqual(other.get("/").handle, handle)
        self.assertNotIn(sid, json.dumps(self.proxy.lines), "the id was logged")

    def test_an_upstream_set_cookie_for_our_name_is_dropped_and_logged(self):
        c = self.client()
        c.update({"a": 1})
        sid = c.sid
        for path in ("/", "/static/app.js"):
            with self.subTest(path=path):
                r = c.get(path, reply=[["Set-Cookie", "%s=forged; Path=/" % COOKIE],
                                       ["Set-Cookie", "theme=dark; Path=/"]])
                self.assertEqual(r.status, 200)
                self.assertEqual([k.value for k in r.set_cookies if k.name == COOKIE], [])
                self.assertEqual(r.headers_all("Set-Cookie"), ["theme=dark; Path=/"])
        # With an update the proxy's own cookie is the only one of that name.
        r = c.get("/", reply=[["Set-Cookie", "%s=; Max-Age=0" % COOKIE], upd({"b": 2})])
        self.assertEqual([k.value for k in r.set_cookies if k.name == COOKIE], [sid])
        self.assertEqual(c.sid, sid)
        self.assertEqual(c.get("/").session, {"a": 1, "b": 2})
        self.assertTrue(self.wait_events("set_cookie_dropped", 3))
        line = self.log_lines("set_cookie_dropped")[-1]
        self.assertEqual(line.get("cookie"), COOKIE)
        self.assertTrue(line.get("request_id"))

    def test_our_cookie_is_removed_and_other_cookies_kept(self):
        c = self.client()
        c.update({"a": 1})
        sid = c.sid
        r = self.client().get("/", cookies={"theme": "dark", COOKIE: sid, "lang": "en"})
        self.assertEqual(r.state, "active")
        self.assertEqual(r.up_all("Cookie"), ["theme=dark; lang=en"])
        self.assertNotIn(sid, r.echo["raw_head"])
        # Only our cookie: no Cookie header at all.
        r = self.client().get("/", cookies={COOKIE: sid})
        self.assertEqual(r.up_all("Cookie"), [])
        # Several Cookie headers, ours in the second.
        r = self.client().get("/", send_jar=False,
                              headers=[("Cookie", "a=1"), ("Cookie", "%s=%s; b=2" % (COOKIE, sid))])
        self.assertEqual(r.state, "active")
        self.assertNotIn(sid, r.echo["raw_head"])
        kept = "; ".join(r.up_all("Cookie"))
        self.assertIn("a=1", kept)
        self.assertIn("b=2", kept)
        # A cookie whose name merely contains ours is not ours.
        r = self.client().get("/", cookies={"x" + COOKIE: "v", COOKIE + "2": "w"})
        self.assertEqual(r.up_all("Cookie"), ["x%s=v; %s2=w" % (COOKIE, COOKIE)])
        # Also stripped on a sessions-off route.
        r = self.client().get("/static/x", cookies={COOKIE: sid, "theme": "dark"})
        self.assertNotIn(sid, r.echo["raw_head"])


class KeepAlive(SessionTestCase):

    def exchange(self, sock, buf, headers):
        sock.sendall(harness.format_request("GET", "/", headers))
        r = harness.read_response(sock, buf)
        return Result(r), r.rest

    def test_nothing_of_one_request_carries_over_to_the_next_on_a_connection(self):
        a, b = self.client(), self.client()
        a.update({"who": "a"})
        b.update({"who": "b"})
        sock = harness.connect(self.proxy.port)
        self.addCleanup(sock.close)
        buf = b""
        r, buf = self.exchange(sock, buf, [("Cookie", "%s=%s" % (COOKIE, a.sid))])
        self.assertEqual(r.session, {"who": "a"})
        r, buf = self.exchange(sock, buf, [])
        self.assertEqual(r.state, "none")
        self.assertEqual(r.session, {})
        self.assertIsNone(r.handle)
        r, buf = self.exchange(sock, buf, [("Cookie", "%s=%s" % (COOKIE, b.sid))])
        self.assertEqual(r.session, {"who": "b"})
        # An update on the connection goes to that request's session only.
        r, buf = self.exchange(sock, buf, [("X-Test-Reply", json.dumps([upd({"new": 1})]))])
        self.assertIsNotNone(r.cookie())
        self.assertNotIn(r.cookie().value, (a.sid, b.sid))
        self.assertEqual(a.get("/").session, {"who": "a"})
        self.assertEqual(b.get("/").session, {"who": "b"})

    def test_pipelined_requests_each_get_their_own_session(self):
        a, b = self.client(), self.client()
        a.update({"who": "a"})
        b.update({"who": "b"})
        jars = [a.sid, None, b.sid, a.sid, "A" * 43]
        data = b"".join(harness.format_request("GET", "/%d" % i, [("Cookie", "%s=%s" % (COOKIE, sid))] if sid else [])
                        for i, sid in enumerate(jars))
        sock = harness.connect(self.proxy.port)
        self.addCleanup(sock.close)
        sock.sendall(data)
        buf = b""
        got = []
        for _ in jars:
            r = harness.read_response(sock, buf)
            buf = r.rest
            got.append(Result(r))
        self.assertEqual([r.echo["target"] for r in got], ["/%d" % i for i in range(len(jars))])
        self.assertEqual([r.state for r in got], ["active", "none", "active", "active", "invalid"])
        self.assertEqual([r.session for r in got], [{"who": "a"}, {}, {"who": "b"}, {"who": "a"}, {}])

    def test_bodiless_statuses_still_save(self):
        c = self.client()
        for status in (204, 304):
            with self.subTest(status=status):
                r = c.get("/", reply=[upd({"s%d" % status: True})], status=status)
                self.assertEqual(r.status, status)
                self.assertIsNotNone(r.cookie())
        r = c.request("HEAD", "/", reply=[upd({"head": True})])
        self.assertIsNotNone(r.cookie())
        self.assertEqual(c.get("/").session, {"s204": True, "s304": True, "head": True})


class MalformedControl(SessionTestCase):
    BAD = [
        [["X-Session-Update", "{not json"]],
        [["X-Session-Update", "[1, 2]"]],
        [["X-Session-Update", '"text"']],
        [["X-Session-Action", "explode"]],
        [["X-Session-Action", "flush"], ["X-Session-Action", "cycle"]],
        [["X-Session-Expiry", "-5"]],
        [["X-Session-Expiry", "soon"]],
        [["X-Session-Expiry", "1e3"]],
        # One bad header spoils the whole set: the good update is not applied.
        [upd({"b": 2}), ["X-Session-Update", "{broken"]],
        [["X-Session-Action", "flush"], ["X-Session-Expiry", "later"]],
    ]

    def test_malformed_control_headers_are_ignored_and_logged(self):
        c = self.client()
        c.update({"a": 1})
        sid, handle = c.sid, c.get("/").handle
        for reply in self.BAD:
            with self.subTest(reply=reply):
                before = len(self.log_lines("control_header_error"))
                r = c.get("/", reply=reply)
                self.assertEqual(r.status, 200)
                self.assertNoSessionCookie(r)
                self.assertEqual(c.sid, sid)
                r = c.get("/")
                self.assertEqual(r.session, {"a": 1}, "session changed by %r" % reply)
                self.assertEqual(r.handle, handle)
                self.assertTrue(self.wait_events("control_header_error", before + 1),
                                "not logged: %r" % reply)
        # The line names the header and carries the request's id, as the
        # access line of that request does.
        before = len(self.log_lines("control_header_error"))
        c.get("/", reply=[upd({"b": 2}), ["X-Session-Expiry", "later"]])
        self.assertTrue(self.wait_events("control_header_error", before + 1))
        error = self.log_lines("control_header_error")[-1]
        self.assertEqual(error.get("header"), "X-Session-Expiry")
        self.assertIn("later", error.get("error", ""))
        self.assertTrue(error.get("request_id"))
        self.assertIsNotNone(self.proxy.wait_line(
            lambda o: o.get("event") == "request" and o.get("request_id") == error["request_id"], 5))
        # Nor does a malformed set start a session.
        r = self.client().get("/", reply=[upd({"x": 1}), ["X-Session-Expiry", "x"]])
        self.assertNoSessionCookie(r)
        self.assertEqual(len(self.stored()), 1)

    def test_an_unknown_control_header_is_stripped_and_logged_and_voids_nothing(self):
        c = self.client()
        c.update({"a": 1})
        r = c.get("/", reply=[["X-Session-Debug", "1"], upd({"b": 2}), ["X-Sessions-Count", "2"]])
        self.assertEqual(r.status, 200)
        self.assertFalse(any(k.lower().startswith("x-session") for k, _ in r.headers))
        self.assertEqual(c.get("/").session, {"a": 1, "b": 2}, "a valid update was voided")
        self.assertTrue(self.wait_events("control_header_unknown", 2))
        names = [l.get("header") for l in self.log_lines("control_header_unknown")]
        self.assertEqual(names, ["X-Session-Debug", "X-Sessions-Count"])
        self.assertEqual(self.log_lines("control_header_error"), [])
        # And a new session starts with one beside it.
        fresh = self.client()
        self.assertIsNotNone(fresh.get("/", reply=[["X-Session-Debug", "on"], upd({"n": 1})]).cookie())


class StrictControl(SessionTestCase):
    CONFIG = {"strict_control": True}

    def test_an_unknown_control_header_is_no_reason_for_a_502(self):
        c = self.client()
        r = c.get("/", reply=[["X-Session-Debug", "1"], upd({"a": 1})])
        self.assertEqual(r.status, 200)
        self.assertEqual(c.get("/").session, {"a": 1})

    def test_malformed_control_headers_give_502_and_keep_the_session(self):
        c = self.client()
        c.update({"a": 1})
        sid = c.sid
        for reply in MalformedControl.BAD:
            with self.subTest(reply=reply):
                r = c.get("/", reply=reply)
                self.assertEqual(r.status, 502)
                self.assertNoSessionCookie(r)
                self.assertFalse(any(k.lower().startswith("x-session") for k, _ in r.headers))
                self.assertEqual(c.get("/").session, {"a": 1})
        self.assertEqual(c.sid, sid)
        # Well-formed control headers still work.
        c.update({"b": 2})
        self.assertEqual(c.get("/").session, {"a": 1, "b": 2})


class MaxBytes(SessionTestCase):
    CONFIG = {"session_max_bytes": 1024}

    def test_a_session_over_the_limit_is_refused_and_the_previous_kept(self):
        c = self.client()
        c.update({"a": "x"})
        sid = c.sid
        expires = c.get("/").up("X-Session-Expires")
        r = c.update({"big": "y" * 1100})
        self.assertEqual(r.status, 200)
        self.assertNoSessionCookie(r)
        r = c.get("/")
        self.assertEqual(c.sid, sid)
        self.assertEqual(r.session, {"a": "x"}, "oversized update saved")
        self.assertEqual(r.up("X-Session-Expires"), expires)
        # Several small patches that together go over the limit: refused as one.
        r = c.get("/", reply=[upd({"p%d" % i: "z" * 200}) for i in range(6)])
        self.assertNoSessionCookie(r)
        self.assertEqual(c.get("/").session, {"a": "x"})
        self.assertIsNotNone(self.proxy.wait_line(lambda o: o.get("event") == "session_too_large", 5))
        # A new session over the limit is not created at all.
        r = self.client().update({"big": "y" * 1100})
        self.assertNoSessionCookie(r)
        self.assertEqual(len(self.stored()), 1)
        # Just under the limit is fine (JSON {"a":"x","b":"..."} <= 1024 bytes).
        r = c.update({"b": "w" * (1024 - len('{"a":"x","b":""}'))})
        self.assertIsNotNone(r.cookie())
        self.assertEqual(len(c.get("/").session["b"]), 1024 - 16)


class CustomPrefix(SessionTestCase):
    CONFIG = {"header_prefix": "X-Sg"}

    def test_prefix_applies_to_both_directions(self):
        c = self.client()
        r = c.get("/", reply=[["X-Sg-Update", '{"a": 1}']], headers=[("X-Sg", '{"forged": 1}')])
        self.assertIsNotNone(r.cookie())
        self.assertFalse(any(k.lower().startswith("x-sg") for k, _ in r.headers))
        self.assertEqual(r.up_all("X-Sg"), ["{}"])
        r = c.get("/")
        self.assertEqual(json.loads(r.up("X-Sg")), {"a": 1})
        self.assertEqual(r.up("X-Sg-State"), "active")
        self.assertIsNone(r.up("X-Session"))


if __name__ == "__main__":
    unittest.main()
