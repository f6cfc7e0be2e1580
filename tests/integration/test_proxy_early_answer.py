"""An upstream that answers a large upload early (413 then close, or 401
while keeping its socket open and reading nothing): the client gets that
answer at once, not a 502 or a 504 after upstream_idle, and its connection
is closed after it."""

import time
import unittest

from harness import ProxyTestCase, ScriptedUpstream, connect, read_head, read_response, wait_closed

EARLY_413 = b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbig\n"
EARLY_401 = b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 5\r\nWWW-Authenticate: Basic\r\n\r\nwho?\n"


def early_answer(answer, hold):
    """Reads a request head and answers at once without reading the body,
    then closes (`hold=False`) or keeps the socket open, reading nothing."""
    def handle(conn):
        read_head(conn)
        conn.sendall(answer)
        if not hold:
            conn.close()
    return ScriptedUpstream(handle)


class EarlyAnswerTest(ProxyTestCase):
    CONFIG = {"timeouts": {"upstream_idle": 30, "upstream_response": 30}}

    def upload_with_early_answer(self, answer, hold):
        upstream = early_answer(answer, hold)
        self.addCleanup(upstream.stop)
        self.start_proxy(upstream_port=upstream.port)
        body = b"x" * (64 << 20)  # far more than all socket buffers on the way hold
        sock = connect(self.proxy.port, timeout=10)
        self.addCleanup(sock.close)
        t0 = time.monotonic()
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: test.local\r\nContent-Length: %d\r\n\r\n" % len(body))
        sock.setblocking(False)
        sent, got, refused = 0, b"", False
        deadline = t0 + 10
        # Send what the sockets take while looking for the answer: the proxy
        # must answer without waiting for the body. `sent` counts the bytes
        # the socket took, so a send refused once the proxy has answered and
        # closed does not count as the whole body.
        while b"\r\n\r\n" not in got and time.monotonic() < deadline:
            try:
                if sent < len(body) and not refused:
                    sent += sock.send(body[sent:sent + (1 << 16)])
            except BlockingIOError:
                time.sleep(0.01)
            except OSError:
                refused = True  # the proxy stopped reading: fine
            try:
                got += sock.recv(65536)
            except BlockingIOError:
                pass
        sock.setblocking(True)
        response = read_response(sock, got, timeout=5, method="POST")
        return response, time.monotonic() - t0, sent, sock

    def test_early_final_answer_then_close_reaches_the_client(self):
        response, _, _, sock = self.upload_with_early_answer(EARLY_413, hold=False)
        self.assertEqual(response.status, 413)
        self.assertEqual(response.body, b"big\n")
        self.assertEqual(response.header("Connection").lower(), "close")

    def test_early_answer_from_an_upstream_that_keeps_reading_nothing(self):
        response, elapsed, sent, sock = self.upload_with_early_answer(EARLY_401, hold=True)
        self.assertEqual(response.status, 401, response)
        self.assertEqual(response.body, b"who?\n")
        self.assertEqual(response.header("WWW-Authenticate"), "Basic")
        self.assertLess(elapsed, 5, "the early answer waited %.1f s (upstream_idle is 30 s)" % elapsed)
        self.assertLess(sent, 64 << 20, "premise: the answer came before the body was sent")
        self.assertEqual(response.header("Connection").lower(), "close")
        closed, _ = wait_closed(sock, 5)
        self.assertTrue(closed, "the client connection stayed open with the rest of its body unread")
        line = self.proxy.wait_line(lambda o: o.get("event") == "request" and o.get("status") == 401, 5)
        self.assertIsNotNone(line, "no request line for the early 401: %r" % self.proxy.lines[-5:])


if __name__ == "__main__":
    unittest.main()
