#!/usr/bin/env bash
# Installs the Debian 12 packages that building and testing sessiongate need.
# Idempotent: quiet when everything is present; runs `apt-get update` only
# when something is missing. Node/npm come from Debian only where `node` is
# absent (machines that already have a newer Node keep it).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git curl
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev liblmdb-dev lmdb-utils libyaml-cpp-dev catch2 libcli11-dev libhiredis-dev prometheus-cpp-dev libidn2-dev
  redis-server openssl chromium procps python3
  nginx haproxy wrk libbenchmark-dev
  clang-14 libfuzzer-14-dev
)
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)

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
