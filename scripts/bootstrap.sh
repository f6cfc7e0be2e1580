#!/usr/bin/env bash
# Installs the Debian 12 packages that building and testing sessiongate need.
# Idempotent: quiet when everything is present; runs `apt-get update` only
# when something is missing. Node/npm come from Debian only where `node` is
# absent (machines that already have a newer Node keep it).
# Usage: scripts/bootstrap.sh [--build-only]
#   --build-only: only what configuring and building needs (the container
#   image's build stage), none of the servers, browsers and tools the tests use.
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build ccache pkg-config python3
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev liblmdb-dev libyaml-cpp-dev catch2 libcli11-dev libhiredis-dev prometheus-cpp-dev libidn2-dev
  libjemalloc-dev
)
# Servers and tools of the tests and benchmarks; the image test builds with
# podman on a debootstrap base, no daemon needed.
test_packages=(
  git curl openssl lmdb-utils redis-server chromium procps iproute2 python3-yaml
  podman debootstrap strace
  nginx haproxy wrk libbenchmark-dev linux-perf
  clang-14 libfuzzer-14-dev
)

packages=("${build_packages[@]}")
case "${1:-}" in
  --build-only) ;;
  "")
    packages+=("${test_packages[@]}")
    command -v node >/dev/null 2>&1 || packages+=(nodejs npm)
    ;;
  *) echo "usage: $0 [--build-only]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  # Debian starts redis-server, nginx and haproxy on install; our tests and
  # bench/ start their own on ports of their own, so the system ones are
  # left alone.
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
