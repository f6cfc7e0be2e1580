#!/usr/bin/env python3
"""Memory of a server holding idle keep-alive connections.

Opens COUNT connections to 127.0.0.1:PORT, sends one GET on each and reads
its whole answer (so every connection has served a request and now idles
in keep-alive), then reads the resident set size of process PID and prints

    rss_before_kb rss_after_kb connections_held

on one line. Every step has a timeout, so a server that stops answering
ends the run with an error instead of a hang.
"""

import argparse
import resource
import socket
import sys
import time


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def one_request(sock):
    """Sends a GET and reads until the response's body is complete."""
    sock.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise RuntimeError("connection closed before the response head")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"unexpected response: {head[:40]!r}")
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            raise RuntimeError("connection closed before the response body")
        body += chunk


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True, help="process whose RSS is read")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds to wait before reading")
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    before = rss_kb(args.pid)
    held = []
    try:
        for _ in range(args.count):
            sock = socket.create_connection(("127.0.0.1", args.port), timeout=10)
            held.append(sock)
            one_request(sock)
        time.sleep(args.settle)
        after = rss_kb(args.pid)
        # Still open? A server that closed them would not be holding them.
        for sock in held:
            sock.setblocking(False)
            try:
                if sock.recv(1) == b"":
                    raise RuntimeError("the server closed an idle connection")
            except BlockingIOError:
                pass
        print(before, after, len(held))
    finally:
        for sock in held:
            sock.close()


if __name__ == "__main__":
    try:
        main()
    except (OSError, RuntimeError) as error:
        print(f"idle_connections: {error}", file=sys.stderr)
        sys.exit(1)
