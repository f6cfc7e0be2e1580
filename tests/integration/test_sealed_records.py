"""Session data sealed at rest in the LMDB store, seen from outside: a copy
of the store's files holds no session data (nor any live cookie), while
the sessions command, holding the store's key, still shows it.
"""

import glob
import json
import os
import secrets
import unittest

from session_support import SessionTestCase


class SealedAtRest(SessionTestCase):

    def store_bytes(self):
        data = b""
        for path in glob.glob(os.path.join(self.tmpdir, "store", "*.mdb")):
            with open(path, "rb") as f:
                data += f.read()
        return data

    def test_the_store_files_hold_no_session_data_and_the_cli_shows_it(self):
        marker = "marker-" + secrets.token_hex(8)
        c = self.client()
        r = c.update({"secret_note": marker, "member_id": 4242})
        self.assertIsNotNone(r.cookie(), r)
        handle = c.get("/").handle
        c.update({"cart": [marker]})  # a second write, sealed anew

        files = self.store_bytes()
        self.assertGreater(len(files), 0)
        self.assertNotIn(marker.encode(), files)
        self.assertNotIn(b"secret_note", files)
        self.assertNotIn(c.sid.encode(), files)  # keyed by a hash of the id

        shown = self.cli("show", "--data", handle)
        self.assertEqual(shown.returncode, 0, shown.stderr)
        self.assertEqual(json.loads(shown.stdout), {"secret_note": marker, "member_id": 4242, "cart": [marker]})


if __name__ == "__main__":
    unittest.main()
