#include "target/engine/srp_request.h"

#include <algorithm>
#include <cstring>

#include "lib/common/log.h"
#include "lib/scsi/constants.h"
#include "target/engine/srp_channel.h"
#include "target/engine/srp_session.h"
#include "target/engine/wr_id.h"

namespace srp::target {

namespace {

// SAM: OVERLAPPED COMMANDS ATTEMPTED (tag reused while in flight).
const scsi::SenseReason kOverlappedCommands{scsi::SenseKey::kAbortedCommand, {0x4E, 0x00}, {}};

scsi::SenseReason InvalidCdbField() { return scsi::InvalidFieldInCdb(0); }

DataDirection ToTaskDirection(wire::DataDirection d) {
  switch (d) {
    case wire::DataDirection::kIn:
      return DataDirection::kIn;
    case wire::DataDirection::kOut:
      return DataDirection::kOut;
    case wire::DataDirection::kNone:
      break;
  }
  return DataDirection::kNone;
}

}  // namespace

const char* RequestStateName(RequestState state) {
  switch (state) {
    case RequestState::kNew:
      return "new";
    case RequestState::kNeedBuffer:
      return "need-buffer";
    case RequestState::kRdmaRead:
      return "rdma-read";
    case RequestState::kExecuting:
      return "executing";
    case RequestState::kRdmaWrite:
      return "rdma-write";
    case RequestState::kResponseSent:
      return "response-sent";
    case RequestState::kDone:
      return "done";
  }
  return "?";
}

SrpRequest::SrpRequest(SrpChannel& channel, uint32_t index, std::span<std::byte> rsp_buf)
    : ch_(channel), index_(index), rsp_buf_(rsp_buf) {
  pieces_.reserve(64);
}

void SrpRequest::Reset(uint32_t slot, std::span<std::byte> iu, Kind kind) {
  recv_slot_ = slot;
  kind_ = kind;
  answer_ = Answer::kNone;
  iu_ = iu;
  layout_ = wire::DataLayout{};
  pieces_.clear();
  next_piece_ = 0;
  chunks_outstanding_ = 0;
  counted_ = aborted_ = rdma_failed_ = false;
  need_table_ = table_fetched_ = data_fetched_ = false;
  scsi_started_ = scsi_done_ = recv_reposted_ = send_queued_ = false;
  state_ = RequestState::kNew;
}

void SrpRequest::BeginCommand(uint32_t slot, std::span<std::byte> iu, const wire::CmdHeader& hdr) {
  Reset(slot, iu, Kind::kCommand);
  hdr_ = hdr;
  tag_ = hdr.tag;
  lun_ = hdr.lun;
}

void SrpRequest::BeginTmf(uint32_t slot, std::span<std::byte> iu, const wire::TaskManagement& tmf) {
  Reset(slot, iu, Kind::kTmf);
  tmf_ = tmf;
  tag_ = tmf.tag;
  lun_ = tmf.lun;
}

void SrpRequest::BeginMalformed(uint32_t slot, std::span<std::byte> iu, uint64_t tag,
                                const scsi::SenseReason& reason) {
  Reset(slot, iu, Kind::kCommand);
  tag_ = tag;
  lun_ = {};
  answer_ = Answer::kError;
  error_ = reason;
}

void SrpRequest::SetState(RequestState next) {
  SRP_TRACE(kTraceIu, "ch {} req {} (slot {}) tag {:#x}: {} -> {}", ch_.id(), index_, recv_slot_,
            tag_, RequestStateName(state_), RequestStateName(next));
  state_ = next;
}

void SrpRequest::Process() {
  if (in_process_) {
    reprocess_ = true;
    return;
  }
  in_process_ = true;
  RequestState prev;
  do {
    reprocess_ = false;
    prev = state_;
    switch (state_) {
      case RequestState::kNew:
        OnNew();
        break;
      case RequestState::kNeedBuffer:
        OnNeedBuffer();
        break;
      case RequestState::kRdmaRead:
        OnRdmaRead();
        break;
      case RequestState::kExecuting:
        OnExecuting();
        break;
      case RequestState::kRdmaWrite:
        OnRdmaWrite();
        break;
      case RequestState::kResponseSent:
        OnResponseSent();
        break;
      case RequestState::kDone:
        break;
    }
  } while (state_ != prev || (reprocess_ && state_ != RequestState::kDone));
  in_process_ = false;
}

// ------------------------------------------------------------------ kNew ---

void SrpRequest::OnNew() {
  if (ch_.closing()) return Finish(false);
  if (answer_ == Answer::kError) return SetState(RequestState::kRdmaWrite);
  if (kind_ == Kind::kTmf) {
    tmf_code_ = ch_.ExecuteTmf(tmf_, this);
    answer_ = Answer::kTmf;
    return SetState(RequestState::kRdmaWrite);
  }
  OnNewCommand();
}

void SrpRequest::FailWith(const scsi::SenseReason& reason) {
  answer_ = Answer::kError;
  error_ = reason;
  SetState(RequestState::kRdmaWrite);
}

void SrpRequest::OnNewCommand() {
  if (ch_.TagInFlight(tag_, this)) {
    SRP_LOG(kWarning, "ch {}: tag {:#x} reused while in flight", ch_.id(), tag_);
    return FailWith(kOverlappedCommands);
  }
  auto layout = wire::ParseDataLayout(hdr_, iu_, ch_.limits());
  if (!layout.ok()) {
    SRP_LOG(kInfo, "ch {}: tag {:#x}: bad data descriptors: {}", ch_.id(), tag_,
            layout.status().message());
    return FailWith(InvalidCdbField());
  }
  layout_ = std::move(*layout);

  task_ = ScsiTask{};
  // The CDB: the 16-byte field followed by the additional CDB bytes.
  std::span<const std::byte> add = wire::AdditionalCdb(hdr_, iu_);
  std::array<std::byte, wire::kCdbSize + 256> cdb{};
  std::memcpy(cdb.data(), hdr_.cdb.data(), wire::kCdbSize);
  if (!add.empty()) std::memcpy(cdb.data() + wire::kCdbSize, add.data(), add.size());
  if (!task_.SetCdb(std::span<const std::byte>(cdb.data(), wire::kCdbSize + add.size())).ok()) {
    return FailWith(InvalidCdbField());
  }
  task_.tag = tag_;
  task_.nexus_id = ch_.nexus_id();
  task_.port = &ch_.config().port_info;
  std::memcpy(task_.lun_raw.data(), hdr_.lun.data(), task_.lun_raw.size());
  task_.attribute = static_cast<TaskAttribute>(hdr_.task_attr & 0x07);
  task_.direction = ToTaskDirection(layout_.direction);
  task_.expected_length = layout_.total_length;
  counted_ = true;
  ch_.session().AddCommand();

  if (layout_.format == wire::DataFormat::kImmediate) {
    std::span<const std::byte> imm = layout_.ImmediateData(iu_);
    // The immediate data stays in the receive buffer (ours) until execution ends.
    task_.buffer = std::span<std::byte>(const_cast<std::byte*>(imm.data()), imm.size());
    data_fetched_ = true;
    return SetState(RequestState::kExecuting);
  }
  need_table_ = layout_.needs_external_table;
  if (layout_.total_length == 0 && !need_table_) return SetState(RequestState::kExecuting);
  SetState(RequestState::kNeedBuffer);
}

// ------------------------------------------------------------ kNeedBuffer ---

void SrpRequest::OnNeedBuffer() {
  if (aborted_ || ch_.closing()) return Finish(false);
  size_t size = layout_.total_length;
  if (need_table_) size = std::max<size_t>(size, layout_.table_desc.len);
  Status error;
  if (!ch_.AcquireBuffer(size, &buf_, this, &error)) {
    if (!error.ok()) {
      SRP_LOG(kWarning, "ch {}: no buffer for {} bytes: {}", ch_.id(), size, error.ToString());
      return FailWith({scsi::SenseKey::kHardwareError, scsi::kAscInternalTargetFailure, {}});
    }
    return;  // parked; the channel resumes us when a buffer is released
  }
  task_.buffer = buf_.data.first(layout_.total_length);
  if (need_table_ || layout_.direction == wire::DataDirection::kOut) {
    return SetState(RequestState::kRdmaRead);
  }
  SetState(RequestState::kExecuting);
}

// -------------------------------------------------------------- kRdmaRead ---

void SrpRequest::BuildPieces(std::span<const wire::DirectDescriptor> descs, uint64_t limit) {
  pieces_.clear();
  next_piece_ = 0;
  const uint32_t max_piece = std::max<uint32_t>(ch_.config().srp_max_rdma_size, 1);
  size_t offset = 0;
  for (const wire::DirectDescriptor& d : descs) {
    uint64_t left = std::min<uint64_t>(d.len, limit - offset);
    uint64_t va = d.va;
    while (left > 0) {
      uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(left, max_piece));
      pieces_.push_back(Piece{va, d.rkey, n, offset});
      va += n;
      offset += n;
      left -= n;
    }
    if (offset >= limit) break;
  }
}

void SrpRequest::OnRdmaRead() {
  if (chunks_outstanding_ > 0) return;  // wait for the signalled READ(s)
  if (rdma_failed_ || ch_.closing()) return Finish(false);
  if (need_table_ && !table_fetched_) {
    if (pieces_.empty()) {
      wire::DirectDescriptor table = layout_.table_desc;
      BuildPieces(std::span<const wire::DirectDescriptor>(&table, 1), table.len);
    }
    if (!Pump(fabric::WrOpcode::kRdmaRead, false) || chunks_outstanding_ > 0) return;
    table_fetched_ = true;
    auto full = wire::ParseExternalTable(layout_, buf_.data.first(layout_.table_desc.len));
    if (!full.ok()) {
      SRP_LOG(kInfo, "ch {}: tag {:#x}: bad external table: {}", ch_.id(), tag_,
              full.status().message());
      return FailWith(InvalidCdbField());
    }
    layout_ = std::move(*full);
    pieces_.clear();
    next_piece_ = 0;
    if (layout_.direction != wire::DataDirection::kOut) {
      if (aborted_) return Finish(false);
      return SetState(RequestState::kExecuting);
    }
  }
  if (aborted_) return Finish(false);
  if (!data_fetched_) {
    if (pieces_.empty()) BuildPieces(layout_.descriptors, layout_.total_length);
    if (!Pump(fabric::WrOpcode::kRdmaRead, false) || chunks_outstanding_ > 0) return;
    data_fetched_ = true;
  }
  SetState(RequestState::kExecuting);
}

// ------------------------------------------------------------- kExecuting ---

void SrpRequest::OnExecuting() {
  if (!scsi_started_) {
    if (aborted_ || ch_.closing()) return Finish(false);
    scsi_started_ = true;
    task_.session_commands = ch_.session().outstanding();
    ch_.executor().Submit(ch_.luns(), task_, [this](ScsiTask&) { OnScsiDone(); });
  }
  if (!scsi_done_) return;
  if (aborted_ || ch_.closing()) return Finish(false);
  answer_ = Answer::kTask;
  pieces_.clear();
  next_piece_ = 0;
  SetState(RequestState::kRdmaWrite);
}

void SrpRequest::OnScsiDone() {
  if (ch_.OnOwnerThread()) {
    scsi_done_ = true;
    if (!in_process_) Process();
    return;
  }
  ch_.sink().PostScsiDone(this);
}

void SrpRequest::OnScsiDoneOnOwner() {
  scsi_done_ = true;
  Process();
}

// ------------------------------------------------------------- kRdmaWrite ---

void SrpRequest::OnRdmaWrite() {
  if (!send_queued_ && next_piece_ == 0 && (aborted_ || ch_.closing())) return Finish(false);
  // Execution is over: the IU (and any immediate data) is no longer needed. The slot may
  // receive a new IU (for another request context) before our SEND completes.
  RepostRecv();
  if (pieces_.empty() && next_piece_ == 0 && answer_ == Answer::kTask &&
      task_.direction == DataDirection::kIn && task_.data_length > 0) {
    BuildPieces(layout_.descriptors, task_.data_length);
  }
  if (!Pump(fabric::WrOpcode::kRdmaWrite, true)) return;
  SetState(RequestState::kResponseSent);
}

uint32_t SrpRequest::BuildResponse() {
  wire::RspHeader hdr;
  hdr.tag = tag_;
  hdr.req_lim_delta = ch_.TakeCredits();
  std::span<std::byte> out = rsp_buf_;
  Result<size_t> n = Status(StatusCode::kInternal, "no answer");
  if (answer_ == Answer::kTmf) {
    n = wire::EncodeTmfRsp(hdr, tmf_code_, ch_.max_ti_iu_len(), out);
  } else if (answer_ == Answer::kError) {
    hdr.status = static_cast<uint8_t>(scsi::ScsiStatus::kCheckCondition);
    auto sense = scsi::BuildFixedSense(error_);
    n = wire::EncodeRsp(hdr, {}, sense, ch_.max_ti_iu_len(), out);
  } else {
    hdr.status = static_cast<uint8_t>(task_.status);
    if (task_.residual != Residual::kNone) {
      bool out_dir = task_.direction == DataDirection::kOut;
      bool under = task_.residual == Residual::kUnderflow;
      if (out_dir) {
        hdr.flags |= under ? wire::kDoUnder : wire::kDoOver;
        hdr.data_out_res_cnt = task_.residual_count;
      } else {
        hdr.flags |= under ? wire::kDiUnder : wire::kDiOver;
        hdr.data_in_res_cnt = task_.residual_count;
      }
    }
    n = wire::EncodeRsp(hdr, {}, task_.sense_data(), ch_.max_ti_iu_len(), out);
  }
  if (!n.ok()) {
    // Cannot happen with max_ti_iu_len >= 64; keep the channel consistent anyway.
    SRP_LOG(kError, "ch {}: cannot encode SRP_RSP: {}", ch_.id(), n.status().ToString());
    return static_cast<uint32_t>(wire::kRspHeaderSize);
  }
  return static_cast<uint32_t>(*n);
}

bool SrpRequest::Pump(fabric::WrOpcode op, bool with_send) {
  for (;;) {
    size_t remaining = pieces_.size() - next_piece_ + ((with_send && !send_queued_) ? 1 : 0);
    if (remaining == 0) return true;
    uint32_t room = ch_.SqAvailable();
    if (room == 0) {
      ch_.WaitForSq(this);
      return false;
    }
    uint32_t n = static_cast<uint32_t>(std::min<size_t>({remaining, room, 0xffff}));
    for (uint32_t i = 0; i < n; ++i) {
      bool last = i + 1 == n;
      uint64_t wr_id = MakeWrId(WrKind::kRequest, index_, last ? n : 0);
      if (next_piece_ < pieces_.size()) {
        const Piece& p = pieces_[next_piece_++];
        fabric::Sge sge{reinterpret_cast<uint64_t>(buf_.data.data() + p.offset), p.length,
                        buf_.lkey};
        ch_.QueueWr(op, wr_id, sge, p.remote_addr, p.rkey, last);
      } else {
        uint32_t len = BuildResponse();
        fabric::Sge sge{reinterpret_cast<uint64_t>(rsp_buf_.data()), len, ch_.rsp_lkey()};
        ch_.QueueWr(fabric::WrOpcode::kSend, wr_id, sge, 0, 0, last);
        send_queued_ = true;
      }
    }
    ch_.ConsumeSq(n);
    ++chunks_outstanding_;
  }
}

// ---------------------------------------------------------- kResponseSent ---

void SrpRequest::OnResponseSent() {
  if (chunks_outstanding_ > 0) return;
  Finish(!rdma_failed_);
}

// ------------------------------------------------------------------ hooks ---

void SrpRequest::OnChunkDone() {
  if (chunks_outstanding_ > 0) --chunks_outstanding_;
  Process();
}

void SrpRequest::OnDrained() {
  if (chunks_outstanding_ > 0) {
    chunks_outstanding_ = 0;
    rdma_failed_ = true;
  }
  Process();
}

bool SrpRequest::Abort() {
  if (!active() || send_queued_ || (next_piece_ > 0 && state_ == RequestState::kRdmaWrite)) {
    return false;
  }
  aborted_ = true;
  if (state_ == RequestState::kNeedBuffer || state_ == RequestState::kRdmaWrite) {
    ch_.CancelWaits(this);
    Process();
  }
  return true;
}

void SrpRequest::RepostRecv() {
  if (recv_reposted_) return;
  recv_reposted_ = true;
  iu_ = {};
  ch_.RepostRecv(recv_slot_);
}

void SrpRequest::Finish(bool responded) {
  ch_.CancelWaits(this);
  if (buf_.held()) ch_.ReleaseBuffer(&buf_);
  if (counted_) {
    ch_.session().RemoveCommand();
    counted_ = false;
  }
  if (!responded) ch_.AddPendingCredit();
  RepostRecv();
  task_.buffer = {};
  SetState(RequestState::kDone);
  ch_.OnRequestFinished(this);
}

}  // namespace srp::target
