#!/usr/bin/env bash
# Installs the Debian 12 packages srp-toolkit builds and tests with.
# Idempotent: does nothing when everything is already installed.
# Usage: scripts/install-deps.sh [--ci]   (--ci adds clang for the fuzzer, fio and chromium)
set -euo pipefail

packages=(build-essential cmake pkg-config g++ iproute2
  libibverbs-dev librdmacm-dev libibumad-dev libaio-dev
  libcli11-dev libfmt-dev nlohmann-json3-dev libgtest-dev libgmock-dev
  sg3-utils fuse3 libfuse3-dev e2fsprogs
  dpkg-dev systemd man-db)  # the package test: dpkg-shlibdeps, systemd-analyze verify, man
if [[ "${1:-}" == "--ci" ]]; then
  packages+=(clang libclang-rt-14-dev fio chromium)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "install-deps: need root to install: ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
