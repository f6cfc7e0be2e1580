"""Durability: with `store.durability: fsync` a session is on disk before its
response head leaves, so `kill -9` of the proxy loses no session whose
response reached the client.
"""

import os
import signal
import threading
import time
import unittest

from session_support import COOKIE, Client, SessionTestCase

WORKERS = 4
TARGET_SESSIONS = 400
MAX_RUN = 6.0  # seconds of traffic before the kill, at most


class CrashDurability(SessionTestCase):
    CONFIG = {"store": {"durability": "fsync"}, "threads": 2}

    def test_kill_9_loses_no_acknowledged_session(self):
        acked = {}      # sid -> data whose response was fully received
        inflight = {}   # worker -> (sid or None, data) sent, answer not yet received
        lock = threading.Lock()
        stop = threading.Event()
        port = self.proxy.port

        def worker(w):
            i = 0
            while not stop.is_set():
                c = Client(port)
                data = {"w": w, "i": i, "n": 0}
                with lock:
                    inflight[w] = (None, data)
                try:
                    r = c.update(data, timeout=5)
                except Exception:
                    return  # the proxy is gone
                if r.status != 200 or r.cookie() is None:
                    return
                with lock:
                    acked[c.sid] = dict(data)
                    inflight[w] = None
                # A second save of the same session: the newer value must survive.
                data = dict(data, n=1)
                with lock:
                    inflight[w] = (c.sid, data)
                try:
                    r = c.update({"n": 1}, timeout=5)
                except Exception:
                    return
                if r.status != 200:
                    return
                with lock:
                    acked[c.sid] = dict(data)
                    inflight[w] = None
                i += 1

        threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(WORKERS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + MAX_RUN
        while time.monotonic() < deadline:
            with lock:
                if len(acked) >= TARGET_SESSIONS:
                    break
            time.sleep(0.02)
        # Kill in the middle of the traffic: requests are in flight now.
        os.kill(self.proxy.pid, signal.SIGKILL)
        self.proxy.proc.wait(10)
        stop.set()
        for t in threads:
            t.join(15)
            self.assertFalse(t.is_alive())
        with lock:
            acked_now = dict(acked)
            pending = {v[0]: v[1] for v in inflight.values() if v and v[0]}
        self.assertGreaterEqual(len(acked_now), 20, "too little traffic before the kill")

        self.start_proxy()  # same store directory
        missing, wrong = [], []
        for sid, data in acked_now.items():
            r = self.client({COOKIE: sid}).get("/")
            if r.state != "active":
                missing.append((sid[:8], data, r.state))
                continue
            allowed = [data] + ([pending[sid]] if sid in pending else [])
            if r.session not in allowed:
                wrong.append((sid[:8], data, r.session))
        self.assertEqual(missing, [], "%d of %d acknowledged sessions lost" % (len(missing), len(acked_now)))
        self.assertEqual(wrong, [], "acknowledged data lost")
        # And the restarted proxy works on that store as usual.
        c = self.client({COOKIE: next(iter(acked_now))})
        c.update({"after": "restart"})
        self.assertEqual(c.get("/").session.get("after"), "restart")


if __name__ == "__main__":
    unittest.main()
