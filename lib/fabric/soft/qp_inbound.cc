// QpCore: inbound frame parsing and handling. Engine thread only (plus the
// engine-joined shutdown path), except where mu_ is taken for shared state.
#include <fmt/format.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "lib/common/log.h"
#include "lib/fabric/soft/listener.h"
#include "lib/fabric/soft/qp.h"
#include "lib/fabric/soft/socket_util.h"

namespace srp::fabric::soft {

namespace {

// Payloads at least this large are read straight into their destination.
constexpr uint64_t kDirectReadThreshold = 32 * 1024;
// Bytes parsed per OnEvents call before yielding to other connections.
constexpr size_t kReadBudget = 8u << 20;
// One RNR retry interval (rnr_retry_count < 7 => count+1 intervals).
constexpr auto kRnrInterval = std::chrono::milliseconds(10);

// The iovecs covering bytes [off, off+len) of `segs`; returns how many.
int SliceIov(std::span<const MemSeg> segs, uint64_t off, uint64_t len, iovec* iov, int max) {
  int n = 0;
  for (const MemSeg& s : segs) {
    if (len == 0 || n == max) break;
    if (off >= s.len) {
      off -= s.len;
      continue;
    }
    uint64_t take = std::min(s.len - off, len);
    iov[n++] = iovec{s.ptr + off, take};
    len -= take;
    off = 0;
  }
  return n;
}

void ScatterCopy(std::span<const MemSeg> segs, uint64_t off, const std::byte* data, size_t len) {
  iovec iov[16];
  while (len > 0) {
    int n = SliceIov(segs, off, len, iov, 16);
    if (n == 0) return;
    for (int i = 0; i < n; ++i) {
      std::memcpy(iov[i].iov_base, data, iov[i].iov_len);
      data += iov[i].iov_len;
      len -= iov[i].iov_len;
      off += iov[i].iov_len;
    }
  }
}

WcStatus NakStatus(uint32_t syndrome) {
  switch (static_cast<NakSyndrome>(syndrome)) {
    case NakSyndrome::kReceiverNotReady:
      return WcStatus::kReceiverNotReady;
    case NakSyndrome::kRemoteAccess:
      return WcStatus::kRemoteAccessError;
    case NakSyndrome::kRemoteInvalidRequest:
      return WcStatus::kRemoteOperationError;
  }
  return WcStatus::kRemoteOperationError;
}

}  // namespace

void QpCore::OnEvents(uint32_t events) {
  if (events & EPOLLOUT) {
    std::lock_guard lock(out_mu_);
    FlushOutLocked();
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) ReadSome();
}

void QpCore::OnPeerGone(Status why) {
  read_closed_ = true;
  {
    std::lock_guard lock(mu_);
    FailLocked(ConnectionState::kDisconnected, std::move(why), std::nullopt);
  }
  CloseSocket();
}

void QpCore::ProtocolFail(Status why) {
  SRP_LOG(kWarning, "soft qp {:#x}: protocol error from peer: {}", qp_num_, why.ToString());
  read_closed_ = true;
  {
    std::lock_guard lock(mu_);
    FailLocked(ConnectionState::kError, why, std::nullopt);
    FailLocked(ConnectionState::kDisconnected, why, std::nullopt);
  }
  CloseSocket();
}

void QpCore::ReadSome() {
  size_t budget = kReadBudget;
  while (!read_closed_ && fd_ >= 0) {
    if (!have_hdr_) {
      size_t avail = rend_ - rbeg_;
      if (avail >= kFrameHeaderSize) {
        auto h = DecodeFrameHeader(
            std::span<const std::byte, kFrameHeaderSize>(rbuf_.data() + rbeg_, kFrameHeaderSize));
        rbeg_ += kFrameHeaderSize;
        if (!h.ok()) return ProtocolFail(h.status());
        hdr_ = *h;
        have_hdr_ = true;
        payload_done_ = 0;
        bool stall = false;
        dest_ = BeginFrame(hdr_, false, &stall);
        continue;
      }
      if (rbeg_ > 0) {
        std::memmove(rbuf_.data(), rbuf_.data() + rbeg_, avail);
        rbeg_ = 0;
        rend_ = avail;
      }
    } else {
      uint64_t remaining = hdr_.payload_len - payload_done_;
      if (remaining == 0) {
        have_hdr_ = false;
        Dest d = std::move(dest_);
        dest_ = Dest{};
        EndFrame(hdr_, d);
        continue;
      }
      size_t avail = rend_ - rbeg_;
      if (avail > 0) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(avail, remaining));
        PlacePayload(dest_, hdr_, payload_done_, rbuf_.data() + rbeg_, n);
        rbeg_ += n;
        payload_done_ += n;
        continue;
      }
      rbeg_ = rend_ = 0;
      if (remaining >= kDirectReadThreshold && dest_.kind != Dest::Kind::kDiscard) {
        ssize_t n = ReadDirect(dest_, hdr_, payload_done_, static_cast<size_t>(remaining));
        if (n > 0) {
          payload_done_ += static_cast<uint64_t>(n);
          if (budget <= static_cast<size_t>(n)) break;
          budget -= static_cast<size_t>(n);
          continue;
        }
        if (n == -2) continue;  // destination went away; fall back to the buffer
        if (n == 0)
          return OnPeerGone(Status(StatusCode::kDisconnected, "peer closed the connection"));
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return SendAckIfDue();
        return OnPeerGone(Status(StatusCode::kDisconnected,
                                 fmt::format("receive failed: {}", strerror(errno)), errno));
      }
    }
    ssize_t n = recv(fd_, rbuf_.data() + rend_, rbuf_.size() - rend_, 0);
    if (n > 0) {
      rend_ += static_cast<size_t>(n);
      if (budget <= static_cast<size_t>(n)) break;
      budget -= static_cast<size_t>(n);
      continue;
    }
    if (n == 0) return OnPeerGone(Status(StatusCode::kDisconnected, "peer closed the connection"));
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return SendAckIfDue();
    return OnPeerGone(Status(StatusCode::kDisconnected,
                             fmt::format("receive failed: {}", strerror(errno)), errno));
  }
  if (read_closed_ || fd_ < 0) return;
  // Budget used up: acknowledge what was done and continue after the others.
  SendAckIfDue();
  std::weak_ptr<QpCore> weak = weak_from_this();
  ctx_->engine->RunInLoop([weak] {
    if (auto self = weak.lock()) self->ReadSome();
  });
}

// ------------------------------------------------------------- frame start ---

QpCore::Dest QpCore::BeginFrame(const FrameHeader& h, bool from_deferred, bool* stall) {
  Dest d;
  switch (h.type) {
    case FrameType::kConnectRequest:
    case FrameType::kConnectReply:
    case FrameType::kConnectReject:
    case FrameType::kReadyToUse:
    case FrameType::kDisconnect:
      d.kind = Dest::Kind::kOwned;
      d.owned.resize(h.payload_len);
      return d;
    case FrameType::kSend:
    case FrameType::kRdmaWrite:
    case FrameType::kReadRequest:
      if (!from_deferred && (!deferred_.empty() || stall_seq_ != 0)) {
        d.kind = Dest::Kind::kOwned;
        d.defer = true;
        d.owned.resize(h.payload_len);
        return d;
      }
      break;
    default:
      break;
  }
  Result<Dest> r = Dest{};
  {
    std::lock_guard lock(mu_);
    if (h.type == FrameType::kAck || h.type == FrameType::kNak ||
        h.type == FrameType::kReadResponse) {
      r = BeginRequesterFrameLocked(h);
    } else {
      r = BeginResponderFrameLocked(h, from_deferred, stall);
    }
  }
  if (!r.ok()) {
    ProtocolFail(r.status());
    return Dest{};
  }
  if (h.type == FrameType::kSend && r->kind == Dest::Kind::kOwned && r->defer) StartRnrTimer(h.seq);
  return std::move(r).value();
}

Result<QpCore::Dest> QpCore::BeginRequesterFrameLocked(const FrameHeader& h) {
  Dest d;
  if (phase_ != Phase::kActive && phase_ != Phase::kReplied)
    return ProtocolError("data frame before the connection was accepted");
  if (state_ == ConnectionState::kError || state_ == ConnectionState::kDisconnected) return d;
  switch (h.type) {
    case FrameType::kAck:
      SRP_RETURN_IF_ERROR(AckUpToLocked(h.seq, true));
      DrainLocalErrorsLocked();
      return d;
    case FrameType::kNak: {
      SRP_RETURN_IF_ERROR(AckUpToLocked(h.seq, false));
      if (sq_.empty() || sq_.front().seq != h.seq || sq_.front().local_error)
        return ProtocolError(fmt::format("NAK for unknown work request {}", h.seq));
      WcStatus st = NakStatus(h.key);
      FailLocked(ConnectionState::kError,
                 Status(st == WcStatus::kRemoteAccessError ? StatusCode::kRemoteAccessError
                                                           : StatusCode::kProtocolError,
                        fmt::format("peer refused work request: {}", WcStatusName(st))),
                 st);
      return d;
    }
    case FrameType::kReadResponse: {
      SRP_RETURN_IF_ERROR(AckUpToLocked(h.seq, false));
      if (sq_.empty() || sq_.front().seq != h.seq || sq_.front().opcode != WrOpcode::kRdmaRead ||
          sq_.front().local_error)
        return ProtocolError(fmt::format("RDMA READ response for unknown request {}", h.seq));
      SendWr& wr = sq_.front();
      if (wr.read_done + h.payload_len > wr.length)
        return ProtocolError("RDMA READ response longer than the request");
      d.kind = Dest::Kind::kReadResponse;
      d.read_wr = &wr;
      d.base_off = wr.read_done;
      d.gen = flush_gen_;
      return d;
    }
    default:
      return Internal("not a requester frame");
  }
}

Result<QpCore::Dest> QpCore::BeginResponderFrameLocked(const FrameHeader& h, bool from_deferred,
                                                       bool* stall) {
  Dest d;
  if (phase_ != Phase::kActive && phase_ != Phase::kReplied)
    return ProtocolError("data frame before the connection was accepted");
  if (responder_dead_ || state_ == ConnectionState::kError ||
      state_ == ConnectionState::kDisconnected)
    return d;
  switch (h.type) {
    case FrameType::kSend: {
      if (h.flags & kFlagFirst) {
        if (in_message_) return ProtocolError("SEND first segment inside a message");
        if (rq_.empty()) {
          if (from_deferred) {
            *stall = true;
            return d;
          }
          rnr_stalled_ = true;
          d.kind = Dest::Kind::kOwned;
          d.defer = true;
          d.owned.resize(h.payload_len);
          return d;
        }
        RecvWr recv = std::move(rq_.front());
        rq_.pop_front();
        if (recv.bad_key || h.key > recv.capacity) {
          bool too_long = !recv.bad_key;
          CompleteRecvLocked(
              recv, too_long ? WcStatus::kLocalLengthError : WcStatus::kLocalProtectionError, 0);
          ResponderErrorLocked(
              h.seq, NakSyndrome::kRemoteInvalidRequest,
              Status(StatusCode::kInvalidArgument,
                     too_long ? fmt::format("received SEND of {} bytes exceeds the posted "
                                            "receive of {} bytes",
                                            h.key, recv.capacity)
                              : std::string("posted receive has a bad lkey")));
          return d;
        }
        cur_recv_ = std::move(recv);
        cur_recv_total_ = h.key;
        in_message_ = true;
        message_seq_ = h.seq;
        message_off_ = 0;
      } else if (!in_message_ || h.seq != message_seq_) {
        return ProtocolError("SEND segment outside a message");
      }
      if (message_off_ + h.payload_len > cur_recv_total_)
        return ProtocolError("SEND segments exceed the message length");
      if ((h.flags & kFlagLast) && message_off_ + h.payload_len != cur_recv_total_)
        return ProtocolError("SEND segments shorter than the message length");
      d.kind = Dest::Kind::kRecv;
      d.base_off = message_off_;
      d.gen = flush_gen_;
      return d;
    }
    case FrameType::kRdmaWrite:
      if (!ctx_->keys->Check(h.key, h.addr, h.payload_len, kAccessRemoteWrite)) {
        ResponderErrorLocked(
            h.seq, NakSyndrome::kRemoteAccess,
            Status(StatusCode::kRemoteAccessError,
                   fmt::format("peer RDMA WRITE refused: rkey {:#x} addr {:#x} len {}", h.key,
                               h.addr, h.payload_len)));
        return d;
      }
      if (h.payload_len > 0) {
        d.kind = Dest::Kind::kMemory;
        d.mem = reinterpret_cast<std::byte*>(h.addr);
      }
      return d;
    case FrameType::kReadRequest:
      HandleReadRequestLocked(h);
      return d;
    default:
      return Internal("not a responder frame");
  }
}

void QpCore::HandleReadRequestLocked(const FrameHeader& h) {
  if (!ctx_->keys->Check(h.key, h.addr, h.length, kAccessRemoteRead)) {
    ResponderErrorLocked(h.seq, NakSyndrome::kRemoteAccess,
                         Status(StatusCode::kRemoteAccessError,
                                fmt::format("peer RDMA READ refused: rkey {:#x} addr {:#x} len {}",
                                            h.key, h.addr, h.length)));
    return;
  }
  uint64_t off = 0;
  do {
    uint64_t n = std::min<uint64_t>(h.length - off, kMaxSegment);
    FrameHeader r{.type = FrameType::kReadResponse, .seq = h.seq};
    r.payload_len = static_cast<uint32_t>(n);
    if (off + n == h.length) r.flags = kFlagLast;
    OutItem item;
    item.hdr = EncodeFrameHeader(r);
    if (n > 0) item.ext.push_back(iovec{reinterpret_cast<std::byte*>(h.addr) + off, n});
    item.total = kFrameHeaderSize + n;
    item.droppable = true;
    Enqueue(std::move(item));
    off += n;
  } while (off < h.length);
}

void QpCore::ResponderErrorLocked(uint64_t seq, NakSyndrome syndrome, Status why) {
  SRP_LOG(kDebug, "soft qp {:#x}: NAK {} syndrome {}: {}", qp_num_, seq,
          static_cast<uint32_t>(syndrome), why.ToString());
  responder_dead_ = true;
  rnr_stalled_ = false;
  if (syndrome != NakSyndrome::kReceiverNotReady)
    FailLocked(ConnectionState::kError, std::move(why), std::nullopt);
  FrameHeader nak{.type = FrameType::kNak, .seq = seq};
  nak.key = static_cast<uint32_t>(syndrome);
  EnqueueFrame(nak);
}

// ------------------------------------------------------------- payload ---

void QpCore::PlacePayload(Dest& d, const FrameHeader& h, uint64_t offset, const std::byte* data,
                          size_t len) {
  (void)h;
  switch (d.kind) {
    case Dest::Kind::kDiscard:
      return;
    case Dest::Kind::kOwned:
      std::memcpy(d.owned.data() + offset, data, len);
      return;
    case Dest::Kind::kMemory:
      std::memcpy(d.mem + offset, data, len);
      return;
    case Dest::Kind::kRecv: {
      std::lock_guard lock(mu_);
      if (d.gen != flush_gen_ || !cur_recv_) {
        d.kind = Dest::Kind::kDiscard;
        return;
      }
      ScatterCopy(cur_recv_->segs, d.base_off + offset, data, len);
      return;
    }
    case Dest::Kind::kReadResponse: {
      std::lock_guard lock(mu_);
      if (d.gen != flush_gen_) {
        d.kind = Dest::Kind::kDiscard;
        return;
      }
      ScatterCopy(d.read_wr->read_dest, d.base_off + offset, data, len);
      return;
    }
  }
}

ssize_t QpCore::ReadDirect(Dest& d, const FrameHeader& h, uint64_t offset, size_t len) {
  (void)h;
  constexpr int kMaxIov = 64;
  iovec iov[kMaxIov];
  switch (d.kind) {
    case Dest::Kind::kOwned:
      return recv(fd_, d.owned.data() + offset, len, 0);
    case Dest::Kind::kMemory:
      return recv(fd_, d.mem + offset, len, 0);
    case Dest::Kind::kRecv: {
      std::lock_guard lock(mu_);
      if (d.gen != flush_gen_ || !cur_recv_) {
        d.kind = Dest::Kind::kDiscard;
        return -2;
      }
      int n = SliceIov(cur_recv_->segs, d.base_off + offset, len, iov, kMaxIov);
      return readv(fd_, iov, n);
    }
    case Dest::Kind::kReadResponse: {
      std::lock_guard lock(mu_);
      if (d.gen != flush_gen_) {
        d.kind = Dest::Kind::kDiscard;
        return -2;
      }
      int n = SliceIov(d.read_wr->read_dest, d.base_off + offset, len, iov, kMaxIov);
      return readv(fd_, iov, n);
    }
    case Dest::Kind::kDiscard:
      break;
  }
  return -2;
}

// ------------------------------------------------------------- frame end ---

void QpCore::EndFrame(const FrameHeader& h, Dest& d) {
  if (d.kind == Dest::Kind::kOwned) {
    if (d.defer) {
      deferred_.push_back(DeferredFrame{h, std::move(d.owned)});
      if (stall_seq_ == 0) ProcessDeferred();
      return;
    }
    HandleCm(h, d.owned);
    return;
  }
  switch (h.type) {
    case FrameType::kSend: {
      message_off_ += h.payload_len;
      if (!(h.flags & kFlagLast)) return;
      in_message_ = false;
      std::lock_guard lock(mu_);
      if (d.kind == Dest::Kind::kRecv && d.gen == flush_gen_ && cur_recv_) {
        CompleteRecvLocked(*cur_recv_, WcStatus::kSuccess, static_cast<uint32_t>(cur_recv_total_));
        cur_recv_.reset();
        ack_seq_ = h.seq;
      }
      return;
    }
    case FrameType::kRdmaWrite:
      if ((h.flags & kFlagLast) && (d.kind == Dest::Kind::kMemory || h.payload_len == 0)) {
        std::lock_guard lock(mu_);
        if (!responder_dead_) ack_seq_ = h.seq;
      }
      return;
    case FrameType::kReadResponse: {
      if (d.kind != Dest::Kind::kReadResponse) return;
      Status bad;
      {
        std::lock_guard lock(mu_);
        if (d.gen != flush_gen_) return;
        SendWr& wr = *d.read_wr;
        wr.read_done += h.payload_len;
        if (!(h.flags & kFlagLast)) return;
        if (wr.read_done != wr.length) {
          bad = ProtocolError("RDMA READ response shorter than the request");
        } else {
          CompleteSendLocked(wr, WcStatus::kSuccess);
          sq_.pop_front();
          DrainLocalErrorsLocked();
        }
      }
      if (!bad.ok()) ProtocolFail(bad);
      return;
    }
    default:
      return;
  }
}

void QpCore::SendAckIfDue() {
  if (ack_seq_ <= acked_seq_) return;
  acked_seq_ = ack_seq_;
  EnqueueFrame(FrameHeader{.type = FrameType::kAck, .seq = acked_seq_});
}

// ------------------------------------------------------------- RNR ---

void QpCore::ProcessDeferred() {
  while (!deferred_.empty() && !read_closed_) {
    DeferredFrame& f = deferred_.front();
    bool stall = false;
    Dest d = BeginFrame(f.hdr, true, &stall);
    if (read_closed_) return;
    if (stall) {
      if (stall_seq_ != f.hdr.seq) StartRnrTimer(f.hdr.seq);
      std::lock_guard lock(mu_);
      rnr_stalled_ = true;
      return;
    }
    if (!f.payload.empty()) PlacePayload(d, f.hdr, 0, f.payload.data(), f.payload.size());
    FrameHeader h = f.hdr;
    deferred_.pop_front();
    EndFrame(h, d);
  }
  stall_seq_ = 0;
  {
    std::lock_guard lock(mu_);
    rnr_stalled_ = false;
  }
  SendAckIfDue();
}

void QpCore::StartRnrTimer(uint64_t seq) {
  stall_seq_ = seq;
  uint8_t retry;
  {
    std::lock_guard lock(mu_);
    retry = peer_rnr_retry_;
  }
  if (retry >= 7) return;  // retry forever
  std::weak_ptr<QpCore> weak = weak_from_this();
  ctx_->engine->RunAt(std::chrono::steady_clock::now() + kRnrInterval * (retry + 1), [weak, seq] {
    if (auto self = weak.lock()) self->OnRnrTimeout(seq);
  });
}

void QpCore::OnRnrTimeout(uint64_t seq) {
  if (stall_seq_ != seq || read_closed_) return;
  SendAckIfDue();
  deferred_.clear();
  stall_seq_ = 0;
  std::lock_guard lock(mu_);
  if (responder_dead_) return;
  ResponderErrorLocked(seq, NakSyndrome::kReceiverNotReady,
                       Status(StatusCode::kResourceExhausted, "receiver not ready"));
}

// ------------------------------------------------------------- CM ---

void QpCore::HandleCm(const FrameHeader& h, std::span<const std::byte> payload) {
  switch (h.type) {
    case FrameType::kConnectRequest: {
      CmIdentity id;
      std::span<const std::byte> pdata;
      Status s = DecodeCmPayload(payload, &id, &pdata);
      if (!s.ok()) return ProtocolFail(s);
      std::shared_ptr<ListenerCore> listener;
      {
        std::lock_guard lock(mu_);
        if (phase_ != Phase::kAwaitRequest) {
          s = ProtocolError("unexpected connection request");
        } else {
          peer_.gid = id.gid;
          peer_.node_guid = id.node_guid;
          peer_.port_guid = id.port_guid;
          peer_.pkey = id.pkey;
          peer_.ip = PeerIpText(fd_);
          peer_rnr_retry_ = id.rnr_retry;
        }
      }
      if (!s.ok()) return ProtocolFail(s);
      listener = ip_listener_.lock();
      if (!listener && peer_.ip.empty()) listener = ctx_->FindIbListener(h.seq);
      if (!listener) {
        (void)Reject({}, RejectReason::kNoListener);
        return;
      }
      if (peer_.ip.empty() && !ctx_->HasPkey(id.pkey)) {
        (void)Reject({}, RejectReason::kInvalidPkey);
        return;
      }
      {
        std::lock_guard lock(mu_);
        phase_ = Phase::kRequestPending;
      }
      PendingRequest req;
      req.core = shared_from_this();
      req.private_data.assign(pdata.begin(), pdata.end());
      req.peer = peer_;
      listener->Enqueue(std::move(req));
      return;
    }
    case FrameType::kReadyToUse: {
      std::lock_guard lock(mu_);
      if (phase_ != Phase::kReplied) return;
      phase_ = Phase::kActive;
      if (state_ == ConnectionState::kConnecting) {
        state_ = ConnectionState::kEstablished;
        if (!released_) PushEventLocked(ConnectionEventType::kEstablished, Status::Ok());
      }
      return;
    }
    case FrameType::kDisconnect: {
      {
        std::lock_guard lock(mu_);
        FailLocked(ConnectionState::kDisconnected,
                   Status(StatusCode::kDisconnected, "disconnected by peer"), std::nullopt);
      }
      CloseAfterFlush();
      return;
    }
    default:
      return ProtocolFail(ProtocolError(
          fmt::format("unexpected frame type {} on a connection", static_cast<int>(h.type))));
  }
}

}  // namespace srp::fabric::soft
