#!/usr/bin/env bash
# Prints the Debian packages that hold the shared libraries the given
# binaries load, one per line: what the runtime image must install, found
# from the binaries themselves so a new dependency needs no edit here.
# Usage: docker/runtime-packages.sh BINARY...
set -euo pipefail
libraries=$(for binary in "$@"; do ldd "$binary"; done | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u)
for library in $libraries; do
  # With merged /usr a library is found under /lib or /usr/lib, while dpkg
  # records one of the two: ask for the path, then for its twin.
  real=$(readlink -f "$library")
  owner=$(dpkg -S "$real" 2>/dev/null || dpkg -S "${real#/usr}" 2>/dev/null || dpkg -S "/usr$real" 2>/dev/null) || {
    echo "runtime-packages: no package holds $library" >&2
    exit 1
  }
  echo "${owner%%:*}"
done | sort -u
