#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite, in three phases:
#   build/       (Release) unit tests (Catch2), integration tests (real
#                proxy, upstream and redis processes over sockets), browser
#                tests (headless Chromium) and the bench smoke; then the
#                container image test
#   build-asan/  (Clang, ASan and UBSan) the unit and integration suites
#                again, every sanitizer finding fatal, slow tests bounded
#   build-asan/  the libFuzzer targets of that same build, 30 s each
# Each phase prints its time; the last line is the summary.
# Extra arguments go to ctest for build/ alone and skip the other phases
# (e.g. `scripts/test.sh -L unit`).
set -euo pipefail
cd "$(dirname "$0")/.."
log=build/ctest.log
mkdir -p build
: >"$log"
status=0
phases=()

# Runs a phase: "$1" names it, the rest is the command; records its time.
phase() {
  local name=$1 started=$SECONDS
  shift
  "$@"
  phases+=("$name $((SECONDS - started)) s")
  echo "phase $name: $((SECONDS - started)) s" | tee -a "$log"
}

# Runs ctest in build dir $1 with the rest as its arguments, appending to the log.
run_ctest() {
  local dir=$1
  shift
  set +e
  (cd "$dir" && ctest --output-on-failure --timeout 1200 -j2 "$@") 2>&1 | tee -a "$log"
  local code=${PIPESTATUS[0]}
  set -e
  [ "$code" -eq 0 ] || status=$code
}

# The sanitizer phase: any report stops the process (UBSan is built with
# -fno-sanitize-recover), and the tests read these bounds to stay short.
run_asan_suite() {
  ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  SESSIONGATE_STREAM_BYTES=$((64 << 20)) TEST_FAULT_ROUNDS=10 \
    run_ctest build-asan -L 'unit|integration' -LE 'image|measured'
}

# Debian packages, and the browser test's dependencies pinned by
# tests/browser/package-lock.json.
setup() {
  scripts/bootstrap.sh
  if [ ! -d tests/browser/node_modules ] || [ tests/browser/package-lock.json -nt tests/browser/node_modules ]; then
    npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
    touch tests/browser/node_modules
  fi
}

phase setup setup
phase build scripts/build.sh build
if [ $# -gt 0 ]; then
  phase suite run_ctest build "$@"
else
  phase suite run_ctest build -LE image
  # Alone: the image build takes both cores.
  phase image run_ctest build -L image
  phase build-asan scripts/build.sh build-asan
  phase asan-suite run_asan_suite
  phase fuzz run_ctest build-asan -L fuzz
fi

passed=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed' "$log" || true)
# A test that skips itself (a tool it needs is missing) is neither.
skipped=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*\*\*\*Skipped' "$log" || true)
failed=$(grep -E '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*(\*\*\*|Failed|Not Run|Timeout|Exception)' "$log" |
         grep -cv '\*\*\*Skipped' || true)
echo
echo "phases: $(IFS=,; echo "${phases[*]}" | sed 's/,/, /g'), total $SECONDS s"
echo "summary: $passed passed, $failed failed, $skipped skipped"
exit "$status"
