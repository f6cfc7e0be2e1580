"""A redis-server of the test's own (Python 3 standard library only).

  RedisServer(appendonly=False, args=(), password=None)  redis-server on
                             127.0.0.1, on a free port found at run time (never
                             6379), files in a temp dir, requiring `password`
                             when given; .port, .url(db=0), .stop(kill=False) (SIGTERM,
                             or SIGKILL: no shutdown save), .start() (again on the
                             same port and files), .command(*args) -> reply (a tiny
                             RESP client for the tests' own checks).
  SilentServer()             accepts connections and reads them, never answering:
                             .port, .accepted, .stop().
  redis_store(server, **extra)  the `store:` section of a proxy config using it.
  OnRedis                    mixin before a SessionTestCase: its proxies use a
                             redis-server of the test's own (self.redis).

Every process a test starts is stopped by the test (addCleanup).
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

HOST = "127.0.0.1"


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _read_reply(f):
    line = f.readline()
    if not line:
        raise ConnectionError("redis closed the connection")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RuntimeError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2]
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_read_reply(f) for _ in range(n)]
    raise RuntimeError("unexpected reply %r" % line)


class RedisServer:
    def __init__(self, appendonly=False, args=(), password=None):
        self.dir = tempfile.mkdtemp(prefix="sg-redis-")
        self.password = password
        self.args = ["--appendonly", "yes", "--appendfsync", "always"] if appendonly else ["--appendonly", "no"]
        self.args += list(args)
        if password:
            self.args += ["--requirepass", password]
        self.proc = None
        for _ in range(5):  # the port may be taken between free_port() and the bind
            self.port = free_port()
            if self._spawn():
                return
        raise RuntimeError("redis-server did not start; see %s/redis.log" % self.dir)

    def url(self, db=0):
        return "redis://%s:%d/%d" % (HOST, self.port, db)

    def _spawn(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", HOST, "--port", str(self.port), "--dir", self.dir, "--save", "",
             "--logfile", os.path.join(self.dir, "redis.log"), "--daemonize", "no"] + self.args,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                if self.command("PING") == "PONG":
                    return True
            except (OSError, RuntimeError):
                pass  # not listening yet, or still loading its append-only file
            time.sleep(0.02)
        self.stop(kill=True)
        return False

    def command(self, *args, timeout=5):
        with socket.create_connection((HOST, self.port), timeout=timeout) as s:
            commands = ([("AUTH", self.password)] if self.password else []) + [args]
            parts = []
            for command in commands:
                parts.append(b"*%d\r\n" % len(command))
                for a in command:
                    a = a if isinstance(a, bytes) else str(a).encode()
                    parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
            s.sendall(b"".join(parts))
            with s.makefile("rb") as f:
                replies = [_read_reply(f) for _ in commands]
                return replies[-1]

    def stop(self, kill=False):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def start(self):
        if not self._spawn():
            raise RuntimeError("redis-server did not restart on port %d" % self.port)

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, True)


class SilentServer:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.conns = []
        self.stopped = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.conns.append(conn)
            threading.Thread(target=self._drain, args=(conn,), daemon=True).start()

    @staticmethod
    def _drain(conn):
        try:
            while conn.recv(4096):
                pass
        except OSError:
            pass

    def stop(self):
        self.stopped = True
        self.sock.close()
        for c in self.conns:
            c.close()


def redis_store(url, **extra):
    store = {"type": "redis", "url": url, "connect_timeout": "1s"}
    store.update(extra)
    return store


class OnRedis:
    """Put first in the bases of a SessionTestCase: every proxy it starts keeps
    its sessions on self.redis, a redis-server of the test's own."""

    def setUp(self):
        self.redis = RedisServer()
        self.addCleanup(self.redis.close)  # added first: stopped after the proxies
        self.redis_key_file = os.path.join(self.redis.dir, "keys")
        with open(self.redis_key_file, "w") as f:
            f.write("redis-integration-test-key-0123456789\n")
        super().setUp()

    def start_proxy(self, routes=None, **overrides):
        overrides.setdefault("store", redis_store(self.redis.url()))
        overrides.setdefault("secret_key_file", self.redis_key_file)
        return super().start_proxy(routes, **overrides)
