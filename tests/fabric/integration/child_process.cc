#include "tests/fabric/integration/child_process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace srp::fabric::integration {
namespace {

using Clock = std::chrono::steady_clock;

// Forks and execs `argv` with stdout (and, if merge_stderr, stderr) on a pipe.
Result<std::pair<pid_t, int>> ForkExec(const std::vector<std::string>& argv, bool merge_stderr) {
  if (argv.empty()) return InvalidArgument("empty argv");
  // Everything the child touches is prepared before fork (async-signal safety).
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::FromErrno(errno, "pipe2");
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return Status::FromErrno(err, "fork");
  }
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    if (merge_stderr) ::dup2(fds[1], STDERR_FILENO);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  return std::make_pair(pid, fds[0]);
}

}  // namespace

Result<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(const std::vector<std::string>& argv,
                                                          bool merge_stderr) {
  SRP_ASSIGN_OR_RETURN(auto started, ForkExec(argv, merge_stderr));
  return std::unique_ptr<ChildProcess>(new ChildProcess(started.first, started.second));
}

ChildProcess::~ChildProcess() {
  if (!wait_status_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  ::close(stdout_fd_);
}

Result<std::string> ChildProcess::ReadLine(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const size_t nl = pending_.find('\n');
    if (nl != std::string::npos || (eof_ && !pending_.empty())) {
      const size_t end = nl != std::string::npos ? nl : pending_.size();
      std::string line = pending_.substr(0, end);
      pending_.erase(0, std::min(end + 1, pending_.size()));
      transcript_ += line;
      transcript_ += '\n';
      return line;
    }
    if (eof_) return NotFound(fmt::format("child {} closed stdout", pid_));
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Status(StatusCode::kTimedOut, "no line from child");
    pollfd pfd{stdout_fd_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) return Status::FromErrno(errno, "poll");
    if (ready <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(stdout_fd_, buf, sizeof(buf));
    if (n < 0 && errno != EINTR) return Status::FromErrno(errno, "read");
    if (n == 0) eof_ = true;
    if (n > 0) pending_.append(buf, static_cast<size_t>(n));
  }
}

Result<std::string> ChildProcess::WaitForLine(std::string_view prefix,
                                              std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto line = ReadLine(std::max(left, std::chrono::milliseconds(0)));
    if (!line.ok()) {
      return line.status().WithContext(
          fmt::format("waiting for '{}' (got:\n{})", prefix, transcript_));
    }
    if (line->compare(0, prefix.size(), prefix) == 0 &&
        (line->size() == prefix.size() || (*line)[prefix.size()] == ' ')) {
      return line;
    }
  }
}

Result<int> ChildProcess::Wait(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!wait_status_) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      wait_status_ = status;
      break;
    }
    if (r < 0 && errno != EINTR) return Status::FromErrno(errno, "waitpid");
    if (Clock::now() > deadline) {
      return Status(StatusCode::kTimedOut, fmt::format("child {} still running", pid_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return *wait_status_;
}

void ChildProcess::Kill(int signal) {
  if (!wait_status_) ::kill(pid_, signal);
}

Result<int> RunCommand(const std::vector<std::string>& argv, std::string* output,
                       std::chrono::milliseconds timeout) {
  SRP_ASSIGN_OR_RETURN(auto child, ChildProcess::Spawn(argv, /*merge_stderr=*/true));
  output->clear();
  for (;;) {
    auto line = child->ReadLine(timeout);
    if (!line.ok()) break;
    *output += *line;
    *output += '\n';
  }
  return child->Wait(timeout);
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return fmt::format("exited {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {}", WTERMSIG(status));
  return fmt::format("wait status {:#x}", status);
}

}  // namespace srp::fabric::integration
