#include "target/engine/srp_channel.h"

#include <algorithm>

#include "lib/common/endian.h"
#include "lib/common/log.h"
#include "lib/srp/iu.h"
#include "target/engine/wr_id.h"

namespace srp::target {

namespace {
// Response slot size: 36-byte header + 4 bytes TMF data + 96 bytes of sense fit easily.
constexpr size_t kRspSlotSize = 256;
}  // namespace

const char* ChannelStateName(ChannelState state) {
  switch (state) {
    case ChannelState::kConnecting:
      return "connecting";
    case ChannelState::kLive:
      return "live";
    case ChannelState::kDisconnecting:
      return "disconnecting";
    case ChannelState::kDraining:
      return "draining";
    case ChannelState::kDisconnected:
      return "disconnected";
  }
  return "?";
}

SrpChannel::SrpChannel(std::unique_ptr<fabric::Connection> conn, const TargetConfig& config,
                       ChannelParams params, GroupResources* group)
    : conn_(std::move(conn)), config_(config), params_(std::move(params)), group_(group) {
  limits_.max_transfer = config.max_transfer;
  limits_.max_iu_len = params_.max_it_iu_len;
  limits_.immediate_data = params_.immediate_data;
  limits_.imm_data_offset = params_.imm_data_offset;
  limits_.external_tables = config.external_tables;
  limits_.max_external_descriptors = config.max_external_descriptors;
  // One send-queue slot stays reserved for SRP_T_LOGOUT.
  sq_free_ = params_.send_queue_size > 1 ? params_.send_queue_size - 1 : 1;
  parked_.resize(params_.ring_size);
  pending_wrs_.reserve(params_.send_queue_size);
  post_wrs_.reserve(params_.send_queue_size);
  pending_recvs_.reserve(params_.ring_size);
  post_recvs_.reserve(params_.ring_size);
  recv_sges_.reserve(params_.ring_size);
}

SrpChannel::~SrpChannel() {
  // The queue pair goes first: nothing may reference the rings after this.
  conn_.reset();
}

Result<std::unique_ptr<SrpChannel>> SrpChannel::Create(fabric::Fabric& fabric,
                                                       std::unique_ptr<fabric::Connection> conn,
                                                       const TargetConfig& config,
                                                       ChannelParams params,
                                                       GroupResources* group) {
  if (params.ring_size == 0 || params.max_it_iu_len < wire::kMinItIuLen)
    return InvalidArgument("bad channel parameters");
  std::unique_ptr<SrpChannel> ch(new SrpChannel(std::move(conn), config, std::move(params), group));
  const size_t recv_bytes = size_t{ch->params_.ring_size} * ch->params_.max_it_iu_len;
  ch->recv_slab_ = std::make_unique<std::byte[]>(recv_bytes);
  SRP_ASSIGN_OR_RETURN(ch->recv_mr_, fabric.RegisterMemory(ch->recv_slab_.get(), recv_bytes,
                                                           fabric::kAccessLocalWrite));
  // One response buffer per request context, then the control slot (SRP_T_LOGOUT).
  const uint32_t contexts = RequestContextsFor(ch->params_.ring_size);
  const size_t rsp_bytes = (size_t{contexts} + 1) * kRspSlotSize;
  ch->rsp_slab_ = std::make_unique<std::byte[]>(rsp_bytes);
  SRP_ASSIGN_OR_RETURN(ch->rsp_mr_, fabric.RegisterMemory(ch->rsp_slab_.get(), rsp_bytes,
                                                          fabric::kAccessLocalWrite));
  ch->requests_.reserve(contexts);
  ch->free_requests_.reserve(contexts);
  for (uint32_t i = 0; i < contexts; ++i) {
    ch->requests_.push_back(std::make_unique<SrpRequest>(*ch, i, ch->RspSlot(i)));
  }
  // LIFO free list, request 0 on top: the most recently used (cache-warm) context goes first.
  for (uint32_t i = contexts; i-- > 0;) ch->free_requests_.push_back(ch->requests_[i].get());
  return ch;
}

std::span<std::byte> SrpChannel::RecvSlot(uint32_t index) {
  return {recv_slab_.get() + size_t{index} * params_.max_it_iu_len, params_.max_it_iu_len};
}

std::span<std::byte> SrpChannel::RspSlot(uint32_t index) {
  return {rsp_slab_.get() + size_t{index} * kRspSlotSize, kRspSlotSize};
}

void SrpChannel::SetState(ChannelState next) {
  if (next == state_) return;
  SRP_LOG(kDebug, "ch {} ({}): {} -> {}", params_.id, params_.session->name(),
          ChannelStateName(state_), ChannelStateName(next));
  state_ = next;
}

Status SrpChannel::Start() {
  for (uint32_t i = 0; i < params_.ring_size; ++i) pending_recvs_.push_back(i);
  FlushDoorbell();
  return closing() ? Status(StatusCode::kResourceExhausted, "cannot post the receive ring")
                   : Status::Ok();
}

// ------------------------------------------------------------- doorbells ---

void SrpChannel::QueueWr(fabric::WrOpcode op, uint64_t wr_id, const fabric::Sge& sge,
                         uint64_t remote_addr, uint32_t rkey, bool signaled) {
  PendingWr p;
  p.sge = sge;
  p.wr.wr_id = wr_id;
  p.wr.opcode = op;
  p.wr.remote_addr = remote_addr;
  p.wr.rkey = rkey;
  p.wr.signaled = signaled;
  pending_wrs_.push_back(p);
}

void SrpChannel::RepostRecv(uint32_t slot) {
  if (closing()) return;
  pending_recvs_.push_back(slot);
}

void SrpChannel::FlushDoorbell() {
  // A request freed outside a completion (abort, worker completion) picks up parked IUs here.
  DispatchParked();
  if (!pending_recvs_.empty()) {
    if (closing()) {
      pending_recvs_.clear();
    } else {
      post_recvs_.clear();
      recv_sges_.clear();
      for (uint32_t slot : pending_recvs_) {
        std::span<std::byte> buf = RecvSlot(slot);
        recv_sges_.push_back(fabric::Sge{reinterpret_cast<uint64_t>(buf.data()),
                                         static_cast<uint32_t>(buf.size()), recv_mr_->lkey()});
      }
      for (size_t i = 0; i < pending_recvs_.size(); ++i) {
        post_recvs_.push_back(fabric::RecvRequest{MakeWrId(WrKind::kRecv, pending_recvs_[i]),
                                                  std::span<const fabric::Sge>(&recv_sges_[i], 1)});
      }
      pending_recvs_.clear();
      Status st = conn_->PostRecv(post_recvs_);
      if (!st.ok()) Disconnect("PostRecv failed: " + st.ToString());
    }
  }
  if (!pending_wrs_.empty()) {
    post_wrs_.clear();
    for (PendingWr& p : pending_wrs_) {
      p.wr.sg_list = std::span<const fabric::Sge>(&p.sge, 1);
      post_wrs_.push_back(p.wr);
    }
    size_t posted = 0;
    Status st = conn_->PostSend(post_wrs_, &posted);
    pending_wrs_.clear();
    // WRs that were not posted belong to requests the drain resolves (OnDrained).
    if (!st.ok()) Disconnect("PostSend failed: " + st.ToString());
  }
}

// ------------------------------------------------------------ completions ---

void SrpChannel::HandleCompletion(const fabric::Completion& c) {
  const WrKind kind = WrIdKind(c.wr_id);
  const uint32_t index = WrIdIndex(c.wr_id);
  if (kind == WrKind::kDrain) {
    if (c.opcode == fabric::WcOpcode::kRecv) {
      drain_recv_done_ = true;
    } else {
      drain_send_done_ = true;
    }
    MaybeFinishDrain();
    return;
  }
  if (state_ == ChannelState::kDraining || state_ == ChannelState::kDisconnected) return;
  if (c.status != fabric::WcStatus::kSuccess) {
    if (c.status != fabric::WcStatus::kWorkRequestFlushed && !error_logged_) {
      error_logged_ = true;
      SRP_LOG(kWarning, "ch {} ({}): {} completion failed: {}", params_.id, params_.session->name(),
              fabric::WcOpcodeName(c.opcode), fabric::WcStatusName(c.status));
    }
    Disconnect(c.status == fabric::WcStatus::kWorkRequestFlushed
                   ? std::string("queue pair flushed")
                   : std::string("work request failed: ") + fabric::WcStatusName(c.status));
    return;
  }
  switch (kind) {
    case WrKind::kRecv:
      if (index >= params_.ring_size) return;
      if (state_ == ChannelState::kConnecting) {
        early_ius_.emplace_back(index, c.byte_len);
        return;
      }
      if (closing()) return;
      ReceiveIu(index, c.byte_len);
      return;
    case WrKind::kRequest:
      if (index >= requests_.size()) return;
      sq_free_ += WrIdCount(c.wr_id);
      requests_[index]->OnChunkDone();
      ResumeSqWaiters();
      // The SEND completion may have freed a request context: bind parked IUs to it now,
      // outside the finished request's Process().
      DispatchParked();
      return;
    case WrKind::kLogout:
      Disconnect("target logout sent");
      return;
    case WrKind::kDrain:
      return;
  }
}

void SrpChannel::ResumeSqWaiters() {
  while (!sq_waiters_.empty() && sq_free_ > 0) {
    SrpRequest* r = sq_waiters_.front();
    sq_waiters_.pop_front();
    r->Resume();
  }
}

void SrpChannel::WaitForSq(SrpRequest* waiter) {
  if (std::find(sq_waiters_.begin(), sq_waiters_.end(), waiter) == sq_waiters_.end())
    sq_waiters_.push_back(waiter);
}

void SrpChannel::CancelWaits(SrpRequest* req) {
  std::erase(sq_waiters_, req);
  std::erase(group_->buffer_waiters, req);
}

bool SrpChannel::AcquireBuffer(size_t size, DataBuffer* out, SrpRequest* waiter, Status* error) {
  // FIFO: a newcomer does not overtake requests already waiting for the pool.
  bool others_waiting = !group_->buffer_waiters.empty() && group_->buffer_waiters.front() != waiter;
  if ((size > group_->pool->buffer_size() || !others_waiting) &&
      group_->pool->Acquire(size, out, error)) {
    std::erase(group_->buffer_waiters, waiter);
    return true;
  }
  if (!error->ok()) return false;
  if (std::find(group_->buffer_waiters.begin(), group_->buffer_waiters.end(), waiter) ==
      group_->buffer_waiters.end())
    group_->buffer_waiters.push_back(waiter);
  return false;
}

void SrpChannel::ReleaseBuffer(DataBuffer* buf) {
  group_->pool->Release(buf);
  if (!group_->buffer_waiters.empty()) {
    SrpRequest* next = group_->buffer_waiters.front();
    next->Resume();
  }
}

uint32_t SrpChannel::TakeCredits() {
  uint32_t delta = 1 + pending_credits_;
  pending_credits_ = 0;
  return delta;
}

void SrpChannel::OnRequestFinished(SrpRequest* req) {
  if (active_ > 0) --active_;
  // Parked IUs are not bound here: `req` is still inside its own Process(). The next
  // DispatchParked() (after the completion that finished it, or at the doorbell) does it.
  free_requests_.push_back(req);
  MaybeFinishDrain();
}

SrpRequest* SrpChannel::FindRequest(uint64_t tag) {
  for (auto& r : requests_)
    if (r->active() && r->tag() == tag) return r.get();
  return nullptr;
}

// -------------------------------------------------------------------- IUs ---

void SrpChannel::ReceiveIu(uint32_t slot, uint32_t len) {
  if (parked_count_ == 0 && !free_requests_.empty()) return HandleIu(slot, len);
  // Out of request contexts (responses waiting for their SEND completions), or IUs already
  // parked ahead of this one: the IU stays in its receive buffer, which is not reposted until
  // a request has taken it. Each parked IU holds a distinct receive slot, so the FIFO (sized
  // to the ring) cannot overflow.
  if (parked_count_ == parked_.size()) {
    SRP_LOG(kError, "ch {}: parked IU queue overflow (slot {})", params_.id, slot);
    Disconnect("parked IU queue overflow");
    return;
  }
  if (parked_count_ == 0) {
    SRP_TRACE(kTraceIu, "ch {}: no free request context; parking slot {}", params_.id, slot);
  }
  parked_[(parked_head_ + parked_count_) % parked_.size()] = ParkedIu{slot, len};
  ++parked_count_;
  DispatchParked();  // a context freed since the last dispatch serves the oldest IU first
}

void SrpChannel::DispatchParked() {
  while (parked_count_ > 0 && !free_requests_.empty() && !closing()) {
    ParkedIu p = parked_[parked_head_];
    parked_head_ = (parked_head_ + 1) % parked_.size();
    --parked_count_;
    HandleIu(p.slot, p.len);
  }
}

SrpRequest& SrpChannel::TakeRequest() {
  SrpRequest* req = free_requests_.back();
  free_requests_.pop_back();
  ++active_;
  return *req;
}

// REQUIRES: a free request context.
void SrpChannel::HandleIu(uint32_t slot, uint32_t len) {
  std::span<std::byte> iu = RecvSlot(slot).first(std::min<size_t>(len, params_.max_it_iu_len));
  auto decoded = wire::DecodeTargetBoundIu(iu);
  if (!decoded.ok()) {
    if (iu.size() >= wire::kCmdHeaderSize &&
        static_cast<uint8_t>(iu[0]) == static_cast<uint8_t>(wire::Opcode::kCmd)) {
      SRP_LOG(kInfo, "ch {}: malformed SRP_CMD: {}", params_.id, decoded.status().message());
      SrpRequest& req = TakeRequest();
      req.BeginMalformed(slot, iu, LoadBe64(iu.data() + 8), scsi::InvalidFieldInCdb(0));
      req.Process();
      return;
    }
    SRP_LOG(kInfo, "ch {} ({}): ignoring IU of {} bytes (opcode {:#04x}): {}", params_.id,
            params_.session->name(), iu.size(), iu.empty() ? 0 : static_cast<int>(iu[0]),
            decoded.status().message());
    AddPendingCredit();
    RepostRecv(slot);
    return;
  }
  if (auto* cmd = std::get_if<wire::CmdHeader>(&*decoded)) {
    SrpRequest& req = TakeRequest();
    req.BeginCommand(slot, iu, *cmd);
    req.Process();
  } else if (auto* tmf = std::get_if<wire::TaskManagement>(&*decoded)) {
    SrpRequest& req = TakeRequest();
    req.BeginTmf(slot, iu, *tmf);
    req.Process();
  } else if (std::holds_alternative<wire::InitiatorLogout>(*decoded)) {
    SRP_LOG(kInfo, "ch {} ({}): SRP_I_LOGOUT", params_.id, params_.session->name());
    Disconnect("initiator logout");
  } else {
    // SRP_CRED_RSP / SRP_AER_RSP answer requests we never send; they consume no credit.
    SRP_TRACE(kTraceIu, "ch {}: ignoring credit/AER response", params_.id);
    RepostRecv(slot);
  }
}

// ----------------------------------------------------------------- events ---

void SrpChannel::PollEvents() {
  while (auto ev = conn_->NextEvent()) HandleEvent(*ev);
}

void SrpChannel::HandleEvent(const fabric::ConnectionEvent& ev) {
  switch (ev.type) {
    case fabric::ConnectionEventType::kEstablished: {
      if (state_ != ChannelState::kConnecting) return;
      SetState(ChannelState::kLive);
      auto early = std::move(early_ius_);
      early_ius_.clear();
      for (auto [slot, len] : early) {
        if (closing()) break;
        ReceiveIu(slot, len);
      }
      return;
    }
    case fabric::ConnectionEventType::kDisconnected:
    case fabric::ConnectionEventType::kError:
      if (state_ < ChannelState::kDisconnecting) {
        SRP_LOG(kInfo, "ch {} ({}): connection {}: {}", params_.id, params_.session->name(),
                ev.type == fabric::ConnectionEventType::kError ? "error" : "closed",
                ev.detail.ToString());
        SetState(ChannelState::kDisconnecting);
      }
      BeginDrain();
      return;
  }
}

void SrpChannel::Disconnect(const std::string& why) {
  if (state_ >= ChannelState::kDisconnecting) return;
  SRP_LOG(kInfo, "ch {} ({}): disconnecting: {}", params_.id, params_.session->name(), why);
  SetState(ChannelState::kDisconnecting);
  (void)conn_->Disconnect();
  fabric::ConnectionState cs = conn_->state();
  if (cs == fabric::ConnectionState::kDisconnected || cs == fabric::ConnectionState::kError)
    BeginDrain();
}

void SrpChannel::SendTargetLogout() {
  if (state_ != ChannelState::kLive) {
    Disconnect("shutdown");
    return;
  }
  if (logout_queued_) return;
  logout_queued_ = true;
  wire::TargetLogout logout;
  std::span<std::byte> slot = RspSlot(static_cast<uint32_t>(requests_.size()));
  auto n = wire::EncodeTargetLogout(logout, slot);
  if (!n.ok()) {
    Disconnect("shutdown");
    return;
  }
  fabric::Sge sge{reinterpret_cast<uint64_t>(slot.data()), static_cast<uint32_t>(*n),
                  rsp_mr_->lkey()};
  QueueWr(fabric::WrOpcode::kSend, MakeWrId(WrKind::kLogout, 0, 1), sge, 0, 0, true);
  FlushDoorbell();
}

void SrpChannel::BeginDrain() {
  if (state_ >= ChannelState::kDraining) return;
  // Whatever is still queued is posted now so that it, too, is flushed before the markers.
  FlushDoorbell();
  SetState(ChannelState::kDraining);
  fabric::RecvRequest marker_recv{MakeWrId(WrKind::kDrain, 0), {}};
  if (!conn_->PostRecv(std::span<const fabric::RecvRequest>(&marker_recv, 1)).ok())
    drain_recv_done_ = true;
  fabric::WorkRequest marker_send;
  marker_send.wr_id = MakeWrId(WrKind::kDrain, 1);
  marker_send.opcode = fabric::WrOpcode::kSend;
  marker_send.signaled = true;
  if (!conn_->PostSend(std::span<const fabric::WorkRequest>(&marker_send, 1)).ok())
    drain_send_done_ = true;
  early_ius_.clear();
  parked_head_ = parked_count_ = 0;  // parked IUs die with the channel, like unreceived ones
  sq_waiters_.clear();
  // Requests that are not waiting for the fabric finish now (no SRP_RSP any more).
  for (auto& r : requests_)
    if (r->active()) r->Process();
  MaybeFinishDrain();
}

void SrpChannel::MaybeFinishDrain() {
  if (state_ != ChannelState::kDraining) return;
  if (!drain_send_done_ || !drain_recv_done_) return;
  if (!drained_) {
    drained_ = true;
    for (auto& r : requests_)
      if (r->active()) r->OnDrained();
  }
  if (active_ == 0) SetState(ChannelState::kDisconnected);
}

}  // namespace srp::target
