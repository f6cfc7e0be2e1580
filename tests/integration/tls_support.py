"""TLS for the integration tests: a CA and certificates made with the openssl
command line, as an operator would make them, and TLS client helpers.

  Pki(tmpdir)                  a CA ("Test CA") and a second, untrusted one.
    .issue(name, sans, ca=None, client=False) -> (cert_path, key_path)
                               EC P-256, valid two days; sans like
                               ["DNS:localhost", "IP:127.0.0.1"]; signed by the
                               trusted CA unless ca="other".
    .ca_cert, .other_ca_cert   the CA certificates (PEM paths).
  client_context(pki, alpn=("http/1.1",)) -> ssl.SSLContext trusting pki's CA.
  tls_connect(port, context, server_name="localhost") -> ssl.SSLSocket
  peer_common_name(sock) -> the CN of the certificate the server presented.
"""

import os
import socket
import ssl
import subprocess

HOST = "127.0.0.1"


def _openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class Pki:
    def __init__(self, tmpdir):
        self.dir = os.path.join(tmpdir, "pki")
        os.makedirs(self.dir, exist_ok=True)
        self.serial = 0
        self.ca_cert, self.ca_key = self._make_ca("Test CA")
        self.other_ca_cert, self.other_ca_key = self._make_ca("Other CA")

    def _path(self, stem):
        return os.path.join(self.dir, stem)

    def _make_ca(self, name):
        stem = self._path(name.replace(" ", "_"))
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", stem + ".key", "-out", stem + ".crt", "-days", "2", "-subj", "/CN=" + name,
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        return stem + ".crt", stem + ".key"

    def issue(self, name, sans, ca=None, client=False):
        """A leaf certificate and key for `name`; returns (cert_path, key_path)."""
        self.serial += 1
        stem = self._path("%s-%d" % (name, self.serial))
        ca_cert, ca_key = (self.other_ca_cert, self.other_ca_key) if ca == "other" else (self.ca_cert, self.ca_key)
        _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", stem + ".key", "-out", stem + ".csr", "-subj", "/CN=" + name)
        with open(stem + ".ext", "w") as f:
            f.write("basicConstraints=CA:FALSE\n")
            f.write("extendedKeyUsage=%s\n" % ("clientAuth" if client else "serverAuth"))
            f.write("authorityKeyIdentifier=keyid\n")
            if sans:
                f.write("subjectAltName=%s\n" % ",".join(sans))
        _openssl("x509", "-req", "-in", stem + ".csr", "-CA", ca_cert, "-CAkey", ca_key,
                 "-set_serial", str(1000 + self.serial), "-days", "2", "-extfile", stem + ".ext",
                 "-out", stem + ".crt")
        return stem + ".crt", stem + ".key"


def client_context(pki, alpn=("http/1.1",)):
    ctx = ssl.create_default_context(cafile=pki.ca_cert)
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    return ctx


def tls_connect(port, context, server_name="localhost", timeout=5):
    raw = socket.create_connection((HOST, port), timeout=timeout)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        return context.wrap_socket(raw, server_hostname=server_name)
    except Exception:
        raw.close()
        raise


def peer_common_name(sock):
    subject = dict(x[0] for x in sock.getpeercert()["subject"])
    return subject.get("commonName")
