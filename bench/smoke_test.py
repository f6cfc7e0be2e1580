#!/usr/bin/env python3
"""Smoke test of bench/run.sh: a --quick run prints every row of the table.

Rows that must be measured: nginx, haproxy, sessiongate on LMDB (1 and 2
threads) and its random session reads (1 thousand of 1 thousand stored,
1 thousand and 10 thousand of 10 thousand stored), with figures and no
errors; the two lines comparing them must follow. The redis and cookie stores must be measured once check-config
accepts them and may say "not available" before; nginx + lua-resty-session
must be measured when LRS is set. The memory table must have both servers
with figures, and the store table its two rows when store_bench is built.
fill_sessions must refuse bad usage with exit code 2. SESSIONGATE_BIN
names the binary, STORE_BENCH the store micro-benchmark, FILL_SESSIONS the
store filler.
"""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SESSIONGATE = os.environ.get("SESSIONGATE_BIN", str(BENCH.parent / "build" / "sessiongate"))
FILL_SESSIONS = os.environ.get("FILL_SESSIONS", str(BENCH.parent / "build" / "bench" / "fill_sessions"))

# | label | 12.3k | 0.95 | 1.23 ms | 4.56 ms | 12.0k-12.5k | 0 |
MEASURED = r"\| [0-9.]+k \| [0-9.]+ \| [0-9.]+ ms \| [0-9.]+ ms \| [0-9.]+k-[0-9.]+k \| 0 \|$"
NOT_AVAILABLE = r"\| not available \((?P<reason>[^)]*)\) \|"
LOADS = ["no cookie", "session read", "session saved per request"]


def store_accepted(store_type):
    """Whether check-config accepts a configuration of this store type."""
    with tempfile.TemporaryDirectory() as folder:
        keys = Path(folder, "keys")
        keys.write_text("k" * 48 + "\n")
        config = Path(folder, "sessiongate.yaml")
        settings = {"lmdb": f"  path: {folder}/lmdb\n", "redis": "  url: redis://127.0.0.1:6379/0\n"}
        config.write_text(f"secret_key_file: {keys}\nstore:\n  type: {store_type}\n"
                          + settings.get(store_type, ""))
        return subprocess.run([SESSIONGATE, "check-config", "-c", str(config)],
                              capture_output=True).returncode == 0


def expected_rows():
    """(label regex, may it be unavailable, reason it must give then)."""
    rows = [
        (r"nginx [0-9.]+ proxy_pass, upstream keepalive, no sessions", False, None),
        (r"haproxy [0-9.]+, 1 thread", False, None),
    ]
    lrs = "nginx \\+ lua-resty-session [0-9.]* ?\\(shm\\)"
    for load in LOADS[1:]:
        rows.append((f"{lrs}, {load}", not os.environ.get("LRS"), "LRS not set"))
    for store in ["lmdb", "redis", "cookie"]:
        optional = store != "lmdb" and not store_accepted(store)
        for load in LOADS:
            note = " \\(fsync\\)" if store == "lmdb" and load == LOADS[2] else ""
            rows.append((f"sessiongate {store}, {load}{note}", optional, "check-config: "))
    for load in LOADS:
        note = " \\(fsync\\)" if load == LOADS[2] else ""
        rows.append((f"sessiongate lmdb, threads: 2, {load}{note}", False, None))
    for stored, read in [("1 thousand", "1 thousand"), ("10 thousand", "1 thousand"),
                         ("10 thousand", "10 thousand")]:
        rows.append((f"sessiongate lmdb, session read, {stored} stored, {read} read at random", False, None))
    return rows


def fill_sessions_usage_problems():
    """fill_sessions exits 2 on a usage or configuration error, before it opens a store."""
    problems = []
    with tempfile.TemporaryDirectory() as folder:
        good, bad, out = Path(folder, "good.yaml"), Path(folder, "bad.yaml"), f"{folder}/cookies"
        good.write_text(f"store:\n  type: lmdb\n  path: {folder}/lmdb\n")
        bad.write_text(f"store:\n  typo: lmdb\n  path: {folder}/lmdb\n")
        for args in [[], ["-c", str(good), "--sessions", "0", "-o", out],
                     ["-c", str(good), "--sessions", "10", "--sample", "11", "-o", out],
                     ["-c", str(bad), "--sessions", "10", "-o", out]]:
            code = subprocess.run([FILL_SESSIONS, *args], capture_output=True).returncode
            if code != 2:
                problems.append(f"fill_sessions {' '.join(args)} exited with {code}, not 2")
        if Path(folder, "lmdb").exists():
            problems.append("fill_sessions made a store on a usage error")
    return problems


def main():
    run = subprocess.run([str(BENCH / "run.sh"), "--quick"], capture_output=True, text=True, timeout=600)
    print(run.stdout)
    print(run.stderr, file=sys.stderr)
    problems = []
    if run.returncode != 0:
        problems.append(f"run.sh --quick exited with {run.returncode}")
    lines = run.stdout.splitlines()
    table = [line for line in lines if re.search(MEASURED, line) or re.search(NOT_AVAILABLE, line)]

    rows = expected_rows()
    for label, optional, reason in rows:
        measured = [line for line in lines if re.fullmatch(rf"\| {label} {MEASURED}", line)]
        unavailable = [match for line in lines
                       if (match := re.match(rf"\| {label} {NOT_AVAILABLE}", line))]
        if measured:
            continue
        if optional and unavailable and unavailable[0]["reason"].startswith(reason):
            continue
        problems.append(f"no {'row' if optional else 'measured row'} matching '{label}'")

    figures = r": [0-9.]+x req/s, p99 [0-9.]+ vs [0-9.]+ ms"
    comparisons = {
        "10k vs 1k stored, 1k read at random" + figures + r" \(target: within 10%\)":
            "the stores of 10 thousand and 1 thousand, read the same way",
        "10k stored, 10k read at random, vs 1k stored, 1k read" + figures:
            "10 thousand read at random with 1 thousand",
    }
    for comparison, what in comparisons.items():
        if not any(re.fullmatch(comparison, line) for line in lines):
            problems.append(f"no line comparing {what}")

    memory = [line for line in lines if re.fullmatch(
        r"\| (sessiongate lmdb, 1 thread|nginx [0-9.]+ proxy_pass \(worker process\)) \| "
        r"[0-9.]+ MB \| [0-9.]+ MB \| -?[0-9.]+ KB \| [0-9]+ \|", line)]
    if len(memory) != 2:
        problems.append(f"the memory table has {len(memory)} of its 2 rows")
    # The store micro-benchmark's rows, when it is built (STORE_BENCH).
    if Path(os.environ.get("STORE_BENCH", BENCH.parent / "build" / "bench" / "store_bench")).exists():
        loads = [line for line in lines if re.fullmatch(r"\| (1000|10000) \| [0-9.]+ us \| [0-9.]+ \|", line)]
        if len(loads) != 2:
            problems.append(f"the store table has {len(loads)} of its 2 rows (1000 and 10000 sessions)")
    if len(table) != len(rows):
        problems.append(f"the table has {len(table)} rows, not {len(rows)}")

    problems += fill_sessions_usage_problems()

    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
