"""Helpers of the hostile-input tests (test_hostile_*.py), on top of harness.py.

  strict_requests(raw) -> (requests, rest)
      Reads the bytes an upstream received as a strict HTTP/1.1 parser would
      and fails (AssertionError) on anything two parsers could read
      differently: bare CR or LF, NUL and other control bytes, obs-fold,
      field names that are no tokens or that spell a framing field with '_',
      Content-Length twice or beside Transfer-Encoding, a Transfer-Encoding
      other than exactly `chunked`, malformed chunks. requests: one dict per
      complete request {method, target, version, headers [(name, value)],
      body}; rest: the bytes of an incomplete last request (b"" when none).
  forwarded(upstream) -> (requests, tails)
      strict_requests over what upstream.py received on each of its
      non-control connections: every complete request, in order, and the
      incomplete tails (b"" skipped). Waits for bytes in flight first.
"""

import re
import time

TOKEN = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
CHUNK_EXT = re.compile(rb'^(?:[ \t]*;[ \t]*[!#$%&\'*+\-.^_`|~0-9A-Za-z]+'
                       rb'(?:[ \t]*=[ \t]*(?:[!#$%&\'*+\-.^_`|~0-9A-Za-z]+|"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[^\x00-\x08\x0a-\x1f\x7f])*"))?)*$')
FRAMING = ("content-length", "transfer-encoding", "host")


class Incomplete(Exception):
    pass


def _line(data, pos):
    """(line, next position) for a CRLF-terminated line; bare CR/LF fail."""
    end = data.find(b"\r\n", pos)
    if end < 0:
        assert b"\n" not in data[pos:], "bare LF in %r" % data[pos:pos + 200]
        raise Incomplete()
    line = data[pos:end]
    assert b"\r" not in line and b"\n" not in line, "bare CR or LF in %r" % line
    return line, end + 2


def _field(line):
    assert line[:1] not in (b" ", b"\t"), "obs-fold: %r" % line
    name, colon, value = line.partition(b":")
    assert colon and TOKEN.match(name), "malformed field line %r" % line
    value = value.strip(b" \t")
    assert not re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", value), "control byte in %r" % line
    lower = name.decode("latin-1").lower()
    assert lower.replace("_", "-") not in FRAMING or "_" not in lower, \
        "a framing field spelt with '_' (an upstream may read it as the real one): %r" % line
    return name.decode("latin-1"), value.decode("latin-1")


def _chunked_body(data, pos):
    body = bytearray()
    while True:
        line, pos = _line(data, pos)
        m = re.match(rb"^([0-9A-Fa-f]{1,16})(.*)$", line)
        assert m and CHUNK_EXT.match(m.group(2)), "malformed chunk line %r" % line
        size = int(m.group(1), 16)
        if size == 0:
            break
        if len(data) < pos + size + 2:
            raise Incomplete()
        body += data[pos:pos + size]
        assert data[pos + size:pos + size + 2] == b"\r\n", "chunk data longer than its size"
        pos += size + 2
    while True:  # trailers
        line, pos = _line(data, pos)
        if not line:
            return bytes(body), pos
        _field(line)


def _one(data, pos):
    line, pos = _line(data, pos)
    parts = line.split(b" ")
    assert len(parts) == 3 and TOKEN.match(parts[0]) and parts[2] in (b"HTTP/1.1", b"HTTP/1.0") \
        and re.match(rb"^[\x21-\x7e]+$", parts[1]), "malformed request line %r" % line
    headers = []
    while True:
        line, pos = _line(data, pos)
        if not line:
            break
        headers.append(_field(line))
    names = [n.lower() for n, _ in headers]
    lengths = [v for n, v in headers if n.lower() == "content-length"]
    codings = [v for n, v in headers if n.lower() == "transfer-encoding"]
    assert names.count("host") <= 1, "Host %d times" % names.count("host")
    assert len(lengths) <= 1, "Content-Length %d times: %r" % (len(lengths), lengths)
    assert not (lengths and codings), "Content-Length and Transfer-Encoding together"
    assert len(codings) <= 1 and all(c.lower() == "chunked" for c in codings), \
        "Transfer-Encoding %r" % codings
    if codings:
        body, pos = _chunked_body(data, pos)
    elif lengths:
        assert re.match(r"^[0-9]{1,18}$", lengths[0]), "Content-Length %r" % lengths[0]
        n = int(lengths[0])
        if len(data) < pos + n:
            raise Incomplete()
        body, pos = data[pos:pos + n], pos + n
    else:
        body = b""
    request = {"method": parts[0].decode(), "target": parts[1].decode("latin-1"),
               "version": parts[2].decode(), "headers": headers, "body": bytes(body)}
    return request, pos


def strict_requests(raw):
    requests = []
    pos = 0
    while pos < len(raw):
        try:
            request, pos = _one(raw, pos)
        except Incomplete:
            return requests, raw[pos:]
        requests.append(request)
    return requests, b""


def forwarded(upstream, settle=0.2):
    time.sleep(settle)  # bytes the proxy sent before answering may still be in flight
    requests, tails = [], []
    for connection in upstream.log()["connections"]:
        got, rest = strict_requests(connection["raw"].encode("latin-1"))
        requests += got
        if rest:
            tails.append(rest)
    return requests, tails
