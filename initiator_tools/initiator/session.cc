// Session lifecycle and the send side: login, submission, credits, descriptors.
#include "initiator_tools/initiator/session.h"

#include <poll.h>

#include <algorithm>

#include "lib/common/log.h"
#include "lib/srp/descriptors.h"

namespace srp::initiator {

const char* SessionStateName(SessionState state) {
  switch (state) {
    case SessionState::kLoggedIn:
      return "logged-in";
    case SessionState::kTargetLoggedOut:
      return "target-logged-out";
    case SessionState::kDisconnected:
      return "disconnected";
  }
  return "unknown";
}

Result<std::unique_ptr<Session>> Session::Login(fabric::Fabric& fabric, SessionOptions options) {
  if (options.queue_size == 0) return InvalidArgument("queue_size must be at least 1");
  options.sg_tablesize = std::max(options.sg_tablesize, options.cmd_sg_entries);
  std::unique_ptr<Session> s(new Session(fabric, options));
  SRP_ASSIGN_OR_RETURN(auto channel, Channel::Open(fabric, s->options_));
  SRP_RETURN_IF_ERROR(s->AttachChannel(std::move(channel)));
  return s;
}

Session::~Session() {
  // Outstanding requests are dropped without callbacks: their owners are going away too.
  requests_.clear();
  waiting_.clear();
  channel_.reset();
}

Status Session::AttachChannel(std::unique_ptr<Channel> channel) {
  channel_ = std::move(channel);
  const NegotiatedLogin& l = channel_->login();
  credits_ = CreditCounter(l.req_lim);
  policy_ = LayoutPolicy{.immediate_data = l.immediate_data,
                         .imm_data_offset = kImmDataOffset,
                         .max_it_iu_len = l.max_it_iu_len,
                         .cmd_sg_entries = options_.cmd_sg_entries,
                         .allow_ext_sg = options_.allow_ext_sg,
                         .sg_tablesize = options_.sg_tablesize};
  slots_.assign(channel_->slot_count(), SlotState{});
  replies_.clear();
  state_ = SessionState::kLoggedIn;
  return Status::Ok();
}

Result<std::unique_ptr<IoBuffer>> Session::AllocateBuffer(size_t size) {
  return IoBuffer::Allocate(fabric_, size);
}

Result<uint64_t> Session::Submit(ScsiCommand command, ScsiCallback done) {
  if (state_ != SessionState::kLoggedIn) {
    return Status(StatusCode::kDisconnected,
                  fmt::format("session is {}", SessionStateName(state_)));
  }
  // Validate the data description now so a bad one fails the call, not the command.
  auto plan = PlanDataLayout(command.direction, command.segments, policy_, command.allow_immediate,
                             wire::DirectDescriptor{});
  if (!plan.ok()) return plan.status();
  Request req;
  req.tag = next_tag_++;
  req.command = std::move(command);
  req.done = std::move(done);
  req.data_length = plan->layout.total_length;
  const uint64_t tag = req.tag;
  requests_.emplace(tag, std::move(req));
  waiting_.push_back(tag);
  SendWaiting();
  return tag;
}

Result<uint64_t> Session::SubmitTaskManagement(const TaskManagementRequest& request,
                                               TmfCallback done) {
  if (state_ != SessionState::kLoggedIn) {
    return Status(StatusCode::kDisconnected,
                  fmt::format("session is {}", SessionStateName(state_)));
  }
  Request req;
  req.tag = kTmfTagBit | next_tag_++;
  req.is_tmf = true;
  req.tmf = request;
  req.tmf_done = std::move(done);
  const uint64_t tag = req.tag;
  requests_.emplace(tag, std::move(req));
  waiting_.push_back(tag);
  SendWaiting();
  return tag;
}

void Session::SendWaiting() {
  bool commands_blocked = false;
  size_t i = 0;
  while (state_ == SessionState::kLoggedIn && i < waiting_.size()) {
    const uint64_t tag = waiting_[i];
    auto it = requests_.find(tag);
    if (it == requests_.end()) {
      waiting_.erase(waiting_.begin() + static_cast<ptrdiff_t>(i));
      continue;
    }
    // FIFO for commands; a TMF may overtake commands that wait for credits.
    if (commands_blocked && !it->second.is_tmf) {
      ++i;
      continue;
    }
    Status s = TrySend(it->second);
    if (s.code() == StatusCode::kResourceExhausted) {
      if (!it->second.is_tmf) {
        commands_blocked = true;
        ++stats_.waited_for_credit;
      }
      ++i;
      continue;
    }
    waiting_.erase(waiting_.begin() + static_cast<ptrdiff_t>(i));
    if (!s.ok()) {
      EnterDisconnected(SessionState::kDisconnected, s.WithContext("posting a SEND"));
      return;
    }
  }
}

Status Session::TrySend(Request& req) {
  const SlotUse use = req.is_tmf ? SlotUse::kTaskManagement : SlotUse::kCommand;
  std::optional<uint32_t> slot = channel_->AcquireSendSlot(use);
  if (!slot) return Status(StatusCode::kResourceExhausted, "no send slot");
  const bool credit =
      req.is_tmf ? credits_.TryTakeForTaskManagement() : credits_.TryTakeForCommand();
  if (!credit) {
    channel_->ReleaseSendSlot(*slot);
    return Status(StatusCode::kResourceExhausted, "no credit");
  }
  req.slot = slot;
  slots_[*slot] = SlotState{.send_pending = true, .owner_live = true};
  req.sent_seq = ++send_seq_;
  return req.is_tmf ? BuildAndPostTmf(req, *slot) : BuildAndPostCommand(req, *slot);
}

Status Session::BuildAndPostCommand(Request& req, uint32_t slot) {
  const ScsiCommand& cmd = req.command;
  SRP_ASSIGN_OR_RETURN(PlannedLayout plan,
                       PlanDataLayout(cmd.direction, cmd.segments, policy_, cmd.allow_immediate,
                                      channel_->TableLocation(slot)));
  std::vector<std::byte> imm;
  if (plan.immediate()) {
    imm.reserve(plan.layout.total_length);
    for (const DataSegment& s : cmd.segments) {
      const auto* p = reinterpret_cast<const std::byte*>(s.addr);
      imm.insert(imm.end(), p, p + s.length);
    }
  } else if (plan.layout.format == wire::DataFormat::kIndirect) {
    std::span<std::byte> table = channel_->TableBuffer(slot);
    for (size_t i = 0; i < plan.table.size(); ++i) {
      wire::EncodeDirectDescriptor(plan.table[i], table.subspan(i * 16).first<16>());
    }
  }
  wire::CmdHeader hdr;
  hdr.tag = req.tag;
  std::copy(cmd.lun.begin(), cmd.lun.end(), reinterpret_cast<std::byte*>(hdr.lun.data()));
  hdr.task_attr = static_cast<uint8_t>(cmd.task_attr);
  std::copy(cmd.cdb.bytes.begin(), cmd.cdb.bytes.end(),
            reinterpret_cast<std::byte*>(hdr.cdb.data()));
  SRP_ASSIGN_OR_RETURN(size_t len,
                       wire::EncodeCmd(hdr, {}, plan.layout, imm, channel_->SendBuffer(slot)));
  req.format = plan.layout.format;
  switch (plan.layout.format) {
    case wire::DataFormat::kImmediate:
      ++stats_.immediate;
      break;
    case wire::DataFormat::kDirect:
      ++stats_.direct;
      break;
    case wire::DataFormat::kIndirect:
      ++stats_.indirect;
      if (plan.external_table()) ++stats_.external_tables;
      break;
    case wire::DataFormat::kNone:
      break;
  }
  ++stats_.commands_sent;
  SRP_TRACE(kTraceIu, "initiator: SRP_CMD tag {} len {} fmt {}", req.tag, len,
            static_cast<int>(plan.layout.format));
  return channel_->PostSend(slot, len);
}

Status Session::BuildAndPostTmf(Request& req, uint32_t slot) {
  wire::TaskManagement tm;
  tm.tag = req.tag;
  std::copy(req.tmf.lun.begin(), req.tmf.lun.end(), reinterpret_cast<std::byte*>(tm.lun.data()));
  tm.function = req.tmf.function;
  tm.task_tag = req.tmf.task_tag;
  SRP_ASSIGN_OR_RETURN(size_t len, wire::EncodeTaskManagement(tm, channel_->SendBuffer(slot)));
  ++stats_.tmfs_sent;
  return channel_->PostSend(slot, len);
}

void Session::QueueReply(std::vector<std::byte> iu) {
  replies_.push_back(std::move(iu));
  SendReplies();
}

void Session::SendReplies() {
  while (state_ == SessionState::kLoggedIn && !replies_.empty()) {
    std::optional<uint32_t> slot = channel_->AcquireSendSlot(SlotUse::kReply);
    if (!slot) return;
    const std::vector<std::byte>& iu = replies_.front();
    std::copy(iu.begin(), iu.end(), channel_->SendBuffer(*slot).begin());
    slots_[*slot] = SlotState{.send_pending = true, .owner_live = false};
    Status s = channel_->PostSend(*slot, iu.size());
    replies_.pop_front();
    if (!s.ok()) {
      EnterDisconnected(SessionState::kDisconnected, s.WithContext("posting a reply"));
      return;
    }
  }
}

void Session::ReleaseSlotOwner(std::optional<uint32_t> slot) {
  if (!slot || !channel_) return;
  SlotState& st = slots_[*slot];
  st.owner_live = false;
  if (!st.send_pending) channel_->ReleaseSendSlot(*slot);
}

Status Session::WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    Progress();
    if (done()) return Status::Ok();
    if (state_ != SessionState::kLoggedIn && requests_.empty()) {
      return Status(StatusCode::kDisconnected,
                    fmt::format("session is {}", SessionStateName(state_)));
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return Status(StatusCode::kTimedOut, "timed out waiting for the target");
    if (busy_poll_ || !channel_) continue;
    SRP_RETURN_IF_ERROR(channel_->cq().ArmNotify());
    Progress();
    if (done()) return Status::Ok();
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    pollfd fds[2] = {{channel_->cq().event_fd(), POLLIN, 0},
                     {channel_->connection().event_fd(), POLLIN, 0}};
    (void)poll(fds, 2, static_cast<int>(std::clamp<int64_t>(left.count() + 1, 1, 50)));
    channel_->cq().AckEvent();
  }
}

std::array<int, 2> Session::ArmWait() {
  if (!channel_) return {-1, -1};
  (void)channel_->cq().ArmNotify();  // on failure the caller's poll wakes on its deadline
  return {channel_->cq().event_fd(), channel_->connection().event_fd()};
}

void Session::AckWait() {
  if (channel_) channel_->cq().AckEvent();
}

Status Session::Logout(bool send_i_logout) {
  if (state_ != SessionState::kLoggedIn) return Status::Ok();
  if (send_i_logout) {
    std::optional<uint32_t> slot = channel_->AcquireSendSlot(SlotUse::kReply);
    if (slot) {
      auto n = wire::EncodeInitiatorLogout(wire::InitiatorLogout{next_tag_++},
                                           channel_->SendBuffer(*slot));
      if (n.ok()) {
        slots_[*slot] = SlotState{.send_pending = true, .owner_live = false};
        if (channel_->PostSend(*slot, *n).ok()) {
          (void)WaitUntil([&] { return !slots_[*slot].send_pending; },
                          std::chrono::milliseconds(1000));
        }
      }
    }
  }
  EnterDisconnected(SessionState::kDisconnected, Status(StatusCode::kDisconnected, "logged out"));
  return Status::Ok();
}

Status Session::Reconnect() {
  if (state_ == SessionState::kLoggedIn) SRP_RETURN_IF_ERROR(Logout(false));
  FailRequests(Status(StatusCode::kDisconnected, "session reconnecting"));
  channel_.reset();
  SRP_ASSIGN_OR_RETURN(auto channel, Channel::Open(fabric_, options_));
  return AttachChannel(std::move(channel));
}

}  // namespace srp::initiator
