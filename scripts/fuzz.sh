#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for N seconds (default 30).
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds="${1:-30}"
if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ not installed; skipping the fuzzers (scripts/install-deps.sh --ci installs it)" >&2
  exit 0
fi
build_dir="$top/build-fuzz"
cmake -S "$top" -B "$build_dir" -DSRP_FUZZ=ON -DSRP_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target fuzzers
for fuzzer in "$build_dir"/bin/fuzz_*; do
  [[ -x "$fuzzer" ]] || continue
  name=$(basename "$fuzzer")
  corpus="$build_dir/corpus/$name"
  mkdir -p "$corpus"
  # Seeds: fuzz/corpus/<first word after fuzz_>, e.g. fuzz_srp_decoders -> fuzz/corpus/srp.
  short=${name#fuzz_}
  seeds=()
  [[ -d "$top/fuzz/corpus/${short%%_*}" ]] && seeds+=("$top/fuzz/corpus/${short%%_*}")
  echo "fuzz.sh: $name for ${seconds}s"
  "$fuzzer" -max_total_time="$seconds" -print_final_stats=1 "$corpus" "${seeds[@]}" 2>&1 | tail -n 12
  # libFuzzer exits non-zero on a crash/leak; pipefail propagates it.
done
