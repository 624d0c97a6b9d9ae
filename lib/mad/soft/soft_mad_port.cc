#include "lib/mad/soft/soft_mad_port.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <vector>

#include "lib/common/endian.h"
#include "lib/common/log.h"
#include "lib/mad/soft/soft_sa.h"

namespace srp::mad {
namespace {

using fabric::soft::PortRecord;
using Clock = std::chrono::steady_clock;

constexpr size_t kEnvelopeSize = 20;
constexpr uint8_t kEnvelopeVersion = 1;
constexpr size_t kMaxDatagram = kEnvelopeSize + 64 * 1024;

Result<sockaddr_un> UnixAddress(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path))
    return InvalidArgument("MAD socket path too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

class SoftMadPort final : public MadPort {
 public:
  SoftMadPort(std::string dir, PortRecord record, std::string path, int fd)
      : dir_(std::move(dir)), record_(std::move(record)), path_(std::move(path)), fd_(fd) {}
  ~SoftMadPort() override {
    close(fd_);
    unlink(path_.c_str());
  }

  PortRecord local_port() const override {
    auto fresh = fabric::soft::ReadPort(dir_, record_.name);
    return fresh.ok() ? *fresh : record_;
  }
  uint16_t sm_lid() const override { return record_.sm_lid != 0 ? record_.sm_lid : record_.lid; }

  Status Send(const MadAddress& to, std::span<const std::byte, kMadSize> mad) override {
    if (to.qpn != kGsiQpn)
      return Status(StatusCode::kNotSupported, "soft MAD port: only QP1 (GSI) is emulated");
    if (to.lid == 0) return InvalidArgument("soft MAD port: destination LID 0");
    if (to.pkey_index >= record_.pkeys.size())
      return InvalidArgument("soft MAD port: P_Key index out of range");
    SRP_ASSIGN_OR_RETURN(Mad request, Mad::FromBytes(mad));
    if (request.mgmt_class() == kClassSa && to.lid == sm_lid() && !request.is_response())
      return AnswerLocally(to, request);
    auto dest = fabric::soft::FindPortByLid(dir_, to.lid);
    if (!dest.ok()) {
      SRP_LOG(kDebug, "soft mad {}: no port with LID {:#x}, MAD lost", record_.name, to.lid);
      return Status::Ok();
    }
    std::vector<std::byte> dgram(kEnvelopeSize + kMadSize);
    std::memcpy(dgram.data(), "SMAD", 4);
    StoreU8(dgram.data() + 4, kEnvelopeVersion);
    StoreBe16(dgram.data() + 6, record_.lid);
    StoreBe32(dgram.data() + 8, kGsiQpn);
    StoreBe32(dgram.data() + 12, to.qkey);
    StoreBe16(dgram.data() + 16, record_.pkeys[to.pkey_index]);
    std::copy(mad.begin(), mad.end(), dgram.begin() + kEnvelopeSize);
    SRP_ASSIGN_OR_RETURN(sockaddr_un addr, UnixAddress(SoftMadSocketPath(dir_, dest->name)));
    ssize_t n = sendto(fd_, dgram.data(), dgram.size(), MSG_DONTWAIT,
                       reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
    if (n < 0) {
      int err = errno;
      if (err == ENOENT || err == ECONNREFUSED || err == EAGAIN || err == EWOULDBLOCK) {
        SRP_LOG(kDebug, "soft mad {}: MAD to {} lost: {}", record_.name, dest->name,
                std::strerror(err));
        return Status::Ok();
      }
      return Status::FromErrno(err, "soft mad: sendto " + dest->name);
    }
    return Status::Ok();
  }

 protected:
  Result<ReceivedMad> DoReceive(std::chrono::milliseconds timeout) override {
    const auto deadline = Clock::now() + timeout;
    while (true) {
      if (!local_.empty()) {
        ReceivedMad r = std::move(local_.front());
        local_.pop_front();
        return r;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() < 0) left = std::chrono::milliseconds(0);
      pollfd pfd{fd_, POLLIN, 0};
      int rc = poll(&pfd, 1, static_cast<int>(left.count()));
      if (rc < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno(errno, "soft mad: poll");
      }
      if (rc == 0) return Status(StatusCode::kTimedOut, "soft mad: no MAD received");
      ssize_t n = recv(fd_, buf_.data(), buf_.size(), MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
        return Status::FromErrno(errno, "soft mad: recv");
      }
      auto parsed = Parse(std::span<const std::byte>(buf_.data(), static_cast<size_t>(n)));
      if (parsed.ok()) return parsed;
      SRP_LOG(kDebug, "soft mad {}: dropping datagram: {}", record_.name,
              parsed.status().ToString());
    }
  }

 private:
  Status AnswerLocally(const MadAddress& to, const Mad& request) {
    SRP_ASSIGN_OR_RETURN(std::vector<PortRecord> ports, fabric::soft::ListPorts(dir_));
    ReceivedMad r{MadAddress{}, AnswerSaQuery(ports, request)};
    r.from.lid = to.lid;
    r.from.pkey_index = to.pkey_index;
    if (local_.size() >= kMaxQueued) local_.pop_front();
    local_.push_back(std::move(r));
    return Status::Ok();
  }

  Result<ReceivedMad> Parse(std::span<const std::byte> d) const {
    if (d.size() < kEnvelopeSize + kMadSize) return InvalidArgument("short datagram");
    if (std::memcmp(d.data(), "SMAD", 4) != 0 || LoadU8(d.data() + 4) != kEnvelopeVersion)
      return InvalidArgument("bad envelope magic/version");
    ReceivedMad r;
    r.from.lid = LoadBe16(d, 6);
    r.from.qpn = LoadBe32(d, 8);
    r.from.qkey = LoadBe32(d, 12);
    // Like an HCA's GSI: a P_Key this port does not hold is a violation, dropped.
    const uint16_t pkey = LoadBe16(d, 16);
    auto it = std::find_if(record_.pkeys.begin(), record_.pkeys.end(), [pkey](uint16_t k) {
      return (k & 0x7fff) == (pkey & 0x7fff) && (k & 0x7fff) != 0;
    });
    if (it == record_.pkeys.end()) return InvalidArgument("P_Key not in this port's table");
    r.from.pkey_index = static_cast<uint16_t>(it - record_.pkeys.begin());
    if (r.from.qkey != kGsiQkey) return InvalidArgument("Q_Key is not the GSI Q_Key");
    SRP_ASSIGN_OR_RETURN(r.mad, Mad::FromBytes(d.subspan(kEnvelopeSize)));
    return r;
  }

  std::string dir_;
  PortRecord record_;
  std::string path_;
  int fd_;
  std::deque<ReceivedMad> local_;  // built-in SA answers
  std::vector<std::byte> buf_ = std::vector<std::byte>(kMaxDatagram);
};

}  // namespace

std::string SoftMadSocketPath(const std::string& subnet_dir, const std::string& port_name) {
  return subnet_dir + "/mad/" + port_name + ".sock";
}

Result<std::unique_ptr<MadPort>> OpenSoftMadPort(const std::string& subnet_dir,
                                                 const std::string& port_name) {
  SRP_ASSIGN_OR_RETURN(PortRecord record, fabric::soft::ReadPort(subnet_dir, port_name));
  std::string mad_dir = subnet_dir + "/mad";
  if (mkdir(mad_dir.c_str(), 0755) != 0 && errno != EEXIST)
    return Status::FromErrno(errno, "mkdir " + mad_dir);
  std::string path = SoftMadSocketPath(subnet_dir, port_name);
  SRP_ASSIGN_OR_RETURN(sockaddr_un addr, UnixAddress(path));
  // A live MadPort accepts a connect(); a stale socket file refuses it.
  int probe = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (probe < 0) return Status::FromErrno(errno, "soft mad: socket");
  bool live = connect(probe, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
  close(probe);
  if (live) return Status(StatusCode::kAlreadyExists, "a MAD port is already open on " + port_name);
  unlink(path.c_str());
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Status::FromErrno(errno, "soft mad: socket");
  if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    close(fd);
    return Status::FromErrno(err, "soft mad: bind " + path);
  }
  return std::unique_ptr<MadPort>(
      std::make_unique<SoftMadPort>(subnet_dir, std::move(record), std::move(path), fd));
}

}  // namespace srp::mad
