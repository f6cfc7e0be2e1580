"""The redis store end to end: two sessiongate processes on one redis-server
the test starts on a port of its own, sessions shared between them, every
concurrent change kept, Redis stopped and started again under traffic (503
or anonymous meanwhile, /readyz naming the store), a Redis that never
answers, and `sessiongate sessions` on Redis.
"""

import concurrent.futures
import json
import os
import shutil
import tempfile
import threading
import time
import unittest

import harness
from redis_support import RedisServer, SilentServer, redis_store
from session_support import COOKIE, Client, SessionUpstream, list_handles, run_cli, upd

FAKE_ID = "A" * 43  # well formed, never issued: the proxy must ask the store


def wait_readyz(port, status, timeout=10):
    """(status, body) of /readyz once it answers `status`, or the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        r = harness.request(port, "GET", "/readyz")
        if r.status == status or time.monotonic() > deadline:
            return r.status, r.body.decode()
        time.sleep(0.1)


class RedisTestCase(unittest.TestCase):
    """A redis-server, a session_upstream.py and two proxies sharing one key file."""

    APPENDONLY = False
    STORE = {}
    REPLICAS = 2
    STORE_TIMEOUT = "1s"

    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix="sg-redis-it-")
        self.addCleanup(shutil.rmtree, self.tmpdir, True)
        self.key_file = os.path.join(self.tmpdir, "keys")
        with open(self.key_file, "w") as f:
            f.write("redis-integration-test-key-0123456789\n")
        self.redis = self.make_redis()
        self.upstream = SessionUpstream()
        self.addCleanup(self.upstream.stop)
        self.proxies = [self.start_proxy(i) for i in range(self.REPLICAS)]

    def make_redis(self):
        server = RedisServer(appendonly=self.APPENDONLY)
        self.addCleanup(server.close)
        return server

    def start_proxy(self, i, url=None, env=None, **store):
        folder = os.path.join(self.tmpdir, "proxy%d" % i)
        os.makedirs(folder, exist_ok=True)
        cfg = harness.proxy_config(self.upstream.port, folder, threads=2, secret_key_file=self.key_file,
                                   store=redis_store(url or self.redis.url(), **dict(self.STORE, **store)),
                                   timeouts={"store": self.STORE_TIMEOUT})
        proxy = harness.Proxy(cfg, env=env, tmpdir=folder)
        self.addCleanup(proxy.stop)
        return proxy

    def client(self, i=0, jar=None):
        return Client(self.proxies[i].port, jar)


class TwoReplicas(RedisTestCase):
    # 200 concurrent compare-and-set saves of one session: a wide deadline, so
    # a loaded machine or the sanitizer build does not turn retries into 503s.
    STORE_TIMEOUT = "5s"

    def test_a_session_made_through_one_is_read_and_changed_through_the_other(self):
        a = self.client(0)
        r = a.update({"member_id": 42})
        self.assertEqual(r.status, 200)
        sid = a.sid
        self.assertTrue(sid)

        b = self.client(1, a.jar)
        r = b.get("/")
        self.assertEqual(r.state, "active")
        self.assertEqual(r.session, {"member_id": 42})
        handle = r.handle
        r = b.update({"cart": [1, 2]})
        self.assertEqual(r.cookie().value, sid)

        r = a.get("/")
        self.assertEqual(r.session, {"member_id": 42, "cart": [1, 2]})
        self.assertEqual(r.handle, handle)

        # A logout through one is a logout everywhere.
        self.assertIsNotNone(b.action("flush").cookie())
        r = self.client(0, {COOKIE: sid}).get("/")
        self.assertEqual(r.state, "invalid")

    def test_redis_client_lines_carry_the_proxy_log_format(self):
        proxy = self.proxies[0]
        up = proxy.wait_line(lambda o: o.get("event") == "redis_connected", 10)
        self.assertIsNotNone(up, proxy.all_lines)
        self.assertEqual(up["level"], "info")
        self.assertRegex(up["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual((up["store"], up["server"]), ("redis", "127.0.0.1:%d" % self.redis.port))
        self.assertIn(up, proxy.lines)  # info: stdout, with the access log
        self.redis.stop()
        lost = proxy.wait_line(lambda o: o.get("event") == "redis_connection_lost", 10)
        self.assertIsNotNone(lost, proxy.all_lines)
        self.assertEqual(lost["level"], "warn")
        self.assertIn(lost, proxy.error_lines)  # warn: stderr
        self.assertIn("time", lost)

    def test_200_concurrent_updates_of_different_keys_over_both_are_all_kept(self):
        a = self.client(0)
        a.update({"base": 0})
        sid = a.sid
        n = 200

        def one(i):
            c = self.client(i % 2, {COOKIE: sid})
            return c.get("/", reply=[upd({"k%d" % i: i})], delay_ms=20, timeout=30)

        with concurrent.futures.ThreadPoolExecutor(max_workers=40) as pool:
            results = list(pool.map(one, range(n)))
        for r in results:
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.state, "active")
            self.assertEqual(r.cookie().value, sid, "a parallel update moved the session")
        expected = {"base": 0}
        expected.update({"k%d" % i: i for i in range(n)})
        for i in range(2):
            session = self.client(i, {COOKIE: sid}).get("/").session
            self.assertEqual(session, expected, "lost: %s" % sorted(set(expected) - set(session)))

    def test_sessions_list_show_delete_on_redis(self):
        config = self.proxies[0].config_path
        made = {}
        for i, data in enumerate(({"member_id": 1}, {"member_id": 2, "cart": [1]}, {"theme": "dark"})):
            c = self.client(i % 2)
            c.update(data)
            made[c.get("/").handle] = (c, data)

        rows = list_handles(config)
        self.assertEqual(sorted(r["handle"] for r in rows), sorted(made))
        self.assertEqual(rows, sorted(rows, key=lambda r: r["handle"]), "list is in handle order")
        for handle, (_, data) in made.items():
            r = run_cli(config, "show", "--data", handle)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout), data)

        victim, (client, _) = next(iter(made.items()))
        r = run_cli(config, "delete", victim)
        self.assertEqual(r.returncode, 0, r.stderr)
        # Gone on its very next request, through either replica.
        for i in range(2):
            self.assertEqual(self.client(i, client.jar).get("/").state, "invalid")
        self.assertEqual(len(list_handles(config)), 2)
        r = run_cli(config, "delete", victim)
        self.assertEqual(r.returncode, 1)
        r = run_cli(config, "show", victim)
        self.assertEqual(r.returncode, 1)


class RedisRestartReject(RedisTestCase):
    """appendonly yes + appendfsync always: an acknowledged save is on disk."""

    APPENDONLY = True

    def run_traffic(self, sid, stop, results):
        i = 0
        while not stop.is_set():
            c = self.client(i % 2, {COOKIE: sid})
            r = c.get("/", reply=[upd({"k%d" % i: i})], timeout=10)
            results.append((i, i % 2, r))
            i += 1
            time.sleep(0.01)

    def recovered(self, results, since):
        """Both replicas answered 200 after index `since`."""
        ok = {replica for i, replica, r in results[since:] if r.status == 200}
        return ok == {0, 1}

    def test_redis_stopped_and_started_while_traffic_flows(self):
        a = self.client(0)
        a.update({"base": 0})
        sid = a.sid
        pids = [p.pid for p in self.proxies]
        stop, results = threading.Event(), []
        traffic = threading.Thread(target=self.run_traffic, args=(sid, stop, results), daemon=True)
        traffic.start()
        try:
            time.sleep(1.0)
            self.redis.stop(kill=True)  # no shutdown save: only what appendfsync always wrote
            for p in self.proxies:
                status, body = wait_readyz(p.admin_port, 503)
                self.assertEqual(status, 503)
                self.assertIn("not ready: store unreachable: ", body)
            down_until = len(results)
            self.redis.start()
            for p in self.proxies:
                self.assertEqual(wait_readyz(p.admin_port, 200, timeout=20), (200, "ready\n"))
            deadline = time.monotonic() + 20
            while not self.recovered(results, down_until) and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(0.5)
        finally:
            stop.set()
            traffic.join(20)

        self.assertTrue(self.recovered(results, down_until), "both replicas serve again without a restart")
        self.assertEqual([p.proc.poll() for p in self.proxies], [None, None])
        self.assertEqual([p.pid for p in self.proxies], pids)
        refused = [r for _, _, r in results if r.status != 200]
        self.assertTrue(refused, "no request met the stopped Redis")
        for r in refused:
            self.assertEqual(r.status, 503, r)
            self.assertIsNotNone(r.header("Retry-After"))
        acknowledged = {"k%d" % i for i, _, r in results if r.status == 200 and r.cookie() is not None}
        session = self.client(0, {COOKIE: sid}).get("/").session
        self.assertEqual(acknowledged - set(session), set(), "acknowledged saves lost")
        self.assertEqual(session["base"], 0)


class RedisRestartAnonymous(RedisTestCase):
    APPENDONLY = True
    STORE = {"unavailable": "anonymous"}
    REPLICAS = 1

    def test_requests_go_on_without_a_session_while_redis_is_down(self):
        a = self.client(0)
        a.update({"member_id": 7})
        self.redis.stop()
        r = a.get("/", reply=[upd({"during": 1})])
        self.assertEqual(r.status, 200)
        self.assertEqual(r.state, "unavailable")
        self.assertEqual(r.session, {}, "the stored session is not shown")
        self.assertIsNone(r.cookie(), "nothing is saved, no cookie is set")
        self.redis.start()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            r = a.get("/")
            if r.state == "active":
                break
            time.sleep(0.1)
        self.assertEqual(r.state, "active")
        self.assertEqual(r.session, {"member_id": 7})


class RedisWithPassword(RedisTestCase):
    """The password from store.password_file, or from SESSIONGATE_REDIS_PASSWORD."""

    REPLICAS = 0
    PASSWORD = "redis-test-password-1234"

    def make_redis(self):
        server = RedisServer(password=self.PASSWORD)
        self.addCleanup(server.close)
        return server

    def test_password_from_a_file_or_the_environment(self):
        password_file = os.path.join(self.tmpdir, "redis-password")
        with open(password_file, "w") as f:
            f.write(self.PASSWORD + "\n")
        from_file = self.start_proxy(0, password_file=password_file)
        from_env = self.start_proxy(1, env={"SESSIONGATE_REDIS_PASSWORD": self.PASSWORD})
        a = Client(from_file.port)
        self.assertEqual(a.update({"member_id": 5}).status, 200)
        r = Client(from_env.port, a.jar).get("/")
        self.assertEqual(r.state, "active")
        self.assertEqual(r.session, {"member_id": 5})
        self.assertEqual(len(self.redis.command("KEYS", "sessiongate:s:*")), 1)

        # A wrong password: Redis refuses, the proxy answers 503, never a session.
        wrong = self.start_proxy(2, env={"SESSIONGATE_REDIS_PASSWORD": "not-it"})
        self.assertEqual(Client(wrong.port, a.jar).get("/").status, 503)


class RedisThatNeverAnswers(unittest.TestCase):

    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix="sg-redis-it-")
        self.addCleanup(shutil.rmtree, self.tmpdir, True)
        key_file = os.path.join(self.tmpdir, "keys")
        with open(key_file, "w") as f:
            f.write("redis-integration-test-key-0123456789\n")
        self.silent = SilentServer()
        self.addCleanup(self.silent.stop)
        self.upstream = SessionUpstream()
        self.addCleanup(self.upstream.stop)
        self.key_file = key_file

    def proxy(self, unavailable):
        cfg = harness.proxy_config(self.upstream.port, self.tmpdir, secret_key_file=self.key_file,
                                   store=redis_store("redis://127.0.0.1:%d/0" % self.silent.port,
                                                     unavailable=unavailable, connect_timeout="5s"),
                                   timeouts={"store": "500ms"})
        proxy = harness.Proxy(cfg, tmpdir=self.tmpdir)
        self.addCleanup(proxy.stop)
        return proxy

    def test_503_within_timeouts_store(self):
        proxy = self.proxy("reject")
        start = time.monotonic()
        r = Client(proxy.port, {COOKIE: FAKE_ID}).get("/")
        elapsed = time.monotonic() - start
        self.assertEqual(r.status, 503)
        self.assertIsNotNone(r.header("Retry-After"))
        self.assertGreaterEqual(elapsed, 0.45)
        self.assertLess(elapsed, 2.5, "timeouts.store is 500 ms (margin for a loaded machine)")
        self.assertGreaterEqual(self.silent.accepted, 1)
        self.assertEqual(self.upstream.count(), 0, "the request never reached the upstream")

    def test_anonymous_within_timeouts_store(self):
        proxy = self.proxy("anonymous")
        start = time.monotonic()
        r = Client(proxy.port, {COOKIE: FAKE_ID}).get("/")
        self.assertLess(time.monotonic() - start, 2.5)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.state, "unavailable")


if __name__ == "__main__":
    unittest.main()
