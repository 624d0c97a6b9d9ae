#!/usr/bin/env bash
# Configures and builds srp-toolkit. Executables land in <build dir>/bin.
# Usage: scripts/build.sh [--asan] [--tools] [--build-dir DIR] [--type Debug|Release|RelWithDebInfo]
#   --tools  build only the tools, libraries and man pages (the `tools` target), not the tests
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build_dir="$top/build"
type=RelWithDebInfo
extra=()
targets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    # -g1 (line tables only) keeps sanitizer stack traces symbolized and builds faster than -g.
    --asan) build_dir="$top/build-asan"; type=Debug
            extra+=(-DSRP_SANITIZE=ON -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DCMAKE_C_FLAGS_DEBUG=-g1) ;;
    --tools) targets=(--target tools) ;;
    --build-dir) build_dir="$2"; shift ;;
    --type) type="$2"; shift ;;
    -h|--help) sed -n '2,3p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
"$top/scripts/install-deps.sh"
# ccache speeds up rebuilds when it is installed (CCACHE_DISABLE=1 turns it off).
if command -v ccache >/dev/null; then
  extra+=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# Prefix /usr: the Debian layout (config in /etc) that `cmake --install` and cpack use.
cmake -S "$top" -B "$build_dir" -DCMAKE_BUILD_TYPE="$type" -DCMAKE_INSTALL_PREFIX=/usr \
  "${extra[@]}" >/dev/null
cmake --build "$build_dir" -j"$(nproc)" "${targets[@]}"
