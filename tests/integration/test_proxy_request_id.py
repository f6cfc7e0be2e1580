"""Every request has an id: the client's X-Request-Id when the peer is a
trusted proxy and the value is sane, else a new one. It is forwarded
upstream and carried by every log line of that request."""

import re
import socket
import unittest

from harness import ProxyTestCase

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def ids(echo):
    return [v for k, v in echo["headers"] if k.lower() == "x-request-id"]


class RequestIdTest(ProxyTestCase):

    def request_line(self, target):
        line = self.proxy.wait_line(lambda o: o.get("event") == "request" and o.get("path") == target, 5)
        self.assertIsNotNone(line, "no request line for %s: %r" % (target, self.proxy.lines[-5:]))
        return line

    def test_trusted_peer_names_the_request(self):
        r = self.request("GET", "/named", [("X-Request-Id", "f47ac10b-58cc-4372-a567-0e02b2c3d479")])
        self.assertEqual(ids(r.json()), ["f47ac10b-58cc-4372-a567-0e02b2c3d479"])
        self.assertEqual(self.request_line("/named")["request_id"], "f47ac10b-58cc-4372-a567-0e02b2c3d479")

    def test_a_new_id_without_one_each_request_its_own(self):
        first = ids(self.request("GET", "/one").json())
        second = ids(self.request("GET", "/two").json())
        self.assertEqual(len(first), 1)
        self.assertRegex(first[0], HEX32)
        self.assertRegex(second[0], HEX32)
        self.assertNotEqual(first, second)
        self.assertEqual(self.request_line("/one")["request_id"], first[0])

    def test_insane_values_are_replaced(self):
        for value in ["has spaces", "x" * 129, "semi;colon", "caf\u00e9"]:
            with self.subTest(value):
                r = self.request("GET", "/insane", [("X-Request-Id", value)])
                got = ids(r.json())
                self.assertEqual(len(got), 1, got)
                self.assertRegex(got[0], HEX32)

    def test_untrusted_peer_cannot_name_the_request(self):
        self.start_proxy(trusted_proxies=["192.0.2.1"])
        r = self.request("GET", "/untrusted", [("X-Request-Id", "chosen-by-client"),
                                               ("X-Request-Id", "another")])
        got = ids(r.json())
        self.assertEqual(len(got), 1, got)
        self.assertRegex(got[0], HEX32)
        self.assertEqual(self.request_line("/untrusted")["request_id"], got[0])

    def test_error_lines_carry_the_request_id(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nothing listens there now
        self.start_proxy(upstream_port=port)
        r = self.request("GET", "/refused", [("X-Request-Id", "trace-42")])
        self.assertEqual(r.status, 502)
        error = self.proxy.wait_line(lambda o: o.get("event") == "upstream_error", 5)
        self.assertIsNotNone(error, "no upstream_error line: %r" % self.proxy.lines[-5:])
        self.assertEqual(error.get("request_id"), "trace-42")
        self.assertEqual(self.request_line("/refused")["request_id"], "trace-42")


if __name__ == "__main__":
    unittest.main()
