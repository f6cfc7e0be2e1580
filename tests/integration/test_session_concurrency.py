"""Concurrent requests of one session, and sessions deleted while a request
that loaded them is still at the upstream.
"""

import threading
import unittest

from session_support import COOKIE, SessionTestCase, upd


def run_parallel(fns, timeout=30):
    """Run the callables at once; returns their results (exceptions re-raised)."""
    results = [None] * len(fns)
    errors = []
    start = threading.Barrier(len(fns))

    def worker(i, fn):
        try:
            start.wait(timeout)
            results[i] = fn()
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i, fn), daemon=True) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    if errors:
        raise errors[0]
    if any(t.is_alive() for t in threads):
        raise AssertionError("parallel requests did not finish in %ss" % timeout)
    return results


class ConcurrentUpdates(SessionTestCase):
    CONFIG = {"threads": 2}

    def held_parallel(self, sid, replies):
        """One request of session `sid` per reply, all held at the upstream
        until every one has arrived there, then released; their results."""
        names = ["r%d" % i for i in range(len(replies))]
        box = {}

        def run():
            try:
                box["results"] = run_parallel([
                    lambda name=name, reply=reply: self.client({COOKIE: sid}).get("/", reply=[reply], hold=name)
                    for name, reply in zip(names, replies)])
            except Exception as e:  # reported below
                box["error"] = e

        runner = threading.Thread(target=run, daemon=True)
        runner.start()
        for name in names:
            self.assertTrue(self.upstream.arrived(name, timeout=10), "request %s never reached the upstream" % name)
        for name in names:
            self.upstream.release(name)
        runner.join(30)
        self.assertNotIn("error", box, box.get("error"))
        return box["results"]

    def test_parallel_updates_of_different_keys_are_all_kept(self):
        c = self.client()
        c.update({"base": 0})
        sid, handle = c.sid, c.get("/").handle
        n = 20

        # Each request loads the session, is held at the upstream until all
        # of them have arrived (so all loaded the same session before any
        # saved), then sets its own key.
        results = self.held_parallel(sid, [upd({"k%d" % i: i}) for i in range(n)])
        for r in results:
            self.assertEqual(r.status, 200)
            self.assertEqual(r.state, "active")
            cookie = r.cookie()
            self.assertIsNotNone(cookie)
            self.assertEqual(cookie.value, sid, "a parallel update moved the session")
        r = c.get("/")
        expected = {"base": 0}
        expected.update({"k%d" % i: i for i in range(n)})
        self.assertEqual(r.session, expected, "lost updates: %s" % sorted(set(expected) - set(r.session)))
        self.assertEqual(r.handle, handle)
        self.assertEqual(list(self.stored().values()), [expected])

    def test_parallel_deletes_and_sets_of_one_key(self):
        # Counter-style read-modify-write is the upstream's business; what the
        # proxy guarantees is that every patch applies to the record as it is
        # now: here half delete "x" and half set their own key.
        c = self.client()
        c.update({"base": 0, "x": 1})  # "base" keeps it from emptying (and being deleted)
        sid = c.sid
        self.held_parallel(sid, [upd({"x": None} if i % 2 else {"y%d" % i: True}) for i in range(10)])
        expected = {"y%d" % i: True for i in range(0, 10, 2)}
        expected["base"] = 0
        self.assertEqual(c.get("/").session, expected)


class DeletedMeanwhile(SessionTestCase):
    CONFIG = {"threads": 2}

    def held_update(self, sid, name, patch):
        """Start a request that loads the session and waits at the upstream."""
        out = {}

        def go():
            out["r"] = self.client({COOKIE: sid}).get("/", reply=[upd(patch)], hold=name, timeout=30)

        t = threading.Thread(target=go, daemon=True)
        t.start()
        self.assertTrue(self.upstream.arrived(name), "held request did not reach the upstream")
        return t, out

    def finish(self, name, t, out):
        self.upstream.release(name)
        t.join(25)
        self.assertFalse(t.is_alive())
        return out["r"]

    def assertLateSaveKeptDeleted(self, c, late, msg):
        """The late save neither re-issued the cookie nor brought the record back."""
        cookie = late.cookie()
        self.assertTrue(cookie is None or cookie.deletes, "late save re-issued the cookie: %r" % cookie)
        self.assertEqual(self.stored(), {}, msg)
        r = c.get("/")
        self.assertEqual(r.state, "invalid")
        self.assertEqual(r.session, {})

    def test_cli_delete_is_not_undone_by_a_late_save(self):
        c = self.client()
        c.update({"member_id": 7})
        sid, handle = c.sid, c.get("/").handle
        t, out = self.held_update(sid, "late", {"cart": [1]})
        r = self.cli("delete", handle)
        self.assertEqual(r.returncode, 0, r.stderr)
        late = self.finish("late", t, out)
        self.assertEqual(late.status, 200)
        self.assertEqual(late.state, "active")  # it had loaded the session
        self.assertLateSaveKeptDeleted(c, late, "the deleted session came back")

    def test_flush_from_another_request_is_not_undone_by_a_late_save(self):
        c = self.client()
        c.update({"member_id": 7})
        sid = c.sid
        t, out = self.held_update(sid, "late", {"cart": [1]})
        r = self.client({COOKIE: sid}).action("flush")  # logout in another tab
        self.assertEqual(r.cookie().attr("max-age"), "0")
        late = self.finish("late", t, out)
        self.assertLateSaveKeptDeleted(c, late, "the flushed session came back")

    def test_cycle_from_another_request_is_not_undone_by_a_late_save(self):
        # The old id is dead after a cycle: a late save against it must not
        # bring it back (the new id keeps the data and gets nothing stale).
        c = self.client()
        c.update({"member_id": 7})
        sid = c.sid
        t, out = self.held_update(sid, "late", {"cart": [1]})
        other = self.client({COOKIE: sid})
        r = other.action("cycle")
        self.assertNotEqual(other.sid, sid)
        late = self.finish("late", t, out)
        cookie = late.cookie()
        self.assertTrue(cookie is None or cookie.value != sid, "old id re-issued: %r" % cookie)
        r = c.get("/")
        self.assertEqual(r.state, "invalid", "the cycled-away id came back")
        self.assertEqual(other.get("/").session, {"member_id": 7})
        self.assertEqual(len(self.stored()), 1)


if __name__ == "__main__":
    unittest.main()
