#include "target/control/control_socket.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "lib/common/log.h"

namespace srp::target::control {
namespace {

constexpr int kClientIdleMs = 5000;

Result<sockaddr_un> MakeAddress(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path))
    return InvalidArgument(fmt::format("socket path {} is too long", path));
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

Result<int> Connect(const std::string& path) {
  SRP_ASSIGN_OR_RETURN(sockaddr_un addr, MakeAddress(path));
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno(errno, "socket");
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    Status st = Status::FromErrno(errno, "connect " + path);
    close(fd);
    return st;
  }
  return fd;
}

// Reads up to '\n' (kept out of the result) within `timeout_ms` in total.
Result<std::string> ReadLine(int fd, int timeout_ms) {
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return Status(StatusCode::kTimedOut, "no complete line in time");
    pollfd p{fd, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Status::FromErrno(errno, "poll");
    if (r == 0) continue;
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno(errno, "read");
    if (n == 0) return ProtocolError("connection closed before the end of the line");
    line.append(buf, static_cast<size_t>(n));
    if (size_t nl = line.find('\n'); nl != std::string::npos) {
      line.resize(nl);
      return line;
    }
    if (line.size() > kMaxControlLine)
      return InvalidArgument(fmt::format("line longer than {} bytes", kMaxControlLine));
  }
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno(errno, "write");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

}  // namespace

std::string ResolveRunDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv(kRunDirEnv); env != nullptr && *env != '\0') return env;
  return kDefaultRunDir;
}

Result<std::unique_ptr<ControlServer>> ControlServer::Start(const std::string& run_dir,
                                                            ControlHandler handler) {
  if (mkdir(run_dir.c_str(), 0755) != 0 && errno != EEXIST)
    return Status::FromErrno(errno, "mkdir " + run_dir);
  std::unique_ptr<ControlServer> s(new ControlServer());
  s->handler_ = std::move(handler);
  s->path_ = fmt::format("{}/srp-target.{}.sock", run_dir, getpid());
  SRP_ASSIGN_OR_RETURN(sockaddr_un addr, MakeAddress(s->path_));
  s->listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s->listen_fd_ < 0) return Status::FromErrno(errno, "socket");
  unlink(s->path_.c_str());
  // Created 0600 from the start (umask), then chmod in case the umask was looser.
  mode_t old_mask = umask(0177);
  int r = bind(s->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int bind_errno = errno;
  umask(old_mask);
  if (r != 0) return Status::FromErrno(bind_errno, "bind " + s->path_);
  if (chmod(s->path_.c_str(), 0600) != 0) return Status::FromErrno(errno, "chmod " + s->path_);
  if (listen(s->listen_fd_, 8) != 0) return Status::FromErrno(errno, "listen");
  s->stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (s->stop_fd_ < 0) return Status::FromErrno(errno, "eventfd");
  s->thread_ = std::thread([srv = s.get()] { srv->Loop(); });
  return s;
}

ControlServer::~ControlServer() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(stop_fd_, &one, sizeof(one));
    thread_.join();
  }
  if (listen_fd_ >= 0) {
    close(listen_fd_);
    unlink(path_.c_str());
  }
  if (stop_fd_ >= 0) close(stop_fd_);
}

void ControlServer::Loop() {
  for (;;) {
    pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    int r = poll(fds, 2, -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || (fds[0].revents & POLLIN)) return;
    if (!(fds[1].revents & POLLIN)) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    Serve(fd);
    close(fd);
  }
}

void ControlServer::Serve(int fd) {
  ControlResponse response;
  auto line = ReadLine(fd, kClientIdleMs);
  if (!line.ok()) {
    response = ControlResponse::Error("bad request: " + line.status().message());
  } else if (auto request = DecodeRequest(*line); !request.ok()) {
    response = ControlResponse::Error("bad request: " + request.status().message());
  } else {
    response = handler_(*request);
  }
  Status st = WriteAll(fd, EncodeResponse(response));
  if (!st.ok()) SRP_LOG(kDebug, "control: answering a client: {}", st.ToString());
}

std::vector<std::string> ListControlSockets(const std::string& run_dir) {
  std::vector<std::string> out;
  DIR* dir = opendir(run_dir.c_str());
  if (dir == nullptr) return out;
  while (dirent* e = readdir(dir)) {
    std::string_view name = e->d_name;
    if (name.rfind("srp-target.", 0) != 0 || name.size() < 5 ||
        name.substr(name.size() - 5) != ".sock")
      continue;
    std::string path = run_dir + "/" + std::string(name);
    auto fd = Connect(path);
    if (!fd.ok()) continue;  // stale socket of a dead process
    close(*fd);
    out.push_back(std::move(path));
  }
  closedir(dir);
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::string> FindControlSocket(const std::string& run_dir) {
  std::vector<std::string> live = ListControlSockets(run_dir);
  if (live.empty()) return NotFound(fmt::format("no running srp-target in {}", run_dir));
  if (live.size() > 1) {
    std::string names;
    for (const std::string& p : live) names += "\n  " + p;
    return InvalidArgument(
        fmt::format("{} targets run; name one with --socket:{}", live.size(), names));
  }
  return live.front();
}

Result<ControlResponse> SendControlRequest(const std::string& socket_path,
                                           const ControlRequest& request, int timeout_ms) {
  SRP_ASSIGN_OR_RETURN(int fd, Connect(socket_path));
  Status st = WriteAll(fd, EncodeRequest(request));
  if (!st.ok()) {
    close(fd);
    return st;
  }
  auto line = ReadLine(fd, timeout_ms);
  close(fd);
  if (!line.ok()) return line.status().WithContext("reading the target's answer");
  return DecodeResponse(*line);
}

}  // namespace srp::target::control
