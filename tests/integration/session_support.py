"""Helpers of the session integration tests (test_session_*.py), on top of harness.py.

  SessionUpstream()          session_upstream.py in a child process: .port,
                             .arrived(name), .release(name), .count(), .stop().
  SampleBackend()            $SAMPLE_BACKEND_BIN --listen 127.0.0.1:0: .port, .stop().
  Client(port)               a browser-like client with a cookie jar: .request(),
                             .get(), .post(); .jar {name: value}.
  Result                     one response with its Set-Cookie headers parsed and,
                             for session_upstream.py, the echo of what the
                             upstream received (.up(name), .session).
  parse_set_cookie(text)     -> SetCookie(name, value, attrs {lower name: value}).
  SessionTestCase            a SessionUpstream and a proxy per test, always stopped;
                             CONFIG (merged into harness.proxy_config), ROUTES
                             (list of dicts, given as SESSIONGATE_ROUTES).
  run_cli(config_path, cmd, *args)  `sessiongate sessions CMD ...`: CompletedProcess.

Requests go to 127.0.0.1 only; every wait is bounded.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

import harness
from harness import HERE, HOST

COOKIE = "sessionid"
PREFIX = "X-Session"


def sample_backend_binary():
    path = os.environ.get("SAMPLE_BACKEND_BIN")
    if path:
        return path
    sg = harness.binary()
    return os.path.join(os.path.dirname(sg), "sample_backend")


class _Child(harness._Process):
    def _start(self, argv, what, timeout=10):
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL)
        self.out = harness._LineReader(self.proc.stdout)
        self.err = harness._LineReader(self.proc.stderr)
        self.out.start()
        self.err.start()
        line = self.out.wait_line(lambda o: o.get("event") == "listening", timeout)
        if not line:
            self.stop()
            raise RuntimeError("%s did not start: %r" % (what, self.err.text[-10:]))
        self.addr = line["listen"]
        self.port = int(self.addr.rsplit(":", 1)[1])

    def stop(self):
        self._stop_process()


class SessionUpstream(_Child):
    def __init__(self):
        self._start([sys.executable, os.path.join(HERE, "session_upstream.py"), "--port", "0"],
                    "session_upstream.py")

    def _control(self, target, timeout=10):
        return harness.request(self.port, "GET", target, timeout=timeout)

    def arrived(self, name, timeout=5):
        r = self._control("/__arrived?name=%s&timeout=%s" % (urllib.parse.quote(name), timeout),
                          timeout=timeout + 5)
        return r.status == 200

    def release(self, name):
        self._control("/__release?name=%s" % urllib.parse.quote(name))

    def count(self):
        return self._control("/__count").json()["requests"]


class SampleBackend(_Child):
    def __init__(self, *args):
        self._start([sample_backend_binary(), "--listen", "127.0.0.1:0"] + list(args), "sample_backend")


# ------------------------------------------------------------------- cookies

class SetCookie:
    def __init__(self, name, value, attrs, text):
        self.name, self.value, self.attrs, self.text = name, value, attrs, text

    def attr(self, name):
        return self.attrs.get(name.lower())

    def has(self, name):
        return name.lower() in self.attrs

    @property
    def deletes(self):
        """True when a browser would drop the cookie (Max-Age <= 0)."""
        max_age = self.attr("max-age")
        return max_age is not None and int(max_age) <= 0

    def __repr__(self):
        return "SetCookie(%r)" % self.text


def parse_set_cookie(text):
    parts = [p.strip() for p in text.split(";")]
    name, _, value = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        if not p:
            continue
        k, eq, v = p.partition("=")
        attrs[k.strip().lower()] = v.strip() if eq else True
    return SetCookie(name.strip(), value.strip(), attrs, text)


class Result:
    """A harness.Response plus what the session tests look at."""

    def __init__(self, response):
        self.response = response
        self.status = response.status
        self.headers = response.headers
        self.body = response.body
        self.set_cookies = [parse_set_cookie(v) for v in response.headers_all("Set-Cookie")]
        self.echo = None
        ctype = response.header("Content-Type") or ""
        if ctype.startswith("application/json") and response.body:
            try:
                self.echo = json.loads(response.body.decode("utf-8"))
            except ValueError:
                self.echo = None

    def header(self, name):
        return self.response.header(name)

    def headers_all(self, name):
        return self.response.headers_all(name)

    def cookie(self, name=COOKIE):
        """The Set-Cookie for `name`, or None; fails on more than one."""
        found = [c for c in self.set_cookies if c.name == name]
        assert len(found) <= 1, "more than one Set-Cookie for %s: %r" % (name, found)
        return found[0] if found else None

    # What the upstream received (session_upstream.py echo).
    def up_all(self, name):
        assert self.echo is not None, "no echo in %r" % self.response
        return [v for k, v in self.echo["headers"] if k.lower() == name.lower()]

    def up(self, name):
        vals = self.up_all(name)
        assert len(vals) <= 1, "upstream got %s %d times: %r" % (name, len(vals), vals)
        return vals[0] if vals else None

    @property
    def session(self):
        """X-Session as the upstream got it, parsed (it must be valid JSON)."""
        text = self.up(PREFIX)
        assert text is not None, "upstream got no %s header" % PREFIX
        return json.loads(text)

    @property
    def state(self):
        return self.up(PREFIX + "-State")

    @property
    def handle(self):
        return self.up(PREFIX + "-Id")

    def __repr__(self):
        return repr(self.response)


class Client:
    """One browser: a cookie jar (name -> value) sent on every request."""

    def __init__(self, port, jar=None):
        self.port = port
        self.jar = dict(jar or {})

    @property
    def sid(self):
        return self.jar.get(COOKIE)

    def cookie_header(self, extra=None):
        items = list(self.jar.items()) + list((extra or {}).items())
        return "; ".join("%s=%s" % kv for kv in items)

    def request(self, method, path, reply=None, status=None, headers=(), body=b"",
                hold=None, delay_ms=None, cookies=None, send_jar=True, timeout=15):
        """reply: [[name, value], ...] the upstream answers with; status: its status."""
        hdrs = []
        if send_jar:
            text = self.cookie_header(cookies)
        else:
            text = "; ".join("%s=%s" % kv for kv in (cookies or {}).items())
        if text:
            hdrs.append(("Cookie", text))
        if reply is not None:
            hdrs.append(("X-Test-Reply", json.dumps(reply)))
        if status is not None:
            hdrs.append(("X-Test-Status", str(status)))
        if hold is not None:
            hdrs.append(("X-Test-Hold", hold))
        if delay_ms is not None:
            hdrs.append(("X-Test-Delay-Ms", str(delay_ms)))
        hdrs.extend(headers)
        r = Result(harness.request(self.port, method, path, hdrs, body, timeout=timeout))
        self.take_cookies(r)
        return r

    def take_cookies(self, result):
        for c in result.set_cookies:
            if c.deletes:
                self.jar.pop(c.name, None)
            else:
                self.jar[c.name] = c.value

    def get(self, path="/", **kw):
        return self.request("GET", path, **kw)

    def post(self, path, form=None, **kw):
        body = urllib.parse.urlencode(form or {}).encode()
        headers = list(kw.pop("headers", ())) + [("Content-Type", "application/x-www-form-urlencoded")]
        return self.request("POST", path, body=body, headers=headers, **kw)

    # Control headers the upstream sends back.
    def update(self, patch, path="/", **kw):
        return self.get(path, reply=[[PREFIX + "-Update", json.dumps(patch)]] + kw.pop("reply", []), **kw)

    def action(self, name, path="/", **kw):
        return self.get(path, reply=[[PREFIX + "-Action", name]] + kw.pop("reply", []), **kw)


def upd(patch):
    """An X-Session-Update reply pair."""
    return [PREFIX + "-Update", json.dumps(patch)]


# ----------------------------------------------------------------------- CLI

def run_cli(config_path, cmd, *args, timeout=20, plain=False):
    """`sessiongate sessions CMD ARGS -c FILE`. show/delete get their handle
    after `--` (a base64url handle may start with "-"; --json and --data go
    before it), unless plain=True,
    which runs the command exactly as the --help examples show it."""
    argv = [harness.binary(), "sessions", cmd]
    if cmd in ("show", "delete") and not plain:
        flags = [a for a in args if a in ("--json", "--data")]
        argv += flags + ["-c", config_path, "--"] + [a for a in args if a not in flags]
    else:
        argv += list(args) + ["-c", config_path]
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                          timeout=timeout, text=True, env=_cli_env())


def _cli_env():
    return {k: v for k, v in os.environ.items()
            if not k.startswith("SESSIONGATE_") or k == "SESSIONGATE_BIN"}


def list_handles(config_path):
    r = run_cli(config_path, "list", "--json")
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


# ------------------------------------------------------------------ testcase

def routes_env(routes):
    """routes as SESSIONGATE_ROUTES (YAML flow form = JSON)."""
    return {"SESSIONGATE_ROUTES": json.dumps(routes)} if routes else {}


class SessionTestCase(unittest.TestCase):
    """A session_upstream.py and a proxy per test; both always stopped."""

    CONFIG = {}
    ROUTES = []

    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix="sg-sess-")
        self.addCleanup(shutil.rmtree, self.tmpdir, True)  # runs last, after the processes stop
        self.upstream = SessionUpstream()
        self.addCleanup(self.upstream.stop)
        self.proxy = None
        self.start_proxy()

    def start_proxy(self, routes=None, **overrides):
        if self.proxy is not None:
            self.proxy.stop()
        cfg = harness.proxy_config(self.upstream.port, self.tmpdir, **harness.merge(self.CONFIG, overrides))
        env = routes_env(self.ROUTES if routes is None else routes)
        self.proxy = harness.Proxy(cfg, env=env, tmpdir=self.tmpdir)
        self.addCleanup(self.proxy.stop)
        return self.proxy

    def client(self, jar=None):
        return Client(self.proxy.port, jar)

    def cli(self, *args, **kw):
        return run_cli(self.proxy.config_path, *args, **kw)

    def stored(self):
        """{handle: data} of every session in the store, via the CLI."""
        out = {}
        for s in list_handles(self.proxy.config_path):
            r = self.cli("show", "--data", s["handle"])
            if r.returncode == 0:
                out[s["handle"]] = json.loads(r.stdout)
        return out

    def log_lines(self, event=None, timeout=0.0):
        """Proxy JSON lines of both streams (optionally of one event), after an optional wait."""
        if timeout:
            time.sleep(timeout)
        return [l for l in self.proxy.all_lines if event is None or l.get("event") == event]

    def wait_events(self, event, count, timeout=5):
        """True once the proxy logged at least `count` lines of `event`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.log_lines(event)) >= count:
                return True
            time.sleep(0.02)
        return len(self.log_lines(event)) >= count

    def assertNoSessionCookie(self, result, msg=None):
        self.assertIsNone(result.cookie(), msg or "unexpected Set-Cookie: %r" % result.set_cookies)
