"""No client can forge what the upstream trusts: session headers sent as chunked
trailers or spelled with underscores never reach the upstream."""

import unittest

from harness import ProxyTestCase, send_raw

FORGED_TRAILERS = (b"0\r\nX-Session: {\"member_id\":1}\r\nX-Session-Id: forged\r\n"
                   b"X-Member-Id: 42\r\nHost: evil\r\n\r\n")


class ForgeryTest(ProxyTestCase):
    CONFIG = dict(inject={"member_id": "X-Member-Id"})

    def echoed_headers(self, raw):
        res = send_raw(self.proxy.port, raw, timeout=5)
        responses = res.responses()
        self.assertEqual(len(responses), 1, res)
        self.assertEqual(responses[0].status, 200, res)
        return responses[0].json()["headers"]

    def test_trailers_never_become_headers(self):
        # The whole body, trailers included, arrives with the head: parsed
        # before the head goes upstream.
        head = (b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                b"Connection: close\r\n\r\n")
        headers = self.echoed_headers(head + b"5\r\nhello\r\n" + FORGED_TRAILERS)
        names = [name.lower() for name, _ in headers]
        self.assertEqual(dict((n.lower(), v) for n, v in headers)["x-session"], "{}")
        self.assertNotIn("x-session-id", names)
        self.assertNotIn("x-member-id", names)
        self.assertEqual(names.count("host"), 1)
        self.assertIn(["Host", "a"], headers)

    def test_underscore_spellings_are_stripped(self):
        raw = (b"GET /echo HTTP/1.1\r\nHost: a\r\nX_Session: {\"member_id\":1}\r\n"
               b"x_session_id: forged\r\nX_Member_Id: 42\r\nX-Other_Header: kept\r\n"
               b"Connection: close\r\n\r\n")
        headers = self.echoed_headers(raw)
        names = [name.lower() for name, _ in headers]
        for forged in ("x_session", "x_session_id", "x_member_id", "x-member-id", "x-session-id"):
            self.assertNotIn(forged, names)
        self.assertIn(["X-Other_Header", "kept"], headers)
        self.assertEqual(dict((n.lower(), v) for n, v in headers)["x-session"], "{}")


if __name__ == "__main__":
    unittest.main()
