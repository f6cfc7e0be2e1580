#!/usr/bin/env bash
# Runs the unit and integration suites against a sanitizer build of their own.
# Usage: scripts/sanitize.sh tsan [ctest arguments...]
#
# tsan: builds build-tsan/ (ThreadSanitizer, -DSESSIONGATE_TSAN=ON) and runs
#   the unit tests, then the integration tests with every test's proxy on two
#   I/O threads (TEST_PROXY_THREADS=2, unless a test sets its own). The first
#   race report ends the process (halt_on_error), and the harness fails a test
#   whose proxy printed "WARNING: ThreadSanitizer" on its stderr. No report
#   is suppressed: every one is a defect to fix. Slow tests are bounded by their
#   environment variables (SESSIONGATE_STREAM_BYTES); the image test is left
#   out (it builds its own release binary). Not part of scripts/test.sh: it
#   takes about as long as the whole suite.
# Extra arguments go to both ctest runs (e.g. `-R 'lmdb|concurrency'`).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-}
[ $# -gt 0 ] && shift
case "$mode" in
  tsan)
    build_dir=build-tsan
    # second_deadlock_stack: both stacks of a lock-order report.
    export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
    export TEST_PROXY_THREADS=${TEST_PROXY_THREADS:-2}
    # TSan runs the proxy several times slower: 256 MiB streams still exceed
    # the flat-memory bound's 64 MiB, in a fraction of the time of 1 GiB.
    export SESSIONGATE_STREAM_BYTES=${SESSIONGATE_STREAM_BYTES:-$((256 << 20))}
    ;;
  *) echo "usage: $0 tsan [ctest arguments...]" >&2; exit 2 ;;
esac

scripts/bootstrap.sh
scripts/build.sh "$build_dir"

log=$build_dir/sanitize.log
: >"$log"
status=0
run_ctest() {
  local started=$SECONDS code
  set +e
  (cd "$build_dir" && ctest --output-on-failure --timeout 1800 -j2 "$@") 2>&1 | tee -a "$log"
  code=${PIPESTATUS[0]}
  set -e
  [ "$code" -eq 0 ] || status=$code
  echo "phase $mode $*: $((SECONDS - started)) s" | tee -a "$log"
}
run_ctest -L unit "$@"
run_ctest -L integration -LE image "$@"

passed=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed' "$log" || true)
failed=$(grep -E '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*(\*\*\*|Failed|Not Run|Timeout|Exception)' "$log" |
         grep -cv '\*\*\*Skipped' || true)
reports=$(grep -c 'WARNING: ThreadSanitizer' "$log" || true)
echo
echo "$mode summary: $passed passed, $failed failed, $reports sanitizer reports in failing tests' output"
exit "$status"
