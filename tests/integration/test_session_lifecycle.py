"""Session life cycle over HTTP: lazy creation, when a session is saved, the
actions (flush, cycle, clear), expiry, and the cookie and cache headers that
go with them.

Each test runs session_upstream.py behind a fresh sessiongate; the upstream is
told per request (X-Test-Reply / X-Test-Status) which X-Session-* headers and
status to answer with, and echoes what it received.
"""

import email.utils
import json
import time
import unittest

from session_support import COOKIE, SessionTestCase, upd

UNKNOWN_ID = "A" * 43  # well formed (43 base64url characters) but never issued


def cookie_expires(c):
    """The Expires attribute of a Set-Cookie as Unix seconds."""
    return email.utils.parsedate_to_datetime(c.attr("expires")).timestamp()


class SessionAssertions:
    def assertDeletionCookie(self, result, path="/", domain=None):
        c = result.cookie()
        self.assertIsNotNone(c, "no deletion cookie in %r" % result)
        self.assertIn(c.value, ("", '""'), c)
        self.assertEqual(c.attr("max-age"), "0", c)
        self.assertIsNotNone(c.attr("expires"), c)
        self.assertIn("1970", c.attr("expires"), c)
        self.assertEqual(c.attr("path"), path, c)
        self.assertEqual(c.attr("domain"), domain, c)

    def assertSessionCookie(self, result, max_age=1209600):
        c = result.cookie()
        self.assertIsNotNone(c, "no session cookie in %r" % result)
        self.assertTrue(c.value and c.value != '""', c)
        if max_age is None:
            self.assertFalse(c.has("max-age"), c)
            self.assertFalse(c.has("expires"), c)
        else:
            self.assertEqual(int(c.attr("max-age")), max_age, c)
            self.assertAlmostEqual(cookie_expires(c), time.time() + max_age, delta=3)
        return c


class LazyAndSaving(SessionTestCase, SessionAssertions):

    def test_no_session_and_no_cookie_until_the_upstream_stores_something(self):
        c = self.client()
        r = c.get("/")
        self.assertEqual(r.status, 200)
        self.assertNoSessionCookie(r)
        self.assertEqual(r.state, "none")
        self.assertEqual(r.session, {})
        self.assertIsNone(r.handle)
        self.assertIsNone(r.up("X-Session-Expires"))
        self.assertEqual(self.stored(), {})

        # A patch that leaves nothing (deleting an absent key, an empty patch)
        # starts no session either.
        r = c.get("/", reply=[upd({"gone": None}), upd({})])
        self.assertNoSessionCookie(r)
        self.assertEqual(self.stored(), {})

        r = c.update({"cart": [1, 2]})
        self.assertSessionCookie(r)
        r = c.get("/")
        self.assertEqual(r.state, "active")
        self.assertEqual(r.session, {"cart": [1, 2]})
        self.assertEqual(list(self.stored().values()), [{"cart": [1, 2]}])

    def test_an_unmodified_session_is_not_saved_and_its_cookie_not_resent(self):
        c = self.client()
        c.update({"a": 1})
        expires0 = int(c.get("/").up("X-Session-Expires"))
        time.sleep(1.2)  # a save now would move the expiry by at least a second
        r = c.get("/")
        self.assertNoSessionCookie(r)
        self.assertEqual(int(r.up("X-Session-Expires")), expires0, "an unmodified session was saved")
        # Repeating what is already stored is still a modification request:
        # Django saves on any assignment, and so do we (new expiry, cookie resent).
        r = c.update({"a": 2})
        self.assertSessionCookie(r)
        r = c.get("/")
        self.assertEqual(r.session, {"a": 2})
        self.assertGreater(int(r.up("X-Session-Expires")), expires0)

    def test_nothing_saved_on_a_5xx(self):
        c = self.client()
        for status in (500, 502, 503):
            r = c.get("/", reply=[upd({"new": status})], status=status)
            self.assertEqual(r.status, status)
            self.assertNoSessionCookie(r)
        self.assertEqual(self.stored(), {}, "a 5xx response started a session")

        c.update({"a": 1})
        sid = c.sid
        r = c.get("/", reply=[upd({"a": 2, "b": 1})], status=500)
        self.assertNoSessionCookie(r)
        r = c.get("/", reply=[["X-Session-Action", "flush"]], status=503)
        self.assertNoSessionCookie(r)
        r = c.get("/")
        self.assertEqual(c.sid, sid)
        self.assertEqual(r.session, {"a": 1}, "a 5xx response changed the session")

        # A 4xx is an ordinary answer: Django saves it, so do we.
        r = c.get("/", reply=[upd({"a": 3})], status=404)
        self.assertEqual(r.status, 404)
        self.assertEqual(c.get("/").session, {"a": 3})

    def test_unknown_cookie_is_never_adopted(self):
        c = self.client({COOKIE: UNKNOWN_ID})
        r = c.get("/")
        self.assertEqual(r.state, "invalid")
        self.assertEqual(r.session, {})
        self.assertIsNone(r.handle)
        r = c.update({"a": 1})
        cookie = self.assertSessionCookie(r)
        self.assertNotEqual(cookie.value, UNKNOWN_ID, "the client-chosen id was adopted")
        # The forged id still names nothing.
        r = self.client({COOKIE: UNKNOWN_ID}).get("/")
        self.assertEqual(r.state, "invalid")
        self.assertEqual(r.session, {})
        self.assertEqual(c.get("/").session, {"a": 1})

    def test_malformed_cookies_are_never_adopted(self):
        for bad in ("short", "A" * 44, "A" * 42 + "!", "%s%%00" % ("A" * 40), '"' + "A" * 43 + '"'):
            with self.subTest(cookie=bad):
                c = self.client({COOKIE: bad})
                r = c.get("/")
                self.assertEqual(r.state, "invalid")
                self.assertEqual(r.session, {})
                r = c.update({"a": 1})
                cookie = self.assertSessionCookie(r)
                self.assertNotEqual(cookie.value, bad)
                self.assertNotIn(bad.strip('"'), cookie.value)
                self.assertEqual(c.get("/").state, "active")

    def test_vary_cookie_and_cache_control_private(self):
        c = self.client()
        r = c.get("/")
        self.assertIn("cookie", [v.strip().lower() for v in r.header("Vary").split(",")])
        self.assertIsNone(r.header("Cache-Control"), "Cache-Control added without a cookie")

        # Vary merged with the upstream's own.
        r = c.get("/", reply=[["Vary", "Accept-Encoding"]])
        vary = [v.strip().lower() for v in r.header("Vary").split(",")]
        self.assertIn("cookie", vary)
        self.assertIn("accept-encoding", vary)

        # Setting the cookie makes the response private...
        r = c.update({"a": 1})
        self.assertIsNotNone(r.cookie())
        self.assertEqual(r.header("Cache-Control"), "private")
        r = c.get("/", reply=[upd({"a": 2}), ["Cache-Control", "public, max-age=60"]])
        self.assertIsNotNone(r.cookie())
        directives = [d.strip().lower() for d in r.header("Cache-Control").split(",")]
        self.assertIn("private", directives)
        self.assertIn("max-age=60", directives)
        # ...unless the upstream already kept shared caches out.
        for cc in ("no-store", "private, max-age=5", "no-cache, no-store, must-revalidate"):
            with self.subTest(cache_control=cc):
                r = c.get("/", reply=[upd({"a": cc}), ["Cache-Control", cc]])
                self.assertIsNotNone(r.cookie())
                self.assertEqual(r.header("Cache-Control"), cc)
        # A response that expires the cookie sets it too.
        r = c.get("/", reply=[upd({"a": None})])
        self.assertDeletionCookie(r)
        self.assertEqual(r.header("Cache-Control"), "private")
        # A response that sets no cookie is left alone.
        r = c.get("/", reply=[["Cache-Control", "public, max-age=60"]])
        self.assertEqual(r.header("Cache-Control"), "public, max-age=60")


class Actions(SessionTestCase, SessionAssertions):

    def test_emptied_session_is_deleted_and_its_cookie_expired(self):
        c = self.client()
        c.update({"a": 1, "b": 2})
        sid = c.sid
        r = c.update({"a": None})
        self.assertIsNotNone(r.cookie())  # still data: saved
        self.assertEqual(len(self.stored()), 1)
        r = c.update({"b": None})
        self.assertDeletionCookie(r)
        self.assertEqual(self.stored(), {}, "an emptied session was kept")
        r = self.client({COOKIE: sid}).get("/")
        self.assertEqual(r.state, "invalid")
        self.assertEqual(r.session, {})

    def test_flush_deletes_the_session_and_expires_the_cookie(self):
        c = self.client()
        c.update({"member_id": 7, "cart": [1]})
        sid, handle = c.sid, c.get("/").handle
        r = c.action("flush")
        self.assertDeletionCookie(r)
        self.assertEqual(self.stored(), {})
        r = self.client({COOKIE: sid}).get("/")
        self.assertEqual(r.state, "invalid")
        self.assertEqual(r.session, {})

        # flush then an update: a fresh session holding only the update.
        c = self.client()
        c.update({"member_id": 7, "cart": [1]})
        sid, handle = c.sid, c.get("/").handle
        r = c.get("/", reply=[["X-Session-Action", "flush"], upd({"flash": "bye"})])
        cookie = self.assertSessionCookie(r)
        self.assertNotEqual(cookie.value, sid)
        r = c.get("/")
        self.assertEqual(r.session, {"flash": "bye"})
        self.assertNotEqual(r.handle, handle)
        self.assertEqual(self.client({COOKIE: sid}).get("/").state, "invalid")

    def test_cycle_gives_a_new_id_and_handle_with_the_same_data(self):
        c = self.client()
        c.update({"cart": [1, 2]})
        old_sid, old_handle = c.sid, c.get("/").handle
        r = c.get("/", reply=[["X-Session-Action", "cycle"], upd({"member_id": 42})])
        cookie = self.assertSessionCookie(r)
        self.assertNotEqual(cookie.value, old_sid, "cycle kept the session id")
        r = c.get("/")
        self.assertEqual(r.state, "active")
        self.assertEqual(r.session, {"cart": [1, 2], "member_id": 42})
        self.assertNotEqual(r.handle, old_handle, "cycle kept the X-Session-Id handle")
        self.assertEqual(c.get("/").handle, r.handle)
        # The old id is dead (fixation defense).
        old = self.client({COOKIE: old_sid}).get("/")
        self.assertEqual(old.state, "invalid")
        self.assertEqual(old.session, {})
        self.assertEqual(list(self.stored()), [r.handle])

        # cycle alone (no update) also moves the data to a new id.
        sid2 = c.sid
        r = c.action("cycle")
        self.assertNotEqual(self.assertSessionCookie(r).value, sid2)
        self.assertEqual(c.get("/").session, {"cart": [1, 2], "member_id": 42})

    def test_clear_keeps_the_id_and_updates_start_afresh(self):
        c = self.client()
        c.update({"a": 1, "b": 2})
        sid, handle = c.sid, c.get("/").handle
        r = c.get("/", reply=[["X-Session-Action", "clear"], upd({"c": 3})])
        cookie = self.assertSessionCookie(r)
        self.assertEqual(cookie.value, sid, "clear changed the session id")
        r = c.get("/")
        self.assertEqual(r.session, {"c": 3}, "clear kept old data")
        self.assertEqual(r.handle, handle)

        # clear alone empties the session: deleted, cookie expired.
        r = c.action("clear")
        self.assertDeletionCookie(r)
        self.assertEqual(self.stored(), {})
        self.assertEqual(self.client({COOKIE: sid}).get("/").state, "invalid")

    def test_expiry_seconds_browser_session_and_default(self):
        c = self.client()
        r = c.get("/", reply=[upd({"a": 1}), ["X-Session-Expiry", "300"]])
        self.assertSessionCookie(r, max_age=300)
        r = c.get("/")
        self.assertAlmostEqual(int(r.up("X-Session-Expires")), time.time() + 300, delta=3)

        # 0: a browser-session cookie (no Max-Age, no Expires); the server keeps
        # the session for the configured age.
        r = c.get("/", reply=[["X-Session-Expiry", "0"]])
        self.assertSessionCookie(r, max_age=None)
        r = c.get("/")
        self.assertEqual(r.session, {"a": 1})
        self.assertAlmostEqual(int(r.up("X-Session-Expires")), time.time() + 1209600, delta=3)
        # The setting sticks on later saves.
        r = c.update({"b": 2})
        self.assertSessionCookie(r, max_age=None)

        # default: back to cookie.age.
        r = c.get("/", reply=[["X-Session-Expiry", "default"]])
        self.assertSessionCookie(r, max_age=1209600)
        r = c.update({"c": 3})
        self.assertSessionCookie(r, max_age=1209600)
        self.assertEqual(c.get("/").session, {"a": 1, "b": 2, "c": 3})

    def test_own_expiry_ends_the_session(self):
        c = self.client()
        c.get("/", reply=[upd({"a": 1}), ["X-Session-Expiry", "1"]])
        sid = c.sid
        time.sleep(2.2)
        r = c.get("/")
        self.assertEqual(r.state, "expired")
        self.assertEqual(r.session, {})
        r = c.update({"b": 1})
        self.assertNotEqual(self.assertSessionCookie(r).value, sid, "expired session id adopted")
        self.assertEqual(c.get("/").session, {"b": 1})


class CookieAttributes(SessionTestCase, SessionAssertions):
    CONFIG = {"cookie": {"path": "/app", "domain": "example.test", "samesite": "Strict"}}

    def test_deletion_cookie_has_the_same_path_and_domain(self):
        c = self.client()
        r = c.update({"a": 1}, path="/app/x")
        cookie = r.cookie()
        self.assertEqual(cookie.attr("path"), "/app")
        self.assertEqual(cookie.attr("domain"), "example.test")
        self.assertEqual(cookie.attr("samesite"), "Strict")
        self.assertTrue(cookie.has("httponly"))
        r = c.update({"a": None}, path="/app/x")
        self.assertDeletionCookie(r, path="/app", domain="example.test")
        self.assertEqual(r.cookie().attr("samesite"), "Strict")
        self.assertEqual(self.stored(), {})


class SecureAuto(SessionTestCase, SessionAssertions):
    # The harness trusts 127.0.0.1 as a proxy: its X-Forwarded-Proto counts.

    def test_secure_when_a_trusted_proxy_says_https(self):
        https = [("X-Forwarded-Proto", "https")]
        c = self.client()
        r = c.update({"a": 1}, headers=https)
        self.assertTrue(self.assertSessionCookie(r).has("secure"), r.cookie())
        r = c.action("flush", headers=https)
        self.assertTrue(r.cookie().deletes)
        self.assertTrue(r.cookie().has("secure"), r.cookie())
        # Plain http (no TLS listener here): no Secure, or the browser would
        # never send the cookie back.
        for headers in ([], [("X-Forwarded-Proto", "http")]):
            r = self.client().update({"a": 1}, headers=headers)
            self.assertFalse(self.assertSessionCookie(r).has("secure"), r.cookie())

    def test_an_untrusted_peer_cannot_claim_https(self):
        self.start_proxy(trusted_proxies=[])
        r = self.client().update({"a": 1}, headers=[("X-Forwarded-Proto", "https")])
        self.assertFalse(self.assertSessionCookie(r).has("secure"), r.cookie())

    def test_true_and_false_force_it(self):
        self.start_proxy(cookie={"secure": True})
        self.assertTrue(self.assertSessionCookie(self.client().update({"a": 1})).has("secure"))
        self.start_proxy(cookie={"secure": False})
        r = self.client().update({"a": 1}, headers=[("X-Forwarded-Proto", "https")])
        self.assertFalse(self.assertSessionCookie(r).has("secure"))


class BrowserSessionCookieByDefault(SessionTestCase, SessionAssertions):
    CONFIG = {"cookie": {"name": "sg", "secure": True, "expire_at_browser_close": True}}

    def test_cookie_name_secure_and_expire_at_browser_close(self):
        c = self.client()
        r = c.update({"a": 1})
        cookie = r.cookie("sg")
        self.assertIsNotNone(cookie, r.set_cookies)
        self.assertIsNone(r.cookie("sessionid"))
        self.assertTrue(cookie.has("secure"))
        self.assertFalse(cookie.has("max-age"), cookie)
        self.assertFalse(cookie.has("expires"), cookie)
        sid = c.jar["sg"]
        # An explicit expiry decides over expire_at_browser_close (as Django).
        r = c.get("/", reply=[["X-Session-Expiry", "60"]])
        self.assertEqual(r.cookie("sg").attr("max-age"), "60")
        # "sessionid" is just another cookie now: passed on, ours is not.
        r = c.get("/", cookies={"sessionid": "x"})
        self.assertEqual(r.state, "active")
        self.assertEqual(r.up_all("Cookie"), ["sessionid=x"])
        self.assertNotIn(sid, r.echo["raw_head"])
        r = c.get("/", reply=[["X-Session-Action", "flush"]])
        deletion = r.cookie("sg")
        self.assertEqual(deletion.attr("max-age"), "0")
        self.assertTrue(deletion.has("secure"))


class RollingEveryRequest(SessionTestCase, SessionAssertions):
    CONFIG = {"save_every_request": True, "touch_interval": 0}

    def test_every_request_saves_and_resends_the_cookie(self):
        c = self.client()
        c.update({"a": 1})
        expires0 = int(c.get("/").up("X-Session-Expires"))
        time.sleep(1.2)
        r = c.get("/")
        self.assertSessionCookie(r)
        self.assertGreater(int(c.get("/").up("X-Session-Expires")), expires0)
        # Rolling never creates a session by itself.
        r = self.client().get("/")
        self.assertNoSessionCookie(r)
        self.assertEqual(len(self.stored()), 1)


class RollingTouchInterval(SessionTestCase, SessionAssertions):
    CONFIG = {"save_every_request": True, "touch_interval": 2}

    def test_writes_and_cookie_at_most_once_per_interval(self):
        c = self.client()
        c.update({"a": 1})
        expires0 = int(c.get("/").up("X-Session-Expires"))
        for _ in range(3):  # within the interval: no write, no cookie
            r = c.get("/")
            self.assertNoSessionCookie(r)
            self.assertEqual(int(r.up("X-Session-Expires")), expires0)
        time.sleep(3.1)
        r = c.get("/")  # interval passed: touched
        self.assertSessionCookie(r)
        expires1 = int(c.get("/").up("X-Session-Expires"))
        self.assertGreaterEqual(expires1, expires0 + 3)
        for _ in range(3):  # and again not before the next interval
            r = c.get("/")
            self.assertNoSessionCookie(r)
            self.assertEqual(int(r.up("X-Session-Expires")), expires1)
        # A modification is saved at once, interval or not.
        r = c.update({"b": 2})
        self.assertSessionCookie(r)
        self.assertEqual(c.get("/").session, {"a": 1, "b": 2})


class IdleExpiry(SessionTestCase, SessionAssertions):
    CONFIG = {"cookie": {"age": 2}}

    def test_idle_session_expires_and_is_not_adopted(self):
        c = self.client()
        r = c.update({"member_id": 1})
        self.assertSessionCookie(r, max_age=2)
        sid = c.sid
        r = c.get("/")
        self.assertEqual(r.state, "active")
        time.sleep(3.2)
        r = c.get("/")
        self.assertEqual(r.state, "expired")
        self.assertEqual(r.session, {})
        self.assertIsNone(r.handle)
        r = c.update({"other": 1})
        cookie = self.assertSessionCookie(r, max_age=2)
        self.assertNotEqual(cookie.value, sid, "expired session id adopted")
        self.assertEqual(c.get("/").session, {"other": 1}, "expired data came back")
        r = self.client({COOKIE: sid}).get("/")
        self.assertIn(r.state, ("expired", "invalid"))
        self.assertEqual(r.session, {})


class AbsoluteExpiry(SessionTestCase, SessionAssertions):
    # Rolling saves every request, yet the session ends 3 s after creation.
    CONFIG = {"max_lifetime": 3, "save_every_request": True, "touch_interval": 0}

    def test_max_lifetime_ends_the_session_whatever_happens(self):
        c = self.client()
        t0 = time.time()
        r = c.update({"member_id": 1})
        cookie = r.cookie()
        self.assertLessEqual(int(cookie.attr("max-age")), 3, "cookie outlives max_lifetime")
        sid = c.sid
        while time.time() - t0 < 1.5:
            r = c.get("/")
            self.assertEqual(r.state, "active")
            self.assertLessEqual(int(r.up("X-Session-Expires")), int(t0) + 4)
            time.sleep(0.3)
        time.sleep(max(0.0, t0 + 4.2 - time.time()))
        r = self.client({COOKIE: sid}).get("/")
        self.assertEqual(r.state, "expired")
        self.assertEqual(r.session, {})
        r = c.update({"x": 1})
        self.assertNotEqual(r.cookie().value, sid)
        self.assertEqual(c.get("/").session, {"x": 1})


if __name__ == "__main__":
    unittest.main()
