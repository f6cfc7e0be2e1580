"""CONNECT is refused: sessiongate is a reverse proxy, never a tunnel. A
CONNECT request, whatever its target (another host, the upstream's own
address, an origin-form path), gets 405 with `Connection: close`, an
`Allow` header naming the methods it forwards (RFC 9110 15.5.6), and an
access log line naming the reason; nothing reaches the upstream, and the
bytes sent behind the head (the would-be tunnel's, or a request) are never
read as a request. Raw sockets, judged on what the upstream received."""

import unittest

from harness import ProxyTestCase

BEHIND = (b"\x16\x03\x01\x00\x05hello"                            # a TLS record, as a tunnel would carry
          b"GET /smuggled HTTP/1.1\r\nHost: test.local\r\n\r\n")  # and a request behind it


class ConnectRefusedTest(ProxyTestCase):

    def test_connect_is_refused_with_405_and_the_connection_closed(self):
        targets = ["example.com:443", "127.0.0.1:%d" % self.upstream.port, "/"]
        for target in targets:
            with self.subTest(target=target):
                head = "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (target, target.lstrip("/") or "test.local")
                res = self.raw(head.encode() + BEHIND, timeout=5)
                self.assertTrue(res.closed, "the connection stayed open after a refused CONNECT: %r" % res)
                responses = res.responses()
                self.assertEqual([r.status for r in responses], [405], res)
                self.assertEqual(responses[0].header("Connection"), "close")
                allowed = [m.strip() for m in responses[0].header("Allow").split(",")]
                self.assertIn("GET", allowed)
                self.assertNotIn("CONNECT", allowed)
        self.assertNothingForwarded("for a CONNECT")

        lines = [l for l in self.proxy.lines if l.get("event") == "request"]
        self.assertEqual([(l["method"], l["status"], l["note"]) for l in lines],
                         [("CONNECT", 405, "CONNECT not supported")] * len(targets))
        # The refusal is per request: the proxy goes on serving.
        r = self.request("GET", "/after")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["target"], "/after")


if __name__ == "__main__":
    unittest.main()
