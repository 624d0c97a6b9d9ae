// Session receive side: completions, SRP_RSP matching, task-management outcomes and the
// IUs a target may send on its own (SRP_T_LOGOUT, SRP_CRED_REQ, SRP_AER_REQ).
#include <algorithm>
#include <variant>

#include "initiator_tools/initiator/session.h"
#include "lib/common/log.h"
#include "lib/scsi/constants.h"

namespace srp::initiator {

int Session::Progress() {
  if (!channel_) return 0;
  int callbacks = 0;
  fabric::Completion wcs[32];
  for (;;) {
    const size_t n = channel_->cq().Poll(wcs);
    for (size_t i = 0; i < n && channel_; ++i) HandleCompletion(wcs[i], &callbacks);
    if (n < std::size(wcs)) break;
  }
  CheckConnectionEvents();
  if (state_ == SessionState::kLoggedIn) {
    SendReplies();
    SendWaiting();
  }
  return callbacks;
}

void Session::HandleCompletion(const fabric::Completion& wc, int* callbacks) {
  const uint32_t index = Channel::Index(wc.wr_id);
  if (!Channel::IsRecv(wc.wr_id)) {
    if (index < slots_.size()) {
      SlotState& st = slots_[index];
      st.send_pending = false;
      if (!st.owner_live) channel_->ReleaseSendSlot(index);
    }
  }
  if (wc.status != fabric::WcStatus::kSuccess) {
    if (state_ == SessionState::kLoggedIn) {
      EnterDisconnected(
          SessionState::kDisconnected,
          Status(StatusCode::kDisconnected,
                 fmt::format("{} work request failed: {}", fabric::WcOpcodeName(wc.opcode),
                             fabric::WcStatusName(wc.status))));
    }
    return;
  }
  if (!Channel::IsRecv(wc.wr_id)) return;
  HandleIu(channel_->RecvBuffer(index, wc.byte_len), callbacks);
  if (state_ == SessionState::kLoggedIn) {
    Status s = channel_->RepostRecv(index);
    if (!s.ok()) EnterDisconnected(SessionState::kDisconnected, s.WithContext("reposting"));
  }
}

void Session::HandleIu(std::span<const std::byte> iu, int* callbacks) {
  auto decoded = wire::DecodeInitiatorBoundIu(iu);
  if (!decoded.ok()) {
    ++stats_.protocol_errors;
    SRP_LOG(kWarning, "initiator: dropping undecodable IU ({} bytes): {}", iu.size(),
            decoded.status().ToString());
    return;
  }
  if (auto* rsp = std::get_if<wire::RspView>(&*decoded)) {
    HandleRsp(*rsp, callbacks);
  } else if (auto* cred = std::get_if<wire::CreditRequest>(&*decoded)) {
    ++stats_.cred_req;
    credits_.AddDelta(cred->req_lim_delta);
    QueueReply(wire::EncodeCreditResponse(wire::CreditResponse{cred->tag}));
  } else if (auto* aer = std::get_if<wire::AerRequestView>(&*decoded)) {
    ++stats_.aer_req;
    credits_.AddDelta(aer->header.req_lim_delta);
    QueueReply(wire::EncodeAerResponse(wire::AerResponse{aer->header.tag}));
  } else if (auto* logout = std::get_if<wire::TargetLogout>(&*decoded)) {
    stats_.t_logout_reason = logout->reason;
    SRP_LOG(kInfo, "initiator: target logged out (reason 0x{:08x})", logout->reason);
    EnterDisconnected(SessionState::kTargetLoggedOut,
                      Status(StatusCode::kDisconnected,
                             fmt::format("target logged out (reason 0x{:08x})", logout->reason)));
  }
}

void Session::HandleRsp(const wire::RspView& rsp, int* callbacks) {
  credits_.AddDelta(rsp.header.req_lim_delta);
  auto it = requests_.find(rsp.header.tag);
  if (it == requests_.end() || it->second.sent_seq == 0) {
    ++stats_.late_responses_dropped;
    SRP_LOG(kDebug, "initiator: dropping SRP_RSP for unknown tag {}", rsp.header.tag);
    return;
  }
  Request req = std::move(it->second);
  requests_.erase(it);
  ReleaseSlotOwner(req.slot);
  if (req.is_tmf) {
    FinishTmf(req, rsp, callbacks);
    return;
  }
  ScsiResult r;
  r.tag = req.tag;
  r.status = rsp.header.status;
  r.flags = rsp.header.flags;
  r.data_in_residual = rsp.header.data_in_res_cnt;
  r.data_out_residual = rsp.header.data_out_res_cnt;
  r.data_length = req.data_length;
  r.format = req.format;
  r.transferred = req.data_length;
  const bool in = req.command.direction == wire::DataDirection::kIn;
  const bool under = (in && (r.flags & wire::kDiUnder)) || (!in && (r.flags & wire::kDoUnder));
  if (under) {
    const uint32_t res = in ? r.data_in_residual : r.data_out_residual;
    r.transferred = res > req.data_length ? 0 : req.data_length - res;
  }
  if ((r.flags & wire::kSnsValid) && !rsp.sense.empty()) {
    r.sense.assign(rsp.sense.begin(), rsp.sense.end());
    auto parsed = scsi::ParseSense(r.sense);
    if (parsed.ok()) r.parsed_sense = *parsed;
  }
  ++*callbacks;
  if (req.done) req.done(r);
}

void Session::FinishTmf(Request& req, const wire::RspView& rsp, int* callbacks) {
  TmfResult r;
  r.tag = req.tag;
  r.flags = rsp.header.flags;
  auto code = wire::TmfResponseCode(rsp);
  if (code.ok()) r.response = *code;
  if (r.succeeded()) {
    const Status aborted(StatusCode::kCancelled,
                         fmt::format("aborted by task management function 0x{:02x}",
                                     static_cast<unsigned>(req.tmf.function)));
    if (req.tmf.function == wire::TmfFunction::kAbortTask) {
      auto victim = requests_.find(req.tmf.task_tag);
      if (victim != requests_.end() && !victim->second.is_tmf && victim->second.sent_seq != 0) {
        Request v = std::move(victim->second);
        requests_.erase(victim);
        ReleaseSlotOwner(v.slot);
        ++*callbacks;
        CompleteWithStatus(std::move(v), aborted);
      }
    } else if (req.tmf.function == wire::TmfFunction::kLogicalUnitReset ||
               req.tmf.function == wire::TmfFunction::kAbortTaskSet ||
               req.tmf.function == wire::TmfFunction::kClearTaskSet) {
      *callbacks += FailRequests(aborted, &req.tmf.lun, req.sent_seq);
    }
  }
  ++*callbacks;
  if (req.tmf_done) req.tmf_done(r);
}

void Session::CheckConnectionEvents() {
  if (!channel_) return;
  while (auto ev = channel_->connection().NextEvent()) {
    if (ev->type == fabric::ConnectionEventType::kEstablished) continue;
    Status why = ev->detail.ok() ? Status(StatusCode::kDisconnected, "connection closed")
                                 : Status(StatusCode::kDisconnected, ev->detail.ToString());
    EnterDisconnected(SessionState::kDisconnected, why);
  }
}

int Session::FailRequests(const Status& why, const scsi::LunBytes* lun, uint64_t before_seq) {
  std::vector<uint64_t> tags;
  for (const auto& [tag, req] : requests_) {
    if (lun != nullptr) {
      if (req.is_tmf || req.sent_seq == 0 || req.sent_seq >= before_seq ||
          req.command.lun != *lun) {
        continue;
      }
    }
    tags.push_back(tag);
  }
  std::sort(tags.begin(), tags.end());
  int n = 0;
  for (uint64_t tag : tags) {
    auto it = requests_.find(tag);
    if (it == requests_.end()) continue;  // a callback already finished it
    Request req = std::move(it->second);
    requests_.erase(it);
    std::erase(waiting_, tag);
    ReleaseSlotOwner(req.slot);
    CompleteWithStatus(std::move(req), why);
    ++n;
  }
  return n;
}

void Session::CompleteWithStatus(Request req, const Status& why) {
  if (req.is_tmf) {
    TmfResult r;
    r.tag = req.tag;
    r.transport = why;
    if (req.tmf_done) req.tmf_done(r);
    return;
  }
  ScsiResult r;
  r.tag = req.tag;
  r.transport = why;
  r.data_length = req.data_length;
  r.format = req.format;
  if (req.done) req.done(r);
}

void Session::EnterDisconnected(SessionState state, const Status& why) {
  if (state_ != SessionState::kLoggedIn) return;
  state_ = state;
  SRP_LOG(kDebug, "initiator: session {}: {}", SessionStateName(state), why.ToString());
  replies_.clear();
  if (channel_) (void)channel_->connection().Disconnect();
  FailRequests(why);
}

std::string ScsiResult::Describe() const {
  if (!transport.ok()) return "transport: " + transport.ToString();
  std::string out(scsi::ScsiStatusName(static_cast<scsi::ScsiStatus>(status)));
  if (parsed_sense) {
    out += ": " + scsi::DescribeSense(parsed_sense->key, parsed_sense->asc);
  }
  return out;
}

}  // namespace srp::initiator
