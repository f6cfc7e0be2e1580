"""WebSocket: the Upgrade request reaches the upstream, the 101 comes back,
then frames tunnel both ways (upstream-initiated too) until close."""

import base64
import os
import time
import unittest

import upstream as U
from harness import ProxyTestCase, connect, format_request, read_response, wait_closed


class WsClient:
    def __init__(self, port, target="/ws", extra=()):
        self.key = base64.b64encode(os.urandom(16)).decode()
        self.sock = connect(port)
        self.sock.sendall(format_request("GET", target, [
            ("Upgrade", "websocket"), ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", self.key), ("Sec-WebSocket-Version", "13")] + list(extra)))
        self.response = read_response(self.sock, timeout=5)
        self.buf = bytearray(self.response.rest)

    def _read_exact(self, n):
        deadline = time.monotonic() + 5
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no websocket frame within 5 s")
            self.sock.settimeout(left)
            d = self.sock.recv(262144)
            if not d:
                raise EOFError("closed")
            self.buf += d
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def send(self, opcode, payload, fin=True):
        self.sock.sendall(U.ws_frame(opcode, payload, fin=fin, mask=os.urandom(4)))

    def recv(self):
        return U.ws_read_frame(self._read_exact)

    def close(self):
        self.sock.close()


class WebSocketTest(ProxyTestCase):

    def ws(self, target="/ws", extra=()):
        c = WsClient(self.proxy.port, target, extra)
        self.addCleanup(c.close)
        return c

    def test_handshake_and_echo_both_ways(self):
        c = self.ws("/ws?hello=server-first")
        r = c.response
        self.assertEqual(r.status, 101, r)
        self.assertEqual(r.header("upgrade").lower(), "websocket")
        self.assertIn("upgrade", r.header("connection").lower())
        self.assertEqual(r.header("sec-websocket-accept"), U.ws_accept(c.key))
        # upstream -> client before the client said anything
        self.assertEqual(c.recv(), (True, 1, b"server-first"))
        c.send(1, "héllo".encode())
        self.assertEqual(c.recv(), (True, 1, "héllo".encode()))
        big = os.urandom(300000)
        c.send(2, big)
        fin, op, payload = c.recv()
        self.assertEqual((fin, op), (True, 2))
        self.assertEqual(payload, big)
        c.send(1, b"frag-", fin=False)
        c.send(0, b"ment")
        self.assertEqual(c.recv(), (False, 1, b"frag-"))
        self.assertEqual(c.recv(), (True, 0, b"ment"))
        c.send(9, b"ping")
        self.assertEqual(c.recv(), (True, 10, b"ping"))
        c.send(8, b"\x03\xe8")
        self.assertEqual(c.recv(), (True, 8, b"\x03\xe8"))
        closed, _ = wait_closed(c.sock, 5)
        self.assertTrue(closed, "tunnel not closed after the upstream closed")

    def test_upgrade_headers_reach_upstream(self):
        c = self.ws("/ws", [("Sec-WebSocket-Protocol", "chat"), ("Origin", "http://a.example")])
        self.assertEqual(c.response.status, 101)
        time.sleep(0.1)
        log = self.upstream.log()
        self.assertEqual(len(log["requests"]), 1)
        h = {k.lower(): v for k, v in log["requests"][0]["headers"]}
        self.assertEqual(h.get("upgrade", "").lower(), "websocket")
        self.assertIn("upgrade", h.get("connection", "").lower())
        self.assertEqual(h.get("sec-websocket-key"), c.key)
        self.assertEqual(h.get("sec-websocket-version"), "13")
        self.assertEqual(h.get("sec-websocket-protocol"), "chat")

    def test_many_messages_and_concurrent_tunnels(self):
        clients = [self.ws("/ws") for _ in range(5)]
        for c in clients:
            self.assertEqual(c.response.status, 101)
        for i in range(50):
            for n, c in enumerate(clients):
                c.send(1, b"%d-%d" % (n, i))
            for n, c in enumerate(clients):
                self.assertEqual(c.recv(), (True, 1, b"%d-%d" % (n, i)))

    def test_refused_upgrade_is_a_normal_response(self):
        # /echo ignores Upgrade and answers 200: no tunnel, keep-alive HTTP goes on.
        c = self.ws("/not-ws?status=200")
        self.assertEqual(c.response.status, 200)
        self.assertEqual(c.response.json()["target"], "/not-ws?status=200")
        c.sock.sendall(format_request("GET", "/after"))
        r = read_response(c.sock, bytes(c.buf))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["target"], "/after")


if __name__ == "__main__":
    unittest.main()
