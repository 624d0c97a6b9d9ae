#include "lib/fabric/soft/socket_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace srp::fabric::soft {

namespace {

int MillisUntil(Deadline deadline) {
  auto ms =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
          .count();
  return ms < 0 ? 0 : static_cast<int>(std::min<int64_t>(ms, 1 << 30));
}

Status WaitFd(int fd, short events, Deadline deadline, const char* what) {
  for (;;) {
    pollfd p{fd, events, 0};
    int r = poll(&p, 1, MillisUntil(deadline));
    if (r > 0) return Status::Ok();
    if (r == 0) return Status(StatusCode::kTimedOut, fmt::format("{}: timed out", what));
    if (errno != EINTR) return Status::FromErrno(errno, what);
  }
}

Result<sockaddr_un> UnixAddress(const std::string& path) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof(sa.sun_path))
    return InvalidArgument(
        fmt::format("unix socket path too long ({} bytes): {}", path.size(), path));
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  return sa;
}

// Resolves a numeric host ("" = none) into a sockaddr.
Result<sockaddr_storage> IpAddress(const std::string& host, uint16_t port, socklen_t* len) {
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port_text = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), port_text.c_str(), &hints, &res);
  if (rc != 0 || res == nullptr)
    return InvalidArgument(fmt::format("bad IP address '{}': {}", host, gai_strerror(rc)));
  sockaddr_storage ss{};
  std::memcpy(&ss, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  freeaddrinfo(res);
  return ss;
}

Status ConnectWithDeadline(int fd, const sockaddr* sa, socklen_t len, Deadline deadline,
                           const std::string& what) {
  if (connect(fd, sa, len) == 0) return Status::Ok();
  if (errno != EINPROGRESS && errno != EAGAIN)
    return Status(StatusCode::kUnavailable, fmt::format("connect {}: {}", what, strerror(errno)),
                  errno);
  SRP_RETURN_IF_ERROR(WaitFd(fd, POLLOUT, deadline, "connect"));
  int err = 0;
  socklen_t elen = sizeof(err);
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
  if (err != 0)
    return Status(StatusCode::kUnavailable, fmt::format("connect {}: {}", what, strerror(err)),
                  err);
  return Status::Ok();
}

}  // namespace

Result<int> ListenUnix(const std::string& path) {
  SRP_ASSIGN_OR_RETURN(sockaddr_un sa, UnixAddress(path));
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno(errno, "socket(AF_UNIX)");
  unlink(path.c_str());
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 || listen(fd, 128) != 0) {
    int err = errno;
    close(fd);
    return Status::FromErrno(err, "bind/listen " + path);
  }
  return fd;
}

Result<int> ConnectUnix(const std::string& path, Deadline deadline) {
  SRP_ASSIGN_OR_RETURN(sockaddr_un sa, UnixAddress(path));
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno(errno, "socket(AF_UNIX)");
  Status s = ConnectWithDeadline(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa), deadline, path);
  if (!s.ok()) {
    close(fd);
    return s;
  }
  TuneStreamSocket(fd);
  return fd;
}

Result<int> ListenTcp(const std::string& host, uint16_t port, uint16_t* bound_port) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int fd = -1;
  if (host.empty()) {
    fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
      int off = 0;
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
      auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
      s6->sin6_family = AF_INET6;
      s6->sin6_addr = in6addr_any;
      s6->sin6_port = htons(port);
      len = sizeof(sockaddr_in6);
    } else {
      fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
      s4->sin_family = AF_INET;
      s4->sin_addr.s_addr = htonl(INADDR_ANY);
      s4->sin_port = htons(port);
      len = sizeof(sockaddr_in);
    }
  } else {
    SRP_ASSIGN_OR_RETURN(ss, IpAddress(host, port, &len));
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  }
  if (fd < 0) return Status::FromErrno(errno, "socket(tcp)");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, 128) != 0) {
    int err = errno;
    close(fd);
    return Status::FromErrno(err, fmt::format("bind/listen tcp [{}]:{}", host, port));
  }
  sockaddr_storage bound{};
  socklen_t blen = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &blen);
  *bound_port = bound.ss_family == AF_INET6
                    ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                    : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return fd;
}

Result<int> ConnectTcp(const std::string& host, uint16_t port, Deadline deadline) {
  socklen_t len = 0;
  SRP_ASSIGN_OR_RETURN(sockaddr_storage ss, IpAddress(host, port, &len));
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno(errno, "socket(tcp)");
  Status s = ConnectWithDeadline(fd, reinterpret_cast<sockaddr*>(&ss), len, deadline,
                                 fmt::format("[{}]:{}", host, port));
  if (!s.ok()) {
    close(fd);
    return s;
  }
  TuneStreamSocket(fd);
  return fd;
}

Result<int> AcceptOne(int listen_fd) {
  for (;;) {
    int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      TuneStreamSocket(fd);
      return fd;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    return Status(StatusCode::kUnavailable, "accept", errno);
  }
}

std::string PeerIpText(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "";
  char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = {};
  if (ss.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, buf, sizeof(buf));
    return buf;
  }
  if (ss.ss_family == AF_INET6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
      inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, sizeof(buf));
      return buf;
    }
    inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof(buf));
    std::string text = buf;
    char ifname[IF_NAMESIZE] = {};
    if (s6->sin6_scope_id != 0 && if_indextoname(s6->sin6_scope_id, ifname) != nullptr)
      text += std::string("%") + ifname;
    return text;
  }
  return "";
}

void TuneStreamSocket(int fd) {
  int size = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0 &&
      (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
}

Status WriteAllUntil(int fd, std::span<const std::byte> data, Deadline deadline) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      SRP_RETURN_IF_ERROR(WaitFd(fd, POLLOUT, deadline, "send"));
    } else {
      return Status(StatusCode::kDisconnected, fmt::format("send: {}", strerror(errno)), errno);
    }
  }
  return Status::Ok();
}

Status ReadExactUntil(int fd, std::span<std::byte> data, Deadline deadline) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = recv(fd, data.data() + off, data.size() - off, 0);
    if (n > 0) {
      off += static_cast<size_t>(n);
    } else if (n == 0) {
      return Status(StatusCode::kDisconnected, "peer closed the connection");
    } else if (errno == EAGAIN || errno == EINTR) {
      SRP_RETURN_IF_ERROR(WaitFd(fd, POLLIN, deadline, "receive"));
    } else {
      return Status(StatusCode::kDisconnected, fmt::format("recv: {}", strerror(errno)), errno);
    }
  }
  return Status::Ok();
}

}  // namespace srp::fabric::soft
