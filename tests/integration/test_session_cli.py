"""`sessiongate sessions list|show|delete|clear-expired` against the store of
a running proxy, and against a store path where there is none.
"""

import calendar
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import harness
from session_support import SessionTestCase, run_cli, upd


def iso_to_unix(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


class SessionsCli(SessionTestCase):

    def make(self, data, expiry=None):
        c = self.client()
        reply = [upd(data)] + ([["X-Session-Expiry", str(expiry)]] if expiry is not None else [])
        r = c.get("/", reply=reply)
        self.assertIsNotNone(r.cookie())
        return c, c.get("/").handle

    def test_list_and_show(self):
        r = self.cli("list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len([l for l in r.stdout.splitlines()[1:] if l.strip()]), 0, r.stdout)

        t0 = int(time.time())
        made = {}
        for data in ({"member_id": 1}, {"member_id": 2, "cart": [1, 2, 3]}, {"theme": "dark"}):
            _, handle = self.make(data)
            made[handle] = data

        r = self.cli("list")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = [l.split() for l in r.stdout.splitlines()[1:] if l.strip()]
        self.assertEqual(sorted(row[0] for row in rows), sorted(made))

        r = self.cli("list", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
        self.assertEqual(sorted(l["handle"] for l in lines), sorted(made))
        for l in lines:
            data = made[l["handle"]]
            self.assertEqual(l["bytes"], len(json.dumps(data, separators=(",", ":"))))
            self.assertAlmostEqual(iso_to_unix(l["created"]), t0, delta=3)
            self.assertAlmostEqual(iso_to_unix(l["expires"]), t0 + 1209600, delta=3)
            self.assertIs(l["expired"], False)

        for handle, data in made.items():
            r = self.cli("show", "--data", handle)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout), data)

        # The CLI sees changes the running proxy makes, and vice versa below.
        c, handle = self.make({"step": 1})
        c.update({"step": 2})
        self.assertEqual(json.loads(self.cli("show", "--data", handle).stdout), {"step": 2})

    def test_show_prints_times_and_data(self):
        t0 = int(time.time())
        c, handle = self.make({"member_id": 7, "name": "Zoe"})
        time.sleep(1.1)
        c.update({"cart": [1]})
        data = {"member_id": 7, "name": "Zoe", "cart": [1]}

        r = self.cli("show", handle)
        self.assertEqual((r.returncode, r.stderr), (0, ""), r)
        fields = dict(line.split(None, 1) for line in r.stdout.splitlines())
        self.assertEqual(sorted(fields), ["created", "data", "expires", "handle", "modified"])
        self.assertEqual(fields["handle"], handle)
        self.assertAlmostEqual(iso_to_unix(fields["created"]), t0, delta=2)
        self.assertGreater(iso_to_unix(fields["modified"]), iso_to_unix(fields["created"]))
        self.assertEqual(iso_to_unix(fields["expires"]), iso_to_unix(fields["modified"]) + 1209600)
        self.assertEqual(json.loads(fields["data"]), data)

        r = self.cli("show", "--json", handle)
        self.assertEqual(r.returncode, 0, r.stderr)
        shown = json.loads(r.stdout)
        self.assertEqual(shown, {"handle": handle, "created": fields["created"], "modified": fields["modified"],
                                 "expires": fields["expires"], "expired": False, "data": data})

        r = self.cli("show", "--data", handle)
        self.assertEqual(json.loads(r.stdout), data)
        r = self.cli("show", "--data", "--json", handle)
        self.assertEqual(r.returncode, 2, r)

    def test_delete_logs_the_user_out(self):
        c, handle = self.make({"member_id": 1})
        keep, keep_handle = self.make({"member_id": 2})
        r = self.cli("delete", "--json", handle)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"deleted": handle})
        r = c.get("/")
        self.assertEqual(r.state, "invalid")
        self.assertEqual(r.session, {})
        self.assertEqual(keep.get("/").session, {"member_id": 2})
        self.assertEqual(list(self.stored()), [keep_handle])
        # Deleting it again: there is no such session.
        r = self.cli("delete", handle)
        self.assertEqual(r.returncode, 1)
        self.assertIn(handle, r.stderr)
        r = self.cli("delete", "--json", handle)
        self.assertEqual((r.returncode, r.stdout), (1, ""), r)

    def test_unknown_handle_exits_1_with_a_message(self):
        self.make({"a": 1})
        for handle in ("A" * 43, "no-such-handle"):
            for cmd in ("show", "delete"):
                with self.subTest(cmd=cmd, handle=handle):
                    r = self.cli(cmd, handle)
                    self.assertEqual(r.returncode, 1, (r.stdout, r.stderr))
                    self.assertIn("no session", r.stderr)
                    self.assertIn(handle, r.stderr)
                    self.assertEqual(r.stdout.strip(), "")
        self.assertEqual(len(self.stored()), 1)

    def test_a_cookie_value_is_not_a_handle(self):
        c, handle = self.make({"a": 1})
        r = self.cli("show", c.sid)
        self.assertEqual(r.returncode, 1)
        r = self.cli("delete", c.sid)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(c.get("/").session, {"a": 1})

    def test_clear_expired(self):
        short = [self.make({"n": i}, expiry=1)[1] for i in range(2)]
        c, live = self.make({"n": "live"})
        time.sleep(2.2)
        # Expired, not swept yet (the sweeper runs every minute): marked.
        r = self.cli("list")
        rows = {l.split()[0]: l.split()[4:] for l in r.stdout.splitlines()[1:] if l.strip()}
        self.assertEqual(rows, {short[0]: ["expired"], short[1]: ["expired"], live: []}, r.stdout)
        self.assertEqual({l["handle"]: l["expired"] for l in self.cli_list()},
                         {short[0]: True, short[1]: True, live: False})
        r = self.cli("show", short[0])
        self.assertRegex(r.stdout, r"\nexpires +\S+  \(expired\)\n")
        r = self.cli("clear-expired")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("removed 2 expired sessions", r.stdout)
        handles = [l["handle"] for l in self.cli_list()]
        self.assertEqual(handles, [live])
        for h in short:
            self.assertEqual(self.cli("show", h).returncode, 1)
        self.assertEqual(c.get("/").session, {"n": "live"})
        r = self.cli("clear-expired")
        self.assertIn("removed 0 expired sessions", r.stdout)
        r = self.cli("clear-expired", "--json")
        self.assertEqual((r.returncode, json.loads(r.stdout)), (0, {"removed": 0}))

    def test_every_listed_handle_works_as_documented(self):
        # Handles are base64url, so about one in 64 starts with "-" (most of
        # those with "-" and a letter, which an option parser takes for an
        # option; "-h..." even for --help). The documented form
        # `sessions show HANDLE -c FILE` must work for those too (copy a
        # handle from `list`, paste it).
        handle = None
        for i in range(900):
            _, h = self.make({"n": i})
            if h.startswith("-") and h[1:2].isalpha():
                handle = h
                break
        if handle is None:
            self.skipTest("no handle starting with '-' and a letter in 900 sessions")
        self.assertIn(handle, [l["handle"] for l in self.cli_list()])
        r = self.cli("show", handle, plain=True)
        self.assertEqual(r.returncode, 0, "sessions show %s -c FILE: %r" % (handle, r))
        self.assertIn('"n"', r.stdout)
        r = self.cli("show", handle, "--data", plain=True)
        self.assertEqual(r.returncode, 0, "sessions show %s --data -c FILE: %r" % (handle, r))
        self.assertEqual(list(json.loads(r.stdout)), ["n"])
        r = self.cli("delete", handle, plain=True)
        self.assertEqual(r.returncode, 0, "sessions delete %s -c FILE: %r" % (handle, r))
        self.assertEqual(self.cli("show", handle).returncode, 1)

    def cli_list(self):
        r = self.cli("list", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]


class Sweeper(SessionTestCase):
    CONFIG = {"store": {"sweep_interval": 1}}

    def test_expired_sessions_are_swept_in_the_background(self):
        c = self.client()
        # Saved (it got a cookie); with a 1 s expiry and a 1 s sweep it may be
        # gone by the time the store is listed, so it is not listed here.
        self.assertIsNotNone(c.get("/", reply=[upd({"short": 1}), ["X-Session-Expiry", "1"]]).cookie())
        live = self.client()
        live.update({"live": 1})
        live_handle = live.get("/").handle
        deadline = time.monotonic() + 8
        handles = None
        while time.monotonic() < deadline:
            r = self.cli("list", "--json")
            handles = [json.loads(l)["handle"] for l in r.stdout.splitlines() if l.strip()]
            if handles == [live_handle]:
                break
            time.sleep(0.25)
        self.assertEqual(handles, [live_handle], "the expired session was not swept")
        self.assertEqual(live.get("/").session, {"live": 1})


class NoStore(unittest.TestCase):
    """A store path where there is no store (a typo, a forgotten -c): every
    command exits 2 naming the path, and creates nothing there."""

    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix="sg-nostore-")
        self.addCleanup(shutil.rmtree, self.tmpdir, True)

    def commands(self):
        handle = "A" * 43
        return [("list",), ("list", "--json"), ("show", handle), ("show", "--json", handle),
                ("delete", handle), ("clear-expired",), ("clear-expired", "--json")]

    def assert_refused(self, result, path):
        self.assertEqual(result.returncode, 2, result)
        self.assertEqual(result.stdout, "")
        self.assertIn("no session store at %s" % path, result.stderr)

    def test_a_store_path_that_does_not_exist(self):
        store = os.path.join(self.tmpdir, "sesions")  # the typo
        config = os.path.join(self.tmpdir, "sessiongate.yaml")
        with open(config, "w") as f:
            f.write("store:\n  path: %s\n" % store)
        for args in self.commands():
            with self.subTest(args=args):
                self.assert_refused(run_cli(config, *args), store)
                self.assertFalse(os.path.exists(store))

    def test_an_empty_directory_is_not_a_store(self):
        store = os.path.join(self.tmpdir, "empty")
        os.mkdir(store)
        config = os.path.join(self.tmpdir, "sessiongate.yaml")
        with open(config, "w") as f:
            f.write("store:\n  path: %s\n" % store)
        for args in self.commands():
            with self.subTest(args=args):
                self.assert_refused(run_cli(config, *args), store)
                self.assertEqual(os.listdir(store), [])

    def test_a_forgotten_config_file(self):
        # No -c and no ./sessiongate.yaml: the default ./data/sessions.
        env = {k: v for k, v in os.environ.items() if not k.startswith("SESSIONGATE_")}
        r = subprocess.run([os.path.abspath(harness.binary()), "sessions", "list"], cwd=self.tmpdir, env=env, timeout=20,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        self.assert_refused(r, "./data/sessions")
        self.assertEqual(os.listdir(self.tmpdir), [])


if __name__ == "__main__":
    unittest.main()
