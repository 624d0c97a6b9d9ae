#include "perf/bench/plain_bench.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

namespace srp::bench {
namespace {

enum class ChildMode { kEcho, kSink };

bool ReadFull(int fd, void* buf, size_t len) {
  auto* p = static_cast<char*>(buf);
  while (len > 0) {
    const ssize_t n = ::read(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

bool WriteFull(int fd, const void* buf, size_t len) {
  const auto* p = static_cast<const char*>(buf);
  while (len > 0) {
    const ssize_t n = ::write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

void SetNoDelay(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

// Child side. kEcho: returns each `size`-byte message. kSink: reads to EOF,
// then answers the byte count (8 bytes, host order).
[[noreturn]] void ServeChild(int listen_fd, ChildMode mode, size_t size, unsigned alarm_s) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::alarm(alarm_s);
  const int fd = ::accept(listen_fd, nullptr, nullptr);
  ::close(listen_fd);
  if (fd < 0) ::_exit(1);
  SetNoDelay(fd);
  std::vector<char> buf(std::max<size_t>(size, 1 << 20));
  if (mode == ChildMode::kEcho) {
    while (ReadFull(fd, buf.data(), size)) {
      if (!WriteFull(fd, buf.data(), size)) ::_exit(1);
    }
    ::_exit(0);
  }
  uint64_t total = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ::_exit(1);
    if (n == 0) break;
    total += static_cast<uint64_t>(n);
  }
  ::_exit(WriteFull(fd, &total, sizeof(total)) ? 0 : 1);
}

// A connected TCP pair: our socket plus the forked child serving `mode`.
struct TcpSession {
  int fd = -1;
  pid_t child = -1;
};

Result<TcpSession> StartSession(ChildMode mode, size_t size, const BenchConfig& config) {
  const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lfd < 0) return Status::FromErrno(errno, "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof(addr);
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(lfd, 1) != 0 ||
      ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) {
    const int err = errno;
    ::close(lfd);
    return Status::FromErrno(err, "tcp listen on 127.0.0.1");
  }
  const unsigned alarm_s = static_cast<unsigned>(std::ceil(config.duration_s * 4)) + 30;
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(lfd);
    return Status::FromErrno(err, "fork");
  }
  if (pid == 0) ServeChild(lfd, mode, size, alarm_s);
  ::close(lfd);
  TcpSession s;
  s.child = pid;
  s.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s.fd < 0 || ::connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    if (s.fd >= 0) ::close(s.fd);
    ReapChild(pid, std::chrono::milliseconds(0));
    return Status::FromErrno(err, "tcp connect");
  }
  SetNoDelay(s.fd);
  return s;
}

Status FinishSession(TcpSession& s, bool ok) {
  ::close(s.fd);
  const bool child_ok = ReapChild(s.child, std::chrono::seconds(5));
  if (!ok) return Status(StatusCode::kIoError, "tcp transfer failed");
  if (!child_ok) return Status(StatusCode::kInternal, "tcp child failed");
  return Status::Ok();
}

Result<Measurement> TcpPingPong(const BenchConfig& config) {
  SRP_ASSIGN_OR_RETURN(TcpSession s, StartSession(ChildMode::kEcho, config.message_size, config));
  std::vector<char> out(config.message_size, 'p');
  std::vector<char> in(config.message_size);
  std::vector<double> rtts;
  Measurement m{Transport::kTcp, TestKind::kPingPong, config.message_size};
  bool ok = true;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(config.duration_s);
  auto now = start;
  while (now < end) {
    out[0] = static_cast<char>(m.ops);
    if (!WriteFull(s.fd, out.data(), out.size()) || !ReadFull(s.fd, in.data(), in.size()) ||
        in[0] != out[0]) {
      ok = false;
      break;
    }
    const auto t = Clock::now();
    rtts.push_back(std::chrono::duration<double, std::nano>(t - now).count());
    now = t;
    ++m.ops;
  }
  m.seconds = std::chrono::duration<double>(now - start).count();
  m.bytes = m.ops * config.message_size;
  m.latency = Summarize(rtts);
  SRP_RETURN_IF_ERROR(FinishSession(s, ok));
  return m;
}

// Writes `size`-byte messages for the duration; the child counts what arrived.
Result<Measurement> TcpOneWay(const BenchConfig& config, TestKind kind, size_t size) {
  SRP_ASSIGN_OR_RETURN(TcpSession s, StartSession(ChildMode::kSink, size, config));
  std::vector<char> out(size, 's');
  Measurement m{Transport::kTcp, kind, size};
  bool ok = true;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(config.duration_s);
  uint64_t sent = 0;
  while (Clock::now() < end) {
    if (!WriteFull(s.fd, out.data(), size)) {
      ok = false;
      break;
    }
    ++sent;
  }
  uint64_t total = 0;
  ::shutdown(s.fd, SHUT_WR);
  ok = ok && ReadFull(s.fd, &total, sizeof(total)) && total == sent * size;
  m.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  m.ops = sent;
  m.bytes = total;
  SRP_RETURN_IF_ERROR(FinishSession(s, ok));
  return m;
}

}  // namespace

std::vector<Measurement> RunMemcpy(const BenchConfig& config) {
  std::vector<Measurement> out;
  for (size_t size : config.bulk_sizes) {
    std::vector<char> src(size, 'm');
    std::vector<char> dst(size);
    Measurement m{Transport::kMemcpy, TestKind::kMemcpy, size};
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration<double>(config.duration_s);
    auto now = start;
    while (now < end) {
      std::memcpy(dst.data(), src.data(), size);
      asm volatile("" : : "r"(dst.data()) : "memory");  // keep the copy
      ++m.ops;
      now = Clock::now();
    }
    m.seconds = std::chrono::duration<double>(now - start).count();
    m.bytes = m.ops * size;
    out.push_back(m);
  }
  return out;
}

Result<std::vector<Measurement>> RunTcp(const BenchConfig& config) {
  std::vector<Measurement> out;
  SRP_ASSIGN_OR_RETURN(Measurement pp, TcpPingPong(config));
  out.push_back(pp);
  SRP_ASSIGN_OR_RETURN(Measurement rate,
                       TcpOneWay(config, TestKind::kMessageRate, config.message_size));
  out.push_back(rate);
  for (size_t size : config.bulk_sizes) {
    SRP_ASSIGN_OR_RETURN(Measurement stream, TcpOneWay(config, TestKind::kStream, size));
    out.push_back(stream);
  }
  return out;
}

}  // namespace srp::bench
