#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite: unit tests (Catch2),
# integration tests (real proxy, upstream and redis processes over sockets)
# and browser tests (headless Chromium) in build/; then, in builds of their
# own, the fuzz targets for 30 s each (build-fuzz/, Clang).
# Extra arguments go to ctest for build/ alone and skip the other phases
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
: >"$log"
status=0
# Runs ctest in build dir $1 with the rest as its arguments, appending to the log.
run_ctest() {
  local dir=$1 started=$SECONDS
  shift
  set +e
  (cd "$dir" && ctest --output-on-failure --timeout 1200 -j2 "$@") 2>&1 | tee -a "$log"
  local code=${PIPESTATUS[0]}
  set -e
  [ "$code" -eq 0 ] || status=$code
  echo "phase $dir $*: $((SECONDS - started)) s" | tee -a "$log"
}

run_ctest build "$@"

if [ $# -eq 0 ]; then
  # Fuzzing: every target for 30 s from its committed seeds.
  started=$SECONDS
  scripts/build.sh build-fuzz fuzzers
  echo "phase build-fuzz build: $((SECONDS - started)) s" | tee -a "$log"
  run_ctest build-fuzz -L fuzz
fi

passed=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed' "$log" || true)
# A test that skips itself (a tool it needs is missing) is neither.
skipped=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*\*\*\*Skipped' "$log" || true)
failed=$(grep -E '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*(\*\*\*|Failed|Not Run|Timeout|Exception)' "$log" |
         grep -cv '\*\*\*Skipped' || true)
echo
echo "summary: $passed passed, $failed failed, $skipped skipped"
exit "$status"
