#!/usr/bin/env bash
# Configures (once) and builds sessiongate, the sample backend and the tests.
# Usage: scripts/build.sh [build-dir [target...]]   (default: build, Release, all)
# A build dir named build-asan builds with Clang, ASan and UBSan, the
# libFuzzer targets included (target `fuzzers`); build-tsan with TSan.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
# ccache hits across clones in other folders (CI builds a fresh clone).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
jobs=$(nproc 2>/dev/null || echo 2)
options=(-DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}")
case "$(basename "$build_dir")" in
  build-asan) options=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 -DSESSIONGATE_FUZZ=ON) ;;
  build-tsan) options=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSESSIONGATE_TSAN=ON) ;;
esac
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja "${options[@]}" >/dev/null
fi
shift || true
targets=()
[ $# -gt 0 ] && targets=(--target "$@")
cmake --build "$build_dir" -j "$jobs" "${targets[@]}"
