"""Shared helpers of the integration tests (Python 3 standard library only).

Processes
  Upstream(args=())            start upstream.py; .port, .addr, .log(clear=False),
                               .reset(), .stop(). log() is GET /__log made directly
                               (not through the proxy).
  Proxy(config, env=None, wrapper=())  write `config` (a dict) as YAML to a temp dir, run
                               `$SESSIONGATE_BIN run -c FILE` (after the argv
                               `wrapper`, e.g. strace; .pid is then its pid)
                               (environment: the
                               caller's minus every SESSIONGATE_* variable, plus
                               env), wait for the
                               {"event":"listening"} line. .port, .admin_port,
                               .pid, .proc, .lines (parsed JSON stdout lines, in
                               order: debug and info, the access log),
                               .error_lines (parsed JSON stderr lines: warn and
                               error), .all_lines (both; no order between the two),
                               .stderr_text(), .wait_line(pred, timeout) (first
                               line of either stream matching pred),
                               .out.drain() / .err.drain() (take the parsed lines
                               and forget them, for long runs),
                               .rss_kb(), .terminate(), .wait(timeout) -> exit code,
                               .stop() (kills if still running; then fails if a
                               sanitizer reported anything on its stderr).
  proxy_config(upstream_port, tmpdir, **overrides)  a minimal config dict for tests;
                               nested keys merge (limits=dict(...), timeouts=dict(...)).
  ProxyTestCase                unittest.TestCase starting an Upstream and a Proxy in
                               setUp (class attributes CONFIG = overrides,
                               UPSTREAM_ARGS = upstream.py flags), always
                               stopping both in tearDown (addCleanup). self.upstream,
                               self.proxy, self.request(...), self.raw(...),
                               self.start_proxy(upstream_port=None, **overrides)
                               (restart with other settings), and
                               self.assertNothingForwarded(msg) (upstream got no byte).

Sockets (all bounded by timeouts, 127.0.0.1 only)
  connect(port, timeout=5) -> socket
  send_raw(port, data, timeout=5, shut_wr=False) -> RawResult(data, closed, elapsed):
                               send bytes, read until the peer closes or the timeout;
                               .responses(), .status() (first status or None).
  read_until_close(sock, timeout=5) -> (data, closed)
  format_request(method, target, headers=(), body=b"", host="test.local") -> bytes
                               (adds Host and Content-Length when missing).
  read_response(sock, buf=None, timeout=5, method="GET") -> Response
                               one response parsed from the socket (Content-Length,
                               chunked, close-delimited). Response: status, reason,
                               version, headers (list of pairs), body, header(name),
                               headers_all(name), json(), rest (bytes read beyond it).
  parse_responses(data) -> [Response]   every complete response in a byte string.
  request(port, method, target, headers=(), body=b"", timeout=10) -> Response
                               one request on a fresh connection (Connection: close).
  wait_closed(sock, timeout) -> (closed: bool, extra: bytes)

Scripted upstreams
  ScriptedUpstream(handle)     a listener on 127.0.0.1:0 whose connections each run
                               handle(conn) in a thread (conn has a 10 s timeout);
                               .port, .stop() (closes every connection). Bounded: 30 s.
  read_head(conn) -> (head bytes, headers dict lower-cased, bytes read past the head)

Limits
  raise_open_file_limit(test, need)  raises this process's soft RLIMIT_NOFILE to
                               `need` (children inherit it) until the test ends;
                               skips the test when the hard cap is below it.

Memory
  RssSampler(pid, interval=0.05)   thread reading VmRSS (KiB) of /proc/PID/status;
                               .start(), .stop(), .baseline_kb, .max_kb, .samples.
  memory_scale()               factor for RSS bounds: 1, or 4 for a sanitizer build.

Environment: SESSIONGATE_BIN (path of the binary; default ../../build*/sessiongate);
TEST_PROXY_THREADS (I/O threads of a test's proxy unless the test sets them;
default 1, the ThreadSanitizer run uses 2).
"""

import functools
import glob
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
HOST = "127.0.0.1"


def binary():
    path = os.environ.get("SESSIONGATE_BIN")
    if path:
        return path
    found = sorted(glob.glob(os.path.join(REPO, "build*", "sessiongate")), key=os.path.getmtime)
    if not found:
        raise RuntimeError("set SESSIONGATE_BIN to the sessiongate binary")
    return found[-1]


# --------------------------------------------------------------------------- YAML

def _yaml_scalar(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(str(v))  # a JSON string is a YAML double-quoted scalar


def to_yaml(value, indent=0):
    """Dicts, lists and scalars as block YAML (enough for our configs)."""
    pad = "  " * indent
    lines = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, dict) and v:
                lines.append("%s%s:" % (pad, k))
                lines.append(to_yaml(v, indent + 1))
            elif isinstance(v, list):
                lines.append("%s%s: [%s]" % (pad, k, ", ".join(_yaml_scalar(x) for x in v)))
            elif isinstance(v, dict):
                lines.append("%s%s: {}" % (pad, k))
            else:
                lines.append("%s%s: %s" % (pad, k, _yaml_scalar(v)))
    else:
        lines.append(pad + _yaml_scalar(value))
    return "\n".join(lines)


def merge(base, over):
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = v
    return out


def proxy_config(upstream_port, tmpdir, **overrides):
    """A config for tests: ephemeral ports, store in tmpdir (durability none),
    127.0.0.1 trusted; everything else at the proxy's defaults."""
    base = {
        "listen": "127.0.0.1:0",
        "upstream": "http://127.0.0.1:%d" % upstream_port,
        "admin": "127.0.0.1:0",
        "threads": int(os.environ.get("TEST_PROXY_THREADS", "1")),
        "store": {"path": os.path.join(tmpdir, "store"), "durability": "none"},
        "trusted_proxies": ["127.0.0.1"],
    }
    return merge(base, overrides)


# ---------------------------------------------------------------------- processes

class _LineReader(threading.Thread):
    """Reads a pipe line by line; keeps parsed JSON lines and the raw text."""

    def __init__(self, pipe, on_line=None):
        super().__init__(daemon=True)
        self.pipe = pipe
        self.lines = []
        self.text = []
        self.cond = threading.Condition()
        self.eof = False
        self.on_line = on_line

    def run(self):
        try:
            for raw in iter(self.pipe.readline, b""):
                line = raw.decode("utf-8", "replace").rstrip("\n")
                with self.cond:
                    self.text.append(line)
                    try:
                        obj = json.loads(line)
                        if isinstance(obj, dict):
                            self.lines.append(obj)
                    except ValueError:
                        pass
                    self.cond.notify_all()
        finally:
            with self.cond:
                self.eof = True
                self.cond.notify_all()

    def drain(self):
        """The parsed lines kept so far, forgotten here (a long run keeps no history)."""
        with self.cond:
            lines, self.lines, self.text = self.lines, [], []
            return lines

    def wait_line(self, pred, timeout):
        """First parsed line (dict) matching pred, or None after timeout."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for obj in self.lines:
                    if pred(obj):
                        return obj
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    return None
                self.cond.wait(min(left, 0.2))


def stop_process(p):
    """Kill a child if it still runs, reap it (at most 10 s), close its pipes."""
    if p.poll() is None:
        p.kill()
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    for f in (p.stdout, p.stderr):
        try:
            f.close()
        except Exception:
            pass


# The first line of a report by ASan, LSan, TSan or UBSan (in the sanitizer
# builds, scripts/build.sh build-asan / build-tsan).
SANITIZER_REPORT = re.compile(r"^(==\d+==ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer"
                              r"|\S+:\d+:\d+: runtime error: )")


def sanitizer_report(text):
    """The sanitizer report in a process's stderr text, from its first line; "" if none."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if SANITIZER_REPORT.match(line):
            return "\n".join(lines[i:i + 60])
    return ""


class _Process:
    def _stop_process(self):
        if self.proc is not None:
            stop_process(self.proc)


class Upstream(_Process):
    """upstream.py in a child process."""

    def __init__(self, args=(), start_timeout=10):
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "upstream.py"), "--port", "0"] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.out = _LineReader(self.proc.stdout)
        self.out.start()
        line = self.out.wait_line(lambda o: o.get("event") == "listening", start_timeout)
        if not line:
            self.stop()
            raise RuntimeError("upstream did not start")
        self.addr = line["listen"]
        self.port = int(self.addr.rsplit(":", 1)[1])

    def log(self, clear=False):
        """What the upstream received on non-control connections (see upstream.py)."""
        r = request(self.port, "GET", "/__log" + ("?clear=1" if clear else ""), timeout=10)
        assert r.status == 200, r
        return r.json()

    def reset(self):
        request(self.port, "GET", "/__reset", timeout=10)

    def stop(self):
        self._stop_process()


class Proxy(_Process):
    """The sessiongate binary, run with a YAML config written to a temp dir."""

    def __init__(self, config, env=None, start_timeout=15, tmpdir=None, wrapper=()):
        self.tmpdir = tmpdir or tempfile.mkdtemp(prefix="sg-it-")
        self.config = config
        self.config_path = os.path.join(self.tmpdir, "sessiongate.yaml")
        with open(self.config_path, "w") as f:
            f.write(to_yaml(config) + "\n")
        # Hermetic: SESSIONGATE_* of the caller's environment (test knobs such
        # as SESSIONGATE_STREAM_BYTES, a developer's overrides) never reach the
        # proxy, which would read them as settings; pass them in env instead.
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("SESSIONGATE_")}
        full_env.update(env or {})
        self.proc = subprocess.Popen(list(wrapper) + [binary(), "run", "-c", self.config_path],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, env=full_env)
        self.pid = self.proc.pid
        self.out = _LineReader(self.proc.stdout)
        self.err = _LineReader(self.proc.stderr)
        self.out.start()
        self.err.start()
        line = self.out.wait_line(lambda o: o.get("event") == "listening", start_timeout)
        if not line:
            self.stop()
            raise RuntimeError("proxy did not print its listening line; stdout=%r stderr=%r"
                               % (self.out.text[-20:], self.err.text[-20:]))
        self.listening = line
        self.port = int(line["listen"].rsplit(":", 1)[1])
        self.admin_port = int(line["admin"].rsplit(":", 1)[1]) if line.get("admin") else None

    @property
    def lines(self):
        with self.out.cond:
            return list(self.out.lines)

    @property
    def error_lines(self):
        with self.err.cond:
            return list(self.err.lines)

    @property
    def all_lines(self):
        return self.lines + self.error_lines

    def stderr_text(self):
        with self.err.cond:
            return "\n".join(self.err.text)

    def wait_line(self, pred, timeout=5):
        """First line of stdout or stderr matching pred, or None after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            for reader in (self.out, self.err):
                line = reader.wait_line(pred, 0)
                if line is not None:
                    return line
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.02)

    def rss_kb(self):
        return read_rss_kb(self.pid)

    def terminate(self):
        self.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout):
        """Exit code, or None if still running after timeout."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        """Kills the proxy if it still runs; fails the test if a sanitizer
        reported anything (a report need not crash the proxy, and an abort
        may look like an ordinary closed connection to the test)."""
        self._stop_process()
        self.err.join(timeout=5)
        report = sanitizer_report(self.stderr_text())
        if report and not getattr(self, "_report_raised", False):
            self._report_raised = True
            raise AssertionError("sanitizer report on the proxy's stderr:\n" + report)


# ------------------------------------------------------------------------ sockets

def connect(port, timeout=5):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class RawResult:
    def __init__(self, data, closed, elapsed):
        self.data = data
        self.closed = closed
        self.elapsed = elapsed

    def responses(self):
        return parse_responses(self.data)

    def status(self):
        """Status code of the first response, or None when there is none."""
        rs = self.responses()
        return rs[0].status if rs else None

    def __repr__(self):
        return "RawResult(closed=%s, elapsed=%.2f, data=%r)" % (self.closed, self.elapsed, self.data[:300])


def read_until_close(sock, timeout=5, limit=1 << 24):
    """(data, closed): read until EOF/reset (closed=True) or timeout (closed=False)."""
    deadline = time.monotonic() + timeout
    out = bytearray()
    while len(out) < limit:
        left = deadline - time.monotonic()
        if left <= 0:
            return bytes(out), False
        sock.settimeout(left)
        try:
            data = sock.recv(65536)
        except socket.timeout:
            return bytes(out), False
        except (ConnectionResetError, BrokenPipeError):
            return bytes(out), True
        if not data:
            return bytes(out), True
        out += data
    return bytes(out), False


def send_raw(port, data, timeout=5, shut_wr=False):
    """Send data on a fresh connection; read until close or timeout."""
    t0 = time.monotonic()
    s = connect(port, timeout)
    try:
        try:
            s.sendall(data)
            if shut_wr:
                s.shutdown(socket.SHUT_WR)
        except (ConnectionResetError, BrokenPipeError):
            pass  # the proxy may close before reading everything; read what came
        got, closed = read_until_close(s, timeout)
    finally:
        s.close()
    return RawResult(got, closed, time.monotonic() - t0)


def wait_closed(sock, timeout):
    data, closed = read_until_close(sock, timeout)
    return closed, data


class Response:
    def __init__(self, version, status, reason, headers, body, rest=b""):
        self.version, self.status, self.reason = version, status, reason
        self.headers, self.body, self.rest = headers, body, rest

    def header(self, name):
        vals = self.headers_all(name)
        return ", ".join(vals) if vals else None

    def headers_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        return json.loads(self.body.decode())

    def __repr__(self):
        return "Response(%s %s, headers=%r, body=%r)" % (self.status, self.reason, self.headers, self.body[:300])


class Incomplete(Exception):
    pass


def _parse_head(head):
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise ValueError("bad status line %r" % lines[0])
    headers = []
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.append((k, v.strip()))
    return parts[0], int(parts[1]), parts[2] if len(parts) > 2 else "", headers


def _parse_one(data, method="GET", eof=True):
    """(Response, consumed) from data; raises Incomplete when more is needed."""
    i = data.find(b"\r\n\r\n")
    if i < 0:
        raise Incomplete()
    version, status, reason, headers = _parse_head(data[:i])
    pos = i + 4
    r = Response(version, status, reason, headers, b"")
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return r, pos
    te = r.header("transfer-encoding")
    cl = r.header("content-length")
    if te and "chunked" in te.lower():
        body = bytearray()
        while True:
            j = data.find(b"\r\n", pos)
            if j < 0:
                raise Incomplete()
            size = int(data[pos:j].split(b";")[0].strip(), 16)
            pos = j + 2
            if size == 0:
                while True:  # trailers
                    j = data.find(b"\r\n", pos)
                    if j < 0:
                        raise Incomplete()
                    line = data[pos:j]
                    pos = j + 2
                    if not line:
                        break
                    k, _, v = line.decode("latin-1").partition(":")
                    r.headers.append((k, v.strip()))
                break
            if len(data) < pos + size + 2:
                raise Incomplete()
            body += data[pos:pos + size]
            pos += size + 2
        r.body = bytes(body)
        return r, pos
    if cl is not None:
        n = int(cl.split(",")[0])
        if len(data) < pos + n:
            raise Incomplete()
        r.body = bytes(data[pos:pos + n])
        return r, pos + n
    if not eof:
        raise Incomplete()
    r.body = bytes(data[pos:])
    return r, len(data)


def parse_responses(data, methods=None):
    """Every complete response in data (a close-delimited last body runs to the end)."""
    out = []
    pos = 0
    k = 0
    while pos < len(data):
        m = methods[k] if methods and k < len(methods) else "GET"
        try:
            r, used = _parse_one(data[pos:], m)
        except (Incomplete, ValueError):
            break
        out.append(r)
        pos += used
        k += 1
    return out


def read_response(sock, buf=None, timeout=5, method="GET"):
    """Read one response from sock; bytes read past it are in .rest (pass as buf next time)."""
    data = bytearray(buf or b"")
    deadline = time.monotonic() + timeout
    eof = False
    while True:
        try:
            r, used = _parse_one(bytes(data), method, eof=eof)
            r.rest = bytes(data[used:])
            return r
        except Incomplete:
            if eof:
                raise ConnectionError("connection closed before a full response: %r" % bytes(data[:300]))
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no full response within %.1fs: %r" % (timeout, bytes(data[:300])))
        sock.settimeout(left)
        try:
            chunk = sock.recv(262144)
        except socket.timeout:
            continue
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            eof = True
        data += chunk


def format_request(method, target, headers=(), body=b"", host="test.local"):
    lines = ["%s %s HTTP/1.1" % (method, target)]
    names = {k.lower() for k, _ in headers}
    if "host" not in names:
        lines.append("Host: %s" % host)
    for k, v in headers:
        lines.append("%s: %s" % (k, v))
    if body and "content-length" not in names and "transfer-encoding" not in names:
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def request(port, method, target, headers=(), body=b"", timeout=10):
    """One request on a fresh connection (Connection: close)."""
    hdrs = list(headers)
    if not any(k.lower() == "connection" for k, _ in hdrs):
        hdrs.append(("Connection", "close"))
    s = connect(port, timeout)
    try:
        s.sendall(format_request(method, target, hdrs, body))
        return read_response(s, timeout=timeout, method=method)
    finally:
        s.close()


# ------------------------------------------------------------- scripted upstreams

class ScriptedUpstream:
    """A listener on 127.0.0.1 whose connections each run handle(conn) in a
    thread, for upstream behaviour upstream.py does not script. Every
    connection stays open until stop() (a handler may keep one open without
    reading). Accepts for at most 30 s."""

    def __init__(self, handle):
        self.handle = handle
        self.listener = socket.socket()
        self.listener.bind((HOST, 0))
        self.listener.listen(16)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.conns = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        for _ in range(150):
            if self.stopping.is_set():
                return
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            conn.settimeout(10)
            self.conns.append(conn)
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn):
        try:
            self.handle(conn)
        except OSError:
            pass

    def stop(self):
        self.stopping.set()
        self.thread.join(5)
        for conn in self.conns:
            conn.close()
        self.listener.close()


def read_head(conn):
    """(head, headers, rest) of the next message head on a raw socket; headers
    is a dict of lower-cased names. Raises ConnectionError if it closes first."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("closed before a full head: %r" % data[:200])
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return head, headers, rest


# ------------------------------------------------------------------------- limits

def raise_open_file_limit(test, need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < need:
        test.skipTest("the open file limit's hard cap (%d) is below %d" % (hard, need))
    if soft != resource.RLIM_INFINITY and soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
        test.addCleanup(resource.setrlimit, resource.RLIMIT_NOFILE, (soft, hard))


# ------------------------------------------------------------------------- memory

@functools.lru_cache(maxsize=None)
def memory_scale():
    """The factor by which an RSS bound of a test is multiplied: 1, or 4 when
    the binary is built with a sanitizer, whose shadow memory and allocator
    add to RSS for every byte the proxy touches (ThreadSanitizer: about six
    times the bytes of an idle connection). A bound then still tells a
    buffer kept per connection or a body held whole from one that is not."""
    with open(binary(), "rb") as f:
        image = f.read()
    return 4 if b"__tsan_init" in image or b"__asan_init" in image else 1


def read_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class RssSampler(threading.Thread):
    """Samples VmRSS of pid every `interval` seconds until stop()."""

    def __init__(self, pid, interval=0.05):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.samples = []
        self.baseline_kb = read_rss_kb(pid)
        self.max_kb = self.baseline_kb
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.wait(self.interval):
            try:
                v = read_rss_kb(self.pid)
            except OSError:
                return
            self.samples.append(v)
            self.max_kb = max(self.max_kb, v)

    def stop(self):
        self._stop_event.set()
        self.join(timeout=5)

    @property
    def growth_kb(self):
        return self.max_kb - self.baseline_kb


# ------------------------------------------------------------------------ testcase

class ProxyTestCase(unittest.TestCase):
    """Starts upstream.py and the proxy for each test; both always stopped.

    CONFIG: dict merged into proxy_config() (e.g. {"timeouts": {"keepalive": 1}}).
    UPSTREAM_ARGS: extra upstream.py flags (e.g. ("--idle-close-ms", "300")).
    Call self.start_proxy(**more) to restart with another config inside a test.
    """

    CONFIG = {}
    UPSTREAM_ARGS = ()
    START_PROXY = True

    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix="sg-it-")
        self.upstream = Upstream(self.UPSTREAM_ARGS)
        self.addCleanup(self.upstream.stop)
        self.proxy = None
        if self.START_PROXY:
            self.start_proxy()

    def start_proxy(self, upstream_port=None, **overrides):
        if self.proxy is not None:
            self.proxy.stop()
        cfg = proxy_config(upstream_port or self.upstream.port, self.tmpdir,
                           **merge(self.CONFIG, overrides))
        self.proxy = Proxy(cfg, tmpdir=self.tmpdir)
        self.addCleanup(self.proxy.stop)
        return self.proxy

    def request(self, method, target, headers=(), body=b"", timeout=10):
        return request(self.proxy.port, method, target, headers, body, timeout)

    def raw(self, data, timeout=5, shut_wr=False):
        return send_raw(self.proxy.port, data, timeout, shut_wr)

    def wait_connections_closed(self, timeout=10):
        """True once the proxy holds no client connection (per /metrics): all
        it was going to write upstream for them has been written."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = request(self.proxy.admin_port, "GET", "/metrics", timeout=5).body.decode()
            active = [l for l in text.splitlines() if l.startswith("sessiongate_connections_active ")]
            if active and float(active[0].split()[1]) == 0:
                return True
            time.sleep(0.02)
        return False

    def assertNothingForwarded(self, msg=""):
        """The upstream received no byte on any non-control connection."""
        # First the proxy is done with every client connection (so nothing
        # more will be forwarded), then a moment for the upstream to read
        # what loopback already delivered to it.
        self.assertTrue(self.wait_connections_closed(), "the proxy kept a client connection open %s" % msg)
        time.sleep(0.1)
        log = self.upstream.log()
        self.assertEqual(log["bytes"], 0, "upstream received bytes %s: %r" % (msg, [c["raw"][:300] for c in log["connections"] if c["bytes"]]))
        self.assertEqual(log["requests"], [], msg)
