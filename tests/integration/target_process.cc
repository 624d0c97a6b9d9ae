#include "tests/integration/target_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

namespace srp::integration {
namespace {

using Clock = std::chrono::steady_clock;

pid_t Spawn(const std::vector<std::string>& argv, int* out_fd, int* err_fd) {
  int out[2], err[2] = {-1, -1};
  if (pipe2(out, O_CLOEXEC) != 0) return -1;
  if (err_fd != nullptr && pipe2(err, O_CLOEXEC) != 0) return -1;
  // Built before fork: the child of a multi-threaded process may only make async-signal-safe
  // calls until exec (no allocation).
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    if (err_fd != nullptr) dup2(err[1], 2);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out[1]);
  *out_fd = out[0];
  if (err_fd != nullptr) {
    close(err[1]);
    *err_fd = err[0];
  }
  return pid;
}

// Reads what is available on `fd` into `out`, waiting up to `ms`. False at EOF.
bool ReadSome(int fd, std::string* out, int ms) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, ms) <= 0) return true;
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n <= 0) return false;
  out->append(buf, static_cast<size_t>(n));
  return true;
}

bool WaitPid(pid_t pid, int* status, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (waitpid(pid, status, WNOHANG) == pid) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

}  // namespace

std::string BinDir() {
  const char* d = getenv("SRP_TEST_BIN_DIR");
  return d != nullptr ? d : SRP_DEFAULT_BIN_DIR;
}

uint16_t FreeTcpPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

SubnetDir::SubnetDir() {
  char tmpl[] = "/tmp/srp-integ-XXXXXX";
  if (mkdtemp(tmpl) != nullptr) path_ = tmpl;
  setenv("SRP_SOFT_FABRIC", path_.c_str(), 1);
}

SubnetDir::~SubnetDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

TargetProcess::~TargetProcess() { Stop(); }

Status TargetProcess::Start(const std::vector<std::string>& args,
                            std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = {BinDir() + "/srp-target", "serve", "--fabric", "soft"};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_ = Spawn(argv, &out_fd_, nullptr);
  if (pid_ < 0) return Status::FromErrno(errno, "spawning srp-target");
  std::string text;
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (!ReadSome(out_fd_, &text, 50)) break;
    size_t pos;
    while ((pos = text.find('\n')) != std::string::npos) {
      std::string line = text.substr(0, pos);
      text.erase(0, pos + 1);
      if (line.rfind("target: ", 0) == 0) targets_.push_back(line.substr(8));
      if (line == "ready") return Status::Ok();
    }
  }
  Stop();
  return Status(StatusCode::kTimedOut, "srp-target did not print ready");
}

std::optional<int> TargetProcess::WaitExit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  int status = 0;
  if (!WaitPid(pid_, &status, timeout)) return std::nullopt;
  pid_ = -1;
  return status;
}

void TargetProcess::Stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    if (!WaitPid(pid_, &status, std::chrono::milliseconds(5000))) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  if (out_fd_ >= 0) close(out_fd_);
  out_fd_ = -1;
}

std::string TargetProcess::IbTarget() const {
  for (const auto& t : targets_)
    if (t.find("service_id=") != std::string::npos) return t;
  return "";
}

std::string TargetProcess::IpTarget() const {
  for (const auto& t : targets_)
    if (t.find("dest=") != std::string::npos) return t;
  return "";
}

CommandResult RunCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  CommandResult r;
  int out = -1, err = -1;
  pid_t pid = Spawn(argv, &out, &err);
  if (pid < 0) return r;
  const auto deadline = Clock::now() + timeout;
  bool out_open = true, err_open = true;
  while ((out_open || err_open) && Clock::now() < deadline) {
    if (out_open) out_open = ReadSome(out, &r.out, 10);
    if (err_open) err_open = ReadSome(err, &r.err, 1);
  }
  int status = 0;
  if (!WaitPid(pid, &status,
               std::chrono::milliseconds(100) +
                   std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::max(Clock::duration::zero(), deadline - Clock::now())))) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  } else if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  }
  close(out);
  close(err);
  return r;
}

}  // namespace srp::integration
