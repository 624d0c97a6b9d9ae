#!/usr/bin/env bash
# The README's first command: installs the Debian packages, builds, and runs the main job.
#
# Step 1 of the roadmap (this state of the repo): the main job brings up the soft
# RDMA fabric between two processes and measures it side by side with memcpy and a
# plain TCP ping-pong (srp-fabric-bench --quick). When the SRP target (step 2) and
# srp-perf (step 5) land, this becomes: a target with a default nullio LUN on the
# soft fabric, and a short srp-perf sweep against it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/build.sh"
export SRP_SOFT_FABRIC="${SRP_SOFT_FABRIC:-$(mktemp -d /tmp/srp-soft-fabric.XXXXXX)}"
echo "quickstart: soft subnet directory $SRP_SOFT_FABRIC"
"$top/build/bin/srp-fabric-bench" --quick "$@"
