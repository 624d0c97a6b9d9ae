// srp-perf: benchmark sweeps with tuning knobs applied and restored, JSON
// results, rendered reports. See perf/cli/perf_cli.h and perf/README.md.
#include <signal.h>

#include <atomic>

#include "perf/cli/perf_cli.h"

namespace {

std::atomic<bool> g_stop{false};

// Async-signal-safe: one lock-free store. SA_RESETHAND makes a second
// Ctrl-C kill the process (the journal then lets `srp-perf restore` undo it).
void OnSignal(int) { g_stop.store(true); }

}  // namespace

int main(int argc, char** argv) {
  static_assert(std::atomic<bool>::is_always_lock_free);
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sa.sa_flags = SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return srp::perf::PerfMain(argc, argv, &g_stop);
}
