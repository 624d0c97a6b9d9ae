#!/usr/bin/env bash
# The README's first command: installs the Debian packages, builds, and runs the main job on
# the soft fabric:
#   1. srp-target serve with the default LUNs (0: null0 nullio, 1: mem1 64 MiB in memory),
#   2. srp-io luns and a 16 MiB write/read-back verify against it,
#   3. the default srp-perf sweep: target thread modes 0 and 1 at QD1 and QD32 (4 KiB random
#      reads from the nullio LUN, 2 s each; our srp-target started on a temporary soft subnet),
#      JSON results in $SRP_QUICKSTART_OUT (default ./srp-perf-quickstart), then `srp-perf report`
#      renders them to Markdown and HTML next to them,
#   4. the fabric microbenchmark (soft vs memcpy vs TCP, srp-fabric-bench --quick).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin="$top/build/bin"
"$top/scripts/build.sh" --tools   # the tools only; scripts/test.sh builds the test suite

workdir=$(mktemp -d /tmp/srp-quickstart.XXXXXX)
export SRP_SOFT_FABRIC="$workdir/subnet"
mkdir -p "$SRP_SOFT_FABRIC"
target_pid=
cleanup() {
  if [[ -n "$target_pid" ]] && kill -0 "$target_pid" 2>/dev/null; then
    kill -TERM "$target_pid"
    wait "$target_pid" || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT

echo "== 1. srp-target serve --fabric soft (subnet $SRP_SOFT_FABRIC)"
"$bin/srp-target" serve --fabric soft --port-name quickstart-target \
  >"$workdir/target.out" 2>"$workdir/target.log" &
target_pid=$!
for _ in $(seq 100); do
  grep -q '^ready' "$workdir/target.out" 2>/dev/null && break
  kill -0 "$target_pid" 2>/dev/null || { cat "$workdir/target.log" >&2; exit 1; }
  sleep 0.1
done
grep -q '^ready' "$workdir/target.out" || { echo "target did not come up" >&2; exit 1; }
target=$(sed -n 's/^target: \(.*service_id=.*\)$/\1/p' "$workdir/target.out" | head -n 1)
echo "target: $target"

echo "== 2. srp-io luns / verify"
"$bin/srp-io" luns "$target" --fabric soft
"$bin/srp-io" verify "$target" --fabric soft --lun 1 --size 16M --bs 1M
kill -TERM "$target_pid"
wait "$target_pid" || true
target_pid=

echo "== 3. target thread modes 0 vs 1 (srp-perf sweep, then srp-perf report)"
out="${SRP_QUICKSTART_OUT:-$PWD/srp-perf-quickstart}"
rm -rf "$out/results" "$out/report"
"$bin/srp-perf" sweep --out "$out/results"
"$bin/srp-perf" report "$out/results" --out "$out/report"
echo "results: $out/results/summary.json  report: $out/report/report.md, $out/report/report.html"

echo "== 4. soft fabric vs memcpy vs TCP (srp-fabric-bench --quick)"
"$bin/srp-fabric-bench" --quick
