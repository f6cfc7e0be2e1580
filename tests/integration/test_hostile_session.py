"""Hostile session cookies against the real proxy: fixation, a second
`sessionid` planted by a sibling domain, oversized and repeated cookies.
No client-chosen id is ever adopted, no request writes a session it did not
load, and no session id ever reaches the upstream.
"""

import json
import unittest

import harness
from session_support import COOKIE, SessionTestCase

PLANTED = "P" * 43  # well-formed, and never issued by the proxy


class Fixation(SessionTestCase):

    def test_a_planted_id_is_never_adopted(self):
        """The attacker plants an id they chose; the victim logs in with it."""
        victim = self.client({COOKIE: PLANTED})
        r = victim.get("/login", reply=[["X-Session-Action", "cycle"],
                                         ["X-Session-Update", json.dumps({"member_id": 42})]])
        self.assertEqual(r.status, 200)
        self.assertNotEqual(victim.sid, PLANTED)
        attacker = self.client({COOKIE: PLANTED})
        r = attacker.get("/")
        self.assertEqual((r.state, r.session), ("invalid", {}))
        self.assertEqual(victim.get("/").session, {"member_id": 42})

    def test_an_id_the_attacker_holds_dies_at_login(self):
        """The attacker plants a live id of their own session; the victim's
        login cycles it: the attacker is left holding a dead id."""
        attacker = self.client()
        attacker.update({"cart": ["bait"]})
        planted = attacker.sid
        victim = self.client({COOKIE: planted})
        victim.get("/login", reply=[["X-Session-Action", "cycle"],
                                     ["X-Session-Update", json.dumps({"member_id": 42})]])
        self.assertNotEqual(victim.sid, planted)
        r = attacker.get("/")
        self.assertNotEqual(r.state, "active")
        self.assertNotIn("member_id", r.session)
        self.assertEqual(victim.get("/").session, {"cart": ["bait"], "member_id": 42})

    def test_a_handle_is_not_an_id(self):
        """X-Session-Id is shown to the upstream (and may leak from its
        logs): as a cookie it names nothing."""
        c = self.client()
        c.update({"member_id": 42})
        handle = c.get("/").handle
        r = self.client({COOKIE: handle}).get("/")
        self.assertEqual((r.state, r.session), ("invalid", {}))


class SiblingCookie(SessionTestCase):
    """A sibling domain (evil.example.com) can set `sessionid` for the parent
    domain; the browser then sends two. The first decides, no request ever
    writes the other session, and neither value reaches the upstream."""

    def two_sessions(self):
        victim, attacker = self.client(), self.client()
        victim.update({"member_id": 42})
        attacker.update({"member_id": 666})
        return victim.sid, attacker.sid

    def request(self, cookie_header, reply=None):
        c = self.client()
        return c.get("/", send_jar=False, headers=[("Cookie", cookie_header)], reply=reply)

    def test_the_first_decides_and_the_other_is_never_written(self):
        victim, attacker = self.two_sessions()
        for first, second, member in ((attacker, victim, 666), (victim, attacker, 42)):
            r = self.request("%s=%s; theme=dark; %s=%s" % (COOKIE, first, COOKIE, second),
                             reply=[["X-Session-Update", json.dumps({"touched": True})]])
            self.assertEqual(r.session["member_id"], member)
            self.assertEqual(r.up_all("Cookie"), ["theme=dark"])
            self.assertNotIn(first, r.echo["raw_head"])
            self.assertNotIn(second, r.echo["raw_head"])
        stored = self.stored()
        self.assertEqual(sorted(stored.values(), key=lambda d: d["member_id"]),
                         [{"member_id": 42, "touched": True}, {"member_id": 666, "touched": True}])

    def test_a_planted_malformed_or_unknown_first_cookie_is_not_adopted(self):
        victim, _ = self.two_sessions()
        for planted in (PLANTED, "junk", "", '"' + PLANTED + '"', "A" * 4000):
            with self.subTest(planted=planted[:50]):
                c = self.client()
                r = c.get("/", send_jar=False, headers=[("Cookie", "%s=%s; %s=%s" % (COOKIE, planted, COOKIE, victim))],
                          reply=[["X-Session-Update", json.dumps({"x": 1})]])
                self.assertEqual(r.state, "invalid")
                self.assertEqual(r.session, {})
                self.assertNotIn(victim, r.echo["raw_head"])
                self.assertIsNotNone(c.sid)
                self.assertNotIn(c.sid, (victim, PLANTED))
        self.assertEqual(self.client({COOKIE: victim}).get("/").session, {"member_id": 42},
                         "the victim's session was changed")

    def test_ours_in_several_cookie_headers(self):
        victim, attacker = self.two_sessions()
        r = self.client().get("/", send_jar=False, headers=[
            ("Cookie", "a=1"), ("Cookie", "%s=%s" % (COOKIE, attacker)), ("Cookie", "%s=%s; b=2" % (COOKIE, victim))])
        self.assertEqual(r.session["member_id"], 666)
        kept = "; ".join(r.up_all("Cookie"))
        self.assertEqual(sorted(kept.split("; ")), ["a=1", "b=2"])


class OversizedCookies(SessionTestCase):
    CONFIG = {"limits": {"max_request_header_bytes": "16KiB"}}

    def test_an_oversized_cookie_header_is_refused_whole(self):
        c = self.client()
        c.update({"a": 1})
        raw = ("GET / HTTP/1.1\r\nHost: a\r\nCookie: %s=%s; big=%s\r\n\r\n" % (COOKIE, c.sid, "x" * 20000)).encode()
        res = harness.send_raw(self.proxy.port, raw, timeout=5)
        self.assertEqual(res.status(), 431, res)
        self.assertTrue(res.closed)
        self.assertEqual(self.upstream.count(), 1, "only the first update reached the upstream")

    def test_an_oversized_session_cookie_value_is_malformed(self):
        for value in ("A" * 8000, "A" * 43 + "A" * 43, "A" * 43 + ";", "%41" * 43):
            with self.subTest(len=len(value)):
                c = self.client()
                r = c.get("/", send_jar=False, headers=[("Cookie", "%s=%s" % (COOKIE, value))],
                          reply=[["X-Session-Update", json.dumps({"a": 1})]])
                self.assertEqual(r.state, "invalid")
                self.assertNotIn(value, r.echo["raw_head"])
                self.assertNotEqual(c.sid, value)
                self.assertNotIn(value[:43], "\n".join(v for _, v in r.headers))

    def test_repeated_cookies_near_the_limit(self):
        c = self.client()
        c.update({"a": 1})
        pairs = ["k%d=%d" % (i, i) for i in range(1500)]
        header = "; ".join(pairs[:700] + ["%s=%s" % (COOKIE, c.sid)] + pairs[700:])
        r = self.client().get("/", send_jar=False, headers=[("Cookie", header)])
        self.assertEqual(r.session, {"a": 1})
        self.assertEqual(r.up_all("Cookie"), ["; ".join(pairs)])


if __name__ == "__main__":
    unittest.main()
