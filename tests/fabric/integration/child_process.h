// A child process with its stdout on a pipe: line reads and waits are all
// bounded. The destructor kills (SIGKILL) and reaps a child still running.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/common/status.h"

namespace srp::fabric::integration {

class ChildProcess {
 public:
  // argv[0] is looked up in PATH when it has no '/'. stderr is inherited
  // unless merged into the stdout pipe.
  static Result<std::unique_ptr<ChildProcess>> Spawn(const std::vector<std::string>& argv,
                                                     bool merge_stderr = false);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The next stdout line without its newline. kTimedOut, or kNotFound at EOF.
  Result<std::string> ReadLine(std::chrono::milliseconds timeout);
  // Reads lines until one starts with `prefix` (a word: "READY" matches
  // "READY ..." and "READY"); returns that line.
  Result<std::string> WaitForLine(std::string_view prefix, std::chrono::milliseconds timeout);
  // Waits for the child to end; returns the raw waitpid status.
  Result<int> Wait(std::chrono::milliseconds timeout);
  void Kill(int signal);
  // Every line read so far, newline-separated (for failure messages).
  const std::string& transcript() const { return transcript_; }

 private:
  ChildProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}

  pid_t pid_;
  int stdout_fd_;
  std::optional<int> wait_status_;
  std::string pending_;
  std::string transcript_;
  bool eof_ = false;
};

// Runs a command to completion (bounded); stdout+stderr are captured into
// `output`. Returns the raw wait status.
Result<int> RunCommand(const std::vector<std::string>& argv, std::string* output,
                       std::chrono::milliseconds timeout = std::chrono::seconds(20));

// "exited 0", "killed by signal 9", ...
std::string DescribeWaitStatus(int status);

}  // namespace srp::fabric::integration
