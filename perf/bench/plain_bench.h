// The baselines srp-fabric-bench compares the soft fabric with: memcpy in one
// process, and TCP over loopback between two processes.
#pragma once

#include <vector>

#include "lib/common/status.h"
#include "perf/bench/bench_result.h"

namespace srp::bench {

// memcpy bandwidth for each of config.bulk_sizes.
std::vector<Measurement> RunMemcpy(const BenchConfig& config);

// TCP on 127.0.0.1 against a forked child: ping-pong of message_size,
// one-way message rate of message_size, and streaming of each bulk size.
Result<std::vector<Measurement>> RunTcp(const BenchConfig& config);

}  // namespace srp::bench
