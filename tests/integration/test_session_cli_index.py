"""`sessiongate sessions list --by` and `revoke --by [--except]` end to end,
on the LMDB store and on a redis-server of the test's own: the sessions of a
value listed, revoked but the one spared (gone on their next request, the
others kept), usage errors answered with exit code 2 and nothing changed,
and the help naming both options.
"""

import json
import subprocess
import unittest

import harness
from redis_support import OnRedis
from session_support import SessionTestCase


class IndexCli(SessionTestCase):

    CONFIG = {"index": ["member_id"]}

    def login(self, member_id):
        c = self.client()
        c.update({"member_id": member_id})
        return c, c.get("/").handle

    def listed(self, value):
        r = self.cli("list", "--json", "--by", "member_id=%s" % value)
        self.assertEqual(r.returncode, 0, r.stderr)
        return {json.loads(line)["handle"] for line in r.stdout.splitlines()}

    def test_list_and_revoke_by_value_sparing_one(self):
        a, ha = self.login(42)
        b, hb = self.login("42")
        c, hc = self.login(7)
        self.assertEqual(self.listed(42), {ha, hb})
        self.assertEqual(self.listed(7), {hc})
        self.assertEqual(self.listed(8), set())

        r = self.cli("list", "--by", "member_id=42")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], "HANDLE  CREATED  EXPIRES  BYTES")
        self.assertEqual(sorted(l.split()[0] for l in lines[1:]), sorted([ha, hb]))

        r = self.cli("revoke", "--by", "member_id=42", "--except", ha)
        self.assertEqual((r.returncode, r.stdout), (0, "revoked 1 session\n"), r.stderr)
        self.assertEqual(b.get("/").state, "invalid")
        self.assertEqual(a.get("/").session, {"member_id": 42})
        self.assertEqual(c.get("/").session, {"member_id": 7})
        self.assertEqual(self.listed(42), {ha})

        r = self.cli("revoke", "--json", "--by", "member_id=42")
        self.assertEqual((r.returncode, json.loads(r.stdout)), (0, {"revoked": 1}), r.stderr)
        self.assertEqual(a.get("/").state, "invalid")
        r = self.cli("revoke", "--by", "member_id=42")
        self.assertEqual((r.returncode, r.stdout), (0, "revoked 0 sessions\n"), r.stderr)
        self.assertEqual(self.listed(7), {hc})

    def test_except_takes_a_handle_that_starts_with_a_dash(self):
        a, _ = self.login(5)
        dashed = "-" + "A" * 42  # handle-shaped, no session's: spares nothing
        r = self.cli("revoke", "--by", "member_id=5", "--except", dashed)
        self.assertEqual((r.returncode, r.stdout), (0, "revoked 1 session\n"), r.stderr)
        self.assertEqual(a.get("/").state, "invalid")

    def test_usage_errors_exit_2_and_change_nothing(self):
        a, ha = self.login(3)
        cases = [
            (("list", "--by", "member_id"), "KEY=VALUE"),
            (("list", "--by", "team=blue"), '"team" is not an indexed key (index: [member_id])'),
            (("revoke", "--by", "member_id="), "must be 1 to 200 bytes"),
            (("revoke", "--by", "team=3"), "not an indexed key"),
            (("revoke", "--except", ha), "--by"),
        ]
        for args, words in cases:
            r = self.cli(*args)
            self.assertEqual(r.returncode, 2, (args, r.stdout, r.stderr))
            self.assertIn(words, r.stderr, args)
            self.assertEqual(r.stdout, "", args)
        self.assertEqual(a.get("/").session, {"member_id": 3})
        self.assertEqual(self.listed(3), {ha})

    def test_help_names_by_and_except(self):
        for topic, words in ((("sessions", "revoke"), ("--by KEY=VALUE", "--except HANDLE", "REQUIRED")),
                             (("sessions", "list"), ("--by KEY=VALUE",)),
                             (("sessions",), ("revoke --by member_id=42 --except",))):
            r = subprocess.run([harness.binary(), "help"] + list(topic), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, timeout=10)
            self.assertEqual(r.returncode, 0, r.stderr)
            for w in words:
                self.assertIn(w, r.stdout, topic)


class IndexCliOnRedis(OnRedis, IndexCli):
    """The same on Redis."""


class IndexCliWithoutIndex(SessionTestCase):

    def test_by_without_an_index_is_a_usage_error(self):
        r = self.cli("list", "--by", "member_id=1")
        self.assertEqual(r.returncode, 2)
        self.assertIn("no session key is indexed (config index)", r.stderr)


if __name__ == "__main__":
    unittest.main()
