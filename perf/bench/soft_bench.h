// The soft fabric part of srp-fabric-bench: a forked child opens its own soft
// port in config.subnet_dir and serves; this process connects to it.
#pragma once

#include <vector>

#include "lib/common/status.h"
#include "perf/bench/bench_result.h"

namespace srp::bench {

// SEND/RECV ping-pong and windowed message rate of config.message_size, then
// RDMA WRITE and RDMA READ bandwidth for each of config.bulk_sizes.
// REQUIRES: called before this process opens any fabric (it forks).
Result<std::vector<Measurement>> RunSoft(const BenchConfig& config);

}  // namespace srp::bench
