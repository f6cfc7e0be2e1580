"""The session store failing: every store call has a deadline
(timeouts.store), so a store that never answers gives 503, never a hung
connection, and a late answer changes nothing; store.unavailable decides
whether a request the store failed is refused (503 with Retry-After) or
forwarded without a session.

The LMDB store is made to fail for real: another process holds its write
lock, or a record in its files is damaged (lmdb_files.py).
"""

import base64
import os
import time
import unittest

from lmdb_files import WriteLock, put_raw_record
from session_support import COOKIE, SessionTestCase, upd

DEADLINE = 1.0  # timeouts.store in these tests, seconds


def random_id():
    """A well-formed session id no store holds (43 base64url characters)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


class StoreTestCase(SessionTestCase):
    CONFIG = {"timeouts": {"store": "%gs" % DEADLINE}}

    def store_path(self):
        return os.path.join(self.tmpdir, "store")

    def hold_write_lock(self):
        lock = WriteLock(self.store_path())
        self.addCleanup(lock.release)
        return lock

    def plant_damaged_session(self):
        """A cookie value whose record in the store's files is damaged."""
        sid = random_id()
        put_raw_record(self.store_path(), sid, b"\x01not a record")
        return sid

    def request_id_of(self, status):
        """The request id of the access line with `status` (written once the
        response is out, so waited for)."""
        line = self.proxy.wait_line(lambda o: o.get("event") == "request" and o.get("status") == status, 5)
        self.assertIsNotNone(line, "no access line with status %d" % status)
        return line.get("request_id")


class NeverAnswers(StoreTestCase):

    def test_a_store_that_never_answers_gives_503_within_the_deadline(self):
        c = self.client()
        c.update({"a": 1})
        sid = c.sid
        lock = self.hold_write_lock()

        started = time.monotonic()
        r = c.update({"b": 2})
        elapsed = time.monotonic() - started
        self.assertEqual(r.status, 503)
        self.assertEqual(r.header("Retry-After"), "1")
        self.assertNoSessionCookie(r)
        self.assertGreaterEqual(elapsed, DEADLINE * 0.9)
        self.assertLess(elapsed, DEADLINE + 4, "the answer waited far past timeouts.store")
        # Logged as a store error carrying the request's id.
        self.assertTrue(self.wait_events("store_error", 1))
        error = self.log_lines("store_error")[-1]
        self.assertEqual(error.get("during"), "write")
        self.assertEqual(error.get("request_id"), self.request_id_of(503))
        self.assertIsNotNone(error.get("request_id"))

        # Reads need no write lock: sessions are still shown meanwhile.
        r = c.get("/")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.session, {"a": 1})
        # A new session cannot be saved either.
        self.assertEqual(self.client().update({"n": 1}).status, 503)

        # Once the store answers again, the late writes were not applied.
        lock.release()
        self.assertEqual(c.get("/").session, {"a": 1})
        r = c.update({"c": 3})
        self.assertEqual(r.status, 200)
        self.assertEqual(c.sid, sid)
        self.assertEqual(c.get("/").session, {"a": 1, "c": 3})
        self.assertEqual(len(self.stored()), 1)

    def test_the_proxy_recovers_once_the_store_answers_again(self):
        lock = self.hold_write_lock()
        clients = [self.client() for _ in range(3)]
        for c in clients:
            self.assertEqual(c.update({"x": 1}).status, 503)
        lock.release()
        for c in clients:
            r = c.update({"x": 2})
            self.assertEqual(r.status, 200)
            self.assertIsNotNone(r.cookie())


class NeverAnswersAnonymous(StoreTestCase):
    CONFIG = {"timeouts": {"store": "%gs" % DEADLINE}, "store": {"unavailable": "anonymous"}}

    def test_the_response_goes_on_unsaved(self):
        c = self.client()
        c.update({"a": 1})
        lock = self.hold_write_lock()
        r = c.update({"b": 2})
        self.assertEqual(r.status, 200)
        self.assertNoSessionCookie(r)
        self.assertTrue(self.wait_events("store_error", 1))
        lock.release()
        self.assertEqual(c.get("/").session, {"a": 1})



class DamagedRecord(StoreTestCase):

    def test_a_load_that_fails_is_refused_with_503(self):
        sid = self.plant_damaged_session()
        r = self.client({COOKIE: sid}).get("/")
        self.assertEqual(r.status, 503)
        self.assertEqual(r.header("Retry-After"), "1")
        self.assertEqual(self.upstream.count(), 0, "the request was forwarded")
        self.assertTrue(self.wait_events("store_error", 1))
        self.assertEqual(self.log_lines("store_error")[-1].get("during"), "load")
        # Other sessions are unaffected.
        other = self.client()
        other.update({"ok": True})
        self.assertEqual(other.get("/").session, {"ok": True})


class DamagedRecordAnonymous(StoreTestCase):
    CONFIG = {"timeouts": {"store": "%gs" % DEADLINE}, "store": {"unavailable": "anonymous"}}

    def test_a_load_that_fails_goes_on_without_a_session_and_saves_nothing(self):
        sid = self.plant_damaged_session()
        c = self.client({COOKIE: sid})
        r = c.get("/", reply=[upd({"taken_over": True})])
        self.assertEqual(r.status, 200)
        self.assertEqual(r.state, "unavailable")
        self.assertEqual(r.session, {})
        self.assertIsNone(r.handle)
        self.assertNoSessionCookie(r)
        self.assertEqual(c.sid, sid)
        self.assertEqual(self.stored(), {})


if __name__ == "__main__":
    unittest.main()
