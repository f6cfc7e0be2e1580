#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite: unit tests (Catch2),
# integration tests (real proxy, upstream and redis processes over sockets)
# and browser tests (headless Chromium). Extra arguments go to ctest
# (e.g. `scripts/test.sh -L unit`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/build.sh build

# Browser test dependencies, pinned by tests/browser/package-lock.json.
if [ ! -d tests/browser/node_modules ] || [ tests/browser/package-lock.json -nt tests/browser/node_modules ]; then
  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
  touch tests/browser/node_modules
fi

log=build/ctest.log
set +e
(cd build && ctest --output-on-failure --timeout 1200 -j2 "$@") 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

passed=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed' "$log" || true)
failed=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*(\*\*\*|Failed|Not Run|Timeout|Exception)' "$log" || true)
echo
echo "summary: $passed passed, $failed failed"
exit "$status"
