#!/usr/bin/env bash
# Makes the Dockerfile's base image on a machine that reaches Debian's
# package mirror but no image registry: a minimal Debian 12 from debootstrap,
# imported into podman under the name the Dockerfile's FROM lines use, so
# `podman build --pull=never` finds it. The debootstrap tree is kept as a
# tarball in the cache folder and made again only when that is missing.
# Needs root, debootstrap and podman.
# Usage: docker/local-base.sh [CACHE_DIR]   (default ~/.cache/sessiongate)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
base=$(awk 'toupper($1) == "FROM" { print $2; exit }' "$here/Dockerfile")
cache=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/sessiongate}
tarball=$cache/debian-bookworm-minbase.tar

mkdir -p "$cache"
# Test runs and developers may share the machine and its podman storage.
exec 9>"$cache/local-base.lock"
flock 9

if podman image exists "$base"; then
  exit 0
fi
if [ ! -s "$tarball" ]; then
  work=$(mktemp -d "$cache/debootstrap.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  echo "local-base: debootstrap bookworm (minbase) into $work" >&2
  if ! debootstrap --variant=minbase bookworm "$work/root" >"$work/log" 2>&1; then
    tail -n 20 "$work/log" >&2
    exit 1
  fi
  tar -C "$work/root" --numeric-owner -cf "$work/base.tar" .
  mv "$work/base.tar" "$tarball"
fi
podman import --quiet "$tarball" "$base" >/dev/null
echo "local-base: imported $base from $tarball" >&2
