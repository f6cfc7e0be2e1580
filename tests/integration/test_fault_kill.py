"""kill -9 of sessiongate, 50 times, each in the middle of a write load on
`durability: fsync`, each followed by a restart on the same store: the store
opens every time, and every session whose response reached its client is
there with the data of its last acknowledged save (or of the save that was
in flight when the proxy died).

The kill leaves committed pages in the OS cache, so this test alone would
pass without any sync (test_durability_sync.py proves the sync); what it
shows is that no crash point damages the store or loses an acknowledged
write. Bounded: at most ~0.6 s of traffic per round (about a minute in all).
"""

import os
import random
import signal
import threading
import time
import unittest

from session_support import COOKIE, Client, SessionTestCase

ROUNDS = int(os.environ.get("TEST_FAULT_ROUNDS") or 50)  # fewer in the sanitizer run
WORKERS = 4
MAX_TRAFFIC = 0.6   # seconds of load per round, at most
MIN_TRAFFIC = 0.15  # the kill lands at a random moment after this


class KillDuringWrites(SessionTestCase):
    CONFIG = {"store": {"durability": "fsync"}, "threads": 2, "log": {"access": False}}

    def run_round(self, rnd, acked, pending, lock):
        """Write load from WORKERS threads, then kill -9 at a random moment."""
        stop = threading.Event()
        port = self.proxy.port

        def worker(w):
            i = 0
            while not stop.is_set():
                c = Client(port)
                data = {"r": rnd, "w": w, "i": i, "n": 0}
                try:
                    r = c.update(data, timeout=5)
                except OSError:
                    return  # the proxy is gone
                if r.status != 200 or r.cookie() is None:
                    return
                with lock:
                    acked[c.sid] = dict(data)
                # A second save of the same session: the newer value must survive.
                newer = dict(data, n=1)
                with lock:
                    pending[c.sid] = newer
                try:
                    r = c.update({"n": 1}, timeout=5)
                except OSError:
                    return
                if r.status != 200:
                    return
                with lock:
                    acked[c.sid] = newer
                    pending.pop(c.sid, None)
                i += 1

        threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(WORKERS)]
        for t in threads:
            t.start()
        time.sleep(random.uniform(MIN_TRAFFIC, MAX_TRAFFIC))
        os.kill(self.proxy.pid, signal.SIGKILL)
        self.proxy.proc.wait(10)
        stop.set()
        for t in threads:
            t.join(15)
            self.assertFalse(t.is_alive(), "a client hung after the kill")

    def check(self, sids, acked, pending):
        missing, wrong = [], []
        for sid in sids:
            r = self.client({COOKIE: sid}).get("/")
            if r.state != "active":
                missing.append((sid[:8], acked[sid], r.state))
                continue
            allowed = [acked[sid]] + ([pending[sid]] if sid in pending else [])
            if r.session not in allowed:
                wrong.append((sid[:8], acked[sid], r.session))
        return missing, wrong

    def test_fifty_kills_lose_no_acknowledged_session(self):
        rng_seed = int(time.time())
        random.seed(rng_seed)
        acked, pending = {}, {}  # sid -> data acknowledged / sent and not acknowledged
        lock = threading.Lock()
        per_round = []
        for rnd in range(ROUNDS):
            before = set(acked)
            self.run_round(rnd, acked, pending, lock)
            new = [sid for sid in acked if sid not in before]
            per_round.append(len(new))
            # The store opens (start_proxy waits for the listening line or raises).
            self.start_proxy()
            errors = [l for l in self.proxy.error_lines if str(l.get("event", "")).startswith("store")]
            self.assertEqual(errors, [], "round %d: the store complained on open" % rnd)
            # This round's sessions and a sample of the earlier ones.
            older = random.sample(sorted(before), min(20, len(before)))
            missing, wrong = self.check(new + older, acked, pending)
            self.assertEqual(missing, [], "round %d (seed %d): acknowledged sessions lost" % (rnd, rng_seed))
            self.assertEqual(wrong, [], "round %d (seed %d): acknowledged data lost" % (rnd, rng_seed))
            # An in-flight save either landed or did not; from now on the stored value is the truth.
            for sid in list(pending):
                r = self.client({COOKIE: sid}).get("/")
                acked[sid] = r.session
            pending.clear()
        self.assertGreaterEqual(sum(per_round), ROUNDS * 5, "too little traffic: %r" % per_round)
        self.assertGreaterEqual(sum(1 for n in per_round if n > 0), ROUNDS * 0.8,
                                "most rounds saved nothing before the kill: %r" % per_round)
        # Everything acknowledged over all rounds is still there after the last restart.
        missing, wrong = self.check(sorted(acked), acked, pending)
        self.assertEqual((missing, wrong), ([], []), "after %d kills" % ROUNDS)
        # And the proxy works on that store as usual.
        c = self.client({COOKIE: next(iter(acked))})
        self.assertEqual(c.update({"after": "restarts"}).status, 200)
        self.assertEqual(c.get("/").session.get("after"), "restarts")


if __name__ == "__main__":
    unittest.main()
