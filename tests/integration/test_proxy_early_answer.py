"""An upstream that answers a large upload early (413) and closes without
reading the body: the client gets that answer, not a 502."""

import socket
import threading
import unittest

from harness import ProxyTestCase, connect, read_response

EARLY = b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbig\n"


class EarlyAnswerUpstream:
    """Reads a request head, answers 413 at once and closes (bounded: 30 s)."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        for _ in range(150):
            if self.stopping.is_set():
                return
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            with conn:
                conn.settimeout(5)
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    head += chunk
                conn.sendall(EARLY)

    def stop(self):
        self.stopping.set()
        self.thread.join(5)
        self.listener.close()


class EarlyAnswerTest(ProxyTestCase):
    def test_early_final_answer_reaches_the_client(self):
        upstream = EarlyAnswerUpstream()
        self.addCleanup(upstream.stop)
        self.start_proxy(upstream_port=upstream.port)
        body = b"x" * (16 << 20)  # far more than socket buffers hold
        sock = connect(self.proxy.port, timeout=10)
        try:
            sock.sendall(b"POST /upload HTTP/1.1\r\nHost: test.local\r\nContent-Length: %d\r\n\r\n" % len(body))
            sent = 0
            try:
                while sent < len(body):
                    sent += sock.send(body[sent:sent + (1 << 20)])
            except OSError:
                pass  # the proxy may stop reading once the answer is in
            response = read_response(sock, timeout=10, method="POST")
        finally:
            sock.close()
        self.assertEqual(response.status, 413)
        self.assertEqual(response.body, b"big\n")
        self.assertEqual(response.header("Connection").lower(), "close")


if __name__ == "__main__":
    unittest.main()
