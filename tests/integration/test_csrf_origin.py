"""csrf.mode origin end to end: unsafe requests from another origin are refused
with 403 before anything reaches the upstream; the request's own origin, trusted
origins, Sec-Fetch-Site same-origin/none and non-browser clients pass; the
refusal is logged with the request id and counted by reason in /metrics."""

import time
import unittest

import harness
from session_support import SessionTestCase

HOST = "app.test:8443"


class OriginModeTest(SessionTestCase):
    CONFIG = {"csrf": {"mode": "origin", "trusted_origins": ["https://shop.test", "http://b\u00fccher.test:3000"]}}
    ROUTES = [{"prefix": "/api/", "csrf": "off"}]

    def post(self, path="/form", **headers):
        hdrs = [("Host", HOST)] + [(k.replace("_", "-"), v) for k, v in headers.items()]
        return self.client().request("POST", path, headers=hdrs, body=b"a=1")

    def assertRefused(self, result, msg=None):
        self.assertEqual(result.status, 403, msg)
        self.assertEqual(result.body, b"CSRF: cross-site request\n", msg)
        self.assertIsNone(result.echo, msg)

    def assertPassed(self, result, msg=None):
        self.assertEqual(result.status, 200, msg)
        self.assertEqual(result.echo["method"], "POST", msg)

    def test_own_origin_passes_others_are_refused(self):
        before = self.upstream.count()
        self.assertPassed(self.post(Origin="http://app.test:8443"))
        self.assertPassed(self.post(Origin="HTTP://APP.test:8443"))
        for origin in ("http://evil.test", "http://app.test:8444", "https://app.test:8443", "null",
                       "http://sub.app.test:8443"):
            self.assertRefused(self.post(Origin=origin), origin)
        self.assertEqual(self.upstream.count(), before + 2, "a refused request never reaches the upstream")

    def test_sec_fetch_site(self):
        self.assertPassed(self.post(Sec_Fetch_Site="same-origin"))
        self.assertPassed(self.post(Sec_Fetch_Site="none"))
        self.assertRefused(self.post(Sec_Fetch_Site="same-site"))
        self.assertRefused(self.post(Sec_Fetch_Site="cross-site", Origin="http://app.test:8443"))

    def test_trusted_origins_and_non_browsers_pass(self):
        self.assertPassed(self.post(Origin="https://shop.test", Sec_Fetch_Site="cross-site"))
        self.assertPassed(self.post(Origin="https://shop.test:443"))
        # Configured in Unicode, sent by browsers in its xn-- form.
        self.assertPassed(self.post(Origin="http://xn--bcher-kva.test:3000", Sec_Fetch_Site="cross-site"))
        self.assertRefused(self.post(Origin="http://shop.test", Sec_Fetch_Site="cross-site"))
        self.assertPassed(self.post())  # neither header: curl, a server

    def test_safe_methods_and_routes_off_pass(self):
        c = self.client()
        r = c.request("GET", "/page", headers=[("Host", HOST), ("Origin", "http://evil.test"),
                                                ("Sec-Fetch-Site", "cross-site")])
        self.assertEqual(r.status, 200)
        self.assertPassed(self.post("/api/orders", Origin="http://evil.test", Sec_Fetch_Site="cross-site"))

    def test_own_origin_through_a_trusted_proxy(self):
        # 127.0.0.1 is trusted here: its X-Forwarded-Proto/-Host name the origin the client addressed.
        fwd = dict(X_Forwarded_Proto="https", X_Forwarded_Host="www.app.test")
        self.assertPassed(self.post(Origin="https://www.app.test", **fwd))
        self.assertRefused(self.post(Origin="http://app.test:8443", **fwd))
        self.start_proxy(trusted_proxies=[])
        # Untrusted, the same headers count for nothing: the Host decides.
        self.assertRefused(self.post(Origin="https://www.app.test", **fwd))
        self.assertPassed(self.post(Origin="http://app.test:8443", **fwd))

    def test_refusal_logged_with_request_id_and_counted(self):
        for _ in range(2):
            self.assertRefused(self.post(Origin="http://evil.test"))
        self.assertTrue(self.wait_events("csrf_refused", 2))
        lines = self.log_lines("csrf_refused")
        # The access line follows once the answer is written.
        refused = lambda: [l for l in self.proxy.lines if l.get("status") == 403]
        deadline = time.monotonic() + 5
        while len(refused()) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        access = refused()
        self.assertEqual(len(access), 2)
        self.assertEqual(access[0]["note"], "CSRF: cross-site request")
        self.assertEqual({l["request_id"] for l in lines}, {l["request_id"] for l in access})
        self.assertEqual(lines[0]["reason"], "CSRF: cross-site request")
        self.assertEqual(lines[0]["origin"], "http://evil.test")
        metrics = harness.request(self.proxy.admin_port, "GET", "/metrics").body.decode()
        self.assertRegex(metrics, r'sessiongate_csrf_refusals_total\{reason="cross_site"\} 2\b')
        self.assertRegex(metrics, r'sessiongate_csrf_refusals_total\{reason="token_missing"\} 0\b')


if __name__ == "__main__":
    unittest.main()
