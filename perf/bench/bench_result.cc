#include "perf/bench/bench_result.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <thread>

namespace srp::bench {

const char* TransportName(Transport transport) {
  switch (transport) {
    case Transport::kSoft:
      return "soft";
    case Transport::kTcp:
      return "tcp";
    case Transport::kMemcpy:
      return "memcpy";
  }
  return "?";
}

const char* TestKindName(TestKind kind) {
  switch (kind) {
    case TestKind::kPingPong:
      return "pingpong";
    case TestKind::kMessageRate:
      return "msgrate";
    case TestKind::kRdmaWrite:
      return "rdma_write";
    case TestKind::kRdmaRead:
      return "rdma_read";
    case TestKind::kStream:
      return "stream";
    case TestKind::kMemcpy:
      return "memcpy";
  }
  return "?";
}

LatencySummary Summarize(std::vector<double>& samples_ns) {
  LatencySummary s;
  if (samples_ns.empty()) return s;
  std::sort(samples_ns.begin(), samples_ns.end());
  s.n = samples_ns.size();
  s.min_ns = samples_ns.front();
  s.max_ns = samples_ns.back();
  double sum = 0;
  for (double v : samples_ns) sum += v;
  s.mean_ns = sum / s.n;
  double var = 0;
  for (double v : samples_ns) var += (v - s.mean_ns) * (v - s.mean_ns);
  s.stddev_ns = std::sqrt(var / s.n);
  auto pct = [&](double p) {
    const size_t idx = static_cast<size_t>(std::ceil(p / 100.0 * s.n)) - 1;
    return samples_ns[std::min(idx, s.n - 1)];
  };
  s.p50_ns = pct(50);
  s.p99_ns = pct(99);
  return s;
}

bool ReapChild(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (r < 0 && errno != EINTR) return false;
    if (Clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return false;
}

}  // namespace srp::bench
