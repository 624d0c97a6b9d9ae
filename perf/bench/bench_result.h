// Result records of srp-fabric-bench and the helpers every part shares.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace srp::bench {

using Clock = std::chrono::steady_clock;

enum class Transport { kSoft, kTcp, kMemcpy };
enum class TestKind { kPingPong, kMessageRate, kRdmaWrite, kRdmaRead, kStream, kMemcpy };

const char* TransportName(Transport transport);
const char* TestKindName(TestKind kind);

struct LatencySummary {
  uint64_t n = 0;
  double min_ns = 0, max_ns = 0, mean_ns = 0, stddev_ns = 0, p50_ns = 0, p99_ns = 0;
};

// Sorts `samples_ns` and summarizes them.
LatencySummary Summarize(std::vector<double>& samples_ns);

struct Measurement {
  Transport transport = Transport::kSoft;
  TestKind kind = TestKind::kPingPong;
  size_t size = 0;         // bytes per message / transfer
  double seconds = 0;      // measured interval
  uint64_t ops = 0;        // round trips, messages or transfers completed
  uint64_t bytes = 0;      // payload bytes moved (one direction)
  LatencySummary latency;  // ping-pong round-trip times only

  double ops_per_second() const { return seconds > 0 ? ops / seconds : 0; }
  double gb_per_second() const { return seconds > 0 ? bytes / seconds / 1e9 : 0; }
};

// What every part needs to know.
struct BenchConfig {
  double duration_s = 1.0;  // per measurement
  size_t message_size = 64;
  int window = 32;      // message-rate window
  int rdma_window = 8;  // RDMA READ/WRITE transfers in flight
  int spin_us = 0;      // soft: busy-poll this long before sleeping on the CQ fd (2 cores: 0)
  std::vector<size_t> bulk_sizes = {64 * 1024, 1024 * 1024};
  std::string subnet_dir;  // soft subnet directory (created by main)
};

// Waits up to `timeout` for `pid` to exit, then SIGKILLs and reaps it.
// Returns true when it exited by itself with status 0.
bool ReapChild(pid_t pid, std::chrono::milliseconds timeout);

}  // namespace srp::bench
