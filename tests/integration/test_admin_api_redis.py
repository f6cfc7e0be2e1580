"""The admin session API end to end on the Redis store: every test of the
LMDB run again on a redis-server of the test's own, then what only a shared
store shows: a session revoked through one proxy is gone through the other on
its very next request, a request that loaded it before cannot bring it back
with a late save, and the index set is left as the sessions are.
"""

import os
import threading
import unittest

import harness
import test_admin_api
from redis_support import OnRedis
from session_support import COOKIE, Client, upd


class AdminApiOnRedis(OnRedis, test_admin_api.AdminApi):
    """The LMDB run's tests (tokens, bad input, lookups and pages, patch,
    revocation, the index through cycle, flush and emptying, log out
    everywhere under concurrent traffic), on Redis."""


class RevocationAcrossReplicas(OnRedis, test_admin_api.AdminApiCase):

    CONFIG = dict(test_admin_api.AdminApiCase.CONFIG, threads=2)

    def setUp(self):
        super().setUp()
        folder = os.path.join(self.tmpdir, "replica")
        os.makedirs(folder)
        self.replica = harness.Proxy(self.proxy.config, tmpdir=folder)
        self.addCleanup(self.replica.stop)

    def index_set(self, value):
        return self.redis.command("SMEMBERS", "sessiongate:i:9:member_id:%s" % value)

    def test_revoked_through_one_proxy_is_gone_through_both(self):
        a, ha = self.login(42)
        b, hb = self.login(42)
        on_replica = Client(self.replica.port, a.jar)
        self.assertEqual(on_replica.get("/").session, {"member_id": 42})
        self.assertEqual(self.handles(42), {ha, hb})
        self.assertEqual(len(self.index_set(42)), 2)

        status, body = self.api("DELETE", "/sessions?member_id=42&except=" + hb, proxy=self.replica)
        self.assertEqual((status, body), (200, {"revoked": 1}))
        self.assertEqual(on_replica.get("/").state, "invalid")
        self.assertEqual(a.get("/").state, "invalid")
        self.assertEqual(b.get("/").state, "active")
        self.assertEqual(self.handles(42), {hb})
        self.assertEqual(len(self.index_set(42)), 1)

    def test_late_save_does_not_bring_a_revoked_session_back(self):
        c, handle = self.login(7, cart=[1])
        sid = c.sid
        out = {}

        def held():
            out["r"] = Client(self.replica.port, {COOKIE: sid}).get("/", reply=[upd({"cart": [1, 2]})], hold="late", timeout=30)

        t = threading.Thread(target=held, daemon=True)
        t.start()
        self.assertTrue(self.upstream.arrived("late"), "held request did not reach the upstream")
        status, body = self.api("DELETE", "/sessions/" + handle)
        self.assertEqual((status, body), (200, {"revoked": 1}))
        self.upstream.release("late")
        t.join(25)
        self.assertFalse(t.is_alive())
        cookie = out["r"].cookie()
        self.assertTrue(cookie is None or cookie.deletes, "late save re-issued the cookie: %r" % cookie)
        self.assertEqual(c.get("/").state, "invalid")
        self.assertEqual(self.handles(7), set())
        self.assertEqual(self.index_set(7), [])
        self.assertEqual(self.redis.command("KEYS", "sessiongate:s:*"), [])


if __name__ == "__main__":
    unittest.main()
