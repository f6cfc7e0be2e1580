"""SIGHUP reloads the configuration under traffic, and keeps the running one
when the new file has problems.

Every test starts upstream.py (an echo) and the proxy with a YAML file in a
temp dir, rewrites that file and sends SIGHUP. What the echo received shows
which configuration a request went through:

  old: header_prefix X-Session, trusted_proxies [127.0.0.1]
       -> X-Session-State reaches the upstream, a client-sent X-Gate-Probe
          passes, a client-sent X-Session-Probe is removed, and the client's
          X-Forwarded-For is extended ("203.0.113.7, 127.0.0.1");
  new: header_prefix X-Gate, trusted_proxies []
       -> X-Gate-State, X-Session-Probe passes, X-Gate-Probe is removed, and
          X-Forwarded-For is replaced ("127.0.0.1").

All waits are bounded; only 127.0.0.1; processes are killed in cleanups.
"""

import json
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
import unittest
import urllib.parse

from harness import (HOST, Proxy, Upstream, connect, format_request, proxy_config, read_response,
                     request, to_yaml)

CLIENT_XFF = "203.0.113.7"
PEER = "127.0.0.1"
PROBE_HEADERS = [("X-Forwarded-For", CLIENT_XFF), ("X-Gate-Probe", "client"),
                 ("X-Session-Probe", "client")]

OLD = {"prefix": "X-Session", "xff": CLIENT_XFF + ", " + PEER,
       "gate_probe": "client", "session_probe": None}
NEW = {"prefix": "X-Gate", "xff": PEER, "gate_probe": None, "session_probe": "client"}
# What the invalid file would have given, had any of it been applied.
REFUSED_PREFIX = "X-Other"

TRAFFIC_LIMIT = 10.0  # hard bound of the client threads, whatever happens
CLIENTS = 4


def echo_headers(response):
    """The request headers the upstream received, as a list of [name, value]."""
    return response.json()["headers"]


def header_of(pairs, name):
    vals = [v for k, v in pairs if k.lower() == name.lower()]
    return ", ".join(vals) if vals else None


def view(response):
    """Which configuration the request went through, as seen by the upstream."""
    pairs = echo_headers(response)
    names = {k.lower() for k, _ in pairs}
    prefixes = [p for p in ("X-Session", "X-Gate", REFUSED_PREFIX) if (p + "-State").lower() in names]
    return {"prefix": prefixes[0] if len(prefixes) == 1 else tuple(prefixes),
            "xff": header_of(pairs, "X-Forwarded-For"),
            "gate_probe": header_of(pairs, "X-Gate-Probe"),
            "session_probe": header_of(pairs, "X-Session-Probe")}


class Client(threading.Thread):
    """Keep-alive requests on one connection, back to back, until stopped.

    Records (status, view) per response; any error (connection closed,
    timeout, unparsable answer) is a failure, after which it reconnects so the
    test can still report everything that went wrong.
    """

    def __init__(self, port, index, stop):
        super().__init__(daemon=True)
        self.port, self.index, self.stop_event = port, index, stop
        self.results = []      # (connection number, status, view)
        self.failures = []
        self.connections = 0

    def run(self):
        deadline = time.monotonic() + TRAFFIC_LIMIT
        sock, buf, n = None, b"", 0
        while not self.stop_event.is_set() and time.monotonic() < deadline:
            try:
                if sock is None:
                    sock, buf = connect(self.port), b""
                    self.connections += 1
                n += 1
                sock.sendall(format_request("GET", "/echo?client=%d&n=%d&hash=0" % (self.index, n),
                                            PROBE_HEADERS))
                r = read_response(sock, buf, timeout=5)
                buf = r.rest
                self.results.append((self.connections, r.status,
                                     view(r) if r.status == 200 else r.body[:200]))
            except Exception as e:  # noqa: BLE001 - every error is a failed request
                self.failures.append("client %d request %d on connection %d: %r"
                                     % (self.index, n, self.connections, e))
                if sock is not None:
                    sock.close()
                sock = None
        if sock is not None:
            sock.close()


class ReloadTestCase(unittest.TestCase):
    """An echo upstream and a proxy (2 I/O threads) for each test."""

    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix="sg-cfg-reload-")
        self.addCleanup(shutil.rmtree, self.tmpdir, True)
        self.upstream = Upstream()
        self.addCleanup(self.upstream.stop)
        self.base = proxy_config(self.upstream.port, self.tmpdir, threads=2,
                                 trusted_proxies=[PEER], header_prefix="X-Session")
        self.proxy = Proxy(self.base, tmpdir=self.tmpdir)
        self.addCleanup(self.proxy.stop)
        self.path = self.proxy.config_path

    # ------------------------------------------------------------ helpers

    def write(self, text):
        with open(self.path, "w") as f:
            f.write(text)
        return text

    def write_config(self, cfg):
        return self.write(to_yaml(cfg) + "\n")

    def new_config(self, **more):
        cfg = dict(self.base)
        cfg.update(header_prefix=NEW["prefix"], trusted_proxies=[])
        cfg.update(more)
        return cfg

    def sighup_and_wait(self, event, timeout=10):
        """Send SIGHUP; the first line with `event` logged after it (or fail)."""
        start, start_errors = len(self.proxy.lines), len(self.proxy.error_lines)
        os.kill(self.proxy.pid, signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            later = self.proxy.lines[start:] + self.proxy.error_lines[start_errors:]
            for line in later:
                if line.get("event") in ("reloaded", "reload_failed"):
                    self.assertEqual(line.get("event"), event, "after SIGHUP: %r" % line)
                    return line
            self.assertIsNone(self.proxy.proc.poll(), "the proxy exited after SIGHUP: %r"
                              % self.proxy.stderr_text()[-2000:])
            time.sleep(0.02)
        self.fail("no %r line within %ss of SIGHUP; last lines %r"
                  % (event, timeout, self.proxy.lines[-5:]))

    def fresh_view(self, target="/echo?fresh=1&hash=0", headers=PROBE_HEADERS):
        r = request(self.proxy.port, "GET", target, headers)
        self.assertEqual(r.status, 200, r)
        return view(r)

    def poll_view(self, expected, timeout=5):
        """Fresh connections until one goes through `expected` (bounded)."""
        deadline = time.monotonic() + timeout
        seen = None
        while time.monotonic() < deadline:
            seen = self.fresh_view()
            if seen == expected:
                return
            time.sleep(0.02)
        self.fail("a request on a fresh connection still went through %r, expected %r" % (seen, expected))

    def line_of(self, text, needle):
        """1-based number of the first line of text containing needle."""
        for i, line in enumerate(text.split("\n"), 1):
            if needle in line:
                return i
        self.fail("%r not in the written file" % needle)


class ReloadUnderTraffic(ReloadTestCase):

    def test_reload_under_traffic_then_invalid_file_keeps_running_config(self):
        self.assertEqual(self.fresh_view(), OLD)

        stop = threading.Event()
        clients = [Client(self.proxy.port, i, stop) for i in range(CLIENTS)]
        for c in clients:
            c.start()
        try:
            # Every client has its connection open and busy before the reload.
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and not all(len(c.results) >= 5 for c in clients):
                time.sleep(0.01)
            self.assertTrue(all(len(c.results) >= 5 for c in clients),
                            "clients did not get going: %r" % [(len(c.results), c.failures[:2]) for c in clients])
            time.sleep(0.3)

            # 1. A valid change: applied, logged.
            self.write_config(self.new_config())
            line = self.sighup_and_wait("reloaded")
            self.assertEqual(line.get("source"), self.path, line)
            self.poll_view(NEW)
            marks = [len(c.results) for c in clients]
            time.sleep(0.5)

            # 2. A file with problems: refused as a whole, the reason logged,
            #    and the proxy goes on with the configuration of step 1.
            bad = self.new_config(header_prefix=REFUSED_PREFIX,
                                  trusted_proxies=[PEER, "not-an-ip"],
                                  timeouts={"request_header": 2, "keepalive": "soon"})
            text = self.write_config(bad)
            line = self.sighup_and_wait("reload_failed")
            self.assertEqual(line.get("level"), "error", line)
            problems = line.get("problems")
            self.assertIsInstance(problems, list, line)
            self.assertIn('%s:%d: trusted_proxies: must be a list of IP addresses or CIDRs (got "not-an-ip")'
                          % (self.path, self.line_of(text, "trusted_proxies:")), problems)
            keepalive = [p for p in problems if p.startswith(
                "%s:%d: timeouts.keepalive: must be a duration" % (self.path, self.line_of(text, "keepalive:")))]
            self.assertEqual(len(keepalive), 1, problems)
            self.assertEqual(len(problems), 2, problems)
            time.sleep(0.5)
            self.assertEqual(self.fresh_view(), NEW)

            # 3. Not YAML at all: refused the same way.
            self.write("listen: [127.0.0.1:0\nheader_prefix: X-Other\n")
            line = self.sighup_and_wait("reload_failed")
            problems = line.get("problems")
            self.assertTrue(problems and all(p.startswith(self.path + ":") for p in problems), line)
            self.assertTrue(any("YAML syntax error" in p for p in problems), line)
            time.sleep(0.3)
            self.assertEqual(self.fresh_view(), NEW)
            marks_end = [len(c.results) for c in clients]
        finally:
            stop.set()
            for c in clients:
                c.join(timeout=TRAFFIC_LIMIT + 6)

        self.assertIsNone(self.proxy.proc.poll(), "the proxy exited")
        failures = [f for c in clients for f in c.failures]
        self.assertEqual(failures, [], "requests failed during the reloads")
        for c in clients:
            self.assertFalse(c.is_alive(), "client %d did not stop" % c.index)
            # The connection opened before the first reload carried every request.
            self.assertEqual(c.connections, 1, "client %d reconnected" % c.index)
            statuses = {s for _, s, _ in c.results}
            self.assertEqual(statuses, {200}, "client %d: %r" % (c.index, [r for r in c.results if r[1] != 200][:3]))
            self.assertGreater(marks_end[c.index] - marks[c.index], 5,
                               "client %d: too few requests after the reload" % c.index)
        self.assertGreater(sum(len(c.results) for c in clients), 50)

        # Each setting on its own, then both together: on every connection
        # opened before the reload, old ones, then new ones, never back, and
        # never the refused file's.
        switch = {}
        for what, keys in (("header_prefix", ("prefix", "gate_probe", "session_probe")),
                           ("trusted_proxies (X-Forwarded-For)", ("xff",))):
            old, new = tuple(OLD[k] for k in keys), tuple(NEW[k] for k in keys)
            for c in clients:
                seq = [tuple(v[k] for k in keys) for _, _, v in c.results]
                odd = sorted({x for x in seq if x not in (old, new)}, key=repr)
                self.assertEqual(odd, [], "client %d, %s" % (c.index, what))
                self.assertEqual(seq[0], old, "client %d, %s: no request before the reload" % (c.index, what))
                first_new = seq.index(new) if new in seq else len(seq)
                self.assertEqual([x for x in seq[first_new:] if x != new], [],
                                 "client %d, %s: back to the old value after the new one" % (c.index, what))
                # Applies from the next request on: once a fresh connection
                # had the new configuration, the old connection has it too
                # (but for the request then in flight).
                self.assertLessEqual(
                    first_new, marks[c.index] + 1,
                    "client %d, %s: the keep-alive connection opened before the reload still got the old "
                    "behaviour on all of its %d requests after the reload (%r), while fresh connections got "
                    "the new one (%r)" % (c.index, what, len(seq) - marks[c.index], seq[-1], new))
                switch.setdefault(c.index, []).append(first_new)
        for c in clients:
            a, b = switch[c.index]
            self.assertEqual(a, b, "client %d: requests %d..%d went through a mix of the old and the new "
                             "configuration" % (c.index, min(a, b), max(a, b)))

    def test_trusted_proxies_reload_applies_to_an_open_connection(self):
        sock = connect(self.proxy.port)
        self.addCleanup(sock.close)

        def on_open_connection(buf):
            sock.sendall(format_request("GET", "/echo?open=1&hash=0", PROBE_HEADERS))
            r = read_response(sock, buf, timeout=5)
            self.assertEqual(r.status, 200, r)
            return r

        r = on_open_connection(b"")
        self.assertEqual(view(r)["xff"], OLD["xff"])
        # 127.0.0.1 is no longer trusted: its X-Forwarded-For is replaced.
        self.write_config(dict(self.base, trusted_proxies=[]))
        self.sighup_and_wait("reloaded")
        self.assertEqual(self.fresh_view()["xff"], PEER)
        r = on_open_connection(r.rest)
        self.assertEqual(view(r)["xff"], PEER,
                         "a connection opened before the reload still trusts a peer removed from trusted_proxies")

    def test_valid_file_after_refused_one_is_applied(self):
        self.write_config(self.new_config(trusted_proxies=["not-an-ip"]))
        self.sighup_and_wait("reload_failed")
        self.assertEqual(self.fresh_view(), OLD)
        self.write_config(self.new_config())
        self.sighup_and_wait("reloaded")
        self.poll_view(NEW)
        # And back again.
        self.write_config(self.base)
        self.sighup_and_wait("reloaded")
        self.poll_view(OLD)

    def test_unknown_key_on_reload_names_file_line_and_suggestion(self):
        cfg = self.new_config(cookie={"nam": "gate_sid", "secure": False})
        text = self.write_config(cfg)
        line = self.sighup_and_wait("reload_failed")
        self.assertEqual(line.get("problems"),
                         ['%s:%d: cookie.nam: unknown key (did you mean "cookie.name"?)'
                          % (self.path, self.line_of(text, "nam:"))])
        self.assertEqual(self.fresh_view(), OLD)
        self.assertIsNone(self.proxy.proc.poll())


class ReloadSessionSettings(ReloadTestCase):
    """Session settings (inject, routes, cookie.name) change on a live connection."""

    def get(self, sock, buf, target, cookie=None):
        headers = [("Cookie", cookie)] if cookie else []
        sock.sendall(format_request("GET", target, headers))
        r = read_response(sock, buf, timeout=5)
        self.assertEqual(r.status, 200, r)
        return r

    def test_inject_routes_and_cookie_name_reload_on_an_open_connection(self):
        update = urllib.parse.quote('X-Session-Update:{"member_id": 42}')
        sock = connect(self.proxy.port)
        self.addCleanup(sock.close)

        r = self.get(sock, b"", "/login?hash=0&header=" + update)
        cookies = [c.split(";")[0] for c in r.headers_all("Set-Cookie")]
        sid = [c for c in cookies if c.startswith("sessionid=")]
        self.assertEqual(len(sid), 1, r)
        cookie = sid[0]

        r = self.get(sock, r.rest, "/account?hash=0", cookie)
        up = echo_headers(r)
        self.assertEqual(header_of(up, "X-Session-State"), "active", up)
        self.assertEqual(json.loads(header_of(up, "X-Session")), {"member_id": 42})
        self.assertIsNone(header_of(up, "X-Member-Id"))
        r = self.get(sock, r.rest, "/static/app.js?hash=0", cookie)
        self.assertEqual(header_of(echo_headers(r), "X-Session-State"), "active")

        cfg = dict(self.base)
        cfg.update(inject={"member_id": "X-Member-Id"})
        routes = "routes:\n  - prefix: /static\n    sessions: false\n"
        self.write(to_yaml(cfg) + "\n" + routes)
        self.sighup_and_wait("reloaded")

        # Same connection, opened before the reload.
        r = self.get(sock, r.rest, "/account?hash=0", cookie)
        up = echo_headers(r)
        self.assertEqual(header_of(up, "X-Session-State"), "active", up)
        self.assertEqual(header_of(up, "X-Member-Id"), "42", up)
        r = self.get(sock, r.rest, "/static/app.js?hash=0", cookie)
        up = echo_headers(r)
        self.assertEqual([k for k, _ in up if k.lower().startswith("x-session")], [], up)
        self.assertIsNone(header_of(up, "X-Member-Id"), up)

        # cookie.name: the old cookie is no longer the proxy's, a new session
        # gets the new name.
        cfg.update(cookie={"name": "gate_sid"})
        self.write(to_yaml(cfg) + "\n" + routes)
        self.sighup_and_wait("reloaded")
        r = self.get(sock, r.rest, "/account?hash=0", cookie)
        up = echo_headers(r)
        self.assertEqual(header_of(up, "X-Session-State"), "none", up)
        self.assertIsNone(header_of(up, "X-Member-Id"), up)
        r = self.get(sock, r.rest, "/login?hash=0&header=" + update)
        names = [c.split("=", 1)[0] for c in r.headers_all("Set-Cookie")]
        self.assertEqual(names, ["gate_sid"], r)


def free_port():
    """A port free a moment ago on 127.0.0.1."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class ReloadRestartRequired(ReloadTestCase):
    """Listeners, threads and the store are set up once: a reload keeps their
    running values, says so in one restart_required line, and applies the
    rest of the file."""

    def restart_lines(self, start):
        """restart_required lines (warnings: on stderr) after the first `start`."""
        return [l for l in self.proxy.error_lines[start:] if l.get("event") == "restart_required"]

    def test_changed_listeners_threads_and_store_keep_their_values_and_are_named(self):
        old_store = self.base["store"]["path"]
        new_store = os.path.join(self.tmpdir, "other-store")
        new_listen, new_admin = free_port(), free_port()
        start = len(self.proxy.error_lines)
        self.write_config(self.new_config(listen="127.0.0.1:%d" % new_listen,
                                          admin="127.0.0.1:%d" % new_admin, threads=1,
                                          store={"path": new_store, "durability": "fsync"}))
        reloaded = self.sighup_and_wait("reloaded")
        lines = self.restart_lines(start)
        self.assertEqual(len(lines), 1, self.proxy.error_lines[start:])
        self.assertEqual(lines[0].get("level"), "warn", lines[0])
        self.assertEqual(lines[0].get("settings"),
                         ["listen", "admin", "threads", "store.path", "store.durability"], lines[0])
        self.assertLessEqual(lines[0]["time"], reloaded["time"])  # said before the reload is announced
        self.assertNotIn("restart_required", [l.get("event") for l in self.proxy.lines])

        # The rest of the file is applied, on the listener the proxy started with.
        self.poll_view(NEW)
        for port in (new_listen, new_admin):
            with self.assertRaises(OSError, msg="something listens on the new port %d" % port):
                socket.create_connection((HOST, port), timeout=1).close()
        self.assertFalse(os.path.exists(new_store), "the reload opened the new store path")
        self.assertTrue(os.path.isdir(old_store))

        # The same file again: the running values still differ, so it is said again.
        start = len(self.proxy.error_lines)
        self.sighup_and_wait("reloaded")
        self.assertEqual([l.get("settings") for l in self.restart_lines(start)],
                         [["listen", "admin", "threads", "store.path", "store.durability"]])

    def test_a_reload_of_reloadable_settings_names_nothing(self):
        start = len(self.proxy.error_lines)
        self.write_config(self.new_config(timeouts={"drain": 3}, log={"level": "info"}))
        self.sighup_and_wait("reloaded")
        self.poll_view(NEW)
        self.assertEqual(self.restart_lines(start), [])


if __name__ == "__main__":
    unittest.main()
