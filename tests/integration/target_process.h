// Integration-test plumbing: a fresh soft-fabric subnet directory per test, `srp-target
// serve` as a child process (waits for "ready", collects its "target: ..." lines), and
// running `srp-io` as a child with a bounded wait.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "lib/common/status.h"

namespace srp::integration {

// $SRP_TEST_BIN_DIR (set by CTest) or the build's bin directory.
std::string BinDir();
// A free TCP port on the loopback address (bind to 0, read it, close).
uint16_t FreeTcpPort();

// Creates a temporary subnet directory and points $SRP_SOFT_FABRIC at it; removes it on
// destruction.
class SubnetDir {
 public:
  SubnetDir();
  ~SubnetDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class TargetProcess {
 public:
  ~TargetProcess();
  // Starts `srp-target serve --fabric soft <args>` and waits (bounded) for "ready".
  Status Start(const std::vector<std::string>& args,
               std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));
  // SIGTERM, then SIGKILL after a grace period.
  void Stop();
  // Waits (bounded) for the process to exit on its own; its wait status, or nullopt on timeout.
  // After an exit the process is forgotten (Stop() does nothing).
  std::optional<int> WaitExit(std::chrono::milliseconds timeout);
  pid_t pid() const { return pid_; }
  // The "target: " lines without the prefix; IbTarget()/IpTarget() pick one form.
  const std::vector<std::string>& targets() const { return targets_; }
  std::string IbTarget() const;
  std::string IpTarget() const;

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::vector<std::string> targets_;
};

struct CommandResult {
  int exit_code = -1;  // -1: did not exit in time (killed)
  std::string out;
  std::string err;
};
// Runs `argv` (argv[0] a path) with a bounded wait; stdout/stderr captured.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(60000));

}  // namespace srp::integration
