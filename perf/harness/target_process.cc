#include "perf/harness/target_process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

namespace srp::perf {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

TargetProcess::~TargetProcess() {
  Stop();
  if (!subnet_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(subnet_dir_, ec);
  }
}

std::map<std::string, std::string> TargetProcess::parameters() const {
  return {{"binary", options_.binary},
          {"poll_mode", options_.poll_mode},
          {"srp_max_message_size", "8260"},
          {"luns", "0: null0 nullio, 1: mem1 memory"},
          {"cpu", options_.cpu >= 0 ? std::to_string(options_.cpu) : "any"},
          {"subnet", "temporary soft subnet"}};
}

Status TargetProcess::Start() {
  if (pid_ > 0) return Status::Ok();
  if (::access(options_.binary.c_str(), X_OK) != 0) {
    return Status(StatusCode::kNotFound,
                  fmt::format("srp-target not found at '{}' (use --target-bin)", options_.binary));
  }
  if (subnet_dir_.empty()) {
    std::string templ =
        (std::filesystem::temp_directory_path() / "srp-perf-subnet-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) return Status::FromErrno(errno, "mkdtemp");
    subnet_dir_ = templ;
  }
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return Status::FromErrno(errno, "pipe");
  const std::string port_name = fmt::format("srp-perf-target-{}-{}", ::getpid(), starts_++);
  const std::string thread = std::to_string(options_.thread);
  pid_ = ::fork();
  if (pid_ < 0) {
    pid_ = -1;
    ::close(out[0]);
    ::close(out[1]);
    return Status::FromErrno(errno, "fork");
  }
  if (pid_ == 0) {
    // A killed srp-perf (even SIGKILL) must not leave its target behind, and a
    // terminal's Ctrl-C goes to srp-perf only, which then stops the target itself.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    ::setpgid(0, 0);
    if (options_.cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(options_.cpu, &set);
      (void)::sched_setaffinity(0, sizeof set, &set);
    }
    ::setenv("SRP_SOFT_FABRIC", subnet_dir_.c_str(), 1);
    ::dup2(out[1], 1);
    ::execl(options_.binary.c_str(), options_.binary.c_str(), "serve", "--fabric", "soft",
            "--port-name", port_name.c_str(), "--thread", thread.c_str(), "--srp-max-message-size",
            "8260", "--poll-mode", options_.poll_mode.c_str(), "--log-level",
            options_.log_level.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  target_string_.clear();
  Status result(StatusCode::kTimedOut, "srp-target did not print 'ready' within 10 s");
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  bool done = false;
  while (!done && Clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[1024];
    const ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) {
      result = Status(StatusCode::kUnavailable, "srp-target exited before it was ready");
      break;
    }
    text.append(buf, static_cast<size_t>(n));
    size_t pos;
    while ((pos = text.find('\n')) != std::string::npos) {
      const std::string line = text.substr(0, pos);
      text.erase(0, pos + 1);
      if (line.rfind("target: ", 0) == 0 && line.find("service_id") != std::string::npos &&
          target_string_.empty()) {
        target_string_ = line.substr(8);
      }
      if (line == "ready") {
        done = true;
        result = target_string_.empty()
                     ? Status(StatusCode::kProtocolError, "srp-target printed no target line")
                     : Status::Ok();
      }
    }
  }
  // Kept open until Stop so a later print never hits a closed pipe.
  stdout_fd_ = out[0];
  if (!result.ok()) Stop();
  return result;
}

void TargetProcess::Stop() {
  if (pid_ <= 0) return;
  if (stdout_fd_ >= 0) {
    // Nonblocking drain so a child blocked on a full pipe can exit.
    ::fcntl(stdout_fd_, F_SETFL, O_NONBLOCK);
  }
  ::kill(pid_, SIGTERM);
  int status = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    if (stdout_fd_ >= 0) {
      char buf[4096];
      while (::read(stdout_fd_, buf, sizeof buf) > 0) {
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
}

Status TargetProcess::Restart(int thread) {
  if (pid_ > 0 && thread == options_.thread) return Status::Ok();
  Stop();
  options_.thread = thread;
  return Start();
}

}  // namespace srp::perf
