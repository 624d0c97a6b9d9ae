#!/usr/bin/env bash
# Builds srp-toolkit and runs every test with CTest (the README's test command).
# Usage: scripts/test.sh [--asan] [extra ctest args...]
#   --asan   AddressSanitizer + UndefinedBehaviorSanitizer build in build-asan/
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build_args=()
build_dir="$top/build"
if [[ "${1:-}" == "--asan" ]]; then
  build_args+=(--asan)
  build_dir="$top/build-asan"
  shift
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:${ASAN_OPTIONS:-}"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
fi
"$top/scripts/build.sh" "${build_args[@]}"
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" "$@"
