#!/usr/bin/env python3
"""A bounded soak of sessiongate (run by scripts/soak.sh; not a unit test).

Two proxies on LMDB stores (durability fsync), each in front of a real
upstream:
  sample  the sample backend: visit counter (sessions made and changed),
          log in (cycle), preferences (changed), log out (flush), in CSRF
          token mode (the token read from each form, as a browser would);
  echo    upstream.py: sessions made, read, changed, cycled and flushed by
          control headers and checked against what the upstream received;
          uploads (Content-Length and chunked, checked by SHA-256), downloads
          (streamed, checked by SHA-256), server-sent events, WebSockets.
CLIENTS threads of mixed traffic run for DURATION seconds, each visitor
keeping its own session and checking every answer against what it expects;
a visitor leaves now and then and a new one arrives. Every RELOAD_EVERY
seconds each proxy's config file is changed and the proxy gets SIGHUP.

Every second the proxies' anonymous memory (RssAnon: the heap, not the
mapped store) and open file descriptors are sampled. It fails (exit 1) when:
  - any request fails or answers other than expected, or a reload fails;
  - a proxy's RssAnon after the warm-up exceeds its warm-up peak by more
    than --rss-growth-mib, or its open fds exceed their warm-up peak by
    more than --fd-growth;
  - a proxy exits, or writes an error line or a sanitizer report.
It prints a summary; `soak: PASS` or `soak: FAIL ...` is its last line.
Only 127.0.0.1; every process is stopped at the end.
"""

import argparse
import base64
import hashlib
import json
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import upstream as U  # noqa: E402
from session_support import PREFIX, Client, SampleBackend  # noqa: E402
from test_proxy_websocket import WsClient  # noqa: E402

STREAM_SIZES = (1, 65536, 1 << 20, 8 << 20)  # download sizes, their digests computed once
UPLOAD_MAX = 4 << 20
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VISITS = re.compile(r'id="num-visits">(\d+)<')


class Failure(Exception):
    pass


def expect(cond, what, *detail):
    if not cond:
        raise Failure(what + ("" if not detail else ": " + " ".join(repr(d)[:300] for d in detail)))


# ----------------------------------------------------------------- the visitors

class SampleVisitor:
    """A browser on the sample backend; knows what its session should hold."""

    def __init__(self, port, rng):
        self.client = Client(port)
        self.rng = rng
        self.visits = 0
        self.member = None
        self.per_page = 10

    def token(self, path):
        r = self.client.get(path)
        expect(r.status == 200, "GET %s" % path, r)
        m = TOKEN.search(r.body.decode())
        expect(m, "no CSRF token in the form of %s" % path, r)
        return r, m.group(1)

    def counter(self):
        r = self.client.get("/counter")
        expect(r.status == 200, "GET /counter", r)
        self.visits += 1
        m = VISITS.search(r.body.decode())
        expect(m and int(m.group(1)) == self.visits, "visit count %d expected" % self.visits, r.body[:400])
        expect(self.client.sid, "no session cookie after a counted visit", r)

    def login(self):
        if self.member is not None:
            return self.logout()
        self.counter()  # a session (and so a CSRF secret) before the form
        old = self.client.sid
        _, token = self.token("/login")
        name = "user%d" % self.rng.randrange(1000)
        form = {"username": name, "csrfmiddlewaretoken": token}
        if self.rng.random() < 0.5:
            form["remember"] = "on"
        r = self.client.post("/login", form)
        expect(r.status == 303, "POST /login", r)
        expect(self.client.sid and self.client.sid != old, "login kept the old session id (no cycle)", r)
        self.member = name
        page = self.client.get("/login")
        expect(('id="login-name">%s<' % name) in page.body.decode(), "not logged in as %s after login" % name, page)

    def preferences(self):
        self.counter()
        _, token = self.token("/preferences")
        self.per_page = self.rng.choice((10, 25, 50, 100))
        r = self.client.post("/preferences", {"per_page": str(self.per_page), "csrfmiddlewaretoken": token})
        expect(r.status == 303, "POST /preferences", r)
        page = self.client.get("/preferences")
        expect(('<option value="%d" selected>' % self.per_page) in page.body.decode(),
               "per_page %d not kept" % self.per_page, page.body[-600:])

    def logout(self):
        if self.member is None:
            return self.login()
        _, token = self.token("/login")
        r = self.client.post("/logout", {"csrfmiddlewaretoken": token})
        expect(r.status == 303, "POST /logout", r)
        expect(self.client.sid is None, "the session cookie survived logout", r.set_cookies)
        self.member, self.visits, self.per_page = None, 0, 10
        page = self.client.get("/login")
        expect('id="login-state">Not logged in.' in page.body.decode(), "still logged in after logout", page)

    OPS = {"counter": (counter, 6), "login": (login, 2), "preferences": (preferences, 2), "logout": (logout, 1)}


class EchoVisitor:
    """A client of upstream.py (which echoes what it received as JSON)."""

    def __init__(self, port, rng, digests):
        self.port = port
        self.client = Client(port)
        self.rng = rng
        self.data = {}
        self.digests = digests

    def control(self, name, value):
        return "/s?header=" + urllib.parse.quote("%s-%s:%s" % (PREFIX, name, value))

    def seen(self, r, what):
        """The session the upstream was shown must be the one we expect."""
        expect(r.status == 200, what, r)
        if self.data:
            expect(r.state == "active" and r.session == self.data, "%s: the upstream saw another session" % what,
                   r.state, r.up(PREFIX), self.data)
        else:
            expect(r.state == "none", "%s: a session where none should be" % what, r.state, r.up(PREFIX))

    def change(self):
        patch = {"k%d" % self.rng.randrange(8): self.rng.randrange(1 << 30)}
        r = self.client.get(self.control("Update", json.dumps(patch, separators=(",", ":"))))
        self.seen(r, "update")
        self.data.update(patch)
        expect(self.client.sid, "no session cookie after an update", r)

    def read(self):
        self.seen(self.client.get("/s"), "read")

    def cycle(self):
        if not self.data:
            return self.change()
        old = self.client.sid
        r = self.client.get(self.control("Action", "cycle"))
        self.seen(r, "cycle")
        expect(self.client.sid and self.client.sid != old, "cycle kept the id", r.set_cookies)
        stale = Client(self.port, {"sessionid": old}).get("/s")
        expect(stale.status == 200 and stale.state == "invalid", "the id before a cycle still works", stale.state)

    def flush(self):
        r = self.client.get(self.control("Action", "flush"))
        self.seen(r, "flush")
        expect(self.client.sid is None, "flush left a session cookie", r.set_cookies)
        self.data = {}

    def upload(self):
        body = self.rng.randbytes(self.rng.choice((0, 1000, 100000, UPLOAD_MAX)))
        headers = []
        if self.rng.random() < 0.5:  # chunked, in pieces of up to 64 KiB
            pieces = [body[i:i + 65536] for i in range(0, len(body), 65536)]
            body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
            headers.append(("Transfer-Encoding", "chunked"))
            sent = b"".join(pieces)
        else:
            sent = body
        r = self.client.request("POST", "/upload", body=body, headers=headers, timeout=60)
        self.seen(r, "upload")
        expect(r.echo["body_length"] == len(sent) and r.echo["body_sha256"] == hashlib.sha256(sent).hexdigest(),
               "the upload arrived changed", len(sent), r.echo["body_length"])

    def download(self):
        n = self.rng.choice(STREAM_SIZES)
        chunked = self.rng.random() < 0.5
        r = harness.request(self.port, "GET", "/bytes/%d%s" % (n, "?chunked=1" if chunked else ""), timeout=60)
        expect(r.status == 200 and len(r.body) == n and hashlib.sha256(r.body).hexdigest() == self.digests[n],
               "download of %d bytes arrived changed" % n, r.status, len(r.body))

    def events(self):
        r = harness.request(self.port, "GET", "/sse?n=4&delay=20", timeout=20)
        ids = re.findall(rb"^id: (\d+)$", r.body, re.M)
        expect(r.status == 200 and ids == [b"0", b"1", b"2", b"3"], "server-sent events lost", r)

    def websocket(self):
        ws = WsClient(self.port, "/ws")
        try:
            expect(ws.response.status == 101, "WebSocket upgrade", ws.response)
            for payload in (b"hello", self.rng.randbytes(70000)):
                opcode = 1 if payload == b"hello" else 2
                ws.send(opcode, payload)
                fin, op, got = ws.recv()
                expect((op, got) == (opcode, payload), "WebSocket echo changed", op, len(got))
            ws.send(8, b"\x03\xe8")
            expect(ws.recv()[1] == 8, "no WebSocket close")
        finally:
            ws.close()

    OPS = {"change": (change, 5), "read": (read, 5), "cycle": (cycle, 1), "flush": (flush, 1),
           "upload": (upload, 2), "download": (download, 2), "events": (events, 1), "websocket": (websocket, 1)}


# ------------------------------------------------------------------- the run

class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.ops = {}
        self.failures = []

    def ok(self, kind):
        with self.lock:
            self.ops[kind] = self.ops.get(kind, 0) + 1

    def fail(self, kind, message):
        with self.lock:
            self.failures.append("%s: %s" % (kind, message))


def visit(make, stats, stop, rng, leave_every=40):
    visitor = make()
    names = list(visitor.OPS)
    weights = [visitor.OPS[n][1] for n in names]
    n = 0
    while not stop.is_set():
        name = rng.choices(names, weights)[0]
        try:
            visitor.OPS[name][0](visitor)
            stats.ok(name)
        except (Failure, OSError, ValueError, AssertionError, KeyError, TypeError) as e:
            stats.fail(name, "%s: %s" % (type(e).__name__, e))
        n += 1
        if n % leave_every == 0:
            visitor = make()  # a visitor leaves; a new one arrives


def proc_status(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


class Watched:
    """One proxy under the soak: its samples, its config file, its log counts."""

    def __init__(self, name, proxy):
        self.name, self.proxy = name, proxy
        self.samples = []  # (t, rss_anon_kib, vm_rss_kib, fds)
        self.requests = 0
        self.errors_5xx = []
        self.reloads = 0
        self.reload_sent = 0

    def sample(self, t):
        pid = self.proxy.pid
        self.samples.append((t, proc_status(pid, "RssAnon"), proc_status(pid, "VmRSS"),
                             len(os.listdir("/proc/%d/fd" % pid))))
        for line in self.proxy.out.drain():
            if line.get("event") == "request":
                self.requests += 1
                if line.get("status", 0) >= 500:
                    self.errors_5xx.append(line)
            elif line.get("event") == "reloaded":
                self.reloads += 1

    def reload(self, generation):
        """A changed setting that applies on reload, then SIGHUP."""
        config = harness.merge(self.proxy.config, {"timeouts": {"keepalive": 60 + generation % 2}})
        with open(self.proxy.config_path, "w") as f:
            f.write(harness.to_yaml(config) + "\n")
        self.reload_sent += 1
        self.proxy.proc.send_signal(signal.SIGHUP)

    def verdict(self, warmup, rss_growth_kib, fd_growth):
        """(summary line, [problems])."""
        problems = []
        warm = [s for s in self.samples if s[0] <= warmup]
        later = [s for s in self.samples if s[0] > warmup]
        if not warm or not later:
            return "%s: too few samples" % self.name, ["%s: too few samples" % self.name]
        rss_peak, fd_peak = max(s[1] for s in warm), max(s[3] for s in warm)
        rss_late, fd_late = max(s[1] for s in later), max(s[3] for s in later)
        if rss_late > rss_peak + rss_growth_kib:
            problems.append("%s: RssAnon grew to %d KiB after the warm-up (peak %d KiB, bound +%d KiB)"
                            % (self.name, rss_late, rss_peak, rss_growth_kib))
        if fd_late > fd_peak + fd_growth:
            problems.append("%s: %d open fds after the warm-up (peak %d, bound +%d)"
                            % (self.name, fd_late, fd_peak, fd_growth))
        if self.errors_5xx:
            problems.append("%s: %d responses with 5xx, first %r" % (self.name, len(self.errors_5xx), self.errors_5xx[0]))
        if self.reloads != self.reload_sent:
            problems.append("%s: %d of %d reloads logged" % (self.name, self.reloads, self.reload_sent))
        errors = [l for l in self.proxy.error_lines if l.get("level") == "error"]
        if errors:
            problems.append("%s: %d error lines, first %r" % (self.name, len(errors), errors[0]))
        if self.proxy.proc.poll() is not None:
            problems.append("%s: the proxy exited with %s" % (self.name, self.proxy.proc.returncode))
        slope = trend_kib_per_min([(s[0], s[1]) for s in later])
        line = ("%s: %d requests; RssAnon warm-up peak %d KiB, after %d KiB (%+d, bound +%d), trend %+.0f KiB/min; "
                "VmRSS at the end %d KiB; fds warm-up peak %d, after %d (bound +%d); %d reloads"
                % (self.name, self.requests, rss_peak, rss_late, rss_late - rss_peak, rss_growth_kib, slope,
                   self.samples[-1][2], fd_peak, fd_late, fd_growth, self.reloads))
        return line, problems


def trend_kib_per_min(points):
    """Least-squares slope of (seconds, KiB), in KiB per minute."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mt = sum(t for t, _ in points) / n
    mv = sum(v for _, v in points) / n
    den = sum((t - mt) ** 2 for t, _ in points)
    return 60.0 * sum((t - mt) * (v - mv) for t, v in points) / den if den else 0.0


def main():
    ap = argparse.ArgumentParser(description="A bounded soak of sessiongate: mixed traffic, memory and fds flat.")
    ap.add_argument("--duration", type=float, default=600, help="seconds of traffic (default 600)")
    ap.add_argument("--warmup", type=float, default=None, help="seconds of warm-up (default: a quarter, at most 60)")
    ap.add_argument("--clients", type=int, default=6, help="client threads, half on each proxy (default 6)")
    ap.add_argument("--reload-every", type=float, default=10, help="seconds between SIGHUPs (default 10)")
    ap.add_argument("--rss-growth-mib", type=float, default=8, help="bound on RssAnon growth after warm-up (default 8)")
    ap.add_argument("--fd-growth", type=int, default=16, help="bound on open fd growth after warm-up (default 16)")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    warmup = args.warmup if args.warmup is not None else min(60.0, args.duration / 4)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)

    tmp = tempfile.mkdtemp(prefix="sg-soak-")
    digests = {n: U.pattern_sha256(n) for n in STREAM_SIZES}
    children, watched = [], []
    stop = threading.Event()
    stats = Stats()
    try:
        backend = SampleBackend()
        children.append(backend)
        echo = harness.Upstream()
        children.append(echo)
        for name, port, extra in (("sample", backend.port, {"csrf": {"mode": "token"}}), ("echo", echo.port, {})):
            cfg = harness.proxy_config(port, os.path.join(tmp, name), store={"durability": "fsync"},
                                       limits={"max_request_body_bytes": "16MiB"}, **extra)
            os.makedirs(os.path.join(tmp, name))
            proxy = harness.Proxy(cfg, tmpdir=os.path.join(tmp, name))
            children.append(proxy)
            watched.append(Watched(name, proxy))
        sample_port, echo_port = watched[0].proxy.port, watched[1].proxy.port
        print("soak: %.0f s (warm-up %.0f s), %d clients, seed %d; proxies on LMDB (fsync): sample backend, "
              "echo upstream" % (args.duration, warmup, args.clients, seed), flush=True)

        threads = []
        for i in range(args.clients):
            rng = random.Random(seed + i)
            if i % 2 == 0:
                make = lambda rng=rng: SampleVisitor(sample_port, rng)
            else:
                make = lambda rng=rng: EchoVisitor(echo_port, rng, digests)
            threads.append(threading.Thread(target=visit, args=(make, stats, stop, rng), daemon=True))
        t0 = time.monotonic()
        for w in watched:
            w.sample(0.0)
        for t in threads:
            t.start()
        generation, next_reload, next_report = 0, args.reload_every, 30.0
        while True:
            elapsed = time.monotonic() - t0
            if elapsed >= args.duration:
                break
            time.sleep(1.0)
            elapsed = time.monotonic() - t0
            for w in watched:
                w.sample(elapsed)
            if elapsed >= next_reload:
                generation += 1
                for w in watched:
                    w.reload(generation)
                next_reload += args.reload_every
            if elapsed >= next_report:
                with stats.lock:
                    done, failed = sum(stats.ops.values()), len(stats.failures)
                print("soak: %4.0f s: %d operations, %d failed; RssAnon %s KiB; fds %s"
                      % (elapsed, done, failed, " ".join("%s=%d" % (w.name, w.samples[-1][1]) for w in watched),
                         " ".join("%s=%d" % (w.name, w.samples[-1][3]) for w in watched)), flush=True)
                next_report += 30.0
        stop.set()
        for t in threads:
            t.join(90)
        time.sleep(1.5)  # the last reload's line
        for w in watched:
            w.sample(time.monotonic() - t0)

        problems = ["a client thread did not finish"] if any(t.is_alive() for t in threads) else []
        with stats.lock:
            ops = dict(stats.ops)
            failures = list(stats.failures)
        print("soak: %d operations (%s), %d failed"
              % (sum(ops.values()), ", ".join("%s %d" % kv for kv in sorted(ops.items())), len(failures)))
        for f in failures[:10]:
            print("soak:   failed %s" % f)
        if failures:
            problems.append("%d operations failed" % len(failures))
        expected = set(SampleVisitor.OPS) | set(EchoVisitor.OPS)
        if args.clients >= 2 and not expected <= set(ops):
            problems.append("never ran: %s" % ", ".join(sorted(expected - set(ops))))
        for w in watched:
            line, found = w.verdict(warmup, int(args.rss_growth_mib * 1024), args.fd_growth)
            print("soak: " + line)
            problems += found
        for child in children:
            if isinstance(child, harness.Proxy):
                try:
                    child.stop()  # raises on a sanitizer report
                except AssertionError as e:
                    problems.append(str(e)[:500])
        print("soak: PASS" if not problems else "soak: FAIL: " + "; ".join(problems), flush=True)
        return 0 if not problems else 1
    finally:
        stop.set()
        for child in children:
            try:
                child.stop()
            except AssertionError:
                pass
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
