// Our own srp-target as a child process on a temporary soft subnet: the `srp`
// engine's default target (LUN 0 nullio, LUN 1 memory). Restart(thread)
// implements the thread-mode knob. The subnet directory is created by Start
// and removed by the destructor.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>

#include "lib/common/status.h"

namespace srp::perf {

struct TargetProcessOptions {
  std::string binary;               // path of srp-target
  int thread = 0;                   // --thread
  std::string poll_mode = "event";  // --poll-mode: event | busy
  int cpu = -1;                     // pin the child to this CPU (-1: no pinning)
  std::string log_level = "warning";
};

class TargetProcess {
 public:
  explicit TargetProcess(TargetProcessOptions options) : options_(std::move(options)) {}
  ~TargetProcess();
  TargetProcess(const TargetProcess&) = delete;
  TargetProcess& operator=(const TargetProcess&) = delete;

  // Creates the subnet (first call), starts the child and waits (bounded) for
  // its "ready" line; the target string is the IB-form line it printed.
  Status Start();
  // SIGTERM, then SIGKILL after 5 s; reaps the child.
  void Stop();
  // Stop + Start with another --thread (no-op when already running with it).
  Status Restart(int thread);

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  int thread() const { return options_.thread; }
  const std::string& target_string() const { return target_string_; }
  const std::string& subnet_dir() const { return subnet_dir_; }
  // The serve parameters, for the report's "target.parameters".
  std::map<std::string, std::string> parameters() const;

 private:
  TargetProcessOptions options_;
  std::string subnet_dir_;
  std::string target_string_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int starts_ = 0;
};

}  // namespace srp::perf
