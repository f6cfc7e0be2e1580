#!/usr/bin/env bash
# Configures (once) and builds sessiongate, the sample backend and the tests.
# Usage: scripts/build.sh [build-dir [target...]]   (default: build, Release, all)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
# ccache hits across clones in other folders (CI builds a fresh clone).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
jobs=$(nproc 2>/dev/null || echo 2)
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" >/dev/null
fi
shift || true
targets=()
[ $# -gt 0 ] && targets=(--target "$@")
cmake --build "$build_dir" -j "$jobs" "${targets[@]}"
