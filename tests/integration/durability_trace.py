"""Reads an `strace -f -ttt -o FILE` trace of the proxy and checks that every
response carrying a newly saved session left after a disk sync that began
after its request arrived (and ended before the response was written).

  parse(path) -> [Call]        the syscalls, unfinished/resumed pairs joined:
                               Call(pid, name, start, end, fd, text, result)
  check(calls) -> Verdict      .responses (saved-session responses found),
                               .violations [(fd, request_end, response_start)],
                               .syncs (number of sync calls), .ok

What counts:
  request arrival  the read/recv on a socket that completes a request head
                   ("GET / ...\\r\\n\\r\\n", perhaps after a read of its first
                   bytes alone): its end time;
  response         the first write/send on that fd whose bytes start
                   "HTTP/1.1 " and carry `Set-Cookie: <cookie>=<value>`;
  sync             fdatasync, fsync or msync that returned 0.
Client and upstream sockets tell themselves apart by what flows: the proxy
reads requests and writes responses only on client sockets.
"""

import re
from collections import namedtuple

Call = namedtuple("Call", "pid name start end fd text result")
Verdict = namedtuple("Verdict", "responses violations syncs ok")

READS = {"read", "recvfrom", "recvmsg", "readv"}
WRITES = {"write", "writev", "sendmsg", "sendto"}
SYNCS = {"fdatasync", "fsync", "msync"}

_LINE = re.compile(r"^(\d+)\s+(\d+\.\d+)\s+(.*)$")
_START = re.compile(r"^([a-z0-9_]+)\((.*)$")
_RESUMED = re.compile(r"^<\.\.\. ([a-z0-9_]+) resumed>(.*)$")
_RESULT = re.compile(r"\)\s*=\s*(-?\d+|\?)(?:\s.*)?$")
_STRINGS = re.compile(r'"((?:[^"\\]|\\.)*)"')
_REQUEST = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /")


def _finish(pid, name, start, end, body):
    m = _RESULT.search(body)
    result = m.group(1) if m else "?"
    fd_text = body.split(",", 1)[0].strip()
    fd = int(fd_text) if fd_text.isdigit() else None
    text = "".join(_STRINGS.findall(body))  # every buffer of an iovec, in order
    return Call(pid, name, start, end, fd, text, result)


def parse(path):
    calls, open_calls = [], {}  # pid -> (name, start, text so far)
    with open(path, errors="replace") as f:
        for raw in f:
            m = _LINE.match(raw.rstrip("\n"))
            if not m:
                continue
            pid, ts, rest = int(m.group(1)), float(m.group(2)), m.group(3)
            r = _RESUMED.match(rest)
            if r:
                name, tail = r.group(1), r.group(2)
                if pid in open_calls and open_calls[pid][0] == name:
                    _, start, head = open_calls.pop(pid)
                    calls.append(_finish(pid, name, start, ts, head + tail))
                continue
            s = _START.match(rest)
            if not s:
                continue  # signals, exits
            name, body = s.group(1), s.group(2)
            if body.endswith("<unfinished ...>"):
                open_calls[pid] = (name, ts, body[: -len("<unfinished ...>")])
            else:
                calls.append(_finish(pid, name, ts, ts, body))
    calls.sort(key=lambda c: c.start)
    return calls


def check(calls, cookie="sessionid"):
    syncs = sorted((c.start, c.end) for c in calls
                   if c.name in SYNCS and c.result == "0")
    arrived = {}  # fd -> end time of the read that completed the request head
    partial = {}  # fd -> a request's first bytes read alone (a one-byte read first)
    responses, violations = 0, []
    set_cookie = re.compile(r"Set-Cookie: %s=[^;\\]" % re.escape(cookie))
    for c in calls:
        if c.fd is None or c.result in ("?", "-1") or not c.result.lstrip("-").isdigit():
            continue
        if int(c.result) <= 0:
            continue
        if c.name in READS:
            text = partial.pop(c.fd, "") + c.text
            if _REQUEST.match(text) and "\\r\\n\\r\\n" in text:
                arrived[c.fd] = c.end
            elif re.fullmatch(r"[A-Z]{1,7}", text):
                partial[c.fd] = text
        elif c.name in WRITES and c.text.startswith("HTTP/1.1 ") and c.fd in arrived:
            request_end = arrived.pop(c.fd)
            if not set_cookie.search(c.text):
                continue
            responses += 1
            if not any(request_end <= s_start and s_end <= c.start for s_start, s_end in syncs):
                violations.append((c.fd, request_end, c.start))
    return Verdict(responses, violations, len(syncs), responses > 0 and not violations)


def sync_lags(calls, cookie="sessionid"):
    """[(response start, seconds until the next sync begins, or None)] of every
    saved-session response: how long each stays only in the OS cache."""
    syncs = sorted(c.start for c in calls if c.name in SYNCS and c.result == "0")
    set_cookie = re.compile(r"Set-Cookie: %s=[^;\\]" % re.escape(cookie))
    out = []
    for c in calls:
        if c.name in WRITES and c.text.startswith("HTTP/1.1 ") and set_cookie.search(c.text):
            after = [s for s in syncs if s >= c.start]
            out.append((c.start, after[0] - c.start if after else None))
    return out
