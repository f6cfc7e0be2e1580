"""TLS end to end, with a CA and certificates made by the test (openssl CLI):
the listener (ALPN, versions, Secure cookie, X-Forwarded-Proto), a
certificate reloaded by SIGHUP while a TLS connection stays open, https
upstreams (verified, refused for an unknown CA or a wrong host name, mTLS),
and a WebSocket tunnel over TLS on both legs."""

import json
import os
import shutil
import signal
import socket
import ssl
import tempfile
import time
import unittest
import urllib.parse
import warnings

import upstream as U
from harness import Proxy, Upstream, format_request, proxy_config, read_response, request
from tls_support import Pki, client_context, peer_common_name, tls_connect


def session_update(patch):
    """An echo target whose response asks the proxy to save `patch`."""
    return "/?" + urllib.parse.urlencode({"header": "X-Session-Update:" + json.dumps(patch)})


class TlsCase(unittest.TestCase):
    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix="sg-tls-")
        self.addCleanup(shutil.rmtree, self.tmpdir, True)
        self.pki = Pki(self.tmpdir)

    def upstream(self, *args):
        up = Upstream(args=list(args))
        self.addCleanup(up.stop)
        return up

    def proxy(self, upstream_port, **overrides):
        proxy = Proxy(proxy_config(upstream_port, self.tmpdir, **overrides), tmpdir=self.tmpdir)
        self.addCleanup(proxy.stop)
        return proxy

    def https_get(self, sock, target="/", headers=()):
        sock.sendall(format_request("GET", target, headers, host="localhost"))
        return read_response(sock)

    def upstream_error(self, proxy):
        line = proxy.wait_line(lambda o: o.get("event") == "upstream_error", 5)
        self.assertIsNotNone(line, "no upstream_error line")
        return line


class ListenerTlsTest(TlsCase):
    def setUp(self):
        super().setUp()
        self.cert, self.key = self.pki.issue("proxy-one", ["DNS:localhost", "IP:127.0.0.1"])
        # Files an operator renews in place: the config names these paths.
        self.cert_path = os.path.join(self.tmpdir, "listener.crt")
        self.key_path = os.path.join(self.tmpdir, "listener.key")
        shutil.copy(self.cert, self.cert_path)
        shutil.copy(self.key, self.key_path)
        self.up = self.upstream()
        self.gate = self.proxy(self.up.port, tls={"cert_file": self.cert_path, "key_file": self.key_path})
        self.ctx = client_context(self.pki)

    def test_https_request_alpn_secure_cookie_and_forwarded_proto(self):
        self.assertTrue(self.gate.listening["tls"])
        ctx = client_context(self.pki, alpn=("h2", "http/1.1"))
        with tls_connect(self.gate.port, ctx) as s:
            self.assertEqual(s.selected_alpn_protocol(), "http/1.1")
            self.assertIn(s.version(), ("TLSv1.2", "TLSv1.3"))
            self.assertEqual(peer_common_name(s), "proxy-one")
            r = self.https_get(s, session_update({"n": 1}))
            self.assertEqual(r.status, 200, r)
            cookie = r.header("set-cookie")
            self.assertIsNotNone(cookie, r)
            self.assertIn("; Secure", cookie)
            sent = dict((k.lower(), v) for k, v in r.json()["headers"])
            self.assertEqual(sent["x-forwarded-proto"], "https")
            # Keep-alive over the same TLS connection, after it sat idle long
            # enough to be parked (its read buffer given back).
            time.sleep(0.5)
            r2 = self.https_get(s, "/again", [("Cookie", cookie.split(";")[0])])
            self.assertEqual(r2.status, 200, r2)
            self.assertEqual(r2.json()["target"], "/again")
            self.assertIn(["X-Session", '{"n":1}'], r2.json()["headers"])

    def test_a_close_delimited_response_ends_with_close_notify(self):
        # An HTTP/1.0 client reads the body until the connection ends: with
        # ragged EOFs refused, only a close_notify ends it cleanly.
        ctx = client_context(self.pki)
        raw = socket.create_connection(("127.0.0.1", self.gate.port), timeout=5)
        with ctx.wrap_socket(raw, server_hostname="localhost", suppress_ragged_eofs=False) as s:
            s.sendall(b"GET /old HTTP/1.0\r\nHost: localhost\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)  # raises SSLEOFError on a cut without close_notify
                if not chunk:
                    break
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200"), head)
        self.assertEqual(json.loads(body)["target"], "/old")

    def test_tls_1_1_and_plain_http_are_refused(self):
        warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.1 on purpose
        old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        old.load_verify_locations(self.pki.ca_cert)
        old.set_ciphers("DEFAULT:@SECLEVEL=0")
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
        with self.assertRaises(ssl.SSLError):
            tls_connect(self.gate.port, old).close()
        line = self.gate.wait_line(lambda o: o.get("event") == "tls_handshake_failed", 5)
        self.assertIsNotNone(line)
        self.assertEqual(line["peer"], "127.0.0.1")
        self.assertEqual(line["level"], "info")
        # Plain HTTP on the TLS port gets no HTTP answer.
        r = request_raw(self.gate.port, format_request("GET", "/", host="localhost"))
        self.assertNotIn(b"HTTP/1.1", r)
        self.assertEqual(self.up.log()["requests"], [])

    def test_sighup_reload_new_certificate_for_new_connections_only(self):
        old_conn = tls_connect(self.gate.port, self.ctx)
        self.addCleanup(old_conn.close)
        self.assertEqual(peer_common_name(old_conn), "proxy-one")
        self.assertEqual(self.https_get(old_conn, "/before").status, 200)

        cert, key = self.pki.issue("proxy-two", ["DNS:localhost"])
        shutil.copy(cert, self.cert_path)
        shutil.copy(key, self.key_path)
        os.kill(self.gate.pid, signal.SIGHUP)
        line = self.gate.wait_line(lambda o: o.get("event") == "tls_certificate" and o["subject"] == "CN=proxy-two", 10)
        self.assertIsNotNone(line, "no tls_certificate line for the new certificate")
        self.assertEqual(line["role"], "listener")
        self.assertEqual(line["names"], ["localhost"])

        # The open connection goes on, with the certificate it started with.
        r = self.https_get(old_conn, "/after")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["target"], "/after")
        self.assertEqual(peer_common_name(old_conn), "proxy-one")
        # A new one sees the new certificate.
        with tls_connect(self.gate.port, self.ctx) as fresh:
            self.assertEqual(peer_common_name(fresh), "proxy-two")
            self.assertEqual(self.https_get(fresh).status, 200)

    def test_sighup_with_a_broken_key_keeps_the_old_certificate(self):
        with open(self.key_path, "w") as f:
            f.write("not a key\n")
        os.kill(self.gate.pid, signal.SIGHUP)
        line = self.gate.wait_line(lambda o: o.get("event") == "reload_failed", 10)
        self.assertIsNotNone(line)
        self.assertIn("tls.key_file %s: not an unencrypted PEM private key" % self.key_path, line["problems"][0])
        with tls_connect(self.gate.port, self.ctx) as s:
            self.assertEqual(peer_common_name(s), "proxy-one")
            self.assertEqual(self.https_get(s).status, 200)


def request_raw(port, data, timeout=5):
    """Bytes answered to `data` sent in the clear, until the peer closes."""
    from harness import send_raw
    return send_raw(port, data, timeout=timeout).data


class UpstreamTlsTest(TlsCase):
    def https_upstream(self, cert_key, *extra):
        cert, key = cert_key
        return self.upstream("--tls-cert", cert, "--tls-key", key, *extra)

    def via(self, up, host="localhost", **upstream_tls):
        settings = {"ca_file": self.pki.ca_cert}
        settings.update(upstream_tls)
        return self.proxy(up.port, upstream="https://%s:%d" % (host, up.port), upstream_tls=settings)

    def test_verified_upstream_gets_sni_and_pooled_connections(self):
        up = self.https_upstream(self.pki.issue("app", ["DNS:localhost"]))
        gate = self.via(up)
        first = request_keepalive(gate.port, ["/one", "/two"])
        self.assertEqual([r.status for r in first], [200, 200], first)
        echo = [r.json() for r in first]
        self.assertEqual(echo[0]["tls"], {"sni": "localhost", "client_subject": None})
        # The second request reused the first one's TLS connection.
        self.assertEqual(echo[0]["conn_id"], echo[1]["conn_id"])
        self.assertEqual(echo[1]["conn_request"], 2)

    def test_pooled_tls_connection_closed_by_the_upstream_is_not_reused(self):
        up = self.https_upstream(self.pki.issue("app", ["DNS:localhost"]), "--idle-close-ms", "300")
        gate = self.via(up)
        first = request(gate.port, "GET", "/first")
        self.assertEqual(first.status, 200, first)
        time.sleep(0.8)  # the upstream closes the idle connection; the pool sees it go
        second = request(gate.port, "GET", "/second")
        self.assertEqual(second.status, 200, second)
        self.assertNotEqual(first.json()["conn_id"], second.json()["conn_id"])
        self.assertIsNone(gate.wait_line(lambda o: o.get("event") == "upstream_error", 0.2))

    def assert_certificate_refused(self, certificate, detail):
        gate = self.via(self.https_upstream(certificate))
        r = request(gate.port, "GET", "/")
        self.assertEqual(r.status, 502, r)
        line = self.upstream_error(gate)
        self.assertEqual(line["during"], "tls handshake")
        self.assertIn("certificate verify failed", line["error"])
        self.assertEqual(line["detail"], detail)

    def test_certificate_of_an_unknown_ca_is_refused(self):
        self.assert_certificate_refused(self.pki.issue("app", ["DNS:localhost"], ca="other"),
                                        "unable to get local issuer certificate")

    def test_wrong_host_name_is_refused(self):
        self.assert_certificate_refused(self.pki.issue("app", ["DNS:app.internal"]), "hostname mismatch")

    def test_address_checked_against_ip_names(self):
        up = self.https_upstream(self.pki.issue("app", ["DNS:localhost", "IP:127.0.0.1"]))
        r = request(self.via(up, host="127.0.0.1").port, "GET", "/")
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.json()["tls"]["sni"])  # no SNI for an address (RFC 6066)

    def test_verify_false_accepts_any_certificate(self):
        up = self.https_upstream(self.pki.issue("app", ["DNS:elsewhere"], ca="other"))
        gate = self.via(up, verify=False)
        self.assertEqual(request(gate.port, "GET", "/").status, 200)

    def test_client_certificate_for_an_mtls_upstream(self):
        up = self.https_upstream(self.pki.issue("mesh", ["DNS:localhost"]), "--tls-client-ca", self.pki.ca_cert)
        without = self.via(up)
        self.assertEqual(request(without.port, "GET", "/").status, 502)
        without.stop()

        cert, key = self.pki.issue("sessiongate", [], client=True)
        gate = self.via(up, cert_file=cert, key_file=key)
        r = request(gate.port, "GET", "/")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["tls"]["client_subject"], "sessiongate")
        line = gate.wait_line(lambda o: o.get("event") == "tls_certificate", 5)
        self.assertEqual(line["role"], "upstream_client")
        self.assertEqual(line["subject"], "CN=sessiongate")

    def test_websocket_over_tls_on_both_legs(self):
        up = self.https_upstream(self.pki.issue("app", ["DNS:localhost"]))
        cert, key = self.pki.issue("proxy", ["DNS:localhost"])
        gate = self.proxy(up.port, upstream="https://localhost:%d" % up.port,
                          upstream_tls={"ca_file": self.pki.ca_cert}, tls={"cert_file": cert, "key_file": key})
        with tls_connect(gate.port, client_context(self.pki)) as s:
            s.sendall(format_request("GET", "/ws?hello=over-tls", [
                ("Upgrade", "websocket"), ("Connection", "Upgrade"),
                ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13")],
                host="localhost"))
            r = read_response(s)
            self.assertEqual(r.status, 101, r)
            buf = bytearray(r.rest)

            def read_exact(n):
                while len(buf) < n:
                    data = s.recv(65536)
                    if not data:
                        raise EOFError("closed")
                    buf.extend(data)
                out = bytes(buf[:n])
                del buf[:n]
                return out

            self.assertEqual(U.ws_read_frame(read_exact), (True, 1, b"over-tls"))
            payload = os.urandom(100000)
            s.sendall(U.ws_frame(2, payload, mask=os.urandom(4)))
            self.assertEqual(U.ws_read_frame(read_exact), (True, 2, payload))


def request_keepalive(port, targets):
    """GETs on one plain keep-alive connection; the responses."""
    from harness import connect
    out = []
    with connect(port) as s:
        buf = b""
        for target in targets:
            s.sendall(format_request("GET", target))
            r = read_response(s, buf)
            buf = r.rest
            out.append(r)
    return out


if __name__ == "__main__":
    unittest.main()
