"""A full store: the LMDB map at store.max_map_size (a full disk is
test_fault_disk_full.py, on the same helpers). Saves are refused with 503
and Retry-After and a log line, reads of existing sessions are still
served, nothing stored is damaged (a restart finds every acknowledged
session), and saves succeed again once space returns.
Bounded: at most a few hundred 3 KB sessions.
"""

import unittest

from session_support import COOKIE, SessionTestCase

VALUE = "v" * 3000          # a session of ~3 KB: LMDB overflow pages fill the map quickly
MAX_SESSIONS = 2000         # bound on the filling loop
STILL_FULL_SAVES = 50       # a full store refuses a save of the same size within this many


class FullStoreCase(SessionTestCase):
    def save_until_refused(self, tag, limit=MAX_SESSIONS):
        """Saves new ~3 KB sessions until one is refused (at most `limit`);
        returns {sid: data} of those acknowledged, and keeps the refusal in
        self.refused. Fails if none of `limit` saves was refused."""
        acked = {}
        for i in range(limit):
            c = self.client()
            data = {tag: i, "pad": VALUE}
            r = c.update(data)
            if r.status == 503:
                self.refused = r
                return acked
            self.assertEqual(r.status, 200, r)
            self.assertIsNotNone(c.sid, "a 200 save without a cookie")
            acked[c.sid] = data
        self.fail("%d saves and none was refused" % limit)

    def assertRefusal(self, r):
        self.assertEqual(r.status, 503, r)
        self.assertIsNotNone(r.header("Retry-After"), "503 without Retry-After")
        self.assertIsNone(r.cookie(), "a refused save still set a cookie: %r" % r.set_cookies)

    def assertIntact(self, acked, msg):
        bad = []
        for sid, data in acked.items():
            r = self.client({COOKIE: sid}).get("/")
            if r.status != 200 or r.state != "active" or r.session != data:
                bad.append((sid[:8], r.status, r.state))
        self.assertEqual(bad, [], msg)


class MapFull(FullStoreCase):
    CONFIG = {"store": {"map_size": "1MiB", "max_map_size": "1MiB"}}

    def test_map_full_refuses_saves_serves_reads_and_recovers(self):
        acked = self.save_until_refused("i")
        self.assertGreater(len(acked), 20, "the map filled after too few sessions")
        self.assertRefusal(self.refused)
        self.assertIsNotNone(self.proxy.wait_line(lambda o: o.get("event") == "store_full", 3),
                             "no store_full log line: %r" % self.proxy.error_lines[-5:])
        # Still full. Pages pinned by readers when the save was refused may be
        # free by now, so a save or two more can fit; then saves of the same
        # size are refused again, each a proper refusal.
        more = self.save_until_refused("j", limit=STILL_FULL_SAVES)
        self.assertRefusal(self.refused)
        acked.update(more)
        # An update of an existing session either fits or is refused and
        # keeps the session as it was; never half-applied (checked below).
        sid = next(iter(acked))
        r = self.client({COOKIE: sid}).update({"more": VALUE})
        if r.status == 200:
            acked[sid] = dict(acked[sid], more=VALUE)
        else:
            self.assertRefusal(r)
        # Reads are served, and every acknowledged session is whole.
        self.assertIntact(acked, "reads while the map is full")

        # Space returns: logging a quarter of the sessions out frees their pages.
        gone = list(acked)[: len(acked) // 4]
        for sid in gone:
            r = self.client({COOKIE: sid}).action("flush")
            self.assertEqual(r.status, 200, "a flush (a delete) refused in a full map: %r" % r)
            del acked[sid]
        c = self.client()
        self.assertEqual(c.update({"after": "space"}).status, 200, "no recovery after deletes")
        acked[c.sid] = {"after": "space"}

        # Nothing was damaged: a restart on the same store finds all of it.
        self.start_proxy()
        self.assertIntact(acked, "after a restart")


if __name__ == "__main__":
    unittest.main()
