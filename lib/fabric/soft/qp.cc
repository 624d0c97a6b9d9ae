// QpCore: construction, posting, completions, state changes and the outbound queue.
#include "lib/fabric/soft/qp.h"

#include <fmt/format.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "lib/common/log.h"

namespace srp::fabric::soft {

namespace {

constexpr auto kLinger = std::chrono::seconds(2);

WcOpcode ToWcOpcode(WrOpcode op) {
  switch (op) {
    case WrOpcode::kSend:
      return WcOpcode::kSend;
    case WrOpcode::kRdmaWrite:
      return WcOpcode::kRdmaWrite;
    case WrOpcode::kRdmaRead:
      return WcOpcode::kRdmaRead;
  }
  return WcOpcode::kSend;
}

// The iovecs covering bytes [off, off+len) of `segs`.
void SliceSegs(std::span<const MemSeg> segs, uint64_t off, uint64_t len, std::vector<iovec>* out) {
  for (const MemSeg& s : segs) {
    if (len == 0) break;
    if (off >= s.len) {
      off -= s.len;
      continue;
    }
    uint64_t n = std::min(s.len - off, len);
    if (n > 0) out->push_back(iovec{s.ptr + off, n});
    len -= n;
    off = 0;
  }
}

void SleepMicros(uint64_t us) {
  if (us > 0) std::this_thread::sleep_for(std::chrono::microseconds(us));
}

}  // namespace

QpCore::QpCore(std::shared_ptr<FabricContext> ctx, int fd, int event_fd)
    : ctx_(std::move(ctx)), event_fd_(event_fd), fd_(fd) {
  rbuf_.resize(256 * 1024);
}

QpCore::~QpCore() {
  if (fd_ >= 0) close(fd_);
  close(event_fd_);
}

std::shared_ptr<QpCore> QpCore::CreatePassive(std::shared_ptr<FabricContext> ctx, int fd,
                                              std::weak_ptr<ListenerCore> ip_listener) {
  int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (efd < 0) {
    close(fd);
    return nullptr;
  }
  std::shared_ptr<QpCore> core(new QpCore(std::move(ctx), fd, efd));
  core->ip_listener_ = std::move(ip_listener);
  core->qp_num_ = core->ctx_->NewQpNum();
  return core;
}

Result<std::shared_ptr<QpCore>> QpCore::CreateActive(std::shared_ptr<FabricContext> ctx, int fd,
                                                     const QpOptions& options, uint32_t qp_num,
                                                     PeerInfo peer, uint8_t peer_rnr_retry) {
  int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (efd < 0) {
    int err = errno;
    close(fd);
    return Status::FromErrno(err, "eventfd");
  }
  std::shared_ptr<QpCore> core(new QpCore(std::move(ctx), fd, efd));
  core->qp_num_ = qp_num;
  core->peer_ = std::move(peer);
  {
    std::lock_guard lock(core->mu_);
    core->options_ = options;
    core->configured_ = true;
    core->send_cq_ = static_cast<SoftCompletionQueue*>(options.send_cq);
    core->recv_cq_ = static_cast<SoftCompletionQueue*>(options.recv_cq);
    core->peer_rnr_retry_ = peer_rnr_retry;
    core->phase_ = Phase::kActive;
    core->state_ = ConnectionState::kEstablished;
    core->PushEventLocked(ConnectionEventType::kEstablished, Status::Ok());
  }
  core->EnqueueFrame(FrameHeader{.type = FrameType::kReadyToUse});
  SRP_RETURN_IF_ERROR(core->Register());
  return core;
}

Status QpCore::Register() {
  // The id is stored under the engine lock, before any event can reach us.
  SRP_RETURN_IF_ERROR(ctx_->engine->Add(fd_, shared_from_this(), &engine_id_).status());
  std::lock_guard lock(out_mu_);
  FlushOutLocked();  // anything queued before registration could not ask for EPOLLOUT
  return Status::Ok();
}

// ------------------------------------------------------------- state ---

ConnectionState QpCore::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

void QpCore::PushEventLocked(ConnectionEventType type, Status detail) {
  SRP_TRACE(kTraceFabric, "soft qp {:#x}: event {} {}", qp_num_, static_cast<int>(type),
            detail.ToString());
  events_.push_back(ConnectionEvent{type, std::move(detail)});
  uint64_t one = 1;
  [[maybe_unused]] ssize_t r = write(event_fd_, &one, sizeof(one));
}

std::optional<ConnectionEvent> QpCore::NextEvent() {
  std::lock_guard lock(mu_);
  if (events_.empty()) return std::nullopt;
  ConnectionEvent ev = std::move(events_.front());
  events_.pop_front();
  if (events_.empty()) {
    uint64_t v;
    [[maybe_unused]] ssize_t r = read(event_fd_, &v, sizeof(v));
  }
  return ev;
}

void QpCore::CompleteSendLocked(const SendWr& wr, WcStatus status) {
  if (status == WcStatus::kSuccess && !wr.signaled) return;
  if (send_cq_ == nullptr) return;
  Completion c;
  c.wr_id = wr.wr_id;
  c.status = status;
  c.opcode = ToWcOpcode(wr.opcode);
  c.byte_len = static_cast<uint32_t>(wr.length);
  c.qp_num = qp_num_;
  send_cq_->Push(c);
}

void QpCore::CompleteRecvLocked(const RecvWr& wr, WcStatus status, uint32_t byte_len) {
  if (recv_cq_ == nullptr) return;
  Completion c;
  c.wr_id = wr.wr_id;
  c.status = status;
  c.opcode = WcOpcode::kRecv;
  c.byte_len = byte_len;
  c.qp_num = qp_num_;
  recv_cq_->Push(c);
}

void QpCore::FailLocked(ConnectionState to, Status detail, std::optional<WcStatus> front_status) {
  bool first = true;
  for (SendWr& wr : sq_) {
    WcStatus st = WcStatus::kWorkRequestFlushed;
    if (wr.local_error) st = *wr.local_error;
    if (first && front_status) st = *front_status;
    first = false;
    CompleteSendLocked(wr, st);
  }
  sq_.clear();
  error_pending_ = false;
  if (cur_recv_) {
    CompleteRecvLocked(*cur_recv_, WcStatus::kWorkRequestFlushed, 0);
    cur_recv_.reset();
  }
  for (RecvWr& r : rq_) CompleteRecvLocked(r, WcStatus::kWorkRequestFlushed, 0);
  rq_.clear();
  ++flush_gen_;
  {
    std::lock_guard out_lock(out_mu_);
    PurgeOutLocked();
  }
  if (state_ == ConnectionState::kDisconnected) return;
  if (to == ConnectionState::kError && state_ == ConnectionState::kError) return;
  SRP_LOG(kDebug, "soft qp {:#x}: {} -> {} ({})", qp_num_, ConnectionStateName(state_),
          ConnectionStateName(to), detail.ToString());
  state_ = to;
  if (released_) return;
  PushEventLocked(to == ConnectionState::kError ? ConnectionEventType::kError
                                                : ConnectionEventType::kDisconnected,
                  std::move(detail));
}

Status QpCore::AckUpToLocked(uint64_t upto, bool inclusive) {
  while (!sq_.empty()) {
    SendWr& wr = sq_.front();
    if (wr.local_error) break;
    if (inclusive ? wr.seq > upto : wr.seq >= upto) break;
    if (wr.opcode == WrOpcode::kRdmaRead)
      return ProtocolError(fmt::format("acknowledgement {} skips RDMA READ {}", upto, wr.seq));
    CompleteSendLocked(wr, WcStatus::kSuccess);
    sq_.pop_front();
  }
  return Status::Ok();
}

void QpCore::DrainLocalErrorsLocked() {
  if (sq_.empty() || !sq_.front().local_error) return;
  WcStatus st = *sq_.front().local_error;
  FailLocked(
      ConnectionState::kError,
      Status(StatusCode::kInternal, fmt::format("work request failed: {}", WcStatusName(st))), st);
}

// ------------------------------------------------------------- posting ---

Status QpCore::PostRecv(std::span<const RecvRequest> batch) {
  if (uint32_t delay = ctx_->faults.delay_us(); delay > 0)
    SleepMicros(uint64_t{delay} * batch.size());
  bool kick = false;
  {
    std::lock_guard lock(mu_);
    if (!configured_) return Status(StatusCode::kUnavailable, "queue pair not created");
    for (const RecvRequest& r : batch) {
      if (r.sg_list.size() > options_.max_recv_sge)
        return InvalidArgument(fmt::format("receive has {} SGEs, max_recv_sge is {}",
                                           r.sg_list.size(), options_.max_recv_sge));
      RecvWr wr;
      wr.wr_id = r.wr_id;
      for (const Sge& s : r.sg_list) {
        if (!ctx_->keys->Check(s.lkey, s.addr, s.length, kAccessLocalWrite)) wr.bad_key = true;
        wr.segs.push_back(MemSeg{reinterpret_cast<std::byte*>(s.addr), s.length});
        wr.capacity += s.length;
      }
      if (state_ == ConnectionState::kError || state_ == ConnectionState::kDisconnected) {
        CompleteRecvLocked(wr, WcStatus::kWorkRequestFlushed, 0);
        continue;
      }
      if (rq_.size() >= options_.max_recv_wr)
        return Status(StatusCode::kResourceExhausted, "receive queue full");
      rq_.push_back(std::move(wr));
    }
    kick = rnr_stalled_;
  }
  if (kick) {
    std::weak_ptr<QpCore> weak = weak_from_this();
    ctx_->engine->RunInLoop([weak] {
      if (auto self = weak.lock()) self->ProcessDeferred();
    });
  }
  return Status::Ok();
}

Status QpCore::ValidateWrLocked(const WorkRequest& wr) const {
  if (wr.sg_list.size() > options_.max_send_sge)
    return InvalidArgument(fmt::format("work request has {} SGEs, max_send_sge is {}",
                                       wr.sg_list.size(), options_.max_send_sge));
  uint64_t total = 0;
  for (const Sge& s : wr.sg_list) total += s.length;
  if (total > kMaxMessage)
    return InvalidArgument(fmt::format("work request of {} bytes exceeds 2^31", total));
  if (sq_.size() >= options_.max_send_wr)
    return Status(StatusCode::kResourceExhausted, "send queue full");
  return Status::Ok();
}

Status QpCore::PostSend(std::span<const WorkRequest> batch, size_t* posted) {
  if (posted) *posted = 0;
  if (uint32_t delay = ctx_->faults.delay_us(); delay > 0)
    SleepMicros(uint64_t{delay} * batch.size());
  bool drop = false;
  std::lock_guard lock(mu_);
  if (!configured_ || phase_ == Phase::kAwaitRequest || phase_ == Phase::kRequestPending ||
      phase_ == Phase::kRejected)
    return Status(StatusCode::kUnavailable, "queue pair is not connected");
  std::vector<MemSeg> src;
  for (const WorkRequest& req : batch) {
    SRP_RETURN_IF_ERROR(ValidateWrLocked(req));
    SendWr wr;
    wr.wr_id = req.wr_id;
    wr.opcode = req.opcode;
    wr.signaled = req.signaled;
    src.clear();
    uint32_t need = req.opcode == WrOpcode::kRdmaRead ? uint32_t{kAccessLocalWrite} : 0u;
    for (const Sge& s : req.sg_list) {
      if (!ctx_->keys->Check(s.lkey, s.addr, s.length, need))
        wr.local_error = WcStatus::kLocalProtectionError;
      src.push_back(MemSeg{reinterpret_cast<std::byte*>(s.addr), s.length});
      wr.length += s.length;
    }
    if (posted) ++*posted;
    if (state_ == ConnectionState::kError || state_ == ConnectionState::kDisconnected) {
      CompleteSendLocked(wr, WcStatus::kWorkRequestFlushed);
      continue;
    }
    FaultInjector::Verdict verdict = ctx_->faults.OnSendWr();
    if (verdict.fail && !wr.local_error) wr.local_error = verdict.status;
    if (error_pending_) wr.local_error = WcStatus::kWorkRequestFlushed;
    wr.seq = next_seq_++;
    if (wr.local_error) {
      error_pending_ = true;
    } else {
      if (wr.opcode == WrOpcode::kRdmaRead) wr.read_dest = src;
      TransmitLocked(wr, req, src);
    }
    sq_.push_back(std::move(wr));
    drop = drop || verdict.drop_after;
  }
  DrainLocalErrorsLocked();
  if (drop) {
    FailLocked(ConnectionState::kDisconnected,
               Status(StatusCode::kDisconnected, "fault injection: connection dropped"),
               WcStatus::kTransportRetryExceeded);
    std::lock_guard out_lock(out_mu_);
    if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);
  }
  return Status::Ok();
}

void QpCore::TransmitLocked(const SendWr& wr, const WorkRequest& req, std::span<const MemSeg> src) {
  if (req.opcode == WrOpcode::kRdmaRead) {
    FrameHeader h{.type = FrameType::kReadRequest,
                  .seq = wr.seq,
                  .addr = req.remote_addr,
                  .key = req.rkey,
                  .length = static_cast<uint32_t>(wr.length)};
    EnqueueFrame(h, {}, true);
    return;
  }
  uint64_t off = 0;
  do {
    uint64_t n = std::min<uint64_t>(wr.length - off, kMaxSegment);
    OutItem item;
    FrameHeader h;
    h.payload_len = static_cast<uint32_t>(n);
    h.seq = wr.seq;
    if (req.opcode == WrOpcode::kSend) {
      h.type = FrameType::kSend;
      h.key = static_cast<uint32_t>(wr.length);
      if (off == 0) h.flags |= kFlagFirst;
    } else {
      h.type = FrameType::kRdmaWrite;
      h.addr = req.remote_addr + off;
      h.key = req.rkey;
    }
    if (off + n == wr.length) h.flags |= kFlagLast;
    item.hdr = EncodeFrameHeader(h);
    SliceSegs(src, off, n, &item.ext);
    item.total = kFrameHeaderSize + n;
    item.droppable = true;
    Enqueue(std::move(item));
    off += n;
  } while (off < wr.length);
}

// ------------------------------------------------------------- CM / control ---

Status QpCore::Configure(const QpOptions& options) {
  if (options.send_cq == nullptr || options.recv_cq == nullptr)
    return InvalidArgument("QpOptions needs send_cq and recv_cq");
  std::lock_guard lock(mu_);
  if (configured_) return Status(StatusCode::kAlreadyExists, "connection already created");
  if (phase_ != Phase::kRequestPending)
    return Status(StatusCode::kDisconnected, "connection request is no longer pending");
  options_ = options;
  send_cq_ = static_cast<SoftCompletionQueue*>(options.send_cq);
  recv_cq_ = static_cast<SoftCompletionQueue*>(options.recv_cq);
  configured_ = true;
  return Status::Ok();
}

Status QpCore::Accept(std::span<const std::byte> private_data) {
  if (private_data.size() > kMaxPrivateData) return InvalidArgument("private data too long");
  std::lock_guard lock(mu_);
  if (!configured_) return InvalidArgument("Accept needs the connection from CreateConnection");
  if (phase_ != Phase::kRequestPending || state_ != ConnectionState::kConnecting)
    return Status(StatusCode::kDisconnected, "connection request is no longer pending");
  CmIdentity id;
  id.gid = ctx_->gid;
  id.node_guid = ctx_->node_guid;
  id.port_guid = ctx_->port_guid;
  id.qp_num = qp_num_;
  id.pkey = peer_.pkey;
  id.rnr_retry = std::min<uint8_t>(options_.rnr_retry_count, 7);
  auto payload = EncodeCmPayload(id, private_data);
  FrameHeader h{.type = FrameType::kConnectReply};
  h.payload_len = static_cast<uint32_t>(payload.size());
  EnqueueFrame(h, std::move(payload));
  phase_ = Phase::kReplied;
  return Status::Ok();
}

Status QpCore::Reject(std::span<const std::byte> private_data, RejectReason reason) {
  if (private_data.size() > kMaxPrivateData) return InvalidArgument("private data too long");
  {
    std::lock_guard lock(mu_);
    if (phase_ != Phase::kRequestPending && phase_ != Phase::kAwaitRequest)
      return Status(StatusCode::kDisconnected, "connection request is no longer pending");
    phase_ = Phase::kRejected;
    FrameHeader h{.type = FrameType::kConnectReject};
    h.key = static_cast<uint32_t>(reason);
    h.payload_len = static_cast<uint32_t>(private_data.size());
    EnqueueFrame(h, std::vector<std::byte>(private_data.begin(), private_data.end()));
    if (configured_) {
      FailLocked(ConnectionState::kDisconnected,
                 Status(StatusCode::kRejected, "connection request rejected"), std::nullopt);
    } else {
      state_ = ConnectionState::kDisconnected;
    }
  }
  CloseAfterFlush();
  return Status::Ok();
}

void QpCore::AbandonRequest() {
  {
    std::lock_guard lock(mu_);
    if (phase_ != Phase::kRequestPending || configured_) return;
  }
  (void)Reject({}, RejectReason::kConsumer);
}

Status QpCore::Disconnect() {
  {
    std::lock_guard lock(mu_);
    if (state_ == ConnectionState::kDisconnected) return Status::Ok();
    FailLocked(ConnectionState::kDisconnected,
               Status(StatusCode::kDisconnected, "disconnected locally"), std::nullopt);
    EnqueueFrame(FrameHeader{.type = FrameType::kDisconnect});
  }
  CloseAfterFlush();
  return Status::Ok();
}

void QpCore::Release() {
  bool pending_request;
  {
    std::lock_guard lock(mu_);
    released_ = true;
    send_cq_ = nullptr;
    recv_cq_ = nullptr;
    pending_request = phase_ == Phase::kRequestPending;
  }
  if (pending_request) {
    // Created but never accepted: the request is dropped with a reject.
    {
      std::lock_guard lock(mu_);
      configured_ = false;
    }
    (void)Reject({}, RejectReason::kConsumer);
    return;
  }
  (void)Disconnect();
}

void QpCore::Drop() {
  std::lock_guard lock(mu_);
  FailLocked(ConnectionState::kDisconnected,
             Status(StatusCode::kDisconnected, "fault injection: connection dropped"),
             WcStatus::kTransportRetryExceeded);
  std::lock_guard out_lock(out_mu_);
  if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);
}

// ------------------------------------------------------------- outbound ---

void QpCore::EnqueueFrame(const FrameHeader& h, std::vector<std::byte> payload, bool droppable) {
  OutItem item;
  item.hdr = EncodeFrameHeader(h);
  item.total = kFrameHeaderSize + payload.size();
  item.owned = std::move(payload);
  item.droppable = droppable;
  Enqueue(std::move(item));
}

void QpCore::Enqueue(OutItem item) {
  std::lock_guard lock(out_mu_);
  if (fd_ < 0 || write_shut_) return;
  out_.push_back(std::move(item));
  if (out_.size() == 1) FlushOutLocked();
}

void QpCore::FlushOutLocked() {
  constexpr int kMaxIov = 64;
  iovec iov[kMaxIov];
  while (!out_.empty() && fd_ >= 0) {
    int n = 0;
    for (const OutItem& item : out_) {
      size_t skip = item.sent;
      auto add = [&](const void* p, size_t len) {
        if (n >= kMaxIov || len == 0) return;
        if (skip >= len) {
          skip -= len;
          return;
        }
        iov[n++] =
            iovec{const_cast<std::byte*>(static_cast<const std::byte*>(p)) + skip, len - skip};
        skip = 0;
      };
      add(item.hdr.data(), item.hdr.size());
      add(item.owned.data(), item.owned.size());
      for (const iovec& e : item.ext) add(e.iov_base, e.iov_len);
      if (n >= kMaxIov) break;
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(n);
    ssize_t w = sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!want_write_ && engine_id_ != 0) {
          want_write_ = true;
          ctx_->engine->WantWrite(engine_id_, fd_, true);
        }
        return;
      }
      // The peer is gone; the read side reports it. Nothing more can be sent.
      out_.clear();
      return;
    }
    size_t left = static_cast<size_t>(w);
    while (left > 0 && !out_.empty()) {
      OutItem& item = out_.front();
      size_t take = std::min(left, item.total - item.sent);
      item.sent += take;
      left -= take;
      if (item.sent == item.total) out_.pop_front();
    }
  }
  if (out_.empty() && want_write_ && fd_ >= 0) {
    want_write_ = false;
    ctx_->engine->WantWrite(engine_id_, fd_, false);
  }
  if (out_.empty() && close_after_flush_ && !write_shut_ && fd_ >= 0) {
    write_shut_ = true;
    shutdown(fd_, SHUT_WR);
  }
}

void QpCore::PurgeOutLocked() {
  std::deque<OutItem> keep;
  for (OutItem& item : out_) {
    if (item.sent > 0) {
      // Partly on the wire: keep it whole, but stop referencing application memory.
      for (const iovec& e : item.ext)
        item.owned.insert(item.owned.end(), static_cast<std::byte*>(e.iov_base),
                          static_cast<std::byte*>(e.iov_base) + e.iov_len);
      item.ext.clear();
      keep.push_back(std::move(item));
    } else if (!item.droppable) {
      keep.push_back(std::move(item));
    }
  }
  out_.swap(keep);
}

void QpCore::CloseAfterFlush() {
  {
    std::lock_guard lock(out_mu_);
    if (fd_ < 0) return;
    close_after_flush_ = true;
    if (out_.empty() && !write_shut_) {
      write_shut_ = true;
      shutdown(fd_, SHUT_WR);
    }
  }
  // The peer normally closes its end on our DREQ/REJ; do not wait forever.
  std::weak_ptr<QpCore> weak = weak_from_this();
  ctx_->engine->RunAt(std::chrono::steady_clock::now() + kLinger, [weak] {
    if (auto self = weak.lock()) self->CloseSocket();
  });
}

void QpCore::CloseSocket() {
  std::lock_guard lock(out_mu_);
  if (fd_ < 0) return;
  ctx_->engine->Remove(engine_id_, fd_);
  close(fd_);
  fd_ = -1;
  out_.clear();
}

void QpCore::OnEngineShutdown() {
  {
    std::lock_guard lock(mu_);
    FailLocked(ConnectionState::kDisconnected,
               Status(StatusCode::kDisconnected, "soft fabric closed"), std::nullopt);
  }
  std::lock_guard lock(out_mu_);
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
  out_.clear();
}

}  // namespace srp::fabric::soft
