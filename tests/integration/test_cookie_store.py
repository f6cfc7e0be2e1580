"""store.type: cookie with real processes: the whole session sealed in its
cookie, nothing kept by the proxy.

  - two proxies with the same key file share sessions (either reads and
    changes what the other sealed);
  - a tampered, truncated or wrongly keyed cookie is X-Session-State
    invalid, never an error page, and is never adopted;
  - a key rotation (new key first in the file, old kept) keeps old cookies
    readable, and new cookies are sealed with the new key;
  - an update whose cookie would pass 4096 bytes is refused with a log line
    and the previous session kept;
  - no server state: nothing written under store.path, and the sessions
    command says there is nothing to list; check-config refuses an index.

Only 127.0.0.1; every process is stopped in a cleanup.
"""

import base64
import os
import secrets
import shutil
import subprocess
import tempfile
import unittest

import harness
from session_support import COOKIE, Client, SessionUpstream, run_cli


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(cookie_value):
    """The key id a sealed cookie names: after the format version byte."""
    return b64url_decode(cookie_value)[1:5]


class CookieStore(unittest.TestCase):

    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix="sg-cookie-")
        self.addCleanup(shutil.rmtree, self.tmpdir, True)
        self.upstream = SessionUpstream()
        self.addCleanup(self.upstream.stop)
        self.old_key = secrets.token_urlsafe(32)
        self.new_key = secrets.token_urlsafe(32)

    def key_file(self, *keys):
        path = os.path.join(self.tmpdir, "keys-%s" % secrets.token_hex(4))
        with open(path, "w") as f:
            f.write("# newest first\n" + "\n".join(keys) + "\n")
        return path

    def proxy(self, *keys, **overrides):
        cfg = harness.proxy_config(self.upstream.port, self.tmpdir,
                                   **harness.merge({"store": {"type": "cookie"},
                                                    "secret_key_file": self.key_file(*keys)}, overrides))
        p = harness.Proxy(cfg, tmpdir=tempfile.mkdtemp(dir=self.tmpdir))
        self.addCleanup(p.stop)
        return p

    def test_two_processes_with_one_key_file_share_sessions(self):
        a, b = self.proxy(self.old_key), self.proxy(self.old_key)
        browser = Client(a.port)
        made = browser.update({"member_id": 42, "name": "Ren\u00e9e"})
        self.assertIsNotNone(made.cookie(), made)
        handle = browser.get("/").handle
        self.assertTrue(handle)

        on_b = Client(b.port, browser.jar)
        seen = on_b.get("/")
        self.assertEqual(seen.state, "active")
        self.assertEqual(seen.session, {"member_id": 42, "name": "Ren\u00e9e"})
        self.assertEqual(seen.handle, handle)
        changed = on_b.update({"cart": [1, 2]})
        self.assertIsNotNone(changed.cookie())

        back_on_a = Client(a.port, on_b.jar).get("/")
        self.assertEqual(back_on_a.session, {"member_id": 42, "name": "Ren\u00e9e", "cart": [1, 2]})
        self.assertEqual(back_on_a.handle, handle)
        # Logged as a save of that session, though its cookie value is new.
        line = b.wait_line(lambda l: l.get("session_event") in ("saved", "created"), timeout=5)
        self.assertIsNotNone(line, b.lines[-3:])
        self.assertEqual((line["session_event"], line.get("session")), ("saved", handle))

    def test_bad_cookies_are_invalid_never_an_error_page(self):
        p = self.proxy(self.old_key)
        browser = Client(p.port)
        browser.update({"a": 1})
        good = browser.sid
        self.assertTrue(good)
        mid = len(good) // 2
        tampered = good[:mid] + ("A" if good[mid] != "A" else "B") + good[mid + 1:]
        foreign = Client(self.proxy(self.new_key).port)
        foreign.update({"a": 1})
        for name, value in (("tampered", tampered), ("truncated", good[:-5]), ("cut in half", good[:mid]),
                            ("wrongly keyed", foreign.sid), ("not base64url", "%%%" + good[3:]),
                            ("oversized", "A" * 5000)):
            with self.subTest(name):
                r = Client(p.port, {COOKIE: value}).get("/")
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.state, "invalid")
                self.assertIsNone(r.handle)
                self.assertEqual(r.session, {})
        # Never adopted: data saved on such a request gets a fresh session.
        c = Client(p.port, {COOKIE: tampered})
        r = c.update({"b": 2})
        self.assertIsNotNone(r.cookie())
        self.assertNotEqual(c.sid, tampered)
        self.assertEqual(c.get("/").session, {"b": 2})
        # The good cookie is untouched by all that.
        self.assertEqual(Client(p.port, {COOKIE: good}).get("/").session, {"a": 1})

    def test_key_rotation_keeps_old_cookies_and_seals_with_the_new_key(self):
        before = self.proxy(self.old_key)
        browser = Client(before.port)
        browser.update({"member_id": 7})
        old_cookie = browser.sid
        handle = browser.get("/").handle
        before.stop()

        rotated = self.proxy(self.new_key, self.old_key)
        browser.port = rotated.port
        r = browser.get("/")
        self.assertEqual(r.state, "active")
        self.assertEqual(r.session, {"member_id": 7})
        self.assertEqual(r.handle, handle)  # X-Session-Id survives the rotation
        browser.update({"theme": "dark"})
        new_cookie = browser.sid
        self.assertNotEqual(new_cookie, old_cookie)
        self.assertNotEqual(key_id(new_cookie), key_id(old_cookie))

        # Sealed with the new key: a proxy holding only it reads the new
        # cookie and not the old one.
        new_only = self.proxy(self.new_key)
        r = Client(new_only.port, {COOKIE: new_cookie}).get("/")
        self.assertEqual((r.state, r.session), ("active", {"member_id": 7, "theme": "dark"}))
        self.assertEqual(Client(new_only.port, {COOKIE: old_cookie}).get("/").state, "invalid")
        # ... and the rotated proxy still reads the old one.
        self.assertEqual(Client(rotated.port, {COOKIE: old_cookie}).get("/").session, {"member_id": 7})

    def test_update_past_the_cookie_limit_keeps_the_previous_session(self):
        p = self.proxy(self.old_key)
        browser = Client(p.port)
        browser.update({"a": 1})
        before = browser.sid
        r = browser.update({"big": "x" * 5000})  # under session_max_bytes, over 4096 as a cookie
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.cookie(), r.set_cookies)
        self.assertEqual(browser.sid, before)
        self.assertEqual(browser.get("/").session, {"a": 1})
        line = p.wait_line(lambda l: l.get("event") == "session_too_large", timeout=5)
        self.assertIsNotNone(line, p.all_lines[-5:])
        self.assertIn("4096-byte cookie limit", line.get("detail", ""))
        # Just under the limit still fits.
        ok = browser.update({"big": "x" * 2500})
        self.assertIsNotNone(ok.cookie())
        self.assertLessEqual(len(COOKIE) + 1 + len(browser.sid), 4096)
        self.assertEqual(len(browser.get("/").session["big"]), 2500)

    def test_no_server_state_and_nothing_to_list(self):
        p = self.proxy(self.old_key)
        for i in range(3):
            Client(p.port).update({"n": i})
        self.assertFalse(os.path.exists(os.path.join(self.tmpdir, "store")),
                         "the cookie store wrote under store.path")
        for cmd, args in (("list", ()), ("show", ("some-handle",)), ("delete", ("some-handle",))):
            with self.subTest(cmd):
                r = run_cli(p.config_path, cmd, *args)
                self.assertEqual(r.returncode, 2, (r.stdout, r.stderr))
                self.assertIn("keeps no sessions on a server", r.stderr)

    def test_check_config_refuses_what_the_cookie_store_cannot_do(self):
        path = os.path.join(self.tmpdir, "cookie.yaml")
        with open(path, "w") as f:
            f.write("secret_key_file: %s\nstore:\n  type: cookie\nindex: [member_id]\n" % self.key_file(self.old_key))
        r = subprocess.run([harness.binary(), "check-config", "-c", path], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, timeout=20,
                           env={k: v for k, v in os.environ.items() if not k.startswith("SESSIONGATE_")})
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("index: the cookie store keeps no sessions on a server", r.stderr)


if __name__ == "__main__":
    unittest.main()
