#!/usr/bin/env bash
# Sets up, builds, and runs sessiongate on 127.0.0.1:8080 in front of the
# sample backend (127.0.0.1:8000) on the embedded LMDB store. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/build.sh build sessiongate sample_backend

build/sample_backend --listen 127.0.0.1:8000 &
backend=$!
trap 'kill $backend 2>/dev/null || true' EXIT

echo
echo "  sessiongate demo: open http://127.0.0.1:8080/ in a browser"
echo "  (admin: http://127.0.0.1:9901/healthz and /metrics; Ctrl-C to stop)"
echo
build/sessiongate run -c config/demo.yaml
