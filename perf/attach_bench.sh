#!/usr/bin/env bash
# srp-attach at device speed (issue 15): fio on the attached device vs raw fio on the backing
# loop device of a blockio LUN, side by side in one run, for each workload. Needs root, fio,
# /dev/fuse and loop devices; builds nothing (run scripts/build.sh first).
#
# Usage: perf/attach_bench.sh [--bin DIR] [--runtime S] [--size MIB] [--repeat N]
#                             [--threads N] [--json FILE]
# Prints a Markdown table: workload, raw IOPS/MiB/s, attached IOPS/MiB/s, ratio, goal.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin="$top/build/bin"
runtime=5
size_mib=256
repeat=1
threads=32
json=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bin) bin="$2"; shift ;;
    --runtime) runtime="$2"; shift ;;
    --size) size_mib="$2"; shift ;;
    --repeat) repeat="$2"; shift ;;
    --threads) threads="$2"; shift ;;
    --json) json="$2"; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "attach_bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
for tool in fio losetup; do
  command -v "$tool" >/dev/null || { echo "attach_bench.sh: $tool is missing" >&2; exit 2; }
done

work=$(mktemp -d /dev/shm/srp-attach-bench.XXXXXX)
export SRP_SOFT_FABRIC="$work/subnet"
mkdir -p "$SRP_SOFT_FABRIC"
target_pid=""
raw=""
dev=""
cleanup() {
  [[ -n "$dev" ]] && "$bin/srp-attach" --detach "$dev" --run-dir "$work/run" >/dev/null 2>&1 || true
  [[ -n "$target_pid" ]] && kill "$target_pid" 2>/dev/null && wait "$target_pid" 2>/dev/null || true
  [[ -n "$raw" ]] && losetup -d "$raw" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The backing device: a tmpfs file behind a loop device (direct I/O), served by vdisk_blockio.
truncate -s "${size_mib}M" "$work/backing.img"
raw=$(losetup --find --show --direct-io=on "$work/backing.img")
cat >"$work/bench.conf" <<EOF
HANDLER vdisk_blockio {
	DEVICE bench {
		filename $raw
	}
}
TARGET_DRIVER ib_srpt {
	TARGET tgt0 {
		LUN 1 bench
	}
}
EOF
"$bin/srp-target" serve --fabric soft --port-name bench-tgt --config "$work/bench.conf" \
  --srp-max-message-size 8260 --log-level warning >"$work/target.out" 2>"$work/target.err" &
target_pid=$!
for _ in $(seq 100); do grep -q '^ready' "$work/target.out" 2>/dev/null && break; sleep 0.1; done
line=$(sed -n 's/^target: \(.*dgid=.*\)/\1/p' "$work/target.out" | head -1)
[[ -n "$line" ]] || { echo "attach_bench.sh: the target did not start" >&2; cat "$work/target.err" >&2; exit 1; }
dev=$("$bin/srp-attach" "$line" --lun 1 --fabric soft --run-dir "$work/run" --threads "$threads")
# Fill both once so reads are not of holes.
fio --name=fill --filename="$dev" --rw=write --bs=1M --iodepth=8 --ioengine=libaio --direct=1 \
  --size="${size_mib}M" --output=/dev/null

# fio JSON -> "iops mib_s" of the read or write side.
run_fio() {  # device rw bs iodepth
  fio --name=bench --filename="$1" --rw="$2" --bs="$3" --iodepth="$4" --ioengine=libaio \
    --direct=1 --time_based --runtime="$runtime" --ramp_time=1 --size="${size_mib}M" \
    --output-format=json 2>/dev/null |
    python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]
side = j["read"] if j["read"]["io_bytes"] else j["write"]
print("%.0f %.1f" % (side["iops"], side["bw"] / 1024.0))'
}

declare -a rows
echo "| workload | raw IOPS | raw MiB/s | attached IOPS | attached MiB/s | ratio | goal |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for spec in "randread 4k 32 0.3" "randwrite 4k 32 0.3" "read 1M 8 0.6" "write 1M 8 0.6"; do
  read -r rw bs qd goal <<<"$spec"
  for r in $(seq "$repeat"); do
    read -r raw_iops raw_bw <<<"$(run_fio "$raw" "$rw" "$bs" "$qd")"
    read -r att_iops att_bw <<<"$(run_fio "$dev" "$rw" "$bs" "$qd")"
    ratio=$(python3 -c "print('%.2f' % ($att_iops / max($raw_iops, 1)))")
    echo "| $rw $bs QD$qd | $raw_iops | $raw_bw | $att_iops | $att_bw | ${ratio}x | ${goal}x |"
    rows+=("{\"rw\":\"$rw\",\"bs\":\"$bs\",\"iodepth\":$qd,\"repeat\":$r,\"raw_iops\":$raw_iops,\"attached_iops\":$att_iops,\"ratio\":$ratio,\"goal\":$goal}")
  done
done
if [[ -n "$json" ]]; then
  (IFS=,; echo "[${rows[*]}]") >"$json"
fi
