"""The seeds' examples end to end: sessiongate in front of the real sample
backend (sample_backend/), driven over HTTP like a browser with a cookie jar.
"""

import json
import re
import shutil
import tempfile
import unittest

import harness
from session_support import COOKIE, Client, SampleBackend, run_cli


def text_of(result, element_id):
    """Inner text of the element with this id (tags removed), or None."""
    m = re.search(r'id="%s"[^>]*>(.*?)</' % re.escape(element_id), result.body.decode("utf-8"), re.S)
    return re.sub(r"<[^>]+>", "", m.group(1)).strip() if m else None


class SampleBackendFlows(unittest.TestCase):
    BACKEND_ARGS = ()

    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix="sg-sample-")
        self.addCleanup(shutil.rmtree, self.tmpdir, True)
        self.backend = SampleBackend(*self.BACKEND_ARGS)
        self.addCleanup(self.backend.stop)
        cfg = harness.proxy_config(self.backend.port, self.tmpdir)
        self.proxy = harness.Proxy(cfg, tmpdir=self.tmpdir)
        self.addCleanup(self.proxy.stop)

    def client(self, jar=None):
        return Client(self.proxy.port, jar)

    def stored(self):
        r = run_cli(self.proxy.config_path, "list", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = {}
        for line in r.stdout.splitlines():
            h = json.loads(line)["handle"]
            shown = run_cli(self.proxy.config_path, "show", "--data", h)
            self.assertEqual(shown.returncode, 0, "sessions show %s: %r" % (h, shown))
            out[h] = json.loads(shown.stdout)
        return out

    def assertNoControlHeaders(self, result):
        self.assertFalse([k for k, _ in result.headers if k.lower().startswith("x-session")])

    def test_visit_counter(self):
        c = self.client()
        sid = None
        for n in range(1, 5):
            r = c.get("/counter")
            self.assertEqual(r.status, 200)
            self.assertNoControlHeaders(r)
            self.assertEqual(text_of(r, "num-visits"), str(n))
            cookie = r.cookie()
            self.assertIsNotNone(cookie, "visit %d not saved" % n)
            sid = sid or cookie.value
            self.assertEqual(cookie.value, sid, "the counter changed the session id")
        data = list(self.stored().values())
        self.assertEqual(len(data), 1)
        self.assertEqual(data[0]["num_visits"], 4)
        self.assertIn("last_visit", data[0])
        # Another browser has its own count.
        self.assertEqual(text_of(self.client().get("/counter"), "num-visits"), "1")
        # A browser that drops the cookie starts again.
        self.assertEqual(text_of(self.client().get("/counter"), "num-visits"), "1")

    def test_login_cycles_the_id_and_keeps_the_data(self):
        c = self.client()
        c.get("/counter")
        c.get("/counter")
        before = c.sid
        self.assertEqual(text_of(c.get("/login"), "login-state"), "Not logged in.")
        r = c.post("/login", {"username": "alice", "remember": "on"})
        self.assertEqual(r.status, 303)
        self.assertNoControlHeaders(r)
        cookie = r.cookie()
        self.assertIsNotNone(cookie)
        self.assertNotEqual(cookie.value, before, "login kept the session id (fixation)")
        self.assertEqual(int(cookie.attr("max-age")), 1209600)  # remember me: configured age
        r = c.get("/login")
        self.assertEqual(text_of(r, "login-name"), "alice")
        self.assertEqual(text_of(c.get("/counter"), "num-visits"), "3", "login lost the session data")
        # The pre-login id is dead.
        old = self.client({COOKIE: before}).get("/login")
        self.assertEqual(text_of(old, "login-state"), "Not logged in.")
        self.assertEqual(text_of(old, "x-session-state"), "invalid")

    def test_login_without_remember_me_is_a_browser_session_cookie(self):
        c = self.client()
        r = c.post("/login", {"username": "bob"})
        self.assertEqual(r.status, 303)
        cookie = r.cookie()
        self.assertIsNotNone(cookie)
        self.assertFalse(cookie.has("max-age"), cookie)  # set_expiry(0)
        self.assertFalse(cookie.has("expires"), cookie)
        self.assertEqual(text_of(c.get("/login"), "login-name"), "bob")
        # Later saves keep it a browser-session cookie.
        r = c.get("/counter")
        self.assertFalse(r.cookie().has("max-age"))
        # Logging in again with remember me gives a persistent cookie.
        r = c.post("/login", {"username": "bob", "remember": "on"})
        self.assertEqual(int(r.cookie().attr("max-age")), 1209600)

    def test_logout_flushes(self):
        c = self.client()
        c.post("/login", {"username": "carol", "remember": "on"})
        c.get("/counter")
        sid = c.sid
        self.assertEqual(len(self.stored()), 1)
        r = c.post("/logout")
        self.assertEqual(r.status, 303)
        cookie = r.cookie()
        self.assertIsNotNone(cookie)
        self.assertEqual(cookie.attr("max-age"), "0")
        self.assertIn("1970", cookie.attr("expires"))
        self.assertIsNone(c.sid)
        self.assertEqual(self.stored(), {})
        self.assertEqual(text_of(c.get("/login"), "login-state"), "Not logged in.")
        # Replaying the old cookie gets nothing back.
        old = self.client({COOKIE: sid}).get("/counter")
        self.assertEqual(text_of(old, "num-visits"), "1")
        self.assertNotEqual(old.cookie().value, sid)

    def test_test_cookie(self):
        c = self.client()
        r = c.get("/test-cookie")
        self.assertIsNotNone(r.cookie())
        r = c.get("/test-cookie/check")
        self.assertEqual(text_of(r, "test-cookie-result"), "Cookies work.")
        # delete_test_cookie() emptied the session: deleted, cookie expired.
        self.assertEqual(r.cookie().attr("max-age"), "0")
        self.assertEqual(self.stored(), {})
        # A browser that does not keep cookies.
        nojar = self.client()
        nojar.get("/test-cookie")
        nojar.jar.clear()
        r = nojar.get("/test-cookie/check")
        self.assertIn("not enabled", text_of(r, "test-cookie-result"))

    def test_preferences(self):
        c = self.client()
        self.assertEqual(text_of(c.get("/preferences"), "per-page"), "10")
        r = c.post("/preferences", {"per_page": "50"})
        self.assertEqual(r.status, 303)
        self.assertEqual(text_of(c.get("/preferences"), "per-page"), "50")
        r = c.post("/preferences", {"per_page": "7"})
        self.assertEqual(r.status, 400)
        self.assertEqual(text_of(c.get("/preferences"), "per-page"), "50")
        self.assertEqual(list(self.stored().values()), [{"per_page": 50}])


class VisitIntervalCounter(SampleBackendFlows):
    """The seeds count a visit once a day: reloads within it save nothing."""
    BACKEND_ARGS = ("--visit-interval", "86400")

    def test_visit_counter(self):
        c = self.client()
        r = c.get("/counter")
        self.assertEqual(text_of(r, "num-visits"), "1")
        self.assertIsNotNone(r.cookie())
        for _ in range(3):
            r = c.get("/counter")
            self.assertEqual(text_of(r, "num-visits"), "1")
            self.assertIsNotNone(text_of(r, "not-counted"))
            self.assertIsNone(r.cookie(), "an unmodified session was saved")

    # The other flows do not depend on the interval: run them once.
    test_login_cycles_the_id_and_keeps_the_data = None
    test_login_without_remember_me_is_a_browser_session_cookie = None
    test_logout_flushes = None
    test_test_cookie = None
    test_preferences = None


if __name__ == "__main__":
    unittest.main()
