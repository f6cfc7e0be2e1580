"""Expect: 100-continue goes to the upstream, which decides: its
`100 Continue` is relayed and the body follows; its final answer (417, 401)
is relayed instead and the client never has to send the body."""

import json
import unittest

from harness import ProxyTestCase, ScriptedUpstream, connect, read_head, read_response, wait_closed

CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def deciding_upstream(answer=None):
    """Reads a head; with `answer` None it sends 100 Continue, reads the
    Content-Length body and answers 200 with JSON {expect, body_length},
    then closes; else it sends `answer` at once and keeps the socket open
    unread. `.heads` records every head it got."""
    heads = []

    def handle(conn):
        _, headers, rest = read_head(conn)
        heads.append(headers)
        if answer is not None:
            conn.sendall(answer)
            return  # held open, never read
        conn.sendall(CONTINUE)
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return
            rest += chunk
        body = json.dumps({"expect": headers.get("expect"), "body_length": len(rest)}).encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

    upstream = ScriptedUpstream(handle)
    upstream.heads = heads
    return upstream


HEAD = (b"PUT /upload HTTP/1.1\r\nHost: test.local\r\nExpect: 100-continue\r\n"
        b"Content-Length: 100000\r\n\r\n")


class ContinueTest(ProxyTestCase):

    def use(self, upstream):
        self.addCleanup(upstream.stop)
        self.start_proxy(upstream_port=upstream.port)
        sock = connect(self.proxy.port, timeout=10)
        self.addCleanup(sock.close)
        sock.sendall(HEAD)
        return sock

    def test_upstream_continue_is_relayed_and_the_body_follows(self):
        upstream = deciding_upstream()
        sock = self.use(upstream)
        interim = read_response(sock, timeout=5)  # the client sends nothing until then
        self.assertEqual(interim.status, 100)
        sock.sendall(b"b" * 100000)
        final = read_response(sock, interim.rest, timeout=10, method="PUT")
        self.assertEqual(final.status, 200, final)
        self.assertEqual(final.json(), {"expect": "100-continue", "body_length": 100000})
        self.assertEqual(upstream.heads[0].get("expect"), "100-continue", "Expect was not forwarded")
        # The client connection goes on; a 100 the client did not ask for
        # (this upstream sends one every time) is not passed on.
        sock.sendall(b"GET /next HTTP/1.1\r\nHost: test.local\r\n\r\n")
        nxt = read_response(sock, final.rest, timeout=5)
        self.assertEqual(nxt.status, 200, nxt)
        self.assertEqual(nxt.json(), {"expect": None, "body_length": 0})

    def test_upstream_final_answer_ends_it_without_the_body(self):
        for status, answer in [
                (417, b"HTTP/1.1 417 Expectation Failed\r\nContent-Length: 3\r\n\r\nno\n"),
                (401, b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 5\r\nWWW-Authenticate: Basic\r\n\r\nwho?\n")]:
            with self.subTest(status):
                upstream = deciding_upstream(answer)
                sock = self.use(upstream)
                final = read_response(sock, timeout=5, method="PUT")
                self.assertEqual(final.status, status, final)
                self.assertEqual(upstream.heads[0].get("expect"), "100-continue")
                self.assertEqual(final.header("Connection").lower(), "close")
                closed, _ = wait_closed(sock, 5)
                self.assertTrue(closed, "connection left open with the announced body never sent")


if __name__ == "__main__":
    unittest.main()
