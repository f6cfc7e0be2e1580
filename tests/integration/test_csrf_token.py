"""csrf.mode token end to end: the upstream gets the session's secret masked
anew per request in X-Session-Csrf; an unsafe request of a session must send it
back in X-CSRFToken or in the csrfmiddlewaretoken field of a form body (read
up to csrf.max_form_bytes before forwarding, then forwarded unchanged and
streaming); cycle keeps the secret, login rotates it, flush drops it."""

import hashlib
import socket
import threading
import time
import unittest
import urllib.parse

import harness
from session_support import PREFIX, SessionTestCase, upd

FORM = ("Content-Type", "application/x-www-form-urlencoded")


def token_of(result):
    token = result.up(PREFIX + "-Csrf")
    assert token is not None and len(token) == 64, result
    return token


class TokenModeTest(SessionTestCase):
    CONFIG = {"csrf": {"mode": "token", "max_form_bytes": "64KiB"}}

    def logged_in(self):
        c = self.client()
        c.update({"member_id": 1})
        self.assertTrue(c.sid)
        return c, token_of(c.get())

    def test_every_request_gets_a_fresh_masking_of_one_secret(self):
        c, first = self.logged_in()
        second = token_of(c.get())
        self.assertNotEqual(first, second)
        for token in (first, second):  # both are good
            self.assertEqual(c.request("POST", "/x", headers=[("X-CSRFToken", token)]).status, 200)
        # A request without a session is told a token too, for a page that starts one.
        self.assertEqual(len(token_of(self.client().get())), 64)
        # The client cannot send one upstream itself: the prefix is the proxy's.
        r = c.get(headers=[(PREFIX + "-Csrf", "forged")])
        self.assertNotEqual(token_of(r), "forged")

    def test_unsafe_requests_of_a_session_need_the_token(self):
        c, token = self.logged_in()
        other, other_token = self.logged_in()
        before = self.upstream.count()
        r = c.request("POST", "/x")
        self.assertEqual((r.status, r.body), (403, b"CSRF: token missing\n"))
        r = c.request("DELETE", "/x", headers=[("X-CSRFToken", token[:32] + token[:32])])
        self.assertEqual((r.status, r.body), (403, b"CSRF: token incorrect\n"))
        r = c.request("PUT", "/x", headers=[("X-CSRFToken", other_token)])
        self.assertEqual((r.status, r.body), (403, b"CSRF: token incorrect\n"), "another session's token")
        self.assertEqual(self.upstream.count(), before, "refused requests never reach the upstream")
        r = c.request("PATCH", "/x", headers=[("X-CSRFToken", token)])
        self.assertEqual(r.status, 200)
        # Refusals are counted by reason.
        self.assertTrue(self.wait_events("csrf_refused", 3))
        metrics = harness.request(self.proxy.admin_port, "GET", "/metrics").body.decode()
        self.assertRegex(metrics, r'sessiongate_csrf_refusals_total\{reason="token_missing"\} 1\b')
        self.assertRegex(metrics, r'sessiongate_csrf_refusals_total\{reason="token_incorrect"\} 2\b')
        lines = self.log_lines("csrf_refused")
        self.assertTrue(all(l.get("request_id") for l in lines))

    def test_no_session_needs_no_token(self):
        r = self.client().request("POST", "/login", headers=[FORM], body=b"username=a")
        self.assertEqual(r.status, 200)

    def test_form_body_token(self):
        c, token = self.logged_in()
        body = urllib.parse.urlencode({"per_page": "50", "csrfmiddlewaretoken": token, "z": "\u00e9"}).encode()
        r = c.post("/preferences", {"per_page": "50", "csrfmiddlewaretoken": token, "z": "\u00e9"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.echo["body"].encode("latin-1"), body, "the body goes upstream unchanged")
        r = c.post("/preferences", {"per_page": "50", "csrfmiddlewaretoken": "x" * 64})
        self.assertEqual((r.status, r.body), (403, b"CSRF: token incorrect\n"))
        r = c.post("/preferences", {"per_page": "50"})
        self.assertEqual((r.status, r.body), (403, b"CSRF: token missing\n"))
        # A body of another type is not searched.
        r = c.request("POST", "/x", headers=[("Content-Type", "text/plain")],
                      body=("csrfmiddlewaretoken=" + token).encode())
        self.assertEqual(r.status, 403)

    def test_form_split_across_tcp_segments(self):
        c, token = self.logged_in()
        body = ("a=1&csrfmiddlewaretoken=" + token + "&b=2").encode()
        head = harness.format_request("POST", "/split", [FORM, ("Cookie", c.cookie_header()),
                                                         ("Content-Length", str(len(body))),
                                                         ("Connection", "close")])
        s = harness.connect(self.proxy.port)
        try:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendall(head)
            for i in range(0, len(body), 7):  # the token itself arrives in pieces
                s.sendall(body[i:i + 7])
                time.sleep(0.01)
            r = harness.read_response(s)
        finally:
            s.close()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["body"].encode("latin-1"), body)

    def test_expect_continue_is_answered_by_the_proxy(self):
        # The body is wanted before the upstream sees the request, so the
        # proxy itself tells a waiting client to send it, once.
        c, token = self.logged_in()
        body = ("csrfmiddlewaretoken=" + token).encode()
        s = harness.connect(self.proxy.port)
        try:
            s.sendall(harness.format_request("POST", "/wait", [FORM, ("Cookie", c.cookie_header()),
                                                                ("Expect", "100-continue"),
                                                                ("Content-Length", str(len(body))),
                                                                ("Connection", "close")]))
            interim = harness.read_response(s, timeout=5)
            self.assertEqual(interim.status, 100)
            s.sendall(body)
            r = harness.read_response(s, buf=interim.rest, timeout=5)
        finally:
            s.close()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["body"], body.decode())

    def test_chunked_form_needs_the_header(self):
        # A chunked form body is not searched: its token goes in X-CSRFToken.
        c, token = self.logged_in()
        field = ("csrfmiddlewaretoken=" + token).encode()
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(field), field)
        te = ("Transfer-Encoding", "chunked")
        r = c.request("POST", "/chunked", headers=[FORM, te], body=chunked)
        self.assertEqual((r.status, r.body), (403, b"CSRF: token missing\n"))
        r = c.request("POST", "/chunked", headers=[FORM, te, ("X-CSRFToken", token)], body=chunked)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.echo["body"].encode("latin-1"), field)

    def test_token_after_the_bound_is_refused(self):
        c, token = self.logged_in()
        before = self.upstream.count()
        body = b"filler=" + b"x" * (64 * 1024) + b"&csrfmiddlewaretoken=" + token.encode()
        r = c.request("POST", "/late", headers=[FORM], body=body)
        self.assertEqual((r.status, r.body), (403, b"CSRF: token missing\n"))
        self.assertEqual(self.upstream.count(), before)
        # Just within the bound it is found.
        body = b"f=" + b"x" * (64 * 1024 - 200) + b"&csrfmiddlewaretoken=" + token.encode()
        self.assertLessEqual(len(body), 64 * 1024)
        self.assertEqual(c.request("POST", "/in-time", headers=[FORM], body=body).status, 200)

    def test_cycle_keeps_the_secret_login_rotates_it_flush_drops_it(self):
        c, token = self.logged_in()
        c.action("cycle")
        self.assertEqual(c.request("POST", "/x", headers=[("X-CSRFToken", token)]).status, 200, "cycle keeps it")
        c.get(reply=[[PREFIX + "-Action", "cycle"], upd({"member_id": 2})])  # login as another member
        self.assertEqual(c.request("POST", "/x", headers=[("X-CSRFToken", token)]).status, 403, "login rotates it")
        token = token_of(c.get())
        self.assertEqual(c.request("POST", "/x", headers=[("X-CSRFToken", token)]).status, 200)
        c.get(reply=[[PREFIX + "-Action", "flush"], upd({"cart": [1]})])  # logout, a fresh session
        self.assertTrue(c.sid)
        self.assertEqual(c.request("POST", "/x", headers=[("X-CSRFToken", token)]).status, 403, "flush drops it")
        self.assertEqual(c.request("POST", "/x", headers=[("X-CSRFToken", token_of(c.get()))]).status, 200)

    def test_the_secret_is_not_session_data(self):
        c, token = self.logged_in()
        self.assertEqual(c.get().session, {"member_id": 1})
        # Emptying the data deletes the session, secret and all.
        r = c.update({"member_id": None})
        self.assertTrue(r.cookie() and r.cookie().deletes)
        self.assertEqual(self.stored(), {})


class TokenModeStreamingTest(harness.ProxyTestCase):
    """Large bodies, against upstream.py (which reports length and hash)."""

    CONFIG = {"csrf": {"mode": "token"}}  # max_form_bytes: the default 1 MiB

    def session(self):
        update = urllib.parse.quote('X-Session-Update:{"member_id": 7}')
        r = self.request("GET", "/echo?header=" + update)
        cookie = r.header("Set-Cookie").split(";")[0]
        r = self.request("GET", "/echo", headers=[("Cookie", cookie)])
        token = [v for k, v in r.json()["headers"] if k.lower() == "x-session-csrf"][0]
        return cookie, token

    def test_large_upload_with_the_token_first_streams(self):
        cookie, token = self.session()
        self.upstream.reset()
        first = ("csrfmiddlewaretoken=" + token + "&data=").encode()
        size = 24 * 1024 * 1024
        rest = b"y" * (size - len(first))
        body_hash = hashlib.sha256(first + rest).hexdigest()
        s = harness.connect(self.proxy.port, timeout=30)
        try:
            s.sendall(harness.format_request("POST", "/upload", [FORM, ("Cookie", cookie), ("Content-Length", str(size)),
                                                                 ("Connection", "close")]))
            s.sendall(first + rest[:1024 * 1024])
            # The upstream has bytes of the body before the client sent the rest.
            deadline = time.monotonic() + 10
            while self.upstream.log()["bytes"] < 512 * 1024 and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertGreaterEqual(self.upstream.log()["bytes"], 512 * 1024, "forwarded while the body still comes")
            s.sendall(rest[1024 * 1024:])
            r = harness.read_response(s, timeout=30)
        finally:
            s.close()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["body_length"], size)
        self.assertEqual(r.json()["body_sha256"], body_hash)

    def test_token_after_the_bound_costs_no_more_memory_than_the_bound(self):
        cookie, token = self.session()
        self.upstream.reset()
        size = 32 * 1024 * 1024
        body = b"data=" + b"z" * (size - 5 - 85) + b"&csrfmiddlewaretoken=" + token.encode()
        self.assertEqual(len(body), size)
        sampler = harness.RssSampler(self.proxy.pid, interval=0.01)
        sampler.start()
        try:
            s = harness.connect(self.proxy.port, timeout=30)

            def send():
                try:
                    s.sendall(harness.format_request("POST", "/late", [FORM, ("Cookie", cookie),
                                                                       ("Content-Length", str(size))]) + body)
                except OSError:
                    pass  # the proxy answered and stopped reading: expected

            sender = threading.Thread(target=send, daemon=True)
            sender.start()
            try:
                r = harness.read_response(s, timeout=30)
            finally:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # the proxy closed first, having answered
                s.close()
                sender.join(timeout=30)
        finally:
            sampler.stop()
        self.assertEqual((r.status, r.body), (403, b"CSRF: token missing\n"))
        self.assertNothingForwarded("a refused form")
        # The bound (1 MiB) plus a margin for the allocator: never the 32 MiB body.
        self.assertLess(sampler.growth_kb, (1024 + 1536) * harness.memory_scale(),
                        "RSS grew by %d KiB" % sampler.growth_kb)


if __name__ == "__main__":
    unittest.main()
