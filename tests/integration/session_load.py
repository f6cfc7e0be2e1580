#!/usr/bin/env python3
"""Quick session load figures through sessiongate (not a test; ~10 s).

    SESSIONGATE_BIN=build/sessiongate SAMPLE_BACKEND_BIN=build/sample_backend \\
        python3 tests/integration/session_load.py [--clients 4] [--seconds 4] [--durability fsync]

Runs the sample backend (--visit-interval 86400, so a page load with a
session already counted changes nothing) behind a proxy with a fresh LMDB
store, then with CLIENTS client processes, each on one keep-alive connection:

  create  GET /counter without a cookie: every response starts and saves a
          new session (one store write, durable before the head with fsync)
  read    GET /counter with the client's own session cookie: a store read,
          no write (the visit was counted already)

and prints requests per second of each phase, with latency percentiles.
Only 127.0.0.1; every process is stopped at the end.
"""

import argparse
import http.client
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from session_support import SampleBackend  # noqa: E402


def session_cookie(resp):
    for k, v in resp.getheaders():
        if k.lower() == "set-cookie" and v.startswith("sessionid=") and "Max-Age=0" not in v:
            return v.split(";", 1)[0].split("=", 1)[1]
    return None


def client(mode, port, seconds, start_at, out):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": "load.test"}
    if mode == "read":
        conn.request("GET", "/counter", headers=headers)
        resp = conn.getresponse()
        resp.read()
        sid = session_cookie(resp)
        if not sid:
            out.put({"error": "no session for the read phase"})
            return
        headers["Cookie"] = "sessionid=" + sid
    while time.time() < start_at:
        time.sleep(0.001)
    end = start_at + seconds
    n, errors, lat = 0, 0, []
    while True:
        t = time.perf_counter()
        if time.time() >= end:
            break
        try:
            conn.request("GET", "/counter", headers=headers)
            resp = conn.getresponse()
            resp.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        lat.append(time.perf_counter() - t)
        cookie = session_cookie(resp)
        ok = resp.status == 200 and ((cookie is not None) if mode == "create" else (cookie is None))
        if ok:
            n += 1
        else:
            errors += 1
    conn.close()
    out.put({"n": n, "errors": errors, "lat": lat})


def phase(mode, port, clients, seconds):
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    start_at = time.time() + 0.5
    procs = [ctx.Process(target=client, args=(mode, port, seconds, start_at, out)) for _ in range(clients)]
    for p in procs:
        p.start()
    results = [out.get(timeout=seconds + 30) for _ in procs]
    for p in procs:
        p.join(10)
        if p.is_alive():
            p.kill()
    bad = [r["error"] for r in results if "error" in r]
    if bad:
        raise RuntimeError(bad[0])
    n = sum(r["n"] for r in results)
    errors = sum(r["errors"] for r in results)
    lat = sorted(x for r in results for x in r["lat"])
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else float("nan")
    return {"phase": mode, "ok": n, "errors": errors, "seconds": seconds, "per_second": round(n / seconds),
            "p50_ms": round(pct(0.5), 2), "p99_ms": round(pct(0.99), 2)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--durability", default="fsync", choices=["fsync", "os", "none"])
    ap.add_argument("--threads", type=int, default=1, help="proxy I/O threads")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="sg-load-")
    backend = SampleBackend("--visit-interval", "86400")
    proxy = None
    try:
        cfg = harness.proxy_config(backend.port, tmp, threads=args.threads,
                                   store={"durability": args.durability},
                                   log={"access": False})
        proxy = harness.Proxy(cfg, tmpdir=tmp)
        print(json.dumps({"clients": args.clients, "durability": args.durability,
                          "proxy_threads": args.threads, "cpus": os.cpu_count()}))
        for mode in ("create", "read"):
            print(json.dumps(phase(mode, proxy.port, args.clients, args.seconds)), flush=True)
    finally:
        if proxy:
            proxy.stop()
        backend.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
