#include "initiator_tools/sg_bridge/broker.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "initiator_tools/initiator/sync_io.h"
#include "lib/common/log.h"
#include "lib/scsi/cdb_build.h"
#include "lib/scsi/lun.h"

namespace srp::sg_bridge {
namespace {

// sg_wire.h layouts are shared with the C preload library: pin them.
static_assert(sizeof(SrpSgRequest) == 48);
static_assert(sizeof(SrpSgResponse) == 276);

using std::chrono::milliseconds;

// Reads exactly `len` bytes; false on EOF or error.
bool ReadFull(int fd, void* buf, size_t len) {
  auto* p = static_cast<char*>(buf);
  while (len > 0) {
    ssize_t n = read(fd, p, len);
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
    ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

SrpSgResponse ErrorResponse(int err) {
  SrpSgResponse r{};
  r.magic = SRP_SG_MAGIC;
  r.error = err;
  return r;
}

uint8_t HostStatusFor(const Status& transport) {
  switch (transport.code()) {
    case StatusCode::kTimedOut:
      return SRP_SG_DID_TIME_OUT;
    case StatusCode::kDisconnected:
    case StatusCode::kUnavailable:
      return SRP_SG_DID_NO_CONNECT;
    default:
      return SRP_SG_DID_ERROR;
  }
}

}  // namespace

Result<std::unique_ptr<Broker>> Broker::Create(initiator::Session& session,
                                               std::vector<uint32_t> luns,
                                               std::string socket_path) {
  std::unique_ptr<Broker> b(new Broker(session, std::move(luns), std::move(socket_path)));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (b->socket_path_.size() >= sizeof(addr.sun_path)) {
    return InvalidArgument("broker socket path too long: " + b->socket_path_);
  }
  std::memcpy(addr.sun_path, b->socket_path_.c_str(), b->socket_path_.size() + 1);
  b->listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (b->listen_fd_ < 0) return Status::FromErrno(errno, "socket");
  const mode_t old_mask = umask(0077);
  const int bound = bind(b->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  const int bind_errno = errno;
  umask(old_mask);
  if (bound != 0) return Status::FromErrno(bind_errno, "bind " + b->socket_path_);
  if (listen(b->listen_fd_, 16) != 0) return Status::FromErrno(errno, "listen");
  b->stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (b->stop_fd_ < 0) return Status::FromErrno(errno, "eventfd");
  return b;
}

Broker::~Broker() {
  if (listen_fd_ >= 0) {
    close(listen_fd_);
    unlink(socket_path_.c_str());
  }
  if (stop_fd_ >= 0) close(stop_fd_);
}

void Broker::Stop() {
  const uint64_t one = 1;
  ssize_t n = write(stop_fd_, &one, sizeof(one));
  (void)n;
}

Status Broker::Serve() {
  std::vector<int> clients;
  Status result = Status::Ok();
  for (;;) {
    std::vector<pollfd> fds = {{stop_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (int c : clients) fds.push_back({c, POLLIN, 0});
    int n = poll(fds.data(), fds.size(), 1000);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      result = Status::FromErrno(errno, "poll");
      break;
    }
    if (fds[0].revents != 0) break;
    std::vector<int> alive;
    if (fds[1].revents & POLLIN) {
      int c = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) alive.push_back(c);
    }
    for (size_t i = 2; i < fds.size(); ++i) {
      if (fds[i].revents == 0 || ServeOne(fds[i].fd)) {
        alive.push_back(fds[i].fd);
      } else {
        close(fds[i].fd);
      }
    }
    clients = std::move(alive);
  }
  for (int c : clients) close(c);
  return result;
}

bool Broker::ServeOne(int fd) {
  SrpSgRequest req{};
  if (!ReadFull(fd, &req, sizeof(req))) return false;
  if (req.magic != SRP_SG_MAGIC) {
    SRP_LOG(kWarning, "srp-sg broker: bad request magic {:#x}; closing that connection", req.magic);
    return false;
  }
  std::vector<std::byte> data_out;
  if (req.direction == SRP_SG_DIR_OUT) {
    if (req.dxfer_len > SRP_SG_MAX_XFER) return false;
    data_out.resize(req.dxfer_len);
    if (!ReadFull(fd, data_out.data(), data_out.size())) return false;
  }
  std::vector<std::byte> data_in;
  SrpSgResponse rsp = Handle(req, data_out, data_in);
  if (!WriteFull(fd, &rsp, sizeof(rsp))) return false;
  return data_in.empty() || WriteFull(fd, data_in.data(), rsp.data_in_len);
}

void Broker::ScanLuns() {
  for (uint32_t lun : luns_) {
    initiator::ScsiCommand tur;
    tur.cdb = scsi::BuildTestUnitReady();
    tur.lun = scsi::PackLun(lun);
    auto r = initiator::Execute(session_, tur);  // retries UNIT ATTENTION
    if (!r.ok() || !r->good()) {
      SRP_LOG(kWarning, "srp-sg: LUN {}: TEST UNIT READY: {}", lun,
              r.ok() ? r->Describe() : r.status().ToString());
    }
  }
}

SrpSgResponse Broker::Handle(const SrpSgRequest& request, std::span<const std::byte> data_out,
                             std::vector<std::byte>& data_in) {
  data_in.clear();
  if (request.device >= luns_.size()) return ErrorResponse(ENODEV);
  if (request.op == SRP_SG_OP_SCSI) return RunScsi(request, data_out, data_in);
  if (request.op == SRP_SG_OP_RESET) return RunReset(request);
  return ErrorResponse(EINVAL);
}

Status Broker::EnsureLoggedIn() {
  if (session_.state() == initiator::SessionState::kLoggedIn) return Status::Ok();
  SRP_LOG(kWarning, "srp-sg broker: session {}; logging in again",
          initiator::SessionStateName(session_.state()));
  buffer_.reset();  // registered with the old channel's fabric state; allocate afresh
  return session_.Reconnect();
}

Result<initiator::IoBuffer*> Broker::BufferOfSize(size_t size) {
  if (!buffer_ || buffer_->size() < size) {
    buffer_.reset();
    SRP_ASSIGN_OR_RETURN(buffer_, session_.AllocateBuffer(std::max<size_t>(size, 64 * 1024)));
  }
  return buffer_.get();
}

SrpSgResponse Broker::RunScsi(const SrpSgRequest& request, std::span<const std::byte> data_out,
                              std::vector<std::byte>& data_in) {
  if (request.cdb_len == 0 || request.cdb_len > SRP_SG_MAX_CDB) return ErrorResponse(EINVAL);
  if (request.dxfer_len > SRP_SG_MAX_XFER) return ErrorResponse(ENOMEM);
  if (request.direction > SRP_SG_DIR_IN) return ErrorResponse(EINVAL);
  SrpSgResponse rsp = ErrorResponse(0);
  const auto started = std::chrono::steady_clock::now();
  auto finish = [&] {
    rsp.duration_ms = static_cast<uint32_t>(
        std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started)
            .count());
    return rsp;
  };
  if (Status s = EnsureLoggedIn(); !s.ok()) {
    SRP_LOG(kWarning, "srp-sg broker: {}", s.ToString());
    rsp.host_status = SRP_SG_DID_NO_CONNECT;
    rsp.resid = static_cast<int32_t>(request.dxfer_len);
    return finish();
  }
  initiator::ScsiCommand cmd;
  std::memcpy(cmd.cdb.bytes.data(), request.cdb, request.cdb_len);
  cmd.cdb.length = request.cdb_len;
  cmd.lun = scsi::PackLun(luns_[request.device]);
  const uint32_t len = request.direction == SRP_SG_DIR_NONE ? 0 : request.dxfer_len;
  initiator::IoBuffer* buf = nullptr;
  if (len > 0) {
    auto b = BufferOfSize(len);
    if (!b.ok()) return ErrorResponse(ENOMEM);
    buf = *b;
    cmd.direction =
        request.direction == SRP_SG_DIR_OUT ? wire::DataDirection::kOut : wire::DataDirection::kIn;
    cmd.segments = {buf->Segment(0, len)};
    if (request.direction == SRP_SG_DIR_OUT) {
      if (data_out.size() < len) return ErrorResponse(EINVAL);
      std::memcpy(buf->data(), data_out.data(), len);
    }
  }
  initiator::ExecuteOptions eo;
  eo.timeout = milliseconds(request.timeout_ms == 0 ? 60000 : request.timeout_ms);
  eo.unit_attention_retries = 0;  // the tool sees exactly what the target answered
  eo.busy_retries = 0;
  auto r = initiator::Execute(session_, cmd, eo);
  const Status& transport = r.ok() ? r->transport : r.status();
  if (!transport.ok()) {
    SRP_LOG(kWarning, "srp-sg broker: command {:#04x}: {}", request.cdb[0], transport.ToString());
    rsp.host_status = HostStatusFor(transport);
    rsp.resid = static_cast<int32_t>(len);
    return finish();
  }
  rsp.status = r->status;
  if (!r->sense.empty()) {
    rsp.sense_len = static_cast<uint8_t>(std::min<size_t>(r->sense.size(), SRP_SG_MAX_SENSE));
    std::memcpy(rsp.sense, r->sense.data(), rsp.sense_len);
    rsp.driver_status = SRP_SG_DRIVER_SENSE;
  }
  if (request.direction == SRP_SG_DIR_IN) {
    const uint32_t got = std::min(r->transferred, len);
    data_in.assign(buf->data(), buf->data() + got);
    rsp.data_in_len = got;
    rsp.resid = static_cast<int32_t>(len - got);
  } else if (request.direction == SRP_SG_DIR_OUT) {
    rsp.resid = static_cast<int32_t>(std::min(r->data_out_residual, len));
  }
  return finish();
}

SrpSgResponse Broker::RunReset(const SrpSgRequest& request) {
  if (Status s = EnsureLoggedIn(); !s.ok()) return ErrorResponse(EIO);
  std::vector<uint32_t> targets;
  if (request.reset_kind == SRP_SG_RESET_DEVICE) {
    targets = {luns_[request.device]};
  } else if (request.reset_kind == SRP_SG_RESET_TARGET) {
    targets = luns_;
  } else {
    return ErrorResponse(EINVAL);
  }
  for (uint32_t lun : targets) {
    initiator::TaskManagementRequest tmf;
    tmf.function = wire::TmfFunction::kLogicalUnitReset;
    tmf.lun = scsi::PackLun(lun);
    auto r = initiator::ExecuteTaskManagement(session_, tmf);
    if (!r.ok() || !r->succeeded()) {
      SRP_LOG(kWarning, "srp-sg broker: LOGICAL UNIT RESET of LUN {} failed: {}", lun,
              r.ok() ? r->transport.ToString() : r.status().ToString());
      return ErrorResponse(EIO);
    }
  }
  return ErrorResponse(0);
}

}  // namespace srp::sg_bridge
