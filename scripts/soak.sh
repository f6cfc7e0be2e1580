#!/usr/bin/env bash
# A bounded soak: mixed traffic (sessions made, read, changed, cycled and
# flushed; uploads; streams; server-sent events; WebSockets; SIGHUP reloads)
# through two real proxies on LMDB, one in front of the sample backend and
# one in front of the integration tests' echo upstream, for 10 minutes by
# default. Fails when a request fails or a proxy's memory or open files grow
# past their bounds after the warm-up; prints a summary.
# Usage: scripts/soak.sh [--duration SECONDS] [--clients N] [--warmup SECONDS]
#                        [--rss-growth-mib MIB] [--fd-growth N] [--seed N]
# Uses build/ (built here if its binaries are missing), or SESSIONGATE_BIN
# and SAMPLE_BACKEND_BIN when set (as CTest sets them).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SESSIONGATE_BIN:-}" ] || [ -z "${SAMPLE_BACKEND_BIN:-}" ]; then
  if [ ! -x build/sessiongate ] || [ ! -x build/sample_backend ]; then
    scripts/build.sh build sessiongate sample_backend
  fi
  export SESSIONGATE_BIN="${SESSIONGATE_BIN:-$PWD/build/sessiongate}"
  export SAMPLE_BACKEND_BIN="${SAMPLE_BACKEND_BIN:-$PWD/build/sample_backend}"
fi
export PYTHONDONTWRITEBYTECODE=1
exec python3 tests/integration/soak.py "$@"
